"""What the core needs from the outside, as small ``typing.Protocol``s (one module per kind of thing).

Services depend on these, never on an adapter; ``kiosk/app.py`` wires the real or simulated adapters in.
"""

from kiosk.ports.clock import Clock, SystemClock
from kiosk.ports.printer import PrinterStatus, TicketPrinter, TicketSlip
from kiosk.ports.queue import QueuePlatform

__all__ = ["Clock", "PrinterStatus", "QueuePlatform", "SystemClock", "TicketPrinter", "TicketSlip"]
