"""`kiosk demo` and `kiosk run`: the composition root builds every role from its configuration and the
windows come up (subprocesses, offscreen), and the example configurations are valid."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from PIL import Image
from test_services_queue_support import start_hall

from core import config

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}


@pytest.mark.slow
def test_the_demo_walks_the_hall_and_saves_a_screenshot_of_every_window(tmp_path):
    shots = tmp_path / "shots"
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "demo", "--data-dir", str(tmp_path / "data"), "--screenshots", str(shots)],
        cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=130,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    expected = {"citizen-home", "citizen-services", "citizen-confirm", "citizen-ticket", "printer-output",
                "clerk-login", "clerk", "display", "citizen-home-en", "citizen-identified",
                "citizen-identified-confirm", "citizen-priority-ticket", "printer-output-priority",
                "demo-devices", "clerk-applicant-shown", "technician-printer", "technician-idcard",
                "technician-platform", "citizen-offline", "citizen-offline-ticket", "printer-output-offline",
                "technician-outbox-offline", "clerk-offline", "display-offline", "technician-outbox-online"}
    expected |= {"clerk-application", "demo-devices-clerk"}  # the clerk's application page, its scanner
    expected |= {"citizen-checkin-ticket", "printer-output-checkin", "citizen-tracking",  # codes at the kiosk
                 "citizen-code-not-recognised", "demo-devices-scanner"}
    expected |= {"citizen-guide", "citizen-guide-matter"}  # the service guide: the letter pad, one matter
    expected |= {"citizen-guide-checklist", "printer-output-checklist"}  # a guide's materials checklist printed
    expected |= {"citizen-guide-apply", "citizen-apply-card", "citizen-apply-form", "citizen-apply-materials",
                 "citizen-apply-review", "citizen-apply-done", "printer-output-slip"}  # a 自助申报 and its slip
    expected |= {"clerk-application-form", "clerk-accepted", "printer-output-receipt",  # 受理 and its receipt
                 "clerk-notice", "printer-output-notice"}  # the next person's one-time notice
    expected |= {"rating-pad-levels", "rating-pad-reasons", "rating-pad-thanks", "rating-pad-idle",  # 好差评
                 "clerk-rating"}
    expected |= {"clerk-pickup-deposit", "clerk-pickup-deposited", "citizen-case-timeline",  # the accepted case
                 "citizen-pickup", "citizen-pickup-open", "citizen-pickup-done",  # deposited, collected by card
                 "citizen-case-collected", "display-pickup"}
    # The kiosk's rating of the 自助申报's case shows when the platform answered its number within the slip's wait.
    assert expected <= {p.stem for p in shots.glob("*.png")} <= expected | {"citizen-rating"}
    for path in shots.glob("*.png"):
        with Image.open(path) as image:
            assert image.width >= 400 and image.height >= 400
            assert len(image.convert("L").getcolors(65536) or []) > 8, f"{path.name} is blank"
    assert (tmp_path / "data" / "hall.db").exists()
    log = (tmp_path / "data" / "logs" / "kiosk.log").read_text(encoding="utf-8")
    assert "ticket A001 issued" in log


@pytest.mark.parametrize("name", ["citizen", "clerk", "display"])
def test_the_example_configurations_are_valid(tmp_path, name):
    data = tomllib.loads((ROOT / "simulators" / "sample_data" / f"{name}.toml").read_text(encoding="utf-8"))
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n", encoding="utf-8")
    data["platform"]["terminal_secret_file"] = str(secret)
    cfg = config.parse(data, source=f"{name}.toml")
    assert cfg.role == name and cfg.platform.terminal_secret == "s3cret"
    if name == "citizen":
        assert cfg.printer(cfg.devices.ticket_printer_fallback).url.startswith("virtual://")
    if name == "clerk":
        assert cfg.window == 3


ROLE_SETTINGS = {
    "citizen": '[printers.ticket]\nurl = "virtual://ticket"\n[devices]\nticket_printer = "ticket"\n',
    "clerk": "[window]\nnumber = 3\n",
    "display": "",
}
TERMINALS = {"citizen": "K-01", "clerk": "W-03", "display": "D-01"}


@pytest.mark.slow
@pytest.mark.parametrize("role", ["citizen", "clerk", "display"])
def test_kiosk_run_brings_each_role_window_up_against_the_hall_server(tmp_path, role):
    hall = start_hall(tmp_path / "hall.db")
    terminal = TERMINALS[role]
    try:
        (tmp_path / "secret").write_text(hall.secrets[terminal], encoding="utf-8")
        (tmp_path / "terminal.toml").write_text(
            f'role = "{role}"\nterminal_id = "{terminal}"\nhall_id = "3201-0042"\ndata_dir = "{tmp_path / "data"}"\n'
            f'[platform]\nurl = "{hall.server.url}"\nterminal_secret_file = "{tmp_path / "secret"}"\n'
            + ROLE_SETTINGS[role], encoding="utf-8")
        process = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "run", "--config", str(tmp_path / "terminal.toml")], cwd=ROOT,
            env={**ENV, "KIOSK_READY_MARKER": "1", "KIOSK_WINDOWED": "1"}, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        try:
            deadline, seen = time.monotonic() + 40, ""
            while time.monotonic() < deadline and "KIOSK_READY" not in seen:
                ready, _, _ = select.select([process.stdout], [], [], 0.5)
                if ready:
                    line = process.stdout.readline()
                    if not line:
                        break
                    seen += line
            assert "KIOSK_READY" in seen, process.stderr.read() if process.poll() is not None else seen
            process.terminate()  # SIGTERM: the window closes and the workers stop
            assert process.wait(15) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(5)
        log = (tmp_path / "data" / "logs" / "kiosk.log").read_text(encoding="utf-8")
        assert f"terminal {terminal} ready" in log
    finally:
        hall.server.stop()


def test_a_terminal_with_a_bad_configuration_stops_with_the_key_named(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('role = "citizen"\nterminal_id = "K-01"\nhall_id = "x"\n[platform]\nurl = "ftp://x"\n'
                   'terminal_secret = "s"\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "kiosk", "run", "--config", str(bad)], cwd=ROOT, env=ENV,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "platform.url" in result.stderr
