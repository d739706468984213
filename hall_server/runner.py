"""Running the hall server: in a background thread (demo, tests), or as the ``kiosk hall-server`` process.

``ServerThread`` binds its socket itself (port 0: any free port) before uvicorn starts, so ``.url`` is
known at once; ``start()`` returns when uvicorn accepts connections, ``stop()`` asks it to exit, ends long
polls, waits a bounded time and joins the thread. The app's worker threads carry the thread's name as a
prefix (a session-wide fixture passes ``thread_name="session:hall-server"``).

TLS (docs/deployment.md): ``ServerTls(cert, key, client_ca)`` makes the server speak HTTPS only; with a
``client_ca`` it also demands a client certificate signed by that CA from every terminal.

Keep-alive: an idle connection stays open ``KEEP_ALIVE_S``, longer than any terminal's poll interval
(sync probe every few seconds, housekeeping every minute), so a terminal's pooled connection is rarely
closed under it; the terminals retry the one request that meets such a close (platform_client/transport.py).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import uvicorn

from core.errors import ConfigError

log = logging.getLogger("hall_server")

RENEW_DAYS = 30  # the server warns at start when its certificate expires sooner
KEEP_ALIVE_S = 75.0  # > the longest interval at which a terminal talks to the server (housekeeping: 60 s)


@dataclass(frozen=True)
class ServerTls:
    """PEM files: the server's certificate (its chain may follow it) and key; the CA whose certificates
    terminals must show (empty: no client certificate asked for)."""

    cert: str
    key: str
    client_ca: str = ""

    def check(self) -> ServerTls:
        """ConfigError naming the flag of a file that cannot be used, before anything listens."""
        for flag, path in (("--tls-cert", self.cert), ("--tls-key", self.key), ("--tls-client-ca", self.client_ca)):
            if path and not Path(path).is_file():
                raise ConfigError(f"{flag} {path}: no such file", setting=flag, problem=f"no such file: {path}")
        try:
            _context(self)
        except (ssl.SSLError, OSError) as exc:
            raise ConfigError(f"TLS files: {exc}", setting="--tls-cert/--tls-key",
                              problem=f"the certificate, key or CA cannot be used: {exc}") from None
        return self

    def days_left(self, now: datetime | None = None) -> float:
        """Days until the server's certificate expires; ConfigError when it has or is not valid yet."""
        from cryptography import x509

        try:
            cert = x509.load_pem_x509_certificate(Path(self.cert).read_bytes())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"--tls-cert {self.cert}: {exc}", setting="--tls-cert",
                              problem=f"not a PEM certificate: {exc}") from None
        now = now or datetime.now(timezone.utc)
        if not cert.not_valid_before_utc <= now < cert.not_valid_after_utc:
            span = f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M} to {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC"
            raise ConfigError(f"--tls-cert {self.cert}: valid {span} only", setting="--tls-cert",
                              problem=f"valid {span} only; issue a new one (hall-admin issue-cert)")
        return (cert.not_valid_after_utc - now).total_seconds() / 86400

    def uvicorn_options(self) -> dict:
        options = {"ssl_certfile": self.cert, "ssl_keyfile": self.key}
        if self.client_ca:
            options.update(ssl_ca_certs=self.client_ca, ssl_cert_reqs=ssl.CERT_REQUIRED)
        return options


def _context(tls: ServerTls) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls.cert, tls.key)
    if tls.client_ca:
        context.load_verify_locations(tls.client_ca)
    return context


def _tls_config(config: uvicorn.Config, tls: ServerTls | None) -> uvicorn.Config:
    """Loads the config so its TLS context exists, then refuses anything older than TLS 1.2."""
    config.load()
    if tls is not None:
        config.ssl.minimum_version = ssl.TLSVersion.TLSv1_2
    return config


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


def _open_store(db_path, seed: dict | None, clock=None, key_path=None):
    from hall_server import HallStore, notify
    from hall_server.api.matters import load_matters
    from hall_server.cases import has_case_reference, load_case_reference
    from hall_server.lockers import has_lockers, load_lockers
    from hall_server.rating_records import has_rating_reference, load_rating_reference

    store = HallStore(db_path, clock=clock, key_path=key_path)
    store.notifier = notify.for_database(db_path, store.key_path)  # the applicants' text messages (notify.py)
    if seed is not None and not (store.has_hall() and has_case_reference(store) and has_rating_reference(store)
                                    and has_lockers(store)):
        try:
            if not store.has_hall():
                store.load_hall(seed)
                load_matters(store, seed)  # the matter catalogue (api/matters.py)
            load_case_reference(store, seed)  # the calendar and region of case numbers (cases.py)
            load_rating_reference(store, seed)  # the rating reasons and follow-up days (rating_records.py)
            load_lockers(store, seed)  # the smart lockers' compartments (lockers.py)
        except ValueError as exc:
            store.close()
            raise ConfigError(f"hall data: {exc}", setting="seed", problem=str(exc)) from None
    return store


class ServerThread:
    """The hall server on loopback in a background thread."""

    def __init__(self, db_path, *, seed: dict | None = None, host: str = "127.0.0.1", port: int = 0,
                 thread_name: str = "hall-server", clock=None, request_clock=None, access_log: bool = False,
                 tls: ServerTls | None = None, keep_alive_s: float = KEEP_ALIVE_S, key_path=None) -> None:
        from hall_server.app import create_app

        tls_options = tls.check().uvicorn_options() if tls else {}  # before anything is opened
        self.store = _open_store(db_path, seed, clock, key_path)
        self.thread_name = thread_name
        # proto IPPROTO_TCP: asyncio sets TCP_NODELAY only on such sockets; without it every answer waits
        # for the client's delayed ACK (~40 ms), as the headers and the body are two writes.
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        self.url = f"{'https' if tls else 'http'}://{self.host}:{self.port}"
        self.app = create_app(self.store, worker_prefix=f"{thread_name}-worker", now=request_clock)
        config = uvicorn.Config(self.app, log_config=None, access_log=access_log, lifespan="on",
                                timeout_graceful_shutdown=2, timeout_keep_alive=keep_alive_s, **tls_options)
        self._server = uvicorn.Server(_tls_config(config, tls))
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


def add_tls_arguments(parser) -> None:
    """The TLS flags of ``kiosk hall-server`` and ``hall-admin serve``."""
    parser.add_argument("--tls-cert", metavar="PEM", help="serve HTTPS with this certificate (docs/deployment.md)")
    parser.add_argument("--tls-key", metavar="PEM", help="the certificate's private key")
    parser.add_argument("--tls-client-ca", metavar="PEM",
                        help="require every terminal to show a client certificate signed by this CA")


def tls_from_arguments(args) -> ServerTls | None:
    cert, key, client_ca = args.tls_cert or "", args.tls_key or "", args.tls_client_ca or ""
    if not (cert or key or client_ca):
        return None
    if not (cert and key):
        missing = "--tls-key" if cert else "--tls-cert"
        raise ConfigError(f"{missing} is missing", setting=missing, problem="--tls-cert and --tls-key go together")
    return ServerTls(cert, key, client_ca).check()


class QuietHeartbeats(logging.Filter):
    """Drops the access-log line of every accepted heartbeat (``POST /v1/fleet/heartbeat``, 2xx): 200
    terminals every 30 s would write 576 000 lines a day that say nothing; a refused one is still logged,
    and the fleet logs every change of a terminal's status itself (docs/fleet.md)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        return not (len(args) >= 5 and args[1] == "POST" and str(args[2]).startswith("/v1/fleet/heartbeat")
                    and isinstance(args[4], int) and 200 <= args[4] < 300)


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _NotifyingServer(uvicorn.Server):
    """uvicorn's server telling the service manager (core.ports.service_manager) when it listens and when
    it begins to stop (a systemd ``Type=notify`` unit, docs/deployment.md "The units")."""

    def __init__(self, config: uvicorn.Config, service) -> None:
        super().__init__(config)
        self.service = service

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)
        if self.started and not self.should_exit:
            self.service.ready(f"hall server listening on {self.config.host}:{self.config.port}")

    async def shutdown(self, sockets=None) -> None:
        self.service.stopping("hall server stopping")
        await super().shutdown(sockets)


def serve(db, host: str = "127.0.0.1", port: int = 8765, seed: str | None = None,
          tls: ServerTls | None = None, key: str | None = None, service=None) -> int:
    """``kiosk hall-server``: the server in the foreground until Ctrl-C or SIGTERM. The access log shows
    method, path and status only; no route carries personal data in its path (ID numbers travel in bodies).
    ``key``: the database's key file (default: the database's path + ``.key``; docs/hall-server.md).
    ``service``: the service manager told ``ready`` once the server listens and ``stopping`` when it stops."""
    from hall_server.app import create_app

    days_left = tls.check().days_left() if tls is not None else None
    store = _open_store(db, read_seed(seed), key_path=key)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if days_left is not None and days_left < RENEW_DAYS:
        log.warning("the server's certificate %s expires in %d days; issue a new one (hall-admin issue-cert) "
                    "before terminals refuse it", tls.cert, int(days_left))
    if not store.terminals():
        log.warning("no terminals are provisioned; add some with: python -m hall_server --db %s "
                    "add-terminal ID --role citizen", db)
    if tls is None and not _is_loopback(host):
        log.warning("serving plain HTTP on %s: ID numbers and names cross the hall network in clear text; "
                    "give --tls-cert and --tls-key (docs/deployment.md)", host)
    app = create_app(store)
    config = uvicorn.Config(app, host=host, port=port, log_level="info", access_log=True,
                            timeout_graceful_shutdown=2, timeout_keep_alive=KEEP_ALIVE_S,
                            **(tls.uvicorn_options() if tls else {}))  # configures uvicorn's loggers
    logging.getLogger("uvicorn.access").addFilter(QuietHeartbeats())
    # The net under "no personal data in paths": every handler masks ID numbers and phone numbers.
    from core.logs import MaskingFilter

    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access", "kiosk"):
        for handler in logging.getLogger(name).handlers:
            handler.addFilter(MaskingFilter())
    try:
        config = _tls_config(config, tls)
        (uvicorn.Server(config) if service is None else _NotifyingServer(config, service)).run()
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled, after a clean shutdown
        pass
    finally:
        store.close()
    return 0
