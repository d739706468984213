"""Finding a matter the way citizens search (core/services/guide_search.py; docs/guide.md).

A citizen at a kiosk types characters, full pinyin or the initials of the syllables on a letter pad; a
polyphone matches every reading; the exact name ranks first, then names that start with the query, then
names that hold it, then the department; a hall's own synonyms (生孩子 → 出生) find what the citizen means.
"""

from __future__ import annotations

import pytest

from core.services.guide_search import Entry, GuideIndex, normalise, plain_scan

CATALOGUE = [
    Entry("320100-XK-0002", "二手房转移登记", "自然资源和规划局", ("个人", "不动产")),
    Entry("320100-GG-0010", "不动产登记资料查询", "自然资源和规划局"),
    Entry("320100-XK-0003", "不动产登记", "自然资源和规划局"),
    Entry("320100-GG-0003", "新生儿出生一件事", "卫生健康委员会", ("个人", "出生")),
    Entry("320100-GG-0020", "重庆市户口迁入", "公安局"),
    Entry("320100-GG-0021", "银行账户开户证明", "人民银行"),
    Entry("320100-GG-0022", "李䶮𠮷专用测试事项", "测试局"),
]


@pytest.fixture(scope="module")
def index() -> GuideIndex:
    return GuideIndex(CATALOGUE, synonyms={"生孩子": "出生", "买房": "不动产"})


def codes(hits) -> list[str]:
    return [h.code for h in hits]


@pytest.mark.parametrize("query", ["不动产登记", "bdcdj", "BDCDJ", "ｂｄｃｄｊ", "budongchandengji", "bu dong chan deng ji"])
def test_the_exact_name_comes_first_whether_typed_in_characters_pinyin_or_initials(index, query):
    assert codes(index.search(query))[0] == "320100-XK-0003"


def test_a_name_that_starts_with_the_query_ranks_above_one_that_holds_it(index):
    hits = codes(index.search("bdc"))
    assert hits.index("320100-XK-0003") < hits.index("320100-GG-0010")  # both start with 不动产; shorter first
    inside = codes(index.search("djzl"))  # 登记资料: inside 不动产登记资料查询 only
    assert inside == ["320100-GG-0010"]


def test_characters_inside_a_name_are_found(index):
    assert set(codes(index.search("登记"))) == {"320100-XK-0002", "320100-GG-0010", "320100-XK-0003"}


@pytest.mark.parametrize("query", ["cq", "zq", "chongqing", "zhongqing"])
def test_a_polyphone_matches_every_reading(index, query):
    """重 reads chóng (重庆) and zhòng (重要): a citizen typing either reading finds 重庆."""
    assert "320100-GG-0020" in codes(index.search(query))


@pytest.mark.parametrize("query", ["yhzh", "yinhang", "hangzh"])
def test_hang_and_xing_both_read_for_行(index, query):
    assert "320100-GG-0021" in codes(index.search(query))


def test_initials_use_the_first_letter_so_y_and_w_syllables_count(index):
    """银 yín starts with y: pypinyin's INITIALS style drops y/w, the first-letter style keeps them."""
    assert codes(index.search("yhzhkhzm"))[0] == "320100-GG-0021"


def test_the_hall_s_synonyms_find_what_the_citizen_means(index):
    assert codes(index.search("生孩子"))[0] == "320100-GG-0003"
    assert "320100-XK-0003" in codes(index.search("买房登记"))


def test_the_department_and_keywords_are_searched_below_names(index):
    hits = index.search("公安")
    assert codes(hits) == ["320100-GG-0020"] and hits[0].how == "department or keyword"
    by_keyword = index.search("不动产")
    assert by_keyword[-1].code == "320100-XK-0002"  # its keyword 不动产, ranked after the names that hold it


def test_rare_characters_are_searched_as_themselves(index):
    assert codes(index.search("䶮𠮷")) == ["320100-GG-0022"]
    assert codes(index.search("李䶮")) == ["320100-GG-0022"]


@pytest.mark.parametrize("query", ["", "   ", "!!!", "\x00\x1b[2J", "😀", "a" * 10_000, "'; DROP TABLE matters; --"])
def test_what_a_person_types_never_raises(index, query):
    hits = index.search(query)
    assert isinstance(hits, list)
    assert all(h.score > 0 for h in hits)


def test_a_query_longer_than_the_stored_keys_is_checked_against_the_whole_name():
    long_name = "城乡居民基本医疗保险参保登记及医疗费用手工报销申请一件事（含异地就医备案）"
    index = GuideIndex([Entry("L", long_name), Entry("S", "城乡居民基本医疗保险参保登记")])
    assert codes(index.search(long_name)) == ["L"]
    initials = "cxjmjbylbxcbdjjylfysgbxsqyjs"
    assert codes(index.search(initials)) == ["L"]


def test_limit_cuts_the_list_and_json_carries_the_agreed_keys(index):
    hits = index.search("d", limit=2)
    assert len(hits) == 2
    assert set(hits[0].as_json()) == {"code", "name", "department", "score"}


def test_normalise_folds_full_width_case_and_punctuation():
    assert normalise("ＢＤＣ-dj （登记）") == "bdcdj登记"


def test_the_baseline_scan_agrees_on_plain_names(index):
    """The benchmark's baseline finds what ours finds for queries without polyphones."""
    for query in ("登记", "bdcdj", "budongchan"):
        assert set(plain_scan(CATALOGUE, query)) <= set(codes(index.search(query, limit=100)))
