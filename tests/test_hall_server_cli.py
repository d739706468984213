"""The hall server as a process: provisioning with ``python -m hall_server`` and running
``python -m kiosk hall-server``, as a small hall would; its log holds no ID number."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest
import requests

from platform_client import PlatformClient

pytestmark = pytest.mark.sqlite_only('hall-admin on a database file; tests/test_hall_server_postgres.py runs it on PostgreSQL')

ID_NUMBER = "320102195503121234"


def admin(db, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hall_server", "--db", str(db), *args],
                          capture_output=True, text=True, timeout=60)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port: int, timeout_s: float = 30.0) -> str:
    """The server's URL once it answers its health check (a server that never does fails the test later)."""
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/v1/health", timeout=1).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    return url


def test_provision_run_issue_and_stop(tmp_path):
    db = tmp_path / "hall.db"
    assert admin(db, "load-hall").returncode == 0
    added = admin(db, "add-terminal", "kiosk-7", "--role", "citizen")
    secret = added.stdout.strip()
    assert added.returncode == 0 and len(secret) >= 32
    assert admin(db, "add-staff", "S9", "--name", "李䶮", "--pin", "1234", "--windows", "1").returncode == 0
    assert "kiosk-7\tcitizen" in admin(db, "list-terminals").stdout
    assert admin(db, "add-terminal", "kiosk 8", "--role", "citizen").returncode == 2

    port = free_port()
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "kiosk", "hall-server", "--db", str(db), "--port", str(port)],
                                   stdout=out, stderr=subprocess.STDOUT)
        try:
            url = wait_healthy(port)
            with PlatformClient(url, "kiosk-7", secret) as kiosk:
                ticket = kiosk.issue_ticket("A", request_id=str(uuid.uuid4()), id_number=ID_NUMBER)
                assert ticket.number == "A001" and ticket.priority
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(15) == 0
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "POST /v1/tickets" in text  # the access log is on …
    assert ID_NUMBER not in text and ID_NUMBER[-4:] + " " not in text  # … and never shows the ID number


def test_the_database_key_may_live_elsewhere_and_the_server_takes_it_with_key(tmp_path):
    """GIVEN a hall whose database key is kept apart from the database (another disk, a key store mount)
    WHEN hall-admin and ``kiosk hall-server`` are given ``--key`` THEN both use that file and none is made
    beside the database."""
    db, key = tmp_path / "hall.db", tmp_path / "keys" / "hall.key"
    key.parent.mkdir(mode=0o700)
    assert admin(db, "--key", str(key), "load-hall").returncode == 0
    secret = admin(db, "--key", str(key), "add-terminal", "kiosk-7", "--role", "citizen").stdout.strip()
    assert key.exists() and not (tmp_path / "hall.db.key").exists()
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "kiosk", "hall-server", "--db", str(db), "--key", str(key),
                                "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = wait_healthy(port)
        with PlatformClient(url, "kiosk-7", secret) as kiosk:
            assert kiosk.issue_ticket("A", request_id=str(uuid.uuid4())).number == "A001"
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(15) == 0
    assert not (tmp_path / "hall.db.key").exists()


def test_load_hall_loads_the_whole_hall_file_and_a_bad_catalogue_loads_nothing(tmp_path):
    """GIVEN a hall file WHEN ``load-hall`` loads it THEN its services, matter catalogue, calendar and region
    are all in (a terminal's receipts need the catalogue and calendar as much as its tickets need the
    services); a file whose catalogue has a bad matter is refused with the problem and changes nothing."""
    import json

    from hall_server import HallStore
    from hall_server.api.matters import matter_catalogue
    from simulators.sample_data import hall

    db = tmp_path / "hall.db"
    loaded = admin(db, "load-hall")
    assert loaded.returncode == 0 and "22 matters" in loaded.stdout
    store = HallStore(db)
    try:
        served = matter_catalogue(store)
        assert len(served["matters"]) == 22 and served["calendar"][0]["year"] == 2026
    finally:
        store.close()
    bad = hall()
    bad["matters"][0]["materials"] = "not a list"
    bad["services"] = bad["services"][:1]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    refused = admin(db, "load-hall", str(path))
    assert refused.returncode == 1 and bad["matters"][0]["code"] in refused.stderr
    store = HallStore(db)
    try:
        assert len(store.hall_info().services) > 1 and len(matter_catalogue(store)["matters"]) == 22
    finally:
        store.close()
