"""The papers of intake come out of the window's receipt printer once the record behind them is safe.

``IntakePapers`` (core/services/papers.py) prints the 受理回执 with the case number the platform answered
(kept by the store with the acknowledged record), or — when the platform has not answered in time — with
受理编号待同步 and the record's short id, never a number of its own. A printer fault is reported, not
raised, and the same paper is reprinted later. Real store, real sync engine, the real hall server on
loopback, the receipt printer's simulator over TCP (the ESC/POS driver the terminal uses).
"""

from __future__ import annotations

from datetime import date

import pytest
import zxingcpp
from server_fixtures import COMPANY, MONDAY_10AM, catalogue_matter, fresh_hall, with_catalogue  # noqa: F401
from sync_fixtures import make_engine, reference_client, store, wait_for  # noqa: F401 (fixtures)

from core.config import PrinterConfig
from core.domain import CardType, Identity
from core.domain.codes import CodeKind, classify
from core.domain.intake import Clerk
from core.ports import PrinterStatus
from core.services.application import Application, ApplicationService, Provision
from core.services.guide_shelf import GuideShelf
from core.services.materials import MaterialSet
from core.services.papers import IntakePapers, short_ref
from devices.printer.render import render_image
from kiosk.adapters import OpenedOnFirstUse
from offline_cache.refcache import ReferenceCache
from simulators.printer import PrinterSimulator
from tests.test_printer_ticket import texts

APPLICANT = Identity(CardType.RESIDENT, "李䶮", "320102195503121234")
CLERK = Clerk("S1001", "王𠮷")


@pytest.fixture
def hall(fresh_hall):  # noqa: F811
    return with_catalogue(fresh_hall)


@pytest.fixture
def printer():
    with PrinterSimulator() as sim:
        yield sim


@pytest.fixture
def opened():
    """The window's receipt printers opened by a test, closed after it."""
    printers: list[OpenedOnFirstUse] = []
    yield printers
    for p in printers:
        p.close()


def parts(hall, store, sim, opened):  # noqa: F811
    """A window's application service, papers over its receipt printer, and its sync engine (not started)."""
    engine, _client = make_engine(store, hall.url, hall.secret("window-1"), terminal="window-1")
    client = reference_client(hall, "window-1")
    service = ApplicationService(store)
    receipt_printer = OpenedOnFirstUse(PrinterConfig("receipt", sim.url, width_mm=80), timeout_s=3.0,
                                       device="receipt_printer")
    opened.append(receipt_printer)
    papers = IntakePapers(receipt_printer, applications=service,
                          guides=GuideShelf(ReferenceCache(store, client)).book)
    return service, papers, engine


def accepted(hall, service) -> tuple[Application, str]:
    app = Application(catalogue_matter(hall, COMPANY), "E013", 1)
    for material in ("m1", "m2", "m3", "m4"):
        app.mark(material, Provision.ORIGINAL)
    from server_fixtures import COMPANY_FORM

    record_id = service.accept(app, MaterialSet(""), form=COMPANY_FORM, clerk=CLERK.staff_number, at=MONDAY_10AM)
    return app, record_id


def printed_text(sim) -> str:
    assert sim.wait_for(lambda: sim.jobs()), "nothing reached the printer"
    return "\n".join(texts(sim.jobs()[-1], "gb18030"))


def qr_payloads(job: bytes) -> list[str]:
    """What the QR codes on the paper read back as, from the paper as printed (the renderer)."""
    return [r.text for r in zxingcpp.read_barcodes(render_image(job, 576))]


def test_an_online_receipt_carries_the_platforms_case_number_and_its_tracking_code(hall, store, printer, opened):  # noqa: F811
    """GIVEN a window online WHEN an application is accepted and its receipt printed THEN the receipt waits
    for the platform's answer and prints that case number, with a QR code the kiosk's 办件查询 opens; the
    applicant is masked and the rare characters of the clerk's name survive."""
    service, papers, engine = parts(hall, store, printer, opened)
    app, record_id = accepted(hall, service)
    engine.start()
    try:
        result = papers.receipt(record_id, app=app, applicant=APPLICANT, clerk=CLERK, accepted_at=MONDAY_10AM,
                                wait_s=15.0)
    finally:
        engine.stop()
    assert result.printed and result.case_number and len(result.case_number) == 20
    text = printed_text(printer)
    assert result.case_number in text and "李*" in text and "李䶮" not in text and "320102195503121234" not in text
    [payload] = qr_payloads(printer.jobs()[-1])
    code = classify(payload)
    assert code.kind is CodeKind.RECEIPT and code.fields["tracking"] == result.case_number


def test_offline_the_receipt_names_the_record_and_never_a_number_of_its_own(hall, store, printer, opened):  # noqa: F811
    """GIVEN a window whose platform has not answered WHEN the receipt's bounded wait runs out THEN it prints
    受理编号待同步 with the record's short id and no QR code; the record is still waiting in the outbox."""
    service, papers, _engine = parts(hall, store, printer, opened)
    app, record_id = accepted(hall, service)
    result = papers.receipt(record_id, app=app, applicant=APPLICANT, clerk=CLERK, accepted_at=MONDAY_10AM,
                            wait_s=0.3)
    assert result.printed and result.case_number is None
    text = printed_text(printer)
    assert "受理编号待同步" in text and short_ref(record_id) in text
    assert qr_payloads(printer.jobs()[-1]) == []
    assert store.entry(record_id).state == "queued"


def test_a_printer_out_of_paper_is_reported_and_the_same_receipt_is_reprinted(hall, store, printer, opened):  # noqa: F811
    """GIVEN a receipt printer out of paper WHEN the receipt is printed THEN the result says it did not print
    and why (nothing raised, the record safe); once paper is loaded a reprint gives the same paper."""
    service, papers, _engine = parts(hall, store, printer, opened)
    app, record_id = accepted(hall, service)
    printer.set_status(PrinterStatus.PAPER_OUT)
    first = papers.receipt(record_id, app=app, applicant=APPLICANT, clerk=CLERK, accepted_at=MONDAY_10AM,
                           wait_s=0.0)
    assert not first.printed and first.problem_key == "error.printer.paper_out"
    assert store.entry(record_id).state == "queued"
    printer.set_status(PrinterStatus.READY)
    again = papers.reprint(first)
    assert again.printed and again.paper == first.paper
    assert short_ref(record_id) in printed_text(printer)


def test_the_one_time_notice_lists_every_missing_material_under_the_case_number(hall, store, printer, opened):  # noqa: F811
    """GIVEN materials missing WHEN the one-time notice is queued and printed online THEN it carries the case
    number the platform opened in 补正告知 and names every missing material."""
    service, papers, engine = parts(hall, store, printer, opened)
    app = Application(catalogue_matter(hall, COMPANY), "E014", 1)
    app.mark("m1", Provision.ORIGINAL)
    record_id = service.notify(app, clerk=CLERK.staff_number, at=MONDAY_10AM)
    engine.start()
    try:
        result = papers.notice(record_id, app=app, clerk=CLERK, issued_at=MONDAY_10AM, wait_s=15.0)
    finally:
        engine.stop()
    assert result.printed and result.case_number
    text = printed_text(printer)
    assert result.case_number in text
    for missing in app.missing():
        assert missing.name in text


def test_no_receipt_printer_configured_is_said_not_raised(hall, store):  # noqa: F811
    """GIVEN a window without a receipt printer WHEN a checklist is asked for THEN the answer says it was not
    printed (device not found); nothing is raised."""
    client = reference_client(hall, "window-1")
    papers = IntakePapers(None, applications=ApplicationService(store),
                          guides=GuideShelf(ReferenceCache(store, client)).book)
    result = papers.checklist(COMPANY)
    assert not result.printed and result.problem_key == "error.device.not_found"
    assert result.paper.matter.code == COMPANY


def test_the_terminal_counts_promised_dates_on_the_platforms_calendar(hall, store):  # noqa: F811
    """GIVEN the hall's calendar on the platform WHEN a terminal reads the catalogue THEN its guide book holds
    the same calendar (2026's National Day off, its make-up Saturday worked), so a receipt's promised date is
    the date the platform promises."""
    client = reference_client(hall, "window-1")
    calendar = GuideShelf(ReferenceCache(store, client)).book().calendar
    assert calendar.knows(date(2026, 10, 1))
    assert not calendar.is_working_day(date(2026, 10, 1)) and calendar.is_working_day(date(2026, 10, 10))


def test_a_matter_that_asks_for_one_gets_its_a4_notice_of_acceptance_kept_beside_the_receipt(hall, store, printer,
                                                                                             opened, tmp_path):  # noqa: F811
    """GIVEN a matter whose guide asks for an A4 受理通知书 WHEN its receipt prints (here before the platform
    answered) THEN a one-page A4 PDF of the same content is kept for the office printer, named by the
    record, holding the applicant masked only; a window's old notices are removed after a week."""
    import os
    import re
    import time

    from kiosk.app import PAPERS_KEPT_DAYS, document_keeper

    folder = tmp_path / "papers"
    folder.mkdir()
    stale = folder / "受理通知书-old.pdf"
    stale.write_bytes(b"%PDF-1.4 old")
    old = time.time() - (PAPERS_KEPT_DAYS + 1) * 86400
    os.utime(stale, (old, old))
    service, papers, _engine = parts(hall, store, printer, opened)
    papers.keep_document = document_keeper(folder)
    app, record_id = accepted(hall, service)
    result = papers.receipt(record_id, app=app, applicant=APPLICANT, clerk=CLERK, accepted_at=MONDAY_10AM,
                            wait_s=0.0)
    assert result.printed and result.document.endswith(f"受理通知书-{short_ref(record_id)}.pdf")
    pdf = open(result.document, "rb").read()
    assert pdf.startswith(b"%PDF") and b"320102195503121234" not in pdf
    box = re.search(rb"/MediaBox \[ ?0 0 ([0-9.]+) ([0-9.]+) ?\]", pdf)
    assert box and abs(float(box[1]) / float(box[2]) - 210 / 297) < 0.01 and pdf.count(b"/Type /Page\n") <= 1
    assert not stale.exists() and not list(folder.glob("*.part"))
