"""The clerk's window without Qt: the session, the ticket being served and the queue panel's rules.

``ClerkPresenter`` takes the clerk's intents (log in, the ten queue actions, a card on the window's
reader, a scanned code), runs every ``ClerkQueueService`` call through the window's ``Runner`` (one thread:
actions run in the order pressed) and publishes ``Changed`` events naming what to redraw:

- ``login``: the login message or the busy state changed; ``logged_in``: the login succeeded (clear the
  PIN, start refreshing, load the catalogue); ``login_done``: an attempt ended (clear the PIN);
- ``page``: login ↔ queue; ``status``: the window's status (current ticket, lists, counts);
- ``message``: the queue panel's message; ``choice``: a choice panel opened or closed;
- ``applicant``: the card on the window's reader changed; ``language``: redraw everything;
- ``finished``: a ticket was finished (``finished``; the rating pad offers a rating of it).

The rules: a login needs both a staff id and a PIN; a platform error is said in the clerk's words;
finishing asks for an outcome, transferring for a service or window (not this one), pausing for a reason
(resuming does not ask); calling back takes the selected held ticket, or the only one; when the platform
ends the session the window goes back to login and says so (not when the clerk logged out); a card counts
only while someone is logged in and is tied to the ticket being served; a scanned code goes to the
application page only while a ticket is served. The service day (a card's expiry) is the hall's date by
the terminal's clock (core/clock.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.domain import HallInfo, Identity, Outcome, Ticket, WindowStatus
from core.clock import hall_today
from core.i18n import Translator, keys_for
from core.ports import Clock, SystemClock
from core.presenters import Changed, Runner
from core.services.events import EventHub
from core.services.clerk_queue import ApplicantChanged, ClerkQueueService, ClerkUpdate, SessionChanged

log = logging.getLogger(__name__)

PAUSE_REASONS = ("break", "meeting", "consulting", "other")
OUTCOMES = tuple(Outcome)
ACTIONS_SAID = ("call_next", "call_number", "recall", "no_show", "finish", "hold", "transfer", "return_to_queue",
                "call_back", "pause", "resume")
CLERK_KEYS = (keys_for("ui.clerk.pause_reason.", PAUSE_REASONS), keys_for("ui.clerk.outcome.", Outcome),
              keys_for("ui.clerk.done.", ACTIONS_SAID))


@dataclass(frozen=True)
class Notice:
    text: str
    role: str  # notice, problem


@dataclass(frozen=True)
class Choice:
    """An inline choice: option buttons (text, what choosing it does), or a text field when ``on_text``."""

    title: str
    options: tuple[tuple[str, Callable[[], None]], ...] = ()
    on_text: Callable[[str], None] | None = None


@dataclass(frozen=True)
class TicketRow:
    number: str
    text: str


@dataclass(frozen=True)
class StatusView:
    window_state: str
    current_number: str
    current_detail: str
    waiting_title: str
    waiting: tuple[TicketRow, ...]
    held: tuple[TicketRow, ...]
    counts: str
    paused: bool


class ClerkPresenter:
    def __init__(self, service: ClerkQueueService, run: Runner, *, hall: HallInfo | None = None,
                 clock: Clock | None = None, language: str = "zh_CN", call_timeout_s: float = 8.0) -> None:
        self.service = service
        self._run = run
        self.hall = hall
        self.clock = clock or SystemClock()
        self.call_timeout_s = call_timeout_s
        self.tr = Translator(language)
        self.events = EventHub()
        self.page = "login"
        self.status: WindowStatus | None = None
        self.login_message: Notice | None = None
        self.login_busy = False
        self.message: Notice | None = None
        self.choice: Choice | None = None
        self.applicant: Identity | None = None
        self.finished: Ticket | None = None  # the ticket finished last (the rating pad offers a rating of it)
        self._pending = 0
        self._logging_out = False

    # --- the session -------------------------------------------------------------------------------

    @property
    def logged_in(self) -> bool:
        return self.service.session is not None

    def who(self) -> str:
        session = self.service.session
        if session is None:
            return ""
        return self.tr("ui.clerk.who", window=session.window, name=session.staff_name, staff=session.staff_id)

    def login(self, staff_id: str, pin: str) -> None:
        staff_id = staff_id.strip()
        if not staff_id or not pin:
            self._login_says(Notice(self.tr("ui.clerk.login_missing"), "problem"))
            return
        self.login_busy = True
        self._login_says(Notice(self.tr("ui.common.wait"), "notice"))
        self.run(self.service.login, staff_id, pin, on_done=self._logged_in, on_error=self._login_failed)

    def _logged_in(self, update: ClerkUpdate) -> None:
        self.login_busy = False
        self._logging_out = False
        self._login_says(None)
        self.events.emit(Changed("login_done"))
        self._go("queue")
        self._updated(update)
        self.events.emit(Changed("logged_in"))
        if self.hall is None:  # services and windows to transfer to
            self.run(self.service.hall, on_done=self._hall_loaded,
                     on_error=lambda e: log.warning("hall info unavailable: %r", e))

    def _hall_loaded(self, hall: HallInfo) -> None:
        self.hall = hall

    def _login_failed(self, error: BaseException) -> None:
        self.login_busy = False
        self.events.emit(Changed("login_done"))
        self._login_says(Notice(self.error_text(error), "problem"))

    def logout(self) -> None:
        self._logging_out = True
        self.run(self.service.logout, on_done=lambda _: self._to_login(), on_error=lambda _: self._to_login())

    def _to_login(self) -> None:
        self.status = None
        self.choice = None
        self.message = None
        self._go("login")
        self.events.emit(Changed("choice"))
        self.events.emit(Changed("message"))

    def on_service_event(self, event: Any) -> None:
        """An event of the service, delivered on the window's thread."""
        if isinstance(event, ApplicantChanged):
            self.applicant = event.identity
            self.events.emit(Changed("applicant"))
        elif isinstance(event, SessionChanged) and event.session is None and self.page == "queue":
            self._to_login()
            if not self._logging_out:  # the platform ended it, not the clerk
                self._login_says(Notice(self.tr("ui.clerk.session_ended"), "notice"))

    def close(self) -> None:
        """The window closes: the applicant's data leaves memory."""
        self.service.clear_applicant()

    # --- the queue ---------------------------------------------------------------------------------

    def act(self, name: str, *args: Any, **kwargs: Any) -> None:
        """Runs the service's action ``name`` (call_next, recall, no_show, hold, return_to_queue, finish,
        transfer, pause, resume, call_number, call_back)."""
        self._set_choice(None)
        self._say(None)
        self.run(getattr(self.service, name), *args, on_done=self._updated, on_error=self._failed, **kwargs)

    def refresh(self) -> None:
        """A periodic refresh: skipped while another call is under way or nobody is logged in."""
        if self._pending or self._logging_out or not self.logged_in:
            return
        self.run(self.service.refresh, on_done=self._refreshed, on_error=self._failed)

    def ask_outcome(self) -> None:
        options = tuple((self.tr(f"ui.clerk.outcome.{o.value}"), lambda o=o: self.act("finish", o))
                        for o in OUTCOMES)
        self._set_choice(Choice(self.tr("ui.clerk.choose_outcome"), options))

    def ask_transfer(self) -> None:
        options: list[tuple[str, Callable[[], None]]] = []
        if self.hall is not None:
            for service in self.hall.services:
                name = service.display_name(self.tr.language)
                text = self.tr("ui.clerk.to_service", prefix=service.prefix, name=name)
                options.append((text, lambda p=service.prefix: self.act("transfer", service_prefix=p)))
            for window in self.hall.windows:
                if window.number != self.service.window:
                    options.append((self.tr("ui.clerk.to_window", window=window.number),
                                    lambda w=window.number: self.act("transfer", window=w)))
        self._set_choice(Choice(self.tr("ui.clerk.choose_transfer"), tuple(options)))

    def pause_or_resume(self) -> None:
        if self.status is not None and self.status.paused:
            self.act("resume")
            return
        options = tuple((self.tr(f"ui.clerk.pause_reason.{r}"), lambda r=r: self.act("pause", r))
                        for r in PAUSE_REASONS)
        self._set_choice(Choice(self.tr("ui.clerk.choose_pause_reason"), options))

    def ask_number(self) -> None:
        self._set_choice(Choice(self.tr("ui.clerk.enter_number"), on_text=lambda n: self.act("call_number", n)))

    def call_back(self, selected: str | None) -> None:
        """Calls back the held ticket ``selected`` in the list, or the only one held."""
        held = self.status.held if self.status is not None else ()
        number = selected or (held[0].number if len(held) == 1 else None)
        if number is None:
            self._say(Notice(self.tr("ui.clerk.choose_held"), "notice"))
            return
        self.act("call_back", number)

    def cancel_choice(self) -> None:
        self._set_choice(None)

    # --- the applicant and the application ---------------------------------------------------------

    @property
    def current(self) -> Ticket | None:
        return self.status.current if self.status is not None else None

    def card(self, identity: Identity) -> None:
        """A card was read on the window's reader: kept for the ticket being served, if logged in."""
        if not self.logged_in:
            return  # nobody to serve: the card is not kept
        self.service.set_applicant(identity, self.current.number if self.current is not None else None)

    def takes_scan(self) -> bool:
        """A scanned code belongs to the ticket being served (none served: it is ignored)."""
        return self.logged_in and self.current is not None

    def service_day(self) -> date:
        """The hall's date by the terminal's clock (for a card's expiry)."""
        return hall_today(self.hall, self.clock)  # the hall's zone; China Standard Time until it is known

    # --- what the window shows ---------------------------------------------------------------------

    def set_language(self, language: str) -> None:
        self.tr = Translator(language)
        self.events.emit(Changed("language"))

    def error_text(self, error: BaseException) -> str:
        message = getattr(error, "message", None)
        return message("clerk", self.tr.language) if callable(message) else self.tr("error.unexpected")

    def ticket_line(self, ticket: Ticket, *, with_number: bool = True) -> str:
        parts = [ticket.number] if with_number else []
        parts.append(ticket.service_display_name(self.tr.language))
        if ticket.priority:
            parts.append(self.tr("ui.clerk.priority"))
        if ticket.appointment:
            parts.append(self.tr("ui.clerk.appointment"))
        return "  ".join(parts)

    def status_view(self) -> StatusView | None:
        status, t = self.status, self.tr
        if status is None:
            return None
        if status.paused:
            key = f"ui.clerk.pause_reason.{status.pause_reason}"
            state = t("ui.clerk.state_paused", reason=t(key) if t.has(key) else status.pause_reason)
        else:
            state = t("ui.clerk.state_open")
        current = status.current
        waiting = status.waiting_count or len(status.waiting)
        return StatusView(
            window_state=state,
            current_number=current.number if current else "—",
            current_detail=self.ticket_line(current, with_number=False) if current else t("ui.clerk.nobody_called"),
            waiting_title=t("ui.clerk.waiting", n=waiting),
            waiting=tuple(TicketRow(x.number, self.ticket_line(x)) for x in status.waiting),
            held=tuple(TicketRow(x.number, self.ticket_line(x)) for x in status.held),
            counts=t("ui.clerk.counts", served=status.served_today, no_show=status.no_show_today, waiting=waiting),
            paused=status.paused)

    # --- internals ---------------------------------------------------------------------------------

    def run(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None],
            on_error: Callable[[BaseException], None], **kwargs: Any) -> None:
        self._pending += 1

        def done(result: Any) -> None:
            self._pending -= 1
            on_done(result)

        def failed(error: BaseException) -> None:
            self._pending -= 1
            on_error(error)

        self._run(fn, *args, on_done=done, on_error=failed, timeout_s=self.call_timeout_s, **kwargs)

    def _refreshed(self, status: WindowStatus) -> None:
        self.status = status
        self.events.emit(Changed("status"))

    def _updated(self, update: ClerkUpdate) -> None:
        if update.status is not None:
            self._refreshed(update.status)
        if update.action == "finish" and update.ticket is not None:
            self.finished = update.ticket
            self.events.emit(Changed("finished"))
        t = self.tr
        if update.action == "call_next" and update.ticket is None:
            self._say(Notice(t("ui.clerk.nobody_waiting"), "notice"))
        elif update.action != "login" and update.ticket is not None:
            self._say(Notice(t(f"ui.clerk.done.{update.action}", number=update.ticket.number), "notice"))
        elif update.action in ("pause", "resume"):
            self._say(Notice(t(f"ui.clerk.done.{update.action}", number=""), "notice"))

    def _failed(self, error: BaseException) -> None:
        log.info("clerk action failed: %r", error)
        self._say(Notice(self.error_text(error), "problem"))

    def _go(self, page: str) -> None:
        self.page = page
        self.events.emit(Changed("page"))

    def _say(self, notice: Notice | None) -> None:
        self.message = notice
        self.events.emit(Changed("message"))

    def _login_says(self, notice: Notice | None) -> None:
        self.login_message = notice
        self.events.emit(Changed("login"))

    def _set_choice(self, choice: Choice | None) -> None:
        self.choice = choice
        self.events.emit(Changed("choice"))
