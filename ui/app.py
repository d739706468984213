"""The Qt side of start-up: the application object, the theme, and the window of each role.

``kiosk/app.py`` (the composition root) builds the adapters and services from the configuration and
calls ``run_role_window``; ``kiosk/demo.py`` builds every role and calls ``role_window`` for each.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QWidget

from ui import theme

log = logging.getLogger(__name__)


def application(name: str = "hall-kiosk") -> QApplication:
    """The process's QApplication (created once), with the elderly-friendly theme applied."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName(name)
    theme.apply(app)
    return app


def scan_source(terminal, *, wedge: bool = True):
    """The terminal's ``ScanSource`` (ui/scan_source.py): keyboard-wedge scans, the serial scanner of
    ``terminal.scanner`` and codes in camera frames, as one ``scanned(str)`` signal; made once and kept in
    ``terminal.scans`` (``Terminal.close`` closes it). The citizen and clerk windows take it."""
    scans = getattr(terminal, "scans", None)
    if scans is None:
        from ui.scan_source import ScanSource

        scans = ScanSource(application(), scanner=getattr(terminal, "scanner", None), wedge=wedge,
                           frame_decoder_factory=getattr(terminal, "frame_decoder_factory", None),
                           camera=getattr(terminal, "camera", None))
        terminal.scans = scans
    return scans


def guide_loader(terminal):
    """``() -> (GuideBook, stale, age_s)`` over the terminal's matter catalogue (None: it has none)."""
    catalogue = getattr(terminal, "catalogue", None)
    if catalogue is None:
        return None

    def load():
        from core.services.guide import load_guide_book  # on the worker: the search stack loads with it

        return load_guide_book(catalogue.reference)

    return load


def role_window(terminal, *, language: str, login_hint: tuple[str, dict] | None = None) -> QWidget | None:
    """The window of ``terminal.cfg.role`` over the terminal's services (None: no window for the role).
    Every window gets the terminal's sync engine for its status area (None: no store, no status area)."""
    cfg = terminal.cfg
    sync = getattr(terminal, "sync", None)
    engine = sync.engine if sync is not None else None
    if cfg.role == "citizen":
        from ui.citizen import CitizenWindow

        window = CitizenWindow(terminal.kiosk, language=language, idle_s=cfg.timeouts.idle_s,
                               idle_warning_s=cfg.timeouts.idle_warning_s,
                               call_timeout_s=cfg.platform.timeout_s + 3.0,
                               id_reader=getattr(terminal, "idcard", None), sync_engine=engine,
                               codes=getattr(terminal, "codes", None), scans=scan_source(terminal),
                               guide=guide_loader(terminal), application=getattr(terminal, "application", None),
                               papers=getattr(terminal, "paper_printer", None), camera=getattr(terminal, "camera", None),
                               rating=getattr(terminal, "rating", None), voice=getattr(terminal, "voice", None),
                               idle_options=cfg.timeouts.idle_options())
        if terminal.scans is not None:
            terminal.scans.window = window  # wedge scans typed into this window (ui/wedge.py)
        if getattr(terminal, "pickup", None) is not None and getattr(terminal, "locker", None) is not None:
            from core.services.health import DeviceHealthReporter
            from ui.pickup_kiosk import attach_presenter

            health = DeviceHealthReporter(cfg.terminal_id, lambda: terminal.sync.store if terminal.sync else None)
            attach_presenter(window, terminal.pickup, terminal.locker, health.report)  # 取件 from the smart locker
        return window
    if cfg.role == "clerk":
        from ui.clerk import ClerkWindow

        scans = scan_source(terminal)  # terminal.scans: the clerk's window takes it (e-licence codes)
        window = ClerkWindow(terminal.clerk, language=language, login_hint=login_hint,
                             call_timeout_s=cfg.platform.timeout_s + 3.0,
                             id_reader=getattr(terminal, "idcard", None), sync_engine=engine,
                             application=getattr(terminal, "application", None),
                             catalogue=getattr(terminal, "catalogue", None),
                             camera=getattr(terminal, "camera", None), scans=scans,
                             papers=getattr(terminal, "papers", None),
                             pre_applications=getattr(terminal, "pre_applications", None),
                             rating=getattr(terminal, "rating", None), clock=getattr(terminal, "clock", None))
        scans.window = window  # wedge scans typed into this window (another role's window has its own)
        if cfg.pickup_window and getattr(terminal, "pickup", None) is not None:
            from core.services.health import DeviceHealthReporter
            from core.services.pickup import Authorisations
            from ui.pickup_window import attach_presenter

            store = lambda: terminal.sync.store if terminal.sync else None  # noqa: E731 (built after the window)
            doors = getattr(terminal, "doors", None)  # the window's own bus, or relayed (kiosk/pickup.py)
            attach_presenter(window, terminal.pickup, doors, getattr(terminal, "camera", None),
                             Authorisations(store, window=cfg.window or 0),
                             DeviceHealthReporter(cfg.terminal_id, store).report)
        return window
    if cfg.role == "display":
        from ui.display import DisplayWindow

        return DisplayWindow(terminal.display, terminal.speaker, language=language,
                             call_timeout_s=cfg.platform.timeout_s + 3.0, sync_engine=engine)
    if cfg.role == "technician":
        from ui.technician import TechnicianWindow

        return TechnicianWindow(terminal.diagnostics, store=sync.store if sync is not None else None,
                                engine=engine, language=language)
    return None


def lock_kiosk(window, terminal):
    """Locks the citizen kiosk's window down (ui/lockdown.py); a technician let in may open the technician
    window over the kiosk's own devices and store."""
    import time

    from core.presenters.technician_gate import GatePresenter
    from ui.lockdown import KioskLockdown

    opened: list[QWidget] = []

    def open_technician(staff_id: str) -> None:
        from PySide6.QtCore import Qt

        from ui.technician import TechnicianWindow

        sync = getattr(terminal, "sync", None)
        tech = TechnicianWindow(terminal.technician_diagnostics(), store=sync.store if sync else None,
                                engine=sync.engine if sync else None, language=window.texts.language, actor=staff_id)
        tech.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint)
        opened[:] = [tech]
        tech.showFullScreen()

    presenter = GatePresenter(terminal.technician_gate, window.worker.run, monotonic=time.monotonic,
                              language=window.texts.language)
    return KioskLockdown(window, presenter, texts=window.texts,
                         open_technician=open_technician if terminal.technician_diagnostics else None)


def run_role_window(terminal, *, fullscreen: bool = True, on_ready: Callable[[], None] | None = None,
                    service=None) -> int:
    """Shows the terminal's window (full screen on a real kiosk) and runs the event loop until it closes.

    ``on_ready`` is called once the citizen home screen is shown and accepting input (the start-up bench
    waits for it); for other roles, once the window is shown. ``service``: the service manager
    (core.ports.service_manager) whose watchdog the event loop pings (ui/watchdog.py), told ``stopping``
    as soon as the loop has ended.
    """
    app = application()
    window = role_window(terminal, language=terminal.cfg.language)
    if window is None:
        from core.i18n import tr

        print(tr("ui.app.role_not_available", "en", role=terminal.cfg.role), file=sys.stderr)
        return 2
    start = getattr(terminal, "start", None)
    if start is not None:
        start()  # the window has set the reader's callbacks: its polling thread may run now
    stop = quit_on_signals(app)  # before anyone is told the window is up
    if on_ready is not None:
        ready = getattr(window, "home_ready", None)
        if ready is not None:
            ready.connect(on_ready)
    if fullscreen and getattr(terminal, "technician_gate", None) is not None:
        window.lockdown = lock_kiosk(window, terminal)  # full screen, no close; the technician's way in
    if fullscreen and terminal.cfg.role != "technician":  # the technician's is a desktop window
        window.showFullScreen()
    else:
        window.show()
    pad = getattr(window, "pad", None)
    if pad is not None:
        pad.place()  # the clerk's evaluation pad: the second screen, facing the citizen
    start_sync = getattr(terminal, "start_sync", None)
    if start_sync is not None:
        start_sync()  # the status area listens: the engine may report now (it stops in terminal.close)
    sync_later = _SyncLater(terminal, window)  # kiosk run: the store and engine come after the window
    if on_ready is not None and getattr(window, "home_ready", None) is None:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, window, on_ready)  # once the event loop runs
    app.setQuitOnLastWindowClosed(True)
    pinger = _watchdog(service)
    try:
        return app.exec()
    finally:
        if service is not None:
            service.stopping()
        if pinger is not None:
            pinger.stop()
        stop()
        sync_later.close()
        window.close()
        window.deleteLater()


def _watchdog(service):
    if service is None:
        return None
    from ui.watchdog import WatchdogPinger

    pinger = WatchdogPinger(service)
    pinger.start()
    return pinger


class _SyncLater(QObject):
    """Builds the terminal's store and engine on their own thread once the window is up
    (``Terminal.build_sync_later``), then, on the GUI thread, puts the window's status area over the
    engine and starts it."""

    built = Signal(object)
    config_error = Signal(object)

    def __init__(self, terminal, window: QWidget) -> None:
        super().__init__()
        self.terminal = terminal
        self.window = window
        self._closed = False
        self.built.connect(self._attach)  # queued: emitted from the builder thread
        self.config_error.connect(self._stop)
        build_later = getattr(terminal, "build_sync_later", None)
        if build_later is not None and getattr(terminal, "sync_factory", None) is not None:
            build_later(lambda parts: self._emit(self.built, parts),
                        lambda exc: self._emit(self.config_error, exc))

    def _emit(self, signal, value) -> None:
        if not self._closed:
            try:
                signal.emit(value)
            except RuntimeError:  # the object is gone: the window closed meanwhile
                pass

    def _stop(self, exc) -> None:
        """A bad [sync] configuration stops the terminal, as any bad configuration stops start-up."""
        print(f"kiosk: {exc.message('technician', 'en')}", file=sys.stderr, flush=True)
        QApplication.instance().exit(2)

    def _attach(self, parts) -> None:
        if self._closed:
            return
        attach = getattr(self.window, "attach_sync", None)
        if attach is not None and parts.engine is not None:
            attach(parts.engine)
        self.terminal.start_sync()

    def close(self) -> None:
        self._closed = True


def quit_on_signals(app: QApplication) -> Callable[[], None]:
    """SIGTERM/SIGINT (systemd stopping the kiosk, Ctrl-C) end the event loop cleanly, so windows close,
    workers join and logs flush. Python runs signal handlers only when it has control, so a timer hands
    it control twice a second. Returns the function that undoes this."""
    import signal

    from PySide6.QtCore import QTimer

    def quit_now() -> None:
        app.setProperty("quitting", True)  # a locked-down kiosk lets its window close now (ui/lockdown.py)
        app.quit()

    # Posted, not called: a signal that comes before the loop starts still ends it once it runs.
    previous = {sig: signal.signal(sig, lambda *_: QTimer.singleShot(0, app, quit_now))
                for sig in (signal.SIGTERM, signal.SIGINT)}
    timer = QTimer()
    timer.setInterval(500)
    timer.timeout.connect(lambda: None)
    timer.start()

    def stop() -> None:
        timer.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return stop
