"""A case after acceptance: back-office staff move it on, and the applicant is told at each step.

    accepted ──review──▶ in_review ──decide──▶ approved ──result ready──▶ ready_for_pickup ──collected──▶ picked_up
                                          └──▶ refused (with the reason; final)

``advance(store, tracking, move, actor=…, window=…)`` moves a case one step, as a logged-in clerk does
through the API (``advance_as_clerk``: the X-Clerk-Session decides who and which window) and a hall
administrator does with ``kiosk hall-admin --db DB cases advance NUMBER --to STATE``. What each move holds:

- ``in_review`` (审核): nothing more;
- ``approved`` (准予许可) or ``refused`` (不予许可) with its ``reason`` as the decision states it (shown to
  whoever scans the receipt, and in the text message: it names no person, and an ID or mobile number in
  it is kept masked);
- ``ready_for_pickup`` (待领取) with ``method``: ``window`` (and the window's number), ``locker`` (and the
  locker's ``place``), ``post`` (and the waybill number as ``place``);
- ``picked_up`` (已领取) with ``collected_by``: ``applicant`` or ``proxy``.

Every move is a history row (the state, when by the server's clock, who, at which window) in the same
transaction that changes the case; what a refusal, a pickup or a collection says is kept in
``case_outcomes``. A move the case's state does not allow is refused ``wrong_state`` with the states it
may move from; a move repeated (a re-send after a lost answer) is answered with the case as it is, adding
no step and no message, as long as it says the same (a different reason or pickup is ``wrong_state``).

After the move is committed, the store's ``notifier`` (hall_server/notify.py) is given the message; a
failing notifier is logged and never undoes the move. Cases opened by synced records (受理, 一次性告知,
自助申报) and withdrawn ones are announced the same way (``notify.announce``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core.domain.appointments import CaseState, Collector, PickupMethod
from core.logs import mask_text
from hall_server import cases
from hall_server.notify import announce
from hall_server.problems import HallError

log = logging.getLogger(__name__)

FROM = {CaseState.IN_REVIEW: frozenset({CaseState.ACCEPTED}),
        CaseState.APPROVED: frozenset({CaseState.IN_REVIEW}),
        CaseState.REFUSED: frozenset({CaseState.IN_REVIEW}),
        CaseState.READY_FOR_PICKUP: frozenset({CaseState.APPROVED}),
        CaseState.PICKED_UP: frozenset({CaseState.READY_FOR_PICKUP})}
TARGETS = tuple(FROM)
MAX_REASON = 200
MAX_PLACE = 40


@dataclass(frozen=True)
class Move:
    """One step to take: the state to reach and what it holds (see the module's docstring)."""

    to: CaseState
    reason: str = ""
    method: PickupMethod | None = None
    window: int | None = None
    place: str = ""
    collected_by: Collector | None = None

    def problem(self) -> str | None:
        """What is wrong with the move's details (None: nothing); ``invalid_request`` words."""
        if self.to not in FROM:
            return f"to: a case is moved on to one of {', '.join(TARGETS)}, not {self.to}"
        if (self.to is CaseState.REFUSED) != bool(self.reason.strip()):
            return "reason: a refusal states its reason" if self.reason.strip() == "" else \
                "reason: only a refusal has a reason"
        if len(self.reason) > MAX_REASON or len(self.place) > MAX_PLACE:
            return f"reason or place: too long (at most {MAX_REASON} and {MAX_PLACE} characters)"
        if (self.to is CaseState.READY_FOR_PICKUP) != (self.method is not None):
            return "method: a ready result says how it is collected (window, locker, post), and only it"
        if self.method is PickupMethod.WINDOW and not (self.window and 1 <= self.window <= 9999):
            return "window: a result at a window names the window"
        if self.method in (PickupMethod.LOCKER, PickupMethod.POST) and not self.place.strip():
            return "place: a result in a locker names the locker, a posted one its waybill number"
        if (self.to is CaseState.PICKED_UP) != (self.collected_by is not None):
            return "collected_by: a collected result says who collected it (applicant, proxy), and only it"
        return None

    def outcome(self) -> tuple:
        """What the move keeps in ``case_outcomes`` (compared for a repeated move)."""
        return (mask_text(self.reason.strip()) or None, self.method.value if self.method else None,
                self.place.strip() or None, self.collected_by.value if self.collected_by else None)


def _same_outcome(con, tracking: str, move: Move) -> bool:
    row = con.execute("SELECT refusal_reason, pickup_method, pickup_place, collected_by, c.pickup_window "
                      "FROM cases c LEFT JOIN case_outcomes o ON o.tracking = c.tracking WHERE c.tracking = ?",
                      (tracking,)).fetchone()
    reason, method, place, collected_by = move.outcome()
    mine = {CaseState.REFUSED: (row[0],), CaseState.READY_FOR_PICKUP: (row[1], row[2], row[4]),
            CaseState.PICKED_UP: (row[3],)}.get(move.to, ())
    window = move.window if move.method is PickupMethod.WINDOW else None
    wanted = {CaseState.REFUSED: (reason,), CaseState.READY_FOR_PICKUP: (method, place, window),
              CaseState.PICKED_UP: (collected_by,)}.get(move.to, ())
    return mine == wanted


def _keep_outcome(con, tracking: str, move: Move) -> None:
    con.execute("INSERT INTO case_outcomes (tracking) VALUES (?) ON CONFLICT DO NOTHING", (tracking,))
    reason, method, place, collected_by = move.outcome()
    if move.to is CaseState.REFUSED:
        con.execute("UPDATE case_outcomes SET refusal_reason = ? WHERE tracking = ?", (reason, tracking))
    elif move.to is CaseState.READY_FOR_PICKUP:
        window = move.window if move.method is PickupMethod.WINDOW else None
        con.execute("UPDATE case_outcomes SET pickup_method = ?, pickup_place = ? WHERE tracking = ?",
                    (method, place, tracking))
        con.execute("UPDATE cases SET pickup_window = ? WHERE tracking = ?", (window, tracking))
    elif move.to is CaseState.PICKED_UP:
        con.execute("UPDATE case_outcomes SET collected_by = ? WHERE tracking = ?", (collected_by, tracking))


def _move(hall_store, con, tracking: str, move: Move, actor: str, window: int | None) -> bool:
    """Inside the caller's write transaction: True when the case moved, False for a repeated move."""
    row = con.execute("SELECT state FROM cases WHERE tracking = ?", (tracking,)).fetchone()
    if row is None:
        raise HallError("not_found", "no case with this tracking number")
    state = CaseState(row[0])
    if state is move.to:
        if _same_outcome(con, tracking, move):
            return False
        raise HallError("wrong_state", f"the case is {state} already, with other details")
    if state not in FROM[move.to]:
        allowed = ", ".join(sorted(FROM[move.to]))
        raise HallError("wrong_state", f"a case that is {state} cannot move to {move.to} (only from {allowed})")
    con.execute("UPDATE cases SET state = ? WHERE tracking = ?", (move.to.value, tracking))
    _keep_outcome(con, tracking, move)
    cases._add_step(hall_store, con, tracking, move.to, hall_store.clock.now().timestamp(), actor, window)
    return True


def advance(hall_store, tracking: str, move: Move, *, actor: str, window: int | None) -> dict:
    """Moves case ``tracking`` one step (``move``) for ``actor`` (a staff id) at ``window``; returns the case
    with its history and notes. ``HallError``: ``invalid_request`` (the move's details), ``not_found``,
    ``wrong_state``."""
    problem = move.problem()
    if problem is not None:
        raise HallError("invalid_request", problem)
    with hall_store._write() as con:
        moved = _move(hall_store, con, tracking, move, actor, window)
    view = cases.case_view(hall_store, tracking, notes=True)
    if moved:
        log.info("case %s moved to %s by %s", tracking, move.to, actor)
        announce(hall_store, view)
    return view


def advance_as_clerk(hall_store, *, terminal_id: str, token: str | None, tracking: str, move: Move) -> dict:
    """``advance`` for the clerk logged in at ``terminal_id`` (X-Clerk-Session ``token``)."""
    session = hall_store._session(hall_store._con(), terminal_id, token)
    return advance(hall_store, tracking, move, actor=session["staff_id"], window=session["window"])
