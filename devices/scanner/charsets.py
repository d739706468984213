"""A code's bytes → its text: the declared character set when there is one, else the likeliest (pure).

QR codes and serial scanners hand over bytes. A symbol may declare their character set with an ECI
(Extended Channel Interpretation, AIM ITS/04-023 and ISO/IEC 18004:2015 §7.4.2); most do not, and then
the bytes are whatever the encoder used (docs/codes.md, "Text of a code"):

1. an ECI, when the symbol declares one, is followed (``ECI_CODECS``: UTF-8, GB18030 / GB 2312, Shift-JIS,
   Big5, ISO-8859-1, UTF-16 …); bytes before the first ECI and under an ECI we do not know fall back to 2;
2. without an ECI: UTF-8 when the bytes are valid UTF-8 (a stray valid UTF-8 run in GB18030 or
   Shift-JIS text is rare: both use bytes that UTF-8 forbids or needs in strict sequences);
3. otherwise the more plausible of GB18030 and Shift-JIS (``plausibility``): in a Chinese hall GB18030 is
   far more common and wins a tie, but a Japanese payload (kana, JIS level-1 kanji) reads as Japanese.

``plausibility`` scores each character by its class: printable ASCII, common hanzi (GB 2312 level 1) and
common kanji (JIS X 0208 level 1), kana and CJK punctuation are what real payloads are made of; rare hanzi,
half-width katakana, Latin-1 letters and private-use characters are what the wrong reading gives. GB 2312
bytes read as Shift-JIS give half-width katakana and JIS level-2 kanji; Shift-JIS bytes read as GB18030
give GBK-extension hanzi (lead bytes 0x81-0xA0, outside GB 2312).
"""

from __future__ import annotations

import unicodedata

# AIM ECI register: designator → Python codec.
ECI_CODECS: dict[int, str] = {
    0: "cp437", 1: "latin-1", 2: "cp437", 3: "latin-1", 4: "iso8859-2", 5: "iso8859-3", 6: "iso8859-4",
    7: "iso8859-5", 8: "iso8859-6", 9: "iso8859-7", 10: "iso8859-8", 11: "iso8859-9", 12: "iso8859-10",
    13: "iso8859-11", 15: "iso8859-13", 16: "iso8859-14", 17: "iso8859-15", 18: "iso8859-16",
    20: "shift_jis", 21: "cp1250", 22: "cp1251", 23: "cp1252", 24: "cp1256", 25: "utf-16-be", 26: "utf-8",
    27: "ascii", 28: "big5", 29: "gb18030", 30: "euc-kr", 31: "gbk", 32: "gb18030", 33: "utf-16-le",
    34: "utf-32-be", 35: "utf-32-le",
}
GUESSES = ("gb18030", "shift_jis")  # in this order: GB18030 wins a tie


def decode_bytes(raw: bytes) -> str:
    """Bytes without a declared character set → text: UTF-8 when valid, else the more plausible of
    GB18030 and Shift-JIS. Raises ``UnicodeDecodeError`` when none of them reads the bytes."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_error = exc
    best, best_score = None, -1.0
    for codec in GUESSES:
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        score = plausibility(text, codec)
        if score > best_score:
            best, best_score = text, score
    if best is None:
        raise first_error
    return best


def decode_segments(segments: list[tuple[int | None, bytes]]) -> str:
    """``[(eci or None, bytes), …]`` → text: each segment by its ECI's character set; a segment without
    one (or with one we do not know) by ``decode_bytes``, falling back to ISO-8859-1 (the QR default)."""
    out = []
    for eci, raw in segments:
        codec = ECI_CODECS.get(eci) if eci is not None else None
        if codec is not None:
            try:
                out.append(raw.decode(codec))
                continue
            except UnicodeDecodeError:
                pass  # a symbol that declares one set and carries another: read it as if undeclared
        try:
            out.append(decode_bytes(raw))
        except UnicodeDecodeError:
            out.append(raw.decode("latin-1"))
    return "".join(out)


def parse_eci_protocol(data: bytes) -> list[tuple[int | None, bytes]]:
    """Content in the ECI protocol (AIM ITS/04-023 §4: ``\\nnnnnn`` switches to ECI nnnnnn, ``\\\\`` is
    one backslash) → ``[(eci, bytes), …]``; the part before the first designator has eci None."""
    segments: list[tuple[int | None, bytes]] = []
    eci: int | None = None
    chunk = bytearray()
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == 0x5C and data[i + 1:i + 2] == b"\\":
            chunk.append(0x5C)
            i += 2
            continue
        digits = data[i + 1:i + 7]
        if byte == 0x5C and len(digits) == 6 and digits.isdigit():
            if chunk or segments:
                segments.append((eci, bytes(chunk)))
            chunk.clear()
            eci = int(digits)
            i += 7
            continue
        chunk.append(byte)
        i += 1
    segments.append((eci, bytes(chunk)))
    return segments


def plausibility(text: str, read_as: str | None = None) -> float:
    """Mean weight of ``text``'s characters by class (1.0: what real payloads are made of; near 0: what a
    wrong character set gives); 0 for empty text.

    ``read_as`` is the character set the text was decoded with: a hanzi counts as common only when it is
    in that set's own first level (GB 2312 level 1 for ``gb18030``, JIS X 0208 level 1 for ``shift_jis``;
    either for None). A wrong reading lands on the other set's rare characters, and some of those are the
    first set's common ones (traditional forms that Japanese uses every day, such as 語).
    """
    if not text:
        return 0.0
    common = {"gb18030": (_common_hanzi,), "shift_jis": (_common_kanji,)}.get(
        read_as or "", (_common_hanzi, _common_kanji))
    return sum(_weight(ch, common) for ch in text) / len(text)


def _weight(ch: str, common: tuple) -> float:
    code = ord(ch)
    if code < 0x80:
        return 1.0 if ch.isprintable() or ch in "\t\r\n" else 0.0
    if 0x3041 <= code <= 0x30FF:  # hiragana, katakana
        return 1.0
    if 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF60:  # CJK punctuation, full-width forms
        return 0.8
    if 0xFF61 <= code <= 0xFF9F:  # half-width katakana: GB 2312 bytes read as Shift-JIS
        return 0.15
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x3134F:
        return 1.0 if any(test(ch) for test in common) else 0.35
    if unicodedata.category(ch) in ("Co", "Cn", "Cc", "Cs"):
        return 0.0
    if 0x80 <= code <= 0x24F:  # Latin-1 and Latin Extended letters: a mis-read of CJK bytes
        return 0.3
    return 0.5


def _common_hanzi(ch: str) -> bool:
    """GB 2312 level 1 (rows 16-55, lead bytes 0xB0-0xD7): the 3755 most used hanzi."""
    try:
        encoded = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and 0xB0 <= encoded[0] <= 0xD7


def _common_kanji(ch: str) -> bool:
    """JIS X 0208 level 1 (rows 16-47; Shift-JIS 0x889F-0x9872): the 2965 most used kanji."""
    try:
        encoded = ch.encode("shift_jis")
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and 0x889F <= int.from_bytes(encoded, "big") <= 0x9872
