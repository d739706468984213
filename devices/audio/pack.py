"""The voice pack: recorded prompts and segments, one WAV file each (docs/voice.md, "The pack").

    <pack>/manifest.json                        what generated it (engine, rate, languages, keys)
    <pack>/<language>/keys/<key>.wav            a prompt without placeholders ("voice.page.home")
    <pack>/<language>/keys/<key>.<i>.wav        the i-th piece of text of a prompt with placeholders
    <pack>/<language>/segments/digit-<d>.wav    0 … 9
    <pack>/<language>/segments/letter-<L>.wav   A … Z
    <pack>/<language>/segments/number-<n>.wav   zh_CN: 10 十, 100 百, 1000 千; en: 10 … 19, 20 … 90, 100

The generated pack (devices/audio/build.py, run by ./dev setup) has every file. A hall's own recordings
(``[voice] hall_pack``) use the same layout and may hold any subset: a file there is played instead of the
generated one of the same name. Recordings are read once and kept in memory, converted to the voice's
format (devices/audio/wav.py); a file that is missing or unreadable is logged once and left out (the
speech engine says its words instead, when there is one).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from devices.audio.compose import Recording
from devices.audio.wav import BadRecording, read_wav

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"


class VoicePack:
    def __init__(self, generated: str | Path | None, hall: str | Path | None = None) -> None:
        self.generated = Path(generated) if generated else None
        self.hall = Path(hall) if hall else None
        self._cache: dict[tuple[str, str], bytes | None] = {}
        self._lock = threading.Lock()

    def exists(self) -> bool:
        """The generated pack is there (its manifest is written last, so a half-built pack is not)."""
        return self.generated is not None and (self.generated / MANIFEST).is_file()

    def path(self, recording: Recording, language: str) -> Path | None:
        """The file that plays ``recording``: the hall's own, else the generated one (None: neither)."""
        relative = Path(language) / f"{recording.name}.wav"
        for root in (self.hall, self.generated):
            if root is not None and (root / relative).is_file():
                return root / relative
        return None

    def pcm(self, recording: Recording, language: str) -> bytes | None:
        """The recording's sound (voice PCM), or None when the pack has no playable file for it."""
        key = (language, recording.name)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        path = self.path(recording, language)
        sound = None
        if path is not None:
            try:
                sound = read_wav(path.read_bytes())
            except (OSError, BadRecording) as exc:
                log.warning("voice pack: %s cannot be played: %s", path, exc)
        with self._lock:
            self._cache[key] = sound
        return sound
