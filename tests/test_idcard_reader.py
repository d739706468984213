"""The ID-card reader driver against the reader simulator over a real socket (pyserial ``socket://``)."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from simulators.idcard_cards import SAMPLE_CARDS
from devices.idcard.protocol import (
    STATUS_KINDS,
    CardUnreadable,
    ChecksumError,
    Command,
    ReaderRejected,
    SamFault,
    Status,
    StatusKind,
    wire_time_s,
)
from devices.idcard.reader import IdCardReader, NoCard
from simulators.idcard import Fault, IdCardSimulator
from devices.idcard.text import parse_text
from core.errors import DeviceNotFound, DeviceTimeout
from core.ports.idcard import IdCardReaderPort, ReaderState


class Events:
    """What the reader reported, with waits (bounded) for what a test expects next."""

    def __init__(self) -> None:
        self.cards: list = []
        self.states: list[ReaderState] = []
        self.errors: list = []
        self._cond = threading.Condition()

    def _add(self, items: list, item) -> None:
        with self._cond:
            items.append(item)
            self._cond.notify_all()

    def on_card(self, identity) -> None:
        self._add(self.cards, identity)

    def on_state(self, state) -> None:
        self._add(self.states, state)

    def on_error(self, error) -> None:
        self._add(self.errors, error)

    def wait(self, predicate, timeout_s: float = 5.0) -> bool:
        with self._cond:
            return self._cond.wait_for(predicate, timeout_s)


@pytest.fixture
def sim():
    with IdCardSimulator(thread_name="idcard-sim-test") as simulator:
        yield simulator


@pytest.fixture
def open_reader():
    readers: list[IdCardReader] = []

    def make(url: str, **options) -> tuple[IdCardReader, Events]:
        events = Events()
        settings = dict(poll_interval_s=0.05, reconnect_interval_s=0.1, answer_timeout_s=0.3,
                        read_timeout_s=0.5)
        settings.update(options)
        reader = IdCardReader(url, on_card=events.on_card, on_state=events.on_state, on_error=events.on_error,
                              **settings)
        readers.append(reader)
        reader.start()
        return reader, events

    yield make
    for reader in readers:
        reader.stop()


def test_the_reader_implements_the_port():
    reader: IdCardReaderPort = IdCardReader("socket://127.0.0.1:9")
    assert reader.state is ReaderState.STOPPED and reader.on_card is None


@pytest.mark.parametrize("key", list(SAMPLE_CARDS))
def test_each_card_type_is_read_once_placed(sim, open_reader, key):
    """GIVEN a connected reader with no card
    WHEN a card of each type is placed
    THEN its identity is delivered, with every field of the card and the photo blob."""
    reader, events = open_reader(sim.url)
    assert events.wait(lambda: ReaderState.CONNECTED in events.states)
    sim.place(key)
    assert events.wait(lambda: events.cards)
    card = SAMPLE_CARDS[key]
    assert events.cards[0] == parse_text(card.text, card.photo)
    assert events.cards[0].photo == card.photo and not events.cards[0].photo_available
    assert events.states[:3] == [ReaderState.CONNECTED, ReaderState.READING, ReaderState.CONNECTED]
    assert not events.errors


@pytest.mark.parametrize("refind_after_read", [False, True], ids=["reader-forgets-card", "reader-keeps-finding"])
def test_a_card_is_delivered_once_until_lifted_and_placed_again(open_reader, refind_after_read):
    """GIVEN a card read once (by a reader that stops finding it, or one that keeps finding it)
    WHEN it stays on the reader for many polls
    THEN it is not delivered again; lifted and placed again, it is."""
    with IdCardSimulator(refind_after_read=refind_after_read, thread_name="idcard-sim-test") as sim:
        reader, events = open_reader(sim.url)
        sim.place("li_yan")
        assert events.wait(lambda: len(events.cards) == 1)
        reads = sim.reads
        time.sleep(0.5)  # ten polls
        assert len(events.cards) == 1 and sim.reads == reads
        sim.lift()
        time.sleep(0.15)
        sim.place("ouyang_nana")
        assert events.wait(lambda: len(events.cards) == 2)
        assert events.cards[1].name == "欧阳娜娜"
        sim.lift()
        time.sleep(0.15)
        sim.place("li_yan")
        assert events.wait(lambda: len(events.cards) == 3)
        assert events.cards[2] == events.cards[0]


def test_unplug_and_replug_are_reported_and_reading_goes_on(sim, open_reader):
    """GIVEN a connected reader
    WHEN the line drops and the port refuses connections for a while, then comes back
    THEN the state goes NO_READER (with one DeviceNotFound) and back to CONNECTED by itself,
    and the next card is read."""
    reader, events = open_reader(sim.url)
    assert events.wait(lambda: ReaderState.CONNECTED in events.states)
    sim.unplug()
    assert events.wait(lambda: ReaderState.NO_READER in events.states)
    time.sleep(0.4)  # several reconnect attempts while unplugged
    assert reader.state is ReaderState.NO_READER
    assert sum(isinstance(e, DeviceNotFound) for e in events.errors) == 1
    sim.replug()
    assert events.wait(lambda: events.states[-1] is ReaderState.CONNECTED)
    sim.place("chen_dawen")
    assert events.wait(lambda: events.cards)
    assert events.cards[0].pass_number == "H01234567"


def test_a_reader_that_is_not_there_at_start_is_found_when_plugged_in(sim, open_reader):
    """GIVEN the reader's port refusing connections when the driver starts
    WHEN it is plugged in later
    THEN the driver reports NO_READER, then CONNECTED, and reads a card."""
    sim.unplug()
    time.sleep(0.1)  # the simulator closes its port
    reader, events = open_reader(sim.url)
    assert events.wait(lambda: ReaderState.NO_READER in events.states)
    sim.place("li_yan")
    sim.replug()
    assert events.wait(lambda: events.cards)
    assert events.states[0] is ReaderState.NO_READER and ReaderState.CONNECTED in events.states


def test_the_line_dropping_in_the_middle_of_a_read(sim, open_reader):
    """GIVEN a card placed
    WHEN the line drops as the read command arrives (unplugged for 0.3 s)
    THEN the driver reports NO_READER, reconnects, and reads the card still lying there."""
    reader, events = open_reader(sim.url)
    sim.inject(Fault.UNPLUG, command=Command.READ_TEXT_PHOTO, unplug_s=0.3)
    sim.place("smith_2017")
    assert events.wait(lambda: events.cards)
    assert ReaderState.NO_READER in events.states and events.cards[0].nationality == "USA"


@pytest.mark.parametrize("fault", [Fault.SPLIT, Fault.INTERLEAVED, Fault.GARBAGE, Fault.TRUNCATED])
@pytest.mark.parametrize("command", [Command.FIND_CARD, Command.SELECT_CARD, Command.READ_TEXT_PHOTO])
def test_answers_in_pieces_with_garbage_or_stale_frames_are_still_read(sim, open_reader, fault, command):
    """GIVEN an answer split into tiny pieces, run together with the previous answer, preceded by
    garbage, or cut short and sent again
    WHEN the card is read
    THEN the identity is delivered all the same, with no error."""
    reader, events = open_reader(sim.url)
    sim.inject(fault, command=command)
    sim.place("smith_2023")
    assert events.wait(lambda: events.cards)
    assert events.cards[0].id_number == "911840198502110012" and not events.errors


def test_a_bad_checksum_is_reported_and_the_card_read_when_placed_again(sim, open_reader):
    """GIVEN the read answer damaged on the line (bad CHK)
    WHEN the card is read
    THEN a ChecksumError is reported (state ERROR) and no identity is delivered; the reader, having
    sent the card, will not find it again until it is lifted and placed again, which reads it."""
    reader, events = open_reader(sim.url)
    sim.inject(Fault.BAD_CHECKSUM, command=Command.READ_TEXT_PHOTO)
    sim.place("li_yan")
    assert events.wait(lambda: events.errors)
    assert isinstance(events.errors[0], ChecksumError) and ReaderState.ERROR in events.states
    assert events.wait(lambda: events.states[-1] is ReaderState.CONNECTED)
    assert not events.cards
    sim.lift()
    time.sleep(0.15)
    sim.place("li_yan")
    assert events.wait(lambda: events.cards)


@pytest.mark.parametrize("command", [Command.FIND_CARD, Command.READ_TEXT_PHOTO])
def test_no_answer_is_a_bounded_timeout_and_the_next_poll_reads_the_card(sim, open_reader, command):
    """GIVEN the reader not answering one command
    WHEN polling
    THEN DeviceTimeout is reported after the bounded wait and the card is read on the next poll."""
    reader, events = open_reader(sim.url)
    sim.inject(Fault.NO_ANSWER, command=command)
    sim.place("ouyang_nana")
    started = time.monotonic()
    assert events.wait(lambda: events.cards)
    assert time.monotonic() - started < 3.0  # one bounded wait (0.3 or 0.5 s) and a poll or two
    assert [type(e) for e in events.errors] == [DeviceTimeout]


FAILING = [s for s in Status if STATUS_KINDS[s] in (StatusKind.HOST_FRAME, StatusKind.CARD, StatusKind.SAM)]


@pytest.mark.parametrize("status", FAILING, ids=[s.name for s in FAILING])
def test_each_failing_status_is_reported_as_its_error_type(sim, open_reader, status):
    """GIVEN the reader answering the read command with a failing status
    WHEN a card is placed
    THEN on_error gets the typed error for that status and the state is ERROR;
    the card (still unread) is read on the next poll."""
    reader, events = open_reader(sim.url)
    sim.inject(Fault.STATUS, command=Command.READ_TEXT_PHOTO, status=status)
    sim.place("li_yan")
    assert events.wait(lambda: events.cards)
    expected = {StatusKind.HOST_FRAME: ReaderRejected, StatusKind.CARD: CardUnreadable,
                StatusKind.SAM: SamFault}[STATUS_KINDS[status]]
    assert [type(e) for e in events.errors] == [expected]
    assert events.errors[0].params["status"] == f"{status.value:02X}"
    assert ReaderState.ERROR in events.states


def test_a_failing_sam_is_reported_once_not_at_every_poll(sim, open_reader):
    """GIVEN a SAM that fails every find-card command
    WHEN the reader polls many times
    THEN SamFault is reported once and the state stays ERROR; when the SAM recovers, CONNECTED."""
    reader, events = open_reader(sim.url)
    sim.inject(Fault.STATUS, command=Command.FIND_CARD, status=Status.SAM_SELF_TEST_FAILED, times=8)
    assert events.wait(lambda: events.errors)
    time.sleep(0.3)
    assert [type(e) for e in events.errors] == [SamFault]
    assert events.wait(lambda: events.states[-1] is ReaderState.CONNECTED)


@pytest.mark.parametrize("status", [Status.NO_CARD, Status.SELECT_FAILED])
def test_no_card_and_select_failed_are_not_errors(sim, open_reader, status):
    """GIVEN a card that moves away between find and select (or is not found once)
    THEN nothing is reported as an error and the card is read on a later poll."""
    reader, events = open_reader(sim.url)
    command = Command.FIND_CARD if status is Status.NO_CARD else Command.SELECT_CARD
    sim.inject(Fault.STATUS, command=command, status=status)
    sim.place("li_yan")
    assert events.wait(lambda: events.cards)
    assert not events.errors


def test_the_line_speed_is_emulated_and_honoured_at_9600_baud(open_reader):
    """GIVEN a reader and simulator at 9600 baud
    WHEN a card is read
    THEN it takes at least the wire time of the frames (the read answer alone is 1.35 s)."""
    with IdCardSimulator(baudrate=9600, thread_name="idcard-sim-test") as sim:
        reader, events = open_reader(sim.url, baudrate=9600, read_timeout_s=0.5)
        assert events.wait(lambda: ReaderState.CONNECTED in events.states)
        time.sleep(0.1)
        sim.place("li_yan")
        placed = time.monotonic()
        assert events.wait(lambda: events.cards, timeout_s=10)
        took = time.monotonic() - placed
        frames = 10 + 15 + 10 + 19 + 10 + 1295  # find, found, select, selected, read, read answer
        assert took >= wire_time_s(frames, 9600) * 0.98
        assert not events.errors


def test_read_once_returns_the_next_card_and_stops_its_thread(sim):
    """GIVEN a card on the reader
    WHEN read_once is called on a stopped reader
    THEN it returns the identity and leaves no thread running."""
    sim.place("li_yan")
    reader = IdCardReader(sim.url, poll_interval_s=0.05)
    who = reader.read_once(5.0)
    assert who.name == "李䶮" and not reader.running and reader.state is ReaderState.STOPPED


def test_read_once_without_a_card_raises_no_card_in_time(sim):
    reader = IdCardReader(sim.url, poll_interval_s=0.05)
    started = time.monotonic()
    with pytest.raises(NoCard):
        reader.read_once(0.4)
    assert 0.35 < time.monotonic() - started < 3.0


def test_read_once_without_a_reader_raises_not_found_at_once(sim):
    sim.unplug()
    time.sleep(0.1)
    reader = IdCardReader(sim.url)
    started = time.monotonic()
    with pytest.raises(DeviceNotFound):
        reader.read_once(5.0)
    assert time.monotonic() - started < 2.5  # at once, not after the 5 s


def test_read_once_raises_the_protocol_fault_it_meets(sim):
    sim.inject(Fault.BAD_CHECKSUM, command=Command.FIND_CARD)
    with pytest.raises(ChecksumError):
        IdCardReader(sim.url).read_once(5.0)


def test_stop_is_bounded_while_the_reader_does_not_answer(sim, open_reader):
    """GIVEN a reader that stopped answering
    WHEN the driver is stopped
    THEN stop() returns within the bounded answer wait and the owner thread is gone."""
    reader, events = open_reader(sim.url, answer_timeout_s=0.5)
    sim.inject(Fault.NO_ANSWER, times=1000)
    time.sleep(0.2)
    started = time.monotonic()
    reader.stop()
    assert time.monotonic() - started < 2.5 and not reader.running


def test_a_callback_that_fails_does_not_stop_the_reader(sim, open_reader):
    """GIVEN an on_card subscriber that raises
    WHEN a card is read, then another
    THEN the reader goes on and delivers the second card."""
    reader, events = open_reader(sim.url)
    calls = []

    def broken(identity):
        events._add(calls, identity)
        raise RuntimeError("subscriber bug")

    reader.on_card = broken
    sim.place("li_yan")
    assert events.wait(lambda: calls)
    reader.on_card = events.on_card
    sim.lift()
    time.sleep(0.15)
    sim.place("ouyang_nana")
    assert events.wait(lambda: events.cards)


def test_nothing_personal_reaches_the_logs(sim, open_reader, caplog):
    """GIVEN the driver logging at DEBUG
    WHEN cards are read and a damaged answer is met
    THEN no log line holds a name, a number or an address of the card."""
    caplog.set_level(logging.DEBUG)
    reader, events = open_reader(sim.url)
    sim.place("li_yan")
    assert events.wait(lambda: len(events.cards) == 1)
    sim.lift()
    sim.inject(Fault.BAD_CHECKSUM, command=Command.READ_TEXT_PHOTO)
    time.sleep(0.15)
    sim.place("li_yan")
    assert events.wait(lambda: events.errors)
    text = caplog.text + "".join(str(e) + e.message("technician", "zh_CN") for e in events.errors)
    for secret in ("李䶮", "320102195503121230", "中山路", "江苏省南京市"):
        assert secret not in text
    assert "3201**********1230" in text  # the masked repr was logged


def test_the_fingerprint_read_command_reads_the_same_card(sim):
    """GIVEN a reader set to read text + photo + fingerprint (30 10)
    WHEN a card without fingerprint data is placed
    THEN the text at offset 16 is read into the same identity."""
    sim.place("chen_dawen")
    who = IdCardReader(sim.url, fingerprint=True).read_once(5.0)
    card = SAMPLE_CARDS["chen_dawen"]
    assert who == parse_text(card.text, card.photo)
    commands = {e.command for e in sim.exchanges()}
    assert Command.READ_TEXT_PHOTO_FINGERPRINT in commands and Command.READ_TEXT_PHOTO not in commands


class PtyLine:
    """A pseudo-terminal whose far end is wired to the simulator: the driver opens a real tty path
    (/dev/pts/N) as it would /dev/ttyUSB0, with termios settings and posix reads."""

    def __init__(self, sim: IdCardSimulator) -> None:
        import os
        import socket

        self._os = os
        self.master, slave = os.openpty()
        self.path = os.ttyname(slave)
        self._slave = slave  # kept open so the line does not hang up between the driver's opens
        self._sock = socket.create_connection(("127.0.0.1", sim.port), timeout=2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, name="pty-bridge", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        import select

        while not self._stop.is_set():
            ready, _, _ = select.select([self.master, self._sock], [], [], 0.05)
            try:
                if self.master in ready:
                    self._sock.sendall(self._os.read(self.master, 4096))
                if self._sock in ready:
                    data = self._sock.recv(4096)
                    if not data:
                        return
                    self._os.write(self.master, data)
            except OSError:
                return

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._sock.close()
        self._os.close(self.master)
        self._os.close(self._slave)


def test_a_real_tty_path_is_read_like_a_serial_port(sim, open_reader):
    """GIVEN the simulator behind a pseudo-terminal (a real tty device path, as /dev/ttyUSB0 is)
    WHEN the driver opens the path at 115200 8N1 and a card is placed
    THEN the card is read as over socket://."""
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("pseudo-terminals as used here are Linux-only")
    line = PtyLine(sim)
    try:
        reader, events = open_reader(line.path)
        sim.place("li_yan")
        assert events.wait(lambda: events.cards)
        assert events.cards[0].name == "李䶮" and not events.errors
        reader.stop()
    finally:
        line.close()
