"""The adapters of one terminal, built from its configuration: the platform client, the printers, the
ID-card reader, the scanner, the camera-frame decoder and the document camera.

The composition root (kiosk/app.py) calls these; it is the only caller. The heavy stacks (HTTP, ESC/POS)
are loaded at the first call, from a worker thread, so the home screen never waits for them; a device
that is missing is a state the window shows, never a start-up failure.
"""

from __future__ import annotations

import threading

from core.config import Config, PrinterConfig
from core.errors import ConfigError
from core.ports import PrinterStatus, QueuePlatform, TicketPrinter, TicketSlip
from core.ports.idcard import IdCardReaderPort
from core.ports.locker import LockerPort


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
                from platform_client import PlatformClient, transport

                p = self._cfg.platform
                self._client = PlatformClient(p.url, self._cfg.terminal_id, p.terminal_secret, timeout_s=p.timeout_s,
                                              tls=transport.Tls.of(p))
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
    """A ``TicketPrinter`` (and ``PaperPrinter``) whose driver is loaded and opened at its first call, not at start-up.

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

    @property
    def opened(self) -> TicketPrinter | None:
        """The driver if it was opened already (None: not used yet); opens nothing."""
        return self._printer

    def status(self) -> PrinterStatus:
        return self.open().status()

    def print_ticket(self, slip: TicketSlip) -> None:
        self.open().print_ticket(slip)

    def print_paper(self, paper, language: str = "zh_CN") -> None:
        """A ``PaperPrinter`` too: the paper's job (devices/printer/papers.py) on this printer."""
        from devices.printer.papers import paper_job

        printer = self.open()
        printer.print_job(paper_job(paper, self.cfg, language))

    def close(self) -> None:
        with self._lock:
            printer, self._printer = self._printer, None
        if printer is not None:
            printer.close()


def build_printers(cfg: Config, roles: tuple[str, ...] = ("ticket_printer", "ticket_printer_fallback")
                   ) -> dict[str, OpenedOnFirstUse]:
    """The ticket printer and its fallback, by their names under [printers] (opened at first use)."""
    printers: dict[str, OpenedOnFirstUse] = {}
    for role in roles:
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


def build_scanner(cfg: Config):
    """The serial scanner of ``[devices] scanner`` (any pyserial URL), not started; None when none is
    configured (keyboard-wedge scanners need no setting). A missing scanner is a state, never a failure."""
    if not cfg.devices.scanner:
        return None
    from devices.scanner import SerialScanner

    return SerialScanner(cfg.devices.scanner)


def build_locker(cfg: Config, *, on_raw=None, thread_name: str = "device:locker") -> LockerPort | None:
    """The smart locker's bus of ``[locker]`` (any pyserial URL), not started; None when none is configured."""
    if not cfg.locker.configured:
        return None
    from devices.locker import LockerBus, Wiring

    lk = cfg.locker
    return LockerBus(lk.port, baudrate=lk.baudrate, wiring=Wiring(lk.opened_status, lk.closed_status),
                     timeout_s=lk.timeout_s, retries=lk.retries, on_raw=on_raw, thread_name=thread_name)


def build_frame_decoder_factory(cfg: Config):
    """``factory(on_codes, on_error) -> FrameDecoder`` for codes in camera frames (``[devices] decoder``
    back end), or None when the terminal has no camera."""
    if not cfg.devices.camera:
        return None
    backend = cfg.devices.decoder

    def factory(on_codes, on_error):
        from devices.scanner.backends import DEFAULT_FORMATS
        from devices.scanner.cascade import CodeDecoder
        from devices.scanner.frame_decoder import FrameDecoder

        # the formats `kiosk diag decode` reads by default too (kiosk/diag/decode.py)
        decoder = CodeDecoder(backend=backend, formats=DEFAULT_FORMATS, budget_ms=150.0, track=True)
        return FrameDecoder(decoder, on_codes=on_codes, on_error=on_error)

    return factory


class AppointmentsOnFirstUse:
    """``AppointmentPlatform`` over the terminal's platform client, made at the first call (the client
    itself is created at its first use: ``ConnectedOnFirstUse``)."""

    def __init__(self, platform) -> None:
        self._platform = platform
        self._client = None
        self._lock = threading.Lock()

    def _appointments(self):
        with self._lock:
            if self._client is None:
                from platform_client.appointments import AppointmentsClient

                client = self._platform.client() if isinstance(self._platform, ConnectedOnFirstUse) else self._platform
                self._client = AppointmentsClient(client)
            return self._client

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._appointments(), name)


class CasesOnFirstUse:
    """``PreApplicationSource`` (core/ports/cases.py) over the terminal's platform client, made at the first
    call: the clerk's side of cases (platform_client/cases.py) shares the client's session and signing."""

    def __init__(self, platform) -> None:
        self._platform = platform
        self._client = None
        self._lock = threading.Lock()

    def _cases(self):
        with self._lock:
            if self._client is None:
                from platform_client.cases import CasesClient

                client = self._platform.client() if isinstance(self._platform, ConnectedOnFirstUse) else self._platform
                self._client = CasesClient(client)
            return self._client

    def pre_application(self, session, code: str):
        return self._cases().pre_application(session, code)


def build_camera(cfg: Config):
    """The document camera of ``[devices] camera``, started (``start`` returns at once; a camera missing
    now is picked up when it is plugged in); None when none is configured."""
    if not cfg.devices.camera:
        return None
    from devices.camera import open_camera, set_threads
    from kiosk.simulated import enable_simulated_camera

    if cfg.devices.camera_threads:
        set_threads(cfg.devices.camera_threads)
    calibration = load_camera_calibration(cfg.devices.camera_calibration)
    enable_simulated_camera(cfg.devices.camera)
    return open_camera(cfg.devices.camera, calibration=calibration).start()


def load_camera_calibration(path: str):
    """The lens calibration of ``[devices] camera_calibration`` (None when none is set); a file that cannot
    be read or is not a calibration stops the terminal with a ConfigError naming the setting, rather than
    capturing unflattened frames in silence."""
    if not path:
        return None
    from devices.camera import calibration

    try:
        return calibration.load(path)
    except (OSError, ValueError) as exc:
        problem = f"cannot read {path}: {exc.strerror or exc}" if isinstance(exc, OSError) else f"{path}: {exc}"
        raise ConfigError(f"devices.camera_calibration: {problem}", setting="devices.camera_calibration",
                          problem=problem) from None
