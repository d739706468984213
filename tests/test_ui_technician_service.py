"""The technician's checks (core/services/diagnostics.py) without Qt, over the real adapters built by the
composition root: virtual printers, the ID-card reader simulator on loopback, the hall server on loopback
(and a dead port), the terminal's encrypted store."""

from __future__ import annotations

import pytest
from test_services_queue_support import start_hall, unused_port

from simulators.idcard_cards import SAMPLE_CARDS, with_check_digit
from simulators.idcard import IdCardSimulator
from devices.printer.virtual import lookup
from core import config
from kiosk.app import build_terminal
from core.ports import PrinterStatus
from core.ports.outbox import RecordKind


def technician_config(url: str, data_dir, *, secret: str = "", reader: str = "", scanner: str = "") -> config.Config:
    return config.parse({
        "role": "technician", "terminal_id": "T-01", "hall_id": "3201-0042", "data_dir": str(data_dir),
        "platform": {"url": url, "terminal_secret": secret, "timeout_s": 2.0},
        "printers": {"ticket": {"url": "virtual://tech-ticket"}, "receipt": {"url": "virtual://tech-receipt",
                                                                            "width_mm": 58}},
        "devices": {"ticket_printer": "ticket", "receipt_printer": "receipt", "idcard_reader": reader,
                    "scanner": scanner},
    }, source="test")


@pytest.fixture
def hall(tmp_path):
    h = start_hall(tmp_path / "hall.db")
    h.secrets["T-01"] = h.server.store.add_terminal("T-01", "technician")
    yield h
    h.server.stop()


@pytest.fixture
def reader():
    with IdCardSimulator(thread_name="idcard-sim") as sim:
        yield sim


def test_every_device_class_has_a_slot_configured_or_not(tmp_path):
    """GIVEN printers, a scanner and no reader or camera THEN each class appears once, in order, with
    its address, and the technician role runs no sync engine of its own."""
    terminal = build_terminal(technician_config("http://127.0.0.1:9", tmp_path, scanner="socket://127.0.0.1:9"))
    try:
        slots = {s.kind: s for s in terminal.diagnostics.slots()}
        assert list(slots) == ["ticket_printer", "receipt_printer", "idcard_reader", "scanner", "camera"]
        assert slots["ticket_printer"].address == "virtual://tech-ticket" and slots["receipt_printer"].name == "receipt"
        assert not slots["idcard_reader"].configured and not slots["camera"].configured
        assert slots["scanner"].configured
        assert terminal.sync is not None and terminal.sync.engine is None
    finally:
        terminal.close()


def test_a_test_page_is_printed_and_the_last_job_rendered(tmp_path):
    """GIVEN a virtual ticket printer WHEN the technician asks its status and prints a test page
    THEN the status is ready, the job reached the printer, and the last job renders as a PNG; a printer
    that reports paper out says so instead of printing."""
    terminal = build_terminal(technician_config("http://127.0.0.1:9", tmp_path))
    try:
        diag = terminal.diagnostics
        assert diag.render_last("ticket") is None
        assert diag.printer_status("ticket").status == "ready"
        report = diag.print_test_page("ticket")
        assert report.status == "ready" and report.job_bytes > 200
        assert lookup("tech-ticket").jobs[-1] == diag.last_job("ticket")
        png = diag.render_last("ticket")
        assert png.startswith(b"\x89PNG")
        lookup("tech-receipt") or terminal.printers["receipt"].open()
        lookup("tech-receipt").set_status(PrinterStatus.PAPER_OUT)
        failed = diag.print_test_page("receipt")
        assert failed.status == "error" and "PaperOut" in failed.detail
        assert lookup("tech-receipt").jobs == []
    finally:
        terminal.close()


def test_one_card_is_read_masked_with_its_frames_masked(tmp_path, reader):
    """GIVEN the reader simulator with 李䶮's card on it WHEN the technician reads one card
    THEN the record is masked (name's first character, ID number's ends, birth year only) and the raw
    view shows the frames, the long read answer by its header only."""
    id_number = with_check_digit("32010219550312123")  # the sample card's (simulators/idcard_cards.py)
    reader.place(SAMPLE_CARDS["li_yan"])
    terminal = build_terminal(technician_config("http://127.0.0.1:9", tmp_path, reader=reader.url))
    try:
        report = terminal.diagnostics.read_card(8.0)
    finally:
        terminal.close()
    assert report.error == "", report
    record = report.record
    assert record["name"].startswith("李") and "䶮" not in record["name"]
    assert record["id_number"] != id_number and "*" in record["id_number"]
    assert record["birth_date"].endswith("-**-**")
    assert any(line.startswith("tx ") for line in report.raw)
    assert any("bytes masked" in line for line in report.raw)
    assert id_number.encode("utf-16-le").hex(" ").upper() not in "\n".join(report.raw)  # the text block is UCS-2


def test_no_card_and_no_reader_are_reported_not_raised(tmp_path, reader):
    """GIVEN an empty reader, then a port nobody listens on THEN the report names NoCard, then a
    missing device, with the technician's text."""
    terminal = build_terminal(technician_config("http://127.0.0.1:9", tmp_path, reader=reader.url))
    try:
        empty = terminal.diagnostics.read_card(1.0)
    finally:
        terminal.close()
    assert empty.record is None and empty.error_kind == "NoCard"
    terminal = build_terminal(technician_config("http://127.0.0.1:9", tmp_path,
                                                reader=f"socket://127.0.0.1:{unused_port()}"))
    try:
        missing = terminal.diagnostics.read_card(1.5)
    finally:
        terminal.close()
    assert missing.record is None and missing.error_kind in ("DeviceNotFound", "DeviceTimeout"), missing


def test_the_platform_check_reports_reachability_signature_and_clock_skew(hall, tmp_path):
    """GIVEN the hall server on loopback and the technician terminal's secret
    THEN it answers, the signed request is accepted and the skew is within a second or two; with a
    wrong secret the signed request is refused; with a dead port it is unreachable."""
    terminal = build_terminal(technician_config(hall.server.url, tmp_path, secret=hall.secrets["T-01"]))
    try:
        ok = terminal.diagnostics.check_platform()
    finally:
        terminal.close()
    assert ok.reachable and ok.signed_ok is True and ok.hall == "3201-0042", ok
    assert ok.skew_s is not None and abs(ok.skew_s) <= 2.0 and ok.skew_ok
    terminal = build_terminal(technician_config(hall.server.url, tmp_path, secret="wrong"))
    try:
        bad = terminal.diagnostics.check_platform()
    finally:
        terminal.close()
    assert bad.reachable and bad.signed_ok is False and bad.signed_detail
    terminal = build_terminal(technician_config(f"http://127.0.0.1:{unused_port()}", tmp_path))
    try:
        dead = terminal.diagnostics.check_platform(timeout_s=1.0)
    finally:
        terminal.close()
    assert not dead.reachable and "ConnectionRefused" in dead.detail or "refused" in dead.detail.lower()


def test_the_outbox_report_counts_the_store_of_the_terminal(tmp_path):
    """GIVEN the store of the terminal serviced (same data directory) with two records, one rejected
    THEN the report counts one queued and one dead letter with its reason, and the free disk."""
    terminal = build_terminal(technician_config("http://127.0.0.1:9", tmp_path))
    try:
        store = terminal.sync.store
        keep = store.enqueue(RecordKind.RATING, {"stars": 5})
        dead = store.enqueue(RecordKind.RATING, {"stars": 1})
        store.mark_dead(dead, "record_conflict: other content")
        report = terminal.diagnostics.outbox()
    finally:
        terminal.close()
    assert report.queued == 1 and report.dead == 1 and report.free_bytes > 0
    assert report.oldest_age_s is not None and report.oldest_age_s < 60
    assert [e.record_id for e in report.dead_letters] == [dead] and keep != dead
    assert report.dead_letters[0].dead_reason.startswith("record_conflict")
