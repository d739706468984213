"""What the citizen kiosk says as its presenter moves (docs/voice.md, "What the kiosk says").

``CitizenVoiceLink`` follows ``CitizenPresenter.events`` (core/presenters/citizen_view.py) and tells the
``VoiceGuide`` (core/services/voice_guide.py): each page's arrival ("voice.page.<page>"; the confirm page
with the chosen service's name, when ``ConfirmShown`` comes just before it; the problem page with the
message the screen shows, from ``ProblemShown``), the number once it is issued
(``TicketShown``; a later change of its print state is not read again), nothing for the busy page's
repeats. The window calls ``reset`` when the idle timeout ends a session: the next person starts with the
voice as the terminal's default has it.
"""

from __future__ import annotations

from collections.abc import Callable

from core.domain import Service
from core.i18n import Translator
from core.presenters import citizen_view as view
from core.services.events import EventHub
from core.services.voice_guide import VoiceGuide


class CitizenVoiceLink:
    def __init__(self, guide: VoiceGuide, events: EventHub, language: Callable[[], str]) -> None:
        self.guide = guide
        self.language = language
        self._service: Service | None = None
        self._ticket: tuple[str, str] | None = None
        self._problem = ""  # the problem page's message, as the screen shows it
        self.unsubscribe = events.subscribe(self.on_event)

    def on_event(self, event: object) -> None:
        if isinstance(event, view.ConfirmShown):
            self._service = event.service
        elif isinstance(event, view.ProblemShown):
            self._problem = event.message.render(Translator(self.language()))
        elif isinstance(event, view.TicketShown):
            ticket = event.issued.ticket
            if (ticket.number, event.issued.request_id) != self._ticket:
                self._ticket = (ticket.number, event.issued.request_id)
                self.guide.ticket(ticket)
        elif isinstance(event, view.SessionEnded):
            self._ticket = self._service = self.guide.last_ticket = None
        elif isinstance(event, view.PageChanged):
            self._page(event.page)

    def _page(self, page: view.Page) -> None:
        if page is view.Page.RESULT:
            self.guide.current_page, self.guide.current_params = page.value, {}  # ``ticket`` has read it
            return
        if page is view.Page.BUSY and self.guide.current_page == page.value:
            return
        params = {}
        if page is view.Page.CONFIRM and self._service is not None:
            params["service"] = self._service.display_name(self.language())
        if page is view.Page.PROBLEM:
            params["detail"] = self._problem
        self.guide.page(page.value, **params)

    def reset(self) -> None:
        self._ticket = self.guide.last_ticket = None
        self.guide.reset()
