"""A person's identity as read from an ID document, and how it is masked.

Masking follows GB/T 35273-2020 de-identification examples (``3201**********1234``, ``张*``): the
number keeps its first four and last four characters, a name its first character. An ``Identity`` never
shows the full values in ``repr``/``str``; flows that need them read the fields explicitly.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date


class CardType(enum.StrEnum):
    RESIDENT = "resident"
    HK_MO_TW_PERMIT = "hk_mo_tw_permit"
    FOREIGN_PERMANENT_2017 = "foreign_permanent_2017"
    FOREIGN_PERMANENT_2023 = "foreign_permanent_2023"


class Sex(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"


def mask_id_number(number: str | None) -> str:
    """``320102195503121234`` → ``3201**********1234``; short values are starred whole."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str | None) -> str:
    """``李䶮`` → ``李*``, ``欧阳娜娜`` → ``欧***``, ``SMITH, JOHN`` → ``S**********``."""
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)


@dataclass(frozen=True)
class Identity:
    """Who the person is, from their card. Full values only through the fields, never in repr."""

    card_type: CardType
    name: str = field(repr=False)
    id_number: str = field(repr=False)
    sex: Sex = Sex.UNKNOWN
    birth_date: date | None = field(default=None, repr=False)
    english_name: str = field(default="", repr=False)
    ethnicity: str = field(default="", repr=False)
    address: str = field(default="", repr=False)
    authority: str = field(default="", repr=False)
    valid_from: date | None = None
    valid_to: date | None = None  # None: no expiry (长期)
    nationality: str = ""
    pass_number: str = field(default="", repr=False)
    issue_count: int | None = None
    photo: bytes | None = field(default=None, repr=False, compare=False)  # raw WLT blob, memory only
    # The photo as a picture (BMP bytes from the configured vendor WLT decoder), memory only. None: no
    # decoder is configured or it failed; the photo is then unavailable, never guessed.
    photo_image: bytes | None = field(default=None, repr=False, compare=False)
    # The card's 256-byte text block as read, memory only: kept for support where a layout is uncertain
    # (the 2023 foreigner card). Never logged or written anywhere.
    raw_text: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name or self.english_name)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def photo_available(self) -> bool:
        return self.photo_image is not None

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    def __repr__(self) -> str:
        return f"Identity({self.card_type.value}, {self.masked_name}, {self.masked_id_number})"

    __str__ = __repr__
