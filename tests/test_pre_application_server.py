"""A kiosk's 自助申报 against the real hall server on loopback: the flow's presenter on the terminal's real
parts (the sample catalogue served by the platform through the reference cache, the encrypted outbox and its
sync engine, the slip on the printer simulator over TCP), then the clerk's side opening it by the slip's QR.
"""

from __future__ import annotations

import numpy as np
from server_fixtures import MONDAY_10AM, STAFF_PIN, fresh_hall  # noqa: F401
from tests.test_intake_end_to_end import hall, paper, terminals  # noqa: F401

from core.domain import CardType, Identity
from core.domain.appointments import CaseState
from core.domain.codes import CodeKind, classify
from core.presenters import run_inline
from core.presenters.pre_application import PreApplicationPresenter, Step
from core.services.slip import SlipService
from platform_client.cases import CasesClient

RENT = "320100-GG-0004"  # 住房公积金提取（租房）, self-service in the sample hall
APPLICANT = Identity(CardType.RESIDENT, "李䶮", "11010519491231002X")


def pre_apply(kiosk) -> PreApplicationPresenter:
    """李䶮 pre-applies for the rent matter at ``kiosk``: card, form, one page of the contract, submit."""
    flow = PreApplicationPresenter(kiosk.service, SlipService(kiosk.service, kiosk.printer), run_inline,
                                   now=lambda: MONDAY_10AM)
    flow.start(kiosk.guides.book().get(RENT))
    flow.card_placed(APPLICANT)
    for path, value in (("bank_card", "6222021234567890123"), ("amount", "5000"), ("phone", "13812345678")):
        flow.form.set(path, value)
    flow.next()
    flow.choose_material("m2")
    flow.materials.add(np.full((600, 420, 3), 240, np.uint8))
    flow.next()
    flow.submit()
    return flow


def test_a_pre_application_at_the_kiosk_is_a_waiting_case_the_slip_s_qr_opens_with_its_form(hall, terminals):  # noqa: F811
    """GIVEN the kiosk online WHEN a citizen pre-applies (card, form, a page of the contract) THEN the record
    syncs, the slip carries the platform's case number and the code HALL:P:<record id>, and the clerk's
    lookup by the record id read from the printed QR finds the case 已申报，待受理 with the form as filled."""
    kiosk, printer = terminals("kiosk-1")
    flow = pre_apply(kiosk)

    assert flow.step is Step.DONE and flow.printed.printed
    assert flow.case_number is not None, "online, the platform answered within the slip's wait"
    text, codes = paper(printer)
    assert f"办件编号：{flow.case_number}" in text and "李*" in text and "李䶮" not in text
    assert [classify(c).kind for c in codes] == [CodeKind.PRE_APPLICATION]
    record_id = classify(codes[0]).fields["record_id"]
    assert record_id == flow.record_id

    client = hall.client("window-1")
    session = client.login(1, "S1001", STAFF_PIN)
    review = CasesClient(client).pre_application(session, record_id)
    assert review.case.state is CaseState.PRE_APPLICATION_WAITING and review.case.tracking == flow.case_number
    assert review.form == {"name": "李䶮", "id_number": "11010519491231002X", "bank_card": "6222021234567890123",
                           "amount": 5000, "phone": "13812345678"}
    stored = hall.store.stored_record("kiosk-1", record_id)
    assert len(stored["attachments"]) == 1 and stored["content"]["materials"] == [{"id": "m2", "pages": 1}]


def test_the_card_read_at_the_kiosk_may_collect_the_result_whether_or_not_the_window_reads_it_again(hall, terminals):  # noqa: F811
    """GIVEN a citizen who pre-applies at the kiosk with their ID card WHEN the record reaches the platform
    THEN that card is the case's applicant for collecting the result (kept only as an HMAC: the number
    itself is nowhere in the collectors' table), and no other card is."""
    from hall_server.collectors import collector_role

    kiosk, _printer = terminals("kiosk-1")
    flow = pre_apply(kiosk)
    assert flow.case_number is not None

    con = hall.store._con()
    assert collector_role(hall.store, con, flow.case_number, APPLICANT.id_number) == "applicant"
    assert collector_role(hall.store, con, flow.case_number, "110105194912310037") is None
    kept = con.execute("SELECT person_hash FROM case_collectors WHERE tracking = ?", (flow.case_number,)).fetchall()
    assert len(kept) == 1 and APPLICANT.id_number not in kept[0][0]
