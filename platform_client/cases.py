"""Client of the clerk's side of cases (hall_server/api/cases.py): a pre-application to review, withdrawal,
and the moves after acceptance (review, decision, result ready, collected).

    cases = CasesClient(platform_client)                  # shares its session, signing and errors
    pre = cases.pre_application(session, "32010020261123000001")   # by case number, or by the record id
    pre = cases.pre_application(session, code.fields["record_id"])  #  the slip's HALL:P: code carries
    pre.matter_code, pre.version, pre.outdated, pre.form             # review instead of retyping
    case = cases.withdraw(session, number, "申请人要求撤回")         # the case, with its history
    cases.review(session, number); cases.decide(session, number, "refused", reason="…")
    cases.result_ready(session, number, "window", window=3); cases.collected(session, number, "proxy")

Both need a logged-in clerk (``ClerkSession`` from ``PlatformClient.login``). A case by its number is
``AppointmentsClient.case`` (the kiosk's 办件查询). Numbers are checked against their exact shape before
anything is sent. Form data is personal data: it is never logged.
"""

from __future__ import annotations

import re
from typing import Any

from core import wire as parse
from core.domain import ClerkSession
from core.domain.appointments import Case, PreApplication
from core.domain.codes import RECORD_ID
from core.errors import PlatformRejected
from platform_client.appointments import _case
from platform_client.client import PlatformClient


def _check_number(number: str) -> None:
    if len(number) != 20 or not number.isascii() or not number.isdigit():
        raise PlatformRejected("not a case number", reason="invalid_request")


def _materials(value: Any) -> dict[str, int]:
    out = {}
    for i, item in enumerate(value):
        o = parse.Obj(item, f"materials[{i}]")
        out[o.str("id")] = o.int("pages")
    return out


def _pre_application(payload: Any) -> PreApplication:
    o = parse.Obj(payload, "answer")
    attachments = o.list("attachments")
    if not all(isinstance(a, str) for a in attachments):
        raise parse.BadAnswer("answer.attachments: expected strings")
    return PreApplication(case=_case(o._get("case", dict)), matter_code=o.str("matter_code"),
                          version=o.str("version"), current_version=o._get("current_version", str, optional=True),
                          form=o._get("form", dict), materials=_materials(o.list("materials")),
                          submitted_at=o.datetime("submitted_at"), attachments=tuple(attachments))


_RECORD_ID = re.compile(RECORD_ID, re.ASCII)


class CasesClient:
    def __init__(self, client: PlatformClient) -> None:
        self._client = client

    def pre_application(self, session: ClerkSession, code: str) -> PreApplication:
        """The 自助申报 behind a slip: ``code`` is its case number or the kiosk's record id (the slip's
        ``HALL:P:`` code). ``PlatformRejected`` ``not_found`` for a code nobody issued, or a record the kiosk
        has not synced yet."""
        if not (isinstance(code, str) and _RECORD_ID.fullmatch(code)):
            _check_number(code)
        payload = self._client._request("GET", f"/v1/applications/pre/{code}", session=session)
        return self._client._parse("pre-application", _pre_application, payload)

    def withdraw(self, session: ClerkSession, number: str, reason: str) -> Case:
        """Withdraws a case that is not finished; ``PlatformConflict`` ``wrong_state`` otherwise."""
        _check_number(number)
        payload = self._client._request("POST", f"/v1/cases/{number}/withdraw", body={"reason": reason},
                                        session=session)
        return self._client._parse("withdraw", lambda p: _case(parse.Obj(p, "answer")._get("case", dict)), payload)

    def _move(self, session: ClerkSession, number: str, step: str, body: dict) -> Case:
        _check_number(number)
        payload = self._client._request("POST", f"/v1/cases/{number}/{step}", body=body, session=session)
        return self._client._parse(step, lambda p: _case(parse.Obj(p, "answer")._get("case", dict)), payload)

    def review(self, session: ClerkSession, number: str) -> Case:
        """accepted → in_review. A move the case's state does not allow: ``PlatformConflict`` ``wrong_state``;
        the same move again answers the case as it is (safe to resend)."""
        return self._move(session, number, "review", {})

    def decide(self, session: ClerkSession, number: str, decision: str, *, reason: str = "") -> Case:
        """in_review → ``approved``, or ``refused`` with the reason (shown to the applicant)."""
        body = {"decision": decision, **({"reason": reason} if reason else {})}
        return self._move(session, number, "decide", body)

    def result_ready(self, session: ClerkSession, number: str, method: str, *, window: int | None = None,
                     place: str = "") -> Case:
        """approved → ready_for_pickup: at a ``window`` (its number), in a ``locker`` (its name as ``place``),
        or ``post`` (the waybill number as ``place``)."""
        body = {"method": method, **({"window": window} if window is not None else {}),
                **({"place": place} if place else {})}
        return self._move(session, number, "result-ready", body)

    def collected(self, session: ClerkSession, number: str, collected_by: str) -> Case:
        """ready_for_pickup → picked_up, by the ``applicant`` or a ``proxy``."""
        return self._move(session, number, "collected", {"collected_by": collected_by})
