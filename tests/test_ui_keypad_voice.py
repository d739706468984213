"""A person who cannot see the screen takes a number from the keypad alone with the voice on: Help turns the
voice on and says what the keys do, each page is said as it opens, each control the focus reaches is read
by its name, and the number is read out (EN 301 549 clause 5.1, closed functionality). Real Qt key events
to the window, the real hall server on loopback, the product's voice over the generated pack with a sink
that writes every utterance to a WAV file."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from test_ui_keypad import WAIT_MS, focused, hall, move_to, open_kiosk, press  # noqa: F401 (fixture)

from core.ports.voice import Code, Key, Text
from tests.voice_support import generated_pack, needs_espeak, open_voice  # noqa: F401 (fixture)
from ui.citizen_access import accessible_name

pytestmark = needs_espeak
K = Qt.Key


@pytest.fixture
def kiosk(qtbot, hall, generated_pack, tmp_path):  # noqa: F811
    """The kiosk with the product's voice over the generated pack, every utterance kept as a WAV file."""
    voice, _sink = open_voice(generated_pack, tmp_path / "spoken")
    with open_kiosk(qtbot, hall, lambda client: {"voice": voice}) as window:
        window.spoken = voice
        yield window


def listened(qtbot, voice) -> None:
    qtbot.waitUntil(lambda: voice.wait_idle(0), timeout=WAIT_MS)


def said_since(voice, start: int) -> list[tuple]:
    return [u.segments for u in list(voice.said)[start:]]


def test_a_number_taken_from_the_keypad_with_the_voice_says_every_step(qtbot, kiosk):
    """GIVEN a silent kiosk WHEN Help is pressed THEN the voice comes on, says where the person is and what
    the keys do; WHEN the arrows reach 取号 THEN its name is read, OK opens the services page and it is said;
    the arrows to service B (read), OK: the confirm page with the service's name; OK on 确认取号: the number
    spelled, that they are next, what to do next. Nothing of anyone's identity is said."""
    voice = kiosk.spoken
    press(kiosk, K.Key_F1)
    listened(qtbot, voice)
    assert said_since(voice, 0) == [(Key("voice.on"), Key("voice.page.home")), (Key("ui.keypad.help"),)]

    mark = len(voice.said)
    move_to(kiosk, lambda w: w is kiosk.home.take)
    listened(qtbot, voice)
    reads = [s for s in said_since(voice, mark)]
    assert reads and all(len(s) == 1 and isinstance(s[0], (Key, Text)) for s in reads)
    assert accessible_name(kiosk.home.take) in repr(reads[-1])  # the control reached is read by its name

    mark = len(voice.said)
    press(kiosk, K.Key_Return)
    assert kiosk.page == "services"
    listened(qtbot, voice)
    assert said_since(voice, mark)[0] == (Key("voice.page.services"),)
    qtbot.waitUntil(lambda: "B" in kiosk.services_page.buttons, timeout=WAIT_MS)
    move_to(kiosk, lambda w: w is kiosk.services_page.buttons["B"])
    mark = len(voice.said)
    press(kiosk, K.Key_Enter)
    assert kiosk.page == "confirm"
    listened(qtbot, voice)
    service = kiosk.hall_view.info.service("B").name
    assert said_since(voice, mark)[0] == (Key("voice.page.confirm", {"service": Text(service)}),)

    move_to(kiosk, lambda w: w is kiosk.confirm_page.confirm_button)
    mark = len(voice.said)
    press(kiosk, K.Key_Return)
    qtbot.waitUntil(lambda: kiosk.page == "result", timeout=WAIT_MS)
    listened(qtbot, voice)
    number = kiosk.issued.ticket.number
    assert said_since(voice, mark)[-1] == (Key("voice.ticket.number", {"number": Code(number)}),
                                           Key("voice.ticket.next_up"), Key("voice.page.result"))


def test_elders_mode_turns_the_voice_on_for_the_session_and_leaving_it_restores_silence(qtbot, kiosk):
    """GIVEN a silent kiosk WHEN the person presses 长辈模式 THEN the voice comes on and says so, with where
    they are; WHEN they press it again THEN the voice says it goes off and is silent, as they had it. A person
    who had turned the voice on keeps it after leaving elders' mode."""
    voice, access = kiosk.spoken, kiosk.access
    assert not kiosk.voice.enabled
    qtbot.mouseClick(access.elders_button, Qt.MouseButton.LeftButton)
    listened(qtbot, voice)
    assert kiosk.voice.enabled and said_since(voice, 0) == [(Key("voice.on"), Key("voice.page.home"))]
    button = kiosk.voice_control.button  # the voice button shows it too
    assert button.isChecked() and button.text() == kiosk.texts("voice.button.on")

    mark = len(voice.said)
    qtbot.mouseClick(access.elders_button, Qt.MouseButton.LeftButton)
    listened(qtbot, voice)
    assert not kiosk.voice.enabled and said_since(voice, mark) == [(Key("voice.off"),)]
    assert not button.isChecked() and button.text() == kiosk.texts("voice.button.off")

    press(kiosk, K.Key_F1)  # the voice on by the person's own choice
    listened(qtbot, voice)
    for _ in range(2):
        qtbot.mouseClick(access.elders_button, Qt.MouseButton.LeftButton)
    listened(qtbot, voice)
    assert kiosk.voice.enabled
