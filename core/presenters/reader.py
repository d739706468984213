"""What a window says about its ID-card reader while no card is shown: one set of rules for every window.

The reader (``core.ports.idcard``) reports its state and its failed reads; the window reports the cards it
took. From those the presenter keeps the last state and the last failed read and says what to show:

- no reader configured → "this window has no reader" (taking a number without a card always works);
- the reader is unplugged or stopped → "the reader is not available";
- a card is being read → "reading";
- the last read failed (until the next card, or the reader goes away) → that error, in the audience's
  words ("place it again"); an unplugged reader (``DeviceNotFound``) is a state, not a failed read;
- otherwise → the window's invitation ("place your card").

Each window names its own message keys (``ReaderTexts``): the clerk's applicant panel and the citizen's
identification slot word these differently. Events (``Changed("reader")``) are emitted on the caller's
thread: the window forwards the reader's callbacks from the GUI thread (ui/idcard.py ``ReaderBridge``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from core.errors import DeviceError, DeviceNotFound
from core.i18n import Translator
from core.ports.idcard import ReaderState
from core.presenters import Changed
from core.services.events import EventHub


class ReaderSituation(enum.StrEnum):
    NO_READER = "no_reader"  # none configured for this window
    UNAVAILABLE = "unavailable"  # configured, but unplugged or stopped
    READING = "reading"
    FAILED = "failed"  # the last read failed: place the card again
    READY = "ready"  # waiting for a card


@dataclass(frozen=True)
class ReaderTexts:
    """The message keys one window uses, and the audience its error texts are worded for."""

    audience: str
    no_reader: str
    unavailable: str
    ready: str
    reading: str = "idcard.state.reading"


CLERK_READER_TEXTS = ReaderTexts("clerk", no_reader="ui.applicant.no_reader",
                                 unavailable="ui.applicant.reader_unavailable", ready="ui.applicant.empty")
CITIZEN_READER_TEXTS = ReaderTexts("citizen", no_reader="ui.confirm.no_reader",
                                   unavailable="ui.identity.unavailable", ready="ui.identity.place_card")


@dataclass(frozen=True)
class ReaderView:
    situation: ReaderSituation
    text: str
    card_icon: bool  # show the card pictogram (the reader is there and waits for, or reads, a card)


class ReaderPresenter:
    def __init__(self, texts: ReaderTexts, *, available: bool, state: ReaderState = ReaderState.STOPPED,
                 language: str = "zh_CN") -> None:
        self.texts = texts
        self.available = available
        self.state = state
        self.error: DeviceError | None = None  # the last failed read, until the next card
        self.tr = Translator(language)
        self.events = EventHub()

    # --- what the reader and the window report ------------------------------------------------------

    def state_changed(self, state: ReaderState) -> None:
        self.state = state
        if state is ReaderState.NO_READER:
            self.error = None
        self._changed()

    def read_failed(self, error: DeviceError) -> None:
        if not isinstance(error, DeviceNotFound):
            self.error = error
        self._changed()

    def card_read(self) -> None:
        self.error = None
        self._changed()

    def forget(self) -> None:
        """The session ended: a failed read of the person before is not shown to the next one."""
        if self.error is not None:
            self.error = None
            self._changed()

    def set_language(self, language: str) -> None:
        self.tr = Translator(language)
        self._changed()

    # --- what to show ------------------------------------------------------------------------------

    @property
    def situation(self) -> ReaderSituation:
        if not self.available:
            return ReaderSituation.NO_READER
        if self.state in (ReaderState.NO_READER, ReaderState.STOPPED):
            return ReaderSituation.UNAVAILABLE
        if self.state is ReaderState.READING:
            return ReaderSituation.READING
        if self.error is not None:
            return ReaderSituation.FAILED
        return ReaderSituation.READY

    def view(self, **ready_params: Any) -> ReaderView:
        """The text while no card is shown; ``ready_params`` fill the invitation's placeholders."""
        situation = self.situation
        keys = {ReaderSituation.NO_READER: self.texts.no_reader, ReaderSituation.UNAVAILABLE: self.texts.unavailable,
                ReaderSituation.READING: self.texts.reading}
        if situation is ReaderSituation.FAILED:
            text = self.error.message(self.texts.audience, self.tr.language)
        elif situation is ReaderSituation.READY:
            text = self.tr(self.texts.ready, **ready_params)
        else:
            text = self.tr(keys[situation])
        icon = situation in (ReaderSituation.READING, ReaderSituation.FAILED, ReaderSituation.READY)
        return ReaderView(situation, text, icon)

    def _changed(self) -> None:
        self.events.emit(Changed("reader"))
