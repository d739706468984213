"""The voice: recorded prompts and segments (the voice pack), espeak-ng for free text, an audio player
(docs/voice.md). ``open_voice`` and ``open_speaker`` build them from a terminal's ``[voice]`` section."""

from __future__ import annotations

import logging
from pathlib import Path

from core.config_voice import VoiceConfig
from devices.audio.engine import EspeakEngine, find_engine
from devices.audio.pack import VoicePack
from devices.audio.sink import PlayerSink, Sink, WavDirSink, find_sink
from devices.audio.voice import PackSpeaker, PackVoice, Renderer

log = logging.getLogger(__name__)

__all__ = ["EspeakEngine", "PackSpeaker", "PackVoice", "PlayerSink", "Renderer", "Sink", "VoicePack", "WavDirSink",
           "find_engine", "find_sink", "open_renderer", "open_voice"]


def open_renderer(cfg: VoiceConfig, default_pack: str | Path | None) -> Renderer:
    pack = VoicePack(cfg.pack or default_pack, cfg.hall_pack or None)
    return Renderer(pack, find_engine(rate=cfg.rate, volume=cfg.volume), volume=cfg.volume)


def open_voice(cfg: VoiceConfig, default_pack: str | Path | None, *, language: str = "zh_CN",
               sink: Sink | None = None) -> PackVoice:
    """The kiosk's voice; what it lacks (pack, engine, player) is logged as a WARNING for the technician."""
    renderer = open_renderer(cfg, default_pack)
    sink = sink if sink is not None else find_sink(cfg.sink, cfg.device)
    voice = PackVoice(renderer, sink, language=language, enabled=cfg.enabled)
    if voice.problem:
        log.warning("voice: %s", voice.problem)
    return voice
