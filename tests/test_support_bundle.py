"""The support bundle (``kiosk diag bundle``; docs/fleet.md): everything a supporter needs about one
terminal, and nothing of its citizens: a kiosk full of sample citizens' data (its outbox, a photo, its
logs, a card on its reader) gives a bundle where none of it is found, in UTF-8, GB18030 or JSON-escaped
form, and neither the terminal's secret nor the store's key."""

from __future__ import annotations

import base64
import json
import logging
import os
import zipfile

import pytest
from server_fixtures import fresh_hall  # noqa: F401

from core import config
from core.logs import MaskingFilter, forget_sensitive, register_sensitive
from core.ports.outbox import AttachmentIn, RecordKind
from kiosk.app import build_terminal
from kiosk.cli import main as kiosk
from simulators.idcard import IdCardSimulator
from simulators.idcard_cards import SAMPLE_CARDS

NAMES = ("李䶮", "张𠮷", "欧阳娜娜")
ID_NUMBERS = ("32010219550312123X", "11010119900615002X")
PHONE = "13912345678"


def kiosk_toml(tmp_path, url: str, secret: str, reader: str) -> str:
    path = tmp_path / "kiosk.toml"
    path.write_text(f"""
role = "citizen"
terminal_id = "kiosk-1"
hall_id = "3201-0042"
data_dir = "{tmp_path / 'data'}"

[platform]
url = "{url}"
terminal_secret = "{secret}"
timeout_s = 2.0

[printers.ticket]
url = "virtual://bundle-ticket"

[devices]
ticket_printer = "ticket"
idcard_reader = "{reader}"
""", encoding="utf-8")
    return str(path)


def needles(secret: str, key: bytes, photo: bytes) -> dict[str, bytes]:
    found = {}
    for name in NAMES:
        found[f"{name} (utf-8)"] = name.encode("utf-8")
        found[f"{name} (gb18030)"] = name.encode("gb18030")
        found[f"{name} (json-escaped)"] = json.dumps(name)[1:-1].encode()
    for number in (*ID_NUMBERS, PHONE):
        found[number] = number.encode()
    found.update({"secret": secret.encode(), "key": key, "key (hex)": key.hex().encode(),
                  "key (base64)": base64.b64encode(key), "photo": photo[100:132],
                  "photo (base64)": base64.b64encode(photo[99:150])[4:40]})
    return found


def fill_with_citizens(terminal, data_dir) -> bytes:
    """Applications with names, ID numbers and a phone, an ID photo, a refused record whose reason and a
    technician's discard name a citizen, and log lines: one masked as the product writes them, one written
    unmasked by something else."""
    store = terminal.sync.store
    photo = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(20_000)
    store.enqueue(RecordKind.APPLICATION, {"applicant": {"name": NAMES[0], "id_number": ID_NUMBERS[0],
                                                         "phone": PHONE}, "matter": "M-001"},
                  [AttachmentIn(photo, "image/jpeg", "id_card_front")])
    refused = store.enqueue(RecordKind.SUBMISSION, {"applicant": {"name": NAMES[1], "id_number": ID_NUMBERS[1]}})
    store.mark_dead(refused, f"refused: {NAMES[1]} {ID_NUMBERS[1]}")
    store.discard(refused, actor="tech-1", why=f"duplicate of {NAMES[1]} {ID_NUMBERS[1]}")
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(logs / "kiosk.log", encoding="utf-8")
    handler.addFilter(MaskingFilter())
    logger = logging.getLogger("test.bundle")
    logger.addHandler(handler)
    try:
        register_sensitive(NAMES[2])
        logger.warning("citizen %s with %s called %s", NAMES[2], ID_NUMBERS[0], PHONE)
    finally:
        forget_sensitive()
        logger.removeHandler(handler)
        handler.close()
    with open(logs / "kiosk.log", "a", encoding="utf-8") as raw:
        raw.write(f"Traceback … ValueError: bad id {ID_NUMBERS[1]} phone {PHONE}\n")
    return photo


def test_the_bundle_holds_versions_config_devices_logs_store_and_heartbeat_but_no_citizen_and_no_secret(
        fresh_hall, tmp_path, capsys):
    """GIVEN a kiosk with 李䶮's card on its reader (the simulator, over a real serial link), its outbox full of
    citizens' applications and a photo, its logs naming citizens, and a heartbeat sent
    WHEN ``kiosk diag bundle OUT.zip --config kiosk.toml`` runs
    THEN the zip holds the versions, the configuration without the secret, the printer's and reader's
    self-tests, the platform check, the masked log lines, the store's counts and the last heartbeat; and no
    name, ID number, phone, photo, secret or key in any form."""
    secret = fresh_hall.secret("kiosk-1")
    with IdCardSimulator(thread_name="idcard-sim") as sim:
        sim.place(SAMPLE_CARDS["li_yan"])
        toml = kiosk_toml(tmp_path, fresh_hall.url, secret, sim.url)
        terminal = build_terminal(config.load(toml))
        try:
            photo = fill_with_citizens(terminal, tmp_path / "data")
            assert terminal.heartbeat.beat().sent
        finally:
            terminal.close()
        out = tmp_path / "support.zip"
        assert kiosk(["diag", "bundle", str(out), "--config", toml]) == 0
    assert "wrote" in capsys.readouterr().out
    key = (tmp_path / "data" / "store" / "keys" / "store.key").read_bytes()
    with zipfile.ZipFile(out) as bundle:
        entries = {name: bundle.read(name) for name in bundle.namelist()}
    assert set(entries) == {"README.txt", "versions.json", "config.json", "devices.json", "logs.txt", "store.json",
                            "heartbeat.json"}
    found = [f"{what} in {name}" for name, data in entries.items() for what, needle in
             needles(secret, key, photo).items() if needle in data]
    assert found == []

    versions = json.loads(entries["versions.json"])
    assert versions["product"] and versions["python"] and versions["qt"] and "requests" in versions["libraries"]
    cfg = json.loads(entries["config.json"])
    assert cfg["platform"]["terminal_secret"] == "<removed>" and cfg["platform"]["url"] == fresh_hall.url
    devices = json.loads(entries["devices.json"])
    tests = {t["device"]: t for t in devices["tests"]}
    assert tests["printer:ticket"]["status"] == "ready"
    assert tests["idcard_reader"]["state"] == "ready"
    assert devices["platform"]["reachable"] is True and devices["platform"]["signed_ok"] is True
    store = json.loads(entries["store.json"])
    assert store["queued"] == 1 and store["by_state_and_kind"] == {"queued:application": 1}
    assert store["oldest_waiting_age_s"] >= 0 and store["free_bytes"] > 0
    assert json.loads(entries["heartbeat.json"])["sent"] is True
    log_text = entries["logs.txt"].decode("utf-8")
    assert "citizen 欧*** with 3201**********123X" in log_text  # masked when written
    assert "bad id 1101**********002X phone 139****5678" in log_text  # written unmasked, masked in the bundle


@pytest.mark.parametrize("url", ["https://user:pa55word@hall.example:8765"])
def test_credentials_in_a_url_and_every_secret_named_setting_are_removed(url):
    """GIVEN a configuration whose URL carries a user and password
    THEN the bundle's copy has both removed, and the terminal's secret too."""
    from kiosk.support_bundle import scrubbed_config

    cfg = config.parse({"role": "display", "terminal_id": "K", "hall_id": "H",
                        "platform": {"url": url, "terminal_secret": "s3cret-value"}}, source="t")
    text = json.dumps(scrubbed_config(cfg))
    assert "pa55word" not in text and "user:" not in text and "s3cret-value" not in text
    assert "https://<removed>@hall.example:8765" in text
