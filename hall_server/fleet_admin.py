"""``kiosk hall-admin --db DB fleet …``: the fleet from the command line (the same table as the page).

    fleet [--json]                  every terminal: state, last heartbeat, version, outbox, last fault
    fleet webhook URL | --off       where alerts are POSTed (fleet_alerts.py); --off: the log line only
    fleet metrics-token             a new bearer token for /metrics (printed once; the old one stops working)
    fleet flapping [--window S] [--high N] [--low N]
                                    the flap damping's thresholds (fleet_flapping.py; shown when none is given): a
                                    terminal flaps at N changes of status within S seconds, settles at N or fewer
"""

from __future__ import annotations

import json
import sys

from hall_server import fleet, fleet_access, fleet_alerts, fleet_flapping

COLUMNS = ("terminal", "role", "state", "colour", "last heartbeat", "version", "outbox", "last fault", "flapping")


def register(sub) -> None:
    parser = sub.add_parser("fleet", help="the terminals' states from their heartbeats; alerts; /metrics token")
    parser.add_argument("--json", action="store_true", help="one JSON object per terminal, one a line")
    actions = parser.add_subparsers(dest="fleet_action", metavar="ACTION")
    webhook = actions.add_parser("webhook", help="the URL alerts are POSTed to (JSON)")
    webhook.add_argument("url", nargs="?", default="")
    webhook.add_argument("--off", action="store_true", help="no webhook: alerts are logged only")
    actions.add_parser("metrics-token", help="a new bearer token for /metrics")
    flapping = actions.add_parser("flapping", help="flap damping: when a terminal's changes stop being alerted "
                                                   "one by one, and when it has settled")
    flapping.add_argument("--window", type=float, metavar="S",
                          help=f"the window changes are counted over, in seconds (default {fleet_flapping.FLAP_WINDOW_S:g})")
    flapping.add_argument("--high", type=int, metavar="N",
                          help=f"changes within the window that make a terminal flapping (default {fleet_flapping.FLAP_HIGH})")
    flapping.add_argument("--low", type=int, metavar="N",
                          help=f"changes within the window at or under which it has settled (default {fleet_flapping.FLAP_LOW})")


def _row(view: fleet.TerminalView) -> tuple[str, ...]:
    outbox = view.heartbeat.get("outbox")
    return (view.terminal_id, view.role, view.state, view.colour,
            "never" if view.age_s is None else f"{int(view.age_s)} s ago", view.version or "-",
            f"{outbox['waiting']} waiting, {outbox['dead']} dead" if outbox else "-", view.last_fault or "-",
            ", ".join(view.flaps) if view.flapping else "-")


def table(views: list[fleet.TerminalView]) -> str:
    rows = [COLUMNS, *(_row(v) for v in views)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows)


def command(hall_store, args) -> int:
    action = getattr(args, "fleet_action", None)
    if action == "webhook":
        url = "" if args.off else fleet_alerts.check_webhook_url(args.url)
        if not url and not args.off:
            print(fleet.setting(hall_store, fleet_alerts.WEBHOOK) or "no webhook: alerts are logged only")
            return 0
        fleet.set_setting(hall_store, fleet_alerts.WEBHOOK, url)
        print(f"alerts go to {url}" if url else "no webhook: alerts are logged only")
        return 0
    if action == "metrics-token":
        print(fleet_access.new_metrics_token(hall_store))
        return 0
    if action == "flapping":
        if (args.window, args.high, args.low) == (None, None, None):
            damping = fleet_flapping.damping(hall_store)
        else:
            try:
                damping = fleet_flapping.set_damping(hall_store, window_s=args.window, high=args.high, low=args.low)
            except ValueError as exc:
                print(exc, file=sys.stderr)
                return 2
        print(f"a terminal flaps at {damping.high} changes of status within {damping.window_s:g} s, and has settled "
              f"at {damping.low} or fewer")
        return 0
    views = fleet.terminals(hall_store)
    if args.json:
        for view in views:
            print(json.dumps(view.to_json(), ensure_ascii=False))
    else:
        print(table(views))
        counts = fleet.counts_by_state(views)
        flapping = fleet_flapping.flapping_count(views)
        print(f"\n{counts['online']} online, {counts['late']} late, {counts['offline']} offline"
              + (f"; {flapping} flapping" if flapping else ""), file=sys.stdout)
    return 0
