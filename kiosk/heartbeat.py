"""The terminal's heartbeat, wired (docs/fleet.md): what goes into the snapshot, and where it is sent.

``build_heartbeat(terminal)`` gives a ``core.services.heartbeat.HeartbeatSender`` posting through its own
``platform_client.heartbeat.HeartbeatClient`` every ``[platform] heartbeat_s`` (0: none), and at once (at most one
every five seconds) when a device's lifecycle state changes or a kiosk's printer reports a problem. Each
snapshot holds:

- every device the terminal runs: the printers (once opened at their first use, their status asked on their
  owner threads, bounded by ``[timeouts] device_s``: the paper state comes from it; ``connecting`` before), the ID-card reader, the code scanner, the document
  camera, the smart locker's bus and the sync engine, each with its lifecycle state and its last error (the
  ``detail`` of its last ``failed`` or ``reconnecting`` change, or a status query's error; masked by
  core.logs.mask_text and cut to MAX_ERROR characters);
- the outbox's backlog (waiting, dead letters, the oldest record's age), the data directory's free disk;
- version, role, uptime.

The last heartbeat is written to ``<data dir>/heartbeat.json`` (no personal data in it) for the support
bundle (``kiosk diag bundle``), which runs in another process.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path

from core import __version__, logs
from core.domain.heartbeat import MAX_DEVICES, MAX_ERROR, DeviceHealth, Heartbeat, OutboxHealth, Paper
from core.errors import KioskError
from core.ports import PrinterStatus
from core.services.heartbeat import HeartbeatSender, LastHeartbeat

log = logging.getLogger(__name__)

LAST_FILE = "heartbeat.json"
PAPER = {PrinterStatus.READY: Paper.OK, PrinterStatus.PAPER_NEAR_END: Paper.LOW, PrinterStatus.PAPER_OUT: Paper.OUT}


def _error_text(text: str) -> str:
    return logs.mask_text(text)[:MAX_ERROR]


class LastErrors:
    """The detail of each device's last ``failed`` or ``reconnecting`` change (listeners on its lifecycle);
    ``on_change()`` is called on every change of a watched device's state (the sender's ``poke``)."""

    def __init__(self) -> None:
        self.on_change = lambda: None
        self._errors: dict[str, str] = {}
        self._watched: set[int] = set()
        self._lock = threading.Lock()

    def watch(self, name: str, lifecycle) -> None:
        with self._lock:
            if id(lifecycle) in self._watched:
                return
            self._watched.add(id(lifecycle))

        def listener(change) -> None:
            if change.state.value in ("failed", "reconnecting") and change.detail:
                with self._lock:
                    self._errors[name] = _error_text(change.detail)
            self.on_change()

        lifecycle.subscribe(listener)

    def set(self, name: str, text: str) -> None:
        with self._lock:
            self._errors[name] = _error_text(text)

    def get(self, name: str) -> str:
        with self._lock:
            return self._errors.get(name, "")


def _printer_health(name: str, printer, errors: LastErrors) -> DeviceHealth:
    """A printer's status (DLE EOT, on its owner thread), once it was opened at its first use: the heartbeat
    does not open one (loading the driver is the first use's job: docs/printing.md)."""
    if getattr(printer, "opened", printer) is None:
        return DeviceHealth(name, "printer", "connecting", Paper.UNKNOWN, errors.get(name))
    try:
        status = printer.status()
    except KioskError as exc:
        errors.set(name, f"{type(exc).__name__}: {exc}")
        return DeviceHealth(name, "printer", "error", Paper.UNKNOWN, errors.get(name))
    opened = getattr(printer, "opened", printer)
    lifecycle = getattr(opened, "lifecycle", None)
    if lifecycle is not None:
        errors.watch(name, lifecycle)
    state = lifecycle.state.value if lifecycle is not None else "ready"
    if status in (PrinterStatus.COVER_OPEN, PrinterStatus.OFFLINE, PrinterStatus.ERROR):
        errors.set(name, status.value)
        state = "error"
    return DeviceHealth(name, "printer", state, PAPER.get(status, Paper.UNKNOWN), errors.get(name))


def device_healths(terminal, errors: LastErrors) -> list[DeviceHealth]:
    devices = [_printer_health(f"printer:{name}", printer, errors) for name, printer in terminal.printers.items()]
    others = (("idcard_reader", "idcard", terminal.idcard), ("scanner", "scanner", terminal.scanner),
              ("camera", "camera", terminal.camera), ("locker", "locker", terminal.locker),
              ("sync", "sync", terminal.sync.engine if terminal.sync is not None else None))
    for name, kind, device in others:
        lifecycle = getattr(device, "lifecycle", None)
        if lifecycle is None:
            continue
        errors.watch(name, lifecycle)
        devices.append(DeviceHealth(name, kind, lifecycle.state.value, Paper.NONE, errors.get(name)))
    return devices[:MAX_DEVICES]


def outbox_health(store, now: float) -> OutboxHealth | None:
    if store is None:
        return None
    counts = store.counts()
    oldest = None if counts.oldest_created_at is None else max(0.0, now - counts.oldest_created_at)
    return OutboxHealth(counts.waiting, counts.dead, oldest)


def snapshot_of(terminal, errors: LastErrors, started: float, interval_s: float):
    """``snapshot(seq) -> Heartbeat`` of ``terminal`` (runs on the heartbeat's thread: may block, bounded)."""
    data_dir = logs.data_dir(terminal.cfg.data_dir)

    def snapshot(seq: int) -> Heartbeat:
        now = time.time()
        store = terminal.sync.store if terminal.sync is not None else None
        return Heartbeat(sent_at=now, seq=seq, version=__version__, role=terminal.cfg.role,
                         uptime_s=round(time.monotonic() - started, 1), devices=tuple(device_healths(terminal, errors)),
                         outbox=outbox_health(store, now), disk_free_bytes=shutil.disk_usage(data_dir).free,
                         interval_s=interval_s)

    return snapshot


def write_last(path: Path, last: LastHeartbeat) -> None:
    """The last heartbeat as JSON, written whole (a temporary file renamed)."""
    body = {"heartbeat": last.heartbeat.to_wire(), "sent": last.sent, "error": _error_text(last.error),
            "answered_at": last.answered_at}
    part = path.with_suffix(".part")
    part.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(part, path)


def read_last(data_dir: Path) -> dict | None:
    try:
        return json.loads((Path(data_dir) / LAST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def build_heartbeat(terminal, *, link=None) -> HeartbeatSender | None:
    """The terminal's heartbeat sender (not started), or None when ``[platform] heartbeat_s`` is 0 or the
    terminal has no secret to sign with."""
    cfg = terminal.cfg
    if cfg.platform.heartbeat_s <= 0 or not cfg.platform.terminal_secret:
        return None
    if link is None:
        from platform_client.heartbeat import HeartbeatClient
        from platform_client.transport import Tls

        timeout_s = min(cfg.platform.timeout_s, 5.0)
        link = HeartbeatClient(cfg.platform.url, cfg.terminal_id, cfg.platform.terminal_secret,
                               timeout_s=timeout_s, tls=Tls.of(cfg.platform))
    last_path = logs.data_dir(cfg.data_dir) / LAST_FILE

    def on_sent(last: LastHeartbeat) -> None:
        try:
            write_last(last_path, last)
        except OSError as exc:
            log.warning("the last heartbeat could not be written to %s: %s", last_path, exc)

    errors = LastErrors()
    sender = HeartbeatSender(snapshot_of(terminal, errors, time.monotonic(), cfg.platform.heartbeat_s), link,
                             interval_s=cfg.platform.heartbeat_s, timeout_s=min(cfg.platform.timeout_s, 5.0),
                             on_sent=on_sent, thread_name=f"heartbeat-{cfg.terminal_id}")
    errors.on_change = sender.poke  # a device lost or back: the fleet hears of it now, not at the next tick
    if terminal.kiosk is not None:  # a printer out of paper, its cover open: now (its recovery: at the tick)
        from core.services.queue import PrinterProblem

        terminal.kiosk.events.subscribe(lambda event: sender.poke() if isinstance(event, PrinterProblem) else None)
    return sender
