"""``kiosk run --config FILE``: one terminal, built by the composition root (kiosk/app.py), in its window
until the window closes.

Environment (for benchmarks, kiosk integrators and systemd):
- ``KIOSK_READY_MARKER=1``: print ``KIOSK_READY`` on stdout once the home screen accepts input;
- ``KIOSK_WINDOWED=1``: a normal window instead of full screen;
- ``NOTIFY_SOCKET``, ``WATCHDOG_USEC``, ``WATCHDOG_PID`` (set by systemd for a ``Type=notify`` unit):
  ``READY=1`` once the window takes input, ``WATCHDOG=1`` from the GUI thread, ``STOPPING=1`` when it
  closes (kiosk/service_manager.py, docs/deployment.md "The units").
"""

from __future__ import annotations

import logging
import os

from core import logs
from core.config import Config
from kiosk.app import build_terminal
from kiosk.service_manager import SystemdNotifier

log = logging.getLogger("kiosk.app")  # the terminal's start-up lines, under the name they always had

READY_MARKER = "KIOSK_READY"


def run_terminal(cfg: Config) -> int:
    """Runs the terminal's role window until it is closed; the exit status of the event loop."""
    log_path = logs.setup(logs.data_dir(cfg.data_dir) / "logs")
    log.info("terminal %s (%s) starting; platform %s; log %s", cfg.terminal_id, cfg.role, cfg.platform.url,
             log_path)
    from ui.app import run_role_window

    terminal = build_terminal(cfg, defer_sync=True)
    service = SystemdNotifier.from_environment()  # None unless systemd runs the terminal (docs/deployment.md)

    def ready() -> None:
        log.info("terminal %s ready", cfg.terminal_id)
        if service is not None:
            service.ready(f"terminal {cfg.terminal_id} ({cfg.role}) ready")
        if os.environ.get("KIOSK_READY_MARKER"):
            print(READY_MARKER, flush=True)

    try:
        return run_role_window(terminal, fullscreen=not os.environ.get("KIOSK_WINDOWED"), on_ready=ready,
                               service=service)
    finally:
        terminal.close()
        if service is not None:
            service.close()
