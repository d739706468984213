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
from hall_server.technicians import technicians_reference
from kiosk.lockdown import build_technician_gate
from offline_cache import Store
from offline_cache.refcache import ReferenceCache
from platform_client.sync import SyncClient

PIN = "20461379"


@pytest.fixture
def kiosk(hall, tmp_path):
    """K-01's store and reference cache, and its technician gate as kiosk/app.py builds it."""
    hall.server.store.add_staff("T0001", "赵工", PIN)
    set_technician(hall.server.store, "T0001", True, PIN)
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


def test_a_short_pin_never_becomes_a_technician_s(hall, capsys):
    """GIVEN a technician's PIN verifier travels to every locked-down kiosk (searchable offline on a stolen disk)
    WHEN the right is given with a PIN under eight characters, or without the member's own PIN
    THEN it is refused with the reason, and nothing is written: no staff member is added by a refused
    ``add-staff --technician``, and the kiosks are given no verifier for them."""
    db = hall.server.store.db_path
    assert hall_admin(["--db", db, "add-staff", "T0002", "--name", "孙工", "--pin", "1357", "--technician"]) == 2
    assert "8 characters or more" in capsys.readouterr().err
    with pytest.raises(ValueError, match="no staff T0002"):  # not added either
        set_technician(hall.server.store, "T0002", False)
    hall.server.store.add_staff("T0003", "周工", "2468")
    with pytest.raises(ValueError, match="8 characters or more"):
        set_technician(hall.server.store, "T0003", True, "2468")
    with pytest.raises(ValueError, match="own PIN"):
        set_technician(hall.server.store, "T0003", True)
    with pytest.raises(ValueError, match="own PIN"):
        set_technician(hall.server.store, "T0003", True, "24682468")  # not T0003's PIN
    offered = json.dumps(technicians_reference(hall.server.store))
    assert "T0002" not in offered and "T0003" not in offered
