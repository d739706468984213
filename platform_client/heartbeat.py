"""The heartbeat's link to the hall server (implements core.ports.heartbeat.HeartbeatLink).

    link = HeartbeatClient(base_url, terminal_id, secret, tls=Tls.of(cfg.platform))
    link.send_heartbeat(heartbeat.to_wire(), timeout_s=5.0)   # POST /v1/fleet/heartbeat, signed

It owns a ``PlatformClient`` of its own (a client is not shared between threads; the heartbeat has its own
thread), so a heartbeat never waits behind a clerk's long request and never holds one up. Errors are the
platform client's (``PlatformUnreachable``, ``PlatformRejected`` …); nothing is retried: the sender drops a
heartbeat that could not be sent and the next one carries the newer state.
"""

from __future__ import annotations

from typing import Any

from core import wire
from platform_client.client import PlatformClient
from platform_client.transport import Tls

PATH = "/v1/fleet/heartbeat"


def _answer(payload: Any) -> dict[str, Any]:
    o = wire.Obj(payload, "answer")
    return {"accepted": o.bool("accepted"), "state": o.str("state")}


class HeartbeatClient:
    def __init__(self, base_url: str, terminal_id: str, secret: str, *, timeout_s: float = 5.0,
                 tls: Tls | None = None) -> None:
        self._client = PlatformClient(base_url, terminal_id, secret, timeout_s=timeout_s, tls=tls)

    def send_heartbeat(self, body: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """``{accepted, state}``: whether the server kept it (False: it holds a newer one), and the
        terminal's state there. ``PlatformUnreachable`` for an answer of another shape."""
        self._client.timeout_s = float(timeout_s)
        payload = self._client._request("POST", PATH, body=body)
        return self._client._parse("heartbeat", _answer, payload)

    def close(self) -> None:
        self._client.close()
