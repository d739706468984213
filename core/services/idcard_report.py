"""What a technician or a window may see of one ID card: the record of its fields, masked by default, and the
raw view of the reader's frames with the personal data elided.

Masking rules (the same for ``kiosk diag idcard`` and the technician window): names keep their first
character, numbers their first and last four, the address its first six characters, the birth date its
year. In the raw view, commands and short answers show whole; a long read answer shows its header and
checksum with the text and photo blocks elided, and bytes outside frames only as a count.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from core.domain import Identity, mask_id_number, mask_name

KEYS = ("card_type", "name", "english_name", "sex", "ethnicity", "birth_date", "address", "id_number",
        "authority", "valid_from", "valid_to", "pass_number", "issue_count", "nationality", "photo_available")

MASKED_HEAD = 14  # a read answer's text starts at frame offset 14 (docs/idcard.md, Read answer)
SHORT_PAYLOAD = 16  # answers with no more data than this carry no personal data (status, select, SAM id)


def mask_address(address: str) -> str:
    """Keeps the first six characters (province and city, as a rule), stars the rest."""
    return address[:6] + "*" * max(0, len(address) - 6)


def identity_record(identity: Identity, *, unmasked: bool = False) -> dict[str, Any]:
    """The JSON record of a card: every key of ``KEYS``; null for keys its type does not have (the reader
    leaves them empty: devices/idcard/text.py ``LAYOUTS`` says which fields each card type carries)."""

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
    return {k: (values[k] if values[k] not in ("", None) else None) for k in KEYS}


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
