"""Identity in the queue services (no Qt): the kiosk takes a number for an identified person, the clerk's
applicant lives as long as the ticket, the log never shows the person unmasked, and the composition root
opens the configured reader. Against the real hall server on loopback; identities are parsed from the
sample cards' real text blocks (simulators/idcard_cards.py)."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import date

import pytest
from test_services_queue_support import STAFF_PIN, unused_port

from simulators.idcard_cards import SAMPLE_CARDS
from simulators.idcard import IdCardSimulator
from devices.idcard.text import parse_text
from core import config
from kiosk.app import build_terminal
from core.domain import Outcome
from core.domain.identity import mask_name
from core.logs import MaskingFilter, mask_text
from core.ports.idcard import ReaderState
from core.services.identity import applicant_fields, card_expired, is_elderly, same_person
from core.services.queue import ApplicantChanged, ClerkQueueService, IdentityChanged, KioskQueueService

TODAY = date(2026, 11, 21)


def card(key: str):
    sample = SAMPLE_CARDS[key]
    return parse_text(sample.text, sample.photo)


@pytest.fixture
def kiosk(hall):
    client = hall.client("K-01")
    service = KioskQueueService(client, None)
    yield service
    service.wipe()
    client.close()


@pytest.fixture
def clerk(hall):
    client = hall.client("W-03")
    service = ClerkQueueService(client, 3)
    yield service
    if service.session is not None:
        service.logout()
    client.close()


# --- the kiosk ---------------------------------------------------------------------------------------


def test_an_identified_person_gets_one_waiting_ticket_per_service_and_a_reprint_on_the_second_try(kiosk):
    """GIVEN 欧阳娜娜 identified by her card WHEN she takes a number for A twice (two presses, two
    request ids) THEN the second answer is the same number as a reprint; another service is a new number."""
    kiosk.identify(card("ouyang_nana"))
    first = kiosk.issue(kiosk.new_request("A"), without_print=True).ticket
    again = kiosk.issue(kiosk.new_request("A"), without_print=True).ticket
    other = kiosk.issue(kiosk.new_request("C"), without_print=True).ticket
    assert (first.reprint, again.reprint) == (False, True)
    assert again.number == first.number
    assert other.number != first.number and not other.reprint
    assert not first.priority  # born 1990


def test_the_birth_date_on_the_card_gives_elderly_priority(kiosk):
    """GIVEN 李䶮 (born 1955) identified WHEN a number is taken THEN it is a priority ticket, and an
    anonymous number for the same service is not."""
    kiosk.identify(card("li_yan"))
    elderly = kiosk.issue(kiosk.new_request("A"), without_print=True).ticket
    kiosk.wipe()
    anonymous = kiosk.issue(kiosk.new_request("A"), without_print=True).ticket
    assert elderly.priority and not anonymous.priority
    assert anonymous.number != elderly.number


def test_a_new_card_wipes_the_previous_person_and_the_same_card_keeps_the_session(kiosk):
    events = []
    kiosk.events.subscribe(events.append)
    li, ouyang = card("li_yan"), card("ouyang_nana")
    assert kiosk.identify(li) is False
    assert kiosk.identify(card("li_yan")) is False  # the same card placed again: the same session
    assert kiosk.identify(ouyang) is True
    assert kiosk.identity is ouyang
    assert [e.identity for e in events if isinstance(e, IdentityChanged)] == [li, None, ouyang]
    assert "李䶮" in mask_text("李䶮")  # the previous person's name is no longer registered
    assert mask_text("欧阳娜娜 到了") == "欧*** 到了"


def test_the_log_shows_the_identified_person_masked_until_the_session_ends(kiosk, caplog):
    li = card("li_yan")
    kiosk.identify(li)
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "person %s at %s, card %s", (li.name, li.address,
                                                                                            li.id_number), None)
    MaskingFilter().filter(record)
    assert record.getMessage() == f"person 李* at {mask_name(li.address)}, card 3201**********1230"
    assert "中山路" not in record.getMessage()
    kiosk.wipe()
    assert kiosk.identity is None
    assert mask_text(li.name) == li.name  # forgotten with the session


def test_the_ticket_request_carries_the_id_number_and_birth_date(kiosk):
    li = card("li_yan")
    kiosk.identify(li)
    request = kiosk.new_request("B")
    assert request.identity is li
    assert (request.identity.id_number, request.identity.birth_date) == ("320102195503121230", date(1955, 3, 12))
    assert "320102195503121230" not in repr(request)


# --- the clerk's applicant ---------------------------------------------------------------------------


def _serve_one(kiosk: KioskQueueService, clerk: ClerkQueueService):
    kiosk.issue(kiosk.new_request("A"), without_print=True)
    clerk.login("S1003", STAFF_PIN)
    return clerk.call_next().ticket


def test_the_applicant_is_cleared_when_the_ticket_is_finished(kiosk, clerk):
    ticket = _serve_one(kiosk, clerk)
    events = []
    clerk.events.subscribe(lambda e: events.append(e) if isinstance(e, ApplicantChanged) else None)
    clerk.set_applicant(card("li_yan"), ticket.number)
    assert clerk.applicant.masked_name == "李*"
    assert mask_text("李䶮") == "李*"
    clerk.finish(list(Outcome)[0])
    assert clerk.applicant is None
    assert [e.identity is None for e in events] == [False, True]
    assert mask_text("李䶮") == "李䶮"


def test_another_card_replaces_the_applicant_and_moving_on_to_another_ticket_clears_it(kiosk, clerk):
    ticket = _serve_one(kiosk, clerk)
    kiosk.issue(kiosk.new_request("A"), without_print=True)
    clerk.set_applicant(card("li_yan"), ticket.number)
    clerk.set_applicant(card("chen_dawen"), ticket.number)
    assert clerk.applicant.name == "陈大文"
    assert mask_text("李䶮") == "李䶮" and mask_text("陈大文") == "陈**"
    clerk.recall()  # the same ticket: the applicant stays
    assert clerk.applicant is not None
    # The ticket ends without this window's action (straight through the platform, e.g. a second
    # device of the window): the next refresh sees another current ticket and clears the applicant.
    clerk.platform.finish(clerk.session, list(Outcome)[0])
    clerk.platform.call_next(clerk.session)
    clerk.refresh()
    assert clerk.applicant is None


def test_logging_out_clears_the_applicant(kiosk, clerk):
    ticket = _serve_one(kiosk, clerk)
    clerk.set_applicant(card("ouyang_nana"), ticket.number)
    clerk.logout()
    assert clerk.applicant is None


# --- what the screens show ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "unmasked", "name", "number", "birth", "valid_to", "type_key"),
    [
        ("li_yan", False, "李*", "3201**********1230", "1955-**-**", None, "idcard.card_type.resident"),
        ("li_yan", True, "李䶮", "320102195503121230", "1955-03-12", None, "idcard.card_type.resident"),
        ("ouyang_nana", False, "欧***", "1101**********0025", "1990-**-**", "2036-06-15",
         "idcard.card_type.resident"),
        ("chen_dawen", False, "陈**", "8100**********1230", "1990-**-**", "2028-01-01",
         "idcard.card_type.hk_mo_tw_permit"),
        ("smith_2017", False, "史**", "USA1*******1101", "1985-**-**", "2027-06-01",
         "idcard.card_type.foreign_permanent_2017"),
    ],
)
def test_applicant_fields_are_masked_unless_asked(key, unmasked, name, number, birth, valid_to, type_key):
    identity = card(key)
    fields = applicant_fields(identity, TODAY, unmasked=unmasked)
    assert (fields.name, fields.birth_date, fields.valid_to, fields.card_type_key) == (name, birth, valid_to,
                                                                                        type_key)
    assert fields.id_number == (identity.id_number if unmasked else number)
    assert not fields.expired and not fields.photo_available


def test_an_expired_card_is_flagged_and_no_expiry_never_is():
    li = card("li_yan")
    assert li.valid_to is None and not card_expired(li, date(2099, 1, 1))
    nana = card("ouyang_nana")
    assert not card_expired(nana, date(2036, 6, 15)) and card_expired(nana, date(2036, 6, 16))
    assert applicant_fields(nana, date(2040, 1, 1)).expired


@pytest.mark.parametrize(("key", "age", "elderly"), [("li_yan", 70, True), ("li_yan", 72, False),
                                                      ("ouyang_nana", 70, False), ("ouyang_nana", 36, True)])
def test_elderly_from_the_birth_date_and_the_halls_age(key, age, elderly):
    assert is_elderly(card(key), age, TODAY) is elderly


def test_same_person_compares_card_type_and_number():
    li = card("li_yan")
    assert same_person(li, card("li_yan")) and not same_person(li, card("ouyang_nana"))
    assert not same_person(li, replace(li, card_type=card("chen_dawen").card_type))
    assert not same_person(None, li)


# --- the composition root ----------------------------------------------------------------------------


def _citizen_cfg(tmp_path, reader_url: str) -> config.Config:
    return config.parse({
        "role": "citizen", "terminal_id": "K-01", "hall_id": "3201-0042", "data_dir": str(tmp_path),
        "platform": {"url": "http://127.0.0.1:1", "terminal_secret": "x"},
        "printers": {"ticket": {"url": "virtual://t"}},
        "devices": {"ticket_printer": "ticket", "idcard_reader": reader_url, "idcard_baudrate": 115200},
    }, source="test")


def test_the_terminal_opens_the_configured_reader_on_its_own_thread_and_stops_it_on_close(tmp_path):
    """GIVEN a kiosk configured with a reader (the simulator over socket://) WHEN the terminal starts
    THEN the reader polls on its owner thread and delivers a placed card; close stops it."""
    with IdCardSimulator("li_yan", thread_name="idcard-sim-terminal") as sim:
        terminal = build_terminal(_citizen_cfg(tmp_path, sim.url))
        cards = []
        terminal.idcard.on_card = cards.append
        try:
            terminal.start()
            deadline = time.monotonic() + 5
            while not cards and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            terminal.close()
        assert [c.masked_name for c in cards] == ["李*"]
        assert terminal.idcard.state is ReaderState.STOPPED


def test_without_a_configured_reader_the_terminal_has_none(tmp_path):
    assert build_terminal(_citizen_cfg(tmp_path, "")).idcard is None


def test_a_reader_that_is_not_there_is_a_state_not_a_start_up_failure(tmp_path):
    terminal = build_terminal(_citizen_cfg(tmp_path, f"socket://127.0.0.1:{unused_port()}"))
    states = []
    terminal.idcard.on_state = states.append
    try:
        terminal.start()
        deadline = time.monotonic() + 3
        while ReaderState.NO_READER not in states and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        terminal.close()
    assert ReaderState.NO_READER in states
