"""The outbox and the sync link, as the services and the sync engine see them.

- ``Outbox``: what a service calls when a person finishes something the platform must receive
  (``offline_cache.Store`` implements it). ``enqueue`` returns only after the record and its outbox entry
  are committed to disk in one transaction (synchronous=FULL): only then may the person be told "done".
- ``OutboxAdmin``: what people who look after the outbox need (``offline_cache.Store`` implements it):
  the records waiting and the dead letters (``OutboxEntry``), and a dead letter resent or discarded with
  the person's reason, which goes into the store's audit log. ``core.services.outbox.OutboxAdminService``
  is how windows use it.
- ``SyncTransport``: what the sync engine needs from the platform (``platform_client.sync.SyncClient``
  implements it over HTTP). Every method raises ``PlatformUnreachable`` (no answer, or an answer that is
  not the platform's: a captive portal's 200 HTML page, a truncated body), ``PlatformRejected`` /
  ``PlatformConflict`` (4xx with a reason: retrying will not help) or ``PlatformServerFault`` (5xx; its
  ``params['retry_after_s']`` carries a Retry-After when the server sent one).
- ``content_hash``: the one definition of a record's content hash, shared by the terminal and the server
  (the server compares it to decide "same id, same content" versus "same id, different content").
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class RecordKind(enum.StrEnum):
    SUBMISSION = "submission"  # an application with its materials
    RATING = "rating"  # 好差评: one evaluation (core.domain.rating.Rating.content(); docs/evaluation.md)
    OFFLINE_TICKET = "offline_ticket"  # a ticket issued from the kiosk's leased block while offline
    CLERK_ACTION = "clerk_action"
    DEVICE_HEALTH = "device_health"
    APPLICATION = "application"  # an application the clerk accepted (受理): the platform opens a case
    NOTICE = "notice"  # a 一次性告知 (notice of missing materials): a case in 补正告知
    PRE_APPLICATION = "pre_application"  # 自助申报 from a kiosk: a case waiting for a clerk
    TECHNICIAN_ACCESS = "technician_access"  # a technician let in at a locked-down kiosk, or locked out


@dataclass(frozen=True)
class AttachmentIn:
    """A material to store with a record: bytes in memory (never a plaintext file)."""

    data: bytes
    media_type: str = "image/jpeg"
    label: str = ""  # e.g. "id_card_front"; never personal data


@dataclass(frozen=True)
class RecordAck:
    """The platform's answer to a record it accepted (or had accepted before)."""

    record_id: str
    content_hash: str
    duplicate: bool = False  # it had this id with this content already
    missing_attachments: tuple[str, ...] = ()  # sha256 the platform still needs
    case_number: str | None = None  # the case the record opened or moved (application, notice, pre_application)
    case_state: str | None = None  # the case's state as the platform answered (e.g. "accepted")
    promised_on: str | None = None  # ISO date the case is promised by (承诺办结日), when the platform set one


@dataclass(frozen=True)
class CaseRef:
    """What a terminal keeps of the case an acknowledged record opened or moved (sealed, like the record)."""

    number: str
    state: str | None = None
    promised_on: str | None = None


@dataclass(frozen=True)
class RecordAcknowledged:
    """The sync engine's event when the platform acknowledged a record (published on the engine thread);
    ``case_number`` None: the record opened no case."""

    record_id: str
    kind: str
    case_number: str | None = None
    case_state: str | None = None
    promised_on: str | None = None


@dataclass(frozen=True)
class OutboxCounts:
    queued: int = 0
    inflight: int = 0
    dead: int = 0
    acked: int = 0
    oldest_created_at: float | None = None  # Unix seconds of the oldest record waiting
    bytes_waiting: int = 0

    @property
    def waiting(self) -> int:
        return self.queued + self.inflight


class SyncState(enum.StrEnum):
    ONLINE = "online"  # the platform answers; the outbox drains
    OFFLINE = "offline"  # no answer; probing cheaply until it comes back
    RETRYING = "retrying"  # the platform answered with a fault (5xx, bad body); waiting out a backoff
    BLOCKED = "blocked"  # needs a person: credentials refused, store full


@dataclass(frozen=True)
class SyncProgress:
    records_done: int
    records_total: int
    bytes_done: int
    bytes_total: int


class Outbox(Protocol):
    def enqueue(self, kind: RecordKind | str, content: dict[str, Any],
                attachments: Sequence[AttachmentIn] = (), *, record_id: str | None = None) -> str:
        """Commits the record (personal fields and attachments encrypted) and its outbox entry in one
        transaction; returns its permanent id (uuid4). Raises ``StoreFull`` before writing anything when
        the disk lacks room."""
        ...

    def check_space(self, extra_bytes: int = 0) -> None:
        """Raises ``StoreFull`` if ``extra_bytes`` more would not fit with the safety margin: call it
        before a person starts something long (scanning materials), not only at the end."""
        ...

    def counts(self) -> OutboxCounts: ...


class CaseLedger(Protocol):
    def case_for(self, record_id: str) -> CaseRef | None:
        """The case the platform answered for an acknowledged record; None while it is not acknowledged,
        when it opened no case, or after its retention ended."""
        ...


@dataclass(frozen=True)
class OutboxEntry:
    """One record in the outbox: its state (queued, inflight, dead, acked) and delivery history."""

    record_id: str
    kind: str
    state: str
    created_at: float  # Unix seconds
    size: int
    attempts: int
    next_at: float
    last_error: str
    dead_reason: str  # the platform's reason when it refused the record for good
    failures: int = 0  # failures counted against the record itself (not the link's)


class OutboxAdmin(Protocol):
    def entries(self, states: Sequence[str] = ("queued", "inflight", "dead"), limit: int = 500) -> list[OutboxEntry]:
        """The entries in these states, oldest first."""
        ...

    def dead_letters(self) -> list[OutboxEntry]: ...

    def resend(self, record_id: str, *, actor: str, why: str, content: dict[str, Any] | None = None) -> None:
        """Queues a dead letter again (optionally with corrected content); audited under ``actor``."""
        ...

    def discard(self, record_id: str, *, actor: str, why: str) -> None:
        """Drops a dead letter and its personal data for good; the audit entry stays."""
        ...


class SyncTransport(Protocol):
    def probe(self) -> bool:
        """A cheap check that the platform answers (its own answer, not a portal's). Never raises."""
        ...

    def attachment_received(self, sha256: str) -> int | None:
        """How many bytes of this attachment the platform holds (its size when complete); None: none."""
        ...

    def put_attachment_chunk(self, sha256: str, total: int, offset: int, chunk: bytes) -> int:
        """Sends bytes ``offset..offset+len(chunk)`` of an attachment; returns the bytes the platform now
        holds (it may be more than asked if another upload finished it)."""
        ...

    def post_record(self, kind: str, record_id: str, content: dict[str, Any]) -> RecordAck: ...


def canonical_json(content: Any) -> bytes:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def content_hash(content: Any) -> str:
    """SHA-256 of the canonical JSON (sorted keys, UTF-8, no spaces) of what is sent."""
    return hashlib.sha256(canonical_json(content)).hexdigest()
