"""Clerk PIN guessing: the lockout holds against parallel guesses, grows with repeated lockouts, and the
answers tell a real staff id from an unknown one no better than a terminal id from an unknown one.

Against the real hall server on loopback, with many signed requests in flight at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from server_fixtures import STAFF_PIN, fresh_hall  # noqa: F401

from hall_server.store import PIN_MAX_FAILURES

PARALLEL = 16


def _login(hall, staff_id: str, pin: str, terminal: str = "window-1"):
    return hall.send(terminal, "POST", "/v1/clerk/login", body={"window": 1, "staff_id": staff_id, "pin": pin})


def _guess_in_parallel(hall, staff_id: str, guesses: int) -> list[tuple[int, bytes]]:
    pins = [f"{n:04d}" for n in range(1000, 1000 + guesses)]
    with ThreadPoolExecutor(PARALLEL) as pool:
        answers = list(pool.map(lambda pin: _login(hall, staff_id, pin), pins))
    return [(a.status_code, a.content) for a in answers]


def test_parallel_guesses_get_no_more_tries_than_the_lockout_allows(fresh_hall):
    """GIVEN a clerk S1001 WHEN 16 clients send 48 wrong PINs at once THEN at most PIN_MAX_FAILURES of them
    were checked (answered 401 bad_pin); every other one is 429; and the right PIN is refused until the
    lockout ends."""
    answers = _guess_in_parallel(fresh_hall, "S1001", 48)
    checked = sum(1 for status, _ in answers if status == 401)
    assert checked <= PIN_MAX_FAILURES
    assert sum(1 for status, _ in answers if status == 429) == 48 - checked
    assert _login(fresh_hall, "S1001", STAFF_PIN).status_code == 429
    fresh_hall.clock.advance(seconds=61)
    assert _login(fresh_hall, "S1001", STAFF_PIN).status_code == 200


def test_an_unknown_staff_id_is_answered_exactly_as_a_real_one(fresh_hall):
    """GIVEN a real staff id and an unknown one WHEN the same wrong PINs are tried in the same order on
    both THEN every answer (status and body) is the same for both."""
    def one_by_one(staff_id: str) -> list[tuple[int, bytes]]:
        return [(a.status_code, a.content) for a in (_login(fresh_hall, staff_id, f"{n:04d}") for n in range(7))]

    assert one_by_one("S1002") == one_by_one("NOBODY-7")
    assert [status for status, _ in one_by_one("NOBODY-8")][PIN_MAX_FAILURES:] == [429, 429]


def test_each_further_lockout_lasts_twice_as_long(fresh_hall):
    """GIVEN a clerk locked out once (a minute) WHEN five more wrong PINs follow the end of it THEN the
    second lockout lasts two minutes: still locked after one, open after two; a good login resets it."""
    for _ in range(2):
        for n in range(PIN_MAX_FAILURES):
            assert _login(fresh_hall, "S1001", f"9{n:03d}").status_code == 401
        assert _login(fresh_hall, "S1001", STAFF_PIN).status_code == 429
        fresh_hall.clock.advance(seconds=61)
    assert _login(fresh_hall, "S1001", STAFF_PIN).status_code == 429
    fresh_hall.clock.advance(seconds=60)
    assert _login(fresh_hall, "S1001", STAFF_PIN).status_code == 200
    for n in range(PIN_MAX_FAILURES):
        assert _login(fresh_hall, "S1001", f"9{n:03d}").status_code == 401
    fresh_hall.clock.advance(seconds=61)
    assert _login(fresh_hall, "S1001", STAFF_PIN).status_code == 200


def test_an_unknown_terminal_is_answered_as_a_known_one_with_a_wrong_secret(fresh_hall):
    """GIVEN a registered terminal signing with a wrong secret and an unregistered one WHEN both ask for
    the hall THEN both get the same status and body."""
    known = fresh_hall.send("kiosk-1", "GET", "/v1/hall", secret="not-the-secret")
    unknown = fresh_hall.send("kiosk-404", "GET", "/v1/hall", secret="not-the-secret")
    assert (known.status_code, known.content) == (unknown.status_code, unknown.content)
    assert known.status_code == 401
