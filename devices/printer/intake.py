"""Intake on paper: ``receipt_job``, ``notice_job`` and ``checklist_job``, the exact ESC/POS bytes (pure).

The receipt (受理回执), top to bottom, on 80 mm (58 mm wraps the same lines):

    受理回执                         title, bold, double height
    办件编号：32010220261121000123   the case number, bold
    事项 / 事项编码 / 指南版本
    申请人：李*  证件号码：3201**********1234      masked, never in full
    ──────────
    已收材料  1. 不动产登记申请书（2 页）…
    容缺材料  1. 存量房买卖合同，2026-11-26 前补交   (only when some follow)
    ──────────
    受理时间, 窗口, 经办人（工号）, 承诺办结日期（N 个工作日）, 取件方式, 咨询电话
                                     (a line saying the date is provisional when the calendar lacks the year)
    [QR]                             the receipt code the kiosk's 办件查询 reads
    扫码或在自助终端“办件查询”查看办理进度
    [small QR]                       the link to rate the case from a phone (https://<host>/rate/<case>;
    扫码评价本次服务（好差评）          only with a case number and the platform's public host)
    cut

The one-time notice (一次性告知单) names every missing material with its form, copies and issuing body,
the legal basis (art. 32 of the Administrative Licensing Law and the matter's own), the time limit, the
contact, the date, the window and the clerk. The checklist (材料清单) lists what to bring, where, whom to ask
and a QR code opening the matter's guide. Texts come from the printer catalogue (core/i18n/printer.*.json);
names with rare characters (䶮, 𠮷) print as on tickets (a raster line where the encoding lacks them).
docs/printing.md "Receipts, notices and checklists" tells why each line is there.
"""

from __future__ import annotations

from devices.printer.layout import JobBuilder
from core.config import PrinterConfig
from core.domain.intake import Checklist, Clerk, MaterialItem, MatterRef, Notice, Pickup, Receipt
from core.i18n import Translator, keys_for

TIME = "%Y-%m-%d %H:%M"
DAY = "%Y-%m-%d"
PICKUP_KEYS = keys_for("printer.pickup.", Pickup)
# The rating link's QR is printed smaller than the receipt code (it is read by a phone, held close).
RATE_QR_MODULE_DOTS = {80: 4, 58: 3}


def receipt_job(receipt: Receipt, printer_cfg: PrinterConfig, language: str = "zh_CN") -> bytes:
    """The bytes of one acceptance receipt for this printer (width, encoding, QR mode), ending with a cut."""
    t = Translator(language)
    job = JobBuilder(printer_cfg)
    _title(job, t("printer.receipt.title"))
    if receipt.pending:
        job.text(t("printer.receipt.pending", ref=receipt.record_ref), bold=True)
    else:
        job.text(t("printer.paper.case_number", number=receipt.case_number), bold=True)
    _matter(job, t, receipt.matter)
    job.text(t("printer.receipt.applicant", name=receipt.applicant.name))
    job.text(t("printer.receipt.id_number", id_number=receipt.applicant.id_number))
    job.rule()
    job.text(t("printer.receipt.received"), bold=True)
    for n, item in enumerate(receipt.received, 1):
        if item.pages:
            job.text(t("printer.receipt.received_item", n=n, name=item.name, pages=item.pages))
        else:  # the original checked at the window, or an e-licence read: no pages taken
            job.text(t("printer.receipt.received_checked", n=n, name=item.name))
    if receipt.follow_ups:
        job.text(t("printer.receipt.follow"), bold=True)
        for n, item in enumerate(receipt.follow_ups, 1):
            job.text(t("printer.receipt.follow_item", n=n, name=item.name, date=item.due.strftime(DAY)))
    job.rule()
    job.text(t("printer.receipt.accepted_at", time=receipt.accepted_at.strftime(TIME)))
    _desk(job, t, receipt.window, receipt.clerk)
    job.text(t("printer.receipt.due", date=receipt.due.strftime(DAY), days=receipt.promised_days), bold=True)
    if receipt.due_provisional:
        job.text(t("printer.receipt.due_provisional"))
    job.text(t("printer.receipt.pickup", method=t(f"printer.pickup.{receipt.pickup.value}")))
    _phone(job, t, receipt.phone)
    if receipt.pending:
        job.text(t("printer.receipt.pending_note"), align="center")
    else:
        job.qr(receipt.qr)
        job.text(t("printer.receipt.scan"), align="center")
        if receipt.rate_qr:
            job.qr(receipt.rate_qr, module_dots=RATE_QR_MODULE_DOTS.get(printer_cfg.width_mm, 3))
            job.text(t("printer.receipt.rate"), align="center")
    job.text(t("printer.receipt.keep"), align="center")
    job.cut()
    return job.bytes()


def notice_job(notice: Notice, printer_cfg: PrinterConfig, language: str = "zh_CN") -> bytes:
    """The bytes of one one-time notice: every missing material at once, with basis, limit and contact."""
    t = Translator(language)
    job = JobBuilder(printer_cfg)
    _title(job, t("printer.notice.title"))
    job.text(t("printer.notice.number", number=notice.number), bold=True)
    _matter(job, t, notice.matter)
    job.rule()
    job.text(t("printer.notice.intro"))
    for n, item in enumerate(notice.missing, 1):
        _material(job, t, n, item)
    job.rule()
    job.text(t("printer.notice.basis_law"))
    if notice.basis:
        job.text(t("printer.notice.basis_matter", basis=notice.basis))
    job.text(t("printer.notice.limit", days=notice.promised_days))
    job.rule()
    job.text(t("printer.notice.issued_at", date=notice.issued_at.strftime(DAY)))
    _desk(job, t, notice.window, notice.clerk)
    _phone(job, t, notice.phone)
    job.cut()
    return job.bytes()


def checklist_job(checklist: Checklist, printer_cfg: PrinterConfig, language: str = "zh_CN") -> bytes:
    """The bytes of one materials checklist, with the QR code that opens the matter's guide."""
    t = Translator(language)
    job = JobBuilder(printer_cfg)
    _title(job, t("printer.checklist.title"))
    _matter(job, t, checklist.matter)
    job.rule()
    for n, item in enumerate(checklist.materials, 1):
        _material(job, t, n, item)
    job.rule()
    if checklist.place:
        job.text(t("printer.checklist.place", place=checklist.place))
    _phone(job, t, checklist.phone)
    job.qr(checklist.qr)
    job.text(t("printer.checklist.scan"), align="center")
    job.cut()
    return job.bytes()


def _title(job: JobBuilder, title: str) -> None:
    job.text(title, align="center", bold=True, height=2)
    job.rule()


def _matter(job: JobBuilder, t: Translator, matter: MatterRef) -> None:
    job.text(t("printer.paper.matter", name=matter.display_name(t.language)))
    job.text(t("printer.paper.matter_code", code=matter.code))
    if matter.version:
        job.text(t("printer.paper.guide_version", version=matter.version))


def _material(job: JobBuilder, t: Translator, n: int, item: MaterialItem) -> None:
    job.text(t("printer.paper.material", n=n, name=item.name), bold=True)
    if item.form:
        job.text(t("printer.paper.material_form", form=item.form))
    if item.copies:
        job.text(t("printer.paper.material_copies", copies=item.copies))
    if item.source == "form":
        job.text(t("printer.paper.material_source", source=t("printer.paper.source_form")))
    elif item.source:
        job.text(t("printer.paper.material_source", source=item.source))
    if item.condition:
        job.text(t("printer.paper.material_condition", condition=item.condition))


def _desk(job: JobBuilder, t: Translator, window: int, clerk: Clerk) -> None:
    job.text(t("printer.paper.window", window=window))
    job.text(t("printer.paper.clerk", name=clerk.name, staff=clerk.staff_number))


def _phone(job: JobBuilder, t: Translator, phone: str) -> None:
    if phone:
        job.text(t("printer.paper.phone", phone=phone))
