"""``FrameDecoder``: decodes codes from live preview frames on its own thread, newest frame first.

The camera delivers frames faster than a hard frame can be decoded. ``submit(frame)`` never blocks: it
replaces the frame waiting to be decoded, so a stale frame is dropped rather than queued (a citizen sees
the result of what the camera shows now, not of what it showed a second ago). The decoder thread:

- skips a frame that looks like the last one it decoded (a 64×36 thumbnail differs by less than
  ``unchanged_level`` on average): the same empty counter or the same code still held up; not while
  parts of a structured-append sequence wait for the rest;
- decodes with ``cascade.CodeDecoder`` (``track=True``: it looks where the last code was first);
- reports codes through ``on_codes(list[DecodedCode])``, on its own thread, and does not report the same
  text again within ``repeat_s`` (a code held in front of the camera is one scan, not thirty);
- gathers the parts of a structured-append sequence (``sequence.SequenceAssembler``) from one frame and
  the frames of the next ``sequence_s`` seconds (a citizen swiping through the codes on a phone), and
  reports the whole payload once, never a part on its own;
- reports a failure through ``on_error(DeviceError)`` and carries on with the next frame.

The thread is a ``DeviceRunner`` (core/lifecycle.py, ``lifecycle``): it has nothing to connect to, so it is
ready as soon as ``start()`` (which returns at once) has run it; ``submit`` wakes it. ``stop(timeout_s)``
ends the thread within the bounded wait (a decode in progress is itself bounded by the decoder's
``budget_ms``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import cv2
import numpy as np

from devices.scanner.cascade import CodeDecoder
from devices.scanner.sequence import SequenceAssembler
from core.errors import DeviceError, DeviceProtocolError
from core.lifecycle import DeviceRunner
from core.ports.scanner import DecodedCode

log = logging.getLogger(__name__)


class FrameDecoder:
    def __init__(
        self,
        decoder: CodeDecoder | None = None,
        *,
        on_codes: Callable[[list[DecodedCode]], None] | None = None,
        on_error: Callable[[DeviceError], None] | None = None,
        repeat_s: float = 2.0,
        unchanged_level: float = 1.5,
        sequence_s: float = 5.0,
        thread_name: str = "device:frame-decoder",
    ) -> None:
        self.decoder = decoder or CodeDecoder(budget_ms=150.0, track=True)
        self.on_codes = on_codes
        self.on_error = on_error
        self.repeat_s = repeat_s
        self.unchanged_level = unchanged_level
        self._cond = threading.Condition()
        self._pending: np.ndarray | None = None
        self._runner = DeviceRunner("frame_decoder", poll=self._decode_pending, thread_name=thread_name)
        self._busy = False  # the thread is decoding a frame (guarded by _cond)
        self._last_thumb: np.ndarray | None = None
        self._recent: dict[str, float] = {}
        self._sequences = SequenceAssembler(sequence_s)
        self.submitted = 0
        self.decoded = 0  # frames actually run through the decoder
        self.dropped = 0  # replaced by a newer frame before the thread got to them
        self.skipped = 0  # unchanged since the last decoded frame

    @property
    def lifecycle(self) -> DeviceRunner:
        """The decoder thread's life (core.ports.lifecycle), published like every device's."""
        return self._runner

    def start(self) -> FrameDecoder:
        self._runner.start()
        return self

    def submit(self, frame: np.ndarray) -> None:
        """Hands over the newest frame (never blocks; the decoder keeps no reference after decoding)."""
        with self._cond:
            if self._pending is not None:
                self.dropped += 1
            self._pending = frame
            self.submitted += 1
        self._runner.wake()

    def idle(self, timeout_s: float) -> bool:
        """Waits until no frame is waiting (for tests and the diag command); False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending is None and not self._busy, timeout_s)

    def stop(self, timeout_s: float = 3.0) -> None:
        with self._cond:
            self._pending = None
            self._cond.notify_all()
        self._runner.stop(timeout_s)

    def __enter__(self) -> FrameDecoder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- decoder thread ----------------------------------------------------------------------------

    def _decode_pending(self) -> float | None:
        """Decodes the newest frame, if one waits; then waits for the next ``submit`` (None)."""
        with self._cond:
            frame, self._pending = self._pending, None
            if frame is None:
                return None
            self._busy = True
        try:
            self._decode(frame)
        except DeviceError as exc:
            self._report_error(exc)
        except (cv2.error, ValueError, TypeError) as exc:  # a frame of the wrong shape or type
            self._report_error(DeviceProtocolError(f"frame cannot be decoded: {exc}", device="camera"))
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()
        return 0.0 if self._pending is not None else None

    def _decode(self, frame: np.ndarray) -> None:
        if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim not in (2, 3):
            raise ValueError(f"expected a uint8 image array, got {getattr(frame, 'dtype', type(frame))}")
        # every step-th pixel, shrunk, then grey: a third of the cost of a full-frame grey conversion (the
        # decoder makes the frame's grey once itself)
        step = max(1, frame.shape[1] // 512)
        small = cv2.resize(np.ascontiguousarray(frame[::step, ::step]), (64, 36), interpolation=cv2.INTER_AREA)
        thumb = (small if small.ndim == 2 else small.mean(axis=2)).astype(np.int16)
        last = self._last_thumb
        unchanged = last is not None and float(np.abs(thumb - last).mean()) < self.unchanged_level
        # the next symbol of a sequence looks much like the last one: while parts wait, decode every frame
        if unchanged and not self._sequences.pending:
            self.skipped += 1
            return
        self._last_thumb = thumb
        self.decoded += 1
        now = time.monotonic()
        codes = self._sequences.add(self.decoder.decode(frame), now)
        self._recent = {t: at for t, at in self._recent.items() if now - at < self.repeat_s}
        fresh = [c for c in codes if c.text not in self._recent]
        for c in codes:
            self._recent[c.text] = now
        if fresh and self.on_codes is not None:
            try:
                self.on_codes(fresh)
            except Exception:
                log.exception("on_codes callback failed")

    def _report_error(self, error: DeviceError) -> None:
        log.info("frame decoder: %s", error.detail)
        if self.on_error is not None:
            try:
                self.on_error(error)
            except Exception:
                log.exception("on_error callback failed")
