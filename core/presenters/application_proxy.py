"""Registering who may collect the result for the applicant (代领人), at the window's 受理, without Qt.

The applicant names up to five people who may collect the result in their place; each shows their own
resident ID card at the window's reader, which is how the platform will know them again at the pickup
window or at the locker's kiosk (docs/pickup.md, "Who may collect"). The register holds the cards read
for this application until it is accepted (their numbers go in the ``application`` record's
``proxy_ids``) or the application is started afresh:

    proxies = ProxyRegister(tr, applicant=lambda: service.applicant, on_change=lambda: emit("proxies"))
    proxies.arm()                    # "登记代领人": the next card read is a proxy's, not a new applicant's
    proxies.offer(identity)          # the window's card hook: True when the card was taken as a proxy's
    proxies.remove(0)                # a person named by mistake
    proxies.ids()                    # for the record: numbers only
    proxies.view()                   # what the page shows: masked names and numbers, the prompt, a problem

A card is refused (with a reason the clerk reads, nothing kept) when it is the applicant's own, already
registered, expired, a number the platform cannot take (some foreign documents: that person collects at
the window with the applicant's written authorisation instead), or when five are registered. Only masked
names and numbers are ever shown; the identities are registered with the log masking while held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from core.domain.identity import Identity, mask_id_number, mask_name
from core.services.application import COLLECTOR_NUMBER
from core.services.identity import card_expired, forget_identity, register_identity, same_person

MAX_PROXIES = 5  # what one application record may name (the platform refuses more)


@dataclass(frozen=True)
class ProxyView:
    """The page's 代领人 part: one masked line per person, whether a card is awaited, the last refusal."""

    rows: tuple[str, ...]
    waiting: bool
    problem: str
    can_add: bool


class ProxyRegister:
    def __init__(self, tr: Callable[..., str], *, applicant: Callable[[], Identity | None] = lambda: None,
                 today: Callable[[], date] = date.today, on_change: Callable[[], None] = lambda: None) -> None:
        self.tr = tr
        self.applicant = applicant
        self.today = today
        self.on_change = on_change
        self.people: list[Identity] = []
        self.waiting = False
        self.problem = ""
        self._owner: Identity | None = None  # the applicant the people were registered for

    def arm(self) -> None:
        """The next card read at the window is a proxy's (until it is read, ``disarm`` or a reset)."""
        if len(self.people) >= MAX_PROXIES:
            self._refuse("application.proxy.full", count=MAX_PROXIES)
            return
        self.waiting, self.problem = True, ""
        self.on_change()

    def disarm(self) -> None:
        if self.waiting:
            self.waiting = False
            self.on_change()

    def offer(self, identity: Identity) -> bool:
        """A card read at the window: taken as a proxy's (True) only while a proxy's card is awaited."""
        if not self.waiting:
            return False
        self.waiting = False
        reason = self._refusal(identity)
        if reason is not None:
            self._refuse(*reason)
            return True
        register_identity(identity)
        if not self.people:
            self._owner = self.applicant()
        self.people.append(identity)
        self.problem = ""
        self.on_change()
        return True

    def _refusal(self, identity: Identity) -> tuple | None:
        if same_person(identity, self.applicant()):
            return ("application.proxy.is_applicant",)
        if any(same_person(identity, p) for p in self.people):
            return ("application.proxy.already",)
        if card_expired(identity, self.today()):
            return ("application.proxy.expired",)
        if not identity.id_number or not COLLECTOR_NUMBER.fullmatch(identity.id_number):
            return ("application.proxy.unusable",)
        return None

    def _refuse(self, key: str, **fields) -> None:
        self.problem = self.tr(key, **fields)
        self.on_change()

    def remove(self, index: int) -> None:
        if 0 <= index < len(self.people):
            forget_identity(self.people.pop(index))
            self.problem = ""
            self.on_change()

    def clear(self) -> None:
        """The application was accepted or started afresh: nobody is registered any more."""
        changed = bool(self.people) or self.waiting or bool(self.problem)
        for person in self.people:
            forget_identity(person)
        self.people, self.waiting, self.problem, self._owner = [], False, "", None
        if changed:
            self.on_change()

    def applicant_changed(self) -> None:
        """Another person's card became the applicant's: the people registered were for someone else."""
        if self.people and not same_person(self._owner, self.applicant()):
            self.clear()

    def ids(self) -> list[str]:
        return [p.id_number for p in self.people]

    def view(self) -> ProxyView:
        rows = tuple(self.tr("application.proxy.row", name=mask_name(p.name or p.english_name),
                             number=mask_id_number(p.id_number)) for p in self.people)
        return ProxyView(rows, self.waiting, self.problem, len(self.people) < MAX_PROXIES)
