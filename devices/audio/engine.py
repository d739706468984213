"""The speech engine for free text: espeak-ng (Debian package ``espeak-ng``), Mandarin through its ``cmn``
voice (Hanzi read with their tones from the pronunciation dictionary espeak-ng ships for it), English through ``en``.

It also renders the generated voice pack (devices/audio/build.py). ``synthesize`` runs the program once per
text, bounded by ``timeout_s``, and returns voice PCM (devices/audio/wav.py); a failure is a
``SpeechError`` with espeak-ng's own words.
"""

from __future__ import annotations

import shutil
import subprocess

from devices.audio.wav import BadRecording, read_wav

VOICES = {"zh_CN": "cmn", "en": "en"}


class SpeechError(RuntimeError):
    pass


class EspeakEngine:
    name = "espeak-ng"

    def __init__(self, program: str, *, rate: int = 150, volume: int = 100, timeout_s: float = 10.0) -> None:
        self.program = program
        self.rate = rate
        self.volume = volume
        self.timeout_s = timeout_s

    def command(self, text: str, language: str) -> list[str]:
        voice = VOICES.get("en" if language.startswith("en") else "zh_CN")
        return [self.program, "-v", voice, "-s", str(self.rate), "-a", str(self.volume), "--stdout", "--", text]

    def synthesize(self, text: str, language: str) -> bytes:
        try:
            result = subprocess.run(self.command(text, language), capture_output=True, timeout=self.timeout_s,
                                    check=False)
        except subprocess.TimeoutExpired:
            raise SpeechError(f"espeak-ng did not finish within {self.timeout_s:.0f} s") from None
        except OSError as exc:
            raise SpeechError(f"espeak-ng cannot run: {exc.strerror}") from None
        if result.returncode != 0:
            raise SpeechError(f"espeak-ng failed ({result.returncode}): "
                              f"{result.stderr.decode('utf-8', 'replace').strip()[:200]}")
        try:
            return read_wav(result.stdout)
        except BadRecording as exc:
            raise SpeechError(f"espeak-ng gave no sound: {exc}") from None

    def version(self) -> str:
        try:
            out = subprocess.run([self.program, "--version"], capture_output=True, timeout=self.timeout_s, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return "espeak-ng"
        return out.stdout.decode("utf-8", "replace").split(" Data at")[0].strip() or "espeak-ng"


def find_engine(*, rate: int = 150, volume: int = 100) -> EspeakEngine | None:
    """espeak-ng on the PATH, or None."""
    program = shutil.which("espeak-ng")
    return EspeakEngine(program, rate=rate, volume=volume) if program else None
