"""What the pickup tests share: a hall whose locker the kiosk ``kiosk-1`` and the pickup window's terminal
``window-3`` use, a case brought to the point where its result can go into the locker, and the fixtures
of a test module (import them: ``from pickup_support import bus, hall, sim``): the locker simulator (board
1, four doors) on socket://, the real ``LockerBus`` over it, and the pickup hall."""

from __future__ import annotations

import re
import uuid

import pytest
from server_fixtures import COMPANY, COMPANY_FORM, MONDAY_10AM, STAFF_PIN, HallFixture, with_catalogue

from core.ports.outbox import RecordKind
from devices.locker import LockerBus
from hall_server import sample_hall
from hall_server.api.matters import content_version
from hall_server.lockers import load_lockers
from hall_server.notify import FileNotifier
from platform_client.cases import CasesClient
from platform_client.sync import SyncClient
from simulators.locker import LockerSimulator

APPLICANT_ID = COMPANY_FORM["legal_rep_id"]  # 李䶮's
PROXY_ID = "320102198806061234"
STRANGER_ID = "110101199003074514"
CURRENT = {m["code"]: m.get("version") or content_version(m) for m in sample_hall()["matters"]}
LOCKERS = {"lockers": [{"id": "A", "name": "大厅东侧智能柜", "terminals": ["kiosk-1", "window-3"], "compartments": [
    {"number": 1, "board": 1, "lock": 1, "size": "S"}, {"number": 2, "board": 1, "lock": 2, "size": "S"},
    {"number": 3, "board": 1, "lock": 3, "size": "M"}, {"number": 4, "board": 1, "lock": 4, "size": "L"}]}],
    "locker_overdue_days": 5}


def pickup_hall(hall: HallFixture) -> HallFixture:
    """``hall`` with the catalogue and the test locker (four compartments on board 1)."""
    with_catalogue(hall)
    load_lockers(hall.store, LOCKERS)
    return hall


def accept(hall: HallFixture, *, proxies: tuple[str, ...] = (PROXY_ID,)) -> str:
    """A clerk's application at window 1 for 李䶮, whose ID card was read, with a registered proxy: the case."""
    client = SyncClient(hall.url, "window-1", hall.secret("window-1"))
    hall._clients.append(client)
    content = {"matter_code": COMPANY, "version": CURRENT[COMPANY], "form": COMPANY_FORM,
               "materials": [{"id": "m1", "pages": 2}, {"id": "m2", "pages": 5}, {"id": "m3", "pages": 1}],
               "deficiencies": ["m4"], "window": 1, "clerk": "S1001", "accepted_at": MONDAY_10AM.isoformat(),
               "applicant_id": APPLICANT_ID, "proxy_ids": list(proxies)}
    return client.post_record(RecordKind.APPLICATION, str(uuid.uuid4()),
                              {"content": content, "attachments": []}).case_number


def clerk_session(hall: HallFixture, window: int = 3):
    client = hall.client(f"window-{window}")
    return client, client.login(window, f"S{1000 + window}", STAFF_PIN)


def approved(hall: HallFixture, clerk=None, **kwargs) -> str:
    """An accepted case, reviewed and approved by the clerk at window 3 (``clerk``: their client and session,
    when the test has logged them in already; a second login ends the first session)."""
    number = accept(hall, **kwargs)
    client, session = clerk or clerk_session(hall)
    cases = CasesClient(client)
    cases.review(session, number)
    cases.decide(session, number, "approved")
    return number


def notices(hall: HallFixture) -> list[dict]:
    notifier = hall.store.notifier
    assert isinstance(notifier, FileNotifier)
    return notifier.read()


def pickup_code(hall: HallFixture, number: str) -> str:
    """The code the applicant's text message carries."""
    texts = [n["text"] for n in notices(hall) if n["number"] == number and "取件码" in n["text"]]
    return re.search(r"取件码 (\d{6})", texts[-1]).group(1)


class Clock:
    """A monotonic clock a test moves by hand (``clock.now += 6``)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sim(request):
    with LockerSimulator({1: 4}, thread_prefix=f"locker-sim-{request.module.__name__}") as simulator:
        yield simulator


@pytest.fixture
def bus(sim):
    with LockerBus(sim.url, timeout_s=0.3, retries=1, reconnect_s=0.2, idle_check_s=0.1) as b:
        yield b


@pytest.fixture
def hall(fresh_hall):
    return pickup_hall(fresh_hall)
