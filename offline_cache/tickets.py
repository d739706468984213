"""Queue tickets while offline: numbers from blocks leased while online (docs/sync.md, "Tickets while offline").

    tickets = OfflineTickets(store, terminal_id="K-01")
    tickets.refill(sync_client, ["A", "B"], today)        # online: keep ≥ low_water numbers per service
    ticket = tickets.issue(service, now)                  # offline: a number from the block, durably
    printer.print_ticket(TicketSlip(hall, ticket))        # the caller prints it as usual

- A block (say A950–A999) is leased from the hall server for one service and one service day; the server
  never issues those numbers itself and leases each number to one kiosk only
  (hall_server/ticket_blocks.py), so an offline ticket never collides with another kiosk's or the
  server's.
- ``issue`` takes the next number AND queues its ``offline_ticket`` record in ONE transaction of the
  store: a number is never handed out twice (not even after a crash), and a number handed out is always
  reported. The sync engine delivers the record when the link returns; the server puts the ticket in the
  queue by its issue time so clerks call it in turn.
- Blocks of past days are never used: a kiosk offline across midnight has no numbers until it leases
  today's (``NoOfflineNumbers``: send people to a staffed window).
- A lease whose answer was lost wastes its numbers (the server keeps them reserved); it never duplicates.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from core.domain import Service, Ticket, TicketState
from core.errors import PlatformError
from core.ports.outbox import RecordKind
from offline_cache.errors import StoreError
from offline_cache.store import Store

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ticket_blocks(
    lease_id TEXT PRIMARY KEY,
    service_day TEXT NOT NULL,
    prefix TEXT NOT NULL,
    first INTEGER NOT NULL,
    last INTEGER NOT NULL,
    next INTEGER NOT NULL
)"""


class NoOfflineNumbers(StoreError):
    """No leased number is left for this service today."""

    key = "sync.tickets.no_block"


@dataclass(frozen=True)
class Block:
    lease_id: str
    service_day: str
    prefix: str
    first: int
    last: int
    next: int

    @property
    def remaining(self) -> int:
        return self.last - self.next + 1


class OfflineTickets:
    def __init__(self, store: Store, *, terminal_id: str, block_size: int = 50, low_water: int = 10) -> None:
        self.store = store
        self.terminal_id = terminal_id
        self.block_size = block_size
        self.low_water = low_water
        with store.transaction() as db:
            db.execute(_SCHEMA)

    def blocks(self, service_day: date | None = None) -> list[Block]:
        sql = "SELECT lease_id, service_day, prefix, first, last, next FROM ticket_blocks"
        with self.store.transaction() as db:
            rows = db.execute(sql + (" WHERE service_day = ?" if service_day else "") + " ORDER BY prefix, first DESC",
                              (service_day.isoformat(),) if service_day else ()).fetchall()
        return [Block(*r) for r in rows]

    def remaining(self, prefix: str, service_day: date) -> int:
        return sum(b.remaining for b in self.blocks(service_day) if b.prefix == prefix)

    def refill(self, client, prefixes: Iterable[str], service_day: date) -> int:
        """While online: leases a block for each service whose numbers for ``service_day`` run low.
        ``client`` has ``lease_ticket_block(prefix, size, lease_id)`` (platform_client.sync.SyncClient).
        Returns how many blocks were leased; platform errors pass through (try again later)."""
        leased = 0
        for prefix in prefixes:
            if self.remaining(prefix, service_day) >= self.low_water:
                continue
            block = client.lease_ticket_block(prefix, self.block_size, str(uuid.uuid4()))
            if block["service_day"] != service_day.isoformat():
                raise PlatformError(f"platform leased a block for {block['service_day']}, not {service_day}")
            with self.store.transaction() as db:
                db.execute("INSERT OR IGNORE INTO ticket_blocks VALUES (?, ?, ?, ?, ?, ?)",
                           (block["lease_id"], block["service_day"], prefix, block["first"], block["last"],
                            block["first"]))
            leased += 1
        return leased

    def issue(self, service: Service, now: datetime) -> Ticket:
        """The next leased number of ``service`` for the day of ``now`` (aware, in the hall's time zone),
        committed together with its issue event in the outbox."""
        day = now.date().isoformat()
        tracking = secrets.token_urlsafe(12)
        with self.store.transaction() as db:
            row = db.execute("SELECT lease_id, next FROM ticket_blocks WHERE service_day = ? AND prefix = ? "
                             "AND next <= last ORDER BY first DESC LIMIT 1", (day, service.prefix)).fetchone()
            if row is None:
                raise NoOfflineNumbers(f"no leased numbers left for {service.prefix} on {day}")
            lease_id, seq = row
            db.execute("UPDATE ticket_blocks SET next = next + 1 WHERE lease_id = ?", (lease_id,))
            self.store.enqueue_in(db, RecordKind.OFFLINE_TICKET, {
                "service_prefix": service.prefix, "seq": seq, "number": f"{service.prefix}{seq:03d}",
                "service_day": day, "issued_at": now.timestamp(), "tracking_code": tracking,
                "terminal_id": self.terminal_id, "lease_id": lease_id})
        self.store.notify()
        return Ticket(number=f"{service.prefix}{seq:03d}", service_prefix=service.prefix,
                      service_name=service.name, service_name_en=service.name_en, state=TicketState.WAITING,
                      issued_at=now, tracking_code=tracking, service_day=now.date())
