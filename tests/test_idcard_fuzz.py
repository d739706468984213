"""Property-based fuzzing of the frame splitter and the text parser (hypothesis).

Properties:
- random bytes, in random pieces, make the splitter return only checksum-valid frames or raise only
  ``FrameError`` (the protocol error type), never anything else;
- a valid frame after garbage (random, or with false preambles and lengths in it) is still found, unless
  the garbage itself holds a checksum-valid frame that overlaps it (then no reader could tell);
- random and mutated text blocks and read frames parse to an Identity or raise only ``FrameError``.
"""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from simulators.idcard_cards import SAMPLE_CARDS
from devices.idcard.protocol import (
    MAX_LEN,
    MIN_LEN,
    PREAMBLE,
    Answer,
    Frame,
    FrameError,
    FrameSplitter,
    build_frame,
    checksum,
    read_answer_blocks,
)
from devices.idcard.text import parse_text
from core.domain import Identity

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ANSWERS = [
    build_frame(bytes.fromhex("00 00 9F 00 00 00 00")),
    build_frame(bytes.fromhex("00 00 80")),
    build_frame(bytes.fromhex("00 00 90") + bytes(8)),
] + [build_frame(bytes.fromhex("00 00 90 01 00 04 00") + c.text + c.photo) for c in SAMPLE_CARDS.values()]


def split_all(stream: bytes, cuts: list[int]) -> tuple[list[bytes], int]:
    """Feeds ``stream`` cut at ``cuts``; returns the frames found and how many FrameErrors were raised."""
    splitter = FrameSplitter()
    frames, errors = [], 0
    points = sorted({c % (len(stream) + 1) for c in cuts} | {0, len(stream)})
    for start, end in zip(points, points[1:]):
        splitter.feed(stream[start:end])
        while True:
            try:
                frame = splitter.next_frame()
            except FrameError:
                errors += 1
                continue
            if frame is None:
                break
            frames.append(frame.raw)
    return frames, errors


@FUZZ
@given(st.binary(max_size=3000), st.lists(st.integers(min_value=0), max_size=20))
def test_random_bytes_give_only_valid_frames_or_protocol_errors(stream, cuts):
    frames, _ = split_all(stream, cuts)
    for raw in frames:
        assert raw.startswith(PREAMBLE) and checksum(raw[5:-1]) == raw[-1]
        assert len(raw) == 7 + int.from_bytes(raw[5:7], "big")


def overlapping_false_frame(stream: bytes, real_start: int) -> bool:
    """Whether a checksum-valid frame starts before ``real_start`` and runs into it."""
    pos = stream.find(PREAMBLE)
    while 0 <= pos < real_start:
        if pos + 7 <= len(stream):
            length = int.from_bytes(stream[pos + 5:pos + 7], "big")
            end = pos + 7 + length
            if (MIN_LEN <= length <= MAX_LEN and real_start < end <= len(stream)
                    and checksum(stream[pos + 5:end - 1]) == stream[end - 1]):
                return True
        pos = stream.find(PREAMBLE, pos + 1)
    return False


garbage = st.one_of(
    st.binary(max_size=200),
    # false starts: a preamble (or part of one) with a made-up length and a little of whatever follows
    st.tuples(st.binary(max_size=20), st.integers(1, 5), st.binary(min_size=0, max_size=2),
              st.binary(max_size=30)).map(lambda t: t[0] + PREAMBLE[:t[1]] + t[2] + t[3]),
    st.tuples(st.binary(max_size=20), st.integers(0, 0xFFFF), st.binary(max_size=30)).map(
        lambda t: t[0] + PREAMBLE + t[1].to_bytes(2, "big") + t[2]),
)


@FUZZ
@given(garbage, st.sampled_from(ANSWERS), st.lists(st.integers(min_value=0), max_size=12))
def test_a_valid_frame_after_garbage_is_still_found(junk, frame, cuts):
    stream = junk + frame
    assume(not overlapping_false_frame(stream, len(junk)))
    frames, _ = split_all(stream, cuts)
    assert frames and frames[-1] == frame


def mutate(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    out = bytearray(data)
    for kind, where, value in edits:
        if not out:
            break
        at = where % len(out)
        if kind == 0:
            out[at] = value
        elif kind == 1:
            del out[at]
        elif kind == 2:
            out.insert(at, value)
        else:
            del out[at:]
    return bytes(out)


edits = st.lists(st.tuples(st.integers(0, 3), st.integers(min_value=0), st.integers(0, 255)), min_size=1,
                 max_size=6)


def read_pipeline(stream: bytes) -> list[Identity]:
    """What the reader does with a read answer: split, check the answer, take the blocks, parse."""
    out = []
    frames, _ = split_all(stream, [])
    for raw in frames:
        try:
            answer = Answer.from_frame(Frame(raw))
            text, photo = read_answer_blocks(answer)
            out.append(parse_text(text, photo))
        except FrameError:
            continue
    return out


@FUZZ
@given(st.sampled_from(ANSWERS[3:]), edits)
def test_mutated_read_frames_raise_only_the_protocol_error(frame, changes):
    for who in read_pipeline(mutate(frame, changes)):
        assert isinstance(who, Identity)


@FUZZ
@given(st.sampled_from([c.text for c in SAMPLE_CARDS.values()]), edits)
def test_mutated_text_blocks_parse_or_raise_only_the_protocol_error(block, changes):
    try:
        who = parse_text(mutate(block, changes))
    except FrameError:
        return
    assert isinstance(who, Identity) and who.id_number not in repr(who)


@FUZZ
@given(st.binary(min_size=256, max_size=256), st.sampled_from([" ", "J", "I", "Y"]))
def test_random_text_blocks_of_each_type_raise_only_the_protocol_error(block, code):
    block = block[:248] + code.encode("utf-16-le") + block[250:]
    try:
        parse_text(block)
    except FrameError:
        pass


@FUZZ
@given(st.binary(max_size=300))
def test_random_text_of_any_length_raises_only_the_protocol_error(block):
    try:
        parse_text(block)
    except FrameError:
        pass
