"""The numbered schema steps of the hall database, oldest first (``HallStore.STEPS``).

A database keeps its version in ``schema_version`` (migrations.py, ``upgrade``); opening it with the store,
or ``kiosk hall-admin --db DB migrate``, runs the steps above it in one transaction, and a database newer
than the last step here is refused. Version 0 is a database made before versions were kept: every step
runs on it, and each finds out from the database's shape whether its change is still to be made.

Changing the schema later: change the table's ``SCHEMA`` text (what a new database is created with) and
add a step at the end that brings an older database to the same shape, written so that it changes nothing
on a database that already has it. A step, once released, is never edited or renumbered.
"""

from __future__ import annotations

import sqlite3

from hall_server import (admin, cases, collectors, fleet, locker_relay, lockers, migrations, pickup_kiosk, ratings,
                         staff_photos, store, submissions)

Step = migrations.Step


def _scope_tickets(hall, con: sqlite3.Connection) -> None:
    migrations.scope_tickets_per_terminal(con, store.SCHEMA)


def _seal_sync_tables(hall, con: sqlite3.Connection) -> None:
    hall._open_keys(con)  # its names are keyed with the person-hash key, its values sealed with the key
    hall._seal_old_sync_tables(con)


def _area_tables(hall, con: sqlite3.Connection) -> None:
    from hall_server.api.matters import SCHEMA as MATTERS  # the API's modules import the store's package
    from hall_server.appointments import SCHEMA as APPOINTMENTS

    schema = (submissions.SCHEMA + cases.SCHEMA + ratings.SCHEMA + lockers.SCHEMA + collectors.SCHEMA
              + locker_relay.SCHEMA + staff_photos.SCHEMA + pickup_kiosk.SCHEMA + fleet.SCHEMA
              + APPOINTMENTS + admin.SCHEMA + ";\n" + ";\n".join(MATTERS) + ";")
    migrations.create(con, hall.db.schema(schema))


def _scope_ticket_blocks(hall, con: sqlite3.Connection) -> None:
    if not any(r[5] > 1 for r in con.execute("PRAGMA table_info(ticket_blocks)")):  # one lease namespace
        migrations.rebuild(con, "ticket_blocks", migrations.table_schema(submissions.SCHEMA, "ticket_blocks"))


def _flap_changes(hall, con: sqlite3.Connection) -> None:
    """The fleet's noted changes of status, for flap damping (fleet.py): a column of ``fleet_terminals``."""
    if hall.db.kind == "sqlite":
        if not any(r[1] == "flap_changes" for r in con.execute("PRAGMA table_info(fleet_terminals)")):
            con.execute("ALTER TABLE fleet_terminals ADD COLUMN flap_changes TEXT NOT NULL DEFAULT ''")
    else:
        con.execute("ALTER TABLE fleet_terminals ADD COLUMN IF NOT EXISTS flap_changes TEXT NOT NULL DEFAULT ''")


STEPS: tuple[Step, ...] = store.StoreBase.STEPS + (
    Step(3, "ticket request ids per terminal", _scope_tickets, sqlite_only=True),
    Step(4, "synced records per terminal, sealed", _seal_sync_tables, sqlite_only=True),
    Step(5, "the tables of sync, cases, ratings, lockers, pickup, fleet, appointments, audit, matters",
         _area_tables),
    Step(6, "offline ticket blocks per terminal", _scope_ticket_blocks, sqlite_only=True),
    Step(7, "the fleet's changes of status, for flap damping", _flap_changes),
)
LATEST = STEPS[-1].version
