"""The kiosk's voice and the hall display's announcer over the voice pack (docs/voice.md).

``Renderer`` turns segments into sound: each part planned by devices/audio/compose.py comes from the pack
(the hall's recording, else the generated one) or, for free text and for a recording the pack lacks, from
the speech engine; parts are joined with a short pause. ``PackVoice`` is the ``Voice`` port: utterances
queue up to its own thread ("voice"), which renders each and hands it to the sink; ``stop`` clears the
queue and cuts off the player. ``PackSpeaker`` is the display's ``Speaker``: a call sentence such as "请
A012 号到 3 号窗口办理" is read back into its prompt and said from the recordings, on the announcer's
thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.i18n import Translator
from core.ports.voice import Key, Segment, Text
from core.services.voice_guide import CALL_KEYS, PROMPT_KEYS
from devices.audio.compose import Recording, Speech, parse_text, plan
from devices.audio.engine import EspeakEngine, SpeechError
from devices.audio.pack import VoicePack
from devices.audio.sink import Sink
from devices.audio.wav import gain, silence

log = logging.getLogger(__name__)

GAP_MS = 40  # between two parts of an utterance
KEPT = 50  # utterances remembered in ``said``


class Renderer:
    def __init__(self, pack: VoicePack, engine: EspeakEngine | None, *, volume: int = 100) -> None:
        self.pack = pack
        self.engine = engine
        self.volume = volume
        self._warned: set[str] = set()

    def problem(self, language: str = "en") -> str:
        """Why this renderer cannot say everything ("" when it can), in ``language``."""
        tr = Translator(language)
        if not self.pack.exists() and self.engine is None:
            return tr("voice.problem.no_voice")
        if self.engine is None:
            return tr("voice.problem.no_engine")
        if not self.pack.exists():
            return tr("voice.problem.no_pack", path=str(self.pack.generated or ""))
        return ""

    def can_speak(self) -> bool:
        return self.pack.exists() or self.engine is not None

    def _warn_once(self, what: str, message: str, *args: object) -> None:
        if what not in self._warned:
            self._warned.add(what)
            log.warning(message, *args)

    def _part(self, part: Recording | Speech, language: str) -> bytes:
        if isinstance(part, Recording):
            sound = self.pack.pcm(part, language)
            if sound is not None:
                return sound
            self._warn_once(f"missing:{language}/{part.name}", "voice pack has no %s/%s.wav; the engine says it",
                            language, part.name)
            text = part.words
        else:
            text = part.text
        if self.engine is None:
            self._warn_once("no-engine", "no speech engine: text without a recording is not spoken")
            return b""
        try:
            return self.engine.synthesize(text, language)
        except SpeechError as exc:
            self._warn_once(f"engine:{exc}", "speech engine: %s", exc)
            return b""

    def render(self, segments: Sequence[Segment], language: str) -> bytes:
        sounds = [s for s in (self._part(p, language) for p in plan(list(segments), language)) if s]
        gap = silence(GAP_MS)
        return gain(gap.join(sounds), self.volume) if sounds else b""

    def segments_for_text(self, text: str, language: str, keys: tuple[str, ...] = PROMPT_KEYS) -> list[Segment]:
        """A sentence rendered from one of ``keys`` as that prompt (said from the pack), else free text."""
        key = parse_text(text, keys, language)
        return [key] if key is not None else [Text(text)]


@dataclass(frozen=True)
class Utterance:
    segments: tuple[Segment, ...]
    language: str


class PackVoice:
    """The ``Voice`` port (core/ports/voice.py). ``sink`` None: this machine cannot play sound.
    ``on_start(utterance)`` is called on the voice thread when its sound is handed to the sink."""

    def __init__(self, renderer: Renderer, sink: Sink | None, *, language: str = "zh_CN", enabled: bool = False,
                 on_start: Callable[[Utterance], None] | None = None, thread_name: str = "voice") -> None:
        self.renderer = renderer
        self.sink = sink
        self.language = language
        self.enabled = enabled
        self.on_start = on_start
        self.said: deque[Utterance] = deque(maxlen=KEPT)  # what was asked to be said, oldest first
        self._queue: deque[Utterance] = deque()
        self._busy = False
        self._closed = False
        self._available: bool | None = None
        self._generation = 0  # ``stop`` counts up: a sound rendered before it is not played
        self._cond = threading.Condition()
        self._thread_name = thread_name
        self._thread: threading.Thread | None = None  # started with the first utterance

    @property
    def problem(self) -> str:
        if self.sink is None:
            return Translator("en")("voice.problem.no_sink")
        return self.renderer.problem()

    def available(self) -> bool:
        if self._available is None:  # the pack and the engine do not come and go while the terminal runs
            self._available = self.sink is not None and self.renderer.can_speak()
        return self._available

    def say_key(self, key: str, **params: object) -> None:
        self.say_segments([Key(key, params)])

    def say_text(self, text: str) -> None:
        self.say_segments(self.renderer.segments_for_text(text, self.language))

    def say_segments(self, segments: Sequence[Segment]) -> None:
        if not self.enabled or not self.available():
            return
        utterance = Utterance(tuple(segments), self.language)
        with self._cond:
            if self._closed:
                return
            self.said.append(utterance)
            self._queue.append(utterance)
            self._cond.notify_all()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._thread_name, daemon=True)
                self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._queue.clear()
            self._generation += 1
        if self.sink is not None:
            self.sink.stop()

    def wait_idle(self, timeout_s: float) -> bool:
        """True once everything queued so far has been played."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._busy, timeout_s)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._closed)
                if self._closed:
                    return
                utterance = self._queue.popleft()
                generation = self._generation
                self._busy = True
            try:
                sound = self.renderer.render(utterance.segments, utterance.language)
                with self._cond:
                    dropped = generation != self._generation or self._closed
                if sound and not dropped:
                    if self.on_start is not None:
                        self.on_start(utterance)
                    self.sink.play(sound)
            except Exception:  # a broken voice must not stop the kiosk
                log.exception("voice: an utterance could not be played")
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def close(self, wait_s: float = 3.0) -> None:
        with self._cond:
            self._closed = True
            self._queue.clear()
            self._cond.notify_all()
        if self.sink is not None:
            self.sink.stop()
        if self._thread is not None:
            self._thread.join(wait_s)


class PackSpeaker:
    """The hall display's ``Speaker`` (core/services/announce.py): blocks until the sentence was played."""

    name = "voice-pack"

    def __init__(self, renderer: Renderer, sink: Sink) -> None:
        self.renderer = renderer
        self.sink = sink
        self.spoken = 0
        self.last_segments: list[Segment] = []

    def say(self, text: str, language: str) -> None:
        started = time.monotonic()
        self.last_segments = self.renderer.segments_for_text(text, language, CALL_KEYS)
        sound = self.renderer.render(self.last_segments, language)
        if sound:
            self.sink.play(sound)
        self.spoken += 1
        log.debug("announcement rendered and played in %.2f s", time.monotonic() - started)
