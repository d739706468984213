"""The technician window's voice tab (pytest-qt, offscreen): the speaker test says the display's call on
the configured player, on the window's worker, and tells what the machine lacks.

The window is the composition root's for a technician terminal whose ``[voice] pack`` is the generated pack;
the test's player is the WAV-file sink (devices/audio/sink.py), handed in where the terminal would find
aplay, so the test hears what the loudspeaker would."""

from __future__ import annotations

from core import config
from core.ports.voice import Code, Count, Key
from core.services.diagnostics import Diagnostics
from devices.audio import Renderer, VoicePack, WavDirSink
from devices.audio.wav import read_wav
from kiosk.voice import call_segments, speak_once
from tests.voice_support import generated_pack, needs_espeak  # noqa: F401 (fixture)
from ui.technician import TechnicianWindow

WAIT_MS = 15000


def technician(tmp_path, pack) -> config.Config:
    return config.parse({
        "role": "technician", "terminal_id": "T-01", "hall_id": "3201-0042", "data_dir": str(tmp_path / "data"),
        "language": "zh_CN", "platform": {"url": "http://127.0.0.1:9", "timeout_s": 2.0},
        "voice": {"pack": str(pack)}}, source="test")


def open_tab(qtbot, cfg, sink):
    diagnostics = Diagnostics(cfg, voice=lambda: speak_once(cfg.voice, call_segments("A012", 3), cfg.language,
                                                            sink=sink, problem_language=cfg.language))
    window = TechnicianWindow(diagnostics, language="zh_CN")
    qtbot.addWidget(window)
    window.show()
    return window, window.panels["voice"]


@needs_espeak
def test_the_speaker_test_says_the_call_from_the_pack(qtbot, generated_pack, tmp_path):
    """GIVEN the generated pack WHEN the technician presses 试音 THEN the call is played once, all eight parts
    from recordings, and the summary says so."""
    sink = WavDirSink(tmp_path / "played")
    window, panel = open_tab(qtbot, technician(tmp_path, generated_pack), sink)
    try:
        assert "A012" in panel.summary.text()
        panel.test_button.click()
        qtbot.waitUntil(lambda: panel.report is not None, timeout=WAIT_MS)
        assert panel.report.said and panel.report.problem == ""
        assert panel.summary.text().startswith("已播放：8 段，其中录音 8 段、语音合成 0 段")
        [played] = sink.played
        call = Key("queue.call.announce", {"number": Code("A012"), "window": Count(3)})
        assert read_wav(played.path.read_bytes()) == Renderer(VoicePack(generated_pack), None).render([call], "zh_CN")
    finally:
        window.close()


def test_a_machine_without_pack_engine_or_player_is_told_not_silent(qtbot, tmp_path, monkeypatch):
    """GIVEN no pack and neither espeak-ng nor a player on the PATH WHEN the technician presses 试音 THEN
    nothing is played and the summary names what to install."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    window, panel = open_tab(qtbot, technician(tmp_path, tmp_path / "no-pack"), None)
    try:
        panel.test_button.click()
        qtbot.waitUntil(lambda: panel.report is not None, timeout=WAIT_MS)
        assert not panel.report.said
        assert panel.summary.text() == "无法播放：既没有语音包也没有语音引擎，无法朗读（请安装 espeak-ng 并生成语音包）"
        assert panel.test_button.isEnabled()
    finally:
        window.close()
