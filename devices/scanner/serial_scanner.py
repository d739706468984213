"""A serial (USB-CDC / RS-232) QR scanner over pyserial: any pyserial URL, ``socket://`` for the simulator.

One owner thread (``device:scanner``, a ``DeviceRunner`` of core/lifecycle.py: ``lifecycle``) opens the
port, reads, frames codes (``framing.ScanFramer``) and calls back; the port is touched by no other thread.
``start()`` returns at once; a port that cannot be opened (not plugged in yet, simulator gone) or that
fails (unplugged) is reported as ``DISCONNECTED`` and ``DeviceNotFound`` (once per outage) and reopened
every ``reconnect_s`` until it works or ``stop()`` is called. Every wait is bounded: reads return after
``poll_s``; ``stop`` joins the thread for at most ``timeout_s``.

    scanner = SerialScanner("socket://127.0.0.1:7001", on_scan=print).start()
    …
    scanner.stop()

Callbacks run on the scanner thread and must return quickly (the Qt layer re-emits them as signals).
An exception in a callback is logged and does not stop the scanner.
"""

from __future__ import annotations

import logging
import time

import serial

from devices.scanner.framing import MAX_CODE_BYTES, Rejected, RejectReason, Scan, ScanFramer
from core.errors import DeviceError, DeviceNotFound, DeviceProtocolError
from core.i18n import keys_for
from core.lifecycle import DeviceRunner
from core.ports.lifecycle import LifecycleState, StateChange
from core.ports.scanner import ErrorCallback, ScanCallback, ScannerState, StateCallback

log = logging.getLogger(__name__)

DEVICE = "scanner"
REJECT_KEYS = keys_for("codes.error.", (r for r in RejectReason if r is not RejectReason.EMPTY))
# A scanner sends a code's bytes back to back (115200 baud: ~0.1 ms a byte; 9600: ~1 ms); a gap this long
# means the code is complete even without a CR/LF suffix (docs/codes.md: "inter-byte timeout as the fallback").
DEFAULT_GAP_S = 0.08


class SerialScanner:
    def __init__(
        self,
        url: str,
        *,
        baudrate: int = 9600,
        on_scan: ScanCallback | None = None,
        on_state: StateCallback | None = None,
        on_error: ErrorCallback | None = None,
        gap_s: float = DEFAULT_GAP_S,
        max_bytes: int = MAX_CODE_BYTES,
        reconnect_s: float = 1.0,
        poll_s: float = 0.02,
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        self.on_scan = on_scan
        self.on_state = on_state
        self.on_error = on_error
        self.gap_s = gap_s
        self.reconnect_s = reconnect_s
        self.poll_s = poll_s
        self._framer = ScanFramer(max_bytes)
        self._state = ScannerState.STOPPED
        self._port: serial.SerialBase | None = None
        self._reported_missing = False
        self._runner = DeviceRunner(DEVICE, connect=self._open, poll=self._read, disconnect=self._close,
                                    retry_s=(reconnect_s,), stop_timeout_s=3.0)
        self._runner.subscribe(self._on_lifecycle)

    @property
    def state(self) -> ScannerState:
        return self._state

    @property
    def lifecycle(self) -> DeviceRunner:
        """The owner thread's life (core.ports.lifecycle), published like every device's."""
        return self._runner

    def start(self) -> SerialScanner:
        """Starts the owner thread; returns at once (the port opens in the background)."""
        self._runner.start()
        return self

    def stop(self, timeout_s: float = 3.0) -> None:
        self._runner.stop(timeout_s)

    def __enter__(self) -> SerialScanner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- owner thread -------------------------------------------------------------------------------

    def _set_state(self, state: ScannerState) -> None:
        if state is not self._state:
            self._state = state
            self._call(self.on_state, state)

    def _on_lifecycle(self, change: StateChange) -> None:
        if change.state is LifecycleState.STOPPED:
            self._set_state(ScannerState.STOPPED)

    def _call(self, callback, arg) -> None:
        if callback is None:
            return
        try:
            callback(arg)
        except Exception:  # a broken listener must not kill the scanner
            log.exception("scanner callback failed")

    def _error(self, error: DeviceError) -> None:
        log.info("scanner: %s", error.detail)
        self._call(self.on_error, error)

    def _open(self) -> None:
        self._set_state(ScannerState.CONNECTING)
        try:
            self._port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=self.poll_s)
        except (serial.SerialException, OSError, ValueError) as exc:
            error = DeviceNotFound(f"{self.url}: {exc}", device=DEVICE)
            if not self._reported_missing:  # one error per outage, not one per retry
                self._error(error)
                self._reported_missing = True
            self._set_state(ScannerState.DISCONNECTED)
            raise error from None
        self._reported_missing = False
        self._set_state(ScannerState.READY)

    def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass

    def _read(self) -> float:
        """One read of the port (returns within ``poll_s``); ``DeviceNotFound`` when the port failed."""
        assert self._port is not None
        try:
            self._read_port(self._port)
        except (serial.SerialException, OSError) as exc:
            self._framer.reset()
            error = DeviceNotFound(f"{self.url}: connection lost ({exc})", device=DEVICE,
                                   key="codes.error.scanner_lost")
            self._error(error)
            self._reported_missing = True
            self._set_state(ScannerState.DISCONNECTED)
            raise error from None
        return 0.0

    def _read_port(self, port: serial.SerialBase) -> None:
        data = port.read(4096)  # returns what came within poll_s
        now = time.monotonic()
        events = self._framer.feed(data, now) if data else self._framer.idle(now, self.gap_s)
        for event in events:
            if isinstance(event, Scan):
                self._call(self.on_scan, event.payload)
            elif isinstance(event, Rejected) and event.reason is not RejectReason.EMPTY:
                self._error(DeviceProtocolError(event.detail, device=DEVICE,
                                                key=f"codes.error.{event.reason.value}"))
