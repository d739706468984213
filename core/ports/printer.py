"""A ticket or receipt printer, as the services use it.

``devices.printer`` implements it over python-escpos for every transport and as a virtual printer.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from core.domain import HallInfo, Ticket
from core.domain.intake import Checklist, Notice, Receipt
from core.domain.slip import PreApplicationSlip


class PrinterStatus(enum.Enum):
    READY = "ready"
    PAPER_NEAR_END = "paper_near_end"  # prints, but the roll should be changed soon
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    ERROR = "error"
    UNKNOWN = "unknown"  # the printer or its transport cannot report status: printing goes ahead

    @property
    def can_print(self) -> bool:
        return self in (PrinterStatus.READY, PrinterStatus.PAPER_NEAR_END, PrinterStatus.UNKNOWN)


@dataclass(frozen=True)
class TicketSlip:
    """What goes on a queue ticket, independent of the printer."""

    hall: HallInfo
    ticket: Ticket
    language: str = "zh_CN"


class TicketPrinter(Protocol):
    name: str

    def status(self) -> PrinterStatus:
        """Asks the printer (DLE EOT) where it can; ``UNKNOWN`` where it cannot. Never blocks longer than
        the device timeout."""
        ...

    def print_ticket(self, slip: TicketSlip) -> None:
        """Prints one ticket and cuts. Raises ``DeviceError`` subclasses (``PaperOut``,
        ``DeviceNotFound``, ``DeviceTimeout``…) on failure."""
        ...

    def close(self) -> None: ...


class PaperPrinter(Protocol):
    """A receipt printer for the papers of intake (受理回执, 一次性告知单, 材料清单, the 自助申报 slip)."""

    name: str

    def status(self) -> PrinterStatus:
        """As ``TicketPrinter.status``."""
        ...

    def print_paper(self, paper: Receipt | Notice | Checklist | PreApplicationSlip, language: str = "zh_CN") -> None:
        """Prints one paper (a value of core.domain.intake, or core.domain.slip's) in ``language`` and cuts. Raises ``DeviceError``
        subclasses (``PaperOut``, ``DeviceNotFound``, ``DeviceTimeout``…) on failure; ``TypeError`` for a value
        that is not a paper."""
        ...
