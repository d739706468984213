"""Intake end to end, on the services every window uses, against the real hall server on loopback.

Each test is one flow as a hall runs it, with the real parts in between: the catalogue the platform serves
(through the terminal's reference cache), the encrypted outbox and its sync engine, the platform opening
the case, the receipt printer's simulator over TCP (the ESC/POS bytes decoded back, the QR code read off the
rendered paper), and the kiosk's 办件查询 reading the case by that code.

- search → guide → form → materials → accept → receipt → tracking by the receipt's QR;
- a one-time notice → a case in 补正告知 the citizen can track;
- a kiosk's 自助申报 → its slip's code → the clerk opens it and accepts it → the same case, accepted.
"""

from __future__ import annotations

import uuid

import numpy as np
import pytest
import zxingcpp
from server_fixtures import (COMPANY, COMPANY_FORM, MONDAY_10AM, STAFF_PIN, catalogue_matter,  # noqa: F401
                             fresh_hall, with_catalogue)
from sync_fixtures import make_engine, reference_client, wait_for

from core.config import PrinterConfig
from core.domain import CardType, Identity
from core.domain.appointments import CaseState
from core.domain.codes import CodeKind, classify, pre_application_payload
from core.domain.intake import Clerk
from core.services.application import Application, ApplicationService, Provision
from core.services.guide_shelf import GuideShelf
from core.services.materials import MaterialSet
from core.services.papers import IntakePapers
from devices.printer.render import render_image
from kiosk.adapters import OpenedOnFirstUse
from offline_cache import Store
from offline_cache.refcache import ReferenceCache
from platform_client.appointments import AppointmentsClient
from platform_client.cases import CasesClient
from simulators.printer import PrinterSimulator
from tests.test_printer_ticket import texts

APPLICANT = Identity(CardType.RESIDENT, "李䶮", "11010519491231002X")
CLERK = Clerk("S1001", "王𠮷")


@pytest.fixture
def hall(fresh_hall):  # noqa: F811
    return with_catalogue(fresh_hall)


class Terminal:
    """One terminal's store, sync engine, catalogue and papers (its receipt printer: a simulator over TCP)."""

    def __init__(self, hall, terminal_id: str, path, printer: PrinterSimulator) -> None:
        self.store = Store(path / terminal_id, margin_bytes=0)
        self.engine, _client = make_engine(self.store, hall.url, hall.secret(terminal_id), terminal=terminal_id)
        self.service = ApplicationService(self.store)
        self.guides = GuideShelf(ReferenceCache(self.store, reference_client(hall, terminal_id)))
        self.printer = OpenedOnFirstUse(PrinterConfig("receipt", printer.url, width_mm=80), timeout_s=3.0,
                                        device="receipt_printer")
        self.papers = IntakePapers(self.printer, applications=self.service, guides=self.guides.book)
        self.engine.start()

    def close(self) -> None:
        self.engine.stop()
        self.printer.close()
        self.store.close()


@pytest.fixture
def terminals(hall, tmp_path):
    made: list[Terminal] = []
    sims: list[PrinterSimulator] = []

    def make(terminal_id: str) -> tuple[Terminal, PrinterSimulator]:
        sim = PrinterSimulator().start()
        sims.append(sim)
        made.append(Terminal(hall, terminal_id, tmp_path, sim))
        return made[-1], sim

    yield make
    for t in made:
        t.close()
    for s in sims:
        s.stop()


def paper(sim: PrinterSimulator) -> tuple[str, list[str]]:
    """The last paper printed: its text, and what its QR codes read back as."""
    assert sim.wait_for(lambda: sim.jobs(), timeout_s=5.0), "nothing was printed"
    job = sim.jobs()[-1]
    return "\n".join(texts(job, "gb18030")), [r.text for r in zxingcpp.read_barcodes(render_image(job, 576))]


def page() -> np.ndarray:
    """A captured page: white paper with a few lines of text-like ink."""
    image = np.full((600, 420, 3), 245, np.uint8)
    image[80:90, 40:380] = 30
    image[120:130, 40:300] = 30
    return image


def test_search_guide_form_materials_accept_receipt_and_tracking_by_the_receipts_qr(hall, terminals):
    """GIVEN a clerk at window 1 WHEN they find the matter by its initials, fill its form, capture a page,
    check the originals and accept THEN the receipt printed carries the platform's case number and the
    masked applicant, its QR code reads back as that case's receipt code, and the kiosk's 办件查询 finds the
    case accepted with its promised date — while the platform holds the captured page."""
    window, printer = terminals("window-1")
    book = window.guides.book()
    hit = book.search("qykb")[0]
    guide = book.get(hit.code)
    assert hit.code == COMPANY and guide.form is not None
    assert guide.form.validate({}) != [] and guide.form.validate(COMPANY_FORM) == []

    app = Application(catalogue_matter(hall, hit.code), "E013", 1)
    materials = MaterialSet(app.matter.name)
    app.attach_pages("m1", [materials.add(page()).id])
    for material in ("m2", "m3", "m4"):
        app.mark(material, Provision.ORIGINAL)
    assert app.missing() == []
    record_id = window.service.accept(app, materials, form=COMPANY_FORM, clerk=CLERK.staff_number, at=MONDAY_10AM)
    receipt = window.papers.receipt(record_id, app=app, applicant=APPLICANT, clerk=CLERK, accepted_at=MONDAY_10AM,
                                    wait_s=15.0)

    assert receipt.printed and receipt.case_number
    text, codes = paper(printer)
    assert receipt.case_number in text and "李*" in text and "李䶮" not in text and "王𠮷" in text
    assert [classify(c).kind for c in codes] == [CodeKind.RECEIPT]
    tracking = classify(codes[0]).fields["tracking"]
    case = AppointmentsClient(hall.client("kiosk-1")).case(tracking)
    assert case.state is CaseState.ACCEPTED and case.matter_code == COMPANY and case.promised_on is not None
    stored = hall.store.stored_record("window-1", record_id)
    assert len(stored["attachments"]) == 1 and stored["content"]["form"] == COMPANY_FORM


def test_a_one_time_notice_is_printed_and_the_citizen_tracks_it(hall, terminals):
    """GIVEN materials missing WHEN the clerk gives the one-time notice THEN it prints under the case number
    the platform opened, naming every missing material, and that number tracks as 补正告知 at the kiosk."""
    window, printer = terminals("window-1")
    app = Application(catalogue_matter(hall, COMPANY), "E014", 1)
    app.mark("m1", Provision.ORIGINAL)
    record_id = window.service.notify(app, clerk=CLERK.staff_number, at=MONDAY_10AM)
    notice = window.papers.notice(record_id, app=app, clerk=CLERK, issued_at=MONDAY_10AM, wait_s=15.0)

    assert notice.printed and notice.case_number
    text, _codes = paper(printer)
    assert notice.case_number in text and all(m.name in text for m in app.missing())
    case = AppointmentsClient(hall.client("kiosk-1")).case(notice.case_number)
    assert case.state is CaseState.NOTICE_GIVEN


def test_a_kiosk_pre_application_is_opened_from_its_slip_and_accepted_at_the_window(hall, terminals):
    """GIVEN a citizen's 自助申报 at the kiosk WHEN the clerk scans the slip's code THEN the clerk sees the
    form as the citizen filled it (nothing retyped), and accepting it moves the same case from 待受理 to
    已受理."""
    kiosk, _kiosk_printer = terminals("kiosk-1")
    window, printer = terminals("window-1")
    app = Application(catalogue_matter(hall, COMPANY))
    record_id = kiosk.service.pre_apply(app, MaterialSet(app.matter.name), form=COMPANY_FORM, at=MONDAY_10AM)
    slip = classify(pre_application_payload(record_id))
    assert wait_for(lambda: kiosk.service.case_number(record_id) is not None)

    client = hall.client("window-1")
    session = client.login(1, "S1001", STAFF_PIN)
    review = CasesClient(client).pre_application(session, slip.fields["record_id"])
    assert review.form == COMPANY_FORM and review.case.state is CaseState.PRE_APPLICATION_WAITING
    at_window = Application(catalogue_matter(hall, review.matter_code), "E015", 1)
    for material in ("m1", "m2", "m3", "m4"):
        at_window.mark(material, Provision.ORIGINAL)
    accepted = window.service.accept(at_window, MaterialSet(""), form=review.form, clerk=CLERK.staff_number,
                                     at=MONDAY_10AM, pre_application=review.case.tracking, version=review.version)
    receipt = window.papers.receipt(accepted, app=at_window, applicant=APPLICANT, clerk=CLERK,
                                    accepted_at=MONDAY_10AM, wait_s=15.0)
    assert receipt.case_number == review.case.tracking == kiosk.service.case_number(record_id)
    assert AppointmentsClient(hall.client("kiosk-1")).case(review.case.tracking).state is CaseState.ACCEPTED
    assert review.case.tracking in paper(printer)[0]
    assert uuid.UUID(record_id)
