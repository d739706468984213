"""Where the voice's sound goes: an audio player fed on its standard input, or WAV files in a folder.

``PlayerSink`` runs ``aplay`` (Debian ``alsa-utils``: ALSA, ``-D`` picks the device, e.g. ``plughw:1`` for
a headset jack on the second sound card) or ``paplay`` (``pulseaudio-utils``: PulseAudio or PipeWire,
``--device`` names the sink), one process per utterance, raw 16-bit mono PCM at the voice's rate on its
standard input. ``play`` returns when the sound has been played, bounded by the sound's length plus
``slack_s``; ``stop`` (from any thread) ends the player at once.

``WavDirSink`` writes each utterance to ``<dir>/utterance-NNNN.wav`` instead, with the moment it was handed
over: the tests and bench/voice_latency.py hear through it exactly what a player would get.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from devices.audio.wav import RATE, duration_s, to_wav

log = logging.getLogger(__name__)

CHUNK = 4096  # bytes written at a time, so ``stop`` takes effect within a few milliseconds of sound


class Sink(Protocol):
    name: str

    def play(self, pcm: bytes) -> None: ...

    def stop(self) -> None: ...


class PlayerSink:
    def __init__(self, program: str, kind: str, device: str = "", *, slack_s: float = 3.0) -> None:
        self.program = program
        self.kind = kind  # "aplay" | "paplay"
        self.device = device
        self.slack_s = slack_s
        self.name = f"{kind} {device}".strip()
        self._process: subprocess.Popen | None = None
        self._stopped = False
        self._lock = threading.Lock()

    def command(self) -> list[str]:
        if self.kind == "aplay":
            return [self.program, "-q", "-t", "raw", "-f", "S16_LE", "-r", str(RATE), "-c", "1",
                    *(["-D", self.device] if self.device else []), "-"]
        return [self.program, "--raw", "--format=s16le", f"--rate={RATE}", "--channels=1",
                *([f"--device={self.device}"] if self.device else [])]

    def play(self, pcm: bytes) -> None:
        with self._lock:
            self._stopped = False
            try:
                self._process = process = subprocess.Popen(self.command(), stdin=subprocess.PIPE,
                                                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            except OSError as exc:
                log.warning("%s cannot run: %s", self.kind, exc.strerror)
                return
        deadline = time.monotonic() + duration_s(pcm) + self.slack_s
        try:
            for start in range(0, len(pcm), CHUNK):
                if self._stopped or time.monotonic() > deadline:
                    break
                process.stdin.write(pcm[start:start + CHUNK])
            process.stdin.close()
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except (BrokenPipeError, OSError, subprocess.TimeoutExpired) as exc:
            if not self._stopped:
                log.warning("%s did not play the sound: %s", self.kind, exc)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(1.0)
            if process.returncode and not self._stopped:
                log.warning("%s failed (%s): %s", self.kind, process.returncode,
                            process.stderr.read(300).decode("utf-8", "replace").strip() if process.stderr else "")
            if process.stderr:
                process.stderr.close()
            with self._lock:
                self._process = None

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            process = self._process
        if process is not None and process.poll() is None:
            process.terminate()


@dataclass(frozen=True)
class Played:
    path: Path
    at: float  # time.monotonic() when the sound was handed over


class WavDirSink:
    name = "wav files"

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.played: list[Played] = []
        self._lock = threading.Lock()

    def play(self, pcm: bytes) -> None:
        at = time.monotonic()
        with self._lock:
            path = self.directory / f"utterance-{len(self.played) + 1:04d}.wav"
            path.write_bytes(to_wav(pcm))
            self.played.append(Played(path, at))

    def stop(self) -> None:
        pass


def find_sink(kind: str = "auto", device: str = "") -> PlayerSink | None:
    """The configured player (``auto``: aplay, else paplay) if it is installed, else None."""
    for candidate in (("aplay", "paplay") if kind == "auto" else (kind,)):
        program = shutil.which(candidate)
        if program:
            return PlayerSink(program, candidate, device)
    return None
