"""QR symbols with the header segments phones and printers put in them and the ``qrcode`` package does
not write: an ECI designator (ISO/IEC 18004:2015 §7.4.2) and a structured-append header (§8).

Used by tests and the bench to make the codes the terminal must read: a Shift-JIS or GB18030 payload
with or without its ECI, and one payload split over several symbols.

The bit stream is built here and handed to ``qrcode`` for the error correction, masking and drawing:

- ECI: mode indicator ``0111`` and the designator, one byte for 0-127 (``0xxxxxxx``), two for up to
  16383 (``10xxxxxx xxxxxxxx``). Designators used here (AIM ECI register): 3 ISO-8859-1, 20 Shift-JIS,
  26 UTF-8, 29 GB18030 (GB 2312 in older lists).
- Structured append: mode indicator ``0011``, the symbol's position (4 bits, from 0), the number of
  symbols minus one (4 bits), and a parity byte: the XOR of every byte of the whole payload; at most 16
  symbols. It comes before any ECI.
- Then one byte-mode segment: ``0100``, the byte count (8 bits for versions 1-9, 16 bits above) and the
  bytes.
"""

from __future__ import annotations

import functools

import numpy as np
import qrcode
import qrcode.constants
from qrcode import base, util

ECI_LATIN1, ECI_SHIFT_JIS, ECI_UTF8, ECI_GB18030 = 3, 20, 26, 29
_EC = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
       "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}


def parity(payload: bytes) -> int:
    """The structured-append parity byte of a whole payload (XOR of all its bytes)."""
    return functools.reduce(lambda a, b: a ^ b, payload, 0)


def _bits(payload: bytes, version: int, eci: int | None, sequence: tuple[int, int, int] | None
          ) -> util.BitBuffer:
    buffer = util.BitBuffer()
    if sequence is not None:
        index, total, check = sequence
        buffer.put(0b0011, 4)
        buffer.put(index, 4)
        buffer.put(total - 1, 4)
        buffer.put(check, 8)
    if eci is not None:
        buffer.put(0b0111, 4)
        if eci < 128:
            buffer.put(eci, 8)
        else:
            buffer.put(0b10 << 14 | eci, 16)
    buffer.put(0b0100, 4)
    buffer.put(len(payload), 8 if version < 10 else 16)
    for byte in payload:
        buffer.put(byte, 8)
    return buffer


def _codewords(buffer: util.BitBuffer, version: int, ec: int) -> list[int] | None:
    """The symbol's codewords, or None when the bits do not fit ``version``."""
    blocks = base.rs_blocks(version, ec)
    limit = sum(b.data_count * 8 for b in blocks)
    if len(buffer) > limit:
        return None
    for _ in range(min(limit - len(buffer), 4)):  # terminator
        buffer.put_bit(False)
    while len(buffer) % 8:
        buffer.put_bit(False)
    for i in range((limit - len(buffer)) // 8):
        buffer.put(util.PAD0 if i % 2 == 0 else util.PAD1, 8)
    return util.create_bytes(buffer, blocks)


def qr_symbol(payload: bytes, *, eci: int | None = None, sequence: tuple[int, int, int] | None = None,
              ec: str = "M", module_px: int = 4, border: int = 4) -> np.ndarray:
    """A QR symbol (grey image, dark modules 0, ``module_px`` pixels a module, a ``border``-module quiet
    zone) holding ``payload`` in one byte segment, after an ECI designator and/or a structured-append
    header ``(index, total, parity)`` when given; the smallest version it fits."""
    level = _EC[ec]
    for version in range(1, 41):
        data = _codewords(_bits(payload, version, eci, sequence), version, level)
        if data is not None:
            break
    else:
        raise ValueError(f"{len(payload)} bytes do not fit a QR symbol")
    code = qrcode.QRCode(version=version, error_correction=level, box_size=module_px, border=border)
    code.data_cache = data  # qrcode masks and draws these codewords as they are
    code.make(fit=False)
    return np.array(code.make_image().convert("L"), dtype=np.uint8)


def structured_append(payload: bytes, parts: int, *, eci: int | None = None, ec: str = "M",
                      module_px: int = 4) -> list[np.ndarray]:
    """``payload`` split into ``parts`` symbols (2-16) of one structured-append sequence, in order; the
    ECI, when given, is declared in every symbol."""
    if not 2 <= parts <= 16:
        raise ValueError("a structured-append sequence has 2 to 16 symbols")
    check = parity(payload)
    size = -(-len(payload) // parts)
    return [qr_symbol(payload[i * size:(i + 1) * size], eci=eci, sequence=(i, parts, check), ec=ec,
                      module_px=module_px) for i in range(parts)]
