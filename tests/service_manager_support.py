"""A listening end of the sd_notify protocol for tests: what systemd does for a ``Type=notify`` unit.

``NotifyListener`` binds a real Unix datagram socket (a path, or an abstract name), receives on a thread of
its own and records each message with the monotonic time it arrived, as systemd's manager would see it.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field


@dataclass
class Message:
    at: float  # time.monotonic() when it arrived
    fields: dict[str, str] = field(default_factory=dict)


class NotifyListener:
    def __init__(self, directory=None, *, abstract: bool = False) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = f"hall-kiosk-test-{uuid.uuid4().hex}"
            self.sock.bind(b"\0" + name.encode())
            self.env_value = "@" + name
        else:
            path = os.path.join(str(directory), "notify.sock")
            self.sock.bind(path)
            self.env_value = path
        self.sock.settimeout(0.05)
        self.messages: list[Message] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> NotifyListener:
        self._thread = threading.Thread(target=self._run, name="notify-listener", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            fields = dict(line.split("=", 1) for line in data.decode("utf-8").split("\n") if "=" in line)
            with self._lock:
                self.messages.append(Message(time.monotonic(), fields))

    def received(self) -> list[Message]:
        with self._lock:
            return list(self.messages)

    def wait_for(self, name: str, value: str = "1", timeout_s: float = 30.0) -> Message | None:
        """The first message that set ``name=value``, waiting at most ``timeout_s`` for it."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for message in self.received():
                if message.fields.get(name) == value:
                    return message
            time.sleep(0.02)
        return None

    def environment(self, watchdog_s: float | None = None, pid: int | None = None) -> dict[str, str]:
        env = {"NOTIFY_SOCKET": self.env_value}
        if watchdog_s is not None:
            env["WATCHDOG_USEC"] = str(int(watchdog_s * 1_000_000))
        if pid is not None:
            env["WATCHDOG_PID"] = str(pid)
        return env

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        self.sock.close()
