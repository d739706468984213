"""``kiosk diag sync`` shows the outbox and lets a technician resend or discard dead letters (audited)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from offline_cache import Store

ROOT = Path(__file__).resolve().parents[1]
ID_NUMBER = "32010219550312123X"


def _diag(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk", "diag", "sync", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_counts_dead_letters_resend_and_discard(tmp_path):
    data = tmp_path / "data"
    store = Store(data, margin_bytes=0)
    waiting = store.enqueue("rating", {"score": 5})
    dead = store.enqueue("submission", {"applicant": {"id_number": ID_NUMBER}})
    other = store.enqueue("submission", {"applicant": {"id_number": ID_NUMBER}})
    store.mark_dead(dead, "unknown_matter: matter M-999 does not exist")
    store.mark_dead(other, "unknown_matter")
    store.close()

    out = _diag("--data-dir", str(data), "--json")
    assert out.returncode == 1, out.stderr  # dead letters exist
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert lines[0]["outbox"]["queued"] == 1 and lines[0]["outbox"]["dead"] == 2
    assert lines[0]["outbox"]["oldest_age_s"] >= 0
    assert {row["record_id"] for row in lines[1:]} == {dead, other}
    assert ID_NUMBER not in out.stdout

    assert _diag("--data-dir", str(data), "--resend", dead).returncode == 2  # --why is required
    assert _diag("--data-dir", str(data), "--resend", dead, "--why", "matter fixed upstream",
                 "--actor", "tech-7").returncode == 0
    assert _diag("--data-dir", str(data), "--discard", other, "--why", "citizen withdrew",
                 "--actor", "tech-7").returncode == 0
    plain = _diag("--data-dir", str(data), "--list")
    assert plain.returncode == 0
    assert "waiting 2" in plain.stdout and waiting in plain.stdout and dead in plain.stdout
    audit = _diag("--data-dir", str(data), "--audit", "--json")
    actions = [(row["actor"], row["action"], row["record_id"]) for row in map(json.loads, audit.stdout.splitlines())]
    assert ("tech-7", "resend", dead) in actions and ("tech-7", "discard", other) in actions


def test_resending_a_record_that_is_not_dead_is_refused(tmp_path):
    store = Store(tmp_path / "d", margin_bytes=0)
    rid = store.enqueue("rating", {"score": 1})
    store.close()
    out = _diag("--data-dir", str(tmp_path / "d"), "--resend", rid, "--why", "x")
    assert out.returncode == 2 and "not a dead letter" in out.stderr
