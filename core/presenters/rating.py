"""The rating screens without Qt (好差评, docs/evaluation.md "The terminals' rating screens"): the evaluation pad
facing the citizen at a clerk's window, and the kiosk's rating after a self-service transaction.

``RatingPresenter`` holds one screen's state and publishes ``Changed(part)``:

- ``state``: ``idle`` (the pad shows who serves; the kiosk shows nothing), ``levels`` (the five levels),
  ``reasons`` (a 差评: the hall's reasons and the citizen's words), ``thanks`` (saved, or not);
- ``progress``: what the clerk's screen may know — a rating ``asking``, ``done``, ``skipped`` or ``failed``,
  never the level chosen; ``staff``: who serves at the window; ``reasons``: the hall's list arrived;
  ``text``: the words were cleaned (the field shows them as kept); ``language``: redraw everything.

The rules: an offer opens by itself and closes by itself — ``offer_s`` without a touch on the levels,
``reasons_s`` on the reasons, ``thanks_s`` on the thanks — and the citizen may skip at any time; skipping or
letting it close leaves no record (rating is voluntary). A level of 2 or less (a 差评) asks for at least one
reason from the hall's list and optional words; better levels are saved at once. The words are cleaned as
typed: control characters and bidirectional controls go (a line break becomes a space), emoji and rare
characters such as 䶮 and 𠮷 stay, at most ``MAX_TEXT`` characters. A case (or a ticket) is offered once on a
screen's channel: the platform refuses a second rating of it (``rating_exists``), so the screen never asks.
Saving goes through the window's ``Runner`` (the outbox commits to disk); ``tick()`` is called by the
window's timer with no argument, the time read from ``monotonic``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from core.domain.rating import MAX_REASONS, MAX_TEXT, Rating, RatingChannel, RatingLevel, is_low, text_problem
from core.i18n import Translator, keys_for
from core.presenters import Changed, Runner
from core.services.events import EventHub
from core.services.rating import RatingDesk, Reason

log = logging.getLogger(__name__)

OFFER_S = 30.0  # the levels wait this long for a touch
REASONS_S = 90.0  # the reasons and the words, from the last touch
THANKS_S = 4.0
LEVELS = tuple(sorted(RatingLevel, reverse=True))  # 非常满意 5 first
PROGRESS = ("asking", "done", "skipped", "failed")
RATING_KEYS = (keys_for("rating.level.", [str(int(level)) for level in RatingLevel]),
               keys_for("rating.progress.", PROGRESS))
_SPACES = {"\n": " ", "\r": " ", "\t": " "}


def clean_text(text: str) -> str:
    """The citizen's words as they may be kept: control characters and bidirectional controls removed (a line
    break or tab becomes a space), at most ``MAX_TEXT`` characters; emoji and rare characters kept."""
    kept = "".join(_SPACES.get(ch, ch) for ch in text if ch in _SPACES or text_problem(ch) is None)
    return kept[:MAX_TEXT]


@dataclass(frozen=True)
class StaffCard:
    """Who serves at the window, as the pad shows them: name, staff number and the staff photo the platform
    holds (None: a silhouette). Nothing of the citizen."""

    name: str
    staff_id: str
    photo: bytes | None = None


@dataclass(frozen=True)
class RatingSubject:
    """What is rated: a case, or for a service that opens no case the ticket, with where it was served."""

    department: str
    case_number: str | None = None
    ticket_number: str | None = None
    matter_code: str | None = None
    matter_version: str | None = None
    service: str | None = None
    window: int | None = None
    clerks: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"case:{self.case_number}" if self.case_number else f"ticket:{self.ticket_number}"


def case_subject(case_number: str, matter) -> RatingSubject:
    """What a kiosk rates after a self-service transaction: the case the platform gave it, with its matter
    (anything with ``code``, ``version`` and ``department``: a ``MatterRef``, a catalogue ``Matter``)."""
    version = getattr(matter, "version", "") or None
    return RatingSubject(department=matter.department, case_number=case_number,
                         matter_code=matter.code if version else None, matter_version=version)


class RatingPresenter:
    def __init__(self, desk: RatingDesk, run: Runner, *, channel: RatingChannel, now: Callable[[], datetime],
                 monotonic: Callable[[], float] = time.monotonic, language: str = "zh_CN", offer_s: float = OFFER_S,
                 reasons_s: float = REASONS_S, thanks_s: float = THANKS_S, call_timeout_s: float = 8.0) -> None:
        """``now``: the hall's time, aware (``rated_at``); ``monotonic``: the clock of the timeouts."""
        self.desk = desk
        self._run = run
        self.channel = channel
        self.now = now
        self._monotonic = monotonic
        self.offer_s, self.reasons_s, self.thanks_s = offer_s, reasons_s, thanks_s
        self.call_timeout_s = call_timeout_s
        self.tr = Translator(language)
        self.language = language  # each offer starts in it (the citizen may switch for their own rating)
        self.events = EventHub()
        self.state = "idle"
        self.progress = ""
        self.staff: StaffCard | None = None
        self.reasons: tuple[Reason, ...] = ()
        self.subject: RatingSubject | None = None
        self.level: RatingLevel | None = None
        self.chosen: tuple[str, ...] = ()
        self.text = ""
        self.saved = False  # the thanks says "thank you" (True) or "could not be saved" (False)
        self.sending = False
        self.deadline: float | None = None
        self._rated: set[str] = set()

    # --- what the window around it says --------------------------------------------------------------

    def serve(self, staff: StaffCard | None) -> None:
        """Who serves at the window now (None: nobody logged in)."""
        self.staff = staff
        self.events.emit(Changed("staff"))

    def load_photo(self, fetch) -> None:
        """Fetches the photo of the clerk shown (``fetch()``: bytes or None) on the runner; the card takes it
        if the same clerk still serves. A silhouette stays when there is none or it cannot be fetched."""
        staff = self.staff
        if staff is None:
            return

        def loaded(photo: bytes | None) -> None:
            if photo and self.staff is not None and self.staff.staff_id == staff.staff_id:
                self.staff = StaffCard(staff.name, staff.staff_id, photo)
                self.events.emit(Changed("staff"))

        self._run(fetch, on_done=loaded, on_error=lambda e: log.info("staff photo unavailable: %r", e),
                  timeout_s=self.call_timeout_s)

    def load_reasons(self) -> None:
        """Fetches the hall's reason list on the runner (the reference cache: network, then disk)."""
        self._run(self.desk.reasons, on_done=self._reasons_loaded,
                  on_error=lambda e: log.warning("rating reasons unavailable: %r", e), timeout_s=self.call_timeout_s)

    def _reasons_loaded(self, reasons: tuple[Reason, ...]) -> None:
        self.reasons = tuple(reasons)
        self.events.emit(Changed("reasons"))

    def offer(self, subject: RatingSubject) -> bool:
        """Opens the levels for ``subject``, unless it was rated on this screen already (False). An offer still
        open is dropped first: nothing is recorded for it."""
        if subject.key in self._rated:
            return False
        if self.state in ("levels", "reasons") and not self.sending:
            self._close("skipped")
        self.subject, self.level, self.chosen, self.text = subject, None, (), ""
        self.sending = self.saved = False
        if self.tr.language != self.language:  # a new citizen: the screen's own language again
            self.set_language(self.language, default=False)
        self._go("levels", self.offer_s)
        self._progress("asking")
        return True

    # --- the citizen's touches -----------------------------------------------------------------------

    def choose(self, level: int) -> None:
        if self.state != "levels" or self.sending:
            return
        self.level = RatingLevel(level)
        if is_low(self.level):
            self._go("reasons", self.reasons_s)
        else:
            self._save()

    def back(self) -> None:
        """From the reasons back to the levels (the citizen changed their mind)."""
        if self.state == "reasons" and not self.sending:
            self.level, self.chosen = None, ()
            self._go("levels", self.offer_s)

    def toggle_reason(self, code: str) -> None:
        if self.state != "reasons" or self.sending or code not in {r.code for r in self.reasons}:
            return
        if code in self.chosen:
            self.chosen = tuple(c for c in self.chosen if c != code)
        elif len(self.chosen) < MAX_REASONS:
            self.chosen = (*self.chosen, code)
        self._go("reasons", self.reasons_s)

    def set_text(self, text: str) -> None:
        """The words typed so far; kept cleaned (``Changed("text")`` when the field must show the cleaned)."""
        cleaned = clean_text(text)
        self.text = cleaned
        self.touch()
        if cleaned != text:
            self.events.emit(Changed("text"))

    def can_send(self) -> bool:
        return self.state == "reasons" and not self.sending and bool(self.chosen)

    def send(self) -> None:
        if self.can_send():
            self._save()

    def skip(self) -> None:
        """The citizen does not rate: nothing is recorded."""
        if self.state in ("levels", "reasons") and not self.sending:
            self._close("skipped")
        elif self.state == "thanks":
            self._go("idle", None)

    def touch(self) -> None:
        """Any touch on the open screen starts its wait again."""
        if self.state == "levels":
            self.deadline = self._monotonic() + self.offer_s
        elif self.state == "reasons":
            self.deadline = self._monotonic() + self.reasons_s

    def tick(self) -> None:
        """The window's timer: an offer nobody touched closes (skipped), the thanks goes."""
        if self.deadline is None or self.sending or self._monotonic() < self.deadline:
            return
        if self.state == "thanks":
            self._go("idle", None)
        elif self.state in ("levels", "reasons"):
            self._close("skipped")

    # --- saving ------------------------------------------------------------------------------------

    def _save(self) -> None:
        subject, level = self.subject, self.level
        assert subject is not None and level is not None
        rating = Rating(channel=self.channel, level=level, rated_at=self.now().isoformat(timespec="seconds"),
                        department=subject.department, case_number=subject.case_number,
                        ticket_number=subject.ticket_number, matter_code=subject.matter_code,
                        matter_version=subject.matter_version, service=subject.service, window=subject.window,
                        clerks=subject.clerks, reasons=self.chosen if is_low(level) else (),
                        text=self.text if is_low(level) else "")
        self.sending = True
        self.events.emit(Changed("state"))
        self._run(self.desk.record, rating, on_done=lambda _id: self._saved(subject, True),
                  on_error=lambda e: self._saved(subject, False, e), timeout_s=self.call_timeout_s)

    def _saved(self, subject: RatingSubject, ok: bool, error: BaseException | None = None) -> None:
        self.sending = False
        self.saved = ok
        if ok:
            self._rated.add(subject.key)
        else:
            log.warning("a rating could not be saved: %r", error)
        if self.subject is subject:
            self.chosen, self.text = (), ""
            self._go("thanks", self.thanks_s)
        self._progress("done" if ok else "failed")

    def _close(self, progress: str) -> None:
        self.subject, self.level, self.chosen, self.text = None, None, (), ""
        self._go("idle", None)
        self._progress(progress)

    def _go(self, state: str, wait_s: float | None) -> None:
        self.state = state
        self.deadline = None if wait_s is None else self._monotonic() + wait_s
        self.events.emit(Changed("state"))

    def _progress(self, progress: str) -> None:
        self.progress = progress
        self.events.emit(Changed("progress"))

    # --- what the screen shows -----------------------------------------------------------------------

    def set_language(self, language: str, *, default: bool = True) -> None:
        """The screen's language (``default``: from now on, as the window's switch does; else only until the
        next offer, as the citizen's own switch on the rating does)."""
        if default:
            self.language = language
        self.tr = Translator(language)
        self.touch()
        self.events.emit(Changed("language"))

    def switch_language(self) -> None:
        """The citizen's switch on the rating (中文 ↔ English), for this rating only."""
        self.set_language("en" if self.tr.language == "zh_CN" else "zh_CN", default=False)

    def level_options(self) -> tuple[tuple[int, str], ...]:
        """The five levels, 非常满意 5 first: (value, words)."""
        return tuple((int(level), self.tr(f"rating.level.{int(level)}")) for level in LEVELS)

    def reason_options(self) -> tuple[tuple[str, str, bool], ...]:
        """The hall's reasons: (code, words in the screen's language, chosen)."""
        return tuple((r.code, r.display(self.tr.language), r.code in self.chosen) for r in self.reasons)

    def staff_lines(self) -> tuple[str, str]:
        """The pad's card: who serves (name, staff number), or that the window is not serving."""
        if self.staff is None:
            return self.tr("rating.pad.closed"), ""
        return self.staff.name, self.tr("rating.pad.staff_number", staff=self.staff.staff_id)

    def thanks_text(self) -> str:
        return self.tr("rating.thanks" if self.saved else "rating.not_saved")

    def reasons_hint(self) -> str:
        """Above the reasons: pick at least one; or that the hall's list is not here (nothing can be sent)."""
        return self.tr("rating.reasons.pick" if self.reasons else "rating.reasons.unavailable")

    def progress_text(self) -> str:
        """What the clerk's screen says of the pad (never the level)."""
        return self.tr(f"rating.progress.{self.progress}") if self.progress else ""

    def seconds_left(self) -> int | None:
        if self.deadline is None:
            return None
        return max(0, int(self.deadline - self._monotonic() + 0.999))
