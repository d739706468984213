"""Sample cards for the simulator and the demo: the text blocks a real card would hold, built field by field.

The builders write the layouts of docs/idcard.md (section 1, *Text block*) — the
inverse of ``devices.idcard.text.parse_text``. Names, birth dates and sexes are those of the sample
citizens in simulators/sample_data/hall.json (a test checks they agree); ID numbers are invented, with correct
ISO 7064 MOD 11-2 check digits. Photos are fixed pseudo-random 1024-byte blobs standing for WLT data:
no decoder turns them into a face, so a sample card's photo is unavailable unless a decoder is configured.

    SAMPLE_CARDS["li_yan"].text     # 256 bytes, resident card of 李䶮 (CJK Extension A), born 1955
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from core.i18n import keys_for
from devices.idcard.protocol import PHOTO_SIZE, TEXT_SIZE
from devices.idcard.text import CARD_TYPE_OFFSET, NO_EXPIRY, check_digit

PAD = " "  # ref, Text block: "padded with spaces"


def put(block: bytearray, offset: int, size: int, value: str) -> None:
    """Writes ``value`` as UCS-2 LE into the field at ``offset``, padded with spaces to ``size`` bytes."""
    raw = value.encode("utf-16-le")
    if len(raw) > size:
        raise ValueError(f"field at {offset} holds {size // 2} characters, not {len(value)}")
    block[offset:offset + size] = raw + (PAD * ((size - len(raw)) // 2)).encode("utf-16-le")


def _blank() -> bytearray:
    return bytearray((PAD * (TEXT_SIZE // 2)).encode("utf-16-le"))


def _date(day: date | None) -> str:
    return NO_EXPIRY if day is None else day.strftime("%Y%m%d")


def _sex(sex: str) -> str:
    return {"male": "1", "female": "2"}.get(sex, "0")  # ref, Text block: 1 male, 2 female


def resident_text(*, name: str, sex: str, ethnicity: str, birth: date, address: str, id_number: str,
                  authority: str, valid_from: date, valid_to: date | None) -> bytes:
    """ref, Text block, column "resident" (offset 248 stays a space)."""
    b = _blank()
    put(b, 0, 30, name)
    put(b, 30, 2, _sex(sex))
    put(b, 32, 4, ethnicity)
    put(b, 36, 16, _date(birth))
    put(b, 52, 70, address)
    put(b, 122, 36, id_number)
    put(b, 158, 30, authority)
    put(b, 188, 16, _date(valid_from))
    put(b, 204, 16, _date(valid_to))
    return bytes(b)


def permit_text(*, name: str, sex: str, birth: date, address: str, id_number: str, authority: str,
                valid_from: date, valid_to: date | None, pass_number: str, issue_count: int) -> bytes:
    """ref, Text block, column "J"."""
    b = bytearray(resident_text(name=name, sex=sex, ethnicity="", birth=birth, address=address,
                                id_number=id_number, authority=authority, valid_from=valid_from,
                                valid_to=valid_to))
    put(b, 220, 18, pass_number)
    put(b, 238, 4, f"{issue_count:02d}")
    put(b, CARD_TYPE_OFFSET, 2, "J")
    return bytes(b)


def foreign_2017_text(*, english_name: str, sex: str, permit_number: str, nationality: str,
                      chinese_name: str, valid_from: date, valid_to: date | None, birth: date,
                      version: str = "01", authority_code: str = "1500") -> bytes:
    """ref, Text block, column "I (2017)"."""
    b = _blank()
    put(b, 0, 120, english_name)
    put(b, 120, 2, _sex(sex))
    put(b, 122, 30, permit_number)
    put(b, 152, 6, nationality)
    put(b, 158, 30, chinese_name)
    put(b, 188, 16, _date(valid_from))
    put(b, 204, 16, _date(valid_to))
    put(b, 220, 16, _date(birth))
    put(b, 236, 4, version)
    put(b, 240, 8, authority_code)
    put(b, CARD_TYPE_OFFSET, 2, "I")
    return bytes(b)


def foreign_2023_text(*, chinese_name: str, sex: str, renewal_count: int, birth: date, english_name: str,
                      id_number: str, valid_from: date, valid_to: date | None, nationality: str,
                      previous_card: str = "") -> bytes:
    """ref, Text block, "The 2023 foreigner card (Y)", the better-supported reading."""
    b = _blank()
    put(b, 0, 30, chinese_name)
    put(b, 30, 2, _sex(sex))
    put(b, 32, 4, f"{renewal_count:02d}")
    put(b, 36, 16, _date(birth))
    put(b, 52, 70, english_name[:35])  # the English name runs on at 220 (22 bytes: 11 characters)
    put(b, 122, 36, id_number)
    put(b, 188, 16, _date(valid_from))
    put(b, 204, 16, _date(valid_to))
    put(b, 220, 22, english_name[35:])
    put(b, 242, 6, nationality)
    put(b, CARD_TYPE_OFFSET, 2, "Y")
    put(b, 250, 6, previous_card)
    return bytes(b)


def with_check_digit(first17: str) -> str:
    return first17 + check_digit(first17)


def sample_photo(key: str) -> bytes:
    """A fixed 1024-byte blob standing for a WLT photo (pseudo-random, as compressed data looks)."""
    return hashlib.shake_256(f"idcard sample photo {key}".encode()).digest(PHOTO_SIZE)


@dataclass(frozen=True)
class SampleCard:
    key: str
    label: str  # what the card is, for lists (no personal data beyond the sample's own)
    text: bytes
    photo: bytes

    def __post_init__(self) -> None:
        if len(self.text) != TEXT_SIZE or len(self.photo) != PHOTO_SIZE:
            raise ValueError("a card holds a 256-byte text block and a 1024-byte photo")

    def __repr__(self) -> str:  # the blocks are (sample) personal data: keep them out of reprs
        return f"SampleCard({self.key})"


def _samples() -> dict[str, SampleCard]:
    cards = [
        SampleCard("li_yan", "resident card, CJK Extension A name, born 1955 (elderly)", resident_text(
            name="李䶮", sex="male", ethnicity="01", birth=date(1955, 3, 12),
            address="江苏省南京市玄武区中山路18号", id_number=with_check_digit("32010219550312123"),
            authority="南京市公安局玄武分局", valid_from=date(2015, 3, 12), valid_to=None,
        ), sample_photo("li_yan")),
        SampleCard("ouyang_nana", "resident card, compound surname", resident_text(
            name="欧阳娜娜", sex="female", ethnicity="01", birth=date(1990, 6, 15),
            address="北京市东城区南池子大街1号", id_number=with_check_digit("11010119900615002"),
            authority="北京市公安局东城分局", valid_from=date(2016, 6, 15), valid_to=date(2036, 6, 15),
        ), sample_photo("ouyang_nana")),
        SampleCard("chen_dawen", "residence permit for Hong Kong residents (J)", permit_text(
            name="陈大文", sex="male", birth=date(1990, 1, 1), address="广东省深圳市福田区福华三路100号",
            id_number=with_check_digit("81000019900101123"), authority="深圳市公安局",
            valid_from=date(2023, 1, 1), valid_to=date(2028, 1, 1), pass_number="H01234567",
            issue_count=1,
        ), sample_photo("chen_dawen")),
        SampleCard("smith_2017", "foreigner's permanent residence card, 2017 (I)", foreign_2017_text(
            english_name="SMITH, JOHN WILLIAM", sex="male", permit_number="USA110085021101",
            nationality="USA", chinese_name="史密斯", valid_from=date(2017, 6, 1),
            valid_to=date(2027, 6, 1), birth=date(1985, 2, 11),
        ), sample_photo("smith_2017")),
        SampleCard("smith_2023", "foreigner's permanent residence card, 2023 (Y)", foreign_2023_text(
            chinese_name="史密斯", sex="male", renewal_count=1, birth=date(1985, 2, 11),
            english_name="SMITH, JOHN WILLIAM", id_number=with_check_digit("91184019850211001"),
            valid_from=date(2023, 12, 1), valid_to=date(2033, 12, 1), nationality="USA",
        ), sample_photo("smith_2023")),
    ]
    return {card.key: card for card in cards}


SAMPLE_CARDS: dict[str, SampleCard] = _samples()
SAMPLE_KEYS = keys_for("idcard.sample.", SAMPLE_CARDS)  # the demo's buttons (ui/demo/devices.py)
