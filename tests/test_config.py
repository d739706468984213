"""A terminal's TOML file: good files load, bad ones stop start-up naming the key and the problem."""

from __future__ import annotations

import pytest

from core import config
from core.errors import ConfigError

GOOD = """
role = "citizen"
terminal_id = "K-01"
hall_id = "3201-0042"

[platform]
url = "http://127.0.0.1:8765/"
terminal_secret = "s3cret"

[printers.ticket]
url = "file:///tmp/ticket.bin"
width_mm = 58

[devices]
ticket_printer = "ticket"
"""


def write(tmp_path, text):
    path = tmp_path / "terminal.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads_with_defaults(tmp_path):
    cfg = config.load(write(tmp_path, GOOD))
    assert cfg.role == "citizen"
    assert cfg.platform.url == "http://127.0.0.1:8765"
    assert cfg.language == "zh_CN"
    assert cfg.printer("ticket").dots == 384
    assert cfg.timeouts.idle_s == 60.0
    assert cfg.devices.camera_threads == 0  # OpenCV's own choice unless the hall sets one
    assert "s3cret" not in repr(cfg)  # the secret never shows in a repr or a log line


@pytest.mark.parametrize(
    ("change", "setting", "words"),
    [
        (("role = \"citizen\"", "role = \"admin\""), "role", "must be one of"),
        (("terminal_id = \"K-01\"", "terminal_id = 7"), "terminal_id", "must be str"),
        (("url = \"http://127.0.0.1:8765/\"", "url = \"ftp://x\""), "platform.url", "unknown scheme"),
        (("terminal_secret = \"s3cret\"", ""), "platform.terminal_secret", "is required"),
        (("width_mm = 58", "width_mm = 62"), "printers.ticket.width_mm", "must be one of 58, 80"),
        (("url = \"file:///tmp/ticket.bin\"", "url = \"lpt://1\""), "printers.ticket.url", "unknown scheme"),
        (("ticket_printer = \"ticket\"", "ticket_printer = \"front\""), "devices.ticket_printer", "not under [printers]"),
        (("[devices]", "[devices]\nscaner = \"/dev/ttyACM0\""), "devices.scaner", "not a known setting"),
        (("[devices]", "[timeouts]\nidle_s = -1\n[devices]"), "timeouts.idle_s", "greater than 0"),
        (("[devices]", "[sync]\ncipher = \"des\"\n[devices]"), "sync.cipher", "must be one of"),
        (("[devices]", "[sync]\nticket_block_size = 0\n[devices]"), "sync.ticket_block_size", "from 1 to 500"),
        (("[devices]", "[devices]\ncamera_threads = -2"), "devices.camera_threads", "0 (OpenCV's choice) to 64"),
        (("[devices]", "[devices]\ncamera_threads = \"two\""), "devices.camera_threads", "must be int"),
    ],
)
def test_a_bad_setting_names_the_key_and_the_problem(tmp_path, change, setting, words):
    old, new = change
    with pytest.raises(ConfigError) as caught:
        config.load(write(tmp_path, GOOD.replace(old, new, 1)))
    assert caught.value.params["setting"] == setting
    assert words in caught.value.params["problem"]
    assert setting in caught.value.message("technician", "en")
    assert setting in caught.value.message("technician", "zh_CN")


def test_a_clerk_terminal_needs_its_window_number(tmp_path):
    text = GOOD.replace('role = "citizen"', 'role = "clerk"')
    with pytest.raises(ConfigError) as caught:
        config.load(write(tmp_path, text))
    assert caught.value.params["setting"] == "window.number"


def test_a_file_that_is_not_toml_is_named(tmp_path):
    with pytest.raises(ConfigError) as caught:
        config.load(write(tmp_path, "role = citizen ="))
    assert "not valid TOML" in caught.value.params["problem"]


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError) as caught:
        config.load(tmp_path / "nope.toml")
    assert "cannot be read" in caught.value.params["problem"]


def test_the_secret_can_come_from_a_file_only_the_terminal_reads(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-file\n", encoding="utf-8")
    text = GOOD.replace('terminal_secret = "s3cret"', f'terminal_secret_file = "{secret}"')
    assert config.load(write(tmp_path, text)).platform.terminal_secret == "from-file"


def test_time_that_adapts_and_the_audit_minimums_are_the_halls_to_set():
    """GIVEN [timeouts] keypad and elders' factors, an extension limit and [accessibility] minimums THEN they
    are read; a limit under ten (WCAG 2.2.1), a factor under 1 or an unknown minimum is refused by name."""
    from core.config import parse

    base = {"role": "citizen", "terminal_id": "K-01", "hall_id": "H",
            "platform": {"url": "http://127.0.0.1:1", "terminal_secret": "s"},
            "printers": {"t": {"url": "virtual://t"}}, "devices": {"ticket_printer": "t"}}
    cfg = parse({**base, "timeouts": {"keypad_factor": 3, "elders_factor": 2.5, "extensions": 12},
                 "accessibility": {"touch_target_px": 72, "contrast": 7}})
    assert cfg.timeouts.idle_options() == {"keypad_factor": 3.0, "elders_factor": 2.5, "extensions": 12}
    assert cfg.accessibility.touch_target_px == 72 and cfg.accessibility.contrast == 7.0
    assert cfg.accessibility.elders_text_px == 30  # the default stays
    for section, value, setting in (("timeouts", {"extensions": 5}, "timeouts.extensions"),
                                    ("timeouts", {"keypad_factor": 0.5}, "timeouts.keypad_factor"),
                                    ("accessibility", {"touch_px": 60}, "accessibility.touch_px"),
                                    ("accessibility", {"text_px": 0}, "accessibility.text_px")):
        with pytest.raises(ConfigError) as caught:
            parse({**base, section: value})
        assert caught.value.params["setting"] == setting
