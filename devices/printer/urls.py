"""Printer URLs → where and how to reach the printer (pure). docs/printing.md lists every form.

    serial:///dev/ttyUSB0?baudrate=9600        a serial port (options: baudrate, bytesize, parity,
    serial://COM3?baudrate=19200                stopbits, xonxoff, dsrdtr, rtscts)
    serial://socket://127.0.0.1:9100            any pyserial URL after "serial://" (a simulator)
    usb://0416:5011?interface=0&in_ep=0x81&out_ep=0x03   vendor:product in hex
    tcp://192.168.1.50:9100                     raw TCP (port 9100 when left out)
    file:///dev/usb/lp0                         a device node or a plain file
    cups://Ticket_Printer                       a CUPS queue (raw)
    win32://POS-80 Printer                      a Windows printer (raw)
    virtual://kiosk-1                           the in-memory virtual printer
    dummy://                                    collects bytes, prints nothing

A bad URL raises ``ConfigError`` naming the setting (``printers.<name>.url``) and what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from core.config import PRINTER_SCHEMES
from core.errors import ConfigError

SERIAL_OPTIONS = {"baudrate": int, "bytesize": int, "parity": str, "stopbits": float, "xonxoff": bool,
                  "dsrdtr": bool, "rtscts": bool}
USB_OPTIONS = {"interface": int, "in_ep": int, "out_ep": int}


@dataclass(frozen=True)
class PrinterTarget:
    scheme: str
    address: str  # port, host, path, queue or name, as the transport wants it
    port: int = 0  # tcp only
    options: dict = field(default_factory=dict)


def _bad(setting: str, problem: str) -> ConfigError:
    return ConfigError(f"{setting}: {problem}", setting=setting, problem=problem)


def _value(setting: str, key: str, text: str, kind: type):
    try:
        if kind is bool:
            if text.lower() in ("1", "true", "yes", "on"):
                return True
            if text.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(text)
        if kind is int:
            return int(text, 0)
        return kind(text)
    except ValueError:
        raise _bad(setting, f"option {key}={text!r} must be {kind.__name__}") from None


def _options(setting: str, query: str, allowed: dict[str, type], *, keep_others: bool = False):
    ours, others = {}, []
    for key, text in parse_qsl(query, keep_blank_values=True):
        if key in allowed:
            ours[key] = _value(setting, key, text, allowed[key])
        elif keep_others:
            others.append((key, text))
        else:
            raise _bad(setting, f"unknown option {key!r} (known: {', '.join(allowed)})")
    return ours, others


def parse_printer_url(url: str, setting: str = "printer url") -> PrinterTarget:
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in PRINTER_SCHEMES:
        raise _bad(setting, f"unknown scheme in {url!r}; use one of {', '.join(PRINTER_SCHEMES)}")

    if scheme == "serial":
        port, _, query = rest.partition("?")
        options, others = _options(setting, query, SERIAL_OPTIONS, keep_others="://" in port)
        if others:  # options of a pyserial URL (socket://…?logging=debug) stay with it
            port = f"{port}?{urlencode(others)}"
        if not port:
            raise _bad(setting, f"no serial port in {url!r} (e.g. serial:///dev/ttyUSB0)")
        return PrinterTarget("serial", unquote(port) if "://" not in port else port, options=options)

    parts = urlsplit(url)
    if scheme == "tcp":
        try:
            port = parts.port or 9100
        except ValueError:
            raise _bad(setting, f"bad port in {url!r}") from None
        if not parts.hostname:
            raise _bad(setting, f"no host in {url!r} (e.g. tcp://192.168.1.50:9100)")
        return PrinterTarget("tcp", parts.hostname, port=port)

    if scheme == "usb":
        ids = parts.netloc.split(":")
        try:
            vendor, product = (int(x, 16) for x in ids)
        except ValueError:
            raise _bad(setting, f"usb needs vendor:product in hex, e.g. usb://0416:5011, not {url!r}") from None
        options, _ = _options(setting, parts.query, USB_OPTIONS)
        return PrinterTarget("usb", f"{vendor:04x}:{product:04x}", options={"vendor": vendor, "product": product,
                                                                              **options})
    if scheme == "file":
        path = unquote(parts.netloc + parts.path)
        if not path:
            raise _bad(setting, f"no path in {url!r} (e.g. file:///dev/usb/lp0)")
        return PrinterTarget("file", path)

    name = unquote(rest.split("?", 1)[0]).strip("/")
    if scheme in ("cups", "win32") and not name:
        raise _bad(setting, f"no printer name in {url!r}")
    return PrinterTarget(scheme, name)
