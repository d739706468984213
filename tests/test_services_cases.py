"""From the terminal to a case: ``ApplicationService.accept``, ``notify`` and ``pre_apply`` enqueue records in
the terminal's encrypted store, the sync engine delivers them, and the hall server opens the cases; the
clerk's ``CasesClient`` reviews a pre-application and withdraws a case. Real store in tmp_path, real
engine, the real hall server on loopback (its clock on a Monday at 10:00)."""

from __future__ import annotations

import numpy as np
import pytest
from server_fixtures import (COMPANY, COMPANY_FORM, MONDAY_10AM, STAFF_PIN, catalogue_matter,  # noqa: F401
                             fresh_hall, with_catalogue)
from sync_fixtures import make_engine, store, wait_for  # noqa: F401 (fixtures)

from core.domain.appointments import CaseState
from core.errors import PlatformConflict
from core.services.application import Application, ApplicationService, Provision
from core.services.materials import MaterialSet
from platform_client.appointments import AppointmentsClient
from platform_client.cases import CasesClient

FORM = COMPANY_FORM


@pytest.fixture
def hall(fresh_hall):  # noqa: F811
    return with_catalogue(fresh_hall)


def company(hall):
    return catalogue_matter(hall)


def page(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (400, 300, 3), dtype=np.uint8)


def deliver(hall, store, terminal: str, record_id: str) -> str:  # noqa: F811
    """Runs the terminal's sync engine until the record is acknowledged; the case number the server gave."""
    engine, client = make_engine(store, hall.url, hall.secret(terminal), terminal=terminal)
    engine.start()
    try:
        assert wait_for(lambda: store.entry(record_id).state == "acked")
    finally:
        engine.stop(5.0)
        client.close()
    row = hall.store._con().execute("SELECT tracking FROM case_records WHERE terminal_id = ? AND record_id = ?",
                                    (terminal, record_id)).fetchone()
    return row[0]


def test_an_accepted_application_with_a_rongque_item_becomes_a_case(hall, store):  # noqa: F811
    """GIVEN a clerk who checked m1 and m3, captured two pages of m2 and accepts m4 to follow later (容缺)
    WHEN the application is accepted and synced THEN the platform opens one case in 已受理 with the clerk,
    the window and tomorrow's promised date."""
    app = Application(company(hall), "E012", 1)
    app.mark("m1", Provision.ORIGINAL)
    app.mark("m3", Provision.ORIGINAL)
    materials = MaterialSet(company(hall).name)
    app.attach_pages("m2", [materials.add(page(1)).id, materials.add(page(2)).id])
    record_id = ApplicationService(store).accept(app, materials, form=FORM, clerk="S1001",
                                                 at=MONDAY_10AM, deficiencies=["m4"])
    content = store.load(record_id).content
    assert content["materials"] == [{"id": "m1", "pages": 0}, {"id": "m2", "pages": 2}, {"id": "m3", "pages": 0}]

    number = deliver(hall, store, "window-1", record_id)

    case = AppointmentsClient(hall.client("kiosk-1")).case(number)
    assert case.state is CaseState.ACCEPTED and case.promised_on.isoformat() == "2026-11-24"
    assert [(s.actor, s.window) for s in case.history] == [("S1001", 1)]


def test_a_notice_names_every_missing_material_and_opens_a_buzheng_case(hall, store):  # noqa: F811
    """GIVEN an application missing m2, m3 and m4 WHEN the clerk gives the one-time notice THEN the record
    names all three and the platform's case is in 补正告知; with nothing missing there is nothing to notify."""
    app = Application(company(hall), "E013", 1)
    app.mark("m1", Provision.ORIGINAL)
    service = ApplicationService(store)
    record_id = service.notify(app, clerk="S1001", at=MONDAY_10AM)
    assert store.load(record_id).content["missing"] == ["m2", "m3", "m4"]
    number = deliver(hall, store, "window-1", record_id)
    assert AppointmentsClient(hall.client("kiosk-1")).case(number).state is CaseState.NOTICE_GIVEN
    for material in ("m2", "m3", "m4"):
        app.mark(material, Provision.ORIGINAL)
    with pytest.raises(ValueError):
        service.notify(app, clerk="S1001", at=MONDAY_10AM)


def test_a_clerk_reviews_a_kiosk_pre_application_accepts_it_and_can_withdraw_it(hall, store, tmp_path):  # noqa: F811
    """GIVEN a 自助申报 made at a kiosk with a captured page WHEN the clerk opens the slip's code THEN the
    matter, version, form data and captured page are there; accepted with an application that names it,
    the same number is 已受理; withdrawn, it is 已撤回 and cannot be withdrawn twice."""
    from offline_cache import Store

    kiosk_app = Application(company(hall))
    materials = MaterialSet(company(hall).name)
    kiosk_app.attach_pages("m3", [materials.add(page(3)).id])
    record_id = ApplicationService(store).pre_apply(kiosk_app, materials, form=FORM, at=MONDAY_10AM)
    code = deliver(hall, store, "kiosk-1", record_id)

    platform = hall.client("window-1")
    session = platform.login(1, "S1001", STAFF_PIN)
    cases = CasesClient(platform)
    pre = cases.pre_application(session, code)
    assert (pre.matter_code, pre.version, pre.outdated, pre.materials) == (COMPANY, company(hall).version, False,
                                                                            {"m3": 1})
    assert pre.form == FORM and len(pre.attachments) == 1
    assert pre.case.state is CaseState.PRE_APPLICATION_WAITING

    window_store = Store(tmp_path / "window", margin_bytes=0)
    try:
        app = Application(company(hall), "E014", 1)
        for material in ("m1", "m2", "m3", "m4"):
            app.mark(material, Provision.ORIGINAL)
        accepted = ApplicationService(window_store).accept(app, MaterialSet(company(hall).name), version=pre.version,
                                                           form=pre.form, clerk="S1001", at=MONDAY_10AM,
                                                           pre_application=code)
        assert deliver(hall, window_store, "window-1", accepted) == code
    finally:
        window_store.close()

    withdrawn = cases.withdraw(session, code, "申请人要求撤回")
    assert [s.state for s in withdrawn.history] == [CaseState.PRE_APPLICATION_WAITING, CaseState.ACCEPTED,
                                                    CaseState.WITHDRAWN]
    with pytest.raises(PlatformConflict):
        cases.withdraw(session, code, "again")
