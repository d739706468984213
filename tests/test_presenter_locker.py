"""The technician's smart-locker tab without Qt (core/presenters/locker.py): what each check's report
says, in Chinese and English, and how long the window waits for it."""

from __future__ import annotations

from core.config import LockerConfig
from core.i18n import Translator
from core.presenters.locker import check_bound_s, configured_text, log_lines, summary_text
from core.services.locker_check import LockerReport, lock_record


def test_an_open_that_worked_and_one_that_jammed_read_differently():
    zh, en = Translator("zh_CN"), Translator("en")
    opened = LockerReport("open", "done", [lock_record(2, 7, "open", True)])
    jammed = LockerReport("open", "jammed", [lock_record(2, 7, "closed", False)])
    assert summary_text(zh, opened) == "2 号板 7 号锁已打开；门开。"
    assert summary_text(en, jammed) == "Board 2 lock 7 did NOT open (jammed?); the door is closed."


def test_a_scan_counts_open_doors_and_names_silent_addresses():
    report = LockerReport("scan", "done", [lock_record(1, 1, "open", False), lock_record(1, 2, "closed", False)],
                          answered=[1], silent=[2, 3])
    assert summary_text(Translator("en"), report) == "Boards answering: 1; 1 of 2 doors open.\nNo answer at: 2, 3"
    nobody = LockerReport("scan", "no_board", silent=[1, 2])
    assert "没有锁控板应答" in summary_text(Translator("zh_CN"), nobody)


def test_the_log_holds_the_frames_then_one_json_record_per_lock():
    report = LockerReport("status", "done", [lock_record(1, 1, "closed", False)],
                          raw=["tx 80 01 01 33 B3", "rx 80 01 01 11 91"])
    assert log_lines(report) == ["tx 80 01 01 33 B3", "rx 80 01 01 11 91",
                                 '< {"board": 1, "lock": 1, "door": "closed", "opened": false}']


def test_the_window_waits_for_every_exchange_a_check_may_make():
    """GIVEN 2 boards of 24 locks, 0.5 s a wait and one retry THEN a scan may take 48 exchanges of two
    waits each; one lock takes two exchanges (open, then read the door)."""
    cfg = LockerConfig(port="/dev/ttyUSB2", boards={1: 24, 2: 24}, timeout_s=0.5, retries=1)
    assert check_bound_s(cfg, "scan") >= 48 * 2 * 0.5
    assert 2 * 2 * 0.5 <= check_bound_s(cfg, "open") < 10
    assert "1×24, 2×24" in configured_text(Translator("en"), cfg)
    assert "[locker]" in configured_text(Translator("en"), LockerConfig())
