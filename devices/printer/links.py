"""Transports: one python-escpos printer class per URL scheme, behind a small ``Link`` interface.

python-escpos owns opening, writing (``_raw``) and closing for every transport (docs/printing.md "python-escpos
transports"). What it lacks, added here:

- bounded waits everywhere: read and write timeouts on serial, TCP and USB;
- a ``read(n, timeout_s)`` that returns ``b""`` on silence and raises ``DeviceNotFound`` when the other
  end has gone (python-escpos's ``_read`` cannot tell the two apart);
- pyserial URLs for serial (``socket://`` to a simulator, ``rfc2217://``), through ``serial_for_url``;
- translation of python-escpos, pyserial, pyusb and socket exceptions into ``core.errors`` (``_translated``).

``can_read`` says whether status can be asked at all: File, CUPS and Windows raw are write-only, so their
printers report ``PrinterStatus.UNKNOWN`` and printing goes ahead (docs/printing.md "Status").

Every method is called on the printer's owner thread only (devices/printer/escpos_printer.py).
"""

from __future__ import annotations

import contextlib
import errno
import shutil
import socket
import subprocess
from collections.abc import Iterator

import serial
from escpos import exceptions as escpos_errors
from escpos.printer import CupsPrinter, Dummy, File, Network, Serial, Usb, Win32Raw
from escpos.printer import cups as escpos_cups
from escpos.printer import usb as escpos_usb
from escpos.printer import win32raw as escpos_win32

from devices.printer.urls import PrinterTarget
from core.errors import DeviceError, DeviceNotFound, DeviceNotSupported, DeviceTimeout


@contextlib.contextmanager
def _translated(device: str, what: str) -> Iterator[None]:
    """Turns the exceptions of python-escpos, pyserial, pyusb and sockets into ``core.errors``."""
    try:
        yield
    except DeviceError:
        raise
    except (serial.SerialTimeoutException, socket.timeout, TimeoutError, subprocess.TimeoutExpired) as exc:
        raise DeviceTimeout(f"{what}: {exc}", key="printer.error.no_answer", device=device) from None
    except escpos_errors.DeviceNotFoundError as exc:
        raise DeviceNotFound(f"{what}: {' '.join(str(exc).split())}", device=device) from None
    except (serial.SerialException, OSError) as exc:
        raise DeviceNotFound(f"{what}: {exc}", key="printer.error.unplugged", device=device) from None
    except Exception as exc:  # pyusb's USBError and other library errors that carry no better type
        if type(exc).__name__ == "USBTimeoutError":
            raise DeviceTimeout(f"{what}: {exc}", key="printer.error.no_answer", device=device) from None
        if type(exc).__name__ in ("USBError", "NoBackendError", "SubprocessError", "RuntimeError"):
            raise DeviceNotFound(f"{what}: {exc}", key="printer.error.unplugged", device=device) from None
        raise


class Link:
    """A connection to a printer. ``escpos`` is the python-escpos printer doing the real work."""

    can_read = False

    def __init__(self, target: PrinterTarget, device: str, timeout_s: float) -> None:
        self.target = target
        self.device = device
        self.timeout_s = timeout_s
        self.escpos = self._make()
        self.is_open = False

    def _make(self):
        raise NotImplementedError

    def open(self) -> None:
        with _translated(self.device, f"cannot open {self.describe()}"):
            self.escpos.open()
        self.is_open = True

    def write(self, data: bytes) -> None:
        with _translated(self.device, f"cannot write to {self.describe()}"):
            self.escpos._raw(data)

    def finish_job(self) -> None:
        """Hands a whole job over (CUPS sends its spool file here); nothing for stream transports."""

    def read(self, n: int, timeout_s: float) -> bytes:
        raise DeviceNotSupported(f"{self.describe()} cannot read", device=self.device)

    def drain(self) -> bytes:
        """Whatever the printer sent unasked (automatic status back), without waiting."""
        return b""

    def close(self) -> None:
        self.is_open = False
        with contextlib.suppress(Exception):  # closing a link that is already gone must not fail
            self.escpos.close()
        # If python-escpos's close failed half-way (flush on a port that is gone), close the handle
        # ourselves and forget it, or its __del__ tries again later and prints a traceback.
        handle = getattr(self.escpos, "_device", False)
        if handle:
            with contextlib.suppress(Exception):
                handle.close()
            self.escpos._device = False

    def describe(self) -> str:
        return f"{self.target.scheme}://{self.target.address}" + (f":{self.target.port}" if self.target.port else "")


class _SerialPrinter(Serial):
    """python-escpos Serial opened with pyserial's ``serial_for_url`` (plain ports and URLs alike)."""

    def __init__(self, *args, rtscts: bool = False, write_timeout: float = 3.0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rtscts = rtscts
        self.write_timeout = write_timeout

    def open(self, raise_not_found: bool = True) -> None:
        self.device = serial.serial_for_url(
            self.devfile, baudrate=self.baudrate, bytesize=self.bytesize, parity=self.parity,
            stopbits=self.stopbits, timeout=self.timeout, write_timeout=self.write_timeout,
            xonxoff=self.xonxoff, dsrdtr=self.dsrdtr, rtscts=self.rtscts)


class SerialLink(Link):
    can_read = True

    def _make(self):
        o = self.target.options
        parity = o.get("parity", "N").upper()
        return _SerialPrinter(devfile=self.target.address, baudrate=o.get("baudrate", 9600),
                              bytesize=o.get("bytesize", 8), parity=parity, stopbits=o.get("stopbits", 1),
                              xonxoff=o.get("xonxoff", False), dsrdtr=o.get("dsrdtr", True),
                              rtscts=o.get("rtscts", False), timeout=self.timeout_s,
                              write_timeout=self.timeout_s)

    @property
    def baudrate(self) -> int:
        return self.escpos.baudrate

    def write(self, data: bytes) -> None:
        # The wire takes 10 bits a byte: give a long job the time it needs at this speed, and no more.
        self.escpos.device.write_timeout = self.timeout_s + len(data) * 10 / self.baudrate
        super().write(data)

    def read(self, n: int, timeout_s: float) -> bytes:
        with _translated(self.device, f"cannot read from {self.describe()}"):
            port = self.escpos.device
            port.timeout = timeout_s
            return port.read(n)

    def drain(self) -> bytes:
        with _translated(self.device, f"cannot read from {self.describe()}"):
            port = self.escpos.device
            chunks = []
            port.timeout = 0  # non-blocking: take what is there (socket:// in_waiting only says "some")
            while port.in_waiting:
                chunk = port.read(256)
                if not chunk:
                    break
                chunks.append(chunk)
            return b"".join(chunks)


class TcpLink(Link):
    can_read = True

    def _make(self):
        return Network(host=self.target.address, port=self.target.port, timeout=self.timeout_s)

    def read(self, n: int, timeout_s: float) -> bytes:
        sock: socket.socket = self.escpos.device
        with _translated(self.device, f"cannot read from {self.describe()}"):
            sock.settimeout(timeout_s)
            try:
                data = sock.recv(n)
            except socket.timeout:
                return b""
            finally:
                sock.settimeout(self.timeout_s)
        if not data:
            raise DeviceNotFound(f"{self.describe()} closed the connection", key="printer.error.unplugged",
                                 device=self.device)
        return data

    def drain(self) -> bytes:
        sock: socket.socket = self.escpos.device
        chunks = []
        with _translated(self.device, f"cannot read from {self.describe()}"):
            sock.setblocking(False)
            try:
                while True:
                    try:
                        data = sock.recv(256)
                    except BlockingIOError:
                        break
                    if not data:
                        raise DeviceNotFound(f"{self.describe()} closed the connection",
                                             key="printer.error.unplugged", device=self.device)
                    chunks.append(data)
            finally:
                sock.settimeout(self.timeout_s)
        return b"".join(chunks)


def _need(usable: bool, library: str, device: str) -> None:
    if not usable:
        raise DeviceNotSupported(library, key="printer.error.missing_library", device=device)


class UsbLink(Link):
    can_read = True

    def _make(self):
        _need(escpos_usb.is_usable(), "pyusb (pip install pyusb; and libusb-1.0)", self.device)
        o = self.target.options
        interface = o.get("interface", 0)

        class _UsbPrinter(Usb):
            """python-escpos Usb that frees the configured interface (it always takes interface 0)."""

            def _check_driver(self) -> None:
                with contextlib.suppress(Exception):  # not every backend can (only libusb1 on Linux)
                    if self.device.is_kernel_driver_active(interface):
                        self.device.detach_kernel_driver(interface)

        return _UsbPrinter(idVendor=o["vendor"], idProduct=o["product"], timeout=int(self.timeout_s * 1000),
                           in_ep=o.get("in_ep", 0x82), out_ep=o.get("out_ep", 0x01))

    def read(self, n: int, timeout_s: float) -> bytes:
        with _translated(self.device, f"cannot read from {self.describe()}"):
            try:
                return bytes(self.escpos.device.read(self.escpos.in_ep, n, int(timeout_s * 1000)))
            except Exception as exc:
                if type(exc).__name__ == "USBTimeoutError" or getattr(exc, "errno", None) == errno.ETIMEDOUT:
                    return b""
                raise


class FileLink(Link):
    def _make(self):
        return File(devfile=self.target.address)


class CupsLink(Link):
    """A CUPS queue, raw: pycups (python-escpos CupsPrinter) when installed, else the ``lp`` command.

    Each job is handed over whole in ``finish_job``. python-escpos's own LP class is not used: its close
    terminates ``lp`` before it has necessarily read the whole job.
    """

    def _make(self):
        if escpos_cups.is_usable():
            return CupsPrinter(printer_name=self.target.address)
        if shutil.which("lp"):
            return _LpCommand(self.target.address, self.timeout_s, self.device)
        raise DeviceNotSupported("pycups or the lp command (apt install cups-client)",
                                 key="printer.error.missing_library", device=self.device)

    def finish_job(self) -> None:
        with _translated(self.device, f"cannot hand the job to {self.describe()}"):
            self.escpos.close()  # CupsPrinter sends its spool file; _LpCommand runs lp
        self.is_open = False  # the next job opens a new one


class _LpCommand:
    """``lp -d QUEUE -o raw`` fed one whole job on stdin, with a bounded wait."""

    def __init__(self, queue: str, timeout_s: float, device: str) -> None:
        self.queue = queue
        self.device = device
        self.timeout_s = timeout_s
        self.pending = bytearray()

    def open(self) -> None:
        self.pending.clear()

    def _raw(self, data: bytes) -> None:
        self.pending += data

    def close(self) -> None:
        if not self.pending:
            return
        job, self.pending = bytes(self.pending), bytearray()
        result = subprocess.run(["lp", "-d", self.queue, "-t", "kiosk", "-o", "raw"], input=job,
                                capture_output=True, timeout=self.timeout_s + 10, check=False)
        if result.returncode != 0:
            message = result.stderr.decode(errors="replace").strip() or f"lp exited {result.returncode}"
            raise DeviceNotFound(f"lp -d {self.queue}: {message}", key="printer.error.unplugged",
                                 device=self.device)


class Win32Link(Link):
    """A Windows printer, raw. python-escpos Win32Raw starts a document on open; the spooler prints it when
    it is closed, so each job is its own document."""

    def _make(self):
        _need(escpos_win32.is_usable(), "pywin32 (Windows only)", self.device)
        return Win32Raw(printer_name=self.target.address)

    def finish_job(self) -> None:
        with _translated(self.device, f"cannot hand the job to {self.describe()}"):
            self.escpos.close()
        self.is_open = False


class DummyLink(Link):
    """python-escpos Dummy: keeps the bytes (``output``), prints nothing, cannot read."""

    def _make(self):
        return Dummy()

    @property
    def output(self) -> bytes:
        return self.escpos.output


LINKS: dict[str, type[Link]] = {"serial": SerialLink, "tcp": TcpLink, "usb": UsbLink, "file": FileLink,
                                "cups": CupsLink, "win32": Win32Link, "dummy": DummyLink}


def make_link(target: PrinterTarget, device: str, timeout_s: float) -> Link:
    return LINKS[target.scheme](target, device, timeout_s)
