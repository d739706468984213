"""A smart locker's RS-485 bus of lock-control boards, over a real TCP socket on 127.0.0.1 or a pty.

Reach it as ``socket://127.0.0.1:PORT`` (pyserial's socket:// URL) or, on POSIX, through ``open_pty()``
(a pseudo-terminal, ``/dev/pts/N``: the serial code path of a USB-RS485 adapter). It speaks the boards'
5-byte frames (devices/locker/protocol.py, docs/locker.md): "open" releases a lock and its door swings
open; "query" reports the door. A test plays the person at the locker (``close_door``, ``open_door``)
and the faults of a real bus:

- ``silence(board)``: the board does not answer (not there, unpowered, wrong address);
- ``corrupt(times)``: the next answers carry a wrong BCC (interference on the line);
- ``jam(board, lock)``: the lock does not release: the board answers "not opened", the door stays shut;
- ``open_door(board, lock)``: a door left open (or forced): the query says open;
- ``noise(data)``: bytes before every answer (a board powering up, a stub of cable picking up noise);
- ``unplug()`` / ``plug()``: the adapter is gone (connections dropped, nobody listens) and comes back on
  the same port; ``unplug_on_request()``: gone the moment the next request arrives (cable pulled
  mid-command).

    with LockerSimulator({1: 24, 2: 12}) as sim:      # two boards at addresses 1 and 2
        bus = LockerBus(sim.url).start()
        bus.open_lock(1, 7)                           # opened; sim.door(1, 7) is DoorState.OPEN
        sim.close_door(1, 7)

One thread (``locker-sim:PORT``) serves the listener and every connection through a selector; ``stop()``
joins it. ``python -m simulators.locker --port 7005 --boards 1:24,2:12`` runs one for ``kiosk diag locker``.
"""

from __future__ import annotations

import argparse
import os
import selectors
import socket
import threading
import time

from devices.locker.protocol import (
    ALL_LOCKS,
    CODE_OPEN,
    CODE_QUERY,
    HEAD_OPEN,
    HEAD_QUERY,
    Frame,
    FrameReader,
    Wiring,
)
from core.ports.locker import DoorState


class LockerSimulator:
    def __init__(self, boards: dict[int, int] | None = None, *, wiring: Wiring | None = None, port: int = 0,
                 reply_delay_s: float = 0.0, thread_prefix: str = "locker-sim",
                 auto_close_s: float | None = None) -> None:
        """``auto_close_s``: a door released swings shut by itself after that long (the demo's citizen and
        clerk, who take or put the documents in and close it); None: only ``close_door`` shuts one."""
        self.boards = dict(boards if boards is not None else {1: 24})
        self.auto_close_s = auto_close_s
        self._released_at: dict[tuple[int, int], float] = {}
        self.wiring = wiring or Wiring()
        self.reply_delay_s = reply_delay_s
        self._port = port
        self._thread_prefix = thread_prefix
        self._lock = threading.Lock()
        self._doors = {(b, n): DoorState.CLOSED for b, count in self.boards.items() for n in range(1, count + 1)}
        self._jammed: set[tuple[int, int]] = set()
        self._silent: set[int] = set()
        self._corrupt = 0
        self._noise = b""
        self._unplug_on_request = False
        self.requests: list[Frame] = []
        self.connections_accepted = 0
        self._selector = selectors.DefaultSelector()
        self._listener: socket.socket | None = None
        self._clients: dict[object, FrameReader] = {}
        self._new_ends: list[_PtyEnd] = []
        self._want_plugged = True
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # --- control (any thread) ----------------------------------------------------------------------

    def start(self) -> LockerSimulator:
        self._listen()
        self._thread = threading.Thread(target=self._serve, name=f"{self._thread_prefix}:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(5.0)
        for end in [*self._clients, self._listener]:
            if end is not None:
                end.close()
        self._clients.clear()
        self._selector.close()

    def __enter__(self) -> LockerSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self._port}"

    def door(self, board: int, lock: int) -> DoorState:
        with self._lock:
            return self._doors[(board, lock)]

    def close_door(self, board: int, lock: int) -> None:
        """A person shuts the door (the lock catches it)."""
        with self._lock:
            self._doors[(board, lock)] = DoorState.CLOSED

    def open_door(self, board: int, lock: int) -> None:
        """A door left open, or pulled open: the query reports it open."""
        with self._lock:
            self._doors[(board, lock)] = DoorState.OPEN

    def jam(self, board: int, lock: int, jammed: bool = True) -> None:
        with self._lock:
            (self._jammed.add if jammed else self._jammed.discard)((board, lock))

    def silence(self, board: int, silent: bool = True) -> None:
        with self._lock:
            (self._silent.add if silent else self._silent.discard)(board)

    def corrupt(self, times: int = 1) -> None:
        """The next ``times`` answers carry a wrong BCC."""
        with self._lock:
            self._corrupt = times

    def noise(self, data: bytes = b"") -> None:
        """``data`` goes out before every answer from now on (``b""``: no more noise)."""
        with self._lock:
            self._noise = bytes(data)

    def unplug(self) -> None:
        """Drops every connection and stops listening: the adapter is gone."""
        with self._lock:
            self._want_plugged = False
        self._wait_until(lambda: self._listener is None and not self._clients)

    def plug(self) -> None:
        """Listens again on the same port."""
        with self._lock:
            self._want_plugged = True
        self._wait_until(lambda: self._listener is not None)

    def unplug_on_request(self) -> None:
        """The adapter goes away the moment the next request arrives, before any answer."""
        with self._lock:
            self._unplug_on_request = True

    def open_pty(self) -> str:
        """A pseudo-terminal served like a connection; returns its device path (a pyserial URL).

        The simulator keeps the terminal's other end open, so the port stays there while the driver closes
        and reopens it, as a real serial port does.
        """
        import pty
        import tty

        master, slave = pty.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        end = _PtyEnd(master, slave)
        with self._lock:
            self._new_ends.append(end)
        self._wait_until(lambda: end in self._clients)
        return os.ttyname(slave)

    def wait_for(self, predicate, timeout_s: float = 3.0) -> bool:
        return self._wait_until(predicate, timeout_s)

    def _wait_until(self, predicate, timeout_s: float = 3.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.01)
        return bool(predicate())

    # --- the boards --------------------------------------------------------------------------------

    def answer(self, request: Frame) -> bytes:
        """What the bus sends back for ``request`` (``b""``: silence), with the configured faults."""
        with self._lock:
            self.requests.append(request)
            if request.board in self._silent or request.board not in self.boards:
                return b""
            count = self.boards[request.board]
            if request.head == HEAD_OPEN and request.code == CODE_OPEN and request.lock <= count:
                code = self._release(request.board, request.lock)
            elif request.head == HEAD_QUERY and request.code == CODE_QUERY and 1 <= request.lock <= count:
                self._shut_by_itself(request.board, request.lock)
                code = self.wiring.status_for(opened=self._doors[(request.board, request.lock)] is DoorState.OPEN)
            else:
                return b""  # a board ignores what it does not understand
            raw = bytearray(Frame(request.head, request.board, request.lock, code).raw)
            if self._corrupt:
                self._corrupt -= 1
                raw[4] ^= 0x5A
            return self._noise + bytes(raw)

    def _release(self, board: int, lock: int) -> int:
        locks = range(1, self.boards[board] + 1) if lock == ALL_LOCKS else (lock,)
        released = True
        for n in locks:
            if (board, n) in self._jammed:
                released = False
            else:
                self._doors[(board, n)] = DoorState.OPEN
                self._released_at[(board, n)] = time.monotonic()
        return self.wiring.status_for(opened=released)

    def _shut_by_itself(self, board: int, lock: int) -> None:
        released = self._released_at.get((board, lock))
        if self.auto_close_s is not None and released is not None and time.monotonic() - released > self.auto_close_s:
            self._doors[(board, lock)] = DoorState.CLOSED
            del self._released_at[(board, lock)]

    # --- the serving thread ------------------------------------------------------------------------

    def _listen(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self._port))
        sock.listen(4)
        sock.setblocking(False)
        self._port = sock.getsockname()[1]
        self._selector.register(sock, selectors.EVENT_READ)
        self._listener = sock

    def _unlisten(self) -> None:
        for end in list(self._clients):
            if not isinstance(end, _PtyEnd):
                self._drop(end)
        if self._listener is not None:
            self._selector.unregister(self._listener)
            self._listener.close()
            self._listener = None

    def _drop(self, end) -> None:
        self._selector.unregister(end)
        self._clients.pop(end, None)
        end.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                plugged = self._want_plugged
                new_ends, self._new_ends = self._new_ends, []
            for end in new_ends:
                self._clients[end] = FrameReader()
                self._selector.register(end, selectors.EVENT_READ)
            if plugged and self._listener is None:
                self._listen()
            elif not plugged and self._listener is not None:
                self._unlisten()
            for key, _ in self._selector.select(timeout=0.02):
                end = key.fileobj
                if end is self._listener:
                    self._accept()
                elif end in self._clients:
                    self._read(end)

    def _accept(self) -> None:
        try:
            client, _ = self._listener.accept()
        except BlockingIOError:
            return
        client.setblocking(False)
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._clients[client] = FrameReader()
        self._selector.register(client, selectors.EVENT_READ)
        self.connections_accepted += 1

    def _read(self, end) -> None:
        try:
            data = end.recv(4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            if isinstance(end, _PtyEnd):  # the driver closed the pty: the port stays, as a real one does
                return
            self._drop(end)
            return
        reader = self._clients[end]
        reader.feed(data)
        while (request := reader.next_frame()) is not None:
            with self._lock:
                pulled, self._unplug_on_request = self._unplug_on_request, False
                if pulled:
                    self._want_plugged = False
            if pulled:
                self._pull(end)
                return
            reply = self.answer(request)
            if reply:
                if self.reply_delay_s:
                    time.sleep(self.reply_delay_s)
                try:
                    end.sendall(reply)
                except OSError:
                    self._drop(end)
                    return

    def _pull(self, end) -> None:
        """The cable is pulled while ``end`` waits for an answer: it and the listener go."""
        if isinstance(end, _PtyEnd):
            self._drop(end)
        self._unlisten()


class _PtyEnd:
    """The simulator's side of a pseudo-terminal, with the few socket methods the server uses."""

    def __init__(self, master: int, slave: int) -> None:
        self.master, self.slave = master, slave

    def fileno(self) -> int:
        return self.master

    def recv(self, n: int) -> bytes:
        return os.read(self.master, n)  # BlockingIOError when empty, like a non-blocking socket

    def sendall(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.master, view):]
            except BlockingIOError:
                time.sleep(0.001)

    def close(self) -> None:
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


def parse_boards(text: str) -> dict[int, int]:
    """"1:24,2:12" → {1: 24, 2: 12}."""
    boards = {}
    for part in text.split(","):
        address, _, count = part.partition(":")
        boards[int(address)] = int(count or 24)
    return boards


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A smart locker's lock-control boards on 127.0.0.1")
    parser.add_argument("--port", type=int, default=7005)
    parser.add_argument("--boards", default="1:24", help="address:locks, comma-separated (default 1:24)")
    parser.add_argument("--jam", default="", help="board:lock of locks that do not release, comma-separated")
    args = parser.parse_args(argv)
    with LockerSimulator(parse_boards(args.boards), port=args.port) as sim:
        for item in filter(None, args.jam.split(",")):
            board, _, lock = item.partition(":")
            sim.jam(int(board), int(lock))
        print(f"locker simulator on {sim.url} (boards {args.boards}); Ctrl-C stops", flush=True)
        seen = 0
        try:
            while True:
                time.sleep(0.5)
                for request in sim.requests[seen:]:
                    print(f"< {request.hex()}", flush=True)
                seen = len(sim.requests)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    raise SystemExit(main())
