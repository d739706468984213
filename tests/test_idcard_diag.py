"""``kiosk diag idcard`` against the reader simulator: fields, JSON keys, masking, raw frames, failures."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devices.idcard.protocol import Command
from simulators.idcard import Fault, IdCardSimulator
from kiosk.cli import main
from core.services.idcard_report import KEYS, format_raw

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def sim():
    with IdCardSimulator(thread_name="idcard-sim-test") as simulator:
        yield simulator


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["diag", "idcard", *args])
    out, err = capsys.readouterr()
    return code, out, err


EXPECTED = {
    "li_yan": {
        "card_type": "resident", "name": "李䶮", "english_name": None, "sex": "male", "ethnicity": "汉",
        "birth_date": "1955-03-12", "address": "江苏省南京市玄武区中山路18号", "id_number": "320102195503121230",
        "authority": "南京市公安局玄武分局", "valid_from": "2015-03-12", "valid_to": None, "pass_number": None,
        "issue_count": None, "nationality": None, "photo_available": False},
    "chen_dawen": {
        "card_type": "hk_mo_tw_permit", "name": "陈大文", "english_name": None, "sex": "male", "ethnicity": None,
        "birth_date": "1990-01-01", "address": "广东省深圳市福田区福华三路100号", "id_number": "810000199001011230",
        "authority": "深圳市公安局", "valid_from": "2023-01-01", "valid_to": "2028-01-01",
        "pass_number": "H01234567", "issue_count": 1, "nationality": None, "photo_available": False},
    "smith_2017": {
        "card_type": "foreign_permanent_2017", "name": "史密斯", "english_name": "SMITH, JOHN WILLIAM",
        "sex": "male", "ethnicity": None, "birth_date": "1985-02-11", "address": None,
        "id_number": "USA110085021101", "authority": "1500", "valid_from": "2017-06-01",
        "valid_to": "2027-06-01", "pass_number": None, "issue_count": None, "nationality": "USA",
        "photo_available": False},
    "smith_2023": {
        "card_type": "foreign_permanent_2023", "name": "史密斯", "english_name": "SMITH, JOHN WILLIAM",
        "sex": "male", "ethnicity": None, "birth_date": "1985-02-11", "address": None,
        "id_number": "911840198502110012", "authority": None, "valid_from": "2023-12-01",
        "valid_to": "2033-12-01", "pass_number": None, "issue_count": 1, "nationality": "USA",
        "photo_available": False},
}


@pytest.mark.parametrize("key", list(EXPECTED))
def test_json_unmasked_holds_every_key_with_iso_dates_and_nulls(sim, capsys, key):
    """GIVEN a card of each type on the simulated reader
    WHEN kiosk diag idcard --json --unmasked runs
    THEN it prints one JSON object with exactly the documented keys, ISO dates, null for no expiry and
    for the keys the card type lacks, and exits 0."""
    sim.place(key)
    code, out, err = run(capsys, "--port", sim.url, "--timeout", "5", "--json", "--unmasked")
    assert code == 0, err
    record = json.loads(out)
    assert tuple(record) == KEYS and record == EXPECTED[key]


def test_output_is_masked_by_default(sim, capsys):
    """GIVEN 李䶮's card
    WHEN kiosk diag idcard --json runs without --unmasked
    THEN the name, number, address and birth date are masked; nothing of them appears in full."""
    sim.place("li_yan")
    code, out, err = run(capsys, "--port", sim.url, "--timeout", "5", "--json")
    assert code == 0, err
    record = json.loads(out)
    assert record["name"] == "李*" and record["id_number"] == "3201**********1230"
    assert record["birth_date"] == "1955-**-**" and record["address"] == "江苏省南京市" + "*" * 9
    for secret in ("李䶮", "320102195503121230", "中山路", "1955-03-12"):
        assert secret not in out + err


def test_text_output_names_each_field(sim, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    sim.place("ouyang_nana")
    code, out, err = run(capsys, "--port", sim.url, "--timeout", "5")
    assert code == 0, err
    assert "姓名: 欧***" in out and "性别: 女" in out and "证件类型: 居民身份证" in out
    assert "有效期止: 2036-06-15" in out and "照片: 无" in out


def test_raw_frames_are_shown_in_hex_and_the_card_data_is_masked(sim, capsys):
    """GIVEN 李䶮's card
    WHEN --raw runs without --unmasked
    THEN the commands and short answers are shown whole, the read answer only by its header and
    checksum: the UCS-2 bytes of the name (李 = 4E 67, 䶮 = AE 4D) never appear."""
    sim.place("li_yan")
    code, out, err = run(capsys, "--port", sim.url, "--timeout", "5", "--raw")
    assert code == 0, err
    assert "tx AA AA AA 96 69 00 03 20 01 22" in out  # find card
    assert "rx AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97" in out  # card found
    assert "rx AA AA AA 96 69 05 08 00 00 90 01 00 04 00 [1280 bytes masked]" in out
    assert "4E 67 AE 4D" not in out
    code, out, err = run(capsys, "--port", sim.url, "--timeout", "0.5", "--raw", "--unmasked")
    assert code == 1  # the card was read once: it must be lifted and placed again
    sim.lift()
    time.sleep(0.1)
    sim.place("li_yan")
    code, out, err = run(capsys, "--port", sim.url, "--timeout", "5", "--raw", "--unmasked")
    assert code == 0 and "4E 67 AE 4D" in out


@pytest.mark.parametrize("direction, data, unmasked, line", [
    ("tx", bytes.fromhex("AAAAAA9669000320 0122"), False, "tx AA AA AA 96 69 00 03 20 01 22"),
    ("skip", bytes.fromhex("4E67AE4D"), False, "skip [4 bytes]"),
    ("skip", bytes.fromhex("4E67AE4D"), True, "skip 4E 67 AE 4D"),
])
def test_raw_lines(direction, data, unmasked, line):
    assert format_raw(direction, data, unmasked=unmasked) == line


def one_line_without_traceback(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("kiosk diag idcard:")]
    assert len(lines) == 1 and "Traceback" not in err
    return lines[0]


def test_no_card_in_time_exits_1_with_one_line(sim, capsys):
    code, out, err = run(capsys, "--port", sim.url, "--timeout", "0.4")
    assert code == 1 and out == ""
    assert "No card" in one_line_without_traceback(err)


def test_no_reader_exits_2_with_one_line(sim, capsys):
    sim.unplug()
    time.sleep(0.1)
    code, out, err = run(capsys, "--port", sim.url, "--timeout", "5")
    assert code == 2 and "was not found" in one_line_without_traceback(err)


def test_a_bad_port_url_exits_2_with_one_line(capsys):
    code, out, err = run(capsys, "--port", "nosuchscheme://x", "--timeout", "1")
    assert code == 2
    one_line_without_traceback(err)


@pytest.mark.parametrize("fault, words", [(Fault.BAD_CHECKSUM, "checksum"), (Fault.NO_ANSWER, "did not answer")])
def test_a_protocol_fault_exits_2_with_one_line(sim, capsys, fault, words):
    sim.place("li_yan")
    sim.inject(fault, command=Command.READ_TEXT_PHOTO)
    code, out, err = run(capsys, "--port", sim.url, "--timeout", "5")
    assert code == 2 and out == ""
    assert words in one_line_without_traceback(err)


def test_the_simulator_and_the_diag_command_work_as_separate_processes():
    """GIVEN the simulator started from the command line with a sample card (as a technician would)
    WHEN kiosk diag idcard --json runs in another process against its URL
    THEN the card is read."""
    sim = subprocess.Popen([sys.executable, "-m", "simulators.idcard", "--port", "0", "--card", "li_yan"],
                           cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        url = sim.stdout.readline().strip()
        assert url.startswith("socket://127.0.0.1:")
        done = subprocess.run([sys.executable, "-m", "kiosk", "diag", "idcard", "--port", url, "--json",
                               "--timeout", "10"], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["id_number"] == "3201**********1230"
        sim.stdin.write("lift\nplace smith_2017\n")
        sim.stdin.flush()
        assert sim.stdout.readline().strip() == "lifted"
        assert sim.stdout.readline().strip() == "placed smith_2017"
    finally:
        sim.stdin.close()  # then it would serve on; stop it
        sim.terminate()
        sim.wait(10)
