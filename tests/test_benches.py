"""Every benchmark under bench/ still runs: its imports resolve against the product as it is now, and it
answers ``--help``; a helper module there (the fault-injecting proxy) imports. (The figures themselves are the benchmarks' to print, never a test's: docs name the
commands and their last output.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted(p for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_"))
SCRIPTS = [p for p in FILES if 'if __name__ == "__main__":' in p.read_text(encoding="utf-8")]
HELPERS = [p for p in FILES if p not in SCRIPTS]


def test_there_are_benchmarks():
    assert len(SCRIPTS) >= 10


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_each_benchmark_answers_help(script: Path):
    done = subprocess.run([sys.executable, str(script), "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage:" in done.stdout


@pytest.mark.parametrize("helper", HELPERS, ids=lambda p: p.name)
def test_each_helper_module_imports(helper: Path):
    done = subprocess.run([sys.executable, "-c", f"import {helper.stem}"], cwd=helper.parent, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
