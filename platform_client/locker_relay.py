"""Door commands relayed through the platform to the terminal that drives a locker's bus
(hall_server/api/locker_relay.py; docs/locker.md, "One master").

A pickup window without a bus of its own opens and reads the doors of its deposits through the terminal
that drives the locker's boards:

    doors = RelayedLocker(platform_client, session=lambda: service.session)
    doors.open_lock(1, 7)          # LockResult, as LockerBus answers it
    doors.door(1, 7)               # DoorState

and that terminal answers the commands (kiosk/locker_agent.py):

    relay = BusRelayClient(platform_client)
    for command in relay.commands(wait_s=10): relay.answer(command.id, {"opened": True, "status": 0x11})

Every call blocks (HTTP, long polls): on a worker, or the agent's own thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core import wire as parse
from core.domain import ClerkSession
from core.errors import DeviceNotFound, DeviceProtocolError, DeviceTimeout
from core.ports.locker import DoorState, LockResult
from platform_client.client import PlatformClient

POLL_WAIT_S = 5.0  # one long poll for a command's answer

_ERRORS = {"no_answer": DeviceTimeout, "protocol": DeviceProtocolError, "no_bus": DeviceNotFound}


@dataclass(frozen=True)
class RelayCommand:
    id: str
    locker: str
    board: int
    lock: int
    action: str  # open, door


class RelayedLocker:
    """The door operations of ``LockerPort`` (``LockerDoors``) for a window whose locker another terminal
    drives. A command not answered within ``answer_within_s`` (that terminal off or offline), and a bus
    that did not answer there, raise the ``DeviceError`` the bus itself would have raised."""

    def __init__(self, client: PlatformClient, *, session: Callable[[], ClerkSession | None],
                 answer_within_s: float = 12.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._session = session
        self.answer_within_s = answer_within_s
        self._monotonic = monotonic

    def open_lock(self, board: int, lock: int) -> LockResult:
        result = self._command(board, lock, "open")
        return LockResult(board, lock, result.bool("opened"), result.int("status"))

    def door(self, board: int, lock: int) -> DoorState:
        return self._command(board, lock, "door").enum("door", DoorState)

    def _command(self, board: int, lock: int, action: str) -> parse.Obj:
        asked = self._client._request("POST", "/v1/locker/doors", session=self._session(),
                                      body={"board": board, "lock": lock, "action": action})
        command = self._client._parse("door command", lambda p: parse.Obj(p, "answer").str("id"), asked)
        deadline = self._monotonic() + self.answer_within_s
        while True:
            wait = max(0.0, min(POLL_WAIT_S, deadline - self._monotonic()))
            payload = self._client._request("GET", f"/v1/locker/doors/{command}", query={"wait": f"{wait:.1f}"},
                                            extra_wait_s=wait)
            state = self._client._parse("door command", lambda p: parse.Obj(p, "answer").str("state"), payload)
            if state == "done":
                return self._client._parse("door command", _result, payload)
            if state == "expired" or self._monotonic() >= deadline:
                raise DeviceTimeout("the terminal driving the locker's bus did not answer", device="locker")


def _result(payload: Any) -> parse.Obj:
    result = parse.Obj(parse.Obj(payload, "answer")._get("result", dict), "result")
    error = result.opt_str("error")
    if error is not None:
        raise _ERRORS.get(error, DeviceTimeout)(f"the locker's bus: {error}", device="locker")
    return result


def _commands(payload: Any) -> list[RelayCommand]:
    out = []
    for i, value in enumerate(parse.Obj(payload, "answer").list("commands")):
        o = parse.Obj(value, f"commands[{i}]")
        out.append(RelayCommand(o.str("id"), o.str("locker"), o.int("board"), o.int("lock"), o.str("action")))
    return out


class BusRelayClient:
    """The side of the terminal that drives the bus: the commands waiting for it, and its answers."""

    def __init__(self, client: PlatformClient) -> None:
        self._client = client

    def commands(self, wait_s: float) -> list[RelayCommand]:
        payload = self._client._request("GET", "/v1/locker/bus", query={"wait": f"{wait_s:.1f}"}, extra_wait_s=wait_s)
        return self._client._parse("bus commands", _commands, payload)

    def answer(self, command: str, result: dict) -> None:
        self._client._request("POST", f"/v1/locker/bus/{command}", body=result)

    def close(self) -> None:
        self._client.close()
