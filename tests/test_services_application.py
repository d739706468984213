"""The application at the clerk's window: the matter catalogue from the hall server (online, then offline
from the cache), e-licence scans ticking materials, and the accepted application in the encrypted outbox. Real hall server on loopback, real Store in tmp_path."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest

from core.errors import PlatformError
from hall_server import sample_hall
from platform_client.sync import SyncClient
from core.services.application import (Application, ApplicationService, MatterCatalogue, Provision,
                                        parse_matters)
from core.services.materials import MaterialSet
from offline_cache.refcache import ReferenceCache
from sync_fixtures import server, store  # noqa: F401 (fixtures)

USCC = "91320100MA1XY8K12E"
COMPANY = "320100-XK-0001"  # m3 居民身份证 (e-licence), m4 不动产权证书 (e-licence), m5 optional


def company():
    return next(m for m in parse_matters(sample_hall()) if m.code == COMPANY)


def page(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 255, (400, 300, 3), dtype=np.uint8)


def test_catalogue_comes_from_the_server_then_from_the_cache_offline(server, store):
    """GIVEN a hall server seeded with the sample hall WHEN the clerk terminal loads the catalogue THEN it
    has every matter with its materials; AND WHEN the platform is unreachable THEN the cached copy is used,
    marked stale."""
    client = SyncClient(server.url, "W-01", server.secrets["W-01"], timeout_s=2.0)
    try:
        listing = MatterCatalogue(ReferenceCache(store, client)).load()
    finally:
        client.close()
    assert not listing.stale
    assert [m.code for m in listing.matters] == [m["code"] for m in sample_hall()["matters"]]
    matter = next(m for m in listing.matters if m.code == COMPANY)
    assert [(x.id, x.required, x.elicence) for x in matter.materials][2:4] == [
        ("m3", True, "居民身份证"), ("m4", True, "不动产权证书")]
    assert listing.for_service("B")[0].service == "B"

    offline = SyncClient("http://127.0.0.1:9", "W-01", server.secrets["W-01"], timeout_s=0.5)
    try:
        cached = MatterCatalogue(ReferenceCache(store, offline)).load()
    finally:
        offline.close()
    assert cached.stale and cached.matters == listing.matters


def test_offline_with_nothing_cached_says_so(server, store):
    offline = SyncClient("http://127.0.0.1:9", "W-01", server.secrets["W-01"], timeout_s=0.5)
    try:
        with pytest.raises(PlatformError):
            MatterCatalogue(ReferenceCache(store, offline)).load()
    finally:
        offline.close()


@pytest.mark.parametrize("payload, material, key", [
    (f"DZZZ:BDCQZ:{USCC}:SU2026000001", "m4", "materials.scan.matched"),
    (f"DZZZ:JMSFZ:{USCC}:320102199001011234", "m3", "materials.scan.matched"),
    (f"DZZZ:YYZZ:{USCC}:320100000123456", None, "materials.scan.no_match"),  # no material asks for it
    ("YY202611210000011", None, "materials.scan.not_elicence"),
    ("hello", None, "materials.scan.not_elicence"),
])
def test_scanning_an_elicence_ticks_its_material(payload, material, key):
    app = Application(company(), "E001", 3)
    result = ApplicationService(None).scan(app, payload)
    assert result.message_key == key
    assert (result.material.id if result.material else None) == material
    assert app.provided == ({material: Provision.ELICENCE} if material else {})


def test_missing_lists_required_materials_not_provided():
    app = Application(company(), "E001", 3)
    assert [m.id for m in app.missing()] == ["m1", "m2", "m3", "m4"]
    app.mark("m1", Provision.ORIGINAL)
    app.attach_pages("m2", [1])
    assert [m.id for m in app.missing()] == ["m3", "m4"]
    app.drop_pages(set())  # the page was deleted: m2 is missing again
    assert [m.id for m in app.missing()] == ["m2", "m3", "m4"]


def test_accepted_application_is_one_encrypted_record(store, tmp_path):
    """GIVEN an application with a scanned e-licence, a checked original and two captured pages WHEN it is
    accepted THEN exactly one application record is queued with the form data and the 容缺 items, its
    attachment is a sealed PDF, and no plaintext image, name or ID number is on disk. (Its way to the
    platform and the case it opens: tests/test_intake_end_to_end.py, tests/test_presenter_application_desk.py.)"""
    app = Application(company(), "E001", 3)
    service = ApplicationService(store)
    service.scan(app, f"DZZZ:BDCQZ:{USCC}:SU2026000001")
    app.mark("m1", Provision.ORIGINAL)
    materials = MaterialSet(company().name)
    ids = [materials.add(page(1)).id, materials.add(page(2)).id]
    app.attach_pages("m2", ids)
    form = {"legal_rep": "李䶮", "legal_rep_id": "11010519491231002X", "address": "南京市玄武区"}

    record_id = service.accept(app, materials, form=form, clerk="S1001", at=datetime(2026, 11, 23, 10, 0,
                                                                                     tzinfo=timezone.utc),
                               deficiencies=["m3"])

    assert [e.record_id for e in store.entries()] == [record_id]
    record = store.load(record_id)
    assert record.kind == "application" and record.content["form"] == form
    assert record.content["deficiencies"] == ["m3"] and record.content["ticket_number"] == "E001"
    assert record.content["materials"] == [{"id": "m1", "pages": 0}, {"id": "m2", "pages": 2},
                                           {"id": "m4", "pages": 0}]
    assert [(a["media_type"], a["label"]) for a in record.attachments] == [("application/pdf", "m2")]
    for path in (tmp_path / "terminal").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"%PDF-1." not in data and b"JFIF\x00" not in data
            assert "李䶮".encode() not in data and b"11010519491231002X" not in data
