"""The kiosk's rating, tied to its self-service transaction without Qt (docs/evaluation.md, "The terminals'
rating screens").

``ApplyLink`` listens to the kiosk's 自助申报 (``core.presenters.pre_application.PreApplicationPresenter``) and
drives the kiosk's ``RatingPresenter``: once the slip is done — printed, or not (paper out, no printer: the
page under the rating keeps its words and its reprint) — with the case number the platform gave, the kiosk
offers the rating of that case (its matter and department from the guide). Without a case number (the
platform did not answer within the slip's wait) it does not ask: a rating names a case the platform holds.
One offer per case: a reprint does not ask again.
"""

from __future__ import annotations

from core.presenters import Changed
from core.presenters.rating import RatingPresenter, case_subject
from core.services.intake import matter_ref


class ApplyLink:
    def __init__(self, flow, rating: RatingPresenter) -> None:
        """``flow``: the kiosk's ``PreApplicationPresenter`` (its ``events``, ``printed``, ``case_number``,
        ``guide``)."""
        self.flow = flow
        self.rating = rating
        self.unsubscribe = flow.events.subscribe(self._on_flow)

    def _on_flow(self, change: Changed) -> None:
        flow = self.flow
        if change.part != "slip" or flow.printed is None:
            return
        if flow.case_number and flow.guide is not None:
            self.rating.offer(case_subject(flow.case_number, matter_ref(flow.guide)))
