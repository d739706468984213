"""The virtual printer (virtual://NAME) the demo and the services' tests print to."""

from __future__ import annotations

import io
import threading
from datetime import datetime, timezone

import pytest
import zxingcpp
from PIL import Image

from devices.printer import open_printer
from devices.printer.render import render_png
from devices.printer.ticket import ticket_job
from devices.printer.virtual import VirtualPrinter, lookup
from core.config import PrinterConfig
from core.domain import HallInfo, Service, Ticket, TicketState, Window
from core.errors import HardwareFault, PaperOut
from core.ports.printer import PrinterStatus, TicketSlip


def slip(number="A012") -> TicketSlip:
    hall = HallInfo("3201-0042", "示例市政务服务中心", "Example City Government Service Center", "Asia/Shanghai",
                    (Service("A", "综合受理", "General acceptance"),), (Window(3, ("A",)),))
    ticket = Ticket(number, "A", "综合受理", "General acceptance", TicketState.WAITING,
                    datetime(2026, 11, 21, 1, 41, tzinfo=timezone.utc), f"T-{number}-8F3K", people_ahead=3)
    return TicketSlip(hall, ticket)


@pytest.fixture
def printer():
    p = open_printer(PrinterConfig("ticket", "virtual://kiosk-1", width_mm=58))
    yield p
    p.close()


def test_virtual_url_opens_the_in_memory_printer(printer):
    assert isinstance(printer, VirtualPrinter)
    assert all(callable(getattr(printer, m)) for m in ("status", "print_ticket", "close")) and printer.name == "ticket"
    assert lookup("kiosk-1") is printer
    assert printer.status() is PrinterStatus.READY


def test_it_keeps_every_job_and_calls_on_job_on_its_owner_thread(printer):
    """GIVEN an on_job callback WHEN two tickets print THEN both jobs are kept in order and the callback saw
    each, on the printer's owner thread (not the caller's)."""
    seen = []
    printer.on_job = lambda job: seen.append((job, threading.current_thread().name))
    printer.print_ticket(slip("A001"))
    printer.print_ticket(slip("A002"))
    assert printer.jobs == [ticket_job(slip("A001"), printer.cfg), ticket_job(slip("A002"), printer.cfg)]
    assert [job for job, _ in seen] == printer.jobs
    assert all(name.startswith("device:printer:ticket") for _, name in seen)


@pytest.mark.parametrize("state, error", [(PrinterStatus.PAPER_OUT, PaperOut),
                                          (PrinterStatus.COVER_OPEN, HardwareFault),
                                          (PrinterStatus.OFFLINE, HardwareFault)])
def test_injected_faults_stop_printing_and_keep_nothing(printer, state, error):
    """GIVEN a fault injected with set_status WHEN printing THEN the error is raised, no job is kept, and
    after the fault clears the reprint works (the number is never lost)."""
    printer.set_status(state)
    assert printer.status() is state
    with pytest.raises(error):
        printer.print_ticket(slip())
    assert printer.jobs == []
    printer.set_status(PrinterStatus.READY)
    printer.print_ticket(slip())
    assert len(printer.jobs) == 1


def test_what_came_out_can_be_seen(printer):
    printer.print_ticket(slip())
    image = Image.open(io.BytesIO(printer.render_last()))
    assert image.width == 384
    assert [r.text for r in zxingcpp.read_barcodes(image)] == ["T-A012-8F3K"]
    assert printer.render_last() == render_png(printer.jobs[-1], 384)


def test_closed_printers_are_forgotten():
    p = VirtualPrinter(PrinterConfig("receipt", "virtual://window-3"))
    assert lookup("window-3") is p
    p.close()
    assert lookup("window-3") is None
