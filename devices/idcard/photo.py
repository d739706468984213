"""The card photo: a 1024-byte WLT blob that only a vendor decoder library turns into a picture.

ref (docs/idcard.md, Read answer): "The photo is a 1024-byte WLT blob. Turning it into a picture
(102 × 126, 24-bit) needs a vendor decoder library; without one the photo is unavailable, never guessed."
The WLT format is not public, so there is no decoder of our own: ``WltDecoder.load(path)`` loads the
library the hall's reader vendor supplies, with ctypes, and ``decode`` calls it **in memory**.

Supported calling convention (the Linux ``libwlt2bmp.so`` shipped with serial SAM readers):

    int unpack(const char *wlt /* 1024 bytes */, char *bmp /* 38862 bytes out */, int flag /* 602 */);
    returns 1 on success; bmp receives a 24-bit 102 × 126 Windows bitmap (54-byte header + rows padded
    to 308 bytes: 54 + 308 × 126 = 38862). Libraries that return the bare 38556 BGR bytes instead are
    accepted and given a header here.

Windows' ``WltRS.dll`` (``GetBmp(file, port)``) works on files on disk; the photo must never be written to
disk, so it is refused with a clear error rather than used. Another vendor's library needs an entry in
``CONVENTIONS``.

Every failure (no file, not a library, no such function, the call fails or returns something that is not
a 102 × 126 picture) raises ``PhotoDecoderError`` (``DeviceNotSupported``); the reader then delivers the
identity with ``photo_image=None``: the photo is unavailable.
"""

from __future__ import annotations

import ctypes
import logging
import struct
import threading
from pathlib import Path

from devices.idcard.protocol import DEVICE, PHOTO_SIZE
from core.errors import DeviceNotSupported

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 102, 126  # ref, Read answer: 102 × 126, 24-bit
ROW = (WIDTH * 3 + 3) & ~3  # BMP rows are padded to 4 bytes: 308
BMP_HEADER = 54  # BITMAPFILEHEADER (14) + BITMAPINFOHEADER (40)
BMP_SIZE = BMP_HEADER + ROW * HEIGHT  # 38862
RAW_SIZE = WIDTH * 3 * HEIGHT  # 38556

# symbol → the flag it is called with (libwlt2bmp.so: unpack(src, dst, 602), 1 = success).
CONVENTIONS = {"unpack": 602}
FILE_BASED = ("GetBmp",)  # WltRS.dll and relatives: decode from and to files; refused (photo on disk)


class PhotoDecoderError(DeviceNotSupported):
    key = "idcard.error.photo_decoder"

    def __init__(self, detail: str = "", **params) -> None:
        super().__init__(detail, device=DEVICE, **params)


def bmp_from_rows(bgr_bottom_up: bytes) -> bytes:
    """A 24-bit 102 × 126 BMP around 38556 bytes of bottom-up BGR rows (rows padded to 308 bytes)."""
    if len(bgr_bottom_up) != RAW_SIZE:
        raise ValueError("not 102 × 126 × 3 bytes")
    stride = WIDTH * 3
    rows = b"".join(bgr_bottom_up[i:i + stride] + bytes(ROW - stride) for i in range(0, RAW_SIZE, stride))
    header = b"BM" + struct.pack("<IHHI", BMP_SIZE, 0, 0, BMP_HEADER)
    info = struct.pack("<IiiHHIIiiII", 40, WIDTH, HEIGHT, 1, 24, 0, ROW * HEIGHT, 3780, 3780, 0, 0)
    return header + info + rows


def _is_photo_bmp(data: bytes) -> bool:
    if len(data) < BMP_HEADER or data[:2] != b"BM":
        return False
    width, height = struct.unpack_from("<ii", data, 18)
    bits = struct.unpack_from("<H", data, 28)[0]
    return width == WIDTH and abs(height) == HEIGHT and bits == 24


class WltDecoder:
    """A loaded vendor WLT decoder. Calls are serialised (vendor libraries are rarely thread-safe)."""

    def __init__(self, library: ctypes.CDLL, symbol: str, path: str) -> None:
        self._function = getattr(library, symbol)
        self._function.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int)
        self._function.restype = ctypes.c_int
        self._flag = CONVENTIONS[symbol]
        self._lock = threading.Lock()
        self.path = path
        self.symbol = symbol

    @classmethod
    def load(cls, path: str | Path) -> WltDecoder:
        """Loads the library at ``path``; raises ``PhotoDecoderError`` saying what is wrong."""
        path = str(path)
        if not Path(path).is_file():
            raise PhotoDecoderError(f"no decoder library at {path}", path=path)
        try:
            library = ctypes.CDLL(path)
        except OSError as exc:
            raise PhotoDecoderError(f"{path} cannot be loaded: {exc}", path=path) from None
        for symbol in CONVENTIONS:
            if hasattr(library, symbol):
                return cls(library, symbol, path)
        for symbol in FILE_BASED:
            if hasattr(library, symbol):
                raise PhotoDecoderError(f"{path} decodes through files on disk ({symbol}); the photo must "
                                        "stay in memory", path=path)
        raise PhotoDecoderError(f"{path} has none of the decoder functions {', '.join(CONVENTIONS)}", path=path)

    def decode(self, wlt: bytes) -> bytes:
        """The photo as a 24-bit 102 × 126 BMP (bytes, in memory). Raises ``PhotoDecoderError``."""
        if len(wlt) != PHOTO_SIZE:
            raise PhotoDecoderError(f"a WLT photo has {PHOTO_SIZE} bytes, not {len(wlt)}")
        out = ctypes.create_string_buffer(BMP_SIZE + 1024)  # slack: a library writing past 38862 bytes
        with self._lock:
            result = self._function(wlt, out, self._flag)
        if result != 1:
            raise PhotoDecoderError(f"{self.symbol} returned {result}")
        data = out.raw
        if _is_photo_bmp(data):
            return data[:BMP_SIZE]
        raw = data[:RAW_SIZE]
        if any(data[RAW_SIZE:]):
            raise PhotoDecoderError(f"{self.symbol} returned neither a 102 × 126 BMP nor bare pixels")
        return bmp_from_rows(raw)


def load_decoder(path: str | None) -> WltDecoder | None:
    """The configured decoder, or None (logged once) when none is configured or it cannot be used."""
    if not path:
        return None
    try:
        return WltDecoder.load(path)
    except PhotoDecoderError as exc:
        log.warning("ID-card photos unavailable: %s", exc.detail)
        return None
