"""Random sequences of kiosk and clerk actions against one hall server (hypothesis state machine).

Whatever the order, the server answers with a result or a 4xx reason (never a 5xx, never an unreachable
answer), and its books stay consistent: numbers run 1..n per service, a window has at most one current
ticket, a called ticket has its window, call-next takes a ticket from the window's waiting list and says
"nobody" only when that list is empty."""

from __future__ import annotations

import uuid

from hall_databases import hall_sql
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from server_fixtures import STAFF_PIN, fresh_hall  # noqa: F401

from core.domain import Outcome
from core.errors import PlatformRejected

WINDOWS = {1: "S1001", 3: "S1003", 6: "S1006"}  # A E / A C / C
numbers = st.sampled_from(["A001", "A002", "A003", "C001", "C002", "E001", "A050"])
windows = st.sampled_from(sorted(WINDOWS))


def test_random_action_sequences_keep_the_books_consistent(fresh_hall):
    kiosk = fresh_hall.client("kiosk-1")
    clerks = {w: fresh_hall.client(f"window-{w}") for w in WINDOWS}
    sessions = {w: clerks[w].login(w, staff, STAFF_PIN) for w, staff in WINDOWS.items()}
    db = fresh_hall.store.db_path

    class Hall(RuleBasedStateMachine):
        def act(self, at: int, name: str, *args, **kwargs):
            try:
                return getattr(clerks[at], name)(sessions[at], *args, **kwargs)
            except PlatformRejected as exc:  # includes PlatformConflict; anything else fails the test
                assert 400 <= exc.status < 500 and exc.reason
                return exc

        @rule(prefix=st.sampled_from("ACE"), elderly=st.booleans())
        def issue(self, prefix, elderly):
            fresh_hall.clock.advance(seconds=7)
            birth = __import__("datetime").date(1940, 1, 1) if elderly else None
            kiosk.issue_ticket(prefix, request_id=str(uuid.uuid4()), birth_date=birth)

        @rule(window=windows)
        def call_next(self, window):
            before = clerks[window].window_status(sessions[window])
            result = self.act(window, "call_next")
            if result is None:
                assert before.waiting_count == 0
            elif not isinstance(result, PlatformRejected):
                assert result.number in {t.number for t in before.waiting}

        @rule(window=windows, number=numbers)
        def call_number(self, window, number):
            self.act(window, "call_number", number)

        @rule(window=windows, number=numbers)
        def call_back(self, window, number):
            self.act(window, "call_back", number)

        @rule(window=windows, action=st.sampled_from(["recall", "no_show", "return_to_queue", "hold", "resume"]))
        def simple(self, window, action):
            self.act(window, action)

        @rule(window=windows, outcome=st.sampled_from(list(Outcome)))
        def finish(self, window, outcome):
            self.act(window, "finish", outcome)

        @rule(window=windows, to_service=st.sampled_from([None, "A", "C"]), to_window=st.sampled_from([None, 1, 3, 6]))
        def transfer(self, window, to_service, to_window):
            self.act(window, "transfer", service_prefix=to_service, window=to_window)

        @rule(window=windows)
        def pause(self, window):
            self.act(window, "pause", "break")

        @invariant()
        def books_are_consistent(self):
            with hall_sql(db) as con:
                for prefix, count, top in con.execute(
                        "SELECT issue_prefix, COUNT(*), MAX(seq) FROM tickets GROUP BY service_day, issue_prefix"):
                    assert count == top, prefix
                current = con.execute('SELECT "window", COUNT(*) FROM tickets WHERE state = \'called\' GROUP BY "window"')
                assert all(n == 1 and w is not None for w, n in current)
                assert con.execute("SELECT COUNT(*) FROM tickets WHERE state = 'waiting' AND \"window\" IS NOT NULL"
                                   ).fetchone()[0] == 0
                assert con.execute("SELECT COUNT(*) FROM tickets WHERE state = 'held' AND held_window IS NULL"
                                   ).fetchone()[0] == 0

    run_state_machine_as_test(Hall, settings=settings(max_examples=25, stateful_step_count=30, deadline=None,
                                                      suppress_health_check=list(HealthCheck)))
