"""The rating screens' rules without Qt (core/presenters/rating.py): the evaluation pad at a window and the
kiosk's rating. A real encrypted store is the outbox and holds the hall's cached reason list; the runner is
the test's own (tests/presenter_support.py), the clock of the timeouts a number the test moves."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from presenter_support import StepRunner

from core.domain.rating import MAX_TEXT, RatingChannel
from core.ports.outbox import RecordKind
from core.presenters.rating import RatingPresenter, RatingSubject, StaffCard, clean_text
from core.services.rating import RatingDesk
from offline_cache import Store
from offline_cache.refcache import ReferenceCache

HALL_TIME = datetime(2026, 12, 3, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
REASONS = {"reasons": [{"code": "long_wait", "label": "等候时间长", "label_en": "A long wait"},
                       {"code": "attitude", "label": "服务态度差", "label_en": "Unfriendly service"}]}
TICKET = RatingSubject(department="市不动产登记中心", ticket_number="A012", service="A", window=3, clerks=("0107",))


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "terminal", margin_bytes=0)
    s.ref_put("rating", REASONS, '"r1"')
    yield s
    s.close()


@pytest.fixture
def pad(store):
    runner, clock = StepRunner(), Clock()
    # No platform client: the reference is read from the copy on disk, as when the hall is offline.
    desk = RatingDesk(store, ReferenceCache(store, None))
    p = RatingPresenter(desk, runner.run, channel=RatingChannel.WINDOW_PAD, now=lambda: HALL_TIME, monotonic=clock)
    p.runner, p.clock, p.store = runner, clock, store
    p.load_reasons()
    runner.settle()
    return p


def ratings(store) -> list[dict]:
    return [store.load(e.record_id).content for e in store.entries(("queued",)) if e.kind == RecordKind.RATING]


def test_a_good_level_is_saved_at_once_and_the_clerk_only_hears_that_it_is_done(pad):
    """GIVEN a finished ticket offered at the pad WHEN the citizen touches 满意 THEN one rating record of that
    ticket is in the outbox with the window, the clerk and no reason, the pad thanks, and the clerk's screen
    says 'done' without the level."""
    assert pad.offer(TICKET)
    assert (pad.state, pad.progress_text()) == ("levels", "评价器：市民正在评价")
    assert [text for _, text in pad.level_options()] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    pad.choose(4)
    pad.runner.settle()
    assert (pad.state, pad.thanks_text()) == ("thanks", "感谢您的评价！")
    assert ratings(pad.store) == [{"channel": "window_pad", "level": 4, "rated_at": "2026-12-03T10:30:00+08:00",
                                   "department": "市不动产登记中心", "clerks": ["0107"], "reasons": [],
                                   "ticket_number": "A012", "service": "A", "window": 3}]
    assert pad.progress_text() == "评价器：评价已完成" and "满意" not in pad.progress_text()


def test_a_low_level_needs_a_reason_and_keeps_the_citizens_words(pad):
    """GIVEN the levels WHEN the citizen touches 不满意 THEN the hall's reasons are asked and nothing can be sent
    until one is chosen; WHEN a reason is chosen and words with an emoji, 𠮷 and a control character typed THEN
    the words are kept without the control character and the rating carries reason and words."""
    pad.offer(TICKET)
    pad.choose(2)
    assert pad.state == "reasons" and not pad.can_send()
    assert [(c, t) for c, t, _ in pad.reason_options()] == [("long_wait", "等候时间长"), ("attitude", "服务态度差")]
    pad.send()
    assert pad.runner.pending == [] and ratings(pad.store) == []
    pad.toggle_reason("long_wait")
    pad.toggle_reason("no_such_reason")
    pad.set_text("等了两小时😡\x07 吉𠮷\n谢谢👨‍👩‍👧")
    assert pad.text == "等了两小时😡 吉𠮷 谢谢👨‍👩‍👧"
    assert pad.can_send()
    pad.send()
    pad.runner.settle()
    [content] = ratings(pad.store)
    assert (content["level"], content["reasons"], content["text"]) == (2, ["long_wait"], "等了两小时😡 吉𠮷 谢谢👨‍👩‍👧")


def test_the_words_are_bounded_and_lose_bidirectional_controls():
    """The words never hold more than MAX_TEXT characters (a rare character counts as one) nor a control
    that would turn them around on a clerk's screen."""
    assert clean_text("𠮷" * (MAX_TEXT + 20)) == "𠮷" * MAX_TEXT
    assert clean_text("好\u202e评\u2066") == "好评"
    assert clean_text("䶮\u200d🙂\ufe0f") == "䶮\u200d🙂\ufe0f"


def test_skipping_or_waiting_leaves_no_record(pad):
    """GIVEN an offer WHEN the citizen skips THEN nothing is recorded and the clerk hears 'skipped'; GIVEN
    another offer left untouched WHEN the wait passes THEN it closes by itself, again with no record; a touch
    starts the wait again."""
    pad.offer(TICKET)
    pad.skip()
    assert (pad.state, pad.progress) == ("idle", "skipped")
    pad.offer(RatingSubject(department="d", ticket_number="A013", window=3, clerks=("0107",)))
    pad.clock.t += pad.offer_s - 1
    pad.touch()
    pad.clock.t += pad.offer_s - 1
    pad.tick()
    assert pad.state == "levels"
    pad.choose(1)
    pad.clock.t += pad.reasons_s + 1
    pad.tick()
    assert (pad.state, pad.progress) == ("idle", "skipped")
    assert ratings(pad.store) == []


def test_the_thanks_closes_by_itself(pad):
    pad.offer(TICKET)
    pad.choose(5)
    pad.runner.settle()
    pad.clock.t += pad.thanks_s + 0.1
    pad.tick()
    assert pad.state == "idle"


def test_a_case_is_offered_once_per_screen(pad):
    """GIVEN a case rated on this pad WHEN it is offered again (the clerk finishes it twice) THEN the pad does
    not ask: the platform would refuse a second rating on this channel (rating_exists)."""
    case = RatingSubject(department="d", case_number="32010220261203000001", window=3, clerks=("0107",))
    assert pad.offer(case)
    pad.choose(3)
    pad.runner.settle()
    assert not pad.offer(case)
    assert pad.state == "thanks" and len(ratings(pad.store)) == 1


def test_a_new_offer_drops_the_open_one_without_a_record(pad):
    pad.offer(TICKET)
    pad.choose(2)
    pad.offer(RatingSubject(department="d", ticket_number="A014", window=3, clerks=("0107",)))
    assert (pad.state, pad.subject.ticket_number, pad.chosen) == ("levels", "A014", ())
    assert ratings(pad.store) == []


def test_a_rating_the_disk_refuses_is_said_and_not_pretended(pad):
    """GIVEN an outbox that cannot take the record (the store is closed) WHEN the citizen rates THEN the pad
    says it could not be saved and the clerk's screen says so too."""
    pad.store.close()
    pad.offer(TICKET)
    pad.choose(5)
    pad.runner.settle()
    assert (pad.state, pad.thanks_text()) == ("thanks", "评价未能保存，请向工作人员反映，谢谢")
    assert pad.progress == "failed"


def test_the_pad_shows_who_serves_and_nothing_of_the_citizen(pad):
    assert pad.staff_lines() == ("本窗口暂停服务", "")
    pad.serve(StaffCard("王𠮷", "0107"))
    assert pad.staff_lines() == ("王𠮷", "工号 0107")
    pad.set_language("en")
    assert pad.staff_lines() == ("王𠮷", "Staff no. 0107")
    assert [text for _, text, _ in pad.reason_options()] == ["A long wait", "Unfriendly service"]


def test_without_the_hall_reason_list_a_low_rating_cannot_be_sent(tmp_path):
    """GIVEN a terminal that never got the hall's reasons WHEN a citizen picks 非常不满意 THEN the pad says the
    list is unavailable and nothing can be sent (the platform requires a reason for a 差评)."""
    with Store(tmp_path / "t", margin_bytes=0) as store:
        runner = StepRunner()
        p = RatingPresenter(RatingDesk(store, ReferenceCache(store, None)), runner.run, channel=RatingChannel.KIOSK,
                            now=lambda: HALL_TIME)
        p.load_reasons()
        runner.settle()
        p.offer(TICKET)
        p.choose(1)
        assert p.reasons_hint() == "暂时无法获取原因列表，请稍后评价或向工作人员反映" and not p.can_send()


def test_the_citizen_may_switch_the_language_for_their_own_rating(pad):
    """GIVEN a pad in Chinese WHEN the citizen switches to English on an offer THEN the levels are in English;
    WHEN the next ticket is offered THEN the pad speaks Chinese again (a new citizen)."""
    pad.offer(TICKET)
    pad.switch_language()
    assert [text for _, text in pad.level_options()][0] == "Very satisfied"
    pad.skip()
    pad.offer(RatingSubject(department="d", ticket_number="A015", window=3, clerks=("0107",)))
    assert [text for _, text in pad.level_options()][0] == "非常满意"
