"""The ID-card reader as the windows see it: its callbacks as queued Qt signals, and the card pictogram.

The reader (``core.ports.idcard.IdCardReaderPort``; devices/idcard/reader.py) polls on its own owner
thread and calls ``on_card`` / ``on_state`` / ``on_error`` **on that thread**. ``ReaderBridge`` sets those
callbacks to emit its signals, which Qt delivers on the GUI thread (the bridge lives there: a queued
connection), so a window handles cards like any other event and the reader thread never waits for it.

    bridge = ReaderBridge(reader, parent=window)      # reader may be None: no reader configured
    bridge.card.connect(window._on_card)              # Identity
    bridge.state.connect(window._on_reader_state)     # ReaderState (also once at attach: the state now)
    bridge.error.connect(window._on_reader_error)     # DeviceError
    ...
    bridge.close()                                    # callbacks unset: nothing arrives after this

With a ``ReaderPresenter`` (core/presenters/reader.py) the bridge forwards every state, failed read and
card to it first, on the GUI thread, so the window only renders ``presenter.view()`` when it changes:

    bridge = ReaderBridge(reader, window, presenter=ReaderPresenter(CLERK_READER_TEXTS, available=False))
    bridge.presenter.events.subscribe(lambda _: window.show_reader())

The bridge neither starts nor stops the reader: the composition root (kiosk/app.py) owns its life.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QWidget

from core.ports.idcard import ReaderState
from core.presenters.reader import ReaderPresenter
from ui import theme
from ui.widgets import label


class ReaderBridge(QObject):
    card = Signal(object)  # Identity
    state = Signal(object)  # ReaderState
    error = Signal(object)  # DeviceError

    def __init__(self, reader: Any | None, parent: QObject | None = None, *,
                 presenter: ReaderPresenter | None = None) -> None:
        super().__init__(parent)
        self.reader = reader
        self.presenter = presenter
        self._closed = False
        if presenter is not None:  # connected first: the presenter knows before the window's slots run
            presenter.available = self.available
            presenter.state = self.current_state
            self.card.connect(self._card_to_presenter)
            self.state.connect(self._state_to_presenter)
            self.error.connect(self._error_to_presenter)
        if reader is not None:
            reader.on_card = self._forward(self.card)
            reader.on_state = self._forward(self.state)
            reader.on_error = self._forward(self.error)

    @property
    def available(self) -> bool:
        """A reader is configured (it may still be unplugged: see its state)."""
        return self.reader is not None

    @property
    def current_state(self) -> ReaderState:
        return self.reader.state if self.reader is not None else ReaderState.STOPPED

    def announce_state(self) -> None:
        """Emits the reader's state now (after the window connected its slots), from the event loop."""
        if self.reader is not None:
            QTimer.singleShot(0, self, lambda: None if self._closed else self.state.emit(self.current_state))

    def _forward(self, signal):
        def emit(value: Any) -> None:  # on the reader's owner thread: emit and return at once
            if self._closed:
                return
            try:
                signal.emit(value)
            except RuntimeError:  # the window is gone
                pass

        return emit

    def _card_to_presenter(self, _identity) -> None:
        self.presenter.card_read()

    def _state_to_presenter(self, state: ReaderState) -> None:
        self.presenter.state_changed(state)

    def _error_to_presenter(self, error) -> None:
        self.presenter.read_failed(error)

    def close(self) -> None:
        self._closed = True
        if self.reader is not None:
            self.reader.on_card = None
            self.reader.on_state = None
            self.reader.on_error = None


class CardIcon(QWidget):
    """A pictogram of an ID card on a reader (drawn, so it needs no image file and scales)."""

    def __init__(self, size: int = 96, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._size = size
        self.setFixedSize(QSize(int(size * 1.6), size))
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt's name)
        c = theme.COLOURS
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        # the reader's sensing area
        p.setPen(QPen(QColor(c["secondary_text"]), 3, Qt.PenStyle.DashLine))
        p.setBrush(QColor(c["secondary_bg"]))
        p.drawRoundedRect(QRectF(2, h * 0.30, w - 4, h * 0.68), 10, 10)
        # the card, tilted as if being placed
        p.translate(w * 0.5, h * 0.50)
        p.rotate(-8)
        cw, ch = w * 0.60, h * 0.52
        p.setPen(QPen(QColor(c["primary"]), 3))
        p.setBrush(QColor("#FFFFFF"))
        p.drawRoundedRect(QRectF(-cw / 2, -ch / 2, cw, ch), 8, 8)
        p.setBrush(QColor(c["secondary_bg"]))
        p.drawRect(QRectF(cw / 2 - cw * 0.32, -ch / 2 + ch * 0.14, cw * 0.24, ch * 0.58))  # photo
        p.setPen(QPen(QColor(c["muted"]), 4))
        for i in range(3):
            y = -ch / 2 + ch * (0.22 + 0.18 * i)
            p.drawLine(int(-cw / 2 + cw * 0.10), int(y), int(cw * 0.05), int(y))
        p.drawLine(int(-cw / 2 + cw * 0.10), int(ch / 2 - ch * 0.16), int(cw / 2 - cw * 0.10),
                   int(ch / 2 - ch * 0.16))
        p.end()


class IdSlot(QWidget):
    """The kiosk's identification slot: the card pictogram and one line saying what to do or what
    happened (place your card / reading / identified / place it again / reader not available)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("id-slot")
        self.icon = CardIcon(64)
        self.text = label("", "notice")
        self.text.setObjectName("id-slot-text")
        self.text.setWordWrap(True)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.icon)
        row.addWidget(self.text, 1)

    def show_text(self, text: str, role: str = "notice", *, icon: bool = True) -> None:
        self.text.setText(text)
        if self.text.property("role") != role:
            self.text.setProperty("role", role)
            theme.restyle(self.text)
        self.icon.setVisible(icon)
