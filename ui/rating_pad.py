"""The rating screens (好差评): the evaluation pad facing the citizen at a clerk's window, and the same rating
on a kiosk after a self-service transaction (docs/evaluation.md, "The terminals' rating screens").

``RatingView`` draws a ``core.presenters.rating.RatingPresenter`` and forwards touches to it: the five levels
as big buttons (非常满意 5 first), then for a 差评 the hall's reasons (toggle buttons) and a line for the
citizen's words, and a thanks. A timer ticks the presenter twice a second, so an offer nobody touches
closes by itself. ``RatingPadWindow`` is the pad: a top-level window of the clerk's terminal, placed full
screen on the second screen when the machine has one (else a window of its own), showing between ratings
who serves at the window (name, staff number, the staff photo or a silhouette). Nothing here blocks: the
presenter saves through the window's worker.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPixmap
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QLineEdit, QStackedWidget, QVBoxLayout,
                               QWidget)

from core.clock import hall_now
from core.domain.rating import MAX_TEXT, RatingChannel, is_low
from core.presenters import Changed
from core.presenters.rating import RatingPresenter
from core.presenters.rating_pad import PadLink
from ui import theme
from ui.closing import ClosingWindow
from ui.pinyin_keyboard import OnScreenKeyboard
from ui.widgets import Page, button, clear_layout, label

TICK_MS = 500
PHOTO_PX = 220
LEVEL_COLOURS = {5: "#1b7f3b", 4: "#3f8f4f", 3: "#5c6b73", 2: "#b35c00", 1: "#b3261e"}


def silhouette(size: int = PHOTO_PX) -> QPixmap:
    """The placeholder when the platform holds no staff photo: a grey head and shoulders."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor("#e3e6ea"))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#9aa3ad"))
    painter.drawEllipse(QPointF(size / 2, size * 0.38), size * 0.18, size * 0.2)
    painter.drawChord(QRectF(size * 0.18, size * 0.62, size * 0.64, size * 0.7), 0, 180 * 16)
    painter.end()
    return pixmap


def staff_pixmap(photo: bytes | None, size: int = PHOTO_PX) -> QPixmap:
    pixmap = QPixmap()
    if photo and pixmap.loadFromData(photo):
        return pixmap.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    return silhouette(size)


class _IdlePage(Page):
    """Between ratings: who serves at the window (the pad), or nothing (a kiosk hides the view)."""

    name = "idle"

    def __init__(self, window: int | None) -> None:
        super().__init__()
        self.window = window
        self.heading = label("", "subtitle", align=Qt.AlignmentFlag.AlignCenter)
        self.photo = QLabel()
        self.photo.setObjectName("staff-photo")
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.name_label = label("", "title", align=Qt.AlignmentFlag.AlignCenter)
        self.name_label.setObjectName("staff-name")
        self.number_label = label("", "subtitle", align=Qt.AlignmentFlag.AlignCenter)
        self.number_label.setObjectName("staff-number")
        self.box.addStretch(1)
        for widget in (self.heading, self.photo, self.name_label, self.number_label):
            self.box.addWidget(widget)
        self.box.addStretch(1)


class _LevelsPage(Page):
    name = "levels"

    def __init__(self) -> None:
        super().__init__()
        self.title = label("", "title", align=Qt.AlignmentFlag.AlignCenter)
        self.subtitle = label("", "muted", align=Qt.AlignmentFlag.AlignCenter)
        self.levels = QHBoxLayout()
        self.levels.setSpacing(16)
        self.buttons: dict[int, object] = {}
        self.skip = button("", name="rating-skip")
        self.skip.setProperty("compact", True)
        self.language = button("", name="rating-language")
        self.language.setProperty("compact", True)
        self.countdown = label("", "muted", align=Qt.AlignmentFlag.AlignCenter)
        self.box.addWidget(self.title)
        self.box.addWidget(self.subtitle)
        self.box.addStretch(1)
        self.box.addLayout(self.levels)
        self.box.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.language)
        bottom.addWidget(self.countdown, 1)
        bottom.addWidget(self.skip)
        self.box.addLayout(bottom)


class _ReasonsPage(Page):
    """The hall's reasons and a line for the citizen's words; the on-screen keyboard (ui/pinyin_keyboard.py)
    opens under the line when it takes the focus, and the reasons step aside while it is open."""

    name = "reasons"

    def __init__(self) -> None:
        super().__init__()
        self.title = label("", "title", align=Qt.AlignmentFlag.AlignCenter)
        self.hint = label("", "muted", align=Qt.AlignmentFlag.AlignCenter)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(12)
        self.buttons: dict[str, object] = {}
        self.text = QLineEdit()
        self.text.setObjectName("rating-text")
        self.text.setMaxLength(MAX_TEXT)
        self.back = button("", name="rating-back")
        self.skip = button("", name="rating-skip-reasons")
        self.send = button("", "primary", name="rating-send")
        self.countdown = label("", "muted", align=Qt.AlignmentFlag.AlignCenter)
        self.keyboard: OnScreenKeyboard | None = None  # made when the reasons first open (its index loads)
        self.box.addWidget(self.title)
        self.box.addWidget(self.hint)
        self.box.addWidget(self.grid_host)
        self.box.addWidget(self.text)
        self.box.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.back)
        bottom.addWidget(self.skip)
        bottom.addWidget(self.countdown, 1)
        bottom.addWidget(self.send, 2)
        self.box.addLayout(bottom)


    def add_keyboard(self, language: str) -> OnScreenKeyboard:
        if self.keyboard is None:
            self.keyboard = OnScreenKeyboard(language=language)
            self.keyboard.hide()
            self.keyboard.installEventFilter(self)
            self.box.insertWidget(self.box.indexOf(self.text) + 1, self.keyboard)
            self.keyboard.follow(self)
        return self.keyboard

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.keyboard and event.type() in (QEvent.Type.Show, QEvent.Type.Hide):
            self.grid_host.setVisible(event.type() == QEvent.Type.Hide)
        return False


class _ThanksPage(Page):
    name = "thanks"

    def __init__(self) -> None:
        super().__init__()
        self.text = label("", "title", align=Qt.AlignmentFlag.AlignCenter)
        self.text.setObjectName("rating-thanks")
        self.box.addStretch(1)
        self.box.addWidget(self.text)
        self.box.addStretch(1)


class RatingView(QWidget):
    """The rating screen over ``presenter``; ``window`` (a pad) names the window on the idle page."""

    def __init__(self, presenter: RatingPresenter, *, window: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rating-view")
        self.presenter = presenter
        self.idle_page = _IdlePage(window)
        self.levels_page = _LevelsPage()
        self.reasons_page = _ReasonsPage()
        self.thanks_page = _ThanksPage()
        self.stack = QStackedWidget()
        self.pages = {p.name: p for p in (self.idle_page, self.levels_page, self.reasons_page, self.thanks_page)}
        for page in self.pages.values():
            self.stack.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        p = presenter
        self.levels_page.skip.clicked.connect(p.skip)
        self.levels_page.language.clicked.connect(p.switch_language)
        self.reasons_page.skip.clicked.connect(p.skip)
        self.reasons_page.back.clicked.connect(p.back)
        self.reasons_page.send.clicked.connect(p.send)
        self.reasons_page.text.textEdited.connect(p.set_text)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self._unsubscribe = p.events.subscribe(self._on_change)
        self._build_levels()
        self._words()
        self._show_state()

    @property
    def page(self) -> str:
        return self.stack.currentWidget().name

    def close_view(self) -> None:
        """Stops the timer and listening (the window around it shuts down)."""
        self.timer.stop()
        self._unsubscribe()

    def _tick(self) -> None:
        self.presenter.tick()
        self._countdown()

    def _on_change(self, change: Changed) -> None:
        part = change.part
        if part == "state":
            self._show_state()
        elif part == "staff":
            self._show_staff()
        elif part == "reasons":
            self._build_reasons()
        elif part == "text":
            self.reasons_page.text.setText(self.presenter.text)
        elif part == "language":
            if self.reasons_page.keyboard is not None:
                self.reasons_page.keyboard.texts.set_language(self.presenter.tr.language)
            self._build_levels()
            self._build_reasons()
            self._words()
            self._show_state()

    def _words(self) -> None:
        t, lv, rs = self.presenter.tr, self.levels_page, self.reasons_page
        lv.title.setText(t("rating.title"))
        lv.subtitle.setText(t("rating.subtitle"))
        lv.skip.setText(t("rating.skip"))
        lv.language.setText(t("language.switch"))
        rs.title.setText(t("rating.reasons.title"))
        rs.text.setPlaceholderText(t("rating.text_hint"))
        rs.back.setText(t("rating.back"))
        rs.skip.setText(t("rating.skip"))
        rs.send.setText(t("rating.send"))
        if self.idle_page.window is not None:
            self.idle_page.heading.setText(t("rating.pad.serving", window=self.idle_page.window))
        self._show_staff()

    def _build_levels(self) -> None:
        page = self.levels_page
        clear_layout(page.levels)
        page.buttons = {}
        for value, words in self.presenter.level_options():
            b = button(f"{words}\n{value}", "big", name=f"level-{value}")
            b.setStyleSheet(f"QPushButton {{ background: {LEVEL_COLOURS[value]}; }}")
            b.clicked.connect(lambda _=False, v=value: self.presenter.choose(v))
            page.levels.addWidget(b)
            page.buttons[value] = b

    def _build_reasons(self) -> None:
        page = self.reasons_page
        clear_layout(page.grid)
        page.buttons = {}
        for n, (code, words, chosen) in enumerate(self.presenter.reason_options()):
            b = button(words, name=f"reason-{code}")
            b.setCheckable(True)
            b.setChecked(chosen)
            b.clicked.connect(lambda _=False, c=code: self.presenter.toggle_reason(c))
            page.grid.addWidget(b, n // 2, n % 2)
            page.buttons[code] = b
        self._show_reasons_state()

    def _show_reasons_state(self) -> None:
        page, p = self.reasons_page, self.presenter
        chosen = {code for code, _, on in p.reason_options() if on}
        for code, b in page.buttons.items():
            b.setChecked(code in chosen)
            b.setProperty("role", "primary" if code in chosen else "")
            theme.restyle(b)
        page.hint.setText(p.reasons_hint())
        page.send.setEnabled(p.can_send())

    def _show_staff(self) -> None:
        page, p = self.idle_page, self.presenter
        name, number = p.staff_lines()
        page.name_label.setText(name)
        page.number_label.setText(number)
        page.photo.setPixmap(staff_pixmap(p.staff.photo if p.staff else None))
        page.photo.setVisible(p.staff is not None)
        page.heading.setVisible(p.staff is not None and page.window is not None)

    def _show_state(self) -> None:
        p = self.presenter
        state = p.state
        self.stack.setCurrentWidget(self.pages[state])
        for b in self.levels_page.buttons.values():
            b.setEnabled(state == "levels" and not p.sending)
        if state == "reasons":
            if p.level is not None and is_low(p.level) and not p.text:
                self.reasons_page.text.clear()
            self.reasons_page.add_keyboard(p.tr.language)
            self._show_reasons_state()
        elif self.reasons_page.keyboard is not None:
            self.reasons_page.keyboard.hide()
        if state == "thanks":
            self.thanks_page.text.setText(p.thanks_text())
        if p.deadline is None:
            self.timer.stop()
        elif not self.timer.isActive():
            self.timer.start()
        self._countdown()

    def _countdown(self) -> None:
        left = self.presenter.seconds_left()
        text = self.presenter.tr("rating.closes_in", seconds=left) if left is not None else ""
        self.levels_page.countdown.setText(text)
        self.reasons_page.countdown.setText(text)


class RatingPadWindow(ClosingWindow, QWidget):
    """The evaluation pad (评价器): a second top-level window of the clerk's terminal facing the citizen."""

    def __init__(self, presenter: RatingPresenter, *, window: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rating-pad")
        theme.style_window(self)
        self.setWindowTitle(presenter.tr("rating.pad.title"))
        self.view = RatingView(presenter, window=window, parent=self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        self.at_shutdown(self.view.close_view)
        self.resize(1280, 800)

    def place(self, *, alone: bool = False) -> bool:
        """Full screen on the second screen when there is one (True). With one screen the pad has no place
        facing the citizen: it stays hidden unless ``alone`` (the demo, a test) shows it as a window of its
        own (False either way)."""
        screens = QGuiApplication.screens()
        if len(screens) < 2:
            if alone:
                self.show()
            return False
        primary = QGuiApplication.primaryScreen()
        other = next(s for s in screens if s is not primary)
        self.setScreen(other)
        self.move(other.geometry().topLeft())
        self.showFullScreen()
        return True


def attach_pad(clerk, desk, *, clock=None) -> RatingPadWindow:
    """The pad of a ``ui.clerk.ClerkWindow``: its presenter saves on the clerk's worker, ``PadLink`` offers a
    rating after every finished ticket, and the queue page says only how the rating went. The caller shows
    it (``place()``); it closes with the clerk's window."""
    presenter = RatingPresenter(desk, clerk.worker.run, channel=RatingChannel.WINDOW_PAD,
                                now=lambda: hall_now(clerk.presenter.hall, clock), language=clerk.texts.language)
    link = PadLink(clerk.presenter, presenter)
    pad = RatingPadWindow(presenter, window=clerk.service.window)
    pad_state = clerk.queue_page.pad_state

    def progress(change: Changed) -> None:
        if change.part == "progress" and not clerk.closed:
            pad_state.setText(presenter.progress_text())
            pad_state.setVisible(bool(presenter.progress))

    unsubscribe = presenter.events.subscribe(progress)
    clerk.at_shutdown(link.unsubscribe)
    clerk.at_shutdown(unsubscribe)
    clerk.at_shutdown(pad.close)
    clerk.at_shutdown(pad.shutdown)
    return pad


class KioskRating(QWidget):
    """The kiosk's rating after a self-service transaction: a ``RatingView`` laid over the whole citizen
    window while an offer is open, hidden otherwise (the window's own pages stay as they were)."""

    def __init__(self, presenter: RatingPresenter, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("kiosk-rating")
        self.setAutoFillBackground(True)
        self.presenter = presenter
        self.view = RatingView(presenter, parent=self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        self._unsubscribe = presenter.events.subscribe(self._on_change)
        parent.installEventFilter(self)
        self.hide()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.parent() and event.type() == event.Type.Resize:
            self.setGeometry(self.parent().rect())
        return False

    def _on_change(self, change: Changed) -> None:
        if change.part == "state":
            open_ = self.presenter.state != "idle"
            if open_ and not self.isVisible():
                self.setGeometry(self.parent().rect())
                self.show()
                self.raise_()
            elif not open_:
                self.hide()

    def close_rating(self) -> None:
        self._unsubscribe()
        self.view.close_view()


def attach_kiosk_rating(citizen, desk, *, clock=None, hall=None) -> KioskRating:
    """The rating of a ``ui.citizen.CitizenWindow`` (``citizen.rating``): saved on the window's worker, in
    the window's language; ``hall`` gives the time zone of ``rated_at``."""
    presenter = RatingPresenter(desk, citizen.worker.run, channel=RatingChannel.KIOSK,
                                now=lambda: hall_now(hall, clock), language=citizen.texts.language)
    overlay = KioskRating(presenter, citizen)
    citizen.texts.changed.connect(presenter.set_language)
    citizen.at_shutdown(overlay.close_rating)
    presenter.load_reasons()
    return overlay
