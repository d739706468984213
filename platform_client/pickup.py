"""Client of result pickup (hall_server/api/pickup.py): the kiosk beside the locker, and the pickup window.

    kiosk = KioskPickupClient(platform_client)
    items = kiosk.by_id_card(identity.id_number)     # or kiosk.by_code("042917")
    kiosk.collected(items[0])                        # after the door was seen opened, then closed
    window = WindowPickupClient(platform_client)
    spot = window.deposit(session, number, Size.SMALL); window.deposited(session, number)

ID numbers and pickup codes are personal data: never logged (the client logs paths, not bodies).
"""

from __future__ import annotations

from typing import Any

from core import wire as parse
from core.domain import ClerkSession
from core.domain.appointments import Case
from core.domain.pickup import Compartment, DoorFault, PickupItem, ReadyCase, Size
from core.errors import PlatformRejected
from platform_client.appointments import _case
from platform_client.client import PlatformClient


def _compartment(o: parse.Obj) -> Compartment:
    return Compartment(tracking=o.str("tracking"), locker=o.str("locker"), locker_name=o.str("locker_name"),
                       number=o.int("number"), board=o.int("board"), lock=o.int("lock"), size=o.enum("size", Size))


def _items(payload: Any) -> list[PickupItem]:
    out = []
    for i, value in enumerate(parse.Obj(payload, "answer").list("items")):
        o = parse.Obj(value, f"items[{i}]")
        out.append(PickupItem(compartment=_compartment(o), grant=o.str("grant"), collector=o.str("collector"),
                              matter_name=o.str("matter_name"), matter_name_en=o.str("matter_name_en")))
    return out


def _case_answer(payload: Any) -> Case:
    return _case(parse.Obj(payload, "answer")._get("case", dict))


def _check_number(number: str) -> None:
    if len(number) != 20 or not number.isascii() or not number.isdigit():
        raise PlatformRejected("not a case number", reason="invalid_request")


class KioskPickupClient:
    def __init__(self, client: PlatformClient) -> None:
        self._client = client

    def by_id_card(self, id_number: str) -> list[PickupItem]:
        payload = self._client._request("POST", "/v1/locker/pickups", body={"id_number": id_number})
        return self._client._parse("pickups", _items, payload)

    def by_code(self, code: str) -> list[PickupItem]:
        if len(code) != 6 or not code.isascii() or not code.isdigit():
            raise PlatformRejected("a pickup code is six digits", reason="pickup_code_wrong")
        payload = self._client._request("POST", "/v1/locker/pickups", body={"code": code})
        return self._client._parse("pickups", _items, payload)

    def collected(self, item: PickupItem) -> Case:
        payload = self._client._request("POST", "/v1/locker/pickups/collected",
                                        body={"grant": item.grant, "opened": True, "closed": True})
        return self._client._parse("collected", _case_answer, payload)

    def fault(self, item: PickupItem, fault: DoorFault) -> None:
        self._client._request("POST", "/v1/locker/pickups/fault", body={"grant": item.grant, "fault": fault.value})


class WindowPickupClient:
    def __init__(self, client: PlatformClient) -> None:
        self._client = client

    def ready_for(self, session: ClerkSession, id_number: str) -> list[ReadyCase]:
        payload = self._client._request("POST", "/v1/pickup/ready", body={"id_number": id_number}, session=session)

        def parse_ready(p: Any) -> list[ReadyCase]:
            items = parse.Obj(p, "answer").list("items")
            return [ReadyCase(case=_case(parse.Obj(v, f"items[{i}]")._get("case", dict)),
                              collector=parse.Obj(v, f"items[{i}]").str("collector")) for i, v in enumerate(items)]
        return self._client._parse("ready", parse_ready, payload)

    def hand_over(self, session: ClerkSession, tracking: str, id_number: str,
                  authorisation: str | None = None) -> Case:
        _check_number(tracking)
        body = {"tracking": tracking, "id_number": id_number,
                **({"authorisation": authorisation} if authorisation else {})}
        payload = self._client._request("POST", "/v1/pickup/hand-over", body=body, session=session)
        return self._client._parse("hand-over", _case_answer, payload)

    def deposit(self, session: ClerkSession, tracking: str, size: Size) -> Compartment:
        _check_number(tracking)
        payload = self._client._request("POST", "/v1/locker/deposits", body={"tracking": tracking,
                                                                             "size": Size(size).value},
                                        session=session)
        return self._client._parse("deposit", lambda p: _compartment(
            parse.Obj(parse.Obj(p, "answer")._get("compartment", dict), "compartment")), payload)

    def deposited(self, session: ClerkSession, tracking: str) -> Case:
        _check_number(tracking)
        payload = self._client._request("POST", f"/v1/locker/deposits/{tracking}/closed", body={}, session=session)
        return self._client._parse("deposited", _case_answer, payload)

    def deposit_failed(self, session: ClerkSession, tracking: str, fault: DoorFault) -> None:
        _check_number(tracking)
        self._client._request("POST", f"/v1/locker/deposits/{tracking}/failed", body={"fault": fault.value},
                              session=session)
