"""Concurrent kiosks and windows against one hall server: no duplicate or skipped number, no ticket called
to two windows, nothing lost. (Timing figures are in bench/ticket_load.py, not here.)"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections import Counter

from server_fixtures import STAFF_PIN, fresh_hall  # noqa: F401

from kiosk.domain import Outcome
from kiosk.errors import PlatformError

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
    with sqlite3.connect(fresh_hall.store.db_path) as con:
        events = con.execute("SELECT number, COUNT(DISTINCT window), COUNT(*) FROM call_events GROUP BY number")
        assert all(windows_ == 1 and calls == 1 for _, windows_, calls in events)
        assert con.execute("SELECT COUNT(*) FROM tickets WHERE state != 'done'").fetchone()[0] == 0
