"""The technician window's camera tab: open the configured document camera, see what it offers and what
was negotiated, the measured frame rate, the live preview with the page outline, and a test page.

    panel = CameraPanel(window, slot)     # ui/technician.py builds it for a configured [devices] camera

"Open and measure" runs ``Diagnostics.open_camera`` on the window's worker (kiosk/diag/camera.py
``open_and_measure``, the code path of ``kiosk diag camera``): the camera starts and 30 frames are timed.
The preview (ui/camera_preview.py) then paints its frames with the outline, never blocking the GUI thread.
"Capture a test page" runs ``capture`` on the worker and shows the flattened page. "Close" stops the
camera (on the worker; ``shutdown`` stops it too, bounded). Test pages are shown, never written anywhere.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel

from ui.camera_preview import CameraPreview, to_qimage
from ui.technician_panel import DevicePanel as _Panel
from ui.texts import Texts

OPEN_TIMEOUT_S = 30.0
THUMB = QSize(240, 320)


class CameraPanel(_Panel):
    def __init__(self, window, slot) -> None:
        super().__init__(window)
        self.slot = slot
        self.texts = Texts(self.tr_.language, self)
        self.camera = None
        self.preview: CameraPreview | None = None
        self.open_button = self.add_button("materials.camera_tab.open", self.open, "camera-open")
        self.capture_button = self.add_button("materials.camera_tab.capture", self.capture, "camera-capture")
        self.close_button = self.add_button("materials.camera_tab.close", self.close_camera, "camera-close")
        self.buttons.addStretch(1)
        self.capture_button.setEnabled(False)
        self.close_button.setEnabled(False)
        self.page = QLabel()
        self.page.setObjectName("camera-test-page")
        self.page.setMinimumSize(THUMB)
        self.page.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.row = QHBoxLayout()
        self.row.addWidget(self.page, 1)
        self.row.addWidget(self.log, 1)
        self.layout_.addLayout(self.row, 1)
        self.summary.setText(self.tr_("materials.camera_tab.configured", source=slot.address))

    def open(self) -> None:
        self.open_button.setEnabled(False)
        self.note(f"> open and measure {self.slot.address}")
        self.w.run(self.w.diagnostics.open_camera, 30, on_done=self._opened, on_error=self._failed,
                   timeout_s=OPEN_TIMEOUT_S)

    def _failed(self, exc: BaseException) -> None:
        self.open_button.setEnabled(self.camera is None)
        self.capture_button.setEnabled(self.camera is not None)
        self.failed(exc)

    def _opened(self, result) -> None:
        camera, record = result
        if self.w._closed:
            camera.stop()
            return
        self.camera = camera
        self.summary.setText(self.tr_("materials.camera_tab.report", negotiated=record["negotiated"] or "-",
                                      fps=record["fps"], offered=", ".join(record["offered"]) or "-",
                                      width=record["frame_size"][0], height=record["frame_size"][1]))
        self.note("< " + ", ".join(f"{k}={v}" for k, v in record.items() if k != "page"))
        self.preview = CameraPreview(camera, self.texts, self)
        self.row.insertWidget(0, self.preview, 2)
        self.preview.start(auto_capture=False)
        self.capture_button.setEnabled(True)
        self.close_button.setEnabled(True)

    def capture(self) -> None:
        if self.camera is None:
            return
        self.capture_button.setEnabled(False)
        camera = self.camera
        self.w.run(lambda: camera.capture(timeout_s=8.0), on_done=self._captured, on_error=self._failed,
                   timeout_s=12.0)

    def _captured(self, page) -> None:
        self.capture_button.setEnabled(self.camera is not None)
        image = to_qimage(page.image).scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation)
        self.page.setPixmap(QPixmap.fromImage(image))
        h, w = page.image.shape[:2]
        self.note(f"< test page {w}x{h}")

    def _detach(self):
        camera, self.camera = self.camera, None
        if self.preview is not None:
            self.preview.stop()
            self.preview.setParent(None)
            self.preview.deleteLater()
            self.preview = None
        return camera

    def close_camera(self) -> None:
        camera = self._detach()
        self.capture_button.setEnabled(False)
        self.close_button.setEnabled(False)
        self.open_button.setEnabled(True)
        if camera is not None:
            self.w.run(camera.stop, on_done=lambda _r: self.note("< closed"), on_error=self._failed)

    def shutdown(self) -> None:
        camera = self._detach()
        if camera is not None:
            camera.stop()  # bounded joins (devices/camera/service.py JOIN_S)
