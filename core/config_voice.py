"""The ``[voice]`` section of a terminal's file (docs/voice.md, docs/configuration.md).

    [voice]
    enabled = false          # kiosk: voice guidance on when each session starts (a person turns it on)
    pack = ""                # the generated voice pack; empty: the one built with the terminal
    hall_pack = ""           # the hall's own recordings, same layout; each one overrides the generated file
    sink = "auto"            # auto | aplay | paplay
    device = ""              # the sound device: aplay -D (e.g. "plughw:1", a headset jack) or paplay's sink
    rate = 150               # the speech engine's words per minute (free text)
    volume = 100             # 0 to 200, the speech engine's amplitude and the recordings' gain in percent
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.errors import ConfigError

SINKS = ("auto", "aplay", "paplay")


@dataclass(frozen=True)
class VoiceConfig:
    enabled: bool = False
    pack: str = ""
    hall_pack: str = ""
    sink: str = "auto"
    device: str = ""
    rate: int = 150
    volume: int = 100


def _problem(key: str, problem: str) -> ConfigError:
    return ConfigError(f"{key}: {problem}", setting=key, problem=problem)


def parse_voice(section: Any) -> VoiceConfig:
    """``section``: the config reader's ``[voice]`` table (core/config.py ``_Reader``)."""
    voice = VoiceConfig(
        enabled=section.get("enabled", bool, False),
        pack=section.get("pack", str, ""),
        hall_pack=section.get("hall_pack", str, ""),
        sink=section.get("sink", str, "auto", choices=SINKS),
        device=section.get("device", str, ""),
        rate=section.get("rate", int, 150),
        volume=section.get("volume", int, 100),
    )
    section.finish()
    if not 80 <= voice.rate <= 450:
        raise _problem("voice.rate", f"must be from 80 to 450 words a minute, not {voice.rate}")
    if not 0 <= voice.volume <= 200:
        raise _problem("voice.volume", f"must be from 0 to 200, not {voice.volume}")
    return voice
