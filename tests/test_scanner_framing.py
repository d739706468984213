"""Serial scanner framing (devices/scanner/framing.py): CR / LF / CRLF / gap, decoding, bounds, controls.

docs/codes.md, "QR / barcode scanners": "split on CR and/or LF, with an inter-byte timeout as the fallback end of a
code"; "bound their length, strip control characters"; Chinese content is UTF-8 or GB18030.
"""

from __future__ import annotations

import pytest

from devices.scanner.framing import (
    Rejected,
    RejectReason,
    Scan,
    ScanFramer,
    decode_payload,
    strip_controls,
)

FRAMES = [
    # bytes fed (one feed), payloads that come out
    (b"YY202611210001236\r", ["YY202611210001236"]),
    (b"YY202611210001236\n", ["YY202611210001236"]),
    (b"YY202611210001236\r\n", ["YY202611210001236"]),
    (b"A\rB\nC\r\nD\n\rE\r", ["A", "B", "C", "D", "E"]),  # LF CR is two ends, the empty one gives nothing
    (b"\r\n\r\n", []),
    ("中文码\r\n".encode(), ["中文码"]),
    ("李䶮\r".encode(), ["李䶮"]),  # CJK Extension A survives
    ("中文码\r".encode("gb18030"), ["中文码"]),
    ("李䶮\r".encode("gb18030"), ["李䶮"]),  # four-byte GB18030 sequence
    (b"HALL:\x1b[2JR\x07:1\r", ["HALL:[2JR:1"]),  # controls stripped, printable rest kept
    ("\ufeffYY1\u202e\r".encode(), ["YY1"]),  # BOM and bidi override are format characters
    (b"\x00\x01\x02\r", []),  # nothing but controls: no scan
]


@pytest.mark.parametrize(("data", "payloads"), FRAMES)
def test_codes_end_at_cr_lf_or_crlf(data, payloads):
    framer = ScanFramer()
    events = framer.feed(data, now=0.0)
    assert [e.payload for e in events if isinstance(e, Scan)] == payloads


def test_crlf_split_between_two_reads_is_one_terminator():
    framer = ScanFramer()
    assert framer.feed(b"ABC\r", 0.0) == [Scan("ABC")]
    assert framer.feed(b"\nDEF\r", 0.01) == [Scan("DEF")]


def test_a_code_split_across_reads_is_joined():
    framer = ScanFramer()
    data = "预约YY2026\r\n".encode()
    events = []
    for i, byte in enumerate(data):  # one byte a read, even mid-character
        events += framer.feed(bytes([byte]), now=i * 0.001)
    assert events == [Scan("预约YY2026")]


def test_no_suffix_ends_at_the_inter_byte_gap():
    framer = ScanFramer()
    assert framer.feed(b"HALL:R:1", now=1.0) == []
    assert framer.idle(now=1.05, gap_s=0.08) == []  # not yet
    assert framer.idle(now=1.09, gap_s=0.08) == [Scan("HALL:R:1")]
    assert framer.idle(now=2.0, gap_s=0.08) == []  # only once


def test_overlong_code_is_rejected_once_and_its_tail_discarded():
    framer = ScanFramer(max_bytes=16)
    events = framer.feed(b"X" * 40, 0.0)
    assert len(events) == 1 and isinstance(events[0], Rejected)
    assert events[0].reason is RejectReason.OVERLONG
    assert framer.feed(b"Y" * 40 + b"\rOK\r", 0.01) == [Scan("OK")]


def test_overlong_code_without_suffix_is_discarded_up_to_the_gap():
    framer = ScanFramer(max_bytes=16)
    assert [e.reason for e in framer.feed(b"X" * 20, 0.0)] == [RejectReason.OVERLONG]
    assert framer.idle(1.0, 0.08) == []
    assert framer.feed(b"NEXT\r", 1.1) == [Scan("NEXT")]


def test_exactly_the_bound_is_accepted():
    framer = ScanFramer(max_bytes=16)
    assert framer.feed(b"Z" * 16 + b"\r", 0.0) == [Scan("Z" * 16)]


def test_bytes_that_are_neither_utf8_nor_gb18030_are_rejected():
    framer = ScanFramer()
    (event,) = framer.feed(b"\xff\xfe\xff\r", 0.0)
    assert isinstance(event, Rejected) and event.reason is RejectReason.UNDECODABLE


def test_reset_forgets_a_partial_code():
    framer = ScanFramer()
    framer.feed(b"PARTIAL", 0.0)
    framer.reset()
    assert framer.feed(b"WHOLE\r", 0.1) == [Scan("WHOLE")]


@pytest.mark.parametrize(("raw", "text"), [
    ("中文".encode(), "中文"),
    ("中文".encode("gb18030"), "中文"),
    ("𠀀".encode("gb18030"), "𠀀"),  # CJK Extension B
])
def test_decode_payload_utf8_then_gb18030(raw, text):
    assert decode_payload(raw) == text


def test_strip_controls_keeps_cjk_and_spaces():
    assert strip_controls("a b\t李䶮\x7f\x85\u2028") == "a b李䶮"
