"""The support bundle: one zip a technician sends to whoever supports the terminal, written by
``kiosk diag bundle`` (kiosk/diag/bundle.py) and by the technician window's button (through
``Diagnostics.support_bundle``, wired in kiosk/app.py).

    write_bundle("support.zip", cfg, diagnostics, log_lines=500, devices=True)

The zip holds (docs/fleet.md, "The support bundle"):

- ``versions.json``: the product, Python, the OS, Qt (the PySide6 distribution's version is Qt's) and every
  installed Python distribution with its version;
- ``config.json``: the configuration with every secret removed (the terminal's secret, any password or
  token, credentials in a URL);
- ``devices.json``: each configured device's self-test and raw status: the printers' status (DLE EOT), the
  ID-card reader's and the serial scanner's connection (their frames are not kept: a card or a code may be
  personal), the document camera's modes and measured frame rate (no frame is kept), the smart locker's
  board scan (lock states), the platform check (reachable, credentials accepted, clock skew);
- ``logs.txt``: the last lines of the terminal's log, already masked when written and masked again here;
- ``store.json``: the outbox and store statistics: counts per state and kind, the oldest record's age,
  bytes waiting, free disk, salvage reports; never a record's content, id or reason;
- ``heartbeat.json``: the last heartbeat the terminal took and whether it was sent.

It never holds a record's content, a photo, a scan, an ID number, a name, the store's key or the terminal's
secret (tests/test_support_bundle.py looks for them in UTF-8, GB18030 and JSON-escaped form).
``--no-device-tests`` leaves the device self-tests out (the terminal is running and holds its ports).
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import platform as os_platform
import re
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

from core import __version__, logs

SECRET_NAME = re.compile(r"secret|password|passwd|token|credential|private", re.IGNORECASE)
URL_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)
REMOVED = "<removed>"
DEVICE_WAIT_S = 3.0


def _scrub(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v, key) for v in value]
    if SECRET_NAME.search(key) and value:
        return REMOVED
    if isinstance(value, str):
        return URL_USERINFO.sub(lambda m: m.group("scheme") + REMOVED + "@", value)
    return value


def scrubbed_config(cfg) -> dict[str, Any]:
    """The configuration as JSON, every secret removed."""
    return _scrub(json.loads(json.dumps(dataclasses.asdict(cfg), default=str)))


def versions() -> dict[str, Any]:
    libraries = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            libraries[name] = dist.version
    normal = {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in libraries.items()}
    qt = normal.get("pyside6") or normal.get("pyside6-essentials") or ""
    return {"product": __version__, "python": sys.version, "os": os_platform.platform(),
            "machine": os_platform.machine(), "qt": qt, "libraries": dict(sorted(libraries.items()))}


def log_tail(data_dir: Path, lines: int) -> str:
    """The last ``lines`` lines of the terminal's log files (oldest first), masked once more."""
    folder = Path(data_dir) / "logs"
    files = sorted(folder.glob("kiosk.log*"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []
    kept: list[str] = []
    for path in reversed(files):
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()
        kept = text[-(lines - len(kept)):] + kept if len(kept) < lines else kept
        if len(kept) >= lines:
            break
    return "\n".join(logs.mask_text(line) for line in kept[-lines:]) + "\n"


def store_stats(store, now: float) -> dict[str, Any] | None:
    """Counts and ages only: no record's content, id, error or reason."""
    if store is None:
        return None
    counts = store.counts()
    entries = store.entries(("queued", "inflight", "dead"), limit=100_000)
    by_kind = Counter(f"{e.state}:{e.kind}" for e in entries)
    return {"queued": counts.queued, "inflight": counts.inflight, "dead": counts.dead, "acked": counts.acked,
            "oldest_waiting_age_s": None if counts.oldest_created_at is None
            else round(now - counts.oldest_created_at, 1),
            "bytes_waiting": counts.bytes_waiting, "free_bytes": store.free_bytes(),
            "by_state_and_kind": dict(sorted(by_kind.items())),
            "most_attempts": max((e.attempts for e in entries), default=0),
            "salvage": [{k: r.get(k) for k in ("at", "saved", "expected", "lost", "damaged")}
                        for r in getattr(store, "salvage_reports", list)()]}


def _report(value: Any) -> Any:
    return dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value


def _connects(name: str, factory) -> dict[str, Any]:
    """Starts a device on its owner thread, waits (bounded) for it to connect, stops it: its state and the
    error it met. Frames it reads are not kept."""
    changes: list[str] = []
    device = factory()
    device.lifecycle.subscribe(lambda c: changes.append(f"{c.state.value}: {logs.mask_text(c.detail)}"
                                                        if c.detail else c.state.value))
    try:
        device.start()
        deadline = time.monotonic() + DEVICE_WAIT_S
        while device.lifecycle.state.value not in ("ready", "failed") and time.monotonic() < deadline:
            time.sleep(0.05)
        return {"device": name, "state": device.lifecycle.state.value, "changes": changes}
    finally:
        device.stop(DEVICE_WAIT_S)


def _guarded(name: str, check) -> dict[str, Any]:
    try:
        return check()
    except Exception as exc:  # a self-test that failed is a result too
        return {"device": name, "error": f"{type(exc).__name__}: {logs.mask_text(str(exc))}"}


def device_tests(diagnostics) -> dict[str, Any]:
    """Each configured device's self-test and raw status, through the technician's Diagnostics."""
    result: dict[str, Any] = {"slots": [_report(s) for s in diagnostics.slots()], "tests": []}
    tests = result["tests"]
    for name in diagnostics.printers:
        tests.append(_guarded(name, lambda n=name: {"device": f"printer:{n}",
                                                     **_report(diagnostics.printer_status(n))}))
    if diagnostics.reader_factory is not None:
        tests.append(_guarded("idcard_reader", lambda: _connects(
            "idcard_reader", lambda: diagnostics.reader_factory(lambda direction, data: None))))
    if diagnostics.scanner_factory is not None:
        tests.append(_guarded("scanner", lambda: _connects("scanner", diagnostics.open_scanner)))
    if diagnostics.camera_factory is not None:
        def camera() -> dict[str, Any]:
            service, record = diagnostics.open_camera(frames=10)
            service.stop()
            return {"device": "camera", **record}

        tests.append(_guarded("camera", camera))
    if diagnostics.locker_factory is not None:
        tests.append(_guarded("locker", lambda: {"device": "locker", **_report(diagnostics.check_locker("scan"))}))
    result["platform"] = _guarded("platform", lambda: _report(diagnostics.check_platform()))
    return result


def write_bundle(path: str | Path, cfg, diagnostics, *, log_lines: int = 500, devices: bool = True) -> dict:
    """Writes the bundle to ``path`` (a temporary file renamed); what went into it, by entry name → bytes."""
    from kiosk.heartbeat import read_last

    now = time.time()
    data_dir = logs.data_dir(cfg.data_dir)
    entries = {
        "versions.json": versions(),
        "config.json": scrubbed_config(cfg),
        "devices.json": device_tests(diagnostics) if devices else {"skipped": "--no-device-tests"},
        "store.json": store_stats(diagnostics.store, now),
        "heartbeat.json": read_last(data_dir),
    }
    blobs = {name: json.dumps(value, ensure_ascii=False, indent=1, default=str).encode("utf-8")
             for name, value in entries.items()}
    blobs["logs.txt"] = log_tail(data_dir, log_lines).encode("utf-8")
    blobs["README.txt"] = (f"Support bundle of terminal {cfg.terminal_id} ({cfg.role}), kiosk {__version__}, "
                           f"written {time.strftime('%Y-%m-%d %H:%M:%S %z', time.localtime(now))}.\n"
                           "It holds no personal data, no record content, no key and no secret "
                           "(docs/fleet.md, \"The support bundle\").\n").encode("utf-8")
    target = Path(path)
    part = target.with_name(target.name + ".part")
    with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, data in blobs.items():
            bundle.writestr(name, data)
    part.replace(target)
    return {name: len(data) for name, data in blobs.items()}
