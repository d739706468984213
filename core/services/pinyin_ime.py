"""Pinyin input for the on-screen keyboard: typed letters in, ranked Chinese candidates out (docs/keyboard.md).

    engine = PinyinEngine.shared()              # loads core/services/pinyin_index.tsv.gz once (about 1 s)
    engine.candidates("beijing")[0]             # Candidate(text="北京", consumed=7)
    engine.candidates("bjs")[0].text            # "北京市": initials of common words
    engine.spelled("xian")                      # "xian": the best syllable split, shown while composing

    composer = Composer(engine)                 # the state of one composition
    for letter in "zhangsan":
        composer.type(letter)
    composer.pick(0)                            # None: 张 is held, "san" is still to choose
    composer.pick(0)                            # "张三": everything consumed, the text to commit

How it reads the letters: the input (a–z, ``v`` or ``ü`` for ü, ``'`` to force a syllable boundary) is split
into tokens, each a whole syllable, a lone initial (``b``, ``zh``: an abbreviation) or, at the end only, the
start of a syllable still being typed; the splits with the fewest incomplete tokens are kept (``xian`` is
both 先 and 西安; ``fangan`` both 方案 and 反感). Candidates:

1. words and characters that cover the whole input, the last syllable possibly still being typed
   (``beijin`` gives 北京), a run of words when no single word covers it (工作单位), a person's name for
   two or three syllables (张三), ranked by frequency;
2. then words and characters covering its first syllables only, longest first: choosing one consumes those
   syllables and the candidates follow for the rest;
3. last, the letters themselves, so any input (``xyzq``, an English word) can still be committed.

Every character pypinyin knows is offered for each of its readings, rare ones (䶮 yan, 𠮷 ji) after
common ones. The index is built by scripts/build_pinyin_index.py from jieba's frequencies and pypinyin's
readings.
"""

from __future__ import annotations

import gzip
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from importlib import resources

INDEX_FILE = "pinyin_index.tsv.gz"
MAX_INPUT = 64  # letters of one composition; more are ignored (a name or an address is far shorter)
INITIALS = frozenset("b p m f d t n l g k h j q x r z c s y w zh ch sh".split())
_BEAM = 8  # partial splits kept per position
_SPLITS = 6  # splits whose candidates are gathered
_EXTENDED = 20  # a word whose last syllable only starts with the typed one counts 1/20 of its frequency
_CACHE = 256
_SPAN = 8  # syllables of one word in a composed sentence
_OPEN = 300  # matches kept for tokens that are not whole syllables (b, zh, zho): the rest by typing more


@dataclass(frozen=True)
class Candidate:
    """A choice for the letters typed: ``text`` covers the first ``consumed`` characters of the input."""

    text: str
    consumed: int
    frequency: int = 0


@dataclass(frozen=True, order=True)
class _Token:
    text: str
    end: int  # index in the input just after this token (and an apostrophe after it)
    complete: bool  # a whole syllable; otherwise an initial or the start of the last syllable


class PinyinEngine:
    """The candidates for typed pinyin, from an index of syllable keys (``bei'jing``) to their words."""

    _shared: PinyinEngine | None = None
    _shared_lock = threading.Lock()

    def __init__(self, entries: dict[str, list[tuple[str, int]]]) -> None:
        # "=surname:zhang", "=given:wei" → the characters of people's names; "=names" → their weight
        names = {key: entries[key] for key in entries if key.startswith("=")}
        entries = {key: words for key, words in entries.items() if not key.startswith("=")}
        self._names = names
        self._name_weight = sum(f for _, f in names.get("=names", ()))
        self._surname_total = sum(f for k, v in names.items() if k.startswith("=surname:") for _, f in v) or 1
        self._given_total = sum(f for k, v in names.items() if k.startswith("=given:") for _, f in v) or 1
        self._exact = entries  # "bei'jing" → [(北京, 34488), …], most frequent first
        self.syllables = frozenset(key for key in entries if "'" not in key)
        self._prefixes = frozenset(s[:i] for s in self.syllables for i in range(1, len(s) + 1))
        self._by_initials: dict[str, list[tuple[str, tuple[str, ...], int]]] = {}
        for key, words in entries.items():
            if "'" in key:
                syllables = tuple(key.split("'"))
                bucket = self._by_initials.setdefault("".join(s[0] for s in syllables), [])
                bucket.extend((word, syllables, freq) for word, freq in words)
        for bucket in self._by_initials.values():
            bucket.sort(key=lambda entry: -entry[2])
        self._total = sum(f for words in entries.values() for _, f in words) or 1
        self.longest = max((len(key.split("'")) for key in entries), default=1)
        self._char_prefix_cache: dict[str, list[tuple[str, str, int]]] = {}
        self._cache: OrderedDict[str, list[Candidate]] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def load(cls) -> PinyinEngine:
        """Reads the index shipped with the package (blocking, about a second: call it off the GUI thread)."""
        raw = resources.files(__package__).joinpath(INDEX_FILE).read_bytes()
        entries: dict[str, list[tuple[str, int]]] = {}
        for line in gzip.decompress(raw).decode("utf-8").splitlines():
            if not line or line.startswith("#"):
                continue
            key, *items = line.split("\t")
            entries[key] = [(text, int(freq)) for text, _, freq in (item.rpartition(" ") for item in items)]
        return cls(entries)

    @classmethod
    def shared(cls) -> PinyinEngine:
        """One engine per process, loaded at first use (every keyboard shares it)."""
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls.load()
            return cls._shared

    @classmethod
    def loaded(cls) -> PinyinEngine | None:
        """The shared engine if it is loaded already, else None (never blocks)."""
        return cls._shared

    # ------------------------------------------------------------------ reading the letters

    @staticmethod
    def normalise(text: str) -> str:
        """Lower case, ü (and u:) written v, at most ``MAX_INPUT`` characters."""
        return text.lower().replace("ü", "v").replace("u:", "v")[:MAX_INPUT]

    def splits(self, text: str) -> list[list[_Token]]:
        """The best ways to split ``text`` into tokens (fewest incomplete tokens, then fewest tokens); the
        longest start that can be split when the rest cannot (``zhangiii`` → zhang)."""
        text = self.normalise(text)
        beams: list[list[tuple[int, int, tuple[_Token, ...]]]] = [[] for _ in range(len(text) + 1)]
        beams[0] = [(0, 0, ())]
        for start in range(len(text)):
            if not beams[start]:
                continue
            if text[start] == "'":
                self._keep(beams, start + 1, beams[start])
                continue
            for end in range(start + 1, min(start + 6, len(text)) + 1):
                piece = text[start:end]
                if "'" in piece:
                    break
                last = end == len(text) or text[end:].strip("'") == ""
                complete = piece in self.syllables
                if not (complete or piece in INITIALS or (last and piece in self._prefixes)):
                    continue
                stop = end + len(text[end:]) - len(text[end:].lstrip("'"))
                token = _Token(piece, stop, complete)
                self._keep(beams, stop, [(bad + (not complete), n + 1, toks + (token,))
                                         for bad, n, toks in beams[start]])
        reached = next((i for i in range(len(text), 0, -1) if beams[i]), 0)
        if not reached:
            return []
        best = min(bad for bad, _, _ in beams[reached])
        return [list(toks) for bad, _, toks in sorted(beams[reached])[:_SPLITS] if bad == best]

    @staticmethod
    def _keep(beams: list, at: int, found: list) -> None:
        merged = {toks: (bad, n, toks) for bad, n, toks in beams[at] + found}
        beams[at] = sorted(merged.values())[:_BEAM]

    def spelled(self, text: str) -> str:
        """The input as the best split reads it, syllables apart (``xian`` → ``xian``, ``bjs`` → ``b j s``),
        the letters no split reaches after them."""
        splits = self.splits(text)
        text = self.normalise(text)
        if not splits:
            return text
        tokens = splits[0]
        return " ".join([t.text for t in tokens] + ([text[tokens[-1].end:]] if tokens[-1].end < len(text) else []))

    # ------------------------------------------------------------------ candidates

    def candidates(self, text: str) -> list[Candidate]:
        """Every candidate for ``text``, best first (module docstring); the letters themselves last."""
        text = self.normalise(text)
        if not text:
            return []
        with self._lock:
            if text in self._cache:
                self._cache.move_to_end(text)
                return self._cache[text]
        found = self._gather(text)
        with self._lock:
            self._cache[text] = found
            while len(self._cache) > _CACHE:
                self._cache.popitem(last=False)
        return found

    def _gather(self, text: str) -> list[Candidate]:
        best: dict[tuple[str, int], tuple[float, int]] = {}
        sentences, names = [], []
        for tokens in self.splits(text):
            reaches_end = tokens[-1].end >= len(text)  # else the letters after it read as no pinyin
            for k in range(min(len(tokens), self.longest), 0, -1):
                open_last = k == len(tokens) and reaches_end
                consumed = tokens[k - 1].end
                for word, freq, score in self._matches(tuple(tokens[:k]), open_last=open_last):
                    if best.get((word, consumed), (-1.0, 0))[0] < score:
                        best[(word, consumed)] = (score, freq)
            if reaches_end:
                sentences.append(self._sentence(tokens))
                names.append(self._person(tokens))
        # A run of words only when no single word covers the input: the likeliest split's.
        sentence = max(filter(None, sentences), key=lambda s: s[1], default=None)
        if sentence is not None and not any(consumed == len(text) for _, consumed in best):
            best[(sentence[0], len(text))] = (sentence[1], 0)
        name = max(filter(None, names), key=lambda s: s[1], default=None)
        if name is not None and (name[0], len(text)) not in best:
            best[(name[0], len(text))] = (name[1], 0)
        ranked = sorted(best.items(), key=lambda item: (-item[0][1], -item[1][0]))
        found = [Candidate(word, consumed, freq) for (word, consumed), (_, freq) in ranked]
        letters = text.replace("'", "")
        if letters and not any(c.text == letters for c in found):
            found.append(Candidate(letters, len(text)))
        return found

    def _sentence(self, tokens: list[_Token]) -> tuple[str, float] | None:
        """The likeliest run of two or more words covering all the tokens (工作 + 单位 for
        gongzuodanwei), with the frequency a single word that likely would have; None if a single word
        is likelier or a token before the last is not a whole syllable."""  # offered when no word covers all
        if len(tokens) < 2 or not all(t.complete for t in tokens[:-1]):
            return None
        n = len(tokens)
        paths: list[tuple[float, str, int] | None] = [(0.0, "", 0)] + [None] * n  # log-prob, text, words
        for end in range(1, n + 1):
            for start in range(max(0, end - min(self.longest, _SPAN)), end):
                if paths[start] is None:
                    continue
                matches = self._matches(tuple(tokens[start:end]), open_last=end == n)
                if not matches:
                    continue
                word, _, score = max(matches, key=lambda m: m[2])
                logp = paths[start][0] + math.log((score + 1) / self._total)
                if paths[end] is None or logp > paths[end][0]:
                    paths[end] = (logp, paths[start][1] + word, paths[start][2] + 1)
        final = paths[n]
        if final is None or final[2] < 2:
            return None
        return final[1], math.exp(final[0]) * self._total

    def _person(self, tokens: list[_Token]) -> tuple[str, float] | None:
        """A person's name for two or three whole syllables (张伟 for zhangwei): the likeliest surname, then
        the likeliest given-name characters, with the frequency the names of the word list give it
        (their weight × P(surname) × P(each given character))."""
        if len(tokens) not in (2, 3) or not all(t.complete for t in tokens) or not self._name_weight:
            return None
        surnames = self._names.get(f"=surname:{tokens[0].text}")
        given = [self._names.get(f"=given:{t.text}") for t in tokens[1:]]
        if not surnames or not all(given):
            return None
        text, likelihood = surnames[0][0], surnames[0][1] / self._surname_total
        for options in given:
            text += options[0][0]
            likelihood *= options[0][1] / self._given_total
        return text, self._name_weight * likelihood

    def _matches(self, tokens: tuple[_Token, ...], open_last: bool) -> list[tuple[str, int, float]]:
        """Words of ``len(tokens)`` syllables matching the tokens: (word, frequency, score). A complete
        token matches its syllable exactly, an initial any syllable it starts; when ``open_last``, a complete
        last token also matches the syllables it starts, at a fraction of their frequency."""
        all_complete = all(t.complete for t in tokens)
        exact = [(w, f, float(f)) for w, f in self._exact.get("'".join(t.text for t in tokens), ())] \
            if all_complete else []
        last = tokens[-1]
        extend = open_last and last.complete and len(tokens) > 1
        if all_complete and not extend:
            return exact
        if len(tokens) == 1:  # characters: a complete syllable is not extended (ji is not jia, jin…)
            return exact or [(c, f, float(f)) for c, _, f in self._chars_starting(last.text)[:_OPEN]]
        found = []
        for word, syllables, freq in self._by_initials.get("".join(t.text[0] for t in tokens), ()):
            ok = all(s == t.text if t.complete else s.startswith(t.text) for s, t in zip(syllables, tokens[:-1]))
            if not ok or not syllables[-1].startswith(last.text):
                continue
            if not last.complete:
                found.append((word, freq, float(freq)))
            elif syllables[-1] != last.text:  # extended (the exact ones are in ``exact`` or below)
                found.append((word, freq, freq / _EXTENDED))
            elif not all_complete:
                found.append((word, freq, float(freq)))
            if len(found) >= _OPEN:
                break
        return exact + found

    def _chars_starting(self, prefix: str) -> list[tuple[str, str, int]]:
        """Characters whose reading starts with ``prefix``: (character, syllable, frequency)."""
        with self._lock:
            cached = self._char_prefix_cache.get(prefix)
        if cached is None:
            cached = sorted(((c, s, f) for s in self.syllables if s.startswith(prefix)
                             for c, f in self._exact[s]), key=lambda e: -e[2])
            with self._lock:
                self._char_prefix_cache[prefix] = cached
        return cached


class Composer:
    """One composition: the letters typed, the candidates picked so far, the text committed at the end."""

    def __init__(self, engine: PinyinEngine | None) -> None:
        self.engine = engine
        self.letters = ""
        self._picks: list[tuple[str, int]] = []  # (text, letters consumed)

    @property
    def composing(self) -> bool:
        return bool(self.letters)

    @property
    def picked(self) -> str:
        return "".join(text for text, _ in self._picks)

    @property
    def remaining(self) -> str:
        return self.letters[sum(n for _, n in self._picks):]

    def preedit(self) -> str:
        """What the candidate bar shows: the characters picked, then the pinyin still to choose."""
        rest = self.remaining
        spelled = self.engine.spelled(rest) if self.engine is not None else rest
        return self.picked + spelled.replace(" ", "'")

    def candidates(self) -> list[Candidate]:
        rest = self.remaining
        if not rest:
            return []
        if self.engine is None:
            return [Candidate(rest.replace("'", ""), len(rest))]
        return self.engine.candidates(rest)

    def type(self, letter: str) -> bool:
        """Adds a letter (a–z, v/ü, '); False when the composition is full or the character is no letter."""
        letter = letter.lower().replace("ü", "v")
        if len(letter) != 1 or not ("a" <= letter <= "z" or letter == "'") or len(self.letters) >= MAX_INPUT:
            return False
        if letter == "'" and (not self.remaining or self.letters.endswith("'")):
            return False
        self.letters += letter
        return True

    def backspace(self) -> bool:
        """Removes the last letter (a pick whose letters are all that is left is undone); False when there
        was nothing to edit, so the field itself should take the backspace."""
        if not self.letters:
            return False
        self.letters = self.letters[:-1]
        while self._picks and sum(n for _, n in self._picks) >= len(self.letters):
            self._picks.pop()
        return True

    def clear(self) -> None:
        self.letters = ""
        self._picks.clear()

    def pick(self, index: int) -> str | None:
        """Chooses candidate ``index``: the text to commit once the whole input is consumed, else None."""
        options = self.candidates()
        if not 0 <= index < len(options):
            return None
        chosen = options[index]
        self._picks.append((chosen.text, chosen.consumed))
        if self.remaining.strip("'"):
            return None
        return self.finish()

    def finish(self) -> str:
        """Ends the composition: the picked characters and the letters not chosen yet, as typed."""
        text = self.picked + self.remaining.replace("'", "")
        self.clear()
        return text
