"""The ``[locker]`` table of a terminal's file: the smart locker's bus, its boards and how its locks'
feedback is wired, checked as strictly as every other setting (core/config.py, docs/locker.md)."""

from __future__ import annotations

import pytest

from core import config
from core.errors import ConfigError

BASE = """
role = "technician"
terminal_id = "T-01"
hall_id = "3201-0042"

[platform]
url = "http://127.0.0.1:8765/"
"""


def load(tmp_path, locker: str) -> config.Config:
    path = tmp_path / "terminal.toml"
    path.write_text(BASE + locker, encoding="utf-8")
    return config.load(path)


def test_no_locker_table_means_no_locker(tmp_path):
    cfg = load(tmp_path, "")
    assert not cfg.locker.configured and cfg.locker.boards == {}


def test_a_locker_table_loads_with_hex_status_bytes_and_board_addresses(tmp_path):
    """GIVEN two boards written as TOML keys and reversed feedback wiring in hex THEN the config holds
    integer addresses in order, the bytes, and the defaults for what was not set."""
    cfg = load(tmp_path, """
[locker]
port = "/dev/ttyUSB2"
boards = { 2 = 12, 1 = 24 }
opened_status = 0x11
closed_status = 0x00
""")
    lk = cfg.locker
    assert lk.configured and lk.port == "/dev/ttyUSB2" and lk.boards == {1: 24, 2: 12}
    assert list(lk.boards) == [1, 2]
    assert (lk.opened_status, lk.closed_status, lk.baudrate, lk.timeout_s, lk.retries) == (0x11, 0x00, 9600, 0.5, 1)


@pytest.mark.parametrize(("table", "setting"), [
    ('port = "/dev/ttyUSB2"', "locker.boards"),
    ('port = "x"\nboards = { 0 = 24 }', "locker.boards.0"),
    ('port = "x"\nboards = { a = 24 }', "locker.boards.a"),
    ('port = "x"\nboards = { 1 = 0 }', "locker.boards.1"),
    ('port = "x"\nboards = { 1 = "24" }', "locker.boards.1"),
    ('port = "x"\nboards = { 1 = 24 }\nopened_status = 0x100', "locker.opened_status"),
    ('port = "x"\nboards = { 1 = 24 }\nclosed_status = 0x00', "locker.closed_status"),
    ('port = "x"\nboards = { 1 = 24 }\nretries = 9', "locker.retries"),
    ('port = "x"\nboards = { 1 = 24 }\ntimeout_s = 0', "locker.timeout_s"),
    ('port = "x"\nboards = { 1 = 24 }\nbaudrate = 9601', "locker.baudrate"),
    ('port = "x"\nboards = { 1 = 24 }\nspeed = 9600', "locker.speed"),
])
def test_a_wrong_locker_setting_stops_start_up_naming_it(tmp_path, table, setting):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, "[locker]\n" + table + "\n")
    assert caught.value.params["setting"] == setting, caught.value.detail
