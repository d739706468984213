"""Image work for the hard frames: where a code may be, and ways to make it readable (OpenCV, pure).

All functions take and return grey uint8 numpy arrays and do no I/O. ``cascade.CodeDecoder`` decides
which to try and in what order; bench/decode_frames.py measures them.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

DETECT_WIDTH = 480  # the candidate detector works on a frame this wide


def to_grey(frame: np.ndarray, rgb: bool = False) -> np.ndarray:
    """Grey from a grey, BGR (OpenCV's order) or RGB (devices.camera's frames, ``rgb=True``) image."""
    if frame.ndim == 2:
        return frame
    if frame.ndim != 3 or frame.shape[2] not in (3, 4):
        raise ValueError(f"not an image: shape {frame.shape}")
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_RGBA2GRAY if rgb else cv2.COLOR_BGRA2GRAY)
    return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY if rgb else cv2.COLOR_BGR2GRAY)


def resize(grey: np.ndarray, factor: float) -> np.ndarray:
    interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    return cv2.resize(grey, None, fx=factor, fy=factor, interpolation=interp)


def candidate_regions(grey: np.ndarray, max_regions: int = 3) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, w, h) in ``grey``'s pixels where a 2-D code probably is, best first.

    A code is a compact patch dense with strong edges in every direction; paper edges, text lines and
    sensor noise are not. On a small copy: the lesser of the horizontal and vertical edge densities
    (Sobel magnitudes, box-filtered over roughly a module cluster), a threshold well above the frame's typical edge density, then blobs that
    are large enough and not too elongated, ranked by how much edge they hold.
    """
    h, w = grey.shape
    f = min(1.0, DETECT_WIDTH / w)
    small = cv2.resize(grey, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
    # Edges across *and* along: a code has both everywhere; a text line or a paper edge has only one.
    gx = np.abs(cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3))
    gy = np.abs(cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3))
    density = np.minimum(cv2.blur(gx, (9, 9)), cv2.blur(gy, (9, 9)))
    level = max(float(np.percentile(density, 50)) * 2.2, float(density.max()) * 0.35)
    mask = (density > level).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    boxes = []
    for i in range(1, count):
        x, y, bw, bh, area = stats[i]
        if area < 120 or max(bw, bh) > 4 * min(bw, bh) or area < 0.3 * bw * bh:
            continue
        score = float(density[y:y + bh, x:x + bw].sum())
        boxes.append((score, x, y, bw, bh))
    boxes.sort(reverse=True)
    out = []
    for _, x, y, bw, bh in boxes[:max_regions]:
        margin = 0.45 * max(bw, bh) + 6  # the blob is the dense middle; the code reaches further
        x0, y0 = max(0, int((x - margin) / f)), max(0, int((y - margin) / f))
        x1, y1 = min(w, int((x + bw + margin) / f)), min(h, int((y + bh + margin) / f))
        out.append((x0, y0, x1 - x0, y1 - y0))
    return out


def box_around(corners: np.ndarray, shape: tuple[int, int], margin: float = 0.3) -> tuple[int, int, int, int]:
    """A box (x, y, w, h) around a symbol's corners with a quiet-zone margin, clipped to the frame."""
    x0, y0 = corners.min(axis=0)
    x1, y1 = corners.max(axis=0)
    m = margin * max(x1 - x0, y1 - y0) + 8
    h, w = shape
    bx0, by0 = max(0, int(x0 - m)), max(0, int(y0 - m))
    bx1, by1 = min(w, int(x1 + m)), min(h, int(y1 + m))
    return bx0, by0, max(1, bx1 - bx0), max(1, by1 - by0)


def looks_inverted(crop: np.ndarray) -> bool:
    """True when the region's rim (the quiet zone and what surrounds the code) is darker than its middle:
    a light-on-dark code, as a phone in dark mode shows it. A printed code has a light quiet zone."""
    h, w = crop.shape
    rim_h, rim_w = max(1, h // 10), max(1, w // 10)
    rim = np.concatenate([crop[:rim_h].ravel(), crop[-rim_h:].ravel(), crop[:, :rim_w].ravel(),
                          crop[:, -rim_w:].ravel()])
    middle = crop[h // 4:3 * h // 4, w // 4:3 * w // 4]
    return float(np.median(rim)) + 20 < float(middle.mean())


def clahe(grey: np.ndarray, clip: float = 3.0, tiles: int = 8) -> np.ndarray:
    """Contrast-limited adaptive histogram equalisation: lifts low contrast and the washed-out part of a
    glare without blowing out the rest."""
    return cv2.createCLAHE(clipLimit=clip, tileGridSize=(tiles, tiles)).apply(grey)


def normalise_local(grey: np.ndarray, sigma: float) -> np.ndarray:
    """Divides out slowly varying light (glare, gradient) and stretches what is left to 0-255."""
    g = grey.astype(np.float32)
    mean = cv2.GaussianBlur(g, (0, 0), sigma)
    sq = cv2.GaussianBlur(g * g, (0, 0), sigma)
    std = np.sqrt(np.maximum(sq - mean * mean, 1.0))
    out = (g - mean) / (std + 2.0) * 60 + 128
    return np.clip(out, 0, 255).astype(np.uint8)


def smooth(grey: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian smoothing: averages out sensor noise (a dim hall's gain noise, a cloth's weave) that
    breaks the binariser's module edges; ``sigma`` should follow how much the crop was enlarged."""
    return cv2.GaussianBlur(grey, (0, 0), sigma)


def unsharp(grey: np.ndarray, sigma: float, amount: float) -> np.ndarray:
    g = grey.astype(np.float32)
    blurred = cv2.GaussianBlur(g, (0, 0), sigma)
    return np.clip(g + amount * (g - blurred), 0, 255).astype(np.uint8)


def adaptive_binary(grey: np.ndarray, block: int, c: int = 4) -> np.ndarray:
    block = max(3, block | 1)
    return cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, c)


def motion_direction(grey: np.ndarray) -> tuple[float, float]:
    """(angle in degrees, anisotropy 0-1) of the blur, from the structure tensor.

    A code's edges run in every direction, so its gradients are isotropic; motion blur wipes out the
    gradients along the motion. The eigenvector with the smaller eigenvalue points along the motion;
    anisotropy near 0 means no directional blur.
    """
    g = grey.astype(np.float32)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    jxx, jyy, jxy = float((gx * gx).sum()), float((gy * gy).sum()), float((gx * gy).sum())
    # dominant gradient orientation; the motion runs perpendicular to it
    theta = 0.5 * math.atan2(2 * jxy, jxx - jyy)
    root = math.sqrt((jxx - jyy) ** 2 + 4 * jxy * jxy)
    anisotropy = root / (jxx + jyy + 1e-6)
    # image rows grow downwards, so the angle comes out mirrored against cv2's rotation convention
    return (-(math.degrees(theta) + 90.0)) % 180.0, anisotropy


def motion_length(grey: np.ndarray, angle_deg: float, longest: int = 60) -> int:
    """The blur length in pixels along ``angle_deg`` (Yitzhaky & Kopeika's method).

    Turn the image so the motion runs along the rows; a box blur of length L makes the derivative along
    the rows the difference of two copies L apart, so its autocorrelation has its deepest minimum at lag L.
    """
    h, w = grey.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), -angle_deg, 1.0)
    turned = cv2.warpAffine(grey.astype(np.float32), m, (w, h), borderMode=cv2.BORDER_REFLECT)
    centre = turned[h // 4:3 * h // 4, w // 4:3 * w // 4]
    d = np.diff(centre, axis=1)
    d -= d.mean(axis=1, keepdims=True)
    n = d.shape[1]
    if n < 8:
        return 3
    spectrum = np.fft.rfft(d, n=2 * n, axis=1)
    autocorr = np.fft.irfft(spectrum * np.conj(spectrum), axis=1)[:, :n].sum(axis=0)
    lags = np.arange(3, min(longest, n - 1))
    return int(lags[np.argmin(autocorr[lags])])


def motion_kernel(length: int, angle_deg: float) -> np.ndarray:
    length = max(3, length | 1)
    k = np.zeros((length, length), np.float32)
    k[length // 2, :] = 1.0
    m = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle_deg, 1.0)
    k = cv2.warpAffine(k, m, (length, length))
    return k / max(float(k.sum()), 1e-6)


def wiener(grey: np.ndarray, kernel: np.ndarray, nsr: float = 0.01) -> np.ndarray:
    """Wiener deconvolution of ``grey`` by a known point-spread ``kernel`` (frequency domain).

    The image is padded by reflection (and cropped back) so its borders do not ring across the code.
    """
    kh, kw = kernel.shape
    pad = max(kh, kw) * 2
    g = cv2.copyMakeBorder(grey, pad, pad, pad, pad, cv2.BORDER_REFLECT).astype(np.float32)
    H, W = cv2.getOptimalDFTSize(g.shape[0]), cv2.getOptimalDFTSize(g.shape[1])
    g = cv2.copyMakeBorder(g, 0, H - g.shape[0], 0, W - g.shape[1], cv2.BORDER_REFLECT)
    psf = np.zeros((H, W), np.float32)
    psf[:kh, :kw] = kernel
    psf = np.roll(psf, (-(kh // 2), -(kw // 2)), axis=(0, 1))
    G = cv2.dft(g, flags=cv2.DFT_COMPLEX_OUTPUT)
    K = cv2.dft(psf, flags=cv2.DFT_COMPLEX_OUTPUT)
    kr, ki = K[..., 0], K[..., 1]
    denom = kr * kr + ki * ki + nsr
    gr, gi = G[..., 0], G[..., 1]
    out = np.empty_like(G)
    out[..., 0] = (gr * kr + gi * ki) / denom  # G · conj(K) / (|K|² + nsr)
    out[..., 1] = (gi * kr - gr * ki) / denom
    f = cv2.idft(out, flags=cv2.DFT_SCALE | cv2.DFT_REAL_OUTPUT)
    f = f[pad:pad + grey.shape[0], pad:pad + grey.shape[1]]
    return np.clip(f, 0, 255).astype(np.uint8)


def gaussian_kernel(sigma: float) -> np.ndarray:
    size = max(3, int(sigma * 6) | 1)
    k = cv2.getGaussianKernel(size, sigma)
    return (k @ k.T).astype(np.float32)
