"""``kiosk diag a11y``: every page of every role's window, in every language of the catalogues (and the
citizen's in elders' mode too), meets the minimums (docs/accessibility.md, "The self-audit"); and the audit
fails a page that does not.

The command runs in-process as a technician runs it, with its throwaway reference hall server on loopback;
the broken page is a real page added to a real kiosk window built against the hall server fixture.
"""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from core.accessibility import SCREENS, Minimums
from core.i18n import LANGUAGES
from core.services.queue import KioskQueueService
from kiosk.cli import main
from ui.a11y_audit import audit_window
from ui.citizen import CitizenWindow
from ui.widgets import Page

EXPECTED_PAGES = {
    "citizen": {"home", "services", "confirm", "busy", "result", "problem", "scan", "tracking", "guide"},
    "clerk": {"login", "queue", "application"},
    "display": {"display-window"},
    "technician": {"technician-window"},
}


def run_json(capsys, *argv: str) -> tuple[int, list[dict]]:
    status = main(["diag", "a11y", "--json", *argv])
    out = capsys.readouterr().out
    return status, [json.loads(line) for line in out.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("role", sorted(EXPECTED_PAGES))
def test_every_page_of_every_role_meets_the_minimums_in_every_language(qtbot, capsys, role):
    """GIVEN the sample hall WHEN the role's window is walked in zh_CN, en and zh_TW (the citizen's also in
    elders' mode; the clerk's logged in, a number called, the application page with a form and a banner)
    THEN every page meets every minimum and the command exits 0."""
    status = main(["diag", "a11y", "--json", "--role", role])
    out, err = capsys.readouterr()
    pages = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert status == 0, [p for p in pages if p["shortfalls"]]
    assert "walk stopped" not in err  # the clerk's pages were measured full: logged in, called, a form open
    modes = (False, True) if role == "citizen" else (False,)
    for language in LANGUAGES:
        for elders in modes:
            walked = {p["page"] for p in pages if p["language"] == language and p["elders"] is elders}
            assert EXPECTED_PAGES[role] <= walked, (language, elders, walked)
    assert all(p["shortfalls"] == [] for p in pages)
    if role == "citizen":
        services = [p for p in pages if p["page"] == "services"]
        elders = [p for p in services if p["elders"]]
        assert elders and all(p["target_px"]["value"] >= 72 and p["text_px"]["value"] >= 30 for p in elders)
        assert all(p["contrast"]["value"] >= 4.5 and not p["misfits"] for p in services)


def test_the_command_exits_1_when_the_hall_asks_for_more(qtbot, capsys, tmp_path):
    """GIVEN a hall whose [accessibility] asks for 200 px targets WHEN the display and kiosk are walked in one
    language THEN the kiosk's pages fall short on targets and the command exits 1."""
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('role = "citizen"\nterminal_id = "K-09"\nhall_id = "3201-0042"\n'
                   '[platform]\nurl = "http://127.0.0.1:9"\nterminal_secret = "x"\n'
                   '[printers.ticket]\nurl = "virtual://t"\n[devices]\nticket_printer = "ticket"\n'
                   '[accessibility]\ntouch_target_px = 200\n', encoding="utf-8")
    status, pages = run_json(capsys, "--role", "citizen", "--language", "zh_CN", "--config", str(cfg))
    assert status == 1
    home = next(p for p in pages if p["page"] == "home" and not p["elders"])
    assert home["shortfalls"] == ["target"] and home["target_px"]["minimum"] == 200


class BrokenPage(Page):
    """Everything the audit looks for, done wrong: a tiny unnamed button the keypad cannot reach, small
    pale text, a button too narrow for its label, and a width no kiosk screen has."""

    name = "broken"

    def __init__(self) -> None:
        super().__init__()
        self.tiny = QPushButton()
        self.tiny.setObjectName("tiny")
        self.tiny.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tiny.setStyleSheet("min-height: 20px; max-height: 20px; min-width: 20px; max-width: 20px;")
        self.pale = QLabel("浅色小字")
        self.pale.setObjectName("pale")
        self.pale.setStyleSheet("font-size: 11px; color: #DDDDDD; background: #FFFFFF;")
        self.cut = QPushButton("预约签到与办件查询")
        self.cut.setObjectName("cut")
        self.cut.setMaximumWidth(90)
        self.wide = QWidget()
        self.wide.setMinimumWidth(2400)
        for widget in (self.tiny, self.pale, self.cut, self.wide):
            self.box.addWidget(widget)


def test_the_audit_fails_a_deliberately_broken_page(qtbot, hall, printers):
    """GIVEN a kiosk window with a broken page added to its stack WHEN the audit walks it THEN that page fails
    every check (target, text, contrast, unnamed, unreachable, fit on every screen, a cut label), naming the widgets,
    while the kiosk's own pages still pass."""
    client = hall.client("K-01")
    window = CitizenWindow(KioskQueueService(client, printers[0]))
    qtbot.addWidget(window)
    try:
        window.stack.addWidget(BrokenPage())
        window.show()
        qtbot.waitUntil(lambda: window.hall_view is not None, timeout=5000)
        figures = {f.page: f for f in audit_window(window, role="citizen", language="zh_CN", elders=False)}
        broken = figures["broken"]
        failed = broken.shortfalls(Minimums())
        assert failed == ["target", "text", "contrast", "unnamed", "unreachable", "fit", "clipped"]
        assert broken.target.widget == "tiny" and broken.target.value < 60
        assert broken.text.widget == "pale" and broken.text.value == 11
        assert broken.contrast.widget == "pale" and broken.contrast.value < 1.5
        assert broken.unnamed == ["tiny"] and broken.unreachable == ["tiny"]
        assert [screen for screen, _w, _h in broken.misfits] == [f"{w}x{h}" for w, h in SCREENS]
        assert broken.clipped == ["cut"]
        assert figures["home"].shortfalls(Minimums()) == []
    finally:
        window.close()
        client.close()
