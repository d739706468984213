"""Everyone can use the citizen kiosk: the keypad, elders' mode, help, accessible names and time that adapts
(docs/accessibility.md). ``CitizenWindow`` attaches it as ``window.access``:

- a keypad drives every page (ui/keypad.py): Back presses the page's way back, Help shows what the keys do;
  a keypad user gets more time (the idle guard, ui/idle.py);
- 长辈模式 (elders' mode), entered on the home page: the larger look (ui/theme.py ``ELDERS_PX``), one
  service a row, more time, the voice on (when the window has one), until the session ends;
- every control has an accessible name and role (``accessible_name``): its own text, or what
  ``ACCESSIBLE_KEYS`` says for controls without one.

The state (elders' mode on or off) is the presenter's (core/presenters/citizen.py ``set_elders``).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.presenters import citizen_view as view
from ui import theme
from ui.keypad import KeypadNavigator, reading_order
from ui.widgets import Banner, button

# A way back, in the order a keypad's Back looks for one among the controls on screen (object names).
BACK_NAMES = ("back", "home", "cancel", "skip", "done")


def accessible_name(widget: QWidget) -> str:
    """What a screen reader says for ``widget``: its accessible name, else what Qt derives (a button's text)."""
    face = QAccessible.queryAccessibleInterface(widget)
    name = face.text(QAccessible.Text.Name) if face is not None else ""
    return (widget.accessibleName() or name or "").strip()


def accessible_role(widget: QWidget) -> str:
    face = QAccessible.queryAccessibleInterface(widget)
    return face.role().name if face is not None else ""


def back_control(window: QWidget) -> QWidget | None:
    """The way back on screen now: the first control named ``*-back``, else ``*-home``, ``*-cancel`` …"""
    controls = reading_order(window)
    for wanted in BACK_NAMES:
        for widget in controls:
            name = widget.objectName()
            if name == wanted or name.endswith("-" + wanted):
                return widget
    return None


class CitizenAccess(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        t = window.texts
        self.voice_before: bool | None = None
        self.elders_button = t.bind(button("", name="elders-mode"), "ui.elders.enter")
        self.elders_button.clicked.connect(self.toggle_elders)
        self.elders_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.elders_button.setMinimumWidth(180)
        window._top.insertWidget(window._top.indexOf(window.language_button), self.elders_button)  # the home page's
        self.help_banner = Banner()
        self.help_banner.setObjectName("keypad-help")
        window.layout().insertWidget(1, self.help_banner)
        self.keypad = KeypadNavigator(window, back=lambda: back_control(window), help=self.show_help,
                                      page=lambda: window.stack.currentWidget())
        self.keypad.used.connect(window.idle.use_keypad)
        window.at_shutdown(self.keypad.close)
        window.at_shutdown(window.presenter.events.subscribe(self._on_event))
        window.stack.currentChanged.connect(self._page_changed)
        window.installEventFilter(self)
        self._warning_said = False
        window.idle.warn.connect(self._idle_warned)  # after the window's own slot has written the warning
        window.idle.warning_over.connect(self._idle_warning_over)
        window.idle.expired.connect(self._idle_warning_over)

    def _idle_warned(self, seconds: int) -> None:
        """The warning says how long is left (the window's text) and how often it may still be extended;
        the voice says it once when it appears."""
        w = self.window
        left = w.idle.extensions_left
        w.idle_extend.setVisible(left != 0)
        if left is not None:
            w.idle_text.setText(f"{w.idle_text.text()} {w.texts('ui.idle.extensions_left', n=left)}")
        voice = getattr(w, "voice", None)
        if not self._warning_said and voice is not None:
            voice.say_key("ui.idle.warning", seconds=seconds)
        self._warning_said = True

    def _idle_warning_over(self) -> None:
        self._warning_said = False

    def lay_out(self) -> None:
        """Pages laid out for the window's width and the mode: the guide's letters in rows that fit."""
        guide = self.window.guide_page
        if guide is not None:
            narrow = self.window.width() < 1280 or self.elders
            guide.lay_out_pad(9 if narrow else 13, large=self.elders)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.window and event.type() == QEvent.Type.Resize:
            self.lay_out()
        return False

    def _page_changed(self, _index: int) -> None:
        self.help_banner.clear_text()
        self.elders_button.setVisible(self.window.stack.currentWidget() is self.window.home)

    @property
    def elders(self) -> bool:
        return self.window.presenter.elders

    def toggle_elders(self) -> None:
        self.window.presenter.set_elders(not self.elders)

    def show_help(self) -> None:
        """Help (F1, a keypad's Help key): what the keys do, on screen; on a kiosk that can speak, the voice is
        turned on (a person who cannot read the screen asks for help this way) and the help is said."""
        if self.help_banner.isVisible():
            self.help_banner.clear_text()
            return
        self.help_banner.show_text(self.window.texts("ui.keypad.help"), "notice")
        control = getattr(self.window, "voice_control", None)
        if control is not None and not control.guide.enabled:
            control.toggle()  # says that the voice is on, and where the person is
        voice = getattr(self.window, "voice", None)
        if voice is not None:
            voice.say_key("ui.keypad.help")

    def _on_event(self, event) -> None:
        if getattr(self.window, "_closed", False):
            return
        if isinstance(event, view.EldersModeChanged):
            self._elders_changed(event.on)
        elif isinstance(event, view.SessionEnded):
            self.voice_before = None  # the next person starts with the terminal's default (VoiceGuide.reset)
            self.window.idle.end_session()
            self.help_banner.clear_text()

    def _elders_changed(self, on: bool) -> None:
        w = self.window
        theme.style_window(w, elders=on)
        w.texts.bind(self.elders_button, "ui.elders.leave" if on else "ui.elders.enter")
        self.elders_button.setProperty("role", "primary" if on else "")
        theme.restyle(self.elders_button)
        w.services_page.set_columns(1 if on else 2)
        for page in w.pages.values():  # the larger text takes the room the gaps had
            page.box.setSpacing(8 if on else 16)
        self.lay_out()
        w.idle.set_elders(on)
        control = getattr(w, "voice_control", None)  # on for the session in elders' mode; then as before
        if control is not None:
            if on:
                self.voice_before = control.guide.enabled
                control.set_on(True)
            elif self.voice_before is not None:
                control.set_on(self.voice_before)
                self.voice_before = None


def unnamed_controls(window: QWidget) -> list[QWidget]:
    """The controls on screen a screen reader could not name (the self-audit lists them)."""
    return [widget for widget in reading_order(window) if not accessible_name(widget)]

