"""Provisioning a small hall from the command line: ``kiosk hall-admin --db FILE COMMAND``
(also ``python -m hall_server --db FILE COMMAND``).

    load-hall [JSON]                         load (or replace) services, windows, matters, calendar, region and
                                             the rating reference (default: the sample hall)
    add-terminal ID --role citizen|clerk|display|technician [--secret S]
                                             register a terminal; prints its secret (put it in the
                                             terminal's TOML as platform.terminal_secret[_file])
    remove-terminal ID
    list-terminals
    add-staff ID --name NAME [--pin P] [--windows 1,2] [--supervisor|--no-supervisor]
          [--technician|--no-technician]     add or update a clerk; the PIN is asked for when not given; a
                                             supervisor decides rating appeals and reads the statistics; a
                                             technician logs in to the fleet page
    fleet [--json] | fleet webhook URL|--off | fleet metrics-token | fleet flapping [--window S] [--high N] [--low N]
                                             the terminals' states from their heartbeats, where alerts go,
                                             the /metrics token, flap damping's thresholds
                                             (hall_server/fleet_admin.py, docs/fleet.md)
    tickets remove NUMBER [--day YYYY-MM-DD] --reason TEXT
                                             take a damaged ticket out of the day (written to the audit log)
    ratings [export] [--from DATE] [--to DATE] [--json]
                                             好差评: counts per level and the satisfaction rate per window,
                                             service and clerk; or every rating as JSON for the provincial
                                             platform (hall_server/rating_stats.py, docs/evaluation.md)
    followups [--open] [--overdue] [--json]  the follow-ups of 差评, the earliest due first
    staff-photo ID [FILE | --remove]         the photo the evaluation pad shows of a clerk (JPEG or PNG, at
                                             most 256 KB; hall_server/staff_photos.py)
    technician-access [--json]               who came in to a locked-down kiosk, or was locked out
                                             (hall_server/technicians.py)
    migrate                                  bring the database to this version's schema (every command does
                                             it on opening); prints the versions before and after
    rotate-key                               re-seal the database under a new key (docs/hall-server.md)
    cases show NUMBER [--json]               a case with its history (hall_server/case_admin.py)
    cases advance NUMBER --to STATE --staff ID [--reason R] [--method window|locker|post] [--window N]
          [--place TEXT] [--collected-by applicant|proxy]
                                             move a case on after acceptance, as a clerk would; the
                                             applicant gets its text message
    matters import|export FILE.xlsx|FILE.json
                                             the matter catalogue in or out (hall_server/catalogue_io.py,
                                             docs/guide.md); an import with any bad row loads nothing
    serve [--host 127.0.0.1] [--port 8765] [--seed JSON] [--tls-cert PEM --tls-key PEM [--tls-client-ca PEM]]
                                             the same as ``kiosk hall-server``
    issue-ca --out DIR                       the hall's own certificate authority (hall_server/pki.py)
    issue-cert --ca DIR --name NAME [--server HOST…] --out DIR
                                             the server's certificate (with --server) or a terminal's

The server may be running meanwhile: changes reach it at once (terminals are looked up per request).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from datetime import date

from core.errors import KioskError
from hall_server import (case_admin, catalogue_io, fleet_admin, locker_admin, notify, pki, rating_stats, staff_photos,
                         technicians)
from hall_server.runner import add_tls_arguments, tls_from_arguments
from hall_server.problems import HallError


def _parser(prog: str = "python -m hall_server") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True,
                        help="the hall server's database: a SQLite file (created if missing) or a postgresql:// URL")
    parser.add_argument("--key", help="the database's key file (default: the database's path + .key; for a "
                                      "postgresql:// URL, $KIOSK_HALL_KEY or $KIOSK_HALL_KEY_DIR/<name>.key)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    load = sub.add_parser("load-hall", help="load services and windows from JSON (default: the sample hall)")
    load.add_argument("json", nargs="?")
    add = sub.add_parser("add-terminal", help="register a terminal and print its secret")
    add.add_argument("terminal_id")
    add.add_argument("--role", required=True, choices=("citizen", "clerk", "display", "technician"))
    add.add_argument("--secret", help="use this secret instead of a generated one")
    remove = sub.add_parser("remove-terminal", help="unregister a terminal (its requests fail at once)")
    remove.add_argument("terminal_id")
    sub.add_parser("list-terminals", help="terminal ids and roles")
    staff = sub.add_parser("add-staff", help="add or update a clerk")
    staff.add_argument("staff_id")
    staff.add_argument("--name", required=True)
    staff.add_argument("--pin", help="4–32 characters (asked for when not given)")
    staff.add_argument("--windows", default="", help="comma-separated windows the clerk may use (default: any)")
    staff.add_argument("--supervisor", action=argparse.BooleanOptionalAction, default=None,
                       help="may decide rating appeals and read the statistics (default: unchanged)")
    staff.add_argument("--technician", action=argparse.BooleanOptionalAction, default=None,
                       help="may log in to the fleet page (/fleet) (default: unchanged)")
    tickets = sub.add_parser("tickets", help="repair the day's tickets").add_subparsers(dest="action", required=True)
    remove_ticket = tickets.add_parser("remove", help="take a ticket out of the day (audited)")
    remove_ticket.add_argument("number")
    remove_ticket.add_argument("--day", type=date.fromisoformat, help="YYYY-MM-DD (default: today, hall time)")
    remove_ticket.add_argument("--reason", required=True)
    sub.add_parser("migrate", help="bring the database to the newest schema version; prints from and to")
    sub.add_parser("rotate-key", help="re-seal the database under a new key, then replace the key file")
    serve = sub.add_parser("serve", help="run the server (as `kiosk hall-server`)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--seed", metavar="JSON")
    add_tls_arguments(serve)
    pki.register(sub)
    catalogue_io.register(sub)
    case_admin.register(sub)
    rating_stats.register(sub)
    locker_admin.register(sub)
    staff_photos.register(sub)
    technicians.register(sub)
    fleet_admin.register(sub)
    return parser


def _load_hall(store, path: str | None) -> int:
    from hall_server.api.matters import catalogue_problems, load_matters
    from hall_server.cases import load_case_reference
    from hall_server.lockers import load_lockers
    from hall_server.rating_records import load_rating_reference, reference_problems
    from hall_server.runner import read_seed

    seed = read_seed(path)
    problems = (catalogue_problems(seed) if "matters" in seed else []) \
        + (reference_problems(seed["rating"]) if "rating" in seed else [])
    try:  # the catalogue and ratings are checked before anything changes, the calendar and region before they are
        if problems:
            raise ValueError("\n".join(problems))
        load_case_reference(store, seed)
        compartments = load_lockers(store, seed)
    except ValueError as exc:
        print(f"error: {path or 'sample hall'}: {exc}", file=sys.stderr)
        return 1
    store.load_hall(seed)
    matters = load_matters(store, seed) if "matters" in seed else None
    if "rating" in seed:
        load_rating_reference(store, seed)
    print(f"loaded {len(store.hall_info().services)} services"
          + (f", {matters} matters" if matters is not None else "") + ", the calendar and the region"
          + (", the rating reasons" if "rating" in seed else "")
          + (f", {compartments} locker compartments" if compartments else ""))
    return 0


def _print_migration(store) -> None:
    """``migrate``: the store migrated the database when it opened it (versions.py); says from what to what."""
    before, after = store.schema_versions
    print(f"schema version {before} → {after}" if before != after else
          f"schema version {after}: up to date, nothing changed")


def main(argv: Sequence[str] | None = None, *, prog: str = "python -m hall_server") -> int:
    args = _parser(prog).parse_args(argv)
    from hall_server import HallStore, serve

    if args.command == "serve" or getattr(args, "run", None):  # serving and issuing need no store here
        try:
            if args.command == "serve":
                return serve(db=args.db, host=args.host, port=args.port, seed=args.seed, tls=tls_from_arguments(args),
                             key=args.key)
            return args.run(args)
        except KioskError as exc:
            print(f"error: {exc.message('technician', 'en')}", file=sys.stderr)
            return 2
    try:
        store = HallStore(args.db, key_path=args.key)
        store.notifier = notify.for_database(args.db, store.key_path)  # the same text messages a running server sends
    except KioskError as exc:
        print(f"error: {exc.message('technician', 'en')}", file=sys.stderr)
        return 2
    try:
        if args.command == "load-hall":
            return _load_hall(store, args.json)
        elif args.command == "add-terminal":
            print(store.add_terminal(args.terminal_id, args.role, args.secret))
        elif args.command == "remove-terminal":
            if not store.remove_terminal(args.terminal_id):
                print(f"no terminal {args.terminal_id}", file=sys.stderr)
                return 1
        elif args.command == "list-terminals":
            for terminal_id, role in store.terminals():
                print(f"{terminal_id}\t{role}")
        elif args.command == "add-staff":
            pin = args.pin or getpass.getpass("PIN: ")
            windows = [int(w) for w in args.windows.split(",") if w.strip()]
            if args.technician:
                from hall_server.fleet_access import check_technician_pin

                check_technician_pin(pin)  # refused before anything is written
            store.add_staff(args.staff_id, args.name, pin, windows or None)
            if args.supervisor is not None:
                from hall_server.ratings import set_supervisor

                set_supervisor(store, args.staff_id, args.supervisor)
            if args.technician is not None:
                from hall_server.fleet_access import set_technician

                set_technician(store, args.staff_id, args.technician, pin)
        elif args.command == "tickets":
            from hall_server.admin import remove_ticket

            removed = remove_ticket(store, args.number, day=args.day, reason=args.reason)
            print(f"removed {removed['number']} of {removed['service_day']} (was {removed['state']})")
        elif args.command == "migrate":
            _print_migration(store)
        elif args.command == "rotate-key":
            store.rotate_key()
            print(f"re-sealed under a new key in {store.key_path}; back it up now")
        elif args.command == "matters":
            return catalogue_io.command(store, args)
        elif args.command == "cases":
            return case_admin.command(store, args)
        elif args.command == "locker":
            return locker_admin.command(store, args)
        elif args.command == "staff-photo":
            return staff_photos.command(store, args)
        elif args.command == "technician-access":
            return technicians.command(store, args)
        elif args.command == "fleet":
            return fleet_admin.command(store, args)
        elif args.command in ("ratings", "followups"):
            return rating_stats.command(store, args)
        return 0
    except (ValueError, KioskError, HallError) as exc:
        detail = exc.message("technician", "en") if isinstance(exc, KioskError) else \
            exc.message if isinstance(exc, HallError) else str(exc)
        print(f"error: {detail}", file=sys.stderr)
        return 2
    finally:
        store.close()


if __name__ == "__main__":
    raise SystemExit(main())
