"""``kiosk diag locker`` against the lock-board simulator: open one lock, read one door, scan the boards;
JSON exactly {"board", "lock", "door", "opened"} per lock; a bus that does not answer exits non-zero with
one line on stderr, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulators.locker import LockerSimulator
from kiosk.cli import main
from core.ports.locker import DoorState

ROOT = Path(__file__).resolve().parents[1]
FAST = ("--timeout", "0.2", "--retries", "0")


@pytest.fixture
def sim():
    with LockerSimulator({1: 4, 3: 2}, thread_prefix="locker-sim-test") as simulator:
        yield simulator


def run(capsys, monkeypatch, *args: str, language: str = "en_US.UTF-8") -> tuple[int, str, str]:
    monkeypatch.setenv("LC_ALL", language)
    code = main(["diag", "locker", *args])
    out, err = capsys.readouterr()
    return code, out, err


def records(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_open_a_lock_in_words(sim, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "--port", sim.url, "--board", "3", "--open", "1", *FAST)
    assert code == 0 and out.strip() == "board 3 lock 1: door open, lock released"


def test_open_a_lock_in_json(sim, capsys, monkeypatch):
    """WHEN a lock is opened THEN one object with exactly board, lock, door and opened, and exit 0."""
    code, out, err = run(capsys, monkeypatch, "--port", sim.url, "--board", "1", "--open", "3", "--json", *FAST)
    assert code == 0, err
    assert records(out) == [{"board": 1, "lock": 3, "door": "open", "opened": True}]
    assert list(records(out)[0]) == ["board", "lock", "door", "opened"]
    assert sim.door(1, 3) is DoorState.OPEN


def test_a_jammed_lock_exits_1_and_says_so(sim, capsys, monkeypatch):
    sim.jam(1, 2)
    code, out, err = run(capsys, monkeypatch, "--port", sim.url, "--open", "2", "--json", *FAST)
    assert code == 1
    assert records(out) == [{"board": 1, "lock": 2, "door": "closed", "opened": False}]
    assert len(err.strip().splitlines()) == 1 and "did not open" in err


def test_read_one_door_in_words_in_both_languages(sim, capsys, monkeypatch):
    sim.open_door(3, 2)
    code, out, _ = run(capsys, monkeypatch, "--port", sim.url, "--board", "3", "--status", "2", *FAST)
    assert code == 0 and out.strip() == "board 3 lock 2: door open"
    code, out, _ = run(capsys, monkeypatch, "--port", sim.url, "--board", "3", "--status", "1", *FAST,
                       language="zh_CN.UTF-8")
    assert code == 0 and out.strip() == "3 号板 1 号锁：门关"


def test_scan_lists_every_board_and_door_that_answers(sim, capsys, monkeypatch):
    """GIVEN boards at 1 (4 locks) and 3 (2 locks) WHEN the bus is scanned with --locks 4 THEN every
    door of both boards, one object each, and no other address."""
    sim.open_door(1, 4)
    code, out, err = run(capsys, monkeypatch, "--port", sim.url, "--scan", "--locks", "4", "--json", *FAST)
    assert code == 0, err
    got = records(out)
    assert [(r["board"], r["lock"]) for r in got] == [(1, 1), (1, 2), (1, 3), (1, 4), (3, 1), (3, 2)]
    assert {r["door"] for r in got if (r["board"], r["lock"]) != (1, 4)} == {"closed"}
    assert got[3] == {"board": 1, "lock": 4, "door": "open", "opened": False}


def test_scan_of_a_silent_bus_exits_2_with_one_line(sim, capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, "--port", sim.url, "--scan", "--board", "2", *FAST)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "no board answered" in err


def test_a_silent_board_exits_2_with_one_line(sim, capsys, monkeypatch):
    sim.silence(1)
    code, out, err = run(capsys, monkeypatch, "--port", sim.url, "--status", "1", "--json", *FAST)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "did not answer" in err


def test_a_damaged_answer_exits_2_naming_the_checksum(sim, capsys, monkeypatch):
    sim.corrupt(1)
    code, _, err = run(capsys, monkeypatch, "--port", sim.url, "--status", "1", *FAST)
    assert code == 2 and "checksum" in err and len(err.strip().splitlines()) == 1


def test_raw_shows_the_frames_on_stderr(sim, capsys, monkeypatch):
    code, _, err = run(capsys, monkeypatch, "--port", sim.url, "--open", "1", "--raw", *FAST)
    assert code == 0
    assert "tx 8A 01 01 11 9B" in err and "rx 8A 01 01 00 8A" in err


def test_equal_status_bytes_are_refused(sim, capsys, monkeypatch):
    code, _, err = run(capsys, monkeypatch, "--port", sim.url, "--status", "1", "--opened-status", "0x11")
    assert code == 2 and "must differ" in err


def test_an_adapter_that_is_not_there_exits_2_without_a_traceback(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LC_ALL": "C"}
    done = subprocess.run([sys.executable, "-m", "kiosk", "diag", "locker", "--port", str(tmp_path / "ttyUSB9"),
                           "--status", "1", *FAST], capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)
    assert done.returncode == 2 and done.stdout == ""
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "cannot be opened" in done.stderr
