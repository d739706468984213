"""Wiring of result pickup (docs/pickup.md): the smart locker's bus and the platform's pickup API.

``build_pickup(terminal, cfg)`` gives a kiosk (``citizen``) or a pickup window (``clerk`` with
``[window] pickup = true``) ``terminal.pickup`` (``PickupOnFirstUse``: the pickup client over the
terminal's platform client, made at its first call) and the locker:

- a terminal whose ``[locker]`` names a port drives the bus (an RS-485 bus has one master: docs/locker.md):
  ``terminal.locker`` is the ``LockerBus``, started (it opens in the background and reconnects by itself),
  and ``terminal.locker_agent`` answers the door commands other terminals relay to it through the platform
  (kiosk/locker_agent.py);
- a pickup window without ``[locker]`` opens and reads the doors of its deposits through that terminal:
  ``terminal.doors`` is a ``RelayedLocker`` (platform_client/locker_relay.py). A terminal with a bus uses
  it as its ``doors``.

Without a locker a kiosk has no 取件; a pickup window still hands results over at the counter.
"""

from __future__ import annotations

import threading

from core.config import Config
from kiosk.adapters import ConnectedOnFirstUse, build_locker


def _client_of(platform):
    """The terminal's ``PlatformClient`` (made now, on the caller's worker, when it is made on first use)."""
    return platform.client() if isinstance(platform, ConnectedOnFirstUse) else platform


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

                client = _client_of(self._platform)
                self._kiosk, self._window = KioskPickupClient(client), WindowPickupClient(client)
            return self._kiosk, self._window

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        kiosk, window = self._clients()
        return getattr(kiosk if hasattr(kiosk, name) else window, name)


class RelayedOnFirstUse:
    """``LockerDoors`` relayed through the platform (``RelayedLocker``), made at the first door command (on
    a worker) over the terminal's platform client; ``session()`` is the clerk's."""

    def __init__(self, platform, session) -> None:
        self._platform, self._session = platform, session
        self._doors = None
        self._lock = threading.Lock()

    def _relayed(self):
        with self._lock:
            if self._doors is None:
                from platform_client.locker_relay import RelayedLocker

                self._doors = RelayedLocker(_client_of(self._platform), session=self._session)
            return self._doors

    def open_lock(self, board: int, lock: int):
        return self._relayed().open_lock(board, lock)

    def door(self, board: int, lock: int):
        return self._relayed().door(board, lock)


def _relay_client(cfg: Config):
    """The bus agent's own platform client (its long polls never hold the window's connection)."""
    from platform_client import PlatformClient, transport
    from platform_client.locker_relay import BusRelayClient

    p = cfg.platform
    return BusRelayClient(PlatformClient(p.url, cfg.terminal_id, p.terminal_secret, timeout_s=p.timeout_s,
                                         tls=transport.Tls.of(p)))


def build_pickup(terminal, cfg: Config) -> None:
    if cfg.role == "citizen" and not cfg.locker.configured:
        return
    terminal.pickup = PickupOnFirstUse(terminal.platform)
    locker = build_locker(cfg)
    if locker is not None:
        locker.start()
        terminal.locker = terminal.doors = locker
        if cfg.platform.url and cfg.platform.terminal_secret:
            from kiosk.locker_agent import BusAgent

            terminal.locker_agent = BusAgent(locker, lambda: _relay_client(cfg)).start()
    elif cfg.role == "clerk":
        terminal.doors = RelayedOnFirstUse(terminal.platform, lambda: terminal.clerk.session)
