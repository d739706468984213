"""The intake papers' exact bytes (golden files), what they say, and what comes out on paper.

Golden files live in tests/golden/printer/. After an intended layout change, regenerate them with
``KIOSK_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_printer_intake.py`` and look at the PNGs
``kiosk diag print receipt --printer dummy:// --png r.png`` draws before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import zxingcpp

from devices.printer import glyphs
from devices.printer.commands import parse
from devices.printer.intake import checklist_job, notice_job, receipt_job
from devices.printer.render import render_image
from core.config import PrinterConfig
from core.services.intake import checklist_for, notice_for, receipt_for
from tests.intake_support import ACCEPTED, APPLICANT, CALENDAR_2026, CASE, CLERK, guide
from tests.test_printer_ticket import texts

GOLDEN = Path(__file__).parent / "golden" / "printer"


def receipt(**changes):
    args = dict(case_number=CASE, applicant=APPLICANT, accepted_at=ACCEPTED, window=3, clerk=CLERK,
                calendar=CALENDAR_2026, pages={"m1": 2, "m2": 1, "m3": 4}, follow=("m4",))
    args.update(changes)
    return receipt_for(guide(), **args)


def notice():
    return notice_for(guide(), number="GZ-20260930-0007", missing=("m3", "m4", "m5"), issued_at=ACCEPTED,
                      window=3, clerk=CLERK)


def checklist():
    return checklist_for(guide(), host="zwfw.example.gov.cn")


HOST = "zwfw.example.gov.cn"
JOBS = {"receipt": lambda cfg, lang="zh_CN": receipt_job(receipt(), cfg, lang),
        "receipt_rated": lambda cfg, lang="zh_CN": receipt_job(receipt(host=HOST), cfg, lang),
        "notice": lambda cfg, lang="zh_CN": notice_job(notice(), cfg, lang),
        "checklist": lambda cfg, lang="zh_CN": checklist_job(checklist(), cfg, lang)}
GOLDEN_CASES = [(f"{paper}_{width}_{encoding}_{qr}", paper, width, encoding, qr)
                for paper in JOBS
                for width, encoding, qr in ((80, "gb18030", "native"), (58, "gb18030", "image"), (80, "gbk", "native"))]


def printer(width=80, encoding="gb18030", qr="native") -> PrinterConfig:
    return PrinterConfig("receipt", "dummy://", width_mm=width, encoding=encoding, qr=qr)


@pytest.mark.parametrize("name, paper, width, encoding, qr", GOLDEN_CASES, ids=[c[0] for c in GOLDEN_CASES])
def test_paper_bytes_match_the_golden_file(name, paper, width, encoding, qr):
    job = JOBS[paper](printer(width, encoding, qr))
    path = GOLDEN / f"{name}.bin"
    if os.environ.get("KIOSK_UPDATE_GOLDEN"):
        path.write_bytes(job)
    if encoding == "gbk" and Path(glyphs.font_for("䶮")).name != "DroidSansFallbackFull.ttf":
        pytest.skip("the rare-character golden files were drawn with fonts-droid-fallback, not installed here")
    assert job == path.read_bytes(), f"{name}: the paper's bytes changed (see this module's docstring)"


@pytest.mark.parametrize("paper", list(JOBS))
def test_every_paper_starts_clean_and_ends_with_a_cut(paper):
    job = JOBS[paper](printer())
    assert job.startswith(b"\x1b@") and job.endswith(b"\x1bd\x06\x1dV\x00")


def test_the_receipt_says_what_was_accepted_and_when_it_is_promised():
    lines = [t for t in texts(receipt_job(receipt(), printer()), "gb18030") if not set(t) <= {"-"}]
    assert lines == [
        "受理回执", "办件编号：32010220260930000123", "事项：二手房转移登记", "事项编码：320100-QR-0002",
        "办事指南版本：2026.1", "申请人：李*", "证件号码：3201**********1234",
        "已收材料", "1. 不动产登记申请书（2 页）", "2. 买卖双方身份证明（1 页）", "3. 存量房买卖合同（4 页）",
        "容缺材料（请按期补交）", "1. 完税凭证，2026-10-09 前补交",
        "受理时间：2026-09-30 09:41", "受理窗口：3 号窗口", "经办人：王𠮷（工号 0107）",
        "承诺办结：2026-10-10（3 个工作日）", "取件方式：邮寄送达", "咨询电话：025-12345",
        "扫码或在自助终端的办件查询中查看办理进度", "请妥善保管本回执"]


def test_the_receipt_never_carries_the_full_name_or_id_number():
    for encoding in ("gb18030", "gbk", "utf-8"):
        job = receipt_job(receipt(), printer(encoding=encoding))
        assert "䶮".encode("gb18030") not in job and b"320102195503121234" not in job
        assert "3201**********1234".encode() in job


def test_a_provisional_date_says_so():
    lines = texts(receipt_job(receipt(calendar=type(CALENDAR_2026)()), printer()), "gb18030")
    assert "（暂定：当年节假日安排尚未公布）" in lines
    assert "（暂定：当年节假日安排尚未公布）" not in texts(receipt_job(receipt(), printer()), "gb18030")


def test_the_notice_names_each_missing_material_the_basis_the_limit_and_the_contact():
    lines = [t for t in texts(notice_job(notice(), printer()), "gb18030") if not set(t) <= {"-"}]
    assert lines == [
        "一次性告知单", "告知单编号：GZ-20260930-0007", "事项：二手房转移登记", "事项编码：320100-QR-0002",
        "办事指南版本：2026.1", "您申请的事项尚缺以下材料，现一次性告知：",
        "1. 存量房买卖合同", "   形式：原件1份", "   份数：1", "   出具单位：房产交易管理部门",
        "2. 完税凭证", "   形式：复印件1份", "   份数：1", "   出具单位：税务机关",
        "3. 授权委托书", "   形式：原件1份", "   说明：委托他人办理时",
        "告知依据：《中华人民共和国行政许可法》第三十二条", "设定依据：《不动产登记暂行条例》",
        "材料补齐后受理，自受理之日起 3 个工作日内办结。",
        "告知日期：2026-09-30", "受理窗口：3 号窗口", "经办人：王𠮷（工号 0107）", "咨询电话：025-12345"]


def test_the_checklist_in_english_keeps_the_guide_material_names():
    lines = texts(checklist_job(checklist(), printer(), "en"), "gb18030")
    assert lines[:4] == ["Materials checklist", "-" * 48, "Matter: Transfer registration of a resold home",
                         "Matter code: 320100-QR-0002"]
    assert "   Issued by: this hall (window or online)" in lines
    assert "Where: 示例市䶮山区政务服务中心二楼 B 区" in lines and "Scan to open the service guide" in lines


def test_rare_characters_the_encoding_lacks_are_printed_as_images_not_question_marks():
    """GIVEN a GBK printer WHEN the clerk is 王𠮷 and the place 示例市䶮山区… THEN those lines go as raster
    images and no text run holds a question mark."""
    job = checklist_job(checklist(), printer(encoding="gbk"))
    raster = [c for c in parse(job)[0] if c.name == "raster"]
    assert len(raster) == 1 and raster[0].args[1] == 576 // 8
    assert not any("?" in t for t in texts(job, "gbk"))
    receipt_gbk = receipt_job(receipt(), printer(encoding="gbk"))
    assert not any("王" in t for t in texts(receipt_gbk, "gbk"))
    assert "𠮷".encode("gb18030") in receipt_job(receipt(), printer())


@pytest.mark.parametrize("width", [80, 58])
@pytest.mark.parametrize("qr", ["native", "image"])
@pytest.mark.parametrize("paper, expected", [("receipt", f"HALL:R:{CASE}"),
                                             ("checklist", "https://zwfw.example.gov.cn/guide/320100-QR-0002")])
def test_the_qr_on_paper_decodes_back(paper, expected, width, qr):
    """What the paper shows (the renderer) holds one QR code that reads back as the receipt or guide code."""
    cfg = printer(width, qr=qr)
    image = render_image(JOBS[paper](cfg), cfg.dots)
    assert image.width == cfg.dots
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [expected]


@pytest.mark.parametrize("paper", list(JOBS))
def test_58_mm_paper_wraps_every_line_within_the_head(paper):
    """No text run is wider than the 58 mm head's 32 columns (Chinese characters count two)."""
    job = JOBS[paper](printer(58))
    for text in texts(job, "gb18030"):
        assert sum(2 if ord(c) > 0x7F else 1 for c in text) <= 32, text
    assert render_image(job, 384).width == 384


@pytest.mark.parametrize("width", [80, 58])
@pytest.mark.parametrize("qr", ["native", "image"])
def test_a_receipt_with_the_platform_host_carries_a_smaller_rating_code(width, qr):
    """GIVEN the platform's public host WHEN a receipt with its case number is printed THEN it holds two codes:
    the receipt's tracking link and, below it and smaller, the link that rates the case from a phone."""
    cfg = printer(width, qr=qr)
    image = render_image(receipt_job(receipt(host=HOST), cfg), cfg.dots)
    codes = sorted(zxingcpp.read_barcodes(image), key=lambda r: r.position.top_left.y)
    assert [r.text for r in codes] == [f"https://{HOST}/track/{CASE}", f"https://{HOST}/rate/{CASE}"]
    widths = [r.position.top_right.x - r.position.top_left.x for r in codes]
    assert widths[1] < widths[0]
    lines = texts(receipt_job(receipt(host=HOST), printer()), "gb18030")
    assert lines[-2:] == ["扫码评价本次服务（好差评）", "请妥善保管本回执"]


def test_a_pending_receipt_or_one_without_the_host_has_no_rating_code():
    """A receipt whose case number has not come yet cannot be rated (nothing to name); without the platform's
    public host there is no link a phone could open."""
    pending = receipt(case_number="", record_ref="0f8e12ab", host=HOST)
    assert pending.rate_qr == "" and "扫码评价本次服务（好差评）" not in texts(receipt_job(pending, printer()), "gb18030")
    assert receipt().rate_qr == ""


def test_a_receipt_refuses_a_rating_link_of_another_case():
    import dataclasses

    rated = receipt(host=HOST)
    assert rated.rate_qr == f"https://{HOST}/rate/{CASE}"
    with pytest.raises(ValueError):
        dataclasses.replace(rated, rate_qr=f"https://{HOST}/rate/32010220260930000999")
    with pytest.raises(ValueError):
        dataclasses.replace(rated, rate_qr=f"https://evil.example/rate/{CASE}?x=1")
