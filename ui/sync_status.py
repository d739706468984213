"""The sync status area (every role) and the outbox view (the clerk's and the technician's).

    status = SyncStatusWidget(engine, language="zh_CN")   # in a window's status bar
    tech = OutboxView(outbox_service(store, engine, actor), language="zh_CN")  # clerk and technician
    ...
    status.shutdown(); tech.shutdown()                     # in the window's closeEvent

``SyncStatusWidget`` shows online / offline / retrying / blocked, how many records wait and how old the
oldest is, the number of dead letters, and a progress bar while a backlog drains. It never touches the
store: the engine publishes its state, progress and outbox counts from its own thread (plain callbacks),
and ``SyncBridge`` re-emits them as Qt signals, which Qt queues to the GUI thread. A one-second timer only
re-renders the age of the oldest record from the last counts (it runs while the widget is visible).

``CitizenSyncNotice`` is the citizen kiosk's status area: small and calm, empty while the platform
answers, one line ("网络连接中断，取号不受影响") while it does not (the kiosk issues from its leased block
then, offline_cache/tickets.py); without offline numbers it says only that the network is down.
``status_bar(engine, language=…, parent=window)`` is how the clerk and display windows make the
``SyncStatusWidget`` at their bottom edge.

``OutboxView`` lists the records waiting and the dead letters with their reasons; a clerk or technician
can send a dead letter again or discard it, giving a reason that goes into the audit log. The widgets are
views: the rules are Qt-free presenters (core/presenters/sync.py ``SyncStatus``, core/presenters/outbox.py
``OutboxPresenter`` over ``core.services.outbox.OutboxAdminService``), and every store call runs on a
``ui.worker.Worker`` thread, never on the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.i18n import Translator
from core.ports.outbox import OutboxCounts, SyncProgress, SyncState
from core.presenters import Changed
from core.presenters.outbox import COLUMNS, OutboxPresenter, OutboxRow
from core.presenters.sync import SyncStatus, citizen_notice
from core.services.outbox import OutboxAdminService
from ui.worker import Worker

_STATE_COLOURS = {"online": "#1a7f37", "offline": "#9a6700", "retrying": "#9a6700", "blocked": "#cf222e"}


class SyncBridge(QObject):
    """The engine's callbacks (engine thread) as Qt signals (delivered queued on the GUI thread)."""

    state_changed = Signal(str, str)
    progress = Signal(object)
    counts = Signal(object)

    def __init__(self, engine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._closed = False
        self._unsubscribe = engine.subscribe(on_state=self._state, on_progress=self._progress,
                                             on_counts=self._counts)

    def _emit(self, signal, *args) -> None:
        if self._closed:
            return
        try:
            signal.emit(*args)
        except RuntimeError:  # the widget is gone
            pass

    def _state(self, state: SyncState, detail: str) -> None:
        self._emit(self.state_changed, str(state), detail)

    def _progress(self, progress: SyncProgress) -> None:
        self._emit(self.progress, progress)

    def _counts(self, counts: OutboxCounts) -> None:
        self._emit(self.counts, counts)

    def close(self) -> None:
        self._closed = True
        self._unsubscribe()


class SyncStatusWidget(QWidget):
    """A view over ``core.presenters.sync.SyncStatus``, fed by the engine's events."""

    def __init__(self, engine, *, language: str = "zh_CN", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.presenter = SyncStatus(state=str(engine.state), counts=engine.counts, progress=engine.progress,
                                    language=language)
        self.state_label = QLabel(self)
        self.state_label.setObjectName("syncState")
        self.waiting_label = QLabel(self)
        self.waiting_label.setObjectName("syncWaiting")
        self.dead_label = QLabel(self)
        self.dead_label.setObjectName("syncDead")
        self.bar = QProgressBar(self)
        self.bar.setObjectName("syncProgress")
        self.bar.setTextVisible(True)
        self.bar.setMaximumWidth(220)
        self.bar.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        for w in (self.state_label, self.waiting_label, self.bar, self.dead_label):
            layout.addWidget(w)
        layout.addStretch(1)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._render)
        self.bridge = SyncBridge(engine, self)
        self.bridge.state_changed.connect(self._on_state)
        self.bridge.progress.connect(self._on_progress)
        self.bridge.counts.connect(self._on_counts)
        self._render()

    @property
    def state(self) -> str:
        return self.presenter.state

    @property
    def counts(self) -> OutboxCounts | None:
        return self.presenter.counts

    def set_language(self, language: str) -> None:
        self.presenter.set_language(language)
        self._render()

    def _on_state(self, state: str, detail: str) -> None:
        self.presenter.state = state
        self.state_label.setToolTip(detail)
        self._render()

    def _on_progress(self, progress: SyncProgress) -> None:
        self.presenter.progress = progress
        self._render()

    def _on_counts(self, counts: OutboxCounts) -> None:
        self.presenter.counts = counts
        self._render()

    def waiting_text(self) -> str:
        return self.presenter.waiting_text()

    def _render(self) -> None:
        view = self.presenter.view()
        colour = _STATE_COLOURS.get(view.state, "#57606a")
        self.state_label.setText(f"<span style='color:{colour}'>●</span> " + view.state_text)
        self.waiting_label.setText(view.waiting_text)
        self.dead_label.setText(view.dead_text)
        self.dead_label.setVisible(bool(view.dead_text))
        if view.bar is not None:
            self.bar.setRange(0, view.bar.total)
            self.bar.setValue(view.bar.done)
            self.bar.setFormat(view.bar.text)
        self.bar.setVisible(view.bar is not None)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._timer.start()

    def hideEvent(self, event) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def shutdown(self) -> None:
        self._timer.stop()
        self.bridge.close()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)


class CitizenSyncNotice(QLabel):
    """The kiosk's status area: nothing while online; one calm line while offline (no counts, no ids)."""

    def __init__(self, engine, *, language: str = "zh_CN", offline_tickets: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("citizenSyncNotice")
        self.setProperty("role", "muted")
        self.tr_ = Translator(language)
        self.offline_tickets = offline_tickets
        # Before the engine's first probe its state means nothing: say nothing until it reports (the
        # counts are published with its first state).
        self.state = "online" if engine.counts is None else str(engine.state)
        self.bridge = SyncBridge(engine, self)
        self.bridge.state_changed.connect(self._on_state)
        # Counts come with every state change and after subscribing: they carry the engine's state too,
        # so a state announced before this widget listened is not missed.
        self.bridge.counts.connect(lambda _counts: self._on_state(str(engine.state), ""))
        self._render()

    @property
    def offline(self) -> bool:
        return self.state != "online"

    def set_language(self, language: str) -> None:
        self.tr_ = Translator(language)
        self._render()

    def _on_state(self, state: str, _detail: str) -> None:
        self.state = state
        self._render()

    def _render(self) -> None:
        self.setText(citizen_notice(self.tr_, self.state, offline_tickets=self.offline_tickets))
        self.setVisible(self.offline)

    def shutdown(self) -> None:
        self.bridge.close()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)


def status_bar(engine, *, language: str, parent: QWidget) -> SyncStatusWidget | None:
    """The clerk's and the display's status area over ``engine`` (None without an engine)."""
    if engine is None:
        return None
    widget = SyncStatusWidget(engine, language=language, parent=parent)
    widget.setProperty("role", "muted")
    return widget


class OutboxView(QWidget):
    """The outbox and its dead letters (the clerk's "未上传记录" window, the technician's outbox tab): a
    view over ``core.presenters.outbox.OutboxPresenter``, its store calls on a worker thread."""

    def __init__(self, service: OutboxAdminService, *, language: str = "zh_CN",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = Worker(self, name="sync-admin")
        self.presenter = OutboxPresenter(service, self.worker.run, language=language)
        tr = self.presenter.tr
        self.title = QLabel(tr("sync.tech.title"), self)
        self.outbox_label = QLabel(tr("sync.tech.outbox"), self)
        self.outbox = self._table()
        self.dead_label = QLabel(tr("sync.tech.dead"), self)
        self.dead = self._table()
        self.why = QLineEdit(self)
        self.why.setPlaceholderText(tr("sync.tech.why"))
        self.resend_button = QPushButton(tr("sync.tech.resend"), self)
        self.discard_button = QPushButton(tr("sync.tech.discard"), self)
        self.refresh_button = QPushButton(tr("sync.tech.refresh"), self)
        self.message = QLabel(self)
        self.resend_button.clicked.connect(lambda: self.presenter.resend(self.selected_dead_letter(), self.why.text()))
        self.discard_button.clicked.connect(lambda: self.presenter.discard(self.selected_dead_letter(),
                                                                           self.why.text()))
        self.refresh_button.clicked.connect(self.refresh)
        buttons = QHBoxLayout()
        for w in (self.why, self.resend_button, self.discard_button, self.refresh_button):
            buttons.addWidget(w)
        layout = QVBoxLayout(self)
        for w in (self.title, self.outbox_label, self.outbox, self.dead_label, self.dead):
            layout.addWidget(w)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self._unsubscribe = self.presenter.events.subscribe(self._on_change)
        self.refresh()

    def _table(self) -> QTableWidget:
        table = QTableWidget(0, len(COLUMNS), self)
        table.setHorizontalHeaderLabels(self.presenter.headers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        for column in range(len(COLUMNS) - 1):  # ids, kinds, states, ages, attempts: whole
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)  # the reason
        return table

    def refresh(self) -> None:
        self.presenter.refresh()

    def _on_change(self, change: Changed) -> None:
        if change.part == "rows":
            waiting, dead = self.presenter.rows()
            self._fill(self.outbox, waiting)
            self._fill(self.dead, dead)
        elif change.part == "decided":
            self.why.clear()
        elif change.part == "message":
            self.message.setText(self.presenter.message)

    @staticmethod
    def _fill(table: QTableWidget, rows: list[OutboxRow]) -> None:
        table.setRowCount(len(rows))
        for row, line in enumerate(rows):
            for column, value in enumerate(line.cells):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                item.setData(Qt.ItemDataRole.UserRole, line.record_id)
                table.setItem(row, column, item)

    def selected_dead_letter(self) -> str | None:
        items = self.dead.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def shutdown(self) -> None:
        self._unsubscribe()
        self.worker.shutdown()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)


def outbox_service(store, engine, actor: str) -> OutboxAdminService:
    """The outbox of ``store`` looked after by ``actor``; a decision wakes ``engine`` (may be None)."""
    return OutboxAdminService(store, actor=actor, retry_now=engine.retry_now if engine is not None else None)
