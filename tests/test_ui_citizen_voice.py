"""Voice guidance in the citizen window, driven by touch (qtbot) against the real hall server: the voice
button, what each page says, the number read aloud, and the voice gone for the next person.

The voice is the product's (devices/audio ``PackVoice``) over the generated pack; its sink writes every
utterance to a WAV file, so the test hears exactly what the loudspeaker would get. Each step waits until the
voice has finished (``wait_idle``), as a person listening would, so no utterance is cut off by the next.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from core.ports.voice import Code, Count, Key, Text
from core.services.queue import KioskQueueService
from devices.audio.wav import read_wav
from ui.citizen import CitizenWindow
from tests.voice_support import generated_pack, needs_espeak, open_voice  # noqa: F401 (fixture)

WAIT_MS = 8000

pytestmark = needs_espeak


@pytest.fixture
def voiced(qtbot, hall, printers, generated_pack, tmp_path):
    """A kiosk window with the voice (off, as every kiosk starts) and its WAV sink."""
    client = hall.client("K-01")
    voice, sink = open_voice(generated_pack, tmp_path / "spoken")
    service = KioskQueueService(client, printers[0], fallback_printer=printers[1])
    window = CitizenWindow(service, voice=voice, idle_s=3.0, idle_warning_s=1.0)
    qtbot.addWidget(window)
    window.show()
    yield window, voice, sink
    window.close()
    client.close()


def touch(qtbot, widget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def choose(qtbot, window, prefix: str) -> None:
    """Touches the service's button once it is on screen (the services page redraws its buttons when the
    hall's numbers come in)."""
    buttons = window.services_page.buttons
    qtbot.waitUntil(lambda: prefix in buttons and buttons[prefix].isVisible(), timeout=WAIT_MS)
    touch(qtbot, buttons[prefix])


def listened(qtbot, voice) -> None:
    """Waits until everything the voice was asked to say has been played."""
    qtbot.waitUntil(lambda: voice.wait_idle(0), timeout=WAIT_MS)


def test_taking_a_number_with_the_voice_on_says_each_page_and_reads_the_number(qtbot, voiced, issue):
    """GIVEN a kiosk with the voice off and one person already waiting for service A
    WHEN a person turns the voice on with one touch and takes a number for A by touch
    THEN the voice says, in order: voice on and where they are, the services page, the confirm page with the
    service's name, the busy page, then the number spelled, the one person ahead and what to do next;
    and every utterance reached the sink as the pack's recordings (plus the engine's service name)."""
    window, voice, sink = voiced
    issue("A")  # someone is ahead
    qtbot.waitUntil(lambda: window.hall_view is not None, timeout=WAIT_MS)
    assert window.voice is not None and not window.voice.enabled
    assert window.voice_control.button.text() == "语音：关"

    touch(qtbot, window.voice_control.button)
    assert window.voice_control.button.text() == "语音：开"
    listened(qtbot, voice)
    touch(qtbot, window.home.take)
    listened(qtbot, voice)
    choose(qtbot, window, "A")
    listened(qtbot, voice)
    touch(qtbot, window.confirm_page.confirm_button)
    qtbot.waitUntil(lambda: window.page == "result", timeout=WAIT_MS)
    listened(qtbot, voice)

    number = window.issued.ticket.number
    service = window.hall_view.info.service("A").name
    said = [u.segments for u in voice.said]
    assert said[:3] == [
        (Key("voice.on"), Key("voice.page.home")),
        (Key("voice.page.services"),),
        (Key("voice.page.confirm", {"service": Text(service)}),),
    ]
    assert said[-1] == (Key("voice.ticket.number", {"number": Code(number)}),
                        Key("voice.ticket.ahead", {"n": Count(1)}), Key("voice.page.result"))
    assert said[3:-1] in ([], [(Key("voice.page.busy"),)])  # the busy page, when issuing took a moment
    # What the loudspeaker got: the last file is the number read from the pack, part by part.
    assert len(sink.played) == len(said)
    last = read_wav(sink.played[-1].path.read_bytes())
    assert last == voice.renderer.render(said[-1], "zh_CN")
    # Turned off and on again on the result page, the voice reads the number again.
    touch(qtbot, window.voice_control.button)
    touch(qtbot, window.voice_control.button)
    listened(qtbot, voice)
    assert voice.said[-1].segments == (Key("voice.on"), *said[-1])


def test_one_touch_turns_it_off_and_the_idle_timeout_gives_the_next_person_a_silent_kiosk(qtbot, voiced):
    window, voice, sink = voiced
    touch(qtbot, window.voice_control.button)
    listened(qtbot, voice)
    touch(qtbot, window.voice_control.button)
    listened(qtbot, voice)
    assert [u.segments for u in voice.said][-1] == (Key("voice.off"),)
    assert not window.voice.enabled and window.voice_control.button.text() == "语音：关"
    played = len(sink.played)
    touch(qtbot, window.home.take)
    qtbot.wait(200)
    assert len(sink.played) == played  # off: nothing said

    qtbot.keyClick(window, Qt.Key.Key_F1)  # Help: what the keys do, on screen and said, the voice turned on
    assert window.voice.enabled and window.access.help_banner.isVisible()
    listened(qtbot, voice)
    assert [u.segments for u in voice.said][-2:] == [(Key("voice.on"), Key("voice.page.services")),
                                                     (Key("ui.keypad.help"),)]
    qtbot.waitUntil(lambda: window.page == "home", timeout=WAIT_MS)  # the idle timeout ended the session
    assert not window.voice.enabled and window.voice_control.button.text() == "语音：关"


def test_the_voice_follows_the_language_and_the_focus_is_read_without_personal_data(qtbot, voiced):
    """GIVEN the voice on WHEN the person switches to English THEN the next page is said in English; WHEN
    the keypad moves the focus to controls (``window.voice.focus``) THEN their names are read, a field that
    shows an ID number is read as its label and "content hidden"."""
    window, voice, sink = voiced
    touch(qtbot, window.voice_control.button)
    touch(qtbot, window.language_button)
    assert window.voice_control.button.text() == "Voice: on"
    listened(qtbot, voice)
    played = len(sink.played)
    touch(qtbot, window.home.take)
    window.voice.focus("Back")  # the keypad's focus lands on the page's first control as it opens
    listened(qtbot, voice)
    assert [u.segments for u in voice.said][-2:] == [(Key("voice.page.services"),), (Text("Back"),)]
    assert voice.said[-1].language == "en"
    assert len(sink.played) == played + 2  # the page's prompt was not cut off by that first focus
    window.voice.focus("ID number 110101199003071234")
    listened(qtbot, voice)
    assert voice.said[-1].segments == (Key("voice.focus.hidden", {"label": Text("ID number")}),)


def test_the_problem_page_reads_what_went_wrong(qtbot, voiced, hall):
    """GIVEN the voice on and a service chosen WHEN the hall server is gone as the person confirms
    THEN the problem page is said with the calm message the screen shows, and what they can do."""
    window, voice, _sink = voiced
    qtbot.waitUntil(lambda: window.hall_view is not None, timeout=WAIT_MS)
    touch(qtbot, window.voice_control.button)
    touch(qtbot, window.home.take)
    choose(qtbot, window, "A")
    hall.server.stop()
    touch(qtbot, window.confirm_page.confirm_button)
    qtbot.waitUntil(lambda: window.page == "problem", timeout=WAIT_MS)
    listened(qtbot, voice)
    shown = window.problem.message.text()
    assert shown and voice.said[-1].segments == (Key("voice.page.problem", {"detail": Text(shown)}),)
