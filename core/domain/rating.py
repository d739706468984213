"""A 好差评 (service evaluation) as a terminal records it and the platform receives it (docs/evaluation.md).

Five levels (国办发〔2019〕51号; GB/T 39734-2020): 非常满意 5, 满意 4, 基本满意 3, 不满意 2, 非常不满意 1.
A rating of ``LOW_MAX`` or less is a 差评: the citizen picks at least one reason from the hall's list (hall data,
``reasons`` of the platform's ``/v1/sync/reference/rating``) and may add a few words; the platform opens a
follow-up for it. Rating is voluntary: a citizen who skips it leaves no record at all.

``Rating.content()`` is the body of the ``rating`` record a terminal puts into its outbox
(``core.ports.outbox.RecordKind.RATING``); the platform checks every field again (hall_server/rating_records.py).
The applicant is never named in it: ``applicant_ref`` is an opaque reference the terminal may send (say, a
keyed hash it already holds), and the platform keeps only its own keyed hash of that.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass

LOW_MAX = 2  # 不满意 and 非常不满意 are 差评
SATISFIED_MIN = 3  # 基本满意 and better count as satisfied (the satisfaction rate, docs/evaluation.md)
MAX_TEXT = 200  # characters of the citizen's own words
MAX_REASONS = 10
MAX_CLERKS = 5
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class RatingLevel(enum.IntEnum):
    VERY_DISSATISFIED = 1  # 非常不满意
    DISSATISFIED = 2  # 不满意
    FAIRLY_SATISFIED = 3  # 基本满意
    SATISFIED = 4  # 满意
    VERY_SATISFIED = 5  # 非常满意


class RatingChannel(enum.StrEnum):
    """Where the citizen rated (the channels 国办发〔2019〕51号 names)."""

    WINDOW_PAD = "window_pad"  # the citizen-facing pad at a clerk's window (一次一评)
    KIOSK = "kiosk"  # a self-service terminal
    WEB = "web"  # the online service hall (一事一评)
    APP = "app"  # the mobile app


def is_low(level: int) -> bool:
    """Whether a level is a 差评 (it needs reasons and opens a follow-up)."""
    return level <= LOW_MAX


def text_problem(text: str) -> str | None:
    """Why a citizen's words cannot be kept, or None: longer than ``MAX_TEXT`` characters, or holding a
    control character, a bidirectional override (which would turn the words around on a clerk's screen) or a
    lone surrogate. Emoji (their joiners and variation selectors) and rare characters such as 䶮 or 𠮷 are
    kept."""
    if len(text) > MAX_TEXT:
        return f"longer than {MAX_TEXT} characters"
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cs") or ch in _BIDI_CONTROLS:
            return f"control character U+{ord(ch):04X}"
    return None


def satisfaction_rate(counts: dict[int, int]) -> float | None:
    """(非常满意 + 满意 + 基本满意) / all, from counts per level; None when there is no rating."""
    total = sum(counts.values())
    if not total:
        return None
    return sum(n for level, n in counts.items() if level >= SATISFIED_MIN) / total


@dataclass(frozen=True)
class Rating:
    """One citizen's evaluation of one case (or, for a service that opens no case, one ticket) on one
    channel. ``rated_at`` is ISO 8601 with its UTC offset."""

    channel: RatingChannel
    level: RatingLevel
    rated_at: str
    department: str
    case_number: str | None = None
    ticket_number: str | None = None
    matter_code: str | None = None
    matter_version: str | None = None
    service: str | None = None  # the queue service's prefix (A, B …)
    window: int | None = None
    clerks: tuple[str, ...] = ()  # staff ids of the clerks evaluated
    reasons: tuple[str, ...] = ()  # codes from the hall's reason list (a 差评 needs one)
    text: str = ""
    applicant_ref: str | None = None

    def content(self) -> dict:
        """The record's content as the platform expects it (fields left unset are left out)."""
        body = {"channel": self.channel.value, "level": int(self.level), "rated_at": self.rated_at,
                "department": self.department, "clerks": list(self.clerks), "reasons": list(self.reasons)}
        optional = {"case_number": self.case_number, "ticket_number": self.ticket_number,
                    "matter_code": self.matter_code, "matter_version": self.matter_version,
                    "service": self.service, "window": self.window, "applicant_ref": self.applicant_ref}
        body.update({k: v for k, v in optional.items() if v is not None})
        if self.text:
            body["text"] = self.text
        return body
