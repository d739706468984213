"""A technician's way into a locked-down kiosk, without Qt: the hidden corner gesture, the PIN checked on
the kiosk against the platform's verifiers (offline too), the lockout that survives a restart, and the
record of who came in (core/services/technician_access.py, core/presenters/technician_gate.py)."""

from __future__ import annotations

import hashlib
import secrets

import pytest

from core.presenters import run_inline
from core.presenters.technician_gate import HOLD_S, CornerGesture, GatePresenter, Step
from core.services.technician_access import (Credential, Outcome, TechnicianGate, credentials_from_reference)
from kiosk.lockdown import JsonFileState

PIN = "20461379"


def verifier(staff_id: str, name: str, pin: str) -> dict:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=2 ** 14, r=8, p=1, dklen=32)
    return {"staff_id": staff_id, "name": name, "salt": salt.hex(), "hash": digest.hex(), "n": 2 ** 14, "r": 8,
            "p": 1}


REFERENCE = {"technicians": [verifier("T0001", "赵工", PIN)]}


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def gate(tmp_path):
    clock, recorded = Clock(), []
    made = TechnicianGate(lambda: credentials_from_reference(REFERENCE), record=recorded.append, clock=clock,
                          state=JsonFileState(tmp_path / "technician-gate.json"))
    made.clock_, made.recorded = clock, recorded
    return made


def test_the_right_pin_lets_the_technician_in_and_is_recorded_without_the_pin(gate):
    access = gate.attempt("T0001", PIN)
    assert (access.outcome, access.staff_id, access.name) == (Outcome.GRANTED, "T0001", "赵工")
    assert gate.recorded == [{"staff_id": "T0001", "outcome": "granted", "at": gate.clock_.now}]
    assert PIN not in repr(gate.recorded)


def test_an_unknown_id_and_a_wrong_pin_get_the_same_answer(gate):
    assert gate.attempt("T9999", PIN).outcome is Outcome.REFUSED
    assert gate.attempt("T0001", "00000000").outcome is Outcome.REFUSED
    assert gate.recorded == []


def test_five_wrong_pins_lock_the_entry_across_a_restart_and_each_lockout_lasts_twice_as_long(gate, tmp_path):
    """GIVEN five wrong PINs THEN the entry is locked for a minute (the right PIN is not even checked) and
    the lockout is recorded; WHEN the kiosk restarts (a new gate over the same file) THEN it is still locked;
    after the minute five more wrong PINs lock it for two minutes; a right PIN then clears the count."""
    for _ in range(4):
        assert gate.attempt("T0001", "1").outcome is Outcome.REFUSED
    locked = gate.attempt("T0001", "1")
    assert locked.outcome is Outcome.LOCKED and locked.wait_s == 60
    assert gate.attempt("T0001", PIN).outcome is Outcome.LOCKED
    assert gate.recorded[-1]["outcome"] == "locked_out" and gate.recorded[-1]["locked_s"] == 60
    again = TechnicianGate(gate.credentials, record=gate.recorded.append, clock=gate.clock_,
                           state=JsonFileState(tmp_path / "technician-gate.json"))
    assert again.attempt("T0001", PIN).outcome is Outcome.LOCKED
    gate.clock_.now += 61
    for _ in range(4):
        again.attempt("T0001", "2")
    assert again.attempt("T0001", "2").wait_s == 120
    gate.clock_.now += 121
    assert again.attempt("T0001", PIN).outcome is Outcome.GRANTED
    assert JsonFileState(tmp_path / "technician-gate.json").read() == {"failures": 0, "lockouts": 0,
                                                                         "locked_until": 0.0}


def test_a_kiosk_without_the_technician_list_says_so(tmp_path):
    empty = TechnicianGate(lambda: [], record=lambda e: None, clock=Clock(), state=JsonFileState(tmp_path / "s"))
    assert empty.attempt("T0001", PIN).outcome is Outcome.UNAVAILABLE


def test_malformed_verifiers_from_the_platform_are_skipped():
    good = verifier("T0002", "钱工", "11112222")
    body = {"technicians": [good, {"staff_id": "X"}, {**good, "salt": "zz"}, {**good, "n": 3}, "nonsense",
                            {**good, "hash": "00"}]}
    assert [c.staff_id for c in credentials_from_reference(body)] == ["T0002"]
    assert credentials_from_reference(["not", "a", "document"]) == []
    assert isinstance(credentials_from_reference(body)[0], Credential)


# --- the gesture ---------------------------------------------------------------------------------------

W, H = 1280, 800


def test_the_gesture_is_a_long_hold_top_left_then_two_taps_bottom_right():
    g = CornerGesture()
    g.press(10, 10, W, H, 0.0)
    assert not g.release(10, 10, W, H, HOLD_S + 0.1)
    g.press(1270, 790, W, H, 4.0)
    assert not g.release(1270, 790, W, H, 4.1)
    g.press(1270, 790, W, H, 4.3)
    assert g.release(1270, 790, W, H, 4.4)


@pytest.mark.parametrize("steps", [
    [("p", 10, 10, 0.0), ("r", 10, 10, 1.0), ("p", 1270, 790, 1.2), ("r", 1270, 790, 1.3),
     ("p", 1270, 790, 1.4), ("r", 1270, 790, 1.5)],                                   # held too short
    [("p", 10, 10, 0.0), ("r", 10, 10, 3.5), ("p", 600, 400, 4.0), ("r", 600, 400, 4.1),
     ("p", 1270, 790, 4.2), ("r", 1270, 790, 4.3), ("p", 1270, 790, 4.4), ("r", 1270, 790, 4.5)],  # a tap between
    [("p", 10, 10, 0.0), ("r", 10, 10, 3.5), ("p", 1270, 790, 8.0), ("r", 1270, 790, 8.1),
     ("p", 1270, 790, 8.2), ("r", 1270, 790, 8.3)],                                   # taps too late
])
def test_what_a_citizen_might_do_by_chance_never_opens_the_gate(steps):
    g = CornerGesture()
    done = []
    for kind, x, y, t in steps:
        if kind == "p":
            g.press(x, y, W, H, t)
        else:
            done.append(g.release(x, y, W, H, t))
    assert not any(done)


def test_the_gate_page_checks_on_the_runner_forgets_the_pin_and_closes_when_left_alone(gate):
    clock = Clock()
    page = GatePresenter(gate, run_inline, monotonic=clock, idle_s=60)
    page.open()
    for char in "t0001":
        page.key(char)
    page.focus("pin")
    for char in PIN:
        page.key(char)
    page.key("⌫")
    page.key(PIN[-1])
    assert (page.staff_id, page.pin) == ("T0001", PIN)
    page.submit()
    assert page.step is Step.GRANTED and page.pin == "" and page.message == "赵工，请选择"
    clock.now += 61
    page.tick()
    assert page.step is Step.CLOSED and page.granted is None
    page.open()
    page.key("T")
    page.focus("pin")
    page.key("9")
    page.submit()
    assert page.step is Step.ASKING and page.message == "工号或密码不正确"
