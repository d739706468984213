"""Service events (plain callbacks on worker threads) re-emitted as a Qt signal on the GUI thread.

    bridge = EventBridge(service.events, parent=self)
    bridge.event.connect(self._on_service_event)      # runs on the GUI thread (queued)
    ...
    bridge.close()                                     # unsubscribes; no signal after this
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from core.services.events import EventHub


class EventBridge(QObject):
    event = Signal(object)

    def __init__(self, hub: EventHub, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._closed = False
        self._unsubscribe = hub.subscribe(self._forward)

    def _forward(self, event: Any) -> None:
        if self._closed:
            return
        try:
            self.event.emit(event)
        except RuntimeError:  # the window is gone
            pass

    def close(self) -> None:
        self._closed = True
        self._unsubscribe()
