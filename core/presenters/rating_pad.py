"""The evaluation pad at a clerk's window, tied to the clerk's window without Qt (docs/evaluation.md, "The
terminals' rating screens").

``PadLink`` listens to the window's ``ClerkPresenter`` and drives the pad's ``RatingPresenter``: when a clerk
logs in the pad shows who serves (name, staff number; the staff photo when the platform gives one) and
fetches the hall's reasons; when the session ends an open offer closes and the pad says the window is not
serving; when the clerk finishes a ticket the pad offers a rating of that service act — the ticket, its
service and department, the window and the clerk evaluated. The clerk's window shows only the pad's
``progress_text()``; the level chosen never reaches it.
"""

from __future__ import annotations

from core.domain import Ticket
from core.presenters import Changed
from core.presenters.clerk import ClerkPresenter
from core.presenters.rating import RatingPresenter, RatingSubject, StaffCard


class PadLink:
    def __init__(self, clerk: ClerkPresenter, pad: RatingPresenter) -> None:
        self.clerk = clerk
        self.pad = pad
        self.unsubscribe = clerk.events.subscribe(self._on_clerk)

    def _on_clerk(self, change: Changed) -> None:
        if change.part == "logged_in":
            session = self.clerk.service.session
            if session is not None:
                self.pad.serve(StaffCard(session.staff_name, session.staff_id))
                self.pad.load_photo(self.clerk.service.staff_photo)
                self.pad.load_reasons()
        elif change.part == "page" and self.clerk.page == "login":
            self.pad.skip()
            self.pad.serve(None)
        elif change.part == "finished" and self.clerk.finished is not None:
            subject = self.subject(self.clerk.finished)
            if subject is not None:
                if not self.pad.reasons:  # the hall's list did not come at login: ask again
                    self.pad.load_reasons()
                self.pad.offer(subject)

    def subject(self, ticket: Ticket) -> RatingSubject | None:
        """What the pad rates for a finished ticket (None: nobody is logged in to be evaluated, or the hall,
        which names the service's department, has not been read yet)."""
        session, department = self.clerk.service.session, self._department(ticket)
        if session is None or not department:
            return None
        return RatingSubject(department=department, ticket_number=ticket.number,
                             service=ticket.service_prefix or None, window=session.window,
                             clerks=(session.staff_id,))

    def _department(self, ticket: Ticket) -> str:
        hall = self.clerk.hall
        if hall is None:
            return ""
        try:
            department = hall.service(ticket.service_prefix).department
        except KeyError:
            department = ""
        return department or hall.name
