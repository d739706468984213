"""Ratings (好差评) made while a kiosk is offline: kept in its encrypted outbox and delivered later, exactly once.

The kiosk's store and sync engine against the real hall server on loopback, through the fault proxy
(tests/sync_fixtures.py); the server runs on the machine's own clock, so a rating is made "now".
"""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sync_fixtures import Events, make_engine, proxy, server, store, wait_for  # noqa: F401

from core.domain.rating import Rating, RatingChannel, RatingLevel
from core.ports.outbox import RecordKind, SyncState


def kiosk_rating(ticket: str, level: RatingLevel, at: datetime | None = None, **extra) -> dict:
    """A ticket-only service rated at the kiosk (default: now, hall time), as the rating screen would enqueue it."""
    when = at or datetime.now(ZoneInfo("Asia/Shanghai"))
    return Rating(channel=RatingChannel.KIOSK, level=level, rated_at=when.isoformat(), department="政务服务中心",
                  ticket_number=ticket, service="A", **extra).content()


def kept(server, record_id: str) -> list:
    return server.store._con().execute("SELECT level, reasons FROM ratings WHERE terminal_id = 'K-01' AND "
                                       "record_id = ?", (record_id,)).fetchall()


def test_ratings_made_offline_arrive_once_when_the_network_returns(server, proxy, store):
    """GIVEN a kiosk whose network is down (its requests time out) WHEN two citizens rate their service, one
    非常满意 and one 差评 with a reason and rare characters THEN both wait in the outbox; WHEN the network comes
    back THEN each is on the platform exactly once, the 差评 with its follow-up."""
    proxy.set_weights({"timeout": 1})
    good = store.enqueue(RecordKind.RATING, kiosk_rating("A301", RatingLevel.VERY_SATISFIED))
    poor = store.enqueue(RecordKind.RATING, kiosk_rating("A302", RatingLevel.DISSATISFIED, reasons=("long_wait",),
                                                         text="排队太久 𠮷"))
    events = Events()
    engine, client = make_engine(store, proxy.url, server.secrets["K-01"], events=events)
    with engine:
        assert wait_for(lambda: SyncState.OFFLINE in events.states)
        assert (store.entry(good).state, store.entry(poor).state) == ("queued", "queued")
        assert kept(server, good) == [] and kept(server, poor) == []
        proxy.set_weights({"pass": 1})
        assert wait_for(lambda: store.counts().acked == 2)
    client.close()
    assert [tuple(r) for r in kept(server, good)] == [(5, "[]")]
    assert [tuple(r) for r in kept(server, poor)] == [(2, '["long_wait"]')]
    follow_up = server.store._con().execute("SELECT f.state FROM follow_ups f JOIN ratings r ON r.id = f.rating_id "
                                            "WHERE r.record_id = ?", (poor,)).fetchall()
    assert [r[0] for r in follow_up] == ["verify"]


@pytest.mark.parametrize("fault, ticket", [("reset_after", "A311"), ("portal_after", "A312"), ("truncated", "A313")])
def test_a_rating_whose_answer_was_lost_is_kept_once(server, proxy, store, fault, ticket):
    """GIVEN a link that loses the platform's answer after the rating was kept ({fault}) WHEN the engine sends
    it again THEN the platform answers it as the same rating (not rating_exists) and holds it once."""
    proxy.set_weights({fault: 1})
    rid = store.enqueue(RecordKind.RATING, kiosk_rating(ticket, RatingLevel.SATISFIED))
    engine, client = make_engine(store, proxy.url, server.secrets["K-01"])
    with engine:
        assert wait_for(lambda: len(kept(server, rid)) == 1)
        time.sleep(0.2)
        proxy.set_weights({"pass": 1})
        assert wait_for(lambda: store.entry(rid).state == "acked")
    client.close()
    assert len(kept(server, rid)) == 1 and store.entry(rid).dead_reason == ""


def test_a_second_rating_of_one_ticket_is_a_dead_letter_with_its_reason(server, proxy, store):
    """GIVEN a ticket the citizen already rated at this kiosk WHEN a second rating of it is synced THEN the
    platform refuses it for good: a dead letter saying rating_exists, and the first rating stays as it was."""
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    first = store.enqueue(RecordKind.RATING, kiosk_rating("A321", RatingLevel.SATISFIED, now))
    second = store.enqueue(RecordKind.RATING, kiosk_rating("A321", RatingLevel.VERY_DISSATISFIED, now,
                                                           reasons=("other",)))
    engine, client = make_engine(store, proxy.url, server.secrets["K-01"])
    with engine:
        assert wait_for(lambda: store.entry(first).state == "acked" and store.entry(second).state == "dead")
    client.close()
    assert store.entry(second).dead_reason.startswith("rating_exists")
    assert [tuple(r) for r in kept(server, first)] == [(4, "[]")] and kept(server, second) == []
