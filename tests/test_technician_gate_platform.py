"""The technician's PIN at a locked-down kiosk, against the real hall server on loopback: the platform
serves the verifiers of the staff with the technician right to kiosks only; the kiosk checks a PIN with
them, offline too once it has a copy; each entry reaches the platform as a ``technician_access`` record
that ``kiosk hall-admin technician-access`` lists (kiosk/lockdown.py, hall_server/technicians.py)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sync_fixtures import make_engine, wait_for

from core.errors import PlatformRejected
from core.services.technician_access import Outcome
from hall_server.__main__ import main as hall_admin
from hall_server.fleet_access import set_technician
from kiosk.lockdown import build_technician_gate
from offline_cache import Store
from offline_cache.refcache import ReferenceCache
from platform_client.sync import SyncClient

PIN = "20461379"


@pytest.fixture
def kiosk(hall, tmp_path):
    """K-01's store and reference cache, and its technician gate as kiosk/app.py builds it."""
    hall.server.store.add_staff("T0001", "赵工", PIN)
    set_technician(hall.server.store, "T0001", True)
    hall.server.store.add_staff("S2001", "钱文", "13572468")  # staff without the right
    store = Store(tmp_path / "k01", margin_bytes=0)
    client = SyncClient(hall.server.url, "K-01", hall.secrets["K-01"], timeout_s=2.0)
    terminal = SimpleNamespace(sync=SimpleNamespace(reference=ReferenceCache(store, client), store=store))
    gate = build_technician_gate(terminal, SimpleNamespace(terminal_id="K-01", data_dir=str(tmp_path / "data")))
    yield SimpleNamespace(gate=gate, store=store, client=client)
    client.close()
    store.close()


def test_a_technician_gets_in_with_their_pin_and_the_platform_hears_of_it(hall, kiosk, capsys):
    """GIVEN T0001 with the technician right WHEN their PIN is entered at kiosk K-01 THEN they are let in;
    staff without the right are refused like a wrong PIN; the entry syncs as a technician_access record
    and hall-admin lists it (never the PIN)."""
    assert kiosk.gate.attempt("T0001", PIN).outcome is Outcome.GRANTED
    assert kiosk.gate.attempt("S2001", "13572468").outcome is Outcome.REFUSED
    [entry] = kiosk.store.entries()
    assert entry.kind == "technician_access"
    engine, client = make_engine(kiosk.store, hall.server.url, hall.secrets["K-01"], terminal="K-01")
    engine.start()
    try:
        assert wait_for(lambda: kiosk.store.counts().acked == 1, timeout_s=10.0)
    finally:
        engine.stop()
        client.close()
    assert hall_admin(["--db", str(hall.server.store.db_path), "technician-access", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["terminal"], r["staff_id"], r["outcome"]) for r in rows] == [("K-01", "T0001", "granted")]
    assert PIN not in json.dumps(rows)


def test_with_the_platform_gone_the_cached_verifiers_still_let_the_technician_in(hall, kiosk):
    assert kiosk.gate.attempt("T0001", PIN).outcome is Outcome.GRANTED  # online: the copy is cached
    hall.server.stop()
    assert kiosk.gate.attempt("T0001", PIN).outcome is Outcome.GRANTED
    assert kiosk.gate.attempt("T0001", "00000000").outcome is Outcome.REFUSED


def test_only_a_kiosk_is_given_the_verifiers(hall, kiosk):
    window = SyncClient(hall.server.url, "W-03", hall.secrets["W-03"], timeout_s=2.0)
    try:
        with pytest.raises(PlatformRejected) as refused:
            window.get_reference("/v1/sync/reference/technicians", "")
        assert refused.value.reason == "forbidden_role"
    finally:
        window.close()


def test_the_kiosk_keeps_a_recent_copy_of_the_list_before_anyone_needs_it(hall, kiosk):
    """GIVEN a kiosk whose store is open WHEN its refresher runs THEN the technicians' list is in the cache
    before any technician came, so the first visit to a kiosk that has since gone offline still works."""
    from kiosk.lockdown import TechnicianListRefresher

    terminal = SimpleNamespace(sync=SimpleNamespace(reference=ReferenceCache(kiosk.store, kiosk.client)))
    refresher = TechnicianListRefresher(terminal, every_s=600).start()
    try:
        assert wait_for(lambda: kiosk.store.ref_get("technicians") is not None, timeout_s=10.0)
    finally:
        refresher.stop()
    hall.server.stop()
    assert kiosk.gate.attempt("T0001", PIN).outcome is Outcome.GRANTED
