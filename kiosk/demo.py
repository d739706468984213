"""``kiosk demo``: the whole hall on one machine, with no hardware and no platform.

1. The reference hall server starts on loopback (``ServerThread``) with the sample hall
   (simulators/sample_data/hall.json) in a SQLite file under the demo's data directory.
2. Three terminals are provisioned on it: the citizen kiosk ``K-01``, the clerk window ``W-03``
   (window 3) and the hall display ``D-01``; every window's clerk gets the demo PIN ``DEMO_PIN``
   (the login screen says so: demo only).
3. Each terminal is built exactly as ``kiosk run`` builds it (kiosk/app.py) from a configuration;
   the kiosk's printers are virtual (``virtual://``), and every ticket they print is rendered to a PNG
   and shown in a "printer output" window next to the kiosk.
4. Two ID-card reader simulators run on 127.0.0.1 (simulators/idcard.py), one for the kiosk and
   one for the clerk's window; the terminals' drivers poll them over ``socket://`` (``[devices]
   idcard_reader``) as they would a real reader. A "demo devices" window places a sample card on either
   reader or lifts it.
5. Every terminal has its own encrypted store and sync engine (``<data dir>/terminals/<id>/store``,
   kiosk/app.py ``build_sync``); the kiosk leases blocks of offline numbers while the server answers.
   A code-scanner simulator (simulators/scanner.py) is the kiosk's serial scanner (``[devices]
   scanner = socket://…``); the hall server holds sample appointments for today and sample cases
   (``seed_samples``), and the "demo devices" window scans them (and an e-licence and a hostile payload).
6. A smart-locker simulator (simulators/locker.py, board 1 with twelve doors, as hall.json's locker "A")
   is the kiosk's ``[locker]``: the kiosk drives the bus (one master, docs/locker.md) and its 取件 opens
   the doors; the clerk's window is also the pickup window (``[window] pickup``) and deposits results,
   its door commands relayed through the platform to the kiosk (kiosk/locker_agent.py).
7. A technician window (``T-01``, role ``technician``) services the kiosk: the kiosk's printers and store,
   and a third ID-card reader simulator of its own.
8. The windows open; closing any of them ends the demo. With ``screenshots=DIR`` a short scripted walk
   (take a number, call it at the window, an elderly citizen identified by card at the kiosk and at the
   window, the window's accepted case decided, deposited in the locker and collected at the kiosk's 取件 by
   card, the technician's checks, then the hall server stopped: a number taken offline, the status
   areas, the server back and the number delivered) runs instead, a PNG of each window is saved, and the
   demo quits.
"""

from __future__ import annotations

import copy
import logging
import tempfile
from pathlib import Path

from core import config, logs
from core.i18n import keys_for
from kiosk.app import Terminal, build_terminal

log = logging.getLogger(__name__)

DEMO_PIN = "2468"
# The hall's technician (the fleet page, a locked-down kiosk's way in): a technician's PIN is eight
# characters or more, since its verifier is kept on the kiosks (hall_server/fleet_access.py).
DEMO_TECHNICIAN, DEMO_TECHNICIAN_PIN = "T9001", "24681357"
DEMO_WINDOW = 3
CITIZEN_ID, CLERK_ID, DISPLAY_ID, TECHNICIAN_ID = "K-01", "W-03", "D-01", "T-01"


def demo_hall() -> dict:
    """The sample hall with every window's clerk able to log in with ``DEMO_PIN``."""
    from hall_server import sample_hall

    hall = copy.deepcopy(sample_hall())
    hall["staff"] = [{"id": w["staff"]["id"], "name": w["staff"]["name"], "pin": DEMO_PIN,
                      "windows": [w["number"]]} for w in hall["windows"] if w.get("staff")]
    hall["staff"].append({"id": DEMO_TECHNICIAN, "name": "赵工", "pin": DEMO_TECHNICIAN_PIN, "windows": []})
    return hall


def seed_staff_photos(hall_store, hall: dict) -> None:
    """A drawn sample portrait (simulators/staff_photos.py) for every clerk of the demo's hall."""
    from hall_server.staff_photos import set_photo
    from simulators.staff_photos import sample_portrait

    for person in hall.get("staff") or []:
        set_photo(hall_store, person["id"], sample_portrait(person["id"]))


def demo_staff(hall: dict, window: int) -> str:
    return next(w["staff"]["id"] for w in hall["windows"] if w["number"] == window)


def terminal_configs(url: str, secrets: dict[str, str], data_dir: Path, language: str,
                     idcard_urls: dict[str, str] | None = None,
                     scanner_urls: dict[str, str] | None = None, locker_url: str = "") -> list[config.Config]:
    """The three terminals' configurations, checked by the same parser as a TOML file.
    ``idcard_urls``: the ID-card reader of the kiosk and of the clerk's window, by terminal id."""
    def common(terminal_id: str) -> dict:
        return {"hall_id": "3201-0042", "language": language,
                "data_dir": str(data_dir / "terminals" / terminal_id)}

    readers = idcard_urls or {}
    citizen = {
        **common(CITIZEN_ID), "role": "citizen", "terminal_id": CITIZEN_ID,
        "platform": {"url": url, "terminal_secret": secrets[CITIZEN_ID], "timeout_s": 3.0},
        "printers": {"ticket": {"url": "virtual://kiosk-ticket", "width_mm": 80},
                     "ticket_spare": {"url": "virtual://kiosk-spare", "width_mm": 80},
                     "receipt": {"url": "virtual://kiosk-receipt", "width_mm": 80}},
        "devices": {"ticket_printer": "ticket", "ticket_printer_fallback": "ticket_spare",
                    "receipt_printer": "receipt", "idcard_reader": readers.get(CITIZEN_ID, ""),
                    "scanner": (scanner_urls or {}).get(CITIZEN_ID, ""), "camera": DEMO_CAMERA},
        "timeouts": {"idle_s": 90, "idle_warning_s": 20},
        "sync": {"ticket_block_size": 20},
        **({"locker": {"port": locker_url, "boards": {"1": 12}}} if locker_url else {}),  # 取件 (docs/pickup.md)
    }
    clerk = {**common(CLERK_ID), "role": "clerk", "terminal_id": CLERK_ID,
             "window": {"number": DEMO_WINDOW, "pickup": bool(locker_url)},  # also the pickup window (relayed)
             "platform": {"url": url, "terminal_secret": secrets[CLERK_ID], "timeout_s": 3.0},
             "printers": {"receipt": {"url": "virtual://window-receipt", "width_mm": 80}},
             "devices": {"receipt_printer": "receipt", "idcard_reader": readers.get(CLERK_ID, ""), "camera": DEMO_CAMERA,
                         "scanner": (scanner_urls or {}).get(CLERK_ID, "")}}
    display = {**common(DISPLAY_ID), "role": "display", "terminal_id": DISPLAY_ID,
               "platform": {"url": url, "terminal_secret": secrets[DISPLAY_ID], "timeout_s": 3.0}}
    configs = [citizen, clerk, display]
    if TECHNICIAN_ID in secrets:  # services the kiosk: its printers (by name), its data directory
        configs.append({**common(CITIZEN_ID), "role": "technician", "terminal_id": TECHNICIAN_ID,
                        "platform": {"url": url, "terminal_secret": secrets[TECHNICIAN_ID], "timeout_s": 3.0},
                        "printers": citizen["printers"],
                        "devices": {"ticket_printer": "ticket", "ticket_printer_fallback": "ticket_spare",
                                    "idcard_reader": readers.get(TECHNICIAN_ID, "")}})
    return [config.parse(c, source="demo") for c in configs]


class DemoLink:
    """The demo's hall server, which the walk stops and starts again on the same port (the network
    "going away" for every terminal, then coming back)."""

    def __init__(self, db_path: Path, hall: dict, port: int) -> None:
        from hall_server import ServerThread

        self.db_path = db_path
        self.server = ServerThread(db_path, seed=hall, port=port, thread_name="demo:hall-server").start()

    def stop(self) -> None:
        self.server.stop()
        log.info("demo: hall server stopped (the terminals are offline)")

    def start(self) -> None:
        from hall_server import ServerThread

        self.server = ServerThread(self.db_path, port=self.server.port, thread_name="demo:hall-server").start()
        log.info("demo: hall server back on %s", self.server.url)

    def decide(self, tracking: str, staff: str) -> None:
        """The back office moves case ``tracking`` on: reviewed (审核), then approved (准予许可), as
        ``kiosk hall-admin cases advance`` does (hall_server/case_progress.py); blocking, off the GUI thread."""
        from core.domain.appointments import CaseState
        from hall_server.case_progress import Move, advance

        for state in (CaseState.IN_REVIEW, CaseState.APPROVED):
            advance(self.server.store, tracking, Move(state), actor=staff, window=DEMO_WINDOW)


# A business licence (营业执照) of the sample hall's issuer, for the clerk's materials (docs/codes.md).
SAMPLE_E_LICENCE = "DZZZ:YYZZ:91320100MA1XY8K12E:320100000123456"
# What the demo's "hostile payload" button scans: a script with a file path, never acted on.
SAMPLE_HOSTILE = "<script>location='file:///etc/passwd'</script>"
# The clerk's window and the kiosk (docs/camera.md "Wiring"): a synthetic document camera each; the clerk's
# window has a scanner with e-licences
# of the sample hall's types (an ID card and a property certificate tick materials; the business licence
# matches none of window 3's matters and says so).
DEMO_CAMERA = "synthetic:?size=1280x720&fps=15&still=1.5"
CLERK_CODES = {"e_licence_id": "DZZZ:JMSFZ:91320100MA1XY8K12E:JM2026000001",
               "e_licence_property": "DZZZ:BDCQZ:91320100MA1XY8K12E:SU2026000001",
               "e_licence": SAMPLE_E_LICENCE}
# The demo devices window labels a sample ui_codes.demo.sample.<key>, else materials.demo.sample.<key>.
SAMPLE_KEYS = (keys_for("ui_codes.demo.sample.", ("appointment", "receipt", "e_licence", "hostile")),
               keys_for("materials.demo.sample.", ("e_licence_id", "e_licence_property")))


def demo_codes(samples: dict[str, list[str]]) -> dict[str, str]:
    """The codes the demo devices window scans: today's first sample appointment, the receipt of the case
    ready for pickup, an e-licence and a hostile payload (labels ``ui_codes.demo.sample.<key>``)."""
    return {"appointment": samples["appointments"][0], "receipt": f"HALL:R:{samples['cases'][0]}",
            "e_licence": SAMPLE_E_LICENCE, "hostile": SAMPLE_HOSTILE}


def show_printed_tickets(terminal: Terminal, sink) -> None:
    """Every ticket, receipt, notice or slip a virtual printer of ``terminal`` prints goes to
    ``sink(printer, png)`` as the picture of the paper (rendered on the printer's own thread, never the
    GUI's); the printer is named with its terminal (``kiosk-1 · receipt``, ``window-1 · receipt``)."""
    from devices.printer.render import render_png

    for deferred in terminal.printers.values():
        printer = deferred.open()
        if hasattr(printer, "on_job"):  # a VirtualPrinter
            name = f"{terminal.cfg.terminal_id} · {printer.name}"
            printer.on_job = lambda job, p=printer, n=name: sink(n, render_png(job, p.cfg.dots))


def run_demo(data_dir: str | None = None, port: int = 0, language: str = "zh_CN",
             screenshots: str | None = None) -> int:
    from simulators.idcard_cards import SAMPLE_CARDS
    from simulators.idcard import IdCardSimulator
    from simulators.scanner import ScannerSimulator
    from simulators.locker import LockerSimulator
    from kiosk.app import build_diagnostics
    from hall_server.appointments import seed_samples

    base = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="kiosk-demo-"))
    base.mkdir(parents=True, exist_ok=True)
    log_path = logs.setup(base / "logs")
    hall = demo_hall()
    link = DemoLink(base / "hall.db", hall, port)
    server = link.server
    simulators = {tid: IdCardSimulator(thread_name=f"demo:idcard-{tid}")
                  for tid in (CITIZEN_ID, CLERK_ID, TECHNICIAN_ID)}
    code_samples = seed_samples(server.store)  # appointments for today, cases to track
    seed_staff_photos(server.store, hall)  # drawn portraits: the evaluation pad shows who serves
    scanners = {tid: ScannerSimulator(thread_name=f"demo:scanner-{tid}") for tid in (CITIZEN_ID, CLERK_ID)}
    # The hall's smart locker (hall.json "lockers": board 1, twelve doors), driven by the kiosk (the
    # pickup window's door commands come to it through the platform); its doors shut by themselves a
    # few seconds after they open, as a person would.
    locker = LockerSimulator({1: 12}, thread_prefix="demo:locker", auto_close_s=4.0)
    from hall_server.fleet_access import set_technician

    set_technician(server.store, DEMO_TECHNICIAN, True, DEMO_TECHNICIAN_PIN)  # the fleet page
    print(f"kiosk demo: hall server {server.url}, data in {base}, log {log_path}; fleet page {server.url}/fleet "
          f"(staff {DEMO_TECHNICIAN}, PIN {DEMO_TECHNICIAN_PIN})", flush=True)
    terminals: list[Terminal] = []
    try:
        for simulator in simulators.values():
            simulator.start()
        for scanner in scanners.values():
            scanner.start()
        locker.start()
        secrets = {tid: server.store.add_terminal(tid, role)
                   for tid, role in ((CITIZEN_ID, "citizen"), (CLERK_ID, "clerk"), (DISPLAY_ID, "display"),
                                     (TECHNICIAN_ID, "technician"))}
        urls = {tid: sim.url for tid, sim in simulators.items()}
        scanner_urls = {tid: sim.url for tid, sim in scanners.items()}
        for cfg in terminal_configs(server.url, secrets, base, language, urls, scanner_urls, locker.url):
            if cfg.role == "technician":
                # The technician services the kiosk in this process: the kiosk's own printers and store
                # (the kiosk's engine delivers; the technician runs none).
                technician = build_terminal(cfg, sync=False)
                kiosk = terminals[0]
                technician.printers = {}
                technician.diagnostics = build_diagnostics(cfg, kiosk.printers, kiosk.sync.store,
                                                           technician.platform)
                technician.sync = None
                terminals.append(technician)
            else:
                terminals.append(build_terminal(cfg))
        from ui.demo.walk import run_demo_windows
        from ui.demo.devices import DemoReader, DemoScanner

        readers = [DemoReader("kiosk", "ui.demo.devices.kiosk_reader", {}, simulators[CITIZEN_ID]),
                   DemoReader("clerk", "ui.demo.devices.clerk_reader", {"window": DEMO_WINDOW},
                              simulators[CLERK_ID]),
                   DemoReader("technician", "technician.demo.reader", {}, simulators[TECHNICIAN_ID])]
        return run_demo_windows(
            *terminals[:3], technician=terminals[3], language=language, staff=demo_staff(hall, DEMO_WINDOW),
            pin=DEMO_PIN, subscribe_printer_output=lambda sink: [show_printed_tickets(t, sink) for t in terminals[:2]],
            screenshots=Path(screenshots) if screenshots else None,
            id_readers=readers, sample_cards=list(SAMPLE_CARDS), link=link,
            scanners=[DemoScanner("kiosk", "ui_codes.demo.scanner", scanners[CITIZEN_ID],
                                  demo_codes(code_samples)),
                      DemoScanner("clerk", "materials.demo.clerk_scanner", scanners[CLERK_ID], CLERK_CODES)],
        )
    finally:
        for terminal in terminals:
            terminal.close()
        for simulator in simulators.values():
            simulator.stop()
        for scanner in scanners.values():
            scanner.close()
        locker.stop()
        link.server.stop()
