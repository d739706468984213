"""The technician's window without Qt: what each diagnostic result says, in the technician's words.

Every function takes a ``Translator`` and a report of ``core.services.diagnostics`` and returns text:
a summary line for the tab, and the raw log lines (frames, statuses, JSON) that go under it. The window
(ui/technician.py) runs the checks on its worker and puts these texts in its widgets.

``outbox_refresh_due``: the outbox is read every few seconds while its tab is shown, or always when the
window has no live status area (no engine in this process): then the bottom line shows the counts.
"""

from __future__ import annotations

import json

from core.i18n import Translator, keys_for
from core.ports.printer import PrinterStatus
from core.presenters.outbox import format_age
from core.services.diagnostics import CardReport, DeviceSlot, OutboxReport, PlatformReport, PrinterReport


STATUS_KEYS = keys_for("printer.status.", PrinterStatus)


def oldest_text(tr: Translator, r: OutboxReport) -> str:
    """"; oldest 5 min ago" while records wait, else nothing."""
    return "" if r.oldest_age_s is None else tr("technician.outbox.oldest", age=format_age(tr, r.oldest_age_s))


def not_configured_text(tr: Translator, slot: DeviceSlot) -> str:
    if slot.configured:
        return tr("technician.device.no_panel", url=slot.address)
    return tr("technician.device.not_configured", setting=f"[devices] {slot.kind}")


def printer_summary(tr: Translator, report: PrinterReport) -> str:
    status = tr(f"printer.status.{report.status}") if report.status != "error" else report.detail
    return tr("technician.printer.state", name=report.name, url=report.url, status=status)


def printer_log_line(report: PrinterReport) -> str:
    line = f"< {report.name}: status={report.status}"
    if report.job_bytes:
        line += f" printed={report.job_bytes} bytes"
    if report.detail:
        line += f" detail={report.detail}"
    return line


def card_texts(tr: Translator, report: CardReport) -> tuple[str, str, list[str]]:
    """(summary, the card's fields one per line — masked by the service —, log lines)."""
    log = list(report.raw)
    if report.record is None:
        log.append(f"< {report.error_kind}: {report.error}")
        return tr("technician.idcard.no_card", kind=report.error_kind, detail=report.error), "", log
    log.append("< " + json.dumps(report.record, ensure_ascii=False))
    fields = "\n".join(f"{k}: {v}" for k, v in report.record.items() if v is not None)
    return tr("technician.idcard.read_ok"), fields, log


def platform_lines(tr: Translator, r: PlatformReport) -> list[str]:
    lines = [tr("technician.platform.reachable" if r.reachable else "technician.platform.unreachable",
                url=r.url, ms="-" if r.round_trip_ms is None else f"{r.round_trip_ms:.0f}")]
    if r.reachable:
        if r.signed_ok is None:
            lines.append(tr("technician.platform.no_secret"))
        else:
            lines.append(tr("technician.platform.signed_ok" if r.signed_ok else "technician.platform.signed_bad",
                            detail=r.signed_detail))
        if r.skew_s is not None:
            lines.append(tr("technician.platform.skew_ok" if r.skew_ok else "technician.platform.skew_bad",
                            skew=f"{r.skew_s:+.1f}"))
    return lines


def platform_log_line(r: PlatformReport) -> str:
    return "< " + json.dumps({k: getattr(r, k) for k in r.__dataclass_fields__}, ensure_ascii=False)


def outbox_summary(tr: Translator, r: OutboxReport) -> str:
    """The counts, free disk and the oldest record's age; then a line per salvage of a damaged store."""
    summary = tr("technician.outbox.summary", queued=r.queued, inflight=r.inflight, dead=r.dead, acked=r.acked,
                 bytes=r.bytes_waiting, free=r.free_bytes // 1_000_000) + oldest_text(tr, r)
    return summary + "".join("\n" + tr("technician.outbox.salvaged", at=s["at"], saved=s["saved"],
                                        expected=s["expected"], lost=s["lost"], kept_as=s["kept_as"])
                             for s in r.salvage)


def status_line(tr: Translator, r: OutboxReport) -> str:
    """The bottom line when no live status area is there."""
    return tr("technician.status.line", waiting=r.queued + r.inflight, dead=r.dead) + oldest_text(tr, r)


def outbox_refresh_due(*, outbox_tab_shown: bool, live_status: bool) -> bool:
    return outbox_tab_shown or not live_status
