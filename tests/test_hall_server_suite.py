"""The list of the hall server's tests that run a second time on PostgreSQL (tests/hall_server_suite.txt) keeps
up with the tests: a new test file that starts a hall server is either in it or named, with why, among the files
left out, so a test of the server cannot quietly run on SQLite alone."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
STARTS_A_SERVER = re.compile(r"\b(fresh_hall|hall_server|start_hall|ServerThread|new_hall_db|copy_hall_db)\b")


def suite() -> tuple[set[str], set[str]]:
    listed, left_out = set(), set()
    for line in (TESTS / "hall_server_suite.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("# not here: "):
            path, _, why = line.removeprefix("# not here: ").partition("  (")
            assert why.strip(" )"), f"{path}: left out without saying why"
            left_out.add(path.strip())
        elif line and not line.startswith("#"):
            listed.add(line.strip())
    return listed, left_out


def test_every_file_that_starts_a_hall_server_is_in_the_postgresql_pass_or_said_to_be_left_out():
    """GIVEN every test file that names a way of starting a hall server THEN it is listed for the PostgreSQL
    pass or left out with a reason; and every listed file exists and is listed once."""
    listed, left_out = suite()
    starting = {f"tests/{path.name}" for path in TESTS.glob("test_*.py")
                if STARTS_A_SERVER.search(path.read_text(encoding="utf-8")) and path.name != Path(__file__).name}
    assert sorted(starting - listed - left_out) == []
    assert sorted(path for path in listed | left_out if not (ROOT / path).is_file()) == []
    assert listed.isdisjoint(left_out)
