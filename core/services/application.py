"""An application (申请) at the clerk's window: the matter, its checklist of materials, and its records.

Plain Python over ports, for the clerk window (ui/materials_panel.py):

    catalogue = MatterCatalogue(reference_cache)       # offline_cache.ReferenceCache (duck-typed)
    listing = catalogue.load()                          # blocking (HTTP, SQLite): on a worker
    listing.matters, listing.stale, listing.age_s       # offline: the cached copy, stale=True
    matters = listing.for_service("B")                  # the ticket's service's matters first

    app = Application(matter, ticket_number="B012", window=3)
    result = service.scan(app, payload)                 # an e-licence code ticks its material
    app.mark("m4", Provision.ORIGINAL)                  # "原件已核验"
    app.attach_pages("m3", [page_ids])                  # pages of the MaterialSet captured for m3
    app.missing()                                       # required materials not provided (一次性告知)
    record_id = service.accept(app, material_set, form=data, clerk="S1001", at=now)  # 受理
    record_id = service.notify(app, clerk="S1001", at=now)             # 一次性告知 of app.missing()
    record_id = service.pre_apply(app, material_set, form=data, at=now)   # 自助申报 at a kiosk
    desk = load_desk(catalogue)                         # the matters and their guides (forms), read once
    service.refusal(record_id)                          # "form_outdated"… once the platform refused it

Each record carries the matter code, the form data (the store encrypts the whole body), the materials
received and one watermarked PDF per material with captured pages as attachments (bytes in memory →
sealed blobs: nothing plaintext on disk). Each call returns only after ``Outbox.enqueue`` committed; only
then may the clerk be told "accepted". ``accept``, ``notify`` and ``pre_apply`` enqueue the records the
platform opens a case from (kinds ``application``, ``notice``, ``pre_application``; docs/hall-server.md, "Cases"): the case
number comes back in the platform's answer (docs/intake.md, "The case number on a receipt"), the store
keeps it with the acknowledged record, and ``case_number(record_id)`` reads it (None while pending). The matters
come from the hall server (hall_server/api/matters.py) through the
reference cache (``/v1/sync/reference/matters``).
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.domain.codes import CodeKind
from core.errors import ConfigError, KioskError, PlatformUnreachable
from core.ports.outbox import AttachmentIn, RecordKind
from core.services.catalogue import (REFERENCE_NAME, MaterialSpec, Matter, MatterCatalogue,  # noqa: F401
                                     MatterListing, _resolve, parse_matters)
from core.services.codes import CodeService

if TYPE_CHECKING:
    from core.services.guide import GuideBook
    from core.services.materials import MaterialSet

log = logging.getLogger(__name__)

class Provision(enum.StrEnum):
    """How a material was provided."""

    ELICENCE = "elicence"  # an e-licence code was scanned (电子证照)
    CAPTURED = "captured"  # pages captured with the document camera
    ORIGINAL = "original"  # the clerk checked the original (原件已核验)
    KIOSK = "kiosk"  # captured at a kiosk with a 自助申报 the clerk opened (its pages are the platform's)

COLLECTOR_NUMBER = re.compile(r"[0-9A-Za-z]{6,32}", re.ASCII)  # what the platform keeps as a collector's number


def _applicant(applicant_id: str | None) -> dict:
    """The record's ``applicant_id`` part: the number of the card read, when the platform can keep it."""
    return {"applicant_id": applicant_id} if applicant_id and COLLECTOR_NUMBER.fullmatch(applicant_id) else {}


@dataclass
class Application:
    matter: Matter
    ticket_number: str = ""
    window: int = 0
    provided: dict[str, Provision] = field(default_factory=dict)
    elicences: dict[str, str] = field(default_factory=dict)  # material id → e-licence number (no personal data)
    pages: dict[str, list[int]] = field(default_factory=dict)  # material id → page ids of the MaterialSet

    def mark(self, material_id: str, how: Provision) -> None:
        self.matter.material(material_id)  # KeyError for a material the matter does not have
        self.provided[material_id] = how

    def unmark(self, material_id: str) -> None:
        self.provided.pop(material_id, None)
        self.elicences.pop(material_id, None)

    def attach_pages(self, material_id: str, page_ids: list[int]) -> None:
        self.matter.material(material_id)
        self.pages.setdefault(material_id, []).extend(page_ids)
        self.provided[material_id] = Provision.CAPTURED

    def drop_pages(self, existing: set[int]) -> None:
        """Forgets pages deleted from the set; a material left without pages and captured only is unticked."""
        for material_id in list(self.pages):
            self.pages[material_id] = [p for p in self.pages[material_id] if p in existing]
            if not self.pages[material_id]:
                del self.pages[material_id]
                if self.provided.get(material_id) is Provision.CAPTURED:
                    del self.provided[material_id]

    def missing(self) -> list[MaterialSpec]:
        """Required materials not provided: the list of the "tell everything at once" notice (一次性告知)."""
        return [m for m in self.matter.materials if m.required and m.id not in self.provided]

    def status(self) -> list[dict[str, Any]]:
        return [{**m.as_dict(), "provided": self.provided[m.id].value if m.id in self.provided else None,
                 "pages": len(self.pages.get(m.id, []))} for m in self.matter.materials]


@dataclass(frozen=True)
class ScanResult:
    material: MaterialSpec | None
    message_key: str  # materials.scan.* — what the clerk is told


class ApplicationService:
    def __init__(self, outbox, codes: CodeService | None = None) -> None:
        """``outbox``: an ``Outbox`` (offline_cache.Store), or a provider of one (None while not ready)."""
        self.outbox = outbox
        self.codes = codes or CodeService(None)

    def scan(self, app: Application, payload: str) -> ScanResult:
        """An e-licence code ticks the material that asks for its type. Pure (no I/O): the GUI thread may
        call it. Nothing is logged of the payload."""
        code = self.codes.classify(payload)
        if code.kind is not CodeKind.E_LICENCE:
            return ScanResult(None, "materials.scan.not_elicence")
        found = self.codes.material_for_elicence(payload, [m.as_dict() for m in app.matter.materials])
        if found is None:
            return ScanResult(None, "materials.scan.no_match")
        spec = app.matter.material(found["id"])
        app.mark(spec.id, Provision.ELICENCE)
        app.elicences[spec.id] = code.fields.get("number", "")
        return ScanResult(spec, "materials.scan.matched")

    def attachments(self, app: Application, materials: MaterialSet) -> list[AttachmentIn]:
        """One watermarked PDF per material with captured pages (CPU: run on a worker)."""
        from core.services.materials import apply_watermark, to_pdf  # imaging: loaded when pages are sent

        out: list[AttachmentIn] = []
        text = materials.watermark_text()
        by_id = {p.id: p for p in materials.pages}
        for spec in app.matter.materials:
            images = [apply_watermark(by_id[i].image, text) for i in app.pages.get(spec.id, []) if i in by_id]
            if images:
                out.append(AttachmentIn(to_pdf(images, title=app.matter.name), "application/pdf", spec.id))
        return out

    # --- records that open a case on the platform (docs/hall-server.md, "Cases") -----------------------
    def accept(self, app: Application, materials: MaterialSet, *, form: dict[str, Any], clerk: str, at: datetime,
               deficiencies: Iterable[str] = (), pre_application: str | None = None, version: str = "",
               record_id: str | None = None, applicant_id: str | None = None,
               proxy_ids: Iterable[str] = ()) -> str:
        """受理: enqueues one ``application`` record (the form data, the materials received with their
        watermarked PDFs, the 容缺 items) and returns its id; the platform opens the case (or moves the
        pre-application ``pre_application`` names) and answers its number. ``version`` is the form's the
        data was filled in on (default: the matter's, from the catalogue). ``applicant_id``: the number of
        the ID card read at the window, so the applicant can collect the result with it; ``proxy_ids``: the
        cards of the people the applicant registered to collect it (代领人, at most five; docs/pickup.md).
        Blocking: on a worker."""
        proxies = [p for p in proxy_ids if COLLECTOR_NUMBER.fullmatch(p)]
        content = {"matter_code": app.matter.code, "version": version or app.matter.version, "form": dict(form),
                   "materials": received(app), "deficiencies": list(deficiencies), "window": app.window,
                   "clerk": clerk, "accepted_at": at.isoformat(), "pre_application": pre_application,
                   **({"ticket_number": app.ticket_number} if app.ticket_number else {}),
                   **_applicant(applicant_id), **({"proxy_ids": proxies} if proxies else {})}
        return self._enqueue(RecordKind.APPLICATION, content, self.attachments(app, materials), record_id)

    def notify(self, app: Application, *, clerk: str, at: datetime, record_id: str | None = None) -> str:
        """一次性告知: enqueues one ``notice`` record naming every required material not provided; the
        platform opens a case in 补正告知. ValueError when nothing is missing (accept instead)."""
        missing = [m.id for m in app.missing()]
        if not missing:
            raise ValueError("no required material is missing: accept the application instead")
        content = {"matter_code": app.matter.code, "missing": missing, "window": app.window, "clerk": clerk,
                   "given_at": at.isoformat(), **({"ticket_number": app.ticket_number} if app.ticket_number else {})}
        return self._enqueue(RecordKind.NOTICE, content, (), record_id)

    def pre_apply(self, app: Application, materials: MaterialSet, *, form: dict[str, Any], at: datetime,
                  version: str = "", record_id: str | None = None, applicant_id: str | None = None) -> str:
        """自助申报 at a kiosk: enqueues one ``pre_application`` record (form data, pages captured); the
        platform answers the number the slip carries and a clerk reviews it. ``version`` as for ``accept``;
        ``applicant_id``: the number of the ID card read at the kiosk, so the applicant can collect the result
        with that card whether or not the window reads it again. Blocking: on a worker."""
        content = {"matter_code": app.matter.code, "version": version or app.matter.version, "form": dict(form),
                   "materials": received(app), "submitted_at": at.isoformat(),
                   **_applicant(applicant_id)}
        return self._enqueue(RecordKind.PRE_APPLICATION, content, self.attachments(app, materials), record_id)

    def case_number(self, record_id: str) -> str | None:
        """The case number the platform gave the record (``accept``/``notify``/``pre_apply``), kept by the
        store when it was acknowledged; None while it is pending (offline: the receipt says 受理编号待同步
        with the record's short id, docs/intake.md). Reads the store: on a worker."""
        outbox = _resolve(self.outbox)
        case = outbox.case_for(record_id) if outbox is not None else None
        return case.number if case is not None else None

    def refusal(self, record_id: str) -> str | None:
        """The platform's reason when it refused the record for good (a dead letter: ``form_outdated``,
        ``form_invalid``, ``matter_unknown``…), else None (waiting, sent, or not this store's). Reads the
        store: on a worker."""
        outbox = _resolve(self.outbox)
        entry = getattr(outbox, "entry", None)
        if entry is None:
            return None
        try:
            found = entry(record_id)
        except (KeyError, LookupError, KioskError):
            return None
        if found.state != "dead":
            return None
        return (found.dead_reason or found.last_error).split(":", 1)[0].strip() or None

    def _enqueue(self, kind: RecordKind, content: dict[str, Any], attachments, record_id: str | None) -> str:
        """``record_id``: the caller's id for this act (a retry after a lost answer passes the same one and
        the store keeps the record once); None: a new id."""
        outbox = _resolve(self.outbox)
        if outbox is None:
            raise ConfigError("no store configured for submissions", setting="sync", problem="no store")
        record_id = outbox.enqueue(kind, content, attachments, record_id=record_id)
        log.info("%s queued: matter %s", kind.value, content["matter_code"])
        return record_id


def received(app: Application) -> list[dict[str, Any]]:
    """The materials provided, in the matter's order: id and the pages captured (0: an original checked or
    an e-licence scanned)."""
    return [{"id": m.id, "pages": len(app.pages.get(m.id, []))} for m in app.matter.materials
            if m.id in app.provided]


@dataclass(frozen=True)
class Desk:
    """What the clerk's application page works from: the matters (checklists) and their guides (forms,
    容缺 rules, search), read from one catalogue answer."""

    listing: MatterListing
    book: GuideBook


def load_desk(catalogue: MatterCatalogue) -> Desk:
    """The catalogue through ``catalogue``'s reference cache, read once: online refreshed (ETag), offline
    the cached copy (``listing.stale``). Nothing cached and offline: the ``PlatformError`` passes through.
    Blocking: on a worker."""
    from core.services.guide import GuideBook  # the form validator: loaded when the page needs it

    reference = _resolve(catalogue.reference)
    if reference is None:
        raise PlatformUnreachable("the terminal's store is not ready yet")
    ref = reference.get(REFERENCE_NAME)
    return Desk(MatterListing(tuple(parse_matters(ref.body)), ref.stale, ref.age_s),
                GuideBook.from_catalogue(ref.body))
