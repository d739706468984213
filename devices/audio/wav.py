"""Sound as the voice handles it: 16-bit signed little-endian mono PCM at ``RATE`` samples a second.

Every recording is brought to that format when it is read (``read_wav``: 8, 16, 24 or 32-bit PCM, any
number of channels, any rate), so a hall's own recordings (often 44.1 or 48 kHz stereo) and the generated
ones (espeak-ng's 22050 Hz mono) join without a click. ``to_wav`` wraps PCM in a WAV header for a file or
an audio player.
"""

from __future__ import annotations

import io
import sys
import wave
from array import array

RATE = 22050
WIDTH = 2  # bytes a sample


class BadRecording(ValueError):
    """A file that is not a PCM WAV the voice can play."""


def _samples(frames: bytes, width: int) -> array:
    """The frames as signed 16-bit samples (all channels still interleaved)."""
    out = array("h")
    if width == 2:
        out.frombytes(frames[: len(frames) - len(frames) % 2])
        if sys.byteorder == "big":
            out.byteswap()
    elif width == 1:  # unsigned 8-bit
        out.extend((b - 128) << 8 for b in frames)
    elif width in (3, 4):  # keep the top 16 bits of each little-endian sample
        out.extend(int.from_bytes(frames[i + width - 2:i + width], "little", signed=True)
                   for i in range(0, len(frames) - width + 1, width))
    else:
        raise BadRecording(f"{width * 8}-bit samples are not supported")
    return out


def _mono(samples: array, channels: int) -> array:
    if channels == 1:
        return samples
    return array("h", (sum(samples[i:i + channels]) // channels for i in range(0, len(samples) - channels + 1, channels)))


def _resample(samples: array, rate: int) -> array:
    """Linear interpolation to ``RATE`` (enough for speech; the recordings are the hall's own voice)."""
    if rate == RATE or not samples:
        return samples
    step = rate / RATE
    count = int(len(samples) / step)
    last = len(samples) - 1
    out = array("h", bytes(2 * count))
    for i in range(count):
        pos = i * step
        j = int(pos)
        frac = pos - j
        a = samples[j]
        b = samples[j + 1] if j < last else a
        out[i] = int(a + (b - a) * frac)
    return out


def read_wav(data: bytes) -> bytes:
    """A WAV file's sound as voice PCM (see the module's docstring)."""
    try:
        with wave.open(io.BytesIO(data)) as w:
            channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            frames = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise BadRecording(f"not a PCM WAV file: {exc}") from None
    samples = _resample(_mono(_samples(frames, width), channels), rate)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def to_wav(pcm: bytes) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(WIDTH)
        w.setframerate(RATE)
        w.writeframes(pcm)
    return out.getvalue()


def silence(ms: int) -> bytes:
    return bytes(WIDTH * (RATE * ms // 1000))


def duration_s(pcm: bytes) -> float:
    return len(pcm) / (WIDTH * RATE)


def gain(pcm: bytes, percent: int) -> bytes:
    """``pcm`` at ``percent`` of its loudness (clipped)."""
    if percent == 100:
        return pcm
    samples = array("h")
    samples.frombytes(pcm)
    factor = percent / 100
    return array("h", (max(-32768, min(32767, int(s * factor))) for s in samples)).tobytes()


def trim(pcm: bytes, threshold: int = 400, margin_ms: int = 30) -> bytes:
    """``pcm`` without the silence before and after the sound (kept: ``margin_ms`` either side)."""
    samples = array("h")
    samples.frombytes(pcm)
    first = next((i for i, s in enumerate(samples) if abs(s) > threshold), None)
    if first is None:
        return b""
    last = next(i for i in range(len(samples) - 1, -1, -1) if abs(samples[i]) > threshold)
    margin = RATE * margin_ms // 1000
    return samples[max(0, first - margin):min(len(samples), last + margin + 1)].tobytes()
