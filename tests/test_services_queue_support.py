"""Helpers (no tests) shared by the queue service, window and demo tests: the real hall server on loopback,
terminals, staff and virtual printers (no mocks: every call goes over HTTP to ``ServerThread``)."""

from __future__ import annotations

import copy
import socket
from dataclasses import dataclass

from devices.printer.virtual import VirtualPrinter
from core.config import PrinterConfig
from hall_server import ServerThread, sample_hall
from hall_databases import new_hall_db
from platform_client import PlatformClient

STAFF_PIN = "2468"


def small_hall() -> dict:
    """The sample hall with demo staff at every window (PIN ``STAFF_PIN``)."""
    hall = copy.deepcopy(sample_hall())
    hall["staff"] = [{"id": w["staff"]["id"], "name": w["staff"]["name"], "pin": STAFF_PIN,
                      "windows": [w["number"]]} for w in hall["windows"]]
    return hall


@dataclass
class Hall:
    server: ServerThread
    secrets: dict[str, str]

    def client(self, terminal_id: str, *, timeout_s: float = 3.0) -> PlatformClient:
        return PlatformClient(self.server.url, terminal_id, self.secrets[terminal_id], timeout_s=timeout_s)


def start_hall(db_path, *, thread_name: str = "hall-server", hall_data: dict | None = None) -> Hall:
    server = ServerThread(new_hall_db(db_path), seed=hall_data or small_hall(), thread_name=thread_name).start()
    secrets = {
        "K-01": server.store.add_terminal("K-01", "citizen"),
        "W-03": server.store.add_terminal("W-03", "clerk"),
        "W-04": server.store.add_terminal("W-04", "clerk"),
        "D-01": server.store.add_terminal("D-01", "display"),
    }
    return Hall(server, secrets)


def virtual_printer(name: str) -> VirtualPrinter:
    return VirtualPrinter(PrinterConfig(name, f"virtual://{name}", width_mm=80), name=name, timeout_s=2.0)


def unused_port() -> int:
    """A loopback port nobody listens on (bound then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
