"""``kiosk hall-admin --db DB fleet …``: the fleet from the command line (the same table as the page).

    fleet [--json]                  every terminal: state, last heartbeat, version, outbox, last fault
    fleet webhook URL | --off       where alerts are POSTed (fleet_alerts.py); --off: the log line only
    fleet metrics-token             a new bearer token for /metrics (printed once; the old one stops working)
"""

from __future__ import annotations

import json
import sys

from hall_server import fleet, fleet_access, fleet_alerts

COLUMNS = ("terminal", "role", "state", "colour", "last heartbeat", "version", "outbox", "last fault")


def register(sub) -> None:
    parser = sub.add_parser("fleet", help="the terminals' states from their heartbeats; alerts; /metrics token")
    parser.add_argument("--json", action="store_true", help="one JSON object per terminal, one a line")
    actions = parser.add_subparsers(dest="fleet_action", metavar="ACTION")
    webhook = actions.add_parser("webhook", help="the URL alerts are POSTed to (JSON)")
    webhook.add_argument("url", nargs="?", default="")
    webhook.add_argument("--off", action="store_true", help="no webhook: alerts are logged only")
    actions.add_parser("metrics-token", help="a new bearer token for /metrics")


def _row(view: fleet.TerminalView) -> tuple[str, ...]:
    outbox = view.heartbeat.get("outbox")
    return (view.terminal_id, view.role, view.state, view.colour,
            "never" if view.age_s is None else f"{int(view.age_s)} s ago", view.version or "-",
            f"{outbox['waiting']} waiting, {outbox['dead']} dead" if outbox else "-", view.last_fault or "-")


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
    views = fleet.terminals(hall_store)
    if args.json:
        for view in views:
            print(json.dumps(view.to_json(), ensure_ascii=False))
    else:
        print(table(views))
        counts = fleet.counts_by_state(views)
        print(f"\n{counts['online']} online, {counts['late']} late, {counts['offline']} offline", file=sys.stdout)
    return 0
