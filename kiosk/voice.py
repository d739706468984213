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
from pathlib import Path

from core.config import Config
from core.services.announce import Speaker, default_speaker

log = logging.getLogger(__name__)


def default_pack_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "voice-pack"
    return Path(__file__).resolve().parents[1] / "build" / "voice-pack"


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
