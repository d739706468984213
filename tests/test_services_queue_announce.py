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
