"""The ID-card reader over pyserial, on its own owner thread (implements core.ports.idcard.IdCardReaderPort).

Any pyserial URL works: ``/dev/ttyUSB1``, ``COM3``, ``socket://127.0.0.1:7001`` (the simulator). The line
is 115200 8N1 by default (docs/idcard.md, Link); ``baudrate`` changes the speed.

How it polls (one owner thread, ``device:idcard_reader``, does all the port I/O):

1. "find card" every ``poll_interval_s`` (0.3 s, as vendors do; ref, Link);
2. when a card is found: "select card" and "read text + photo" at once (``command_gap_s`` between them,
   0 by default), parse the text block, decode the photo if a decoder is configured, call ``on_card``;
3. the card is delivered once: "find card" must answer "no card" before a card is read again (lift and
   place again). Readers that stop finding a read card on their own (ref, Link) and readers that keep
   finding it behave the same.

Every wait is bounded: each answer has ``answer_timeout_s`` (``read_timeout_s`` for the read, where the
card's radio link takes time) plus 1.5 × its wire time at the configured speed. Bytes arrive in pieces;
the ``FrameSplitter`` reassembles them, skips garbage and stale answers that do not fit the command.

The owner thread is a ``DeviceRunner`` (core/lifecycle.py, ``lifecycle``): ``start()`` returns at once and
the port is opened in the background, again every ``reconnect_interval_s`` while it cannot be; its
``LifecycleState`` (connecting, ready, reconnecting …) is published like every device's. The reader's own
states (``ReaderState``, reported through ``on_state`` on change) say more: NO_READER when the port cannot
be opened or goes away (unplugged); CONNECTED when the reader answers; READING while a card is read;
ERROR when a poll failed (timeout, bad frames, card unreadable, SAM fault) — the next poll tries again.
``on_error`` gets the ``DeviceError`` once per run of equal failures, not every poll.

Callbacks run on the owner thread: keep them short, never block (a UI posts a queued Qt signal).
``on_raw(direction, data)`` ("tx", "rx", "skip") shows the frames for the technician's ``--raw`` view.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import replace

import serial

from devices.idcard.photo import PhotoDecoderError, WltDecoder
from devices.idcard.protocol import (
    DEVICE,
    Answer,
    Command,
    FrameError,
    FrameSplitter,
    Status,
    UnexpectedAnswer,
    answer_fits,
    command_frame,
    read_answer_blocks,
    status_error,
    wire_time_s,
)
from devices.idcard.text import parse_text
from core.domain import Identity
from core.errors import DeviceError, DeviceNotFound, DeviceTimeout
from core.lifecycle import DeviceRunner
from core.ports.idcard import ReaderState
from core.ports.lifecycle import LifecycleState, StateChange

log = logging.getLogger(__name__)

# Largest answer per command, in bytes (ref, Status "Typical answers", Read answer): sizes the wait.
_ANSWER_BYTES = {Command.FIND_CARD: 15, Command.SELECT_CARD: 19, Command.READ_TEXT_PHOTO: 1295,
                 Command.READ_TEXT_PHOTO_FINGERPRINT: 2319}


class NoCard(DeviceTimeout):
    """``read_once`` waited its whole time and no card was placed."""

    key = "idcard.error.no_card"


class IdCardReader:
    def __init__(self, url: str, *, baudrate: int = 115200, poll_interval_s: float = 0.3,
                 command_gap_s: float = 0.0, answer_timeout_s: float = 0.5, read_timeout_s: float = 2.0,
                 reconnect_interval_s: float = 1.0, photo_decoder: WltDecoder | None = None,
                 fingerprint: bool = False,
                 on_card: Callable[[Identity], None] | None = None,
                 on_state: Callable[[ReaderState], None] | None = None,
                 on_error: Callable[[DeviceError], None] | None = None,
                 on_raw: Callable[[str, bytes], None] | None = None,
                 thread_name: str = f"device:{DEVICE}") -> None:
        self.url = url
        self.baudrate = baudrate
        self.poll_interval_s = poll_interval_s
        self.command_gap_s = command_gap_s
        self.answer_timeout_s = answer_timeout_s
        self.read_timeout_s = read_timeout_s
        self.reconnect_interval_s = reconnect_interval_s
        self.photo_decoder = photo_decoder
        self.read_command = Command.READ_TEXT_PHOTO_FINGERPRINT if fingerprint else Command.READ_TEXT_PHOTO
        self.on_card = on_card
        self.on_state = on_state
        self.on_error = on_error
        self.on_raw = on_raw
        self.thread_name = thread_name
        # Quiet time that ends a read: two 64-byte pieces of a UART's worth of time, at least 50 ms.
        self._quiet_s = max(0.05, 2 * wire_time_s(64, baudrate))
        self._state = ReaderState.STOPPED
        self._state_lock = threading.Lock()
        self._runner = DeviceRunner(DEVICE, connect=self._connect, poll=self._poll_once, disconnect=self._close,
                                    retry_s=(reconnect_interval_s,), thread_name=thread_name, stop_timeout_s=5.0)
        self._runner.subscribe(self._on_lifecycle)
        self._port: serial.SerialBase | None = None
        self._splitter = FrameSplitter()
        self._awaiting_lift = False
        self._last_error: tuple[type, str] | None = None
        self._waiters: list[queue.SimpleQueue] = []

    # --- public -----------------------------------------------------------------------------------

    @property
    def state(self) -> ReaderState:
        with self._state_lock:
            return self._state

    @property
    def running(self) -> bool:
        return self._runner.running

    @property
    def lifecycle(self) -> DeviceRunner:
        """The owner thread's life (core.ports.lifecycle), published like every device's."""
        return self._runner

    def start(self) -> None:
        """Starts the owner thread; returns at once (the port opens in the background)."""
        self._runner.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stops polling and joins the owner thread; each step of a poll is bounded, so this is too."""
        self._runner.stop(timeout_s)

    def __enter__(self) -> IdCardReader:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def read_once(self, timeout_s: float) -> Identity:
        """Waits for the next card (starting the owner thread if needed, stopping it again after).

        Raises ``NoCard`` when none came in time, or the first error the reader met while waiting
        (``DeviceNotFound`` when there is no reader, ``FrameError``, ``CardUnreadable``, ``SamFault`` …).
        """
        waiter: queue.SimpleQueue = queue.SimpleQueue()
        with self._state_lock:
            self._waiters.append(waiter)
        started_here = not self.running
        try:
            if started_here:
                self.start()
            try:
                result = waiter.get(timeout=timeout_s)
            except queue.Empty:
                raise NoCard(f"no card within {timeout_s:g} s", device=DEVICE) from None
        finally:
            with self._state_lock:
                self._waiters.remove(waiter)
            if started_here:
                self.stop()
        if isinstance(result, DeviceError):
            raise result
        return result

    # --- owner thread -----------------------------------------------------------------------------

    def _poll_once(self) -> float:
        """One poll for the runner: the pause before the next, or ``DeviceNotFound`` when unplugged."""
        try:
            return self._poll()
        except DeviceNotFound as exc:  # the port went away: the runner closes it and reconnects
            self._set_state(ReaderState.NO_READER)
            self._report(exc)
            raise
        except DeviceError as exc:
            self._set_state(ReaderState.ERROR)
            self._report(exc)
            return self.poll_interval_s

    def _on_lifecycle(self, change: StateChange) -> None:
        if change.state is LifecycleState.STOPPED:
            self._set_state(ReaderState.STOPPED)

    def _connect(self) -> None:
        try:
            self._port = serial.serial_for_url(
                self.url, baudrate=self.baudrate, bytesize=serial.EIGHTBITS, parity=serial.PARITY_NONE,
                stopbits=serial.STOPBITS_ONE, timeout=self._quiet_s, write_timeout=1.0)
        except (serial.SerialException, OSError, ValueError) as exc:
            error = DeviceNotFound(f"cannot open {self.url}: {exc}", device=DEVICE)
            self._set_state(ReaderState.NO_READER)
            self._report(error)
            raise error from None
        self._splitter = FrameSplitter()
        self._awaiting_lift = False
        self._set_state(ReaderState.CONNECTED)

    def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass

    def _poll(self) -> float:
        """One cycle: find card; if a new one is there, select and read it. Returns the pause after it."""
        found = self._exchange(Command.FIND_CARD)
        if found.status is Status.NO_CARD:
            self._awaiting_lift = False  # the card is gone (or the reader wants it presented again)
            self._ok()
            return self.poll_interval_s
        self._raise_for(found, Command.FIND_CARD)
        if self._awaiting_lift:  # the card just read is still there: not a new card
            self._ok()
            return self.poll_interval_s
        self._set_state(ReaderState.READING)
        self._gap()
        selected = self._exchange(Command.SELECT_CARD)
        if selected.status is Status.SELECT_FAILED:  # moved away between find and select
            self._ok()
            return 0.0
        self._raise_for(selected, Command.SELECT_CARD)
        self._gap()
        read = self._exchange(self.read_command)
        self._raise_for(read, self.read_command)
        text, photo = read_answer_blocks(read, fingerprint=self.read_command is Command.READ_TEXT_PHOTO_FINGERPRINT)
        identity = self._with_picture(parse_text(text, photo))
        self._awaiting_lift = True
        self._ok()
        self._deliver(identity)
        return 0.0

    def _gap(self) -> None:
        if self.command_gap_s:
            self._runner.sleep(self.command_gap_s)

    def _raise_for(self, answer: Answer, command: Command) -> None:
        error = status_error(answer.status, command)
        if error is not None:
            raise error
        if not answer.status.ok:  # no card / no content where it cannot be
            raise UnexpectedAnswer(f"{command.name} answered SW3 {answer.status.value:02X}")

    def _with_picture(self, identity: Identity) -> Identity:
        if self.photo_decoder is None or identity.photo is None:
            return identity
        try:
            return replace(identity, photo_image=self.photo_decoder.decode(identity.photo))
        except PhotoDecoderError as exc:
            log.warning("ID-card photo unavailable: %s", exc.detail)
            return identity

    def _exchange(self, command: Command) -> Answer:
        """Sends ``command`` and returns the answer that fits it, within the bounded wait."""
        port = self._port
        assert port is not None
        frame = command_frame(command)
        try:
            port.reset_input_buffer()  # a late answer to an earlier command must not be taken for this one
            self._splitter.clear()
            self._splitter.take_skipped()
            port.write(frame)
        except (serial.SerialException, OSError) as exc:
            raise DeviceNotFound(f"{self.url}: {exc}", device=DEVICE) from None
        self._tap("tx", frame)
        base = self.read_timeout_s if command in (Command.READ_TEXT_PHOTO,
                                                  Command.READ_TEXT_PHOTO_FINGERPRINT) else self.answer_timeout_s
        wire = wire_time_s(len(frame) + _ANSWER_BYTES.get(command, 64), self.baudrate)
        deadline = time.monotonic() + base + 1.5 * wire
        fault: FrameError | None = None
        while True:
            try:
                got = self._splitter.next_frame()
            except FrameError as exc:
                fault = exc  # keep reading: a good frame may follow the bad one
                self._tap("skip", self._splitter.take_skipped())
                continue
            if got is not None:
                self._tap("skip", self._splitter.take_skipped())
                self._tap("rx", got.raw)
                try:
                    answer = Answer.from_frame(got)
                except UnexpectedAnswer as exc:
                    fault = exc
                    continue
                if answer_fits(command, answer):
                    return answer
                fault = UnexpectedAnswer(f"an answer that does not fit {command.name} was skipped")
                continue
            if time.monotonic() >= deadline:
                self._tap("skip", self._splitter.take_skipped())
                if fault is not None:
                    raise fault
                raise DeviceTimeout(f"no answer to {command.name}", device=DEVICE)
            try:
                data = port.read(self._splitter.wanted())
            except (serial.SerialException, OSError) as exc:
                raise DeviceNotFound(f"{self.url}: {exc}", device=DEVICE) from None
            if data:
                self._splitter.feed(data)
            elif fault is not None:  # the line went quiet after a bad frame: nothing more is coming
                self._tap("skip", self._splitter.take_skipped())
                raise fault

    # --- reporting --------------------------------------------------------------------------------

    def _set_state(self, state: ReaderState) -> None:
        with self._state_lock:
            if state is self._state:
                return
            self._state = state
        log.info("ID-card reader: %s", state.value)
        self._call(self.on_state, state)

    def _ok(self) -> None:
        self._last_error = None
        self._set_state(ReaderState.CONNECTED)

    def _report(self, error: DeviceError) -> None:
        with self._state_lock:
            waiters = list(self._waiters)
        for waiter in waiters:
            waiter.put(error)
        signature = (type(error), error.key)
        if signature == self._last_error:
            return
        self._last_error = signature
        log.warning("ID-card reader: %s", error.detail or error.key)
        self._call(self.on_error, error)

    def _deliver(self, identity: Identity) -> None:
        log.info("ID-card read: %r", identity)  # masked repr
        with self._state_lock:
            waiters = list(self._waiters)
        for waiter in waiters:
            waiter.put(identity)
        self._call(self.on_card, identity)

    def _tap(self, direction: str, data: bytes) -> None:
        if data and self.on_raw is not None:
            self._call(self.on_raw, direction, data)

    @staticmethod
    def _call(callback: Callable | None, *args: object) -> None:
        if callback is None:
            return
        try:
            callback(*args)
        except Exception:  # a subscriber's bug must not stop the reader
            log.exception("ID-card reader callback %s failed", getattr(callback, "__name__", callback))
