"""Codes at the kiosk, wired: a scan (serial scanner simulator, keyboard-wedge burst, on-screen keypad,
camera) reaches the kiosk's presenter, checks in an appointment for a priority ticket, opens a receipt's
tracking page, and a hostile payload does nothing. Which code gets which answer (repeat scans, unknown
appointments, codes for a clerk's window, the platform down, every hostile shape) is specified without Qt
in tests/test_presenter_citizen.py.

Real parts only: the hall server on loopback with the sample appointments (``seed_samples``), the real
``PlatformClient`` / ``AppointmentsClient``, virtual printers, the ``SerialScanner`` driver reading a
``ScannerSimulator`` over ``socket://``, and real Qt key events through the application's wedge filter.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from test_services_queue_support import start_hall, virtual_printer

from devices.scanner import SerialScanner
from simulators.scanner import ScannerSimulator
from core.domain.codes import CodeKind
from hall_server.appointments import seed_samples
from platform_client.appointments import AppointmentsClient
from core.ports.scanner import ScannerState
from core.services.codes import CodeService
from core.services.queue import KioskQueueService, PrintState
from ui.citizen import CitizenWindow
from ui.scan_source import ScanSource

WAIT_MS = 6000

class CountingAppointments:
    """The real ``AppointmentsClient``, counting the calls that reach it (to show none did)."""

    def __init__(self, client) -> None:
        self._real = AppointmentsClient(client)
        self.calls: list[str] = []

    def __getattr__(self, name: str):
        attr = getattr(self._real, name)
        if callable(attr):
            def counted(*args, **kwargs):
                self.calls.append(name)
                return attr(*args, **kwargs)
            return counted
        return attr


@pytest.fixture
def hall(tmp_path):
    hall = start_hall(tmp_path / "hall.db")
    hall.samples = seed_samples(hall.server.store)
    yield hall
    hall.server.stop()


@pytest.fixture
def parts(qtbot, hall):
    """The kiosk window over the real hall, a scanner simulator on socket:// and the scan source."""
    client = hall.client("K-01")
    printers = virtual_printer("kiosk-main"), virtual_printer("kiosk-spare")
    appointments = CountingAppointments(client)
    codes = CodeService(appointments)
    simulator = ScannerSimulator(thread_name="scanner-sim-test").start()
    scans = ScanSource(QApplication.instance(), scanner=SerialScanner(simulator.url, poll_s=0.01))
    service = KioskQueueService(client, printers[0], fallback_printer=printers[1])
    window = CitizenWindow(service, codes=codes, scans=scans)
    scans.window = window
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(scans.state, timeout=WAIT_MS,
                          check_params_cb=lambda s: s is ScannerState.READY, raising=False):
        scans.start()
    qtbot.waitUntil(lambda: scans.current_state is ScannerState.READY, timeout=WAIT_MS)
    yield window, simulator, printers, appointments, hall.samples
    window.close()
    scans.close()
    simulator.close()
    for printer in printers:
        printer.close()
    client.close()


def touch(qtbot, widget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def wedge_types(qtbot, window, text: str) -> None:
    """A keyboard-wedge scanner types ``text`` and Enter, key after key with no delay, into what has focus."""
    window.activateWindow()
    window.home.take.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusObject() is window.home.take, timeout=WAIT_MS)
    for ch in text:
        QTest.keyClick(window.home.take, ch)
    QTest.keyClick(window.home.take, Qt.Key.Key_Return)


def test_a_scanned_appointment_checks_in_and_prints_a_priority_ticket(qtbot, parts):
    """GIVEN today's sample appointment for service A WHEN its code comes from the serial scanner
    THEN the kiosk checks in, shows the ticket as a taken number marked as an appointment and prints it."""
    window, simulator, printers, appointments, samples = parts
    simulator.send_code(samples["appointments"][0], ending="crlf", split=3)
    qtbot.waitUntil(lambda: window.page == "result" and window.issued is not None
                    and window.issued.print_state is PrintState.PRINTED, timeout=WAIT_MS)
    ticket = window.issued.ticket
    assert ticket.appointment and ticket.service_prefix == "A" and not ticket.reprint
    assert window.result.number.text() == ticket.number
    assert window.result.priority.text() == "预约签到成功，将优先为您叫号"
    assert len(printers[0].jobs) == 1 and ticket.number.encode() in printers[0].jobs[0]
    assert window.code_outcome.kind is CodeKind.APPOINTMENT


def test_a_receipt_scanned_by_a_wedge_scanner_opens_its_tracking_page(qtbot, parts):
    """GIVEN the sample case ready for pickup WHEN a wedge scanner types its receipt code on the home screen
    THEN the tracking page shows the matter, its state, its number, dates and where to pick it up; nothing reached
    the focused button as typing."""
    window, simulator, printers, appointments, samples = parts
    tracking = samples["cases"][0]
    wedge_types(qtbot, window, f"HALL:R:{tracking}")
    qtbot.waitUntil(lambda: window.page == "tracking", timeout=WAIT_MS)
    page = window.tracking_page
    assert page.case.tracking == tracking
    assert page.matter.text().startswith("企业开办")
    assert page.state.text() == "待领取"
    assert "1 号窗口" in page.pickup.text() and page.what_next.text() == "可以领取了。"
    assert page.number.text() == f"办件编号 {tracking}"  # a case number is not personal data: shown whole
    assert appointments.calls == ["case"]
    touch(qtbot, page.done_button)
    assert window.page == "home" and page.case is None


def test_an_unrecognised_code_shows_the_fixed_message_on_the_scan_page_and_nothing_is_called(qtbot, parts):
    """GIVEN the home screen WHEN a script payload is submitted as a code THEN the scan page shows
    "无法识别此码", no platform call is made, nothing is printed, and no part of the payload is on the screen.
    (Every hostile shape: tests/test_presenter_citizen.py.)"""
    window, simulator, printers, appointments, samples = parts
    payload = "<script>alert(1)</script>"
    window.submit_code(payload)
    assert window.page == "scan"
    message = window.scan_page.message.text()
    assert message.startswith("无法识别此码")
    assert payload[:6] not in message and "<" not in message
    qtbot.wait(200)
    assert appointments.calls == [] and printers[0].jobs == [] and window.issued is None


def test_hostile_bytes_from_the_serial_scanner_do_nothing(qtbot, parts):
    """GIVEN the serial scanner WHEN garbage, an overlong code and a script payload arrive, then a real code
    THEN only the real code is acted on."""
    window, simulator, printers, appointments, samples = parts
    simulator.send_garbage()
    simulator.send_overlong()
    simulator.send_code("<img src=x onerror=alert(1)>")
    qtbot.waitUntil(lambda: window.page == "scan", timeout=WAIT_MS)
    assert appointments.calls == []
    simulator.send_code(samples["cases"][1])  # a bare tracking number is not a receipt code
    qtbot.wait(300)
    assert appointments.calls == []
    simulator.send_code(f"https://zwfw.example.gov.cn/track/{samples['cases'][1]}")
    qtbot.waitUntil(lambda: window.page == "tracking", timeout=WAIT_MS)
    assert window.tracking_page.state.text() == "审核中"


def test_typing_an_appointment_code_on_the_keypad_checks_in(qtbot, parts):
    """GIVEN "预约签到" on the home screen WHEN the person types the 15 digits after YY and OK
    THEN it checks in like a scan; too few digits only asks for all of them."""
    window, simulator, printers, appointments, samples = parts
    code = samples["appointments"][2]
    touch(qtbot, window.home.check_in_button)
    assert window.page == "scan" and window.scan_page.title.text() == "预约签到：请扫描预约码"
    for digit in code[2:6]:
        touch(qtbot, window.scan_page.keys[digit])
    touch(qtbot, window.scan_page.ok)
    assert window.scan_page.message.text() == "请输入完整的 15 位数字" and appointments.calls == []
    for digit in code[6:]:
        touch(qtbot, window.scan_page.keys[digit])
    assert window.scan_page.field.text().replace(" ", "") == f"YY{code[2:]}"
    touch(qtbot, window.scan_page.ok)
    qtbot.waitUntil(lambda: window.issued is not None and window.issued.print_state is PrintState.PRINTED,
                    timeout=WAIT_MS)
    assert window.issued.ticket.service_prefix == "E" and window.issued.ticket.appointment


def test_a_code_held_to_the_kiosk_camera_checks_in_while_the_scan_page_is_shown(qtbot, hall, tmp_path):
    """GIVEN a kiosk built by the composition root with a camera ([devices] camera = folder of frames
    showing an appointment's QR code) WHEN the person opens "预约签到" THEN the camera's preview frames are
    decoded and the appointment checks in; the page showed the camera's live picture meanwhile; on the
    result page the camera is no longer read."""
    import qrcode
    from PIL import Image

    from core import config
    from kiosk.app import build_terminal
    from ui.app import role_window

    code = hall.samples["appointments"][0]
    frames = tmp_path / "frames"
    frames.mkdir()
    page = Image.new("RGB", (1280, 720), "white")
    page.paste(qrcode.make(code, box_size=8, border=4).convert("RGB"), (480, 160))
    page.save(frames / "phone.png")
    cfg = config.parse({
        "role": "citizen", "terminal_id": "K-01", "hall_id": "3201-0042", "data_dir": str(tmp_path / "k"),
        "platform": {"url": hall.server.url, "terminal_secret": hall.secrets["K-01"], "timeout_s": 3.0},
        "printers": {"ticket": {"url": "virtual://cam-kiosk-ticket", "width_mm": 80}},
        "devices": {"ticket_printer": "ticket", "camera": f"folder:{frames}?hold=0.2"},
    }, source="test")
    terminal = build_terminal(cfg, sync=False)
    window = role_window(terminal, language="zh_CN")
    qtbot.addWidget(window)
    try:
        window.show()
        touch(qtbot, window.home.check_in_button)
        assert "摄像头" in window.scan_page.where.text()
        qtbot.waitUntil(lambda: window.issued is not None and window.issued.print_state is PrintState.PRINTED,
                        timeout=WAIT_MS * 2)
        assert window.issued.ticket.appointment and window.code_outcome.code.payload == code
        assert window.scan_preview is not None and window.scan_preview.shown >= 1
        assert not terminal.scans._camera_on and terminal.scans._frame_decoder is None
    finally:
        window.close()
        terminal.close()
