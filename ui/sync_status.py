"""The sync status area (every role) and the technician's outbox view.

    status = SyncStatusWidget(engine, language="zh_CN")   # in a window's status bar
    tech = OutboxView(store, engine, language="zh_CN")     # in the technician window
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
``attach_status(window_layout, engine, …)`` is how the clerk and display windows put a
``SyncStatusWidget`` at their bottom edge.

``OutboxView`` lists the records waiting and the dead letters with their reasons; a technician can send a
dead letter again or discard it, giving a reason that goes into the audit log. Every store call runs on a
``ui.worker.Worker`` thread, never on the GUI thread.
"""

from __future__ import annotations

import getpass
import time

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

from core.i18n import Translator, keys_for
from core.ports.outbox import OutboxCounts, RecordKind, SyncProgress, SyncState
from ui.worker import Worker

# An outbox entry's states (offline_cache/store.py) and the other values shown by key.
SYNC_KEYS = (keys_for("sync.state.", SyncState), keys_for("sync.kind.", RecordKind),
             keys_for("sync.record_state.", ("queued", "inflight", "dead", "acked")))
_STATE_COLOURS = {"online": "#1a7f37", "offline": "#9a6700", "retrying": "#9a6700", "blocked": "#cf222e"}


def format_age(tr: Translator, seconds: float) -> str:
    seconds = max(0, int(seconds))
    for key, size in (("sync.age.days", 86400), ("sync.age.hours", 3600), ("sync.age.minutes", 60)):
        if seconds >= size:
            return tr(key, n=seconds // size)
    return tr("sync.age.seconds", n=seconds)


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
    def __init__(self, engine, *, language: str = "zh_CN", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.tr_ = Translator(language)
        self.state = str(engine.state)
        self.counts: OutboxCounts | None = engine.counts
        self.last_progress: SyncProgress | None = engine.progress
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

    def set_language(self, language: str) -> None:
        self.tr_ = Translator(language)
        self._render()

    def _on_state(self, state: str, detail: str) -> None:
        self.state = state
        self.state_label.setToolTip(detail)
        self._render()

    def _on_progress(self, progress: SyncProgress) -> None:
        self.last_progress = progress
        self._render()

    def _on_counts(self, counts: OutboxCounts) -> None:
        self.counts = counts
        self._render()

    def waiting_text(self) -> str:
        c = self.counts
        if c is None or c.waiting == 0:
            return self.tr_("sync.status.all_sent")
        text = self.tr_("sync.status.waiting", n=c.waiting)
        if c.oldest_created_at is not None:
            text += " · " + self.tr_("sync.status.oldest", age=format_age(self.tr_, time.time() - c.oldest_created_at))
        return text

    def _render(self) -> None:
        colour = _STATE_COLOURS.get(self.state, "#57606a")
        self.state_label.setText(f"<span style='color:{colour}'>●</span> " + self.tr_(f"sync.state.{self.state}"))
        self.waiting_label.setText(self.waiting_text())
        dead = self.counts.dead if self.counts else 0
        self.dead_label.setText(self.tr_("sync.status.dead", n=dead) if dead else "")
        self.dead_label.setVisible(bool(dead))
        p = self.last_progress
        draining = p is not None and p.records_total > 0 and p.records_done < p.records_total
        if draining:
            self.bar.setRange(0, p.records_total)
            self.bar.setValue(p.records_done)
            self.bar.setFormat(self.tr_("sync.status.draining", done=p.records_done, total=p.records_total))
        self.bar.setVisible(draining)

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
        key = "technician.status.citizen_offline" if self.offline_tickets else "technician.status.citizen_offline_only"
        self.setText(self.tr_(key) if self.offline else "")
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
    """The technician's view of the outbox and its dead letters."""

    COLUMNS = ("sync.tech.col.id", "sync.tech.col.kind", "sync.tech.col.state", "sync.tech.col.age",
               "sync.tech.col.attempts", "sync.tech.col.reason")

    def __init__(self, store, engine=None, *, language: str = "zh_CN", actor: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.engine = engine
        self.actor = actor or getpass.getuser()
        self.tr_ = Translator(language)
        self.worker = Worker(self, name="sync-admin")
        self.title = QLabel(self.tr_("sync.tech.title"), self)
        self.outbox_label = QLabel(self.tr_("sync.tech.outbox"), self)
        self.outbox = self._table()
        self.dead_label = QLabel(self.tr_("sync.tech.dead"), self)
        self.dead = self._table()
        self.why = QLineEdit(self)
        self.why.setPlaceholderText(self.tr_("sync.tech.why"))
        self.resend_button = QPushButton(self.tr_("sync.tech.resend"), self)
        self.discard_button = QPushButton(self.tr_("sync.tech.discard"), self)
        self.refresh_button = QPushButton(self.tr_("sync.tech.refresh"), self)
        self.message = QLabel(self)
        self.resend_button.clicked.connect(lambda: self._act("resend"))
        self.discard_button.clicked.connect(lambda: self._act("discard"))
        self.refresh_button.clicked.connect(self.refresh)
        buttons = QHBoxLayout()
        for w in (self.why, self.resend_button, self.discard_button, self.refresh_button):
            buttons.addWidget(w)
        layout = QVBoxLayout(self)
        for w in (self.title, self.outbox_label, self.outbox, self.dead_label, self.dead):
            layout.addWidget(w)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.refresh()

    def _table(self) -> QTableWidget:
        table = QTableWidget(0, len(self.COLUMNS), self)
        table.setHorizontalHeaderLabels([self.tr_(k) for k in self.COLUMNS])
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        for column in range(len(self.COLUMNS) - 1):  # ids, kinds, states, ages, attempts: whole
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(self.COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)  # the reason
        return table

    def refresh(self) -> None:
        def load():
            return self.store.entries(("queued", "inflight")), self.store.dead_letters()

        self.worker.run(load, on_done=self._show, on_error=self._failed, timeout_s=10.0)

    def _show(self, result) -> None:
        waiting, dead = result
        now = time.time()
        for table, entries in ((self.outbox, waiting), (self.dead, dead)):
            table.setRowCount(len(entries))
            for row, e in enumerate(entries):
                values = (e.record_id, self.tr_(f"sync.kind.{e.kind}"), self.tr_(f"sync.record_state.{e.state}"),
                          format_age(self.tr_, now - e.created_at), str(e.attempts), e.dead_reason or e.last_error)
                for column, value in enumerate(values):
                    item = QTableWidgetItem(value)
                    item.setToolTip(value)
                    item.setData(Qt.ItemDataRole.UserRole, e.record_id)
                    table.setItem(row, column, item)

    def selected_dead_letter(self) -> str | None:
        items = self.dead.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def _act(self, action: str) -> None:
        record_id = self.selected_dead_letter()
        why = self.why.text().strip()
        if record_id is None or not why:
            self.message.setText(self.tr_("sync.tech.why"))
            return
        fn = self.store.resend if action == "resend" else self.store.discard
        self.worker.run(lambda: fn(record_id, actor=self.actor, why=why), on_done=self._acted,
                        on_error=self._failed, timeout_s=10.0)

    def _acted(self, _result) -> None:
        self.why.clear()
        self.message.setText(self.tr_("sync.tech.done"))
        if self.engine is not None:
            self.engine.retry_now()
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        detail = exc.message("technician", self.tr_.language) if hasattr(exc, "message") else str(exc)
        self.message.setText(self.tr_("sync.tech.failed", detail=detail))

    def shutdown(self) -> None:
        self.worker.shutdown()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)
