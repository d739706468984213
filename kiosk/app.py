"""The composition root: one terminal's adapters and services, built from its configuration.

    cfg = config.load("citizen.toml")
    raise SystemExit(run_terminal(cfg))           # what `kiosk run --config citizen.toml` does

``build_terminal`` is the only place that knows which adapter implements which port: the platform is a
``PlatformClient`` (HTTP, signed), printers come from ``devices.printer.open_printer`` (every URL scheme,
``virtual://`` included), the ID-card reader of a kiosk or a clerk's window from
``devices.idcard.open_reader`` (``[devices] idcard_reader``, ``idcard_baudrate``, ``idcard_photo_decoder``;
it polls on its own owner thread, started by ``Terminal.start`` once the window has set its callbacks and
stopped by ``Terminal.close``), the hall display speaks through espeak-ng when it is installed. The demo
(kiosk/demo.py) builds its terminals the same way.

Environment (for benchmarks and kiosk integrators):
- ``KIOSK_READY_MARKER=1``: print ``KIOSK_READY`` on stdout once the home screen accepts input;
- ``KIOSK_WINDOWED=1``: a normal window instead of full screen.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field

from kiosk import logs
from kiosk.config import Config, PrinterConfig
from kiosk.ports import PrinterStatus, QueuePlatform, TicketPrinter, TicketSlip
from kiosk.ports.idcard import IdCardReaderPort
from kiosk.services.announce import Speaker, default_speaker
from kiosk.services.queue import ClerkQueueService, HallDisplayService, KioskQueueService

log = logging.getLogger(__name__)

READY_MARKER = "KIOSK_READY"


@dataclass
class Terminal:
    """The adapters and services of one terminal; ``close`` releases the adapters."""

    cfg: Config
    platform: QueuePlatform
    printers: dict[str, OpenedOnFirstUse] = field(default_factory=dict)
    kiosk: KioskQueueService | None = None
    clerk: ClerkQueueService | None = None
    display: HallDisplayService | None = None
    speaker: Speaker | None = None
    idcard: IdCardReaderPort | None = None  # None: no reader configured (taking a number still works)

    def start(self) -> None:
        """Starts the terminal's devices that run by themselves (the ID-card reader's polling thread).
        The window sets the reader's callbacks first (ui/idcard.py), so no card is missed."""
        if self.idcard is not None:
            self.idcard.start()

    def close(self) -> None:
        if self.idcard is not None:
            try:
                self.idcard.stop()  # joins its owner thread (bounded)
            except Exception:  # closing must go on for the others
                log.exception("stopping the ID-card reader")
        for printer in self.printers.values():
            try:
                printer.close()
            except Exception:  # closing must go on for the others
                log.exception("closing printer %s", getattr(printer, "name", "?"))
        close = getattr(self.platform, "close", None)
        if close is not None:
            close()


class ConnectedOnFirstUse:
    """The ``PlatformClient``, created at the first platform call rather than at start-up.

    Importing the HTTP stack (requests, urllib3) takes about a fifth of a second; the first call is made
    from a worker thread once the window is up, so the home screen does not wait for it. Every attribute
    of ``QueuePlatform`` is looked up on the client (created once, under a lock).
    """

    def __init__(self, cfg: Config) -> None:
        self._cfg = cfg
        self._client = None
        self._lock = threading.Lock()

    def client(self):
        with self._lock:
            if self._client is None:
                from kiosk.platform_client import PlatformClient

                p = self._cfg.platform
                self._client = PlatformClient(p.url, self._cfg.terminal_id, p.terminal_secret, timeout_s=p.timeout_s)
            return self._client

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.client(), name)

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()


def build_platform(cfg: Config) -> QueuePlatform:
    return ConnectedOnFirstUse(cfg)


class OpenedOnFirstUse:
    """A ``TicketPrinter`` whose driver is loaded and opened at its first call, not at start-up.

    Loading the ESC/POS stack (python-escpos reads its printer capability database) takes about half a
    second; the first call comes from a worker thread (the status check before a number is taken), so
    the home screen shows without waiting for it. ``open()`` forces it (the demo, a warm-up).
    """

    def __init__(self, printer_cfg: PrinterConfig, *, timeout_s: float, device: str) -> None:
        self.name = printer_cfg.name
        self.cfg = printer_cfg
        self._timeout_s = timeout_s
        self._device = device
        self._printer: TicketPrinter | None = None
        self._lock = threading.Lock()

    def open(self) -> TicketPrinter:
        with self._lock:
            if self._printer is None:
                from devices.printer import open_printer

                self._printer = open_printer(self.cfg, timeout_s=self._timeout_s, device=self._device)
            return self._printer

    def status(self) -> PrinterStatus:
        return self.open().status()

    def print_ticket(self, slip: TicketSlip) -> None:
        self.open().print_ticket(slip)

    def close(self) -> None:
        with self._lock:
            printer, self._printer = self._printer, None
        if printer is not None:
            printer.close()


def build_printers(cfg: Config) -> dict[str, OpenedOnFirstUse]:
    """The ticket printer and its fallback, by their names under [printers] (opened at first use)."""
    printers: dict[str, OpenedOnFirstUse] = {}
    for role in ("ticket_printer", "ticket_printer_fallback"):
        printer_cfg = cfg.printer(getattr(cfg.devices, role))
        if printer_cfg is not None and printer_cfg.name not in printers:
            printers[printer_cfg.name] = OpenedOnFirstUse(printer_cfg, timeout_s=cfg.timeouts.device_s, device=role)
    return printers


def build_idcard_reader(cfg: Config) -> IdCardReaderPort | None:
    """The ID-card reader of ``[devices] idcard_reader`` (any pyserial URL), not started; None when none
    is configured. Opening the port happens on the reader's own thread, so a missing reader is a state
    the window shows ("not available"), never a start-up failure."""
    d = cfg.devices
    if not d.idcard_reader:
        return None
    from devices.idcard import open_reader

    return open_reader(d.idcard_reader, baudrate=d.idcard_baudrate,
                       photo_decoder=d.idcard_photo_decoder or None)


def build_terminal(cfg: Config, *, platform: QueuePlatform | None = None, speaker: Speaker | None = None) -> Terminal:
    platform = platform if platform is not None else build_platform(cfg)
    terminal = Terminal(cfg, platform)
    if cfg.role in ("citizen", "clerk"):
        terminal.idcard = build_idcard_reader(cfg)
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
