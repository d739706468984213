"""The technician's window (pytest-qt, offscreen), built by the composition root for ``role =
"technician"`` over virtual printers, the ID-card reader simulator, the hall server on loopback and the
store of the terminal serviced. Every action goes through the window's worker."""

from __future__ import annotations

import pytest
from test_services_queue_support import start_hall
from test_ui_technician_service import technician_config

from simulators.idcard_cards import SAMPLE_CARDS
from simulators.idcard import IdCardSimulator
from devices.printer.virtual import lookup
from kiosk.app import build_terminal
from core.ports.outbox import RecordKind
from ui.app import role_window
from ui.technician import CardPanel, NotConfiguredPanel, PrinterPanel


@pytest.fixture
def hall(tmp_path):
    h = start_hall(tmp_path / "hall.db")
    h.secrets["T-01"] = h.server.store.add_terminal("T-01", "technician")
    yield h
    h.server.stop()


@pytest.fixture
def window_for(qtbot):
    made = []

    def make(cfg):
        terminal = build_terminal(cfg)
        window = role_window(terminal, language="en")
        qtbot.addWidget(window)
        window.show()
        made.append((terminal, window))
        return terminal, window

    yield make
    for terminal, window in made:
        window.close()
        terminal.close()


def test_a_tab_per_device_class_with_not_configured_places(window_for, tmp_path):
    """GIVEN printers and no reader, scanner or camera THEN the window has a printer tab each, and the
    reader and camera tabs say "not configured", the scanner tab that only wedge scanners are listened to
    (it can still decode an image file), the voice's speaker test, then the platform and outbox tabs."""
    _terminal, window = window_for(technician_config("http://127.0.0.1:9", tmp_path))
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles == ["Ticket printer", "Receipt printer", "ID-card reader", "Scanner", "Document camera",
                      "Voice", "Platform", "Outbox"]
    for kind in ("idcard_reader", "camera"):
        panel = window.panels[kind]
        assert isinstance(panel, NotConfiguredPanel) and panel.message.text().startswith("Not configured")
    assert window.panels["scanner"].summary.text().startswith("No serial scanner configured")
    assert isinstance(window.panels["ticket_printer"], PrinterPanel)


def test_print_a_test_page_and_see_the_paper(qtbot, window_for, tmp_path):
    """WHEN the technician prints a test page on the ticket printer THEN the job reaches the virtual
    printer, the status says ready, the raw log names the bytes, and the picture of the paper shows."""
    _terminal, window = window_for(technician_config("http://127.0.0.1:9", tmp_path))
    panel = window.panels["ticket_printer"]
    window.show_tab("ticket_printer")
    panel.test_button.click()
    qtbot.waitUntil(lambda: panel.png is not None, timeout=10000)
    assert len(lookup("tech-ticket").jobs) == 1
    assert "ready" in panel.summary.text().lower()
    assert "printed=" in panel.log.toPlainText()
    assert panel.picture.pixmap().height() > 300


def test_read_one_card_masked_with_the_raw_frames(qtbot, window_for, tmp_path):
    """GIVEN 李䶮's card on the simulated reader WHEN the technician reads one card THEN the record shown
    is masked and the log shows the frames, the long answer masked."""
    with IdCardSimulator(thread_name="idcard-sim") as sim:
        sim.place(SAMPLE_CARDS["li_yan"])
        _terminal, window = window_for(technician_config("http://127.0.0.1:9", tmp_path, reader=sim.url))
        panel = window.panels["idcard_reader"]
        assert isinstance(panel, CardPanel)
        panel.read_button.click()
        qtbot.waitUntil(lambda: panel.report is not None, timeout=12000)
        window.close()
    assert panel.report.record is not None, panel.report
    assert "name: 李*" in panel.card.text() and "䶮" not in panel.card.text()
    assert "bytes masked" in panel.log.toPlainText() and "tx " in panel.log.toPlainText()


def test_check_the_platform_link(qtbot, window_for, hall, tmp_path):
    """WHEN the technician checks the platform THEN the window says it answers, the signed request was
    accepted and the clock skew is fine."""
    _terminal, window = window_for(technician_config(hall.server.url, tmp_path, secret=hall.secrets["T-01"]))
    window.show_tab("platform")
    window.platform.check_button.click()
    qtbot.waitUntil(lambda: window.platform.report is not None, timeout=10000)
    text = window.platform.summary.text()
    assert "answers" in text and "Signed request accepted" in text and "(fine)" in text


def test_resend_a_dead_letter_with_a_reason_from_the_outbox_tab(qtbot, window_for, tmp_path):
    """GIVEN the serviced terminal's store with a rejected record WHEN the technician opens the outbox
    tab, selects it, gives a reason and resends THEN it is queued again, the audit log has the reason,
    and the status line at the bottom counts it as waiting."""
    terminal, window = window_for(technician_config("http://127.0.0.1:9", tmp_path))
    store = terminal.sync.store
    rid = store.enqueue(RecordKind.RATING, {"stars": 2})
    store.mark_dead(rid, "unknown_matter")
    window.show_tab("outbox")
    view = window.outbox.view
    # The list and the summary refresh on the worker, each in its own time: wait for both.
    qtbot.waitUntil(lambda: view.dead.rowCount() == 1 and "rejected 1" in window.outbox.summary.text(),
                    timeout=5000)
    view.dead.selectRow(0)
    view.why.setText("matter code fixed on the platform")
    view.resend_button.click()
    qtbot.waitUntil(lambda: store.entry(rid).state == "queued", timeout=5000)
    assert store.audit_log()[0].why == "matter code fixed on the platform"
    window._tick()
    qtbot.waitUntil(lambda: window.status_line.text().startswith("1 waiting · 0 rejected; oldest"), timeout=5000)


def test_the_example_technician_configuration_is_valid(tmp_path):
    """simulators/sample_data/technician.toml parses (with a secret file in place) as a technician with the
    kiosk's printers and an ID-card reader, scanner and camera left empty."""
    import tomllib
    from pathlib import Path

    from core import config

    root = Path(__file__).resolve().parents[1]
    data = tomllib.loads((root / "simulators" / "sample_data" / "technician.toml").read_text(encoding="utf-8"))
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n", encoding="utf-8")
    data["platform"]["terminal_secret_file"] = str(secret)
    cfg = config.parse(data, source="technician.toml")
    assert cfg.role == "technician" and cfg.devices.idcard_reader and not cfg.devices.scanner
    assert cfg.printer(cfg.devices.ticket_printer_fallback).url.startswith("virtual://")


@pytest.mark.slow
def test_kiosk_run_opens_the_technician_window_and_ends_cleanly_on_sigterm(tmp_path):
    """GIVEN a technician configuration (no secret, a platform nobody answers) WHEN `kiosk run` starts it
    THEN the window comes up (the ready marker) and SIGTERM ends it with status 0."""
    import os
    import select
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    (tmp_path / "t.toml").write_text(
        f'role = "technician"\nterminal_id = "T-01"\nhall_id = "3201-0042"\ndata_dir = "{tmp_path / "data"}"\n'
        '[platform]\nurl = "http://127.0.0.1:9"\n[printers.ticket]\nurl = "virtual://run-ticket"\n'
        '[devices]\nticket_printer = "ticket"\n', encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(root), "KIOSK_READY_MARKER": "1"}
    process = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(tmp_path / "t.toml")],
                               cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, ready = time.monotonic() + 30, False
        while time.monotonic() < deadline and not ready:
            if select.select([process.stdout], [], [], 0.5)[0]:
                line = process.stdout.readline()
                ready = line.strip() == "KIOSK_READY"
                if not line:
                    break
        assert ready, process.stderr.read() if process.poll() is not None else "no ready marker"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def test_the_outbox_tab_tells_of_a_salvaged_store(qtbot, window_for, tmp_path):
    """GIVEN the serviced terminal's store whose database was truncated to nothing after 3 records
    WHEN the technician window opens it THEN the outbox tab says the store was salvaged, how many records
    were saved and lost, and where the damaged file is kept."""
    from kiosk.app import store_dir
    from offline_cache import Store

    cfg = technician_config("http://127.0.0.1:9", tmp_path)
    damaged = Store(store_dir(cfg), margin_bytes=0)
    for stars in (1, 2, 3):
        damaged.enqueue(RecordKind.RATING, {"stars": stars})
    damaged.close()
    (store_dir(cfg) / "outbox.sqlite3").write_bytes(b"")
    terminal, window = window_for(cfg)
    window.show_tab("outbox")
    qtbot.waitUntil(lambda: "lost 3" in window.outbox.summary.text(), timeout=5000)
    assert "saved 0 of 3 records" in window.outbox.summary.text()
    assert "outbox.sqlite3.damaged-" in window.outbox.summary.text()
