"""Pinyin keyboard figure: candidates per keystroke, and where the word meant comes among them.

    .venv/bin/python bench/pinyin_ime.py                 # every word of both sets, letter by letter
    .venv/bin/python bench/pinyin_ime.py --repeat 3      # more samples per keystroke

Ours is ``core.services.pinyin_ime.PinyinEngine`` (syllable splits, then lookups keyed by syllables and by
initials); its answer cache is emptied before every keystroke, so each one is computed. The baseline is
``plain_scan``, the textbook way: for every keystroke, go through every entry of the same index and keep
those whose pinyin starts with the letters typed or whose initials are the letters, most frequent first. The
figures are per-keystroke times (CPU time of the thread, ``time.thread_time``: the machine is shared), the
ratio baseline / ours (goal: ours ≥ 10× faster, p99 ≤ 20 ms), and for each word typed in full pinyin and
by its initials, how often it is the first candidate and how often it is on the bar's first page (6).

Two sets of words, printed separately:
- *tuned*: the words the engine's ranking was looked at with while it was built (北京, 西安, 身份证…);
- *held-out*: every place name of core/domain/regions.py (GB/T 2260: provinces, Jiangsu's cities,
  Nanjing's districts), typed from pypinyin's reading of the name; nothing was tuned on them.

Then the hard inputs, times only: a long sentence, initials, letters that are no pinyin, one letter, and the
longest composition (``MAX_INPUT`` letters and more), each typed letter by letter; the slowest keystroke
there is the one a citizen would feel.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pypinyin import Style, lazy_pinyin  # noqa: E402

from core.domain.regions import REGIONS  # noqa: E402
from core.services.pinyin_ime import MAX_INPUT, PinyinEngine  # noqa: E402

TUNED = ["北京", "西安", "身份证", "北京市", "中国", "张", "绿", "方案", "反感", "先", "户口", "营业执照",
         "地址", "工作单位", "联系电话", "申请", "居住证", "社会保障卡", "结婚", "中华人民共和国"]
PAGE = 6
HARD = ["zhonghuarenmingongheguo", "bjs", "xyzqw", "y", "shenfenzhenghaoma", "a" * (MAX_INPUT + 10),
        "zhangiiiiiiiiii", "xi'an'shi'"]


def plain_scan(entries: list[tuple[str, str, str, int]], letters: str) -> list[str]:
    """Every entry (word, joined pinyin, initials, frequency) whose pinyin starts with the letters or whose
    initials are the letters, most frequent first."""
    found = [(freq, word) for word, joined, initials, freq in entries
             if joined.startswith(letters) or initials == letters]
    return [word for _, word in sorted(found, key=lambda e: -e[0])]


def flatten(engine: PinyinEngine) -> list[tuple[str, str, str, int]]:
    return [(word, key.replace("'", ""), "".join(s[0] for s in key.split("'")), freq)
            for key, words in engine._exact.items() for word, freq in words]


def timed(fn, *args, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.thread_time()
        result = fn(*args)
        best = min(best, time.thread_time() - start)
    return best, result


def ours(engine: PinyinEngine, letters: str) -> list[str]:
    engine._cache.clear()
    return [c.text for c in engine.candidates(letters)]


def run(name: str, words: list[str], engine: PinyinEngine, entries, repeat: int) -> None:
    our_times, base_times = [], []
    hits = {"full": [0, 0], "initials": [0, 0]}
    for word in words:
        syllables = lazy_pinyin(word, style=Style.NORMAL)
        for kind, letters in (("full", "".join(syllables)), ("initials", "".join(s[0] for s in syllables))):
            for end in range(1, len(letters) + 1):
                t_ours, found = timed(ours, engine, letters[:end], repeat=repeat)
                t_base, _ = timed(plain_scan, entries, letters[:end], repeat=1)
                our_times.append(t_ours)
                base_times.append(t_base)
            hits[kind][0] += found[:1] == [word]
            hits[kind][1] += word in found[:PAGE]
    n = len(words)
    p = statistics.quantiles(our_times, n=100)
    print(f"{name}: {n} words, {len(our_times)} keystrokes")
    print(f"  ours     p50 {statistics.median(our_times) * 1000:6.2f} ms  p99 {p[98] * 1000:6.2f} ms  "
          f"max {max(our_times) * 1000:6.2f} ms")
    print(f"  baseline p50 {statistics.median(base_times) * 1000:6.2f} ms  (plain scan of {len(entries)} entries)")
    print(f"  ratio baseline/ours (sum of keystrokes): {sum(base_times) / max(sum(our_times), 1e-9):6.1f}×")
    for kind, (first, page) in hits.items():
        print(f"  {kind:8s} first {first}/{n} ({first / n:.0%})  on the first page {page}/{n} ({page / n:.0%})")


def run_hard(engine: PinyinEngine, entries, repeat: int) -> None:
    our_times, base_times = [], []
    for letters in HARD:
        for end in range(1, len(letters) + 1):
            our_times.append(timed(ours, engine, letters[:end], repeat=repeat)[0])
            base_times.append(timed(plain_scan, entries, letters[:end], repeat=1)[0])
    p = statistics.quantiles(our_times, n=100)
    print(f"hard inputs: {len(HARD)} inputs, {len(our_times)} keystrokes")
    print(f"  ours     p50 {statistics.median(our_times) * 1000:6.2f} ms  p99 {p[98] * 1000:6.2f} ms  "
          f"max {max(our_times) * 1000:6.2f} ms")
    print(f"  baseline p50 {statistics.median(base_times) * 1000:6.2f} ms")
    print(f"  ratio baseline/ours (sum of keystrokes): {sum(base_times) / max(sum(our_times), 1e-9):6.1f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="samples per keystroke (the fastest counts)")
    args = parser.parse_args()
    start = time.perf_counter()
    engine = PinyinEngine.load()
    print(f"index loaded in {time.perf_counter() - start:.2f} s (wall clock)")
    entries = flatten(engine)
    run("tuned", TUNED, engine, entries, args.repeat)
    held_out = sorted({name for name, _ in REGIONS.values()})
    run("held-out (GB/T 2260 place names)", held_out, engine, entries, args.repeat)
    run_hard(engine, entries, args.repeat)


if __name__ == "__main__":
    main()
