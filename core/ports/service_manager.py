"""The service manager that runs a terminal or the hall server (systemd on a Debian install), as a port.

A program under a service manager tells it three things (sd_notify(3)): that it is ready (``READY=1``),
that it is still alive (``WATCHDOG=1``, at least once per watchdog interval), and that it is stopping
(``STOPPING=1``). The roof (kiosk/) chooses the adapter that speaks the protocol; the windows ping the
watchdog from the GUI thread's event loop, so a hung GUI thread stops the pings and the manager restarts
the program (docs/deployment.md, "The units").
"""

from __future__ import annotations

from typing import Protocol


class ServiceManager(Protocol):
    @property
    def watchdog_interval_s(self) -> float | None:
        """The interval within which the manager wants a ``watchdog()``; None: no watchdog for this process."""
        ...

    def ready(self, status: str = "") -> bool:
        """The program serves now (a terminal: its window takes input; the server: it listens).
        False when the message could not be delivered."""
        ...

    def watchdog(self) -> bool:
        """The program is alive. Never blocks: a message the manager cannot take at once is dropped."""
        ...

    def stopping(self, status: str = "") -> bool:
        """The program has begun to shut down."""
        ...
