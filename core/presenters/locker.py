"""The technician's smart-locker tab without Qt: what a check's report says, in the technician's words.

The window (ui/technician_locker.py) runs ``Diagnostics.check_locker`` on its worker and puts these texts
in its widgets: a summary line for the tab, and log lines (the frames in hex, one JSON record per lock,
as ``kiosk diag locker --json`` prints them).
"""

from __future__ import annotations

import json

from core.config import LockerConfig
from core.i18n import Translator, keys_for
from core.ports.locker import DoorState
from core.services.locker_check import LockerReport

DOOR_KEYS = keys_for("locker.door.", DoorState)


def boards_text(boards) -> str:
    return ", ".join(str(b) for b in boards) or "-"


def configured_text(tr: Translator, cfg: LockerConfig) -> str:
    if not cfg.configured:
        return tr("locker.tab.not_configured")
    return tr("locker.tab.configured", port=cfg.port,
              boards=boards_text(f"{address}×{locks}" for address, locks in cfg.boards.items()))


def summary_text(tr: Translator, report: LockerReport) -> str:
    if report.action == "scan":
        if report.outcome == "no_board":
            return tr("locker.tab.no_board", boards=boards_text(report.silent))
        doors = len(report.records)
        opened = sum(1 for r in report.records if r["door"] == DoorState.OPEN.value)
        summary = tr("locker.tab.scanned", boards=boards_text(report.answered), open=opened, doors=doors)
        if report.silent:
            summary += "\n" + tr("locker.tab.silent", boards=boards_text(report.silent))
        return summary
    record = report.records[0]
    door = tr(f"locker.door.{record['door']}")
    key = {"open": "locker.tab.opened" if report.outcome == "done" else "locker.tab.jammed",
           "status": "locker.tab.door"}[report.action]
    return tr(key, board=record["board"], lock=record["lock"], door=door)


def log_lines(report: LockerReport) -> list[str]:
    """The frames that went by, then one JSON record per lock."""
    return [*report.raw, *("< " + json.dumps(record) for record in report.records)]


def check_bound_s(cfg: LockerConfig, action: str) -> float:
    """How long the window waits for one check: every exchange it may make, each with all its retries
    (scan: every configured door), and a margin for opening the adapter."""
    exchanges = sum(cfg.boards.values()) if action == "scan" else 2
    return exchanges * (cfg.retries + 1) * (cfg.timeout_s + 0.1) + 5.0
