"""Serial scanner framing: bytes in, payloads out (pure; no I/O, no clock of its own).

Facts (docs/codes.md, "QR / barcode scanners"): the line end is not guaranteed (several
Honeywell models default to no suffix), so a code ends at CR, LF or CRLF, or, failing those, when no byte
has arrived for an inter-byte gap. Payloads are untrusted: bound their length, strip control characters.

    framer = ScanFramer(max_bytes=4096)
    events = framer.feed(b"YY2026\\r\\nHALL", now=t)     # [Scan("YY2026")]
    events += framer.idle(now=t + 0.2, gap_s=0.1)      # [Scan("HALL")]: the gap ended it

Events are ``Scan(payload)`` or ``Rejected(reason, detail)``. A code longer than ``max_bytes`` is rejected
once, and everything up to the next terminator (or gap) is discarded with it, so the tail of an overlong
code never comes out as a code of its own. CRLF is one terminator: the LF right after a CR ends nothing.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass

from devices.scanner.charsets import decode_bytes

MAX_CODE_BYTES = 4096
TERMINATORS = b"\r\n"


class RejectReason(enum.StrEnum):
    OVERLONG = "overlong"
    UNDECODABLE = "undecodable"
    EMPTY = "empty"  # nothing but control characters


@dataclass(frozen=True)
class Scan:
    payload: str


@dataclass(frozen=True)
class Rejected:
    reason: RejectReason
    detail: str


Event = Scan | Rejected


def strip_controls(text: str) -> str:
    """Drops control, format and separator characters (C0, DEL, C1, bidi overrides, BOM, U+2028/9)."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp"))


def decode_payload(raw: bytes) -> str:
    """UTF-8 when valid, else the more plausible of GB18030 (scanners set to a Chinese code page, and a
    tie) and Shift-JIS (``charsets.decode_bytes``); raises ``UnicodeDecodeError``."""
    return decode_bytes(raw)


def payload_event(raw: bytes) -> Event:
    """One framed code's bytes → the event it gives."""
    try:
        text = decode_payload(raw)
    except UnicodeDecodeError:
        return Rejected(RejectReason.UNDECODABLE, f"{len(raw)} bytes that are neither UTF-8, GB18030 nor Shift-JIS")
    text = strip_controls(text).strip(" ")
    if not text:
        return Rejected(RejectReason.EMPTY, f"{len(raw)} bytes of control characters")
    return Scan(text)


class ScanFramer:
    def __init__(self, max_bytes: int = MAX_CODE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._buf = bytearray()
        self._discarding = False  # inside an overlong code: drop bytes until its end
        self._after_cr = False  # the previous byte was CR: a LF now is the second half of CRLF
        self._last_byte_at: float | None = None

    @property
    def pending(self) -> bool:
        return bool(self._buf) or self._discarding

    def feed(self, data: bytes, now: float) -> list[Event]:
        events: list[Event] = []
        for byte in data:
            if byte in TERMINATORS:
                if byte == 0x0A and self._after_cr:
                    self._after_cr = False
                    continue
                self._after_cr = byte == 0x0D
                events += self._end()
                continue
            self._after_cr = False
            if self._discarding:
                continue
            self._buf.append(byte)
            if len(self._buf) > self.max_bytes:
                events.append(Rejected(RejectReason.OVERLONG,
                                       f"code longer than {self.max_bytes} bytes; discarded up to its end"))
                self._buf.clear()
                self._discarding = True
        if data:
            self._last_byte_at = now
        return events

    def idle(self, now: float, gap_s: float) -> list[Event]:
        """Ends the pending code if no byte has come for ``gap_s`` (the scanner sends no suffix)."""
        if self.pending and self._last_byte_at is not None and now - self._last_byte_at >= gap_s:
            self._after_cr = False
            return self._end()
        return []

    def reset(self) -> None:
        """Forgets a partial code (after a disconnect: its tail will never come)."""
        self._buf.clear()
        self._discarding = False
        self._after_cr = False

    def _end(self) -> list[Event]:
        if self._discarding:
            self._discarding = False
            return []
        if not self._buf:
            return []
        raw = bytes(self._buf)
        self._buf.clear()
        return [payload_event(raw)]
