"""One list of CJK fonts for the screen, the ticket printer and the scanned copies (core/fonts.py)."""

from __future__ import annotations

from PIL import ImageFont

from core import fonts


def test_the_override_comes_first_and_missing_files_are_skipped(tmp_path, monkeypatch):
    """GIVEN KIOSK_CJK_FONT naming a font file that exists
    WHEN the main fonts are listed
    THEN it comes first, and no listed file is missing from the disk."""
    chosen = tmp_path / "hall-font.ttf"
    chosen.write_bytes(b"\0")
    monkeypatch.setenv(fonts.ENV_FONT, str(chosen))
    found = fonts.main_font_files()
    assert found[0] == str(chosen)
    assert all(fonts.installed([path]) for path in found)


def test_an_override_that_is_not_a_file_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv(fonts.ENV_FONT, str(tmp_path / "nowhere.ttf"))
    assert str(tmp_path / "nowhere.ttf") not in fonts.main_font_files()


def test_the_fallbacks_never_repeat_the_main_font(tmp_path, monkeypatch):
    """GIVEN a main font that is also on the fallback list (any installed main font is a fallback too)
    THEN it is not tried twice for a character it lacks."""
    for main in fonts.main_font_files() or ("",):
        assert main not in fonts.fallback_font_files(main)


def test_every_fallback_family_has_its_file_and_the_rare_blocks_are_named():
    """The screen loads a fallback from its file and asks Qt for the family: every pair is listed."""
    assert {family for family, _ in fonts.FALLBACK_FAMILY_FILES} == set(fonts.FALLBACK_FAMILIES)
    assert fonts.MAIN_FAMILIES[0] == "WenQuanYi Micro Hei"
    assert fonts.RARE_CHARACTERS == {"Extension A": "䶮", "Extension B": "𠮷"}
    assert [ord(c) for c in fonts.RARE_CHARACTERS.values()] == [0x4DAE, 0x20BB7]


def test_a_font_without_a_character_is_told_from_one_with_it():
    """GIVEN Pillow's own Latin font
    THEN it has a glyph for "A" and none for 䶮 (it would draw its box)."""
    latin = ImageFont.load_default(24)
    assert fonts.has_glyph(latin, "A")
    assert not fonts.has_glyph(latin, fonts.RARE_CHARACTERS["Extension A"])


def test_the_symbols_the_screens_draw_are_in_the_installed_cjk_font():
    """GIVEN the CJK font the product installs (the one the screens use) THEN it draws the symbols the windows
    put in text themselves — the mark of a field locked from the ID card — rather than its empty box."""
    import pytest

    from ui.form_view import LOCK_MARK

    files = fonts.main_font_files()
    if not files:
        pytest.skip("no CJK font installed (./dev setup installs one)")
    assert fonts.has_glyph(ImageFont.truetype(str(files[0]), 24), LOCK_MARK)
