"""``kiosk diag lockdown``: which protections of a citizen kiosk are active, read from a machine's files
(``--root``: an image prepared for a hall), with the JSON shape technicians' scripts rely on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKS = ["fullscreen", "systemd_unit", "autologin", "getty", "vt_switching", "sysrq"]


def diag(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk", "diag", "lockdown", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env=env)


def write(root: Path, path: str, text: str) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def citizen_config(folder: Path, extra: str = "") -> Path:
    """The sample kiosk's file, with its secret inline (the sample points at /etc/kiosk)."""
    text = (ROOT / "simulators" / "sample_data" / "citizen.toml").read_text(encoding="utf-8")
    text = text.replace('terminal_secret_file = "/etc/kiosk/K-01.secret"', 'terminal_secret = "s3cret-for-tests"')
    path = folder / "citizen.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def locked_image(root: Path) -> None:
    write(root, "/lib/systemd/system/hall-kiosk@.service", "[Service]\nType=notify\nWatchdogSec=30\n")
    write(root, "/etc/systemd/system/getty@tty1.service.d/autologin.conf",
          "[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin kiosk --noclear %I $TERM\n")
    write(root, "/etc/systemd/logind.conf.d/kiosk.conf", "[Login]\nNAutoVTs=0\nReserveVT=0\n")
    write(root, "/etc/X11/xorg.conf.d/10-kiosk.conf", 'Section "ServerFlags"\n  Option "DontVTSwitch" "true"\nEndSection\n')
    write(root, "/etc/sysctl.d/90-kiosk.conf", "kernel.sysrq = 0\n")


def test_a_locked_down_image_passes_every_check(tmp_path):
    locked_image(tmp_path)
    done = diag("--json", "--root", str(tmp_path), "--config", str(citizen_config(tmp_path)))
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["check"] for r in rows] == CHECKS
    assert all(set(r) == {"check", "ok", "detail", "fix"} for r in rows)
    assert [r["ok"] for r in rows] == [True] * 6, done.stdout
    assert done.returncode == 0


def test_a_bare_machine_says_what_to_fix_and_exits_1(tmp_path):
    done = diag("--root", str(tmp_path))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "FIX systemd_unit" in done.stdout and "NAutoVTs=0" in done.stdout and "kernel.sysrq = 0" in done.stdout
    assert "? " in done.stdout  # what this image cannot tell (no configuration, no X or cage found)


def test_a_kiosk_with_lockdown_off_or_windowed_is_told(tmp_path):
    locked_image(tmp_path)
    config = citizen_config(tmp_path, "\n[kiosk]\nlockdown = false\n")
    rows = [json.loads(line) for line in diag("--json", "--root", str(tmp_path), "--config", str(config)).stdout.splitlines()]
    assert rows[0]["ok"] is False and "lockdown = false" in rows[0]["detail"]


def test_an_unreadable_configuration_exits_2_with_one_line(tmp_path):
    done = diag("--root", str(tmp_path), "--config", str(tmp_path / "missing.toml"))
    assert done.returncode == 2 and done.stderr.strip().startswith("error:") and "Traceback" not in done.stderr


def test_the_packages_x_session_enabled_counts_as_the_kiosk_session(tmp_path):
    """GIVEN an image with the Debian package's X server unit enabled (systemctl enable hall-kiosk-x links
    it into graphical.target.wants) and no getty autologin WHEN checked THEN the session check is ok: that
    X server needs no login, the terminal's unit draws on it."""
    locked_image(tmp_path)
    for drop_in in (tmp_path / "etc/systemd/system/getty@tty1.service.d").iterdir():
        drop_in.unlink()
    wants = tmp_path / "etc/systemd/system/graphical.target.wants"
    wants.mkdir(parents=True)
    (wants / "hall-kiosk-x.service").symlink_to("/usr/lib/systemd/system/hall-kiosk-x.service")
    done = diag("--json", "--root", str(tmp_path), "--config", str(citizen_config(tmp_path)))
    rows = {row["check"]: row for row in map(json.loads, done.stdout.splitlines())}
    assert rows["autologin"]["ok"] is True and "hall-kiosk-x.service" in rows["autologin"]["detail"]
    assert done.returncode == 0
