"""The terminal that drives a locker's RS-485 bus answers the door commands other terminals relay to it.

An RS-485 bus has one master (docs/locker.md, "One master"): the terminal whose ``[locker]`` drives the
boards — the kiosk beside the locker — also opens and reads doors for the pickup window, whose deposits
are relayed through the platform (hall_server/locker_relay.py). ``BusAgent`` is that terminal's side: one
thread long-polls the platform for commands, runs each on the bus (its own owner thread serialises them
with the kiosk's pickups; each call is bounded) and posts the answer.

    agent = BusAgent(bus, lambda: BusRelayClient(own_platform_client)).start()   # made on its thread
    …
    agent.stop()        # no new poll; the thread (a daemon) ends when the poll in flight returns

A platform that does not answer is retried after a pause that doubles up to ``max_pause_s``; a bus that
does not answer is an answer too (``no_answer``, ``protocol``, ``no_bus``), so the window is told at once
instead of waiting out its bound.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from core.errors import DeviceError, DeviceProtocolError, DeviceTimeout, KioskError
from core.ports.locker import LockerPort

log = logging.getLogger(__name__)


def run_command(bus: LockerPort, action: str, board: int, lock: int) -> dict:
    """One relayed command on the bus: what the platform passes back to the window that asked."""
    try:
        if action == "open":
            result = bus.open_lock(board, lock)
            return {"opened": result.opened, "status": result.status}
        if action == "door":
            return {"door": bus.door(board, lock).value}
    except DeviceTimeout:
        return {"error": "no_answer"}
    except DeviceProtocolError:
        return {"error": "protocol"}
    except DeviceError:  # DeviceNotFound: the bus adapter is not there
        return {"error": "no_bus"}
    return {"error": "protocol"}  # an action this terminal does not know: nothing done on the bus


class BusAgent:
    def __init__(self, bus: LockerPort, relay: Callable[[], object], *, wait_s: float = 10.0,
                 max_pause_s: float = 30.0, thread_name: str = "locker-relay") -> None:
        """``relay()`` makes the ``BusRelayClient`` (on the agent's thread: its HTTP stack is not loaded
        while the window starts)."""
        self.bus = bus
        self._make_relay = relay
        self.relay = None
        self.wait_s = wait_s
        self.max_pause_s = max_pause_s
        self.answered = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=thread_name, daemon=True)

    def start(self) -> BusAgent:
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 3.0) -> None:
        self._stop.set()
        if self.relay is not None:
            self.relay.close()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _run(self) -> None:
        pause = 0.5
        self.relay = self._make_relay()
        while not self._stop.is_set():
            try:
                commands = self.relay.commands(self.wait_s)
                pause = 0.5
            except KioskError as exc:
                if self._stop.is_set():
                    return
                log.info("locker relay: the platform did not give commands (%s); again in %.1f s", exc, pause)
                self._stop.wait(pause)
                pause = min(pause * 2, self.max_pause_s)
                continue
            except Exception:  # a closed session at stop, or a fault of ours: never a dead thread silently
                if self._stop.is_set():
                    return
                log.exception("locker relay: unexpected failure; again in %.1f s", pause)
                self._stop.wait(pause)
                continue
            for command in commands:
                result = run_command(self.bus, command.action, command.board, command.lock)
                try:
                    self.relay.answer(command.id, result)
                    self.answered += 1
                except KioskError as exc:
                    log.warning("locker relay: answer to a %s command not delivered: %s", command.action, exc)
