"""The preview widget and the capture panel (ui/camera_preview.py, ui/capture_panel.py), offscreen, on the
synthetic camera: frames are painted with the outline, the GUI thread stays responsive, captures land in
the page list, and nothing is left running on close."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QTimer

from devices.camera.service import CaptureService
from core.services.materials import MaterialSet
from ui.camera_preview import CameraPreview, to_qimage
from ui.capture_panel import CapturePanel
from ui.texts import Texts


@pytest.fixture
def camera_1080p():
    service = CaptureService("synthetic:?size=1920x1080&fps=25&still=2")
    service.start()
    service.wait_ready(timeout_s=5)
    yield service
    service.stop()


@pytest.fixture
def camera_small():
    service = CaptureService("synthetic:?size=960x540&fps=25&still=1.2")
    service.start()
    service.wait_ready(timeout_s=5)
    yield service
    service.stop()


class GuiPulse:
    """A 10 ms timer on the GUI thread; the longest gap between its ticks shows whether anything blocked."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.last = time.monotonic()
        self.longest = 0.0
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.monotonic()
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def start(self) -> None:
        self.last = time.monotonic()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()


def test_to_qimage_keeps_the_pixels():
    rgb = np.zeros((4, 6, 3), np.uint8)
    rgb[1, 2] = (10, 200, 30)
    image = to_qimage(rgb)
    assert (image.width(), image.height()) == (6, 4)
    colour = image.pixelColor(2, 1)
    assert (colour.red(), colour.green(), colour.blue()) == (10, 200, 30)
    grey = to_qimage(np.full((3, 5), 77, np.uint8))
    assert grey.pixelColor(4, 2).red() == 77


def test_the_preview_paints_1080p_frames_with_the_outline_without_blocking_the_gui(qtbot, camera_1080p):
    """GIVEN the synthetic camera at 1920×1080 WHEN the preview runs for two seconds THEN frames are painted
    continuously with the page's outline, the GUI thread never stalls, and closing detaches it."""
    texts = Texts("zh_CN")
    preview = CameraPreview(camera_1080p, texts)
    qtbot.addWidget(preview)
    preview.resize(960, 540)
    preview.show()
    pulse = GuiPulse()
    pulse.start()
    preview.start()
    started = time.monotonic()
    qtbot.waitUntil(lambda: preview.shown >= 5, timeout=10000)
    qtbot.wait(2000)
    pulse.stop()
    shown = preview.shown
    elapsed = time.monotonic() - started
    assert shown / elapsed > 5 and preview.painted >= shown - 1  # fps itself: bench/document_pages.py
    assert pulse.longest < 0.25, f"the GUI thread stalled for {pulse.longest * 1000:.0f} ms"
    frame = preview.frame
    assert frame.image.shape[1] <= 960 and frame.image.shape[0] <= 540
    received = preview._bridge.received
    assert received >= shown  # frames shown are a subset of those received: dropped, never queued
    preview.close()
    qtbot.wait(300)
    assert preview._bridge.received <= received + 2  # detached: frames stop coming


def test_the_status_line_follows_the_page(qtbot, camera_small):
    texts = Texts("en")
    preview = CameraPreview(camera_small, texts)
    qtbot.addWidget(preview)
    preview.resize(640, 360)
    preview.show()
    assert preview.status_text() == "Document camera not connected"
    preview.start()
    qtbot.waitUntil(lambda: preview.frame is not None and preview.frame.quad is not None, timeout=10000)
    assert preview.status_text() in ("Document found", "Hold still…", "The picture is blurred; please wait")
    preview.stop()


def test_the_panel_captures_retakes_reorders_deletes_and_exports(qtbot, camera_small):
    texts = Texts("zh_CN")
    materials = MaterialSet("不动产登记")
    panel = CapturePanel(camera_small, materials, texts)
    qtbot.addWidget(panel)
    panel.auto_button.setChecked(False)
    panel.resize(1200, 600)
    panel.show()
    panel.start()

    panel.capture_button.click()
    qtbot.waitUntil(lambda: panel.page_list.count() == 1, timeout=10000)
    qtbot.waitUntil(panel.capture_button.isEnabled, timeout=5000)
    panel.capture_button.click()
    qtbot.waitUntil(lambda: panel.page_list.count() == 2, timeout=10000)
    first, second = (p.id for p in materials.pages)
    assert panel.page_list.item(0).text() == "第 1 页"

    panel.page_list.setCurrentRow(1)
    panel.up_button.click()
    assert [p.id for p in materials.pages] == [second, first]

    panel.page_list.setCurrentRow(0)
    qtbot.waitUntil(panel.capture_button.isEnabled, timeout=5000)
    panel.retake_button.click()
    qtbot.waitUntil(lambda: materials.pages[0].id not in (first, second), timeout=10000)
    assert len(materials) == 2 and materials.pages[1].id == first

    panel.page_list.setCurrentRow(1)
    panel.delete_button.click()
    qtbot.waitUntil(lambda: panel.page_list.count() == 1, timeout=2000)

    with qtbot.waitSignal(panel.pdf_ready, timeout=20000) as blocker:
        panel.pdf_button.click()
    assert blocker.args[0].startswith(b"%PDF")
    panel.close()


def test_the_panel_makes_an_id_card_copy_in_two_captures(qtbot, camera_small):
    texts = Texts("en")
    materials = MaterialSet("test")
    panel = CapturePanel(camera_small, materials, texts)
    qtbot.addWidget(panel)
    panel.auto_button.setChecked(False)
    panel.show()
    panel.start()
    panel.id_button.click()
    assert panel.prompt.text() == "First capture the photo side of the ID card"
    panel.capture_button.click()
    qtbot.waitUntil(lambda: panel.prompt.text().startswith("Turn the card over"), timeout=10000)
    assert len(materials) == 0
    qtbot.waitUntil(panel.capture_button.isEnabled, timeout=5000)
    panel.capture_button.click()
    qtbot.waitUntil(lambda: len(materials) == 1, timeout=10000)
    page = materials.pages[0]
    assert page.kind == "id_copy" and page.image.shape[:2] == (2339, 1654)
    assert panel.page_list.item(0).text() == "Page 1 · ID card copy"
    panel.close()


def test_the_panel_auto_captures_a_still_page(qtbot, camera_small):
    materials = MaterialSet()
    panel = CapturePanel(camera_small, materials, Texts("zh_CN"))
    qtbot.addWidget(panel)
    panel.show()
    panel.start()  # auto-capture is on by default
    qtbot.waitUntil(lambda: len(materials) >= 1, timeout=15000)
    panel.close()
