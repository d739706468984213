"""Generates the default voice pack with espeak-ng (docs/voice.md, "The generated pack").

    python scripts/build_voice_pack.py [--out build/voice-pack] [--force]

Run by ./dev setup; kiosk.spec carries build/voice-pack into the frozen terminal. Exit codes: 0 built or
already up to date, 2 espeak-ng is not installed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devices.audio.build import build_pack  # noqa: E402  (after the path)
from devices.audio.engine import find_engine  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "build" / "voice-pack"))
    parser.add_argument("--force", action="store_true", help="render again even when it is up to date")
    args = parser.parse_args()
    engine = find_engine()
    if engine is None:
        print("voice pack: espeak-ng is not installed (apt-get install espeak-ng)", file=sys.stderr)
        return 2
    started = time.monotonic()
    written = build_pack(args.out, engine, force=args.force)
    if written:
        print(f"voice pack: {written} recordings in {args.out} ({time.monotonic() - started:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
