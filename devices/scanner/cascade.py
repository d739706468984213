"""``CodeDecoder``: codes in a camera frame, fast on easy frames, persistent on hard ones.

Plain libraries on a full 1080p / 5 MP frame are slow (all formats, every scale, every rotation) and still
miss codes under glare, blur, motion and low contrast. The cascade below stops at the first stage that
decodes something, so the easy majority costs a few milliseconds and only hard frames pay for the rest
(bench/decode_frames.py measures it against plain pyzbar and plain zxing-cpp):

1. *tracked region*: where the last code was (live preview: the citizen holds still), read just that crop;
2. *fast pass*: the frame scaled to at most ``fast_width`` pixels wide, our formats only, no rotation
   search (zxing-cpp finds QR codes at any angle anyway); light-on-dark codes too (``try_invert``: the
   inverted image is read only when the plain one gave nothing);
3. *full pass*: full resolution with the library's own downscaling, for small codes; zxing-cpp also
   reports symbols it found but could not decode (their corners are the best regions for step 4);
4. *regions*: those symbols plus the boxes of ``enhance.candidate_regions`` (edge-dense compact blobs),
   each cropped, scaled to a workable size and tried with: smoothing (sensor noise), CLAHE, local
   normalisation (glare), unsharp masking, Wiener deconvolution along the blur direction the structure
   tensor finds (motion blur) or with Gaussian kernels (focus blur), adaptive binarisation. A region is
   cropped and scaled once; one whose rim is darker than its middle (a phone in dark mode) is read both
   ways in every attempt.

Parts of a structured-append sequence (``DecodedCode.part``) do not end the cascade: later stages may
find the rest in the same frame, and a sequence complete in the frame is returned as one code.

``budget_ms`` bounds the whole cascade: a frame with no code costs at most that, and a live preview
simply skips frames while the decoder is busy (``frame_decoder.FrameDecoder``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from devices.scanner import enhance
from devices.scanner.backends import DEFAULT_FORMATS, make_backend
from devices.scanner.sequence import whole_codes
from core.ports.scanner import DecodedCode

CROP_TARGET = 640  # regions are scaled so their longer side is about this many pixels


class CodeDecoder:
    def __init__(self, backend: str = "zxing", formats: Sequence[str] = DEFAULT_FORMATS, *,
                 budget_ms: float = 400.0, fast_width: int = 1280, track: bool = False,
                 rgb: bool = False) -> None:
        self.backend = make_backend(backend, formats)
        self.budget_ms = budget_ms
        self.fast_width = fast_width
        self.track = track
        self.rgb = rgb  # frames from devices.camera are RGB; OpenCV's own are BGR
        self._last_box: tuple[int, int, int, int] | None = None
        self.last_stage = ""  # which stage decoded the last frame (for diagnostics and the bench)

    def decode(self, frame: np.ndarray) -> list[DecodedCode]:
        """The codes in ``frame``; a structured-append sequence whose parts are all in the frame comes as
        one code, and parts of a sequence not all found are returned as parts (``DecodedCode.part``)."""
        grey = np.ascontiguousarray(enhance.to_grey(frame, self.rgb))
        deadline = time.perf_counter() + self.budget_ms / 1000.0
        parts: dict[tuple[int, int, int], DecodedCode] = {}
        for stage, attempt in self._attempts(grey):
            codes = attempt()
            if codes:
                self.last_stage = stage
                if self.track and codes[0].corners:
                    self._last_box = enhance.box_around(np.array(codes[0].corners, np.float32), grey.shape)
                for c in codes:
                    if c.part is not None:
                        parts.setdefault((c.part.total, c.part.parity, c.part.index), c)
                codes = whole_codes([c for c in codes if c.part is None] + list(parts.values()))
                if all(c.part is None for c in codes):
                    return codes
                # only some parts of a sequence so far: later stages may find the rest in this frame
            if time.perf_counter() > deadline:
                break
        if parts:
            return list(parts.values())
        self.last_stage = ""
        self._last_box = None
        return []

    # --- the stages, in order ----------------------------------------------------------------------

    def _attempts(self, grey: np.ndarray) -> Iterator[tuple[str, Callable[[], list[DecodedCode]]]]:
        read = self.backend.read
        if self.track and self._last_box is not None:
            box = self._last_box
            yield "tracked", lambda: self._read_crop(grey, box)
        h, w = grey.shape
        factor = min(1.0, self.fast_width / w)
        if factor < 1.0:
            small = enhance.resize(grey, factor)
            yield "fast", lambda: _scaled(read(small, try_downscale=False, try_invert=True)[0], 1 / factor)
        failed: list[np.ndarray] = []

        def full() -> list[DecodedCode]:
            codes, bad = read(grey, try_downscale=True, try_invert=True, errors=True)
            failed.extend(bad)
            return codes

        yield "full", full
        # Candidate blobs first: a symbol zxing-cpp found but could not decode is often only part of the
        # code (a finder pattern cluster), and the blob around it holds the whole code.
        boxes = enhance.candidate_regions(grey)
        boxes += [b for b in (enhance.box_around(c, grey.shape, 0.6) for c in failed)
                  if not any(_overlaps(b, o) for o in boxes)]
        for box in boxes[:4]:
            yield from self._region_attempts(grey, box)

    def _region_attempts(self, grey: np.ndarray, box: tuple[int, int, int, int]
                         ) -> Iterator[tuple[str, Callable[[], list[DecodedCode]]]]:
        crop, (x0, y0), scale = _crop(grey, box)  # once per region: every attempt starts from it
        # Light modules on dark (a phone in dark mode) make the rim darker than the middle; so does a
        # printed code on a dark desk, so such a region is read both ways (zxing-cpp's try_invert reads the
        # inverted image only when the plain one gave nothing).
        invert = enhance.looks_inverted(crop)

        def attempt(name: str, fix: Callable[[np.ndarray], np.ndarray], both: bool = invert):
            def run() -> list[DecodedCode]:
                codes, _ = self.backend.read(fix(crop), try_downscale=False, try_invert=both)
                return [_shifted(c, x0, y0, 1 / scale) for c in codes]
            return f"region:{name}", run

        yield attempt("plain", lambda c: c, both=True)
        # noise grain is enlarged with the crop: smooth over about one source pixel
        yield attempt("smooth", lambda c, s=max(1.0, 0.7 * scale): enhance.smooth(c, s))
        angle, anisotropy = enhance.motion_direction(crop)
        if anisotropy > 0.3:  # a sharp code is isotropic (≈0.02); motion blur makes it directional
            # the deconvolution needs the length within about ±2 px: the estimate first, then around it
            guess = enhance.motion_length(crop, angle)
            for length in sorted(range(5, 45, 2), key=lambda n: abs(n - guess)):
                kernel = enhance.motion_kernel(length, angle)
                yield attempt(f"motion{length}", lambda c, k=kernel: enhance.wiener(c, k, 0.01))
        for name, fix in _VARIANTS:
            yield attempt(name, fix)
        for sigma in (1.5, 2.0, 2.5, 3.5):
            kernel = enhance.gaussian_kernel(sigma)
            yield attempt(f"deblur{sigma}", lambda c, k=kernel: enhance.wiener(c, k, 0.01))

    def _read_crop(self, grey: np.ndarray, box: tuple[int, int, int, int]) -> list[DecodedCode]:
        crop, (x0, y0), scale = _crop(grey, box)
        codes, _ = self.backend.read(crop, try_downscale=False, try_invert=True)
        return [_shifted(c, x0, y0, 1 / scale) for c in codes]


_VARIANTS: list[tuple[str, Callable[[np.ndarray], np.ndarray]]] = [
    ("clahe", lambda c: enhance.clahe(c, 3.0, 4)),
    ("normalise", lambda c: enhance.normalise_local(c, 12.0)),
    ("unsharp", lambda c: enhance.unsharp(c, 2.0, 1.5)),
    ("binary", lambda c: enhance.adaptive_binary(c, 31, 3)),
    ("clahe+unsharp", lambda c: enhance.unsharp(enhance.clahe(c, 4.0, 4), 1.5, 1.0)),
]


def _crop(grey: np.ndarray, box: tuple[int, int, int, int]) -> tuple[np.ndarray, tuple[int, int], float]:
    x, y, w, h = box
    crop = grey[y:y + h, x:x + w]
    scale = min(4.0, CROP_TARGET / max(w, h, 1))
    if abs(scale - 1.0) > 0.15:
        crop = enhance.resize(crop, scale)
    else:
        scale = 1.0
    return np.ascontiguousarray(crop), (x, y), scale


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0, min(ay + ah, by + bh) - max(ay, by))
    return ix * iy > 0.5 * min(aw * ah, bw * bh)


def _shifted(code: DecodedCode, dx: int, dy: int, scale: float) -> DecodedCode:
    corners = tuple((int(x * scale + dx), int(y * scale + dy)) for x, y in code.corners)
    return DecodedCode(code.text, code.format, corners, code.part)


def _scaled(codes: list[DecodedCode], scale: float) -> list[DecodedCode]:
    return [_shifted(c, 0, 0, scale) for c in codes]
