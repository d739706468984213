"""The hall display's announcements through the voice pack: a clerk calls the next number and the display
says "请 <number> 号到 3 号窗口办理" composed from the pack's recordings (docs/voice.md, "Composition").

The display window is the product's over the real hall server; its speaker is ``PackSpeaker`` over the
generated pack with no speech engine at all, so every sound in the files came from recordings."""

from __future__ import annotations

import pytest
from test_services_queue_support import STAFF_PIN, small_hall

from core.ports.voice import Code, Count, Key
from core.services.queue import ClerkQueueService, HallDisplayService
from devices.audio import PackSpeaker, Renderer, VoicePack, WavDirSink
from devices.audio.wav import read_wav
from tests.voice_support import generated_pack, needs_espeak  # noqa: F401 (fixture)
from ui.display import DisplayWindow

WAIT_MS = 8000

pytestmark = needs_espeak


def test_a_call_is_announced_from_the_recordings_alone(qtbot, hall, issue, generated_pack, tmp_path):
    """GIVEN a display whose speaker has the pack and no speech engine
    WHEN window 3's clerk calls the next number
    THEN the display plays one announcement, and its sound is the pack's "请", the number spelled, "号到",
    "三" and "号窗口办理", joined."""
    renderer = Renderer(VoicePack(generated_pack), None)
    sink = WavDirSink(tmp_path / "announced")
    display_client = hall.client("D-01")
    clerk_client = hall.client("W-03")
    window = DisplayWindow(HallDisplayService(display_client), PackSpeaker(renderer, sink), poll_wait_s=0.3,
                           board_every_s=0.3)
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.presenter.hall is not None, timeout=WAIT_MS)
        staff = next(w["staff"]["id"] for w in small_hall()["windows"] if w["number"] == 3)
        clerk = ClerkQueueService(clerk_client, 3)
        clerk.login(staff, STAFF_PIN)
        issue("A")
        number = clerk.call_next().ticket.number
        qtbot.waitUntil(lambda: len(sink.played) == 1, timeout=WAIT_MS)
        call = Key("queue.call.announce", {"number": Code(number), "window": Count(3)})
        assert read_wav(sink.played[0].path.read_bytes()) == renderer.render([call], "zh_CN")
        assert renderer.problem()  # no engine: the display still spoke, from the pack
    finally:
        window.close()
        clerk_client.close()
        display_client.close()
