"""Generates the voice pack (devices/audio/pack.py) with espeak-ng: every fixed prompt's pieces and every
digit, letter and number segment, in every language, each trimmed of its leading and trailing silence.

    python scripts/build_voice_pack.py [--out build/voice-pack]     (./dev setup runs it)

The manifest is written last, with a fingerprint of every recording's words and the engine's version: a
pack whose fingerprint matches is left as it is (setup stays quick), any change of a prompt's text renders
the whole pack again. A hall's own recordings live elsewhere (``[voice] hall_pack``) and are never touched.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from core.i18n import LANGUAGES
from core.services.voice_guide import PROMPT_KEYS
from devices.audio.compose import Recording, recordings
from devices.audio.engine import EspeakEngine
from devices.audio.pack import MANIFEST
from devices.audio.wav import RATE, to_wav, trim

FORMAT = 1


def plan_pack(keys: tuple[str, ...] = PROMPT_KEYS,
              languages: tuple[str, ...] = LANGUAGES) -> list[tuple[str, Recording]]:
    return [(language, r) for language in languages for r in recordings(keys, language)]


def fingerprint(work: list[tuple[str, Recording]], engine: EspeakEngine) -> str:
    digest = hashlib.sha256(f"{FORMAT} {RATE} {engine.version()} {engine.rate} {engine.volume}".encode())
    for language, recording in work:
        digest.update(f"\n{language}/{recording.name}={recording.words}".encode())
    return digest.hexdigest()


def current(out: Path, print_: str) -> bool:
    try:
        return json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("fingerprint") == print_
    except (OSError, ValueError):
        return False


def build_pack(out: str | Path, engine: EspeakEngine, *, keys: tuple[str, ...] = PROMPT_KEYS,
               languages: tuple[str, ...] = LANGUAGES, workers: int = 2, force: bool = False) -> int:
    """Renders the pack into ``out``; how many recordings were written (0: it was up to date)."""
    out = Path(out)
    work = plan_pack(keys, languages)
    print_ = fingerprint(work, engine)
    if not force and current(out, print_):
        return 0
    staging = out.with_name(out.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)

    def render(item: tuple[str, Recording]) -> None:
        language, recording = item
        path = staging / language / f"{recording.name}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(to_wav(trim(engine.synthesize(recording.words, language))))

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="voice-pack") as pool:
        list(pool.map(render, work))
    manifest = {"format": FORMAT, "rate": RATE, "engine": engine.version(), "languages": list(languages),
                "keys": list(keys), "recordings": len(work), "fingerprint": print_}
    (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    return len(work)
