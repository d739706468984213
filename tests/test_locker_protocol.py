"""The lock-control board's frames (devices/locker/protocol.py, docs/locker.md): five bytes, HEAD BOARD LOCK
CODE BCC with BCC the XOR of the first four; every malformed frame is refused, and frames are found again
in a stream that carries noise."""

from __future__ import annotations

import pytest

from devices.locker.protocol import (
    ALL_LOCKS,
    Frame,
    FrameError,
    FrameReader,
    Wiring,
    bcc,
    open_frame,
    parse_frame,
    query_frame,
    reply_to,
)
from core.errors import DeviceProtocolError
from core.ports.locker import DoorState


def test_bcc_is_the_xor_of_the_first_four_bytes():
    assert bcc(bytes.fromhex("8A 01 01 11")) == 0x8A ^ 0x01 ^ 0x01 ^ 0x11 == 0x9B
    assert bcc(b"") == 0


@pytest.mark.parametrize(("frame", "wire"), [
    (open_frame(1, 1), "8A 01 01 11 9B"),
    (open_frame(2, 24), "8A 02 18 11 81"),
    (open_frame(3, ALL_LOCKS), "8A 03 00 11 98"),
    (query_frame(1, 1), "80 01 01 33 B3"),
    (query_frame(32, 12), "80 20 0C 33 9F"),
])
def test_requests_are_built_as_the_boards_expect(frame, wire):
    """GIVEN a board and lock THEN "open" is 8A bb ll 11 cc, "open every lock" has lock 00, "query" is
    80 bb ll 33 cc, each ending with its BCC."""
    assert frame.raw == bytes.fromhex(wire)
    assert parse_frame(frame.raw) == frame


@pytest.mark.parametrize(("build", "board", "lock"), [
    (open_frame, 0, 1), (open_frame, 256, 1), (open_frame, 1, 256), (open_frame, 1, -1),
    (query_frame, 1, 0), (query_frame, 0, 5), (query_frame, True, 1),
])
def test_addresses_outside_a_byte_or_zero_are_refused(build, board, lock):
    with pytest.raises(ValueError):
        build(board, lock)


@pytest.mark.parametrize(("raw", "key"), [
    ("8A 01 01 00", "locker.error.short"),
    ("", "locker.error.short"),
    ("8A 01 01 00 8A 00", "locker.error.frame"),
    ("81 01 01 00 81", "locker.error.head"),
    ("8A 01 01 00 8B", "locker.error.checksum"),
    ("80 01 01 11 00", "locker.error.checksum"),
])
def test_a_malformed_frame_is_a_protocol_error_with_its_reason(raw, key):
    """GIVEN a short frame, a long one, an unknown head or a wrong BCC THEN parse_frame refuses it with a
    DeviceProtocolError whose key names the reason, and the bytes in its detail."""
    with pytest.raises(DeviceProtocolError) as caught:
        parse_frame(bytes.fromhex(raw))
    assert caught.value.key == key and caught.value.device == "locker"


def test_a_reply_must_echo_the_head_board_and_lock_of_its_request():
    request = open_frame(2, 7)
    assert reply_to(request, Frame(0x8A, 2, 7, 0x00))
    assert not reply_to(request, Frame(0x8A, 2, 8, 0x00))  # another lock
    assert not reply_to(request, Frame(0x8A, 3, 7, 0x00))  # another board
    assert not reply_to(request, Frame(0x80, 2, 7, 0x00))  # a query's answer


def test_frames_arriving_in_pieces_are_reassembled():
    reader = FrameReader()
    wire = open_frame(1, 5).raw + query_frame(1, 5).raw
    for byte in wire:
        reader.feed(bytes((byte,)))
    assert reader.next_frame() == open_frame(1, 5)
    assert reader.next_frame() == query_frame(1, 5)
    assert reader.next_frame() is None and reader.skipped == b"" and reader.fault is None


def test_noise_before_a_frame_is_skipped_and_counted():
    """GIVEN bytes that start no frame (00 FF 55) before a reply THEN the reply is found and the noise
    is kept aside as skipped, with a "garbage" fault remembered for a bus where nothing good comes."""
    reader = FrameReader()
    reader.feed(bytes.fromhex("00 FF 55") + Frame(0x80, 1, 2, 0x11).raw)
    assert reader.next_frame() == Frame(0x80, 1, 2, 0x11)
    assert reader.take_skipped() == bytes.fromhex("00 FF 55")
    assert reader.fault is not None and reader.fault.key == "locker.error.garbage"


def test_a_false_head_in_the_noise_does_not_hide_the_frame_behind_it():
    """GIVEN noise that contains a head byte (8A 01), so the first five bytes look like a frame with a
    wrong BCC THEN the reader drops one byte at a time and finds the real frame starting inside them."""
    reader = FrameReader()
    reply = Frame(0x8A, 1, 3, 0x00).raw
    reader.feed(bytes.fromhex("8A 01") + reply)
    assert reader.next_frame() == Frame(0x8A, 1, 3, 0x00)
    assert reader.take_skipped() == bytes.fromhex("8A 01")
    assert reader.fault is not None and reader.fault.key == "locker.error.checksum"


def test_a_frame_with_a_bad_bcc_is_never_returned():
    reader = FrameReader()
    damaged = bytearray(Frame(0x80, 1, 1, 0x11).raw)
    damaged[4] ^= 0x5A
    reader.feed(bytes(damaged))
    assert reader.next_frame() is None
    assert reader.fault is not None and reader.fault.key == "locker.error.checksum"
    assert isinstance(reader.fault, FrameError)


def test_a_partial_frame_waits_for_its_last_bytes():
    reader = FrameReader()
    reader.feed(Frame(0x80, 1, 1, 0x11).raw[:3])
    assert reader.next_frame() is None and reader.pending == Frame(0x80, 1, 1, 0x11).raw[:3]


def test_the_common_wiring_says_00_opened_and_11_closed():
    wiring = Wiring()
    assert wiring.opened_by(Frame(0x8A, 1, 1, 0x00)) is True
    assert wiring.opened_by(Frame(0x8A, 1, 1, 0x11)) is False
    assert wiring.door(Frame(0x80, 1, 1, 0x00)) is DoorState.OPEN
    assert wiring.door(Frame(0x80, 1, 1, 0x11)) is DoorState.CLOSED


def test_reversed_feedback_wiring_is_a_setting():
    """GIVEN locks whose feedback switch is wired the other way round THEN 11 means opened / open."""
    wiring = Wiring(opened=0x11, closed=0x00)
    assert wiring.opened_by(Frame(0x8A, 1, 1, 0x11)) is True
    assert wiring.door(Frame(0x80, 1, 1, 0x00)) is DoorState.CLOSED


def test_a_status_the_wiring_does_not_know_is_a_protocol_error():
    with pytest.raises(DeviceProtocolError) as caught:
        Wiring().door(Frame(0x80, 1, 1, 0x42))
    assert caught.value.key == "locker.error.status"
    with pytest.raises(DeviceProtocolError):
        Wiring().opened_by(Frame(0x8A, 1, 1, 0x42))


@pytest.mark.parametrize(("opened", "closed"), [(0x00, 0x00), (-1, 0x11), (0x00, 0x100)])
def test_a_wiring_needs_two_different_bytes(opened, closed):
    with pytest.raises(ValueError):
        Wiring(opened, closed)


def test_a_line_of_noise_only_is_a_garbage_fault_naming_the_bytes():
    reader = FrameReader()
    reader.feed(bytes.fromhex("00 FF 55 AA"))
    assert reader.next_frame() is None
    assert reader.fault is not None and reader.fault.key == "locker.error.garbage"
    assert "00 FF 55 AA" in reader.fault.detail
