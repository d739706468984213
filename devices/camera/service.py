"""``CaptureService``: the document camera's owner thread, the live preview and captures.

Three threads, each with one job (all daemon, all joined with a bound on ``stop``):

- ``device:camera`` (the owner thread, a ``DeviceRunner`` of core/lifecycle.py: ``lifecycle``) opens the
  source, reads frames as fast as the source delivers them and keeps only the newest (docs/camera.md,
  "Facts about document cameras": frames lag by about one buffered frame, so a still must come from a
  background grab). ``start()`` returns at once: a camera that cannot be opened (not plugged in yet) is
  tried again after a growing pause (``RECONNECT_S``), and so is one whose reads fail (unplugged), until
  ``stop``. Only this thread touches the source. ``wait_ready(timeout_s)`` waits (bounded) for the first
  open, for those who need the camera now.
- ``camera:preview`` takes the newest frame whenever there is a new one (frames that arrive meanwhile are
  dropped, never queued), scales it to the preview size, finds the page at that scale (tracking the last
  quad first, a full search when that fails), measures focus, runs auto-capture, and hands a
  ``PreviewFrame`` to the listener. A page the finder is not sure of is shown without an outline and is
  not auto-captured. The preview skips the finder's costly straight-line search (``thorough=False``);
  captures do not.
- ``camera:process`` (one worker) does full-resolution work: page detection, flattening and clean-up for
  manual and auto captures, so neither the grab nor the preview ever waits for it.

Every public method returns within its timeout; none of them may be called from a listener callback with
an unbounded wait (they have none).
"""

from __future__ import annotations

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
from devices.camera.calibration import Calibration, Undistorter
from devices.camera.sources import FrameSource, open_source
from core.errors import DeviceBusy, DeviceError, DeviceNotFound, DeviceTimeout
from core.lifecycle import DeviceRunner
from core.ports.camera import CameraInfo, CapturedPage, Cleanup, PreviewFrame
from core.ports.clock import Clock, SystemClock
from core.ports.lifecycle import LifecycleState

log = logging.getLogger("kiosk.camera")

RECONNECT_S = (0.2, 0.5, 1.0, 2.0, 5.0)  # pause before each reopen attempt; the last one repeats
READ_FAILURES = 3  # consecutive failed reads that count as "unplugged"
JOIN_S = 3.0


def fit_size(width: int, height: int, max_size: tuple[int, int]) -> tuple[int, int]:
    scale = min(1.0, max_size[0] / width, max_size[1] / height)
    return max(1, int(round(width * scale))), max(1, int(round(height * scale)))


def make_page(frame: np.ndarray, cleanup: Cleanup, *, clock: Clock, auto: bool = False,
              undistort: Callable[[np.ndarray], np.ndarray] | None = None) -> CapturedPage:
    """Full-resolution capture: find the page, flatten, deskew, clean up. The whole frame when no page is
    found or the finder is not sure of it (``Detection.sure``): a wrong crop loses part of the document,
    the whole frame loses nothing. That whole frame is flattened by the camera's lens calibration when
    there is one (``undistort``: calibration.Undistorter), else kept as the camera took it (docs/camera.md,
    "When the finder is not sure", "Lens calibration")."""
    found = detect.detect(frame)
    quad = found.quad if found is not None and found.sure else None
    whole = frame
    if quad is None and undistort is not None:
        try:
            whole = undistort(frame)
        except ValueError as exc:  # a frame of another shape than the calibration's: kept as taken
            log.warning("camera: the whole frame is kept as taken: %s", exc)
    page = process.clean_page(whole, quad, cleanup)
    return CapturedPage(image=page, quad=geometry.as_quad(quad), focus=process.focus_measure(frame, quad),
                        source_size=(int(frame.shape[1]), int(frame.shape[0])), captured_at=clock.now(),
                        auto=auto)


class CaptureService:
    """Implements ``core.ports.camera.DocumentCamera`` over a ``FrameSource`` (see sources.py)."""

    def __init__(self, source: str | FrameSource, *, clock: Clock | None = None,
                 preview_work_size: int = 480, autocapture: AutoCapture | None = None,
                 calibration: Calibration | None = None) -> None:
        """``calibration``: the lens's (calibration.py), which flattens the whole frame a capture keeps when
        it is not sure of the page; None: kept as taken."""
        self._source = open_source(source) if isinstance(source, str) else source
        self.clock = clock or SystemClock()
        self._undistort = Undistorter(calibration) if calibration is not None else None
        self.preview_work_size = preview_work_size
        self._auto = autocapture or AutoCapture()
        self._info: CameraInfo | None = None
        self._frame: np.ndarray | None = None
        self._seq = 0
        self._cond = threading.Condition()
        self._stop = threading.Event()  # ends the preview thread and frame waits
        self._open_error: DeviceError | None = None  # why the last open failed (cleared when one succeeds)
        self._failures = 0  # consecutive failed reads
        self._runner = DeviceRunner("camera", connect=self._open, poll=self._grab, disconnect=self._source.close,
                                    retry_s=RECONNECT_S, thread_name="device:camera", stop_timeout_s=JOIN_S)
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
    def state(self) -> LifecycleState:
        return self._runner.state

    @property
    def lifecycle(self) -> DeviceRunner:
        """The owner thread's life (core.ports.lifecycle), published like every device's."""
        return self._runner

    def info(self) -> CameraInfo | None:
        return self._info

    def start(self) -> CaptureService:
        """Starts grabbing and returns at once; the camera opens in the background (``wait_ready``)."""
        if self._previewer is not None:
            return self
        self._stop.clear()
        self._processor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="camera:process")
        self._previewer = threading.Thread(target=self._preview_loop, name="camera:preview", daemon=True)
        self._previewer.start()
        self._runner.start()
        return self

    def wait_ready(self, *, timeout_s: float = 5.0) -> CameraInfo:
        """Waits at most ``timeout_s`` for the camera to stream; raises why it does not (the last open's
        ``DeviceNotFound``, else ``DeviceTimeout``). The camera keeps trying either way until ``stop``."""
        if self._previewer is None:
            raise DeviceBusy("camera is not started", device="camera")
        if self._runner.wait_for(LifecycleState.READY, timeout_s) and self._info is not None:
            return self._info
        if self._open_error is not None:
            raise self._open_error
        raise DeviceTimeout(f"camera did not open within {timeout_s:.1f} s", device="camera")

    def stop(self, timeout_s: float = JOIN_S) -> None:
        """Stops all three threads (each wait bounded) and releases the source on its owner thread."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        self._runner.stop(timeout_s)
        if self._previewer is not None:
            self._previewer.join(timeout_s)
            if self._previewer.is_alive():
                log.warning("camera preview thread did not stop within %.1f s", timeout_s)
        if self._processor is not None:
            self._processor.shutdown(wait=False, cancel_futures=True)
            for worker in list(getattr(self._processor, "_threads", ())):
                worker.join(timeout_s)
        self._previewer = None
        self._processor = None

    def __enter__(self) -> CaptureService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the owner thread ---------------------------------------------------------------------------

    def _open(self) -> None:
        try:
            info = self._source.open()
        except (cv2.error, OSError) as exc:  # a driver's own error: the camera is not usable (yet)
            self._open_error = DeviceNotFound(f"camera cannot be opened: {exc}", device="camera")
            raise self._open_error from None
        except DeviceError as exc:
            self._open_error = exc
            raise
        self._info, self._open_error, self._failures = info, None, 0
        log.info("camera open: %s, mode %s", info.source, info.negotiated)

    def _grab(self) -> float:
        """Reads one frame (the source paces itself); ``DeviceNotFound`` after ``READ_FAILURES`` in a row."""
        try:
            frame = self._source.read()
        except (cv2.error, OSError, DeviceError) as exc:
            log.warning("camera read failed: %s", exc)
            frame = None
        if frame is None:
            self._failures += 1
            if self._failures >= READ_FAILURES:
                log.warning("camera lost after %d failed reads; reconnecting", self._failures)
                self.reconnects += 1
                raise DeviceNotFound(f"no frame in {self._failures} reads", device="camera")
            return 0.0
        self._failures = 0
        with self._cond:
            self._frame = frame
            self._seq += 1
            self.frames += 1
            self._cond.notify_all()
        return 0.0

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
        future = self._submit(functools.partial(make_page, clock=self.clock, undistort=self._undistort), frame,
                              Cleanup(cleanup))
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
            found = detect.detect(preview, work_size=self.preview_work_size, thorough=False)
        quad = found.quad if found is not None and found.sure else None  # no outline rather than a wrong one
        return preview, quad, process.focus_measure(preview, quad)

    def _auto_job(self, frame: np.ndarray, cleanup: Cleanup) -> None:
        try:
            page = make_page(frame, cleanup, clock=self.clock, auto=True, undistort=self._undistort)
            listener = self._auto_listener
            if listener is not None:
                listener(page)
        except Exception:
            log.exception("auto-capture failed")
        finally:
            self._auto_busy = False
