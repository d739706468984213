"""The display's board (``GET /v1/display/board``): every window's state and the number it serves, waiting
counts per service, and the optional day's satisfaction, read over the real hall server on loopback and
parsed strictly (core/wire.py); the satisfaction from the ratings (好差评) the hall server keeps."""

from __future__ import annotations

import uuid

import pytest
from server_fixtures import MONDAY_10AM, fresh_hall, with_catalogue  # noqa: F401
from test_services_queue_support import STAFF_PIN

from core.domain import HallBoard, Satisfaction, WindowState
from core.domain.rating import Rating, RatingChannel, RatingLevel
from core.ports.outbox import RecordKind
from core.errors import PlatformRejected
from core.services.queue import ClerkQueueService, HallDisplayService
from core.wire import BadAnswer, board
from platform_client.sync import SyncClient


def test_the_board_says_which_windows_are_open_paused_or_closed_and_whom_they_serve(hall, issue):
    """GIVEN window 3 logged in and calling, window 4 logged in and paused, the others with nobody
    WHEN the display reads the board THEN 3 is open serving the number it called, 4 is paused, the rest
    closed; the waiting counts are today's, in the hall's service order; no satisfaction (this server
    counts no ratings)."""
    first, _second, _third = issue("A"), issue("A"), issue("B")
    w3, w4 = hall.client("W-03"), hall.client("W-04")
    display = hall.client("D-01")
    try:
        three, four = ClerkQueueService(w3, 3), ClerkQueueService(w4, 4)
        three.login("S1003", STAFF_PIN)
        four.login("S1004", STAFF_PIN)
        assert three.call_next().ticket.number == first
        four.pause("lunch")
        result = HallDisplayService(display).board()
    finally:
        for client in (w3, w4, display):
            client.close()
    states = {w.number: (w.state, w.serving) for w in result.windows}
    assert states[3] == (WindowState.OPEN, first)
    assert states[4] == (WindowState.PAUSED, None)
    assert {states[n][0] for n in states if n not in (3, 4)} == {WindowState.CLOSED}
    assert result.waiting[:3] == (("A", 1), ("B", 1), ("C", 0))
    assert result.satisfaction is None


def test_only_a_display_or_a_technician_reads_the_board(hall):
    kiosk = hall.client("K-01")
    try:
        with pytest.raises(PlatformRejected) as refused:
            kiosk.display_board()
        assert refused.value.reason == "forbidden_role"
    finally:
        kiosk.close()


def answer(**extra) -> dict:
    return {"windows": [{"number": 3, "name": "", "state": "open", "serving": "A012"},
                        {"number": 4, "name": "", "state": "paused", "serving": None}],
            "services": [{"prefix": "A", "waiting": 5}], **extra}


def test_a_platform_that_counts_ratings_gives_the_day_s_rate_and_one_that_does_not_leaves_it_out():
    assert board(answer()).satisfaction is None
    assert board(answer(satisfaction=None)).satisfaction is None
    rated = board(answer(satisfaction={"rate": 0.985, "ratings": 200}))
    assert rated == HallBoard(windows=rated.windows, waiting=(("A", 5),), satisfaction=Satisfaction(0.985, 200))
    assert board(answer(satisfaction={"rate": 1, "ratings": 3})).satisfaction == Satisfaction(1.0, 3)


@pytest.mark.parametrize("bad", [
    answer(satisfaction={"rate": 1.5, "ratings": 3}),  # not a share
    answer(satisfaction={"rate": True, "ratings": 3}),  # a bool is not a number
    answer(satisfaction={"rate": 0.9}),  # the count missing
    {**answer(), "services": [{"prefix": "A", "waiting": -1}]},
    {**answer(), "windows": [{"number": 3, "name": "", "state": "busy"}]},  # an unknown state
])
def test_a_board_of_another_shape_is_refused_naming_the_field(bad):
    with pytest.raises(BadAnswer):
        board(bad)


def test_the_board_carries_the_day_s_satisfaction_once_citizens_have_rated(fresh_hall):  # noqa: F811
    """GIVEN a hall where nobody rated yet THEN the board has no satisfaction; WHEN three kiosk ratings
    arrive today, 满意, 基本满意 and 不满意 THEN the board says 2 of 3 satisfied (hall_server/rating_stats.py's
    definition: the three upper levels over all)."""
    hall = with_catalogue(fresh_hall)  # the rating reference with its reasons
    display = HallDisplayService(hall.client("display-1"))
    assert display.board().satisfaction is None
    kiosk = SyncClient(hall.url, "kiosk-1", hall.secret("kiosk-1"))
    try:
        for level, ticket in ((4, "A001"), (3, "A002"), (2, "A003")):
            rating = Rating(channel=RatingChannel.KIOSK, level=RatingLevel(level), rated_at=MONDAY_10AM.isoformat(),
                            department="政务服务中心", ticket_number=ticket, service="A",
                            reasons=("long_wait",) if level <= 2 else ())
            kiosk.post_record(RecordKind.RATING, str(uuid.uuid4()), {"content": rating.content(), "attachments": []})
    finally:
        kiosk.close()
    satisfaction = display.board().satisfaction
    assert satisfaction.ratings == 3 and satisfaction.rate == pytest.approx(2 / 3)
