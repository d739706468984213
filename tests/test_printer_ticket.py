"""The queue ticket's exact bytes (golden files) and what it says.

Golden files live in tests/golden/printer/. After an intended layout change, regenerate them with
``KIOSK_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_printer_ticket.py`` and look at the PNGs
``kiosk diag print ticket --printer dummy:// --png t.png`` draws before committing.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from devices.printer import glyphs
from devices.printer.commands import parse
from devices.printer.ticket import ticket_job
from core.config import PrinterConfig
from core.domain import HallInfo, Service, Ticket, TicketState, Window
from core.ports.printer import TicketSlip

GOLDEN = Path(__file__).parent / "golden" / "printer"
RARE_HALL = "示例市䶮山区政务服务中心"  # Extension A: in GB18030, not in GBK


def slip(language="zh_CN", hall_name="示例市政务服务中心", **ticket_fields) -> TicketSlip:
    hall = HallInfo("3201-0042", hall_name, "Example City Government Service Center", "Asia/Shanghai",
                    (Service("A", "综合受理", "General acceptance"),), (Window(3, ("A",)),))
    fields = dict(number="A012", service_prefix="A", service_name="综合受理", service_name_en="General acceptance",
                  state=TicketState.WAITING, issued_at=datetime(2026, 11, 21, 1, 41, 5, tzinfo=timezone.utc),
                  tracking_code="T-20261121-8F3K2QX9", people_ahead=3, estimated_wait_min=15)
    fields.update(ticket_fields)
    return TicketSlip(hall, Ticket(**fields), language)


def texts(job: bytes, encoding: str) -> list[str]:
    """Every text run of the job, decoded as the printer would (Chinese mode or not)."""
    out, chinese = [], False
    for cmd in parse(job)[0]:
        if cmd.name in ("chinese_on", "chinese_off"):
            chinese = cmd.name == "chinese_on"
        elif cmd.name == "text":
            out.append(cmd.data.decode(encoding if chinese else "ascii"))
    return out


GOLDEN_CASES = [
    ("ticket_80_gb18030_native", 80, "gb18030", "native", "示例市政务服务中心"),
    ("ticket_58_gb18030_native", 58, "gb18030", "native", "示例市政务服务中心"),
    ("ticket_80_gb18030_image", 80, "gb18030", "image", "示例市政务服务中心"),
    ("ticket_58_gb18030_image", 58, "gb18030", "image", "示例市政务服务中心"),
    ("ticket_80_gb18030_rare", 80, "gb18030", "native", RARE_HALL),
    ("ticket_80_gbk_rare", 80, "gbk", "native", RARE_HALL),
    ("ticket_58_gbk_rare", 58, "gbk", "image", RARE_HALL),
]


@pytest.mark.parametrize("name, width, encoding, qr, hall_name", GOLDEN_CASES, ids=[c[0] for c in GOLDEN_CASES])
def test_ticket_bytes_match_the_golden_file(name, width, encoding, qr, hall_name):
    cfg = PrinterConfig("ticket", "dummy://", width_mm=width, encoding=encoding, qr=qr)
    job = ticket_job(slip(hall_name=hall_name), cfg)
    path = GOLDEN / f"{name}.bin"
    if os.environ.get("KIOSK_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(job)
    if encoding == "gbk" and "䶮" in hall_name and Path(glyphs.font_for("䶮")).name != "DroidSansFallbackFull.ttf":
        pytest.skip("the rare-character golden files were drawn with fonts-droid-fallback, not installed here")
    assert job == path.read_bytes(), f"{name}: the ticket bytes changed (see this module's docstring)"


def test_the_golden_ticket_starts_clean_and_ends_with_a_cut():
    job = (GOLDEN / "ticket_80_gb18030_native.bin").read_bytes()
    assert job.startswith(b"\x1b@")                     # ESC @: known state
    assert job.endswith(b"\x1bd\x06\x1dV\x00")           # feed past the cutter, full cut (docs/printing.md "Cutting")
    assert b"\x1d(k\x04\x001A2\x00" in job                # native QR, model 2 (docs/printing.md "QR codes")
    assert b"\x1ba\x01\x1d(k" in job                      # justification set right before the code


@pytest.mark.parametrize("language, expected", [
    ("zh_CN", ["示例市政务服务中心", "综合受理", "您的号码", "A012", "您前面还有 3 人", "预计等候约 15 分钟",
               "请在等候区等候，过号作废", "取号时间：2026-11-21 09:41", "扫码查看排队进度"]),
    ("en", ["Example City Government Service Center", "General acceptance", "Your number", "A012",
            "3 people ahead of you", "Estimated wait about 15 min", "Please wait in the seating area. A missed",
            "number is void.", "Issued 2026-11-21 09:41", "Scan to follow the queue"]),
])
def test_ticket_says_what_halls_print_in_the_slip_language(language, expected):
    job = ticket_job(slip(language), PrinterConfig("ticket", "dummy://"))
    assert [t for t in texts(job, "gb18030") if not set(t) <= {"-"}] == expected
    assert b"?" not in job.replace(b"\x1d(k", b"")


def test_issue_time_is_in_the_hall_time_zone():
    """01:41 UTC is 09:41 in Asia/Shanghai, the hall's zone: the day's numbers reset in it."""
    job = ticket_job(slip(), PrinterConfig("ticket", "dummy://"))
    assert "取号时间：2026-11-21 09:41" in texts(job, "gb18030")


def test_the_number_is_large_and_bold():
    for width, size in ((80, 0x33), (58, 0x22)):  # GS ! 4x4 on 80 mm, 3x3 on 58 mm
        job = ticket_job(slip(), PrinterConfig("ticket", "dummy://", width_mm=width))
        assert b"\x1d!" + bytes((size,)) + b"\x1bE\x01\x1ba\x01A012\n" in job


def test_a_rare_character_the_encoding_lacks_is_printed_as_an_image_not_a_question_mark():
    gbk = ticket_job(slip(hall_name=RARE_HALL), PrinterConfig("ticket", "dummy://", encoding="gbk"))
    gb18030 = ticket_job(slip(hall_name=RARE_HALL), PrinterConfig("ticket", "dummy://", encoding="gb18030"))
    assert "䶮".encode("gb18030") in gb18030 and b"\x1dv0" not in gb18030
    raster = [c for c in parse(gbk)[0] if c.name == "raster"]
    assert len(raster) == 1 and raster[0].args[1] == 576 // 8          # one full-width line image
    assert not any("䶮" in t or "?" in t for t in texts(gbk, "gbk"))
    assert "示例市" not in "".join(texts(gbk, "gbk"))                  # the whole line went as the image


def test_reprint_and_priority_are_marked():
    job = ticket_job(slip(reprint=True, priority=True), PrinterConfig("ticket", "dummy://"))
    assert {"（补打）", "优先"} <= set(texts(job, "gb18030"))


@pytest.mark.parametrize("qr, marker", [("native", b"\x1d(k"), ("image", b"\x1dv0")])
def test_qr_mode_follows_the_printer_setting(qr, marker):
    job = ticket_job(slip(), PrinterConfig("ticket", "dummy://", qr=qr))
    other = b"\x1dv0" if qr == "native" else b"\x1d(k"
    assert marker in job and other not in job
