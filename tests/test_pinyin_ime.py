"""The pinyin engine behind the on-screen keyboard (core/services/pinyin_ime.py, docs/keyboard.md): what a
citizen who types pinyin letters is offered, in what order, and how a composition is picked piece by piece."""

from __future__ import annotations

import pytest

from core.services.pinyin_ime import MAX_INPUT, Composer, PinyinEngine


@pytest.fixture(scope="module")
def engine() -> PinyinEngine:
    return PinyinEngine.shared()


def texts(engine: PinyinEngine, letters: str, n: int | None = None) -> list[str]:
    return [c.text for c in engine.candidates(letters)[:n]]


def position(engine: PinyinEngine, letters: str, text: str) -> int:
    return texts(engine, letters).index(text)


def test_whole_words_come_first_ranked_by_frequency(engine):
    """GIVEN the letters of a common word THEN that word is the first candidate, and it covers all letters."""
    assert engine.candidates("beijing")[0].text == "北京"
    assert engine.candidates("beijing")[0].consumed == len("beijing")
    assert texts(engine, "shenfenzheng", 1) == ["身份证"]
    assert texts(engine, "zhang", 1) == ["张"]
    assert texts(engine, "beijing", 2) == ["北京", "背景"]


def test_an_ambiguous_split_offers_both_readings(engine):
    """GIVEN xian (先 or 西安) and fangan (方案 or 反感) THEN the candidates hold both splits' words."""
    first = texts(engine, "xian", 20)
    assert first[0] == "先" and "西安" in first
    assert {"方案", "反感"} <= set(texts(engine, "fangan", 2))
    assert texts(engine, "xi'an", 1) == ["西安"]  # an apostrophe forces the split
    assert engine.spelled("xi'an") == "xi an" and engine.spelled("bjs") == "b j s"


def test_initials_abbreviate_common_words(engine):
    """GIVEN only the initials of common words THEN the words themselves are offered first."""
    assert texts(engine, "bjs", 1) == ["北京市"]
    assert texts(engine, "zg", 1) == ["中国"]
    assert "身份证" in texts(engine, "sfz", 3)


def test_u_umlaut_is_typed_v(engine):
    """GIVEN lv, or lü THEN 绿 and 律 are among the first candidates, the same for both spellings."""
    first = texts(engine, "lv", 6)
    assert {"绿", "律"} <= set(first)
    assert texts(engine, "lü") == texts(engine, "lv")
    assert "女" in texts(engine, "nv", 3)


def test_a_syllable_still_being_typed_reaches_its_words(engine):
    """GIVEN the last syllable only begun (beijin, zhon) THEN the words it starts are offered."""
    assert texts(engine, "beijin", 1) == ["北京"]
    assert "中" in texts(engine, "zhon", 3)


def test_rare_characters_follow_the_common_ones(engine):
    """GIVEN yan and ji THEN 䶮 (CJK Extension A) and 𠮷 (Extension B) are offered, after the common
    characters of those syllables."""
    yan, ji = texts(engine, "yan"), texts(engine, "ji")
    assert "䶮" in yan and "𠮷" in ji
    assert yan.index("䶮") > yan.index("言") and ji.index("𠮷") > ji.index("吉")


def test_syllables_no_single_word_covers_are_composed_from_words(engine):
    """GIVEN the pinyin of a phrase the word list lacks as one word (工作单位, 北京市天安门) THEN the likeliest
    run of words covering it is the first candidate; a word that covers it alone is never split (西安)."""
    assert texts(engine, "gongzuodanwei", 1) == ["工作单位"]
    assert texts(engine, "beijingshitiananmen", 1) == ["北京市天安门"]
    assert texts(engine, "xian").count("西安") == 1
    assert all(c.frequency > 0 or len(c.text) == 1 for c in engine.candidates("xian")[:-1])  # no 西+安 run


def test_two_or_three_syllables_also_read_as_a_persons_name(engine):
    """GIVEN the pinyin of names the word list does not hold (张三, 李明, 张小明) THEN the name is among the
    first candidates: the likeliest surname for the first syllable, the likeliest given-name characters."""
    assert "张三" in texts(engine, "zhangsan", 2)
    assert "李明" in texts(engine, "liming", 3)
    assert "张小明" in texts(engine, "zhangxiaoming", 3)
    assert texts(engine, "beijing", 2) == ["北京", "背景"]  # a common word stays first


def test_after_the_whole_input_come_words_for_its_first_syllables(engine):
    """GIVEN zhangsan THEN after what covers all of it come 张 and the other characters of zhang, which
    consume five letters only."""
    found = engine.candidates("zhangsan")
    whole = [c for c in found if c.consumed == len("zhangsan")]
    zhang = next(c for c in found if c.text == "张")
    assert zhang.consumed == len("zhang")
    assert found.index(zhang) > max(found.index(c) for c in whole if c.text != "zhangsan")
    assert found[-1].text == "zhangsan"  # the letters themselves, last


def test_picking_a_part_consumes_its_syllables_and_candidates_follow_for_the_rest(engine):
    """GIVEN zhangsan composed WHEN 张 is picked THEN nothing is committed yet, the rest reads san, and
    picking 三 commits 张三."""
    composer = Composer(engine)
    for letter in "zhangsan":
        assert composer.type(letter)
    assert composer.preedit() == "zhang'san"
    assert composer.pick(texts(engine, "zhangsan").index("张")) is None
    assert composer.remaining == "san" and composer.preedit() == "张san"
    assert composer.pick(texts(engine, "san").index("三")) == "张三"
    assert not composer.composing


def test_backspace_edits_the_pinyin_and_undoes_a_pick_left_alone(engine):
    """GIVEN 张 picked from zhangs WHEN the s is deleted THEN the pick is undone and zhang is composed again;
    WHEN everything is deleted THEN backspace says there was nothing to edit (the field takes it)."""
    composer = Composer(engine)
    for letter in "zhangs":
        composer.type(letter)
    composer.pick(texts(engine, "zhangs").index("张"))
    assert composer.preedit() == "张s"
    assert composer.backspace() and composer.preedit() == "zhang"
    for _ in "zhang":
        assert composer.backspace()
    assert not composer.composing and composer.backspace() is False


def test_garbage_digits_and_over_long_input_never_raise(engine):
    """GIVEN letters no pinyin reads, digits, punctuation, empty or very long input THEN candidates come back
    without an error: the letters themselves at least, at most MAX_INPUT letters considered."""
    assert texts(engine, "xyzq")[-1] == "xyzq" and len(texts(engine, "xyzq")) > 1  # four initials
    assert texts(engine, "iii") == ["iii"]
    zhang = engine.candidates("zhangiii")  # pinyin, then letters no pinyin reads: 张 consumes zhang only
    assert zhang[0].text == "张" and zhang[0].consumed == len("zhang") and zhang[-1].text == "zhangiii"
    composer = Composer(engine)
    for letter in "zhangiii":
        composer.type(letter)
    assert composer.pick(0) is None and composer.remaining == "iii" and composer.pick(0) == "张iii"
    assert texts(engine, "123") == ["123"]
    assert texts(engine, "") == [] and engine.spelled("") == ""
    assert texts(engine, "?!'") == ["?!"]
    long = "beijingshi" * 20
    found = engine.candidates(long)
    assert found[0].text.startswith("北京") and all(c.consumed <= MAX_INPUT for c in found)
    assert "啊" in texts(engine, "a" * 200, 3)
    composer = Composer(engine)
    assert not composer.type("1") and not composer.type("'") and not composer.type("ab")
    assert sum(composer.type("a") for _ in range(MAX_INPUT + 5)) == MAX_INPUT


def test_a_keystroke_s_work_is_bounded_whatever_is_typed(engine):
    """GIVEN words typed letter by letter, among them no pinyin at all and the longest input THEN each
    keystroke weighs at most six splits of at most ``MAX_INPUT`` letters, and every candidate covers what
    was typed or less. (How long a keystroke takes is a figure: bench/pinyin_ime.py prints it for these same
    inputs, apart from the words it was tuned on.)"""
    fresh = PinyinEngine(engine._exact)
    for word in ("zhonghuarenmingongheguo", "bjs", "xyzqw", "y", "shenfenzhenghaoma", "a" * (MAX_INPUT + 10)):
        for end in range(1, len(word) + 1):
            typed = word[:end]
            splits = fresh.splits(typed)
            assert 1 <= len(splits) <= 6, typed
            assert all(tokens[-1].end <= min(len(typed), MAX_INPUT) for tokens in splits)
            found = fresh.candidates(typed)
            assert found and all(0 < c.consumed <= min(len(typed), MAX_INPUT) for c in found), typed
    assert fresh.candidates("zhonghuarenmingongheguo")[0].text == "中华人民共和国"


def test_the_index_loads_and_knows_syllables_and_words():
    """GIVEN the shipped index THEN it loads (on the keyboard's own thread; bench/pinyin_ime.py prints how
    long that takes) and it knows the syllables and many words."""
    engine = PinyinEngine.load()
    assert {"zhang", "lv", "a", "er"} <= engine.syllables and "ng" not in engine.syllables
    assert engine.longest >= 4


def test_the_installation_self_test_checks_the_index():
    """``kiosk diag selftest`` (run on the frozen build too) loads the shipped index and checks two answers."""
    from kiosk.diag.selftest import CHECKS, check_pinyin

    assert ("pinyin", check_pinyin) in CHECKS
    assert "beijing → 北京" in check_pinyin()
