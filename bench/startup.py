"""Start-up of the citizen kiosk: time from launch to the interactive home screen, and resident memory.

Measured side by side with a baseline in the same run: a bare PySide6 QApplication showing one QLabel
(the least any Qt window costs on this machine). Each program is launched as a subprocess (offscreen Qt)
and prints a marker once its window is shown and its event loop runs (the kiosk: ``KIOSK_READY`` from
``kiosk run`` with ``KIOSK_READY_MARKER=1``, i.e. the home screen accepts touches); the time is taken
from ``Popen`` to that line. Resident memory (VmRSS from /proc) is read ``SETTLE_S`` after the marker,
when the kiosk has also loaded its hall from the server.

The kiosk talks to the reference hall server on loopback (started in this process) and prints to a
virtual printer, as in ``kiosk demo``.

    .venv/bin/python bench/startup.py            # 5 launches of each (median)
    .venv/bin/python bench/startup.py --runs 2   # quicker
"""

from __future__ import annotations

import argparse
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SETTLE_S = 1.0
TIMEOUT_S = 60.0

BASELINE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv[:1])
label = QLabel("取号 Take a number")
label.resize(1280, 800)
label.show()
QTimer.singleShot(0, lambda: print("BASELINE_READY", flush=True))
app.exec()
"""


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def launch(command: list[str], marker: str, env: dict) -> tuple[float, int]:
    """Seconds from launch to ``marker`` on stdout, and the RSS (KiB) ``SETTLE_S`` later."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
    try:
        deadline = started + TIMEOUT_S
        while True:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{marker} not seen within {TIMEOUT_S:.0f} s")
            ready, _, _ = select.select([process.stdout], [], [], 0.2)
            if ready:
                line = process.stdout.readline()
                if not line:
                    raise RuntimeError(f"the program ended before {marker} (exit {process.wait()})")
                if marker in line:
                    elapsed = time.perf_counter() - started
                    break
        time.sleep(SETTLE_S)
        return elapsed, rss_kib(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from hall_server import ServerThread, sample_hall

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_LOGGING_RULES": "qt.qpa.*=false",
           "PYTHONPATH": str(ROOT), "KIOSK_READY_MARKER": "1", "KIOSK_WINDOWED": "1"}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        tmp_path = Path(tmp)
        with ServerThread(tmp_path / "hall.db", seed=sample_hall(), thread_name="bench:hall-server") as server:
            secret = server.store.add_terminal("K-01", "citizen")
            (tmp_path / "secret").write_text(secret, encoding="utf-8")
            cfg = tmp_path / "citizen.toml"
            cfg.write_text(
                f'role = "citizen"\nterminal_id = "K-01"\nhall_id = "3201-0042"\ndata_dir = "{tmp_path / "data"}"\n'
                f'[platform]\nurl = "{server.url}"\nterminal_secret_file = "{tmp_path / "secret"}"\n'
                f'[printers.ticket]\nurl = "virtual://ticket"\n[devices]\nticket_printer = "ticket"\n',
                encoding="utf-8")
            kiosk_cmd = [sys.executable, "-m", "kiosk", "run", "--config", str(cfg)]
            base_cmd = [sys.executable, "-c", BASELINE]
            # Warm the file cache once for each, then alternate so both see the same machine load.
            launch(base_cmd, "BASELINE_READY", env)
            launch(kiosk_cmd, "KIOSK_READY", env)
            base, kiosk = [], []
            for _ in range(args.runs):
                base.append(launch(base_cmd, "BASELINE_READY", env))
                kiosk.append(launch(kiosk_cmd, "KIOSK_READY", env))

    def med(samples, i):
        return statistics.median(s[i] for s in samples)

    b_t, k_t = med(base, 0), med(kiosk, 0)
    b_m, k_m = med(base, 1) / 1024, med(kiosk, 1) / 1024
    print(f"start-up of the citizen kiosk ({args.runs} launches each, median; offscreen Qt; "
          f"hall server on loopback; RSS {SETTLE_S:.0f} s after ready)")
    print(f"{'':34}{'launch → ready':>16}{'RSS':>12}")
    print(f"{'baseline: QApplication + QLabel':34}{b_t * 1000:>13.0f} ms{b_m:>9.1f} MiB")
    print(f"{'citizen kiosk (kiosk run)':34}{k_t * 1000:>13.0f} ms{k_m:>9.1f} MiB")
    print(f"{'ratio kiosk / baseline':34}{k_t / b_t:>15.2f}x{k_m / b_m:>11.2f}x")
    print(f"kiosk launches (ms): {', '.join(f'{s[0] * 1000:.0f}' for s in kiosk)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
