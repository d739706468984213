"""The on-screen keyboard under a real X server (Xvfb with openbox): its keys clicked with xdotool at a
person's pace, as X pointer events, never QTest; the text must reach the focused field, 𠮷 whole, and the
field must keep the focus throughout (tests/x_keyboard_probe.py shows the window).

Needs the Debian packages xvfb, xdotool and openbox (the X fixture of tests/test_wedge_x11.py); without
them the test is skipped, except in CI (``CI=true``), where it fails instead.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import time
from pathlib import Path

from test_wedge_x11 import _stop, x_display  # noqa: F401  (the X server fixture)

ROOT = Path(__file__).resolve().parents[1]
START_S = 60.0
HUMAN_GAP_S = 0.25  # a finger on a touch screen: a key every quarter second


class KeyboardWindow:
    def __init__(self, env: dict, log: Path) -> None:
        self.env = env
        self.log = log
        with log.open("w") as errors:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "tests" / "x_keyboard_probe.py")], cwd=ROOT,
                env={**env, "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT)},
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True)
        self.state = self.read(START_S)

    def read(self, timeout_s: float = 15.0) -> dict:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if select.select([self.process.stdout], [], [], 0.2)[0]:
                line = self.process.stdout.readline()
                if not line:
                    break
                if line.startswith("{"):
                    record = json.loads(line)
                    assert "error" not in record, record["error"]
                    return record
        _stop(self.process)
        raise AssertionError("the probe did not answer: " + self.log.read_text(errors="replace")[-2000:])

    def ask(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.read()

    def click(self, name: str) -> dict:
        """Clicks a key where the probe last saw it, at a person's pace; the state after the click."""
        x, y = self.state["keys"][name]
        subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"], env=self.env, check=True,
                       timeout=10)
        time.sleep(HUMAN_GAP_S)
        self.state = self.ask("state")
        return self.state

    def type(self, letters: str) -> None:
        for char in letters:
            self.click(f"kb-key-{ord(char):x}")

    def choose(self, text: str, pages: int = 30) -> None:
        """Clicks ``text`` in the bar, or opens the grid (更多) and pages (▶) until it shows."""
        if text not in self.state["candidates"][:6]:
            self.click("kb-more")
        for _ in range(pages):
            shown = self.state["candidates"]
            if text in shown:
                slot = shown.index(text)
                in_grid = any(name.startswith("kb-grid-") for name in self.state["keys"])
                self.click(f"kb-grid-{slot}" if in_grid else f"kb-candidate-{slot}")
                return
            self.click("kb-next")
        raise AssertionError(f"{text} not offered: {self.state}")


def test_beijing_and_a_rare_name_character_clicked_on_a_real_x_server(x_display, tmp_path):
    """GIVEN the keyboard under a field on a real X server WHEN b-e-i-j-i-n-g and 北京 are clicked, then j-i
    and 𠮷 found in the grid THEN the field holds 北京𠮷 and kept the focus throughout."""
    window = KeyboardWindow(x_display, tmp_path / "probe.txt")
    try:
        assert window.state["focus"] == "field"
        window.type("beijing")
        assert window.state["preedit"] == "bei'jing" and window.state["candidates"][0] == "北京"
        window.choose("北京")
        assert window.state["text"] == "北京" and window.state["focus"] == "field"
        window.type("ji")
        window.choose("𠮷")
        assert window.state["text"] == "北京𠮷" and window.state["focus"] == "field"
        shot = tmp_path / "keyboard.png"
        assert window.ask(f"shot {shot}")["shot"] == str(shot) and shot.stat().st_size > 10_000
    finally:
        _stop(window.process)
