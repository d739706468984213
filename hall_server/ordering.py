"""Who is called next: the hall's ordering rules as pure functions (no SQL, no clock).

docs/hall-server.md, "How halls work": appointments first, then priority weight, then arrival; halls ask for a
fairness control, "at most N priority tickets in a row".

- A ticket's *weight* is its service's ``priority_weight`` plus the hall's elderly boost when the holder is
  at least ``elderly_priority_age`` (default 70) on the day of issue.
- The call order is (appointment first, higher weight first, earlier ``queued_at`` first, lower id first).
- A call is a *priority call* when the ticket it picks is not the one that has waited longest (lowest
  ``queued_at``) among the window's candidates: it jumped the queue because of an appointment, age or
  service weight. After ``cap`` priority calls in a row at one window, the next call takes the ticket that
  has waited longest, whatever its weight; that call ends the streak. ``cap`` 0 means no cap.
- Manual calls (a specific number, a call back) neither count nor end the streak.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    id: int
    appointment: bool
    weight: int
    queued_at: float


def call_order(c: Candidate) -> tuple:
    return (not c.appointment, -c.weight, c.queued_at, c.id)


def arrival_order(c: Candidate) -> tuple:
    return (c.queued_at, c.id)


def choose_next(candidates: Sequence[Candidate], streak: int, cap: int) -> tuple[Candidate | None, int]:
    """The ticket to call and the window's new priority streak."""
    if not candidates:
        return None, streak
    longest_waiting = min(candidates, key=arrival_order)
    if cap > 0 and streak >= cap:
        return longest_waiting, 0
    chosen = min(candidates, key=call_order)
    return chosen, (0 if chosen.id == longest_waiting.id else streak + 1)


def ordered(candidates: Sequence[Candidate]) -> list[Candidate]:
    """The waiting list in call order (as the clerk's panel shows it; the cap is not simulated)."""
    return sorted(candidates, key=call_order)


def estimated_wait_min(people_ahead: int, avg_service_min: float, windows_serving: int) -> int:
    """Whole minutes: people ahead × average service time, shared by the windows serving the queue."""
    if people_ahead <= 0:
        return 0
    return math.ceil(people_ahead * avg_service_min / max(1, windows_serving))
