"""Structured-append QR sequences: which part a symbol is, and the whole payload once every part is seen.

A payload too long for one symbol can be split over 2-16 QR symbols (ISO/IEC 18004:2015 §8). Each symbol's
bit stream starts with a header: mode ``0011``, its position (4 bits), the count minus one (4 bits) and the
parity byte of the whole payload (the XOR of all its bytes). zxing-cpp 3.1 reads each symbol and its
Python binding does not report that header (``sequenceIndex`` and the rest are not bound), so
``read_header`` reads it from the symbol itself: the first data codewords, sampled from the image zxing-cpp
decoded at the corners it reported, un-masked with the mask it reported. A header is accepted only when
it is followed by a valid mode indicator; the joined payload only when its parity matches.

``SequenceAssembler`` gathers parts from one frame and from the frames that follow within
``window_s``, and gives the whole payload once, as one code; a part on its own is never delivered.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence

import cv2
import numpy as np
from qrcode import base, constants, util

from core.ports.scanner import CodePart, DecodedCode
from devices.scanner.charsets import decode_bytes, decode_segments, parse_eci_protocol

_EC_LEVELS = {"L": constants.ERROR_CORRECT_L, "M": constants.ERROR_CORRECT_M,
              "Q": constants.ERROR_CORRECT_Q, "H": constants.ERROR_CORRECT_H}
_MODES = {0b0001, 0b0010, 0b0100, 0b1000, 0b0111, 0b1101, 0b0000}  # what may follow the header
_HEAD_CODEWORDS = 7  # the header (20 bits), the next mode (4), a byte count (8/16) and two bytes


@functools.cache
def _data_modules(version: int) -> tuple[tuple[int, int], ...]:
    """(row, col) of every data module in placement order (ISO/IEC 18004 §7.7.3): two-module columns
    from the bottom right, upwards then downwards, skipping the vertical timing column and every
    function pattern."""
    n = 17 + 4 * version
    function = np.zeros((n, n), bool)
    function[:9, :9] = function[:9, n - 8:] = function[n - 8:, :9] = True  # finders, separators, format
    function[6, :] = function[:, 6] = True  # timing
    centres = util.pattern_position(version)
    for r in centres:
        for c in centres:
            if not function[r, c]:
                function[r - 2:r + 3, c - 2:c + 3] = True
    if version >= 7:  # version information
        function[:6, n - 11:n - 8] = function[n - 11:n - 8, :6] = True
    order = []
    upwards = True
    col = n - 1
    while col > 0:
        if col == 6:
            col -= 1
        rows = range(n - 1, -1, -1) if upwards else range(n)
        for r in rows:
            for c in (col, col - 1):
                if not function[r, c]:
                    order.append((r, c))
        upwards = not upwards
        col -= 2
    return tuple(order)


def read_header(image: np.ndarray, corners: Sequence[Sequence[float]], version: int, mask: int,
                ec_level: str, content: bytes = b"") -> tuple[int, int, int] | None:
    """``(index, total, parity)`` when the QR symbol at ``corners`` (its outer corners, clockwise from
    its own top-left) starts with a structured-append header; None when it does not, or the header
    cannot be read with confidence.

    ``content`` is what the symbol decoded to: when a byte segment follows the header, its count must fit
    and its first bytes must be those, so a module sampled wrong cannot pass for another index.
    """
    if not 1 <= version <= 40 or ec_level not in _EC_LEVELS or not 0 <= mask <= 7:
        return None
    bits = _first_bits(image, corners, version, mask, ec_level)
    if bits is None:
        return None
    value = int("".join(map(str, bits[:24])), 2)
    mode, index, count, parity, following = (value >> 20, (value >> 16) & 15, (value >> 12) & 15,
                                             (value >> 4) & 255, value & 15)
    if mode != 0b0011 or following not in _MODES or index > count:
        return None
    if following == 0b0100 and not _byte_segment_matches(bits[24:], version, content):
        return None
    return index, count + 1, parity


def _byte_segment_matches(bits: list[int], version: int, content: bytes) -> bool:
    width = 8 if version < 10 else 16
    count = int("".join(map(str, bits[:width])), 2)
    if not 0 < count <= len(content):
        return False
    start = bits[width:width + 16]
    first = bytes(int("".join(map(str, start[i:i + 8])), 2) for i in range(0, len(start) - 7, 8))
    return content.startswith(first[:count])


def _first_bits(image: np.ndarray, corners: Sequence[Sequence[float]], version: int, mask: int,
                ec_level: str) -> list[int] | None:
    """The first ``_HEAD_CODEWORDS`` data codewords' bits, un-masked; None when the symbol's timing
    pattern does not line up with the grid (the corners are off)."""
    n = 17 + 4 * version
    blocks = base.rs_blocks(version, _EC_LEVELS[ec_level])
    count = min(_HEAD_CODEWORDS, blocks[0].data_count)
    order = _data_modules(version)
    # the blocks' codewords are interleaved: the first block's k-th (the stream's k-th) is placed k*blocks-th
    positions = [order[(k * len(blocks)) * 8 + b] for k in range(count) for b in range(8)]
    timing = [(6, c) for c in range(8, n - 8)]
    src = np.float32([[0, 0], [n, 0], [n, n], [0, n]])
    m = cv2.getPerspectiveTransform(src, np.float32(corners))
    points = np.float32([[[c + 0.5, r + 0.5]] for r, c in positions + timing])
    xy = cv2.perspectiveTransform(points, m).reshape(1, -1, 2)
    values = cv2.remap(image, xy[..., 0], xy[..., 1], cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_REPLICATE).reshape(-1).astype(np.float32)
    data, timing_values = values[:len(positions)], values[len(positions):]
    dark_t, light_t = timing_values[0::2], timing_values[1::2]  # the timing row starts dark at column 8
    if abs(float(dark_t.mean()) - float(light_t.mean())) < 20:
        return None
    threshold = (float(dark_t.mean()) + float(light_t.mean())) / 2
    dark = data < threshold if dark_t.mean() < light_t.mean() else data > threshold  # inverted symbols too
    masker = util.mask_func(mask)
    return [int(d) ^ int(masker(r, c)) for d, (r, c) in zip(dark, positions)]


def parity_of(data: bytes) -> int:
    return functools.reduce(lambda a, b: a ^ b, data, 0)


def join(parts: Sequence[CodePart]) -> str | None:
    """The whole payload's text from every part of one sequence (any order); None when parts are
    missing or the parity does not match (parts of two sequences mixed up)."""
    ordered = sorted({p.index: p for p in parts}.values(), key=lambda p: p.index)
    if not ordered or [p.index for p in ordered] != list(range(ordered[0].total)):
        return None
    if any(p.eci for p in ordered):
        segments = [s for p in ordered for s in (parse_eci_protocol(p.data) if p.eci else [(None, p.data)])]
        merged: list[tuple[int | None, bytes]] = []
        for eci, raw in segments:  # an ECI holds until the next one, across symbols too
            eci = eci if eci is not None or not merged else merged[-1][0]
            if merged and merged[-1][0] == eci:
                merged[-1] = (eci, merged[-1][1] + raw)
            else:
                merged.append((eci, raw))
        raw_all = b"".join(raw for _, raw in merged)
        text = decode_segments(merged)
    else:
        raw_all = b"".join(p.data for p in ordered)
        try:
            text = decode_bytes(raw_all)
        except UnicodeDecodeError:
            text = raw_all.decode("latin-1")
    if parity_of(raw_all) != ordered[0].parity:
        return None
    return text


def whole_codes(codes: Sequence[DecodedCode]) -> list[DecodedCode]:
    """``codes`` with every sequence complete among them joined into one code (at its first part's
    corners); parts of incomplete sequences stay as they are."""
    groups: dict[tuple[int, int], list[DecodedCode]] = {}
    out: list[DecodedCode] = []
    for code in codes:
        if code.part is None:
            out.append(code)
        else:
            groups.setdefault((code.part.total, code.part.parity), []).append(code)
    for group in groups.values():
        text = join([c.part for c in group])
        if text is None:
            out.extend(group)
        else:
            first = min(group, key=lambda c: c.part.index)
            out.append(DecodedCode(text, first.format, first.corners))
    return out


class SequenceAssembler:
    """Parts seen across frames → whole payloads. Parts older than ``window_s`` are forgotten, and at
    most ``max_sequences`` sequences are held (the oldest is dropped first)."""

    def __init__(self, window_s: float = 5.0, max_sequences: int = 8) -> None:
        self.window_s = window_s
        self.max_sequences = max_sequences
        self._held: dict[tuple[int, int], dict[int, tuple[float, DecodedCode]]] = {}

    @property
    def pending(self) -> bool:
        """Parts are held, waiting for the rest of their sequence."""
        return bool(self._held)

    def add(self, codes: Sequence[DecodedCode], now: float | None = None) -> list[DecodedCode]:
        """The codes to deliver: whole codes as they are, and each sequence the new parts complete."""
        now = time.monotonic() if now is None else now
        for key in list(self._held):
            parts = {i: seen for i, seen in self._held[key].items() if now - seen[0] <= self.window_s}
            if parts:
                self._held[key] = parts
            else:
                del self._held[key]
        out = []
        for code in whole_codes(codes):
            if code.part is None:
                out.append(code)
                continue
            key = (code.part.total, code.part.parity)
            self._held.setdefault(key, {})[code.part.index] = (now, code)
            if len(self._held) > self.max_sequences:
                oldest = min(self._held, key=lambda k: max(t for t, _ in self._held[k].values()))
                del self._held[oldest]
        for key in list(self._held):
            held = [c for _, c in self._held[key].values()]
            text = join([c.part for c in held])
            if text is not None:
                del self._held[key]
                first = min(held, key=lambda c: c.part.index)
                out.append(DecodedCode(text, first.format, first.corners))
        return out
