"""One shutdown shape for every window (ui/closing.py ``ClosingWindow``)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from ui.closing import ClosingWindow
from ui.worker import Worker


class Window(ClosingWindow, QWidget):
    """A window that starts a worker and a timer, and one more part whose stop fails."""

    def __init__(self, stopped: list[str]) -> None:
        super().__init__()
        self.worker = Worker(self, name="closing")
        self.at_shutdown(lambda: (self.worker.shutdown(), stopped.append("worker")))
        self.at_shutdown(self._broken_part)
        self.timer = QTimer(self)
        self.timer.start(1000)
        self.at_shutdown(lambda: (self.timer.stop(), stopped.append("timer")))

    def _broken_part(self) -> None:
        raise RuntimeError("the part could not stop")


def test_closing_stops_every_part_once_last_started_first_even_when_one_fails(qtbot, caplog):
    """GIVEN a window that started a worker, a part that fails to stop, then a timer
    WHEN it is closed THEN the timer stops first, the failure is logged, the worker still stops;
    WHEN it is closed or shut down again THEN nothing runs twice."""
    stopped: list[str] = []
    window = Window(stopped)
    qtbot.addWidget(window)
    window.show()
    with caplog.at_level(logging.ERROR, logger="ui.closing"):
        window.close()
    assert stopped == ["timer", "worker"] and window.closed
    assert not window.timer.isActive() and window.worker.run(lambda: None) == 0  # refuses after shutdown
    assert "_broken_part" in caplog.text
    window.shutdown()
    window.close()
    assert stopped == ["timer", "worker"]
