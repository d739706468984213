"""``CaptureService``: the document camera's owner thread, the live preview and captures.

Three threads, each with one job (all daemon, all joined with a bound on ``stop``):

- ``device:camera`` (the owner thread) opens the source, reads frames as fast as the source delivers them
  and keeps only the newest (docs/camera.md, "Facts about document cameras": frames lag by about one buffered frame,
  so a still must come from a background grab). When reads fail (unplugged) it closes the source and opens
  it again after a growing pause (``RECONNECT_S``), until ``stop``. Only this thread touches the source.
- ``camera:preview`` takes the newest frame whenever there is a new one (frames that arrive meanwhile are
  dropped, never queued), scales it to the preview size, finds the page at that scale (tracking the last
  quad first, a full search when that fails), measures focus, runs auto-capture, and hands a
  ``PreviewFrame`` to the listener.
- ``camera:process`` (one worker) does full-resolution work: page detection, flattening and clean-up for
  manual and auto captures, so neither the grab nor the preview ever waits for it.

Every public method returns within its timeout; none of them may be called from a listener callback with
an unbounded wait (they have none).
"""

from __future__ import annotations

import enum
import functools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import cv2
import numpy as np

from devices.camera import detect, geometry, process
from devices.camera.autocapture import AutoCapture
from devices.camera.sources import FrameSource, open_source
from core.errors import DeviceBusy, DeviceError, DeviceTimeout
from core.ports.camera import CameraInfo, CapturedPage, Cleanup, PreviewFrame
from core.ports.clock import Clock, SystemClock

log = logging.getLogger("kiosk.camera")

RECONNECT_S = (0.2, 0.5, 1.0, 2.0, 5.0)  # pause before each reopen attempt; the last one repeats
READ_FAILURES = 3  # consecutive failed reads that count as "unplugged"
JOIN_S = 3.0


class CameraState(enum.StrEnum):
    STOPPED = "stopped"
    OPENING = "opening"
    STREAMING = "streaming"
    RECONNECTING = "reconnecting"


def fit_size(width: int, height: int, max_size: tuple[int, int]) -> tuple[int, int]:
    scale = min(1.0, max_size[0] / width, max_size[1] / height)
    return max(1, int(round(width * scale))), max(1, int(round(height * scale)))


def make_page(frame: np.ndarray, cleanup: Cleanup, *, clock: Clock, auto: bool = False) -> CapturedPage:
    """Full-resolution capture: find the page, flatten, deskew, clean up. The whole frame if no page."""
    found = detect.detect(frame)
    quad = found.quad if found is not None else None
    page = process.clean_page(frame, quad, cleanup)
    return CapturedPage(image=page, quad=geometry.as_quad(quad), focus=process.focus_measure(frame, quad),
                        source_size=(int(frame.shape[1]), int(frame.shape[0])), captured_at=clock.now(),
                        auto=auto)


class CaptureService:
    """Implements ``core.ports.camera.DocumentCamera`` over a ``FrameSource`` (see sources.py)."""

    def __init__(self, source: str | FrameSource, *, clock: Clock | None = None,
                 preview_work_size: int = 480, autocapture: AutoCapture | None = None) -> None:
        self._source = open_source(source) if isinstance(source, str) else source
        self.clock = clock or SystemClock()
        self.preview_work_size = preview_work_size
        self._auto = autocapture or AutoCapture()
        self._state = CameraState.STOPPED
        self._info: CameraInfo | None = None
        self._frame: np.ndarray | None = None
        self._seq = 0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._opened = threading.Event()
        self._open_error: DeviceError | None = None
        self._grabber: threading.Thread | None = None
        self._previewer: threading.Thread | None = None
        self._processor: ThreadPoolExecutor | None = None
        self._preview_listener: Callable[[PreviewFrame], None] | None = None
        self._preview_size = (960, 540)
        self._auto_listener: Callable[[CapturedPage], None] | None = None
        self._auto_cleanup = Cleanup.COLOUR
        self._auto_busy = False
        self.reconnects = 0
        self.frames = 0

    # --- lifecycle ----------------------------------------------------------------------------------

    @property
    def state(self) -> CameraState:
        return self._state

    def info(self) -> CameraInfo | None:
        return self._info

    def start(self, *, timeout_s: float = 5.0) -> CameraInfo:
        if self._grabber is not None:
            raise DeviceBusy("camera already started", device="camera")
        self._stop.clear()
        self._opened.clear()
        self._open_error = None
        self._state = CameraState.OPENING
        self._grabber = threading.Thread(target=self._grab_loop, name="device:camera", daemon=True)
        self._grabber.start()
        if not self._opened.wait(timeout_s):
            self.stop()
            raise DeviceTimeout(f"camera did not open within {timeout_s:.1f} s", device="camera")
        if self._open_error is not None:
            error = self._open_error
            self.stop()
            raise error
        self._processor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="camera:process")
        self._previewer = threading.Thread(target=self._preview_loop, name="camera:preview", daemon=True)
        self._previewer.start()
        assert self._info is not None
        return self._info

    def stop(self) -> None:
        """Stops all three threads (each wait bounded) and releases the source on its owner thread."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        for thread in (self._previewer, self._grabber):
            if thread is not None:
                thread.join(JOIN_S)
                if thread.is_alive():
                    log.warning("camera thread %s did not stop within %.1f s", thread.name, JOIN_S)
        if self._processor is not None:
            self._processor.shutdown(wait=False, cancel_futures=True)
            for worker in list(getattr(self._processor, "_threads", ())):
                worker.join(JOIN_S)
        self._grabber = self._previewer = None
        self._processor = None
        self._state = CameraState.STOPPED

    def __enter__(self) -> CaptureService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the owner thread ---------------------------------------------------------------------------

    def _grab_loop(self) -> None:
        opened = False
        failures = 0
        attempt = 0
        try:
            while not self._stop.is_set():
                if not opened:
                    try:
                        self._info = self._source.open()
                        opened, failures, attempt = True, 0, 0
                        self._state = CameraState.STREAMING
                        log.info("camera open: %s, mode %s", self._info.source, self._info.negotiated)
                    except DeviceError as exc:
                        if not self._opened.is_set():  # the first open: start() reports it
                            self._open_error = exc
                            self._opened.set()
                            return
                        pause = RECONNECT_S[min(attempt, len(RECONNECT_S) - 1)]
                        attempt += 1
                        log.info("camera reopen failed (%s); next try in %.1f s", exc.detail, pause)
                        self._stop.wait(pause)
                        continue
                    finally:
                        if opened:
                            self._opened.set()
                try:
                    frame = self._source.read()
                except (cv2.error, OSError, DeviceError) as exc:
                    log.warning("camera read failed: %s", exc)
                    frame = None
                if frame is None:
                    failures += 1
                    if failures >= READ_FAILURES:
                        log.warning("camera lost after %d failed reads; reconnecting", failures)
                        self._source.close()
                        opened = False
                        self.reconnects += 1
                        self._state = CameraState.RECONNECTING
                        self._stop.wait(RECONNECT_S[0])
                    continue
                failures = 0
                with self._cond:
                    self._frame = frame
                    self._seq += 1
                    self.frames += 1
                    self._cond.notify_all()
        finally:
            self._source.close()

    # --- frames ----------------------------------------------------------------------------------------

    def wait_frame(self, after_seq: int = 0, *, timeout_s: float = 2.0) -> tuple[int, np.ndarray]:
        """The newest frame numbered after ``after_seq``; ``DeviceTimeout`` when none comes in time."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while self._seq <= after_seq or self._frame is None:
                left = deadline - time.monotonic()
                if left <= 0 or self._stop.is_set():
                    raise DeviceTimeout(f"no camera frame within {timeout_s:.1f} s", device="camera")
                self._cond.wait(left)
            return self._seq, self._frame

    def latest_frame(self, *, timeout_s: float = 2.0) -> np.ndarray:
        return self.wait_frame(0, timeout_s=timeout_s)[1]

    # --- captures --------------------------------------------------------------------------------------

    def _submit(self, fn, *args) -> Future:
        if self._processor is None:
            raise DeviceBusy("camera is not started", device="camera")
        try:
            return self._processor.submit(fn, *args)
        except RuntimeError:  # shut down meanwhile
            raise DeviceBusy("camera is stopping", device="camera") from None

    def capture(self, *, cleanup: Cleanup = Cleanup.COLOUR, timeout_s: float = 3.0) -> CapturedPage:
        """Manual capture of the newest frame (always available, whatever auto-capture thinks)."""
        started = time.monotonic()
        frame = self.latest_frame(timeout_s=timeout_s)
        future = self._submit(functools.partial(make_page, clock=self.clock), frame, Cleanup(cleanup))
        try:
            return future.result(timeout=max(0.05, timeout_s - (time.monotonic() - started)))
        except FutureTimeout:
            future.cancel()
            raise DeviceTimeout(f"capture not processed within {timeout_s:.1f} s", device="camera") from None
        except (cv2.error, ValueError) as exc:  # OpenCV's errors stop here: callers see ours
            raise DeviceError(f"capture processing failed: {exc}", device="camera",
                              key="camera.error.capture_failed") from None

    def set_preview_listener(self, listener: Callable[[PreviewFrame], None] | None, *,
                             max_size: tuple[int, int] = (960, 540)) -> None:
        self._preview_size = (max(16, int(max_size[0])), max(16, int(max_size[1])))
        self._preview_listener = listener

    def set_auto_capture(self, listener: Callable[[CapturedPage], None] | None, *,
                         cleanup: Cleanup = Cleanup.COLOUR) -> None:
        self._auto_cleanup = Cleanup(cleanup)
        self._auto.reset()
        self._auto_listener = listener

    # --- the preview thread ---------------------------------------------------------------------------

    def _preview_loop(self) -> None:
        last_seq = 0
        previous_quad: np.ndarray | None = None
        stamps: list[float] = []
        while not self._stop.is_set():
            listener, auto_listener = self._preview_listener, self._auto_listener
            if listener is None and auto_listener is None:
                self._stop.wait(0.05)
                continue
            try:
                last_seq, frame = self.wait_frame(last_seq, timeout_s=0.5)
            except DeviceTimeout:
                previous_quad = None
                continue
            try:
                preview, quad, focus = self._analyse(frame, previous_quad)
            except (cv2.error, ValueError) as exc:
                log.warning("preview analysis failed: %s", exc)
                continue
            previous_quad = quad
            now = time.monotonic()
            stamps = [s for s in stamps if now - s < 1.0] + [now]
            size = (preview.shape[1], preview.shape[0])
            decision = self._auto.update(quad, focus, now, size) if auto_listener is not None else None
            if listener is not None:
                sharp = focus >= self._auto.min_focus
                still = decision.progress if decision is not None else 0.0
                try:
                    listener(PreviewFrame(image=preview, quad=geometry.as_quad(quad), focus=focus, sharp=sharp,
                                          still=still, fps=float(len(stamps)), seq=last_seq))
                except Exception:  # a listener's bug must not stop the preview
                    log.exception("preview listener failed")
            if decision is not None and decision.capture and not self._auto_busy:
                self._auto_busy = True
                try:
                    self._submit(self._auto_job, frame, self._auto_cleanup)
                except DeviceBusy:
                    self._auto_busy = False

    def _analyse(self, frame: np.ndarray, previous: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None, float]:
        width, height = fit_size(frame.shape[1], frame.shape[0], self._preview_size)
        if (width, height) != (frame.shape[1], frame.shape[0]):
            preview = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)
        else:
            preview = np.ascontiguousarray(frame)
        found = detect.track(preview, previous, work_size=self.preview_work_size) if previous is not None else None
        if found is None:
            found = detect.detect(preview, work_size=self.preview_work_size)
        quad = found.quad if found is not None else None
        return preview, quad, process.focus_measure(preview, quad)

    def _auto_job(self, frame: np.ndarray, cleanup: Cleanup) -> None:
        try:
            page = make_page(frame, cleanup, clock=self.clock, auto=True)
            listener = self._auto_listener
            if listener is not None:
                listener(page)
        except Exception:
            log.exception("auto-capture failed")
        finally:
            self._auto_busy = False
