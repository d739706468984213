"""The sync status area's rules (every role): what to say about the link and the outbox.

``SyncStatus`` takes what the sync engine publishes (its state, the outbox counts, the progress of a
drain) and says: the link's state; "all sent", or how many records wait and how old the oldest is; the
number of dead letters (nothing when there are none); and the progress bar's values while a backlog
drains (none otherwise). ``citizen_notice`` is the kiosk's calm line: nothing while online, one line
while not (numbers still come from the leased block when the kiosk has one).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from core.i18n import Translator, keys_for
from core.ports.outbox import OutboxCounts, SyncProgress, SyncState
from core.presenters.outbox import format_age


STATE_KEYS = keys_for("sync.state.", SyncState)


@dataclass(frozen=True)
class DrainBar:
    done: int
    total: int
    text: str


@dataclass(frozen=True)
class SyncStatusView:
    state: str  # online, offline, retrying, blocked
    state_text: str
    waiting_text: str
    dead_text: str  # "" when there are no dead letters
    bar: DrainBar | None  # while a backlog drains


class SyncStatus:
    def __init__(self, *, state: str, counts: OutboxCounts | None, progress: SyncProgress | None,
                 language: str = "zh_CN", clock: Callable[[], float] = time.time) -> None:
        self.state = state
        self.counts = counts
        self.progress = progress
        self.tr = Translator(language)
        self.clock = clock

    def set_language(self, language: str) -> None:
        self.tr = Translator(language)

    def waiting_text(self) -> str:
        c = self.counts
        if c is None or c.waiting == 0:
            return self.tr("sync.status.all_sent")
        text = self.tr("sync.status.waiting", n=c.waiting)
        if c.oldest_created_at is not None:
            age = format_age(self.tr, self.clock() - c.oldest_created_at)
            text += " · " + self.tr("sync.status.oldest", age=age)
        return text

    def view(self) -> SyncStatusView:
        dead = self.counts.dead if self.counts else 0
        p = self.progress
        bar = None
        if p is not None and 0 < p.records_total and p.records_done < p.records_total:
            bar = DrainBar(p.records_done, p.records_total,
                           self.tr("sync.status.draining", done=p.records_done, total=p.records_total))
        return SyncStatusView(self.state, self.tr(f"sync.state.{self.state}"), self.waiting_text(),
                              self.tr("sync.status.dead", n=dead) if dead else "", bar)


def citizen_notice(tr: Translator, state: str, *, offline_tickets: bool) -> str:
    """The kiosk's line about the link: "" while online."""
    if state == "online":
        return ""
    return tr("technician.status.citizen_offline" if offline_tickets else "technician.status.citizen_offline_only")
