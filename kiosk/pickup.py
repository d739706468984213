"""Wiring of result pickup (docs/pickup.md): the smart locker's bus and the platform's pickup API.

``build_pickup(terminal, cfg)`` gives a kiosk (``citizen``) or a pickup window (``clerk`` with
``[window] pickup = true``) whose ``[locker]`` names a port: ``terminal.locker`` (the ``LockerBus``,
started: it opens in the background and reconnects by itself) and ``terminal.pickup`` (``PickupOnFirstUse``:
the pickup client over the terminal's platform client, made at its first call). Without a locker a kiosk
has no 取件; a pickup window still hands results over at the counter.
"""

from __future__ import annotations

import threading

from core.config import Config
from kiosk.adapters import ConnectedOnFirstUse, build_locker


class PickupOnFirstUse:
    """``KioskPickupPort`` and ``WindowPickupPort`` (core/ports/pickup.py) over the terminal's platform
    client, made at the first call (on a worker), sharing its session and signing."""

    def __init__(self, platform) -> None:
        self._platform = platform
        self._kiosk = self._window = None
        self._lock = threading.Lock()

    def _clients(self):
        with self._lock:
            if self._kiosk is None:
                from platform_client.pickup import KioskPickupClient, WindowPickupClient

                client = self._platform.client() if isinstance(self._platform, ConnectedOnFirstUse) else self._platform
                self._kiosk, self._window = KioskPickupClient(client), WindowPickupClient(client)
            return self._kiosk, self._window

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        kiosk, window = self._clients()
        return getattr(kiosk if hasattr(kiosk, name) else window, name)


def build_pickup(terminal, cfg: Config) -> None:
    if cfg.role == "citizen" and not cfg.locker.configured:
        return
    terminal.pickup = PickupOnFirstUse(terminal.platform)
    locker = build_locker(cfg)
    if locker is not None:
        locker.start()
        terminal.locker = locker
