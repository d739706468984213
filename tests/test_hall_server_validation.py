"""Requests are validated to the domain, not only to their JSON types: bookable dates, slots that end
after they start, plausible birth dates, exact types, real hex, standard JSON numbers.

Against the real hall server on loopback (its clock stands on Monday 2026-11-23, 10:00)."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from server_fixtures import MONDAY_10AM, fresh_hall  # noqa: F401

TODAY = MONDAY_10AM.date()


def _reason(response) -> str:
    return response.json()["error"]["reason"]


@pytest.mark.parametrize(("day", "slot", "ok"), [
    ("2026-11-23", "14:00-14:30", True),
    ("2026-12-23", "09:00-09:30", True),
    ("9999-12-31", "09:00-09:30", False),
    ("2027-11-23", "09:00-09:30", False),
    ("2026-11-22", "09:00-09:30", False),
    ("2026-11-24", "10:30-10:00", False),
    ("2026-11-24", "10:00-10:00", False),
    (20261124, "09:00-09:30", False),
    (0, "09:00-09:30", False),
])
def test_appointments_are_booked_inside_the_bookable_range_with_real_slots(fresh_hall, day, slot, ok):
    """GIVEN today is 2026-11-23 WHEN a kiosk books for a day and slot THEN only today up to
    BOOKING_DAYS ahead, as an ISO date string, with a slot that ends after it starts, is booked."""
    answer = fresh_hall.send("kiosk-1", "POST", "/v1/appointments",
                             body={"service_prefix": "A", "day": day, "slot": slot})
    if ok:
        assert answer.status_code == 200, answer.text
    else:
        assert (answer.status_code, _reason(answer)) == (400, "invalid_request"), answer.text


@pytest.mark.parametrize(("birth_date", "status", "priority"), [
    ("1950-01-01", 200, True),
    ("1990-06-15", 200, False),
    ("0001-01-01", 400, None),
    ("1800-01-01", 400, None),
    ("2027-01-01", 400, None),
])
def test_a_birth_date_must_be_one_a_living_person_can_have(fresh_hall, birth_date, status, priority):
    answer = fresh_hall.send("kiosk-1", "POST", "/v1/tickets", body={
        "service_prefix": "A", "request_id": str(uuid.uuid4()), "birth_date": birth_date})
    assert answer.status_code == status, answer.text
    if priority is not None:
        assert answer.json()["ticket"]["priority"] is priority


def test_an_impossible_birth_date_inside_an_id_number_earns_no_priority(fresh_hall):
    """GIVEN an 18-character ID number whose birth date reads 0001-01-01 WHEN a ticket is issued with it
    THEN the ticket is issued without elderly priority."""
    answer = fresh_hall.send("kiosk-1", "POST", "/v1/tickets", body={
        "service_prefix": "A", "request_id": str(uuid.uuid4()), "id_number": "110101000101011234"})
    assert (answer.status_code, answer.json()["ticket"]["priority"]) == (200, False)


SHA = hashlib.sha256(b"scan").hexdigest()


@pytest.mark.parametrize("body", [
    {"total": "4", "offset": 0, "data": "c2Nhbg=="},
    {"total": 4, "offset": "0", "data": "c2Nhbg=="},
    {"total": 4.0, "offset": 0, "data": "c2Nhbg=="},
    {"total": True, "offset": 0, "data": "c2Nhbg=="},
    {"total": 4, "offset": 0, "data": "c2Nhbg==", "extra": 1},
    {"total": 4, "offset": 0, "data": 1234},
])
def test_attachment_chunks_have_exact_types(fresh_hall, body):
    answer = fresh_hall.send("kiosk-1", "POST", f"/v1/sync/attachments/{SHA}", body=body)
    assert (answer.status_code, _reason(answer)) == (400, "invalid_request"), answer.text


@pytest.mark.parametrize("sha", ["z" * 64, "G" + "0" * 63, " " * 64, SHA.upper()])
def test_an_attachment_named_in_a_record_is_real_lower_case_hex(fresh_hall, sha):
    answer = fresh_hall.send("kiosk-1", "POST", f"/v1/sync/records/{uuid.uuid4()}", body={
        "kind": "submission", "record": {"content": {"matter": "M-1"},
                                         "attachments": [{"sha256": sha, "size": 4, "media_type": "image/jpeg"}]}})
    assert (answer.status_code, _reason(answer)) == (400, "invalid_request"), answer.text


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1e400",
                                    b"123456789012345678901234"])
def test_record_content_holds_only_standard_json_numbers(fresh_hall, number):
    body = b'{"kind": "rating", "record": {"attachments": [], "content": {"score": ' + number + b"}}}"
    answer = fresh_hall.send("kiosk-1", "POST", f"/v1/sync/records/{uuid.uuid4()}", body=body,
                             headers={"Content-Type": "application/json"})
    assert (answer.status_code, _reason(answer)) == (400, "invalid_request"), answer.text
