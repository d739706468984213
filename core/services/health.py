"""Device health for the platform: a kiosk's printer faults (paper out, cover open, unplugged) and their
recovery, as ``device_health`` records in the outbox, so the hall's console learns of them even when the
network was down at the time (kiosk products report device faults centrally; see docs/sync.md).

A record is written only when a device's state changes (a paper-out kiosk that is tried ten times reports
once). The store may not be built yet when the first event comes (``kiosk run`` builds it after the
window): the changes wait in memory, in order, and are written with the next change after that.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from core.errors import KioskError
from core.ports.clock import Clock, SystemClock
from core.ports.outbox import RecordKind
from core.services.queue import PrinterProblem, PrintState, TicketPrintChanged

log = logging.getLogger(__name__)


class DeviceHealthReporter:
    def __init__(self, terminal_id: str, outbox: Callable[[], Any | None], *, clock: Clock | None = None) -> None:
        self.terminal_id = terminal_id
        self._outbox = outbox
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._last: dict[str, str] = {}  # device -> the state last reported
        self._pending: list[dict] = []  # records waiting for the store, in order

    def on_event(self, event: object) -> None:
        """A KioskQueueService event (subscribe this to ``service.events``)."""
        if isinstance(event, PrinterProblem):
            self.report(f"printer:{event.printer}", event.status.value, event.error)
        elif isinstance(event, TicketPrintChanged) and event.issued.print_state is PrintState.PRINTED:
            if event.issued.printer:
                self.report(f"printer:{event.issued.printer}", "ready")

    def report(self, device: str, state: str, error: KioskError | None = None) -> None:
        record = {
            "terminal_id": self.terminal_id,
            "device": device,
            "state": state,
            "error": type(error).__name__ if error is not None else "",
            "detail": error.detail if error is not None else "",
            "at": self._clock.now().isoformat(),
        }
        with self._lock:
            if self._last.get(device, "ready") == state:
                return  # no change (a device is taken as ready until it says otherwise)
            self._last[device] = state
            self._pending.append(record)
            outbox = self._outbox()
            if outbox is None:
                return
            pending, self._pending = self._pending, []
        for item in pending:
            try:
                outbox.enqueue(RecordKind.DEVICE_HEALTH, item)
            except KioskError:  # a full disk must not stop the kiosk issuing numbers: the fault is logged
                log.exception("device health for %s not recorded", item["device"])
