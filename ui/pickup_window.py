"""The pickup window's 统一出件 page, bound to core/presenters/pickup_window.py.

``attach(window, presenter, camera)`` adds it to a ``ClerkWindow`` configured ``[window] pickup = true``:
a 统一出件 button (F12: F1 to F10 are the queue's) in the window's top bar, the page in the window's stack,
and the ID card read or the code scanned while the page is shown go to it (the window's ``card_hooks`` and ``scan_hooks``). The
page reads the open door every ``poll_s`` with a QTimer while a deposit's door is open.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QListWidget

from core.domain.pickup import Size
from core.presenters.pickup_window import WATCHING, Step, WindowPickupPresenter
from ui.texts import Texts
from ui.widgets import Page, button, label

PROBLEMS = frozenset({Step.JAMMED, Step.NO_BUS, Step.NO_LOCKER, Step.NOT_A_CASE, Step.FAILED, Step.NONE,
                      Step.NEED_AUTHORISATION})


class PickupDeskPage(Page):
    name = "pickup-desk"
    back = Signal()

    def __init__(self, texts: Texts, presenter: WindowPickupPresenter, camera=None) -> None:
        super().__init__()
        self.texts, self.presenter, self.camera = texts, presenter, camera
        self.heading = texts.bind(label("", "title"), "pickup.window.title")
        self.status = label("", "subtitle")
        self.status.setObjectName("pickup-desk-status")
        self.cases = QListWidget()
        self.cases.setObjectName("pickup-desk-cases")
        self.hand_over_button = texts.bind(button("", "primary", name="pickup-hand-over"), "pickup.window.hand_over")
        self.hand_over_button.clicked.connect(lambda: presenter.hand_over(self.cases.currentRow()))
        self.capture_button = texts.bind(button("", name="pickup-capture"), "pickup.window.capture")
        self.capture_button.clicked.connect(lambda: presenter.capture_with(self.camera))
        self.capture_button.setVisible(camera is not None)
        hand = QHBoxLayout()
        hand.addWidget(self.hand_over_button)
        hand.addWidget(self.capture_button)
        self.deposit_heading = texts.bind(label("", "subtitle"), "pickup.window.deposit_title")
        self.number = QLineEdit()
        self.number.setObjectName("pickup-case-number")
        texts.bind(self.number, "pickup.window.case_number", setter="setPlaceholderText")
        self.number.textEdited.connect(presenter.set_tracking)
        sizes = QHBoxLayout()
        self.size_buttons = {}
        for size in Size:
            b = texts.bind(button("", "primary", name=f"pickup-size-{size.value}"), f"pickup.window.size.{size.value}")
            b.clicked.connect(lambda _=False, s=size: presenter.deposit(s))
            sizes.addWidget(b)
            self.size_buttons[size] = b
        self.back_button = texts.bind(button("", name="pickup-back"), "pickup.window.back")
        self.back_button.clicked.connect(self.back)
        for widget in (self.heading, self.status, self.cases):
            self.box.addWidget(widget)
        self.box.addLayout(hand)
        self.box.addSpacing(24)
        self.box.addWidget(self.deposit_heading)
        self.box.addWidget(self.number)
        self.box.addLayout(sizes)
        self.box.addStretch(1)
        self.box.addWidget(self.back_button)
        self.timer = QTimer(self)
        self.timer.setInterval(int(presenter.timings.poll_s * 1000))
        self.timer.timeout.connect(presenter.tick)
        self._unsubscribe = presenter.events.subscribe(lambda _change: self._draw())
        self._draw()

    def close(self) -> bool:
        self.timer.stop()
        self._unsubscribe()
        return super().close()

    def _draw(self) -> None:
        p, t = self.presenter, self.texts
        self.status.setText(p.detail)
        self.status.setProperty("role", "problem" if p.step in PROBLEMS else "subtitle")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        row = self.cases.currentRow()
        self.cases.clear()
        for ready in p.cases:
            pickup = ready.case.pickup
            where = t(f"pickup.window.where.{pickup.method.value}", window=pickup.window or "") if pickup else ""
            self.cases.addItem(t("pickup.window.row", number=ready.case.tracking, matter=ready.case.matter_name,
                                 where=where, who=t(f"pickup.window.who.{ready.collector}")))
        self.cases.setCurrentRow(min(max(row, 0), len(p.cases) - 1) if p.cases else -1)
        self.hand_over_button.setEnabled(bool(p.cases) and not p.busy)
        if self.number.text().replace(" ", "") != p.tracking:
            self.number.setText(p.tracking)
        for b in self.size_buttons.values():
            b.setEnabled(p.can_deposit)
        self.back_button.setEnabled(p.step not in WATCHING and not p.busy)
        if p.step in WATCHING:
            self.timer.start()
        else:
            self.timer.stop()


def attach(window, presenter: WindowPickupPresenter, camera=None) -> PickupDeskPage:
    """Adds 统一出件 to a ``ClerkWindow``."""
    page = PickupDeskPage(window.texts, presenter, camera)
    window.stack.addWidget(page)
    window.at_shutdown(page.close)
    opener = window.texts.bind(button("", name="pickup-desk"), "pickup.window.open")
    opener.setProperty("compact", True)
    window.top_bar.insertWidget(1, opener)

    def show() -> None:
        if window.presenter.logged_in:
            window.stack.setCurrentWidget(page)

    opener.clicked.connect(show)
    QShortcut(QKeySequence("F12"), window).activated.connect(show)
    page.back.connect(window.show_queue)

    def card(identity) -> bool:
        if window.stack.currentWidget() is not page:
            return False
        presenter.card_read(identity.id_number)
        return True

    def scan(payload: str) -> bool:
        if window.stack.currentWidget() is not page:
            return False
        presenter.scanned(payload)
        return True

    window.card_hooks.append(card)
    window.scan_hooks.append(scan)
    page.opener = opener
    return page


def attach_presenter(window, platform, locker, camera=None, authorisations=None, health=None) -> PickupDeskPage:
    """``attach`` with the presenter over the terminal's pickup client, locker bus (None: hand-overs only),
    the clerk's session and the proxies' authorisations (core/services/pickup.py), on the window's worker
    and in its language."""
    import time

    presenter = WindowPickupPresenter(platform, locker, window.worker.run, window.texts,
                                      session=lambda: window.service.session, monotonic=time.monotonic,
                                      authorisations=authorisations, health=health)
    return attach(window, presenter, camera)
