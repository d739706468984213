"""The hall's matter catalogue as the windows read it: each matter's materials, from the platform or the
terminal's cache (no images, no numpy: the kiosk loads this at start-up for its service guide).

``parse_matters`` turns the catalogue answer into ``Matter``s; ``MatterCatalogue`` reads it through the
terminal's reference cache (online: refreshed with its ETag; offline: the cached copy, marked stale).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from core.errors import PlatformUnreachable

log = logging.getLogger(__name__)


REFERENCE_NAME = "matters"  # offline_cache.ReferenceCache name (GET /v1/sync/reference/matters)


@dataclass(frozen=True)
class MaterialSpec:
    id: str
    name: str
    required: bool = False
    form: str = ""
    elicence: str = ""  # the e-licence type that provides it ("居民身份证"), or ""
    note: str = ""

    @property
    def identity(self) -> bool:
        """An identity document: the clerk copies the ID card (both sides on one page)."""
        return "身份" in self.name or self.elicence == "居民身份证"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "required": self.required, "form": self.form,
                "elicence": self.elicence}


@dataclass(frozen=True)
class Matter:
    code: str
    name: str
    name_en: str = ""
    department: str = ""
    service: str = ""  # the service prefix whose tickets usually come for it
    promised_days: int | None = None
    fee: str = ""
    materials: tuple[MaterialSpec, ...] = ()
    version: str = ""  # the served entry's version (its form's); "" in a catalogue that does not say

    def display_name(self, language: str) -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name

    def material(self, material_id: str) -> MaterialSpec:
        for m in self.materials:
            if m.id == material_id:
                return m
        raise KeyError(material_id)


def parse_matters(body: Any) -> list[Matter]:
    """The catalogue answer (``{"matters": [...]}``) as ``Matter`` objects; malformed entries are skipped."""
    out: list[Matter] = []
    for m in (body or {}).get("matters", []) if isinstance(body, dict) else []:
        try:
            materials = tuple(MaterialSpec(str(x["id"]), str(x["name"]), bool(x.get("required", False)),
                                           str(x.get("form", "")), str(x.get("elicence", "") or ""),
                                           str(x.get("note", ""))) for x in m.get("materials", []))
            days = m.get("promised_days")
            out.append(Matter(str(m["code"]), str(m["name"]), str(m.get("name_en", "")),
                              str(m.get("department", "")), str(m.get("service", "")),
                              int(days) if isinstance(days, int) else None, str(m.get("fee", "")), materials,
                              str(m.get("version", ""))))
        except (KeyError, TypeError, ValueError, AttributeError):
            log.warning("matter catalogue: skipped a malformed entry")
    return out


@dataclass(frozen=True)
class MatterListing:
    matters: tuple[Matter, ...]
    stale: bool = False  # from the cache: the platform could not be reached
    age_s: float = 0.0

    def for_service(self, prefix: str | None) -> list[Matter]:
        """Every matter, those of the service ``prefix`` first (the hall file's order otherwise)."""
        return sorted(self.matters, key=lambda m: 0 if prefix and m.service == prefix else 1)


def _resolve(thing):
    """``thing`` itself, or what a zero-argument provider gives (``kiosk run`` builds the store after the
    window is up: the composition root passes ``lambda: terminal.sync.store if terminal.sync else None``)."""
    return thing() if callable(thing) and not hasattr(thing, "get") and not hasattr(thing, "enqueue") else thing


class MatterCatalogue:
    """The hall's matters through a reference cache (``get(name)`` / ``cached(name)`` →
    ``Reference(body, fetched_at, age_s, stale)``, offline_cache.refcache), or a provider of one.
    Blocking: call on a worker."""

    def __init__(self, reference) -> None:
        self.reference = reference

    def load(self) -> MatterListing:
        """Online: refreshed (ETag). Offline: the cached copy (``stale``). Nothing cached and offline: the
        ``PlatformError`` passes through."""
        reference = _resolve(self.reference)
        if reference is None:
            raise PlatformUnreachable("the terminal's store is not ready yet")
        ref = reference.get(REFERENCE_NAME)
        return MatterListing(tuple(parse_matters(ref.body)), ref.stale, ref.age_s)

