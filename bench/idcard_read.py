"""Bench: time from an ID card placed to its identity delivered, against the wire time of the same frames.

    .venv/bin/python bench/idcard_read.py            # 20 cards at 115200 baud, 4 at 9600
    .venv/bin/python bench/idcard_read.py --quick    # 5 and 2

The reader simulator (simulators/idcard.py) emulates the line: each command and answer takes
bytes × 10 / baud seconds (8N1), answers arriving in 64-byte pieces. The driver polls "find card" every
0.3 s as vendors do; once a card is found it selects and reads at once. For each card:

- read phase = from the simulator receiving the "find card" that saw the card, to ``on_card`` running
  (find, select, read, parse, deliver);
- baseline, measured side by side: the simulator's own time on the same exchanges (command wire time,
  answer wire time, as it paced them), and the theoretical wire time of the same frames;
- driver overhead = read phase − the simulator's time: what the driver itself adds (turnaround between
  answer and next command, reassembly, checks, parsing). Goal: under 10 % of the wire time.

It also prints placed → delivered, which adds the wait for the next poll (0 to 0.3 s, by design).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulators.idcard_cards import SAMPLE_CARDS  # noqa: E402
from devices.idcard.protocol import Command, Status, wire_time_s  # noqa: E402
from devices.idcard.reader import IdCardReader  # noqa: E402
from simulators.idcard import IdCardSimulator  # noqa: E402
from core.ports.idcard import ReaderState  # noqa: E402


def run(baudrate: int, cards: int) -> dict[str, float]:
    delivered: list[float] = []
    arrived = threading.Event()

    def on_card(identity) -> None:
        delivered.append(time.perf_counter())
        arrived.set()

    keys = list(SAMPLE_CARDS)
    rows = []
    with IdCardSimulator(baudrate=baudrate, thread_name="bench-idcard-sim") as sim:
        reader = IdCardReader(sim.url, baudrate=baudrate, on_card=on_card)
        reader.start()
        try:
            deadline = time.monotonic() + 5
            while reader.state is not ReaderState.CONNECTED and time.monotonic() < deadline:
                time.sleep(0.01)
            for i in range(cards):
                time.sleep(0.35)  # at least one poll sees the reader empty: the next card is new
                arrived.clear()
                placed = time.perf_counter()
                sim.place(keys[i % len(keys)])
                if not arrived.wait(10 + 3 * wire_time_s(1400, baudrate)):
                    raise SystemExit(f"card {i} was not delivered")
                done = delivered[-1]
                sim.lift()
                # The simulator logs an exchange once its answer is on the wire, which can be a moment after
                # the reader has the card: wait (bounded) for the read to be logged.
                log_deadline = time.monotonic() + 2.0
                while True:
                    exchanges = [e for e in sim.exchanges() if e.received_at >= placed]
                    if any(e.command is Command.READ_TEXT_PHOTO for e in exchanges) or time.monotonic() > log_deadline:
                        break
                    time.sleep(0.005)
                start = next(j for j, e in enumerate(exchanges)
                             if e.command is Command.FIND_CARD and e.status is Status.CARD_FOUND)
                end = next(j for j, e in enumerate(exchanges) if e.command is Command.READ_TEXT_PHOTO)
                used = exchanges[start:end + 1]
                wire = sum(wire_time_s(e.request_bytes + e.answer_bytes, baudrate) for e in used)
                simulator = sum(e.done_at - e.received_at for e in used)
                read_phase = done - used[0].received_at
                rows.append((done - placed, read_phase, simulator, wire))
        finally:
            reader.stop()
    total, read_phase, simulator, wire = (statistics.median(col) for col in zip(*rows))
    return {"cards": cards, "placed_to_delivered": total, "read_phase": read_phase, "simulator": simulator,
            "wire": wire, "overhead": read_phase - simulator}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer cards (for development)")
    args = parser.parse_args()
    plan = [(115200, 5 if args.quick else 20), (9600, 2 if args.quick else 4)]
    print("ID-card read: driver overhead against the wire time of the same frames (medians)")
    print(f"{'baud':>7} {'cards':>5} {'placed→delivered':>17} {'read phase':>11} {'simulator':>10} "
          f"{'wire':>8} {'overhead':>9} {'overhead/wire':>14} {'read/wire':>10}")
    ok = True
    for baudrate, cards in plan:
        r = run(baudrate, cards)
        share = r["overhead"] / r["wire"]
        ok &= share < 0.10
        print(f"{baudrate:>7} {cards:>5} {r['placed_to_delivered'] * 1000:>14.1f} ms "
              f"{r['read_phase'] * 1000:>8.1f} ms {r['simulator'] * 1000:>7.1f} ms {r['wire'] * 1000:>5.1f} ms "
              f"{r['overhead'] * 1000:>6.1f} ms {share:>13.1%} {r['read_phase'] / r['wire']:>9.3f}x")
    print("baseline: wire = bytes × 10 / baud of find, select and read (commands and answers); simulator = "
          "its measured time pacing the same frames; overhead = read phase − simulator; goal < 10 % of wire: "
          + ("met" if ok else "NOT met"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
