"""What a window says about its ID-card reader while no card is shown (``ReaderPresenter``), the one set
of rules the clerk's applicant panel and the citizen's identification slot share."""

from __future__ import annotations

from core.errors import DeviceNotFound, DeviceProtocolError
from core.ports.idcard import ReaderState
from core.presenters.reader import CITIZEN_READER_TEXTS, CLERK_READER_TEXTS, ReaderPresenter, ReaderSituation

BAD_FRAME = DeviceProtocolError("checksum mismatch", device="idcard_reader", key="idcard.error.checksum")


def clerk_reader(state: ReaderState = ReaderState.CONNECTED, **options) -> ReaderPresenter:
    return ReaderPresenter(CLERK_READER_TEXTS, available=True, state=state, **options)


def test_without_a_reader_the_window_says_it_has_none_and_shows_no_card_pictogram():
    presenter = ReaderPresenter(CLERK_READER_TEXTS, available=False)
    view = presenter.view()
    assert view.situation is ReaderSituation.NO_READER and not view.card_icon
    assert view.text == "本窗口未配置读卡器"


def test_a_connected_reader_invites_a_card_and_says_when_it_reads_one():
    presenter = clerk_reader()
    assert presenter.view().text == "请办事人将证件放在读卡器上" and presenter.view().card_icon
    presenter.state_changed(ReaderState.READING)
    assert presenter.view().situation is ReaderSituation.READING
    assert presenter.view().text == presenter.tr("idcard.state.reading")


def test_a_failed_read_is_shown_until_the_next_card():
    """GIVEN a connected reader WHEN a read fails THEN its error is shown in the audience's words, also
    after the reader is back to waiting; WHEN a card is read THEN the invitation is back."""
    presenter = clerk_reader()
    presenter.read_failed(BAD_FRAME)
    presenter.state_changed(ReaderState.CONNECTED)
    assert presenter.view().situation is ReaderSituation.FAILED
    assert presenter.view().text == BAD_FRAME.message("clerk", "zh_CN")
    presenter.card_read()
    assert presenter.view().situation is ReaderSituation.READY


def test_an_unplugged_reader_is_a_state_not_a_failed_read_and_forgets_the_last_failure():
    presenter = clerk_reader()
    presenter.read_failed(BAD_FRAME)
    presenter.read_failed(DeviceNotFound("/dev/ttyUSB0 gone", device="idcard_reader"))
    assert presenter.error is BAD_FRAME  # the unplugging did not replace the failed read
    presenter.state_changed(ReaderState.NO_READER)
    assert presenter.view().situation is ReaderSituation.UNAVAILABLE and presenter.error is None
    assert presenter.view().text == "读卡器未连接（已拔出或无法打开），正在自动重连"
    presenter.state_changed(ReaderState.CONNECTED)
    assert presenter.view().situation is ReaderSituation.READY


def test_the_citizen_words_it_differently_and_fills_in_the_priority_age():
    presenter = ReaderPresenter(CITIZEN_READER_TEXTS, available=True, state=ReaderState.CONNECTED, language="en")
    assert presenter.view(age=65).text == presenter.tr("ui.identity.place_card", age=65)
    assert "65" in presenter.view(age=65).text
    presenter.read_failed(BAD_FRAME)
    assert presenter.view().text == BAD_FRAME.message("citizen", "en")
    presenter.forget()  # the session ended: the next person does not see it
    assert presenter.view().situation is ReaderSituation.READY
    without = ReaderPresenter(CITIZEN_READER_TEXTS, available=False, language="en")
    assert without.view().text == "The ID card reader is not connected; you can take a number without it."


def test_every_change_is_published_and_the_language_switches_live():
    presenter = clerk_reader()
    seen = []
    presenter.events.subscribe(lambda change: seen.append(change.part))
    presenter.state_changed(ReaderState.READING)
    presenter.read_failed(BAD_FRAME)
    presenter.card_read()
    presenter.set_language("en")
    assert seen == ["reader"] * 4
    assert presenter.view().text == "Reading the card, please do not move it"  # until the reader says otherwise
    presenter.state_changed(ReaderState.CONNECTED)
    assert presenter.view().text == "Ask the applicant to place their ID on the reader"
