"""``DeviceRunner``: one owner thread per device, its life (``core.ports.lifecycle``), and its calls.

Serial ports, USB handles and camera captures are not safe to use from several threads, and a call that
hangs in a driver must never hang its caller. A device therefore lives on one owner thread, run here, and
is touched by no other thread:

- the **connect loop**: ``connect()`` opens the device; when it raises a ``DeviceError`` (not plugged in,
  port busy) the runner waits ``retry_s[n]`` (the last pause repeats) and tries again — forever, or
  ``max_attempts`` times and then ``FAILED``. ``start()`` returns at once: a device that is missing at
  start-up is picked up when it appears, exactly as one that was unplugged and plugged back;
- the **work loop**: ``poll()`` does one unit of the device's own work (one "find card" cycle, one read
  of a port, one frame) and returns how long to wait before the next (``None``: until ``wake()`` or a
  call). A ``DeviceError`` out of ``poll`` means the device is lost: ``disconnect()``, ``RECONNECTING``,
  and back to the connect loop after ``retry_s[0]``. Errors the device recovers from itself (a card
  that could not be read) are the device's business and never leave ``poll``;
- **calls** (``call``/``submit``): any thread may ask for ``fn`` to run on the owner thread; calls run
  one at a time between polls and during every pause, and ``call`` waits at most ``timeout_s`` for the
  result (``DeviceTimeout`` after that: the call itself goes on finishing on the owner thread).

A worker with nothing to connect to (``connect=None``: the camera-frame decoder) is ``READY`` as soon as
its thread runs. A device that connects inside its calls (``connects_in_calls``: a printer opens its link
at the first call, and again after a failure) is ``CONNECTING`` until it ``report()``s: ``READY`` after a
call that worked, ``RECONNECTING`` after one that failed on the link. Any device may ``report()`` a state
of its own while it runs (the sync engine whose credentials are refused is ``FAILED``). ``stop(timeout_s)`` sets ``stop_event``,
calls ``interrupt`` (to cut a wait of the device's own short), and joins the thread for at most
``timeout_s``; it may be called again, and from the owner thread itself (it then does not wait).

    runner = DeviceRunner("scanner", connect=open_port, poll=read_port, disconnect=close_port,
                          retry_s=(1.0,))
    runner.subscribe(print)             # StateChange(device, state, previous, detail), in order
    runner.start()                      # at once
    status = runner.call(query, timeout_s=2.0)
    runner.stop(3.0)
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar

from core.errors import DeviceBusy, DeviceError, DeviceTimeout
from core.ports.lifecycle import LifecycleState, StateChange, StateListener

log = logging.getLogger(__name__)

T = TypeVar("T")
S = LifecycleState

IDLE_SLICE_S = 1.0  # an idle owner thread looks at its calls and its stop flag at least this often
DEFAULT_RETRY_S = (0.2, 0.5, 1.0, 2.0, 5.0)


class DeviceRunner:
    def __init__(self, device: str, *, connect: Callable[[], object] | None = None,
                 poll: Callable[[], float | None] | None = None,
                 disconnect: Callable[[], object] | None = None,
                 interrupt: Callable[[], object] | None = None, connects_in_calls: bool = False,
                 retry_s: Sequence[float] = DEFAULT_RETRY_S, max_attempts: int | None = None,
                 thread_name: str | None = None, default_timeout_s: float = 3.0,
                 stop_timeout_s: float = 3.0) -> None:
        if not retry_s or min(retry_s) < 0:
            raise ValueError("retry_s needs at least one pause, none negative")
        self.device = device
        self.thread_name = thread_name or f"device:{device}"
        self.retry_s = tuple(float(s) for s in retry_s)
        self.max_attempts = max_attempts
        self.default_timeout_s = default_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self.stop_event = threading.Event()  # set while stopping: the device's own loops end on it
        self._connect, self._poll, self._disconnect, self._interrupt = connect, poll, disconnect, interrupt
        self._connects_in_calls = connects_in_calls
        self._state = S.STOPPED
        self._detail = ""
        self._listeners: list[StateListener] = []
        self._publish_lock = threading.RLock()  # changes are delivered one at a time, in order
        self._cv = threading.Condition()
        self._calls: deque[tuple[Future, Callable, tuple, dict]] = deque()
        self._woken = False
        self._accepting = False  # the owner thread takes calls (guarded by _cv)
        self._reported = False  # the device reported a state while connecting
        self._thread: threading.Thread | None = None
        self._thread_ident: int | None = None
        self._closed = False

    # --- state ------------------------------------------------------------------------------------

    @property
    def state(self) -> LifecycleState:
        return self._state

    @property
    def detail(self) -> str:
        """Why the device is in its state (the last error's text), or ""."""
        return self._detail

    @property
    def running(self) -> bool:
        """The owner thread is alive (also while it is stopping)."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def subscribe(self, listener: StateListener) -> Callable[[], None]:
        with self._publish_lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._publish_lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def wait_for(self, states: LifecycleState | Sequence[LifecycleState], timeout_s: float) -> bool:
        """Waits at most ``timeout_s`` until the state is one of ``states``; False on timeout."""
        wanted = (states,) if isinstance(states, LifecycleState) else tuple(states)
        with self._cv:
            return self._cv.wait_for(lambda: self._state in wanted, timeout_s)

    def report(self, state: LifecycleState, detail: str = "") -> None:
        """The device's own word on its state while it runs (READY, RECONNECTING or FAILED)."""
        if state not in (S.READY, S.RECONNECTING, S.FAILED):
            raise ValueError(f"a device reports ready, reconnecting or failed, not {state.value}")
        if not self.running:
            return  # a stopped device has no word on its state
        if self.is_owner_thread():
            self._reported = True
        self._publish(state, detail)

    def _publish(self, state: LifecycleState, detail: str = "") -> None:
        with self._publish_lock:
            previous = self._state
            if previous is S.STOPPING and state is not S.STOPPED:
                return  # once stopping, only the end of the thread changes the state
            with self._cv:
                self._state, self._detail = state, detail
                self._cv.notify_all()
            if state is previous:
                return
            change = StateChange(self.device, state, previous, detail)
            log.info("%s: %s%s", self.device, state.value, f" ({detail})" if detail else "")
            for listener in list(self._listeners):
                try:
                    listener(change)
                except Exception:  # a listener's bug must not stop the device
                    log.exception("%s: state listener failed", self.device)

    # --- start / stop -------------------------------------------------------------------------------

    def start(self) -> None:
        """Starts the owner thread (returns at once); nothing happens when it already runs."""
        with self._publish_lock:
            if self._closed:
                raise DeviceBusy(f"{self.device} is closed", device=self.device)
            if self.running:
                if self.stop_event.is_set():
                    raise DeviceBusy(f"{self.device} is still stopping", device=self.device)
                return
            self.stop_event.clear()
            with self._cv:
                self._accepting = True
            waits = self._connect is not None or self._connects_in_calls
            self._publish(S.CONNECTING if waits else S.READY)
            self._thread = threading.Thread(target=self._main, name=self.thread_name, daemon=True)
            self._thread.start()

    def stop(self, timeout_s: float | None = None) -> bool:
        """Asks the owner thread to end; waits at most ``timeout_s`` (``stop_timeout_s`` by default).
        True when it has ended. Idempotent; from the owner thread itself it asks and returns False."""
        wait = self.stop_timeout_s if timeout_s is None else timeout_s
        with self._publish_lock:
            thread = self._thread
            if thread is None or not thread.is_alive():
                self._thread = None
                if self._state is not S.STOPPED:
                    self._publish(S.STOPPED)
                return True
            self.stop_event.set()
            self._publish(S.STOPPING)
        with self._cv:
            self._cv.notify_all()
        if self._interrupt is not None:
            try:
                self._interrupt()
            except Exception:
                log.exception("%s: interrupting its wait failed", self.device)
        if thread is threading.current_thread():
            return False
        thread.join(max(0.0, wait))
        if thread.is_alive():
            log.warning("%s: owner thread still busy after %.1f s; it ends when its current call does",
                        self.device, wait)
            return False
        with self._publish_lock:
            if self._state is S.STOPPING:  # the thread had ended by itself just before it was asked
                self._publish(S.STOPPED)
        return True

    def close(self, timeout_s: float | None = None) -> bool:
        """``stop`` for good: later calls and starts raise ``DeviceBusy``."""
        self._closed = True
        return self.stop(timeout_s)

    def __enter__(self) -> DeviceRunner:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wake(self) -> None:
        """Ends the current pause of the work loop at once (new work for ``poll``)."""
        with self._cv:
            self._woken = True
            self._cv.notify_all()

    def sleep(self, seconds: float) -> bool:
        """A pause inside the device's own work (no calls run meanwhile); False when stopping."""
        return not self.stop_event.wait(seconds) if seconds > 0 else not self.stop_event.is_set()

    # --- calls ----------------------------------------------------------------------------------------

    def is_owner_thread(self) -> bool:
        return threading.get_ident() == self._thread_ident

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """Queues ``fn`` for the owner thread (started here when stopped, not closed); the caller chooses
        the wait."""
        if not self.running and self._state is S.STOPPED and not self._closed:
            self.start()
        future: Future[T] = Future()
        with self._cv:
            if self._closed or self.stop_event.is_set() or not self._accepting:
                raise DeviceBusy(f"{self.device} is not running", device=self.device)
            self._calls.append((future, fn, args, kwargs))
            self._cv.notify_all()
        return future

    def call(self, fn: Callable[..., T], /, *args: Any, timeout_s: float | None = None, **kwargs: Any) -> T:
        """Runs ``fn`` on the owner thread and returns its result within ``timeout_s`` (or raises)."""
        if self.is_owner_thread():  # already there: a nested call must not wait for itself
            return fn(*args, **kwargs)
        future = self.submit(fn, *args, **kwargs)
        wait = self.default_timeout_s if timeout_s is None else timeout_s
        try:
            return future.result(timeout=wait)
        except TimeoutError:
            future.cancel()
            raise DeviceTimeout(f"no answer within {wait:.1f} s", device=self.device) from None

    def _run_calls(self) -> None:
        while True:
            with self._cv:
                if not self._calls:
                    return
                future, fn, args, kwargs = self._calls.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # the caller gets it
                future.set_exception(exc)

    def _fail_calls(self) -> None:
        with self._cv:
            self._accepting = False
            calls, self._calls = list(self._calls), deque()
        for future, *_ in calls:
            if future.set_running_or_notify_cancel():
                future.set_exception(DeviceBusy(f"{self.device} stopped", device=self.device))

    def _idle(self, seconds: float | None) -> None:
        """Serves calls until ``seconds`` have passed (None: until woken), a wake, or a stop."""
        deadline = None if seconds is None else time.monotonic() + max(0.0, seconds)
        while True:
            self._run_calls()
            with self._cv:
                if self.stop_event.is_set() or self._woken:
                    self._woken = False
                    return
                if self._calls:
                    continue
                left = IDLE_SLICE_S if deadline is None else deadline - time.monotonic()
                if left <= 0:
                    return
                self._cv.wait(min(left, IDLE_SLICE_S))

    # --- the owner thread --------------------------------------------------------------------------

    def _pause(self, attempt: int) -> float:
        return self.retry_s[min(attempt, len(self.retry_s) - 1)]

    def _main(self) -> None:
        self._thread_ident = threading.get_ident()
        try:
            self._loop()
        except Exception as exc:  # a bug in the device: it will not work until a person looks
            log.exception("%s: owner thread failed", self.device)
            self._publish(S.FAILED, f"{type(exc).__name__}: {exc}")
        finally:
            self._safe_disconnect()
            self._fail_calls()
            self._thread_ident = None
            if self.stop_event.is_set() or self._state is not S.FAILED:
                self._publish(S.STOPPED)

    def _loop(self) -> None:
        """The connect loop and the work loop, until stopped (or out of attempts)."""
        connected, ever, attempt = self._connect is None, False, 0
        while not self.stop_event.is_set():
            self._run_calls()
            if not connected:
                self._reported = False
                try:
                    self._connect()
                except DeviceError as exc:
                    attempt += 1
                    detail = exc.detail or exc.key
                    if self.max_attempts is not None and attempt >= self.max_attempts:
                        self._publish(S.FAILED, f"gave up after {attempt} attempts: {detail}")
                        return
                    self._publish(S.RECONNECTING if ever else S.CONNECTING, detail)
                    self._idle(self._pause(attempt - 1))
                    continue
                connected, ever, attempt = True, True, 0
                if not self._reported:
                    self._publish(S.READY)
                continue
            if self._poll is None:
                self._idle(None)
                continue
            try:
                delay = self._poll()
            except DeviceError as exc:
                if self._connect is None:  # nothing to reconnect: the device says how it is
                    self._publish(S.RECONNECTING, exc.detail or exc.key)
                    self._idle(self._pause(0))
                    continue
                self._safe_disconnect()
                connected, attempt = False, 1
                self._publish(S.RECONNECTING, exc.detail or exc.key)
                self._idle(self._pause(0))
                continue
            self._idle(delay)

    def _safe_disconnect(self) -> None:
        if self._disconnect is None:
            return
        try:
            self._disconnect()
        except Exception:  # closing must not keep the thread from ending
            log.exception("%s: closing failed", self.device)
