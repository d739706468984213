"""The hall's matter catalogue on the hall server: every entry's whole guide served with its form and version,
the hall's synonyms beside them, a hall file with any bad entry refused whole, and an ETag that follows the
catalogue. Real hall server on loopback, read by a terminal's signed client; the sample hall
(simulators/sample_data/hall.json) is the catalogue."""

from __future__ import annotations

import copy
import re

import pytest

from core.services.application import parse_matters
from core.services.catalogue_schema import matter_problems
from core.services.forms import FIELD_KINDS, MatterForm
from core.services.guide import GuideBook
from hall_server import ServerThread, sample_hall
from hall_server.api.matters import load_matters, matter_catalogue
from platform_client.sync import SyncClient

PATH = "/v1/sync/reference/matters"
SERVICES = {"A", "B", "C", "D", "E", "F", "G", "H"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ServerThread(tmp_path_factory.mktemp("catalogue") / "hall.db", seed=sample_hall(),
                      thread_name="session:catalogue-hall") as srv:
        srv.secret = srv.store.add_terminal("W-01", "clerk")
        yield srv


@pytest.fixture
def client(server):
    c = SyncClient(server.url, "W-01", server.secret, timeout_s=5.0)
    yield c
    c.close()
    load_matters(server.store, sample_hall())  # a test that changed the catalogue leaves the sample behind


def test_every_entry_is_served_whole_with_its_form_version_and_the_synonyms(client):
    """GIVEN the sample hall WHEN a terminal reads the catalogue THEN every key of every entry is there as
    the hall wrote it, each entry has a form a terminal can build and a version, and the hall's synonyms
    come along."""
    status, body, etag = client.get_reference(PATH)
    hall = sample_hall()
    assert status == 200 and etag
    assert [m["code"] for m in body["matters"]] == [m["code"] for m in hall["matters"]]
    for source, served in zip(hall["matters"], body["matters"]):
        assert {k: served[k] for k in source} == source
        assert set(served) - set(source) <= {"form", "version"}
        assert served["version"] == source.get("version", served["version"])
        assert re.fullmatch(r"[A-Za-z0-9._-]{1,40}", served["version"])
        form = MatterForm.from_json(served["form"])
        assert "fields" not in source or form.version == served["version"]
    assert body["synonyms"] == hall["synonyms"]


def test_the_served_catalogue_is_one_terminals_read_without_leaving_anything_out(client):
    """GIVEN the served catalogue WHEN the clerk's catalogue and the guide book read it THEN every matter is
    there: the new keys are ignored by the one and used by the other."""
    _, body, _ = client.get_reference(PATH)
    matters = parse_matters(body)
    book = GuideBook.from_catalogue(body)
    assert len(matters) == len(body["matters"]) and not book.skipped
    assert book.search("生孩子")[0].code == "320100-GG-0003"  # through the served synonyms


def test_a_version_is_the_entry_s_own_or_a_hash_that_follows_its_content(server):
    """GIVEN one entry with a version and one without WHEN the catalogue is served THEN the first keeps its
    own and the second has a short content hash, which changes when the entry does."""
    hall = sample_hall()
    hall["matters"][0]["version"] = "2026.3"
    load_matters(server.store, hall)
    before = matter_catalogue(server.store)["matters"]
    hall["matters"][1]["fee"] = "住宅 90 元/件"
    load_matters(server.store, hall)
    after = matter_catalogue(server.store)["matters"]
    load_matters(server.store, sample_hall())
    assert before[0]["version"] == "2026.3" and before[0]["form"]["version"] == "2026.3"
    assert re.fullmatch(r"h[0-9a-f]{12}", before[1]["version"]) and after[1]["version"] != before[1]["version"]
    assert after[2]["version"] == before[2]["version"]


def test_a_hall_file_with_bad_entries_loads_nothing_and_names_every_place(server, client):
    """GIVEN a hall file whose second entry has an unknown trust class and whose fifth has a form field of an
    unknown type and a key no guide has WHEN it is loaded THEN nothing changes and the error names each
    problem as ``matters[i] (CODE).place: reason``."""
    _, before, _ = client.get_reference(PATH)
    hall = sample_hall()
    hall["matters"][1]["materials"][2]["trust"] = "E"
    hall["matters"][4]["fields"][2]["type"] = "colour"
    hall["matters"][4]["opening"] = "always"
    hall["matters"].append(copy.deepcopy(hall["matters"][0]))
    with pytest.raises(ValueError) as raised:
        load_matters(server.store, hall)
    lines = str(raised.value).splitlines()
    assert "matters[1] (320100-QR-0002).materials[2].trust: 'E' is not one of ['A', 'B', 'C', 'D']" in lines
    assert any(line.startswith("matters[4] (320100-GG-0005): Additional properties") for line in lines)
    assert f"matters[{len(hall['matters']) - 1}] (320100-XK-0001).code: the same code as matters[0]" in lines
    fixed = copy.deepcopy(hall)
    del fixed["matters"][4]["opening"]
    with pytest.raises(ValueError, match=r"matters\[4\] \(320100-GG-0005\)\.form: field category: unknown type"):
        load_matters(server.store, fixed)
    assert client.get_reference(PATH)[1] == before


def test_the_etag_follows_the_catalogue(server, client):
    """GIVEN a terminal holding the catalogue's ETag WHEN nothing changed THEN it gets 304; WHEN a guide or
    only the synonyms change THEN it gets the new catalogue under a new ETag."""
    _, _, etag = client.get_reference(PATH)
    assert client.get_reference(PATH, etag) == (304, None, etag)
    hall = sample_hall()
    hall["matters"][0]["hours"] = "周一至周日 9:00-17:00"
    load_matters(server.store, hall)
    status, body, changed = client.get_reference(PATH, etag)
    assert status == 200 and changed != etag and body["matters"][0]["hours"] == "周一至周日 9:00-17:00"
    hall["synonyms"]["开店"] = "个体工商户"
    load_matters(server.store, hall)
    status, body, again = client.get_reference(PATH, changed)
    assert status == 200 and again not in (etag, changed) and body["synonyms"]["开店"] == "个体工商户"


def test_a_hall_file_without_synonyms_keeps_the_hall_s_own(server):
    """GIVEN a catalogue with synonyms WHEN a hall file without a synonyms key is loaded THEN the matters are
    replaced and the synonyms stay."""
    hall = sample_hall()
    del hall["synonyms"]
    hall["matters"] = hall["matters"][:3]
    assert load_matters(server.store, hall) == 3
    served = matter_catalogue(server.store)
    load_matters(server.store, sample_hall())
    assert len(served["matters"]) == 3 and served["synonyms"] == sample_hall()["synonyms"]


def test_the_sample_hall_has_twenty_matters_across_every_service_and_one_form_with_every_field_kind():
    """GIVEN the sample hall THEN it has at least 20 matters, every one a valid entry, covering the eight
    services; one matter's form uses every field kind, prefills from the ID card, shows the agent's fields
    only when the applicant says so, and has a conditional material and one that may follow (容缺)."""
    matters = sample_hall()["matters"]
    assert len(matters) >= 20 and all(matter_problems(m) == [] for m in matters)
    assert {m["service"] for m in matters} == SERVICES
    full = [m for m in matters if "form" in m
            and {f.kind for f in MatterForm.from_json(m["form"]).fields.values()} == set(FIELD_KINDS)]
    assert full, "no matter's form uses every field kind"
    form = MatterForm.from_json(full[0]["form"])
    assert form.prefill({"name": "李䶮", "id_number": "11010519491231002X"})
    assert [r.effect for r in form.rules] and form.state({"by_agent": False})["agent_name"][0] is False
    assert form.state({"by_agent": True})["agent_name"][0] is True
    materials = full[0]["materials"]
    assert any(m.get("condition") and not m.get("required") for m in materials)
    assert any(m.get("may_follow") for m in materials)
    assert any(m.get("self_service") for m in matters)
    assert {"个人", "法人"} <= {t for m in matters for t in m.get("theme", ())}
    assert any(t.endswith("一件事") for m in matters for t in m.get("theme", ()))
