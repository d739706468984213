"""The HTTP session both platform clients use (client.py for the queue, sync.py for the outbox).

``session(tls)`` gives a ``requests.Session`` that

- never reads proxies, CA bundles or .netrc from the environment: it talks to the configured platform only;
- checks the platform's certificate against ``Tls.ca_file`` (the hall's own CA) or, when that is empty,
  the system's trust store; shows ``Tls.client_cert``/``client_key`` when the hall server asks for them;
- sends a request once more, on a fresh connection, when the server closed the pooled (already used)
  connection it went out on before answering a single byte. HTTP/1.1 servers close idle keep-alive
  connections on a timer (RFC 9112 §9.3: either side may close an idle connection at any time); a request
  written in the instant the server closes meets ``RemoteDisconnected`` or a reset although the platform
  is up. The repeat is the
  identical request, signature and nonce included: a server that never read it applies it once; a server
  that did (a crash between applying and answering) refuses the repeated nonce as a replay
  (core/signing.py), so nothing is ever applied twice. A refused connection, a timeout, or a close on a
  connection opened for this very request (the server read it and died: it may have applied it) is not
  repeated here; the callers decide (client.py repeats only a ticket issue, with its request id).

``tls_refusal(exc, where)`` turns a failed TLS handshake into ``PlatformTlsRefused`` with a reason a
technician can act on: ``untrusted`` (not signed by the CA in ``platform.ca_file``), ``expired``
(or not valid yet: check the clock), ``hostname`` (not made out for the host in ``platform.url``),
``client_certificate`` (the server wants a client certificate and refused ours, or we gave none; a
new TLS connection closed before any answer, see ``ClosedAfterHandshake``),
``handshake`` (anything else: protocol versions, a plain-HTTP server behind an https:// URL …).
"""

from __future__ import annotations

import http.client
import logging
import ssl
import threading
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ProtocolError

from core.errors import PlatformTlsRefused

log = logging.getLogger("platform_client")


@dataclass(frozen=True)
class Tls:
    """The terminal's TLS settings (``[platform]`` in its configuration; docs/configuration.md)."""

    ca_file: str = ""  # PEM of the CA the platform's certificate must chain to; empty: the system's store
    client_cert: str = ""  # PEM certificate shown to a hall server that asks for one
    client_key: str = ""  # its private key

    @classmethod
    def of(cls, platform_config) -> Tls:
        """From a ``core.config.PlatformConfig``."""
        return cls(platform_config.ca_file, platform_config.client_cert, platform_config.client_key)


# What a server's close of an idle connection looks like to the request written into it.
_CLOSED_UNDER_US = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    ConnectionAbortedError, ssl.SSLEOFError, ssl.SSLZeroReturnError)


def _causes(exc: BaseException):
    """The exception and everything it wraps (args, cause, context, urllib3's ``reason``)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        nested = [*(a for a in e.args if isinstance(a, BaseException)), e.__cause__, e.__context__,
                  getattr(e, "reason", None)]
        todo.extend(n for n in nested if isinstance(n, BaseException))


def closed_before_answer(exc: requests.RequestException) -> bool:
    """The connection was closed or reset under a written request (not refused, not timed out)."""
    if isinstance(exc, (requests.Timeout, requests.exceptions.ProxyError)):
        return False
    if isinstance(exc, requests.exceptions.SSLError):  # an EOF while the pooled TLS connection is reused
        return any(isinstance(e, (ssl.SSLEOFError, ssl.SSLZeroReturnError)) for e in _causes(exc)) \
            and not any(isinstance(e, ssl.SSLCertVerificationError) for e in _causes(exc))
    if not isinstance(exc, requests.ConnectionError) or not exc.args or not isinstance(exc.args[0], ProtocolError):
        return False  # a MaxRetryError around NewConnectionError: nobody listens; no repeat
    return any(isinstance(e, _CLOSED_UNDER_US) for e in _causes(exc))


class ClosedAfterHandshake(requests.exceptions.SSLError):
    """A new TLS connection closed without a byte of answer. In TLS 1.3 a server checks the client's
    certificate after the client has finished its handshake (RFC 8446 §4.4.2.4); Python's asyncio server,
    under uvicorn, then closes without an alert. So this is what a hall server that requires client
    certificates does to a terminal showing none, or one not issued by the hall's CA."""


_last = threading.local()  # .reused: whether this thread's latest request went out on a used connection


class _Counting:
    """A connection that knows whether a request is its first since it connected."""

    _sent = 0

    def connect(self) -> None:
        self._sent = 0
        super().connect()

    def request(self, *args, **kwargs):
        _last.reused = self.sock is not None and self._sent > 0
        super().request(*args, **kwargs)  # connects first when the pool handed out a closed connection
        self._sent += 1


class _HTTPConnection(_Counting, HTTPConnection):
    pass


class _HTTPSConnection(_Counting, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _RepeatOnIdleClose(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def send(self, request, *args, **kwargs):
        _last.reused = False
        try:
            return super().send(request, *args, **kwargs)
        except requests.RequestException as exc:
            if not closed_before_answer(exc):
                raise
            if not _last.reused:
                if request.url.startswith("https:") and not isinstance(exc, requests.exceptions.SSLError):
                    raise ClosedAfterHandshake(*exc.args, request=request) from exc
                raise
        log.debug("%s %s: the server closed the idle connection under it; once more on a new one",
                  request.method, request.path_url.split("?")[0])
        self.poolmanager.clear()  # the pool's other idle connections are as old: open a fresh one
        return super().send(request, *args, **kwargs)


def session(tls: Tls | None = None) -> requests.Session:
    http_session = requests.Session()
    http_session.trust_env = False
    adapter = _RepeatOnIdleClose()
    http_session.mount("http://", adapter)
    http_session.mount("https://", adapter)
    tls = tls or Tls()
    http_session.verify = tls.ca_file or True
    if tls.client_cert:
        http_session.cert = (tls.client_cert, tls.client_key) if tls.client_key else tls.client_cert
    return http_session


# OpenSSL's X509_V_ERR_* codes (openssl/x509_vfy.h) a technician can act on.
_VERIFY_REASONS = {9: "expired", 10: "expired", 62: "hostname", 64: "hostname", 2: "untrusted", 18: "untrusted",
                   19: "untrusted", 20: "untrusted", 21: "untrusted"}
# TLS alerts the server sends about our client certificate (RFC 8446 §6.2).
_CLIENT_ALERTS = ("alert certificate required", "alert unknown ca", "alert bad certificate",
                  "alert certificate expired", "alert certificate unknown")


def tls_reason(exc: BaseException) -> str:
    if isinstance(exc, ClosedAfterHandshake):
        return "client_certificate"
    for e in _causes(exc):
        if isinstance(e, ssl.SSLCertVerificationError):
            return _VERIFY_REASONS.get(e.verify_code, "untrusted" if "certificate" in str(e) else "handshake")
    text = " ".join(str(e).lower() for e in _causes(exc))
    if any(alert in text for alert in _CLIENT_ALERTS):
        return "client_certificate"
    return "handshake"


def tls_refusal(exc: requests.exceptions.SSLError, where: str) -> PlatformTlsRefused:
    reason = tls_reason(exc)
    details = [str(e) for e in _causes(exc) if isinstance(e, ssl.SSLError)]
    return PlatformTlsRefused(f"{where}: TLS {reason}: {details[0] if details else exc}", reason=reason)
