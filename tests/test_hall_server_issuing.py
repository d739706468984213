"""Issuing tickets at the reference hall server: numbering, daily reset, caps, hours, one ticket per
person, elderly and appointment priority, idempotent retries. Against the real server on loopback."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from hall_databases import every_value, hall_sql
import pytest
from server_fixtures import HALL_TZ, MONDAY_10AM, fresh_hall, hall_server  # noqa: F401

from core.domain import TicketState
from core.errors import PlatformConflict, PlatformRejected
from hall_server import sample_hall

ELDERLY_ID = "320102195503121234"  # born 1955-03-12: 71 on the test Monday
YOUNG_ID = "320102199006151237"


def rid() -> str:
    return str(uuid.uuid4())


def test_numbers_follow_each_other_per_prefix(fresh_hall):
    kiosk = fresh_hall.client("kiosk-1")
    numbers = [kiosk.issue_ticket(p, request_id=rid()).number for p in "AABABC"]
    assert numbers == ["A001", "A002", "B001", "A003", "B002", "C001"]


def test_numbers_reset_at_midnight_in_the_hall_time_zone(fresh_hall):
    kiosk = fresh_hall.client("kiosk-1")
    fresh_hall.clock.set(datetime(2026, 11, 23, 23, 59, tzinfo=HALL_TZ))
    assert kiosk.issue_ticket("A", request_id=rid()).number == "A001"
    assert kiosk.issue_ticket("A", request_id=rid()).number == "A002"
    # 16:00 UTC is midnight in Shanghai: the hall's day changes, not the UTC one.
    fresh_hall.clock.set(datetime(2026, 11, 24, 0, 0, 1, tzinfo=HALL_TZ))
    ticket = kiosk.issue_ticket("A", request_id=rid())
    assert (ticket.number, ticket.service_day) == ("A001", date(2026, 11, 24))
    assert ticket.issued_at.utcoffset() == timedelta(hours=8)


def test_answer_carries_service_people_ahead_wait_and_an_opaque_tracking_code(fresh_hall):
    kiosk = fresh_hall.client("kiosk-1")
    first = kiosk.issue_ticket("B", request_id=rid())
    third = [kiosk.issue_ticket("B", request_id=rid()) for _ in range(2)][-1]
    assert (third.service_prefix, third.service_name, third.service_name_en) == ("B", "不动产登记",
                                                                               "Real estate registration")
    assert third.state is TicketState.WAITING
    assert first.people_ahead == 0 and third.people_ahead == 2
    # B is served by windows 4 and 5, 6 min each by default: 2 people → 6 min.
    assert third.estimated_wait_min == 6
    codes = {first.tracking_code, third.tracking_code}
    assert len(codes) == 2 and all(len(c) == 16 and "B00" not in c for c in codes)
    assert kiosk.ticket(third.tracking_code).number == "B003"


def test_same_request_id_gives_the_same_ticket_never_a_second_number(fresh_hall):
    kiosk = fresh_hall.client("kiosk-1")
    request_id = rid()
    first = kiosk.issue_ticket("A", request_id=request_id)
    again = kiosk.issue_ticket("A", request_id=request_id)
    assert again.number == first.number == "A001" and again.tracking_code == first.tracking_code
    assert not again.reprint
    assert kiosk.issue_ticket("A", request_id=rid()).number == "A002"


def test_same_request_id_for_another_request_is_a_conflict(fresh_hall):
    kiosk = fresh_hall.client("kiosk-1")
    request_id = rid()
    kiosk.issue_ticket("A", request_id=request_id)
    with pytest.raises(PlatformConflict) as caught:
        kiosk.issue_ticket("B", request_id=request_id)
    assert caught.value.reason == "request_id_reused"


def test_one_waiting_ticket_per_person_per_service_second_try_is_a_reprint(fresh_hall):
    kiosk = fresh_hall.client("kiosk-1")
    first = kiosk.issue_ticket("A", request_id=rid(), id_number=YOUNG_ID)
    second = kiosk.issue_ticket("A", request_id=rid(), id_number=YOUNG_ID.lower())
    assert second.reprint and second.number == first.number == "A001"
    assert second.tracking_code == first.tracking_code
    other_service = kiosk.issue_ticket("B", request_id=rid(), id_number=YOUNG_ID)
    assert (other_service.number, other_service.reprint) == ("B001", False)
    # another kiosk, same person: still the same ticket
    assert fresh_hall.client("kiosk-2").issue_ticket("A", request_id=rid(), id_number=YOUNG_ID).reprint


def test_a_person_whose_ticket_was_served_may_take_a_new_one(fresh_hall):
    kiosk, clerk = fresh_hall.client("kiosk-1"), fresh_hall.client("window-1")
    kiosk.issue_ticket("A", request_id=rid(), id_number=YOUNG_ID)
    session = clerk.login(1, "S1001", "2468")
    clerk.call_next(session)
    clerk.finish(session, "completed")
    again = kiosk.issue_ticket("A", request_id=rid(), id_number=YOUNG_ID)
    assert (again.number, again.reprint) == ("A002", False)


def test_the_server_keeps_no_id_number_only_a_keyed_hash(fresh_hall):
    fresh_hall.client("kiosk-1").issue_ticket("A", request_id=rid(), id_number=YOUNG_ID)
    if fresh_hall.store.db.file is not None:  # SQLite: the file and its WAL, byte by byte
        raw = open(fresh_hall.store.db_path, "rb").read()
        wal = open(fresh_hall.store.db_path + "-wal", "rb").read()
        assert YOUNG_ID.encode() not in raw + wal
    else:  # PostgreSQL: every value of every table, as its administrator reads them
        assert YOUNG_ID not in every_value(fresh_hall.store.db_path)
    with hall_sql(fresh_hall.store.db_path) as con:
        (stored,) = con.execute("SELECT person_hash FROM tickets").fetchone()
    assert len(stored) == 64 and YOUNG_ID not in stored


@pytest.mark.parametrize(("birth", "priority"), [
    (date(1956, 11, 23), True),   # 70 today: the threshold is inclusive
    (date(1956, 11, 24), False),  # 70 tomorrow
    (date(1990, 1, 1), False),
])
def test_elderly_priority_from_the_birth_date(fresh_hall, birth, priority):
    ticket = fresh_hall.client("kiosk-1").issue_ticket("A", request_id=rid(), birth_date=birth)
    assert ticket.priority is priority


def test_elderly_priority_from_the_id_number_when_no_birth_date_is_given(fresh_hall):
    kiosk = fresh_hall.client("kiosk-1")
    assert kiosk.issue_ticket("A", request_id=rid(), id_number=ELDERLY_ID).priority
    assert not kiosk.issue_ticket("C", request_id=rid(), id_number=YOUNG_ID).priority


def test_elderly_threshold_is_configurable(tmp_path):
    from hall_server import ServerThread
    from platform_client import PlatformClient

    hall = sample_hall()
    hall["hall"]["elderly_priority_age"] = 60
    with ServerThread(tmp_path / "h.db", seed=hall) as server:
        secret = server.store.add_terminal("k", "citizen")
        with PlatformClient(server.url, "k", secret) as kiosk:
            assert kiosk.hall_info().elderly_priority_age == 60
            sixty_five = date.today().replace(year=date.today().year - 65) - timedelta(days=3)
            assert kiosk.issue_ticket("A", request_id=rid(), birth_date=sixty_five).priority


def test_appointment_check_in_is_flagged_and_once_per_code(fresh_hall):
    kiosk = fresh_hall.client("kiosk-1")
    plain = kiosk.issue_ticket("A", request_id=rid())
    booked = kiosk.issue_ticket("A", request_id=rid(), appointment_code="APT-20261123-0007")
    assert booked.appointment and not plain.appointment
    assert booked.people_ahead == 0 and kiosk.ticket(plain.tracking_code).people_ahead == 1
    again = kiosk.issue_ticket("A", request_id=rid(), appointment_code="APT-20261123-0007")
    assert again.reprint and again.number == booked.number


def test_daily_cap_refuses_the_next_number_and_marks_the_service_unavailable(fresh_hall):
    kiosk = fresh_hall.client("kiosk-1")
    with hall_sql(fresh_hall.store.db_path) as con:
        con.execute("UPDATE services SET daily_cap = 2 WHERE prefix = 'D'")
    kiosk.issue_ticket("D", request_id=rid(), id_number=YOUNG_ID)
    kiosk.issue_ticket("D", request_id=rid())
    with pytest.raises(PlatformRejected) as caught:
        kiosk.issue_ticket("D", request_id=rid())
    assert (caught.value.reason, caught.value.status) == ("daily_cap_reached", 422)
    assert not kiosk.hall_info().service("D").available
    # a reprint for a person who already holds a ticket still works at the cap
    assert kiosk.issue_ticket("D", request_id=rid(), id_number=YOUNG_ID).reprint
    fresh_hall.clock.advance(days=1)
    assert kiosk.issue_ticket("D", request_id=rid()).number == "D001"


def test_issuing_hours_in_the_hall_time_zone(fresh_hall):
    kiosk = fresh_hall.client("kiosk-1")
    with hall_sql(fresh_hall.store.db_path) as con:
        con.execute("""UPDATE services SET issuing_hours = '[["09:00", "12:00"], ["13:30", "16:30"]]'
                       WHERE prefix = 'F'""")
    for hhmm, open_ in (("08:59", False), ("09:00", True), ("11:59", True), ("12:00", False),
                        ("13:30", True), ("16:30", False)):
        h, m = map(int, hhmm.split(":"))
        fresh_hall.clock.set(MONDAY_10AM.replace(hour=h, minute=m))
        assert kiosk.hall_info().service("F").available is open_, hhmm
        if open_:
            kiosk.issue_ticket("F", request_id=rid())
        else:
            with pytest.raises(PlatformRejected) as caught:
                kiosk.issue_ticket("F", request_id=rid())
            assert caught.value.reason == "outside_issuing_hours"


def test_unknown_service(fresh_hall):
    with pytest.raises(PlatformRejected) as caught:
        fresh_hall.client("kiosk-1").issue_ticket("Z", request_id=rid())
    assert (caught.value.reason, caught.value.status) == ("unknown_service", 404)


def test_unknown_tracking_code(hall_server):
    with pytest.raises(PlatformRejected) as caught:
        hall_server.client("kiosk-1").ticket("NoSuchCode123456")
    assert caught.value.reason == "ticket_not_found"


def test_hall_info_lists_services_windows_and_waiting_counts(fresh_hall):
    kiosk = fresh_hall.client("kiosk-1")
    for _ in range(3):
        kiosk.issue_ticket("C", request_id=rid())
    info = kiosk.hall_info()
    assert (info.id, info.timezone, info.elderly_priority_age) == ("3201-0042", "Asia/Shanghai", 70)
    assert [s.prefix for s in info.services] == list("ABCDEFGH")
    assert info.service("C").waiting == 3 and info.service("A").waiting == 0
    assert info.service("A").daily_cap == 400
    assert [w.number for w in info.windows] == list(range(1, 11))
    assert info.windows[2].services == ("A", "C")


def test_seed_with_wrong_hall_data_names_the_field(tmp_path):
    from core.errors import ConfigError
    from hall_server import ServerThread

    hall = sample_hall()
    hall["services"][1]["prefix"] = "b1"
    with pytest.raises(ConfigError, match=r"services\[1\]\.prefix"):
        ServerThread(tmp_path / "h.db", seed=hall)
