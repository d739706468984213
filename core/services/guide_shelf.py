"""The hall's guide book as the terminal holds it now, built again only when the catalogue changed.

Light to import (the guide module, its forms and search, load when the first book is built): a kiosk's
start-up does not pay for them.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING

from core.errors import PlatformUnreachable
from core.services.catalogue import REFERENCE_NAME, _resolve

if TYPE_CHECKING:
    from core.services.guide import GuideBook


class GuideShelf:
    """The hall's guide book as the terminal holds it now, built again only when the catalogue changed.

    ``book()`` reads the catalogue through the reference cache (online: refreshed with its ETag; offline: the
    cached copy) and keeps the book it built for that content, so papers and pages that need one guide do not
    rebuild every form each time. Blocking: call on a worker. Thread-safe.
    """

    def __init__(self, reference) -> None:
        self.reference = reference
        self._lock = threading.Lock()
        self._key: tuple[int, int] | None = None
        self._book: GuideBook | None = None

    def book(self) -> GuideBook:
        from core.services.guide import GuideBook  # forms and search: loaded when a guide is first needed

        reference = _resolve(self.reference)
        if reference is None:
            raise PlatformUnreachable("the terminal's store is not ready yet")
        body = reference.get(REFERENCE_NAME).body
        text = json.dumps(body, ensure_ascii=False, sort_keys=True)
        key = (len(text), hash(text))
        with self._lock:
            if self._book is None or key != self._key:
                self._book, self._key = GuideBook.from_catalogue(body), key
            return self._book
