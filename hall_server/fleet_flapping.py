"""Flap damping on the fleet (docs/fleet.md, "Flapping"): when a terminal's changes of status are alerted one by
one, when it is marked flapping, and when it has settled (``judge``: pure, a function of the status alerted,
the changes noted and the time; ``hall_server.fleet`` keeps, writes and claims what it decides), and the
thresholds, kept in the fleet's settings (``damping``, ``set_damping``: ``hall-admin fleet flapping``)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

# Flap damping: flapping at ``high`` changes within ``window_s``; settled at ``low`` or fewer (fleet settings).
FLAP_WINDOW_S, FLAP_HIGH, FLAP_LOW = 600.0, 6, 2
FLAP_SETTINGS = ("flap_window_s", "flap_high", "flap_low")
MAX_CHANGES_KEPT = 100  # a terminal's noted changes beyond this many are forgotten, the oldest first


@dataclass(frozen=True)
class Damping:
    """The flapping thresholds: a terminal whose status changed ``high`` times or more within the last
    ``window_s`` seconds flaps; a flapping one settles once ``low`` or fewer changes are left in the window."""

    window_s: float = FLAP_WINDOW_S
    high: int = FLAP_HIGH
    low: int = FLAP_LOW

    def __post_init__(self) -> None:
        if not (self.window_s > 0 and 2 <= self.high <= MAX_CHANGES_KEPT and 0 <= self.low < self.high):
            raise ValueError("flapping needs a window over 0 s, 2 to 100 changes to flap, and fewer to settle "
                             f"(window {self.window_s:g} s, flapping at {self.high}, settled at {self.low})")


@functools.lru_cache(maxsize=4096)
def _status(state: str, faults: tuple[str, ...], flapping: tuple[str, ...] | None = None) -> str:
    """The status alerted, as kept in ``alerted``: state and faults, and while flapping what flaps. (Every
    heartbeat asks for its own; a fleet's statuses are few, so they are kept, not encoded again.)"""
    status: dict[str, Any] = {"state": state, "faults": list(faults)}
    if flapping is not None:
        status["flapping"] = list(flapping)
    return json.dumps(status, sort_keys=True)


@functools.lru_cache(maxsize=4096)
def _alerted(alerted: str) -> tuple[str, tuple[str, ...], tuple[str, ...] | None] | None:
    """(state, faults, what flaps or None when not flapping) of a status alerted; None: never alerted."""
    if not alerted:
        return None
    status = json.loads(alerted)
    flapping = status.get("flapping")
    return status["state"], tuple(status["faults"]), None if flapping is None else tuple(flapping)


Changes = tuple[tuple[float, tuple[str, ...]], ...]  # (server time, what changed) of each change noted


def _changes_json(changes: Changes) -> str:
    return json.dumps([[at, list(what)] for at, what in changes], ensure_ascii=False) if changes else ""


def _changes_of(text: str) -> Changes:
    return tuple((at, tuple(what)) for at, what in json.loads(text)) if text else ()


def _what_changed(state: str, faults: tuple[str, ...], old_state: str, old_faults: tuple[str, ...]) -> tuple[str, ...]:
    """The faults that came or went, and ``late`` when the state went late or came back from it (going offline
    is counted too, but never damped, so it is not named)."""
    what = set(faults).symmetric_difference(old_faults)
    if state != old_state:
        what |= {state, old_state} - {"online", "offline"}
    return tuple(sorted(what))


def _what_flaps(changes: Changes) -> tuple[str, ...]:
    """What changed within the window, the most often first."""
    counts: dict[str, int] = {}
    for _, what in changes:
        for item in what:
            counts[item] = counts.get(item, 0) + 1
    return tuple(sorted(counts, key=lambda item: (-counts[item], item)))


def judge(alerted: str, state: str, faults: tuple[str, ...], changes: Changes, now: float,
          damping: Damping) -> tuple[str, Changes, str, tuple[str, ...]]:
    """A terminal's status seen now against the status alerted: (the status to keep as alerted, the changes
    within the window, the alert's event or "" for none, what flaps). A change is noted; a terminal not
    flapping alerts it, or its flapping when it reached ``high`` changes within the window; a flapping one
    alerts only going offline or coming back from it, and its settling once ``low`` or fewer changes are left.
    Pure: the same for a heartbeat (``keep``) and a sweep."""
    old = _alerted(alerted)
    if old is None:  # the first status of a terminal: alerted, no change to note
        return _status(state, faults), changes, "terminal_status", ()
    old_state, old_faults, flapping = old
    changed = (state, faults) != (old_state, old_faults)
    if changed:
        changes = (*changes, (now, _what_changed(state, faults, old_state, old_faults)))[-MAX_CHANGES_KEPT:]
    elif flapping is None:
        return alerted, changes, "", ()
    changes = tuple(c for c in changes if c[0] > now - damping.window_s)
    if flapping is None:
        if len(changes) >= damping.high:
            what = _what_flaps(changes)
            return _status(state, faults, what), changes, "terminal_flapping", what
        return _status(state, faults), changes, "terminal_status", ()
    if len(changes) <= damping.low:
        return _status(state, faults), changes, "terminal_settled", ()
    if not changed:
        return alerted, changes, "", flapping
    what = _what_flaps(changes)
    event = "terminal_status" if "offline" in (state, old_state) else ""  # offline is never damped
    return _status(state, faults, what), changes, event, what


def flapping_count(views: list[Any]) -> int:  # fleet.TerminalView
    return sum(1 for v in views if v.flapping)


# --- the thresholds (fleet settings) -------------------------------------------------------------------

def damping(hall_store) -> Damping:
    """The flapping thresholds (``hall-admin fleet flapping``); the defaults where none is set."""
    rows = dict(hall_store._con().execute(
        "SELECT key, value FROM fleet_settings WHERE key IN (?, ?, ?)", FLAP_SETTINGS).fetchall())
    window_s, high, low = (rows.get(key) for key in FLAP_SETTINGS)
    try:
        return Damping(FLAP_WINDOW_S if window_s is None else float(window_s), FLAP_HIGH if high is None else int(high),
                       FLAP_LOW if low is None else int(low))
    except ValueError:  # written by hand, out of range: the defaults
        return Damping()


def set_damping(hall_store, *, window_s: float | None = None, high: int | None = None,
                low: int | None = None) -> Damping:
    """Changes the thresholds given (ValueError when they would not make sense together); a running server
    follows at its next sweep."""
    current = damping(hall_store)
    new = Damping(current.window_s if window_s is None else float(window_s), current.high if high is None else high,
                  current.low if low is None else low)
    with hall_store._write() as con:
        for key, value in zip(FLAP_SETTINGS, (f"{new.window_s:g}", str(new.high), str(new.low))):
            con.execute("INSERT INTO fleet_settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                        "value = excluded.value", (key, value))
    return new
