"""The record count kept beside the database (``outbox.count``), so a damaged or truncated database is
noticed at start (salvage.py; docs/sync.md "Salvage").

Records are never deleted from the store (a purge empties their body, a discard their outbox entry), so
the number of rows in ``records`` only grows. After a commit that added records, the store writes that
number here (at most once a second while records keep coming, and when it closes), sealed with its key
(bound to the name ``outbox.count``), by writing a temporary file and renaming it over the old one. It is
written *after* the commit: a crash in between, or records added within the last second, leave a count
that is too low, never too high, so "fewer records than the sidecar says" always means records were
lost. It is not fsynced: a count that is stale after a power cut is only lower, which is safe.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from pathlib import Path

from offline_cache.crypto import KeyRing
from offline_cache.errors import StoreCorrupt

log = logging.getLogger(__name__)

SIDECAR = "outbox.count"
SIDECAR_AAD = b"outbox.count"


def write_count(data_dir: Path, keyring: KeyRing, records: int) -> None:
    path = data_dir / SIDECAR
    part = path.with_name(f"{SIDECAR}.{uuid.uuid4().hex[:8]}.part")
    try:
        part.write_bytes(keyring.seal(json.dumps({"records": records}).encode("ascii"), SIDECAR_AAD))
        os.replace(part, path)
    except OSError as exc:  # the count is a safety net: a failure to write it must not fail the enqueue
        part.unlink(missing_ok=True)
        log.warning("store: could not update the record count beside the database: %s", exc)


def read_count(data_dir: Path, keyring: KeyRing) -> int | None:
    """The number of records the store held at its last commit, or None (no sidecar, or unreadable)."""
    path = data_dir / SIDECAR
    for part in data_dir.glob(f"{SIDECAR}.*.part"):  # left by a process killed while writing the count
        try:
            if part.stat().st_mtime < time.time() - 60:
                part.unlink()
        except OSError:
            continue
    try:
        sealed = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return int(json.loads(keyring.open(sealed, SIDECAR_AAD))["records"])
    except (StoreCorrupt, ValueError, KeyError, TypeError):
        log.warning("store: the record count beside the database (%s) does not open; not used", path)
        return None
