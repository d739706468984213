"""The ``[locker]`` section of a terminal's file: the smart locker's lock-control boards on one RS-485 bus
(docs/locker.md, docs/configuration.md).

    [locker]
    port = ""                # pyserial URL of the RS-485 adapter; empty: no locker
    baudrate = 9600
    boards = { 1 = 24, 2 = 24 }   # board address (1..255) → locks on it
    opened_status = 0x00     # status byte of "opened" / "door open" (as the locks are wired)
    closed_status = 0x11     # status byte of "not opened" / "door closed"
    timeout_s = 0.5          # wait for one board's answer; retries = 1: asks a silent board again
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.errors import ConfigError


def _problem(key: str, problem: str) -> ConfigError:
    return ConfigError(f"{key}: {problem}", setting=key, problem=problem)


@dataclass(frozen=True)
class LockerConfig:
    """The smart locker's lock-control boards on one RS-485 bus (docs/locker.md)."""

    port: str = ""  # pyserial URL of the bus adapter; empty: no locker
    baudrate: int = 9600
    boards: dict[int, int] = field(default_factory=dict)  # board address → how many locks it drives
    opened_status: int = 0x00  # the answer byte for "opened" and "door open" on this wiring
    closed_status: int = 0x11  # the answer byte for "not opened" and "door closed"
    timeout_s: float = 0.5
    retries: int = 1

    @property
    def configured(self) -> bool:
        return bool(self.port)


def _locker_boards(key: str, table: dict[str, Any]) -> dict[int, int]:
    boards: dict[int, int] = {}
    for address, locks in table.items():
        if not address.isdigit() or not 1 <= int(address) <= 255:
            raise _problem(f"{key}.{address}", "a board address is a number from 1 to 255")
        if isinstance(locks, bool) or not isinstance(locks, int) or not 1 <= locks <= 255:
            raise _problem(f"{key}.{address}", f"must be the number of locks on the board (1 to 255), not {locks!r}")
        boards[int(address)] = locks
    return dict(sorted(boards.items()))


def parse_locker(lk: Any) -> LockerConfig:
    """``lk``: the config reader's ``[locker]`` table (core/config.py ``_Reader``)."""
    locker = LockerConfig(
        port=lk.get("port", str, ""),
        baudrate=lk.get("baudrate", int, 9600, choices=(1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)),
        boards=_locker_boards(lk.name("boards"), lk.get("boards", dict, {})),
        opened_status=lk.get("opened_status", int, 0x00),
        closed_status=lk.get("closed_status", int, 0x11),
        timeout_s=lk.get("timeout_s", float, 0.5),
        retries=lk.get("retries", int, 1),
    )
    lk.finish()
    if not locker.timeout_s > 0:
        raise _problem("locker.timeout_s", f"must be greater than 0, not {locker.timeout_s}")
    for key in ("opened_status", "closed_status"):
        if not 0 <= getattr(locker, key) <= 0xFF:
            raise _problem(f"locker.{key}", f"must be a byte (0 to 255, 0x00 to 0xFF), not {getattr(locker, key)}")
    if locker.opened_status == locker.closed_status:
        raise _problem("locker.closed_status", "must differ from locker.opened_status")
    if not 0 <= locker.retries <= 5:
        raise _problem("locker.retries", f"must be from 0 to 5, not {locker.retries}")
    if locker.port and not locker.boards:
        raise _problem("locker.boards", "names no board; give each board's address and lock count")
    return locker
