"""The lock-control boards of a smart locker on one RS-485 bus, over pyserial (implements
core.ports.locker.LockerPort).

Any pyserial URL works: ``/dev/ttyUSB2`` (a USB-RS485 adapter), ``COM4``, a pseudo-terminal,
``socket://127.0.0.1:7005`` (simulators/locker.py). The line is 9600 8N1 by default (docs/locker.md).

One owner thread (``device:locker``, a ``DeviceRunner`` of core/lifecycle.py: ``lifecycle``) opens the
adapter and does every exchange; any thread calls ``open_lock``, ``door``, ``scan`` and waits, bounded:

- an exchange writes a request and reads until a reply that answers it (``protocol.reply_to``) or
  ``timeout_s`` (plus the wire time) has passed. Noise before a frame is skipped, a frame with a wrong
  BCC dropped and the stream resynchronised; frames that answer something else (a late reply to an
  earlier request) are set aside. A board that stays silent is asked again ``retries`` times, then
  ``DeviceTimeout``; a bus that answered only broken bytes raises ``DeviceProtocolError``;
- the adapter failing (unplugged, the simulator gone) raises ``DeviceNotFound``, and the runner closes
  it and reopens it every ``reconnect_s`` (``RECONNECTING``, then ``READY``). While idle, the owner
  thread looks at the line every ``idle_check_s`` so an unplugged adapter shows without a command; a
  call made while the adapter is closed tries to open it at once.

    with LockerBus("socket://127.0.0.1:7005") as bus:
        bus.open_lock(1, 7).opened
        bus.door(1, 7)                       # DoorState.OPEN

``on_raw(direction, data)`` ("tx", "rx", "skip") shows the bytes for the technician's views. A locker
carries no personal data: frames are shown whole.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

import serial

from devices.locker.protocol import (
    ALL_LOCKS,
    DEVICE,
    FRAME_LEN,
    Frame,
    FrameError,
    FrameReader,
    Wiring,
    open_frame,
    query_frame,
    reply_to,
    wire_time_s,
)
from core.errors import DeviceError, DeviceNotFound, DeviceTimeout
from core.lifecycle import DeviceRunner
from core.ports.locker import BoardScan, DoorState, LockResult

log = logging.getLogger(__name__)

READ_SLICE_S = 0.02  # one read of the port waits at most this long, so a deadline is kept closely


class LockerBus:
    def __init__(self, url: str, *, baudrate: int = 9600, wiring: Wiring | None = None, timeout_s: float = 0.5,
                 retries: int = 1, reconnect_s: float = 1.0, idle_check_s: float = 1.0,
                 on_raw: Callable[[str, bytes], None] | None = None,
                 thread_name: str = f"device:{DEVICE}") -> None:
        if timeout_s <= 0 or retries < 0:
            raise ValueError("timeout_s must be positive and retries 0 or more")
        self.url = url
        self.baudrate = baudrate
        self.wiring = wiring or Wiring()
        self.timeout_s = timeout_s
        self.retries = retries
        self.idle_check_s = idle_check_s
        self.on_raw = on_raw
        self._port: serial.SerialBase | None = None
        self._lost: DeviceNotFound | None = None
        self._reader = FrameReader()
        self._runner = DeviceRunner(DEVICE, connect=self._open, poll=self._check, disconnect=self._close,
                                    retry_s=(reconnect_s,), thread_name=thread_name, stop_timeout_s=3.0)

    # --- public (any thread) -------------------------------------------------------------------------

    @property
    def lifecycle(self) -> DeviceRunner:
        """The owner thread's life (core.ports.lifecycle), published like every device's."""
        return self._runner

    def start(self) -> LockerBus:
        """Starts the owner thread; returns at once (the adapter opens in the background)."""
        self._runner.start()
        return self

    def stop(self, timeout_s: float = 3.0) -> None:
        self._runner.stop(timeout_s)

    def __enter__(self) -> LockerBus:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def call_bound_s(self) -> float:
        """The longest one exchange may take, every retry included (and a margin for opening the port)."""
        wire = wire_time_s(2 * FRAME_LEN, self.baudrate)
        return (self.retries + 1) * (self.timeout_s + 2 * wire + READ_SLICE_S) + 2.0

    def open_lock(self, board: int, lock: int) -> LockResult:
        request = open_frame(board, lock)
        if lock == ALL_LOCKS:
            raise ValueError("lock 0 opens every lock of a board: use open_all")
        reply = self._call(request)
        return LockResult(board, lock, self.wiring.opened_by(reply), reply.code)

    def open_all(self, board: int) -> bool:
        """Releases every lock of ``board`` at once; True when the board says they opened."""
        return self.wiring.opened_by(self._call(open_frame(board, ALL_LOCKS)))

    def door(self, board: int, lock: int) -> DoorState:
        return self.wiring.door(self._call(query_frame(board, lock)))

    def scan(self, boards: Mapping[int, int]) -> list[BoardScan]:
        """Every address of ``boards`` (address → lock count) in order: a board that does not answer its
        first door within the bounded wait is absent; the doors of a board that answers are read up to
        its lock count, or up to the first lock it does not answer (a board with fewer locks than
        configured). One exchange at a time, so other calls may run between them."""
        found = []
        for board, locks in sorted(boards.items()):
            try:
                first = self.door(board, 1)
            except DeviceTimeout:
                found.append(BoardScan(board, False))
                continue
            doors = {1: first}
            for lock in range(2, locks + 1):
                try:
                    doors[lock] = self.door(board, lock)
                except DeviceTimeout:
                    log.info("locker board %d: no answer for lock %d; %d locks read", board, lock, lock - 1)
                    break
            found.append(BoardScan(board, True, doors))
        return found

    def _call(self, request: Frame) -> Frame:
        try:
            return self._runner.call(self._exchange, request, timeout_s=self.call_bound_s)
        except DeviceTimeout as exc:
            if exc.device == DEVICE:
                raise
            raise DeviceTimeout(exc.detail, device=DEVICE, key="locker.error.no_answer",
                                board=request.board) from None

    # --- the owner thread ----------------------------------------------------------------------------

    def _open(self) -> None:
        if self._port is not None:
            return
        try:
            self._port = serial.serial_for_url(
                self.url, baudrate=self.baudrate, bytesize=serial.EIGHTBITS, parity=serial.PARITY_NONE,
                stopbits=serial.STOPBITS_ONE, timeout=READ_SLICE_S, write_timeout=1.0)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise DeviceNotFound(f"cannot open {self.url}: {exc}", device=DEVICE,
                                 key="locker.error.not_found") from None
        self._lost = None
        self._reader.clear()
        log.info("locker bus open on %s", self.url)

    def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass

    def _lose(self, exc: BaseException) -> DeviceNotFound:
        """The adapter failed: close it, and let the runner reconnect (its next poll reports the loss)."""
        error = DeviceNotFound(f"{self.url}: connection lost ({exc})", device=DEVICE, key="locker.error.lost")
        self._close()
        self._lost = error
        self._runner.wake()
        log.warning("locker bus: %s", error.detail)
        return error

    def _check(self) -> float:
        """The runner's poll: reports a loss found by a call, and looks at an idle line (unplugged?)."""
        if self._lost is not None or self._port is None:
            lost, self._lost = self._lost, None
            raise lost or DeviceNotFound(f"{self.url}: closed", device=DEVICE, key="locker.error.lost")
        try:
            if self._port.in_waiting:
                self._tap("skip", self._port.read(256))
        except (serial.SerialException, OSError) as exc:
            raise self._lose(exc) from None
        return self.idle_check_s

    def _exchange(self, request: Frame) -> Frame:
        """Sends ``request`` until a reply answers it (``retries`` more times on silence)."""
        if self._port is None:
            self._open()
        silent: DeviceTimeout | None = None
        for attempt in range(self.retries + 1):
            try:
                return self._once(request)
            except DeviceTimeout as exc:
                silent = exc
                log.info("locker board %d: no answer to %s (attempt %d)", request.board, request.hex(),
                         attempt + 1)
        assert silent is not None
        raise silent

    def _once(self, request: Frame) -> Frame:
        port = self._port
        assert port is not None
        try:
            port.reset_input_buffer()  # a late reply to an earlier request must not pass for this one
            port.write(request.raw)
        except (serial.SerialException, OSError) as exc:
            raise self._lose(exc) from None
        self._tap("tx", request.raw)
        self._reader.clear()
        deadline = time.monotonic() + self.timeout_s + wire_time_s(2 * FRAME_LEN, self.baudrate)
        stray: Frame | None = None
        while True:
            frame = self._reader.next_frame()
            self._tap("skip", self._reader.take_skipped())
            if frame is not None:
                self._tap("rx", frame.raw)
                if reply_to(request, frame):
                    return frame
                stray = frame
                continue
            if time.monotonic() >= deadline:
                raise self._no_reply(request, stray)
            try:
                data = port.read(FRAME_LEN)
            except (serial.SerialException, OSError) as exc:
                raise self._lose(exc) from None
            self._reader.feed(data)

    def _no_reply(self, request: Frame, stray: Frame | None) -> DeviceError:
        pending = self._reader.pending
        self._tap("skip", pending)
        if stray is not None:
            return FrameError(f"{request.hex()} was answered by {stray.hex()} (another board or lock)",
                              key="locker.error.echo")
        if self._reader.fault is not None:
            return self._reader.fault
        if pending:
            return FrameError(f"the answer to {request.hex()} stopped short: {pending.hex(' ').upper()}",
                              key="locker.error.short")
        return DeviceTimeout(f"board {request.board} did not answer {request.hex()} within {self.timeout_s:g} s",
                             device=DEVICE, key="locker.error.no_answer", board=request.board)

    def _tap(self, direction: str, data: bytes) -> None:
        if data and self.on_raw is not None:
            try:
                self.on_raw(direction, data)
            except Exception:  # a viewer's bug must not stop the bus
                log.exception("locker on_raw failed")
