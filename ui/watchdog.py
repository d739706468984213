"""The service manager's watchdog, pinged from the GUI thread's event loop.

``WatchdogPinger(manager)`` (a ``core.ports.service_manager.ServiceManager``) sends ``watchdog()`` every
half of the manager's interval from a QTimer on the GUI thread. A timer fires only while the event loop
runs, so a GUI thread blocked in a call, a deadlock or an endless loop sends nothing, and the manager
restarts the terminal after one interval (systemd's ``WatchdogSec=``, docs/deployment.md "The units").
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer


class WatchdogPinger(QObject):
    def __init__(self, manager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._manager = manager
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._ping)
        interval_s = manager.watchdog_interval_s
        self.enabled = bool(interval_s)
        if self.enabled:
            self._timer.setInterval(max(1, int(interval_s * 1000 / 2)))

    def start(self) -> None:
        """Pings now, then every half interval (nothing when the manager wants no watchdog)."""
        if self.enabled:
            self._ping()
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _ping(self) -> None:
        self._manager.watchdog()
