"""``PlatformClient``: the queue API of the central platform over HTTP (implements core.ports.QueuePlatform).

Every request is signed with core/signing.py (method, path and query as sent, timestamp, fresh nonce, body
hash) and bounded by ``timeout_s`` (connect and read; a long poll adds its wait). Answers are translated
where they enter our code:

- no connection, a timeout, a broken or truncated body, a redirect, or a 2xx that is not JSON of the
  expected shape (a captive portal's 200 HTML page) → ``PlatformUnreachable`` (with the detail);
- 4xx with ``{"error": {"reason": …}}`` → ``PlatformRejected`` carrying ``.reason`` and ``.status``
  (409 → ``PlatformConflict``); a 4xx without that body is not the platform's → ``PlatformUnreachable``;
- 5xx → ``PlatformServerFault`` (``params["retry_after"]`` from a Retry-After header, when given).

The session (transport.py) checks the platform's certificate against ``tls.ca_file`` and shows the
terminal's client certificate; a refused handshake is ``PlatformTlsRefused`` with its reason. A request
that meets the server's close of an idle pooled connection is sent once more on a fresh one, below this
module: that is no failure of the platform.

``issue_ticket`` retries once after a transport failure, with the same ``request_id`` (the server returns
the ticket it already issued, never a second number). Other calls are not retried after a failure the
server may have seen (a new connection dropped, a timeout): a clerk action done twice would call two people.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from urllib.parse import urlencode, urlsplit

import requests

from core import signing
from core.domain import CallEvent, ClerkSession, HallBoard, HallInfo, Outcome, Ticket, WindowStatus
from core.errors import PlatformConflict, PlatformRejected, PlatformServerFault, PlatformUnreachable
from core import wire as parse
from platform_client import transport
from platform_client.transport import Tls

SESSION_HEADER = "X-Clerk-Session"


class _TransportFailure(PlatformUnreachable):
    """No answer at all (connection refused or reset, timeout): the only failure worth one retry."""


class PlatformClient:
    """A signed HTTP client of the platform for one terminal. Not shared between threads."""

    def __init__(self, base_url: str, terminal_id: str, secret: str, *, timeout_s: float = 5.0,
                 tls: Tls | None = None) -> None:
        split = urlsplit(base_url.rstrip("/"))
        if split.scheme not in ("http", "https") or not split.netloc:
            raise ValueError(f"platform URL must be http(s)://host[:port][/path], got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._path_prefix = split.path
        self.terminal_id = terminal_id
        self._secret = secret
        self.timeout_s = float(timeout_s)
        self._http = transport.session(tls)  # no proxies or .netrc from the environment: the platform only

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PlatformClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- transport ---------------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, body: dict | None = None, query: dict | None = None,
                 session: ClerkSession | None = None, extra_wait_s: float = 0.0) -> dict:
        path_and_query = self._path_prefix + path + ("?" + urlencode(query) if query else "")
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else b""
        headers = signing.sign(self.terminal_id, self._secret, method, path_and_query, data)
        headers["Accept"] = "application/json"
        if body is not None:
            headers["Content-Type"] = "application/json"
        if session is not None:
            headers[SESSION_HEADER] = session.token
        url = self.base_url[: len(self.base_url) - len(self._path_prefix)] + path_and_query
        try:
            response = self._http.request(method, url, data=data or None, headers=headers, allow_redirects=False,
                                          timeout=(self.timeout_s, self.timeout_s + extra_wait_s))
        except requests.exceptions.SSLError as exc:
            raise transport.tls_refusal(exc, f"{method} {path}") from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _TransportFailure(f"{method} {path}: {type(exc).__name__}: {exc}") from None
        except requests.RequestException as exc:  # broken chunking, bad content encoding, invalid URL …
            raise PlatformUnreachable(f"{method} {path}: {type(exc).__name__}: {exc}") from None
        return self._answer(method, path, response)

    def _answer(self, method: str, path: str, response: requests.Response) -> dict:
        status = response.status_code
        where = f"{method} {path}: HTTP {status}"
        payload = self._json(response)
        if 200 <= status < 300:
            if payload is None:
                raise PlatformUnreachable(f"{where}: the answer is not the platform's JSON "
                                          f"({response.headers.get('Content-Type', 'no content type')})")
            return payload
        if 500 <= status < 600:
            reason = _reason(payload)
            raise PlatformServerFault(f"{where}" + (f" ({reason})" if reason else ""),
                                      retry_after=response.headers.get("Retry-After", ""))
        if 400 <= status < 500:
            reason = _reason(payload)
            if reason is None:
                raise PlatformUnreachable(f"{where} without the platform's error body")
            message = payload["error"].get("message") if isinstance(payload["error"].get("message"), str) else ""
            cls = PlatformConflict if status == 409 else PlatformRejected
            raise cls(f"{reason}: {message}" if message else reason, reason=reason, status=status)
        raise PlatformUnreachable(f"{where}: unexpected status (a redirect to a login page?)")

    @staticmethod
    def _json(response: requests.Response) -> dict | None:
        kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind != "application/json":
            return None
        try:
            value = json.loads(response.content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def _parse(self, what: str, fn, payload):
        try:
            return fn(payload)
        except parse.BadAnswer as exc:
            raise PlatformUnreachable(f"{what}: the answer is not the platform's: {exc}") from None

    # --- kiosk -------------------------------------------------------------------------------------

    def hall_info(self) -> HallInfo:
        return self._parse("hall", parse.hall, self._request("GET", "/v1/hall"))

    def issue_ticket(self, service_prefix: str, *, request_id: str, id_number: str | None = None,
                     birth_date: date | None = None, appointment_code: str | None = None) -> Ticket:
        body: dict = {"service_prefix": service_prefix, "request_id": request_id}
        if id_number is not None:
            body["id_number"] = id_number
        if birth_date is not None:
            body["birth_date"] = birth_date.isoformat()
        if appointment_code is not None:
            body["appointment_code"] = appointment_code
        try:
            payload = self._request("POST", "/v1/tickets", body=body)
        except _TransportFailure:
            # The first try may have issued the ticket; the same request_id gets that ticket back.
            payload = self._request("POST", "/v1/tickets", body=body)
        return self._parse("ticket", parse.ticket_answer, payload)

    def ticket(self, tracking_code: str) -> Ticket:
        if not tracking_code or not all(c.isalnum() or c in "-_" for c in tracking_code):
            raise PlatformRejected("tracking code has characters no ticket has", reason="invalid_request")
        return self._parse("ticket", parse.ticket_answer, self._request("GET", f"/v1/tickets/{tracking_code}"))

    # --- clerk -------------------------------------------------------------------------------------

    def login(self, window: int, staff_id: str, pin: str) -> ClerkSession:
        payload = self._request("POST", "/v1/clerk/login", body={"window": window, "staff_id": staff_id, "pin": pin})
        return self._parse("login", parse.session, payload)

    def logout(self, session: ClerkSession) -> None:
        self._parse("logout", parse.ok, self._request("POST", "/v1/clerk/logout", session=session))

    def staff_photo(self, session: ClerkSession) -> bytes | None:
        try:
            payload = self._request("GET", "/v1/clerk/photo", session=session)
        except PlatformRejected as exc:
            if exc.reason == "not_found":
                return None
            raise

        def image(p) -> bytes:
            o = parse.Obj(p, "photo")
            try:
                data = base64.b64decode(o.str("photo"), validate=True)
            except ValueError:
                raise parse.BadAnswer("photo.photo: not base64") from None
            if not data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) or len(data) > 512 * 1024:
                raise parse.BadAnswer("photo.photo: not a JPEG or PNG of a staff photo's size")
            return data
        return self._parse("photo", image, payload)

    def window_status(self, session: ClerkSession) -> WindowStatus:
        return self._parse("window", parse.window_status, self._request("GET", "/v1/clerk/window", session=session))

    def _action(self, session: ClerkSession, name: str, body: dict | None = None) -> Ticket:
        payload = self._request("POST", f"/v1/clerk/{name}", body=body, session=session)
        return self._parse(name, parse.ticket_answer, payload)

    def call_next(self, session: ClerkSession) -> Ticket | None:
        payload = self._request("POST", "/v1/clerk/call-next", session=session)
        return self._parse("call-next", lambda p: parse.ticket_answer(p, optional=True), payload)

    def call_number(self, session: ClerkSession, number: str) -> Ticket:
        return self._action(session, "call-number", {"number": number})

    def recall(self, session: ClerkSession) -> Ticket:
        return self._action(session, "recall")

    def no_show(self, session: ClerkSession) -> Ticket:
        return self._action(session, "no-show")

    def return_to_queue(self, session: ClerkSession) -> Ticket:
        return self._action(session, "return")

    def transfer(self, session: ClerkSession, *, service_prefix: str | None = None,
                 window: int | None = None) -> Ticket:
        body = {k: v for k, v in (("service_prefix", service_prefix), ("window", window)) if v is not None}
        return self._action(session, "transfer", body)

    def hold(self, session: ClerkSession) -> Ticket:
        return self._action(session, "hold")

    def call_back(self, session: ClerkSession, number: str) -> Ticket:
        return self._action(session, "call-back", {"number": number})

    def pause(self, session: ClerkSession, reason: str) -> None:
        self._parse("pause", parse.ok, self._request("POST", "/v1/clerk/pause", body={"reason": reason},
                                                     session=session))

    def resume(self, session: ClerkSession) -> None:
        self._parse("resume", parse.ok, self._request("POST", "/v1/clerk/resume", session=session))

    def finish(self, session: ClerkSession, outcome: Outcome) -> Ticket:
        return self._action(session, "finish", {"outcome": Outcome(outcome).value})

    # --- hall display ------------------------------------------------------------------------------

    def call_events(self, after_seq: int, *, wait_s: float = 0.0) -> list[CallEvent]:
        wait_s = max(0.0, min(float(wait_s), 25.0))
        query = {"after": max(0, int(after_seq))}
        if wait_s:
            query["wait"] = f"{wait_s:g}"
        payload = self._request("GET", "/v1/calls", query=query, extra_wait_s=wait_s)
        return self._parse("calls", parse.call_events, payload)

    def display_board(self) -> HallBoard:
        return self._parse("board", parse.board, self._request("GET", "/v1/display/board"))


def _reason(payload: dict | None) -> str | None:
    if payload is None or not isinstance(payload.get("error"), dict):
        return None
    reason = payload["error"].get("reason")
    return reason if isinstance(reason, str) and reason else None
