"""An ID-card reader that speaks the SAM serial protocol over TCP on 127.0.0.1 (pyserial ``socket://``).

It behaves like the readers of docs/idcard.md (section 1, cited as *ref*): it answers find
card / select / read with the frames it shows, and after a successful read "find card" fails
until the card is lifted and placed again (ref, Link). It emulates the wire: each command and answer takes
``bytes × 10 / baud`` seconds (8N1), the answer arriving in pieces as it would from a UART.

    with IdCardSimulator(baudrate=115200) as sim:     # .start() on enter, .stop() on exit
        reader = IdCardReader(sim.url)                 # "socket://127.0.0.1:PORT"
        sim.place("li_yan")                            # or a SampleCard; sim.lift() takes it away
        sim.inject(Fault.BAD_CHECKSUM, command=Command.READ_TEXT_PHOTO)
        sim.inject(Fault.STATUS, status=Status.SAM_SELF_TEST_FAILED)
        sim.unplug(for_s=1.0)                          # drop the line, refuse connections, come back

Faults (``Fault``): bad checksum, split answer (tiny pieces), interleaved (the previous answer again,
run together with this one), garbage before the answer, truncated answer followed by the whole one,
no answer, a given status code (SW3), unplug (drop the connection and refuse new ones for a while).
Each injection applies to the next matching command(s), ``times`` times.

``python -m simulators.idcard --port 7001 --card li_yan`` runs one for technicians and the demo
(see ``main``). It only ever listens on the loopback interface.
"""

from __future__ import annotations

import argparse
import collections
import enum
import random
import socket
import sys
import threading
import time
from dataclasses import dataclass, field

from simulators.idcard_cards import SAMPLE_CARDS, SampleCard
from devices.idcard.protocol import (
    PHOTO_SIZE,
    TEXT_SIZE,
    ChecksumError,
    Command,
    FrameError,
    FrameSplitter,
    Status,
    build_frame,
    wire_time_s,
)

LOOPBACK = ("127.0.0.1", "localhost", "::1")
SAM_ID = bytes(range(1, 17))  # 16 bytes standing for the SAM's serial number (read SAM id, 12 FF)


class Fault(enum.Enum):
    BAD_CHECKSUM = "bad_checksum"
    SPLIT = "split"
    INTERLEAVED = "interleaved"
    GARBAGE = "garbage"
    TRUNCATED = "truncated"
    NO_ANSWER = "no_answer"
    STATUS = "status"
    UNPLUG = "unplug"


@dataclass
class Injection:
    fault: Fault
    command: Command | None = None  # None: the next command, whatever it is
    status: Status | None = None  # for Fault.STATUS
    times: int = 1
    unplug_s: float = 1.0  # for Fault.UNPLUG


@dataclass(frozen=True)
class Exchange:
    """One command and its answer, with the simulator's clock (time.perf_counter), for the bench."""

    command: Command | None
    received_at: float  # the command's last byte arrived
    request_bytes: int
    answer_bytes: int  # 0: no answer
    done_at: float  # the answer's last byte was sent (after the emulated wire time)
    status: Status | None


@dataclass
class _CardSlot:
    card: SampleCard | None = None
    fresh: bool = False  # placed and not yet read: "find card" succeeds
    found: bool = False  # "find card" succeeded since placing: select may follow
    selected: bool = False
    placed_at: float = 0.0


class IdCardSimulator:
    def __init__(self, card: SampleCard | str | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 baudrate: int = 115200, emulate_wire_time: bool = True, refind_after_read: bool = False,
                 thread_name: str = "idcard-sim", seed: int = 4467) -> None:
        if host not in LOOPBACK:
            raise ValueError(f"the simulator listens on the loopback interface only, not {host!r}")
        self.host = host
        self.port = port
        self.baudrate = baudrate
        self.emulate_wire_time = emulate_wire_time
        # A reader that keeps finding a card that was read and not lifted (some models do): the driver
        # must still deliver it once only.
        self.refind_after_read = refind_after_read
        self.thread_name = thread_name
        self.reads = 0  # successful text+photo reads
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._slot = _CardSlot()
        self._injections: list[Injection] = []
        self._exchanges: collections.deque[Exchange] = collections.deque(maxlen=2000)
        self._stop = threading.Event()
        self._down_until: float | None = None  # unplugged: refuse connections until then (inf: replug())
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._last_answer = b""
        if card is not None:
            self.place(card)

    # --- life cycle ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def start(self) -> IdCardSimulator:
        self._listen()
        self._thread = threading.Thread(target=self._serve, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 3.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
        self._close_listener()

    def __enter__(self) -> IdCardSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the card and the faults ---------------------------------------------------------------

    def place(self, card: SampleCard | str) -> None:
        """Puts a card on the reader (a SampleCard or the key of one in SAMPLE_CARDS)."""
        if isinstance(card, str):
            card = SAMPLE_CARDS[card]
        with self._lock:
            self._slot = _CardSlot(card, fresh=True, placed_at=time.perf_counter())

    def lift(self) -> None:
        with self._lock:
            self._slot = _CardSlot()

    @property
    def card(self) -> SampleCard | None:
        with self._lock:
            return self._slot.card

    @property
    def placed_at(self) -> float:
        with self._lock:
            return self._slot.placed_at

    def inject(self, fault: Fault, *, command: Command | None = None, status: Status | None = None,
               times: int = 1, unplug_s: float = 1.0) -> None:
        if fault is Fault.STATUS and status is None:
            raise ValueError("Fault.STATUS needs the status to answer")
        with self._lock:
            self._injections.append(Injection(fault, command, status, times, unplug_s))

    def clear_faults(self) -> None:
        with self._lock:
            self._injections.clear()

    def unplug(self, *, for_s: float | None = None) -> None:
        """Drops the line and refuses connections: for ``for_s`` seconds, or until ``replug()``."""
        with self._lock:
            self._down_until = float("inf") if for_s is None else time.monotonic() + for_s

    def replug(self) -> None:
        with self._lock:
            self._down_until = time.monotonic()

    def exchanges(self) -> list[Exchange]:
        with self._lock:
            return list(self._exchanges)

    # --- the server thread ---------------------------------------------------------------------

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(1)
        listener.settimeout(0.05)
        self.port = listener.getsockname()[1]
        self._listener = listener

    def _close_listener(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def _is_down(self) -> bool:
        with self._lock:
            if self._down_until is None:
                return False
            if time.monotonic() < self._down_until:
                return True
            self._down_until = None
            return False

    def _serve(self) -> None:
        while not self._stop.is_set():
            if self._is_down():
                self._close_listener()  # unplugged: connections are refused
                time.sleep(0.02)
                continue
            if self._listener is None:
                try:
                    self._listen()
                except OSError:
                    time.sleep(0.05)
                    continue
            try:
                client, _ = self._listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                self._close_listener()
                continue
            try:
                self._talk(client)
            finally:
                client.close()

    def _talk(self, client: socket.socket) -> None:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client.settimeout(0.05)
        splitter = FrameSplitter()
        while not self._stop.is_set() and not self._is_down():  # unplugged: the line drops
            try:
                data = client.recv(4096)
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            if not data:
                return  # the host closed the port
            splitter.feed(data)
            while True:
                try:
                    frame = splitter.next_frame()
                except FrameError as exc:
                    # ref, Status: 10 checksum error, 11 length error (about the host's frame).
                    code = Status.CHECKSUM_ERROR if isinstance(exc, ChecksumError) else Status.LENGTH_ERROR
                    if not self._send(client, build_frame(bytes([0, 0, code]))):
                        return
                    continue
                if frame is None:
                    break
                if not self._answer(client, frame.payload, len(frame.raw)):
                    return

    def _pop_injection(self, command: Command | None) -> Injection | None:
        with self._lock:
            for injection in self._injections:
                if injection.command is None or injection.command is command:
                    injection.times -= 1
                    if injection.times <= 0:
                        self._injections.remove(injection)
                    return injection
        return None

    def _answer(self, client: socket.socket, payload: bytes, request_bytes: int) -> bool:
        received = time.perf_counter()
        command = Command.from_payload(payload)
        self._pace(received, request_bytes)  # the command's own time on the wire
        injection = self._pop_injection(command)
        if injection is not None and injection.fault is Fault.UNPLUG:
            self.unplug(for_s=injection.unplug_s)
            self._log(command, received, request_bytes, 0, None)
            return False
        if injection is not None and injection.fault is Fault.NO_ANSWER:
            self._log(command, received, request_bytes, 0, None)
            return True
        if injection is not None and injection.fault is Fault.STATUS:
            answer = build_frame(bytes([0, 0, injection.status]))
        else:
            answer = self._reply(command)
        status = Status(answer[9])
        wire = self._shape(answer, injection)
        ok = self._send(client, *wire)
        self._last_answer = answer
        self._log(command, received, request_bytes, sum(map(len, wire)), status)
        return ok

    def _reply(self, command: Command | None) -> bytes:
        """The reader's answer to a well-formed command (ref, Status: typical answers)."""
        ok = bytes([0, 0, Status.SUCCESS])
        with self._lock:
            slot = self._slot
            if command is Command.FIND_CARD:
                if slot.card is not None and (slot.fresh or self.refind_after_read):
                    slot.found = True
                    return build_frame(bytes([0, 0, Status.CARD_FOUND]) + bytes(4))
                return build_frame(bytes([0, 0, Status.NO_CARD]))
            if command is Command.SELECT_CARD:
                if slot.card is not None and slot.found:
                    slot.selected = True
                    return build_frame(ok + bytes(8))
                return build_frame(bytes([0, 0, Status.SELECT_FAILED]))
            if command in (Command.READ_TEXT_PHOTO, Command.READ_TEXT_PHOTO_FINGERPRINT):
                if slot.card is None or not slot.selected:
                    return build_frame(bytes([0, 0, Status.READ_FAILED]))
                # ref, Read answer: lengths 01 00 and 04 00 (and a fingerprint length: this card has none).
                lengths = TEXT_SIZE.to_bytes(2, "big") + PHOTO_SIZE.to_bytes(2, "big")
                if command is Command.READ_TEXT_PHOTO_FINGERPRINT:
                    lengths += bytes(2)
                slot.fresh = slot.found = slot.selected = False  # ref, Link: lift and present again
                self.reads += 1
                return build_frame(ok + lengths + slot.card.text + slot.card.photo)
            if command is Command.READ_APPENDED_ADDRESS:
                return build_frame(bytes([0, 0, Status.NO_CONTENT]))  # ref, Status: 91, no appended address
            if command is Command.SAM_ID:
                return build_frame(ok + SAM_ID)
            if command in (Command.SAM_STATUS, Command.RESET_SAM):
                return build_frame(ok)
        return build_frame(bytes([0, 0, Status.COMMAND_ERROR]))  # ref, Status: 21 command error

    def _shape(self, answer: bytes, injection: Injection | None) -> list[bytes]:
        """The pieces the answer goes out in, with the injected fault applied."""
        fault = injection.fault if injection else None
        if fault is Fault.BAD_CHECKSUM:
            return [answer[:-1] + bytes([answer[-1] ^ 0x5A])]
        if fault is Fault.GARBAGE:
            junk = bytes(self._rng.randrange(256) for _ in range(self._rng.randrange(3, 40)))
            return [b"\x00\xAA\xAA\x96" + junk, answer]  # includes a false start of a preamble
        if fault is Fault.TRUNCATED:
            return [answer[: max(8, len(answer) // 2)], answer]
        if fault is Fault.SPLIT:
            return self._cut(answer, 1, 7)
        if fault is Fault.INTERLEAVED:
            stale = self._last_answer or build_frame(bytes([0, 0, Status.NO_CARD]))
            return self._cut(stale + answer, 3, 97)
        return [answer]

    def _cut(self, data: bytes, low: int, high: int) -> list[bytes]:
        pieces, at = [], 0
        while at < len(data):
            step = self._rng.randint(low, high)
            pieces.append(data[at:at + step])
            at += step
        return pieces

    def _pace(self, since: float, n_bytes: int) -> None:
        """Waits until ``n_bytes`` would have crossed the wire since ``since`` (8N1: 10 bits a byte)."""
        if not self.emulate_wire_time:
            return
        until = since + wire_time_s(n_bytes, self.baudrate)
        while (left := until - time.perf_counter()) > 0:
            time.sleep(min(left, 0.005) if left > 0.0005 else 0)

    def _send(self, client: socket.socket, *pieces: bytes) -> bool:
        """Sends the pieces as a UART would: 64-byte chunks, each when its last bit would have arrived."""
        start = time.perf_counter()
        sent = 0
        try:
            for piece in pieces:
                for at in range(0, len(piece), 64):
                    chunk = piece[at:at + 64]
                    sent += len(chunk)
                    self._pace(start, sent)
                    client.sendall(chunk)
                if len(pieces) > 1:
                    time.sleep(0.001)  # pieces arrive as separate reads on the host
        except OSError:
            return False
        return True

    def _log(self, command: Command | None, received: float, request_bytes: int, answer_bytes: int,
             status: Status | None) -> None:
        with self._lock:
            self._exchanges.append(Exchange(command, received, request_bytes, answer_bytes,
                                            time.perf_counter(), status))


# --- command line -------------------------------------------------------------------------------

_HELP = """commands:
  place KEY          put a sample card on the reader ({cards})
  lift               take the card away
  fault NAME [COMMAND] [SW3]
                     inject a fault into the next (matching) answer: {faults}
                     COMMAND is a command name (e.g. READ_TEXT_PHOTO); SW3 in hex for 'status'
  unplug [SECONDS]   drop the line (until 'replug' if no SECONDS)
  replug             come back
  quit"""


def _command(sim: IdCardSimulator, line: str) -> str:
    words = line.split()
    if not words:
        return ""
    verb, args = words[0].lower(), words[1:]
    if verb == "place" and args and args[0] in SAMPLE_CARDS:
        sim.place(args[0])
        return f"placed {args[0]}"
    if verb == "lift":
        sim.lift()
        return "lifted"
    if verb == "unplug":
        sim.unplug(for_s=float(args[0]) if args else None)
        return "unplugged"
    if verb == "replug":
        sim.replug()
        return "replugged"
    if verb == "fault" and args:
        fault = Fault(args[0].lower())
        command = Command[args[1].upper()] if len(args) > 1 and args[1].upper() in Command.__members__ else None
        status = Status(int(args[-1], 16)) if fault is Fault.STATUS else None
        sim.inject(fault, command=command, status=status)
        return f"will inject {fault.value}"
    return _HELP.format(cards=", ".join(SAMPLE_CARDS), faults=", ".join(f.value for f in Fault))


def main(argv: list[str] | None = None) -> int:
    """Runs a simulator until Ctrl-C (or 'quit' on standard input); prints its URL first."""
    parser = argparse.ArgumentParser(prog="python -m simulators.idcard",
                                     description="Simulated ID-card reader on 127.0.0.1 (pyserial socket://)")
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--card", choices=sorted(SAMPLE_CARDS), help="a sample card placed from the start")
    parser.add_argument("--baudrate", type=int, default=115200, help="line speed to emulate (default 115200)")
    parser.add_argument("--no-wire-time", action="store_true", help="answer at once, not at line speed")
    args = parser.parse_args(argv)
    sim = IdCardSimulator(args.card, port=args.port, baudrate=args.baudrate,
                          emulate_wire_time=not args.no_wire_time, thread_name="idcard-sim")
    sim.start()
    print(sim.url, flush=True)
    try:
        for line in sys.stdin:
            if line.strip().lower() in ("quit", "exit"):
                break
            try:
                reply = _command(sim, line)
            except (ValueError, KeyError) as exc:
                reply = f"not understood: {exc}"
            if reply:
                print(reply, flush=True)
        else:
            while True:  # standard input closed (run in the background): serve until interrupted
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
