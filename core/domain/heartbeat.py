"""A terminal's heartbeat (docs/fleet.md): what the hall's IT sees of it on the fleet page.

A heartbeat is a snapshot, not a record: the newest one wins, an older one is worth nothing once a newer one
exists, so heartbeats never go through the outbox. It holds no personal data: device states, counts, ages and
the technician's text of each device's last error (masked by the terminal before it is sent).
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any


class Paper(enum.StrEnum):
    """A printer's paper as its status says (core.ports.PrinterStatus); ``none``: not a printer."""

    OK = "ok"
    LOW = "low"
    OUT = "out"
    UNKNOWN = "unknown"
    NONE = "none"


DEVICE_KINDS = ("printer", "idcard", "scanner", "camera", "locker", "sync")
MAX_DEVICES = 16
MAX_ERROR = 300


@dataclass(frozen=True)
class DeviceHealth:
    """One device of the terminal: ``name`` (ticket_printer, idcard_reader …), its ``kind``, its lifecycle
    state (core.ports.lifecycle.LifecycleState's value, or ``error`` when its status query failed), paper
    (printers), and the technician's text of the last error it had (empty: none since the terminal started)."""

    name: str
    kind: str
    state: str
    paper: Paper = Paper.NONE
    last_error: str = ""

    @property
    def faulty(self) -> bool:
        return self.state in ("failed", "reconnecting", "error") or self.paper in (Paper.OUT, Paper.LOW)


@dataclass(frozen=True)
class OutboxHealth:
    waiting: int = 0
    dead: int = 0
    oldest_age_s: float | None = None  # the oldest record still waiting


@dataclass(frozen=True)
class Heartbeat:
    """One snapshot of a terminal. ``seq`` counts up within one run (``started_at``); the server keeps the
    newest by (``sent_at``, ``seq``) and ignores an older one that arrives late."""

    sent_at: float
    seq: int
    version: str
    role: str
    uptime_s: float
    devices: tuple[DeviceHealth, ...] = ()
    outbox: OutboxHealth | None = None  # None: the terminal has no store (yet)
    disk_free_bytes: int | None = None
    interval_s: float = 30.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:
        body = asdict(self)
        body.pop("extra")
        body["devices"] = [{**asdict(d), "paper": d.paper.value} for d in self.devices]
        return body
