"""The kiosk's 自助申报 flow, without Qt: card → form → materials → review → submit → slip.

Real parts throughout: the sample hall's guides and forms, the encrypted store's outbox, the printer driver
over TCP to the printer simulator. The runner is the test's own (``StepRunner``): a test looks at what the
screen would show while a call is in flight, then lets it run.
"""

from __future__ import annotations

import numpy as np
import pytest

from core.config import PrinterConfig
from core.domain import CardType, Identity
from core.ports.printer import PrinterStatus
from core.presenters.pre_application import PreApplicationPresenter, Step
from core.services.application import ApplicationService, Provision
from core.services.guide import GuideBook
from core.services.slip import SlipService
from kiosk.adapters import OpenedOnFirstUse
from offline_cache import Store, StoreFull
from simulators.printer import PrinterSimulator
from simulators.sample_data import matter
from tests.intake_support import ACCEPTED
from tests.presenter_support import StepRunner
from tests.test_printer_ticket import texts

RENT = "320100-GG-0004"  # 住房公积金提取（租房）: name and ID number from the card, bank card, amount, phone
COMPANY = "320100-XK-0018"  # 有限责任公司设立登记: every field kind
NOT_SELF_SERVICE = "320100-XK-0001"
LI = Identity(CardType.RESIDENT, "李䶮", "11010519491231002X")
WANG = Identity(CardType.RESIDENT, "王𠮷", "320102195503121234")
ID_ELICENCE = "DZZZ:JMSFZ:91320100MA1XY8K12E:11010519491231002X"
PAGE = np.full((420, 300, 3), 235, np.uint8)


def guide(code: str):
    return GuideBook.from_catalogue({"matters": [matter(code)]}).guides[code]


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "kiosk", margin_bytes=0)
    yield s
    s.close()


@pytest.fixture
def printer():
    sim = PrinterSimulator().start()
    driver = OpenedOnFirstUse(PrinterConfig("receipt", sim.url, width_mm=80), timeout_s=3.0, device="receipt_printer")
    yield sim, driver
    driver.close()
    sim.stop()


@pytest.fixture
def flow(store, printer):
    runner = StepRunner()
    applications = ApplicationService(store)
    presenter = PreApplicationPresenter(applications, SlipService(applications, printer[1]), runner.run,
                                        now=lambda: ACCEPTED, case_wait_s=0.3)
    presenter.runner = runner
    presenter.parts = []
    presenter.events.subscribe(lambda e: presenter.parts.append(e.part))
    return presenter


def fill_rent_form(flow) -> None:
    for path, value in (("bank_card", "6222021234567890123"), ("amount", "5000"), ("phone", "13812345678")):
        flow.form.set(path, value)


def to_review(flow) -> None:
    flow.start(guide(RENT))
    flow.card_placed(LI)
    fill_rent_form(flow)
    flow.next()
    assert flow.step is Step.MATERIALS
    flow.next()
    assert flow.step is Step.REVIEW


def test_only_a_matter_the_guide_allows_and_that_has_a_form_takes_a_pre_application(flow):
    assert PreApplicationPresenter.allowed(guide(RENT)) and PreApplicationPresenter.allowed(guide(COMPANY))
    assert not PreApplicationPresenter.allowed(guide(NOT_SELF_SERVICE))
    with pytest.raises(ValueError):
        flow.start(guide(NOT_SELF_SERVICE))
    assert flow.step is None


def test_the_card_fills_the_card_fields_and_locks_them(flow):
    """GIVEN the card step WHEN a card is read THEN the form opens with name and ID number filled and locked,
    and the other fields empty and editable."""
    flow.start(guide(RENT))
    assert flow.step is Step.IDENTIFY
    assert flow.card_placed(LI)
    assert flow.step is Step.FORM
    name, number, phone = flow.form.field("name"), flow.form.field("id_number"), flow.form.field("phone")
    assert flow.form.value("name") == "李䶮" and name.locked and number.locked and name.source
    assert flow.form.value("phone") is None and not phone.locked


def test_the_company_form_of_every_field_kind_steps_through_with_the_applicant_from_the_card(flow):
    flow.start(guide(COMPANY))
    flow.card_placed(LI)
    assert flow.form.steps == 3 and flow.form.step == 0
    assert flow.form.value("applicant_name") == "李䶮" and flow.form.field("applicant_id").locked
    flow.next()
    assert flow.step is Step.FORM and flow.form.step == 0, "an incomplete step does not move on"
    assert flow.form.shown_problems(), "and says what is missing"


def test_next_on_the_last_form_step_goes_on_only_when_the_whole_form_validates(flow):
    flow.start(guide(RENT))
    flow.card_placed(LI)
    flow.form.set("phone", "123")
    flow.next()
    assert flow.step is Step.FORM and flow.form.problem("phone")
    fill_rent_form(flow)
    flow.next()
    assert flow.step is Step.MATERIALS


def test_materials_are_pages_taken_for_the_chosen_material_or_a_scanned_e_licence(flow):
    """GIVEN the materials step WHEN an e-licence of the ID card is scanned and two pages are taken for the
    rental contract THEN both materials are handed in, and deleting the pages unticks the contract."""
    to_review(flow)
    flow.back()
    assert flow.step is Step.MATERIALS
    assert flow.scan(ID_ELICENCE) == "materials.scan.matched"
    assert flow.application.provided["m1"] is Provision.ELICENCE
    assert flow.scan("not a licence") == "materials.scan.not_elicence"
    flow.choose_material("m2")
    pages = [flow.materials.add(PAGE).id for _ in range(2)]
    assert flow.application.pages["m2"] == pages
    rows = {row[0]: row for row in flow.material_rows()}
    assert rows["m1"][2] == "已扫电子证照" and rows["m2"][2] == "已拍摄 2 页" and rows["m3"][2] == ""
    for page_id in pages:
        flow.materials.delete(page_id)
    assert "m2" not in flow.application.provided


def test_the_review_shows_what_will_be_sent_with_the_id_number_masked(flow):
    to_review(flow)
    rows = dict(flow.review_rows())
    assert rows[flow.form.label("id_number")] == "1101**********002X"
    assert rows[flow.form.label("name")] == "李䶮" and rows[flow.form.label("bank_card")] == "6222021234567890123"
    assert "11010519491231002X" not in rows.values()


def test_a_form_that_does_not_validate_never_leaves_the_terminal(flow, store):
    """GIVEN the review WHEN the form has become invalid and submit is pressed THEN nothing is queued, the
    form opens at the step with the problem, and the problem shows."""
    to_review(flow)
    flow.form.set("amount", "0")
    flow.submit()
    assert flow.step is Step.FORM and flow.form.problem("amount")
    assert flow.runner.pending == [] and store.counts().waiting == 0


def test_submit_commits_to_the_outbox_before_the_citizen_is_told_then_the_slip_prints(flow, store, printer):
    """GIVEN a valid form and a page WHEN submitted THEN while the store commits the screen says so; once it
    committed, the record is in the outbox and the flow is done; then the slip prints: 编号待同步 (no platform
    answered within the bounded wait) with the record's short id, and the masked applicant."""
    sim, _driver = printer
    to_review(flow)
    flow.submit()
    assert flow.step is Step.SUBMITTING and flow.runner.pending == ["pre_apply"] and store.counts().waiting == 0
    flow.runner.step()
    assert flow.step is Step.DONE and store.counts().waiting == 1 and flow.record_id
    assert store.load(flow.record_id).content["form"] == flow.form.data()
    assert flow.printing and flow.runner.pending == ["issue"]
    flow.runner.step()
    assert not flow.printing and flow.printed.printed and flow.case_number is None
    assert sim.wait_for(lambda: sim.jobs(), timeout_s=5.0)
    lines = texts(sim.jobs()[-1], "gb18030")
    assert "办件编号待同步" in lines and f"申报记录：{flow.short_id}" in lines and "申请人：李*" in lines
    assert not any("李䶮" in line or "11010519491231002X" in line for line in lines)


def test_a_printer_out_of_paper_leaves_the_record_safe_and_the_short_id_on_screen(flow, store, printer):
    sim, _driver = printer
    sim.set_status(PrinterStatus.PAPER_OUT)
    to_review(flow)
    flow.submit()
    flow.runner.settle()
    assert flow.step is Step.DONE and store.counts().waiting == 1
    assert not flow.printed.printed and flow.printed.problem_key == "pre_apply.print.failed"
    sim.set_status(PrinterStatus.READY)
    flow.reprint()
    flow.runner.settle()
    assert flow.printed.printed and sim.wait_for(lambda: sim.jobs(), timeout_s=5.0)


def test_a_store_that_cannot_commit_tells_the_citizen_nothing_was_sent_and_lets_them_retry(flow, store):
    to_review(flow)
    store.margin_bytes = store.free_bytes() + 1  # as if the disk were full
    flow.submit()
    flow.runner.settle()
    assert flow.step is Step.PROBLEM and isinstance(flow.problem, StoreFull) and store.counts().waiting == 0
    store.margin_bytes = 0
    flow.submit()
    flow.runner.step()
    assert flow.step is Step.DONE and store.counts().waiting == 1


def test_a_retry_after_an_answer_lost_to_a_timeout_keeps_one_record(flow, store):
    """GIVEN a commit that finished while its answer was lost (the worker timed out) WHEN the citizen presses
    重新提交 THEN the retry names the same record and the outbox holds it once; going back to change the data
    makes the next submit a new record."""
    to_review(flow)
    flow.submit()
    task = flow.runner.queue.pop(0)
    task.fn(*task.args, **task.kwargs)  # the store committed…
    task.on_error(TimeoutError("the worker's bounded wait ran out"))  # …but the answer never came back
    assert flow.step is Step.PROBLEM and store.counts().waiting == 1
    flow.submit()
    flow.runner.step()
    assert flow.step is Step.DONE and store.counts().waiting == 1 and flow.record_id == task.kwargs["record_id"]


def test_wiping_forgets_the_person_and_ignores_answers_still_on_their_way(flow, store):
    """GIVEN a submission in flight WHEN the idle timeout wipes the flow THEN the identity, the values and
    the pages are gone, "ended" is published, and the late answer changes nothing on screen."""
    to_review(flow)
    flow.back()
    flow.materials.add(PAGE)
    materials = flow.materials
    flow.next()
    flow.submit()
    flow.wipe()
    assert flow.step is None and flow.identity is None and flow.form is None and len(materials) == 0
    assert flow.parts[-1] == "ended"
    flow.runner.settle()
    assert flow.step is None and flow.record_id is None and flow.parts[-1] == "ended"


def test_another_person_s_card_ends_the_flow_and_the_same_person_s_is_ignored(flow):
    flow.start(guide(RENT))
    flow.card_placed(LI)
    assert flow.card_placed(LI) and flow.step is Step.FORM
    assert not flow.card_placed(WANG)
    assert flow.step is None and flow.parts[-1] == "ended"


def test_back_walks_every_step_and_from_the_form_returns_to_the_card_forgetting_it(flow):
    to_review(flow)
    flow.back()
    assert flow.step is Step.MATERIALS
    flow.back()
    assert flow.step is Step.FORM
    flow.back()
    assert flow.step is Step.IDENTIFY and flow.identity is None and flow.form.value("name") is None
