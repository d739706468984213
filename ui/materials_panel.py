"""The clerk's application page (一窗受理): search, the matter, its checklist and form, "accept", the receipt.

    panel = MaterialsPanel(texts, service, catalogue, camera=camera, clerk=..., papers=..., now=...)
    panel.set_ticket("B012", "B")          # the ticket being served (its service's matters first)
    panel.on_scan(payload)                 # a scanned code: an e-licence ticks a material, a slip opens a 自助申报
    panel.finished.connect(finish)         # (Outcome, record id) once the record is safely queued
    panel.shutdown()                       # worker joined, capture panel detached

Left: a search line over the whole catalogue (characters, pinyin, initials), the matter, its checklist
(required materials ★; "原件已核验", "清除该项", "容缺后补" for a material the guide lets follow, with its
due date), what is still missing, why "受理" is not possible yet, and after a save the case number and
the paper's fate (with "重新打印" on a printer fault). Middle: the matter's form (ui/form_view.py, normal
size), prefilled and locked from the ID card read at the window, problems under each field as the clerk
types. Right: the document camera's capture panel.

How a material is provided (core/services/application.py ``Provision``): an e-licence code scanned; pages
captured with the document camera while the material is selected in the checklist; or the clerk ticks
"原件已核验"; a 自助申报's pages were captured at the kiosk.

"受理" runs ``ApplicationService.accept`` on the panel's worker (PDF export and the store's transaction
are CPU and disk): only when it returned is ``finished(ACCEPTED, record_id)`` emitted and the clerk told;
"一次性告知" runs ``notify`` likewise (``finished(MATERIALS_MISSING, record_id)``); then the paper prints on
the worker. Captured images stay in the ``MaterialSet`` in memory until they go into the encrypted store;
the set is wiped for every new ticket.

The panel is a view: the application and its rules are ``ApplicationPresenter``'s
(core/presenters/application.py); the panel draws them and forwards the clerk's input.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (QComboBox, QFrame, QHBoxLayout, QListWidget, QListWidgetItem, QPushButton,
                               QSizePolicy, QSplitter, QVBoxLayout, QWidget)

from core.presenters.application import ApplicationPresenter, Finished
from core.services.application import Application, ApplicationService, Matter, MatterCatalogue, MatterListing
from core.services.materials import MaterialSet
from ui.application_page import FormColumn, MatterSearch, PaperBar, ProxyBox
from ui.texts import Texts
from ui.widgets import Banner, ColumnScroll, button, label
from ui.worker import Worker

log = logging.getLogger(__name__)

LEFT_MAX_W = 560  # the matter's column at its widest (its English buttons); the form and the camera share the rest


class MaterialsPanel(QFrame):
    finished = Signal(object, str)  # (Outcome, record id or "")
    _pages_changed = Signal()

    def __init__(self, texts: Texts, service: ApplicationService, catalogue: MatterCatalogue | None, *,
                 camera=None, window: int = 0, applicant=lambda: None, submit_timeout_s: float = 60.0,
                 parent: QWidget | None = None, **desk) -> None:
        """``applicant()``: the identity of the person at the window (ClerkQueueService.applicant) or None;
        ``desk``: the rest of ``ApplicationPresenter``'s keywords (``clerk``, ``papers``,
        ``pre_applications``, ``now``, ``calendar``, ``paper_wait_s``)."""
        super().__init__(parent)
        self.setObjectName("materials-panel")
        self.texts = texts
        self.worker = Worker(self, name="application")
        self.presenter = ApplicationPresenter(service, catalogue, self.worker.run, window=window,
                                              applicant=applicant, language=texts.language,
                                              submit_timeout_s=submit_timeout_s, **desk)
        self._closed = False
        self._build(texts, camera)
        for widget, key in ((self.matter_box, "ui.a11y.matter"), (self.checklist, "ui.a11y.checklist")):
            texts.bind(widget, key, setter="setAccessibleName")  # what a screen reader calls them
        self.matter_box.currentIndexChanged.connect(self._matter_chosen)
        self.search.query.connect(self.presenter.search)
        self.search.chosen.connect(self.choose_matter)
        self.original_button.clicked.connect(self.mark_original)
        self.clear_button.clicked.connect(self.clear_selected)
        self.follow_button.clicked.connect(self.toggle_follow)
        self.checklist.currentRowChanged.connect(lambda _row: self._enable_follow())
        self.accept_button.clicked.connect(self.accept)
        self.notice_button.clicked.connect(self.give_notice)
        self.paper.reprint.clicked.connect(self.presenter.reprint)
        self._pages_changed.connect(self._on_pages, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe = self.materials.subscribe(lambda _pages: self._emit_pages())
        self._unsubscribe_presenter = self.presenter.events.subscribe(self._on_change)
        texts.changed.connect(self.presenter.set_language)
        self._refresh()

    def _left_column(self) -> QWidget:
        """The matter, its checklist, proxies and what is missing, scrolling; the page's actions below."""
        left = QVBoxLayout()
        for widget in (self.search, self.matter_box, self.matter_info, self.catalogue_note):
            left.addWidget(widget)
        left.addWidget(self.checklist, 1)
        row = QHBoxLayout()
        row.addWidget(self.original_button)
        row.addWidget(self.clear_button)
        row.addWidget(self.follow_button)
        left.addLayout(row)
        for widget in (self.proxy_box, self.missing, self.message, self.paper):
            left.addWidget(widget)
        left_host = QWidget()
        left_host.setLayout(left)
        # As wide as its buttons need in the window's language (English needs more than Chinese), at least
        # 420 px; the form and the camera share the rest.
        left_host.setMinimumWidth(420)
        left_host.setMaximumWidth(LEFT_MAX_W)
        left_host.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        left.setContentsMargins(0, 0, 0, 0)
        # Scrolls when a banner or a two-line note makes it taller than a 768-line screen allows; the page's
        # actions stay below it, always in view.
        scroll = ColumnScroll(left_host)
        scroll.setObjectName("application-left")
        actions = QHBoxLayout()
        for b in (self.accept_button, self.notice_button):
            actions.addWidget(b)
        column = QWidget()
        box = QVBoxLayout(column)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(scroll, 1)
        box.addLayout(actions)
        column.setMaximumWidth(LEFT_MAX_W + scroll.bar_width())
        column.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        return column

    def _build(self, texts: Texts, camera) -> None:
        t = texts
        self.title = label("", "subtitle")
        self.search = MatterSearch(t)
        self.matter_box = QComboBox()
        self.matter_box.setObjectName("matter-box")
        self.matter_info = label("", "muted")
        self.catalogue_note = label("", "notice")
        self.catalogue_note.setObjectName("catalogue-note")
        self.checklist = QListWidget()
        self.checklist.setObjectName("material-checklist")
        self.original_button = t.bind(button("", name="original-checked"), "materials.action.original")
        self.clear_button = t.bind(button("", name="material-clear"), "materials.action.clear")
        self.follow_button = t.bind(button("", name="material-follow"), "application.action.follow")
        self.missing = label("", "notice")
        self.missing.setObjectName("missing-materials")
        self.missing.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.MinimumExpanding)  # its lines
        self.message = Banner()
        self.message.setObjectName("materials-message")
        self.paper = PaperBar(t)
        self.proxy_box = ProxyBox(t, self.presenter.proxies)
        self.form_column = FormColumn(t)
        self.accept_button = t.bind(button("", "primary", name="accept"), "materials.action.accept")
        self.notice_button = t.bind(button("", name="notice"), "materials.action.notice")
        self.back_button = t.bind(button("", name="back-to-queue"), "materials.action.back")
        for b in (self.original_button, self.clear_button, self.follow_button, self.accept_button,
                  self.notice_button, self.back_button):
            b.setProperty("compact", True)

        self.checklist.setWordWrap(True)
        self.checklist.setMinimumHeight(100)  # three rows at least, whatever the search shows above
        self.catalogue_note.hide()
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.back_button)
        left_host = self._left_column()

        self.capture = None
        if camera is not None:
            from ui.capture_panel import CapturePanel

            self.capture = CapturePanel(camera, self.materials, texts, self, compact=True)
            for b in self.capture.findChildren(QPushButton):
                b.setProperty("compact", True)  # a desktop window: 60 px targets
            self.capture.message.connect(lambda text: self.message.show_text(text, "notice"))
            capture_host: QWidget = self.capture
        else:
            capture_host = t.bind(label("", "muted"), "materials.no_camera")
        body = QHBoxLayout()
        body.addWidget(left_host)
        # The form and the camera share the rest; the clerk may move the line between them.
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.form_column)
        self.splitter.addWidget(capture_host)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([320, 560])  # in proportion once the page has its width
        body.addWidget(self.splitter, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addLayout(body, 1)


    # --- life cycle ------------------------------------------------------------------------------------

    def start_camera(self) -> None:
        if self.capture is not None and not self._closed:
            self.capture.start()

    def stop_camera(self) -> None:
        if self.capture is not None:
            self.capture.preview.stop()

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.capture is not None:
            self.capture.shutdown()
        self.worker.shutdown()
        self._unsubscribe()
        self._unsubscribe_presenter()
        self.presenter.close()

    def _emit_pages(self) -> None:
        try:
            self._pages_changed.emit()
        except RuntimeError:  # the panel is gone
            pass

    # --- the presenter's state ----------------------------------------------------------------------

    @property
    def materials(self) -> MaterialSet:
        return self.presenter.materials

    @property
    def app(self) -> Application | None:
        return self.presenter.app

    @property
    def matters(self) -> list[Matter]:
        return self.presenter.matters

    @property
    def listing(self) -> MatterListing | None:
        return self.presenter.listing

    @property
    def ticket_number(self) -> str:
        return self.presenter.ticket_number

    def _on_change(self, change) -> None:
        if self._closed:
            return
        if isinstance(change, Finished):
            self.finished.emit(change.outcome, change.record_id)
        elif change.part == "catalogue":
            self.catalogue_note.setText(self.presenter.catalogue_note)
            self.catalogue_note.setVisible(bool(self.presenter.catalogue_note))
        elif change.part == "matters":
            self.matter_box.blockSignals(True)
            self.matter_box.clear()
            self.matter_box.addItems(self.presenter.matter_names())
            self.matter_box.blockSignals(False)
        elif change.part == "hits":
            self.search.show_hits(self.presenter.hits, bool(self.search.line.text().strip()))
        elif change.part == "form":
            self.form_column.show_intake(self.presenter.intake)
        elif change.part == "paper":
            text, role = self.presenter.paper_text()
            self.paper.show_result(text, role, self.presenter.paper.can_reprint)
        elif change.part == "matter":
            index = self.presenter.index_of(self.app.matter.code) if self.app is not None else None
            self.matter_box.blockSignals(True)
            self.matter_box.setCurrentIndex(-1 if index is None else index)
            self.matter_box.blockSignals(False)
            if self.app is not None and self.app.matter.materials:
                self.checklist.setCurrentRow(0)
        elif change.part == "checklist":
            self._refresh()
        elif change.part == "proxies":
            self.proxy_box.refresh()
        elif change.part == "message" and self.presenter.message is not None:
            self.message.show_text(self.presenter.message.text, self.presenter.message.role)

    # --- the catalogue and the ticket ----------------------------------------------------------------

    def load_catalogue(self) -> None:
        """Asks for the matters on the worker (platform, or the cache offline)."""
        if not self._closed:
            self.presenter.load_catalogue()

    def set_ticket(self, number: str, service_prefix: str) -> None:
        """A new ticket at the window: a fresh application (the previous pages are wiped)."""
        self.presenter.set_ticket(number, service_prefix)

    def choose_matter(self, code: str) -> None:
        index = self.presenter.index_of(code)
        if index is not None:
            self.matter_box.blockSignals(True)
            self.matter_box.setCurrentIndex(index)
            self.matter_box.blockSignals(False)
            self.presenter.choose(index)

    @Slot(int)
    def _matter_chosen(self, index: int) -> None:
        self.presenter.choose(index)

    # --- providing materials -------------------------------------------------------------------------

    def selected_material(self) -> str | None:
        item = self.checklist.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    @Slot(str)
    def on_scan(self, payload: str) -> None:
        """A scanned code (untrusted text): an e-licence ticks the material that asks for its type."""
        if not self._closed:
            self.presenter.scan(payload)

    @Slot()
    def mark_original(self) -> None:
        self.presenter.mark_original(self.selected_material())

    @Slot()
    def clear_selected(self) -> None:
        self.presenter.clear_material(self.selected_material())

    @Slot()
    def toggle_follow(self) -> None:
        """容缺: the selected material is to follow (or no longer)."""
        self.presenter.toggle_follow(self.selected_material())

    def _enable_follow(self) -> None:
        self.follow_button.setEnabled(self.presenter.can_follow(self.selected_material()))

    @Slot()
    def _on_pages(self) -> None:
        """Pages came or went in the capture panel (the presenter decides which material they belong to)."""
        if not self._closed:
            self.presenter.pages_changed(self.selected_material())

    # --- the checklist --------------------------------------------------------------------------------

    def _fitting(self, text: str) -> str:
        """The list of missing materials when it fits in two lines of the narrow column; else how many are
        missing (the checklist above marks which, the tooltip lists them)."""
        missing = self.app.missing() if self.app is not None else []
        width = max(1, self.missing.width() or 380)
        if len(missing) < 2 or self.missing.fontMetrics().horizontalAdvance(text) <= 2 * width * 0.9:
            return text
        return self.texts("materials.missing_count", count=len(missing))

    def _refresh(self) -> None:
        view = self.presenter.checklist()
        self.title.setText(view.title)
        self.matter_info.setText(view.matter_info)
        selected = self.selected_material()
        self.checklist.clear()
        for row in view.rows:
            item = QListWidgetItem(row.text)
            item.setToolTip(row.tooltip)
            item.setData(Qt.ItemDataRole.UserRole, row.material_id)
            self.checklist.addItem(item)
            if row.material_id == selected:
                self.checklist.setCurrentItem(item)
        # What is missing, else why "accept" is not possible yet (the form, nobody at the window…).
        complete = view.missing == self.texts("materials.complete")
        text = view.accept_hint if complete and view.accept_hint else view.missing
        self.missing.setToolTip(text)
        self.missing.setText(self._fitting(text))
        self.accept_button.setToolTip(view.accept_hint)
        self.form_column.note_for(self.presenter.intake, view.form_note)
        self._enable_follow()
        self.accept_button.setEnabled(view.can_accept)
        self.notice_button.setEnabled(view.can_give_notice)
        self.original_button.setEnabled(view.can_edit)
        self.clear_button.setEnabled(view.can_edit)

    # --- accept / notice --------------------------------------------------------------------------------

    @Slot()
    def accept(self) -> None:
        """Queues the submission on the worker; "accepted" only once the store committed it."""
        self.presenter.accept()

    @Slot()
    def give_notice(self) -> None:
        """The one-time notice (一次性告知): the missing list stays on screen; the ticket ends with it."""
        self.presenter.give_notice()
