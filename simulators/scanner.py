"""A serial QR scanner simulated over TCP on 127.0.0.1, for pyserial's ``socket://`` URL.

It speaks what a real scanner sends: the code's bytes and a suffix (CR, LF, CRLF or none), in one write or
split across several, plus the faults a real one shows: garbage bytes, overlong codes, a GB18030 code page,
and an unplug (the connection and the listening socket go away) followed by a replug on the same port.

    with ScannerSimulator() as sim:                 # listens on 127.0.0.1:<free port>
        scanner = SerialScanner(sim.url, on_scan=…).start()
        sim.wait_connected(2.0)
        sim.send_code("YY202611210001236", ending="\\r\\n", split=3)
        sim.unplug(); sim.replug()

pyserial's ``socket://`` ``open()`` discards bytes that have already arrived (``reset_input_buffer``):
send only once the scanner reports ``READY`` (or a moment after ``wait_connected``).

The simulator's accept thread is ``scanner-sim``; ``close()`` joins it (bounded).
"""

from __future__ import annotations

import socket
import threading
import time

ENDINGS = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "none": b""}


class ScannerSimulator:
    def __init__(self, port: int = 0, *, thread_name: str = "scanner-sim") -> None:
        self._requested_port = port
        self.port = 0
        self._thread_name = thread_name
        self._listener: socket.socket | None = None
        self._client: socket.socket | None = None
        self._connected = threading.Condition()
        self._thread: threading.Thread | None = None
        self.connections = 0  # how many times a scanner client connected

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def start(self) -> ScannerSimulator:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port or self._requested_port))
        listener.listen(1)
        listener.settimeout(0.05)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._thread = threading.Thread(target=self._accept_loop, args=(listener,), name=self._thread_name,
                                        daemon=True)
        self._thread.start()
        return self

    def _accept_loop(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._connected:
                if self._client is not None:
                    self._client.close()
                self._client = client
                self.connections += 1
                self._connected.notify_all()

    def wait_connected(self, timeout_s: float, *, connections: int = 1) -> bool:
        """Waits until a scanner client has connected ``connections`` times in all."""
        with self._connected:
            return self._connected.wait_for(lambda: self.connections >= connections and self._client,
                                            timeout_s)

    # --- what the scanner sends --------------------------------------------------------------------

    def send_raw(self, data: bytes, *, split: int = 1, pause_s: float = 0.005) -> None:
        """Sends ``data`` in ``split`` writes with short pauses (well under the scanner's gap)."""
        with self._connected:
            client = self._client
        if client is None:
            raise ConnectionError("no scanner client connected")
        size = max(1, -(-len(data) // max(1, split)))
        for i in range(0, len(data), size):
            client.sendall(data[i:i + size])
            if i + size < len(data):
                time.sleep(pause_s)

    def send_code(self, text: str, *, ending: str = "cr", encoding: str = "utf-8", split: int = 1) -> None:
        self.send_raw(text.encode(encoding) + ENDINGS[ending], split=split)

    # --- faults ------------------------------------------------------------------------------------

    def send_garbage(self, size: int = 16, *, seed: int = 0) -> None:
        """Bytes that are neither UTF-8 nor GB18030 (line noise, a wrong baud rate), then a CR."""
        import random

        rng = random.Random(seed)
        noise = bytes(rng.choice((0x80, 0xFF, 0xFE, 0xC0)) for _ in range(size))
        self.send_raw(b"\xff" + noise + b"\r")  # 0xFF starts no character in either encoding

    def send_overlong(self, size: int = 10240, *, ending: str = "cr") -> None:
        """A code far longer than any real one (a stuck trigger, a hostile code), in several writes."""
        self.send_raw(b"Q" * size + ENDINGS[ending], split=5)

    def unplug(self) -> None:
        """The cable is pulled: the connection drops and nobody listens until ``replug``."""
        listener, self._listener = self._listener, None
        with self._connected:
            client, self._client = self._client, None
        for sock in (client, listener):
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None

    def replug(self) -> None:
        self.start()

    def close(self) -> None:
        self.unplug()

    def __enter__(self) -> ScannerSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
