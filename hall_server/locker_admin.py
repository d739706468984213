"""``kiosk hall-admin --db DB locker [--overdue] [--alerts] [--json]``: what waits in the smart lockers.

    locker --reclaim NUMBER --staff ID --window N     staff took the item to the pickup window

One line per item waiting (case number, locker and compartment, when deposited, by whom, days waiting),
oldest first; ``--overdue`` only those waiting ``locker_overdue_days`` (the hall file's, default 7) or
longer, for staff to reclaim; ``--alerts`` the doors that jammed or were left open (lockers.py,
pickup_kiosk.py). ``--json`` prints the same as a JSON list. Nothing here names a person.
"""

from __future__ import annotations

import argparse
import json
import sys

from hall_server import lockers


def register(sub) -> None:
    parser = sub.add_parser("locker", help="the items waiting in the smart lockers, the overdue ones, the alerts")
    parser.add_argument("--overdue", action="store_true", help="only items waiting the configured days or longer")
    parser.add_argument("--alerts", action="store_true", help="the doors that jammed or were left open")
    parser.add_argument("--json", action="store_true", help="as JSON")
    parser.add_argument("--reclaim", metavar="NUMBER", help="a case number: staff took its item to a window")
    parser.add_argument("--staff", help="who reclaimed it (with --reclaim)")
    parser.add_argument("--window", type=int, help="the pickup window it now waits at (with --reclaim)")


def command(store, args: argparse.Namespace) -> int:
    if args.reclaim:
        if not (args.staff and args.window):
            print("error: --reclaim needs --staff and --window", file=sys.stderr)
            return 1
        view = lockers.reclaim(store, args.reclaim.strip(), staff=args.staff, window=args.window)
        print(f"{view['tracking']} waits at window {args.window}")
        return 0
    rows = lockers.alerts(store) if args.alerts else lockers.items(store, overdue=args.overdue)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif args.alerts:
        for a in rows:
            print(f"{a['at']}  {a['locker']}-{a['number']:<4} {a['fault']:<10} {a['terminal']}  {a['tracking'] or ''}")
    else:
        for i in rows:
            flag = "  OVERDUE" if i["overdue"] else ""
            print(f"{i['tracking']}  {i['locker']}-{i['number']:<4} deposited {i['deposited_at']} by "
                  f"{i['deposited_by']}, {i['days']} days{flag}")
    return 0
