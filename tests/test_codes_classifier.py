"""The payload classifier (core/domain/codes.py): exact patterns, everything else unknown.

Formats: docs/codes.md. Payloads are untrusted (docs/codes.md, "QR / barcode scanners"): a payload that is not
exactly one of the documented shapes must classify as UNKNOWN, whatever it looks like.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.codes import (
    MAX_PAYLOAD_CHARS,
    CodeKind,
    classify,
    escape_controls,
    luhn_check_digit,
    uscc_check_char,
    uscc_ok,
)

TOKEN = "L4ZTGHLcjXdS1k4Fd8a7L8ul1Z6rPMB8AwmmHZdENbA"
USCC = "91320100MA1XY8K12E"

KNOWN = [
    # payload, kind, fields that must be there
    ("HALL:T:3201-0042:20261121:A001", CodeKind.TICKET, {"hall_id": "3201-0042", "number": "A001"}),
    ("HALL:T:3201-0042:20261231:H999", CodeKind.TICKET, {"date": "20261231", "number": "H999"}),
    ("YY202611210001236", CodeKind.APPOINTMENT, {"date": "20261121", "serial": "000123"}),
    ("YY202611210004560", CodeKind.APPOINTMENT, {"serial": "000456"}),
    ("HALL:R:32010220261121000123", CodeKind.RECEIPT, {"tracking": "32010220261121000123", "region": "320102"}),
    ("https://zwfw.example.gov.cn/track/32010220261121000123", CodeKind.RECEIPT,
     {"tracking": "32010220261121000123"}),
    (f"DZZZ:YYZZ:{USCC}:320100000123456", CodeKind.E_LICENCE,
     {"type": "YYZZ", "issuer": USCC, "number": "320100000123456"}),
    (f"DZZZ:BDCQZ:{USCC}:SU2026000001", CodeKind.E_LICENCE, {"type": "BDCQZ"}),
    (f"CTID:1:{TOKEN}", CodeKind.E_ID, {"token": TOKEN}),
]


@pytest.mark.parametrize(("payload", "kind", "fields"), KNOWN)
def test_documented_formats_classify_with_their_fields(payload, kind, fields):
    code = classify(payload)
    assert code.kind is kind
    assert code.known
    assert code.payload == payload
    for name, value in fields.items():
        assert code.fields[name] == value


UNKNOWN = [
    ("", "empty"),
    ("HALL:T:3201-0042:20261121:A001\n", "trailing newline"),
    (" HALL:T:3201-0042:20261121:A001", "leading space"),
    ("hall:t:3201-0042:20261121:A001", "lower case prefix"),
    ("HALL:T:3201-0042:20261321:A001", "month 13"),
    ("HALL:T:3201-0042:20260230:A001", "30 February"),
    ("HALL:T:3201-0042:20261121:a001", "lower-case service letter"),
    ("HALL:T:3201-0042:20261121:A0001", "four-digit number"),
    ("HALL:T:３２０１-0042:20261121:A001", "full-width digits"),
    ("HALL:T:٣٢٠١-0042:20261121:A001", "Arabic-Indic digits"),
    ("YY202611210001237", "appointment with a wrong check digit"),
    ("YY20261121000123", "appointment one digit short"),
    ("YY2026112100012366", "appointment one digit long"),
    ("YY209911310001236", "appointment on 31 November"),
    ("HALL:R:3201022026112100012", "tracking one digit short"),
    ("http://zwfw.example.gov.cn/track/32010220261121000123", "plain http"),
    ("https://evil.example.com/track/32010220261121000123", "another host"),
    ("https://zwfw.example.gov.cn.evil.com/track/32010220261121000123", "host suffix attack"),
    ("https://zwfw.example.gov.cn@evil.com/track/32010220261121000123", "user info"),
    ("https://zwfw.example.gov.cn:8443/track/32010220261121000123", "port"),
    ("https://zwfw.example.gov.cn/track/32010220261121000123?x=1", "query"),
    ("https://zwfw.example.gov.cn/track/32010220261121000123#x", "fragment"),
    ("https://zwfw.example.gov.cn/track/../admin", "path traversal"),
    ("https://ZWFW.example.gov.cn/track/32010220261121000123", "upper-case host"),
    ("DZZZ:YYZZ:91320100MA1XY8K12F:320100000123456", "credit code with a wrong check character"),
    ("DZZZ:YYZZ:91320100MA1XY8K12E:12345", "licence number too short"),
    ("DZZZ:YYZZ:91320100MA1XY8K12E:3201000001234567890123456789012345", "licence number too long"),
    ("CTID:1:short", "e-ID token too short"),
    (f"CTID:2:{TOKEN}", "unknown e-ID version"),
    (f"CTID:1:{TOKEN}=", "padding in token"),
    ("CTID:1:" + "A" * 257, "e-ID token too long"),
    ("<script>alert(1)</script>", "script"),
    ("HALL:T:<script>:20261121:A001", "script in a field"),
    ("javascript:alert(1)", "javascript url"),
    ("file:///etc/passwd", "file url"),
    ("/etc/passwd", "file path"),
    ("C:\\Windows\\System32\\cmd.exe", "windows path"),
    ("HALL:R:32010220261121000123; rm -rf /", "shell metacharacters"),
    ("$(reboot)", "command substitution"),
    ("`reboot`", "backticks"),
    ("HALL:R:32010220261121000123\x00", "NUL byte"),
    ("\x1b[2JHALL:R:32010220261121000123", "terminal escape"),
    ("HALL:R:\u202e32010220261121000123", "bidi override"),
    ("YY" + "1" * 5000, "overlong"),
    ("A" * (MAX_PAYLOAD_CHARS + 1), "just over the bound"),
    ("预约码YY202611210001236", "Chinese prefix"),
]


@pytest.mark.parametrize(("payload", "why"), UNKNOWN, ids=[why for _, why in UNKNOWN])
def test_anything_not_exactly_a_format_is_unknown(payload, why):
    code = classify(payload)
    assert code.kind is CodeKind.UNKNOWN, why
    assert not code.known
    assert code.fields == {}


def test_receipt_urls_follow_the_configured_platform_hosts():
    url = "https://platform.hall.local/track/32010220261121000123"
    assert classify(url).kind is CodeKind.UNKNOWN
    assert classify(url, platform_hosts=("platform.hall.local",)).kind is CodeKind.RECEIPT


def test_non_strings_are_unknown():
    assert classify(None).kind is CodeKind.UNKNOWN  # type: ignore[arg-type]
    assert classify(b"YY202611210001236").kind is CodeKind.UNKNOWN  # type: ignore[arg-type]


@pytest.mark.parametrize(("digits", "check"), [("20261121000123", "6"), ("20261121000456", "0"), ("7992739871", "3")])
def test_luhn_check_digit(digits, check):
    assert luhn_check_digit(digits) == check


def test_uscc_check_character_follows_gb32100():
    # 91350100M000100Y43 is the worked example published with GB 32100-2015's check rule.
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert uscc_ok("91350100M000100Y43")
    assert not uscc_ok("91350100M000100Y44")
    assert not uscc_ok("91350100M000100Y4")


# Exactly the documented shapes, restated independently of the module (docs/codes.md).
_SHAPES = [
    re.compile(r"HALL:T:[0-9]{4}-[0-9]{4}:[0-9]{8}:[A-Z][0-9]{3}"),
    re.compile(r"YY[0-9]{15}"),
    re.compile(r"HALL:R:[0-9]{20}"),
    re.compile(r"https://zwfw\.example\.gov\.cn/track/[0-9]{20}"),
    re.compile(r"DZZZ:[A-Z]{2,8}:[0-9A-Z]{18}:[0-9A-Z]{6,32}"),
    re.compile(r"CTID:1:[A-Za-z0-9_-]{32,256}"),
]


@settings(max_examples=400, deadline=None)
@given(st.one_of(
    st.text(max_size=400),
    st.from_regex(r"(HALL:[TR]:|YY|DZZZ:|CTID:1:|https://zwfw\.example\.gov\.cn/track/)[\s\S]{0,60}",
                  fullmatch=True),
))
def test_random_strings_are_unknown_unless_they_match_a_shape_exactly(payload):
    code = classify(payload)
    if code.known:
        assert any(shape.fullmatch(payload) for shape in _SHAPES), payload
    else:
        assert code.fields == {}


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"YY20[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{6}", fullmatch=True))
def test_every_well_formed_appointment_with_its_check_digit_is_an_appointment(body):
    payload = body + luhn_check_digit(body[2:])
    assert classify(payload).kind is CodeKind.APPOINTMENT
    wrong = body + str((int(payload[-1]) + 1) % 10)
    assert classify(wrong).kind is CodeKind.UNKNOWN


@pytest.mark.parametrize(("raw", "shown"), [
    ("plain 中文 李䶮", "plain 中文 李䶮"),
    ("a\x1b[2J", "a\\x1b[2J"),
    ("tab\tnl\n", "tab\\x09nl\\x0a"),
    ("back\\slash", "back\\\\slash"),
    ("rtl\u202eoverride", "rtl\\u202eoverride"),
    ("tag\U000e0001", "tag\\U000e0001"),
])
def test_escape_controls_shows_every_control_as_an_escape(raw, shown):
    assert escape_controls(raw) == shown


def test_escape_controls_cuts_long_text():
    assert escape_controls("x" * 500, limit=10) == "x" * 10 + "…"
