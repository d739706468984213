"""The 自助申报 slip: what it says, decoded from its exact ESC/POS bytes, and the QR code it carries.

The slip names the pre-application a clerk opens at the window: the platform's case number when it answered
in time, else 编号待同步 and the record's short id; always the masked applicant and the code
``HALL:P:<record id>`` (docs/printing.md, "The 自助申报 slip").
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import zxingcpp

from core.config import PrinterConfig
from core.domain import CardType, Identity
from core.domain.codes import CodeKind, classify
from core.domain.slip import PreApplicationSlip
from core.services.slip import slip_for
from devices.printer.commands import parse
from devices.printer.render import render_image
from devices.printer.slip import slip_job
from tests.intake_support import ACCEPTED, CASE, guide
from tests.test_printer_ticket import texts

RECORD = "3f2a9c1e-7b4d-4e2a-9f10-2c3d4e5f6a7b"
# A name whose masked form keeps a rare character (the surname): 𠮷 stays on paper, 䶮 never does.
APPLICANT = Identity(CardType.RESIDENT, "𠮷䶮", "320102195503121234")


def printer(width=80, encoding="gb18030", qr="native") -> PrinterConfig:
    return PrinterConfig("receipt", "dummy://", width_mm=width, encoding=encoding, qr=qr)


def slip(case_number=None, provided=("m1", "m3")) -> PreApplicationSlip:
    return slip_for(guide(), record_id=RECORD, case_number=case_number, applicant=APPLICANT, submitted_at=ACCEPTED,
                    provided=provided)


def lines(job: bytes, encoding: str = "gb18030") -> list[str]:
    return [t for t in texts(job, encoding) if not set(t) <= {"-"}]


def test_offline_the_slip_says_the_number_is_pending_and_gives_the_short_id():
    """GIVEN no answer from the platform in time WHEN the slip prints THEN it says 办件编号待同步 and the
    record's short id, the masked applicant, what was handed in and what to bring, and how to use it."""
    assert lines(slip_job(slip(), printer())) == [
        "自助申报回执", "办件编号待同步", "申报记录：3f2a9c1e", "状态：已申报，待受理",
        "事项：二手房转移登记", "事项编码：320100-QR-0002", "办事指南版本：2026.1",
        "申请人：𠮷*", "证件号码：3201**********1234", "申报时间：2026-09-30 09:41",
        "已提交材料", "1. 不动产登记申请书", "2. 存量房买卖合同",
        "请携带以下材料到窗口", "1. 买卖双方身份证明", "   形式：原件核验", "   出具单位：公安机关",
        "2. 完税凭证", "   形式：复印件1份", "   份数：1", "   出具单位：税务机关",
        "请携带身份证及已提交材料的原件到窗口核验",
        "办理地点：示例市䶮山区政务服务中心二楼 B 区", "咨询电话：025-12345",
        "请到窗口出示本回执，工作人员扫码调取您的申报", "请妥善保管本回执"]


def test_with_the_platform_s_answer_the_slip_carries_the_case_number():
    printed = lines(slip_job(slip(case_number=CASE), printer()))
    assert printed[:3] == ["自助申报回执", f"办件编号：{CASE}", "状态：已申报，待受理"]
    assert "办件编号待同步" not in printed


def test_the_slip_never_carries_the_full_name_or_id_number():
    for encoding in ("gb18030", "gbk", "utf-8"):
        job = slip_job(slip(), printer(encoding=encoding))
        assert "䶮".encode("gb18030") not in job.split("办理地点".encode("gb18030"))[0]
        assert b"320102195503121234" not in job and "3201**********1234".encode() in job


def test_on_a_gbk_printer_the_rare_characters_print_as_images_not_question_marks():
    """GIVEN a GBK printer (no 𠮷, no 䶮) WHEN the slip prints THEN the masked name and the place go as raster
    lines and no text run holds a question mark."""
    job = slip_job(slip(), printer(encoding="gbk"))
    assert len([c for c in parse(job)[0] if c.name == "raster"]) == 2
    assert not any("?" in t for t in texts(job, "gbk"))


@pytest.mark.parametrize("width", [80, 58])
@pytest.mark.parametrize("qr", ["native", "image"])
def test_the_qr_on_paper_reads_back_as_the_pre_application_code_of_the_record(width, qr):
    cfg = printer(width, qr=qr)
    image = render_image(slip_job(slip(), cfg), cfg.dots)
    read = [r.text for r in zxingcpp.read_barcodes(image)]
    assert read == [f"HALL:P:{RECORD}"]
    code = classify(read[0])
    assert code.kind is CodeKind.PRE_APPLICATION and code.fields["record_id"] == RECORD


def test_58_mm_paper_wraps_every_line_within_the_head():
    for text in texts(slip_job(slip(), printer(58)), "gb18030"):
        assert sum(2 if ord(c) > 0x7F else 1 for c in text) <= 32, text


def test_a_slip_is_always_of_its_own_record_and_a_real_case_number():
    good = slip()
    with pytest.raises(ValueError):
        replace(good, qr="HALL:P:00000000-0000-0000-0000-000000000000")
    with pytest.raises(ValueError):
        replace(good, case_number="12345")
    with pytest.raises(ValueError):
        slip(provided=("m9",))


def test_in_english_the_slip_keeps_the_guide_s_names():
    printed = lines(slip_job(slip(), printer(), "en"))
    assert printed[:4] == ["Self-service application slip", "Case number: pending sync", "Record: 3f2a9c1e",
                           "Status: submitted, awaiting acceptance"]
    assert "Matter: Transfer registration of a resold home" in printed
