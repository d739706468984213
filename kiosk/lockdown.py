"""Wiring of the locked-down citizen kiosk's technician gate (core/services/technician_access.py).

``build_lockdown(terminal, cfg, diagnostics)`` gives the terminal

- ``technician_gate`` (``build_technician_gate``): the technicians' PIN verifiers from the platform's
  ``technicians`` reference (through the terminal's reference cache: each attempt asks the platform
  first, and the last copy serves offline), wrong-PIN counts kept in ``<data dir>/technician-gate.json``
  (counts and times, nothing else), and every entry and lockout recorded as a ``technician_access``
  record in the encrypted outbox, for the platform's audit;
- ``technician_list``: a thread that fetches the list once the store is open and every
  ``REFRESH_S`` after, so a kiosk that later loses the network still has a recent copy, and one whose
  technician lost the right forgets them soon;
- ``technician_diagnostics``: what the technician window opened from the kiosk runs on.
"""

from __future__ import annotations

import json
import logging
import os
import threading
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


REFRESH_S = 900.0


class TechnicianListRefresher:
    """Fetches the ``technicians`` reference into the cache now and then, on a daemon thread."""

    def __init__(self, terminal, *, every_s: float = REFRESH_S) -> None:
        self.terminal, self.every_s = terminal, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="technician-list", daemon=True)

    def start(self) -> TechnicianListRefresher:
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 3.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _run(self) -> None:
        wait = 2.0
        while not self._stop.wait(wait):
            sync = getattr(self.terminal, "sync", None)
            if sync is None or getattr(sync, "reference", None) is None:
                continue  # the store opens after the window (kiosk run): look again shortly
            try:
                sync.reference.get("technicians")
                wait = self.every_s
            except KioskError as exc:
                log.info("technician list not refreshed: %s", exc)
                wait = 60.0


def build_lockdown(terminal, cfg: Config, diagnostics) -> None:
    terminal.technician_gate = build_technician_gate(terminal, cfg)
    terminal.technician_diagnostics = diagnostics
    terminal.technician_list = TechnicianListRefresher(terminal)  # started with the terminal (Terminal.start)


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
