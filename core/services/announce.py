"""Voice announcements for the hall display: one at a time, never cutting one off.

"请 A012 号到 3 号窗口办理" is spoken by a ``Speaker`` (a port: ``say`` blocks until the sentence is
spoken, bounded by its own timeout). ``AnnouncementQueue`` owns one thread that takes announcements in
order; a recall that arrives while another number is being spoken waits for it to end (docs/hall-server.md,
"How halls work": a recall must not cut off an announcement in progress).

The backlog rule (docs/display.md, "Announcements"): every call is announced once, in the order called.
While at most ``backlog_limit`` announcements wait behind the one being spoken, each is spoken whole. When
more wait, the oldest are folded into one sentence, "另有 N 个号码已呼叫，请看屏幕" (N more numbers have
been called, please look at the screen), spoken first, and the newest ``backlog_limit - 1`` follow whole:
the newest call is never more than ``backlog_limit`` sentences away, however large the burst.

PySide6-Essentials has no QtTextToSpeech, so the spoken voice is ``EspeakSpeaker``, which runs the
Debian ``espeak-ng`` program. Where it is missing (or the machine has no sound device) the display only
shows the calls and ``SilentSpeaker`` says so in the log, once.
"""

from __future__ import annotations

import logging
import queue
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from core.i18n import Translator

log = logging.getLogger(__name__)


class Speaker(Protocol):
    name: str

    def say(self, text: str, language: str) -> None:
        """Speaks ``text`` and returns when it has been spoken (or its time limit passed)."""
        ...


class SilentSpeaker:
    """No voice on this machine: the calls are shown only. Logs that once, then each skipped text."""

    name = "silent"

    def __init__(self, why: str) -> None:
        self.why = why
        log.warning("hall display has no voice: %s; calls are shown only", why)

    def say(self, text: str, language: str) -> None:
        log.info("not spoken (no voice): %s", text)


class EspeakSpeaker:
    """Speaks through ``espeak-ng`` (``-v cmn`` for Chinese, ``-v en`` for English).

    ``wav_dir``: write each announcement to a WAV file there instead of the sound device (tests, and
    machines whose audio goes through another player).
    """

    name = "espeak-ng"
    VOICES = {"zh_CN": "cmn", "en": "en"}

    def __init__(self, program: str, *, timeout_s: float = 15.0, wav_dir: str | None = None) -> None:
        self.program = program
        self.timeout_s = timeout_s
        self.wav_dir = wav_dir
        self.spoken = 0

    def say(self, text: str, language: str) -> None:
        command = [self.program, "-v", self.VOICES.get(language, "cmn"), "-s", "140"]
        if self.wav_dir:
            command += ["-w", f"{self.wav_dir}/announcement-{self.spoken:04d}.wav"]
        try:
            result = subprocess.run(command + ["--", text], capture_output=True, timeout=self.timeout_s,
                                    check=False)
        except subprocess.TimeoutExpired:
            log.warning("espeak-ng did not finish within %.0f s", self.timeout_s)
            return
        except OSError as exc:
            log.warning("espeak-ng cannot run: %s", exc.strerror)
            return
        self.spoken += 1
        if result.returncode != 0:
            log.warning("espeak-ng failed (%d): %s", result.returncode,
                        result.stderr.decode("utf-8", "replace").strip()[:200])


def default_speaker() -> Speaker:
    program = shutil.which("espeak-ng")
    if program is None:
        return SilentSpeaker("espeak-ng is not installed (apt-get install espeak-ng)")
    return EspeakSpeaker(program)


@dataclass(frozen=True)
class Sentence:
    """What the announcer says next: one call's ``text``, or a summary of ``calls`` folded calls."""

    text: str
    calls: int = 1
    summary: bool = False


def plan_next(waiting: list[str], limit: int, summary: Callable[[int], str]) -> tuple[Sentence, int]:
    """The backlog rule: the next sentence for ``waiting`` (oldest first) and how many of them it takes.
    Up to ``limit`` waiting: the oldest, whole. More: the oldest ``len - (limit - 1)`` as one summary."""
    if len(waiting) <= limit:
        return Sentence(waiting[0]), 1
    folded = len(waiting) - (limit - 1)
    return Sentence(summary(folded), calls=folded, summary=True), folded


class AnnouncementQueue:
    """Speaks announcements in order on its own thread ("announcer"); ``close`` stops it (bounded).

    ``on_start``/``on_end`` are called on the announcer thread with the text (the display highlights the
    number being spoken). ``spoken_calls`` + ``summarised_calls`` count every call announced once.
    """

    BACKLOG_LIMIT = 5

    def __init__(
        self,
        speaker: Speaker,
        *,
        language: str = "zh_CN",
        on_start: Callable[[str], None] | None = None,
        on_end: Callable[[str], None] | None = None,
        thread_name: str = "announcer",
        backlog_limit: int | None = None,
    ) -> None:
        self.speaker = speaker
        self.language = language
        self.on_start = on_start
        self.on_end = on_end
        self.backlog_limit = max(2, backlog_limit or self.BACKLOG_LIMIT)
        self._waiting: deque[str] = deque()
        self._closed = False
        self._unspoken = 0  # announced and not yet finished speaking
        self.spoken_calls = 0  # calls spoken whole
        self.summarised_calls = 0  # calls folded into a summary sentence
        self.sentences: list[Sentence] = []  # the last sentences said, oldest first
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=thread_name, daemon=True)
        self._thread.start()

    def announce(self, text: str) -> None:
        with self._cond:
            if self._closed:
                return
            self._unspoken += 1
            self._waiting.append(text)
            self._cond.notify_all()

    def pending(self) -> int:
        """Announcements waiting for their turn (not counting the one being spoken)."""
        with self._cond:
            return len(self._waiting)

    def wait_idle(self, timeout_s: float) -> bool:
        """True once everything announced so far has been spoken (or folded into a summary spoken)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._unspoken == 0, timeout_s)

    def _summary(self, count: int) -> str:
        return Translator(self.language)("queue.call.backlog", count=count)

    def _next(self) -> Sentence | None:
        with self._cond:
            self._cond.wait_for(lambda: self._waiting or self._closed)
            if self._closed:
                return None
            sentence, taken = plan_next(list(self._waiting), self.backlog_limit, self._summary)
            for _ in range(taken):
                self._waiting.popleft()
            return sentence

    def _run(self) -> None:
        while True:
            sentence = self._next()
            if sentence is None:
                return
            try:
                if self.on_start:
                    self.on_start(sentence.text)
                self.speaker.say(sentence.text, self.language)
                if self.on_end:
                    self.on_end(sentence.text)
            except Exception:  # a broken voice must not stop the display
                log.exception("announcement failed")
            with self._cond:
                if sentence.summary:
                    self.summarised_calls += sentence.calls
                else:
                    self.spoken_calls += 1
                self.sentences = (self.sentences + [sentence])[-50:]
                self._unspoken -= sentence.calls
                self._cond.notify_all()

    def close(self, wait_s: float = 5.0) -> None:
        """Drops what is not yet spoken, lets the sentence in progress end, and stops the thread."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._unspoken -= len(self._waiting)
            self._waiting.clear()
            self._cond.notify_all()
        self._thread.join(wait_s)
