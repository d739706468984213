"""The voice without a window: composition from the voice pack, a hall's own recordings, the engine for free
text, the display's call announcements, privacy, and the technician's ``kiosk diag voice``.

The pack is the one the product generates (devices/audio/build.py with espeak-ng); sounds go to WAV files
(``WavDirSink``), and what a file holds is compared with the pack's own recordings joined as docs/voice.md
("Composition") says.
"""

from __future__ import annotations

import shutil
import wave

import pytest

from core.logs import forget_sensitive, register_sensitive
from core.ports.voice import Code, Count, Key, Text
from core.services.voice_guide import VoiceGuide, speakable
from devices.audio import PackSpeaker, Renderer, VoicePack, WavDirSink
from devices.audio.compose import Recording, Speech, count, parse_text, plan
from devices.audio.voice import GAP_MS
from devices.audio.wav import RATE, read_wav, silence, to_wav
from kiosk.cli import main as kiosk_main
from tests.voice_support import generated_pack, needs_espeak, open_voice, texts  # noqa: F401 (fixture)

WAIT_S = 10.0


def names(parts) -> list[str]:
    return [p.name if isinstance(p, Recording) else f"tts:{p.text}" for p in parts]


def test_a_call_is_composed_from_the_prompt_pieces_and_the_digit_letter_and_number_segments():
    """GIVEN the display's "请 {number} 号到 {window} 号窗口办理" WHEN A012 is called to window 3 THEN it is the
    prompt's three pieces around the letter and digits spelled and the window said as a number."""
    call = Key("queue.call.announce", {"number": Code("A012"), "window": Count(3)})
    assert names(plan([call], "zh_CN")) == [
        "keys/queue.call.announce.0", "segments/letter-A", "segments/digit-0", "segments/digit-1",
        "segments/digit-2", "keys/queue.call.announce.1", "segments/digit-3", "keys/queue.call.announce.2"]
    assert [p.words for p in plan([call], "zh_CN")] == ["请", "A", "零", "一", "二", "号到", "三", "号窗口办理"]


@pytest.mark.parametrize("n, zh, en", [
    (0, "零", "zero"), (7, "七", "seven"), (10, "十", "ten"), (12, "十二", "twelve"), (20, "二十", "twenty"),
    (35, "三十五", "thirty five"), (105, "一百零五", "one hundred five"), (110, "一百一十", "one hundred ten"),
    (1005, "一千零五", "one zero zero five"), (10012, "一零零一二", "one zero zero one two")])
def test_counts_are_said_as_numbers_and_very_large_ones_digit_by_digit(n, zh, en):
    assert "".join(p.words for p in count(n, "zh_CN")) == zh
    assert " ".join(p.words for p in count(n, "en")) == en


def test_a_rendered_sentence_is_read_back_into_its_prompt_and_anything_else_is_free_text():
    keys = ("queue.call.announce", "queue.call.backlog")
    assert parse_text("请 B107 号到 12 号窗口办理", keys, "zh_CN") == Key(
        "queue.call.announce", {"number": Code("B107"), "window": Count(12)})
    assert parse_text("另有 8 个号码已呼叫，请看屏幕", keys, "zh_CN") == Key("queue.call.backlog", {"count": Count(8)})
    assert parse_text("Number A012, please go to window 3", keys, "en") == Key(
        "queue.call.announce", {"number": Code("A012"), "window": Count(3)})
    assert parse_text("请到咨询台", keys, "zh_CN") is None
    assert names(plan([Text("请到咨询台")], "zh_CN")) == ["tts:请到咨询台"]


@needs_espeak
def test_the_sound_of_an_utterance_is_the_packs_recordings_joined_with_a_short_pause(generated_pack, tmp_path):
    """GIVEN the generated pack WHEN the kiosk says the number THEN the WAV handed to the sink is exactly the
    recordings of its parts, in order, with GAP_MS of silence between them (16-bit mono at RATE)."""
    voice, sink = open_voice(generated_pack, tmp_path / "out")
    voice.enabled = True
    try:
        voice.say_key("voice.ticket.number", number=Code("C9"))
        assert voice.wait_idle(WAIT_S)
    finally:
        voice.close()
    pack = VoicePack(generated_pack)
    expected = silence(GAP_MS).join(pack.pcm(p, "zh_CN") for p in plan(
        [Key("voice.ticket.number", {"number": Code("C9")})], "zh_CN"))
    [played] = sink.played
    with wave.open(str(played.path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE)
        assert w.readframes(w.getnframes()) == expected


@needs_espeak
def test_a_halls_own_recording_replaces_the_generated_one_of_the_same_name_only(generated_pack, tmp_path):
    """GIVEN a hall folder with its own "请" (48 kHz stereo, as a studio delivers it) THEN the call starts with
    it, converted to the voice's format, and every other part is still the generated one."""
    hall = tmp_path / "hall" / "zh_CN" / "keys"
    hall.mkdir(parents=True)
    frames = bytes(range(256)) * 96  # 4 bytes a frame: 6144 stereo frames at 48 kHz
    with wave.open(str(hall / "queue.call.announce.0.wav"), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(frames)
    pack = VoicePack(generated_pack, tmp_path / "hall")
    first, *rest = plan([Key("queue.call.announce", {"number": Code("A1"), "window": Count(2)})], "zh_CN")
    assert pack.path(first, "zh_CN") == hall / "queue.call.announce.0.wav"
    assert len(pack.pcm(first, "zh_CN")) == 2 * int(6144 * RATE / 48000)
    assert all(pack.path(p, "zh_CN").is_relative_to(generated_pack) for p in rest)


@needs_espeak
def test_free_text_and_a_recording_missing_from_the_pack_are_said_by_the_engine(generated_pack, tmp_path):
    renderer = Renderer(VoicePack(generated_pack), None)
    assert renderer.render([Text("请到咨询台")], "zh_CN") == b""  # no engine: nothing, and a WARNING
    assert "espeak-ng" in renderer.problem()
    from devices.audio import find_engine

    with_engine = Renderer(VoicePack(tmp_path / "no-pack"), find_engine())
    sound = with_engine.render([Key("voice.page.busy")], "zh_CN")
    assert len(sound) > RATE  # more than half a second of speech from espeak-ng
    assert "build_voice_pack" in with_engine.problem()


@needs_espeak
def test_the_display_announces_a_call_from_the_recordings(generated_pack, tmp_path):
    """GIVEN the display's speaker over the pack WHEN it is given the sentence the display shows THEN it plays
    the composed call, not the engine's rendering of the text."""
    sink = WavDirSink(tmp_path)
    renderer = Renderer(VoicePack(generated_pack), None)  # no engine at all: the pack alone says it
    speaker = PackSpeaker(renderer, sink)
    speaker.say("请 A012 号到 3 号窗口办理", "zh_CN")
    speaker.say("另有 7 个号码已呼叫，请看屏幕", "zh_CN")
    assert speaker.last_segments == [Key("queue.call.backlog", {"count": Count(7)})]
    assert len(sink.played) == 2
    call = Key("queue.call.announce", {"number": Code("A012"), "window": Count(3)})
    assert read_wav(sink.played[0].path.read_bytes()) == renderer.render([call], "zh_CN")


def test_personal_data_in_a_label_is_cut_off_before_it_is_spoken():
    register_sensitive("王小明")
    try:
        assert speakable("身份证号 110101199003071234") == ("身份证号", True)
        assert speakable("身份证号：110101********1234") == ("身份证号", True)
        assert speakable("姓名 王*明") == ("姓名", True)
        assert speakable("姓名：王小明") == ("姓名", True)
        assert speakable("手机号 13812345678") == ("手机号", True)
        assert speakable("密码 ●●●●") == ("密码", True)
        assert speakable("确认取号") == ("确认取号", False)
        assert speakable("A012 号") == ("A012 号", False)
    finally:
        forget_sensitive()


@needs_espeak
def test_an_id_number_a_masked_name_and_a_pin_never_reach_the_speech(generated_pack, tmp_path):
    """GIVEN voice guidance on WHEN the focus lands on fields whose names carry an ID number, a masked name,
    a registered name and a PIN field THEN what the voice is asked to say holds none of them, and neither
    does the text handed to the speech engine (the WAV files are the pack's and the engine's sound of the
    labels alone)."""
    voice, sink = open_voice(generated_pack, tmp_path / "out")
    guide = VoiceGuide(voice, language=lambda: "zh_CN")
    register_sensitive("王小明")
    try:
        guide.toggle()
        assert voice.wait_idle(WAIT_S)
        for label, secret in [("身份证号 110101199003071234", False), ("姓名 王*明", False),
                              ("申请人 王小明", False), ("密码", True), ("密码 1234", True)]:
            guide.focus(label, secret=secret)
            assert voice.wait_idle(WAIT_S)
        guide.say_key("voice.page.confirm", service="王小明 110101199003071234")
        assert voice.wait_idle(WAIT_S)
        guide.say_key("voice.ticket.number", number=Code("110101199003071234"))  # a code that is an ID number
        guide.say_key("voice.ticket.ahead", n=Count(13812345678))
        guide.page("problem", detail=Text("请核对 110101199003071234"))
        assert voice.wait_idle(WAIT_S)
    finally:
        voice.close()
        forget_sensitive()
    said = [text for utterance in voice.said for text in texts(utterance.segments)]
    spoken = " ".join(said)
    for secret in ("110101199003071234", "1234", "王", "小明", "*"):
        assert secret not in spoken, (secret, said)
    assert ["voice.focus.hidden", "身份证号"] == said[said.index("voice.focus.hidden"):][:2]
    assert "voice.focus.secret" in said
    assert len(sink.played) >= len(voice.said) - 2  # the last three: each cut off the one before


def test_without_a_player_or_any_voice_the_kiosk_has_none_and_says_why(tmp_path):
    from devices.audio import PackVoice

    no_sink = PackVoice(Renderer(VoicePack(tmp_path / "missing"), None), None)
    assert not no_sink.available() and "alsa-utils" in no_sink.problem
    no_voice = PackVoice(Renderer(VoicePack(tmp_path / "missing"), None), WavDirSink(tmp_path / "out"))
    assert not no_voice.available() and "espeak-ng" in no_voice.problem
    no_voice.enabled = True
    no_voice.say_text("请到咨询台")
    assert list(no_voice.said) == []
    no_voice.close()


@needs_espeak
def test_diag_voice_writes_the_call_the_display_would_say(generated_pack, tmp_path, capsys):
    out = tmp_path / "call.wav"
    assert kiosk_main(["diag", "voice", "--call", "A012:3", "--out", str(out), "--config",
                       display_config(tmp_path, generated_pack)]) == 0
    line = capsys.readouterr().out
    assert "8 parts (8 recorded, 0 by the speech engine)" in line and str(out) in line
    renderer = Renderer(VoicePack(generated_pack), None)
    call = Key("queue.call.announce", {"number": Code("A012"), "window": Count(3)})
    assert out.read_bytes() == to_wav(renderer.render([call], "zh_CN"))


def display_config(tmp_path, pack) -> str:
    config = tmp_path / "display.toml"
    config.write_text(f'role = "display"\nterminal_id = "D-01"\nhall_id = "H"\n[platform]\nurl = "http://127.0.0.1:1"\n'
                      f'terminal_secret = "s"\n[voice]\npack = "{pack}"\n', encoding="utf-8")
    return str(config)


def test_diag_voice_without_engine_pack_or_player_exits_2_with_one_clear_line(generated_pack, tmp_path, capsys,
                                                                             monkeypatch):
    """GIVEN a machine where neither espeak-ng nor aplay/paplay is on the PATH THEN: no pack either → 2 and
    why; the pack but no player → 2 and which package to install; the pack written to a file → 0."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert kiosk_main(["diag", "voice", "--call", "A012:3", "--config", display_config(tmp_path, tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "espeak-ng" in err
    assert kiosk_main(["diag", "voice", "--call", "A012:3", "--config", display_config(tmp_path, generated_pack)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "alsa-utils" in err
    assert kiosk_main(["diag", "voice", "--text", "请到咨询台", "--out", str(tmp_path / "x.wav"),
                       "--config", display_config(tmp_path, generated_pack)]) == 2  # free text needs the engine
    assert "espeak-ng" in capsys.readouterr().err
    assert kiosk_main(["diag", "voice", "--call", "A012:3", "--out", str(tmp_path / "x.wav"),
                       "--config", display_config(tmp_path, generated_pack)]) == 0


def test_the_voice_section_of_a_terminals_file(tmp_path):
    """GIVEN [voice] settings THEN they are read, the defaults keep the voice off; a bad value is a
    ConfigError naming the setting."""
    from core.config import parse
    from core.errors import ConfigError

    base = {"role": "citizen", "terminal_id": "K-01", "hall_id": "H", "language": "zh_CN",
            "platform": {"url": "http://127.0.0.1:1", "terminal_secret": "s"},
            "printers": {"ticket": {"url": "virtual://t"}}, "devices": {"ticket_printer": "ticket"}}
    assert parse(base).voice.enabled is False and parse(base).voice.sink == "auto"
    cfg = parse({**base, "voice": {"enabled": True, "device": "plughw:1", "hall_pack": "/srv/hall-voice",
                                   "sink": "aplay", "rate": 170, "volume": 80}})
    assert (cfg.voice.enabled, cfg.voice.device, cfg.voice.hall_pack, cfg.voice.rate, cfg.voice.volume) == (
        True, "plughw:1", "/srv/hall-voice", 170, 80)
    for bad, setting in [({"sink": "pulse"}, "voice.sink"), ({"rate": 20}, "voice.rate"),
                         ({"volume": 300}, "voice.volume"), ({"headset": True}, "voice.headset")]:
        with pytest.raises(ConfigError) as caught:
            parse({**base, "voice": bad})
        assert caught.value.params["setting"] == setting


needs_aplay = pytest.mark.skipif(shutil.which("aplay") is None, reason="aplay (alsa-utils) is not installed")


@needs_aplay
def test_aplay_plays_on_the_configured_device_and_a_wrong_device_is_logged(caplog):
    """GIVEN aplay and ALSA's ``null`` device (always there, no sound card needed) THEN a second of sound
    is played and the player is gone; WHEN the device does not exist THEN the failure is a WARNING that
    names aplay, and ``play`` still returns."""
    import logging

    from devices.audio import find_sink

    sink = find_sink("aplay", "null")
    assert sink is not None and sink.name == "aplay null"
    assert sink.command()[-3:] == ["-D", "null", "-"]
    sink.play(silence(1000))
    assert sink._process is None
    with caplog.at_level(logging.WARNING, logger="devices.audio.sink"):
        find_sink("aplay", "no-such-device").play(silence(200))
    assert any("aplay failed" in r.getMessage() for r in caplog.records)


@needs_aplay
@needs_espeak
def test_diag_voice_plays_the_call_on_the_configured_device(generated_pack, tmp_path, capsys):
    from pathlib import Path

    config = Path(display_config(tmp_path, generated_pack))  # its [voice] section is the file's last
    config.write_text(config.read_text(encoding="utf-8") + 'device = "null"\n', encoding="utf-8")
    assert kiosk_main(["diag", "voice", "--call", "A012:3", "--config", str(config)]) == 0
    assert "played on aplay null" in capsys.readouterr().out
