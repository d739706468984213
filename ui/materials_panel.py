"""The clerk's application panel (受理): the matter, its checklist of materials, captures, and "accept".

    panel = MaterialsPanel(texts, service, catalogue, camera=camera)   # ApplicationService, MatterCatalogue
    panel.set_ticket("B012", "B")          # the ticket being served (its service's matters first)
    panel.on_scan(payload)                 # a scanned code (ScanSource.scanned): an e-licence ticks a material
    panel.finished.connect(finish)         # (Outcome, record id or "") once the submission is safely queued
    panel.shutdown()                       # worker joined, capture panel detached

How a material is provided (core/services/application.py ``Provision``): an e-licence code scanned; pages
captured with the document camera while the material is selected in the checklist (an ID-card copy for
identity materials: "身份证复印" in the capture panel); or the clerk ticks "原件已核验". Required materials
are marked ★; those still missing are listed under the checklist for the one-time notice (一次性告知).

"受理 Accept" runs ``ApplicationService.submit`` on the panel's worker (PDF export and the store's
transaction are CPU and disk): only when it returned is ``finished(ACCEPTED, record_id)`` emitted and the
clerk told "accepted". "一次性告知 Notice" emits ``finished(MATERIALS_MISSING, "")`` after showing the list.
The catalogue loads on the worker too (from the platform, or the cached copy offline). Captured images
stay in the ``MaterialSet`` in memory until they go into the encrypted store; the set is wiped for every
new ticket.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (QComboBox, QFrame, QHBoxLayout, QListWidget, QListWidgetItem, QPushButton,
                               QVBoxLayout, QWidget)

from core.domain import Outcome
from core.i18n import keys_for
from core.services.application import (Application, ApplicationService, Matter, MatterCatalogue,
                                        MatterListing, Provision)
from core.services.materials import MaterialSet
from ui.texts import Texts
from ui.widgets import Banner, button, label
from ui.worker import Worker

log = logging.getLogger(__name__)
PROVIDED_KEYS = keys_for("materials.provided.", Provision)


class MaterialsPanel(QFrame):
    finished = Signal(object, str)  # (Outcome, record id or "")
    _pages_changed = Signal()

    def __init__(self, texts: Texts, service: ApplicationService, catalogue: MatterCatalogue | None, *,
                 camera=None, window: int = 0, applicant=lambda: None, submit_timeout_s: float = 60.0,
                 parent: QWidget | None = None) -> None:
        """``applicant()``: the identity of the person at the window (ClerkQueueService.applicant) or None."""
        super().__init__(parent)
        self.setObjectName("materials-panel")
        self.texts = texts
        self.service = service
        self.catalogue = catalogue
        self.window = window
        self.applicant = applicant
        self.submit_timeout_s = submit_timeout_s
        self.worker = Worker(self, name="application")
        self.listing: MatterListing | None = None
        self.matters: list[Matter] = []
        self.app: Application | None = None
        self.ticket_number = ""
        self.service_prefix = ""
        self.materials = MaterialSet("", language=texts.language)
        self._closed = False
        self._busy = False

        t = texts
        self.title = label("", "subtitle")
        self.matter_box = QComboBox()
        self.matter_box.setObjectName("matter-box")
        self.matter_info = label("", "muted")
        self.catalogue_note = label("", "notice")
        self.catalogue_note.setObjectName("catalogue-note")
        self.checklist = QListWidget()
        self.checklist.setObjectName("material-checklist")
        self.original_button = t.bind(button("", name="original-checked"), "materials.action.original")
        self.clear_button = t.bind(button("", name="material-clear"), "materials.action.clear")
        for b in (self.original_button, self.clear_button):
            b.setProperty("compact", True)
        self.missing = label("", "notice")
        self.missing.setObjectName("missing-materials")
        self.message = Banner()
        self.message.setObjectName("materials-message")
        self.accept_button = t.bind(button("", "primary", name="accept"), "materials.action.accept")
        self.notice_button = t.bind(button("", name="notice"), "materials.action.notice")
        self.back_button = t.bind(button("", name="back-to-queue"), "materials.action.back")
        for b in (self.accept_button, self.notice_button, self.back_button):
            b.setProperty("compact", True)

        self.checklist.setWordWrap(True)
        self.catalogue_note.hide()
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.back_button)
        left = QVBoxLayout()
        for widget in (self.matter_box, self.matter_info, self.catalogue_note):
            left.addWidget(widget)
        left.addWidget(self.checklist, 1)
        row = QHBoxLayout()
        row.addWidget(self.original_button)
        row.addWidget(self.clear_button)
        left.addLayout(row)
        left.addWidget(self.missing)
        left.addWidget(self.message)
        actions = QHBoxLayout()
        for b in (self.accept_button, self.notice_button):
            actions.addWidget(b)
        left.addLayout(actions)
        left_host = QWidget()
        left_host.setLayout(left)
        left_host.setFixedWidth(440)
        left.setContentsMargins(0, 0, 0, 0)

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
        body.addWidget(capture_host, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addLayout(body, 1)

        self.matter_box.currentIndexChanged.connect(self._matter_chosen)
        self.original_button.clicked.connect(self.mark_original)
        self.clear_button.clicked.connect(self.clear_selected)
        self.accept_button.clicked.connect(self.accept)
        self.notice_button.clicked.connect(self.give_notice)
        self._pages_changed.connect(self._on_pages, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe = self.materials.subscribe(lambda _pages: self._emit_pages())
        t.changed.connect(lambda _language: self._refresh())
        self._refresh()

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
        self.materials.clear()

    def _emit_pages(self) -> None:
        try:
            self._pages_changed.emit()
        except RuntimeError:  # the panel is gone
            pass

    # --- the catalogue and the ticket ----------------------------------------------------------------

    def load_catalogue(self) -> None:
        """Asks for the matters on the worker (platform, or the cache offline)."""
        if self.catalogue is None or self._closed:
            return
        self.worker.run(self.catalogue.load, on_done=self._catalogue_loaded, on_error=self._catalogue_failed,
                        timeout_s=15.0)

    def _catalogue_loaded(self, listing: MatterListing) -> None:
        self.listing = listing
        if listing.stale:
            self.catalogue_note.setText(self.texts("materials.catalogue.stale", minutes=int(listing.age_s // 60)))
        else:
            self.catalogue_note.clear()
        self.catalogue_note.setVisible(listing.stale)
        self._fill_matters()

    def _catalogue_failed(self, error: BaseException) -> None:
        log.info("matter catalogue unavailable: %r", error)
        self.catalogue_note.setText(self.texts("materials.catalogue.unavailable"))
        self.catalogue_note.show()

    def set_ticket(self, number: str, service_prefix: str) -> None:
        """A new ticket at the window: a fresh application (the previous pages are wiped)."""
        if number == self.ticket_number:
            return
        self.ticket_number, self.service_prefix = number, service_prefix
        self.materials.clear()
        self._fill_matters()

    def _fill_matters(self) -> None:
        self.matters = self.listing.for_service(self.service_prefix) if self.listing else []
        self.matter_box.blockSignals(True)
        self.matter_box.clear()
        for m in self.matters:
            mark = "● " if m.service == self.service_prefix else ""
            self.matter_box.addItem(f"{mark}{m.display_name(self.texts.language)}  [{m.code}]")
        self.matter_box.blockSignals(False)
        self._matter_chosen(0 if self.matters else -1)

    def choose_matter(self, code: str) -> None:
        for i, m in enumerate(self.matters):
            if m.code == code:
                self.matter_box.setCurrentIndex(i)
                self._matter_chosen(i)

    @Slot(int)
    def _matter_chosen(self, index: int) -> None:
        if 0 <= index < len(self.matters):
            matter = self.matters[index]
            if self.app is None or self.app.matter.code != matter.code or self.app.ticket_number != self.ticket_number:
                self.app = Application(matter, self.ticket_number, self.window)
                self.materials.clear()
                self.materials.matter = matter.name  # the watermark: 仅供办理 <matter> 使用
        else:
            self.app = None
        self._refresh()
        if self.app is not None and self.app.matter.materials:
            self.checklist.setCurrentRow(0)

    # --- providing materials -------------------------------------------------------------------------

    def selected_material(self) -> str | None:
        item = self.checklist.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    @Slot(str)
    def on_scan(self, payload: str) -> None:
        """A scanned code (untrusted text): an e-licence ticks the material that asks for its type."""
        if self.app is None or self._closed:
            return
        result = self.service.scan(self.app, payload)
        if result.material is None:
            self.message.show_text(self.texts(result.message_key), "problem")
        else:
            self.message.show_text(self.texts(result.message_key, material=result.material.name), "notice")
        self._refresh()

    @Slot()
    def mark_original(self) -> None:
        material_id = self.selected_material()
        if self.app is not None and material_id is not None:
            self.app.mark(material_id, Provision.ORIGINAL)
            self._refresh()

    @Slot()
    def clear_selected(self) -> None:
        material_id = self.selected_material()
        if self.app is not None and material_id is not None:
            for page_id in self.app.pages.get(material_id, []):
                try:
                    self.materials.delete(page_id)
                except KeyError:
                    pass
            self.app.unmark(material_id)
            self._refresh()

    @Slot()
    def _on_pages(self) -> None:
        """Pages came or went in the capture panel: new ones belong to the selected material (an ID-card
        copy to the identity material when none is selected)."""
        if self.app is None or self._closed:
            return
        pages = self.materials.pages
        existing = {p.id for p in pages}
        self.app.drop_pages(existing)
        known = {i for ids in self.app.pages.values() for i in ids}
        new = [p for p in pages if p.id not in known]
        if new:
            target = self.selected_material()
            if target is None:
                target = next((m.id for m in self.app.matter.materials
                               if m.identity == any(p.kind == "id_copy" for p in new)), None)
            if target is None and self.app.matter.materials:
                target = self.app.matter.materials[0].id
            if target is not None:
                self.app.attach_pages(target, [p.id for p in new])
        self._refresh()

    # --- the checklist --------------------------------------------------------------------------------

    def _refresh(self) -> None:
        t = self.texts
        self.title.setText(t("materials.title", number=self.ticket_number or "—"))
        selected = self.selected_material()
        self.checklist.clear()
        app = self.app
        if app is None:
            self.matter_info.setText(t("materials.no_matter"))
            self.missing.clear()
            for b in (self.accept_button, self.notice_button, self.original_button, self.clear_button):
                b.setEnabled(False)
            return
        m = app.matter
        days = t("materials.days", n=m.promised_days) if m.promised_days is not None else ""
        self.matter_info.setText("  ".join(x for x in (m.department, days, m.fee) if x))
        for spec in m.materials:
            how = app.provided.get(spec.id)
            state = t(f"materials.provided.{how.value}", n=len(app.pages.get(spec.id, []))) if how else \
                t("materials.provided.none")
            star = "★ " if spec.required else ""
            item = QListWidgetItem(f"{'✔' if how else '☐'} {star}{spec.name} · {state}")
            item.setToolTip(spec.form + (f"（{spec.note}）" if spec.note else ""))
            item.setData(Qt.ItemDataRole.UserRole, spec.id)
            self.checklist.addItem(item)
            if spec.id == selected:
                self.checklist.setCurrentItem(item)
        missing = app.missing()
        if missing:
            self.missing.setText(t("materials.missing", list="、".join(x.name for x in missing)))
        else:
            self.missing.setText(t("materials.complete"))
        self.accept_button.setEnabled(not missing and not self._busy and bool(self.ticket_number))
        self.notice_button.setEnabled(bool(missing) and not self._busy and bool(self.ticket_number))
        self.original_button.setEnabled(True)
        self.clear_button.setEnabled(True)

    # --- accept / notice --------------------------------------------------------------------------------

    @Slot()
    def accept(self) -> None:
        """Queues the submission on the worker; "accepted" only once the store committed it."""
        if self.app is None or self._busy or self.app.missing():
            return
        self._busy = True
        self._refresh()
        self.message.show_text(self.texts("materials.saving"), "notice")
        app, identity = self.app, self.applicant()
        self.worker.run(self.service.submit, app, identity, self.materials, on_done=self._submitted,
                        on_error=self._submit_failed, timeout_s=self.submit_timeout_s)

    def _submitted(self, record_id: str) -> None:
        self._busy = False
        self.message.show_text(self.texts("materials.accepted", number=self.ticket_number), "notice")
        self._refresh()
        self.finished.emit(Outcome.ACCEPTED, record_id)

    def _submit_failed(self, error: BaseException) -> None:
        self._busy = False
        log.warning("submission not queued: %r", error)
        self.message.show_text(self.texts("materials.save_failed", problem=self.texts.error(error, "clerk")),
                               "problem")
        self._refresh()

    @Slot()
    def give_notice(self) -> None:
        """The one-time notice (一次性告知): the missing list stays on screen; the ticket ends with it."""
        if self.app is None or not self.app.missing():
            return
        self.message.show_text(self.texts("materials.notice_given",
                                          list="、".join(x.name for x in self.app.missing())), "notice")
        self.finished.emit(Outcome.MATERIALS_MISSING, "")
