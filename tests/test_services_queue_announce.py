"""Announcements on the hall display: one at a time, in order; a recall never cuts one off.

The speaker used here is a real implementation of the ``Speaker`` port whose sentence ends when the test
says so (``GateSpeaker``), so the test controls exactly when an announcement is "in progress".
"""

from __future__ import annotations

import shutil
import threading
import wave

import pytest

from core.services.announce import AnnouncementQueue, EspeakSpeaker, SilentSpeaker


class GateSpeaker:
    name = "gate"

    def __init__(self) -> None:
        self.started: list[str] = []
        self.finished: list[str] = []
        self.gates: dict[str, threading.Event] = {}
        self.speaking = threading.Event()

    def gate(self, text: str) -> threading.Event:
        return self.gates.setdefault(text, threading.Event())

    def say(self, text: str, language: str) -> None:
        self.started.append(text)
        self.speaking.set()
        self.gate(text).wait(5)
        self.speaking.clear()
        self.finished.append(text)


def test_a_recall_during_an_announcement_waits_for_it_to_end():
    """GIVEN A012 being announced
    WHEN A012 is recalled (and A013 called) before the sentence ends
    THEN nothing else starts until it ends, and then each is spoken whole, in order."""
    speaker = GateSpeaker()
    queue = AnnouncementQueue(speaker, thread_name="announcer-test")
    try:
        queue.announce("请 A012 号到 3 号窗口办理")
        assert speaker.speaking.wait(2)
        queue.announce("请 A012 号到 3 号窗口办理 (recall)")
        queue.announce("请 A013 号到 4 号窗口办理")
        assert not queue.wait_idle(0.2)
        assert speaker.started == ["请 A012 号到 3 号窗口办理"] and speaker.finished == []
        assert queue.pending() == 2
        for text in ("请 A012 号到 3 号窗口办理", "请 A012 号到 3 号窗口办理 (recall)", "请 A013 号到 4 号窗口办理"):
            speaker.gate(text).set()
        assert queue.wait_idle(3)
        assert speaker.finished == speaker.started == [
            "请 A012 号到 3 号窗口办理", "请 A012 号到 3 号窗口办理 (recall)", "请 A013 号到 4 号窗口办理"]
    finally:
        for gate in speaker.gates.values():
            gate.set()
        queue.close()


def test_closing_lets_the_sentence_end_drops_the_rest_and_stops_the_thread():
    speaker = GateSpeaker()
    queue = AnnouncementQueue(speaker, thread_name="announcer-close")
    queue.announce("one")
    assert speaker.speaking.wait(2)
    queue.announce("two")
    speaker.gate("one").set()
    queue.close(wait_s=2)
    assert speaker.finished == ["one"]
    assert not [t for t in threading.enumerate() if t.name == "announcer-close"]
    queue.announce("three")  # ignored once closed
    assert speaker.started == ["one"]


def test_a_failing_speaker_does_not_stop_the_queue():
    class Broken:
        name = "broken"
        calls = 0

        def say(self, text, language):
            Broken.calls += 1
            raise OSError("no sound device")

    queue = AnnouncementQueue(Broken(), thread_name="announcer-broken")
    try:
        queue.announce("a")
        queue.announce("b")
        assert queue.wait_idle(2)
        assert Broken.calls == 2
    finally:
        queue.close()


def test_without_espeak_the_display_only_shows_and_says_so(caplog):
    caplog.set_level("INFO")
    speaker = SilentSpeaker("espeak-ng is not installed")
    speaker.say("请 A001 号到 1 号窗口办理", "zh_CN")
    assert "no voice" in caplog.text and "not spoken" in caplog.text


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
@pytest.mark.parametrize("language,text", [("zh_CN", "请 A012 号到 3 号窗口办理"),
                                           ("en", "Number A012, please go to window 3")])
def test_espeak_speaks_each_announcement_to_a_wav_file(tmp_path, language, text):
    speaker = EspeakSpeaker(shutil.which("espeak-ng"), wav_dir=str(tmp_path), timeout_s=10)
    queue = AnnouncementQueue(speaker, language=language, thread_name="announcer-espeak")
    try:
        queue.announce(text)
        assert queue.wait_idle(10)
    finally:
        queue.close()
    with wave.open(str(tmp_path / "announcement-0000.wav")) as wav:
        assert wav.getnframes() / wav.getframerate() > 1.0  # about two seconds of speech


def test_a_burst_is_announced_in_order_each_call_once():
    """GIVEN the announcer speaking A001 WHEN four more calls come (at most the backlog limit waiting)
    THEN each is spoken whole, in the order called, once."""
    speaker = GateSpeaker()
    queue = AnnouncementQueue(speaker, thread_name="announcer-burst", backlog_limit=5)
    calls = [f"请 A00{n} 号到 {n} 号窗口办理" for n in range(1, 6)]
    try:
        queue.announce(calls[0])
        assert speaker.speaking.wait(2)
        for text in calls[1:]:
            queue.announce(text)
        for text in calls:
            speaker.gate(text).set()
        assert queue.wait_idle(3)
        assert speaker.finished == calls
        assert (queue.spoken_calls, queue.summarised_calls) == (5, 0)
    finally:
        for gate in speaker.gates.values():
            gate.set()
        queue.close()


def test_a_long_backlog_is_summarised_and_the_newest_calls_still_spoken_whole():
    """GIVEN the announcer speaking one call WHEN twelve more come while it speaks (limit 5)
    THEN next it says one sentence for the eight oldest ("另有 8 个号码已呼叫，请看屏幕"), then the four
    newest whole, in order: every call counted once, the newest never more than five sentences away."""
    speaker = GateSpeaker()
    queue = AnnouncementQueue(speaker, thread_name="announcer-backlog", backlog_limit=5)
    calls = [f"请 B{n:03d} 号到 {n} 号窗口办理" for n in range(13)]
    summary = "另有 8 个号码已呼叫，请看屏幕"
    try:
        queue.announce(calls[0])
        assert speaker.speaking.wait(2)
        for text in calls[1:]:
            queue.announce(text)
        assert queue.pending() == 12
        for text in calls + [summary]:
            speaker.gate(text).set()
        assert queue.wait_idle(3)
        assert speaker.finished == [calls[0], summary] + calls[9:]
        assert queue.spoken_calls + queue.summarised_calls == len(calls)
        assert queue.summarised_calls == 8 and [s.calls for s in queue.sentences] == [1, 8, 1, 1, 1, 1]
    finally:
        for gate in speaker.gates.values():
            gate.set()
        queue.close()


def test_the_summary_is_said_in_the_display_s_language():
    speaker = GateSpeaker()
    queue = AnnouncementQueue(speaker, language="en", thread_name="announcer-en", backlog_limit=2)
    try:
        queue.announce("one")
        assert speaker.speaking.wait(2)
        for text in ("two", "three", "four"):
            queue.announce(text)
        summary = "2 more numbers have been called; please look at the screen"
        for text in ("one", "four", summary):
            speaker.gate(text).set()
        assert queue.wait_idle(3)
        assert speaker.finished == ["one", summary, "four"]
    finally:
        for gate in speaker.gates.values():
            gate.set()
        queue.close()
