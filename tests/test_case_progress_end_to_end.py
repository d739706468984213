"""A case's life after acceptance, end to end against the real hall server on loopback: a clerk accepts an
application at window 1 (``ApplicationService.accept``, the encrypted outbox and its sync engine), the
platform opens the case; back-office staff move it on over the days that follow; the kiosk's 办件查询
(``CodeService`` over the platform client, the hall calendar from its cached catalogue, the tracking page's
presenter) shows each step in words with its date and whether the promise is kept, and the applicant got
one text message a step with no ID number and no name in it."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from server_fixtures import (COMPANY, COMPANY_FORM, MONDAY_10AM, STAFF_PIN, catalogue_matter,  # noqa: F401
                             fresh_hall, with_catalogue)
from sync_fixtures import make_engine, wait_for

from core.clock import hall_now
from core.domain.appointments import CaseState
from core.i18n import Translator
from core.presenters.case_timeline import case_progress
from core.services.application import Application, ApplicationService, Provision
from core.services.codes import CodeService
from core.services.guide_shelf import GuideShelf
from core.services.materials import MaterialSet
from offline_cache import Store
from offline_cache.refcache import ReferenceCache
from platform_client.appointments import AppointmentsClient
from platform_client.cases import CasesClient
from platform_client.sync import SyncClient

ZH = Translator("zh_CN")


@pytest.fixture
def hall(fresh_hall):  # noqa: F811
    return with_catalogue(fresh_hall)


@pytest.fixture
def window_store(hall, tmp_path):
    store = Store(tmp_path / "window-1", margin_bytes=0)
    engine, _ = make_engine(store, hall.url, hall.secret("window-1"), terminal="window-1")
    engine.start()
    yield store
    engine.stop()
    store.close()


@pytest.fixture
def kiosk(hall, tmp_path):
    """The kiosk's code service: cases from the platform, the hall calendar from its cached catalogue."""
    store = Store(tmp_path / "kiosk-1", margin_bytes=0)
    client = SyncClient(hall.url, "kiosk-1", hall.secret("kiosk-1"))
    guides = GuideShelf(ReferenceCache(store, client))
    yield CodeService(AppointmentsClient(hall.client("kiosk-1")), calendar=lambda: guides.book().calendar)
    client.close()
    store.close()


def accept(hall, window_store) -> str:
    app = Application(catalogue_matter(hall, COMPANY), "E013", 1)
    materials = MaterialSet(app.matter.name)
    page = np.full((600, 420, 3), 245, np.uint8)
    page[80:90, 40:380] = 30
    app.attach_pages("m1", [materials.add(page).id])
    for material in ("m2", "m3", "m4"):
        app.mark(material, Provision.ORIGINAL)
    service = ApplicationService(window_store)
    record_id = service.accept(app, materials, form=COMPANY_FORM, clerk="S1001", at=MONDAY_10AM)
    assert wait_for(lambda: service.case_number(record_id) is not None), "the platform never opened the case"
    return service.case_number(record_id)


def tracked(hall, kiosk, number: str):
    """What the kiosk's tracking page says of the receipt's code today (the hall's service day)."""
    outcome = kiosk.resolve(f"HALL:R:{number}", request_id="unused")
    assert outcome.calendar is not None and outcome.calendar.knows(MONDAY_10AM.date())  # the hall's, not weekends alone
    today = hall_now("Asia/Shanghai", hall.clock).date()
    return outcome.case, case_progress(outcome.case, today=today, calendar=outcome.calendar)


def steps(progress) -> list[str]:
    return [f"{s.day} {s.words.render(ZH)}".strip() for s in progress.steps if s.done]


def test_an_accepted_application_is_moved_on_by_staff_and_the_kiosk_shows_every_step(hall, window_store, kiosk):
    """GIVEN an application accepted at window 1 on Monday 23 November (promised in one working day)
    WHEN a clerk at window 3 reviews it that day, it is still under review on Wednesday (late), approved
    then, ready at window 5 on Thursday and collected by a proxy THEN the kiosk shows after each move the
    state, the steps done with their dates, the lateness, where to collect, and the number whole; the
    notices file holds one message a step with no ID number or name."""
    number = accept(hall, window_store)
    case, progress = tracked(hall, kiosk, number)
    assert case.state is CaseState.ACCEPTED and steps(progress) == ["2026-11-23 窗口受理了您的申请"]
    assert progress.number.render(ZH) == f"办件编号 {number}"
    assert progress.timing.render(ZH) == "距承诺办结日期还有 1 个工作日"

    clerk = hall.client("window-3")
    cases = CasesClient(clerk)
    session = clerk.login(3, "S1003", STAFF_PIN)
    cases.review(session, number)
    assert steps(tracked(hall, kiosk, number)[1])[-1] == "2026-11-23 开始审核"

    hall.clock.set(MONDAY_10AM + timedelta(days=2))  # Wednesday: one working day past the promise
    _, progress = tracked(hall, kiosk, number)
    assert progress.late and progress.timing.param("n") == 1

    session = clerk.login(3, "S1003", STAFF_PIN)  # a clerk's session lasts the day
    cases.decide(session, number, "approved")
    _, progress = tracked(hall, kiosk, number)
    assert steps(progress)[-1] == "2026-11-25 审核通过，准予许可"
    assert progress.timing.render(ZH) == "办结时已超过承诺期限 1 个工作日"

    hall.clock.set(MONDAY_10AM + timedelta(days=3))
    session = clerk.login(3, "S1003", STAFF_PIN)
    cases.result_ready(session, number, "window", window=5)
    _, progress = tracked(hall, kiosk, number)
    assert progress.state.render(ZH) == "待领取" and progress.pickup.render(ZH) == "请带上身份证和回执到 5 号窗口领取"

    cases.collected(session, number, "proxy")
    case, progress = tracked(hall, kiosk, number)
    assert case.state is CaseState.PICKED_UP
    assert steps(progress) == ["2026-11-23 窗口受理了您的申请", "2026-11-23 开始审核", "2026-11-25 审核通过，准予许可",
                               "2026-11-26 办理结果可以领取", "2026-11-26 办理结果已领取"]

    sent = hall.store.notifier.read()
    assert [n["state"] for n in sent] == ["accepted", "in_review", "approved", "ready_for_pickup", "picked_up"]
    raw = hall.store.notifier.path.read_text(encoding="utf-8")
    assert COMPANY_FORM["legal_rep_id"] not in raw and COMPANY_FORM["legal_rep"] not in raw
