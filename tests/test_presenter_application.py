"""The clerk's application page rules without Qt: ``ApplicationPresenter`` over the real matter catalogue
(the hall server on loopback, through the terminal's reference cache), a real encrypted store and pages
in a real ``MaterialSet``; its calls run inline."""

from __future__ import annotations

import numpy as np
import pytest

from core.domain import Outcome
from core.domain.identity import CardType, Identity
from core.domain.intake import Clerk
from core.presenters import run_inline
from core.presenters.application import ApplicationPresenter, Finished
from core.services.application import ApplicationService, MatterCatalogue, Provision
from offline_cache import Store
from offline_cache.refcache import ReferenceCache
from platform_client.sync import SyncClient

USCC = "91320100MA1XY8K12E"
ID_ELICENCE = f"DZZZ:JMSFZ:{USCC}:320102199001011234"
RETIREMENT = "320100-QR-0007"  # m1 ID card (e-licence), m2 application form, m3 personal file: all required
PAGE = np.full((420, 300, 3), 235, np.uint8)
APPLICANT = Identity(CardType.RESIDENT, "李䶮", "11010519491231002X")
RETIREMENT_FORM = {"employer": "示例市第一中学", "retire_date": "2026-12-01", "bank_card": "6222020200112233445",
                   "phone": "13912345678"}


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "terminal", margin_bytes=0)
    yield s
    s.close()


def presenter_over(store, url: str, secret: str) -> tuple[ApplicationPresenter, SyncClient]:
    client = SyncClient(url, "W-03", secret, timeout_s=1.0)
    presenter = ApplicationPresenter(ApplicationService(store), MatterCatalogue(ReferenceCache(store, client)),
                                     run_inline, window=3, applicant=lambda: APPLICANT,
                                     clerk=lambda: Clerk("S1003", "陈思远"))
    presenter.seen = []
    presenter.events.subscribe(presenter.seen.append)
    return presenter, client


@pytest.fixture
def page(hall, store):
    """The page for ticket C001, the catalogue loaded, the retirement matter chosen."""
    presenter, client = presenter_over(store, hall.server.url, hall.secrets["W-03"])
    presenter.load_catalogue()
    presenter.set_ticket("C001", "C")
    presenter.choose(presenter.index_of(RETIREMENT))
    yield presenter
    presenter.close()
    client.close()


def test_the_ticket_service_matters_come_first_and_a_new_ticket_starts_afresh(page):
    """GIVEN the page for a C ticket THEN the C matters come first, marked; WHEN pages were captured and
    the next ticket comes THEN the pages are wiped and the application starts again."""
    assert page.matters[0].service == "C" and page.matter_names()[0].startswith("● ")
    assert page.app.matter.code == RETIREMENT and page.app.ticket_number == "C001"
    page.materials.add(PAGE)
    page.pages_changed("m2")
    page.set_ticket("C002", "C")
    assert len(page.materials) == 0 and page.app.ticket_number == "C002" and page.app.provided == {}
    view = page.checklist()
    assert view.title == page.tr("materials.title", number="C002")
    assert page.app.matter == page.matters[0]  # the first matter of the service, until another is chosen
    assert [row.material_id for row in view.rows] == [m.id for m in page.app.matter.materials]
    assert all(row.text.startswith("☐ ") for row in view.rows)


def test_a_scanned_e_licence_ticks_its_material_and_anything_else_is_refused(page):
    page.scan(f"DZZZ:YYZZ:{USCC}:320100000123456")  # a business licence: no material asks for it
    assert page.message.text == "该电子证照与本事项所需材料不对应" and page.message.role == "problem"
    page.scan("not a code")
    assert page.message.text == "扫描的不是电子证照二维码"
    page.scan(ID_ELICENCE)
    assert page.app.provided["m1"] is Provision.ELICENCE and page.message.role == "notice"
    assert page.checklist().rows[0].text.startswith("✔ ")


def test_new_pages_go_to_the_selected_material_and_an_id_copy_to_the_identity_material(page):
    page.materials.add(PAGE)
    page.pages_changed("m2")
    assert page.app.provided["m2"] is Provision.CAPTURED and len(page.app.pages["m2"]) == 1
    page.materials.add_id_card_copy(PAGE, PAGE)
    page.pages_changed(None)
    assert page.app.provided["m1"] is Provision.CAPTURED
    page.materials.add(PAGE)
    page.pages_changed(None)  # not a copy, nothing selected: the first material that is not identity
    assert len(page.app.pages["m2"]) == 2
    page.clear_material("m2")
    assert "m2" not in page.app.provided and len(page.materials) == 1


def test_accept_needs_everything_required_and_a_valid_form_and_queues_one_record_before_finishing(page, store):
    """GIVEN required materials missing THEN only the notice is possible; WHEN all are provided and the form
    (its name and ID number filled from the card) is completed THEN accept is possible, and accepting queues
    one application record with the form data, says so and publishes ``Finished(ACCEPTED, its id)``."""
    view = page.checklist()
    assert not view.can_accept and view.can_give_notice and view.missing.startswith("尚缺必需材料：")
    page.accept()
    assert store.entries() == []  # refused: something is missing
    page.scan(ID_ELICENCE)
    page.materials.add(PAGE)
    page.pages_changed("m2")
    page.mark_original("m3")
    view = page.checklist()
    assert not view.can_accept and not view.can_give_notice and view.missing == page.tr("materials.complete")
    assert view.accept_hint == page.tr("application.hint.form")
    form = page.intake.form
    assert form.value("name") == "李䶮" and form.field("name").locked
    for name, value in RETIREMENT_FORM.items():
        form.set(name, value)
    assert page.checklist().can_accept
    page.accept()
    [entry] = store.entries()
    assert Finished(Outcome.ACCEPTED, entry.record_id) in page.seen and not page.busy
    assert page.message.text == page.tr("application.accepted", number="C001")
    record = store.load(entry.record_id)
    assert record.kind == "application" and record.content["clerk"] == "S1003"
    assert record.content["form"] == {"name": "李䶮", "id_number": APPLICANT.id_number, **RETIREMENT_FORM}
    assert [a["label"] for a in record.attachments] == ["m2"]


def test_the_one_time_notice_queues_a_notice_record_of_what_is_missing(page, store):
    page.scan(ID_ELICENCE)
    page.give_notice()
    assert page.message.text == page.tr("materials.notice_given", list="职工退休申请表、本人档案")
    [entry] = store.entries()
    assert Finished(Outcome.MATERIALS_MISSING, entry.record_id) in page.seen
    assert store.load(entry.record_id).content["missing"] == ["m2", "m3"]


def test_without_the_platform_or_a_cached_copy_the_catalogue_is_said_unavailable(hall, store):
    presenter, client = presenter_over(store, "http://127.0.0.1:9", hall.secrets["W-03"])
    try:
        presenter.load_catalogue()
        assert presenter.catalogue_note == presenter.tr("materials.catalogue.unavailable")
        presenter.set_ticket("C001", "C")
        view = presenter.checklist()
        assert presenter.app is None and view.matter_info == presenter.tr("materials.no_matter")
        assert not (view.can_accept or view.can_give_notice or view.can_edit)
    finally:
        client.close()


def test_a_matter_whose_form_is_malformed_says_so_and_its_materials_still_work(hall, store):
    """GIVEN a catalogue (the terminal's cached copy, the platform unreachable) where one matter's form is
    not a form WHEN the clerk takes that matter THEN the page says its form cannot be used, accept is not
    possible, and its materials can still be checked and the one-time notice given."""
    client = SyncClient(hall.server.url, "W-03", hall.secrets["W-03"], timeout_s=1.0)
    try:
        body = ReferenceCache(store, client).get("matters").body
    finally:
        client.close()
    broken = next(m for m in body["matters"] if m["code"] == RETIREMENT)
    broken["form"] = {"schema": "not a schema", "ui": []}
    store.ref_put("matters", body, "etag-of-a-bad-copy")
    presenter, offline = presenter_over(store, "http://127.0.0.1:9", hall.secrets["W-03"])
    try:
        presenter.load_catalogue()
        presenter.set_ticket("C003", "C")
        presenter.choose(presenter.index_of(RETIREMENT))
        assert presenter.intake is not None and not presenter.intake.usable and presenter.intake.form is None
        view = presenter.checklist()
        assert view.form_note == presenter.tr("application.form.unusable") and not view.can_accept
        presenter.scan(ID_ELICENCE)
        assert presenter.app.provided["m1"] is Provision.ELICENCE
        assert presenter.checklist().can_give_notice
        presenter.give_notice()
        [entry] = store.entries()
        assert store.load(entry.record_id).content["missing"] == ["m2", "m3"]
    finally:
        presenter.close()
        offline.close()
