"""``kiosk diag sync``: the terminal's outbox, for a technician (over SSH, with the terminal running).

    kiosk diag sync --data-dir D [--json]                 counts, age of the oldest, every dead letter
    kiosk diag sync --data-dir D --list                   every record waiting, oldest first
    kiosk diag sync --data-dir D --resend ID --why TEXT   a dead letter back into the queue (audited)
    kiosk diag sync --data-dir D --discard ID --why TEXT  a dead letter dropped for good (audited)
    kiosk diag sync --data-dir D --audit                  the audit log, newest first

It opens the store beside the running terminal (SQLite WAL lets both in); it shows ids, kinds, states,
ages and reasons, never a record's content (personal data stays sealed). When the store was found damaged
at a start and salvaged, it says so first: when, why, how many records were saved and lost, and where
the damaged file is kept. ``--actor`` names the technician
in the audit entry (default: the login name). Exit 0; 1 when dead letters exist (so a monitoring script
notices); 2 on errors.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def _open(args: argparse.Namespace):
    from offline_cache import Store

    return Store(args.data_dir, key_file=args.key_file, cipher=args.cipher, margin_bytes=0)


def _salvage_lines(reports: list[dict]) -> list[str]:
    return [f"salvaged {r['at']}: {r['problem']}; saved {r['saved']} of {r['expected']} records, lost {r['lost']}"
            + (f" ({r['damaged']} kept as dead letters)" if r.get("damaged") else "")
            + f"; damaged file kept as {r['kept_as']}" for r in reports]


def run(args: argparse.Namespace) -> int:
    from core.errors import KioskError
    from offline_cache import StoreError

    try:
        store = _open(args)
    except KioskError as exc:  # a damaged disk, or a key that is not the store's (StoreKeyMismatch)
        print(f"kiosk diag sync: {exc.message('technician', 'en')}", file=sys.stderr)
        return 2
    try:
        actor = args.actor or getpass.getuser()
        if args.resend or args.discard:
            if not (args.why or "").strip():
                print("kiosk diag sync: --why is required (it goes into the audit log)", file=sys.stderr)
                return 2
            if args.resend:
                store.resend(args.resend, actor=actor, why=args.why)
                print(f"resent {args.resend}")
            else:
                store.discard(args.discard, actor=actor, why=args.why)
                print(f"discarded {args.discard}")
            return 0
        now = time.time()
        if args.audit:
            for a in store.audit_log():
                row = {"at": a.at, "actor": a.actor, "action": a.action, "record_id": a.record_id, "why": a.why}
                print(json.dumps(row, ensure_ascii=False) if args.json else
                      f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(a.at))}  {a.actor:12} {a.action:13} "
                      f"{a.record_id}  {a.why}")
            return 0
        counts = store.counts()
        oldest_age = None if counts.oldest_created_at is None else now - counts.oldest_created_at
        dead = store.dead_letters()
        summary = {"queued": counts.queued, "inflight": counts.inflight, "dead": counts.dead,
                   "acked": counts.acked, "oldest_age_s": None if oldest_age is None else round(oldest_age, 1),
                   "bytes_waiting": counts.bytes_waiting, "free_bytes": store.free_bytes()}
        salvage = store.salvage_reports()
        if args.json:
            print(json.dumps({"outbox": summary, "salvage": salvage}, ensure_ascii=False))
        else:
            for line in _salvage_lines(salvage):
                print(line)
            print(f"waiting {counts.waiting} (queued {counts.queued}, in flight {counts.inflight}), "
                  f"oldest {_age(oldest_age)}, {counts.bytes_waiting} bytes; acknowledged {counts.acked}; "
                  f"dead letters {counts.dead}; free disk {summary['free_bytes'] // 1_000_000} MB")
        rows = list(dead) + (store.entries(("queued", "inflight")) if args.list else [])
        for e in rows:
            row = {"record_id": e.record_id, "kind": e.kind, "state": e.state, "age_s": round(now - e.created_at, 1),
                   "attempts": e.attempts, "reason": e.dead_reason or e.last_error}
            print(json.dumps(row, ensure_ascii=False) if args.json else
                  f"{e.state:8} {e.record_id}  {e.kind:14} {_age(now - e.created_at):>7}  "
                  f"tries {e.attempts:<3} {e.dead_reason or e.last_error}")
        return 1 if dead else 0
    except StoreError as exc:
        print(f"kiosk diag sync: {exc.message('technician', 'en')}", file=sys.stderr)
        return 2
    finally:
        store.close()


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sync", help="the outbox: records waiting, their age, dead letters")
    parser.add_argument("--data-dir", required=True, help="the terminal's data directory")
    parser.add_argument("--key-file", help="the store's key file (default: DATA_DIR/keys/store.key)")
    parser.add_argument("--cipher", default="aes-256-gcm", choices=("aes-256-gcm", "sm4-gcm"))
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--list", action="store_true", help="also list every record waiting")
    parser.add_argument("--audit", action="store_true", help="show the audit log")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--resend", metavar="ID", help="put a dead letter back into the queue")
    group.add_argument("--discard", metavar="ID", help="drop a dead letter for good")
    parser.add_argument("--why", help="the reason, for the audit log (required with --resend/--discard)")
    parser.add_argument("--actor", help="who does it (default: the login name)")
    parser.set_defaults(func=run)
