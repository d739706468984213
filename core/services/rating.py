"""The terminals' side of 好差评 (docs/evaluation.md, "The terminals' rating screens"): the hall's reason list
and the outbox, as a rating screen needs them.

``RatingDesk.reasons()`` reads the hall's reference ``rating`` (``GET /v1/sync/reference/rating``, cached with
its ETag by the terminal's ``ReferenceCache``; the cached copy when the platform cannot be reached).
``RatingDesk.record(rating)`` commits one ``rating`` record to the encrypted outbox and returns its id; the
sync engine delivers it like every record. Both block (disk, network): a window calls them on its worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.domain.rating import Rating
from core.ports.outbox import Outbox, RecordKind

log = logging.getLogger(__name__)

REFERENCE_NAME = "rating"


@dataclass(frozen=True)
class Reason:
    """One reason of the hall's list a 差评 picks from."""

    code: str
    label: str
    label_en: str = ""

    def display(self, language: str) -> str:
        return self.label_en if language.startswith("en") and self.label_en else self.label


def reasons_from_reference(body: Any) -> tuple[Reason, ...]:
    """The reasons of a ``rating`` reference body; malformed entries are left out (and logged)."""
    reasons = []
    for entry in (body or {}).get("reasons", []) if isinstance(body, dict) else []:
        if isinstance(entry, dict) and isinstance(entry.get("code"), str) and isinstance(entry.get("label"), str):
            reasons.append(Reason(entry["code"], entry["label"], str(entry.get("label_en") or "")))
        else:
            log.warning("rating reference: a malformed reason was left out")
    return tuple(reasons)


class RatingDesk:
    def __init__(self, outbox: Outbox | Callable[[], Outbox | None],
                 reference: Callable[[], Any] | Any | None = None) -> None:
        """``outbox``: the terminal's store, or a callable giving it (``kiosk run`` opens the store after the
        window is up); ``reference``: an ``offline_cache.refcache.ReferenceCache`` (duck-typed: ``get(name)``
        and ``cached(name)``) or a callable giving one (None: no reasons)."""
        self._outbox = outbox
        self._reference = reference

    def _cache(self):
        ref = self._reference
        return ref() if callable(ref) and not hasattr(ref, "get") else ref

    @property
    def outbox(self) -> Outbox | None:
        box = self._outbox
        return box() if callable(box) and not hasattr(box, "enqueue") else box

    def reasons(self) -> tuple[Reason, ...]:
        """The hall's reason list: fresh when the platform answers, else the cached copy, else none."""
        cache = self._cache()
        if cache is None:
            return ()
        try:
            return reasons_from_reference(cache.get(REFERENCE_NAME).body)
        except Exception as exc:  # noqa: BLE001 (offline with nothing fresh: the copy on disk, if any)
            log.info("rating reasons: %r; using the cached copy", exc)
        cached = cache.cached(REFERENCE_NAME)
        return reasons_from_reference(cached.body) if cached is not None else ()

    def record(self, rating: Rating) -> str:
        """Commits the rating to the outbox (returns once it is on disk) and gives its record id; raises
        ``StoreUnavailable`` while the terminal's store is not open."""
        outbox = self.outbox
        if outbox is None:
            raise StoreUnavailable("the terminal's store is not open yet")
        return outbox.enqueue(RecordKind.RATING, rating.content())


class StoreUnavailable(RuntimeError):
    """The terminal's store is not open (yet): a rating cannot be kept."""
