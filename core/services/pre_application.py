"""Opening a 自助申报 at the clerk's window: the slip's code → the pre-application, its form data restored.

    desk = PreApplicationDesk(cases, session=lambda: clerk_queue.session)   # CasesClient, the clerk's login
    pre = desk.fetch(code.fields["record_id"])        # blocking (HTTP): on a worker
    values, dropped = restore(matter_form, pre.form)   # the data that still validates on the current form

The slip carries ``HALL:P:<record id>`` (core/domain/codes.py); the platform finds the pre-application by
that id once the kiosk has synced it, or by its case number. ``restore`` keeps each field whose value the
current form accepts and drops the others (a pre-application filled in on an older version of the form):
the clerk reviews the rest with the applicant. Form data is personal data: nothing of it is logged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from core.domain import ClerkSession
from core.domain.appointments import PreApplication
from core.errors import PlatformRejected
from core.ports.cases import PreApplicationSource
from core.services.forms import MatterForm


class PreApplicationDesk:
    def __init__(self, cases: PreApplicationSource, *, session: Callable[[], ClerkSession | None]) -> None:
        self.cases = cases
        self.session = session

    def fetch(self, code: str) -> PreApplication:
        """The pre-application by its case number or record id, with the clerk's session. Raises
        ``PlatformRejected`` (``not_logged_in`` with no clerk logged in, ``not_found``…) or
        ``PlatformUnreachable``. Blocking: on a worker."""
        session = self.session()
        if session is None:
            raise PlatformRejected("no clerk is logged in at this window", reason="not_logged_in")
        return self.cases.pre_application(session, code)


def restore(form: MatterForm, data: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``data``'s fields that the form knows and accepts, and the names of those left out (unknown to the
    current form, or a value it refuses). A field that is only missing is not a problem of the data."""
    values = {name: value for name, value in data.items() if name in form.fields}
    dropped = sorted(name for name in data if name not in form.fields)
    for _ in range(len(values) + 1):
        bad = {p.field for p in form.validate(values)
               if p.field in values and p.key != "form.problem.required"}
        if not bad:
            break
        for name in bad:
            values.pop(name, None)
        dropped += sorted(bad)
    return values, dropped
