"""What the technician's window does, as plain Python (no Qt): every method may block, so the window
(ui/technician.py) calls them on a worker thread.

    diag = Diagnostics(cfg, printers=..., store=..., platform=..., test_page=..., render=..., reader=...)
    diag.slots()                      # every device class: configured or not, and where
    diag.printer_status("ticket")     # DLE EOT where the printer can answer
    diag.print_test_page("ticket")    # devices/printer/testpage.py, through the printer's own driver
    diag.render_last("ticket")        # a PNG of the last job that printer printed
    diag.read_card(10.0)              # one card, masked, with the frames that went by (masked too)
    diag.check_platform()             # reachable? signed request accepted? clock skew?
    diag.outbox()                     # the store's counts, oldest age, dead letters, free disk, salvages

The adapters come from the composition root (kiosk/app.py): this module imports no driver, no SQLite
and no HTTP library (tests/test_architecture.py). What it can share with the command-line diagnostics it
takes from kiosk/diag (``identity_record`` / ``format_raw`` of ``kiosk diag idcard``, ``sample_slip`` of
``kiosk diag print``), so a card reads and masks the same on the screen as on the command line.

The platform check: an unsigned ``GET /v1/health`` (must be the hall server's JSON: ``{"ok": true}``)
says whether the platform answers, and its ``Date`` header gives the clock skew (midpoint of the round
trip; the header has a resolution of one second; core/signing.py refuses more than ``MAX_SKEW_S``); a
signed request (``hall_info`` of the ``QueuePlatform``) says whether this terminal's id and secret are
accepted. Only the configured URL is contacted (loopback in tests and the demo).
"""

from __future__ import annotations

import email.utils
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from core.config import Config
from core.errors import ConfigError, DeviceError, KioskError, PlatformError
from core.ports.voice import VoiceReport
from core.services.locker_check import LockerReport, check_locker, raw_line
from core.signing import MAX_SKEW_S

log = logging.getLogger(__name__)

DEVICE_CLASSES = ("ticket_printer", "ticket_printer_fallback", "receipt_printer", "idcard_reader", "scanner",
                  "camera")


@dataclass(frozen=True)
class DeviceSlot:
    """One device class of the terminal: ``name`` (the printer's name under [printers]) and ``address``
    (its URL) are empty when it is not configured."""

    kind: str
    name: str = ""
    address: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.address)


@dataclass(frozen=True)
class PrinterReport:
    name: str
    url: str
    status: str  # a core.ports.PrinterStatus value, or "error"
    detail: str = ""  # the technician's text of an error (with the driver's raw detail)
    job_bytes: int = 0  # size of the job just printed (print_test_page)


@dataclass(frozen=True)
class CardReport:
    record: dict[str, Any] | None  # kiosk.diag.idcard.identity_record, masked; None when no card was read
    raw: list[str]  # the frames that went by, masked as ``kiosk diag idcard --raw`` masks them
    error: str = ""
    error_kind: str = ""  # the error's class name (NoCard, DeviceNotFound …)


@dataclass(frozen=True)
class PlatformReport:
    url: str
    reachable: bool
    round_trip_ms: float | None = None
    version: str = ""
    hall: str = ""
    signed_ok: bool | None = None  # None: no secret configured, not tried
    signed_detail: str = ""
    skew_s: float | None = None  # server clock minus ours (positive: ours is behind)
    skew_ok: bool | None = None
    detail: str = ""


@dataclass(frozen=True)
class OutboxReport:
    queued: int
    inflight: int
    dead: int
    acked: int
    oldest_age_s: float | None
    bytes_waiting: int
    free_bytes: int
    dead_letters: list = field(default_factory=list)  # OutboxEntry of each dead letter
    salvage: list = field(default_factory=list)  # the store's salvage reports (damaged file kept aside)


def technician_text(exc: BaseException, language: str) -> str:
    """An error as a technician reads it: the catalogue's technician text and the raw detail."""
    if isinstance(exc, KioskError):
        text = exc.message("technician", language)
        detail = getattr(exc, "detail", "") or str(exc)
        if detail and detail in text:
            return f"{text} [{type(exc).__name__}]"
        return f"{text} [{type(exc).__name__}: {detail}]"
    return f"{type(exc).__name__}: {exc}"


class Diagnostics:
    """The technician's checks over one terminal's devices, its platform link and its store.

    ``printers``: name → printer (``status``, ``print_job``; opened on first use by the composition root);
    ``store``: the terminal's ``offline_cache.Store`` (or None); ``platform``: a ``QueuePlatform`` for the
    signed check (None: no secret); ``test_page(printer_cfg, status, language) -> bytes`` and
    ``render(job, printer_cfg) -> png`` from devices/printer; ``reader(on_raw)`` builds an ID-card reader
    (``read_once``) that reports every frame to ``on_raw(direction, data)``; None when none is configured.
    """

    def __init__(self, cfg: Config, *, printers: dict[str, Any] | None = None, store=None, platform=None,
                 test_page: Callable[..., bytes] | None = None, render: Callable[[bytes, Any], bytes] | None = None,
                 reader: Callable[[Callable[[str, bytes], None]], Any] | None = None, language: str = "",
                 urlopen: Callable[..., Any] = urllib.request.urlopen,
                 camera: Callable[[int], tuple[Any, dict]] | None = None,
                 scanner: Callable[[], Any] | None = None,
                 decode_image: Callable[[str], dict] | None = None,
                 locker: Callable[[Callable[[str, bytes], None]], Any] | None = None,
                 bundle: Callable[[str], dict] | None = None,
                 voice: Callable[[], VoiceReport] | None = None) -> None:
        """``camera(frames)``: opens, starts and measures the configured document camera → ``(service,
        record)`` (kiosk/diag/camera.py ``open_and_measure``; the caller stops the service).
        ``scanner()``: a new, unstarted serial scanner of ``[devices] scanner`` (a ``core.ports.scanner``
        ``CodeScanner``). ``decode_image(path)``: the codes in an image file, as ``kiosk diag decode`` reports
        them (blocking: on a worker). ``locker(on_raw)``: a new, unstarted bus of ``[locker]`` (a
        ``core.ports.locker.LockerPort``) that reports every frame to ``on_raw(direction, data)``.
        ``bundle(path)``: writes the support bundle (kiosk/diag/bundle.py) → its entries and their sizes.
        ``voice()``: the speaker test, the display's call said once on the configured player
        (kiosk/voice.py ``speak_once``)."""
        self.cfg = cfg
        self.printers = dict(printers or {})
        self.store = store
        self.platform = platform
        self.test_page = test_page
        self.render = render
        self.reader_factory = reader
        self.camera_factory = camera
        self.scanner_factory = scanner
        self.locker_factory = locker
        self.voice_test = voice
        self._decode_image = decode_image
        self._bundle = bundle
        self.language = language or cfg.language
        self._urlopen = urlopen
        self._lock = threading.Lock()
        self._last_jobs: dict[str, bytes] = {}

    # --- devices -----------------------------------------------------------------------------------

    def open_camera(self, frames: int = 30) -> tuple[Any, dict]:
        """The document camera, started, and what it reports (modes offered and negotiated, measured fps).
        Blocking (seconds): on a worker. The caller stops the returned service."""
        if self.camera_factory is None:
            raise ConfigError("no document camera configured", setting="devices.camera", problem="empty")
        return self.camera_factory(frames)

    def open_scanner(self):
        """A new serial scanner for the configured port (not started; the caller starts and stops it)."""
        if self.scanner_factory is None:
            raise ConfigError("no serial scanner configured", setting="devices.scanner", problem="empty")
        return self.scanner_factory()

    def decode_image(self, path: str) -> dict:
        """The codes in an image file (``kiosk diag decode``'s record). Blocking: on a worker."""
        if self._decode_image is None:
            raise ConfigError("no code decoder available", setting="devices.decoder", problem="empty")
        return self._decode_image(path)

    def check_locker(self, action: str, board: int = 1, lock: int = 1) -> LockerReport:
        """One check of the smart locker (core/services/locker_check.py: "open", "status", "scan" over
        ``[locker] boards``) on a bus opened for it and closed after, with the frames that went by.
        Blocking (bounded waits per board): on a worker."""
        if self.locker_factory is None:
            raise ConfigError("no smart locker configured", setting="locker.port", problem="empty")
        raw: list[str] = []
        bus = self.locker_factory(lambda direction, data: raw.append(raw_line(direction, data)))
        try:
            bus.start()
            report = check_locker(bus, action, board=board, lock=lock, boards=self.cfg.locker.boards)
        finally:
            bus.stop()
        return replace(report, raw=raw)

    def test_voice(self) -> VoiceReport:
        """The speaker test (docs/voice.md). Blocking (the sound's length): on a worker."""
        if self.voice_test is None:
            raise ConfigError("no voice on this terminal", setting="voice.pack", problem="empty")
        return self.voice_test()

    def slots(self) -> list[DeviceSlot]:
        """Every device class, in a fixed order; printers once each (the fallback may be the main one)."""
        d = self.cfg.devices
        out: list[DeviceSlot] = []
        seen: set[str] = set()
        for kind in ("ticket_printer", "ticket_printer_fallback", "receipt_printer"):
            name = getattr(d, kind)
            printer_cfg = self.cfg.printer(name)
            if kind == "ticket_printer_fallback" and (not name or name in seen):
                continue
            seen.add(name)
            out.append(DeviceSlot(kind, name, printer_cfg.url if printer_cfg else ""))
        out.append(DeviceSlot("idcard_reader", "", d.idcard_reader))
        out.append(DeviceSlot("scanner", "", d.scanner))
        out.append(DeviceSlot("camera", "", d.camera))
        return out

    def _printer(self, name: str):
        printer = self.printers.get(name)
        if printer is None:
            raise KeyError(f"no printer {name!r} configured")
        return printer

    def printer_status(self, name: str) -> PrinterReport:
        url = self._printer_url(name)
        try:
            status = self._printer(name).status()
        except DeviceError as exc:
            return PrinterReport(name, url, "error", technician_text(exc, self.language))
        return PrinterReport(name, url, status.value)

    def _printer_url(self, name: str) -> str:
        printer_cfg = self.cfg.printer(name)
        return printer_cfg.url if printer_cfg else ""

    def print_test_page(self, name: str) -> PrinterReport:
        """Asks the status, prints the test page (status, code page, widths, QR) and keeps the job for
        ``render_last``. A printer that cannot print reports why; nothing is raised."""
        if self.test_page is None:
            raise RuntimeError("no test page builder given")
        printer = self._printer(name)
        printer_cfg = self.cfg.printer(name)
        url = self._printer_url(name)
        try:
            status = printer.status()
            job = self.test_page(printer_cfg, status, self.language)
            self._device(printer).print_job(job)
        except DeviceError as exc:
            log.warning("test page on %s failed: %s", name, exc)
            return PrinterReport(name, url, "error", technician_text(exc, self.language))
        with self._lock:
            self._last_jobs[name] = job
        log.info("technician printed a test page on %s (%d bytes)", name, len(job))
        return PrinterReport(name, url, status.value, job_bytes=len(job))

    @staticmethod
    def _device(printer):
        """The driver behind a printer opened on first use (kiosk/adapters.py ``OpenedOnFirstUse.open``)."""
        opener = getattr(printer, "open", None)
        return opener() if callable(opener) else printer

    def last_job(self, name: str) -> bytes | None:
        """The last job this printer printed: its own record (a virtual printer keeps every job), else
        the last one printed from here."""
        jobs = getattr(self._device(self._printer(name)), "jobs", None)
        if jobs:
            return bytes(jobs[-1])
        with self._lock:
            return self._last_jobs.get(name)

    def render_last(self, name: str) -> bytes | None:
        """A PNG of what the paper of the last job shows; None when nothing was printed yet."""
        job = self.last_job(name)
        if job is None or self.render is None:
            return None
        return self.render(job, self.cfg.printer(name))

    # --- ID-card reader ----------------------------------------------------------------------------

    def read_card(self, timeout_s: float = 10.0) -> CardReport:
        """Waits up to ``timeout_s`` for one card; never raises for a reader problem (the report says it).
        Everything shown is masked (kiosk diag idcard's rules): the window never holds a full ID number."""
        from core.services.idcard_report import format_raw, identity_record

        if self.reader_factory is None:
            return CardReport(None, [], "not configured", "NotConfigured")
        raw: list[str] = []
        lock = threading.Lock()

        def on_raw(direction: str, data: bytes) -> None:
            with lock:
                if len(raw) < 400:
                    raw.append(format_raw(direction, data, unmasked=False))

        reader = self.reader_factory(on_raw)
        try:
            identity = reader.read_once(timeout_s)
        except DeviceError as exc:
            with lock:
                return CardReport(None, list(raw), technician_text(exc, self.language), type(exc).__name__)
        finally:
            stop = getattr(reader, "stop", None)
            if stop is not None:
                stop()
        log.info("technician read a card: %r", identity)  # masked repr
        with lock:
            return CardReport(identity_record(identity), list(raw))

    # --- platform ----------------------------------------------------------------------------------

    def check_platform(self, timeout_s: float | None = None) -> PlatformReport:
        timeout = timeout_s or self.cfg.platform.timeout_s
        url = self.cfg.platform.url
        started = time.time()
        try:
            with self._urlopen(urllib.request.Request(url + "/v1/health", headers={"Accept": "application/json"}),
                               timeout=timeout) as response:
                body = response.read(65536)
                date = response.headers.get("Date", "")
                kind = response.headers.get("Content-Type", "").split(";")[0].strip()
        except (urllib.error.URLError, OSError, ValueError) as exc:
            return PlatformReport(url, False, detail=f"GET /v1/health: {type(exc).__name__}: "
                                                    f"{getattr(exc, 'reason', '') or exc}")
        ended = time.time()
        try:
            health = json.loads(body) if kind == "application/json" else None
        except ValueError:
            health = None
        if not isinstance(health, dict) or health.get("ok") is not True:
            return PlatformReport(url, False, round((ended - started) * 1000, 1),
                                  detail=f"GET /v1/health: not the platform's answer ({kind or 'untyped'}, "
                                         f"{len(body)} bytes; a captive portal or proxy?)")
        skew = None
        if date:
            try:
                server = email.utils.parsedate_to_datetime(date).timestamp()
                skew = round(server + 0.5 - (started + ended) / 2, 1)  # the header truncates to the second
            except (TypeError, ValueError):
                skew = None
        signed_ok, signed_detail = None, ""
        if self.platform is not None and self.cfg.platform.terminal_secret:
            try:
                hall = self.platform.hall_info()
                signed_ok, signed_detail = True, f"GET /v1/hall: {hall.id} {hall.name}"
            except PlatformError as exc:
                signed_ok, signed_detail = False, technician_text(exc, self.language)
        return PlatformReport(url, True, round((ended - started) * 1000, 1), str(health.get("version") or ""),
                              str(health.get("hall") or ""), signed_ok, signed_detail, skew,
                              None if skew is None else abs(skew) < MAX_SKEW_S / 2)

    # --- the support bundle ------------------------------------------------------------------------

    def support_bundle(self, path: str) -> dict:
        """Writes the support bundle to ``path`` (``kiosk diag bundle``'s zip) → entry name → size. Blocking
        (device self-tests, seconds): on a worker."""
        if self._bundle is None:
            raise ConfigError("no support bundle writer", setting="diagnostics", problem="not wired")
        return self._bundle(path)

    # --- the store ---------------------------------------------------------------------------------

    def outbox(self) -> OutboxReport | None:
        if self.store is None:
            return None
        counts = self.store.counts()
        oldest = None if counts.oldest_created_at is None else max(0.0, time.time() - counts.oldest_created_at)
        salvage = getattr(self.store, "salvage_reports", list)()
        return OutboxReport(counts.queued, counts.inflight, counts.dead, counts.acked, oldest,
                            counts.bytes_waiting, self.store.free_bytes(), self.store.dead_letters(), salvage)

    def close(self) -> None:
        """Nothing of its own to close: the printers, reader and store belong to the terminal."""
