"""Every visible string through the catalogues, re-translated live when the language switches.

A window owns one ``Texts`` (the demo's kiosk may speak English while the clerk's window stays Chinese).
Widgets are bound to message keys once; ``set_language`` re-applies every binding and emits ``changed``
so pages that build their content from data (service buttons, a ticket) rebuild it.

    texts = Texts("zh_CN")
    texts.bind(title_label, "ui.home.title")
    texts.bind(button, "ui.clerk.call_next", shortcut="F1")      # str.format parameters
    texts.set_language("en")                                      # every bound widget now in English
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from core.i18n import LANGUAGES, Translator


class Texts(QObject):
    changed = Signal(str)  # the new language

    def __init__(self, language: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tr = Translator(language)
        self._bindings: dict[tuple[int, str], tuple[Any, Callable[[str], None], str, dict]] = {}

    @property
    def language(self) -> str:
        return self.tr.language

    def __call__(self, key: str, /, **params: Any) -> str:
        return self.tr(key, **params)

    def error(self, exc: BaseException, audience: str) -> str:
        """An error's text for this audience (citizen, clerk), in the current language."""
        message = getattr(exc, "message", None)
        if callable(message):
            return message(audience, self.language)
        return self.tr("error.unexpected")

    def bind(self, widget: Any, key: str, /, setter: str = "setText", **params: Any) -> Any:
        """Shows ``key`` on ``widget`` now and after every language switch; rebinding (the same setter)
        replaces. One widget may have several bindings: its text and its accessible name, say."""
        apply = getattr(widget, setter)
        self._bindings[(id(widget), setter)] = (widget, apply, key, params)
        apply(self.tr(key, **params))
        return widget

    def unbind(self, widget: Any) -> None:
        for ident in [ident for ident in self._bindings if ident[0] == id(widget)]:
            del self._bindings[ident]

    def set_language(self, language: str) -> None:
        self.tr = Translator(language)
        for ident, (_widget, apply, key, params) in list(self._bindings.items()):
            try:
                apply(self.tr(key, **params))
            except RuntimeError:  # the widget was deleted
                del self._bindings[ident]
        self.changed.emit(self.language)

    def other_language(self) -> str:
        """The one-touch switch: Chinese ↔ English."""
        return LANGUAGES[(LANGUAGES.index(self.language) + 1) % len(LANGUAGES)]
