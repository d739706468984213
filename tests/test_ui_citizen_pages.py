"""The service choice page draws what the presenter's services screen decides: a disabled button says why
it cannot issue, grouped services sit under their department headings, and a language switch redraws.
(Pages built from domain values; no server needed. The rules: tests/test_presenter_citizen_screens.py.)"""

from __future__ import annotations

from datetime import datetime, timezone

from core.domain import HallInfo, Service
from core.presenters.citizen_screens import GROUP_THRESHOLD
from ui.citizen_pages import ServicesPage
from ui.texts import Texts


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return 0.0


# 14:00 in Shanghai
CLOCK = FixedClock(datetime(2026, 11, 23, 6, 0, tzinfo=timezone.utc))


def hall(services) -> HallInfo:
    return HallInfo("h", "示例大厅", "Example hall", "Asia/Shanghai", tuple(services), ())


def test_unavailable_services_are_disabled_with_the_reason_on_the_button(qtbot):
    texts = Texts("zh_CN")
    page = ServicesPage(texts, CLOCK)
    qtbot.addWidget(page)
    page.show_hall(hall([
        Service("A", "综合受理", "General acceptance", department="中心", waiting=3),
        Service("C", "社保医保", "Social insurance", issuing_hours=(("09:00", "12:00"),), available=False),
    ]))
    assert page.buttons["A"].isEnabled() and page.buttons["A"].text() == "综合受理\n中心 · 等候 3 人"
    assert not page.buttons["C"].isEnabled()
    assert page.buttons["C"].text() == "社保医保\n不在取号时间（09:00–12:00）"
    texts.set_language("en")
    assert page.buttons["C"].text() == "Social insurance\nNot issuing now (09:00–12:00)"
    assert page.buttons["A"].text() == "General acceptance\n3 waiting"


def test_many_services_are_drawn_under_their_department_headings(qtbot):
    services = [Service(chr(ord("A") + i), f"业务{i}", f"Service {i}", department=f"部门{i % 3}")
                for i in range(GROUP_THRESHOLD + 3)]
    page = ServicesPage(Texts("zh_CN"), CLOCK)
    qtbot.addWidget(page)
    page.show_hall(hall(services))
    headers = [page.grid.itemAt(i).widget().text() for i in range(page.grid.count())
               if page.grid.itemAt(i).widget().property("role") == "subtitle"]
    assert headers == ["部门0", "部门1", "部门2"]
    assert len(page.buttons) == len(services)
    assert page.buttons["A"].text() == "业务0\n等候 0 人"  # the department is the heading, not repeated


def test_the_home_pages_row_of_buttons_shows_every_label_whole_in_any_language(qtbot):
    """GIVEN the kiosk's home page at 1280 px wide with check-in, tracking, the guide and pick-up
    WHEN it is shown in Chinese, then in English (whose labels at the row's size need more than 1280 px)
    THEN in Chinese the four sit in one row; in English they go two to a row, less tall, so that the page
    still fits an 800-line screen; no label is ever cut."""
    from PySide6.QtWidgets import QPushButton

    from ui import theme
    from ui.citizen_pages import HomePage
    from ui.widgets import button

    texts = Texts("zh_CN")
    page = HomePage(texts, codes=True, guide=True)
    theme.style_window(page)
    qtbot.addWidget(page)
    pickup = texts.bind(button("", "big", name="pickup"), "pickup.kiosk.home_button")
    pickup.setProperty("role", "")
    page.add_button(pickup)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)

    def cut() -> list[str]:
        qtbot.wait(50)
        return [b.text() for b in page.findChildren(QPushButton)
                if b.isVisible() and b.width() < b.sizeHint().width()]

    rows = lambda: {page.row.getItemPosition(page.row.indexOf(b))[0] for b in page.row_buttons}  # noqa: E731
    fits = lambda: page.minimumSizeHint().height() <= 800  # noqa: E731
    heights = lambda: {b.minimumSizeHint().height() for b in page.row_buttons}  # noqa: E731
    assert cut() == [] and rows() == {0} and fits()
    one_row = heights()
    texts.set_language("en")
    assert cut() == [] and rows() == {0, 1} and fits()
    assert len(heights()) == 1 and heights().pop() <= one_row.pop() - 30
    texts.set_language("zh_CN")
    assert cut() == [] and rows() == {0} and fits()


def test_a_home_page_button_shown_later_takes_its_place_in_the_row(qtbot):
    """GIVEN the home page with only the guide in its row (codes not available yet) WHEN check-in and
    tracking are shown later THEN the three share the row, none of them parked out of sight below the hint;
    WHEN they are hidden again THEN the guide is alone in the row once more."""
    from ui import theme
    from ui.citizen_pages import HomePage

    texts = Texts("zh_CN")
    page = HomePage(texts, codes=False, guide=True)
    theme.style_window(page)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    qtbot.waitExposed(page)
    place = lambda b: page.row.getItemPosition(page.row.indexOf(b))[:2]  # noqa: E731
    assert place(page.guide_button) == (0, 0)
    page.check_in_button.show()
    page.track_button.show()
    qtbot.waitUntil(lambda: {place(b) for b in page.row_buttons} == {(0, 0), (0, 1), (0, 2)}, timeout=2000)
    assert all(b.isVisible() and b.y() < page.hint.y() for b in page.row_buttons)
    page.check_in_button.hide()
    page.track_button.hide()
    qtbot.waitUntil(lambda: place(page.guide_button) == (0, 0) and page.row_columns == 1, timeout=2000)
