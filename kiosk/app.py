"""The composition root: one terminal's adapters and services, built from its configuration.

    cfg = config.load("citizen.toml")
    terminal = build_terminal(cfg)                # kiosk/run.py runs its window: `kiosk run --config …`

``build_terminal`` is the only place that knows which adapter implements which port: the platform is a
``PlatformClient`` (HTTP, signed), printers come from ``devices.printer.open_printer`` (every URL scheme,
``virtual://`` included), the ID-card reader of a kiosk or a clerk's window from
``devices.idcard.open_reader`` (``[devices] idcard_reader``, ``idcard_baudrate``, ``idcard_photo_decoder``;
it polls on its own owner thread, started by ``Terminal.start`` once the window has set its callbacks and
stopped by ``Terminal.close``), the voices by kiosk/voice.py; the demo (kiosk/demo.py) builds its terminals alike.

The local store and the sync engine (docs/sync.md, "Wiring"): every role but the technician gets a
``SyncParts`` (``build_sync``): the encrypted ``Store`` in ``<data dir>/store`` ([sync] cipher, key_file,
retention_days, free_space_margin_mb), a ``SyncClient`` with the terminal's credentials, a ``SyncEngine``
(started by ``Terminal.start_sync`` once the window is up, stopped by ``Terminal.close``, bounded; under
``kiosk run`` the parts themselves are built on a thread after the window shows, ``build_sync_later``) and the
``ReferenceCache`` of the hall. A kiosk also gets ``OfflineTickets``: the engine's housekeeping refreshes
the cached hall and leases blocks of ``ticket_block_size`` numbers per service while the platform answers,
and ``KioskQueueService`` issues from them when the platform cannot be reached. The technician role opens
the store of the terminal it services (same data directory) without an engine of its own: that terminal's
process delivers its records under its own credentials.

"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field

from core import logs
from core.config import Config, PrinterConfig
from core.errors import ConfigError
from core.ports import PrinterStatus, QueuePlatform
from core.ports.clock import Clock, SystemClock
from core.ports.idcard import IdCardReaderPort
from core.services.queue import ClerkQueueService, HallDisplayService, KioskQueueService, hall_from_reference, hall_today
from kiosk.adapters import (  # noqa: F401  (build_frame_decoder_factory and the rest: the roof's own builders)
    AppointmentsOnFirstUse,
    CasesOnFirstUse,
    ConnectedOnFirstUse,
    OpenedOnFirstUse,
    build_camera,
    build_frame_decoder_factory,
    build_idcard_reader,
    build_locker,
    build_platform,
    build_printers,
    build_scanner,
)
from kiosk.pickup import build_pickup
from kiosk.voice import Speaker, attach_voice, speaker_test  # Speaker: core.services.announce's port

log = logging.getLogger(__name__)



@dataclass
class Terminal:
    """The adapters and services of one terminal; ``close`` releases the adapters."""

    cfg: Config
    platform: QueuePlatform
    #: the terminal's one clock (the service day, issuing hours, acceptance times), handed to its services
    #: and windows; a test or a demo at a set time gives its own
    clock: Clock = field(default_factory=SystemClock)
    printers: dict[str, OpenedOnFirstUse] = field(default_factory=dict)
    kiosk: KioskQueueService | None = None
    clerk: ClerkQueueService | None = None
    display: HallDisplayService | None = None
    speaker: Speaker | None = None
    voice: object | None = None  # citizen: a core.ports.voice.Voice, closed by the window that speaks with it
    idcard: IdCardReaderPort | None = None  # None: no reader configured (taking a number still works)
    sync: SyncParts | None = None  # the local store and its engine (None: built without, e.g. a unit test)
    diagnostics: object | None = None  # technician role: core.services.diagnostics.Diagnostics
    sync_factory: object | None = None  # builds ``sync`` later (``kiosk run``: after the home screen is up)
    # Codes (docs/codes.md, "Wiring"): the serial scanner of ``[devices] scanner`` (not started; None: only
    # keyboard-wedge scanners), what a code opens, the camera-frame decoder's factory (``[devices] camera``
    # set), and the ``ui.scan_source.ScanSource`` the window's role builds over them (ui/app.py).
    scanner: object | None = None
    codes: object | None = None  # core.services.codes.CodeService (citizen, clerk)
    frame_decoder_factory: object | None = None
    scans: object | None = None
    # The clerk's application page (docs/camera.md, "Wiring"): the document camera of ``[devices] camera``
    # (a started devices.camera CaptureService, streaming once the camera is there; None: none configured),
    # the application service over the store and the matter catalogue over the reference cache (both
    # resolved when used: the store may be built after the window).
    camera: object | None = None
    application: object | None = None  # core.services.application.ApplicationService
    catalogue: object | None = None  # core.services.application.MatterCatalogue
    guides: object | None = None  # core.services.guide.GuideShelf (the guide book, rebuilt when it changed)
    papers: object | None = None  # core.services.papers.IntakePapers (receipts, notices, checklists)
    pre_applications: object | None = None  # core.services.pre_application.PreApplicationDesk (clerk)
    paper_printer: object | None = None  # the PaperPrinter they print on (a kiosk's 自助申报 slip too)
    # Result pickup (kiosk/pickup.py): the smart locker's started bus, and the platform's pickup API.
    locker: object | None = None
    locker_agent: object | None = None  # kiosk/locker_agent.py: door commands relayed to this terminal's bus
    doors: object | None = None  # what the pickup window opens doors with: the bus, or relayed to its driver
    pickup: object | None = None
    technician_gate: object | None = None  # kiosk/lockdown.py: a technician's way into a locked-down kiosk, its
    technician_diagnostics: object | None = None  # technician window's diagnostics, and the list's refresher
    technician_list: object | None = None
    rating: object | None = None  # core.services.rating.RatingDesk (the clerk's pad, the kiosk's rating)
    heartbeat: object | None = None  # core.services.heartbeat.HeartbeatSender (kiosk/heartbeat.py; docs/fleet.md)
    _sync_builder: threading.Thread | None = None

    def start(self) -> None:
        """Starts what runs by itself, once the window has set the reader's callbacks (no card is missed)."""
        if self.idcard is not None:
            self.idcard.start()
        if self.scanner is not None and self.scanner.state.value == "stopped":
            self.scanner.start()  # its callbacks were set by the ScanSource
        for part in (self.heartbeat, self.technician_list):  # the fleet's view; a kiosk's technician list
            if part is not None:
                part.start()

    def lifecycles(self) -> list:
        """The lifecycle (core.ports.lifecycle) of each device the terminal runs and of its sync engine, for
        one ``ui.lifecycle.LifecycleBridge``; a printer's once it was opened (at its first use)."""
        devices = [self.idcard, self.scanner, self.camera, *(p.opened for p in self.printers.values())]
        devices.append(self.sync.engine if self.sync is not None else None)
        return [d.lifecycle for d in devices if getattr(d, "lifecycle", None) is not None]

    def start_sync(self) -> None:
        """Starts the sync engine (once the window is up and listening to it)."""
        if self.sync is not None:
            self.sync.start()

    def build_sync_later(self, on_built, on_config_error=None) -> None:
        """Builds the store, client and engine on a thread of their own (loading SQLite, the cipher and the
        HTTP stack takes about half a second: the home screen does not wait for it), attaches the offline
        numbers and the hall cache to the kiosk service, then calls ``on_built(parts)`` from that thread;
        the caller attaches its status area and calls ``start_sync``. A ``ConfigError`` (a key file others
        can read, a key the store was not sealed with, a cipher OpenSSL lacks) goes to
        ``on_config_error(exc)``: the caller stops the terminal, as a bad configuration stops start-up.
        Another failure (the disk) is logged and the terminal works online only; a damaged database is
        salvaged when the store opens (docs/sync.md "Salvage")."""
        factory = self.sync_factory
        if factory is None or self._sync_builder is not None:
            return

        def build() -> None:
            try:
                parts = factory()
            except ConfigError as exc:
                log.error("the local store's configuration is wrong: %s", exc)
                if on_config_error is not None:
                    on_config_error(exc)
                return
            except Exception:
                log.exception("the local store could not be opened; working online only")
                return
            self.sync = parts
            if self.kiosk is not None:
                self.kiosk.reference = parts.reference
                self.kiosk.offline_tickets = parts.tickets
            on_built(parts)

        self._sync_builder = threading.Thread(target=build, name="sync-start", daemon=True)
        self._sync_builder.start()

    def close(self) -> None:
        if self._sync_builder is not None:
            self._sync_builder.join(10.0)  # opening a store is bounded (SQLite busy timeout)
        # Every part is stopped even when one before it fails; each stop is bounded.
        steps = [(self.heartbeat, "stop", "stopping the heartbeat"),  # bounded by its send's timeout
                 (self.technician_list, "stop", "stopping the technician list's refresher"),
                 (self.diagnostics, "close", "closing the diagnostics"),
                 (self.sync, "close", "stopping the sync engine"),  # the engine, then the client and the store
                 (self.camera, "stop", "stopping the document camera"),  # joins its threads
                 (self.idcard, "stop", "stopping the ID-card reader"),  # joins its owner thread
                 (self.scans, "close", "closing the scan source"),  # the wedge filter, the frame decoder's thread
                 (self.scanner, "stop", "stopping the code scanner"),  # joins its owner thread
                 (self.locker_agent, "stop", "stopping the locker's relay"),  # before the bus it uses
                 (self.locker, "stop", "stopping the smart locker's bus"),  # joins its owner thread
                 *((p, "close", f"closing printer {getattr(p, 'name', '?')}") for p in self.printers.values())]
        for part, stop, what in steps:
            if part is not None:
                try:
                    getattr(part, stop)()
                except Exception:  # closing must go on for the others
                    log.exception(what)
        close = getattr(self.platform, "close", None)
        if close is not None:
            close()


def build_application(terminal: Terminal) -> None:
    """The application service (the clerk's 受理, a kiosk's 自助申报) and the matter catalogue over the
    terminal's store and reference cache (looked up when used: ``kiosk run`` builds the store once the
    window is up), and the 自助申报 a clerk opens from its slip (over the platform client, with the
    logged-in clerk's session)."""
    from core.services.application import ApplicationService, MatterCatalogue
    from core.services.pre_application import PreApplicationDesk

    terminal.application = ApplicationService(lambda: terminal.sync.store if terminal.sync else None,
                                              codes=terminal.codes)
    terminal.catalogue = MatterCatalogue(lambda: terminal.sync.reference if terminal.sync else None)
    terminal.pre_applications = PreApplicationDesk(
        CasesOnFirstUse(terminal.platform), session=lambda: terminal.clerk.session if terminal.clerk else None)


def build_rating(terminal: Terminal):
    """好差评 (docs/evaluation.md): the hall's reasons from the reference cache and the rating records through
    the outbox, both looked up when used (``kiosk run`` opens the store once the window is up)."""
    from core.services.rating import RatingDesk

    return RatingDesk(lambda: terminal.sync.store if terminal.sync else None,
                      lambda: terminal.sync.reference if terminal.sync else None)


def build_papers(terminal: Terminal, cfg: Config) -> None:
    """The papers of intake (receipts, notices, checklists, slips) on the terminal's receipt printer: the
    ``[devices] receipt_printer``, else (a kiosk with one printer) the ticket printer; none configured, the
    papers say so when asked. Needs ``terminal.application`` (the case numbers) and the catalogue."""
    from core.services.guide_shelf import GuideShelf
    from core.services.papers import IntakePapers

    name = cfg.devices.receipt_printer or (cfg.devices.ticket_printer if cfg.role == "citizen" else "")
    printer_cfg = cfg.printer(name) if name else None
    printer = None
    if printer_cfg is not None:
        printer = terminal.printers.get(printer_cfg.name) or OpenedOnFirstUse(
            printer_cfg, timeout_s=cfg.timeouts.device_s, device="receipt_printer")
        terminal.printers[printer_cfg.name] = printer
    terminal.paper_printer = printer
    terminal.guides = GuideShelf(lambda: terminal.sync.reference if terminal.sync else None)
    keep = document_keeper(logs.data_dir(cfg.data_dir) / "papers") if cfg.role == "clerk" else None
    terminal.papers = IntakePapers(printer, applications=terminal.application, guides=terminal.guides.book,
                                   language=cfg.language, keep_document=keep, host=cfg.platform.public_host)
    if terminal.codes is not None:  # a receipt's lateness is counted on the hall calendar of the catalogue
        terminal.codes.calendar = lambda: terminal.guides.book().calendar


PAPERS_KEPT_DAYS = 7  # an A4 notice not printed within a week is not going to be: it is removed


def document_keeper(directory):
    """``keep(name, pdf) -> path``: an A4 受理通知书 written whole (a temporary file renamed) into
    ``directory`` for the office printer; files older than ``PAPERS_KEPT_DAYS`` are removed as it goes.
    The notice holds the applicant masked only, as the receipt does (docs/privacy.md)."""
    import time
    from pathlib import Path

    def keep(name: str, pdf: bytes) -> str:
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        cutoff = time.time() - PAPERS_KEPT_DAYS * 86400
        for old in folder.glob("*.pdf"):
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
        target = folder / Path(name).name
        part = target.with_suffix(".part")
        part.write_bytes(pdf)
        os.replace(part, target)
        return str(target)

    return keep


def build_codes(cfg: Config, platform):
    """What a scanned code opens (core/services/codes.py), over the terminal's platform."""
    from core.services.codes import CodeService

    from core.domain.codes import DEFAULT_PLATFORM_HOSTS

    hosts = (cfg.platform.public_host,) if cfg.platform.public_host else DEFAULT_PLATFORM_HOSTS
    return CodeService(AppointmentsOnFirstUse(platform), platform_hosts=hosts)


@dataclass
class SyncParts:
    """One terminal's store, sync client, engine (None for the technician role), offline tickets (kiosks)
    and hall reference cache. ``close`` stops the engine first (bounded), then closes the rest."""

    store: object  # offline_cache.Store
    client: object  # platform_client.sync.SyncClient
    reference: object  # offline_cache.refcache.ReferenceCache
    engine: object | None = None  # offline_cache.engine.SyncEngine
    tickets: object | None = None  # offline_cache.tickets.OfflineTickets
    stop_timeout_s: float = 10.0

    def start(self) -> None:
        if self.engine is not None:
            self.engine.start()

    def close(self) -> None:
        try:
            if self.engine is not None:
                self.engine.stop(self.stop_timeout_s)
        finally:
            self.client.close()
            self.store.close()


# An idle engine probes the platform (GET /v1/health, a few hundred bytes) this often, so the status areas
# say "offline" within seconds of the link going, not after the engine's default half minute.
ENGINE_DEFAULTS = {"idle_check_s": 5.0}


def store_dir(cfg: Config) -> os.PathLike:
    """Where a terminal's store lives: ``<data dir>/store`` (the key beside it in ``keys/``)."""
    return logs.data_dir(cfg.data_dir) / "store"


def build_sync(cfg: Config, *, engine: bool = True, tickets: bool | None = None,
               engine_options: dict | None = None) -> SyncParts:
    """The store, client, engine and caches of ``cfg`` (the engine not started: ``SyncParts.start``).
    ``tickets``: lease and issue offline numbers (default: for the citizen role)."""
    from platform_client.sync import SyncClient, Tls
    from offline_cache import Store
    from offline_cache.engine import SyncEngine
    from offline_cache.refcache import ReferenceCache
    from offline_cache.tickets import OfflineTickets

    s = cfg.sync
    store = Store(store_dir(cfg), key_file=s.key_file or None, cipher=s.cipher,
                  margin_bytes=s.free_space_margin_mb * 1024 * 1024, retention_s=s.retention_days * 86400)
    try:
        p = cfg.platform
        client = SyncClient(p.url, cfg.terminal_id, p.terminal_secret, timeout_s=p.timeout_s,
                            probe_timeout_s=min(2.0, p.timeout_s), tls=Tls.of(p))
        parts = SyncParts(store, client, ReferenceCache(store, client))
        if tickets if tickets is not None else cfg.role == "citizen":
            parts.tickets = OfflineTickets(store, terminal_id=cfg.terminal_id, block_size=s.ticket_block_size,
                                           low_water=max(1, s.ticket_block_size // 5))
        if engine:
            options = {**ENGINE_DEFAULTS, **(engine_options or {})}
            parts.engine = SyncEngine(store, client, housekeeping=housekeeping(parts),
                                      thread_name=f"sync-engine-{cfg.terminal_id}", **options)
    except BaseException:
        store.close()
        raise
    return parts


def housekeeping(parts: SyncParts) -> list:
    """The engine's online chores: refresh the cached hall (ETag: nothing travels when unchanged), then
    keep enough leased numbers per service for today (kiosks)."""

    def refresh_hall_reference() -> None:
        parts.reference.get("hall")

    def refill_ticket_blocks() -> None:
        cached = parts.reference.cached("hall")
        if cached is None:
            return
        hall = hall_from_reference(cached.body)
        parts.tickets.refill(parts.client, [s.prefix for s in hall.services], hall_today(hall))

    chores = [refresh_hall_reference]
    if parts.tickets is not None:
        chores.append(refill_ticket_blocks)
    return chores


def build_diagnostics(cfg: Config, printers: dict, store, platform: QueuePlatform | None):
    """The technician's ``Diagnostics`` with the real adapters: the printers' own drivers, the test page
    and renderer of devices/printer, an ID-card reader built per read from ``[devices] idcard_reader``."""
    from core.services.diagnostics import Diagnostics

    def test_page(printer_cfg: PrinterConfig, status: PrinterStatus, language: str) -> bytes:
        from devices.printer.testpage import printer_test_page

        return printer_test_page(printer_cfg, status, language)

    def render(job: bytes, printer_cfg: PrinterConfig) -> bytes:
        from devices.printer.render import render_png

        return render_png(job, printer_cfg.dots, encoding=printer_cfg.encoding)

    reader = None
    if cfg.devices.idcard_reader:
        def reader(on_raw):
            from devices.idcard.photo import load_decoder
            from devices.idcard.reader import IdCardReader

            d = cfg.devices
            return IdCardReader(d.idcard_reader, baudrate=d.idcard_baudrate, on_raw=on_raw,
                                photo_decoder=load_decoder(d.idcard_photo_decoder or None),
                                thread_name="device:idcard-diag")

    camera = None
    if cfg.devices.camera:
        def camera(frames: int):
            from kiosk.diag.camera import open_and_measure

            return open_and_measure(cfg.devices.camera, frames=frames, timeout_s=5.0)

    scanner = None
    if cfg.devices.scanner:
        def scanner():
            from devices.scanner import SerialScanner

            return SerialScanner(cfg.devices.scanner)

    def decode_image(path: str) -> dict:
        from kiosk.diag.decode import decode_file, still_decoder

        return decode_file(path, still_decoder())

    locker = None
    if cfg.locker.configured:
        def locker(on_raw):
            return build_locker(cfg, on_raw=on_raw, thread_name="device:locker-diag")

    def bundle(path: str) -> dict:
        from kiosk.support_bundle import write_bundle

        return write_bundle(path, cfg, diagnostics)

    diagnostics = Diagnostics(cfg, printers=printers, store=store, platform=platform, test_page=test_page,
                              render=render, reader=reader, camera=camera, scanner=scanner,
                              decode_image=decode_image, locker=locker, bundle=bundle, voice=speaker_test(cfg))
    return diagnostics


def build_terminal(cfg: Config, *, platform: QueuePlatform | None = None, speaker: Speaker | None = None,
                   sync: bool = True, sync_options: dict | None = None, defer_sync: bool = False,
                   clock: Clock | None = None) -> Terminal:
    """``sync=False``: no store and no engine (the queue services work online only). ``defer_sync``: the
    store and engine are built by ``Terminal.build_sync_later`` once the window is up (``kiosk run``).
    ``clock``: the terminal's clock (default: the system's), given to the kiosk's queue service and to the
    clerk's window."""
    platform = platform if platform is not None else build_platform(cfg)
    terminal = Terminal(cfg, platform, clock=clock or SystemClock())
    if sync and defer_sync and cfg.role != "technician":
        terminal.sync_factory = lambda: build_sync(cfg, engine=True, engine_options=sync_options)
    elif sync:
        terminal.sync = build_sync(cfg, engine=cfg.role != "technician", engine_options=sync_options)
    if cfg.role in ("citizen", "clerk"):
        terminal.idcard = build_idcard_reader(cfg)
        terminal.scanner = build_scanner(cfg)
        terminal.codes = build_codes(cfg, platform)
        terminal.frame_decoder_factory = build_frame_decoder_factory(cfg)
        terminal.rating = build_rating(terminal)
    if cfg.role == "citizen":
        terminal.printers = build_printers(cfg)
        main = terminal.printers.get(cfg.devices.ticket_printer)
        fallback = terminal.printers.get(cfg.devices.ticket_printer_fallback) if cfg.devices.ticket_printer_fallback else None
        terminal.kiosk = KioskQueueService(
            platform, main, fallback_printer=fallback,
            offline_tickets=terminal.sync.tickets if terminal.sync else None,
            reference=terminal.sync.reference if terminal.sync else None, clock=terminal.clock)
        # Printer faults and recoveries go to the platform through the outbox (device_health records).
        from core.services.health import DeviceHealthReporter

        health = DeviceHealthReporter(cfg.terminal_id, lambda: terminal.sync.store if terminal.sync else None)
        terminal.kiosk.events.subscribe(health.on_event)
        terminal.camera = build_camera(cfg)  # codes held up to it on the "please scan" page (ScanSource)
        # The service guide reads the hall's matter catalogue; self-service pre-applications go through the
        # outbox as the clerk's applications do, and their papers print on the kiosk's receipt printer.
        build_application(terminal)
        build_papers(terminal, cfg)
        build_pickup(terminal, cfg)
        if cfg.lockdown:
            from kiosk.lockdown import build_lockdown

            build_lockdown(terminal, cfg, lambda: build_diagnostics(  # the technician window, when let in
                cfg, terminal.printers, terminal.sync.store if terminal.sync else None, platform))
    elif cfg.role == "technician":
        from core.services.diagnostics import Diagnostics

        terminal.printers = build_printers(cfg, ("ticket_printer", "ticket_printer_fallback", "receipt_printer"))
        terminal.diagnostics = build_diagnostics(cfg, terminal.printers, terminal.sync.store if terminal.sync else None,
                                                 platform if cfg.platform.terminal_secret else None)
    elif cfg.role == "clerk":
        terminal.clerk = ClerkQueueService(platform, cfg.window or 0)
        terminal.camera = build_camera(cfg)
        terminal.printers = build_printers(cfg, ("receipt_printer",))
        build_application(terminal)
        build_papers(terminal, cfg)
        if cfg.pickup_window:
            build_pickup(terminal, cfg)
    elif cfg.role == "display":
        terminal.display = HallDisplayService(platform)
    attach_voice(terminal, speaker)  # the kiosk's voice guidance, the display's announcer (kiosk/voice.py)
    from kiosk.heartbeat import build_heartbeat

    terminal.heartbeat = build_heartbeat(terminal)
    return terminal
