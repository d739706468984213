"""The terminal's voice, built from its ``[voice]`` section (docs/voice.md, "Wiring").

The citizen kiosk gets a ``PackVoice`` (devices/audio) for its voice guidance; the hall display gets a
``PackSpeaker`` whose call announcements are composed from the voice pack, or, when this machine has no
pack or no audio player, the espeak-ng speaker of core/services/announce.py (or silence, logged). What is
missing is logged as a WARNING when the terminal starts; ``kiosk diag voice`` and ``kiosk diag selftest``
say it to the technician.

The generated pack: ``[voice] pack`` when set; else ``voice-pack`` inside the frozen build (kiosk.spec
carries it), else ``build/voice-pack`` of the source tree (./dev setup generates it).
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from core.config import Config
from core.config_voice import VoiceConfig
from core.i18n import Translator
from core.ports.voice import Code, Count, Key, VoiceReport
from core.services.announce import Speaker, default_speaker

log = logging.getLogger(__name__)

__all__ = ["Speaker", "attach_voice", "build_speaker", "build_voice", "call_segments", "default_pack_dir",
           "speak_once", "speaker_test"]


def default_pack_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "voice-pack"
    return Path(__file__).resolve().parents[1] / "build" / "voice-pack"


def attach_voice(terminal, speaker: Speaker | None = None) -> None:
    """Gives a citizen kiosk its ``voice`` and a hall display its ``speaker`` (``speaker``: the caller's own,
    e.g. a test's)."""
    if terminal.cfg.role == "citizen":
        terminal.voice = build_voice(terminal.cfg)
    elif terminal.cfg.role == "display":
        terminal.speaker = speaker or build_speaker(terminal.cfg)


def build_voice(cfg: Config):
    """The citizen kiosk's voice (a ``core.ports.voice.Voice``); its ``problem`` says what it lacks."""
    from devices.audio import open_voice

    return open_voice(cfg.voice, default_pack_dir(), language=cfg.language)


def build_speaker(cfg: Config) -> Speaker:
    """The hall display's announcer voice: the pack when it and a player are there, else espeak-ng."""
    from devices.audio import PackSpeaker, find_sink, open_renderer

    renderer = open_renderer(cfg.voice, default_pack_dir())
    sink = find_sink(cfg.voice.sink, cfg.voice.device)
    if sink is not None and renderer.pack.exists():
        if renderer.engine is None:
            log.warning("voice: %s", renderer.problem())
        return PackSpeaker(renderer, sink)
    log.warning("hall display voice: %s; falling back to espeak-ng's own output",
                renderer.problem() if sink is not None else "no audio player (install alsa-utils)")
    return default_speaker()


def speak_once(cfg: VoiceConfig, segments: list | None, language: str, *, text: str = "", out: str = "",
               sink=None, problem_language: str = "en") -> VoiceReport:
    """Says ``segments`` (or ``text``: composed from the pack when a prompt renders to it) once, on the
    configured player (``sink``: another one), or writes it to the WAV file ``out``: the technician's
    speaker test (``kiosk diag voice``, the technician window's voice tab). Blocking: not on the GUI
    thread. ``problem_language``: the language of ``VoiceReport.problem`` (the technician's)."""
    from devices.audio import find_sink, open_renderer
    from devices.audio.compose import Recording, plan
    from devices.audio.wav import duration_s, to_wav

    renderer = open_renderer(cfg, default_pack_dir())
    if not renderer.can_speak():
        return VoiceReport(False, renderer.problem(problem_language))
    if segments is None:
        segments = renderer.segments_for_text(text, language)
    parts = plan(segments, language)
    recorded = sum(isinstance(p, Recording) and renderer.pack.path(p, language) is not None for p in parts)
    if recorded < len(parts) and renderer.engine is None:
        return VoiceReport(False, renderer.problem(problem_language), len(parts), recorded)
    sink = sink if sink is not None or out else find_sink(cfg.sink, cfg.device)
    if sink is None and not out:
        return VoiceReport(False, Translator(problem_language)("voice.problem.no_sink"), len(parts), recorded)
    started = time.monotonic()
    sound = renderer.render(segments, language)
    took = (time.monotonic() - started) * 1000
    if not sound:
        return VoiceReport(False, "nothing to say (an empty text, or the engine gave no sound)", len(parts), recorded)
    if out:
        try:
            Path(out).write_bytes(to_wav(sound))
        except OSError as exc:
            return VoiceReport(False, f"{out} cannot be written: {exc.strerror}", len(parts), recorded)
        where = f"written to {out}"
    else:
        sink.play(sound)
        where = f"played on {sink.name}"
    return VoiceReport(True, renderer.problem(problem_language), len(parts), recorded, duration_s(sound), took, where)


def speaker_test(cfg: Config):
    """The technician's speaker test for ``Diagnostics(voice=…)``: the display's call "请 A012 号到 3 号窗口办理"
    said once on the configured player, what the machine lacks in the terminal's language."""
    return lambda: speak_once(cfg.voice, call_segments("A012", 3), cfg.language, problem_language=cfg.language)


def call_segments(number: str, window: int) -> list:
    """The display's announcement of ``number`` to ``window``, as segments."""
    return [Key("queue.call.announce", {"number": Code(number), "window": Count(window)})]
