"""The clerk's application page (一窗受理) from search to receipt, without Qt, against the real hall server.

``ApplicationPresenter`` with what a clerk's window gives it: the platform's catalogue through the
terminal's reference cache, an encrypted store and its sync engine, the receipt printer's simulator over TCP
(its ESC/POS bytes decoded back) through ``IntakePapers``, and the platform's pre-applications with the
clerk's session. Its calls run inline (the sync engine on its own thread, as in a window).
"""

from __future__ import annotations

import copy
from datetime import date

import numpy as np
import pytest
from server_fixtures import (COMPANY, COMPANY_FORM, MONDAY_10AM, STAFF_PIN, catalogue_matter,  # noqa: F401
                             fresh_hall, with_catalogue)
from sync_fixtures import make_engine, reference_client, wait_for

from core.config import PrinterConfig
from core.domain import CardType, Identity, Outcome
from core.domain.appointments import CaseState
from core.domain.codes import pre_application_payload
from core.domain.intake import Clerk
from core.ports.printer import PrinterStatus
from core.presenters import run_inline
from core.presenters.application import ApplicationPresenter, Finished
from core.services.application import Application, ApplicationService, MatterCatalogue, Provision
from core.services.guide_shelf import GuideShelf
from core.services.materials import MaterialSet
from core.services.papers import IntakePapers
from core.services.pre_application import PreApplicationDesk
from kiosk.adapters import OpenedOnFirstUse
from offline_cache import Store
from offline_cache.refcache import ReferenceCache
from platform_client.appointments import AppointmentsClient
from platform_client.cases import CasesClient
from simulators.printer import PrinterSimulator
from simulators.sample_data import hall as sample_hall
from tests.test_printer_ticket import texts

APPLICANT = Identity(CardType.RESIDENT, "李䶮", "11010519491231002X")
CLERK = Clerk("S1001", "王𠮷")
SHOP = "320100-XK-0019"  # 个体工商户设立登记: m3 经营场所使用证明 may follow within 5 working days
SHOP_FORM = {"address": "示例市䶮山区政务路 1 号", "capital": 5, "scope": "餐饮服务", "form_of": "个人经营",
             "phone": "13912345678"}
RETIREMENT = "320100-QR-0007"  # a C matter


@pytest.fixture
def hall(fresh_hall):  # noqa: F811
    return with_catalogue(fresh_hall)


class Window:
    """Window 1 of the hall: its store and sync engine, its receipt printer (a simulator), its clerk S1001
    logged in, and the application page's presenter over them."""

    def __init__(self, hall, path, sim: PrinterSimulator | None, paper_wait_s: float = 15.0) -> None:
        self.store = Store(path / "window-1", margin_bytes=0)
        self.engine, self.sync_client = make_engine(self.store, hall.url, hall.secret("window-1"),
                                                    terminal="window-1")
        self.service = ApplicationService(self.store)
        reference = ReferenceCache(self.store, reference_client(hall, "window-1"))
        self.printer = (OpenedOnFirstUse(PrinterConfig("receipt", sim.url, width_mm=80), timeout_s=3.0,
                                         device="receipt_printer") if sim is not None else None)
        self.papers = IntakePapers(self.printer, applications=self.service, guides=GuideShelf(reference).book)
        self.platform = hall.client("window-1")
        self.session = self.platform.login(1, "S1001", STAFF_PIN)
        self.applicant: Identity | None = APPLICANT
        self.page = ApplicationPresenter(
            self.service, MatterCatalogue(reference), run_inline, window=1, applicant=lambda: self.applicant,
            clerk=lambda: CLERK, papers=self.papers, now=lambda: MONDAY_10AM, paper_wait_s=paper_wait_s,
            pre_applications=PreApplicationDesk(CasesClient(self.platform), session=lambda: self.session))
        self.seen: list = []
        self.page.events.subscribe(self.seen.append)
        self.engine.start()
        self.page.load_catalogue()

    def close(self) -> None:
        self.page.close()
        self.engine.stop()
        if self.printer is not None:
            self.printer.close()
        self.store.close()


@pytest.fixture
def printer():
    sim = PrinterSimulator().start()
    yield sim
    sim.stop()


@pytest.fixture
def window(hall, tmp_path, printer):
    w = Window(hall, tmp_path, printer)
    yield w
    w.close()


def fill(form, values: dict) -> None:
    for name, value in values.items():
        form.set(name, value)


def provide_all(page) -> None:
    for spec in page.app.matter.materials:
        if spec.required:
            page.mark_original(spec.id)


def last_paper(sim: PrinterSimulator) -> str:
    assert sim.wait_for(lambda: sim.jobs(), timeout_s=5.0), "nothing was printed"
    return "\n".join(texts(sim.jobs()[-1], "gb18030"))


def test_any_matter_is_found_by_initials_or_pinyin_and_the_tickets_service_comes_first(window):
    """GIVEN a C ticket at the window THEN the C matters are offered first; WHEN the clerk types the initials
    of 个体工商户 (an E matter) THEN it is found and can be taken; pinyin and characters find it too."""
    page = window.page
    page.set_ticket("C001", "C")
    assert page.matters[0].service == "C" and page.app.matter.service == "C"
    page.search("gtgsh")
    assert SHOP in [h.code for h in page.hits]
    page.search("getigongshanghu")
    assert page.hits and page.hits[0].code == SHOP
    page.search("退休")
    assert page.hits[0].code == RETIREMENT  # found by characters; a C matter would be first anyway
    page.choose_code(SHOP)
    assert page.app.matter.code == SHOP and page.app.ticket_number == "C001"
    page.search("")
    assert page.hits == []


def test_the_form_is_prefilled_from_the_id_card_locked_and_accept_waits_for_a_valid_form(window):
    """GIVEN the applicant's card read at the window WHEN the clerk takes a matter THEN its name and ID
    number fields are filled from the card and locked, with the source shown; problems show at the field as
    the clerk types; accept is possible only once the materials are there AND the form is valid."""
    page = window.page
    page.set_ticket("E001", "E")
    page.choose_code(COMPANY)
    form = page.intake.form
    assert form.field("legal_rep").locked and form.value("legal_rep") == "李䶮"
    assert form.field("legal_rep_id").source == form.tr("ui_form.from_id_card")
    form.set("legal_rep", "someone else")
    assert form.value("legal_rep") == "李䶮"  # locked: the card's value stays
    form.set("phone", "12")
    assert form.problem("phone")  # said at the field as soon as it is typed
    view = page.checklist()
    assert not view.can_accept and view.accept_hint == page.tr("application.hint.materials")
    provide_all(page)
    assert page.checklist().accept_hint == page.tr("application.hint.form")
    fill(form, {k: v for k, v in COMPANY_FORM.items() if k not in ("legal_rep", "legal_rep_id")})
    assert form.problem("phone") == "" and page.checklist().can_accept


def test_a_material_the_guide_lets_follow_is_marked_with_its_due_date_and_sent_as_a_deficiency(window, printer):
    """GIVEN a matter whose guide lets 经营场所使用证明 follow within 5 working days WHEN the clerk marks it
    "to follow" THEN it shows its due date on the hall calendar (Monday 23 Nov 2026 + 5 working days), the
    application may be accepted without it, and the record names it as a 容缺 item; a material the guide
    does not let follow cannot be marked."""
    page = window.page
    page.set_ticket("E002", "E")
    page.choose_code(SHOP)
    page.mark_original("m1")
    page.mark_original("m2")
    assert not page.can_follow("m1") and not page.can_follow("m2")
    page.toggle_follow("m2")
    assert page.intake.follow == set()
    fill(page.intake.form, SHOP_FORM)
    assert not page.checklist().can_accept  # m3 still missing
    assert page.can_follow("m3")
    page.toggle_follow("m3")
    row = page.checklist().rows[2]
    assert row.text.startswith("⏳") and page.tr("application.follow.due", date="2026-11-30") in row.text
    assert page.intake.due("m3", date(2026, 11, 23), page.calendar()) == date(2026, 11, 30)
    assert page.checklist().can_accept
    page.accept()
    [entry] = window.store.entries(("queued", "inflight", "dead", "acked"))
    record = window.store.load(entry.record_id)
    assert record.kind == "application" and record.content["deficiencies"] == ["m3"]
    assert record.content["form"]["name"] == "李䶮" and record.content["clerk"] == "S1001"
    assert "2026-11-30" in last_paper(printer)  # the receipt names the date it is due


def test_accept_queues_the_application_then_prints_the_receipt_with_the_platforms_case_number(window, hall,
                                                                                          printer):
    """GIVEN a ticket, the materials and a valid form WHEN the clerk accepts THEN exactly one application
    record is queued (form, its version, the clerk, the hall clock's time), ``Finished(ACCEPTED, its id)``
    is published, the sync engine takes it to the platform, which opens the case, and the receipt printed
    on the window's printer carries that case number, which the page shows too; the page starts a fresh
    application of the same matter, so nothing can be accepted twice."""
    page = window.page
    page.set_ticket("E003", "E")
    page.choose_code(COMPANY)
    provide_all(page)
    fill(page.intake.form, COMPANY_FORM)
    page.accept()
    [entry] = window.store.entries(("queued", "inflight", "dead", "acked"))
    assert Finished(Outcome.ACCEPTED, entry.record_id) in window.seen
    record = window.store.load(entry.record_id)
    assert record.kind == "application" and record.content["form"] == COMPANY_FORM
    assert record.content["version"] == catalogue_matter(hall, COMPANY).version
    assert record.content["accepted_at"] == MONDAY_10AM.isoformat() and record.content["ticket_number"] == "E003"
    result = page.paper.result
    assert result.printed and result.case_number and not page.paper.can_reprint
    assert result.case_number in last_paper(printer)
    text, role = page.paper_text()
    assert page.tr("application.paper.number", number=result.case_number) in text and role == "notice"
    assert AppointmentsClient(hall.client("kiosk-1")).case(result.case_number).state is CaseState.ACCEPTED
    assert page.app.matter.code == COMPANY and page.app.provided == {} and not page.checklist().can_accept
    page.accept()
    assert len(window.store.entries(("queued", "inflight", "dead", "acked"))) == 1


def test_a_printer_fault_is_told_with_a_reprint_and_the_record_is_neither_lost_nor_duplicated(window, printer):
    """GIVEN the receipt printer out of paper WHEN the clerk accepts THEN the application is queued all the
    same, the page says the receipt did not print and offers a reprint; WHEN paper is loaded and the clerk
    reprints THEN the same receipt prints and there is still exactly one record."""
    page = window.page
    printer.set_status(PrinterStatus.PAPER_OUT)
    page.set_ticket("E004", "E")
    page.choose_code(COMPANY)
    provide_all(page)
    fill(page.intake.form, COMPANY_FORM)
    page.accept()
    assert not page.paper.result.printed and page.paper.can_reprint
    number = page.paper.result.case_number
    text, role = page.paper_text()
    assert role == "problem" and page.tr("application.action.reprint") in text
    printer.set_status(PrinterStatus.READY)
    page.reprint()
    assert page.paper.result.printed and not page.paper.can_reprint
    assert len(window.store.entries(("queued", "inflight", "dead", "acked"))) == 1
    assert page.paper.result.case_number == number  # the same paper, under the same number
    if number:
        assert number in last_paper(printer)


def test_the_one_time_notice_queues_a_notice_record_and_prints_it(window, printer):
    """GIVEN required materials missing WHEN the clerk gives the one-time notice THEN one notice record
    naming them is queued, ``Finished(MATERIALS_MISSING, its id)`` published, and the notice printed names
    every missing material."""
    page = window.page
    page.set_ticket("E005", "E")
    page.choose_code(COMPANY)
    page.mark_original("m1")
    view = page.checklist()
    assert view.can_give_notice and not view.can_accept
    page.give_notice()
    [entry] = window.store.entries(("queued", "inflight", "dead", "acked"))
    record = window.store.load(entry.record_id)
    assert record.kind == "notice" and record.content["missing"] == ["m2", "m3", "m4"]
    assert Finished(Outcome.MATERIALS_MISSING, entry.record_id) in window.seen
    paper = last_paper(printer)
    assert all(m.name in paper for m in page.paper.result.job.app.missing())


def test_a_slip_scanned_at_the_window_opens_the_pre_application_and_accepting_moves_the_same_case(
        window, hall, tmp_path, printer):
    """GIVEN a citizen's 自助申报 synced from the kiosk WHEN the clerk scans its slip THEN the page takes its
    matter, the form holds the citizen's data, the material captured at the kiosk counts as received;
    accepting sends the case number so the same case moves from 待受理 to 已受理, and the receipt carries it."""
    kiosk_store = Store(tmp_path / "kiosk-1", margin_bytes=0)
    engine, _client = make_engine(kiosk_store, hall.url, hall.secret("kiosk-1"), terminal="kiosk-1")
    engine.start()
    try:
        app = Application(catalogue_matter(hall, COMPANY))
        pages = MaterialSet(app.matter.name)
        app.attach_pages("m1", [pages.add(np.full((600, 420, 3), 245, np.uint8)).id])
        record_id = ApplicationService(kiosk_store).pre_apply(app, pages, form=COMPANY_FORM, at=MONDAY_10AM)
        assert wait_for(lambda: ApplicationService(kiosk_store).case_number(record_id) is not None)
        kiosk_case = ApplicationService(kiosk_store).case_number(record_id)
    finally:
        engine.stop()
        kiosk_store.close()
    page = window.page
    page.set_ticket("E006", "E")
    page.scan(pre_application_payload(record_id))
    assert page.pre is not None and page.app.matter.code == COMPANY
    assert page.message.text.startswith(page.tr("application.pre.opened", number=kiosk_case))
    assert page.intake.form.data() == COMPANY_FORM
    assert page.app.provided == {"m1": Provision.KIOSK}
    assert page.checklist().rows[0].text.endswith(page.tr("materials.provided.kiosk", n=1))
    for material in ("m2", "m3", "m4"):
        page.mark_original(material)
    assert page.checklist().can_accept
    page.accept()
    assert page.paper.result.case_number == kiosk_case
    [entry] = window.store.entries(("queued", "inflight", "dead", "acked"))
    content = window.store.load(entry.record_id).content
    assert content["pre_application"] == kiosk_case and {"id": "m1", "pages": 0} in content["materials"]
    assert kiosk_case in last_paper(printer)


def test_a_slip_the_platform_does_not_know_yet_is_said_plainly(window):
    """GIVEN a slip whose record the kiosk has not synced WHEN it is scanned THEN the clerk is told it may
    not be synced yet, and the application is untouched."""
    page = window.page
    page.set_ticket("E007", "E")
    before = page.app
    page.scan(pre_application_payload("0b7e6a52-9d1c-4a57-8f7e-2a4c1e9b3d10"))
    assert page.message.text == page.tr("application.pre.not_found") and page.message.role == "problem"
    assert page.app is before and page.pre is None


def test_a_record_refused_as_outdated_is_said_and_the_catalogue_is_read_again(hall, tmp_path, printer, request):
    """GIVEN the page's catalogue loaded WHEN the platform's form changes (a new version) and the clerk
    accepts on the old one THEN the platform refuses the record (form_outdated), the page says so, and it
    reads the catalogue again so the next application is on the current form."""
    from hall_server.api.matters import load_matters

    window = Window(hall, tmp_path, printer, paper_wait_s=3.0)
    request.addfinalizer(window.close)
    page = window.page
    page.set_ticket("E008", "E")
    page.choose_code(COMPANY)
    old = page.app.matter.version
    data = copy.deepcopy(sample_hall())
    entry = next(m for m in data["matters"] if m["code"] == COMPANY)
    entry["version"] = "2027.1"
    load_matters(hall.store, data)
    provide_all(page)
    fill(page.intake.form, COMPANY_FORM)
    page.accept()
    assert page.paper.result.refusal == "form_outdated"
    text, role = page.paper_text()
    assert page.tr("application.refused.form_outdated") in text and role == "problem"
    assert page.app.matter.version == "2027.1" != old


def test_the_composition_root_gives_the_clerks_page_its_papers_and_pre_applications(hall, tmp_path, printer):
    """GIVEN a clerk's terminal built by the composition root (kiosk/app.py) for window 1 with its receipt
    printer WHEN the clerk is logged in THEN a kiosk's 自助申报 opens through the terminal's
    ``pre_applications`` with that clerk's session, and accepting it on the page the terminal's parts make
    prints the receipt with the case number on the window's printer."""
    from core import config
    from kiosk.app import build_terminal

    kiosk_store = Store(tmp_path / "kiosk-1", margin_bytes=0)
    engine, _client = make_engine(kiosk_store, hall.url, hall.secret("kiosk-1"), terminal="kiosk-1")
    engine.start()
    try:
        app = Application(catalogue_matter(hall, COMPANY))
        record_id = ApplicationService(kiosk_store).pre_apply(app, MaterialSet(""), form=COMPANY_FORM, at=MONDAY_10AM)
        assert wait_for(lambda: ApplicationService(kiosk_store).case_number(record_id) is not None)
    finally:
        engine.stop()
        kiosk_store.close()
    cfg = config.parse({
        "role": "clerk", "terminal_id": "window-1", "hall_id": "3201-0042", "data_dir": str(tmp_path / "w1"),
        "window": {"number": 1}, "platform": {"url": hall.url, "terminal_secret": hall.secret("window-1"),
                                              "timeout_s": 2.0},
        "printers": {"receipt": {"url": printer.url}}, "devices": {"receipt_printer": "receipt"},
    }, source="test")
    terminal = build_terminal(cfg, sync_options={"probe_interval_s": 0.2, "backoff_base_s": 0.1,
                                                 "backoff_max_s": 0.5, "idle_check_s": 0.3})
    try:
        terminal.sync.start()
        terminal.clerk.login("S1001", STAFF_PIN)
        page = ApplicationPresenter(terminal.application, terminal.catalogue, run_inline, window=1,
                                    applicant=lambda: APPLICANT, clerk=lambda: CLERK, papers=terminal.papers,
                                    pre_applications=terminal.pre_applications, now=lambda: MONDAY_10AM,
                                    paper_wait_s=15.0)
        page.load_catalogue()
        page.scan(pre_application_payload(record_id))
        assert page.pre is not None and page.intake.form.data() == COMPANY_FORM
        case = page.pre.case.tracking
        for material in ("m1", "m2", "m3", "m4"):
            page.mark_original(material)
        page.accept()
        assert page.paper.result.printed and page.paper.result.case_number == case
        assert page.paper.result.case_number in last_paper(printer)
        page.close()
    finally:
        terminal.close()



def test_a_pre_application_on_an_older_form_opens_on_the_current_one_with_its_data_kept(hall, tmp_path, window):
    """GIVEN a 自助申报 filled in on the form the catalogue served then WHEN the platform's form changes
    (a new version) and the clerk opens the slip THEN the clerk is told it was filled in on an older form,
    the form is the current one with the citizen's data kept where it still validates, and accepting it is
    taken by the platform (on the current version)."""
    from hall_server.api.matters import load_matters

    kiosk_store = Store(tmp_path / "kiosk-1", margin_bytes=0)
    engine, _client = make_engine(kiosk_store, hall.url, hall.secret("kiosk-1"), terminal="kiosk-1")
    engine.start()
    try:
        app = Application(catalogue_matter(hall, COMPANY))
        record_id = ApplicationService(kiosk_store).pre_apply(app, MaterialSet(""), form=COMPANY_FORM, at=MONDAY_10AM)
        assert wait_for(lambda: ApplicationService(kiosk_store).case_number(record_id) is not None)
    finally:
        engine.stop()
        kiosk_store.close()
    data = copy.deepcopy(sample_hall())
    next(m for m in data["matters"] if m["code"] == COMPANY)["version"] = "2027.1"
    load_matters(hall.store, data)
    page = window.page
    page.load_catalogue()  # the window reads the catalogue again (as it does at login)
    page.set_ticket("E009", "E")
    page.scan(pre_application_payload(record_id))
    assert page.pre is not None and page.pre.outdated
    assert page.tr("application.pre.outdated") in page.message.text and page.message.role == "problem"
    assert page.intake.version == "2027.1" and page.intake.form.data() == COMPANY_FORM
    assert page.checklist().form_note == page.tr("application.pre.outdated")
    case = page.pre.case.tracking
    provide_all(page)
    page.accept()
    assert page.paper.result.case_number == case  # the platform took it: the same case moved on
    [entry] = window.store.entries(("queued", "inflight", "dead", "acked"))
    assert window.store.load(entry.record_id).content["version"] == "2027.1"
    assert wait_for(lambda: window.store.entry(entry.record_id).state == "acked")
