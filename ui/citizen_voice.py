"""The kiosk's voice guidance in the citizen window (docs/voice.md): the voice button on every page, over
``VoiceGuide`` and ``CitizenVoiceLink`` (the rules, Qt-free).

``attach_voice(window, voice)`` puts the button in the top bar (beside the language button, so it is on
every page; the Help key of a keypad, F1, also turns the voice on: ui/citizen_access.py), resets the
voice to the terminal's default when the idle timeout ends a session, and closes the voice with the
window. It returns the ``VoiceGuide`` the window keeps as ``window.voice`` (``focus(label)``,
``say_key(key, **params)``), or None when the machine cannot speak (no button then: a button that does
nothing would mislead; the technician sees why in the log and in ``kiosk diag voice``).

The voice plays on its own thread (devices/audio/voice.py): nothing here waits for sound.
"""

from __future__ import annotations

from PySide6.QtWidgets import QSizePolicy

from core.ports.voice import Voice
from core.presenters.citizen_voice import CitizenVoiceLink
from core.services.voice_guide import VoiceGuide
from ui.widgets import button



class VoiceControl:
    def __init__(self, window, voice: Voice) -> None:
        self.window = window
        self.guide = VoiceGuide(voice, language=lambda: window.texts.language, default_on=voice.enabled)
        self.link = CitizenVoiceLink(self.guide, window.presenter.events, lambda: window.texts.language)
        self.button = button("", name="voice")
        self.button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.button.setMinimumWidth(160)
        self.button.setCheckable(True)
        self.button.clicked.connect(self.toggle)
        window.texts.changed.connect(lambda _language: self.show_state())
        window.idle.expired.connect(self.session_over)
        self.show_state()

    def toggle(self) -> None:
        self.window.idle.touch()
        self.guide.toggle()
        self.show_state()

    def set_on(self, on: bool) -> None:
        """On or off as the voice button would (said), when it is not so already (elders' mode)."""
        self.guide.set_on(on)
        self.show_state()

    def session_over(self) -> None:
        self.link.reset()
        self.show_state()

    def show_state(self) -> None:
        t = self.window.texts
        on = self.guide.enabled
        self.button.setChecked(on)
        self.button.setText(t("voice.button.on" if on else "voice.button.off"))
        self.button.setAccessibleName(t("voice.button.name"))

    def close(self) -> None:
        self.link.unsubscribe()
        close = getattr(self.guide.voice, "close", None)
        if close is not None:
            close()


def attach_voice(window, voice: Voice | None) -> VoiceGuide | None:
    """The window's voice guide (see the module's docstring); None without a voice that can speak."""
    if voice is None:
        return None
    if not voice.available():
        close = getattr(voice, "close", None)
        if close is not None:
            window.at_shutdown(close)
        return None
    control = VoiceControl(window, voice)
    top = window._top
    top.insertWidget(top.indexOf(window.language_button), control.button)
    window.voice_control = control
    window.at_shutdown(control.close)
    return control.guide
