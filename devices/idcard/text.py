"""The card's 256-byte text block → ``core.domain.Identity``. Pure: bytes in, values out.

Layouts, offsets and codes are those of docs/idcard.md (section 1, *Text block*, cited as *ref*). The
block is UCS-2 little-endian padded with spaces; the character at byte offset 248 says which of four
layouts it is. ``LAYOUTS`` is the one table of which fields each card type carries, and where.

Errors: any block that cannot be one of the four layouts raises ``TextBlockError`` (a
``DeviceProtocolError``). Its message names the field and offset, never the value: the block is
personal data.

The 2023 foreigner card (``Y``) layout is the better-supported of two readings (ref): its fields other
than the names and the ID number are read defensively (an unreadable one is left empty, not guessed),
and the raw block is kept in ``Identity.raw_text`` (memory only) for support.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from devices.idcard.protocol import TEXT_SIZE, FrameError
from core.domain.id_number import check_digit, id_number_valid  # noqa: F401 (re-exported)
from core.domain import CardType, Identity, Sex

T = TypeVar("T")

CARD_TYPE_OFFSET = 248  # ref, Text block: "the card type is the character at byte offset 248"
CARD_TYPE_CODES = {" ": CardType.RESIDENT, "J": CardType.HK_MO_TW_PERMIT,
                   "I": CardType.FOREIGN_PERMANENT_2017, "Y": CardType.FOREIGN_PERMANENT_2023}
NO_EXPIRY = "长期"  # ref, Text block: valid-to "may read 长期 = no expiry"

# ref, Text block: "Sex: 1 male, 2 female (0 unknown and 9 unspecified appear in one source only)".
SEX_CODES = {"1": Sex.MALE, "2": Sex.FEMALE, "0": Sex.UNKNOWN, "9": Sex.UNKNOWN}

# Ethnic groups by their GB 3304 code (ref, Text block: "the 56 codes 01 汉 … 56 基诺, plus 97 其他 and
# 98 外国血统中国籍人士"), as the card prints them (without 族), with GB 3304's romanised names.
ETHNICITIES: dict[str, tuple[str, str]] = {
    "01": ("汉", "Han"), "02": ("蒙古", "Mongol"), "03": ("回", "Hui"), "04": ("藏", "Zang"),
    "05": ("维吾尔", "Uygur"), "06": ("苗", "Miao"), "07": ("彝", "Yi"), "08": ("壮", "Zhuang"),
    "09": ("布依", "Buyei"), "10": ("朝鲜", "Chosen"), "11": ("满", "Man"), "12": ("侗", "Dong"),
    "13": ("瑶", "Yao"), "14": ("白", "Bai"), "15": ("土家", "Tujia"), "16": ("哈尼", "Hani"),
    "17": ("哈萨克", "Kazak"), "18": ("傣", "Dai"), "19": ("黎", "Li"), "20": ("傈僳", "Lisu"),
    "21": ("佤", "Va"), "22": ("畲", "She"), "23": ("高山", "Gaoshan"), "24": ("拉祜", "Lahu"),
    "25": ("水", "Sui"), "26": ("东乡", "Dongxiang"), "27": ("纳西", "Naxi"), "28": ("景颇", "Jingpo"),
    "29": ("柯尔克孜", "Kirgiz"), "30": ("土", "Tu"), "31": ("达斡尔", "Daur"), "32": ("仫佬", "Mulao"),
    "33": ("羌", "Qiang"), "34": ("布朗", "Blang"), "35": ("撒拉", "Salar"), "36": ("毛南", "Maonan"),
    "37": ("仡佬", "Gelao"), "38": ("锡伯", "Xibe"), "39": ("阿昌", "Achang"), "40": ("普米", "Pumi"),
    "41": ("塔吉克", "Tajik"), "42": ("怒", "Nu"), "43": ("乌孜别克", "Uzbek"), "44": ("俄罗斯", "Russ"),
    "45": ("鄂温克", "Ewenki"), "46": ("德昂", "Deang"), "47": ("保安", "Bonan"), "48": ("裕固", "Yugur"),
    "49": ("京", "Gin"), "50": ("塔塔尔", "Tatar"), "51": ("独龙", "Derung"), "52": ("鄂伦春", "Oroqen"),
    "53": ("赫哲", "Hezhen"), "54": ("门巴", "Monba"), "55": ("珞巴", "Lhoba"), "56": ("基诺", "Jino"),
    "97": ("其他", "Other"), "98": ("外国血统中国籍人士", "Foreign-origin Chinese citizen"),
}
_ETHNICITY_BY_NAME = {zh: code for code, (zh, _en) in ETHNICITIES.items()}


class TextBlockError(FrameError):
    """The text block is not one of the four layouts. The detail names a field, never its value."""

    key = "idcard.error.text"


def ethnicity_name(code: str, language: str = "zh_CN") -> str:
    """``"01"`` → ``"汉"`` (``"Han"`` in English). Raises ``KeyError`` for a code not in GB 3304."""
    zh, en = ETHNICITIES[code]
    return en if language.startswith("en") else zh


def ethnicity_code(name: str) -> str | None:
    """The code of an ethnicity as the card prints it (``"汉"`` → ``"01"``), None if unknown."""
    return _ETHNICITY_BY_NAME.get(name)


# The ID number's check character (ISO 7064 MOD 11-2) is a rule of the number itself: core/domain/id_number.py.


def parse_date(text: str) -> date:
    """``"19550312"`` → ``date(1955, 3, 12)``; raises ``ValueError`` otherwise."""
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        raise ValueError("not YYYYMMDD")
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def parse_expiry(text: str) -> date | None:
    """A valid-to field: a date, or None for 长期 (no expiry)."""
    return None if text == NO_EXPIRY else parse_date(text)


class _Block:
    """Reads named fields out of one text block, raising ``TextBlockError`` with the field's name."""

    def __init__(self, block: bytes) -> None:
        self.block = block

    def unpadded(self, name: str, offset: int, size: int) -> str:
        try:
            return self.block[offset:offset + size].decode("utf-16-le")  # ref, Text block: UCS-2 LE
        except UnicodeDecodeError:
            raise TextBlockError(f"{name} at {offset} is not UCS-2 text") from None

    def text(self, name: str, offset: int, size: int) -> str:
        # Padded with spaces (ref); some readers pad with NUL.
        return self.unpadded(name, offset, size).rstrip(" \x00")

    def value(self, name: str, offset: int, size: int, convert: Callable[[str], T]) -> T:
        text = self.text(name, offset, size)
        try:
            return convert(text)
        except (ValueError, KeyError):
            raise TextBlockError(f"{name} at {offset} is not valid") from None

    def soft(self, name: str, offset: int, size: int, convert: Callable[[str], T], default: T) -> T:
        """A field of an uncertain layout: unreadable → ``default`` (never guessed)."""
        try:
            return self.value(name, offset, size, convert)
        except TextBlockError:
            return default

    def id_number(self, name: str, offset: int, size: int) -> str:
        number = self.text(name, offset, size)
        if not id_number_valid(number):
            raise TextBlockError(f"{name} at {offset} fails its check digit (ISO 7064 MOD 11-2)")
        return number


def _sex(text: str) -> Sex:
    return SEX_CODES[text]


def _count(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise ValueError("not a count")
    return int(text)


def _ethnicity(text: str) -> str:
    return ethnicity_name(text)


def _name(text: str) -> str:
    """Any text but control characters. Rare characters pass unchanged: CJK Extension A (䶮) directly,
    Extension B as a UTF-16 surrogate pair, and the private-use code points some cards carry for
    characters UCS-2 lacks (a vendor table maps those; we do not guess)."""
    if not text.strip() or any(unicodedata.category(c) in ("Cc", "Cs") for c in text):
        raise ValueError("empty or holds control characters")
    return text.strip()


def _code(text: str) -> str:
    if not text.isascii() or not text.isalnum():
        raise ValueError("not a code")
    return text


def _optional_name(text: str) -> str:
    return _name(text) if text.strip() else ""


def card_type_of(block: bytes) -> CardType:
    if len(block) != TEXT_SIZE:
        raise TextBlockError(f"text block of {len(block)} bytes, not {TEXT_SIZE}")
    code = _Block(block).text("card type", CARD_TYPE_OFFSET, 2) or " "
    try:
        return CARD_TYPE_CODES[code]
    except KeyError:
        raise TextBlockError("card type at 248 is not one of space, J, I, Y") from None


def parse_text(block: bytes, photo: bytes | None = None) -> Identity:
    """The identity a card's text block holds (``photo``: its WLT blob, kept in memory as it is)."""
    kind = card_type_of(block)
    return _PARSERS[kind](_Block(block), photo)


@dataclass(frozen=True)
class Field:
    """One field of a layout: the ``Identity`` attribute, its name in errors (never its value), where it
    is, and how it is read (``read`` None: an ID number, checked by its check digit). A ``soft`` field
    has an uncertain layout: unreadable, it is left at ``default`` (never guessed)."""

    attr: str
    label: str
    offset: int
    size: int
    read: Callable[[str], Any] | None = None
    soft: bool = False
    default: Any = None

    def from_block(self, b: _Block) -> Any:
        if self.read is None:
            return b.id_number(self.label, self.offset, self.size)
        if self.soft:
            return b.soft(self.label, self.offset, self.size, self.read, self.default)
        return b.value(self.label, self.offset, self.size, self.read)


# ref, Text block, column "resident"; column "J" is the same without ethnicity (reserved at 32) and with
# the pass number and issue count at 220/238.
_MAINLAND = (
    Field("name", "name", 0, 30, _name), Field("sex", "sex", 30, 2, _sex),
    Field("birth_date", "birth date", 36, 16, parse_date), Field("address", "address", 52, 70, _optional_name),
    Field("id_number", "ID number", 122, 36), Field("authority", "issuing authority", 158, 30, _optional_name),
    Field("valid_from", "valid from", 188, 16, parse_date), Field("valid_to", "valid to", 204, 16, parse_expiry),
)
LAYOUTS: dict[CardType, tuple[Field, ...]] = {
    CardType.RESIDENT: (*_MAINLAND[:2], Field("ethnicity", "ethnicity", 32, 4, _ethnicity), *_MAINLAND[2:]),
    CardType.HK_MO_TW_PERMIT: (*_MAINLAND, Field("pass_number", "pass number", 220, 18, _code),
                               Field("issue_count", "issue count", 238, 4, _count)),
    # ref, Text block, column "I (2017)": the permit number has no MOD 11-2 check digit (15 characters).
    CardType.FOREIGN_PERMANENT_2017: (
        Field("english_name", "English name", 0, 120, _name), Field("sex", "sex", 120, 2, _sex),
        Field("id_number", "permit number", 122, 30, _code), Field("nationality", "nationality", 152, 6, _code),
        Field("name", "Chinese name", 158, 30, _optional_name), *_MAINLAND[6:],
        Field("birth_date", "birth date", 220, 16, parse_date), Field("authority", "authority code", 240, 8, _code),
    ),
    # ref, Text block, "The 2023 foreigner card (Y)": the better-supported reading, so every field but the
    # names, the ID number and valid-to is soft. An unreadable valid-to is an error, not "no expiry": None
    # would claim the card never expires. The English name is read apart (split over two places).
    CardType.FOREIGN_PERMANENT_2023: (
        Field("name", "Chinese name", 0, 30, _optional_name),
        Field("sex", "sex", 30, 2, _sex, soft=True, default=Sex.UNKNOWN),
        Field("issue_count", "renewal count", 32, 4, _count, soft=True),
        Field("birth_date", "birth date", 36, 16, parse_date, soft=True), _MAINLAND[4],
        Field("valid_from", "valid from", 188, 16, parse_date, soft=True), _MAINLAND[7],
        Field("nationality", "nationality", 242, 6, _code, soft=True, default=""),
    ),
}


def _identity(kind: CardType, b: _Block, photo: bytes | None, **extra: Any) -> Identity:
    fields = {f.attr: f.from_block(b) for f in LAYOUTS[kind]}
    return Identity(card_type=kind, photo=photo, **fields, **extra)


def _foreign_2023(b: _Block, photo: bytes | None) -> Identity:
    # The English name is split over 52/70 and 220/22 (joined before stripping, so a space at the split
    # survives); the raw block is kept for support (memory only).
    english = b.unpadded("English name", 52, 70) + b.unpadded("English name (continued)", 220, 22)
    try:
        english = _name(english.rstrip(" \x00"))
    except ValueError:
        raise TextBlockError("English name at 52 and 220 is not valid") from None
    return _identity(CardType.FOREIGN_PERMANENT_2023, b, photo, english_name=english, raw_text=bytes(b.block))


_PARSERS: dict[CardType, Callable[[_Block, bytes | None], Identity]] = {
    kind: (lambda b, photo, kind=kind: _identity(kind, b, photo)) for kind in LAYOUTS
} | {CardType.FOREIGN_PERMANENT_2023: _foreign_2023}
