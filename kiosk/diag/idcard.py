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
from typing import Any

from core.errors import DeviceError
from core.domain.identity import CardType, Sex
from core.i18n import Translator, keys_for
from core.services.idcard_report import KEYS, format_raw, identity_record

FIELD_KEYS = (keys_for("idcard.field.", KEYS), keys_for("idcard.card_type.", CardType), keys_for("idcard.sex.", Sex))

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
