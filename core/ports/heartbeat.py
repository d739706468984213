"""Where a terminal's heartbeat goes (platform_client/heartbeat.py posts it to the hall server)."""

from __future__ import annotations

from typing import Any, Protocol


class HeartbeatLink(Protocol):
    def send_heartbeat(self, body: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """Posts one heartbeat (``Heartbeat.to_wire()``), waiting at most ``timeout_s``; the platform's
        answer. Raises ``PlatformError`` subclasses."""
        ...

    def close(self) -> None: ...
