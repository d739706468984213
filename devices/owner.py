"""One owner thread per device: every call to a device goes through it, and every wait is bounded.

Serial ports, USB handles and camera captures are not safe to use from several threads, and a call that
hangs in a driver must never hang the caller. ``DeviceOwner`` runs calls one at a time on a single named
worker thread; ``call`` waits at most ``timeout_s`` for the result and raises ``DeviceTimeout`` after that
(the call itself goes on finishing on the owner thread, and the next call queues behind it).

    owner = DeviceOwner("ticket_printer")
    status = owner.call(printer.status, timeout_s=2.0)
    future = owner.submit(printer.print_ticket, slip)      # the caller chooses when to wait
    owner.close()

Code that must only run on the owner thread can check ``owner.is_owner_thread()``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from core.errors import DeviceBusy, DeviceTimeout

T = TypeVar("T")


class DeviceOwner:
    def __init__(self, device: str, *, default_timeout_s: float = 3.0) -> None:
        self.device = device
        self.default_timeout_s = default_timeout_s
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"device:{device}")
        self._thread_ident: int | None = None
        self._closed = False
        self._lock = threading.Lock()

    def _run(self, fn: Callable[..., T], args: tuple, kwargs: dict) -> T:
        self._thread_ident = threading.get_ident()
        return fn(*args, **kwargs)

    def is_owner_thread(self) -> bool:
        return threading.get_ident() == self._thread_ident

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        with self._lock:
            if self._closed:
                raise DeviceBusy("device owner is closed", device=self.device)
            return self._executor.submit(self._run, fn, args, kwargs)

    def call(self, fn: Callable[..., T], /, *args: Any, timeout_s: float | None = None, **kwargs: Any) -> T:
        """Runs ``fn`` on the owner thread and returns its result within ``timeout_s`` (or raises)."""
        if self.is_owner_thread():  # already there: a nested call must not wait for itself
            return fn(*args, **kwargs)
        future = self.submit(fn, *args, **kwargs)
        wait = self.default_timeout_s if timeout_s is None else timeout_s
        try:
            return future.result(timeout=wait)
        except FutureTimeout:
            future.cancel()
            raise DeviceTimeout(f"no answer within {wait:.1f} s", device=self.device) from None

    def close(self, *, wait_s: float = 5.0) -> None:
        """Stops taking calls and lets the running one finish (bounded by the device's own timeouts)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
        worker_threads = list(getattr(self._executor, "_threads", ()))
        for thread in worker_threads:
            thread.join(wait_s)

    def __enter__(self) -> DeviceOwner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
