"""The capture panel: live preview, capture buttons and the page list of one set of materials.

    panel = CapturePanel(camera, materials, texts)   # DocumentCamera (started), MaterialSet, Texts
    panel.start()                                    # preview on; auto-capture as the toggle says
    panel.pdf_ready.connect(save_or_submit)          # bytes of the watermarked PDF, on the GUI thread
    ...
    panel.shutdown()                                 # also on close: detaches, joins its worker

Both the clerk window and the kiosk use it. Every camera call and every export runs on a ``ui.worker.Worker``
(capture may take a second at 5 MP); the page list changes only on the GUI thread, in the slots that get
those results. The ID-card copy is a two-step capture (photo side, then emblem side) that adds one A4 page.
What a picture becomes and the page list's texts are ``CaptureSteps``' rules (core/presenters/capture.py).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QThread, Signal, Slot
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListView,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.ports.camera import CapturedPage, Cleanup, DocumentCamera
from core.presenters.capture import CaptureSteps
from core.services.materials import Material, MaterialSet
from ui.camera_preview import CameraPreview, to_qimage
from ui.texts import Texts
from ui.worker import Worker

THUMB = QSize(120, 160)
SMALL_THUMB = QSize(60, 80)


class CapturePanel(QWidget):
    pdf_ready = Signal(bytes)
    message = Signal(str)  # a line for the status bar (captured, failed …)
    _materials_changed = Signal()

    def __init__(self, camera: DocumentCamera, materials: MaterialSet, texts: Texts,
                 parent: QWidget | None = None, *, capture_timeout_s: float = 6.0, compact: bool = False) -> None:
        """``compact``: controls and a row of thumbnails below a wide preview (the clerk's application
        page); otherwise a column of controls and the page list beside the preview."""
        super().__init__(parent)
        self.camera = camera
        self.materials = materials
        self.texts = texts
        self.capture_timeout_s = capture_timeout_s
        self._worker = Worker(self, name="camera")
        self.steps = CaptureSteps(materials, language=texts.language)
        self._thumbs: dict[int, QIcon] = {}
        self._thumb_size = THUMB

        self.preview = CameraPreview(camera, texts, self)
        self.preview.page_captured.connect(self._on_page)

        self.capture_button = texts.bind(QPushButton(), "camera.action.capture")
        self.auto_button = texts.bind(QPushButton(), "camera.action.auto")
        self.auto_button.setCheckable(True)
        self.auto_button.setChecked(True)
        self.bw_button = texts.bind(QPushButton(), "camera.action.bw")
        self.bw_button.setCheckable(True)
        self.id_button = texts.bind(QPushButton(), "camera.action.id_copy")
        self.retake_button = texts.bind(QPushButton(), "camera.action.retake")
        self.delete_button = texts.bind(QPushButton(), "camera.action.delete")
        self.up_button = texts.bind(QPushButton(), "camera.action.move_up")
        self.down_button = texts.bind(QPushButton(), "camera.action.move_down")
        self.pdf_button = texts.bind(QPushButton(), "camera.action.export_pdf")
        self.prompt = QLabel()
        self.prompt.setWordWrap(True)
        self.pages_title = QLabel()
        self.page_list = QListWidget()
        self.page_list.setIconSize(THUMB)
        self.page_list.setMinimumWidth(THUMB.width() + 120)

        self.capture_button.clicked.connect(self.capture)
        self.auto_button.toggled.connect(self._auto_toggled)
        self.bw_button.toggled.connect(self._auto_toggled)
        self.id_button.clicked.connect(self.start_id_copy)
        self.retake_button.clicked.connect(self.retake_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(+1))
        self.pdf_button.clicked.connect(self.export_pdf)
        self._materials_changed.connect(self._refresh_pages, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe = materials.subscribe(lambda _pages: self._emit_changed())
        texts.changed.connect(self._language_changed)
        self._lay_out(compact)
        self._refresh_pages()

    def _lay_out(self, compact: bool) -> None:
        edit = QGridLayout()
        for index, widget in enumerate((self.retake_button, self.delete_button, self.up_button, self.down_button)):
            edit.addWidget(widget, index // 2, index % 2)
        if compact:
            # Below the preview (the clerk's application page, beside its checklist): the buttons, then
            # the page list as a row of thumbnails beside the edit buttons, all under a wide preview.
            self.page_list.setFlow(QListView.Flow.LeftToRight)
            self.page_list.setWrapping(False)
            self.page_list.setIconSize(SMALL_THUMB)
            self.page_list.setMinimumWidth(0)
            self.page_list.setFixedHeight(SMALL_THUMB.height() + 44)
            self._thumb_size = SMALL_THUMB
            buttons = QGridLayout()  # two by two: whole labels in the column beside the form
            for index, widget in enumerate((self.capture_button, self.auto_button, self.bw_button, self.id_button)):
                buttons.addWidget(widget, index // 2, index % 2)
            # The pages' title on a line of its own (the list beside the edit buttons may be narrow), wrapped
            # rather than widening the column.
            self.pages_title.setWordWrap(True)
            controls = QHBoxLayout()
            controls.addWidget(self.page_list, 2)
            controls.addLayout(edit, 3)
            layout = QVBoxLayout(self)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(self.preview, 1)
            layout.addWidget(self.prompt)
            layout.addLayout(buttons)
            layout.addWidget(self.pages_title)
            layout.addLayout(controls)
            self.pdf_button.hide()  # the application takes the pages; no separate export here
        else:
            toggles = QGridLayout()  # two by two
            for index, widget in enumerate((self.capture_button, self.auto_button, self.bw_button, self.id_button)):
                toggles.addWidget(widget, index // 2, index % 2)
            side = QVBoxLayout()
            side.addLayout(toggles)
            for widget in (self.prompt, self.pages_title, self.page_list):
                side.addWidget(widget)
            side.addLayout(edit)
            side.addWidget(self.pdf_button)
            layout = QHBoxLayout(self)
            layout.addWidget(self.preview, 3)
            layout.addLayout(side, 1)

    # --- lifecycle -----------------------------------------------------------------------------------

    @property
    def cleanup(self) -> Cleanup:
        return Cleanup.BW if self.bw_button.isChecked() else Cleanup.COLOUR

    def start(self) -> None:
        self.preview.start(auto_capture=self.steps.auto_capture(self.auto_button.isChecked()), cleanup=self.cleanup)

    def shutdown(self) -> None:
        self.preview.stop()
        self._worker.shutdown()
        self._unsubscribe()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt name
        self.shutdown()
        super().closeEvent(event)

    def _emit_changed(self) -> None:
        """The set changed: redraw the list now on the GUI thread, or queue the redraw from any other."""
        try:
            if QThread.currentThread() == self.thread():
                self._refresh_pages()
            else:
                self._materials_changed.emit()
        except RuntimeError:  # the panel is gone
            pass

    # --- capturing ------------------------------------------------------------------------------------

    @Slot()
    def _auto_toggled(self) -> None:
        # Auto-capture pauses during the two steps of an ID-card copy: each side is taken on purpose.
        self.preview.set_auto_capture(self.steps.auto_capture(self.auto_button.isChecked()), self.cleanup)

    @Slot()
    def capture(self) -> None:
        """Manual capture: always available, whatever auto-capture is doing."""
        self.capture_button.setEnabled(False)
        cleanup = self.steps.cleanup(self.cleanup)
        self._worker.run(lambda: self.camera.capture(cleanup=cleanup, timeout_s=self.capture_timeout_s - 1.0),
                         on_done=self._on_page, on_error=self._on_capture_failed, timeout_s=self.capture_timeout_s)

    def _on_capture_failed(self, exc: BaseException) -> None:
        self.capture_button.setEnabled(True)
        self.message.emit(self.texts("camera.error.capture_failed"))

    @Slot(object)
    def _on_page(self, page: CapturedPage) -> None:
        self.capture_button.setEnabled(True)
        copying = self.steps.id_step != 0
        changed = self.steps.picture_taken(page.image)
        self.prompt.setText(self.steps.prompt())
        if not changed:
            return
        if copying:
            self._auto_toggled()
        self.message.emit(self.steps.captured_text())

    @Slot()
    def start_id_copy(self) -> None:
        self.steps.start_id_copy()
        self.prompt.setText(self.steps.prompt())
        self._auto_toggled()

    # --- the page list --------------------------------------------------------------------------------

    def _selected_id(self) -> int | None:
        item = self.page_list.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    @Slot()
    def retake_selected(self) -> None:
        page_id = self._selected_id()
        if page_id is not None:
            self.steps.retake(page_id)
            self.capture()

    @Slot()
    def delete_selected(self) -> None:
        page_id = self._selected_id()
        if page_id is not None:
            self.materials.delete(page_id)

    def move_selected(self, step: int) -> None:
        page_id = self._selected_id()
        if page_id is None:
            return
        self.steps.move(page_id, step)
        self._select(page_id)

    def _select(self, page_id: int) -> None:
        for row in range(self.page_list.count()):
            if int(self.page_list.item(row).data(Qt.ItemDataRole.UserRole)) == page_id:
                self.page_list.setCurrentRow(row)

    def _thumbnail(self, page: Material) -> QIcon:
        if page.id not in self._thumbs:
            image = to_qimage(page.image).scaled(self._thumb_size, Qt.AspectRatioMode.KeepAspectRatio,
                                                 Qt.TransformationMode.SmoothTransformation)
            self._thumbs[page.id] = QIcon(QPixmap.fromImage(image))
        return self._thumbs[page.id]

    def _language_changed(self, language: str) -> None:
        self.steps.set_language(language)
        self.prompt.setText(self.steps.prompt())
        self._refresh_pages()
        self._hold_labels()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self._hold_labels()  # the style sheet is applied by now: the labels' real widths
        super().showEvent(event)

    def _hold_labels(self) -> None:
        """No button narrower than its label in the current language: the theme's ``min-width`` is an explicit
        minimum, which a layout honours in place of the label's own width, so a squeezed column would clip
        "Move down" to "ve d". The column beside gives way instead. Only once shown: a panel not yet in its
        window would be polished with another style sheet (the application's) and measure wrong."""
        if not self.isVisible():
            return
        for b in self.findChildren(QPushButton):
            b.ensurePolished()
            b.setMinimumWidth(0)
            b.setMinimumWidth(b.sizeHint().width())

    @Slot()
    def _refresh_pages(self) -> None:
        selected = self._selected_id()
        pages = self.materials.pages
        self._thumbs = {k: v for k, v in self._thumbs.items() if k in {p.id for p in pages}}
        self.page_list.clear()
        for page, row in zip(pages, self.steps.page_rows(pages)):
            item = QListWidgetItem(self._thumbnail(page), row.text)
            item.setData(Qt.ItemDataRole.UserRole, row.page_id)
            self.page_list.addItem(item)
        self.pages_title.setText(self.steps.title())
        if selected is not None:
            self._select(selected)
        for button in (self.retake_button, self.delete_button, self.up_button, self.down_button, self.pdf_button):
            button.setEnabled(bool(pages))

    # --- export -----------------------------------------------------------------------------------------

    @Slot()
    def export_pdf(self) -> None:
        """The watermarked PDF of the set, built off the GUI thread, delivered by ``pdf_ready``."""
        if not len(self.materials):
            return
        self.pdf_button.setEnabled(False)

        def done(data: bytes) -> None:
            self.pdf_button.setEnabled(True)
            self.pdf_ready.emit(data)

        def failed(_exc: BaseException) -> None:
            self.pdf_button.setEnabled(True)
            self.message.emit(self.texts("camera.error.capture_failed"))

        self._worker.run(self.materials.export_pdf, on_done=done, on_error=failed, timeout_s=30.0)
