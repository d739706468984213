"""Tickets at the kiosk: hall info, issuing a number, looking a ticket up (mixed into ``HallStore``).

Issuing (one ``BEGIN IMMEDIATE`` transaction, so concurrent kiosks never share or skip a number):

1. The same ``request_id`` again (a retry after a lost answer) returns the ticket it issued; the same id
   with a different request is refused (``request_id_reused``).
2. The service must exist (``unknown_service``).
3. One waiting ticket per identified person per service: with an ID number, a ticket of today for that
   person in that service that is still waiting, called or held comes back with ``reprint=True``. The
   same holds for an appointment code. (Checked before hours and cap: a reprint is always possible.)
4. Issuing hours (hall time zone), then the daily cap (``daily_cap_reached`` once the sequence reached it).
5. The next number of the service's sequence for today (``sequences`` table; A001, A002…, reset daily
   because the key is the hall-local date), stored with a random tracking code.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import date

from core.clock import hall_now, hall_zone, in_hall_time
from core.domain import HallInfo, Service, Ticket, TicketState, Window
from hall_server import crypto, ordering, ticket_blocks
from hall_server.problems import HallError

ACTIVE_STATES = ("waiting", "called", "held")


MAX_AGE = 130  # a birth date further back than this is no living person's


def plausible_birth(birth: date, day: date) -> bool:
    """Born on or before ``day`` and at most MAX_AGE years before it."""
    return day >= birth and age_on(birth, day) <= MAX_AGE


def birth_date_from_id(id_number: str) -> date | None:
    """The birth date inside an 18-character resident ID number (GB 11643: characters 7–14)."""
    if len(id_number) != 18 or not id_number[:17].isdigit():
        return None
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def ticket_number(prefix: str, seq: int) -> str:
    return f"{prefix}{seq:03d}"


class IssuingMixin:
    # --- hall --------------------------------------------------------------------------------------

    def _hall_row(self, con: sqlite3.Connection) -> sqlite3.Row:
        row = con.execute("SELECT * FROM hall").fetchone()
        if row is None:
            raise HallError("not_found", "no hall is configured on this server")
        return row

    def _service_row(self, con: sqlite3.Connection, prefix: str) -> sqlite3.Row:
        row = con.execute("SELECT * FROM services WHERE prefix = ?", (prefix,)).fetchone()
        if row is None:
            raise HallError("unknown_service", f"no service with prefix {prefix!r}")
        return row

    def _window_rows(self, con: sqlite3.Connection) -> list[sqlite3.Row]:
        return con.execute("SELECT * FROM windows ORDER BY number").fetchall()

    def _within_hours(self, service: sqlite3.Row, hhmm: str) -> bool:
        hours = json.loads(service["issuing_hours"])
        return not hours or any(start <= hhmm < end for start, end in hours)

    def hall_info(self) -> HallInfo:
        with self._read() as con:
            hall = self._hall_row(con)
            now = hall_now(hall["timezone"], self.clock)
            day = now.date().isoformat()
            issued = dict(con.execute("SELECT prefix, last FROM sequences WHERE service_day = ?", (day,)).fetchall())
            waiting = dict(con.execute(
                "SELECT service, COUNT(*) FROM tickets WHERE service_day = ? AND state = 'waiting' "
                "GROUP BY service", (day,)).fetchall())
            services = []
            for s in con.execute("SELECT * FROM services ORDER BY position"):
                capped = s["daily_cap"] > 0 and issued.get(s["prefix"], 0) >= s["daily_cap"]
                services.append(Service(
                    prefix=s["prefix"], name=s["name"], name_en=s["name_en"], department=s["department"],
                    daily_cap=s["daily_cap"], priority_weight=s["priority_weight"],
                    issuing_hours=tuple(tuple(h) for h in json.loads(s["issuing_hours"])),
                    available=not capped and self._within_hours(s, now.strftime("%H:%M")),
                    waiting=waiting.get(s["prefix"], 0)))
            windows = tuple(Window(number=w["number"], services=tuple(json.loads(w["services"])), name=w["name"])
                            for w in self._window_rows(con))
            return HallInfo(id=hall["hall_id"], name=hall["name"], name_en=hall["name_en"], timezone=hall["timezone"],
                            services=tuple(services), windows=windows,
                            elderly_priority_age=hall["elderly_priority_age"])

    # --- tickets -----------------------------------------------------------------------------------

    def _people_ahead(self, con: sqlite3.Connection, t: sqlite3.Row) -> int:
        """Waiting tickets of the same queue that the call order puts before ``t``."""
        a, w, q, i = t["appointment"], t["weight"], t["queued_at"], t["id"]
        return con.execute(
            "SELECT COUNT(*) FROM tickets WHERE service_day = ? AND state = 'waiting' AND service = ? AND id != ?"
            " AND (appointment > ? OR (appointment = ? AND (weight > ? OR (weight = ? AND"
            " (queued_at < ? OR (queued_at = ? AND id < ?))))))",
            (t["service_day"], t["service"], i, a, a, w, w, q, q, i)).fetchone()[0]

    def _to_ticket(self, con: sqlite3.Connection, t: sqlite3.Row, *, reprint: bool = False,
                   people_ahead: int | None = None) -> Ticket:
        tz = hall_zone(self._hall_row(con)["timezone"])
        service = con.execute("SELECT * FROM services WHERE prefix = ?", (t["service"],)).fetchone()
        ahead = wait = 0
        if t["state"] == "waiting":
            ahead = self._people_ahead(con, t) if people_ahead is None else people_ahead
            if service is not None:
                serving = sum(1 for w in self._window_rows(con) if t["service"] in json.loads(w["services"]))
                wait = ordering.estimated_wait_min(ahead, service["avg_service_min"], serving)
        window = {"waiting": t["target_window"], "held": t["held_window"]}.get(t["state"], t["window"])
        return Ticket(
            number=t["number"], service_prefix=t["service"],
            service_name=service["name"] if service else t["service"],
            service_name_en=service["name_en"] if service else t["service"],
            state=TicketState(t["state"]), issued_at=self._dt(t["issued_at"], tz),
            tracking_code=t["tracking_code"], people_ahead=ahead, estimated_wait_min=wait,
            priority=bool(t["priority"]), appointment=bool(t["appointment"]), window=window,
            called_at=self._dt(t["called_at"], tz), reprint=reprint,
            service_day=date.fromisoformat(t["service_day"]))

    def issue_ticket(self, *, terminal_id: str, service_prefix: str, request_id: str,
                     id_number: str | None = None, birth_date: date | None = None,
                     appointment_code: str | None = None) -> Ticket:
        person = crypto.person_key(self._person_key, id_number) if id_number else None
        today = self.service_day()
        if birth_date is not None and not plausible_birth(birth_date, today):
            raise HallError("invalid_request", f"birth_date: not a living person's (at most {MAX_AGE} years ago)")
        if id_number and birth_date is None:
            birth_date = birth_date_from_id(id_number.strip().upper())
            if birth_date is not None and not plausible_birth(birth_date, today):
                birth_date = None  # a damaged or made-up number: no elderly priority from it
        fingerprint = hashlib.sha256(json.dumps(
            [service_prefix, person, appointment_code, birth_date.isoformat() if birth_date else None]
        ).encode()).hexdigest()

        def body(con: sqlite3.Connection) -> Ticket:
            hall = self._hall_row(con)
            now_utc = self.clock.now()
            now = in_hall_time(now_utc, hall["timezone"])
            day = now.date()
            # 1. a retry of the same press of the button
            same = con.execute("SELECT * FROM tickets WHERE terminal_id = ? AND request_id = ?",
                               (terminal_id, request_id)).fetchone()
            if same is not None:
                if same["request_fingerprint"] != fingerprint:
                    raise HallError("request_id_reused", "this request id was used for another request")
                return self._to_ticket(con, same)
            # 2. the service
            service = self._service_row(con, service_prefix)
            # 3. one waiting ticket per person (or appointment) per service
            marks = ", ".join("?" * len(ACTIVE_STATES))
            for column, value in (("person_hash", person), ("appointment_code", appointment_code)):
                if value is None:
                    continue
                held = con.execute(
                    f"SELECT * FROM tickets WHERE service_day = ? AND {column} = ? AND state IN ({marks})"
                    " AND (issue_prefix = ? OR service = ?) ORDER BY id LIMIT 1",
                    (day.isoformat(), value, *ACTIVE_STATES, service_prefix, service_prefix)).fetchone()
                if held is not None:
                    return self._to_ticket(con, held, reprint=True)
            # 4. the hall's rules for today
            if not self._within_hours(service, now.strftime("%H:%M")):
                raise HallError("outside_issuing_hours", f"service {service_prefix} is not issuing tickets now")
            row = con.execute("SELECT last FROM sequences WHERE service_day = ? AND prefix = ?",
                              (day.isoformat(), service_prefix)).fetchone()
            last = row[0] if row else 0
            if service["daily_cap"] and last >= service["daily_cap"]:
                raise HallError("daily_cap_reached", f"service {service_prefix} has issued today's "
                                                     f"{service['daily_cap']} tickets")
            # 5. the next number (never one leased to a kiosk for offline issuing: ticket_blocks.py)
            seq = ticket_blocks.next_free_seq(con, day.isoformat(), service_prefix, last + 1)
            con.execute("INSERT INTO sequences VALUES (?, ?, ?) ON CONFLICT (service_day, prefix) "
                        "DO UPDATE SET last = excluded.last", (day.isoformat(), service_prefix, seq))
            elderly = birth_date is not None and age_on(birth_date, day) >= hall["elderly_priority_age"]
            weight = service["priority_weight"] + (hall["elderly_boost"] if elderly else 0)
            ts = now_utc.timestamp()
            row = con.execute(
                "INSERT INTO tickets (service_day, number, issue_prefix, seq, service, state, issued_at, queued_at,"
                " tracking_code, request_id, request_fingerprint, terminal_id, person_hash, appointment_code,"
                " priority, appointment, weight) VALUES (?, ?, ?, ?, ?, 'waiting', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " RETURNING *",
                (day.isoformat(), ticket_number(service_prefix, seq), service_prefix, seq, service_prefix, ts, ts,
                 crypto.new_tracking_code(), request_id, fingerprint, terminal_id, person, appointment_code,
                 int(elderly), int(appointment_code is not None), weight)).fetchall()[0]
            return self._to_ticket(con, row)

        return self._group_write(body)  # kiosks issuing at the same moment share one commit

    def ticket_by_tracking(self, tracking_code: str) -> Ticket:
        with self._read() as con:
            row = con.execute("SELECT * FROM tickets WHERE tracking_code = ?", (tracking_code,)).fetchone()
            if row is None:
                raise HallError("ticket_not_found", "no ticket has this tracking code")
            return self._to_ticket(con, row)
