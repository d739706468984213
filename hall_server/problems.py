"""The one exception the hall server's logic raises, and the HTTP status of each reason.

``HallError(reason, message)`` is raised by the store and the auth layer; ``hall_server.app`` turns it
into ``{"error": {"reason": ..., "message": ...}}`` with the status from ``STATUS``. The client maps the
reason back into ``PlatformRejected.reason`` (409 → ``PlatformConflict``), and the terminals' catalogues
hold a message per reason (``error.reason.<reason>`` in core/i18n/platform.*.json).

Status families: 400 the request is malformed; 401 the terminal or clerk is not who it says; 403 allowed
to nobody in this role; 404 the thing named does not exist; 409 the action does not fit the current
state; 413 body too large; 422 the hall's rules refuse it today (cap, hours); 429 too many attempts;
503 the database is busy (retry).
"""

from __future__ import annotations

STATUS: dict[str, int] = {
    # malformed
    "invalid_request": 400,
    "not_found": 404,
    "method_not_allowed": 405,
    "body_too_large": 413,
    "unsupported_media_type": 415,
    # terminal authentication (core/signing.py)
    "missing_signature": 401,
    "bad_signature": 401,
    "stale_timestamp": 401,
    "replayed_nonce": 401,
    "unknown_terminal": 401,
    "forbidden_role": 403,
    # clerk sessions
    "not_logged_in": 401,
    "bad_pin": 401,
    "too_many_attempts": 429,
    "window_not_allowed": 403,
    # names that do not exist
    "unknown_service": 404,
    "unknown_window": 404,
    "ticket_not_found": 404,
    # the hall's rules
    "daily_cap_reached": 422,
    "outside_issuing_hours": 422,
    # records that open cases (case_records.py)
    "matter_unknown": 422,
    "form_outdated": 422,
    "form_invalid": 422,
    # ratings (rating_records.py, rating_reviews.py)
    "rating_reason_unknown": 422,
    "rating_exists": 409,
    "not_permitted": 403,
    # result pickup (lockers.py, pickup_kiosk.py)
    "locker_full": 409,
    "pickup_code_wrong": 404,
    "pickup_grant_unknown": 409,
    "not_a_collector": 403,
    # state conflicts
    "request_id_reused": 409,
    "wrong_state": 409,
    "no_current_ticket": 409,
    "ticket_in_service": 409,
    "window_paused": 409,
    "wrong_window": 409,
    # the server
    "busy": 503,
    "internal_error": 500,
}


class HallError(Exception):
    """A request the hall server refuses, with a machine-readable reason and an English detail."""

    def __init__(self, reason: str, message: str = "") -> None:
        if reason not in STATUS:
            raise ValueError(f"unknown reason {reason!r}")
        super().__init__(message or reason)
        self.reason = reason
        self.message = message or reason.replace("_", " ")

    @property
    def status(self) -> int:
        return STATUS[self.reason]
