"""``kiosk diag a11y``: walks every page of a role's window offscreen and reports what falls short.

    kiosk diag a11y [--role ROLE] [--language LANG] [--json] [--config FILE]

For each page (in every language of the catalogues, and for the citizen kiosk in elders' mode too): the
smallest touch target, the smallest text, the lowest contrast, the controls without an accessible name,
the controls the keypad cannot reach, and the screens the page does not fit (a kiosk's 1280×800,
1280×1024, 1920×1080 and portrait 1080×1920; the display's large screens; the clerk's screens from 1366×768;
the technician's from 1280×1024) (core/accessibility.py; docs/accessibility.md, "The self-audit").

The windows are built by the composition root (kiosk/app.py) as ``kiosk run`` builds them, against a
throwaway reference hall server started on loopback with the sample hall, as the demo does (the command
says so on stderr); the citizen's walk takes a real number there, so the result page shows one, and the
clerk's logs in, calls a number and opens the application page with a matter's form, so its pages are
measured as a clerk sees them, not empty. The
minimums are the ``[accessibility]`` settings of ``--config`` (docs/configuration.md), else the defaults.

One line per page (``ok``, or ``FAIL`` and a line per shortfall), or with ``--json`` one object per page.
Exit codes: 0 every page meets the minimums; 1 at least one falls short; 2 the configuration cannot be
read or the reference hall server is not installed.
"""

from __future__ import annotations

import argparse
import os
import json
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from core.accessibility import ROLE_SCREENS, Minimums, PageFigures
from core.i18n import LANGUAGES, keys_for, tr

ROLES = ("citizen", "clerk", "display", "technician")
TERMINALS = {"citizen": "K-01", "clerk": "W-03", "display": "D-01", "technician": "T-01"}
WAIT_S = 10.0
CLERK_STAFF, CLERK_PIN, CLERK_WINDOW, CLERK_SERVICE = "S1003", "2468", 3, "C"  # a service window 3 serves
WALK_STEPS = keys_for("a11y.diag.step.", ("login", "call", "catalogue", "form"))  # where the clerk's walk may stop


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("a11y", help="walk every page of a window: targets, text, contrast, names, keypad, fit",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--role", choices=ROLES, help="one role's window (default: every role)")
    p.add_argument("--language", choices=LANGUAGES, action="append",
                   help="walk in this language (repeatable; default: every language)")
    p.add_argument("--json", action="store_true", help="one JSON object per page")
    p.add_argument("--config", help="a terminal's TOML: its [accessibility] minimums")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the pages are walked offscreen, display or not
    minimums = Minimums()
    if args.config:
        from core import config

        minimums = config.load(args.config).accessibility
    try:
        from hall_server import ServerThread, sample_hall
    except ModuleNotFoundError:
        print("kiosk: diag a11y needs the reference hall server: pip install 'hall-kiosk[server]'", file=sys.stderr)
        return 2
    roles = [args.role] if args.role else list(ROLES)
    languages = args.language or list(LANGUAGES)
    failures = pages = 0
    with tempfile.TemporaryDirectory(prefix="kiosk-a11y-") as tmp:
        hall = sample_hall()  # window 3's clerk gets a PIN, so the clerk's walk can log in
        hall.setdefault("staff", []).append({"id": CLERK_STAFF, "name": "陈思远", "pin": CLERK_PIN,
                                             "windows": [CLERK_WINDOW]})
        server = ServerThread(Path(tmp) / "hall.db", seed=hall, thread_name="a11y:hall-server").start()
        from kiosk.simulated import simulated_locker

        # The kiosk with its locker, as a hall with one has it: its home page then offers 取件 too.
        locker = simulated_locker({1: 12}, thread_prefix="a11y:locker")
        try:
            print(tr("a11y.diag.hall", "en", url=server.url), file=sys.stderr, flush=True)
            secrets = {tid: server.store.add_terminal(tid, role) for role, tid in TERMINALS.items()}
            for role in roles:
                for figures in walk_role(role, server.url, secrets, Path(tmp), languages, locker.url):
                    pages += 1
                    failures += len(figures.shortfalls(minimums))
                    report(figures, minimums, as_json=args.json)
        finally:
            locker.stop()
            server.stop()
    if not args.json:
        print(tr("a11y.diag.summary", "en", pages=pages, failures=failures))
    return 1 if failures else 0


def terminal_config(role: str, url: str, secret: str, data_dir: Path, locker_url: str = ""):
    """The role's terminal as a small hall has it: virtual printers, the kiosk's locker at ``locker_url``
    (none when empty), no other devices."""
    from core import config

    data = {"role": role, "terminal_id": TERMINALS[role], "hall_id": "3201-0042", "data_dir": str(data_dir / role),
            "platform": {"url": url, "terminal_secret": secret, "timeout_s": 3.0}}
    printers = {"ticket": {"url": f"virtual://a11y-{role}-ticket", "width_mm": 80}}
    if role == "citizen":
        data.update(printers=printers, devices={"ticket_printer": "ticket"}, kiosk={"lockdown": False})
        if locker_url:
            data["locker"] = {"port": locker_url, "boards": {"1": 12}}
    elif role == "technician":
        data.update(printers=printers, devices={"ticket_printer": "ticket"})
    elif role == "clerk":
        data["window"] = {"number": CLERK_WINDOW}
    return config.parse(data, source="diag a11y")


def walk_role(role: str, url: str, secrets: dict[str, str], data_dir: Path, languages,
              locker_url: str = "") -> list[PageFigures]:
    """Builds the role's terminal once and its window per language (and mode), and measures every page."""
    from core.services.announce import SilentSpeaker
    from kiosk.app import build_terminal
    from ui.a11y_audit import audit_window
    from ui.app import application, role_window

    app = application()
    # The kiosk and the clerk's window as a hall has them, with the terminal's store (the guide and the
    # catalogue it caches, the records it queues, the status area): a throwaway one in the audit's folder;
    # the display and the technician's window are measured online only.
    terminal = build_terminal(terminal_config(role, url, secrets[TERMINALS[role]], data_dir, locker_url),
                              sync=role in ("citizen", "clerk"), speaker=SilentSpeaker("diag a11y"))
    found: list[PageFigures] = []
    try:
        for language in languages:
            for elders in ((False, True) if role == "citizen" else (False,)):
                window = role_window(terminal, language=language)
                try:
                    window.resize(1280, 800)
                    window.show()
                    if role == "citizen":
                        drive_citizen(window, app, elders)
                    elif role == "clerk" and (stopped := drive_clerk(window, app, url, secrets)):
                        print(tr("a11y.diag.walk_stopped", "en", step=tr(f"a11y.diag.step.{stopped}", "en")),
                              file=sys.stderr)
                    _wait(app, lambda: False, 0.2)
                    found += audit_window(window, role=role, language=language, elders=elders,
                                          screens=ROLE_SCREENS[role])
                finally:
                    window.close()
                    window.deleteLater()
                    _wait(app, lambda: False, 0.05)
    finally:
        terminal.close()
    return found


def drive_citizen(window, app, elders: bool) -> None:
    """Fills the kiosk's pages as a person would: elders' mode, the services, one chosen, a number taken."""
    window.presenter.set_elders(elders)
    _wait(app, lambda: window.hall_view is not None)
    window.open_services()
    _wait(app, lambda: bool(window.services_page.buttons))
    prefix = next((p for p, b in window.services_page.buttons.items() if b.isEnabled()), None)
    if prefix is None:
        return
    window.choose(prefix)
    window.confirm()
    _wait(app, lambda: window.page in ("result", "problem"))


def drive_clerk(window, app, url: str, secrets: dict[str, str]) -> str:
    """Works the clerk's window as a clerk does, so its pages are measured full, not empty: logged in, a
    number taken at the kiosk and called, the application page open with the first matter's form and a
    banner shown (a captured page's). "" when it got there, else the step it did not reach
    (``a11y.diag.step.<step>``)."""
    from platform_client import PlatformClient

    taken, failed = threading.Event(), []

    def take_a_number() -> None:  # the kiosk's part, off the window's thread (an HTTP call of up to 5 s)
        try:
            with PlatformClient(url, TERMINALS["citizen"], secrets[TERMINALS["citizen"]], timeout_s=5.0) as kiosk:
                kiosk.issue_ticket(CLERK_SERVICE, request_id=str(uuid.uuid4()))
        except Exception as exc:  # the walk stops at the call, and says so
            failed.append(exc)
        finally:
            taken.set()

    threading.Thread(target=take_a_number, name="a11y-kiosk", daemon=True).start()
    page = window.login_page
    page.staff.setText(CLERK_STAFF)
    page.pin.setText(CLERK_PIN)
    page.login_button.click()
    if not _wait(app, lambda: window.page == "queue"):
        return "login"
    if not _wait(app, taken.is_set) or failed:
        return "call"
    window.queue_page.action_buttons["call_next"].click()
    if not _wait(app, lambda: window.status is not None and window.status.current is not None):
        return "call"
    if window.application_page is None:
        return ""  # a window without the application page (no store): nothing more to fill
    window.show_application()
    panel = window.application_page.panel
    if not _wait(app, lambda: panel.listing is not None and bool(panel.matters)):
        return "catalogue"
    if panel.presenter.intake is None:  # the ticket's service usually chose one
        panel.choose_matter(panel.matters[0].code)
    if not _wait(app, lambda: panel.form_column.view is not None or panel.form_column.note.isVisible()):
        return "form"
    panel.message.show_text(panel.texts("camera.preview.captured", n=2), "notice")
    _wait(app, lambda: False, 0.2)
    return ""


def _wait(app, done, timeout_s: float = WAIT_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        app.processEvents()
        if done():
            return True
        time.sleep(0.01)
    return done()


def report(figures: PageFigures, minimums: Minimums, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(figures.as_json(minimums), ensure_ascii=False), flush=True)
        return
    failed = figures.shortfalls(minimums)
    head = tr("a11y.diag.page", "en", role=figures.role, lang=figures.language, page=figures.page,
              elders=tr("a11y.diag.elders", "en") if figures.elders else "")
    print(f"{head}: {tr('a11y.diag.fail' if failed else 'a11y.diag.ok', 'en')}")
    for line in shortfall_lines(figures, minimums, failed):
        print(f"    {line}")


def shortfall_lines(figures: PageFigures, minimums: Minimums, failed: list[str]) -> list[str]:
    lines = []
    if "target" in failed:
        lines.append(tr("a11y.diag.target", "en", value=figures.target.value, widget=figures.target.widget,
                        minimum=minimums.target_for(figures.role, figures.elders)))
    if "text" in failed:
        lines.append(tr("a11y.diag.text", "en", value=figures.text.value, widget=figures.text.widget,
                        minimum=minimums.text_for(figures.elders)))
    if "contrast" in failed:
        lines.append(tr("a11y.diag.contrast", "en", value=f"{figures.contrast.value:.2f}",
                        widget=figures.contrast.widget, minimum=minimums.contrast))
    if "unnamed" in failed:
        lines.append(tr("a11y.diag.unnamed", "en", widgets=", ".join(figures.unnamed)))
    if "unreachable" in failed:
        lines.append(tr("a11y.diag.unreachable", "en", widgets=", ".join(figures.unreachable)))
    if "clipped" in failed:
        lines.append(tr("a11y.diag.clipped", "en", widgets=", ".join(figures.clipped)))
    for screen, width, height in figures.misfits:
        lines.append(tr("a11y.diag.fit", "en", width=width, height=height, screen=screen))
    return lines
