"""Clerk actions at a window (mixed into ``HallStore``).

A clerk logs in to a window with staff id and PIN (``login``); the session token is bound to the terminal
that logged in, and logging in again (same window or same clerk elsewhere) ends the older session. Every
action runs in one ``BEGIN IMMEDIATE`` transaction, so a ticket is never called to two windows, and the
partial unique index ``one_current_ticket_per_window`` backs that up in the schema.

States of a ticket (core.domain.TicketState) and the actions that move it:

    waiting --call_next / call_number--> called --finish--> done
                                         called --no_show--> no_show
                                         called --hold--> held --call_back--> called
                                         called --return_to_queue--> waiting (back of the queue)
                                         called --transfer--> waiting (other service and/or window; keeps
                                                                       its place by arrival)
    recall: called stays called, announced again.

A window calls only while it has no current ticket (``ticket_in_service``) and is not paused
(``window_paused``). Wrong states answer ``wrong_state``; ``no_current_ticket`` when an action needs one.
"""

from __future__ import annotations

import json
import sqlite3

from core.clock import hall_today, hall_zone
from core.domain import (BoardWindow, CallEvent, CallKind, ClerkSession, HallBoard, Outcome, Satisfaction, Ticket,
                         WindowState, WindowStatus)
from core.domain.rating import satisfaction_rate
from hall_server import crypto, ordering
from hall_server.problems import HallError
from hall_server.store import PIN_LOCK_MAX_S, PIN_LOCK_S, PIN_MAX_FAILURES, SESSION_HOURS

CALL_EVENTS_LIMIT = 50
CALLS_CHANNEL = "hall_calls"  # database.py, announce/listen: a call committed by any server process


class WindowMixin:
    # --- sessions ----------------------------------------------------------------------------------

    def login(self, *, terminal_id: str, window: int, staff_id: str, pin: str) -> ClerkSession:
        """A session for a clerk at a window.

        PIN guessing: the attempt is counted (``_take_attempt``, one write transaction) BEFORE the slow KDF,
        so guesses in flight at once cannot outrun the lockout; a good PIN clears the count. Any staff id,
        known or not, is counted and runs the KDF alike, so the answers (401 ``bad_pin``, then 429
        ``too_many_attempts``) and their timing do not tell whether the id exists."""
        now = self.clock.now().timestamp()
        con = self._con()
        if con.execute("SELECT 1 FROM windows WHERE number = ?", (window,)).fetchone() is None:
            raise HallError("unknown_window", f"no window {window}")
        self._take_attempt(staff_id, now)
        staff = con.execute("SELECT * FROM staff WHERE staff_id = ?", (staff_id,)).fetchone()
        salt, expected = (staff["pin_salt"], staff["pin_hash"]) if staff else (b"\0" * 16, b"")
        if not (crypto.verify_pin(pin, salt, expected) and staff is not None):
            raise HallError("bad_pin", "unknown staff id or wrong PIN")
        allowed = json.loads(staff["windows"])
        with self._write() as con:
            con.execute("DELETE FROM login_attempts WHERE staff_id = ?", (staff_id,))
        if allowed and window not in allowed:
            raise HallError("window_not_allowed", f"staff {staff_id} may not work at window {window}")
        with self._write() as con:
            con.execute("DELETE FROM sessions WHERE \"window\" = ? OR staff_id = ? OR expires < ?",
                        (window, staff_id, now))
            token = crypto.new_token()
            con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
                        (crypto.token_hash(token), staff_id, window, terminal_id, now + SESSION_HOURS * 3600))
        return ClerkSession(window=window, staff_id=staff_id, staff_name=staff["name"], token=token)

    def _take_attempt(self, staff_id: str, now: float) -> None:
        """Counts one PIN attempt for ``staff_id``, or refuses it (429) while the id is locked out. The
        PIN_MAX_FAILURES-th attempt since the last lockout locks the id for PIN_LOCK_S, doubled for each
        lockout since the last good PIN (at most PIN_LOCK_MAX_S); rows idle for a day are dropped."""
        with self._write() as con:
            row = con.execute("SELECT failures, lockouts, locked_until FROM login_attempts WHERE staff_id = ?",
                              (staff_id,)).fetchone()
            failures, lockouts, locked_until = tuple(row) if row else (0, 0, 0.0)
            if locked_until > now:
                refused = True
            else:
                refused, failures = False, failures + 1
                if failures >= PIN_MAX_FAILURES:
                    locked_until = now + min(PIN_LOCK_S * 2 ** min(lockouts, 20), PIN_LOCK_MAX_S)
                    failures, lockouts = 0, lockouts + 1
                con.execute("INSERT INTO login_attempts VALUES (?, ?, ?, ?, ?) ON CONFLICT (staff_id) DO UPDATE SET "
                            "failures = excluded.failures, lockouts = excluded.lockouts, "
                            "locked_until = excluded.locked_until, touched = excluded.touched",
                            (staff_id, failures, lockouts, locked_until, now))
                con.execute("DELETE FROM login_attempts WHERE touched < ? AND locked_until < ?",
                            (now - 86400, now))
        if refused:
            raise HallError("too_many_attempts", "too many wrong PINs; try again later")

    def _session(self, con: sqlite3.Connection, terminal_id: str, token: str | None) -> sqlite3.Row:
        if not token:
            raise HallError("not_logged_in", "no clerk session given")
        row = con.execute(
            "SELECT s.*, w.services, w.paused, w.pause_reason, w.priority_streak FROM sessions s"
            " JOIN windows w ON w.number = s.\"window\" WHERE s.token_hash = ?", (crypto.token_hash(token),)).fetchone()
        if row is None or row["terminal_id"] != terminal_id or row["expires"] < self.clock.now().timestamp():
            raise HallError("not_logged_in", "the clerk session has ended; log in again")
        return row

    def logout(self, *, terminal_id: str, token: str | None) -> None:
        with self._write() as con:
            self._session(con, terminal_id, token)
            con.execute("DELETE FROM sessions WHERE token_hash = ?", (crypto.token_hash(token),))

    # --- helpers -----------------------------------------------------------------------------------

    def _today(self, con: sqlite3.Connection) -> str:
        return hall_today(self._hall_row(con)["timezone"], self.clock).isoformat()

    def _current(self, con: sqlite3.Connection, window: int) -> sqlite3.Row | None:
        return con.execute("SELECT * FROM tickets WHERE state = 'called' AND \"window\" = ?", (window,)).fetchone()

    def _need_current(self, con: sqlite3.Connection, window: int) -> sqlite3.Row:
        row = self._current(con, window)
        if row is None:
            raise HallError("no_current_ticket", f"window {window} has no current ticket")
        return row

    def _candidates(self, con: sqlite3.Connection, session: sqlite3.Row) -> list[sqlite3.Row]:
        services = json.loads(session["services"])
        marks = ", ".join("?" * len(services)) or "NULL"
        return con.execute(
            "SELECT * FROM tickets WHERE service_day = ? AND state = 'waiting' AND (target_window = ? OR"
            f" (target_window IS NULL AND service IN ({marks})))",
            (self._today(con), session["window"], *services)).fetchall()

    def _eligible(self, ticket: sqlite3.Row, session: sqlite3.Row) -> bool:
        if ticket["target_window"] is not None:
            return ticket["target_window"] == session["window"]
        return ticket["service"] in json.loads(session["services"])

    def _reload(self, con: sqlite3.Connection, ticket_id: int) -> Ticket:
        return self._to_ticket(con, con.execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)).fetchone())

    def _call(self, con: sqlite3.Connection, ticket: sqlite3.Row, window: int, kind: CallKind) -> None:
        now = self.clock.now().timestamp()
        if kind == CallKind.CALL:
            con.execute("UPDATE tickets SET state = 'called', \"window\" = ?, called_at = ?, calls = calls + 1,"
                        " held_window = NULL, target_window = NULL WHERE id = ?", (window, now, ticket["id"]))
        else:
            con.execute("UPDATE tickets SET calls = calls + 1 WHERE id = ?", (ticket["id"],))
        self._local.pending_seq = con.execute(
            "INSERT INTO call_events (service_day, ticket_id, number, \"window\", kind, at) VALUES (?, ?, ?, ?, ?, ?)"
            " RETURNING seq", (ticket["service_day"], ticket["id"], ticket["number"], window, kind.value, now),
        ).fetchall()[0][0]
        self.db.announce(con, CALLS_CHANNEL, str(self._local.pending_seq))  # other processes' displays

    def _may_call(self, con: sqlite3.Connection, session: sqlite3.Row) -> None:
        if session["paused"]:
            raise HallError("window_paused", f"window {session['window']} is paused; resume first")
        current = self._current(con, session["window"])
        if current is not None:
            raise HallError("ticket_in_service", f"{current['number']} is still at window {session['window']}; "
                                                 "finish, hold, return or transfer it first")

    def _call_announced(self, payload: str) -> None:
        """Another server process of this database committed a call (database.py, ``listen``)."""
        with self._seq_lock:
            self.last_call_seq = max(self.last_call_seq, int(payload))

    def _calls_caught_up(self) -> None:
        """(Re)connected to listen: calls committed while nobody listened are found by their numbers."""
        seq = self._con().execute("SELECT COALESCE(MAX(seq), 0) FROM call_events").fetchone()[0]
        with self._seq_lock:
            self.last_call_seq = max(self.last_call_seq, seq)

    def start_listening(self, thread_name: str) -> None:
        """Hears the calls other server processes of this database commit (PostgreSQL; nothing on SQLite)."""
        if getattr(self, "_listener", None) is None:
            self._listener = self.db.listen(CALLS_CHANNEL, self._call_announced, reconnected=self._calls_caught_up,
                                            thread_name=thread_name)

    def stop_listening(self) -> None:
        listener, self._listener = getattr(self, "_listener", None), None
        if listener is not None:
            listener.stop()

    def _action(self, terminal_id: str, token: str | None, body) -> object:
        """Runs ``body(con, session)`` in one write transaction, then wakes call-event waiters."""
        self._local.pending_seq = None
        with self._write() as con:
            session = self._session(con, terminal_id, token)
            result = body(con, session)
        seq = self._local.pending_seq
        if seq is not None:
            with self._seq_lock:
                self.last_call_seq = max(self.last_call_seq, seq)
        return result

    # --- the window's panel ------------------------------------------------------------------------

    def window_status(self, *, terminal_id: str, token: str | None) -> WindowStatus:
        with self._read() as con:
            session = self._session(con, terminal_id, token)
            window = session["window"]
            today = self._today(con)
            current = self._current(con, window)
            rows = {r["id"]: r for r in self._candidates(con, session)}
            order = ordering.ordered([ordering.Candidate(r["id"], bool(r["appointment"]), r["weight"], r["queued_at"])
                                      for r in rows.values()])
            waiting = tuple(self._to_ticket(con, rows[c.id], people_ahead=i) for i, c in enumerate(order[:200]))
            held = tuple(self._to_ticket(con, r) for r in con.execute(
                "SELECT * FROM tickets WHERE service_day = ? AND state = 'held' AND held_window = ? ORDER BY id",
                (today, window)))
            counts = dict(con.execute(
                "SELECT state, COUNT(*) FROM tickets WHERE service_day = ? AND \"window\" = ? GROUP BY state",
                (today, window)).fetchall())
            return WindowStatus(
                window=window, services=tuple(json.loads(session["services"])), paused=bool(session["paused"]),
                pause_reason=session["pause_reason"], current=self._to_ticket(con, current) if current else None,
                waiting=waiting, held=held, served_today=counts.get("done", 0),
                no_show_today=counts.get("no_show", 0), waiting_count=len(order))

    # --- calling -----------------------------------------------------------------------------------

    def call_next(self, *, terminal_id: str, token: str | None) -> Ticket | None:
        def body(con, session):
            self._may_call(con, session)
            rows = self._candidates(con, session)
            cap = self._hall_row(con)["priority_streak_cap"]
            chosen, streak = ordering.choose_next(
                [ordering.Candidate(r["id"], bool(r["appointment"]), r["weight"], r["queued_at"]) for r in rows],
                session["priority_streak"], cap)
            if chosen is None:
                return None
            ticket = next(r for r in rows if r["id"] == chosen.id)
            con.execute("UPDATE windows SET priority_streak = ? WHERE number = ?", (streak, session["window"]))
            self._call(con, ticket, session["window"], CallKind.CALL)
            return self._reload(con, ticket["id"])
        return self._action(terminal_id, token, body)

    def _today_ticket(self, con: sqlite3.Connection, number: str) -> sqlite3.Row:
        row = con.execute("SELECT * FROM tickets WHERE service_day = ? AND number = ?",
                          (self._today(con), number.strip().upper())).fetchone()
        if row is None:
            raise HallError("ticket_not_found", f"no ticket {number} today")
        return row

    def call_number(self, *, terminal_id: str, token: str | None, number: str) -> Ticket:
        def body(con, session):
            self._may_call(con, session)
            ticket = self._today_ticket(con, number)
            if ticket["state"] != "waiting":
                raise HallError("wrong_state", f"{ticket['number']} is {ticket['state']}, not waiting")
            if not self._eligible(ticket, session):
                raise HallError("wrong_window", f"{ticket['number']} is not in a queue of window {session['window']}")
            self._call(con, ticket, session["window"], CallKind.CALL)
            return self._reload(con, ticket["id"])
        return self._action(terminal_id, token, body)

    def recall(self, *, terminal_id: str, token: str | None) -> Ticket:
        def body(con, session):
            ticket = self._need_current(con, session["window"])
            self._call(con, ticket, session["window"], CallKind.RECALL)
            return self._reload(con, ticket["id"])
        return self._action(terminal_id, token, body)

    def call_back(self, *, terminal_id: str, token: str | None, number: str) -> Ticket:
        def body(con, session):
            self._may_call(con, session)
            ticket = self._today_ticket(con, number)
            if ticket["state"] != "held":
                raise HallError("wrong_state", f"{ticket['number']} is {ticket['state']}, not held")
            if ticket["held_window"] != session["window"]:
                raise HallError("wrong_window", f"{ticket['number']} is held at window {ticket['held_window']}")
            self._call(con, ticket, session["window"], CallKind.CALL)
            return self._reload(con, ticket["id"])
        return self._action(terminal_id, token, body)

    # --- ending or moving the current ticket -------------------------------------------------------

    def _end_current(self, terminal_id: str, token: str | None, sql: str, *params) -> Ticket:
        def body(con, session):
            ticket = self._need_current(con, session["window"])
            con.execute(sql, (*params, ticket["id"]))
            return self._reload(con, ticket["id"])
        return self._action(terminal_id, token, body)

    def no_show(self, *, terminal_id: str, token: str | None) -> Ticket:
        return self._end_current(terminal_id, token, "UPDATE tickets SET state = 'no_show', finished_at = ?"
                                 " WHERE id = ?", self.clock.now().timestamp())

    def finish(self, *, terminal_id: str, token: str | None, outcome: Outcome) -> Ticket:
        return self._end_current(terminal_id, token, "UPDATE tickets SET state = 'done', finished_at = ?,"
                                 " outcome = ? WHERE id = ?", self.clock.now().timestamp(), Outcome(outcome).value)

    def hold(self, *, terminal_id: str, token: str | None) -> Ticket:
        return self._end_current(terminal_id, token, "UPDATE tickets SET state = 'held', held_window = \"window\","
                                 " \"window\" = NULL WHERE id = ?")

    def return_to_queue(self, *, terminal_id: str, token: str | None) -> Ticket:
        """Back into its queue, at the end (queued again now)."""
        return self._end_current(terminal_id, token, "UPDATE tickets SET state = 'waiting', \"window\" = NULL,"
                                 " called_at = NULL, queued_at = ? WHERE id = ?", self.clock.now().timestamp())

    def transfer(self, *, terminal_id: str, token: str | None, service_prefix: str | None = None,
                 window: int | None = None) -> Ticket:
        """Into another service's queue and/or to one window only; keeps its place by arrival."""
        def body(con, session):
            if service_prefix is None and window is None:
                raise HallError("invalid_request", "transfer needs a service_prefix or a window")
            if window is not None and service_prefix is None and window == session["window"]:
                raise HallError("invalid_request", "transfer to the same window and service changes nothing")
            ticket = self._need_current(con, session["window"])
            service = self._service_row(con, service_prefix or ticket["service"])
            if window is not None and con.execute("SELECT 1 FROM windows WHERE number = ?",
                                                  (window,)).fetchone() is None:
                raise HallError("unknown_window", f"no window {window}")
            hall = self._hall_row(con)
            weight = service["priority_weight"] + (hall["elderly_boost"] if ticket["priority"] else 0)
            con.execute("UPDATE tickets SET state = 'waiting', service = ?, weight = ?, target_window = ?,"
                        " \"window\" = NULL, called_at = NULL WHERE id = ?",
                        (service["prefix"], weight, window, ticket["id"]))
            return self._reload(con, ticket["id"])
        return self._action(terminal_id, token, body)

    # --- pausing -----------------------------------------------------------------------------------

    def pause(self, *, terminal_id: str, token: str | None, reason: str) -> None:
        def body(con, session):
            if session["paused"]:
                raise HallError("wrong_state", f"window {session['window']} is already paused")
            con.execute("UPDATE windows SET paused = 1, pause_reason = ? WHERE number = ?",
                        (reason, session["window"]))
        self._action(terminal_id, token, body)

    def resume(self, *, terminal_id: str, token: str | None) -> None:
        def body(con, session):
            if not session["paused"]:
                raise HallError("wrong_state", f"window {session['window']} is not paused")
            con.execute("UPDATE windows SET paused = 0, pause_reason = '' WHERE number = ?", (session["window"],))
        self._action(terminal_id, token, body)

    # --- the hall display --------------------------------------------------------------------------

    def call_events(self, after_seq: int, limit: int = CALL_EVENTS_LIMIT) -> list[CallEvent]:
        """Today's call events after ``after_seq``, oldest first; only the latest ``limit`` of them (a display
        that was away does not need to announce stale calls)."""
        with self._read() as con:
            tz = hall_zone(self._hall_row(con)["timezone"])
            rows = con.execute(
                "SELECT * FROM (SELECT * FROM call_events WHERE seq > ? AND service_day = ? ORDER BY seq DESC"
                " LIMIT ?) AS latest ORDER BY seq", (after_seq, self._today(con), limit)).fetchall()
            return [CallEvent(seq=r["seq"], ticket_number=r["number"], window=r["window"], kind=CallKind(r["kind"]),
                              at=self._dt(r["at"], tz)) for r in rows]

    def display_board(self) -> HallBoard:
        """Every window (open: a clerk's session is live; paused; closed) with the number it serves now,
        today's waiting count per service in the hall's order, and today's satisfaction rate over the ratings
        an appeal did not exclude (hall_server/rating_stats.py's definition), None before the first."""
        with self._read() as con:
            today = self._today(con)
            now = self.clock.now().timestamp()
            staffed = {r[0] for r in con.execute("SELECT DISTINCT \"window\" FROM sessions WHERE expires >= ?", (now,))}
            serving = dict(con.execute("SELECT \"window\", number FROM tickets WHERE state = 'called' "
                                       "AND service_day = ?", (today,)).fetchall())
            waiting = dict(con.execute(
                "SELECT service, COUNT(*) FROM tickets WHERE service_day = ? AND state = 'waiting' GROUP BY service",
                (today,)).fetchall())
            windows = []
            for w in self._window_rows(con):
                state = (WindowState.CLOSED if w["number"] not in staffed
                         else WindowState.PAUSED if w["paused"] else WindowState.OPEN)
                windows.append(BoardWindow(w["number"], w["name"], state, serving.get(w["number"])))
            prefixes = [p for (p,) in con.execute("SELECT prefix FROM services ORDER BY position")]
            services = tuple((p, waiting.get(p, 0)) for p in prefixes)
            rated = dict(con.execute("SELECT level, COUNT(*) FROM ratings WHERE day = ? AND excluded = 0"
                                     " GROUP BY level", (today,)).fetchall())
            rate = satisfaction_rate(rated)
            satisfaction = None if rate is None else Satisfaction(rate=rate, ratings=sum(rated.values()))
            return HallBoard(windows=tuple(windows), waiting=services, satisfaction=satisfaction)
