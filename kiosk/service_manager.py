"""The systemd notification protocol (sd_notify(3)), spoken over its Unix datagram socket.

systemd starts a ``Type=notify`` unit with ``NOTIFY_SOCKET`` set to the socket it listens on: an absolute
path, or a name in the abstract namespace written with a leading ``@`` (sent as a NUL byte). A message is
one datagram of newline-separated ``NAME=value`` assignments: ``READY=1``, ``WATCHDOG=1``, ``STOPPING=1``,
``STATUS=…``. With ``WatchdogSec=`` the unit also gets ``WATCHDOG_USEC`` (the interval in microseconds)
and ``WATCHDOG_PID`` (the process meant: a child that inherited the variables must not ping for its
parent; sd_watchdog_enabled(3)). Every send is non-blocking: a message the manager cannot take at once
is dropped and logged, never waited for, so the GUI thread may ping from its event loop.

``SystemdNotifier.from_environment()`` is None outside systemd (no ``NOTIFY_SOCKET``): the terminal and the
hall server then run as before. ``vsock:`` addresses (systemd 253 and later, for virtual machines) are
not supported: the notifier says so in the log and stays off.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


def socket_address(value: str) -> str | bytes | None:
    """The address ``sendto`` takes for a ``NOTIFY_SOCKET`` value; None for a kind this module does not
    speak (anything but an absolute path or an ``@`` abstract name)."""
    if value.startswith("@") and len(value) > 1:
        return b"\0" + os.fsencode(value[1:])
    if value.startswith("/"):
        return value
    return None


def watchdog_interval_s(environ: Mapping[str, str], pid: int) -> float | None:
    """The watchdog interval meant for process ``pid``, in seconds; None: no watchdog for it (none set, a
    malformed value, or ``WATCHDOG_PID`` names another process)."""
    try:
        usec = int(environ.get("WATCHDOG_USEC", "") or 0)
        owner = int(environ.get("WATCHDOG_PID", "") or pid)
    except ValueError:
        return None
    if usec <= 0 or owner != pid:
        return None
    return usec / 1_000_000


def _status(text: str) -> str:
    return "STATUS=" + " ".join(text.split())  # one line: a newline would start another assignment


class SystemdNotifier:
    """Sends sd_notify messages to ``address`` (see ``socket_address``); ``watchdog_s`` is the interval
    systemd expects ``WATCHDOG=1`` within (None: no watchdog)."""

    def __init__(self, address: str | bytes, *, watchdog_s: float | None = None) -> None:
        self.address = address
        self._watchdog_s = watchdog_s
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self._sock.setblocking(False)
        self._failing = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None,
                         pid: int | None = None) -> SystemdNotifier | None:
        environ = os.environ if environ is None else environ
        raw = environ.get("NOTIFY_SOCKET", "")
        if not raw:
            return None
        address = socket_address(raw)
        if address is None:
            log.warning("NOTIFY_SOCKET %r is not a path or an abstract name: not telling the service manager", raw)
            return None
        return cls(address, watchdog_s=watchdog_interval_s(environ, os.getpid() if pid is None else pid))

    @property
    def watchdog_interval_s(self) -> float | None:
        return self._watchdog_s

    def ready(self, status: str = "") -> bool:
        return self.send("READY=1", *([_status(status)] if status else []))

    def watchdog(self) -> bool:
        return self.send("WATCHDOG=1")

    def stopping(self, status: str = "") -> bool:
        return self.send("STOPPING=1", *([_status(status)] if status else []))

    def send(self, *assignments: str) -> bool:
        """One datagram of ``assignments``; False (and one log line per run of failures) when it could
        not be sent at once."""
        try:
            self._sock.sendto("\n".join(assignments).encode("utf-8"), self.address)
        except OSError as exc:  # BlockingIOError (the manager's queue is full), a vanished socket …
            if not self._failing:
                log.warning("the service manager did not take %s: %s", assignments[0], exc)
            self._failing = True
            return False
        if self._failing:
            log.info("the service manager takes messages again")
        self._failing = False
        return True

    def close(self) -> None:
        self._sock.close()
