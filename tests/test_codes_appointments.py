"""Appointments and case tracking: the reference hall server's router (hall_server/appointments.py),
its client (platform_client/appointments.py) and the code service (core/services/codes.py), over
HTTP on loopback against the real server."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from server_fixtures import MONDAY_10AM, fresh_hall  # noqa: F401

from core.domain.appointments import AppointmentState, CaseState
from core.domain.codes import CodeKind, classify
from core.errors import PlatformRejected, PlatformUnreachable
from hall_server.appointments import seed_samples
from platform_client.appointments import AppointmentsClient
from core.services.codes import CodeService
from core.services.working_days import HallCalendar

TODAY = MONDAY_10AM.date()


@pytest.fixture
def kiosk(fresh_hall):  # noqa: F811
    return AppointmentsClient(fresh_hall.client("kiosk-1"))


@pytest.fixture
def samples(fresh_hall):  # noqa: F811
    return seed_samples(fresh_hall.store)


def test_booking_gives_a_valid_appointment_code(kiosk):
    first = kiosk.book("A", TODAY + timedelta(days=2), "09:30-10:00")
    second = kiosk.book("B", TODAY + timedelta(days=2), "10:00-10:30", matter_code="320100-QR-0002")
    assert classify(first.code).kind is CodeKind.APPOINTMENT
    assert first.code.startswith(f"YY{TODAY + timedelta(days=2):%Y%m%d}000001")
    assert second.code[10:16] == "000002"
    assert second.matter_code == "320100-QR-0002"
    assert kiosk.appointment(first.code) == first
    assert first.state is AppointmentState.BOOKED


@pytest.mark.parametrize(("args", "reason"), [
    (("Z", TODAY, "09:00-09:30"), "unknown_service"),
    (("A", TODAY - timedelta(days=1), "09:00-09:30"), "invalid_request"),
    (("A", TODAY, "9am"), "invalid_request"),
])
def test_booking_refusals(kiosk, args, reason):
    with pytest.raises(PlatformRejected) as caught:
        kiosk.book(*args)
    assert caught.value.reason == reason


def test_check_in_issues_an_appointment_ticket_once(kiosk, samples):
    """GIVEN today's sample appointment WHEN the citizen scans it twice THEN one ticket, flagged as an
    appointment, and the appointment is checked in with that ticket."""
    code = samples["appointments"][0]
    appointment, ticket = kiosk.check_in(code, request_id="req-appointment-1")
    assert ticket.appointment and ticket.service_prefix == "A"
    assert appointment.state is AppointmentState.CHECKED_IN
    assert appointment.ticket_tracking_code == ticket.tracking_code
    again, same = kiosk.check_in(code, request_id="req-appointment-2")
    assert same.tracking_code == ticket.tracking_code and same.number == ticket.number


def test_appointment_tickets_are_ahead_of_walk_ins(fresh_hall, kiosk, samples):  # noqa: F811
    walk_in = fresh_hall.client("kiosk-1").issue_ticket("A", request_id="req-walk-in-01")
    _, ticket = kiosk.check_in(samples["appointments"][0], request_id="req-appointment-3")
    assert ticket.people_ahead == 0
    assert walk_in.people_ahead == 0 and walk_in.number != ticket.number


def test_check_in_on_another_day_or_unknown_code_is_refused(kiosk):
    later = kiosk.book("A", TODAY + timedelta(days=1), "09:00-09:30")
    with pytest.raises(PlatformRejected) as caught:
        kiosk.check_in(later.code, request_id="req-appointment-4")
    assert caught.value.reason == "wrong_state"
    with pytest.raises(PlatformRejected) as caught:
        kiosk.appointment("YY202611239999998")
    assert caught.value.reason == "not_found"


@pytest.mark.parametrize("hostile", ["../../v1/hall", "YY20261123000001X", "YY202611230000012", "<script>"])
def test_the_client_never_sends_a_code_that_is_not_an_appointment(kiosk, hostile):
    with pytest.raises(PlatformRejected) as caught:
        kiosk.appointment(hostile)
    assert caught.value.reason == "invalid_request"


def test_case_lookup_by_tracking_number(kiosk, samples):
    case = kiosk.case(samples["cases"][0])
    assert case.state is CaseState.READY_FOR_PICKUP and case.pickup_window == 1
    assert case.matter_name.startswith("企业开办")
    with pytest.raises(PlatformRejected) as caught:
        kiosk.case("32010220000101000000")
    assert caught.value.reason == "not_found"


def test_service_resolves_appointments_receipts_and_refuses_unknown(kiosk, samples):
    service = CodeService(kiosk)
    checked = service.resolve(samples["appointments"][1], request_id="req-service-001")
    assert checked.kind is CodeKind.APPOINTMENT and checked.ticket.appointment
    receipt = service.resolve(f"https://zwfw.example.gov.cn/track/{samples['cases'][1]}", request_id="unused-01")
    assert receipt.kind is CodeKind.RECEIPT and receipt.case.state is CaseState.IN_REVIEW
    for hostile in ("https://evil.example.com/track/" + samples["cases"][1], "file:///etc/passwd",
                    samples["appointments"][0] + "\n; rm -rf /"):
        outcome = service.resolve(hostile, request_id="unused-02")
        assert outcome.kind is CodeKind.UNKNOWN and outcome.message_key == "codes.not_recognised"
        assert outcome.ticket is None and outcome.case is None


def test_a_receipt_comes_with_the_hall_calendar_and_without_one_when_it_cannot_be_had(kiosk, samples, caplog):
    """GIVEN a code service that gives the hall calendar from the kiosk's catalogue WHEN a receipt resolves
    THEN its case comes with that calendar (the tracking page counts lateness on it); a calendar that cannot
    be had (no catalogue yet) leaves it None, logged, and the case is shown all the same."""
    calendar = HallCalendar.from_data([{"year": 2026, "holidays": [["2026-10-01", "2026-10-08"]]}])
    receipt = f"HALL:R:{samples['cases'][1]}"
    assert CodeService(kiosk, calendar=lambda: calendar).resolve(receipt, request_id="unused").calendar is calendar

    def no_catalogue() -> HallCalendar:
        raise PlatformUnreachable("the terminal's store is not ready yet")

    with caplog.at_level("WARNING", logger="core.services.codes"):
        outcome = CodeService(kiosk, calendar=no_catalogue).resolve(receipt, request_id="unused")
    assert outcome.case.state is CaseState.IN_REVIEW and outcome.calendar is None
    assert any("weekends alone" in r.getMessage() for r in caplog.records)


MATERIALS = [
    {"id": "m1", "name": "公司登记（备案）申请书"},
    {"id": "m3", "name": "股东、法定代表人身份证明", "elicence": "居民身份证"},
    {"id": "m4", "name": "住所（经营场所）使用证明", "elicence": "不动产权证书"},
]


@pytest.mark.parametrize(("payload", "material"), [
    ("DZZZ:BDCQZ:91320100MA1XY8K12E:SU2026000001", "m4"),
    ("DZZZ:JMSFZ:91320100MA1XY8K12E:320102199001011234", "m3"),
    ("DZZZ:YYZZ:91320100MA1XY8K12E:320100000123456", None),  # no material asks for a business licence
    ("DZZZ:ABCD:91320100MA1XY8K12E:320100000123456", None),  # unknown type
    ("YY202611230000012", None),  # not an e-licence
])
def test_clerk_e_licence_marks_the_matching_material(payload, material):
    found = CodeService(None).material_for_elicence(payload, MATERIALS)
    assert (found or {}).get("id") == material
