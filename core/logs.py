"""Logging to a rotating file in the platform's data directory, with personal data masked.

``MaskingFilter`` rewrites every record before any handler sees it:

- anything shaped like a resident ID number (18 characters, or the old 15-digit form) becomes
  ``3201**********1234`` (GB/T 35273-2020 de-identification);
- mobile phone numbers keep their first three and last four digits;
- names are not recognisable by shape, so flows that hold a person's name register it with
  ``register_sensitive(name)`` for as long as the session lasts; every registered value is masked wherever
  it appears in a message or its arguments. ``forget_sensitive`` drops them when the session is wiped.

``Identity`` objects are already masked in their repr; the filter is the net under that.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import threading
from pathlib import Path

import platformdirs

from core.domain.identity import mask_id_number, mask_name

APP_NAME = "hall-kiosk"

# 6-digit area, 8-digit birth date, 3-digit sequence, check digit; not part of a longer run of digits.
_ID18 = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")

_sensitive_lock = threading.Lock()
_sensitive: dict[str, str] = {}  # value -> its masked form
_SENSITIVE_MAX = 256  # a kiosk serves one person at a time; a clerk a few; keep the set small


def register_sensitive(value: str | None) -> None:
    """Masks ``value`` (a name, an address) in every log line from now until ``forget_sensitive``."""
    if not value or len(value.strip()) < 2:
        return
    with _sensitive_lock:
        if len(_sensitive) >= _SENSITIVE_MAX:
            _sensitive.pop(next(iter(_sensitive)))
        _sensitive[value] = mask_name(value)


def forget_sensitive(value: str | None = None) -> None:
    """Forgets one registered value, or all of them (``None``): the session was wiped."""
    with _sensitive_lock:
        if value is None:
            _sensitive.clear()
        else:
            _sensitive.pop(value, None)


def mask_text(text: str) -> str:
    """Masks ID numbers, mobile numbers and registered names in ``text``."""
    text = _ID18.sub(lambda m: mask_id_number(m.group()), text)
    text = _ID15.sub(lambda m: mask_id_number(m.group()), text)
    text = _MOBILE.sub(lambda m: m.group()[:3] + "****" + m.group()[-4:], text)
    with _sensitive_lock:
        items = sorted(_sensitive.items(), key=lambda kv: -len(kv[0]))
    for value, masked in items:
        if value in text:
            text = text.replace(value, masked)
    return text


class _Masked:
    """An argument that is not a string, shown masked by ``%s`` and ``%r``."""

    __slots__ = ("_str", "_repr")

    def __init__(self, value: object) -> None:
        self._str, self._repr = mask_text(str(value)), mask_text(repr(value))

    def __str__(self) -> str:
        return self._str

    def __repr__(self) -> str:
        return self._repr


def _mask_arg(value: object) -> object:
    if isinstance(value, str):
        return mask_text(value)
    if value is None or isinstance(value, bool | int | float) and mask_text(str(value)) == str(value):
        return value
    return value if mask_text(repr(value)) == repr(value) and mask_text(str(value)) == str(value) \
        else _Masked(value)


class MaskingFilter(logging.Filter):
    """Masks personal data in the formatted message (and the exception text) of every record.

    The record keeps its shape: ``msg`` and each of ``args`` are masked on their own, so formatters that
    read ``record.args`` themselves (uvicorn's access log unpacks five of them) still work. Only when the
    masked parts would not give the masked message (a number split between the format and an argument)
    does the record become its masked message with no arguments.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line
            message = f"{record.msg!r} {record.args!r}"
        masked = mask_text(message)
        if masked != message:
            self._mask_parts(record, message, masked)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True

    @staticmethod
    def _mask_parts(record: logging.LogRecord, message: str, masked: str) -> None:
        msg = mask_text(record.msg) if isinstance(record.msg, str) else _mask_arg(record.msg)
        args = record.args
        if isinstance(args, tuple):
            args = tuple(_mask_arg(a) for a in args)
        elif isinstance(args, dict):
            args = {k: _mask_arg(v) for k, v in args.items()}
        try:
            same = (str(msg) % args if args else str(msg)) == masked
        except (TypeError, ValueError, KeyError):
            same = False
        if same:
            record.msg, record.args = msg, args
        else:
            record.msg, record.args = masked, ()


def data_dir(configured: str = "") -> Path:
    """The terminal's data directory: configured, or the platform's usual one."""
    path = Path(configured) if configured else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


_configured = False


def setup(directory: str | Path | None = None, *, level: int = logging.INFO, console: bool = False) -> Path:
    """Sends the product's logs to ``<data dir>/logs/kiosk.log`` (rotated: 5 × 2 MB), masked."""
    global _configured
    log_dir = Path(directory) if directory else data_dir() / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "kiosk.log"
    root = logging.getLogger()
    # Libraries may have put handlers on the root logger before us (python-escpos calls
    # logging.basicConfig() when imported): those get the masking filter too.
    for existing in root.handlers:
        if not any(isinstance(f, MaskingFilter) for f in existing.filters):
            existing.addFilter(MaskingFilter())
    if _configured:
        return path
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    root.addHandler(handler)
    if console:
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        stream.addFilter(MaskingFilter())
        root.addHandler(stream)
    root.setLevel(level)
    _configured = True
    return path
