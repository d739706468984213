"""The evaluation pad under a busy hall: how fast the pad asks, thanks and delivers while the hall works.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/rating_pad.py [--rounds 20] [--kiosks 8] [--windows 6]

The hall server runs in its own process (``python -m kiosk hall-server``). Window 3's clerk terminal runs
here, offscreen: the clerk's window with its pad, its encrypted store and sync engine. Each round the clerk
calls the next number and finishes it (the buttons, clicked), the pad opens the levels and the citizen
touches 满意. First alone (the baseline), then under load: ``--kiosks`` threads issuing numbers as fast as
the server answers, and ``--windows`` other windows (4, 5 …) calling, finishing and rating, each with its
own store and sync engine, as their pads would.

Figures (wall-clock p50 / p95 / max, alone and under load, and the ratio):
- *offer*: from the click on the finish outcome to the pad showing the levels (the platform's answer to
  "finish" included: the pad opens on it);
- *thanks*: from the touch on a level to the thanks (the rating committed to the outbox on the worker);
- *delivered*: from the touch to the platform's acknowledgement (the sync engine; its idle check is 0.1 s);
- *GUI stall*: the longest the GUI thread did not run a 10 ms timer during the run.
Goals: offer ≤ 500 ms p95 and thanks ≤ 200 ms p95 under load; no GUI stall over 100 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QPushButton  # noqa: E402
from ticket_load import free_port, percentile, start_server  # noqa: E402

from core.domain import Outcome  # noqa: E402
from core.domain.rating import Rating, RatingChannel, RatingLevel  # noqa: E402
from core.ports.outbox import RecordKind  # noqa: E402
from core.services.queue import ClerkQueueService, KioskQueueService  # noqa: E402
from core.services.rating import RatingDesk  # noqa: E402
from hall_server import HallStore, sample_hall  # noqa: E402
from offline_cache import Store  # noqa: E402
from offline_cache.engine import SyncEngine  # noqa: E402
from offline_cache.refcache import ReferenceCache  # noqa: E402
from platform_client import PlatformClient  # noqa: E402
from platform_client.sync import SyncClient  # noqa: E402
from ui.clerk import ClerkWindow  # noqa: E402

PIN = "2468"
HALL_TZ = ZoneInfo("Asia/Shanghai")
FINISHED = next(iter(Outcome))
ENGINE = dict(backoff_base_s=0.05, backoff_max_s=1.0, probe_interval_s=0.2, idle_check_s=0.1)


def provision(db: Path, kiosks: int, windows: int) -> tuple[dict[str, str], dict]:
    hall = sample_hall()
    for service in hall["services"]:
        service["daily_cap"] = 0
    store = HallStore(db)
    try:
        store.load_hall(hall)
        for w in hall["windows"]:
            store.add_staff(w["staff"]["id"], w["staff"]["name"], PIN, [w["number"]])
        secrets = {f"W-{n:02d}": store.add_terminal(f"W-{n:02d}", "clerk") for n in range(3, 4 + windows)}
        secrets.update({f"K-{n:02d}": store.add_terminal(f"K-{n:02d}", "citizen") for n in range(kiosks + 1)})
        return secrets, hall
    finally:
        store.close()


class Load:
    """Kiosks issuing and other windows serving and rating, until ``stop``."""

    def __init__(self, url: str, secrets: dict[str, str], hall: dict, kiosks: int, windows: int, tmp: Path):
        self.stop_flag = threading.Event()
        self.counts = {"issued": 0, "finished": 0, "rated": 0}
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._kiosk, args=(url, f"K-{n:02d}", secrets), daemon=True)
                        for n in range(1, kiosks + 1)]
        staff = {w["number"]: w["staff"]["id"] for w in hall["windows"]}
        self.threads += [threading.Thread(target=self._window, args=(url, n, staff[n], secrets, tmp), daemon=True)
                         for n in range(4, 4 + windows)]

    def _count(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1

    def _kiosk(self, url: str, tid: str, secrets: dict[str, str]) -> None:
        with PlatformClient(url, tid, secrets[tid], timeout_s=10) as client:
            kiosk = KioskQueueService(client, None)
            n = 0
            while not self.stop_flag.is_set():
                kiosk.issue(kiosk.new_request("ABC"[n % 3]), without_print=True)
                self._count("issued")
                n += 1

    def _window(self, url: str, number: int, staff: str, secrets: dict[str, str], tmp: Path) -> None:
        tid = f"W-{number:02d}"
        store = Store(tmp / tid, margin_bytes=0)
        sync = SyncClient(url, tid, secrets[tid], timeout_s=10, keep_alive=False)
        engine = SyncEngine(store, sync, **ENGINE).start()
        client = PlatformClient(url, tid, secrets[tid], timeout_s=10)
        try:
            clerk = ClerkQueueService(client, number)
            clerk.login(staff, PIN)
            while not self.stop_flag.is_set():
                update = clerk.call_next()
                if update.ticket is None:
                    time.sleep(0.05)
                    continue
                clerk.finish(FINISHED)
                self._count("finished")
                store.enqueue(RecordKind.RATING, Rating(
                    RatingChannel.WINDOW_PAD, RatingLevel.SATISFIED, datetime.now(HALL_TZ).isoformat(), "政务服务中心",
                    ticket_number=update.ticket.number, window=number, clerks=(staff,)).content())
                self._count("rated")
        finally:
            engine.stop(5)
            sync.close()
            client.close()
            store.close()

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def stop(self) -> None:
        self.stop_flag.set()
        for t in self.threads:
            if t.is_alive():
                t.join(15)


def wait(app: QApplication, condition, timeout_s: float = 20.0) -> float:
    """Runs the event loop until ``condition()``; the monotonic time it became true."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the window")
        app.processEvents()
        time.sleep(0.001)
    return time.monotonic()


class Stall:
    """The longest gap between two ticks of a 10 ms GUI timer while armed (the bench's own blocking calls —
    issuing the round's number, reading the store's counts — happen while disarmed)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.last: float | None = None
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._beat)

    def _beat(self) -> None:
        now = time.monotonic()
        if self.last is not None:
            self.worst = max(self.worst, now - self.last)
            self.last = now

    def arm(self) -> None:
        self.last = time.monotonic()

    def disarm(self) -> None:
        self._beat()
        self.last = None

    def take(self) -> float:
        worst, self.worst = self.worst, 0.0
        return worst


def rounds(app, window, kiosk: KioskQueueService, n: int, stall: Stall) -> dict[str, list[float]]:
    pad, page = window.pad.view, window.queue_page
    out = {"offer": [], "thanks": [], "delivered": []}
    for _ in range(n):
        kiosk.issue(kiosk.new_request("A"), without_print=True)
        acked = window.store.counts().acked
        stall.arm()
        page.action_buttons["call_next"].click()
        wait(app, lambda: window.status is not None and window.status.current is not None)
        page.action_buttons["finish"].click()
        wait(app, lambda: page.actions_stack.currentIndex() == 1)
        t0 = time.monotonic()
        page.choice.findChild(QPushButton, "choice-0").click()
        out["offer"].append(wait(app, lambda: pad.page == "levels") - t0)
        t1 = time.monotonic()
        pad.levels_page.buttons[4].click()
        out["thanks"].append(wait(app, lambda: pad.page == "thanks") - t1)
        stall.disarm()
        out["delivered"].append(wait(app, lambda: window.store.counts().acked > acked) - t1)
        pad.presenter.skip()
    return out


def figures(name: str, alone: list[float], loaded: list[float]) -> None:
    def f(values: list[float]) -> str:
        return (f"p50 {statistics.median(values) * 1000:7.1f} ms  p95 {percentile(values, 95) * 1000:7.1f} ms  "
                f"max {max(values) * 1000:7.1f} ms")

    ratio = statistics.median(loaded) / max(statistics.median(alone), 1e-6)
    print(f"{name:10s} alone: {f(alone)}\n{'':10s} load:  {f(loaded)}  (p50 ×{ratio:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--kiosks", type=int, default=8)
    parser.add_argument("--windows", type=int, default=6)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-rating-pad-"))
    secrets, hall = provision(tmp / "hall.db", args.kiosks, args.windows)
    port = free_port()
    server = start_server(tmp / "hall.db", port, tmp / "server.log")
    url = f"http://127.0.0.1:{port}"
    app = QApplication.instance() or QApplication([])
    store = Store(tmp / "W-03", margin_bytes=0)
    sync = SyncClient(url, "W-03", secrets["W-03"], timeout_s=10, keep_alive=False)
    engine = SyncEngine(store, sync, **ENGINE).start()
    client, kiosk_client = (PlatformClient(url, t, secrets[t], timeout_s=10) for t in ("W-03", "K-00"))
    window = ClerkWindow(ClerkQueueService(client, 3), rating=RatingDesk(store, ReferenceCache(store, sync)))
    window.store = store
    window.show()
    window.pad.place(alone=True)
    stall = Stall()
    load = Load(url, secrets, hall, args.kiosks, args.windows, tmp)
    try:
        window.login_page.staff.setText("S1003")
        window.login_page.pin.setText(PIN)
        window.login_page.login_button.click()
        wait(app, lambda: window.page == "queue" and window.hall is not None and bool(window.pad.view.presenter.reasons))
        kiosk = KioskQueueService(kiosk_client, None)
        stall.timer.start()
        alone = rounds(app, window, kiosk, args.rounds, stall)
        stall_alone = stall.take()
        load.start()
        time.sleep(1.0)
        loaded = rounds(app, window, kiosk, args.rounds, stall)
        print(f"{args.rounds} rounds each; load: {args.kiosks} kiosks issuing, {args.windows} windows serving and "
              f"rating; during the loaded rounds {load.counts}")
        for name in ("offer", "thanks", "delivered"):
            figures(name, alone[name], loaded[name])
        print(f"GUI stall  alone: {stall_alone * 1000:.1f} ms   load: {stall.take() * 1000:.1f} ms")
    finally:
        stall.timer.stop()
        load.stop()
        window.close()
        engine.stop(5)
        sync.close()
        client.close()
        kiosk_client.close()
        store.close()
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
