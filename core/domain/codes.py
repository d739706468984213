"""What a scanned code is: a strict, pure classifier for scanner and camera payloads.

Payloads are untrusted input (docs/codes.md, "QR / barcode scanners": "Payloads are untrusted input:
bound their length, strip control characters, never execute or open them; classify them by a strict
pattern"). A payload is one of the kinds below only when it matches that kind's pattern *exactly*
(``re.fullmatch`` with ``re.ASCII``: no Unicode digits, no trailing newline, no extra text) and its check
digit, date or host is right; everything else is ``CodeKind.UNKNOWN`` and is never acted on. The formats
are documented, with examples, in docs/codes.md:

=============  =====================================================  ==================================
kind           exact shape                                            example
=============  =====================================================  ==================================
ticket         ``HALL:T:<hall>:<yyyymmdd>:<number>``                  ``HALL:T:3201-0042:20261121:A001``
appointment    ``YY<yyyymmdd><serial 6><Luhn check digit>``           ``YY202611210001236``
receipt        ``HALL:R:<tracking>`` or                               ``HALL:R:32010220261121000123``
               ``https://<platform host>/track/<tracking>``
e_licence      ``DZZZ:<type>:<issuer credit code>:<licence number>``  ``DZZZ:YYZZ:91320100MA1XY8K12E:…``
e_id           ``CTID:1:<base64url token, 32-256 chars>``             ``CTID:1:q83vEjRWeJq83vEjRWeJ…``
guide          ``HALL:G:<matter code>`` or                            ``HALL:G:320100-QR-0002``
               ``https://<platform host>/guide/<matter code>``
pre_applic.    ``HALL:P:<record id>`` (a UUID, lower case)            ``HALL:P:0f8e…-…``
=============  =====================================================  ==================================

- ``<tracking>`` is a 办件编号: 6-digit administrative region code, 8-digit date, 6-digit serial.
- ``<issuer credit code>`` is an 18-character unified social credit code (统一社会信用代码) whose last
  character is the GB 32100-2015 check character.
- ``<matter code>`` is a catalogue code: 3-40 ASCII letters, digits and dashes (``320100-QR-0002``).
- ``<record id>`` is the id the kiosk's outbox gave the 自助申报 record (``8-4-4-4-12`` lower-case hex): the
  slip's code works before the platform has answered a case number, and the clerk opens it by that id.
- The receipt URL must be ``https`` on one of the platform's hosts (``platform_hosts``), no user info, no
  port, no query, no fragment: a QR pointing anywhere else is unknown. The same holds for a guide URL.

The classifier never raises and never does I/O; it imports nothing of ours.
"""

from __future__ import annotations

import datetime
import enum
import re
import unicodedata
from dataclasses import dataclass, field

# The longest payload any kind can have (an e-ID token of 256 plus its prefix; a receipt URL on a long
# host name). Anything longer is unknown without being matched at all.
MAX_PAYLOAD_CHARS = 320

DEFAULT_PLATFORM_HOSTS: tuple[str, ...] = ("zwfw.example.gov.cn",)


class CodeKind(enum.StrEnum):
    TICKET = "ticket"
    APPOINTMENT = "appointment"
    RECEIPT = "receipt"
    E_LICENCE = "e_licence"
    E_ID = "e_id"
    GUIDE = "guide"
    PRE_APPLICATION = "pre_application"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ScannedCode:
    """One classified payload. ``fields`` holds the parts the pattern names (all ``str``)."""

    kind: CodeKind
    payload: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def known(self) -> bool:
        return self.kind is not CodeKind.UNKNOWN


# e-licence type codes the sample hall knows (simulators/sample_data/hall.json "elicences"); the classifier
# accepts any type of the right shape, services map known ones to a material.
E_LICENCE_TYPES: dict[str, str] = {
    "JMSFZ": "居民身份证",
    "BDCQZ": "不动产权证书",
    "YYZZ": "营业执照",
    "JHZ": "结婚证",
    "CSYXZM": "出生医学证明",
    "JMHKB": "居民户口簿",
    "WSZM": "完税证明",
    "JZZ": "居住证",
}

_DATE = r"(?P<date>[0-9]{8})"
_TRACKING = r"(?P<tracking>(?P<region>[0-9]{6})(?P<tdate>[0-9]{8})(?P<serial>[0-9]{6}))"
_TICKET = re.compile(r"HALL:T:(?P<hall>[0-9]{4}-[0-9]{4}):" + _DATE + r":(?P<number>[A-Z][0-9]{3})", re.ASCII)
_APPOINTMENT = re.compile(r"YY" + _DATE + r"(?P<serial>[0-9]{6})(?P<check>[0-9])", re.ASCII)
_RECEIPT_BARE = re.compile(r"HALL:R:" + _TRACKING, re.ASCII)
_RECEIPT_URL = re.compile(r"https://(?P<host>[a-z0-9.-]{1,100})/track/" + _TRACKING, re.ASCII)
_RATING_URL = re.compile(r"https://(?P<host>[a-z0-9.-]{1,100})/rate/" + _TRACKING, re.ASCII)
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, Z, S, V
_E_LICENCE = re.compile(
    r"DZZZ:(?P<type>[A-Z]{2,8}):(?P<issuer>[0-9A-HJ-NP-RTUWXY]{18}):(?P<number>[0-9A-Z]{6,32})", re.ASCII
)
_E_ID = re.compile(r"CTID:1:(?P<token>[A-Za-z0-9_-]{32,256})", re.ASCII)
_MATTER = r"(?P<matter>[A-Za-z0-9-]{3,40})"
_GUIDE_BARE = re.compile(r"HALL:G:" + _MATTER, re.ASCII)
_GUIDE_URL = re.compile(r"https://(?P<host>[a-z0-9.-]{1,100})/guide/" + _MATTER, re.ASCII)
RECORD_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_PRE_APPLICATION = re.compile(r"HALL:P:(?P<record>" + RECORD_ID + ")", re.ASCII)


def luhn_ok(digits: str) -> bool:
    """The Luhn check (ISO/IEC 7812-1) over a string of ASCII digits whose last digit is the check."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_check_digit(digits: str) -> str:
    """The digit to append to ``digits`` so that ``luhn_ok`` holds (used to make sample codes)."""
    return next(str(c) for c in range(10) if luhn_ok(digits + str(c)))


_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 clause 5: check character of a unified social credit code (weights 3^i mod 31)."""
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def uscc_ok(code: str) -> bool:
    return len(code) == 18 and all(c in _USCC_CHARS for c in code) and uscc_check_char(code[:17]) == code[17]


def _date_ok(yyyymmdd: str) -> bool:
    try:
        day = datetime.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return False
    return 2000 <= day.year <= 2099


def _unknown(payload: str) -> ScannedCode:
    return ScannedCode(CodeKind.UNKNOWN, payload)


def classify(payload: str, *, platform_hosts: tuple[str, ...] = DEFAULT_PLATFORM_HOSTS) -> ScannedCode:
    """Classifies one payload; anything that does not match a pattern exactly is ``UNKNOWN``."""
    if not isinstance(payload, str) or not payload or len(payload) > MAX_PAYLOAD_CHARS:
        return _unknown(payload if isinstance(payload, str) else "")
    if m := _TICKET.fullmatch(payload):
        if _date_ok(m["date"]):
            return ScannedCode(CodeKind.TICKET, payload,
                               {"hall_id": m["hall"], "date": m["date"], "number": m["number"]})
    elif m := _APPOINTMENT.fullmatch(payload):
        if _date_ok(m["date"]) and luhn_ok(payload[2:]):
            return ScannedCode(CodeKind.APPOINTMENT, payload,
                               {"code": payload, "date": m["date"], "serial": m["serial"]})
    elif (m := _RECEIPT_BARE.fullmatch(payload)) or (m := _RECEIPT_URL.fullmatch(payload)):
        host_ok = "host" not in m.groupdict() or m["host"] in platform_hosts
        if host_ok and _date_ok(m["tdate"]):
            return ScannedCode(CodeKind.RECEIPT, payload, {"tracking": m["tracking"], "region": m["region"]})
    elif m := _E_LICENCE.fullmatch(payload):
        if uscc_ok(m["issuer"]):
            return ScannedCode(CodeKind.E_LICENCE, payload,
                               {"type": m["type"], "issuer": m["issuer"], "number": m["number"]})
    elif m := _E_ID.fullmatch(payload):
        return ScannedCode(CodeKind.E_ID, payload, {"token": m["token"]})
    elif (m := _GUIDE_BARE.fullmatch(payload)) or (m := _GUIDE_URL.fullmatch(payload)):
        if "host" not in m.groupdict() or m["host"] in platform_hosts:
            return ScannedCode(CodeKind.GUIDE, payload, {"matter": m["matter"]})
    elif m := _PRE_APPLICATION.fullmatch(payload):
        return ScannedCode(CodeKind.PRE_APPLICATION, payload, {"record_id": m["record"]})
    return _unknown(payload)


def receipt_payload(tracking: str, host: str = "") -> str:
    """The receipt code of a case (办件编号 ``tracking``): ``https://<host>/track/<tracking>`` when the
    platform's ``host`` is given, ``HALL:R:<tracking>`` otherwise. Raises ``ValueError`` for anything the
    classifier would not read back as that receipt."""
    payload = f"https://{host}/track/{tracking}" if host else f"HALL:R:{tracking}"
    code = classify(payload, platform_hosts=(host,))
    if code.kind is not CodeKind.RECEIPT or code.fields["tracking"] != tracking:
        raise ValueError(f"{tracking!r} on {host!r} does not make a receipt code")
    return payload


def guide_payload(matter: str, host: str = "") -> str:
    """The guide code of a matter: ``https://<host>/guide/<matter>`` or ``HALL:G:<matter>``; ``ValueError``
    for anything the classifier would not read back as that matter's guide."""
    payload = f"https://{host}/guide/{matter}" if host else f"HALL:G:{matter}"
    code = classify(payload, platform_hosts=(host,))
    if code.kind is not CodeKind.GUIDE or code.fields["matter"] != matter:
        raise ValueError(f"{matter!r} on {host!r} does not make a guide code")
    return payload


def rating_payload(tracking: str, host: str) -> str:
    """The link a receipt prints to rate the case later from a phone (好差评, docs/evaluation.md):
    ``https://<host>/rate/<tracking>`` on the platform's public host. It is for a phone's camera, not a
    terminal's scanner: ``classify`` leaves it unknown. ``ValueError`` without a host, or for anything that
    is not exactly that link of that case."""
    payload = f"https://{host}/rate/{tracking}"
    m = _RATING_URL.fullmatch(payload) if host else None
    if m is None or m["host"] != host or m["tracking"] != tracking or not _date_ok(m["tdate"]):
        raise ValueError(f"{tracking!r} on {host!r} does not make a rating link")
    return payload


def pre_application_payload(record_id: str) -> str:
    """The code on a 自助申报 slip: ``HALL:P:<record id>``; ``ValueError`` for an id the classifier would not
    read back."""
    payload = f"HALL:P:{record_id}"
    code = classify(payload)
    if code.kind is not CodeKind.PRE_APPLICATION or code.fields["record_id"] != record_id:
        raise ValueError(f"{record_id!r} does not make a pre-application code")
    return payload


def escape_controls(text: str, limit: int = 200) -> str:
    """``text`` safe to show on one line: control and format characters as ``\\xNN``/``\\uNNNN`` escapes,
    cut to ``limit`` characters with an ellipsis (for technicians and logs; never shows raw controls)."""
    out = []
    for ch in text[:limit]:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") or ch == "\\":
            cp = ord(ch)
            if ch == "\\":
                out.append("\\\\")
            elif cp < 0x100:
                out.append(f"\\x{cp:02x}")
            else:
                out.append(f"\\u{cp:04x}" if cp < 0x10000 else f"\\U{cp:08x}")
        else:
            out.append(ch)
    return "".join(out) + ("…" if len(text) > limit else "")
