"""A code's bytes → its text (devices/scanner/charsets.py): the declared ECI, else UTF-8, else the more
plausible of GB18030 and Shift-JIS; the serial scanners' framing uses the same rule.

docs/codes.md, "Text of a code".
"""

from __future__ import annotations

import pytest

from devices.scanner.charsets import decode_bytes, decode_segments, parse_eci_protocol, plausibility
from devices.scanner.framing import RejectReason, Rejected, Scan, ScanFramer

CHINESE = ["中文", "号", "李䶮", "张三", "陈思远", "营业执照", "受理回执：示例市政务服务中心",
           "办件编号32010220261121000123 申请人欧阳娜娜", "事项：二手房转移登记", "𠮷野家"]
JAPANESE = ["カ", "語", "テスト", "日本語", "ｱｲｳ", "こんにちは", "山田太郎", "予約番号12345",
            "東京都千代田区", "〒100-0001 東京都千代田区千代田1-1"]


@pytest.mark.parametrize("text", CHINESE)
def test_gb18030_bytes_read_as_chinese_even_when_short(text):
    """GIVEN a Chinese payload encoded in GB18030 without an ECI THEN it reads back exactly."""
    assert decode_bytes(text.encode("gb18030")) == text


@pytest.mark.parametrize("text", JAPANESE)
def test_shift_jis_bytes_read_as_japanese_even_when_short(text):
    """GIVEN a Japanese payload encoded in Shift-JIS without an ECI THEN it reads back exactly, not as
    the GB18030 mojibake it used to give."""
    assert decode_bytes(text.encode("shift_jis")) == text


@pytest.mark.parametrize("text", ["YY202611210001236", "预约码YY202611210004560 李䶮", "日本語テキスト", "café"])
def test_valid_utf8_is_utf8(text):
    assert decode_bytes(text.encode("utf-8")) == text


def test_bytes_no_candidate_reads_raise():
    with pytest.raises(UnicodeDecodeError):
        decode_bytes(b"\xff\xfe\xff")


def test_plausibility_prefers_the_right_reading():
    """Common hanzi and kana score high; half-width katakana and rare GBK-extension hanzi low."""
    assert plausibility("中文", "gb18030") > plausibility("中文".encode("gb18030").decode("shift_jis"), "shift_jis")
    raw = "テスト".encode("shift_jis")
    assert plausibility(raw.decode("shift_jis"), "shift_jis") > plausibility(raw.decode("gb18030"), "gb18030")
    assert plausibility("") == 0.0


def test_eci_protocol_is_split_into_segments():
    """AIM ECI protocol: \\nnnnnn switches the character set; a doubled backslash is one backslash."""
    data = b"A\\000020" + "テ".encode("shift_jis") + b"\\000029" + "中".encode("gb18030") + b"\\\\x"
    segments = parse_eci_protocol(data)
    assert segments == [(None, b"A"), (20, "テ".encode("shift_jis")), (29, "中".encode("gb18030") + b"\\x")]
    assert decode_segments(segments) == "Aテ中\\x"


def test_a_declared_eci_wins_over_the_guess():
    """GIVEN bytes declared ISO-8859-1 (ECI 3) that would also read as GB18030 THEN they read as declared;
    an ECI we do not know falls back to the guess."""
    raw = "é".encode("latin-1") * 2
    assert decode_segments([(3, raw)]) == "éé"
    assert decode_segments([(999, "中文".encode("gb18030"))]) == "中文"


def test_serial_scanner_framing_reads_shift_jis_and_gb18030():
    framer = ScanFramer()
    events = framer.feed("予約番号".encode("shift_jis") + b"\r" + "受理回执".encode("gb18030") + b"\r", 0.0)
    assert events == [Scan("予約番号"), Scan("受理回执")]
    (bad,) = framer.feed(b"\xff\xfe\xff\r", 0.1)
    assert isinstance(bad, Rejected) and bad.reason is RejectReason.UNDECODABLE
