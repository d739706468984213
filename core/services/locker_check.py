"""The technician's three checks of a smart locker, shared by ``kiosk diag locker`` and the technician's
window (core/services/diagnostics.py): open one lock, read one door, scan the boards.

    report = check_locker(bus, "open", board=1, lock=7)
    report.records        # [{"board": 1, "lock": 7, "door": "open", "opened": True}]
    report.outcome        # "done" | "jammed" | "no_board"

Every lock is reported as one record, exactly ``{"board", "lock", "door", "opened"}``: ``door`` as the
board reports it after the command ("open" | "closed"), ``opened`` whether this command released the
lock (False for "status" and "scan"). Errors of the bus (``DeviceTimeout``, ``DeviceProtocolError``,
``DeviceNotFound``) are raised to the caller. Blocking: bounded waits on the bus, run on a worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from core.ports.locker import LockerPort

ACTIONS = ("open", "status", "scan")
OUTCOMES = ("done", "jammed", "no_board")


def lock_record(board: int, lock: int, door: str, opened: bool) -> dict:
    return {"board": board, "lock": lock, "door": door, "opened": opened}


@dataclass(frozen=True)
class LockerReport:
    action: str  # one of ACTIONS
    outcome: str  # "done"; "jammed": the board said the lock did not open; "no_board": nobody answered the scan
    records: list[dict] = field(default_factory=list)  # lock_record per lock
    answered: list[int] = field(default_factory=list)  # boards that answered (scan)
    silent: list[int] = field(default_factory=list)  # addresses nobody answered at (scan)
    raw: list[str] = field(default_factory=list)  # the frames that went by, "tx 8A 01 07 11 9D"


def check_locker(bus: LockerPort, action: str, *, board: int = 1, lock: int = 1,
                 boards: Mapping[int, int] | None = None) -> LockerReport:
    """Runs one check on a started bus. ``boards`` (address → locks) is what "scan" asks."""
    if action == "open":
        result = bus.open_lock(board, lock)
        record = lock_record(board, lock, bus.door(board, lock).value, result.opened)
        return LockerReport(action, "done" if result.opened else "jammed", [record])
    if action == "status":
        return LockerReport(action, "done", [lock_record(board, lock, bus.door(board, lock).value, False)])
    if action != "scan":
        raise ValueError(f"unknown locker check {action!r}; one of {', '.join(ACTIONS)}")
    scans = bus.scan(dict(boards or {board: 24}))
    answered = [s for s in scans if s.answered]
    records = [lock_record(s.board, n, door.value, False) for s in answered for n, door in s.doors.items()]
    return LockerReport(action, "done" if answered else "no_board", records,
                        [s.board for s in answered], [s.board for s in scans if not s.answered])


def raw_line(direction: str, data: bytes) -> str:
    """A frame as the technician reads it: ``rx 8A 01 07 00 8C`` (a locker's frames hold no personal data)."""
    return f"{direction} {data.hex(' ').upper()}"
