"""Technicians at the kiosks: the PIN verifiers a locked-down kiosk checks offline, and who came in.

A citizen kiosk is locked down (docs/deployment.md, "Locking the kiosk down"); a technician gets in with
the hidden gesture and their own staff id and PIN, checked on the kiosk so it works offline. This module
gives citizen terminals the verifiers of the staff with the technician right (``staff_technicians``,
fleet_access.py) as the ``technicians`` reference — ``{"technicians": [{staff_id, name, salt, hash, n, r,
p}]}``, hex, the scrypt parameters of crypto.py — and lists the ``technician_access`` records kiosks send
(``kiosk hall-admin --db DB technician-access [--json]``): who came in, or was locked out, where and when.
PINs themselves never travel; the verifiers do, so a technician's PIN is eight characters or more
(fleet_access.set_technician refuses a shorter one).
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from hall_server import crypto


def technicians_reference(hall_store) -> dict:
    rows = hall_store._con().execute(
        "SELECT s.staff_id, s.name, s.pin_salt, s.pin_hash FROM staff s JOIN staff_technicians t"
        " ON t.staff_id = s.staff_id ORDER BY s.staff_id").fetchall()
    return {"technicians": [{"staff_id": r[0], "name": r[1], "salt": bytes(r[2]).hex(), "hash": bytes(r[3]).hex(),
                             "n": crypto.SCRYPT_N, "r": crypto.SCRYPT_R, "p": crypto.SCRYPT_P} for r in rows]}


def access_log(hall_store) -> list[dict]:
    """The technician_access records, oldest first: terminal, staff id, outcome, when."""
    tz = hall_store.tz(hall_store._con())
    out = []
    for row in hall_store.sync_records("technician_access"):
        content = (row["record"] or {}).get("content") or {}
        at = content.get("at")
        out.append({"terminal": row["terminal_id"], "staff_id": str(content.get("staff_id", ""))[:64],
                    "outcome": str(content.get("outcome", "")),
                    "at": datetime.fromtimestamp(at, tz).isoformat(timespec="seconds")
                    if isinstance(at, (int, float)) else ""})
    return out


def register(sub) -> None:
    parser = sub.add_parser("technician-access", help="who came in to a locked-down kiosk, or was locked out")
    parser.add_argument("--json", action="store_true")


def command(store, args: argparse.Namespace) -> int:
    rows = access_log(store)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            print(f"{r['at']}  {r['terminal']:8}  {r['staff_id']:10}  {r['outcome']}")
    return 0
