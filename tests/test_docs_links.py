"""Every pointer in the repository leads somewhere in the repository.

Facts the code relies on live in docs/ (in our words, citing the public standard or manual), so a comment,
docstring, doc or test may cite a docs/*.md page, but never:

- a Markdown file that does not exist here (a design note kept elsewhere, a renamed page);
- a path out of the repository such as ``../shared/…``;
- an issue or pull-request number ("issue 6", "issue #6", "#55"), which means nothing to a reader of the
  code.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUFFIXES = {".py", ".md", ".toml", ".spec", ".sh", ".json", ".cfg", ".ini", ".txt", ".yml", ".yaml"}
SKIP_DIRS = {".git", ".venv", "venv", "build", "dist", "node_modules", "__pycache__", ".pytest_cache"}

MD_REFERENCE = re.compile(r"(?<![\w.-])((?:\.{1,2}/)*(?:[\w.-]+/)*[\w-]+(?:\.[\w-]+)*\.md)\b")
OUTSIDE = re.compile(r"\.\./shared|/work/shared")
ISSUE_NUMBER = re.compile(r"\b(?:issues?|pull request|PR)\s*#?\s*\d+|(?<![\w&#/])#\d{1,5}(?![\w-])", re.IGNORECASE)


def repository_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if path.is_file() and path.suffix in SUFFIXES and not parts & SKIP_DIRS:
            files.append(path)
    return sorted(files)


def markdown_exists(reference: str, where: Path) -> bool:
    """A path with a folder is taken from the repository root or from the citing file's folder; a bare
    name must be a Markdown file somewhere in the repository (README.md) or in docs/."""
    if "/" in reference:
        return (ROOT / reference).is_file() or (where.parent / reference).resolve().is_file()
    return (ROOT / reference).is_file() or (ROOT / "docs" / reference).is_file() or any(
        p.name == reference for p in MARKDOWN_FILES)


FILES = repository_files()
MARKDOWN_FILES = [p for p in FILES if p.suffix == ".md"]


def lines_matching(pattern: re.Pattern) -> list[str]:
    found = []
    for path in FILES:
        if path == Path(__file__).resolve():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            for match in pattern.finditer(line):
                found.append((path, number, match.group(0)))
    return found


def where(path: Path, number: int) -> str:
    return f"{path.relative_to(ROOT)}:{number}"


def test_the_scan_reads_code_tests_and_docs():
    names = {str(p.relative_to(ROOT)) for p in FILES}
    assert {"pyproject.toml", "docs/printing.md", "core/clock.py", "tests/conftest.py"} <= names


def test_every_markdown_file_cited_exists_in_the_repository():
    """GIVEN every comment, docstring, doc and test
    WHEN one names a Markdown file (docs/printing.md, README.md, sync.md …)
    THEN that file is in the repository."""
    broken = [f"{where(p, n)}: {ref}" for p, n, ref in lines_matching(MD_REFERENCE) if not markdown_exists(ref, p)]
    assert broken == []


def test_nothing_points_outside_the_repository():
    outside = [f"{where(p, n)}: {text}" for p, n, text in lines_matching(OUTSIDE)]
    assert outside == []


def test_nothing_cites_an_issue_number():
    numbers = [f"{where(p, n)}: {text}" for p, n, text in lines_matching(ISSUE_NUMBER)]
    assert numbers == []


def test_the_patterns_catch_what_they_are_for():
    """The checks above pass only because nothing matches, so the patterns themselves are held here."""
    assert MD_REFERENCE.findall('see escpos.md "Status" and docs/printing.md') == ["escpos.md", "docs/printing.md"]
    assert MD_REFERENCE.findall("(../shared/notes/sync.md)") == ["../shared/notes/sync.md"]
    assert not markdown_exists("escpos.md", ROOT / "devices" / "x.py")
    assert markdown_exists("docs/printing.md", ROOT / "devices" / "x.py")
    assert markdown_exists("README.md", ROOT / "kiosk" / "x.py")
    assert OUTSIDE.search("(../shared/reference/escpos.md)")
    for text in ("issue 6", "Issue #6", "(pyzbar issues #14, #55)", "see #42", "PR 12"):
        assert ISSUE_NUMBER.search(text), text
    for text in ('"#1A1A1A"', "&#20013;", "issue_ticket(", "issues a ticket", "A012 号", "#FFFFFF"):
        assert not ISSUE_NUMBER.search(text), text
