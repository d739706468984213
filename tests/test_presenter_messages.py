"""Messages as data (core/presenters/messages.py) and which message the kiosk gives for which failure
(core/presenters/citizen_problems.py): plain values, no platform and no Qt."""

from __future__ import annotations

import pytest

from core.errors import HardwareFault, PaperOut, PlatformRejected, PlatformServerFault, PlatformUnreachable
from core.i18n import Translator
from core.presenters.citizen_problems import code_problem, issue_problem
from core.presenters.messages import Message, age_message


def test_a_message_renders_in_the_language_of_the_moment_and_rare_name_characters_survive():
    """GIVEN a greeting for 𠮷田 and 李䶮 (CJK Extension B and A) THEN both languages render the names as
    they are."""
    greeting = Message.of("ui.confirm.identified", name="𠮷*")
    assert "𠮷*" in greeting.render(Translator("zh_CN")) and "𠮷*" in greeting.render(Translator("en"))
    elderly = Message.of("ui.identity.greeting_elderly", name="李*", age=70)
    assert elderly.render(Translator("zh_CN")) == "李*，您好！您已年满 70 周岁，将为您优先安排"
    assert elderly.param("age") == 70 and elderly.param("missing") is None


def test_an_error_renders_as_its_citizen_text_and_a_second_line_follows_a_newline():
    error = PlatformRejected(reason="daily_cap_reached", status=422)
    assert Message.of_error(error).render(Translator("zh_CN")) == error.message("citizen", "zh_CN")
    assert Message.of_error(ValueError("x")).render(Translator("en")) == Translator("en")("error.unexpected")
    two = Message.of("codes.not_recognised", then=Message.of("codes.not_recognised.hint"))
    tr = Translator("zh_CN")
    assert two.render(tr) == tr("codes.not_recognised") + "\n" + tr("codes.not_recognised.hint")


@pytest.mark.parametrize("seconds,key,n", [
    (-5, "sync.age.seconds", 0), (59, "sync.age.seconds", 59), (60, "sync.age.minutes", 1),
    (7199, "sync.age.hours", 1), (90000, "sync.age.days", 1),
])
def test_an_age_is_said_in_its_largest_whole_unit(seconds, key, n):
    assert age_message(seconds) == Message.of(key, n=n)


def test_a_parameter_that_is_a_message_is_rendered_first():
    line = Message.of("technician.status.hall_age", age=age_message(180))
    tr = Translator("en")
    assert line.render(tr) == tr("technician.status.hall_age", age=tr("sync.age.minutes", n=3))


@pytest.mark.parametrize("error,key,retry,without_print", [
    (HardwareFault("none", key="queue.error.no_printer"), None, True, True),
    (PaperOut("out"), None, True, True),
    (PlatformUnreachable("down"), "ui.citizen.platform_down_retry", True, False),
    (PlatformServerFault("500"), "ui.citizen.platform_down_retry", True, False),
    (PlatformRejected(reason="daily_cap_reached", status=422), None, False, False),
    (PlatformRejected(reason="outside_hours", status=422), None, False, False),
    (RuntimeError("bug"), None, False, False),
])
def test_what_the_problem_page_offers_when_a_number_could_not_be_taken(error, key, retry, without_print):
    """No printer: retry or go on without a slip (told before a number is taken). The platform down or
    failing: a calm retry. A refusal with a reason, or anything else: its own message, no retry."""
    problem = issue_problem(error)
    assert (problem.can_retry, problem.can_go_without_print) == (retry, without_print)
    if key is None:
        assert problem.message.error is error
    else:
        assert problem.message.key == key and problem.message.error is None


@pytest.mark.parametrize("error,mode,key,role", [
    (PlatformUnreachable("down"), "track", "ui_codes.error.platform_down", "notice"),
    (PlatformServerFault("500"), "checkin", "ui_codes.error.platform_down", "notice"),
    (PlatformRejected(reason="not_found", status=404), "checkin", "ui_codes.error.not_found.checkin", "problem"),
    (PlatformRejected(reason="not_found", status=404), "track", "ui_codes.error.not_found.track", "problem"),
    (PlatformRejected(reason="wrong_state", status=409), "checkin", "ui_codes.error.wrong_day", "problem"),
    (PlatformRejected(reason="bad_code", status=422), "checkin", None, "problem"),
    (RuntimeError("bug"), "track", "ui_codes.error.platform_down", "notice"),
])
def test_what_the_scan_page_says_when_a_code_could_not_be_resolved(error, mode, key, role):
    said = code_problem(error, mode)
    assert said.role == role
    assert said.message.key == key if key is not None else said.message.error is error
