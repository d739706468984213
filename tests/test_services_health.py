"""Printer faults and their recovery reach the platform as device_health records in the outbox: once per
change, written even when the store came up after the fault. Real hall server, virtual printers, a real
Store."""

from __future__ import annotations

import pytest
from test_services_queue_support import virtual_printer

from core.ports import PrinterStatus
from core.ports.outbox import RecordKind
from core.services.health import DeviceHealthReporter
from core.services.queue import KioskQueueService
from offline_cache import Store


@pytest.fixture
def kiosk(hall):
    main, fallback = virtual_printer("health-main"), virtual_printer("health-fallback")
    client = hall.client("K-01")
    yield KioskQueueService(client, main, fallback_printer=fallback), main
    client.close()
    main.close()
    fallback.close()


def health_records(store):
    return [store.load(e.record_id).content for e in store.entries() if e.kind == RecordKind.DEVICE_HEALTH]


def test_a_paper_out_and_its_recovery_are_each_recorded_once(kiosk, tmp_path):
    """GIVEN a kiosk whose main printer is out of paper WHEN three numbers are taken (the fallback prints
    them) and then the roll is changed and another is taken THEN the outbox holds two device_health
    records for the main printer: paper_out, then ready."""
    service, main = kiosk
    store = Store(tmp_path / "store", margin_bytes=0)
    try:
        reporter = DeviceHealthReporter("K-01", lambda: store)
        service.events.subscribe(reporter.on_event)
        main.set_status(PrinterStatus.PAPER_OUT)
        for _ in range(3):
            service.take_number(service.new_request("A"))
        main.set_status(PrinterStatus.READY)
        service.take_number(service.new_request("A"))
        records = [r for r in health_records(store) if r["device"] == "printer:health-main"]
        assert [r["state"] for r in records] == ["paper_out", "ready"]
        assert records[0]["terminal_id"] == "K-01" and records[0]["at"]
    finally:
        store.close()


def test_a_fault_before_the_store_is_built_is_written_once_it_is(kiosk, tmp_path):
    """GIVEN no store yet (kiosk run builds it after the window) WHEN the printer runs out of paper, the
    store comes up, and the roll is changed THEN both changes are in the outbox, in order."""
    service, main = kiosk
    holder: list[Store] = []
    reporter = DeviceHealthReporter("K-01", lambda: holder[0] if holder else None)
    service.events.subscribe(reporter.on_event)
    main.set_status(PrinterStatus.PAPER_OUT)
    service.take_number(service.new_request("A"))
    holder.append(Store(tmp_path / "store", margin_bytes=0))
    try:
        main.set_status(PrinterStatus.READY)
        service.take_number(service.new_request("A"))
        states = [r["state"] for r in health_records(holder[0]) if r["device"] == "printer:health-main"]
        assert states == ["paper_out", "ready"]
    finally:
        holder[0].close()
