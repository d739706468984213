"""``kiosk guide search|show`` and ``kiosk forms check`` for technicians and scripts (kiosk/guide_cli.py).

The catalogue is a JSON file, or the one a terminal cached from the real hall server in its encrypted store
(read with no network). The JSON keys and the exit codes are an interface: scripts rely on them.
"""

from __future__ import annotations

import json

import pytest

from core.services.application import REFERENCE_NAME
from hall_server import sample_hall
from kiosk.cli import main
from offline_cache import Store
from offline_cache.refcache import ReferenceCache
from platform_client.sync import SyncClient
from sync_fixtures import server  # noqa: F401 (fixture)

COMPANY = "320100-XK-0001"
GOOD = {"company_name": "示例科技有限公司", "legal_rep": "李䶮", "legal_rep_id": "320102195503121230",
        "capital": 50, "address": "江苏省南京市玄武区中山路18号", "phone": "13912345678", "scope": "软件开发"}


@pytest.fixture
def catalogue(tmp_path):
    path = tmp_path / "hall.json"
    path.write_text(json.dumps(sample_hall(), ensure_ascii=False), encoding="utf-8")
    return str(path)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_search_prints_the_agreed_json_best_first(capsys, catalogue):
    code, out, _ = run(capsys, "guide", "search", "bdc", "--json", "--catalogue", catalogue)
    hits = json.loads(out)
    assert code == 0
    assert [set(h) for h in hits] == [{"code", "name", "department", "score"}] * len(hits)
    assert hits[0]["name"] == "不动产登记资料查询" and hits[0]["score"] >= hits[-1]["score"]


def test_search_uses_the_hall_s_synonyms(capsys, catalogue):
    _, out, _ = run(capsys, "guide", "search", "生孩子", "--json", "--catalogue", catalogue)
    assert json.loads(out)[0]["code"] == "320100-GG-0003"


def test_search_that_finds_nothing_is_not_an_error(capsys, catalogue):
    assert run(capsys, "guide", "search", "zzzzqqq", "--json", "--catalogue", catalogue)[:2] == (0, "[]\n")


def test_show_prints_the_whole_guide(capsys, catalogue):
    code, out, _ = run(capsys, "guide", "show", COMPANY, "--json", "--catalogue", catalogue)
    guide = json.loads(out)
    assert code == 0 and guide["code"] == COMPANY and len(guide["materials"]) == 5
    code, out, _ = run(capsys, "guide", "show", COMPANY, "--catalogue", catalogue, "--language", "en")
    assert "Department: 市场监督管理局" in out and "公司章程" in out


def test_forms_check_exits_0_on_valid_data(capsys, catalogue, tmp_path):
    data = tmp_path / "data.json"
    data.write_text(json.dumps(GOOD, ensure_ascii=False), encoding="utf-8")
    assert run(capsys, "forms", "check", COMPANY, str(data), "--catalogue", catalogue) == (0, "", "")


def test_forms_check_exits_1_with_one_line_per_problem_in_the_chosen_language(capsys, catalogue, tmp_path):
    data = tmp_path / "data.json"
    data.write_text(json.dumps({**GOOD, "legal_rep_id": "123", "phone": "12", "scope": None}), encoding="utf-8")
    code, out, _ = run(capsys, "forms", "check", COMPANY, str(data), "--catalogue", catalogue, "--language", "zh_CN")
    assert code == 1
    assert out.splitlines() == ["legal_rep_id: 身份证号码不正确，请核对（18 位，最后一位可能是 X）",
                                "phone: 手机号码不正确，应为 11 位数字", "scope: 填写的内容类型不对"]
    code, out, _ = run(capsys, "forms", "check", COMPANY, str(data), "--catalogue", catalogue, "--language", "en")
    assert out.splitlines()[1] == "phone: This mobile number is not valid: it has 11 digits"


@pytest.mark.parametrize("argv, message", [
    (["forms", "check", COMPANY, "/nonexistent/data.json"], "cannot read data file"),
    (["guide", "search", "x"], "no catalogue"),
])
def test_unusable_input_exits_2_with_one_line(capsys, catalogue, argv, message, monkeypatch):
    monkeypatch.delenv("KIOSK_CATALOGUE", raising=False)
    extra = ["--catalogue", catalogue] if argv[0] == "forms" else []
    code, out, err = run(capsys, *argv, *extra)
    assert code == 2 and message in err and "Traceback" not in err and err.count("\n") == 1


def test_a_catalogue_that_is_not_one_exits_2(capsys, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"matters": "nope"}', encoding="utf-8")
    code, _, err = run(capsys, "guide", "search", "x", "--catalogue", str(bad))
    assert code == 2 and "not a matter catalogue" in err
    bad.write_text("<html>portal</html>", encoding="utf-8")
    assert run(capsys, "guide", "search", "x", "--catalogue", str(bad))[0] == 2


def test_a_matter_with_a_malformed_form_is_left_out_and_the_others_work(capsys, tmp_path):
    hall = sample_hall()
    hall["matters"][1]["fields"] = [{"id": "Bad Name!", "type": "text"}]
    path = tmp_path / "hall.json"
    path.write_text(json.dumps(hall, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(capsys, "guide", "search", "bdc", "--json", "--catalogue", str(path))
    assert code == 0 and hall["matters"][1]["code"] in err and "left out" in err
    assert hall["matters"][1]["code"] not in out and json.loads(out)


def test_the_catalogue_a_terminal_cached_is_read_from_its_store_without_network(capsys, server, tmp_path):
    """GIVEN a terminal that fetched the catalogue from the hall server into its encrypted store WHEN a
    technician checks data with --data-dir THEN the cached catalogue is used."""
    data_dir = tmp_path / "terminal"
    store = Store(data_dir, margin_bytes=0)
    client = SyncClient(server.url, "W-01", server.secrets["W-01"], timeout_s=2.0)
    try:
        ReferenceCache(store, client).get(REFERENCE_NAME)
    finally:
        client.close()
        store.close()
    data = tmp_path / "data.json"
    data.write_text(json.dumps(GOOD, ensure_ascii=False), encoding="utf-8")
    assert run(capsys, "forms", "check", COMPANY, str(data), "--data-dir", str(data_dir))[0] == 0
    code, out, _ = run(capsys, "guide", "search", "企业开办", "--json", "--data-dir", str(data_dir))
    assert json.loads(out)[0]["code"] == COMPANY
