"""``kiosk hall-admin --db DB cases …``: back-office staff without a terminal move a case on and read it.

    cases show NUMBER [--json]
    cases advance NUMBER --to in_review|approved|refused|ready_for_pickup|picked_up --staff ID
                  [--reason TEXT] [--method window|locker|post] [--window N] [--place TEXT]
                  [--collected-by applicant|proxy]

``advance`` takes the same step as the clerk's API (hall_server/case_progress.py): the same rules, the same
history row (the staff id given, no window; an unknown case or a move its state does not allow is an
error, exit 2) and the same text message to the applicant. ``show`` prints
the case and its history, with the clerks' notes (a withdrawal's reason): this command is staff's own.
"""

from __future__ import annotations

import argparse
import json
import re
import sys

from core.domain.appointments import CaseState, Collector, PickupMethod
from hall_server import case_progress, cases
from hall_server.case_records import STAFF_ID

TRACKING_DIGITS = 20


def register(sub) -> None:
    parser = sub.add_parser("cases", help="move a case on after acceptance, or show it")
    actions = parser.add_subparsers(dest="action", required=True)
    show = actions.add_parser("show", help="a case with its history")
    show.add_argument("number", help="the 20-digit case number (办件编号)")
    show.add_argument("--json", action="store_true", help="as the platform's JSON")
    advance = actions.add_parser("advance", help="move a case one step on (and tell the applicant)")
    advance.add_argument("number", help="the 20-digit case number (办件编号)")
    advance.add_argument("--to", required=True, choices=[s.value for s in case_progress.TARGETS])
    advance.add_argument("--staff", required=True, help="who moves it: a staff id (in the case's history)")
    advance.add_argument("--reason", default="", help="a refusal's reason, as the decision states it")
    advance.add_argument("--method", choices=[m.value for m in PickupMethod], help="how a ready result is collected")
    advance.add_argument("--window", type=int, help="the window a result waits at (--method window)")
    advance.add_argument("--place", default="", help="the locker's name, or the post's waybill number")
    advance.add_argument("--collected-by", choices=[c.value for c in Collector], help="who collected the result")


def command(store, args: argparse.Namespace) -> int:
    number = args.number.strip()
    if len(number) != TRACKING_DIGITS or not number.isascii() or not number.isdigit():
        print(f"error: {number!r} is not a case number (20 digits)", file=sys.stderr)
        return 1
    if args.action == "advance":
        if not _staff_id(args.staff):
            print(f"error: {args.staff!r} is not a staff id", file=sys.stderr)
            return 1
        move = case_progress.Move(CaseState(args.to), reason=args.reason,
                                  method=PickupMethod(args.method) if args.method else None, window=args.window,
                                  place=args.place,
                                  collected_by=Collector(args.collected_by) if args.collected_by else None)
        view = case_progress.advance(store, number, move, actor=args.staff, window=None)
    else:
        view = cases.case_view(store, number, notes=True)
    if getattr(args, "json", False):
        print(json.dumps(view, ensure_ascii=False, indent=2))
    else:
        print(describe(view))
    return 0


def _staff_id(value: str) -> bool:
    return re.fullmatch(STAFF_ID, value) is not None


def describe(view: dict) -> str:
    """The case as lines of text: number, matter, state, dates, outcome, then one line a step."""
    lines = [f"{view['tracking']}  {view['matter_code']} {view['matter_name']}",
             f"state: {view['state']}   accepted on {view['accepted_on']}"
             + (f", promised by {view['promised_on']}" if view.get("promised_on") else "")]
    if view.get("refusal_reason"):
        lines.append(f"refused: {view['refusal_reason']}")
    pickup = view.get("pickup")
    if pickup:
        where = f"window {pickup['window']}" if pickup["method"] == "window" else pickup["place"]
        lines.append(f"pickup: {pickup['method']} ({where})")
    if view.get("collected_by"):
        lines.append(f"collected by: {view['collected_by']}")
    for step in view["history"]:
        window = f" at window {step['window']}" if step.get("window") else ""
        note = f"  — {step['note']}" if step.get("note") else ""
        lines.append(f"  {step['at']}  {step['state']:<24} {step['actor']}{window}{note}")
    return "\n".join(lines)

