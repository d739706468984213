"""The kiosk's 取件 page: pickup from the smart locker, bound to core/presenters/pickup_kiosk.py.

``attach(window, presenter)`` adds it to a ``CitizenWindow``: a 取件 button on the home page, the page in
the window's stack, and the ID card read while the page is shown goes to the pickup (the window's
``card_hooks``). The page reads the open door every ``poll_s`` with a QTimer (each read on the
window's worker, through the presenter), keeps the window's idle return away while a door is open, and
goes home by itself a while after the pickup ended. No compartment is shown before the person is
identified; the digit pad takes six digits and nothing else.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QWidget

from core.presenters.pickup_kiosk import WATCHING, KioskPickupPresenter, Screen
from ui.texts import Texts
from ui.widgets import Page, button, label

CENTER = Qt.AlignmentFlag.AlignCenter
HOME_AFTER_MS = 15000
FINAL = frozenset({Screen.DONE, Screen.NOTHING, Screen.JAMMED, Screen.NO_BUS, Screen.LEFT_OPEN,
                   Screen.UNREACHABLE})
ROLE = {Screen.DONE: "good", Screen.JAMMED: "problem", Screen.NO_BUS: "problem", Screen.LEFT_OPEN: "problem",
        Screen.CODE_WRONG: "problem", Screen.CODE_LOCKED: "problem", Screen.UNREACHABLE: "problem"}


class PickupPage(Page):
    name = "pickup"
    home = Signal()

    def __init__(self, texts: Texts, presenter: KioskPickupPresenter) -> None:
        super().__init__()
        self.texts, self.presenter = texts, presenter
        self.title = label("", "title", align=CENTER)
        self.detail = label("", "subtitle", align=CENTER)
        self.compartment = label("", "title", align=CENTER)
        self.compartment.setObjectName("pickup-compartment")
        self.compartment.setStyleSheet("font-size: 96pt; font-weight: bold;")
        self.card_hint = texts.bind(label("", "notice", align=CENTER), "pickup.kiosk.card_hint")
        self.card_hint.setObjectName("pickup-card-hint")
        self.card_hint.setStyleSheet("font-size: 32pt; padding: 24px;")
        self.code = label("", "title", align=CENTER)
        self.code.setObjectName("pickup-code")
        self.code.setStyleSheet("font-size: 48pt; letter-spacing: 12px;")
        self.pad = QWidget()
        grid = QGridLayout(self.pad)
        grid.setSpacing(12)
        self.digits = {}
        for i, d in enumerate("123456789"):
            self.digits[d] = self._key(d, lambda _=False, d=d: self.presenter.digit(d))
            grid.addWidget(self.digits[d], i // 3, i % 3)
        self.erase = texts.bind(self._key("", self.presenter.backspace), "pickup.kiosk.backspace")
        self.digits["0"] = self._key("0", lambda: self.presenter.digit("0"))
        self.submit = texts.bind(self._key("", self.presenter.submit_code), "pickup.kiosk.submit")
        self.submit.setObjectName("pickup-submit")
        for column, widget in enumerate((self.erase, self.digits["0"], self.submit)):
            grid.addWidget(widget, 3, column)
        self.code_button = texts.bind(button("", "big", name="pickup-code-button"), "pickup.kiosk.code_button")
        self.code_button.clicked.connect(self.presenter.enter_code)
        self.back = texts.bind(button("", "", name="pickup-home"), "pickup.kiosk.back")
        self.back.clicked.connect(self.home)
        for widget in (self.title, self.compartment, self.detail, self.card_hint, self.code):
            self.box.addWidget(widget)
        self.box.addWidget(self.pad, 0, CENTER)
        row = QHBoxLayout()
        row.addWidget(self.code_button)
        row.addWidget(self.back)
        self.box.addStretch(1)
        self.box.addLayout(row)
        self.timer = QTimer(self)
        self.timer.setInterval(int(presenter.timings.poll_s * 1000))
        self.timer.timeout.connect(presenter.tick)
        self.home_timer = QTimer(self)
        self.home_timer.setSingleShot(True)
        self.home_timer.setInterval(HOME_AFTER_MS)
        self.home_timer.timeout.connect(self.home)
        self._unsubscribe = presenter.events.subscribe(self._changed)
        texts.changed.connect(lambda _language: presenter.refresh())
        self._draw()

    def _key(self, text: str, slot) -> object:
        key = button(text, "primary")
        key.setFixedSize(160, 84)
        key.setStyleSheet("font-size: 26pt; font-weight: bold; padding: 0px; min-width: 160px; max-width: 160px;"
                          " min-height: 84px; max-height: 84px;")
        key.clicked.connect(slot)
        return key

    def open(self) -> None:
        self.presenter.reset()

    def leave(self) -> None:
        """The page is left (home, idle): nothing keeps running."""
        self.timer.stop()
        self.home_timer.stop()
        if not self.presenter.watching:
            self.presenter.reset()

    def card_read(self, id_number: str) -> None:
        self.presenter.card_read(id_number)

    def close(self) -> bool:
        self.timer.stop()
        self.home_timer.stop()
        self._unsubscribe()
        return super().close()

    def _changed(self, _change) -> None:
        self._draw()

    def _draw(self) -> None:
        v, p = self.presenter.view, self.presenter
        self.title.setText(v.title)
        self.detail.setText(v.detail)
        self.title.setProperty("role", "title")
        self.detail.setProperty("role", ROLE.get(v.screen, "subtitle"))
        self.detail.style().unpolish(self.detail)
        self.detail.style().polish(self.detail)
        self.compartment.setText(v.compartment)
        self.compartment.setVisible(bool(v.compartment))
        entering = v.screen in (Screen.CODE, Screen.CODE_WRONG)
        self.pad.setVisible(entering)
        self.code.setVisible(entering)
        self.code.setText(" ".join(p.code.ljust(6, "·")))
        self.submit.setEnabled(p.can_submit)
        self.code_button.setVisible(v.screen in (Screen.START, Screen.NOTHING, Screen.CODE_LOCKED))
        self.card_hint.setVisible(v.screen in (Screen.START, Screen.CODE_LOCKED))
        self.back.setEnabled(not p.watching)
        if v.screen in WATCHING:
            self.timer.start()
        else:
            self.timer.stop()
        if v.screen in FINAL:
            self.home_timer.start()
        else:
            self.home_timer.stop()


def attach(window, presenter: KioskPickupPresenter) -> PickupPage:
    """Adds 取件 to a ``CitizenWindow``: the home page's button, the page, and the card hook."""
    page = PickupPage(window.texts, presenter)
    window.stack.addWidget(page)
    window.at_shutdown(page.close)
    open_button = window.texts.bind(button("", "big", name="pickup"), "pickup.kiosk.home_button")
    open_button.setProperty("role", "")  # styled as the row's others (HomePage.arrange_row)
    window.home.add_button(open_button)

    def show() -> None:
        window.idle.disarm()
        page.open()
        window.stack.setCurrentWidget(page)

    def home() -> None:
        page.leave()
        window.go_home()

    open_button.clicked.connect(show)
    page.home.connect(home)
    window.stack.currentChanged.connect(lambda _i: page.leave() if window.stack.currentWidget() is not page
                                        else None)

    def card(identity) -> bool:
        if window.stack.currentWidget() is not page:
            return False
        page.card_read(identity.id_number)
        return True

    window.card_hooks.append(card)
    page.open_button = open_button
    return page


def attach_presenter(window, platform, locker, health=None) -> PickupPage:
    """``attach`` with the presenter over the terminal's pickup client and locker bus, on the window's
    worker and in its language; ``health(device, state)``: the terminal's device-health report."""
    import time

    presenter = KioskPickupPresenter(platform, locker, window.worker.run, window.texts, monotonic=time.monotonic,
                                     health=health)
    return attach(window, presenter)
