"""The evaluation pad and its clerk window in a busy hall: 50 windows calling 10 numbers a second.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/pad_busy.py [--seconds 20] [--rate 10] [--windows 50]

The busy hall is bench/display_busy.py's, reused whole: the hall server in its own process over
``--windows`` windows, and the clerks of those windows in another process calling to its plan (``steady``,
seed 1, while tuning; ``bursts`` with recalls, seed 2, held out). One more window, the pad's, serves a
service of its own (``P``, so the others never take its numbers); its clerk terminal runs here, offscreen:
``ui.clerk.ClerkWindow`` with its pad (``ui.rating_pad``), its encrypted store and sync engine. While the
hall calls, the clerk serves one citizen after another (the buttons clicked: call next, finish, the first
outcome), the pad offers the levels, the citizen touches 满意 and the pad thanks.

Each pattern is run twice, side by side in the same run: the baseline first, ``PadOnMain`` (the clerk's
window as it was: every status clears and refills its waiting and held lists, changed or not), then the pad
and its window as they are.

Figures per phase: the GUI thread's latency (a 10 ms ``QTimer`` heartbeat: how late each tick came,
p50/p99/max), the time from the finish outcome to the levels (offer) and from the touch to the thanks.
Checks: the GUI thread never stalls over 50 ms (the pad as it is); no event lost: every finished ticket
offered once, every rating committed to the outbox once, delivered (acknowledged, and on the platform) once.
Ratios are baseline over the pad as it is.

In a hall the pad's terminal is a machine of its own; the hall server and the other 50 clerks are not on
it. With ``--own-core`` (the default on a machine of two or more cores; ``--shared-cores`` turns it off)
the bench gives the terminal's process the last core and the hall server and the clerks' process the
others (``os.sched_setaffinity``), for both variants alike, so what is measured is the terminal's own
work, not the simulated hall's competing for the same core. Other work on the machine still shares every
core.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.display_busy import HEARTBEAT_MS, PIN, STALL_LIMIT_MS, busy_hall, drive, pump_until, schedule  # noqa: E402
from bench.ticket_load import free_port, percentile, start_server  # noqa: E402
from hall_server import HallStore  # noqa: E402
from platform_client import PlatformClient  # noqa: E402

PAD_PREFIX = "P"
PROFILE = False
CORES: dict[str, set[int]] = {}  # "terminal" / "hall": the cores each side runs on (empty: all share)
ENGINE = dict(backoff_base_s=0.05, backoff_max_s=1.0, probe_interval_s=0.2, idle_check_s=0.1)


def provision(db: Path, windows: int) -> dict[str, str]:
    """The busy hall, and one more window (the pad's, ``windows + 1``) serving a service of its own."""
    hall = busy_hall(windows)
    pad = windows + 1
    hall["services"].append(dict(hall["services"][0], prefix=PAD_PREFIX, name="评价受理", name_en="Rated service"))
    hall["windows"].append({"number": pad, "services": [PAD_PREFIX], "staff": {"id": f"S{2000 + pad}", "name": "陈䶮"}})
    hall["staff"].append({"id": f"S{2000 + pad}", "name": "陈䶮", "pin": PIN, "windows": [pad]})
    store = HallStore(db)
    try:
        store.load_hall(hall)
        secrets = {"D-01": store.add_terminal("D-01", "display"), "K-01": store.add_terminal("K-01", "citizen"),
                   "K-02": store.add_terminal("K-02", "citizen")}
        secrets |= {f"W-{n:02d}": store.add_terminal(f"W-{n:02d}", "clerk") for n in range(1, pad + 1)}
        return secrets
    finally:
        store.close()


def build(variant, url: str, secrets: dict[str, str], tmp: Path, pad: int):
    """The pad's clerk terminal: window, store, sync engine (what ``kiosk/app.py`` builds for a clerk)."""
    from core.services.queue import ClerkQueueService
    from core.services.rating import RatingDesk
    from offline_cache import Store
    from offline_cache.engine import SyncEngine
    from offline_cache.refcache import ReferenceCache
    from platform_client.sync import SyncClient
    from ui.clerk import ClerkWindow

    tid = f"W-{pad:02d}"
    store = Store(tmp / f"{tid}-{os.urandom(4).hex()}", margin_bytes=0)
    sync = SyncClient(url, tid, secrets[tid], timeout_s=10, keep_alive=False)
    engine = SyncEngine(store, sync, **ENGINE).start()
    client = PlatformClient(url, tid, secrets[tid], timeout_s=10)
    window = ClerkWindow(ClerkQueueService(client, pad), rating=RatingDesk(store, ReferenceCache(store, sync)))
    variant.adopt(window)
    parts = (store, sync, engine, client)
    return window, parts


class PadAsItIs:
    @staticmethod
    def adopt(window) -> None:
        """The pad as it is."""


class PadOnMain:
    """The clerk's window as it is on main: every status the platform sends (one with every call in the hall,
    and the window's own refresh) clears and refills its waiting and held lists, changed or not."""

    @staticmethod
    def adopt(window) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QListWidgetItem

        def fill(widget, rows) -> None:
            selected = widget.currentItem().data(Qt.ItemDataRole.UserRole) if widget.currentItem() else None
            widget.clear()
            for row in rows:
                item = QListWidgetItem(row.text)
                item.setData(Qt.ItemDataRole.UserRole, row.number)
                widget.addItem(item)
                if row.number == selected:
                    widget.setCurrentItem(item)

        window.queue_page._fill = fill


def serve(window, kiosk, seconds: float, out: dict) -> None:
    """The clerk serves and the citizen rates, one after another, for ``seconds`` (the event loop runs
    throughout; the next number is issued by the bench's own kiosk on a thread, never on the GUI thread)."""
    from PySide6.QtWidgets import QPushButton

    pad, page = window.pad.view, window.queue_page
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        page.action_buttons["call_next"].click()
        if not pump_until(lambda: window.status is not None and (window.status.current is not None
                          and page.action_buttons["finish"].isEnabled() or window.status.current is None
                          and not window.status.waiting_count), 30):
            out["stuck"].append(f"call (round {len(out['thanks']) + 1}, status {window.status})")
            return
        if window.status.current is None:  # every number of the pad's service served: the phase is over
            return
        page.action_buttons["finish"].click()
        pump_until(lambda: page.actions_stack.currentIndex() == 1, 10)
        t0 = time.monotonic()
        page.choice.findChild(QPushButton, "choice-0").click()
        if not pump_until(lambda: pad.page == "levels", 30):
            out["stuck"].append("offer")
            return
        out["offer"].append(time.monotonic() - t0)
        t1 = time.monotonic()
        pad.levels_page.buttons[4].click()
        if not pump_until(lambda: pad.page == "thanks", 30):
            out["stuck"].append("thanks")
            return
        out["thanks"].append(time.monotonic() - t1)
        pad.presenter.skip()


def watch(last_tick: list[float], done: threading.Event, stalls: Counter) -> None:
    """``--profile``: when the heartbeat is 30 ms late, samples what the GUI thread runs (our frames only)."""
    main = threading.main_thread().ident
    root = str(Path(__file__).resolve().parents[1])
    while not done.wait(0.005):
        if time.monotonic() - last_tick[0] > 0.03:
            for ident, frame in sys._current_frames().items():
                frames = traceback.extract_stack(frame)
                ours = [f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames
                        if f.filename.startswith(root) and "bench" not in f.filename]
                top = f"{Path(frames[-1].filename).name}:{frames[-1].lineno} {frames[-1].name}"
                if ident == main or ours and frames[-1].name not in ("wait", "_wait_for_tstate_lock", "select"):
                    who = "GUI" if ident == main else "thread"
                    stalls[f"{who}: {top} | " + " < ".join(reversed(ours[-3:]))] += 1


def platform_ratings(db: Path, pad: int, after: int) -> tuple[Counter, int]:
    """The pad's ratings the platform holds past row ``after`` (ticket number → how many), and the last row."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT id, ticket_number FROM ratings WHERE terminal_id = ? AND id > ?",
                           (f"W-{pad:02d}", after)).fetchall()
    finally:
        con.close()
    return Counter(r[1] for r in rows), max([after] + [r[0] for r in rows])


def run_phase(variant, url: str, secrets: dict[str, str], plan, windows: int, tmp: Path, db: Path) -> dict:
    from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEvent, Qt, QTimer

    pad_no = windows + 1
    window, (store, sync, engine, client) = build(variant, url, secrets, tmp, pad_no)
    window.show()
    window.pad.place(alone=True)
    window.login_page.staff.setText(f"S{2000 + pad_no}")
    window.login_page.pin.setText(PIN)
    window.login_page.login_button.click()
    assert pump_until(lambda: window.page == "queue" and window.hall is not None
                      and bool(window.pad.view.presenter.reasons), 60), "the pad's clerk did not log in"
    with PlatformClient(url, "K-02", secrets["K-02"], timeout_s=20) as kiosk:
        for _ in range(int(plan[-1][0] * 15) + 40):  # more than the clerk can serve in the phase
            kiosk.issue_ticket(PAD_PREFIX, request_id=os.urandom(16).hex())
    finished, offered = [], []
    window.presenter.events.subscribe(lambda c: finished.append(window.presenter.finished.number)
                                      if c.part == "finished" and window.presenter.finished else None)
    presenter = window.pad.view.presenter
    shown = [presenter.state]

    def on_pad(change) -> None:  # an offer: the pad turns to the levels from another page
        if change.part == "state" and presenter.state != shown[0]:
            if presenter.state == "levels" and shown[0] in ("idle", "thanks") and presenter.subject:
                offered.append(presenter.subject.ticket_number)
            shown[0] = presenter.state

    presenter.events.subscribe(on_pad)
    before = platform_ratings(db, pad_no, 0)[1]
    parent, child = multiprocessing.Pipe()
    driver = multiprocessing.get_context("spawn").Process(target=drive, args=(url, secrets, plan, windows, child),
                                                           daemon=True)
    driver.start()
    if CORES:
        os.sched_setaffinity(driver.pid, CORES["hall"])
    assert pump_until(lambda: parent.poll(), 240) and parent.recv() == "ready"
    late: list[float] = []
    beat, elapsed = QTimer(), QElapsedTimer()
    beat.setTimerType(Qt.TimerType.PreciseTimer)
    beat.setInterval(HEARTBEAT_MS)

    last_tick = [time.monotonic()]

    def tick() -> None:
        late.append(max(0.0, elapsed.nsecsElapsed() / 1e6 - HEARTBEAT_MS))
        elapsed.restart()
        last_tick[0] = time.monotonic()

    stalls = Counter()
    watching = threading.Event()
    if PROFILE:
        threading.Thread(target=watch, args=(last_tick, watching, stalls), daemon=True).start()

    beat.timeout.connect(tick)
    elapsed.start()
    beat.start()
    out = {"offer": [], "thanks": [], "stuck": []}
    parent.send("go")
    serve(window, None, plan[-1][0] + 1, out)
    pump_until(lambda: parent.poll(), 120)
    made, errors = parent.recv()
    rated = len(out["thanks"])
    delivered = pump_until(lambda: store.counts().acked >= rated, 30)
    beat.stop()
    watching.set()
    driver.join(10)
    committed = store.counts()
    on_platform = platform_ratings(db, pad_no, before)[0]
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    engine.stop(5)
    sync.close()
    client.close()
    store.close()
    return {"late": late, **out, "calls": len(made), "errors": errors, "finished": finished, "offered": offered,
            "rated": rated, "committed": committed.acked + committed.queued + committed.inflight,
            "acked": committed.acked, "delivered": delivered, "on_platform": on_platform,
            "stalls": stalls}


def summary(name: str, r: dict) -> str:
    late = r["late"] or [0.0]

    def ms(values: list[float]) -> str:
        return f"p50 {statistics.median(values) * 1000:6.1f} ms max {max(values) * 1000:6.1f} ms" if values else "-"

    return (f"    {name:<16} GUI latency p50 {percentile(late, 50):6.2f} ms  p99 {percentile(late, 99):6.2f} ms  "
            f"max {max(late):6.1f} ms | offer {ms(r['offer'])} | thanks {ms(r['thanks'])} | hall calls "
            f"{r['calls']}, pad: finished {len(r['finished'])}, offered {len(r['offered'])}, rated {r['rated']}, "
            f"committed {r['committed']}, acked {r['acked']}, on the platform {sum(r['on_platform'].values())}")


def checks(r: dict, *, strict_latency: bool) -> list[str]:
    failed = []
    if r["errors"]:
        failed.append(f"{len(r['errors'])} clerk errors, first: {r['errors'][0]}")
    if r["stuck"]:
        failed.append(f"the pad's round stuck at {r['stuck'][0]}")
    if sorted(r["offered"]) != sorted(r["finished"]) or len(set(r["offered"])) != len(r["offered"]):
        failed.append(f"offered {len(r['offered'])} ({len(set(r['offered']))} distinct) of {len(r['finished'])} finished")
    if not (r["rated"] == r["committed"] == r["acked"]) or not r["delivered"]:
        failed.append(f"rated {r['rated']}, committed {r['committed']}, acknowledged {r['acked']}")
    if set(r["on_platform"]) != set(r["offered"]) or any(n != 1 for n in r["on_platform"].values()):
        failed.append(f"on the platform {dict(r['on_platform'])} for offered {r['offered']}")
    if strict_latency and max(r["late"] or [0.0]) > STALL_LIMIT_MS:
        failed.append(f"GUI thread stalled {max(r['late']):.1f} ms (limit {STALL_LIMIT_MS:.0f} ms)")
    return failed


def ratio(base: dict, ours: dict) -> str:
    worst = max(base["late"] or [0.0]) / max(max(ours["late"] or [0.0]), 0.1)
    p99 = percentile(base["late"], 99) / max(percentile(ours["late"], 99), 0.1)
    offer = statistics.median(base["offer"] or [0.0]) / max(statistics.median(ours["offer"] or [1.0]), 1e-6)
    return f"    ratio baseline/ours: GUI latency max {worst:5.1f}x, p99 {p99:5.1f}x, offer p50 {offer:5.1f}x"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=10.0, help="calls a second")
    parser.add_argument("--windows", type=int, default=50)
    parser.add_argument("--profile", action="store_true", help="sample what the GUI thread runs when it stalls")
    parser.add_argument("--shared-cores", action="store_true",
                        help="run the terminal on the cores the simulated hall uses (default: a core of its own)")
    args = parser.parse_args()
    global PROFILE
    PROFILE = args.profile
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cores) >= 2 and not args.shared_cores:
        CORES.update(terminal={cores[-1]}, hall=set(cores[:-1]))
        os.sched_setaffinity(0, CORES["terminal"])
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from ui.theme import apply

    app = QApplication.instance() or QApplication([])
    apply(app)
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="pad-busy-") as tmp_name:
        tmp = Path(tmp_name)
        db, port = tmp / "hall.db", free_port()
        secrets = provision(db, args.windows)
        server = start_server(db, port, tmp / "server.log")
        if CORES:
            os.sched_setaffinity(server.pid, CORES["hall"])
        url = f"http://127.0.0.1:{port}"
        print(f"evaluation pad, busy hall: {args.windows} windows, {args.rate:g} calls/s for {args.seconds:g} s, "
              f"the pad's clerk window offscreen, hall server and clerks in their own processes, "
              f"{os.cpu_count()} CPUs, " + (f"terminal on core {sorted(CORES['terminal'])}, hall on cores "
                                           f"{sorted(CORES['hall'])}" if CORES else "all on shared cores"))
        try:
            for label, pattern, seed in (("tuning pattern (steady, seed 1)", "steady", 1),
                                         ("held-out pattern (bursts with recalls, seed 2)", "bursts", 2)):
                plan = schedule(pattern, seed, args.seconds, args.rate, args.windows)
                print(f"  {label}: {len(plan)} hall calls")
                base = run_phase(PadOnMain, url, secrets, plan, args.windows, tmp, db)
                print(summary("baseline (main)", base))
                ours = run_phase(PadAsItIs, url, secrets, plan, args.windows, tmp, db)
                print(summary("pad as it is", ours))
                print(ratio(base, ours))
                for name, r in (("baseline", base), ("as it is", ours)):
                    for where, n in r["stalls"].most_common(8):
                        print(f"      {name} stalled ({n} samples of 5 ms): {where}")
                failed += [f"{pattern}, baseline: {f}" for f in checks(base, strict_latency=False)]
                failed += [f"{pattern}: {f}" for f in checks(ours, strict_latency=True)]
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
    for line in failed:
        print("  FAILED:", line)
    print("  result:", "FAILED" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
