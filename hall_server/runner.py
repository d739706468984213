"""Running the hall server: in a background thread (demo, tests), or as the ``kiosk hall-server`` process.

``ServerThread`` binds its socket itself (port 0: any free port) before uvicorn starts, so ``.url`` is
known at once; ``start()`` returns when uvicorn accepts connections, ``stop()`` asks it to exit, ends long
polls, waits a bounded time and joins the thread. The app's worker threads carry the thread's name as a
prefix (a session-wide fixture passes ``thread_name="session:hall-server"``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from importlib import resources
from pathlib import Path

import uvicorn

from core.errors import ConfigError

log = logging.getLogger("hall_server")


def sample_hall() -> dict:
    """The bundled sample hall (simulators/sample_data/hall.json)."""
    return json.loads(resources.files("simulators.sample_data").joinpath("hall.json").read_text(encoding="utf-8"))


def read_seed(seed: str | None) -> dict:
    if not seed:
        return sample_hall()
    try:
        return json.loads(Path(seed).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"--seed {seed}: {exc.strerror}", setting="--seed", problem=str(exc.strerror)) from None
    except ValueError as exc:
        raise ConfigError(f"--seed {seed}: not JSON ({exc})", setting="--seed", problem="not JSON") from None


def _open_store(db_path, seed: dict | None, clock=None):
    from hall_server import HallStore
    from hall_server.api.matters import load_matters

    store = HallStore(db_path, clock=clock)
    if seed is not None and not store.has_hall():
        try:
            store.load_hall(seed)
            load_matters(store, seed)  # the matter catalogue (api/matters.py)
        except ValueError as exc:
            store.close()
            raise ConfigError(f"hall data: {exc}", setting="seed", problem=str(exc)) from None
    return store


class ServerThread:
    """The hall server on loopback in a background thread."""

    def __init__(self, db_path, *, seed: dict | None = None, host: str = "127.0.0.1", port: int = 0,
                 thread_name: str = "hall-server", clock=None, request_clock=None, access_log: bool = False) -> None:
        from hall_server.app import create_app

        self.store = _open_store(db_path, seed, clock)
        self.thread_name = thread_name
        # proto IPPROTO_TCP: asyncio sets TCP_NODELAY only on such sockets; without it every answer waits
        # for the client's delayed ACK (~40 ms), as the headers and the body are two writes.
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        self.url = f"http://{self.host}:{self.port}"
        self.app = create_app(self.store, worker_prefix=f"{thread_name}-worker", now=request_clock)
        config = uvicorn.Config(self.app, log_config=None, access_log=access_log, lifespan="on",
                                timeout_graceful_shutdown=2, timeout_keep_alive=5)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=thread_name, daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            asyncio.run(self._server.serve(sockets=[self._sock]))
        except BaseException as exc:  # reported by start()
            self._error = exc

    def start(self, timeout_s: float = 10.0) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not self._server.started:
            self.stop()
            raise RuntimeError(f"hall server did not start: {self._error!r}")
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        self.app.state.closing = True
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        try:
            self._sock.close()
        except OSError:
            pass
        self.store.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def serve(db, host: str = "127.0.0.1", port: int = 8765, seed: str | None = None) -> int:
    """``kiosk hall-server``: the server in the foreground until Ctrl-C. The access log shows method,
    path and status only; no route carries personal data in its path (ID numbers travel in bodies)."""
    from hall_server.app import create_app

    store = _open_store(db, read_seed(seed))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not store.terminals():
        log.warning("no terminals are provisioned; add some with: python -m hall_server --db %s "
                    "add-terminal ID --role citizen", db)
    app = create_app(store)
    config = uvicorn.Config(app, host=host, port=port, log_level="info", access_log=True,
                            timeout_graceful_shutdown=2)  # configures uvicorn's loggers
    # The net under "no personal data in paths": every handler masks ID numbers and phone numbers.
    from core.logs import MaskingFilter

    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access", "kiosk"):
        for handler in logging.getLogger(name).handlers:
            handler.addFilter(MaskingFilter())
    try:
        uvicorn.Server(config).run()
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled, after a clean shutdown
        pass
    finally:
        store.close()
    return 0
