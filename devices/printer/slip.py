"""The 自助申报 slip: ``slip_job``, the exact ESC/POS bytes (pure), in the style of the intake papers.

Top to bottom, on 80 mm (58 mm wraps the same lines):

    自助申报回执                      title, bold, double height
    办件编号：32010220261121000123    the case number, bold, when the platform answered in time
      or 办件编号待同步               bold, then 申报记录：1a2b3c4d (the record's short id)
    状态：已申报，待受理
    事项 / 事项编码 / 指南版本
    申请人：李*  证件号码：3201**********1234      masked, never in full
    申报时间
    ──────────
    已提交材料  1. 公司登记（备案）申请书 …       what was captured or scanned at the kiosk
    请携带到窗口  1. 住所使用证明 …               each required material still missing, with form and source
    请携带身份证及已提交材料的原件到窗口核验
    ──────────
    办理地点, 咨询电话
    [QR]                              HALL:P:<record id>, what the clerk's window scans
    请到窗口出示本回执，工作人员扫码调取您的申报
    cut

Texts come from the pre-application catalogue (core/i18n/pre_apply.*.json) and the printer's; names with
rare characters (䶮, 𠮷) print as on tickets (a raster line where the encoding lacks them).
docs/printing.md ("The 自助申报 slip") tells why each line is there.
"""

from __future__ import annotations

from core.config import PrinterConfig
from core.domain.slip import PreApplicationSlip
from core.i18n import Translator
from devices.printer.intake import TIME, _material, _matter, _phone, _title
from devices.printer.layout import JobBuilder


def slip_job(slip: PreApplicationSlip, printer_cfg: PrinterConfig, language: str = "zh_CN") -> bytes:
    """The bytes of one pre-application slip for this printer (width, encoding, QR mode), ending with a cut."""
    t = Translator(language)
    job = JobBuilder(printer_cfg)
    _title(job, t("pre_apply.slip.title"))
    if slip.case_number is not None:
        job.text(t("printer.paper.case_number", number=slip.case_number), bold=True)
    else:
        job.text(t("pre_apply.slip.number_pending"), bold=True)
        job.text(t("pre_apply.slip.short_id", short_id=slip.short_id), bold=True)
    job.text(t("pre_apply.slip.state"))
    _matter(job, t, slip.matter)
    job.text(t("printer.receipt.applicant", name=slip.applicant.name))
    job.text(t("printer.receipt.id_number", id_number=slip.applicant.id_number))
    job.text(t("pre_apply.slip.submitted_at", time=slip.submitted_at.strftime(TIME)))
    job.rule()
    if slip.provided:
        job.text(t("pre_apply.slip.provided"), bold=True)
        for n, name in enumerate(slip.provided, 1):
            job.text(t("printer.paper.material", n=n, name=name))
    if slip.bring:
        job.text(t("pre_apply.slip.bring"), bold=True)
        for n, item in enumerate(slip.bring, 1):
            _material(job, t, n, item)
    job.text(t("pre_apply.slip.originals"))
    job.rule()
    if slip.place:
        job.text(t("printer.checklist.place", place=slip.place))
    _phone(job, t, slip.phone)
    job.qr(slip.qr)
    job.text(t("pre_apply.slip.scan"), align="center")
    job.text(t("printer.receipt.keep"), align="center")
    job.cut()
    return job.bytes()
