"""The ID-card reader's serial protocol (the SAM module interface): bytes in, values out. No I/O.

Every byte value and offset here comes from docs/idcard.md section 1 (the GA 467-2013 interface; cited
below as *ref*, with the subsection: Link, Frames, Status, Read answer, Text block).

    frame = command_frame(Command.FIND_CARD)          # AA AA AA 96 69 00 03 20 01 22
    splitter = FrameSplitter()
    splitter.feed(chunk)                               # bytes as they arrive, in any pieces
    frame = splitter.next_frame()                      # a Frame, None (need more), or raises FrameError
    answer = Answer.from_frame(frame)                  # SW1 SW2 SW3 + data; answer.status is a Status
    text, photo = read_answer_blocks(answer)           # 256-byte text block, 1024-byte WLT photo
    identity = parse_text(text, photo)                 # core.domain.Identity (see devices/idcard/text.py)

Faults of the byte stream (bad checksum, bad length, truncated frame, an answer of the wrong shape) raise
``FrameError``, a ``DeviceProtocolError``. What the reader itself reports (no card, select failed, SAM
fault…) is a ``Status`` value; ``status_error`` turns the failing ones into typed ``DeviceError``s.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core.errors import DeviceError, DeviceProtocolError, HardwareFault

DEVICE = "idcard_reader"  # the device name in errors (core/i18n: device.idcard_reader)

# ref, Frames: every frame starts with this preamble, in both directions.
PREAMBLE = b"\xAA\xAA\xAA\x96\x69"
HEADER_SIZE = 7  # preamble (5) + LEN_H LEN_L (2); ref, Link: "read the 7-byte header, then LEN more"
# LEN counts every byte after the LEN field, CHK included (ref, Frames). The shortest frame is a command
# (CMD PARA CHK = 3); the longest answer is text + photo + fingerprint (3 + 6 + 256 + 1024 + 1024 + 1 =
# 2314, ref, Read answer). A LEN outside [3, 4096] cannot be a frame of this protocol.
MIN_LEN = 3
MAX_LEN = 4096

TEXT_SIZE = 256  # ref, Read answer: text length 01 00
PHOTO_SIZE = 1024  # ref, Read answer: photo length 04 00


class FrameError(DeviceProtocolError):
    """The byte stream does not follow the frame format (ref, Frames). Never carries personal data."""

    key = "idcard.error.frame"

    def __init__(self, detail: str = "", **params) -> None:
        super().__init__(detail, device=DEVICE, **params)


class ChecksumError(FrameError):
    key = "idcard.error.checksum"


class LengthError(FrameError):
    key = "idcard.error.length"


class TruncatedFrame(FrameError):
    """A frame stopped short and a complete frame began inside it (the reader was reset mid-answer)."""

    key = "idcard.error.truncated"


class UnexpectedAnswer(FrameError):
    """A well-formed frame that is not an answer to the command sent (wrong shape or unknown status)."""

    key = "idcard.error.unexpected_answer"


def checksum(body: bytes) -> int:
    """XOR of LEN_H, LEN_L and every following byte except CHK (ref, Frames; preamble excluded)."""
    value = 0
    for byte in body:
        value ^= byte
    return value


def build_frame(payload: bytes) -> bytes:
    """A frame around ``payload`` (CMD PARA [DATA] or SW1 SW2 SW3 [DATA]): preamble, LEN, payload, CHK."""
    length = len(payload) + 1  # ref, Frames: LEN counts the payload and CHK
    if not MIN_LEN <= length <= MAX_LEN:
        raise ValueError(f"payload of {len(payload)} bytes does not fit a frame")
    body = length.to_bytes(2, "big") + payload  # ref, Frames: LEN is big-endian
    return PREAMBLE + body + bytes([checksum(body)])


class Command(enum.Enum):
    """Host → reader commands as (CMD, PARA) (ref, Frames, command table)."""

    FIND_CARD = (0x20, 0x01)
    SELECT_CARD = (0x20, 0x02)
    READ_TEXT_PHOTO = (0x30, 0x01)
    READ_TEXT_PHOTO_FINGERPRINT = (0x30, 0x10)
    READ_APPENDED_ADDRESS = (0x30, 0x03)
    SAM_ID = (0x12, 0xFF)
    SAM_STATUS = (0x11, 0xFF)
    RESET_SAM = (0x10, 0xFF)

    @classmethod
    def from_payload(cls, payload: bytes) -> Command | None:
        """The command a host frame carries (the simulator's side), or None if unknown."""
        if len(payload) < 2:
            return None
        for command in cls:
            if command.value == (payload[0], payload[1]):
                return command
        return None


def command_frame(command: Command, data: bytes = b"") -> bytes:
    return build_frame(bytes(command.value) + data)


class Status(enum.IntEnum):
    """SW3 of an answer (ref, Status; SW1 SW2 are 00 00 in every trace)."""

    SUCCESS = 0x90
    CARD_FOUND = 0x9F  # answer to find card
    NO_CONTENT = 0x91  # e.g. no appended address
    CHECKSUM_ERROR = 0x10  # the reader says *our* frame had a bad checksum
    LENGTH_ERROR = 0x11
    COMMAND_ERROR = 0x21
    NOT_PERMITTED = 0x23
    UNRECOGNISED_ERROR = 0x24
    CARD_AUTH_SAM_FAILED = 0x31  # card failed to authenticate the SAM
    SAM_AUTH_CARD_FAILED = 0x32  # SAM failed to authenticate the card
    VERIFICATION_ERROR = 0x33
    UNKNOWN_CARD_TYPE = 0x40
    READ_FAILED = 0x41
    RANDOM_FAILED = 0x47
    SAM_SELF_TEST_FAILED = 0x60
    SAM_NOT_AUTHORISED = 0x66
    NO_CARD = 0x80  # find card failed
    SELECT_FAILED = 0x81

    @property
    def ok(self) -> bool:
        return self in (Status.SUCCESS, Status.CARD_FOUND)


class StatusKind(enum.Enum):
    """What a status means for the host, and so which error (if any) it becomes."""

    OK = "ok"  # success, card found
    NO_CARD = "no_card"  # nothing on the reader, or the card moved away between find and select
    NO_CONTENT = "no_content"  # the item does not exist on this card
    HOST_FRAME = "host_frame"  # the reader rejected our frame: a protocol fault on our side of the link
    CARD = "card"  # the card could not be read or authenticated: place it again
    SAM = "sam"  # the reader's security module failed: the reader needs service


STATUS_KINDS: dict[Status, StatusKind] = {
    Status.SUCCESS: StatusKind.OK,
    Status.CARD_FOUND: StatusKind.OK,
    Status.NO_CONTENT: StatusKind.NO_CONTENT,
    Status.CHECKSUM_ERROR: StatusKind.HOST_FRAME,
    Status.LENGTH_ERROR: StatusKind.HOST_FRAME,
    Status.COMMAND_ERROR: StatusKind.HOST_FRAME,
    Status.NOT_PERMITTED: StatusKind.HOST_FRAME,
    Status.UNRECOGNISED_ERROR: StatusKind.HOST_FRAME,
    Status.CARD_AUTH_SAM_FAILED: StatusKind.CARD,
    Status.SAM_AUTH_CARD_FAILED: StatusKind.CARD,
    Status.VERIFICATION_ERROR: StatusKind.CARD,
    Status.UNKNOWN_CARD_TYPE: StatusKind.CARD,
    Status.READ_FAILED: StatusKind.CARD,
    Status.RANDOM_FAILED: StatusKind.CARD,
    Status.SAM_SELF_TEST_FAILED: StatusKind.SAM,
    Status.SAM_NOT_AUTHORISED: StatusKind.SAM,
    Status.NO_CARD: StatusKind.NO_CARD,
    Status.SELECT_FAILED: StatusKind.NO_CARD,
}


class ReaderRejected(DeviceProtocolError):
    """The reader answered that the host's frame was wrong (SW3 10, 11, 21, 23, 24)."""

    key = "idcard.error.rejected"


class CardUnreadable(HardwareFault):
    """The card could not be read or authenticated (SW3 31, 32, 33, 40, 41, 47): place it again."""

    key = "idcard.error.card"


class SamFault(HardwareFault):
    """The reader's security module failed (SW3 60, 66): the reader needs service."""

    key = "idcard.error.sam"


def status_error(status: Status, command: Command) -> DeviceError | None:
    """The error a failing status stands for, or None for OK / no card / no content."""
    kind = STATUS_KINDS[status]
    detail = f"{command.name} answered SW3 {status.value:02X} ({status.name})"
    if kind is StatusKind.HOST_FRAME:
        return ReaderRejected(detail, device=DEVICE, status=f"{status.value:02X}")
    if kind is StatusKind.CARD:
        return CardUnreadable(detail, device=DEVICE, status=f"{status.value:02X}")
    if kind is StatusKind.SAM:
        return SamFault(detail, device=DEVICE, status=f"{status.value:02X}")
    return None


@dataclass(frozen=True)
class Frame:
    """One checked frame: ``payload`` is what lies between LEN and CHK."""

    raw: bytes

    @property
    def payload(self) -> bytes:
        return self.raw[HEADER_SIZE:-1]


@dataclass(frozen=True)
class Answer:
    """A reader → host frame: SW1 SW2 SW3 [DATA] (ref, Frames)."""

    sw1: int
    sw2: int
    status: Status
    data: bytes
    frame: Frame

    @classmethod
    def from_frame(cls, frame: Frame) -> Answer:
        payload = frame.payload
        if len(payload) < 3:
            raise UnexpectedAnswer(f"answer of {len(payload)} payload bytes has no SW1 SW2 SW3")
        try:
            status = Status(payload[2])
        except ValueError:
            raise UnexpectedAnswer(f"unknown status SW3 {payload[2]:02X}") from None
        return cls(payload[0], payload[1], status, payload[3:], frame)


# The data an OK answer carries, per command, in bytes (ref, Status "Typical answers" and Read answer).
# find card: 9F + 4 zero bytes; select: 90 + 8 zero bytes; SAM status and reset: 90 alone.
_OK_DATA_SIZE = {
    Command.FIND_CARD: 4,
    Command.SELECT_CARD: 8,
    Command.SAM_STATUS: 0,
    Command.RESET_SAM: 0,
}


def answer_fits(command: Command, answer: Answer) -> bool:
    """Whether ``answer`` can be the reader's answer to ``command``.

    A stale answer to an earlier command (an interleaved frame, ref, Link: "data arrives in pieces") has
    the wrong status or shape and is skipped by the reader rather than taken for this command's answer.
    A failing status with no data fits any command. (A stale "no card" taken as the answer to "find
    card" cannot be told apart; it costs one poll, no more.)
    """
    if not answer.status.ok and answer.status is not Status.NO_CONTENT:
        return not answer.data
    if answer.status is Status.NO_CONTENT:
        return command is Command.READ_APPENDED_ADDRESS and not answer.data
    if command is Command.FIND_CARD:
        return answer.status is Status.CARD_FOUND and len(answer.data) == _OK_DATA_SIZE[command]
    if answer.status is not Status.SUCCESS:
        return False
    if command in _OK_DATA_SIZE:
        return len(answer.data) == _OK_DATA_SIZE[command]
    if command is Command.READ_TEXT_PHOTO:
        return len(answer.data) == 4 + TEXT_SIZE + PHOTO_SIZE
    if command is Command.READ_TEXT_PHOTO_FINGERPRINT:
        return len(answer.data) >= 6 + TEXT_SIZE + PHOTO_SIZE
    return True  # SAM id, appended address: variable data


def read_answer_blocks(answer: Answer, *, fingerprint: bool = False) -> tuple[bytes, bytes]:
    """The text block and the WLT photo of a read answer (ref, Read answer).

    After SW3 come big-endian lengths: text (01 00) and photo (04 00), and with the fingerprint command a
    third one; then the blocks in that order. Text starts at frame offset 14 (16 with fingerprint).
    """
    data = answer.data
    fields = 3 if fingerprint else 2
    head = 2 * fields
    if len(data) < head:
        raise UnexpectedAnswer("read answer too short for its length fields")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    extra_len = int.from_bytes(data[4:6], "big") if fingerprint else 0
    if text_len != TEXT_SIZE or photo_len != PHOTO_SIZE:
        raise UnexpectedAnswer(f"read answer declares text {text_len} and photo {photo_len} bytes")
    if len(data) != head + text_len + photo_len + extra_len:
        raise UnexpectedAnswer(f"read answer holds {len(data)} data bytes, its lengths say otherwise")
    text = data[head:head + text_len]
    photo = data[head + text_len:head + text_len + photo_len]
    return bytes(text), bytes(photo)


class FrameSplitter:
    """Splits a byte stream into checked frames, whatever pieces it arrives in.

    - bytes before a preamble are skipped (and kept for the raw view: ``take_skipped``);
    - a LEN outside [MIN_LEN, MAX_LEN] or a bad CHK drops the first preamble byte, so the search starts
      again right after it, and raises ``LengthError`` / ``ChecksumError``;
    - if a frame is incomplete or fails its CHK and a complete, valid frame starts inside it, the short
      one is dropped up to there with ``TruncatedFrame``: a valid frame after garbage is always found.

    Call ``next_frame`` until it returns None after each ``feed``; ``wanted`` says how many more bytes the
    frame in progress needs (so a transport can read exactly that many, ref, Link).
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._skipped = bytearray()

    def feed(self, data: bytes) -> None:
        self._buf += data

    def clear(self) -> None:
        self._skipped += self._buf
        self._buf.clear()

    def take_skipped(self) -> bytes:
        """Bytes skipped as not part of any frame since the last call."""
        skipped = bytes(self._skipped)
        self._skipped.clear()
        return skipped

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def _skip(self, count: int) -> None:
        self._skipped += self._buf[:count]
        del self._buf[:count]

    def _sync(self) -> bool:
        """Drops bytes before the first preamble; False if there is none yet."""
        start = self._buf.find(PREAMBLE)
        if start < 0:
            # Keep a tail that may be the start of a preamble cut off by the end of this piece.
            keep = len(PREAMBLE) - 1
            if len(self._buf) > keep:
                self._skip(len(self._buf) - keep)
            return False
        if start:
            self._skip(start)
        return True

    def wanted(self) -> int:
        """Bytes still needed to complete the frame in progress (at least 1)."""
        if not self._buf.startswith(PREAMBLE):
            return max(1, HEADER_SIZE - len(self._buf))
        if len(self._buf) < HEADER_SIZE:
            return HEADER_SIZE - len(self._buf)
        length = int.from_bytes(self._buf[5:7], "big")
        return max(1, HEADER_SIZE + length - len(self._buf))

    def next_frame(self) -> Frame | None:
        if not self._sync() or len(self._buf) < HEADER_SIZE:
            return None
        length = int.from_bytes(self._buf[5:7], "big")
        if not MIN_LEN <= length <= MAX_LEN:
            self._skip(1)
            raise LengthError(f"LEN {length} outside {MIN_LEN}..{MAX_LEN}")
        end = HEADER_SIZE + length
        if len(self._buf) < end:
            later = self._complete_frame_inside(end)
            if later is not None:
                self._skip(later)
                raise TruncatedFrame("a frame stopped short; the next one begins inside it")
            return None
        raw = bytes(self._buf[:end])
        if checksum(raw[5:-1]) != raw[-1]:
            later = self._complete_frame_inside(end)
            if later is not None:  # it was cut short, and the LEN it claimed ran into the next frame
                self._skip(later)
                raise TruncatedFrame("a frame stopped short; the next one begins inside it")
            self._skip(1)
            raise ChecksumError(f"CHK {raw[-1]:02X}, computed {checksum(raw[5:-1]):02X}")
        del self._buf[:end]
        return Frame(raw)

    def _complete_frame_inside(self, end: int) -> int | None:
        """Offset of a later preamble (before ``end``) that begins a complete frame with a good CHK."""
        start = self._buf.find(PREAMBLE, 1)
        while 0 < start < end:
            if start + HEADER_SIZE <= len(self._buf):
                length = int.from_bytes(self._buf[start + 5:start + 7], "big")
                stop = start + HEADER_SIZE + length
                if MIN_LEN <= length <= MAX_LEN and stop <= len(self._buf):
                    if checksum(self._buf[start + 5:stop - 1]) == self._buf[stop - 1]:
                        return start
            start = self._buf.find(PREAMBLE, start + 1)
        return None


def wire_time_s(n_bytes: int, baudrate: int) -> float:
    """Time ``n_bytes`` take on an 8N1 line: 10 bits each (start, 8 data, stop; ref, Link)."""
    return n_bytes * 10 / baudrate
