"""Codes phones show and long payloads split over symbols (devices/scanner/backends.py, cascade.py,
sequence.py, frame_decoder.py): light-on-dark codes, declared ECIs, and structured-append sequences
joined into one payload, within a frame and across frames.

docs/codes.md, "Codes in camera frames" and "Text of a code".
"""

from __future__ import annotations

import queue

import cv2
import numpy as np
import pytest

from core.ports.scanner import CodePart, DecodedCode
from devices.scanner.cascade import CodeDecoder
from devices.scanner.frame_decoder import FrameDecoder
from devices.scanner.sequence import SequenceAssembler, join, parity_of
from simulators.qr_symbols import ECI_GB18030, ECI_SHIFT_JIS, ECI_UTF8, qr_symbol, structured_append
from tests.decoder_frames import on_scene, qr_bytes_image

WAIT_S = 5.0
LONG = ("受理回执：示例市政务服务中心 办件编号32010220261121000123 申请人欧阳娜娜 李䶮 "
        "事项：二手房转移登记 材料：身份证、不动产权证书、购房合同").encode("utf-8")


def _dark_phone(code: np.ndarray) -> np.ndarray:
    """A phone in dark mode: light modules on a dark screen, on a counter, slightly rotated."""
    frame = on_scene(255 - code, bgr=False)
    m = cv2.getRotationMatrix2D((960, 540), 12, 1.0)
    return cv2.warpAffine(frame, m, (1920, 1080), borderValue=150)


@pytest.mark.parametrize("text", ["YY202611210001236", "DZZZ:YYZZ:91320100MA1XY8K12E:320100000123456 李䶮"])
def test_light_on_dark_codes_are_read(text):
    """GIVEN a citizen's phone in dark mode (the code drawn light on dark) THEN the code is read."""
    frame = _dark_phone(qr_bytes_image(text.encode()))
    assert [c.text for c in CodeDecoder().decode(frame)] == [text]


@pytest.mark.parametrize(("text", "codec", "eci"), [
    ("テスト日本語", "shift_jis", ECI_SHIFT_JIS),
    ("中文测试 李䶮", "gb18030", ECI_GB18030),
    ("预约", "gb18030", ECI_GB18030),  # valid UTF-8 bytes too: only the ECI says what they are
])
def test_a_declared_eci_is_followed(text, codec, eci):
    frame = on_scene(qr_symbol(text.encode(codec), eci=eci, module_px=6))
    assert [c.text for c in CodeDecoder().decode(frame)] == [text]


@pytest.mark.parametrize(("text", "codec"), [("テスト", "shift_jis"), ("予約番号12345", "shift_jis"),
                                             ("中文", "gb18030"), ("受理回执 李䶮", "gb18030")])
def test_without_eci_the_plausible_reading_wins(text, codec):
    frame = on_scene(qr_symbol(text.encode(codec), module_px=6))
    assert [c.text for c in CodeDecoder().decode(frame)] == [text]


def _row(symbols: list[np.ndarray]) -> np.ndarray:
    side = max(s.shape[0] for s in symbols)
    padded = [np.pad(s, ((0, side - s.shape[0]), (0, 20)), constant_values=255) for s in symbols]
    return np.hstack(padded)


@pytest.mark.parametrize(("backend", "eci"), [("zxing", None), ("zxing", ECI_UTF8), ("zbar", None)])
def test_a_sequence_in_one_frame_is_one_code(backend, eci):
    """GIVEN the three symbols of a structured-append sequence side by side (in reverse order)
    THEN the decoder gives the whole payload once, and no part on its own (zbar joins them itself, and
    its guess for a part that starts inside a character is undone)."""
    symbols = structured_append(LONG, 3, eci=eci)
    frame = on_scene(_row(symbols[::-1]), at=(100, 300))
    codes = CodeDecoder(backend).decode(frame)
    assert [c.text for c in codes] == [LONG.decode()]
    assert codes[0].part is None


def test_an_ordinary_code_is_not_a_part():
    codes = CodeDecoder().decode(on_scene(qr_bytes_image(LONG)))
    assert [(c.text, c.part) for c in codes] == [(LONG.decode(), None)]


def test_parts_across_frames_are_delivered_whole_once():
    """GIVEN a citizen swiping through a 3-part sequence on a phone, one symbol per frame
    WHEN the frame decoder sees the parts in turn THEN on_codes gets the whole payload once, after the
    last part, and nothing before."""
    got: queue.Queue = queue.Queue()
    symbols = structured_append(LONG, 3)
    with FrameDecoder(on_codes=lambda codes: got.put([c.text for c in codes])) as decoder:
        for index in (1, 0):
            decoder.submit(on_scene(symbols[index]))
            assert decoder.idle(WAIT_S)
        assert got.empty()
        decoder.submit(on_scene(symbols[2]))
        assert decoder.idle(WAIT_S)
        assert got.get(timeout=WAIT_S) == [LONG.decode()]
        assert got.empty()


def _parts(payload: bytes, n: int) -> list[DecodedCode]:
    size = -(-len(payload) // n)
    return [DecodedCode(f"part {i}", "QRCode", (), CodePart(i, n, parity_of(payload),
                                                            payload[i * size:(i + 1) * size]))
            for i in range(n)]


def test_parts_older_than_the_window_are_forgotten():
    assembler = SequenceAssembler(window_s=2.0)
    first, second = _parts(LONG, 2)
    assert assembler.add([first], now=0.0) == []
    assert assembler.add([second], now=3.0) == []  # the first part is gone
    assert [c.text for c in assembler.add([first], now=4.0)] == [LONG.decode()]


def test_a_multibyte_character_split_between_parts_is_joined_right():
    payload = "办件编号 李䶮".encode("utf-8")
    parts = _parts(payload, 4)  # cuts inside characters
    assert join([p.part for p in parts[::-1]]) == "办件编号 李䶮"


def test_parts_of_different_sequences_are_not_mixed():
    a, b = _parts(LONG, 2), _parts(LONG[::-1] + b"x", 2)
    assert join([a[0].part, b[1].part]) is None
    assert SequenceAssembler().add([a[0], b[1]], now=0.0) == []
