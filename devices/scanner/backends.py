"""The two code-reading libraries behind one small interface, with the payload's bytes recovered.

- ``ZxingBackend`` (default): zxing-cpp, self-contained wheels, the fastest reader measured
  (docs/codes.md, "Decoding codes from camera frames": ~3 ms a 1080p frame, QR only).
- ``ZbarBackend``: pyzbar over the system libzbar0 (the Windows wheel bundles a 2012 zbar).

Text: both libraries *guess* the character set of a QR code's byte segment when it carries no ECI, and
zbar often guesses wrong for UTF-8 Chinese (docs/codes.md, "Decoding codes from camera frames"; pyzbar does
not expose zbar's binary mode). So we decode the bytes ourselves (``charsets``): the declared ECI when
there is one, else UTF-8 when valid, else the more plausible of GB18030 and Shift-JIS.

- zxing-cpp is asked for ``TextMode.HexECI``: its ``bytesECI`` in hex, the symbology identifier first.
  Its ``symbology_identifier`` property says ``]Q1`` even for a symbol with an ECI (zxing-cpp 3.1), but the
  identifier in ``bytesECI`` says ``]Q2``, and the content then follows the ECI protocol
  (``\\000020`` for Shift-JIS …), which ``charsets.parse_eci_protocol`` splits.
- pyzbar gives zbar's *text*, UTF-8 encoded. When zbar decoded the bytes as ISO-8859-1 or Shift-JIS, we
  re-encode its text the way it decoded it to get the original bytes back (``recover_zbar_text``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from devices.scanner.charsets import decode_bytes, decode_segments, parse_eci_protocol, plausibility
from core.errors import DeviceNotSupported
from core.ports.scanner import CodePart, DecodedCode
from devices.scanner.sequence import read_header

# The formats the hall uses (docs/codes.md): our codes are QR; DataMatrix and Code 128 appear on some
# e-licence prints and parcel-style receipts. Fewer formats is much faster (docs/codes.md: 29 ms → 3 ms).
DEFAULT_FORMATS: tuple[str, ...] = ("QRCode",)
KNOWN_FORMATS = ("QRCode", "DataMatrix", "Code128", "PDF417", "Aztec")
_ZBAR_NAMES = {"QRCode": "QRCODE", "Code128": "CODE128", "PDF417": "PDF417"}
_ZBAR_FORMATS = {v: k for k, v in _ZBAR_NAMES.items()}
# Symbology identifier modifiers that mean "the content follows the ECI protocol" (ISO/IEC 18004 §F,
# ISO/IEC 16022 §N, ISO/IEC 24778 §A, ISO/IEC 15438 §F): QR ]Q2/4/6, DataMatrix ]d4/5/6, Aztec ]z3/4/5,
# PDF417 ]L1.
_ECI_MODIFIERS = {"Q": "246", "d": "456", "z": "345", "L": "1"}


def text_from_bytes(raw: bytes, fallback: str) -> str:
    try:
        return decode_bytes(raw)
    except UnicodeDecodeError:
        return fallback


def eci_content(data: bytes) -> tuple[bytes, bool]:
    """zxing-cpp's ``bytesECI`` (its symbology identifier ``]Xm``, then the content) → (the content,
    whether it follows the ECI protocol: the modifier says the symbol declares an ECI)."""
    if len(data) < 3 or data[:1] != b"]":
        return data, False
    return data[3:], chr(data[2]) in _ECI_MODIFIERS.get(chr(data[1]), "")


def text_from_eci_bytes(data: bytes) -> str:
    """zxing-cpp's ``bytesECI`` → the payload's text (``charsets``)."""
    content, eci = eci_content(data)
    if eci:
        return decode_segments(parse_eci_protocol(content))
    return text_from_bytes(content, content.decode("latin-1"))


def recover_zbar_text(data: bytes) -> str:
    """zbar's output (its text, UTF-8 encoded) → the payload as the sender meant it.

    zbar decodes a byte segment without ECI as UTF-8 when it can, otherwise by a guess (ISO-8859-1,
    Shift-JIS or Big5, by what the bytes look like). Undo the guess by encoding its text back the same
    way, then decode those bytes as UTF-8, then (for the ISO-8859-1 and Big5 guesses) as GB18030: in a
    mainland hall, GB18030 is far likelier than Big5 or Latin-1 text. Text that re-encodes to nothing
    better is kept as it is.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return text_from_bytes(data, data.decode("latin-1"))
    if text.isascii():
        return text
    for guess, also_gb in (("latin-1", True), ("shift_jis", False), ("cp932", False), ("big5", True)):
        try:
            raw = text.encode(guess)
        except UnicodeEncodeError:
            continue
        if raw == data:
            continue  # the text is plain ASCII-compatible in this encoding: nothing was guessed
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        if also_gb:
            try:
                candidate = raw.decode("gb18030")
            except UnicodeDecodeError:
                continue
            # Both readings are valid text; keep the one made of common characters (zbar decoded the
            # correct "中文" as UTF-8, and Big5-encoding it gives bytes that GB18030 reads as "いゅ").
            if plausibility(candidate, "gb18030") > plausibility(text):
                return candidate
    # zbar joins a structured-append sequence from the parts' texts, each guessed on its own: a part that
    # starts inside a UTF-8 character was read as ISO-8859-1 while the others were right
    mixed = b"".join(ch.encode("latin-1") if ord(ch) < 256 else ch.encode("utf-8") for ch in text)
    if mixed != data:
        try:
            return mixed.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return text


class ZxingBackend:
    name = "zxing"

    def __init__(self, formats: Sequence[str] = DEFAULT_FORMATS) -> None:
        import zxingcpp

        self._z = zxingcpp
        unknown = [f for f in formats if f not in KNOWN_FORMATS]
        if unknown:
            raise DeviceNotSupported(f"unknown code formats {unknown}; known: {', '.join(KNOWN_FORMATS)}",
                                     device="camera")
        self.formats = tuple(formats)
        self._formats = zxingcpp.barcode_formats_from_str(",".join(formats))

    def read(self, grey: np.ndarray, *, try_rotate: bool = False, try_downscale: bool = True,
             try_invert: bool = False, binarizer: str = "local", is_pure: bool = False,
             errors: bool = False) -> tuple[list[DecodedCode], list[np.ndarray]]:
        """Codes found, and the corners (4×2 float arrays) of symbols found but not decodable (for
        ``errors=True``: regions worth a second, harder look)."""
        z = self._z
        binarizers = {"local": z.Binarizer.LocalAverage, "global": z.Binarizer.GlobalHistogram,
                      "fixed": z.Binarizer.FixedThreshold}
        results = z.read_barcodes(grey, formats=self._formats, try_rotate=try_rotate,
                                  try_downscale=try_downscale, try_invert=try_invert,
                                  binarizer=binarizers[binarizer], is_pure=is_pure, return_errors=errors,
                                  text_mode=z.TextMode.HexECI)
        codes, failed = [], []
        for r in results:
            p = r.position
            corners = ((p.top_left.x, p.top_left.y), (p.top_right.x, p.top_right.y),
                       (p.bottom_right.x, p.bottom_right.y), (p.bottom_left.x, p.bottom_left.y))
            if not r.valid:
                failed.append(np.array(corners, dtype=np.float32))
                continue
            data = bytes.fromhex(r.text)
            name = str(r.format).split(".")[-1].replace(" ", "")
            part = _part(grey, corners, r.extra, data) if name == "QRCode" else None
            codes.append(DecodedCode(text_from_eci_bytes(data), name, corners, part))
        return codes, failed


def _part(image: np.ndarray, corners, extra: dict, data: bytes) -> CodePart | None:
    """The structured-append header of a decoded QR symbol (``sequence.read_header``), as a part."""
    try:
        version, mask, level = int(extra["Version"]), int(extra["DataMask"]), str(extra["ECLevel"])
    except (KeyError, TypeError, ValueError):
        return None
    content, eci = eci_content(data)
    first = parse_eci_protocol(content)[0][1] if eci else content
    header = read_header(image, corners, version, mask, level, first)
    if header is None:
        return None
    return CodePart(*header, data=content, eci=eci)


class ZbarBackend:
    name = "zbar"

    def __init__(self, formats: Sequence[str] = DEFAULT_FORMATS) -> None:
        try:
            from pyzbar import pyzbar

            from devices.scanner import zbar_scan
        except (ImportError, OSError) as exc:  # no libzbar0 on this machine
            raise DeviceNotSupported(f"pyzbar / libzbar0 not available: {exc}", device="camera",
                                     key="codes.error.backend_missing") from None
        self._scan = zbar_scan.scan
        missing = [f for f in formats if f not in _ZBAR_NAMES]
        if missing:
            raise DeviceNotSupported(f"zbar cannot read {missing}", device="camera")
        self.formats = tuple(formats)
        self._symbols = [getattr(pyzbar.ZBarSymbol, _ZBAR_NAMES[f]) for f in formats]

    def read(self, grey: np.ndarray, **_options: object) -> tuple[list[DecodedCode], list[np.ndarray]]:
        # zbar joins the symbols of a structured-append sequence found in one image into one result itself
        codes = []
        for data, kind, corners in self._scan(grey, self._symbols):
            codes.append(DecodedCode(recover_zbar_text(data), _ZBAR_FORMATS.get(kind, kind), corners))
        return codes, []


def make_backend(name: str, formats: Sequence[str] = DEFAULT_FORMATS) -> ZxingBackend | ZbarBackend:
    if name == "zxing":
        return ZxingBackend(formats)
    if name == "zbar":
        return ZbarBackend(formats)
    raise DeviceNotSupported(f"unknown decoder back end {name!r}; use zxing or zbar", device="camera")
