"""The virtual printer (``virtual://NAME``): an in-memory ``TicketPrinter`` for the demo and the tests.

It prints exactly what a real printer would be sent (``ticket_job``), keeps every job's bytes in
``jobs``, calls ``on_job(job)`` after each one (on the printer's owner thread, like every device call),
and reports whatever ``set_status`` injected: paper out or cover open make ``print_ticket`` raise
``PaperOut`` / ``HardwareFault`` before anything is kept, as a real printer checked with DLE EOT would.
``render_png(job, width_dots)`` (render.py) shows what the paper would look like.

    printer = VirtualPrinter(PrinterConfig("ticket", "virtual://kiosk-1", width_mm=80))
    printer.on_job = lambda job: preview.show(render_png(job, printer.cfg.dots))
    printer.set_status(PrinterStatus.PAPER_OUT)      # the next ticket raises PaperOut

``lookup(name)`` finds a virtual printer opened elsewhere in the process (the demo shows its jobs).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable

from devices.printer.status import fault_for
from devices.printer.ticket import ticket_job
from core.config import PrinterConfig
from core.lifecycle import DeviceRunner
from core.ports.printer import PrinterStatus, TicketSlip

_OPEN: weakref.WeakValueDictionary[str, VirtualPrinter] = weakref.WeakValueDictionary()


def lookup(name: str) -> VirtualPrinter | None:
    """The open virtual printer called ``name`` (the part after ``virtual://``), if any."""
    return _OPEN.get(name)


class VirtualPrinter:
    def __init__(self, cfg: PrinterConfig | None = None, *, name: str = "", timeout_s: float = 3.0,
                 device: str = "ticket_printer") -> None:
        self.cfg = cfg or PrinterConfig(name or "virtual", f"virtual://{name or 'virtual'}")
        self.name = self.cfg.name
        self.address = name or self.cfg.url.partition("://")[2] or self.cfg.name
        self.device = device
        self.timeout_s = timeout_s
        self.jobs: list[bytes] = []
        self.on_job: Callable[[bytes], None] | None = None
        self._status = PrinterStatus.READY
        self._lock = threading.Lock()
        self._owner = DeviceRunner(f"printer:{self.name}", default_timeout_s=timeout_s, stop_timeout_s=timeout_s)
        _OPEN[self.address] = self

    @property
    def lifecycle(self) -> DeviceRunner:
        """The printer's owner thread and its state (core.ports.lifecycle): ready once it runs."""
        return self._owner

    def set_status(self, status: PrinterStatus) -> None:
        """Fault injection: what the printer reports from now on (any thread)."""
        with self._lock:
            self._status = status

    def status(self) -> PrinterStatus:
        with self._lock:
            return self._status

    def print_ticket(self, slip: TicketSlip) -> None:
        self.print_job(self._owner.call(ticket_job, slip, self.cfg, timeout_s=self.timeout_s + 5.0))

    def print_job(self, job: bytes) -> None:
        self._owner.call(self._print, job, timeout_s=self.timeout_s)

    def _print(self, job: bytes) -> None:
        fault = fault_for(self.status(), self.device)
        if fault is not None:
            raise fault
        with self._lock:
            self.jobs.append(job)
        if self.on_job is not None:
            self.on_job(job)

    def render_last(self) -> bytes:
        """A PNG of the last job (what the citizen is holding)."""
        from devices.printer.render import render_png

        if not self.jobs:
            raise LookupError("nothing printed yet")
        return render_png(self.jobs[-1], self.cfg.dots, encoding=self.cfg.encoding)

    def close(self) -> None:
        self._owner.close(self.timeout_s)
        if _OPEN.get(self.address) is self:
            del _OPEN[self.address]
