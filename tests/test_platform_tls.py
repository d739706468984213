"""TLS between the terminals and the hall server (docs/deployment.md): a hall's own CA made with
``kiosk hall-admin issue-ca``/``issue-cert``, the real hall server speaking HTTPS on loopback, and both
platform clients checking its certificate. Every refusal names its cause in words a technician acts on,
in both languages."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from core.errors import PlatformTlsRefused, PlatformUnreachable
from hall_server.pki import issue_ca, issue_cert
from hall_server.runner import ServerTls, ServerThread
from kiosk.cli import main as kiosk_main
from platform_client import PlatformClient
from platform_client.sync import SyncClient
from platform_client.transport import Tls
from server_fixtures import _prepared_db, copy_db

LOOPBACK = ("127.0.0.1", "localhost")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """GIVEN the hall's CA, a server certificate for loopback, an expired one, one for another host, a
    terminal's client certificate, and a second CA nobody in the hall trusts."""
    root = tmp_path_factory.mktemp("pki")
    issue_ca(root / "hall")
    issue_cert(root / "hall", "server", root / "hall", servers=LOOPBACK)
    issue_cert(root / "hall", "kiosk-1", root / "hall")
    long_ago = datetime.now(timezone.utc) - timedelta(days=30)
    issue_cert(root / "hall", "expired", root / "hall", servers=LOOPBACK, days=7, now=long_ago)
    issue_cert(root / "hall", "elsewhere", root / "hall", servers=("hall.example",))
    issue_ca(root / "other")
    issue_cert(root / "other", "server", root / "other", servers=LOOPBACK)
    issue_cert(root / "other", "kiosk-1", root / "other")
    return root


@pytest.fixture
def hall_db(tmp_path_factory, tmp_path):
    template, secrets = _prepared_db(tmp_path_factory)
    return copy_db(template, tmp_path / "hall.db"), secrets


def serving(hall_db, pki, cert: str = "hall/server", client_ca: str = "") -> ServerThread:
    tls = ServerTls(str(pki / f"{cert}.pem"), str(pki / f"{cert}.key"), str(pki / client_ca) if client_ca else "")
    return ServerThread(hall_db[0], tls=tls, thread_name="tls-hall-server")


def trusting(pki, ca: str = "hall", client: str = "") -> Tls:
    cert = (str(pki / f"{client}.pem"), str(pki / f"{client}.key")) if client else ("", "")
    return Tls(str(pki / ca / "ca.pem"), *cert)


def refusal(server: ServerThread, tls: Tls, secret: str, url: str | None = None) -> PlatformTlsRefused:
    with PlatformClient(url or server.url, "kiosk-1", secret, timeout_s=3, tls=tls) as client, \
            pytest.raises(PlatformTlsRefused) as caught:
        client.hall_info()
    return caught.value


def test_a_terminal_that_trusts_the_halls_ca_issues_and_syncs_over_tls(hall_db, pki):
    """GIVEN a server with the hall's certificate WHEN terminals trusting the hall's CA call it over https
    THEN a ticket is issued and a record is synced, a name with rare characters intact."""
    secret = hall_db[1]["kiosk-1"]
    with serving(hall_db, pki) as server:
        assert server.url.startswith("https://127.0.0.1:")
        with PlatformClient(server.url, "kiosk-1", secret, tls=trusting(pki)) as kiosk:
            assert kiosk.hall_info().services
            ticket = kiosk.issue_ticket("A", request_id=str(uuid.uuid4()))
            assert ticket.service_prefix == "A"
        with SyncClient(server.url, "kiosk-1", secret, tls=trusting(pki)) as sync:
            assert sync.probe() is True
            record_id = str(uuid.uuid4())
            ack = sync.post_record("submission", record_id, {"content": {"name": "张𠮷 李䶮"}, "attachments": []})
            assert not ack.duplicate
        stored = next(r for r in server.store.sync_records() if r["record_id"] == record_id)
        assert stored["record"]["content"] == {"name": "张𠮷 李䶮"}


def test_a_certificate_from_another_ca_is_refused_as_untrusted(hall_db, pki):
    """GIVEN a server whose certificate another CA signed WHEN a terminal trusting the hall's CA connects
    THEN it refuses, telling the technician to check platform.ca_file (Chinese and English)."""
    with serving(hall_db, pki, cert="other/server") as server:
        error = refusal(server, trusting(pki), hall_db[1]["kiosk-1"])
    assert error.reason == "untrusted" and isinstance(error, PlatformUnreachable)
    assert "platform.ca_file" in error.message("technician", "en")
    assert "platform.ca_file" in error.message("technician", "zh_CN") and "CA" in error.message("technician", "zh_CN")
    assert "ca_file" not in error.message("citizen", "zh_CN")


def test_an_expired_certificate_is_refused_as_expired(hall_db, pki):
    with serving(hall_db, pki, cert="hall/expired") as server:
        error = refusal(server, trusting(pki), hall_db[1]["kiosk-1"])
    assert error.reason == "expired"
    assert "expired" in error.message("technician", "en") and "过期" in error.message("technician", "zh_CN")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_certificate_for_another_host_is_refused_as_a_hostname_mismatch(hall_db, pki, host):
    """GIVEN a certificate made out for hall.example WHEN the terminal reaches the server by an IP address or
    another name THEN the refusal names platform.url and issue-cert --server."""
    with serving(hall_db, pki, cert="hall/elsewhere") as server:
        error = refusal(server, trusting(pki), hall_db[1]["kiosk-1"], url=f"https://{host}:{server.port}")
    assert error.reason == "hostname"
    assert "--server" in error.message("technician", "en") and "platform.url" in error.message("technician", "zh_CN")


def test_the_sync_client_counts_a_refused_certificate_as_offline_and_says_why(hall_db, pki):
    with serving(hall_db, pki, cert="other/server") as server, \
            SyncClient(server.url, "kiosk-1", hall_db[1]["kiosk-1"], tls=trusting(pki), probe_timeout_s=2) as sync:
        assert sync.probe() is False
        with pytest.raises(PlatformTlsRefused) as caught:
            sync.attachment_received("0" * 64)
    assert caught.value.reason == "untrusted"


def test_a_server_demanding_client_certificates_admits_the_halls_terminals_only(hall_db, pki):
    """GIVEN --tls-client-ca with the hall's CA WHEN a terminal shows the hall's client certificate THEN it
    is served; WHEN it shows none, or one of another CA THEN the refusal points at platform.client_cert."""
    secret = hall_db[1]["kiosk-1"]
    with serving(hall_db, pki, client_ca="hall/ca.pem") as server:
        with PlatformClient(server.url, "kiosk-1", secret, tls=trusting(pki, client="hall/kiosk-1")) as kiosk:
            assert kiosk.hall_info().services
        for tls in (trusting(pki), trusting(pki, client="other/kiosk-1")):
            error = refusal(server, tls, secret)
            assert error.reason == "client_certificate", error.detail
            assert "platform.client_cert" in error.message("technician", "en")
            assert "platform.client_cert" in error.message("technician", "zh_CN")


def test_plain_http_to_a_tls_server_is_unreachable_at_once(hall_db, pki):
    with serving(hall_db, pki) as server:
        started = time.monotonic()
        with PlatformClient(server.url.replace("https", "http"), "kiosk-1", hall_db[1]["kiosk-1"],
                            timeout_s=3) as client, pytest.raises(PlatformUnreachable):
            client.hall_info()
    assert time.monotonic() - started < 3


def test_hall_admin_issues_a_ca_and_certificates_that_a_tls_hall_server_process_uses(tmp_path, hall_db, capsys):
    """GIVEN a hall without a PKI WHEN the administrator runs issue-ca and issue-cert, then starts
    ``kiosk hall-server --tls-cert --tls-key`` THEN a terminal with platform.ca_file = ca.pem is served; the
    keys are readable by their owner only; an existing key is never overwritten; a certificate that expires
    within a month is named in the server's log."""
    db, secrets = hall_db
    pki_dir = tmp_path / "pki"
    assert kiosk_main(["hall-admin", "--db", str(db), "issue-ca", "--out", str(pki_dir)]) == 0
    assert kiosk_main(["hall-admin", "--db", str(db), "issue-cert", "--ca", str(pki_dir), "--name", "hall",
                       "--server", "127.0.0.1", "--server", "localhost", "--days", "10", "--out", str(pki_dir)]) == 0
    assert (pki_dir / "ca.key").stat().st_mode & 0o077 == 0 and (pki_dir / "hall.key").stat().st_mode & 0o077 == 0
    assert kiosk_main(["hall-admin", "--db", str(db), "issue-ca", "--out", str(pki_dir)]) == 2
    assert "exists" in capsys.readouterr().err

    with socket.socket() as s:  # a free port for the server process
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path / "server.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "kiosk", "hall-server", "--db", str(db), "--port", str(port),
                                "--tls-cert", str(pki_dir / "hall.pem"), "--tls-key", str(pki_dir / "hall.key")],
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        tls = Tls(str(pki_dir / "ca.pem"))
        with SyncClient(f"https://localhost:{port}", "kiosk-1", secrets["kiosk-1"], tls=tls) as sync:
            deadline = time.monotonic() + 30
            while not sync.probe() and time.monotonic() < deadline:
                time.sleep(0.1)
        with PlatformClient(f"https://localhost:{port}", "kiosk-1", secrets["kiosk-1"], tls=tls) as kiosk:
            assert kiosk.issue_ticket("A", request_id=str(uuid.uuid4())).service_prefix == "A"
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(15) == 0
        log.close()
    assert "expires in 9 days" in (tmp_path / "server.log").read_text(encoding="utf-8")


def test_the_hall_server_names_a_missing_or_unusable_tls_file_before_it_listens(tmp_path, pki, capsys):
    """GIVEN a missing certificate, a certificate without its key, a key of another certificate, or an
    expired certificate WHEN the server starts THEN it stops at once naming the flag, and creates no
    database."""
    db = str(tmp_path / "h.db")
    assert kiosk_main(["hall-server", "--db", db, "--tls-cert", str(tmp_path / "none.pem"),
                       "--tls-key", str(tmp_path / "none.key")]) == 2
    assert "--tls-cert" in capsys.readouterr().err
    assert kiosk_main(["hall-server", "--db", db, "--tls-cert", str(pki / "hall" / "server.pem")]) == 2
    assert "--tls-key" in capsys.readouterr().err
    assert kiosk_main(["hall-server", "--db", db, "--tls-cert", str(pki / "hall" / "server.pem"),
                       "--tls-key", str(pki / "other" / "server.key")]) == 2
    assert "cannot be used" in capsys.readouterr().err
    assert kiosk_main(["hall-server", "--db", db, "--tls-cert", str(pki / "hall" / "expired.pem"),
                       "--tls-key", str(pki / "hall" / "expired.key")]) == 2
    assert "issue-cert" in capsys.readouterr().err
    assert not (tmp_path / "h.db").exists()
