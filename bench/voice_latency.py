"""Voice latency: from a touch or a key press to the first sound of its spoken feedback.

    .venv/bin/python bench/voice_latency.py                  # 5 rounds of every prompt
    .venv/bin/python bench/voice_latency.py --rounds 10 --pack build/voice-pack

A Qt window (offscreen) has a button and takes the voice key (F1); each press makes the kiosk's
``VoiceGuide`` say a prompt through ``PackVoice`` over the voice pack, as the citizen window does
(ui/citizen_voice.py). The time measured runs from just before the press is delivered (``QTest``) to the
moment the utterance's sound is handed to the sink (``WavDirSink.play``, whose files are checked to hold
sound): the guide's work on the GUI thread, the hand-over to the voice thread, the composition from the
recordings. Goal: p95 ≤ 300 ms.

The baseline is what the display did before the pack: synthesising the same sentence with espeak-ng (the
``cmn`` voice) at that moment, the whole sentence in one run of the program, then handing it to the same
sink. Both run in the same process, one after the other for each prompt, and the ratio baseline / pack is
printed beside them.

Two sets of prompts, printed separately:
- *tuned*: the prompts looked at while the voice was built (the home, services and confirm pages, the
  number read aloud, the voice key turning the voice on);
- *held-out*: prompts not used while tuning (the scan, tracking, guide and apply pages, the problem page
  with its message (free text, the engine's), a call announcement with a two-digit window, a control's name
  read on focus: free text, the engine's on both sides).

The first round of each prompt reads its recordings from disk (cold); the figures are over every round.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QPushButton  # noqa: E402

from core.i18n import Translator  # noqa: E402
from core.ports.voice import Code, Count, Key, Text  # noqa: E402
from core.services.voice_guide import VoiceGuide  # noqa: E402
from devices.audio import PackVoice, Renderer, VoicePack, WavDirSink, find_engine  # noqa: E402
from devices.audio.build import build_pack  # noqa: E402
from devices.audio.compose import Recording, plan  # noqa: E402
from core.domain import Ticket, TicketState  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LANGUAGE = "zh_CN"
SLOW = "网络有些慢，请稍候再试，或到窗口咨询。"  # the problem page's message for a slow platform (ui.error.slow.citizen)
WAIT_S = 20.0


def ticket() -> Ticket:
    from datetime import datetime, timezone

    return Ticket(number="A012", service_prefix="A", service_name="综合受理", service_name_en="General",
                  state=TicketState.WAITING, issued_at=datetime.now(timezone.utc), tracking_code="T",
                  people_ahead=3)


# (name, what the guide is asked, the segments said, press: "click" or "key")
def prompts(guide: VoiceGuide) -> dict[str, list[tuple[str, object, tuple, str]]]:
    def page(name, **params):
        return lambda: guide.page(name, **params)

    number = ticket()
    tuned = [
        ("page home", page("home"), (Key("voice.page.home"),), "click"),
        ("page services", page("services"), (Key("voice.page.services"),), "click"),
        ("page confirm", page("confirm", service="综合受理"),
         (Key("voice.page.confirm", {"service": Text("综合受理")}),), "click"),
        ("number read", lambda: guide.ticket(number),
         (Key("voice.ticket.number", {"number": Code("A012")}), Key("voice.ticket.ahead", {"n": Count(3)}),
          Key("voice.page.result")), "click"),
        ("voice key on", None, (Key("voice.on"), Key("voice.page.home")), "key"),
    ]
    held_out = [
        ("page scan", page("scan"), (Key("voice.page.scan"),), "click"),
        ("page tracking", page("tracking"), (Key("voice.page.tracking"),), "click"),
        ("page guide", page("guide"), (Key("voice.page.guide"),), "click"),
        ("page problem", page("problem", detail=SLOW), (Key("voice.page.problem", {"detail": Text(SLOW)}),), "click"),
        ("page apply", page("apply"), (Key("voice.page.apply"),), "click"),
        ("call B107 → 12", lambda: guide.say_key("queue.call.announce", number=Code("B107"), window=Count(12)),
         (Key("queue.call.announce", {"number": Code("B107"), "window": Count(12)}),), "click"),
        ("focus 返回首页", lambda: guide.focus("返回首页"), (Text("返回首页"),), "click"),
    ]
    return {"tuned": tuned, "held-out": held_out}


def sentence(segments: tuple) -> str:
    """The whole sentence as the screen's text would read (the baseline synthesises it in one run)."""
    tr = Translator(LANGUAGE)

    def value(v):
        return v.text if isinstance(v, (Code, Text)) else str(v.n) if isinstance(v, Count) else str(v)

    return "".join(tr(s.key, **{k: value(v) for k, v in s.params.items()}) if isinstance(s, Key) else value(s)
                   for s in segments)


class Pad(QPushButton):
    """A button that also takes the voice key (F1), as the citizen window does (ui/citizen_voice.py)."""

    def __init__(self, on_key) -> None:
        super().__init__("press")
        self.on_key = on_key

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.key() == Qt.Key.Key_F1:
            self.on_key()
        else:
            super().keyPressEvent(event)


class Bench:
    def __init__(self, pack: Path, out: Path) -> None:
        engine = find_engine()
        self.sink = WavDirSink(out / "pack")
        self.voice = PackVoice(Renderer(VoicePack(pack), engine), self.sink, language=LANGUAGE, enabled=True)
        self.guide = VoiceGuide(self.voice, language=lambda: LANGUAGE, default_on=True)
        self.base_sink = WavDirSink(out / "baseline")
        self.baseline = PackVoice(Renderer(VoicePack(None), engine), self.base_sink, language=LANGUAGE,
                                  enabled=True, thread_name="voice-baseline")
        self.button = Pad(lambda: self.action())
        self.button.show()
        self.action = None
        self.button.clicked.connect(lambda: self.action())

    def press(self, how: str) -> float:
        start = time.monotonic()
        if how == "key":
            QTest.keyClick(self.button, Qt.Key.Key_F1)
        else:
            QTest.mouseClick(self.button, Qt.MouseButton.LeftButton)
        return start

    def once(self, action, how: str, voice: PackVoice, sink: WavDirSink) -> float:
        before = len(sink.played)
        self.action = action
        start = self.press(how)
        if not voice.wait_idle(WAIT_S) or len(sink.played) != before + 1:
            raise RuntimeError(f"the utterance was not played ({how})")
        if sink.played[-1].path.stat().st_size < 1000:
            raise RuntimeError("the utterance has no sound")
        return (sink.played[-1].at - start) * 1000

    def measure(self, name, action, segments, how, rounds: int) -> tuple[list[float], list[float], str]:
        ours, base = [], []
        for _ in range(rounds):
            if how == "key":  # the voice key: off → on ("voice on", then where the person is)
                self.voice.enabled = False
                self.guide.current_page = "home"
                action = self.guide.toggle
            ours.append(self.once(action, how, self.voice, self.sink))
            if self.voice.said[-1].segments != segments:
                raise RuntimeError(f"{name}: said {self.voice.said[-1].segments}, not {segments}")
            text = sentence(segments)
            base.append(self.once(lambda: self.baseline.say_segments([Text(text)]), how, self.baseline,
                                  self.base_sink))
        parts = plan(list(segments), LANGUAGE)
        recorded = sum(isinstance(p, Recording) and self.voice.renderer.pack.path(p, LANGUAGE) is not None
                       for p in parts)
        return ours, base, f"{recorded}/{len(parts)}"

    def close(self) -> None:
        self.voice.close()
        self.baseline.close()


def p95(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def report(title: str, rows: list[tuple[str, list[float], list[float], str]]) -> None:
    print(f"\n{title}")
    print(f"  {'prompt':<18} {'recorded':>8}  {'pack median':>11} {'p95':>7} {'max':>7}  {'espeak-ng median':>16} "
          f"{'p95':>7}  {'ratio':>6}")
    for name, ours, base, recorded in rows:
        ratio = statistics.median(base) / max(statistics.median(ours), 0.01)
        print(f"  {name:<18} {recorded:>8}  {statistics.median(ours):>9.1f}ms {p95(ours):>5.1f}ms {max(ours):>5.1f}ms"
              f"  {statistics.median(base):>14.1f}ms {p95(base):>5.1f}ms  {ratio:>5.1f}×")
    every_ours = [v for row in rows for v in row[1]]
    every_base = [v for row in rows for v in row[2]]
    verdict = "meets" if p95(every_ours) <= 300 else "MISSES"
    print(f"  all: pack p95 {p95(every_ours):.1f} ms ({verdict} the 300 ms goal), espeak-ng p95 {p95(every_base):.1f} ms,"
          f" ratio of medians {statistics.median(every_base) / max(statistics.median(every_ours), 0.01):.1f}×")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pack", help="a generated pack (default: build/voice-pack, else one generated now)")
    args = parser.parse_args()
    if find_engine() is None:
        print("voice latency: espeak-ng is not installed (the baseline and the pack need it)", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        pack = Path(args.pack) if args.pack else ROOT / "build" / "voice-pack"
        if not (pack / "manifest.json").is_file():
            pack = Path(tmp) / "pack"
            build_pack(pack, find_engine())
        bench = Bench(pack, Path(tmp))
        try:
            print(f"voice latency: press → first sound handed to the sink, {args.rounds} rounds, pack {pack}")
            for title, items in prompts(bench.guide).items():
                report(title, [(name, *bench.measure(name, action, segments, how, args.rounds))
                               for name, action, segments, how in items])
        finally:
            bench.close()
            app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
