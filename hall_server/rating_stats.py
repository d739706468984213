"""Rating statistics and the export for the provincial platform; the ``hall-admin`` commands that print them.

``stats(store, start, end)``: counts per level and the satisfaction rate — (非常满意 + 满意 + 基本满意)
/ all (``core.domain.rating.satisfaction_rate``; docs/evaluation.md gives the definition and its source) — over the
hall and per window, clerk, service, matter and day. Ratings an upheld appeal excluded are left out (their
number is given as ``excluded``); a rating that evaluates two clerks counts once for each of them.

``export(store, start, end)``: every rating of the days with the national field set (docs/evaluation.md,
"Export"), excluded ones included and flagged; the applicant only as the hall's keyed hash, the citizen's
words with ID and mobile numbers masked.

    kiosk hall-admin --db DB ratings [--from DATE] [--to DATE] [--json]
    kiosk hall-admin --db DB ratings export [--from DATE] [--to DATE] > ratings.json
    kiosk hall-admin --db DB followups [--open] [--overdue] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime

from core.domain.rating import RatingLevel, satisfaction_rate
from core.logs import mask_text
from hall_server import rating_reviews, ratings
from hall_server.cases import _region
from hall_server.rating_records import rating_reference

FORMAT = "hall-evaluation/1"
GROUPS = ("window", "clerk", "service", "matter", "day")


def _rows(hall_store, start: date | None, end: date | None):
    sql, params = "SELECT * FROM ratings WHERE 1 = 1", []
    if start is not None:
        sql, params = sql + " AND day >= ?", [*params, start.isoformat()]
    if end is not None:
        sql, params = sql + " AND day <= ?", [*params, end.isoformat()]
    con = hall_store._con()
    return con, con.execute(sql + " ORDER BY rated_at, id", params).fetchall()


def _line(key, counts: dict[int, int], name: str = "") -> dict:
    return {"key": key, **({"name": name} if name else {}),
            "counts": {str(level): counts.get(level, 0) for level in range(5, 0, -1)},
            "total": sum(counts.values()), "satisfaction_rate": satisfaction_rate(counts)}


def _keys(row, group: str) -> list:
    if group == "clerk":
        return json.loads(row["clerks"])
    return [{"window": row["window"], "service": row["service"], "matter": row["matter_code"],
             "day": row["day"]}[group]]


def stats(hall_store, start: date | None = None, end: date | None = None) -> dict:
    con, rows = _rows(hall_store, start, end)
    counted = [r for r in rows if not r["excluded"]]
    overall: dict[int, int] = {}
    groups: dict[str, dict] = {g: {} for g in GROUPS}
    for r in counted:
        overall[r["level"]] = overall.get(r["level"], 0) + 1
        for group in GROUPS:
            for key in _keys(r, group):
                if key is not None:
                    counts = groups[group].setdefault(key, {})
                    counts[r["level"]] = counts.get(r["level"], 0) + 1
    names = {"clerk": dict(con.execute("SELECT staff_id, name FROM staff").fetchall()),
             "service": dict(con.execute("SELECT prefix, name FROM services").fetchall())}
    return {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None,
            **_line("all", overall), "excluded": len(rows) - len(counted),
            "by": {g: [_line(k, c, names.get(g, {}).get(k, "")) for k, c in sorted(groups[g].items(), key=str)]
                   for g in GROUPS}}


def export(hall_store, start: date | None = None, end: date | None = None) -> dict:
    con, rows = _rows(hall_store, start, end)
    hall = con.execute("SELECT hall_id, name FROM hall").fetchone()
    reasons = {r["code"]: r["label"] for r in rating_reference(hall_store, con)["reasons"]}
    level_names = {lv["value"]: lv["label"] for lv in rating_reference(hall_store, con)["levels"]}
    tz = hall_store.tz(con)
    out = []
    for r in rows:
        view = ratings.rating_view(hall_store, con, r)
        fu = con.execute("SELECT state, due_on, closed_at FROM follow_ups WHERE rating_id = ?", (r["id"],)).fetchone()
        out.append({
            "evaluation_id": r["record_id"], "case_number": r["case_number"], "ticket_number": r["ticket_number"],
            "matter_code": r["matter_code"], "matter_version": r["matter_version"], "department": r["department"],
            "channel": r["channel"], "rated_at": datetime.fromtimestamp(r["rated_at"], tz).isoformat(),
            "window": r["window"], "service": r["service"], "clerks": view["clerks"],
            "level": r["level"], "level_name": level_names.get(r["level"], RatingLevel(r["level"]).name),
            "reasons": [{"code": c, "label": reasons.get(c, "")} for c in view["reasons"]],
            "text": mask_text(view["text"]), "applicant_hash": r["applicant_hash"],
            "excluded": view["excluded"], "appeal": view["appeal"]["state"] if view["appeal"] else None,
            "follow_up": None if fu is None else {
                "state": fu[0], "due_on": fu[1],
                "closed_at": None if fu[2] is None else datetime.fromtimestamp(fu[2], tz).isoformat()}})
    return {"format": FORMAT, "hall": {"id": hall[0] if hall else None, "name": hall[1] if hall else None,
                                       "region": _region(con)},
            "generated_at": hall_store.now_local(con).isoformat(), "from": start.isoformat() if start else None,
            "to": end.isoformat() if end else None, "ratings": out}


# --- hall-admin ---------------------------------------------------------------------------------------------

def register(sub) -> None:
    """``ratings`` and ``followups`` for ``python -m hall_server`` / ``kiosk hall-admin``."""
    rated = sub.add_parser("ratings", help="好差评: counts per level and satisfaction rate, or the export")
    rated.add_argument("action", nargs="?", choices=("export",), help="export: every rating as JSON on stdout")
    rated.add_argument("--from", dest="start", type=date.fromisoformat, metavar="YYYY-MM-DD")
    rated.add_argument("--to", dest="end", type=date.fromisoformat, metavar="YYYY-MM-DD")
    rated.add_argument("--json", action="store_true", help="the statistics as JSON")
    follow = sub.add_parser("followups", help="the follow-ups of 差评 (整改回访)")
    follow.add_argument("--open", action="store_true", help="only those not closed")
    follow.add_argument("--overdue", action="store_true", help="only those open past their due day")
    follow.add_argument("--json", action="store_true")


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


def _print_line(label: str, line: dict) -> None:
    counts = " ".join(f"{level}:{n}" for level, n in line["counts"].items())
    name = f" {line['name']}" if line.get("name") else ""
    print(f"{label}{name}\t{counts}\ttotal {line['total']}\tsatisfied {_percent(line['satisfaction_rate'])}")


def command(hall_store, args: argparse.Namespace) -> int:
    if args.command == "followups":
        found = rating_reviews.follow_ups(hall_store, open_only=args.open, overdue=args.overdue, notes=False)
        if args.json:
            json.dump(found, sys.stdout, ensure_ascii=False, indent=1)
            print()
            return 0
        for f in found:
            r = f["rating"]
            subject = r["case_number"] or f"{r['day']} {r['ticket_number']}"
            flag = "\tOVERDUE" if f["overdue"] else ""
            print(f"{f['id']}\t{f['state']}\tdue {f['due_on']}\towner {f['owner'] or '-'}\tlevel {r['level']}\t"
                  f"window {r['window'] or '-'}\t{subject}{flag}")
        return 0
    if args.start and args.end and args.start > args.end:
        print("error: --from is after --to", file=sys.stderr)
        return 2
    if args.action == "export":
        json.dump(export(hall_store, args.start, args.end), sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    result = stats(hall_store, args.start, args.end)
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    _print_line("all", result)
    print(f"excluded after appeal\t{result['excluded']}")
    for group in ("window", "service", "clerk"):
        for line in result["by"][group]:
            _print_line(f"{group} {line['key']}", line)
    return 0
