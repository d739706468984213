"""The technician's way into a locked-down kiosk: a personal PIN checked on the kiosk itself, offline too.

A citizen kiosk runs locked down (docs/deployment.md, "Locking the kiosk down"): full screen, no close.
A technician gets in with the hidden gesture (``CornerGesture``, core/presenters/technician_gate.py) and
their own staff id and PIN. The PINs are provisioned on the hall server like the clerks' (scrypt with a
random salt, RFC 7914); the server gives a kiosk the verifiers of the staff with the technician right as
reference data, which the kiosk caches, so a technician gets in while the network is down — the moment
they are most often called.

    gate = TechnicianGate(credentials=lambda: cached_credentials(), record=audit, clock=time.time,
                          state=lockout_file)
    access = gate.attempt("T0001", "20461379")     # blocking (scrypt, ~50 ms): on a worker
    access.outcome                                  # granted | refused | locked | unavailable

- Wrong PINs lock the kiosk's entry: the ``max_failures``-th wrong one in a row locks it for ``lock_s``,
  doubled for every further lockout, at most a day; a good PIN clears the count. The count is kept
  through restarts (``state``), so switching the kiosk off and on buys nothing. While locked, nothing is
  checked (the PIN is not even hashed).
- An unknown staff id and a wrong PIN get the same answer and cost the same time.
- Every attempt that is granted, and every lockout, is recorded (``record``): who (the staff id; never
  the PIN), when, and the outcome — the kiosk's store keeps it in its audit log and sends it to the
  platform through the outbox.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

MAX_FAILURES = 5
LOCK_S = 60.0
MAX_LOCK_S = 86400.0
_DUMMY_SALT = b"\0" * 16


@dataclass(frozen=True)
class Credential:
    """A technician's PIN verifier as the platform serves it: scrypt(pin, salt, n, r, p)."""

    staff_id: str
    name: str
    salt: bytes
    digest: bytes
    n: int = 2 ** 14
    r: int = 8
    p: int = 1

    def matches(self, pin: str) -> bool:
        return hmac.compare_digest(_scrypt(pin, self.salt, self.n, self.r, self.p, len(self.digest)), self.digest)


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=256 * 1024 * 1024)


def credentials_from_reference(body: Any) -> list[Credential]:
    """The ``technicians`` reference document (``{"technicians": [{staff_id, name, salt, hash, n, r, p}]}``,
    salt and hash hex): what is malformed is skipped, never trusted."""
    out = []
    items = body.get("technicians") if isinstance(body, dict) else None
    for item in items if isinstance(items, list) else []:
        try:
            cred = Credential(str(item["staff_id"]), str(item.get("name", "")), bytes.fromhex(item["salt"]),
                              bytes.fromhex(item["hash"]), int(item.get("n", 2 ** 14)), int(item.get("r", 8)),
                              int(item.get("p", 1)))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        power_of_two = cred.n & (cred.n - 1) == 0
        if cred.staff_id and 16 <= len(cred.digest) <= 64 and 2 ** 10 <= cred.n <= 2 ** 20 and power_of_two \
                and 1 <= cred.r <= 32 and 1 <= cred.p <= 4:
            out.append(cred)
    return out


class Outcome(enum.StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"  # unknown staff id or wrong PIN (one answer for both)
    LOCKED = "locked"  # too many wrong PINs: wait ``wait_s``
    UNAVAILABLE = "unavailable"  # no technician credentials on this kiosk yet (never online since install)


@dataclass(frozen=True)
class Access:
    outcome: Outcome
    staff_id: str = ""
    name: str = ""
    wait_s: float = 0.0


class LockoutState(Protocol):
    """Where the count of wrong PINs survives a restart (no personal data: counts and times)."""

    def read(self) -> dict: ...

    def write(self, state: dict) -> None: ...


class TechnicianGate:
    def __init__(self, credentials: Callable[[], list[Credential]], *, record: Callable[[dict], None],
                 clock: Callable[[], float], state: LockoutState, max_failures: int = MAX_FAILURES,
                 lock_s: float = LOCK_S) -> None:
        self.credentials = credentials
        self.record = record
        self.clock = clock
        self.state = state
        self.max_failures = max_failures
        self.lock_s = lock_s
        self._lock = threading.Lock()

    def _load(self) -> dict:
        try:
            state = self.state.read()
        except (OSError, ValueError):
            state = {}
        return {"failures": int(state.get("failures", 0)), "lockouts": int(state.get("lockouts", 0)),
                "locked_until": float(state.get("locked_until", 0.0))}

    def locked_for(self) -> float:
        """Seconds until PINs are checked again (0: not locked)."""
        return max(0.0, self._load()["locked_until"] - self.clock())

    def attempt(self, staff_id: str, pin: str) -> Access:
        """Checks one staff id and PIN. Blocking (scrypt): call it on a worker."""
        with self._lock:
            state, now = self._load(), self.clock()
            if state["locked_until"] > now:
                return Access(Outcome.LOCKED, wait_s=state["locked_until"] - now)
            known = {c.staff_id: c for c in self.credentials()}
            if not known:
                return Access(Outcome.UNAVAILABLE)
            cred = known.get(staff_id.strip())
            if cred is None:  # the same work as a real check: an unknown id is not told apart by time
                Credential("", "", _DUMMY_SALT, bytes(32)).matches(pin)
                good = False
            else:
                good = cred.matches(pin)
            if good:
                self.state.write({"failures": 0, "lockouts": 0, "locked_until": 0.0})
                self.record({"staff_id": cred.staff_id, "outcome": Outcome.GRANTED.value, "at": now})
                return Access(Outcome.GRANTED, cred.staff_id, cred.name)
            state["failures"] += 1
            if state["failures"] >= self.max_failures:
                wait = min(self.lock_s * 2 ** state["lockouts"], MAX_LOCK_S)
                state.update(failures=0, lockouts=state["lockouts"] + 1, locked_until=now + wait)
                self.state.write(state)
                self.record({"staff_id": staff_id.strip()[:64], "outcome": "locked_out", "at": now,
                             "locked_s": wait})
                return Access(Outcome.LOCKED, wait_s=wait)
            self.state.write(state)
            return Access(Outcome.REFUSED)
