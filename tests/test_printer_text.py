"""Printer protocol pieces, as tables: encoding with Chinese mode, wrapping, URLs, DLE EOT bits, commands."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies

from devices.printer import status as st
from devices.printer.commands import parse
from devices.printer.text import cells, encode_line, unprintable, wrap
from devices.printer.urls import parse_printer_url
from core.errors import ConfigError, HardwareFault, PaperOut
from core.ports.printer import PrinterStatus

FS_ON, FS_OFF = b"\x1c\x26", b"\x1c\x2e"


@pytest.mark.parametrize("text, encoding, expected", [
    ("A012", "gb18030", b"A012"),                                   # ASCII: no Chinese mode needed
    ("综合受理", "gb18030", FS_ON + "综合受理".encode("gb18030") + FS_OFF),
    ("，。：￥", "gb18030", FS_ON + bytes.fromhex("a3aca1a3a3baa3a4") + FS_OFF),  # python-escpos sends "?"
    ("李䶮", "gb18030", FS_ON + bytes.fromhex("c0eefe9f") + FS_OFF),  # Extension A in GB18030
    ("王𠮷", "gb18030", FS_ON + bytes.fromhex("cdf59534b235") + FS_OFF),  # Extension B: 4 bytes
    ("李䶮", "gbk", None),                                           # not in GBK: must become an image
    ("王𠮷", "gbk", None),
    ("李明", "gbk", FS_ON + bytes.fromhex("c0eec3f7") + FS_OFF),
    ("李䶮", "utf-8", FS_ON + "李䶮".encode() + FS_OFF),
])
def test_encode_line(text, encoding, expected):
    assert encode_line(text, encoding) == expected


@pytest.mark.parametrize("text, encoding, missing", [
    ("李䶮 王𠮷", "gbk", ["䶮", "𠮷"]),
    ("李䶮 王𠮷", "gb18030", []),
    ("请在等候区等候，过号作废", "gbk", []),
])
def test_unprintable_names_the_characters(text, encoding, missing):
    assert unprintable(text, encoding) == missing


@pytest.mark.parametrize("text, width, lines", [
    ("A012", 48, ["A012"]),
    ("中" * 20, 32, ["中" * 16, "中" * 4]),                      # 58 mm: 16 Chinese characters a line
    ("请在等候区等候，过号作废", 16, ["请在等候区等候，", "过号作废"]),
    ("Please wait in the seating area. A missed number is void.", 48,
     ["Please wait in the seating area. A missed", "number is void."]),
    ("", 48, [""]),
])
def test_wrap_counts_chinese_as_two_cells(text, width, lines):
    assert wrap(text, width) == lines
    assert all(cells(line) <= width for line in lines)


@pytest.mark.parametrize("text, expected", [("“网上办”", 10), ("‘一’·…—", 12), ("①×", 4), ("é", 2), ('"ok"', 4)])
def test_ambiguous_width_punctuation_takes_a_full_cell_as_a_gb_printer_draws_it(text, expected):
    """Curly quotes, the middle dot, the ellipsis, circled digits: double-byte in GB 2312/GB18030, so a
    printer in Chinese mode draws them in a full cell; ASCII stays half-width."""
    assert cells(text) == expected


@pytest.mark.parametrize("url, scheme, address, extra", [
    ("serial:///dev/ttyUSB0?baudrate=9600", "serial", "/dev/ttyUSB0", {"baudrate": 9600}),
    ("serial://COM3?baudrate=19200&dsrdtr=false", "serial", "COM3", {"baudrate": 19200, "dsrdtr": False}),
    ("serial://socket://127.0.0.1:9100", "serial", "socket://127.0.0.1:9100", {}),
    ("serial://socket://127.0.0.1:9100?baudrate=9600&logging=debug", "serial",
     "socket://127.0.0.1:9100?logging=debug", {"baudrate": 9600}),
    ("usb://0416:5011", "usb", "0416:5011", {"vendor": 0x0416, "product": 0x5011}),
    ("usb://04b8:0e15?interface=0&in_ep=0x81&out_ep=0x02", "usb", "04b8:0e15",
     {"vendor": 0x04B8, "product": 0x0E15, "interface": 0, "in_ep": 0x81, "out_ep": 0x02}),
    ("tcp://127.0.0.1:9100", "tcp", "127.0.0.1", {}),
    ("file:///dev/usb/lp0", "file", "/dev/usb/lp0", {}),
    ("cups://Ticket_Printer", "cups", "Ticket_Printer", {}),
    ("win32://POS-80 Printer", "win32", "POS-80 Printer", {}),
    ("win32://POS-80%20Printer", "win32", "POS-80 Printer", {}),
    ("virtual://kiosk-1", "virtual", "kiosk-1", {}),
    ("dummy://", "dummy", "", {}),
])
def test_printer_urls(url, scheme, address, extra):
    target = parse_printer_url(url)
    assert (target.scheme, target.address, target.options) == (scheme, address, extra)


def test_tcp_port_defaults_to_9100():
    assert parse_printer_url("tcp://127.0.0.1").port == 9100


@pytest.mark.parametrize("url, problem", [
    ("lpt://1", "unknown scheme"),
    ("/dev/usb/lp0", "unknown scheme"),
    ("serial://?baudrate=9600", "no serial port"),
    ("serial:///dev/ttyS0?baud=9600", "unknown option 'baud'"),
    ("serial:///dev/ttyS0?baudrate=fast", "must be int"),
    ("usb://printer", "vendor:product in hex"),
    ("usb://0416:zz", "vendor:product in hex"),
    ("tcp://:9100", "no host"),
    ("tcp://127.0.0.1:port", "bad port"),
    ("file://", "no path"),
    ("cups://", "no printer name"),
])
def test_bad_printer_urls_name_the_setting_and_problem(url, problem):
    with pytest.raises(ConfigError) as caught:
        parse_printer_url(url, "printers.ticket.url")
    assert caught.value.params["setting"] == "printers.ticket.url"
    assert problem in caught.value.params["problem"]


@pytest.mark.parametrize("printer, offline, paper, expected", [
    (0x12, 0x12, 0x12, PrinterStatus.READY),
    (0x12, 0x12, 0x1E, PrinterStatus.PAPER_NEAR_END),   # n=4 bits 2-3
    (0x1A, 0x32, 0x7E, PrinterStatus.PAPER_OUT),        # n=4 bits 5-6, n=2 bit 5
    (0x1A, 0x12, 0x72, PrinterStatus.PAPER_OUT),        # paper end sensor alone
    (0x1A, 0x16, 0x12, PrinterStatus.COVER_OPEN),       # n=2 bit 2
    (0x1A, 0x36, 0x7E, PrinterStatus.COVER_OPEN),       # cover open wins over paper out
    (0x1A, 0x12, 0x12, PrinterStatus.OFFLINE),          # n=1 bit 3
    (0x1A, 0x52, 0x12, PrinterStatus.ERROR),            # n=2 bit 6
])
def test_dle_eot_answers(printer, offline, paper, expected):
    assert st.Answers(printer, offline, paper).status() is expected


@pytest.mark.parametrize("byte, is_status, is_asb", [
    (0x12, True, False), (0x1A, True, False), (0x7E, True, False),
    (0x10, False, True), (0x14, False, True),    # first byte of a GS a message
    (0x00, False, False), (0xFF, False, False), (0x3F, False, False),
])
def test_status_bytes_and_automatic_status_back_are_told_apart(byte, is_status, is_asb):
    assert st.is_status_byte(byte) is is_status
    assert st.is_asb_header(byte) is is_asb


@pytest.mark.parametrize("status, error", [
    (PrinterStatus.READY, None), (PrinterStatus.PAPER_NEAR_END, None), (PrinterStatus.UNKNOWN, None),
    (PrinterStatus.PAPER_OUT, PaperOut), (PrinterStatus.COVER_OPEN, HardwareFault),
    (PrinterStatus.OFFLINE, HardwareFault), (PrinterStatus.ERROR, HardwareFault),
])
def test_which_states_stop_printing(status, error):
    fault = st.fault_for(status, "ticket_printer")
    assert (type(fault) if fault else None) is error


@pytest.mark.parametrize("data, names", [
    (b"\x1b@\x1ba\x01AB\n", ["init", "align", "text", "lf"]),
    (b"\x1c&\xc0\xee\x1c.", ["chinese_on", "text", "chinese_off"]),
    (b"\x1d!\x33\x1bE\x01", ["size", "bold"]),
    (b"\x1dv0\x00\x01\x00\x02\x00\x10\x04", ["raster"]),      # 10 04 inside image data is not a query
    (b"\x10\x04\x01\x10\x04\x04", ["status", "status"]),
    (b"\x1d(k\x03\x001Q0", ["qr"]),
    (b"\x1bd\x06\x1dV\x00\x1dVB\x03", ["feed_lines", "cut", "cut"]),
    (b"\x1b\x99", ["unknown", "text"]),                        # ESC 99 is not ours; 0x99 then reads as text
])
def test_command_splitting(data, names):
    commands, used = parse(data)
    assert [c.name for c in commands] == names
    assert used == len(data)


def test_a_stream_keeps_an_incomplete_command_for_later():
    commands, used = parse(b"AB\x1dv0\x00\x01\x00\x02\x00\x10", final=False)
    assert [c.name for c in commands] == ["text"] and used == 2
    commands, _ = parse(b"\x1dv0\x00\x01", final=True)
    assert [c.name for c in commands] == ["truncated"]


@pytest.mark.parametrize("text", ["，。：￥", "䶮"])
def test_why_we_encode_ourselves(text):
    """python-escpos 3.1's text path sends these as '?' (docs/printing.md "Chinese text"); ours sends the real
    characters in Chinese mode."""
    from escpos.printer import Dummy

    theirs = Dummy()
    theirs.text(text)
    assert theirs.output.endswith(b"?" * len(text))
    assert encode_line(text, "gb18030") == FS_ON + text.encode("gb18030") + FS_OFF


@pytest.mark.parametrize("key", ["printer.error.unplugged", "printer.error.no_answer", "printer.error.garbage",
                                 "printer.error.missing_library", "printer.error.no_cjk_font",
                                 "printer.fault.cover_open", "printer.fault.offline", "printer.fault.error"])
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_printer_errors_tell_citizens_what_to_do_without_technical_detail(key, language):
    from core.errors import DeviceError

    error = DeviceError("raw detail: Errno 111", key=key, device="ticket_printer")
    citizen, technician = error.message("citizen", language), error.message("technician", language)
    assert "Errno" not in citizen and "{" not in citizen
    assert "Errno 111" in technician


@settings(max_examples=300, deadline=None)
@given(strategies.binary(max_size=300))
def test_any_bytes_split_into_commands_that_cover_them_exactly(data):
    """The simulator splits whatever a client sends: never an exception, never a byte lost or doubled."""
    commands, used = parse(data)
    assert used == len(data)
    assert b"".join(c.raw for c in commands) == data
    head, used = parse(data, final=False)
    assert b"".join(c.raw for c in head) == data[:used]


@settings(max_examples=300, deadline=None)
@given(strategies.text(alphabet="中文䶮，。ab c1 ", max_size=80), strategies.integers(min_value=2, max_value=48))
def test_wrapped_lines_fit_and_keep_every_character(text, width):
    lines = wrap(text, width)
    assert all(cells(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
