"""Concurrent kiosks and windows against one hall server: no duplicate or skipped number, no ticket called
to two windows, nothing lost. (Timing figures are in bench/ticket_load.py, not here.)"""

from __future__ import annotations

import threading
import uuid
from collections import Counter

from hall_databases import hall_sql
from server_fixtures import STAFF_PIN, fresh_hall  # noqa: F401

from core.domain import Outcome
from core.errors import PlatformError

ISSUERS = 14
PER_ISSUER = 20
WINDOWS = {1: "S1001", 2: "S1002", 3: "S1003", 4: "S1004", 5: "S1005", 6: "S1006"}  # A E / A E / A C / B / B / C


def test_twenty_threads_issuing_and_calling_at_once(fresh_hall):
    issued: list = []
    called: list = []
    errors: list = []
    issuing_done = threading.Event()
    lock = threading.Lock()

    def issuer(i: int) -> None:
        client = fresh_hall.client(f"kiosk-{1 + i % 2}")
        try:
            for n in range(PER_ISSUER):
                ticket = client.issue_ticket("ABCE"[(i + n) % 4], request_id=str(uuid.uuid4()))
                with lock:
                    issued.append(ticket.number)
        except PlatformError as exc:
            errors.append(exc)

    def window(number: int, staff: str) -> None:
        client = fresh_hall.client(f"window-{number}")
        try:
            session = client.login(number, staff, STAFF_PIN)
            while True:
                ticket = client.call_next(session)
                if ticket is None:
                    if issuing_done.is_set():
                        return
                    issuing_done.wait(0.01)
                    continue
                with lock:
                    called.append((ticket.number, number))
                client.finish(session, Outcome.COMPLETED)
        except PlatformError as exc:
            errors.append(exc)

    issuers = [threading.Thread(target=issuer, args=(i,), name=f"issuer-{i}") for i in range(ISSUERS)]
    windows = [threading.Thread(target=window, args=item, name=f"window-{item[0]}") for item in WINDOWS.items()]
    for t in issuers + windows:
        t.start()
    for t in issuers:
        t.join(60)
    issuing_done.set()
    for t in windows:
        t.join(60)

    assert errors == []
    assert len(issued) == ISSUERS * PER_ISSUER
    by_prefix = Counter(number[0] for number in issued)
    for prefix, count in by_prefix.items():
        assert sorted(int(n[1:]) for n in issued if n[0] == prefix) == list(range(1, count + 1))
    numbers = [n for n, _ in called]
    assert sorted(numbers) == sorted(issued)  # every ticket called exactly once
    with hall_sql(fresh_hall.store.db_path) as con:
        events = con.execute("SELECT number, COUNT(DISTINCT \"window\"), COUNT(*) FROM call_events GROUP BY number")
        assert all(windows_ == 1 and calls == 1 for _, windows_, calls in events)
        assert con.execute("SELECT COUNT(*) FROM tickets WHERE state != 'done'").fetchone()[0] == 0


def test_refusals_inside_a_shared_commit_do_not_undo_the_others(fresh_hall):
    """Kiosks issuing at the same moment share one commit (HallStore._group_write); a ticket refused for
    the cap in that commit must not take the others' numbers with it."""
    with hall_sql(fresh_hall.store.db_path) as con:
        con.execute("UPDATE services SET daily_cap = 5 WHERE prefix = 'D'")
    results: list = []
    lock = threading.Lock()
    start = threading.Barrier(12)

    def kiosk(i: int) -> None:
        start.wait(10)
        for n in range(5):
            prefix = "D" if (i + n) % 2 else "A"
            try:
                outcome = fresh_hall.store.issue_ticket(terminal_id="kiosk-1", service_prefix=prefix,
                                                        request_id=str(uuid.uuid4())).number
            except Exception as exc:  # noqa: BLE001 - the refusal is what is checked
                outcome = getattr(exc, "reason", repr(exc))
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=kiosk, args=(i,), name=f"kiosk-{i}") for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    d_numbers = sorted(r for r in results if r.startswith("D"))
    a_numbers = sorted(r for r in results if r.startswith("A"))
    assert d_numbers == [f"D00{n}" for n in range(1, 6)]
    assert results.count("daily_cap_reached") == 30 - 5
    assert a_numbers == [f"A{n:03d}" for n in range(1, 31)]
    with hall_sql(fresh_hall.store.db_path) as con:
        assert con.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 35
