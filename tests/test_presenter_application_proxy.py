"""Registering the people who may collect the result (代领人) at the window's 受理, without Qt.

The clerk presses 登记代领人, the proxy places their own ID card on the window's reader, and the card is
taken as a proxy's, not as a new applicant's; 受理 then names them in the application record, and the
platform knows them again when they collect at the pickup window or at the locker's kiosk (hall_server/
collectors.py). The presenter runs over the real catalogue (the hall server on loopback), a real encrypted
store and its sync engine; its calls run inline."""

from __future__ import annotations

from datetime import date

import pytest
from sync_fixtures import make_engine, wait_for
from test_presenter_application import APPLICANT, ID_ELICENCE, PAGE, RETIREMENT, RETIREMENT_FORM, presenter_over

from core.domain.identity import CardType, Identity
from core.i18n import Translator
from core.presenters.application_proxy import MAX_PROXIES, ProxyRegister
from hall_server.collectors import collector_role
from offline_cache import Store

PROXY = Identity(CardType.RESIDENT, "王𠮷", "110105198001010011")
SECOND = Identity(CardType.RESIDENT, "张三", "110105198202020022")


def register(applicant=APPLICANT, today=date(2026, 11, 23)) -> tuple[ProxyRegister, list[int]]:
    changes: list[int] = []
    proxies = ProxyRegister(Translator("zh_CN"), applicant=lambda: applicant, today=lambda: today,
                            on_change=lambda: changes.append(1))
    return proxies, changes


def test_a_card_is_a_proxy_s_only_after_the_clerk_asked_for_one_and_shows_masked():
    """GIVEN the register WHEN a card is read without 登记代领人 THEN it is not taken (the window treats it
    as the applicant's); WHEN the clerk asks and a card is read THEN it is taken once, shown with the name
    and number masked, and the next card is the applicant's again."""
    proxies, changes = register()
    assert proxies.offer(PROXY) is False and proxies.ids() == []
    proxies.arm()
    assert proxies.view().waiting
    assert proxies.offer(PROXY) is True
    view = proxies.view()
    assert not view.waiting and view.problem == "" and proxies.ids() == [PROXY.id_number]
    assert view.rows == ("王*  1101**********0011",) and "𠮷" not in view.rows[0]
    assert proxies.offer(SECOND) is False, "one card per request"
    assert changes


@pytest.mark.parametrize("card, reason", [
    (APPLICANT, "这是申请人本人的身份证，不必登记为代领人"),
    (Identity(CardType.RESIDENT, "赵四", "110105197001010033", valid_to=date(2026, 1, 1)), "此身份证已过期，不能登记为代领人"),
    (Identity(CardType.FOREIGN_PERMANENT_2023, "Anna Li", "ANNA-LI/2024"),
     "此证件不能用于自助取件：代领人请持申请人的授权委托书到窗口领取"),
])
def test_cards_that_cannot_collect_are_refused_with_a_reason_and_nothing_kept(card, reason):
    """The applicant's own card, an expired card and a number the platform cannot keep are refused."""
    proxies, _ = register()
    proxies.arm()
    assert proxies.offer(card) is True  # taken (not the applicant's next card) but refused
    assert proxies.ids() == [] and proxies.view().problem == reason


def test_the_same_person_twice_and_a_sixth_proxy_are_refused():
    proxies, _ = register()
    people = [Identity(CardType.RESIDENT, f"代领{i}", f"11010519800101{i:03d}1") for i in range(MAX_PROXIES)]
    for person in people:
        proxies.arm()
        proxies.offer(person)
    assert len(proxies.ids()) == MAX_PROXIES and not proxies.view().can_add
    proxies.arm()
    assert not proxies.view().waiting and proxies.view().problem == "最多登记 5 位代领人"
    proxies.remove(0)
    proxies.arm()
    proxies.offer(people[1])
    assert proxies.view().problem == "此人已登记为代领人" and len(proxies.ids()) == MAX_PROXIES - 1


def test_another_applicant_s_card_clears_the_people_registered_for_the_first():
    """GIVEN a proxy registered for 李䶮 WHEN another person's card becomes the applicant's THEN the register
    is empty: a proxy is always someone this applicant named."""
    current = [APPLICANT]
    proxies = ProxyRegister(Translator("zh_CN"), applicant=lambda: current[0], today=lambda: date(2026, 11, 23))
    proxies.arm()
    proxies.offer(PROXY)
    proxies.applicant_changed()
    assert proxies.ids() == [PROXY.id_number], "the same applicant's card read again changes nothing"
    current[0] = SECOND
    proxies.applicant_changed()
    assert proxies.ids() == [] and not proxies.view().waiting


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "terminal", margin_bytes=0)
    yield s
    s.close()


def test_the_proxies_go_with_the_accepted_application_and_the_platform_knows_them_again(hall, store):
    """GIVEN the retirement matter ready to accept for 李䶮 WHEN the clerk registers 王𠮷 as a proxy and
    accepts THEN the record names the proxy's number, the register is empty for the next application, and
    once the record synced the platform holds 王𠮷's card as the case's proxy (and 李䶮's as applicant)."""
    page, client = presenter_over(store, hall.server.url, hall.secrets["W-03"])
    try:
        page.load_catalogue()
        page.set_ticket("C001", "C")
        page.choose(page.index_of(RETIREMENT))
        page.scan(ID_ELICENCE)
        page.materials.add(PAGE)
        page.pages_changed("m2")
        page.mark_original("m3")
        for name, value in RETIREMENT_FORM.items():
            page.intake.form.set(name, value)
        page.proxies.arm()
        assert page.proxies.offer(PROXY)
        page.accept()
        [entry] = store.entries()
        record = store.load(entry.record_id)
        assert record.content["proxy_ids"] == [PROXY.id_number]
        assert record.content["applicant_id"] == APPLICANT.id_number
        assert page.proxies.ids() == [], "the next application starts with nobody registered"
    finally:
        page.close()
        client.close()

    engine, sync_client = make_engine(store, hall.server.url, hall.secrets["W-03"], terminal="W-03")
    engine.start()
    try:
        assert wait_for(lambda: store.case_for(entry.record_id) is not None, timeout_s=10.0)
        tracking = store.case_for(entry.record_id).number
        con = hall.server.store._con()
        assert collector_role(hall.server.store, con, tracking, PROXY.id_number) == "proxy"
        assert collector_role(hall.server.store, con, tracking, APPLICANT.id_number) == "applicant"
    finally:
        engine.stop()
