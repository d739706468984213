"""Printers over real transports: the ESC/POS simulator on 127.0.0.1, reached over tcp:// (python-escpos
Network) and serial://socket:// (python-escpos Serial through pyserial), and write-only links."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

import pytest

from devices.printer import open_printer
from devices.printer.escpos_printer import EscposPrinter
from simulators.printer import Fault, PrinterSimulator
from devices.printer.ticket import ticket_job
from core.config import PrinterConfig
from core.domain import HallInfo, Service, Ticket, TicketState, Window
from core.errors import (ConfigError, DeviceNotFound, DeviceNotSupported, DeviceProtocolError, DeviceTimeout,
                          HardwareFault, PaperOut)
from core.i18n import tr
from core.ports.printer import PrinterStatus, TicketSlip

TIMEOUT = 0.5
BOUND = 3 * TIMEOUT + 1.0  # EscposPrinter._bound for a status call


def slip() -> TicketSlip:
    hall = HallInfo("3201-0042", "示例市政务服务中心", "Example City Government Service Center", "Asia/Shanghai",
                    (Service("A", "综合受理", "General acceptance"),), (Window(3, ("A",)),))
    ticket = Ticket("A012", "A", "综合受理", "General acceptance", TicketState.WAITING,
                    datetime(2026, 11, 21, 1, 41, tzinfo=timezone.utc), "T-8F3K2QX9", people_ahead=3)
    return TicketSlip(hall, ticket)


@pytest.fixture
def sim():
    with PrinterSimulator() as simulator:
        yield simulator


@pytest.fixture(params=["tcp", "serial"])
def printer(request, sim):
    url = sim.url if request.param == "tcp" else sim.serial_url
    p = open_printer(PrinterConfig("ticket", url, width_mm=80), timeout_s=TIMEOUT)
    yield p
    p.close()


@pytest.mark.parametrize("state", [s for s in PrinterStatus if s is not PrinterStatus.UNKNOWN])
def test_status_of_every_kind(sim, printer, state):
    """GIVEN a printer in some state WHEN asked DLE EOT 1, 2, 4 THEN the driver reports that state."""
    sim.set_status(state)
    assert printer.status() is state
    assert sim.status_queries[-3:] == [1, 2, 4]


def test_a_ticket_arrives_byte_for_byte(sim, printer):
    """GIVEN a ready printer WHEN a ticket is printed THEN the printer received exactly the ticket's bytes."""
    printer.print_ticket(slip())
    expected = ticket_job(slip(), printer.cfg)
    assert sim.wait_for(lambda: len(sim.received) >= len(expected))
    assert sim.received == expected
    assert sim.jobs() == [expected]


def test_paper_out_stops_the_job_before_anything_is_sent(sim, printer):
    """GIVEN a printer out of paper WHEN a ticket is printed THEN PaperOut is raised and no job bytes went
    out, so the kiosk can use its second printer or say so before issuing; after a new roll it prints."""
    sim.set_status(PrinterStatus.PAPER_OUT)
    with pytest.raises(PaperOut) as caught:
        printer.print_ticket(slip())
    assert caught.value.device == "ticket_printer"
    time.sleep(0.05)
    assert sim.received == b"" and sim.discarded == b""
    sim.set_status(PrinterStatus.READY)
    printer.print_ticket(slip())
    assert sim.wait_for(lambda: len(sim.jobs()) == 1)


@pytest.mark.parametrize("state, key", [(PrinterStatus.COVER_OPEN, "printer.fault.cover_open"),
                                        (PrinterStatus.OFFLINE, "printer.fault.offline"),
                                        (PrinterStatus.ERROR, "printer.fault.error")])
def test_other_faults_stop_the_job_with_their_own_message(sim, printer, state, key):
    """GIVEN a printer with its cover open, offline or in error WHEN printing THEN HardwareFault says which."""
    sim.set_status(state)
    with pytest.raises(HardwareFault) as caught:
        printer.print_ticket(slip())
    assert caught.value.key == key
    assert caught.value.message("clerk", "en") == tr(key, "en", device=tr("device.ticket_printer", "en"))


def test_paper_near_end_still_prints(sim, printer):
    """GIVEN paper near its end WHEN printing THEN the ticket prints (the roll is changed later)."""
    sim.set_status(PrinterStatus.PAPER_NEAR_END)
    printer.print_ticket(slip())
    assert sim.wait_for(lambda: len(sim.jobs()) == 1)


def test_garbage_answer_is_a_protocol_error_then_recovers(sim, printer):
    """GIVEN a printer answering bytes that are no status WHEN asked THEN DeviceProtocolError, and once it
    answers properly again the next call reconnects and works."""
    sim.set_fault(Fault.GARBAGE)
    with pytest.raises(DeviceProtocolError) as caught:
        printer.status()
    assert "ff" in caught.value.detail
    with pytest.raises(DeviceProtocolError):
        printer.print_ticket(slip())
    assert sim.received == b""
    sim.set_fault(None)
    assert printer.status() is PrinterStatus.READY


def test_no_answer_times_out_within_the_bound(sim, printer):
    """GIVEN a printer that never answers DLE EOT WHEN asked THEN DeviceTimeout within the bound, not a hang."""
    sim.set_fault(Fault.SILENT)
    started = time.monotonic()
    with pytest.raises(DeviceTimeout):
        printer.status()
    assert time.monotonic() - started < BOUND
    sim.set_fault(None)
    assert printer.status() is PrinterStatus.READY


def test_dropped_connection_is_not_found_then_recovers(sim, printer):
    """GIVEN a connected printer WHEN it is unplugged THEN DeviceNotFound (while it stays away too);
    WHEN plugged back THEN the next call reconnects and prints."""
    assert printer.status() is PrinterStatus.READY
    sim.unplug()
    with pytest.raises(DeviceNotFound):
        printer.status()
    with pytest.raises(DeviceNotFound):
        printer.print_ticket(slip())
    sim.plug()
    printer.print_ticket(slip())
    assert sim.wait_for(lambda: len(sim.jobs()) == 1)
    assert sim.connections_accepted == 2


def test_connection_dropped_mid_job_is_not_found(sim, printer):
    """GIVEN a printer that drops the line as soon as data arrives WHEN asked THEN DeviceNotFound."""
    sim.set_fault(Fault.DROP)
    with pytest.raises(DeviceNotFound):
        printer.status()
    sim.set_fault(None)
    assert printer.status() is PrinterStatus.READY


def test_automatic_status_back_is_told_apart_from_status_answers(sim, printer):
    """GIVEN a printer that sent an automatic status back message (GS a) unasked WHEN asked DLE EOT THEN the
    4 bytes are set aside, not taken for garbage or for the answer."""
    assert printer.status() is PrinterStatus.READY
    sim.push(b"\x10\x00\x00\x00")
    time.sleep(0.05)
    sim.set_status(PrinterStatus.PAPER_NEAR_END)
    assert printer.status() is PrinterStatus.PAPER_NEAR_END
    assert printer.asb_messages == [b"\x10\x00\x00\x00"]


def test_unreachable_printer_is_not_found_quickly():
    """GIVEN nothing listening WHEN printing THEN DeviceNotFound, well within the bound."""
    with PrinterSimulator() as sim:
        url = sim.url
    p = open_printer(PrinterConfig("ticket", url), timeout_s=TIMEOUT)
    try:
        started = time.monotonic()
        with pytest.raises(DeviceNotFound):
            p.print_ticket(slip())
        assert time.monotonic() - started < BOUND
    finally:
        p.close()


def test_status_off_in_config_means_unknown_and_printing_goes_ahead(sim):
    """GIVEN a printer configured status = false (one that answers wrongly) WHEN asked THEN UNKNOWN, no
    DLE EOT is sent, and tickets print."""
    p = open_printer(PrinterConfig("ticket", sim.url, status=False), timeout_s=TIMEOUT)
    try:
        sim.set_fault(Fault.GARBAGE)
        assert p.status() is PrinterStatus.UNKNOWN
        p.print_ticket(slip())
        assert sim.wait_for(lambda: len(sim.jobs()) == 1)
        assert sim.status_queries == []
    finally:
        p.close()


def test_file_printer_cannot_report_and_prints(tmp_path):
    """GIVEN a file:// printer (write-only, like /dev/usb/lp0) WHEN asked THEN UNKNOWN; tickets append."""
    path = tmp_path / "lp0"
    p = open_printer(PrinterConfig("ticket", f"file://{path}"), timeout_s=TIMEOUT)
    try:
        assert p.status() is PrinterStatus.UNKNOWN
        p.print_ticket(slip())
        p.print_ticket(slip())
    finally:
        p.close()
    assert path.read_bytes() == ticket_job(slip(), p.cfg) * 2


def test_file_printer_in_a_missing_directory_is_not_found(tmp_path):
    p = open_printer(PrinterConfig("ticket", f"file://{tmp_path}/nowhere/lp0"), timeout_s=TIMEOUT)
    try:
        with pytest.raises(DeviceNotFound):
            p.print_ticket(slip())
    finally:
        p.close()


def test_dummy_printer_keeps_the_bytes():
    p = open_printer(PrinterConfig("ticket", "dummy://"), timeout_s=TIMEOUT)
    try:
        assert isinstance(p, EscposPrinter)
        p.print_ticket(slip())
        assert p.link.output == ticket_job(slip(), p.cfg)
    finally:
        p.close()


def test_calls_from_many_threads_are_serialised_on_the_owner_thread(sim):
    """GIVEN two threads asking at once WHEN both ask for status THEN the printer sees two whole DLE EOT
    1, 2, 4 sequences, never interleaved (one owner thread does all I/O)."""
    p = open_printer(PrinterConfig("ticket", sim.url), timeout_s=TIMEOUT)
    results = []
    try:
        callers = [threading.Thread(target=lambda: results.append(p.status()), name=f"caller-{i}") for i in range(2)]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join(5)
    finally:
        p.close()
    assert results == [PrinterStatus.READY, PrinterStatus.READY]
    assert sim.status_queries == [1, 2, 4, 1, 2, 4]


@pytest.mark.parametrize("url, error", [
    ("usb://0416:5011", (DeviceNotSupported, DeviceNotFound)),  # no pyusb here: a clear "install" message
    ("lpt://1", ConfigError),
    ("serial:///dev/ttyKIOSK-NONE", DeviceNotFound),
])
def test_bad_or_missing_printers_fail_clearly(url, error):
    try:
        p = open_printer(PrinterConfig("ticket", url), timeout_s=TIMEOUT)
    except error:
        return
    try:
        with pytest.raises(error):
            p.print_ticket(slip())
    finally:
        p.close()


LP_STAND_IN = """#!/bin/sh
# Stands in for CUPS's lp: records its arguments and the job, fails for the queue "offline".
echo "$@" > "$(dirname "$0")/args"
cat > "$(dirname "$0")/job"
if [ "$2" = "offline" ]; then echo "lp: The printer or class does not exist." >&2; exit 1; fi
echo "request id is $2-1 (1 file(s))"
"""


@pytest.fixture
def lp_on_path(tmp_path, monkeypatch):
    """An ``lp`` command on PATH that records what it was given (this machine has no CUPS)."""
    from escpos.printer import cups as escpos_cups

    if escpos_cups.is_usable():
        pytest.skip("pycups is installed: cups:// goes through it, not lp")
    lp = tmp_path / "lp"
    lp.write_text(LP_STAND_IN)
    lp.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    return tmp_path


def test_cups_queue_gets_each_job_whole_and_raw(lp_on_path):
    """GIVEN a CUPS queue WHEN two tickets print THEN lp -d QUEUE -o raw received each job's exact bytes."""
    p = open_printer(PrinterConfig("ticket", "cups://Ticket_Printer"), timeout_s=TIMEOUT)
    try:
        assert p.status() is PrinterStatus.UNKNOWN
        p.print_ticket(slip())
        assert (lp_on_path / "args").read_text().split() == ["-d", "Ticket_Printer", "-t", "kiosk", "-o", "raw"]
        assert (lp_on_path / "job").read_bytes() == ticket_job(slip(), p.cfg)
        (lp_on_path / "job").unlink()
        p.print_ticket(slip())
        assert (lp_on_path / "job").read_bytes() == ticket_job(slip(), p.cfg)
    finally:
        p.close()


def test_cups_refusal_is_not_found(lp_on_path):
    p = open_printer(PrinterConfig("ticket", "cups://offline"), timeout_s=TIMEOUT)
    try:
        with pytest.raises(DeviceNotFound, match="does not exist"):
            p.print_ticket(slip())
    finally:
        p.close()


@pytest.fixture
def pty_printer(sim):
    if not hasattr(__import__("os"), "openpty"):
        pytest.skip("pseudo-terminals are POSIX only")
    url = sim.open_pty()
    p = open_printer(PrinterConfig("ticket", url), timeout_s=TIMEOUT)
    yield p
    p.close()


def test_a_real_serial_device_node(sim, pty_printer):
    """GIVEN the simulator behind a pseudo-terminal (serial:///dev/pts/N, the plain-path serial code)
    WHEN asked and printed to THEN status, paper out, garbage and the ticket bytes behave as on the wire."""
    assert pty_printer.status() is PrinterStatus.READY
    sim.set_status(PrinterStatus.PAPER_OUT)
    with pytest.raises(PaperOut):
        pty_printer.print_ticket(slip())
    sim.set_status(PrinterStatus.READY)
    pty_printer.print_ticket(slip())
    assert sim.wait_for(lambda: sim.jobs() == [ticket_job(slip(), pty_printer.cfg)])
    sim.set_fault(Fault.GARBAGE)
    with pytest.raises(DeviceProtocolError):
        pty_printer.status()
    sim.set_fault(None)
    assert pty_printer.status() is PrinterStatus.READY


def test_a_serial_device_that_goes_away_is_not_found(sim, pty_printer):
    """GIVEN a serial printer in use WHEN its device node goes away THEN DeviceNotFound, also on retry."""
    assert pty_printer.status() is PrinterStatus.READY
    sim.unplug()
    for _ in range(2):
        with pytest.raises(DeviceNotFound):
            pty_printer.status()
