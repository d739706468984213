"""The status area of every role window, over terminals built by the composition root with their real
store and engine, the real hall server on loopback (stopped and restarted on the same port) and virtual
printers (pytest-qt, offscreen)."""

from __future__ import annotations

import pytest
from test_services_queue_support import start_hall
from test_sync_wiring import FAST, kiosk_config

from core import config
from kiosk.app import build_terminal
from hall_server import ServerThread
from core.ports.outbox import RecordKind
from core.services.queue import PrintState, hall_today
from ui.app import role_window


@pytest.fixture
def hall(tmp_path):
    h = start_hall(tmp_path / "hall.db")
    h.restarted = None
    yield h
    h.server.stop()
    if h.restarted is not None:
        h.restarted.stop()


def restart(hall, tmp_path) -> None:
    hall.restarted = ServerThread(hall.server.store.db_path, port=hall.server.port, thread_name="hall-again").start()


def role_config(role: str, terminal: str, url: str, secret: str, data_dir) -> config.Config:
    extra = {"window": {"number": 3}} if role == "clerk" else {}
    return config.parse({"role": role, "terminal_id": terminal, "hall_id": "3201-0042", "data_dir": str(data_dir),
                         "platform": {"url": url, "terminal_secret": secret, "timeout_s": 1.5}, **extra},
                        source="test")


def test_the_kiosk_says_one_calm_line_offline_and_still_issues_a_printed_number(qtbot, hall, tmp_path):
    """GIVEN the citizen window over a kiosk with leased blocks
    THEN its status area is empty while online;
    WHEN the hall server stops THEN it says "网络连接中断，取号不受影响", and a person takes a number
    through the screens: printed, from the block, with the hall's age above;
    WHEN the server comes back THEN the line goes away and the number is delivered."""
    terminal = build_terminal(kiosk_config(hall.server.url, hall.secrets["K-01"], tmp_path / "kiosk"),
                              sync_options=FAST)
    window = role_window(terminal, language="zh_CN")
    qtbot.addWidget(window)
    try:
        window.show()
        terminal.start_sync()
        sync, notice = terminal.sync, window.sync_notice
        qtbot.waitUntil(lambda: window.hall_view is not None, timeout=5000)
        today = hall_today(window.hall_view.info)
        qtbot.waitUntil(lambda: sync.tickets.remaining("A", today) > 0, timeout=8000)
        assert not notice.offline and not notice.isVisibleTo(window) and notice.text() == ""

        hall.server.stop()
        qtbot.waitUntil(lambda: notice.offline, timeout=8000)
        assert notice.isVisibleTo(window) and notice.text() == "网络连接中断，取号不受影响"
        window.refresh_hall(force=True)
        qtbot.waitUntil(lambda: window.hall_view is not None and window.hall_view.stale, timeout=8000)
        assert window.platform_banner.text().startswith("服务信息更新于")
        window.open_services()
        window.choose("A")
        window.confirm()
        qtbot.waitUntil(lambda: window.page == "result" and window.issued is not None
                        and window.issued.print_state is PrintState.PRINTED, timeout=10000)
        assert window.issued.offline and int(window.issued.ticket.number[1:]) > 100
        assert sync.store.counts().waiting == 1

        restart(hall, tmp_path)
        qtbot.waitUntil(lambda: not notice.offline and sync.store.counts().acked == 1, timeout=15000)
        assert not notice.isVisibleTo(window)
        window.switch_language()
        hall.restarted.stop()
        qtbot.waitUntil(lambda: notice.offline, timeout=8000)
        assert notice.text() == "Network down; taking a number still works"
    finally:
        window.close()
        terminal.close()


@pytest.mark.parametrize("role,terminal_id", [("clerk", "W-03"), ("display", "D-01")])
def test_clerk_and_display_show_online_offline_records_waiting_and_the_drain(qtbot, hall, tmp_path, role,
                                                                               terminal_id):
    """GIVEN the clerk's (display's) window over its terminal THEN the status area says online, all sent;
    WHEN the server stops and two records wait THEN it says offline, 2 waiting with the oldest's age;
    WHEN the server comes back THEN the progress bar shows while they drain, then online, all sent."""
    cfg = role_config(role, terminal_id, hall.server.url, hall.secrets[terminal_id], tmp_path / role)
    terminal = build_terminal(cfg, sync_options=FAST)
    window = role_window(terminal, language="zh_CN")
    qtbot.addWidget(window)
    try:
        window.show()
        terminal.start_sync()
        status = window.sync_status
        qtbot.waitUntil(lambda: status.state == "online" and status.counts is not None, timeout=8000)
        assert "在线" in status.state_label.text() and status.waiting_label.text() == "全部已上传"

        hall.server.stop()
        qtbot.waitUntil(lambda: status.state == "offline", timeout=8000)
        for n in range(2):
            terminal.sync.store.enqueue(RecordKind.CLERK_ACTION, {"n": n, "window": 3})
        qtbot.waitUntil(lambda: status.counts is not None and status.counts.waiting == 2, timeout=8000)
        assert "离线" in status.state_label.text()
        assert status.waiting_label.text().startswith("待上传 2 条 · 最早")
        seen_bar = []
        status.bridge.progress.connect(lambda p: seen_bar.append(status.bar.isVisibleTo(status)))

        restart(hall, tmp_path)
        qtbot.waitUntil(lambda: status.state == "online" and status.counts.waiting == 0, timeout=15000)
        assert status.waiting_label.text() == "全部已上传"
        assert any(seen_bar) and not status.bar.isVisibleTo(status)
    finally:
        window.close()
        terminal.close()


def test_kiosk_run_builds_the_store_after_the_window_and_then_shows_the_status_area(qtbot, hall, tmp_path):
    """GIVEN a kiosk built as `kiosk run` builds it (store and engine deferred) WHEN its window is up
    THEN the store, engine and offline numbers are built on a thread of their own, the status area is
    attached on the GUI thread and the engine runs; closing stops it."""
    from ui.app import _SyncLater

    terminal = build_terminal(kiosk_config(hall.server.url, hall.secrets["K-01"], tmp_path / "kiosk"),
                              defer_sync=True, sync_options=FAST)
    assert terminal.sync is None and terminal.kiosk.offline_tickets is None
    window = role_window(terminal, language="zh_CN")
    qtbot.addWidget(window)
    later = None
    try:
        window.show()
        later = _SyncLater(terminal, window)
        qtbot.waitUntil(lambda: window.sync_notice is not None, timeout=10000)
        assert terminal.kiosk.offline_tickets is terminal.sync.tickets is not None
        assert terminal.kiosk.reference is terminal.sync.reference
        qtbot.waitUntil(lambda: terminal.sync.engine.counts is not None, timeout=8000)
        assert window.sync_notice.text() == ""  # online: nothing to say
    finally:
        if later is not None:
            later.close()
        window.close()
        terminal.close()


@pytest.mark.slow
def test_kiosk_run_stops_when_the_store_key_file_is_readable_by_others(hall, tmp_path):
    """GIVEN [sync] key_file naming a key others can read WHEN `kiosk run` starts THEN the window comes
    up, the store refuses the key as it is built, and the terminal stops with status 2 naming the
    setting (a bad configuration stops start-up; the key is never used)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    key = tmp_path / "store.key"
    key.write_bytes(os.urandom(32))
    key.chmod(0o644)
    (tmp_path / "secret").write_text(hall.secrets["K-01"], encoding="utf-8")
    (tmp_path / "k.toml").write_text(
        f'role = "citizen"\nterminal_id = "K-01"\nhall_id = "3201-0042"\ndata_dir = "{tmp_path / "data"}"\n'
        f'[platform]\nurl = "{hall.server.url}"\nterminal_secret_file = "{tmp_path / "secret"}"\n'
        '[printers.ticket]\nurl = "virtual://ticket"\n[devices]\nticket_printer = "ticket"\n'
        f'[sync]\nkey_file = "{key}"\n', encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(root)}
    result = subprocess.run([sys.executable, "-m", "kiosk", "run", "--config", str(tmp_path / "k.toml")],
                            cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "key_file" in result.stderr


def test_a_clerk_sees_a_refused_record_and_resends_it_with_a_reason(qtbot, hall, tmp_path):
    """GIVEN the clerk's window over its terminal's store with a record the platform refused for good
    WHEN the clerk opens "未上传记录" from the status area, selects it, gives a reason and resends THEN it
    is queued again and the audit log names the clerk's terminal and the reason."""
    cfg = role_config("clerk", "W-03", hall.server.url, hall.secrets["W-03"], tmp_path / "clerk")
    terminal = build_terminal(cfg, sync_options=FAST)
    window = role_window(terminal, language="zh_CN")
    qtbot.addWidget(window)
    try:
        window.show()
        store = terminal.sync.store
        rid = store.enqueue(RecordKind.CLERK_ACTION, {"window": 3, "action": "finish"})
        store.mark_dead(rid, "unknown_matter")
        assert window.outbox_button.text() == "未上传记录"
        window.outbox_button.click()
        view = window.outbox_window
        qtbot.waitUntil(lambda: view.dead.rowCount() == 1, timeout=5000)
        view.dead.selectRow(0)
        view.why.setText("事项编码已在平台更正")
        view.resend_button.click()
        qtbot.waitUntil(lambda: store.entry(rid).state in ("queued", "inflight", "acked"), timeout=5000)
        entry = store.audit_log()[0]
        assert entry.why == "事项编码已在平台更正" and entry.actor.startswith("clerk")
    finally:
        window.close()
        terminal.close()


def test_the_terminal_s_one_clock_reaches_the_kiosk_and_the_clerk_s_window(qtbot, hall, tmp_path):
    """GIVEN terminals built with a clock of their own (a hall's test bench set to 23:30 on 31 December,
    Beijing time) THEN the kiosk's queue service keeps time by it, and the clerk's window takes the hall's
    service day (a card's expiry is judged against it) from it, not from the machine's."""
    from datetime import datetime, timedelta, timezone

    from test_clock import FixedClock

    clock = FixedClock(datetime(2030, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=8))))
    kiosk = build_terminal(kiosk_config(hall.server.url, hall.secrets["K-01"], tmp_path / "kiosk"), sync=False,
                           clock=clock)
    try:
        assert kiosk.clock is clock and kiosk.kiosk.clock is clock
    finally:
        kiosk.close()
    cfg = role_config("clerk", "W-03", hall.server.url, hall.secrets["W-03"], tmp_path / "clerk")
    clerk = build_terminal(cfg, sync=False, clock=clock)
    window = role_window(clerk, language="zh_CN")
    qtbot.addWidget(window)
    try:
        assert window.presenter.service_day().isoformat() == "2030-12-31"
    finally:
        window.close()
        clerk.close()
