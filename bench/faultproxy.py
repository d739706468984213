"""A fault-injecting HTTP proxy on 127.0.0.1, for the sync soak test and the sync tests.

It reads one HTTP/1.1 request per connection (the sync client sends ``Connection: close`` when told to),
picks a fault by weight, and then:

=================  ===========================================================================
``pass``           forwards the request and the whole answer unchanged
``reset``          closes the connection with a TCP reset before forwarding anything
``reset_after``    forwards (the server acts on it), then resets instead of answering
``timeout``        holds the connection silent for ``hold_s`` (longer than the client's timeout)
``http500``        answers 500 itself, without forwarding
``http503``        answers 503 with ``Retry-After: 1`` itself
``portal``         answers 200 with a captive portal's HTML page, without forwarding
``portal_after``   forwards (the server acts on it), then answers the portal page instead
``slow``           forwards and drips the answer back in small pieces with pauses
``truncated``      forwards and sends only the first part of the answer, then closes
=================  ===========================================================================

``FaultProxy(upstream_port, weights, seed).start()`` → ``.url``; ``.counts`` says how often each fault
happened; ``.set_down(True)`` refuses every connection (the network is gone) until ``set_down(False)``;
``.poison(path, fault)`` answers every request for that path with that fault, whatever the weights (a
record the platform can never take).
Only ever 127.0.0.1 (common rules: no other address).
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from collections import Counter

PORTAL = (b"<!DOCTYPE html><html><head><title>Wi-Fi login</title></head><body><h1>Welcome</h1>"
          b"<form action=/login><input name=user></form></body></html>")

DEFAULT_WEIGHTS = {"pass": 60, "reset": 5, "reset_after": 5, "timeout": 2, "http500": 5, "http503": 3,
                   "portal": 5, "portal_after": 3, "slow": 6, "truncated": 6}


def _read_request(conn: socket.socket, timeout_s: float) -> bytes | None:
    conn.settimeout(timeout_s)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        rest += chunk
    return head + b"\r\n\r\n" + rest


def _reset(conn: socket.socket) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def _answer(status: str, body: bytes, content_type: bytes, extra: bytes = b"") -> bytes:
    return (f"HTTP/1.1 {status}\r\n".encode() + b"Content-Type: " + content_type + b"\r\n" + extra
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)


class FaultProxy:
    def __init__(self, upstream_port: int, weights: dict[str, int] | None = None, *, seed: int | None = None,
                 hold_s: float = 3.0, thread_name: str = "faultproxy") -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.weights = dict(weights or DEFAULT_WEIGHTS)
        self.rng = random.Random(seed)
        self.hold_s = hold_s
        self.thread_name = thread_name
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._down = False
        self._poisoned: dict[bytes, str] = {}
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(128)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._accept_loop, name=thread_name, daemon=True)
        self._workers: set[threading.Thread] = set()

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for worker in list(self._workers):
            worker.join(self.hold_s + 2)
        self._sock.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_down(self, down: bool) -> None:
        """Simulates the link going away (every connection reset at once) and coming back."""
        self._down = down

    def set_weights(self, weights: dict[str, int]) -> None:
        with self._lock:
            self.weights = dict(weights)

    def poison(self, path: str, fault: str = "http500") -> None:
        """Every request whose path is ``path`` meets ``fault`` from now on."""
        with self._lock:
            self._poisoned[path.encode("ascii")] = fault

    def _pick(self, request: bytes = b"") -> str:
        with self._lock:
            target = request.split(b" ", 2)[1] if request.count(b" ") >= 2 else b""
            if target.split(b"?")[0] in self._poisoned:
                fault = self._poisoned[target.split(b"?")[0]]
                self.counts[f"poisoned_{fault}"] += 1
                return fault
            names = list(self.weights)
            fault = self.rng.choices(names, weights=[self.weights[n] for n in names])[0]
            self.counts[fault] += 1
            return fault

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            worker = threading.Thread(target=self._serve, args=(conn,), name=f"{self.thread_name}-conn", daemon=True)
            self._workers.add(worker)
            worker.start()
            self._workers = {w for w in self._workers if w.is_alive()}

    def _forward(self, request: bytes) -> bytes:
        head, _, body = request.partition(b"\r\n\r\n")
        lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
        request = b"\r\n".join(lines) + b"\r\nConnection: close\r\n\r\n" + body  # one request per connection
        with socket.create_connection(self.upstream, timeout=30) as up:
            up.sendall(request)
            parts = []
            while True:
                chunk = up.recv(65536)
                if not chunk:
                    break
                parts.append(chunk)
        return b"".join(parts)

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self._down:
                _reset(conn)
                return
            request = _read_request(conn, 10.0)
            if request is None:
                conn.close()
                return
            fault = self._pick(request)
            if fault == "reset":
                _reset(conn)
                return
            if fault == "timeout":
                self._stop.wait(self.hold_s)
                conn.close()
                return
            if fault == "http500":
                conn.sendall(_answer("500 Internal Server Error", b"internal error", b"text/plain"))
            elif fault == "http503":
                conn.sendall(_answer("503 Service Unavailable", b"busy", b"text/plain", b"Retry-After: 1\r\n"))
            elif fault == "portal":
                conn.sendall(_answer("200 OK", PORTAL, b"text/html; charset=utf-8"))
            else:
                response = self._forward(request)
                if fault == "reset_after":
                    _reset(conn)
                    return
                if fault == "portal_after":
                    conn.sendall(_answer("200 OK", PORTAL, b"text/html; charset=utf-8"))
                elif fault == "truncated":
                    conn.sendall(response[: max(1, len(response) * self.rng.randint(3, 9) // 10)])
                elif fault == "slow":
                    for i in range(0, len(response), 512):
                        conn.sendall(response[i: i + 512])
                        time.sleep(0.002)
                else:
                    conn.sendall(response)
            conn.shutdown(socket.SHUT_WR)
            conn.close()
        except OSError:
            try:
                conn.close()
            except OSError:
                pass
