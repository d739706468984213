"""The kiosk's voice, as a port: what the core asks to be said, never how it sounds (docs/voice.md).

What is said is a sequence of segments:

- ``Key(key, params)``: a fixed prompt of the message catalogues ("voice.page.home"); the hall's voice pack
  holds a recording of it (for a prompt with placeholders, one recording per piece between them);
- ``Code("A012")``: a ticket number, spelled letter by letter and digit by digit ("A 零 一 二");
- ``Count(12)``: a number said as a number ("十二", "twelve"): people ahead, a window;
- ``Text("…")``: free text (a service's name, a control's label): the speech engine says it.

A ``Voice`` speaks on its own thread, one utterance after the other: ``say_*`` return at once; ``stop``
cuts off what is being said and drops what waits. ``enabled`` is the person's choice (voice guidance is off
until they turn it on); nothing is said while it is off. ``available()`` is False when this machine cannot
speak at all (no voice pack and no speech engine, or no audio sink); ``problem`` then says why, for the
technician.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, Union


@dataclass(frozen=True)
class Key:
    """A catalogue message, its placeholders filled by ``params`` (each a segment, an int or a str)."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Code:
    """Said one character at a time: a ticket number ("A012")."""

    text: str


@dataclass(frozen=True)
class Count:
    """Said as a number: "十二" (zh_CN), "twelve" (en)."""

    n: int


@dataclass(frozen=True)
class Text:
    """Said by the speech engine (free text has no recording)."""

    text: str


Segment = Union[Key, Code, Count, Text]


def as_segment(value: object) -> Segment:
    """A placeholder's value as a segment: a segment as it is, an int as a ``Count``, anything else as
    ``Text``."""
    if isinstance(value, (Key, Code, Count, Text)):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Count(value)
    return Text(str(value))


@dataclass(frozen=True)
class VoiceReport:
    """One speaker test (``kiosk diag voice``, the technician window's voice tab): whether it was said, how
    many of its parts came from recordings, how long the sound is, where it went; ``problem`` is what this
    machine lacks ("" when nothing), also when the test was said anyway (no engine, but all recorded)."""

    said: bool
    problem: str = ""
    parts: int = 0
    recorded: int = 0
    seconds: float = 0.0
    render_ms: float = 0.0
    where: str = ""


class Voice(Protocol):
    enabled: bool
    language: str
    problem: str  # "" while available; else why nothing can be said (for the technician)

    def available(self) -> bool: ...

    def say_key(self, key: str, **params: object) -> None:
        """Says the catalogue message ``key`` with ``params`` (queued; returns at once)."""
        ...

    def say_segments(self, segments: Sequence[Segment]) -> None:
        """Says the segments as one utterance (queued; returns at once)."""
        ...

    def say_text(self, text: str) -> None:
        """Says free text (queued; returns at once)."""
        ...

    def stop(self) -> None:
        """Cuts off what is being said and drops what waits."""
        ...
