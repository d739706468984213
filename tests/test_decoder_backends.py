"""Decoder back ends (devices/scanner/backends.py): both libraries give the payload's real text.

docs/codes.md, "Decoding codes from camera frames": zbar guesses the text encoding and often turns UTF-8
Chinese into mojibake (reported repeatedly on pyzbar's tracker); decode bytes yourself (UTF-8 first, then
GB18030) and test with Chinese.
"""

from __future__ import annotations

import pytest

from devices.scanner.backends import ZbarBackend, ZxingBackend, make_backend, recover_zbar_text
from devices.scanner.cascade import CodeDecoder
from core.errors import DeviceNotSupported
from tests.decoder_frames import on_scene, qr_bytes_image

PAYLOADS = [
    "YY202611210001236",
    "预约码YY202611210004560 李䶮",
    "受理回执：示例市政务服务中心 办件编号32010220261121000123",
    "𠀀𠀁 CJK Extension B",
    "中文",  # short: the case zbar is most tempted to call Shift-JIS
]


@pytest.mark.parametrize("backend", ["zxing", "zbar"])
@pytest.mark.parametrize("text", PAYLOADS)
def test_utf8_payloads_come_out_exactly(backend, text):
    frame = on_scene(qr_bytes_image(text.encode("utf-8")))
    codes = CodeDecoder(backend).decode(frame)
    assert [c.text for c in codes] == [text]
    assert codes[0].format == "QRCode"
    assert len(codes[0].corners) == 4


@pytest.mark.parametrize("backend", ["zxing", "zbar"])
@pytest.mark.parametrize("text", ["受理回执 李䶮", "中文", "办件编号 32010220261121000123"])
def test_gb18030_payloads_come_out_exactly(backend, text):
    frame = on_scene(qr_bytes_image(text.encode("gb18030")))
    assert [c.text for c in CodeDecoder(backend).decode(frame)] == [text]


@pytest.mark.parametrize(("zbar_output", "meant"), [
    # zbar's text (as pyzbar hands it over, UTF-8 encoded) after each of its wrong guesses
    ("中文".encode().decode("latin-1").encode(), "中文"),  # guessed ISO-8859-1
    ("预约码李䶮".encode().decode("latin-1").encode(), "预约码李䶮"),
    ("受理".encode("gb18030").decode("latin-1").encode(), "受理"),  # GB18030 bytes, guessed ISO-8859-1
    ("ﾃｽﾄ".encode("shift_jis").decode("shift_jis").encode(), "ﾃｽﾄ"),  # real Shift-JIS text stays
    ("café".encode(), "café"),  # real Latin-1 text that zbar got right stays
    (b"YY202611210001236", "YY202611210001236"),
    ("中文".encode(), "中文"),  # zbar got it right: unchanged
])
def test_recover_zbar_text_undoes_wrong_guesses(zbar_output, meant):
    assert recover_zbar_text(zbar_output) == meant


def test_recover_zbar_text_undoes_a_shift_jis_guess():
    # UTF-8 bytes of 日本 happen to be valid Shift-JIS: zbar may decode them as such
    raw = "日本".encode()
    try:
        wrong = raw.decode("shift_jis")
    except UnicodeDecodeError:
        wrong = raw.decode("cp932")
    assert recover_zbar_text(wrong.encode()) == "日本"


def test_formats_are_configurable_and_checked():
    assert ZxingBackend(("QRCode", "DataMatrix")).formats == ("QRCode", "DataMatrix")
    with pytest.raises(DeviceNotSupported):
        ZxingBackend(("Hologram",))
    with pytest.raises(DeviceNotSupported):
        ZbarBackend(("DataMatrix",))  # zbar does not read DataMatrix
    with pytest.raises(DeviceNotSupported):
        make_backend("opencv")


def test_restricted_formats_ignore_other_symbologies():
    import zxingcpp

    barcode = zxingcpp.create_barcode("HALL-R-12345", zxingcpp.BarcodeFormat.Code128)
    image = barcode.to_image(scale=3) if hasattr(barcode, "to_image") else None
    import numpy as np

    grey = np.array(image, dtype=np.uint8)
    grey = np.pad(grey, 40, constant_values=255)
    assert CodeDecoder(formats=("QRCode",)).decode(grey) == []
    assert [c.text for c in CodeDecoder(formats=("QRCode", "Code128")).decode(grey)] == ["HALL-R-12345"]
