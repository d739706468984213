"""``EscposPrinter``: a ``TicketPrinter`` over any python-escpos transport (links.py), on one owner thread.

Every call goes through the printer's ``DeviceRunner`` (core/lifecycle.py, ``lifecycle``): the link is
opened, written and read only on its owner thread, and every call returns or raises within a bound
(``timeout_s`` for each wait inside, plus the wire time of the job at the serial speed). The connection opens on first use and is dropped after any
failure, so the next call reconnects: unplugging and plugging the printer back needs no restart. The
lifecycle says so: ``CONNECTING`` until the first call, ``READY`` while calls succeed (a printer that
reports paper out answered, so it is connected), ``RECONNECTING`` after a call failed on the link, until
one succeeds again.

Before each job a printer that can report (config ``status = true`` and a link that can read) is asked
``DLE EOT 1, 2, 4`` (status.py); paper out raises ``PaperOut`` and nothing is sent, so the caller can
switch to the fallback printer and the number is never lost. A printer that cannot report answers
``PrinterStatus.UNKNOWN`` and printing goes ahead (docs/printing.md "Status").
"""

from __future__ import annotations

import logging
import time

from devices.printer import status as st
from devices.printer.links import Link, SerialLink, make_link
from devices.printer.ticket import ticket_job
from devices.printer.urls import PrinterTarget
from core.config import PrinterConfig
from core.lifecycle import DeviceRunner
from core.errors import DeviceError, DeviceProtocolError, DeviceTimeout, HardwareFault
from core.ports.lifecycle import LifecycleState
from core.ports.printer import PrinterStatus, TicketSlip

log = logging.getLogger(__name__)


class EscposPrinter:
    def __init__(self, cfg: PrinterConfig, target: PrinterTarget, *, timeout_s: float = 3.0,
                 device: str = "ticket_printer") -> None:
        self.name = cfg.name
        self.cfg = cfg
        self.device = device
        self.timeout_s = timeout_s
        self.link: Link = make_link(target, device, timeout_s)
        self.asb_messages: list[bytes] = []  # automatic status back (GS a) messages seen, newest last
        self._owner = DeviceRunner(f"printer:{cfg.name}", connects_in_calls=True, disconnect=self.link.close,
                                   default_timeout_s=timeout_s, stop_timeout_s=timeout_s)

    @property
    def lifecycle(self) -> DeviceRunner:
        """The printer's owner thread and its state (core.ports.lifecycle)."""
        return self._owner

    @property
    def can_report(self) -> bool:
        return self.cfg.status and self.link.can_read

    # --- the port (any thread) --------------------------------------------------------------------

    def status(self) -> PrinterStatus:
        return self._call(self._status, timeout_s=self._bound(0))

    def print_ticket(self, slip: TicketSlip) -> None:
        # The layout is built on the owner thread too: the first rare character may look for a font.
        self.print_job(self._call(ticket_job, slip, self.cfg, timeout_s=self.timeout_s + 5.0))

    def print_job(self, job: bytes) -> None:
        """Sends a whole job (after the status check); returns when the link has taken every byte."""
        self._call(self._print, job, timeout_s=self._bound(len(job)))

    def _call(self, fn, *args, timeout_s: float):
        try:
            return self._owner.call(fn, *args, timeout_s=timeout_s)
        except DeviceTimeout as exc:
            if exc.device == self.device:
                raise
            # The owner thread itself gave up waiting (a driver stuck inside a call): say which printer.
            raise DeviceTimeout(exc.detail, key="printer.error.no_answer", device=self.device) from None

    def close(self) -> None:
        """Stops the owner thread (bounded), which closes the link on its way out."""
        self._owner.close(self.timeout_s)

    def _bound(self, job_bytes: int) -> float:
        """Longest a call may take: open, status, write (at 10 bits a byte on serial), with a margin."""
        wire = job_bytes * 10 / self.link.baudrate if isinstance(self.link, SerialLink) else 0.0
        return 3 * self.timeout_s + wire + 1.0

    # --- on the owner thread ------------------------------------------------------------------------

    def _status(self) -> PrinterStatus:
        if not self.can_report:
            return PrinterStatus.UNKNOWN
        return self._guarded(self._query)

    def _print(self, job: bytes) -> None:
        def send() -> None:
            if self.can_report:
                fault = st.fault_for(self._query(), self.device)
                if fault is not None:
                    raise fault
            self.link.write(job)
            self.link.finish_job()

        self._guarded(send)

    def _guarded(self, fn):
        """Opens the link if needed; after a failure of the link, drops it so the next call reconnects."""
        try:
            if not self.link.is_open:
                self.link.open()
            result = fn()
        except DeviceError as exc:
            log.warning("printer %s (%s): %s: %s", self.name, self.link.describe(), type(exc).__name__, exc.detail)
            if not isinstance(exc, HardwareFault):  # the printer answered: the link is fine
                self.link.close()
                self._owner.report(LifecycleState.RECONNECTING, exc.detail or exc.key)
            else:
                self._owner.report(LifecycleState.READY)
            raise
        self._owner.report(LifecycleState.READY)
        return result

    def _query(self) -> PrinterStatus:
        deadline = time.monotonic() + self.timeout_s
        answers = {}
        for n in st.QUERIES:
            # Whatever came unasked (status back, a late extra byte) must not pass for this answer.
            self._note_unasked(self.link.drain())
            self.link.write(st.query(n))
            answers[n] = self._answer(n, deadline)
        return st.Answers(answers[1], answers[2], answers[4]).status()

    def _answer(self, n: int, deadline: float) -> int:
        """One DLE EOT answer byte, setting aside automatic status back messages on the way."""
        while True:
            byte = self._read(1, deadline, n)
            if st.is_status_byte(byte[0]):
                return byte[0]
            if st.is_asb_header(byte[0]):
                message = byte + b"".join(self._read(1, deadline, n) for _ in range(3))
                self.asb_messages = [*self.asb_messages[-9:], message]
                continue
            raise DeviceProtocolError(f"answer {byte.hex()} to DLE EOT {n} is not a status byte",
                                      key="printer.error.garbage", device=self.device)

    def _read(self, n: int, deadline: float, query: int) -> bytes:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeviceTimeout(f"no answer to DLE EOT {query} within {self.timeout_s:.1f} s",
                                    key="printer.error.no_answer", device=self.device)
            data = self.link.read(n, remaining)
            if data:
                return data

    def _note_unasked(self, data: bytes) -> None:
        """Bytes the printer sent before we asked: automatic status back messages, kept for diagnosis."""
        i = 0
        while i + 4 <= len(data):
            if st.is_asb_header(data[i]):
                self.asb_messages = [*self.asb_messages[-9:], data[i:i + 4]]
                i += 4
            else:
                i += 1
