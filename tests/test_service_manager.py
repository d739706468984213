"""The systemd notification protocol (sd_notify(3)) as kiosk/service_manager.py speaks it, over a real
Unix datagram socket: readiness, the watchdog's interval and owner, stopping; and the two programs a
Debian install runs under systemd, ``kiosk run`` and ``kiosk hall-server``, telling it when they are
ready, alive and stopping."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from kiosk.service_manager import SystemdNotifier, socket_address, watchdog_interval_s
from service_manager_support import NotifyListener

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def listener(tmp_path):
    listener = NotifyListener(tmp_path).start()
    yield listener
    listener.close()


def test_ready_watchdog_and_stopping_reach_the_socket_named_by_notify_socket(listener):
    """GIVEN NOTIFY_SOCKET names a path WHEN the program is ready, alive, then stopping THEN the manager
    receives READY=1 (with a one-line status), WATCHDOG=1 and STOPPING=1, one datagram each, in order."""
    notifier = SystemdNotifier.from_environment(listener.environment(), pid=os.getpid())
    try:
        assert notifier.ready("terminal K-01\n(citizen) ready")
        assert notifier.watchdog()
        assert notifier.stopping()
        assert listener.wait_for("STOPPING") is not None
    finally:
        notifier.close()
    fields = [m.fields for m in listener.received()]
    assert fields == [{"READY": "1", "STATUS": "terminal K-01 (citizen) ready"}, {"WATCHDOG": "1"},
                      {"STOPPING": "1"}]


def test_an_abstract_socket_name_is_written_with_an_at_sign(tmp_path):
    """GIVEN NOTIFY_SOCKET=@name (Linux's abstract namespace) WHEN the program is ready THEN the message
    reaches the socket bound to NUL + name."""
    listener = NotifyListener(abstract=True).start()
    try:
        assert socket_address(listener.env_value) == b"\0" + listener.env_value[1:].encode()
        notifier = SystemdNotifier.from_environment(listener.environment(), pid=os.getpid())
        assert notifier.ready()
        notifier.close()
        assert listener.wait_for("READY", timeout_s=5) is not None
    finally:
        listener.close()


def test_without_notify_socket_or_with_an_address_of_another_kind_nobody_is_told():
    """A program started by hand (no NOTIFY_SOCKET) runs as before; a vsock: or relative address is not
    spoken here, so the notifier stays off rather than send somewhere else."""
    assert SystemdNotifier.from_environment({}, pid=1) is None
    assert SystemdNotifier.from_environment({"NOTIFY_SOCKET": "vsock:2:1234"}, pid=1) is None
    assert SystemdNotifier.from_environment({"NOTIFY_SOCKET": "run/notify"}, pid=1) is None
    assert SystemdNotifier.from_environment({"NOTIFY_SOCKET": "@"}, pid=1) is None


def test_the_watchdog_interval_is_for_the_process_watchdog_pid_names():
    """WATCHDOG_USEC is the interval in microseconds; WATCHDOG_PID names the process it is meant for, so a
    child that inherited the variables does not ping for its parent; a malformed value means none."""
    assert watchdog_interval_s({"WATCHDOG_USEC": "30000000"}, pid=42) == 30.0
    assert watchdog_interval_s({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "42"}, pid=42) == 30.0
    assert watchdog_interval_s({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "41"}, pid=42) is None
    assert watchdog_interval_s({"WATCHDOG_USEC": "0"}, pid=42) is None
    assert watchdog_interval_s({"WATCHDOG_USEC": "soon"}, pid=42) is None
    assert watchdog_interval_s({}, pid=42) is None


def test_a_manager_that_takes_nothing_more_never_blocks_the_sender(tmp_path):
    """GIVEN a socket nobody reads (its queue fills) WHEN the program keeps pinging THEN a ping that cannot
    be queued is dropped at once (False), never waited for: the GUI thread sends them."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "full.sock"))
    notifier = SystemdNotifier(str(tmp_path / "full.sock"), watchdog_s=1.0)
    try:
        started = time.monotonic()
        results = [notifier.watchdog() for _ in range(5000)]
        assert results[0] and not results[-1]
        assert time.monotonic() - started < 2.0
    finally:
        notifier.close()
        sock.close()


def _technician_config(tmp_path) -> Path:
    config = tmp_path / "t.toml"
    config.write_text(
        f'role = "technician"\nterminal_id = "T-01"\nhall_id = "3201-0042"\ndata_dir = "{tmp_path / "data"}"\n'
        '[platform]\nurl = "http://127.0.0.1:9"\n[printers.ticket]\nurl = "virtual://notify-ticket"\n'
        '[devices]\nticket_printer = "ticket"\n', encoding="utf-8")
    return config


def _stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.slow
def test_a_terminal_under_systemd_is_ready_once_its_window_is_up_pings_and_says_it_stops(tmp_path, listener):
    """GIVEN `kiosk run` started as a Type=notify unit with WatchdogSec=1s WHEN its window is up THEN the
    manager gets READY=1 (with the KIOSK_READY marker), WATCHDOG=1 at least every half second,
    and STOPPING=1 when SIGTERM ends it, which exits 0."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT), "KIOSK_READY_MARKER": "1",
           **listener.environment(watchdog_s=1.0)}
    process = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(_technician_config(tmp_path))],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        window_up = None
        deadline = time.monotonic() + 60
        while window_up is None and time.monotonic() < deadline and process.poll() is None:
            if select.select([process.stdout], [], [], 0.5)[0] and process.stdout.readline().strip() == "KIOSK_READY":
                window_up = time.monotonic()
        ready = listener.wait_for("READY", timeout_s=5)
        assert window_up is not None and ready is not None
        time.sleep(2.0)
        pings = [m.at for m in listener.received() if m.fields.get("WATCHDOG") == "1" and m.at >= ready.at]
        assert len(pings) >= 3
        assert max(b - a for a, b in zip([ready.at, *pings], pings)) < 1.0
        assert _stop(process) == 0
        assert listener.wait_for("STOPPING", timeout_s=5) is not None
    finally:
        if process.poll() is None:
            _stop(process)
        process.stdout.close()


@pytest.mark.slow
def test_the_hall_server_under_systemd_is_ready_once_it_listens_and_says_it_stops(tmp_path, listener):
    """GIVEN `kiosk hall-server` started as a Type=notify unit WHEN the manager receives READY=1 THEN the
    server already answers on its port; WHEN SIGTERM stops it THEN STOPPING=1 comes, and it ends cleanly:
    uvicorn re-raises the SIGTERM it handled once it has shut down, and systemd.service(5) counts death by
    SIGTERM as a clean exit like status 0."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT), **listener.environment()}
    process = subprocess.Popen([sys.executable, "-m", "kiosk", "hall-server", "--db", str(tmp_path / "hall.db"),
                                "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ready = listener.wait_for("READY", timeout_s=60)
        assert ready is not None and ready.fields["STATUS"] == f"hall server listening on 127.0.0.1:{port}"
        assert requests.get(f"http://127.0.0.1:{port}/v1/health", timeout=5).ok
        assert _stop(process) in (0, -signal.SIGTERM)
        assert listener.wait_for("STOPPING", timeout_s=5) is not None
    finally:
        if process.poll() is None:
            _stop(process)
