"""Builds the pinyin keyboard's index, core/services/pinyin_index.tsv.gz (docs/keyboard.md).

    pip install jieba==0.42.1            # build time only: the terminal never imports jieba
    python scripts/build_pinyin_index.py [--dict path/to/jieba/dict.txt] [--min-frequency 10]

Sources, both MIT-licensed: jieba's word-frequency list ``dict.txt`` (word, count, part of speech) and
pypinyin's readings (its phrase dictionary picks the reading of a polyphonic character inside a word: 银行
is yin'hang, 长大 zhang'da). Characters take every reading pypinyin knows (41 000 characters, rare ones
included), plus the readings of ``SUPPLEMENT`` for characters pypinyin lacks (from the Unicode Unihan
database's kMandarin field). A character's frequency per reading is its jieba count shared out between its
readings in proportion to the square root of how often the words of the list read it so (长: cháng in 长期,
zhǎng in 校长): damped, because alone a character leans less on its in-word readings.

The output is reproducible: sorted lines, gzip without a time stamp. Each line is one syllable key and its
entries, most frequent first:

    bei'jing<TAB>北京 34488<TAB>背景 3342

and, from the people's names of the list (part of speech ``nr``), how often a character is a surname and
how often it stands in a given name, per reading (names counted once each):

    =surname:zhang<TAB>张 …        =given:wei<TAB>伟 …        =names<TAB>nr <summed counts of the names>
"""

from __future__ import annotations

import argparse
import gzip
import math
import re
from collections import defaultdict
from importlib import metadata
from pathlib import Path

from pypinyin import Style, lazy_pinyin
from pypinyin.contrib.tone_convert import to_normal
from pypinyin.pinyin_dict import pinyin_dict

OUTPUT = Path(__file__).resolve().parents[1] / "core" / "services" / "pinyin_index.tsv.gz"
# Characters names use that pypinyin has no reading for: Unihan kMandarin (U+20BB7 𠮷 jí, the 吉 of 𠮷野).
SUPPLEMENT = {"\U00020BB7": ("ji",)}
HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]+$")
SYLLABLE = re.compile(r"^[a-z]*[aeiouv][a-z]*$")  # a vowel: not the interjections m, n, ng, hm, hng


def readings() -> dict[str, tuple[str, ...]]:
    """Every character pypinyin knows with its toneless readings (ü written v), first reading first."""
    table: dict[str, tuple[str, ...]] = {}
    for code, marked in pinyin_dict.items():
        found: list[str] = []
        for reading in marked.split(","):
            plain = to_normal(reading.strip(), v_to_u=False)
            if SYLLABLE.match(plain) and plain not in found:
                found.append(plain)
        if found:
            table[chr(code)] = tuple(found)
    table.update(SUPPLEMENT)
    return table


def load_words(path: Path) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """jieba's list split into characters, words and people's names (part of speech ``nr``, two or three
    characters), all of Han characters only, with their counts."""
    chars: dict[str, int] = {}
    words: dict[str, int] = {}
    names: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split(" ")
        if len(parts) < 2 or not HAN.match(parts[0]):
            continue
        target = chars if len(parts[0]) == 1 else words
        target[parts[0]] = target.get(parts[0], 0) + int(parts[1])
        if len(parts) > 2 and parts[2] == "nr" and len(parts[0]) in (2, 3):
            names[parts[0]] = names.get(parts[0], 0) + int(parts[1])
    return chars, words, names


def name_keys(names: dict[str, int], keys: dict[str, dict[str, int]]) -> None:
    """In how many names each character is the surname and stands in the given name, per reading: keys
    ``=surname:zhang`` and ``=given:wei``. Names are counted once each, not by how often the text names them:
    the characters of people's names, not of the famous few."""
    keys["=names"]["nr"] = sum(names.values())  # how often the text names a person: a name's weight
    for name in names:
        syllables = lazy_pinyin(name, style=Style.NORMAL, errors=lambda _: ["?"])
        if len(syllables) != len(name) or not all(SYLLABLE.match(s) for s in syllables):
            continue
        for i, (char, syllable) in enumerate(zip(name, syllables)):
            key = f"={'given' if i else 'surname'}:{syllable}"
            keys[key][char] = keys[key].get(char, 0) + 1


def build(path: Path, min_frequency: int) -> dict[str, dict[str, int]]:
    table = readings()
    chars, words, names = load_words(path)
    keys: dict[str, dict[str, int]] = defaultdict(dict)
    usage: dict[tuple[str, str], int] = defaultdict(int)  # (character, reading) → summed word counts
    for word, count in words.items():
        syllables = lazy_pinyin(word, style=Style.NORMAL, errors=lambda _: ["?"])
        if len(syllables) != len(word) or not all(SYLLABLE.match(s) for s in syllables):
            continue
        for char, syllable in zip(word, syllables):
            usage[(char, syllable)] += count
        if count >= min_frequency:
            keys["'".join(syllables)][word] = count
    name_keys(names, keys)
    for char, options in table.items():
        count = chars.get(char, 0)
        # Damped (square root): alone, a character leans less on its in-word readings (长 alone is mostly
        # cháng though 校长, 成长 read zhǎng); a reading no word of the list uses still gets a share.
        weights = [math.sqrt(usage.get((char, s), 0) + 1) for s in options]
        for syllable, weight in zip(options, weights):
            share = weight / sum(weights)
            keys[syllable][char] = round(count * share)
    return keys


def write(keys: dict[str, dict[str, int]], output: Path, header: str) -> None:
    lines = [f"# {header}"]
    for key in sorted(keys):
        entries = sorted(keys[key].items(), key=lambda e: (-e[1], e[0]))
        lines.append("\t".join([key, *(f"{text} {count}" for text, count in entries)]))
    data = ("\n".join(lines) + "\n").encode("utf-8")
    with open(output, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as packed:
        packed.write(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dict", type=Path, help="jieba's dict.txt (default: the installed jieba's)")
    parser.add_argument("--min-frequency", type=int, default=10, help="words counted fewer times are left out")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    path = args.dict
    if path is None:
        import jieba  # build time only
        path = Path(jieba.__file__).parent / "dict.txt"
    versions = f"jieba {metadata.version('jieba')}, pypinyin {metadata.version('pypinyin')}"
    keys = build(path, args.min_frequency)
    write(keys, args.output, f"pinyin index from {versions}; words counted >= {args.min_frequency} times")
    print(f"{args.output}: {len(keys)} keys, {args.output.stat().st_size} bytes")


if __name__ == "__main__":
    main()
