"""The sync side of the platform API over HTTP: implements ``core.ports.outbox.SyncTransport``.

Endpoints (hall_server/api/sync.py): ``GET/POST /v1/sync/attachments/{sha256}``,
``POST /v1/sync/records/{id}``, ``POST /v1/sync/ticket-blocks``; ``GET /v1/health`` as the probe.

Success only on the expected status AND a body that parses as the expected answer
(a captive portal or a proxy answers 200 with an HTML page):

- a record: 200 or 201, JSON, ``record_id`` equal to the one sent, a 64-hex ``content_hash``, a boolean
  ``duplicate``, a list ``missing_attachments``; a ``case`` (application, notice, pre_application) must
  carry its 20-digit ``number``, which becomes ``RecordAck.case_number``, a ``state`` (lower-case
  word) and a ``promised_on`` (ISO date or null): ``case_state`` and ``promised_on``;
- an attachment: 200, JSON, the same ``sha256``, integer ``received``, boolean ``complete``;
- anything else with a 2xx (HTML, truncated JSON, another record's answer) is ``PlatformUnreachable``.

Errors: no connection / timeout / bad body → ``PlatformUnreachable``; 5xx and 429 → ``PlatformServerFault``
(``params['retry_after_s']`` from a Retry-After header in seconds); 409 with a reason →
``PlatformConflict``; other 4xx with the server's ``{"error": {"reason"}}`` → ``PlatformRejected`` (with
``params['problems']``, ``FormProblem``s, for ``form_invalid`` and ``params['current_version']`` for
``form_outdated``); a 4xx
WITHOUT that body is not the platform's own answer (a proxy's) → ``PlatformUnreachable``, so a record is
never dead-lettered on a middlebox's word.

The session is transport.py's (TLS as configured, one repeat of a request the server's idle close raced;
a refused handshake is ``PlatformTlsRefused``). Every request is signed (core/signing.py) and carries
``Connection: close`` only when asked (``keep_alive=False``, used by the soak bench so each request meets
the fault proxy afresh).
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import requests

from core import signing
from core.errors import PlatformConflict, PlatformRejected, PlatformServerFault, PlatformUnreachable
from core.ports.outbox import RecordAck, canonical_json
from core.services.form_problems import PROBLEM_KEYS, FormProblem
from platform_client import transport
from platform_client.transport import Tls

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_TRACKING = re.compile(r"^[0-9]{20}$")
_CASE_STATE = re.compile(r"^[a-z_]{1,40}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _details(error: dict) -> dict:
    """What a refusal says besides its reason, as the error's params: the form's ``problems``
    (``FormProblem``s whose keys are those of the ``form.problem.*`` catalogue; any other key is dropped)
    and the ``current_version`` of the form."""
    out: dict = {}
    problems = error.get("problems")
    if isinstance(problems, list):
        out["problems"] = tuple(
            FormProblem(str(p.get("path", "")), p["key"], {k: v for k, v in p.get("params", {}).items()
                                                           if isinstance(k, str) and isinstance(v, (str, int, float))})
            for p in problems if isinstance(p, dict) and p.get("key") in PROBLEM_KEYS
            and isinstance(p.get("params", {}), dict))
    if isinstance(error.get("current_version"), str):
        out["current_version"] = error["current_version"]
    return out


class SyncClient:
    def __init__(self, base_url: str, terminal_id: str, secret: str, *, timeout_s: float = 10.0,
                 probe_timeout_s: float = 2.0, keep_alive: bool = True, tls: Tls | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.terminal_id = terminal_id
        self._secret = secret
        self.timeout_s = timeout_s
        self.probe_timeout_s = probe_timeout_s
        self.keep_alive = keep_alive
        self._session = transport.session(tls)  # never a system proxy: loopback or the configured platform only

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- HTTP --------------------------------------------------------------------------------------
    def _request(self, method: str, path: str, body: dict | None = None, *, timeout_s: float | None = None,
                 signed: bool = True) -> requests.Response:
        data = canonical_json(body) if body is not None else b""
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if not self.keep_alive:
            headers["Connection"] = "close"
        if signed:
            headers.update(signing.sign(self.terminal_id, self._secret, method, path, data))
        try:
            return self._session.request(method, self.base_url + path, data=data or None, headers=headers,
                                         timeout=timeout_s or self.timeout_s, allow_redirects=False)
        except requests.exceptions.SSLError as exc:
            raise transport.tls_refusal(exc, f"{method} {path}") from None
        except requests.RequestException as exc:
            raise PlatformUnreachable(f"{method} {path}: {type(exc).__name__}") from None

    @staticmethod
    def _json(response: requests.Response) -> Any:
        if response.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            raise PlatformUnreachable(f"answer is {response.headers.get('Content-Type') or 'untyped'}, not JSON "
                                      f"(HTTP {response.status_code}; a captive portal or proxy?)")
        try:
            return json.loads(response.content)
        except (ValueError, requests.RequestException):
            raise PlatformUnreachable(f"answer is not valid JSON (HTTP {response.status_code}; truncated?)") from None

    def _check(self, response: requests.Response, ok: tuple[int, ...]) -> dict:
        status = response.status_code
        if status in ok:
            payload = self._json(response)
            if not isinstance(payload, dict):
                raise PlatformUnreachable("answer is not a JSON object")
            return payload
        if status >= 500 or status == 429:
            retry_after = response.headers.get("Retry-After", "")
            params = {"retry_after_s": float(retry_after)} if retry_after.strip().isdigit() else {}
            raise PlatformServerFault(f"HTTP {status}", **params)
        if 400 <= status < 500:
            try:
                payload = self._json(response)
                error = payload["error"]
                reason, message = str(error["reason"]), str(error.get("message", ""))
            except (PlatformUnreachable, KeyError, TypeError):
                raise PlatformUnreachable(f"HTTP {status} without the platform's error body") from None
            cls = PlatformConflict if status == 409 else PlatformRejected
            raise cls(message or reason, reason=reason, status=status, **_details(error))
        raise PlatformUnreachable(f"unexpected HTTP {status}")

    # --- SyncTransport -----------------------------------------------------------------------------
    def probe(self) -> bool:
        try:
            response = self._request("GET", "/v1/health", timeout_s=self.probe_timeout_s, signed=False)
            return response.status_code == 200 and self._json(response).get("ok") is True
        except (PlatformUnreachable, AttributeError):
            return False

    def _attachment_status(self, sha256: str, payload: dict) -> int:
        received = payload.get("received")
        if payload.get("sha256") != sha256 or not isinstance(received, int) or isinstance(received, bool) \
                or not isinstance(payload.get("complete"), bool):
            raise PlatformUnreachable("attachment answer does not have the expected shape")
        return received

    def attachment_received(self, sha256: str) -> int | None:
        payload = self._check(self._request("GET", f"/v1/sync/attachments/{sha256}"), (200,))
        received = self._attachment_status(sha256, payload)
        return received or None

    def put_attachment_chunk(self, sha256: str, total: int, offset: int, chunk: bytes) -> int:
        body = {"total": total, "offset": offset, "data": base64.b64encode(chunk).decode("ascii")}
        payload = self._check(self._request("POST", f"/v1/sync/attachments/{sha256}", body), (200,))
        return self._attachment_status(sha256, payload)

    def post_record(self, kind: str, record_id: str, content: dict[str, Any]) -> RecordAck:
        payload = self._check(self._request("POST", f"/v1/sync/records/{record_id}",
                                            {"kind": kind, "record": content}), (200, 201))
        missing = payload.get("missing_attachments")
        digest = payload.get("content_hash")
        if (payload.get("record_id") != record_id or not isinstance(digest, str) or not _HEX64.match(digest)
                or not isinstance(payload.get("duplicate"), bool) or not isinstance(missing, list)
                or not all(isinstance(m, str) and _HEX64.match(m) for m in missing)):
            raise PlatformUnreachable("record answer does not have the expected shape")
        case = payload.get("case")
        number = case.get("number") if isinstance(case, dict) else None
        if case is not None and not (isinstance(number, str) and _TRACKING.match(number)):
            raise PlatformUnreachable("record answer names a case without a case number")
        state = case.get("state") if case is not None else None
        promised = case.get("promised_on") if case is not None else None
        if case is not None and not (isinstance(state, str) and _CASE_STATE.match(state)
                                     and (promised is None or isinstance(promised, str) and _DATE.match(promised))):
            raise PlatformUnreachable("record answer names a case with a malformed state or promised date")
        return RecordAck(record_id, digest, payload["duplicate"], tuple(missing), number, state, promised)

    # --- offline ticket blocks ---------------------------------------------------------------------
    def lease_ticket_block(self, service_prefix: str, size: int, lease_id: str) -> dict:
        payload = self._check(self._request("POST", "/v1/sync/ticket-blocks",
                                            {"lease_id": lease_id, "service_prefix": service_prefix,
                                             "size": size}), (200,))
        try:
            block = {"lease_id": str(payload["lease_id"]), "service_day": str(payload["service_day"]),
                     "service_prefix": str(payload["service_prefix"]), "first": int(payload["first"]),
                     "last": int(payload["last"])}
        except (KeyError, TypeError, ValueError):
            raise PlatformUnreachable("ticket block answer does not have the expected shape") from None
        if block["lease_id"] != lease_id or block["service_prefix"] != service_prefix \
                or not 0 < block["first"] <= block["last"]:
            raise PlatformUnreachable("ticket block answer does not match the request")
        return block

    # --- reference data with ETag ------------------------------------------------------------------
    def get_reference(self, path: str, etag: str = "") -> tuple[int, Any, str]:
        """``(status, body, etag)``: 200 with a new body, or 304 (body None) when ``etag`` is current."""
        headers_etag = {"If-None-Match": etag} if etag else {}
        data = b""
        headers = {"Accept": "application/json", **headers_etag,
                   **signing.sign(self.terminal_id, self._secret, "GET", path, data)}
        try:
            response = self._session.get(self.base_url + path, headers=headers, timeout=self.timeout_s,
                                         allow_redirects=False)
        except requests.exceptions.SSLError as exc:
            raise transport.tls_refusal(exc, f"GET {path}") from None
        except requests.RequestException as exc:
            raise PlatformUnreachable(f"GET {path}: {type(exc).__name__}") from None
        if response.status_code == 304:
            return 304, None, etag
        payload = self._check(response, (200,))
        return 200, payload, response.headers.get("ETag", "")
