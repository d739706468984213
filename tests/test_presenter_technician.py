"""The technician's window texts without Qt (core/presenters/technician.py): each diagnostic report, as
``core.services.diagnostics`` returns it, in the technician's words with its raw log lines."""

from __future__ import annotations

from core.i18n import Translator
from core.presenters.technician import (
    card_texts,
    not_configured_text,
    outbox_refresh_due,
    outbox_summary,
    platform_lines,
    printer_log_line,
    printer_summary,
    status_line,
)
from core.services.diagnostics import CardReport, DeviceSlot, OutboxReport, PlatformReport, PrinterReport

TR = Translator("en")


def test_a_printer_report_names_its_status_or_its_error_and_logs_the_job():
    ready = PrinterReport("ticket", "virtual://ticket", "ready", job_bytes=812)
    assert printer_summary(TR, ready) == TR("technician.printer.state", name="ticket", url="virtual://ticket",
                                            status=TR("printer.status.ready"))
    assert printer_log_line(ready) == "< ticket: status=ready printed=812 bytes"
    broken = PrinterReport("ticket", "tcp://10.0.0.9:9100", "error", detail="no answer in 2 s")
    assert "no answer in 2 s" in printer_summary(TR, broken)
    assert printer_log_line(broken) == "< ticket: status=error detail=no answer in 2 s"


def test_a_card_report_shows_the_masked_fields_or_why_no_card_was_read():
    record = {"name": "李*", "id_number": "3201**********1230", "photo": None}
    summary, fields, log = card_texts(TR, CardReport(record, ["> 0x30 0x01", "< header only"]))
    assert summary == TR("technician.idcard.read_ok")
    assert fields == "name: 李*\nid_number: 3201**********1230"  # empty values left out
    assert log[:2] == ["> 0x30 0x01", "< header only"] and "李*" in log[2]
    summary, fields, log = card_texts(TR, CardReport(None, [], error="no card in 10 s", error_kind="NoCard"))
    assert summary == TR("technician.idcard.no_card", kind="NoCard", detail="no card in 10 s") and fields == ""
    assert log == ["< NoCard: no card in 10 s"]


def test_the_platform_check_says_reachability_then_the_signature_and_the_clock_skew():
    down = PlatformReport("http://127.0.0.1:9", reachable=False)
    assert platform_lines(TR, down) == [TR("technician.platform.unreachable", url=down.url, ms="-")]
    up = PlatformReport("http://hall", reachable=True, round_trip_ms=12.4, signed_ok=False,
                        signed_detail="bad_signature", skew_s=-95.0, skew_ok=False)
    assert platform_lines(TR, up) == [TR("technician.platform.reachable", url="http://hall", ms="12"),
                                      TR("technician.platform.signed_bad", detail="bad_signature"),
                                      TR("technician.platform.skew_bad", skew="-95.0")]
    no_secret = PlatformReport("http://hall", reachable=True, round_trip_ms=3.0)
    assert platform_lines(TR, no_secret)[1] == TR("technician.platform.no_secret")


def test_the_outbox_summary_and_status_line_count_the_store_and_name_the_oldest():
    report = OutboxReport(queued=1, inflight=0, dead=0, acked=4, oldest_age_s=300.0, bytes_waiting=512,
                          free_bytes=2_500_000_000)
    oldest = TR("technician.outbox.oldest", age=TR("sync.age.minutes", n=5))
    assert outbox_summary(TR, report).endswith(oldest) and "2500" in outbox_summary(TR, report)
    assert status_line(TR, report) == TR("technician.status.line", waiting=1, dead=0) + oldest
    assert status_line(TR, OutboxReport(0, 0, 0, 0, None, 0, 0)) == TR("technician.status.line", waiting=0, dead=0)


def test_a_device_class_without_a_panel_says_whether_it_is_configured():
    assert not_configured_text(TR, DeviceSlot("camera")) == TR(
        "technician.device.not_configured", setting="[devices] camera")
    assert not_configured_text(TR, DeviceSlot("scanner", "zebra", "serial:///dev/ttyACM0")) == TR(
        "technician.device.no_panel", url="serial:///dev/ttyACM0")


def test_the_outbox_is_read_while_its_tab_shows_or_when_no_live_status_area_is_there():
    assert outbox_refresh_due(outbox_tab_shown=True, live_status=True)
    assert outbox_refresh_due(outbox_tab_shown=False, live_status=False)
    assert not outbox_refresh_due(outbox_tab_shown=False, live_status=True)
