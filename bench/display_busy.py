"""The hall display in a busy hall: 50 windows calling 10 numbers a second, against the real window (offscreen).

    .venv/bin/python bench/display_busy.py [--seconds 20] [--rate 10] [--windows 50]

The hall server runs in its own process (``python -m kiosk hall-server``) over a hall of ``--windows``
windows, one service each; the clerks run in another process (one PlatformClient and session per window),
so neither shares the display's GIL. The display is ``ui.display.DisplayWindow`` at 1920×1080 under the
offscreen platform, following the server over HTTP exactly as in a hall (long poll + board). Its voice is
paced like speech (``PacedSpeaker``: 0.12 s a character, about two seconds a sentence), so the
announcement backlog builds up as it would.

Each phase is run twice, side by side: the baseline first, ``RedrawEverything`` (the same window, but every
change re-applies the whole layout and stylesheet at once: the naive redraw-everything display), then the
display as it is (one redraw per burst of changes, texts and flashes set only where they changed).

- tuning pattern (``steady``, seed 1): ``--rate`` calls a second, evenly spaced, windows drawn at random;
- held-out pattern (``bursts``, seed 2, never used while tuning): the same mean rate in bursts of
  ``2 × rate`` calls at once every two seconds, one call in ten a recall.

Figures per phase: the GUI thread's latency (a 10 ms ``QTimer`` heartbeat: how late each tick came,
p50/p99/max), the redraw time (mean, max), the redraws done. Checks: the GUI thread never stalls over 50 ms
(the display as it is); no event lost (every call received once, every call announced once, spoken whole
or counted in a summary); each window's tile shows the last number called to it. Ratios are baseline over
the display as it is.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ticket_load import free_port, percentile, start_server  # noqa: E402
from core.domain import Outcome  # noqa: E402
from hall_server import HallStore, sample_hall  # noqa: E402
from platform_client import PlatformClient  # noqa: E402

PIN = "2468"
PREFIXES = "ABCDEFGH"
STALL_LIMIT_MS = 50.0
HEARTBEAT_MS = 10


def busy_hall(windows: int) -> dict:
    hall = sample_hall()
    for service in hall["services"]:
        service["daily_cap"] = 0
    hall["windows"] = [{"number": n, "services": [PREFIXES[n % len(PREFIXES)]],
                        "staff": {"id": f"S{2000 + n}", "name": f"窗口{n}"}} for n in range(1, windows + 1)]
    hall["staff"] = [{"id": f"S{2000 + n}", "name": f"窗口{n}", "pin": PIN, "windows": [n]}
                     for n in range(1, windows + 1)]
    return hall


def provision(db: Path, windows: int) -> dict[str, str]:
    store = HallStore(db)
    try:
        store.load_hall(busy_hall(windows))
        secrets = {"D-01": store.add_terminal("D-01", "display"), "K-01": store.add_terminal("K-01", "citizen")}
        secrets |= {f"W-{n:02d}": store.add_terminal(f"W-{n:02d}", "clerk") for n in range(1, windows + 1)}
        return secrets
    finally:
        store.close()


def schedule(pattern: str, seed: int, seconds: float, rate: float, windows: int) -> list[tuple[float, int, str]]:
    """(second from the start, window, "call" or "recall")."""
    rng = random.Random(seed)
    plan: list[tuple[float, int, str]] = []
    if pattern == "steady":
        for i in range(int(seconds * rate)):
            plan.append((i / rate, rng.randint(1, windows), "call"))
    else:
        burst = int(2 * rate)
        for start in range(0, int(seconds), 2):
            for _ in range(burst):
                plan.append((float(start), rng.randint(1, windows), "recall" if rng.random() < 0.1 else "call"))
    return plan


# --- the clerks (another process) --------------------------------------------------------------------


def drive(url: str, secrets: dict[str, str], plan: list[tuple[float, int, str]], windows: int, out) -> None:
    """Logs every window in, issues the tickets the plan needs, says "ready", waits for "go", then calls
    to the plan; sends back (window, number, kind) of every call made and the errors."""
    clients = {n: PlatformClient(url, f"W-{n:02d}", secrets[f"W-{n:02d}"], timeout_s=20) for n in range(1, windows + 1)}
    sessions = {n: clients[n].login(n, f"S{2000 + n}", PIN) for n in clients}
    with PlatformClient(url, "K-01", secrets["K-01"], timeout_s=20) as kiosk:
        for _t, window, _kind in plan:
            kiosk.issue_ticket(PREFIXES[window % len(PREFIXES)], request_id=str(uuid.uuid4()))
    current: dict[int, str] = {}  # what each window serves (an earlier phase may have left one)
    for n, client in clients.items():
        serving = client.window_status(sessions[n]).current
        if serving is not None:
            current[n] = serving.number
    locks = {n: threading.Lock() for n in clients}  # one action at a time per window
    made, errors = [], []

    def act(window: int, kind: str) -> None:
        with locks[window]:
            client, session = clients[window], sessions[window]
            try:
                if kind == "recall" and window in current:
                    made.append((window, client.recall(session).number, "recall"))
                    return
                if window in current:
                    client.finish(session, Outcome.CONSULTED)
                ticket = client.call_next(session)
                if ticket is not None:
                    current[window] = ticket.number
                    made.append((window, ticket.number, "call"))
            except Exception as exc:  # noqa: BLE001 (counted and reported)
                errors.append(f"window {window}: {exc!r}")

    out.send("ready")
    out.recv()  # "go"
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=24) as pool:
        for at, window, kind in plan:
            delay = started + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(act, window, kind)
    for client in clients.values():
        client.close()
    out.send((made, errors))


# --- the display (this process) ----------------------------------------------------------------------


class PacedSpeaker:
    """Takes as long as speech would: 0.12 s a character (a Mandarin announcer's pace is about 4-5
    characters a second; this is a little faster, so that bench phases end in time)."""

    name = "paced"

    def __init__(self) -> None:
        self.said: list[str] = []

    def say(self, text: str, language: str) -> None:
        time.sleep(0.12 * len(text))
        self.said.append(text)


def instrument(window) -> list[float]:
    """Times each redraw of ``window`` whole (a relayout that redraws counts once)."""
    timings: list[float] = []
    depth = [0]

    def timed(fn):
        def wrapper() -> None:
            depth[0] += 1
            clock = time.perf_counter()
            try:
                fn()
            finally:
                depth[0] -= 1
            if depth[0] == 0:
                timings.append(time.perf_counter() - clock)
        return wrapper

    window._render = timed(window._render)  # _blink and _relayout call it through the instance
    window._relayout = timed(window._relayout)
    window.render_timer.timeout.disconnect()
    window.render_timer.timeout.connect(window._render)
    return timings


def pump_until(done, limit_s: float) -> bool:
    """Runs the Qt event loop until ``done()`` or ``limit_s`` (the heartbeat keeps ticking meanwhile)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop, deadline = QEventLoop(), time.monotonic() + limit_s
    check = QTimer()
    check.setInterval(20)
    check.timeout.connect(lambda: loop.quit() if done() or time.monotonic() > deadline else None)
    check.start()
    loop.exec()
    check.stop()
    return done()


def run_phase(app, variant, url: str, secrets: dict[str, str], plan, windows: int) -> dict:
    from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEvent, Qt, QTimer

    from core.services.queue import HallDisplayService

    client = PlatformClient(url, "D-01", secrets["D-01"], timeout_s=10)
    window = variant(HallDisplayService(client), PacedSpeaker(), poll_wait_s=2.0, board_every_s=2.0)
    window.resize(1920, 1080)
    window.show()
    timings = instrument(window)
    pump_until(lambda: window.presenter.have_backlog and window.presenter.board is not None, 30)
    parent, child = multiprocessing.Pipe()
    ctx = multiprocessing.get_context("spawn")
    driver = ctx.Process(target=drive, args=(url, secrets, plan, windows, child), daemon=True)
    driver.start()
    assert pump_until(lambda: parent.poll(), 240) and parent.recv() == "ready"
    base_received = window.presenter.received
    late: list[float] = []
    beat, elapsed = QTimer(), QElapsedTimer()
    beat.setTimerType(Qt.TimerType.PreciseTimer)
    beat.setInterval(HEARTBEAT_MS)

    def tick() -> None:
        late.append(max(0.0, elapsed.nsecsElapsed() / 1e6 - HEARTBEAT_MS))
        elapsed.restart()

    beat.timeout.connect(tick)
    elapsed.start()
    beat.start()
    renders_before, timings[:] = window.renders, []
    parent.send("go")
    pump_until(lambda: parent.poll(), plan[-1][0] + 120)
    made, errors = parent.recv()
    pump_until(lambda: window.presenter.received - base_received >= len(made), 15)
    beat.stop()
    driver.join(10)
    received = window.presenter.received - base_received
    announcer = window.announcer
    idle = pump_until(lambda: announcer.wait_idle(0), 60)
    last = {}
    for number_window, number, _kind in made:
        last[number_window] = number
    pump_until(lambda: all(window.presenter.serving.get(w) == n for w, n in last.items()), 10)
    tiles_right = sum(window.presenter.serving.get(w) == n for w, n in last.items())
    result = {
        "calls": len(made), "errors": errors, "received": received,
        "announced": announcer.spoken_calls + announcer.summarised_calls, "idle": idle,
        "summaries": sum(1 for s in announcer.sentences if s.summary),
        "tiles_right": tiles_right, "windows_called": len(last),
        "late": late, "render": timings, "renders": window.renders - renders_before,
    }
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    client.close()
    return result


def redraw_everything():
    from ui.display import DisplayWindow

    class RedrawEverything(DisplayWindow):
        """The naive display: every change redraws at once, re-applying the layout and the stylesheet to
        every label (what a window does that simply rebuilds its screen on each event)."""

        def _on_change(self, change) -> None:
            if change.part == "calls" and not self.closed:
                self._relayout()
            else:
                super()._on_change(change)

    return RedrawEverything


def summary(name: str, r: dict) -> str:
    late, render = r["late"] or [0.0], [t * 1000 for t in r["render"]] or [0.0]
    return (f"    {name:<18} GUI latency p50 {percentile(late, 50):6.2f} ms  p99 {percentile(late, 99):6.2f} ms  "
            f"max {max(late):6.1f} ms | redraw mean {statistics.mean(render):6.2f} ms  max {max(render):6.1f} ms  "
            f"({r['renders']} redraws) | calls {r['calls']}, received {r['received']}, announced {r['announced']} "
            f"({r['summaries']} summaries), tiles right {r['tiles_right']}/{r['windows_called']}")


def checks(r: dict, *, strict_latency: bool) -> list[str]:
    failed = []
    if r["errors"]:
        failed.append(f"{len(r['errors'])} clerk errors, first: {r['errors'][0]}")
    if r["received"] != r["calls"]:
        failed.append(f"received {r['received']} of {r['calls']} calls")
    if r["announced"] != r["received"] or not r["idle"]:
        failed.append(f"announced {r['announced']} of {r['received']} (idle: {r['idle']})")
    if r["tiles_right"] != r["windows_called"]:
        failed.append(f"tiles right {r['tiles_right']} of {r['windows_called']}")
    if strict_latency and max(r["late"] or [0.0]) > STALL_LIMIT_MS:
        failed.append(f"GUI thread stalled {max(r['late']):.1f} ms (limit {STALL_LIMIT_MS:.0f} ms)")
    return failed


def ratio(base: dict, ours: dict) -> str:
    def worst(r):
        return max(r["late"] or [0.0])

    def mean_render(r):
        return statistics.mean(r["render"] or [0.0]) * 1000

    return (f"    ratio baseline/ours: GUI latency max {worst(base) / max(worst(ours), 0.1):5.1f}x, "
            f"p99 {percentile(base['late'], 99) / max(percentile(ours['late'], 99), 0.1):5.1f}x, "
            f"redraw mean {mean_render(base) / max(mean_render(ours), 0.001):5.1f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=10.0, help="calls a second")
    parser.add_argument("--windows", type=int, default=50)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from ui.display import DisplayWindow
    from ui.theme import apply

    app = QApplication.instance() or QApplication([])
    apply(app)
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="display-busy-") as tmp:
        db, log, port = Path(tmp) / "hall.db", Path(tmp) / "server.log", free_port()
        secrets = provision(db, args.windows)
        server = start_server(db, port, log)
        url = f"http://127.0.0.1:{port}"
        print(f"hall display, busy hall: {args.windows} windows, {args.rate:g} calls/s for {args.seconds:g} s, "
              f"window 1920x1080 offscreen, hall server and clerks in their own processes, {os.cpu_count()} CPUs")
        try:
            for label, pattern, seed in (("tuning pattern (steady, seed 1)", "steady", 1),
                                         ("held-out pattern (bursts with recalls, seed 2)", "bursts", 2)):
                plan = schedule(pattern, seed, args.seconds, args.rate, args.windows)
                print(f"  {label}: {len(plan)} calls")
                base = run_phase(app, redraw_everything(), url, secrets, plan, args.windows)
                print(summary("baseline (naive)", base))
                ours = run_phase(app, DisplayWindow, url, secrets, plan, args.windows)
                print(summary("display as it is", ours))
                print(ratio(base, ours))
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
