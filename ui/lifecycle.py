"""Every device's state changes as one Qt signal on the GUI thread, the same way for all of them.

Each device (ID-card reader, scanner, frame decoder, document camera, printers) and the sync engine has a
``lifecycle`` (core.ports.lifecycle) that publishes ``StateChange``s on the thread that made the change.
``LifecycleBridge`` subscribes to any number of them and re-emits every change as ``changed``, which Qt
delivers on the GUI thread (the bridge lives there: a queued connection); the device never waits for it.

    bridge = LifecycleBridge([terminal.idcard.lifecycle, terminal.camera.lifecycle], parent=window)
    bridge.changed.connect(window._on_device_state)   # StateChange(device, state, previous, detail)
    bridge.announce()                                  # each device's state now, from the event loop
    label.setText(state_text(texts, change.state))     # "就绪" / "Ready" …
    ...
    bridge.close()                                     # unsubscribed: nothing arrives after this

The bridge neither starts nor stops a device: the composition root (kiosk/app.py) owns their lives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, QTimer, Signal

from core.i18n import keys_for
from core.ports.lifecycle import Lifecycle, LifecycleState, StateChange

STATE_KEYS = keys_for("lifecycle.state.", LifecycleState)


def state_text(texts: Callable[..., str], state: LifecycleState) -> str:
    """What a person reads for a state, in the window's language (``texts``: ui.texts.Texts)."""
    return texts(f"lifecycle.state.{LifecycleState(state).value}")


class LifecycleBridge(QObject):
    changed = Signal(object)  # StateChange

    def __init__(self, lifecycles: Iterable[Lifecycle | None] = (), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._closed = False
        self._watched: list[Lifecycle] = []
        self._unsubscribers: list[Callable[[], None]] = []
        for lifecycle in lifecycles:
            self.watch(lifecycle)

    def watch(self, lifecycle: Lifecycle | None) -> None:
        """Adds one more device (None is ignored: a device that is not configured)."""
        if lifecycle is None or self._closed:
            return
        self._watched.append(lifecycle)
        self._unsubscribers.append(lifecycle.subscribe(self._forward))

    def states(self) -> dict[str, LifecycleState]:
        """Each watched device's state now, by device name."""
        return {lifecycle.device: lifecycle.state for lifecycle in self._watched}

    def announce(self) -> None:
        """Emits each device's state now (after the window connected its slots), from the event loop."""
        def emit_all() -> None:
            for lifecycle in list(self._watched):
                if self._closed:
                    return
                state = lifecycle.state
                self.changed.emit(StateChange(lifecycle.device, state, state))

        QTimer.singleShot(0, self, emit_all)

    def _forward(self, change: StateChange) -> None:  # on the device's thread: emit and return at once
        if self._closed:
            return
        try:
            self.changed.emit(change)
        except RuntimeError:  # the window is gone
            pass

    def close(self) -> None:
        self._closed = True
        unsubscribers, self._unsubscribers = self._unsubscribers, []
        for unsubscribe in unsubscribers:
            unsubscribe()
        self._watched.clear()
