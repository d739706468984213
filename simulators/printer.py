"""A thermal printer that speaks ESC/POS over a real TCP socket on 127.0.0.1.

Reach it as ``tcp://127.0.0.1:PORT`` (python-escpos Network) or ``serial://socket://127.0.0.1:PORT``
(pyserial's socket:// URL, i.e. the serial code path); on POSIX ``open_pty()`` also gives it a real serial
device node (a pseudo-terminal, ``serial:///dev/pts/N``). It keeps every byte it is sent (``received``,
``jobs()``), answers real-time status ``DLE EOT n`` from its configurable state (status.ANSWERS_FOR:
ready, paper near end, paper out, cover open, offline, error) and injects faults:

- ``Fault.SILENT``: never answers DLE EOT (the driver must time out, not hang);
- ``Fault.GARBAGE``: answers bytes that are no status (the driver must raise DeviceProtocolError);
- ``Fault.DROP``: closes the connection as soon as anything arrives (a cable pulled mid-job);
- ``unplug()`` / ``plug()``: stops listening and drops every connection, then comes back on the same port;
- ``push(data)``: sends unasked bytes, e.g. an automatic status back (GS a) message.

A printer that cannot print (paper out, cover open, offline) keeps what it is sent in ``discarded``,
not in ``received``. Commands are split with commands.parse, so a 10 04 inside image data is not taken
for a status query.

    with PrinterSimulator(status=PrinterStatus.PAPER_OUT) as sim:
        printer = open_printer(PrinterConfig("t", sim.url))

One thread (``printer-sim:PORT``) serves the listener and every connection through a selector; ``stop()``
joins it. ``python -m simulators.printer --port 9100`` runs one for ``kiosk diag print``.
"""

from __future__ import annotations

import argparse
import enum
import os
import selectors
import socket
import threading
import time

from devices.printer.commands import parse
from devices.printer.status import ANSWERS_FOR
from core.ports.printer import PrinterStatus

GARBAGE = b"\xff\xfe?"


class Fault(enum.Enum):
    SILENT = "silent"
    GARBAGE = "garbage"
    DROP = "drop"


class PrinterSimulator:
    def __init__(self, *, status: PrinterStatus = PrinterStatus.READY, port: int = 0,
                 thread_prefix: str = "printer-sim") -> None:
        self._status = status
        self._fault: Fault | None = None
        self._port = port
        self._thread_prefix = thread_prefix
        self._lock = threading.Lock()
        self._received = bytearray()
        self._discarded = bytearray()
        self.status_queries: list[int] = []
        self.connections_accepted = 0
        self._selector = selectors.DefaultSelector()
        self._listener: socket.socket | None = None
        self._clients: dict[socket.socket, bytearray] = {}
        self._outbox: list[bytes] = []
        self._new_ends: list[_PtyEnd] = []
        self._want_plugged = True
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # --- control (any thread) --------------------------------------------------------------------

    def start(self) -> PrinterSimulator:
        self._listen()
        self._thread = threading.Thread(target=self._serve, name=f"{self._thread_prefix}:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(5.0)
        for sock in [*self._clients, self._listener]:
            if sock is not None:
                sock.close()
        self._clients.clear()
        self._selector.close()

    def __enter__(self) -> PrinterSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self._port}"

    @property
    def serial_url(self) -> str:
        return f"serial://socket://127.0.0.1:{self._port}"

    def set_status(self, status: PrinterStatus) -> None:
        with self._lock:
            self._status = status

    def set_fault(self, fault: Fault | None) -> None:
        with self._lock:
            self._fault = fault

    def unplug(self) -> None:
        """Drops every connection and stops listening: the printer is gone."""
        with self._lock:
            self._want_plugged = False
        self._wait_until(lambda: self._listener is None and not self._clients)

    def plug(self) -> None:
        """Listens again on the same port."""
        with self._lock:
            self._want_plugged = True
        self._wait_until(lambda: self._listener is not None)

    def push(self, data: bytes) -> None:
        """Sends ``data`` unasked to every connected client (automatic status back, say)."""
        with self._lock:
            self._outbox.append(data)

    def open_pty(self) -> str:
        """A pseudo-terminal served like a connection; returns its URL (``serial:///dev/pts/N``).

        The simulator keeps the terminal's other end open too, so the port stays there while the driver
        closes and reopens it, as a real serial port does; ``unplug()`` removes it for good.
        """
        import pty
        import tty

        master, slave = pty.openpty()
        tty.setraw(slave)  # no echo of our answers back to us before the driver sets raw mode itself
        os.set_blocking(master, False)
        end = _PtyEnd(master, slave)
        with self._lock:
            self._new_ends.append(end)
        self._wait_until(lambda: end in self._clients)
        return f"serial://{os.ttyname(slave)}"

    @property
    def received(self) -> bytes:
        with self._lock:
            return bytes(self._received)

    @property
    def discarded(self) -> bytes:
        with self._lock:
            return bytes(self._discarded)

    def jobs(self) -> list[bytes]:
        """What was printed, one entry per cut (GS V)."""
        commands, _ = parse(self.received)
        jobs, start = [], 0
        data = self.received
        for cmd in commands:
            if cmd.name == "cut":
                end = cmd.offset + len(cmd.raw)
                jobs.append(data[start:end])
                start = end
        return jobs

    def wait_for(self, predicate, timeout_s: float = 3.0) -> bool:
        return self._wait_until(predicate, timeout_s)

    def _wait_until(self, predicate, timeout_s: float = 3.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.01)
        return bool(predicate())

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
        for sock in list(self._clients):
            self._drop(sock)
        if self._listener is not None:
            self._selector.unregister(self._listener)
            self._listener.close()
            self._listener = None

    def _drop(self, sock: socket.socket) -> None:
        self._selector.unregister(sock)
        self._clients.pop(sock, None)
        sock.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                plugged, outbox, self._outbox = self._want_plugged, self._outbox, []
                new_ends, self._new_ends = self._new_ends, []
            for end in new_ends:
                self._clients[end] = bytearray()
                self._selector.register(end, selectors.EVENT_READ)
            if plugged and self._listener is None:
                self._listen()
            elif not plugged and self._listener is not None:
                self._unlisten()
            for data in outbox:
                for sock in list(self._clients):
                    self._send(sock, data)
            for key, _ in self._selector.select(timeout=0.02):
                sock = key.fileobj
                if sock is self._listener:
                    self._accept()
                elif sock in self._clients:
                    self._read(sock)

    def _accept(self) -> None:
        try:
            client, _ = self._listener.accept()
        except BlockingIOError:
            return
        client.setblocking(False)
        self._clients[client] = bytearray()
        self._selector.register(client, selectors.EVENT_READ)
        self.connections_accepted += 1

    def _send(self, sock: socket.socket, data: bytes) -> None:
        try:
            sock.sendall(data)
        except OSError:
            self._drop(sock)

    def _read(self, sock: socket.socket) -> None:
        try:
            data = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        with self._lock:
            fault, status = self._fault, self._status
        if not data or fault is Fault.DROP:
            self._drop(sock)
            return
        buffer = self._clients[sock]
        buffer += data
        commands, used = parse(bytes(buffer), final=False)
        del buffer[:used]
        for cmd in commands:
            if cmd.name == "status":
                self.status_queries.append(cmd.args[0])
                if fault is Fault.GARBAGE:
                    self._send(sock, GARBAGE)
                elif fault is None:
                    self._send(sock, bytes((ANSWERS_FOR[status].get(cmd.args[0], 0x12),)))
                continue
            with self._lock:
                (self._received if status.can_print else self._discarded).extend(cmd.raw)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="An ESC/POS printer simulator on 127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--status", choices=[s.value for s in ANSWERS_FOR], default="ready")
    args = parser.parse_args(argv)
    with PrinterSimulator(status=PrinterStatus(args.status), port=args.port) as sim:
        print(f"printer simulator on {sim.url} and {sim.serial_url} ({args.status}); Ctrl-C stops", flush=True)
        seen = 0
        try:
            while True:
                time.sleep(0.5)
                if len(sim.received) != seen:
                    seen = len(sim.received)
                    print(f"received {seen} bytes, {len(sim.jobs())} jobs", flush=True)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    raise SystemExit(main())
