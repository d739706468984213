"""Who may read the fleet: the page's staff sessions (the technician right) and the /metrics token.

- The technician right: staff flagged by ``kiosk hall-admin add-staff ID … --technician``
  (``staff_technicians``). They log in to the fleet page with their staff id and PIN; the attempt counts
  against the same lockout as a clerk's login at a window (windows.py ``_take_attempt``), and an unknown id,
  a wrong PIN and a member of staff without the right get one answer, ``bad_pin``.
- A page session is a random token in an HttpOnly, SameSite=Strict cookie; only its hash is stored
  (``fleet_sessions``), for ``SESSION_HOURS``.
- /metrics answers a request from loopback, or one with ``Authorization: Bearer <token>`` where the token
  is the one ``kiosk hall-admin fleet metrics-token`` printed (only its hash is kept). A request that came
  through a proxy (``Forwarded``, ``X-Forwarded-For`` or ``X-Real-IP``) is not taken as loopback even when
  the proxy runs on the server (the TLCP set-up of docs/deployment.md): it needs the token.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from hall_server import crypto, fleet
from hall_server.problems import HallError

SESSION_HOURS = 8
METRICS_TOKEN = "metrics_token_sha256"
TECHNICIAN_PIN_MIN = 8


def check_technician_pin(pin: str) -> None:
    """ValueError for a PIN too short for a technician (its verifier is kept on the kiosks)."""
    if len(pin) < TECHNICIAN_PIN_MIN:
        raise ValueError(f"a technician's PIN: {TECHNICIAN_PIN_MIN} characters or more (its verifier is kept on "
                         "the kiosks for offline entry)")


def set_technician(hall_store, staff_id: str, technician: bool, pin: str | None = None) -> None:
    """Gives (or takes) the technician right; ValueError for an unknown staff id.

    Giving it needs the member's own PIN, of at least ``TECHNICIAN_PIN_MIN`` characters: a technician's PIN
    verifier is copied to every locked-down kiosk for offline entry (hall_server/technicians.py), where a
    stolen disk could be searched offline, so a short PIN is refused rather than sent out."""
    with hall_store._read() as con:
        row = con.execute("SELECT pin_salt, pin_hash FROM staff WHERE staff_id = ?", (staff_id,)).fetchone()
    if row is None:
        raise ValueError(f"no staff {staff_id}")
    # scrypt outside the write transaction: other writers do not wait for it
    if technician and (pin is None or not crypto.verify_pin(pin, row[0], row[1])):
        raise ValueError(f"the technician right needs {staff_id}'s own PIN (add-staff … --pin P --technician)")
    if technician:
        check_technician_pin(pin)
    with hall_store._write() as con:
        if technician:
            con.execute("INSERT INTO staff_technicians VALUES (?) ON CONFLICT DO NOTHING", (staff_id,))
        else:
            con.execute("DELETE FROM staff_technicians WHERE staff_id = ?", (staff_id,))


def login(hall_store, staff_id: str, pin: str) -> str:
    """A page session's token for a member of staff with the technician right; ``bad_pin`` otherwise
    (``too_many_attempts`` while the id is locked out)."""
    now = hall_store.clock.now().timestamp()
    if not staff_id or len(staff_id) > 64 or len(pin) > 64:
        raise HallError("bad_pin", "unknown staff id or wrong PIN")
    hall_store._take_attempt(staff_id, now)
    con = hall_store._con()
    staff = con.execute("SELECT s.pin_salt, s.pin_hash, t.staff_id AS technician FROM staff s LEFT JOIN"
                        " staff_technicians t ON t.staff_id = s.staff_id WHERE s.staff_id = ?",
                        (staff_id,)).fetchone()
    salt, expected = (staff["pin_salt"], staff["pin_hash"]) if staff else (b"\0" * 16, b"")
    if not (crypto.verify_pin(pin, salt, expected) and staff is not None and staff["technician"]):
        raise HallError("bad_pin", "unknown staff id or wrong PIN")
    token = crypto.new_token()
    with hall_store._write() as con:
        con.execute("DELETE FROM login_attempts WHERE staff_id = ?", (staff_id,))
        con.execute("DELETE FROM fleet_sessions WHERE expires < ?", (now,))
        con.execute("INSERT INTO fleet_sessions VALUES (?, ?, ?)",
                    (crypto.token_hash(token), staff_id, now + SESSION_HOURS * 3600))
    return token


def session_staff(hall_store, token: str | None) -> str | None:
    """The staff id of a live page session that still has the technician right, or None."""
    if not token or len(token) > 128:
        return None
    row = hall_store._con().execute(
        "SELECT s.staff_id, s.expires FROM fleet_sessions s JOIN staff_technicians t ON t.staff_id = s.staff_id"
        " WHERE s.token_hash = ?", (crypto.token_hash(token),)).fetchone()
    if row is None or row["expires"] < hall_store.clock.now().timestamp():
        return None
    return row["staff_id"]


def logout(hall_store, token: str | None) -> None:
    if token:
        with hall_store._write() as con:
            con.execute("DELETE FROM fleet_sessions WHERE token_hash = ?", (crypto.token_hash(token),))


def new_metrics_token(hall_store) -> str:
    """A new /metrics token (printed once; only its hash is kept); the one before stops working."""
    token = crypto.new_token()
    fleet.set_setting(hall_store, METRICS_TOKEN, hashlib.sha256(token.encode()).hexdigest())
    return token


FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def metrics_allowed(hall_store, client_host: str | None, authorization: str | None, *, forwarded: bool = False) -> bool:
    """``forwarded``: the request carries one of FORWARDING_HEADERS (it came through a proxy)."""
    try:
        if client_host and not forwarded and ipaddress.ip_address(client_host).is_loopback:
            return True
    except ValueError:
        pass
    expected = fleet.setting(hall_store, METRICS_TOKEN)
    if not expected or not authorization or not authorization.startswith("Bearer "):
        return False
    given = hashlib.sha256(authorization[len("Bearer "):].strip().encode()).hexdigest()
    return hmac.compare_digest(given, expected)
