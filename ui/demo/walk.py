"""The demo's windows: citizen kiosk, printer output, clerk window, hall display and the demo devices.

``kiosk/demo.py`` starts the server, the ID-card reader simulators and builds the terminals; this module
opens their windows, starts the terminals' readers and runs the event loop. Closing any window ends the
demo. With ``screenshots`` a ``ScreenshotWalk`` takes a number at the kiosk, calls it at the window,
places the sample card of an elderly citizen (李䶮) on the window's reader and then on the kiosk's, runs
a case the window accepted from the back office's decision through the locker to its collection at the
kiosk (ui/demo/walk_pickup.py), the technician's checks (a test page, a card, the platform link), then stops the hall server: the status
areas go offline, a number is taken from the kiosk's leased block and waits in the outbox; the server
comes back and the engine delivers it. A PNG of every window is saved on the way (``QWidget.grab``,
works offscreen) and the demo quits; the README's pictures come from it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from core.services.queue import PrintState
from ui.app import application, role_window
from ui.demo.devices import DemoDevicesWindow, DemoReader, DemoScanner
from ui.demo import walk_intake, walk_pickup
from ui.demo.printer_output import PrinterOutputWindow
from ui.technician import TechnicianWindow
from ui.worker import Worker

log = logging.getLogger(__name__)

WALK_DEADLINE_S = 110.0
ELDERLY_CARD = "li_yan"  # the sample card of 李䶮 (CJK Extension A), born 1955: elderly priority


class _QuitOnClose(QObject):
    """Ends the demo when any of its windows is closed."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Close:
            QApplication.instance().quit()
        return False


class ScreenshotWalk(QObject):
    """A scripted walk through the hall, one step at a time as each screen becomes ready."""

    def __init__(self, windows: dict[str, QWidget], out_dir: Path, *, staff: str, pin: str, link=None,
                 kiosk_store=None) -> None:
        super().__init__()
        self.w = windows
        self.out_dir = out_dir
        self.link = link  # kiosk.demo.DemoLink: stop() / start() the hall server (off the GUI thread)
        self.kiosk_store = kiosk_store
        self.staff = staff
        self.accepted_case: str | None = None  # the case the window accepted (walk_intake), collected later
        self.accepted_record = None  # (its ApplicationService, its record id) while the case number is owed
        self.worker = Worker(self, name="demo-walk")
        self.saved: list[Path] = []
        self.result = 1
        citizen, clerk, display, output = (windows[k] for k in ("citizen", "clerk", "display", "printer"))
        devices = windows.get("devices")
        self.steps: list[tuple[str, Callable[[], bool], Callable[[], None]]] = [
            ("home", lambda: citizen.hall_view is not None and display.presenter.have_backlog,
             lambda: (self.save("citizen-home", citizen), citizen.open_services())),
            ("services", lambda: bool(citizen.services_page.buttons),
             lambda: (self.save("citizen-services", citizen), citizen.choose("A"))),
            ("confirm", lambda: citizen.page == "confirm",
             lambda: (self.save("citizen-confirm", citizen), citizen.confirm())),
            ("ticket", lambda: citizen.page == "result" and citizen.issued is not None
             and citizen.issued.print_state is PrintState.PRINTED and output.count >= 1,
             lambda: (self.save("citizen-ticket", citizen), self.save("printer-output", output),
                      self.save("clerk-login", clerk), self._more_people(citizen),
                      self._login(clerk, staff, pin))),
            ("logged in", lambda: clerk.page == "queue" and clerk.status is not None
             and clerk.status.waiting_count >= 4,
             lambda: clerk.queue_page.action_buttons["call_next"].click()),
            ("first call", lambda: clerk.status.current is not None and len(display.presenter.calls) == 1,
             lambda: clerk.queue_page.action_buttons["finish"].click()),
            ("outcome", lambda: clerk.queue_page.actions_stack.currentIndex() == 1,
             lambda: clerk.queue_page.choice.findChild(QPushButton, "choice-0").click()),
            ("finished", lambda: clerk.status.served_today == 1,
             lambda: clerk.queue_page.action_buttons["call_next"].click()),
            ("called", lambda: clerk.status is not None and clerk.status.current is not None
             and len(display.presenter.calls) >= 2,
             lambda: devices.place("clerk", ELDERLY_CARD) if devices else None),
            ("applicant", lambda: devices is None or clerk.queue_page.applicant.identity is not None,
             lambda: (self._fit(clerk), self.save("clerk", clerk), self.save("display", display),
                      clerk.queue_page.applicant.show_button.pressed.emit() if devices else None)),
            # The clerk holds "show" to check the card against the person: the full name (李䶮) renders.
            ("shown", lambda: devices is None or clerk.queue_page.applicant.unmasked,
             lambda: (self.save("clerk-applicant-shown", clerk) if devices else None,
                      clerk.queue_page.applicant.show_button.released.emit(), citizen.go_home(),
                      devices.place("kiosk", ELDERLY_CARD) if devices else None)),
        ]
        pad = windows.get("pad")
        if pad is not None:  # the evaluation pad offered a rating of the ticket just finished
            at = [name for name, _, _ in self.steps].index("called")
            self.steps[at:at] = self._pad_steps(clerk, pad)
        if devices is not None and "clerk" in devices.scanners and getattr(clerk, "application_page", None):
            self.steps += self._application_steps(clerk, devices)
            self.steps += walk_intake.window_paper_steps(self, clerk, output)
        if devices is not None:
            self.steps += self._identified_steps(citizen, devices, output)
        if devices is not None and "kiosk" in devices.scanners:
            self.steps += self._code_steps(citizen, devices, output)
        self.steps += self._guide_steps(citizen)
        self.steps += walk_intake.checklist_steps(self, citizen, output)
        self.steps += walk_intake.pre_application_steps(self, citizen, devices, output)
        self.steps += walk_pickup.pickup_steps(self, citizen, clerk, display, devices)
        tech = windows.get("technician")
        if tech is not None:
            self.steps += self._technician_steps(tech, devices)
        if tech is not None and link is not None and citizen.sync_notice is not None:
            self.steps += self._offline_steps(citizen, clerk, display, tech, output)
        self.steps.append(("home again", lambda: True, lambda: (citizen.go_home(), citizen.switch_language())))
        self.steps.append(("english", lambda: citizen.texts.language == "en",
                           lambda: (self.save("citizen-home-en", citizen), self._finish())))
        self.deadline = time.monotonic() + WALK_DEADLINE_S
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._tick)

    def _identified_steps(self, citizen, devices, output) -> list:
        """An elderly citizen identified by card at the kiosk: the services, the confirmation, the priority
        ticket."""
        return [
            ("identified", lambda: citizen.page == "services" and citizen.service.identity is not None
             and bool(citizen.services_page.buttons),
             lambda: (self.save("citizen-identified", citizen), citizen.choose("A"))),
            ("identified confirm", lambda: citizen.page == "confirm",
             lambda: (self.save("citizen-identified-confirm", citizen), citizen.confirm())),
            ("priority ticket", lambda: citizen.page == "result" and citizen.issued is not None
             and citizen.issued.print_state is PrintState.PRINTED and output.count >= 2,
             lambda: (self.save("citizen-priority-ticket", citizen),
                      self.save("printer-output-priority", output), self.save("demo-devices", devices),
                      citizen.go_home())),
        ]

    def _code_steps(self, citizen, devices, output) -> list:
        """Codes at the kiosk: an appointment checked in (its priority ticket printed), a receipt's
        tracking page, and a hostile payload not recognised."""
        printed = []
        return [
            ("scan appointment", lambda: citizen.page == "home" and citizen.scans is not None
             and citizen.scans.current_state == "ready",
             lambda: (printed.append(output.count), devices.scan("kiosk", "appointment"))),
            ("checked in", lambda: citizen.page == "result" and citizen.issued is not None
             and citizen.issued.ticket.appointment and citizen.issued.print_state is PrintState.PRINTED
             and output.count > printed[0],
             lambda: (self.save("citizen-checkin-ticket", citizen), self.save("printer-output-checkin", output),
                      devices.scan("kiosk", "receipt"))),
            ("tracking", lambda: citizen.page == "tracking",
             lambda: (self.save("citizen-tracking", citizen), citizen.go_home(),
                      devices.scan("kiosk", "hostile"))),
            ("not recognised", lambda: citizen.page == "scan" and citizen.scan_page.message.isVisible(),
             lambda: (self.save("citizen-code-not-recognised", citizen), self.save("demo-devices-scanner", devices),
                      citizen.go_home())),
        ]

    def _guide_steps(self, citizen) -> list:
        """The service guide: the letter pad finds the 不动产 matters, and one matter's guide is read."""
        if citizen.guide is None:
            return []
        page = citizen.guide_page
        return [
            ("guide", lambda: citizen.page == "home", citizen.open_guide),
            ("guide loaded", lambda: citizen.guide.book is not None and not citizen.guide.loading,
             lambda: [citizen.guide.type(letter) for letter in "bdc"]),
            ("guide hits", lambda: bool(page.hit_buttons) and page.hit_buttons[0].isVisible(),
             lambda: (self.save("citizen-guide", citizen), citizen.guide.choose(citizen.guide.hits[0].code))),
            ("guide matter", lambda: page.views.currentIndex() == 1,
             lambda: (self.save("citizen-guide-matter", citizen), citizen.go_home())),
        ]

    def _application_steps(self, clerk, devices) -> list:
        """The clerk's application page (ui/materials_panel.py): the matter of the ticket's service, an
        e-ID licence scanned on the window's scanner, a page captured on the synthetic camera for the
        next material; then back to the queue (the ticket stays with the clerk)."""
        panel = clerk.application_page.panel

        def choose_and_scan() -> None:
            panel.choose_matter(panel.matters[0].code)  # the ticket's service's matters come first
            devices.scan("clerk", "e_licence_id")

        def capture_next() -> None:
            for row, spec in enumerate(panel.app.matter.materials):
                if spec.id not in panel.app.provided:
                    panel.checklist.setCurrentRow(row)
                    break
            panel.capture.capture()

        return [
            ("application", lambda: clerk.scans is not None and clerk.scans.current_state == "ready"
             and panel.listing is not None, clerk.show_application),
            ("camera", lambda: clerk.page == "application" and panel.app is not None
             and panel.capture is not None and panel.capture.preview.frame is not None, choose_and_scan),
            ("e-licence", lambda: any(v.value == "elicence" for v in panel.app.provided.values())
             and panel.capture.preview.frame.quad is not None and panel.capture.preview.frame.sharp, capture_next),
            ("captured", lambda: any(v.value == "captured" for v in panel.app.provided.values()),
             lambda: (self.save("clerk-application", clerk), self.save("demo-devices-clerk", devices),
                      clerk.show_queue())),
        ]

    def _pad_steps(self, clerk, pad) -> list:
        """The evaluation pad: the five levels after the first ticket, a 差评 with its reason, the thanks; the
        clerk's screen meanwhile says only that a rating is under way."""
        view = pad.view
        return [
            ("pad levels", lambda: view.page == "levels",
             lambda: (self.save("rating-pad-levels", pad), view.levels_page.buttons[2].click())),
            ("pad reasons", lambda: view.page == "reasons" and bool(view.reasons_page.buttons),
             lambda: (view.reasons_page.buttons[next(iter(view.reasons_page.buttons))].click(),
                      view.presenter.set_text("窗口人少，排队较久"),
                      view.reasons_page.text.setText(view.presenter.text),
                      self.save("rating-pad-reasons", pad), self.save("clerk-rating", clerk),
                      view.reasons_page.send.click())),
            ("pad thanks", lambda: view.page == "thanks",
             lambda: self.save("rating-pad-thanks", pad)),
            ("pad idle", lambda: view.page == "idle", lambda: self.save("rating-pad-idle", pad)),
        ]

    def _technician_steps(self, tech, devices) -> list:
        """The technician prints a test page on the kiosk's printer, reads a card and checks the link."""
        printer = tech.panels.get("ticket_printer")
        reader = tech.panels.get("idcard_reader")
        steps = [("technician", lambda: True,
                  lambda: (tech.show_tab("ticket_printer"), printer.test_button.click()))]
        steps.append(("test page", lambda: printer.png is not None,
                      lambda: (self.save("technician-printer", tech),
                               devices.place("technician", ELDERLY_CARD) if devices else None,
                               tech.show_tab("idcard_reader"), reader.read_button.click())))
        steps.append(("card read", lambda: reader.report is not None,
                      lambda: (self.save("technician-idcard", tech), tech.show_tab("platform"),
                               tech.platform.check_button.click())))
        steps.append(("platform", lambda: tech.platform.report is not None,
                      lambda: self.save("technician-platform", tech)))
        return steps

    def _offline_steps(self, citizen, clerk, display, tech, output) -> list:
        """The hall server stops: the status areas say so, a number is taken from the kiosk's block and
        waits in the outbox; the server comes back and the engine delivers it."""
        printed = []
        return [
            ("go offline", lambda: True,
             lambda: (printed.append(output.count), citizen.go_home(), self.worker.run(self.link.stop))),
            ("offline", lambda: citizen.sync_notice.offline and clerk.sync_status.state == "offline",
             lambda: (citizen.refresh_hall(force=True), citizen.open_services())),
            ("offline services", lambda: citizen.page == "services" and citizen.hall_view is not None
             and citizen.hall_view.stale and bool(citizen.services_page.buttons),
             lambda: (self.save("citizen-offline", citizen), citizen.choose("A"))),
            ("offline confirm", lambda: citizen.page == "confirm", citizen.confirm),
            ("offline ticket", lambda: citizen.page == "result" and citizen.issued is not None
             and citizen.issued.offline and citizen.issued.print_state is PrintState.PRINTED
             and output.count > printed[0] and clerk.sync_status.state == "offline",
             lambda: (self.save("citizen-offline-ticket", citizen), self.save("printer-output-offline", output),
                      tech.show_tab("outbox"))),
            ("outbox", lambda: tech.outbox.view is not None and tech.outbox.view.outbox.rowCount() >= 1
             and tech.status is not None and tech.status.counts is not None and tech.status.counts.waiting >= 1,
             lambda: (self.save("technician-outbox-offline", tech), self.save("clerk-offline", clerk),
                      self.save("display-offline", display), self.worker.run(self.link.start))),
            ("back online", lambda: not citizen.sync_notice.offline and tech.status.counts is not None
             and tech.status.counts.waiting == 0 and clerk.sync_status.state == "online",
             lambda: (tech.outbox.refresh(), self.save("technician-outbox-online", tech))),
        ]

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.worker.shutdown()

    @staticmethod
    def _more_people(citizen) -> None:
        """Others take numbers too (straight through the service, on the kiosk's worker)."""
        for prefix in ("A", "C", "A", "E"):
            citizen.worker.run(lambda p=prefix: citizen.service.issue(citizen.service.new_request(p),
                                                                      without_print=True))

    @staticmethod
    def _login(clerk, staff: str, pin: str) -> None:
        clerk.login_page.staff.setText(staff)
        clerk.login_page.pin.setText(pin)
        clerk.login_page.login_button.click()

    @staticmethod
    def _fit(window: QWidget) -> None:
        """Back to the window's usual size (a choice panel that was open may have made it taller)."""
        window.resize(window.width(), max(800, window.minimumSizeHint().height()))

    def save(self, name: str, widget: QWidget) -> None:
        path = self.out_dir / f"{name}.png"
        widget.grab().save(str(path))
        self.saved.append(path)
        print(f"kiosk demo: saved {path}", flush=True)

    def _finish(self) -> None:
        self.result = 0
        self.timer.stop()
        QApplication.instance().quit()

    def _tick(self) -> None:
        if not self.steps:
            return
        name, ready, action = self.steps[0]
        if ready():
            self.steps.pop(0)
            action()
        elif time.monotonic() > self.deadline:
            log.error("demo walk stuck at step %r", name)
            print(f"kiosk demo: the walk did not get past step {name!r} in {WALK_DEADLINE_S:.0f} s", flush=True)
            self.timer.stop()
            QApplication.instance().quit()


def _position(app: QApplication, key: str) -> tuple[int, int]:
    """Kiosk and printer output side by side; clerk and display below them on a tall screen, else
    cascaded over them so every title bar stays reachable."""
    screen = app.primaryScreen()
    area = screen.availableGeometry() if screen is not None else None
    left, top = (area.left(), area.top()) if area is not None else (0, 0)
    tall = area is not None and area.height() >= 1700 and area.width() >= 1750
    grid = {"citizen": (0, 0), "printer": (1290, 0), "clerk": (0, 860), "display": (1290, 860),
            "devices": (1760, 0), "technician": (1760, 500), "pad": (1760, 1000)}
    cascade = {"citizen": (0, 0), "printer": (1290, 0), "clerk": (80, 60), "display": (160, 120),
               "devices": (240, 180), "technician": (320, 240), "pad": (400, 300)}
    x, y = (grid if tall else cascade)[key]
    return left + x, top + y


def run_demo_windows(citizen, clerk, display, *, language: str, staff: str, pin: str,
                     subscribe_printer_output: Callable[[Callable[[str, bytes], None]], None],
                     screenshots: Path | None = None, id_readers: list[DemoReader] | None = None,
                     sample_cards: list[str] | None = None, technician=None, link=None,
                     scanners: list[DemoScanner] | None = None) -> int:
    """Opens the demo's windows over the three terminals and runs until one is closed (or the walk ends).
    ``id_readers``: the simulated ID-card readers the "demo devices" window places cards on;
    ``technician``: a technician terminal servicing the kiosk (its window shows the kiosk's store and
    engine); ``link``: the hall server the walk stops and restarts (kiosk.demo.DemoLink)."""
    app = application()
    windows: dict[str, QWidget] = {
        "citizen": role_window(citizen, language=language),
        "printer": PrinterOutputWindow(language=language),
        "clerk": role_window(clerk, language=language, login_hint=("ui.demo.login_hint",
                                                                   {"staff": staff, "pin": pin})),
        "display": role_window(display, language=language),
    }
    pad = getattr(windows["clerk"], "pad", None)
    if pad is not None:  # the clerk's evaluation pad, beside the clerk's window (a second screen in a hall)
        pad.resize(1100, 700)
        windows["pad"] = pad
    if id_readers:
        windows["devices"] = DemoDevicesWindow(id_readers, list(sample_cards or ()), language=language,
                                               scanners=scanners)
    kiosk_sync = getattr(citizen, "sync", None)
    if technician is not None:
        windows["technician"] = TechnicianWindow(
            technician.diagnostics, store=kiosk_sync.store if kiosk_sync else None,
            engine=kiosk_sync.engine if kiosk_sync else None, language=language, actor="demo-technician")
    subscribe_printer_output(windows["printer"].post)
    for terminal in (citizen, clerk, display):
        terminal.start()  # the windows have set the readers' callbacks: the readers may poll now
    for key, window in windows.items():
        if key not in ("technician", "pad"):  # theirs name the terminal they service or face
            window.setWindowTitle(f"{window.texts('app.name')} · {key}")
        window.move(*_position(app, key))
        window.show()
    for terminal in (citizen, clerk, display):
        start_sync = getattr(terminal, "start_sync", None)
        if start_sync is not None:
            start_sync()  # the status areas listen: the engines may report now
    walk = None
    if screenshots is not None:
        screenshots.mkdir(parents=True, exist_ok=True)
        walk = ScreenshotWalk(windows, screenshots, staff=staff, pin=pin, link=link,
                              kiosk_store=kiosk_sync.store if kiosk_sync else None)
        walk.start()
    quitter = _QuitOnClose()
    for window in windows.values():
        window.installEventFilter(quitter)
    try:
        status = app.exec()
    finally:
        if walk is not None:
            walk.stop()
        for window in windows.values():
            window.removeEventFilter(quitter)
            window.close()
            window.deleteLater()
    return walk.result if walk is not None else status
