"""A code scanner (serial or keyboard-wedge) and a camera-frame code decoder, as the services use them.

``devices.scanner.SerialScanner`` implements ``CodeScanner``; ``ui.wedge.WedgeScanFilter`` delivers
keyboard-wedge scans to the same kind of ``on_scan`` callback. ``devices.scanner.decoder`` implements
``FrameCodeReader``. Payloads arrive already bounded in length, decoded (a declared ECI, else UTF-8,
else the likelier of GB18030 and Shift-JIS) and stripped of control characters; they are still
untrusted: classify them with ``core.domain.codes.classify``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from core.errors import DeviceError
from core.ports.lifecycle import Lifecycle


class ScannerState(enum.StrEnum):
    CONNECTING = "connecting"
    READY = "ready"
    DISCONNECTED = "disconnected"  # unplugged or failed: the scanner retries by itself
    STOPPED = "stopped"


ScanCallback = Callable[[str], None]
StateCallback = Callable[[ScannerState], None]
ErrorCallback = Callable[[DeviceError], None]


class CodeScanner(Protocol):
    """Delivers each scanned payload to ``on_scan`` on the scanner's own thread (never the GUI thread:
    the Qt layer re-emits it as a queued signal)."""

    on_scan: ScanCallback | None
    on_state: StateCallback | None
    on_error: ErrorCallback | None

    @property
    def state(self) -> ScannerState: ...

    @property
    def lifecycle(self) -> Lifecycle:
        """The owner thread's life (core.ports.lifecycle), published like every device's."""
        ...

    def start(self) -> Any:
        """Starts the owner thread and returns at once (the port opens in the background)."""
        ...

    def stop(self, timeout_s: float = 3.0) -> None: ...


@dataclass(frozen=True)
class CodePart:
    """One symbol of a structured-append sequence (ISO/IEC 18004 §8): a payload split over up to 16
    QR symbols, each carrying its position, the count, and the parity byte of the whole payload (which
    also tells sequences apart)."""

    index: int  # from 0
    total: int
    parity: int
    data: bytes  # this symbol's content (in the ECI protocol when ``eci``)
    eci: bool = False


@dataclass(frozen=True)
class DecodedCode:
    """One code found in a camera frame."""

    text: str
    format: str  # "QRCode", "DataMatrix", "Code128" …
    # Corners in frame pixels, clockwise from top-left ((x, y) × 4); empty when the back end gives none.
    corners: tuple[tuple[int, int], ...] = ()
    # Set when the symbol is one part of a structured-append sequence: ``text`` is then that part's
    # alone, and the whole payload is the parts' data joined (``devices.scanner.sequence``).
    part: CodePart | None = None


class FrameCodeReader(Protocol):
    def decode(self, frame: Any) -> list[DecodedCode]:
        """Finds the codes in one frame (a numpy array, grey or BGR). Pure compute, no I/O."""
        ...
