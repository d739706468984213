"""``kiosk diag idcard``: wait for one ID card and show what was read.

    kiosk diag idcard --port URL [--baudrate N] [--timeout S] [--json] [--unmasked] [--raw]
                      [--photo-decoder LIB]

``URL`` is any pyserial URL (``/dev/ttyUSB1``, ``COM3``, ``socket://127.0.0.1:7001`` for the simulator).
Prints one field per line, or with ``--json`` one object with the keys of ``KEYS`` (ISO dates; ``null``
for no expiry and for keys the card type does not have). Personal data is masked unless ``--unmasked``:
names keep their first character, numbers their first and last four, the address its first six
characters, the birth date its year.

``--raw`` shows every frame in hex as it goes by (``tx``/``rx``, ``skip`` for bytes outside frames).
Masked, it shows commands and short answers whole but never the personal data: a long answer shows its
header (preamble, LEN, SW1-SW3, the block lengths) and checksum with the blocks elided, and skipped bytes
only as a count — they may be pieces of a damaged read answer. ``--unmasked`` shows every byte.

Exit codes: 0 a card was read; 1 no card within ``--timeout``; 2 the reader is missing, did not answer,
or answered in a way that breaks the protocol or reports a fault. Failures print one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from typing import Any

from kiosk.domain import CardType, Identity, mask_id_number, mask_name
from kiosk.errors import DeviceError
from kiosk.i18n import Translator

KEYS = ("card_type", "name", "english_name", "sex", "ethnicity", "birth_date", "address", "id_number",
        "authority", "valid_from", "valid_to", "pass_number", "issue_count", "nationality", "photo_available")

# The keys each card type has (docs/idcard.md, Text block); the others are null.
_COMMON = {"card_type", "sex", "birth_date", "id_number", "valid_from", "valid_to", "photo_available"}
TYPE_KEYS: dict[CardType, set[str]] = {
    CardType.RESIDENT: _COMMON | {"name", "ethnicity", "address", "authority"},
    CardType.HK_MO_TW_PERMIT: _COMMON | {"name", "address", "authority", "pass_number", "issue_count"},
    CardType.FOREIGN_PERMANENT_2017: _COMMON | {"name", "english_name", "nationality", "authority"},
    CardType.FOREIGN_PERMANENT_2023: _COMMON | {"name", "english_name", "nationality", "issue_count"},
}
MASKED_HEAD = 14  # a read answer's text starts at frame offset 14 (docs/idcard.md, Read answer)
SHORT_PAYLOAD = 16  # answers with no more data than this carry no personal data (status, select, SAM id)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("idcard", help="wait for one ID card and show what was read",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", required=True, metavar="URL",
                   help="pyserial URL of the reader (/dev/ttyUSB1, COM3, socket://127.0.0.1:7001)")
    p.add_argument("--baudrate", type=int, default=115200, help="line speed (default 115200, 8N1)")
    p.add_argument("--timeout", type=float, default=30.0, metavar="S", help="seconds to wait for a card")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--unmasked", action="store_true", help="show personal data in full")
    p.add_argument("--raw", action="store_true", help="show the frames in hex")
    p.add_argument("--photo-decoder", metavar="LIB", help="vendor WLT decoder library (e.g. libwlt2bmp.so)")
    p.set_defaults(func=run)


def _language() -> str:
    lang = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    return "zh_CN" if lang.startswith("zh") else "en"


def mask_address(address: str) -> str:
    """Keeps the first six characters (province and city, as a rule), stars the rest."""
    return address[:6] + "*" * max(0, len(address) - 6)


def identity_record(identity: Identity, *, unmasked: bool = False) -> dict[str, Any]:
    """The JSON record of a card: every key of ``KEYS``; null for keys its type does not have."""

    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    values: dict[str, Any] = {
        "card_type": identity.card_type.value,
        "name": identity.name if unmasked else mask_name(identity.name),
        "english_name": identity.english_name if unmasked else mask_name(identity.english_name),
        "sex": identity.sex.value if identity.sex.value != "unknown" else None,
        "ethnicity": identity.ethnicity,
        "birth_date": day(identity.birth_date) if unmasked or not identity.birth_date
        else f"{identity.birth_date.year:04d}-**-**",
        "address": identity.address if unmasked else mask_address(identity.address),
        "id_number": identity.id_number if unmasked else mask_id_number(identity.id_number),
        "authority": identity.authority,
        "valid_from": day(identity.valid_from),
        "valid_to": day(identity.valid_to),  # None: no expiry (长期)
        "pass_number": identity.pass_number if unmasked else mask_id_number(identity.pass_number),
        "issue_count": identity.issue_count,
        "nationality": identity.nationality,
        "photo_available": identity.photo_available,
    }
    keys = TYPE_KEYS[identity.card_type]
    return {k: (values[k] if k in keys and values[k] not in ("", None) else None) for k in KEYS}


def format_raw(direction: str, data: bytes, *, unmasked: bool) -> str:
    """One line of the raw view: direction and hex, masked as the module docstring says."""
    if unmasked:
        return f"{direction} {data.hex(' ').upper()}"
    if direction == "skip":
        return f"{direction} [{len(data)} bytes]"
    payload = len(data) - 8  # preamble 5, LEN 2, CHK 1
    if direction == "tx" or payload <= SHORT_PAYLOAD:
        return f"{direction} {data.hex(' ').upper()}"
    hidden = len(data) - MASKED_HEAD - 1
    return f"{direction} {data[:MASKED_HEAD].hex(' ').upper()} [{hidden} bytes masked] {data[-1]:02X}"


def _text_lines(record: dict[str, Any], t: Translator) -> list[str]:
    lines = []
    for key in KEYS:
        value = record[key]
        if value is None and key != "valid_to":
            continue
        if key == "card_type":
            value = t(f"idcard.card_type.{value}")
        elif key == "sex":
            value = t(f"idcard.sex.{value}")
        elif key == "valid_to" and value is None:
            value = t("idcard.no_expiry")
        elif key == "photo_available":
            value = t("idcard.diag.yes") if value else t("idcard.diag.no")
        lines.append(f"{t(f'idcard.field.{key}')}: {value}")
    return lines


def run(args: argparse.Namespace) -> int:
    from devices.idcard.photo import load_decoder
    from devices.idcard.reader import IdCardReader, NoCard

    t = Translator(_language())

    def show_raw(direction: str, data: bytes) -> None:
        line = format_raw(direction, data, unmasked=args.unmasked)
        if args.json:
            direction_, _, text = line.partition(" ")
            line = json.dumps({"raw": direction_, "hex": text}, ensure_ascii=False)
        print(line, flush=True)

    reader = IdCardReader(args.port, baudrate=args.baudrate, photo_decoder=load_decoder(args.photo_decoder),
                          on_raw=show_raw if args.raw else None)
    print(t("idcard.diag.waiting", timeout=f"{args.timeout:g}", port=args.port), file=sys.stderr, flush=True)
    try:
        identity = reader.read_once(args.timeout)
    except DeviceError as exc:
        print(f"kiosk diag idcard: {exc.message('technician', t.language)}", file=sys.stderr)
        return 1 if isinstance(exc, NoCard) else 2
    record = identity_record(identity, unmasked=args.unmasked)
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
    else:
        print("\n".join(_text_lines(record, t)))
        if not args.unmasked:
            print(t("idcard.diag.masked_note"), file=sys.stderr)
    return 0
