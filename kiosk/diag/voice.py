"""``kiosk diag voice``: the technician's speaker test: says what the kiosk or the hall display would say.

    kiosk diag voice (--text T | --call A012:3 | --key KEY) [--out FILE.wav] [--language zh_CN|en]
                     [--config FILE]

``--call A012:3`` is the display's announcement "请 A012 号到 3 号窗口办理", composed from the voice pack's
recordings as the display composes it; ``--key`` a fixed prompt (``voice.page.home``); ``--text`` any
sentence (one that a prompt renders to is said from the pack, anything else by espeak-ng). The sound
plays on the configured device (``[voice] sink`` and ``device`` of ``--config``: a headset jack is tested
this way) or, with ``--out``, is written to a WAV file. One line tells what was said and how: how many parts
came from recordings and how many from the speech engine, the sound's length, where it went; a second line
names what the machine lacks when it said it anyway (no speech engine, but every part recorded).

Exit codes: 0 said (or written); 2 nothing could be said (no pack and no speech engine, free text without
an engine, no audio player, an unreadable configuration), with one clear line on stderr.
"""

from __future__ import annotations

import argparse
import sys

from core.config_voice import VoiceConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("voice", help="say a text or a call announcement through the voice (speaker test)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--text", help="a sentence to say")
    what.add_argument("--call", help="a call announcement, NUMBER:WINDOW (A012:3)")
    what.add_argument("--key", help="a fixed prompt's message key (voice.page.home)")
    p.add_argument("--out", help="write the sound to this WAV file instead of playing it")
    p.add_argument("--language", choices=("zh_CN", "en"), help="default: the configuration's, else zh_CN")
    p.add_argument("--config", help="the terminal's TOML: its [voice] section (default: the defaults)")
    p.set_defaults(func=run)


def fail(line: str) -> int:
    print(f"voice: {line}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from core.config import ConfigError, load
    from core.ports.voice import Key
    from kiosk.voice import call_segments, speak_once

    try:
        cfg = load(args.config) if args.config else None
    except ConfigError as exc:
        return fail(f"the configuration cannot be read: {exc}")
    language = args.language or (cfg.language if cfg is not None else "zh_CN")
    segments = None
    if args.call:
        number, _, window = args.call.partition(":")
        if not number.strip() or not window.strip().isdigit():
            return fail(f"--call wants NUMBER:WINDOW (A012:3), not {args.call!r}")
        segments = call_segments(number.strip(), int(window))
    elif args.key:
        segments = [Key(args.key)]
    report = speak_once(cfg.voice if cfg is not None else VoiceConfig(), segments, language,
                        text=args.text or "", out=args.out or "")
    if not report.said:
        return fail(report.problem)
    print(f"voice: {report.parts} parts ({report.recorded} recorded, {report.parts - report.recorded} by the speech "
          f"engine), {report.seconds:.2f} s of sound rendered in {report.render_ms:.0f} ms, {report.where}")
    if report.problem:
        print(f"voice: note: {report.problem}")
    return 0
