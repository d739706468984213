"""A person identified by their ID card, as the kiosk and the clerk's window use it (plain Python, no Qt).

Where the values go (docs/privacy.md, "Where personal data may be"):

- The full name and number stay in the ``Identity`` in memory for as long as the session lasts: the kiosk
  sends ``id_number`` and ``birth_date`` with the ticket request (one waiting ticket per person per
  service, elderly priority); the clerk's window shows them unmasked only while the clerk asks.
- ``register_identity`` registers the identity's words (name, English name, address, document numbers)
  with the log masking filter (core/logs.py) for the session; ``forget_identity`` (the session wipe)
  drops them. Nothing of the identity is written to disk.
- ``applicant_fields`` is what the clerk's applicant panel shows: masked by default, unmasked on demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.domain import Identity
from core.domain.identity import CardType, Sex, mask_id_number, mask_name
from core.i18n import keys_for
from core.logs import forget_sensitive, register_sensitive

# The applicant panel shows the card type and sex by these keys (``ApplicantFields``).
CARD_TYPE_KEYS = keys_for("idcard.card_type.", CardType)
SEX_KEYS = keys_for("idcard.sex.", Sex)


def _words(identity: Identity) -> tuple[str, ...]:
    return (identity.name, identity.english_name, identity.address, identity.id_number, identity.pass_number)


def register_identity(identity: Identity) -> None:
    """Masks every word of ``identity`` in the log until the session ends (``forget_identity``)."""
    for value in _words(identity):
        register_sensitive(value)


def forget_identity(identity: Identity | None) -> None:
    """The session of ``identity`` ended: its words leave the log masking set (only its own: in the demo
    the kiosk and the clerk's window share one process)."""
    if identity is not None:
        for value in _words(identity):
            forget_sensitive(value)


def same_person(a: Identity | None, b: Identity | None) -> bool:
    """Both identities name the same document holder (the same card type and number)."""
    return a is not None and b is not None and (a.card_type, a.id_number) == (b.card_type, b.id_number)


def is_elderly(identity: Identity | None, elderly_age: int, today: date) -> bool:
    """At least ``elderly_age`` years old today (the hall's elderly priority age; the platform decides the
    ticket's priority itself, this only lets the screen say so beforehand)."""
    if identity is None:
        return False
    age = identity.age_on(today)
    return age is not None and age >= elderly_age


def card_expired(identity: Identity, today: date) -> bool:
    """The card's validity ended before today (``valid_to`` None: no expiry, 长期)."""
    return identity.valid_to is not None and identity.valid_to < today


def _mask_birth_date(day: date | None) -> str:
    return f"{day.year}-**-**" if day is not None else ""


@dataclass(frozen=True)
class ApplicantFields:
    """The applicant panel's content: values masked unless ``unmasked``; ``*_key`` fields are message keys
    (the window translates them)."""

    card_type_key: str
    name: str
    english_name: str
    id_number: str
    sex_key: str
    birth_date: str
    valid_from: str
    valid_to: str | None  # None: no expiry (长期)
    nationality: str
    pass_number: str
    expired: bool
    photo_available: bool
    unmasked: bool


def applicant_fields(identity: Identity, today: date, *, unmasked: bool = False) -> ApplicantFields:
    """What the clerk sees of ``identity`` (masked by default: names keep their first character, numbers
    their first and last four, the birth date its year; GB/T 35273-2020 de-identification)."""
    name = identity.name if unmasked else mask_name(identity.name)
    english = identity.english_name if unmasked else mask_name(identity.english_name)
    number = identity.id_number if unmasked else mask_id_number(identity.id_number)
    passes = identity.pass_number if unmasked else mask_id_number(identity.pass_number)
    birth = (identity.birth_date.isoformat() if identity.birth_date else "") if unmasked \
        else _mask_birth_date(identity.birth_date)
    return ApplicantFields(
        card_type_key=f"idcard.card_type.{identity.card_type.value}",
        name=name,
        english_name=english,
        id_number=number,
        sex_key=f"idcard.sex.{identity.sex.value}",
        birth_date=birth,
        valid_from=identity.valid_from.isoformat() if identity.valid_from else "",
        valid_to=identity.valid_to.isoformat() if identity.valid_to else None,
        nationality=identity.nationality if identity.card_type in (
            CardType.FOREIGN_PERMANENT_2017, CardType.FOREIGN_PERMANENT_2023) else "",
        pass_number=passes,
        expired=card_expired(identity, today),
        photo_available=identity.photo_available,
        unmasked=unmasked,
    )
