"""Looking after the outbox: the records waiting, the dead letters, and a person's decision about one.

A record the platform refused for good (a dead letter) waits for a person: a clerk or a technician sends
it again (the platform's data was corrected) or discards it (the citizen withdrew), always with a reason
that goes into the store's audit log under the person's name (``actor``: ``clerk:S1003``, the
technician's login). After a decision the sync engine is asked to try at once (``retry_now``), so a
resent record does not wait out a backoff.

Every method may block on the store (SQLite, on disk): windows call them on a worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from core.ports.outbox import OutboxAdmin, OutboxEntry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxListing:
    waiting: tuple[OutboxEntry, ...]  # queued and in flight, oldest first
    dead: tuple[OutboxEntry, ...]  # refused for good, waiting for a person


class OutboxAdminService:
    def __init__(self, admin: OutboxAdmin, *, actor: str, retry_now: Callable[[], None] | None = None) -> None:
        self.admin = admin
        self.actor = actor
        self.retry_now = retry_now

    def listing(self) -> OutboxListing:
        return OutboxListing(tuple(self.admin.entries(("queued", "inflight"))), tuple(self.admin.dead_letters()))

    def resend(self, record_id: str, why: str) -> None:
        """Queues the dead letter ``record_id`` again; ``why`` goes into the audit log."""
        self.admin.resend(record_id, actor=self.actor, why=_reason(why))
        log.info("outbox: %s resent %s", self.actor, record_id)
        self._retry()

    def discard(self, record_id: str, why: str) -> None:
        """Drops the dead letter ``record_id`` and its personal data; ``why`` goes into the audit log."""
        self.admin.discard(record_id, actor=self.actor, why=_reason(why))
        log.info("outbox: %s discarded %s", self.actor, record_id)
        self._retry()

    def _retry(self) -> None:
        if self.retry_now is not None:
            self.retry_now()


def _reason(why: str) -> str:
    why = why.strip()
    if not why:
        raise ValueError("a person's reason is required to resend or discard a record")
    return why
