"""``kiosk diag voice``: the technician's speaker test: says what the kiosk or the hall display would say.

    kiosk diag voice (--text T | --call A012:3 | --key KEY) [--out FILE.wav] [--language zh_CN|en]
                     [--config FILE]

``--call A012:3`` is the display's announcement "请 A012 号到 3 号窗口办理", composed from the voice pack's
recordings as the display composes it; ``--key`` a fixed prompt (``voice.page.home``); ``--text`` any
sentence (one that a prompt renders to is said from the pack, anything else by espeak-ng). The sound
plays on the configured device (``[voice] sink`` and ``device`` of ``--config``: a headset jack is tested
this way) or, with ``--out``, is written to a WAV file. One line tells what was said and how: how many parts
came from recordings and how many from the speech engine, the sound's length, where it went.

Exit codes: 0 said (or written); 2 nothing could be said (no pack and no speech engine, free text without
an engine, no audio player, an unreadable configuration), with one clear line on stderr.
"""

from __future__ import annotations

import argparse
import sys
import time

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


def _segments(args: argparse.Namespace, renderer, language: str):
    from core.ports.voice import Code, Count, Key

    if args.call:
        number, _, window = args.call.partition(":")
        if not number.strip() or not window.strip().isdigit():
            return None
        return [Key("queue.call.announce", {"number": Code(number.strip()), "window": Count(int(window))})]
    if args.key:
        return [Key(args.key)]
    return renderer.segments_for_text(args.text, language)


def run(args: argparse.Namespace) -> int:
    from core.config import ConfigError, load
    from devices.audio import find_sink, open_renderer
    from devices.audio.compose import Recording, plan
    from devices.audio.wav import duration_s, to_wav
    from kiosk.voice import default_pack_dir

    try:
        cfg = load(args.config) if args.config else None
    except ConfigError as exc:
        return fail(f"the configuration cannot be read: {exc}")
    voice_cfg = cfg.voice if cfg is not None else VoiceConfig()
    language = args.language or (cfg.language if cfg is not None else "zh_CN")
    renderer = open_renderer(voice_cfg, default_pack_dir())
    if not renderer.can_speak():
        return fail(renderer.problem())
    segments = _segments(args, renderer, language)
    if segments is None:
        return fail(f"--call wants NUMBER:WINDOW (A012:3), not {args.call!r}")
    parts = plan(segments, language)
    recorded = sum(isinstance(p, Recording) and renderer.pack.path(p, language) is not None for p in parts)
    by_engine = len(parts) - recorded
    if by_engine and renderer.engine is None:
        return fail(renderer.problem())
    started = time.monotonic()
    sound = renderer.render(segments, language)
    took = time.monotonic() - started
    if not sound:
        return fail("nothing to say (an empty text, or the engine gave no sound)")
    if args.out:
        try:
            with open(args.out, "wb") as out:
                out.write(to_wav(sound))
        except OSError as exc:
            return fail(f"{args.out} cannot be written: {exc.strerror}")
        where = f"written to {args.out}"
    else:
        sink = find_sink(voice_cfg.sink, voice_cfg.device)
        if sink is None:
            return fail(_no_sink())
        sink.play(sound)
        where = f"played on {sink.name}"
    print(f"voice: {len(parts)} parts ({recorded} recorded, {by_engine} by the speech engine), "
          f"{duration_s(sound):.2f} s of sound rendered in {took * 1000:.0f} ms, {where}")
    return 0


def _no_sink() -> str:
    from core.i18n import Translator

    return Translator("en")("voice.problem.no_sink")
