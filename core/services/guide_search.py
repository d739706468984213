"""Finding a matter (办事指南) the way citizens search: by characters, full pinyin, or initials.

A kiosk has no keyboard: citizens type a few letters on an on-screen pad, usually the initials of the
syllables (不动产登记 → ``bdcdj``), sometimes the full pinyin (``budongchan``), or the characters through an
input method. Polyphones must match every reading (重 chóng/zhòng, 行 xíng/háng): a citizen who types
``zq`` for 重庆 is as right as one who types ``cq``. docs/guide.md gives the rules with their sources.

    index = GuideIndex([Entry("320100-XK-0001", "不动产登记", "自然资源局"), …], synonyms={"生孩子": "出生"})
    index.search("bdcdj")          # [Hit(code, name, department, score, how), …], best first

How it is fast: every searchable text is turned once, when the index is built, into *suffix keys*: for each
position in the name, the characters from there on, their initials and their full pinyin, with every
reading of a polyphone (bounded, see ``MAX_READINGS``). The keys sit in one sorted list per kind, so a query
is a binary search for the keys that start with it, then a walk over that range only. A key from position 0
is a prefix match; from a later position, a match inside the name.

Ranking (higher is better): the exact name, then a name that starts with the query, then the query inside
the name, then a hit in the department, theme or keywords; characters rank a little above pinyin of the
same kind, and full pinyin above initials; ties go to the shorter name, then the code.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache

# Every reading of a character is kept, but a name's key variants grow as the product of its polyphones'
# readings: past this many variants of one suffix, only the first (most common) reading of the remaining
# polyphones is used. 32 covers five two-reading characters in a row, more than any matter name holds.
MAX_READINGS = 32
# Suffix keys are cut to this many characters: nobody types more than this on a letter pad, and a longer
# query is still matched by its first MAX_KEY characters and then checked in full.
MAX_KEY = 24
MAX_QUERY = 64

SCORE_EXACT = 100
SCORE_PREFIX = 80
SCORE_INSIDE = 60
SCORE_OTHER_FIELD = 30
# Within one kind of match: characters, then full pinyin, then initials.
KIND_BONUS = {"chars": 6, "pinyin": 3, "initials": 0}


@dataclass(frozen=True)
class Entry:
    """One matter as the search sees it: its code, name, department and other words people use for it."""

    code: str
    name: str
    department: str = ""
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    code: str
    name: str
    department: str
    score: int
    how: str  # e.g. "initials prefix": which kind of key matched, and where

    def as_json(self) -> dict:
        return {"code": self.code, "name": self.name, "department": self.department, "score": self.score}


def normalise(text: str) -> str:
    """Full-width letters and digits to half-width (NFKC), lower case, no spaces or punctuation."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if ch.isalnum())


@cache
def _pypinyin():
    """pypinyin, imported on first use: its dictionaries take a quarter of a second and tens of megabytes
    to load, which the kiosk spends when it builds the index on a worker, not while it starts."""
    import pypinyin

    return pypinyin


def pinyin(text: str, **options):
    """pypinyin's ``pinyin`` in its NORMAL style (no tones), with the options given."""
    lib = _pypinyin()
    return lib.pinyin(text, style=lib.Style.NORMAL, **options)


@lru_cache(maxsize=65536)
def readings(ch: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(full pinyin readings, first letters) of one character, most common first; a character pypinyin does
    not know (a letter, a digit, a rare character) reads as itself."""
    if not ("\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0003134f" or "\uf900" <= ch <= "\ufaff"):
        return (ch,), (ch,)
    full = pinyin(ch, heteronym=True, errors=lambda c: [c])[0]
    full = tuple(dict.fromkeys(r.replace("ü", "v") for r in full if r))
    if not full or full == (ch,):
        return (ch,), (ch,)
    # The first letter of each reading (Style.FIRST_LETTER's rule: y and w count as initials, which the
    # INITIALS style would drop).
    return full, tuple(dict.fromkeys(r[0] for r in full))


def _phrase_readings(text: str) -> list[str]:
    """The reading pypinyin's phrase dictionary gives each character of ``text`` in context (重庆 → chong)."""
    return [r[0].replace("ü", "v") if r and r[0] else ch
            for ch, r in zip(text, pinyin(text, errors=lambda c: list(c)))]


def _variants(options: list[tuple[str, ...]], limit: int) -> Iterable[str]:
    """Concatenations of one option per position, the first options first, at most ``limit`` of them."""
    return ("".join(choice) for choice in itertools.islice(itertools.product(*options), limit))


def _key_options(text: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """Per character of ``text``: its full pinyin options and its initial options, the reading in context
    first."""
    in_context = _phrase_readings(text)
    full, initials = [], []
    for ch, preferred in zip(text, in_context):
        f, i = readings(ch)
        full.append(tuple(dict.fromkeys((preferred, *f))) if preferred != ch else f)
        initials.append(tuple(dict.fromkeys((preferred[0], *i))) if preferred != ch else i)
    return full, initials


# Where a key matched: the whole key from the start of the text, the start of the text, or inside it.
EXACT, START, INSIDE = 2, 1, 0
# The score of a hit by kind of key and where it matched (indexed by INSIDE, START, EXACT), and back from a
# score to words for the hit's ``how``. Full pinyin or initials equal to the whole name rank below the name
# typed in characters, but above any prefix.
_SCORES = {kind: (SCORE_INSIDE + bonus, SCORE_PREFIX + bonus, SCORE_EXACT + bonus - (0 if kind == "chars" else 10))
           for kind, bonus in KIND_BONUS.items()}
_HOW = {score: f"{kind} {where}" for kind, row in _SCORES.items()
        for where, score in zip(("inside", "prefix", "exact"), row)}
_HOW[SCORE_OTHER_FIELD] = "department or keyword"
# Queries up to this long are answered from a table filled while the index is built: on a letter pad the
# first one or two letters match a large part of the catalogue, and walking those keys would be the slowest
# query of all.
SHORT = 2


@dataclass
class _Keys:
    """One kind of key: a sorted list of (key, entry, where) for binary search, and the short-query table."""

    keys: list[str] = field(default_factory=list)
    refs: list[tuple[int, int]] = field(default_factory=list)
    short: dict[str, dict[int, int]] = field(default_factory=dict)
    _pending: list[tuple[str, int, int]] = field(default_factory=list)

    def add(self, key: str, entry: int, at_start: bool) -> None:
        if not key:
            return
        where = START if at_start else INSIDE
        self._pending.append((key[:MAX_KEY], entry, where))
        for n in range(1, min(SHORT, len(key)) + 1):
            found = EXACT if at_start and n == len(key) else where
            table = self.short.setdefault(key[:n], {})
            if table.get(entry, -1) < found:
                table[entry] = found

    def freeze(self) -> None:
        self._pending.sort()
        self.keys = [k for k, _, _ in self._pending]
        self.refs = [(e, w) for _, e, w in self._pending]
        self._pending = []

    def ranges(self, query: str) -> tuple[int, int, int]:
        """(lo, equal_end, hi): keys[lo:hi] start with ``query``; keys[lo:equal_end] are ``query`` itself."""
        probe = query[:MAX_KEY]
        lo = bisect.bisect_left(self.keys, probe)
        equal_end = bisect.bisect_right(self.keys, probe, lo)
        return lo, equal_end, bisect.bisect_left(self.keys, probe + "\U0010ffff", equal_end)


class GuideIndex:
    """The search index over a hall's matters; built once when the catalogue changes, then read-only."""

    def __init__(self, entries: Iterable[Entry], *, synonyms: Mapping[str, str] | None = None) -> None:
        self.entries: list[Entry] = list(entries)
        self.synonyms = {normalise(k): v for k, v in (synonyms or {}).items() if normalise(k)}
        self._names = [normalise(e.name) for e in self.entries]
        self._kinds = {kind: _Keys() for kind in ("chars", "pinyin", "initials")}
        self._other = _Keys()  # department, keywords: characters and initials, ranked below the name
        for n, entry in enumerate(self.entries):
            self._add_text(n, self._names[n], name=True)
            for word in (entry.department, *entry.keywords):
                self._add_text(n, normalise(word), name=False)
        for keys in (*self._kinds.values(), self._other):
            keys.freeze()

    def _add_text(self, n: int, text: str, *, name: bool) -> None:
        if not text:
            return
        full, initials = _key_options(text)
        for start in range(len(text)):
            at_start = start == 0
            chars = text[start:]
            if name:
                self._kinds["chars"].add(chars, n, at_start)
                for key in _variants(full[start:start + MAX_KEY], MAX_READINGS):
                    self._kinds["pinyin"].add(key, n, at_start)
                for key in _variants(initials[start:start + MAX_KEY], MAX_READINGS):
                    self._kinds["initials"].add(key, n, at_start)
            else:
                self._other.add(chars, n, False)
                for key in _variants(initials[start:start + MAX_KEY], MAX_READINGS):
                    self._other.add(key, n, False)

    def __len__(self) -> int:
        return len(self.entries)

    def search(self, query: str, *, limit: int = 20) -> list[Hit]:
        """The matters that match ``query``, best first (at most ``limit``). An empty or unusable query
        finds nothing; it never raises for what a person typed."""
        q = normalise(query)[:MAX_QUERY]
        if not q:
            return []
        queries = [q]
        for word, target in self.synonyms.items():
            if word in q:
                queries.append(normalise(q.replace(word, normalise(target))))
        best: dict[int, int] = {}
        for candidate in dict.fromkeys(queries):
            self._collect(candidate, best)
        names, entries = self._names, self.entries
        ranked = heapq.nsmallest(limit, best.items(), key=lambda item: (-item[1], len(names[item[0]]),
                                                                          entries[item[0]].code))
        return [Hit(entries[n].code, entries[n].name, entries[n].department, score, _HOW[score])
                for n, score in ranked]

    def _collect(self, q: str, best: dict[int, int]) -> None:
        """Raises ``best[entry]`` to the score of every key of every kind that starts with ``q``. The inner
        loop is the hot path of a query: plain tuple and dict operations only."""
        long_query = len(q) > MAX_KEY
        for kind, keys in self._kinds.items():
            scores = _SCORES[kind]
            if len(q) <= SHORT:
                for n, where in keys.short.get(q, {}).items():
                    if best.get(n, 0) < scores[where]:
                        best[n] = scores[where]
                continue
            lo, equal_end, hi = keys.ranges(q)
            refs = keys.refs
            for i in range(lo, hi):
                n, where = refs[i]
                if where == START and i < equal_end and not long_query:
                    where = EXACT
                if best.get(n, 0) < scores[where] and (not long_query or self._long_match(kind, n, q)):
                    best[n] = scores[where]
        other = self._other
        candidates = (other.short.get(q, {}) if len(q) <= SHORT
                      else {other.refs[i][0]: 0 for i in range(*other.ranges(q)[::2])})
        for n in candidates:
            if best.get(n, 0) < SCORE_OTHER_FIELD:
                best[n] = SCORE_OTHER_FIELD

    def _long_match(self, kind: str, n: int, q: str) -> bool:
        """A query longer than the stored keys: checked against the whole name once its start matched."""
        name = self._names[n]
        if kind == "chars":
            return q in name
        full, initials = _key_options(name)
        options = full if kind == "pinyin" else initials
        return any(q in variant for variant in _variants(options, MAX_READINGS))


def plain_scan(entries: Iterable[Entry], query: str) -> list[str]:
    """The textbook search, for comparison in bench/guide_search.py: convert every name to pinyin and
    initials for each query and look for the query inside. No polyphones, no ranking."""
    q = normalise(query)
    found = []
    for entry in entries:
        name = normalise(entry.name)
        syllables = [s[0] for s in pinyin(name, errors=lambda c: list(c))]
        if q in name or q in "".join(syllables) or q in "".join(s[:1] for s in syllables):
            found.append(entry.code)
    return found
