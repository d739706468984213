"""Real-time status (``DLE EOT n``) bytes → ``PrinterStatus`` (pure). docs/printing.md "Status".

A status answer is one byte whose bits 1 and 4 are always 1 and bits 0 and 7 always 0 (so a healthy
printer answers 0x12). A printer with automatic status back enabled (``GS a n``) also sends 4-byte
messages whenever its status changes; their first byte has bits 0, 1 and 7 at 0 and bit 4 at 1 (Epson
ESC/POS reference, GS a), so it cannot be taken for a DLE EOT answer (bit 1 differs): ``split_answer``
sets such messages aside instead of calling them garbage.

Which bits mean what (docs/printing.md "Status"):
    n=1 printer:  bit 3 offline, bit 5 waiting for recovery, bit 6 feed button pressed
    n=2 offline:  bit 2 cover open, bit 3 paper being fed, bit 5 stopped at paper end, bit 6 error
    n=3 error:    bit 3 cutter error, bit 5 unrecoverable, bit 6 auto-recoverable (e.g. overheat)
    n=4 paper:    bits 2–3 (0x0C) paper near end, bits 5–6 (0x60) paper end
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import DeviceError, HardwareFault, PaperOut
from core.ports.printer import PrinterStatus

QUERIES = (1, 2, 4)  # the answers we need to tell every PrinterStatus apart


def query(n: int) -> bytes:
    """The DLE EOT n command (10 04 n)."""
    if n not in (1, 2, 3, 4):
        raise ValueError(f"DLE EOT n takes n = 1…4, not {n}")
    return bytes((0x10, 0x04, n))


def is_status_byte(b: int) -> bool:
    """Bits 1 and 4 set, bits 0 and 7 clear: the fixed bits of every DLE EOT answer."""
    return b & 0x93 == 0x12


def is_asb_header(b: int) -> bool:
    """The first byte of a 4-byte automatic status back message (GS a): bits 0, 1, 7 clear, bit 4 set."""
    return b & 0x93 == 0x10


@dataclass(frozen=True)
class Answers:
    """The answers to DLE EOT 1, 2 and 4."""

    printer: int
    offline_cause: int
    paper: int

    def status(self) -> PrinterStatus:
        """The one status a person needs to know, the most specific cause first."""
        if self.offline_cause & 0x04:
            return PrinterStatus.COVER_OPEN
        if self.paper & 0x60 or self.offline_cause & 0x20:
            return PrinterStatus.PAPER_OUT
        if self.offline_cause & 0x40:
            return PrinterStatus.ERROR
        if self.printer & 0x08:
            return PrinterStatus.OFFLINE
        if self.paper & 0x0C:
            return PrinterStatus.PAPER_NEAR_END
        return PrinterStatus.READY


# What a printer in each state answers to DLE EOT 1, 2, 3, 4 (used by the simulator and the tests).
ANSWERS_FOR: dict[PrinterStatus, dict[int, int]] = {
    PrinterStatus.READY: {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12},
    PrinterStatus.PAPER_NEAR_END: {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x1E},
    PrinterStatus.PAPER_OUT: {1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x7E},
    PrinterStatus.COVER_OPEN: {1: 0x1A, 2: 0x16, 3: 0x12, 4: 0x12},
    PrinterStatus.OFFLINE: {1: 0x1A, 2: 0x12, 3: 0x12, 4: 0x12},
    PrinterStatus.ERROR: {1: 0x1A, 2: 0x52, 3: 0x5A, 4: 0x12},
}


def fault_for(status: PrinterStatus, device: str) -> DeviceError | None:
    """The error to raise instead of printing in ``status`` (None: go ahead and print)."""
    if status.can_print:
        return None
    if status is PrinterStatus.PAPER_OUT:
        return PaperOut("printer reports paper out (DLE EOT)", device=device)
    key = {PrinterStatus.COVER_OPEN: "printer.fault.cover_open", PrinterStatus.OFFLINE: "printer.fault.offline",
           PrinterStatus.ERROR: "printer.fault.error"}[status]
    return HardwareFault(f"printer reports {status.value} (DLE EOT)", key=key, device=device)
