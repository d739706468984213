"""A proxy's written authorisation (授权委托书) at the pickup window, kept with the hand-over (docs/pickup.md).

    auth = Authorisations(outbox, window=8)
    paper = auth.from_image(page.image)          # one A4 PDF page; paper.sha256 goes with the hand-over
    auth.record(paper, tracking=number, clerk="S1008")   # after the platform recorded the hand-over

The PDF goes to the platform as the attachment of a ``clerk_action`` record (``action``
``pickup_hand_over``: the case, the window, the clerk, the collector, the authorisation's SHA-256) through
the terminal's outbox, so it is stored sealed on the platform beside the hand-over that names its hash.
The image is personal data: it lives in memory and in the encrypted store only, never in a plain file.
Blocking (imaging, the store's commit): on a worker.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.errors import ConfigError
from core.ports.outbox import AttachmentIn, Outbox, RecordKind


@dataclass(frozen=True)
class Authorisation:
    pdf: bytes = field(repr=False)
    sha256: str


class Authorisations:
    def __init__(self, outbox: Outbox | Callable[[], Outbox | None] | None, *, window: int) -> None:
        self._outbox, self.window = outbox, window

    def from_image(self, image: Any) -> Authorisation:
        from core.services.materials import to_pdf  # imaging: loaded when an authorisation is captured

        pdf = to_pdf([image], title="授权委托书")
        return Authorisation(pdf, hashlib.sha256(pdf).hexdigest())

    def capture(self, camera) -> Authorisation:
        """Takes the page under the document camera (a ``DocumentCamera``) and makes it the PDF."""
        return self.from_image(camera.capture().image)

    def record(self, paper: Authorisation, *, tracking: str, clerk: str) -> str:
        outbox = self._outbox() if callable(self._outbox) and not hasattr(self._outbox, "enqueue") else self._outbox
        if outbox is None:
            raise ConfigError("no store configured for the authorisation", setting="sync", problem="no store")
        content = {"action": "pickup_hand_over", "tracking": tracking, "window": self.window, "clerk": clerk,
                   "collector": "proxy", "authorisation": paper.sha256}
        return outbox.enqueue(RecordKind.CLERK_ACTION, content,
                              [AttachmentIn(paper.pdf, "application/pdf", "authorisation")])
