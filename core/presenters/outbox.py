"""The outbox as people see it: the records waiting and the dead letters, and resending or discarding one.

Used by the clerk's "未上传记录" window and the technician's outbox tab (ui/sync_status.py ``OutboxView``).
The rules: a dead letter is resent or discarded only when one is selected and a reason is given (else
the person is asked for a reason and nothing is sent); after a decision the reason field is cleared
(``Changed("decided")``), "done" is said and the lists are read again; a failure is said in the
technician's words. Every store call goes through the ``Runner`` (never on the GUI thread).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from core.i18n import Translator, keys_for
from core.ports.outbox import OutboxEntry, RecordKind
from core.presenters import Changed, Runner
from core.services.events import EventHub
from core.services.outbox import OutboxAdminService, OutboxListing

COLUMNS = ("sync.tech.col.id", "sync.tech.col.kind", "sync.tech.col.state", "sync.tech.col.age",
           "sync.tech.col.attempts", "sync.tech.col.reason")
CALL_TIMEOUT_S = 10.0
# An outbox entry's kinds and states (offline_cache/store.py), shown by key.
ENTRY_KEYS = (keys_for("sync.kind.", RecordKind),
              keys_for("sync.record_state.", ("queued", "inflight", "dead", "acked")))


def format_age(tr: Translator, seconds: float) -> str:
    """"42 s", "5 min", "3 h", "2 days": the largest whole unit."""
    seconds = max(0, int(seconds))
    for key, size in (("sync.age.days", 86400), ("sync.age.hours", 3600), ("sync.age.minutes", 60)):
        if seconds >= size:
            return tr(key, n=seconds // size)
    return tr("sync.age.seconds", n=seconds)


@dataclass(frozen=True)
class OutboxRow:
    record_id: str
    cells: tuple[str, ...]  # one per column of COLUMNS


class OutboxPresenter:
    def __init__(self, service: OutboxAdminService, run: Runner, *, language: str = "zh_CN",
                 clock: Callable[[], float] = time.time) -> None:
        self.service = service
        self.run = run
        self.clock = clock
        self.tr = Translator(language)
        self.events = EventHub()
        self.listing = OutboxListing((), ())
        self.message = ""

    @property
    def headers(self) -> list[str]:
        return [self.tr(key) for key in COLUMNS]

    def set_language(self, language: str) -> None:
        self.tr = Translator(language)
        self.events.emit(Changed("rows"))

    def refresh(self) -> None:
        self.run(self.service.listing, on_done=self._loaded, on_error=self._failed, timeout_s=CALL_TIMEOUT_S)

    def resend(self, record_id: str | None, why: str) -> bool:
        return self._decide(self.service.resend, record_id, why)

    def discard(self, record_id: str | None, why: str) -> bool:
        return self._decide(self.service.discard, record_id, why)

    def rows(self) -> tuple[list[OutboxRow], list[OutboxRow]]:
        """(the records waiting, the dead letters) as table rows, ages as of now."""
        now = self.clock()
        return ([self._row(e, now) for e in self.listing.waiting], [self._row(e, now) for e in self.listing.dead])

    # --- internals ---------------------------------------------------------------------------------

    def _decide(self, action, record_id: str | None, why: str) -> bool:
        why = why.strip()
        if record_id is None or not why:
            self._say(self.tr("sync.tech.why"))
            return False
        self.run(action, record_id, why, on_done=self._decided, on_error=self._failed, timeout_s=CALL_TIMEOUT_S)
        return True

    def _decided(self, _result) -> None:
        self.events.emit(Changed("decided"))
        self._say(self.tr("sync.tech.done"))
        self.refresh()

    def _loaded(self, listing: OutboxListing) -> None:
        self.listing = listing
        self.events.emit(Changed("rows"))

    def _failed(self, exc: BaseException) -> None:
        message = getattr(exc, "message", None)
        detail = message("technician", self.tr.language) if callable(message) else str(exc)
        self._say(self.tr("sync.tech.failed", detail=detail))

    def _say(self, text: str) -> None:
        self.message = text
        self.events.emit(Changed("message"))

    def _row(self, e: OutboxEntry, now: float) -> OutboxRow:
        t = self.tr
        return OutboxRow(e.record_id, (e.record_id, t(f"sync.kind.{e.kind}"), t(f"sync.record_state.{e.state}"),
                                       format_age(t, now - e.created_at), str(e.attempts),
                                       e.dead_reason or e.last_error))
