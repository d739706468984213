"""The composition root: one terminal's adapters and services, built from its configuration.

    cfg = config.load("citizen.toml")
    raise SystemExit(run_terminal(cfg))           # what `kiosk run --config citizen.toml` does

``build_terminal`` is the only place that knows which adapter implements which port: the platform is a
``PlatformClient`` (HTTP, signed), printers come from ``devices.printer.open_printer`` (every URL scheme,
``virtual://`` included), the hall display speaks through espeak-ng when it is installed. The demo
(kiosk/demo.py) builds its terminals the same way.

Environment (for benchmarks and kiosk integrators):
- ``KIOSK_READY_MARKER=1``: print ``KIOSK_READY`` on stdout once the home screen accepts input;
- ``KIOSK_WINDOWED=1``: a normal window instead of full screen.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from kiosk import logs
from kiosk.config import Config
from kiosk.ports import QueuePlatform, TicketPrinter
from kiosk.services.announce import Speaker, default_speaker
from kiosk.services.queue import ClerkQueueService, HallDisplayService, KioskQueueService

log = logging.getLogger(__name__)

READY_MARKER = "KIOSK_READY"


@dataclass
class Terminal:
    """The adapters and services of one terminal; ``close`` releases the adapters."""

    cfg: Config
    platform: QueuePlatform
    printers: dict[str, TicketPrinter] = field(default_factory=dict)
    kiosk: KioskQueueService | None = None
    clerk: ClerkQueueService | None = None
    display: HallDisplayService | None = None
    speaker: Speaker | None = None

    def close(self) -> None:
        for printer in self.printers.values():
            try:
                printer.close()
            except Exception:  # closing must go on for the others
                log.exception("closing printer %s", getattr(printer, "name", "?"))
        close = getattr(self.platform, "close", None)
        if close is not None:
            close()


def build_platform(cfg: Config) -> QueuePlatform:
    from kiosk.platform_client import PlatformClient

    return PlatformClient(cfg.platform.url, cfg.terminal_id, cfg.platform.terminal_secret,
                          timeout_s=cfg.platform.timeout_s)


def build_printers(cfg: Config) -> dict[str, TicketPrinter]:
    """The ticket printer and its fallback, by their names under [printers] (opened lazily)."""
    from devices.printer import open_printer

    printers: dict[str, TicketPrinter] = {}
    for role in ("ticket_printer", "ticket_printer_fallback"):
        printer_cfg = cfg.printer(getattr(cfg.devices, role))
        if printer_cfg is not None and printer_cfg.name not in printers:
            printers[printer_cfg.name] = open_printer(printer_cfg, timeout_s=cfg.timeouts.device_s, device=role)
    return printers


def build_terminal(cfg: Config, *, platform: QueuePlatform | None = None, speaker: Speaker | None = None) -> Terminal:
    platform = platform if platform is not None else build_platform(cfg)
    terminal = Terminal(cfg, platform)
    if cfg.role == "citizen":
        terminal.printers = build_printers(cfg)
        main = terminal.printers.get(cfg.devices.ticket_printer)
        fallback = terminal.printers.get(cfg.devices.ticket_printer_fallback) if cfg.devices.ticket_printer_fallback else None
        terminal.kiosk = KioskQueueService(platform, main, fallback_printer=fallback)
    elif cfg.role == "clerk":
        terminal.clerk = ClerkQueueService(platform, cfg.window or 0)
    elif cfg.role == "display":
        terminal.display = HallDisplayService(platform)
        terminal.speaker = speaker or default_speaker()
    return terminal


def run_terminal(cfg: Config) -> int:
    """Runs the terminal's role window until it is closed; the exit status of the event loop."""
    log_path = logs.setup(logs.data_dir(cfg.data_dir) / "logs")
    log.info("terminal %s (%s) starting; platform %s; log %s", cfg.terminal_id, cfg.role, cfg.platform.url,
             log_path)
    from ui.app import run_role_window

    terminal = build_terminal(cfg)

    def ready() -> None:
        log.info("terminal %s ready", cfg.terminal_id)
        if os.environ.get("KIOSK_READY_MARKER"):
            print(READY_MARKER, flush=True)

    try:
        return run_role_window(terminal, fullscreen=not os.environ.get("KIOSK_WINDOWED"), on_ready=ready)
    finally:
        terminal.close()
