"""What the core needs from the outside, as small ``typing.Protocol``s (one module per kind of thing).

Services depend on these, never on an adapter; ``kiosk/app.py`` wires the real or simulated adapters in.
"""

from core.ports.clock import Clock, SystemClock
from core.ports.printer import PaperPrinter, PrinterStatus, TicketPrinter, TicketSlip
from core.ports.queue import QueuePlatform

__all__ = ["Clock", "PaperPrinter", "PrinterStatus", "QueuePlatform", "SystemClock", "TicketPrinter", "TicketSlip"]
