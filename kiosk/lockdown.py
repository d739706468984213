"""Wiring of the locked-down citizen kiosk's technician gate (core/services/technician_access.py).

``build_technician_gate(terminal, cfg)`` gives ``terminal.technician_gate``: the technicians' PIN
verifiers from the platform's ``technicians`` reference (through the terminal's reference cache, so the
last copy serves offline), wrong-PIN counts kept in ``<data dir>/technician-gate.json`` (counts and times,
nothing else), and every entry and lockout recorded as a ``technician_access`` record in the encrypted
outbox, for the platform's audit.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from core import logs
from core.config import Config
from core.errors import KioskError
from core.ports.outbox import RecordKind
from core.services.technician_access import Credential, TechnicianGate, credentials_from_reference

log = logging.getLogger(__name__)


class JsonFileState:
    """``LockoutState`` in a small JSON file, replaced atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict:
        try:
            value = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return value if isinstance(value, dict) else {}

    def write(self, state: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        part = self.path.with_suffix(".part")
        part.write_text(json.dumps(state), encoding="utf-8")
        os.replace(part, self.path)


def build_technician_gate(terminal, cfg: Config) -> TechnicianGate:
    def credentials() -> list[Credential]:
        sync = getattr(terminal, "sync", None)
        if sync is None or getattr(sync, "reference", None) is None:
            return []
        try:
            body = sync.reference.get("technicians").body
        except KioskError as exc:  # offline with nothing cached yet
            log.info("technician list unavailable: %s", exc)
            return []
        return credentials_from_reference(body)

    def record(event: dict) -> None:
        log.warning("technician access at %s: %s %s", cfg.terminal_id, event.get("outcome"), event.get("staff_id"))
        sync = getattr(terminal, "sync", None)
        if sync is None:
            return
        try:
            sync.store.enqueue(RecordKind.TECHNICIAN_ACCESS, {**event, "terminal": cfg.terminal_id})
        except KioskError as exc:
            log.error("technician access not recorded in the outbox: %s", exc)

    path = logs.data_dir(cfg.data_dir) / "technician-gate.json"
    return TechnicianGate(credentials, record=record, clock=time.time, state=JsonFileState(path))
