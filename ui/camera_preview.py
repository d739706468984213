"""The live document-camera preview: the newest frame with the page's outline, never blocking the GUI.

    preview = CameraPreview(camera, texts)      # camera: core.ports.camera.DocumentCamera, started
    preview.start(auto_capture=True)            # frames start to arrive
    preview.page_captured.connect(on_page)      # auto-captured pages (CapturedPage), on the GUI thread
    ...
    preview.stop()                              # detaches from the camera (also on close)

How frames reach the screen (docs/architecture.md, "Threads"): the camera's preview thread scales each frame
to the widget's size, finds the page and calls ``PreviewBridge._on_preview`` there; the bridge turns the
array into a QImage *on that thread*, keeps only the newest one, and emits ``frame_ready`` only when the
GUI has taken the previous one. So the GUI thread does nothing per frame but paint one ready image, and
frames that come faster than it paints are dropped, never queued.

The outline is green when the page is sharp, amber while the picture is blurred; a bar under it fills
while auto-capture waits for the page to lie still. With no frame for a while the widget says so (the
camera reconnects by itself).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.ports.camera import CapturedPage, Cleanup, DocumentCamera, PreviewFrame
from ui.texts import Texts

log = logging.getLogger(__name__)

STALE_S = 1.5  # no frame for this long: say the camera is not there (it is reconnecting)


def to_qimage(array: np.ndarray) -> QImage:
    """An RGB (H, W, 3) or grey (H, W) uint8 array as a QImage that owns its pixels."""
    array = np.ascontiguousarray(array)
    height, width = array.shape[:2]
    if array.ndim == 2:
        image = QImage(array.data, width, height, array.strides[0], QImage.Format.Format_Grayscale8)
    else:
        image = QImage(array.data, width, height, array.strides[0], QImage.Format.Format_RGB888)
    return image.copy()  # detaches from the numpy buffer


class PreviewBridge(QObject):
    """Camera callbacks (worker threads) → Qt signals (GUI thread), newest frame only."""

    frame_ready = Signal()
    page_captured = Signal(object)  # CapturedPage

    def __init__(self, camera: DocumentCamera, parent: QObject | None = None,
                 tap: Callable[[PreviewFrame], None] | None = None) -> None:
        super().__init__(parent)
        self.camera = camera
        # Also given every preview frame, on the camera's preview thread: the camera has one preview
        # listener, so a page that shows the preview and reads codes from it (the kiosk's scan page)
        # hands the frames on here rather than attaching a second listener.
        self.tap = tap
        self._lock = threading.Lock()
        self._latest: tuple[QImage, PreviewFrame] | None = None
        self._pending = False
        self._closed = True
        self.received = 0

    def attach(self, max_size: tuple[int, int], *, auto_capture: bool, cleanup: Cleanup) -> None:
        self._closed = False
        self.camera.set_preview_listener(self._on_preview, max_size=max_size)
        self.camera.set_auto_capture(self._on_page if auto_capture else None, cleanup=cleanup)

    def resize(self, max_size: tuple[int, int]) -> None:
        if not self._closed:
            self.camera.set_preview_listener(self._on_preview, max_size=max_size)

    def detach(self) -> None:
        self._closed = True
        self.camera.set_preview_listener(None)
        self.camera.set_auto_capture(None)

    def _on_preview(self, frame: PreviewFrame) -> None:  # the camera's preview thread
        if self._closed:
            return
        if self.tap is not None:
            try:
                self.tap(frame)
            except Exception:  # a failing reader of the frames must not stop the preview
                log.exception("preview frame tap failed")
        image = to_qimage(frame.image)
        with self._lock:
            self._latest = (image, frame)
            self.received += 1
            if self._pending:
                return  # the GUI has not taken the last one yet: this one replaces it
            self._pending = True
        try:
            self.frame_ready.emit()
        except RuntimeError:  # the widget is gone
            pass

    def _on_page(self, page: CapturedPage) -> None:  # the camera's processing thread
        if self._closed:
            return
        try:
            self.page_captured.emit(page)
        except RuntimeError:
            pass

    def take(self) -> tuple[QImage, PreviewFrame] | None:
        with self._lock:
            self._pending = False
            return self._latest


class CameraPreview(QWidget):
    page_captured = Signal(object)  # CapturedPage from auto-capture, on the GUI thread

    def __init__(self, camera: DocumentCamera, texts: Texts, parent: QWidget | None = None, *,
                 tap: Callable[[PreviewFrame], None] | None = None) -> None:
        super().__init__(parent)
        self.texts = texts
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 180)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._bridge = PreviewBridge(camera, self, tap)
        self._bridge.frame_ready.connect(self._take_frame)
        self._bridge.page_captured.connect(self.page_captured)
        self._image: QImage | None = None
        self._frame: PreviewFrame | None = None
        self._last_frame_at = 0.0
        self.painted = 0  # paint events that drew a frame
        self.shown = 0  # distinct frames taken from the camera and put on screen
        self._running = False
        self._stale = QTimer(self)  # runs only while started
        self._stale.setInterval(500)
        self._stale.timeout.connect(self.update)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt name
        return QSize(960, 540)

    def set_tap(self, tap: Callable[[PreviewFrame], None] | None) -> None:
        """Also gives every preview frame to ``tap`` (on the camera's preview thread), or stops doing so."""
        self._bridge.tap = tap

    # --- lifecycle ------------------------------------------------------------------------------------

    def start(self, *, auto_capture: bool = False, cleanup: Cleanup = Cleanup.COLOUR) -> None:
        self._running = True
        self._last_frame_at = time.monotonic()
        self._bridge.attach(self._max_size(), auto_capture=auto_capture, cleanup=cleanup)
        self._stale.start()

    def set_auto_capture(self, enabled: bool, cleanup: Cleanup = Cleanup.COLOUR) -> None:
        if self._running:
            self._bridge.attach(self._max_size(), auto_capture=enabled, cleanup=cleanup)

    def stop(self) -> None:
        self._running = False
        self._stale.stop()
        self._bridge.detach()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt name
        self.stop()
        super().closeEvent(event)

    @property
    def frame(self) -> PreviewFrame | None:
        """The frame on screen now (its quad is in ``frame.image`` pixels)."""
        return self._frame

    # --- frames -----------------------------------------------------------------------------------------

    def _max_size(self) -> tuple[int, int]:
        ratio = self.devicePixelRatioF() or 1.0
        return max(160, int(self.width() * ratio)), max(90, int(self.height() * ratio))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt name
        self._bridge.resize(self._max_size())
        super().resizeEvent(event)

    @Slot()
    def _take_frame(self) -> None:
        latest = self._bridge.take()
        if latest is None or not self._running:
            return
        self._image, self._frame = latest
        self.shown += 1
        self._last_frame_at = time.monotonic()
        self.update()

    def _status_key(self) -> str:
        if not self._running or self._frame is None:
            return "camera.preview.no_camera"
        if time.monotonic() - self._last_frame_at > STALE_S:
            return "camera.preview.reconnecting"
        if self._frame.quad is None:
            return "camera.preview.place_page"
        if not self._frame.sharp:
            return "camera.preview.blurred"
        if 0.0 < self._frame.still < 1.0:
            return "camera.preview.hold_still"
        return "camera.preview.page_found"

    def status_text(self) -> str:
        return self.texts(self._status_key())

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt name
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#1b1f24"))
        image, frame = self._image, self._frame
        if image is not None and frame is not None:
            scale = min(self.width() / image.width(), self.height() / image.height())
            w, h = image.width() * scale, image.height() * scale
            x0, y0 = (self.width() - w) / 2, (self.height() - h) / 2
            painter.drawImage(QRectF(x0, y0, w, h), image)
            if frame.quad is not None:
                colour = QColor("#2ecc71") if frame.sharp else QColor("#f39c12")
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setPen(QPen(colour, 3))
                painter.drawPolygon(QPolygonF([QPointF(x0 + x * scale, y0 + y * scale) for x, y in frame.quad]))
            if 0.0 < frame.still:
                painter.fillRect(QRectF(x0, y0 + h - 8, w * min(1.0, frame.still), 8), QColor("#2ecc71"))
            self.painted += 1
        painter.setPen(QColor("#ffffff"))
        font = painter.font()
        font.setPointSizeF(max(10.0, self.height() / 30))
        painter.setFont(font)
        painter.drawText(self.rect().adjusted(12, 8, -12, -12),
                         Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter, self.status_text())
        painter.end()
