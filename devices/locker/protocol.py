"""The lock-control board's frames, pure (no I/O): build, check, and find them in a stream of bytes.

Every frame is five bytes, ``HEAD BOARD LOCK CODE BCC``, BCC being the XOR of the first four
(docs/locker.md "Frames"):

    open one lock        8A bb ll 11 cc   →  8A bb ll ss cc   (ss: opened or not, as the lock is wired)
    open every lock      8A bb 00 11 cc   →  8A bb 00 ss cc
    query one door       80 bb ll 33 cc   →  80 bb ll ss cc   (ss: door closed or open)

``parse_frame`` checks one frame strictly; ``FrameReader`` finds frames in what the bus delivers: bytes
before a head byte are skipped, and a candidate whose BCC is wrong is dropped one byte at a time so a good
frame hidden behind noise is still found (resynchronisation). ``reply_to`` checks that a reply answers a
request (same head, the board and lock echoed); ``Wiring`` says what a status byte means.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import DeviceProtocolError
from core.ports.locker import DoorState

DEVICE = "locker"
FRAME_LEN = 5
HEAD_OPEN = 0x8A
HEAD_QUERY = 0x80
HEADS = (HEAD_OPEN, HEAD_QUERY)
CODE_OPEN = 0x11
CODE_QUERY = 0x33
ALL_LOCKS = 0x00
MAX_ADDRESS = 0xFF


class FrameError(DeviceProtocolError):
    """Bytes on the bus that are not a frame of the protocol (wrong head, bad BCC, short, wrong echo)."""

    key = "locker.error.frame"

    def __init__(self, detail: str = "", *, key: str | None = None, **params: object) -> None:
        params.setdefault("device", DEVICE)
        super().__init__(detail, key=key, **params)


def bcc(data: bytes) -> int:
    """The XOR of ``data``'s bytes."""
    value = 0
    for byte in data:
        value ^= byte
    return value


@dataclass(frozen=True)
class Frame:
    head: int
    board: int
    lock: int
    code: int

    @property
    def raw(self) -> bytes:
        body = bytes((self.head, self.board, self.lock, self.code))
        return body + bytes((bcc(body),))

    def hex(self) -> str:
        return self.raw.hex(" ").upper()


def _address(name: str, value: int, low: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= MAX_ADDRESS:
        raise ValueError(f"{name} must be from {low} to {MAX_ADDRESS}, not {value!r}")
    return value


def open_frame(board: int, lock: int) -> Frame:
    """"Open ``lock`` of ``board``" (``ALL_LOCKS``: every lock of the board)."""
    return Frame(HEAD_OPEN, _address("board", board, 1), _address("lock", lock, 0), CODE_OPEN)


def query_frame(board: int, lock: int) -> Frame:
    """"How is the door of ``lock`` of ``board``"."""
    return Frame(HEAD_QUERY, _address("board", board, 1), _address("lock", lock, 1), CODE_QUERY)


def parse_frame(raw: bytes) -> Frame:
    """One frame, checked: five bytes, a known head, a right BCC; ``FrameError`` otherwise."""
    if len(raw) != FRAME_LEN:
        raise FrameError(f"a frame has {FRAME_LEN} bytes, not {len(raw)}: {raw.hex(' ').upper()}",
                         key="locker.error.short" if len(raw) < FRAME_LEN else None)
    if raw[0] not in HEADS:
        raise FrameError(f"unknown head {raw[0]:02X} in {raw.hex(' ').upper()}", key="locker.error.head")
    if bcc(raw[:4]) != raw[4]:
        raise FrameError(f"BCC {raw[4]:02X} should be {bcc(raw[:4]):02X} in {raw.hex(' ').upper()}",
                         key="locker.error.checksum")
    return Frame(raw[0], raw[1], raw[2], raw[3])


def reply_to(request: Frame, reply: Frame) -> bool:
    """True when ``reply`` answers ``request``: the same head, its board and lock echoed."""
    return (reply.head, reply.board, reply.lock) == (request.head, request.board, request.lock)


class FrameReader:
    """Frames out of bytes as the bus delivers them, in any pieces.

    ``feed(data)`` adds bytes; ``next_frame()`` returns the next whole, checked frame or None when more
    bytes are needed. On the way it skips bytes that cannot start a frame and candidates with a wrong
    BCC (dropping only their head byte, so a frame starting inside them is still found); ``skipped``
    counts them and ``fault`` keeps the last such error, for a bus on which nothing good came.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.skipped = bytearray()
        self.fault: FrameError | None = None
        self._noise = bytearray()  # the bytes outside frames since clear(), for the fault's detail

    def clear(self) -> None:
        self._buffer.clear()
        self.skipped.clear()
        self._noise.clear()
        self.fault = None

    def feed(self, data: bytes) -> None:
        self._buffer += data

    @property
    def pending(self) -> bytes:
        """Bytes kept for a frame not yet complete."""
        return bytes(self._buffer)

    def take_skipped(self) -> bytes:
        skipped, self.skipped = bytes(self.skipped), bytearray()
        return skipped

    def next_frame(self) -> Frame | None:
        buffer = self._buffer
        while buffer:
            if buffer[0] not in HEADS:
                self._noise += buffer[:1]
                self._skip(1)
                if self.fault is None or self.fault.key == "locker.error.garbage":
                    self.fault = FrameError(f"bytes outside a frame: {self._noise[-32:].hex(' ').upper()}",
                                            key="locker.error.garbage")
                continue
            if len(buffer) < FRAME_LEN:
                return None
            try:
                frame = parse_frame(bytes(buffer[:FRAME_LEN]))
            except FrameError as exc:
                self.fault = exc
                self._skip(1)
                continue
            del buffer[:FRAME_LEN]
            return frame
        return None

    def _skip(self, n: int) -> None:
        self.skipped += self._buffer[:n]
        del self._buffer[:n]


@dataclass(frozen=True)
class Wiring:
    """What status bytes mean on this installation: a lock's feedback may be wired either way round.

    ``opened``: the answer to "open" when the lock released, and to "query" when the door is open;
    ``closed``: the answer to "open" when the lock stayed shut, and to "query" when the door is closed.
    """

    opened: int = 0x00
    closed: int = 0x11

    def __post_init__(self) -> None:
        for name in ("opened", "closed"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 0 <= value <= 0xFF:
                raise ValueError(f"{name} status must be a byte (0 to 255), not {value!r}")
        if self.opened == self.closed:
            raise ValueError(f"opened and closed status must differ, both are {self.opened:02X}")

    def opened_by(self, reply: Frame) -> bool:
        """The answer to "open": released or not; ``FrameError`` for a status the wiring does not know."""
        if reply.code == self.opened:
            return True
        if reply.code == self.closed:
            return False
        raise FrameError(f"open answered status {reply.code:02X}, neither opened ({self.opened:02X}) nor "
                         f"closed ({self.closed:02X}): {reply.hex()}", key="locker.error.status")

    def door(self, reply: Frame) -> DoorState:
        if reply.code == self.opened:
            return DoorState.OPEN
        if reply.code == self.closed:
            return DoorState.CLOSED
        raise FrameError(f"query answered status {reply.code:02X}, neither open ({self.opened:02X}) nor "
                         f"closed ({self.closed:02X}): {reply.hex()}", key="locker.error.status")

    def status_for(self, *, opened: bool) -> int:
        return self.opened if opened else self.closed


def wire_time_s(n_bytes: int, baudrate: int) -> float:
    """Time ``n_bytes`` take on the line at 8N1 (ten bits a byte)."""
    return n_bytes * 10 / baudrate
