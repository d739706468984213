"""The case an acknowledged record opened or moved, as the platform answered it (docs/sync.md, "Case numbers").

A case number ties a person to a matter (whose application it is, what was applied for), so it is kept
like the record's body: sealed with the store's key, bound to the record's id (``case:<record id>`` as
associated data, so a sealed value moved to another row does not open), in table ``cases``; it is written
in the transaction that marks the record acknowledged, and dropped with the record's body when its
retention ends (``Store.purge``) or when it is discarded.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from core.ports.outbox import CaseRef, RecordAck
from offline_cache.crypto import KeyRing
from offline_cache.errors import StoreCorrupt


def _bound(record_id: str) -> bytes:
    return f"case:{record_id}".encode("ascii")


def case_of(ack: RecordAck) -> CaseRef | None:
    """The part of an answer that is kept; None when the record opened no case."""
    if ack.case_number is None:
        return None
    return CaseRef(ack.case_number, ack.case_state, ack.promised_on)


def keep_case(db: sqlite3.Connection, keyring: KeyRing, record_id: str, case: CaseRef) -> None:
    """Seals and writes the case of ``record_id`` inside the caller's transaction."""
    body = json.dumps({"number": case.number, "state": case.state, "promised_on": case.promised_on})
    sealed = keyring.seal(body.encode("utf-8"), _bound(record_id))
    db.execute("INSERT INTO cases(record_id, body) VALUES (?, ?) ON CONFLICT(record_id) DO UPDATE SET "
               "body = excluded.body", (record_id, sealed))


def open_case(keyring: KeyRing, record_id: str, sealed: bytes) -> CaseRef:
    """Opens a kept case; ``StoreCorrupt`` when the seal does not open or the body is not a case."""
    try:
        body = json.loads(keyring.open(sealed, _bound(record_id)))
        return CaseRef(str(body["number"]), body.get("state"), body.get("promised_on"))
    except StoreCorrupt:
        raise
    except (ValueError, KeyError, TypeError):
        raise StoreCorrupt(f"the case kept for record {record_id} does not read") from None


def drop_cases(db: sqlite3.Connection, record_ids: list[str]) -> None:
    """Forgets the cases of these records (retention over, or the record discarded)."""
    db.executemany("DELETE FROM cases WHERE record_id = ?", [(r,) for r in record_ids])


class AckedCases:
    """``Store``'s acknowledgement and the case kept with it (mixed into ``offline_cache.store.Store``,
    whose ``transaction``, ``_query``, ``keyring`` and ``clock`` it uses)."""

    def mark_acked(self, record_id: str, answer: dict[str, Any], case: CaseRef | None = None) -> None:
        """Acknowledged; ``case`` (the platform's case for it) is kept sealed in the same transaction."""
        with self.transaction() as db:
            db.execute("UPDATE outbox SET state = 'acked', acked_at = ?, last_error = '', answer = ? "
                       "WHERE record_id = ?", (self.clock(), json.dumps(answer), record_id))
            if case is not None:
                keep_case(db, self.keyring, record_id, case)

    def case_for(self, record_id: str) -> CaseRef | None:
        """The case kept for an acknowledged record; None: not acknowledged yet, no case, or purged."""
        rows = self._query("SELECT body FROM cases WHERE record_id = ?", (record_id,))
        return open_case(self.keyring, record_id, rows[0][0]) if rows else None
