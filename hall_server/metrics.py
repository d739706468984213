"""``GET /metrics``: the hall in the Prometheus text format (prometheus_client), read fresh at every scrape.

    hall_tickets_issued{service}                 tickets issued today, by the service that issued them
    hall_tickets_waiting{service}                tickets waiting now, by the queue they are in
    hall_calls                                   calls made today (first calls, recalls, call-backs)
    hall_wait_seconds_average{service}           from issue to first call, today's called tickets
    hall_terminals{state}                        provisioned terminals by fleet state (online, late, offline)
    hall_terminal_outbox_waiting{terminal}       each terminal's outbox backlog, as its last heartbeat said
    hall_terminal_outbox_oldest_age_seconds{terminal}
    hall_outbox_waiting                          the sum of the backlogs reported
    hall_ratings{level}                          好差评 kept today (appeals upheld left out), by level (1–5)

"Today" is the hall's service day (its time zone). Who may read it: fleet_access.metrics_allowed (loopback,
or the configured bearer token). The route is not under /v1, so it needs no terminal signature.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from hall_server import fleet

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _gauge(name: str, text: str, label: str | None, rows) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, text, labels=[label] if label else None)
    for key, value in rows:
        if label:
            family.add_metric([str(key)], float(value or 0))
        else:
            family.add_metric([], float(value or 0))
    return family


def _queue_metrics(con, day: str) -> list[GaugeMetricFamily]:
    services = [r[0] for r in con.execute("SELECT prefix FROM services ORDER BY position")]
    issued = dict(con.execute("SELECT issue_prefix, COUNT(*) FROM tickets WHERE service_day = ?"
                              " GROUP BY issue_prefix", (day,)).fetchall())
    waiting = dict(con.execute("SELECT service, COUNT(*) FROM tickets WHERE service_day = ? AND state = 'waiting'"
                               " GROUP BY service", (day,)).fetchall())
    waits = dict(con.execute("SELECT issue_prefix, AVG(called_at - issued_at) FROM tickets WHERE service_day = ?"
                             " AND called_at IS NOT NULL GROUP BY issue_prefix", (day,)).fetchall())
    calls = con.execute("SELECT COUNT(*) FROM call_events WHERE service_day = ?", (day,)).fetchone()[0]
    return [
        _gauge("hall_tickets_issued", "Tickets issued today, by service", "service",
               ((s, issued.get(s, 0)) for s in services)),
        _gauge("hall_tickets_waiting", "Tickets waiting now, by service", "service",
               ((s, waiting.get(s, 0)) for s in services)),
        _gauge("hall_calls", "Calls made today", None, [(None, calls)]),
        _gauge("hall_wait_seconds_average", "Average wait from issue to first call today, by service", "service",
               ((s, waits[s]) for s in services if s in waits)),
    ]


def _fleet_metrics(hall_store) -> list[GaugeMetricFamily]:
    views = fleet.terminals(hall_store)
    backlogs = [(v.terminal_id, v.heartbeat["outbox"]) for v in views if v.heartbeat.get("outbox")]
    return [
        _gauge("hall_terminals", "Provisioned terminals by fleet state", "state",
               fleet.counts_by_state(views).items()),
        _gauge("hall_terminal_outbox_waiting", "Records waiting in each terminal's outbox (its last heartbeat)",
               "terminal", ((t, o["waiting"]) for t, o in backlogs)),
        _gauge("hall_terminal_outbox_oldest_age_seconds", "Age of the oldest record waiting in each outbox",
               "terminal", ((t, o["oldest_age_s"]) for t, o in backlogs if o.get("oldest_age_s") is not None)),
        _gauge("hall_outbox_waiting", "Records waiting in all outboxes reported", None,
               [(None, sum(o["waiting"] for _, o in backlogs))]),
    ]


class _HallCollector:
    def __init__(self, hall_store) -> None:
        self._store = hall_store

    def collect(self):
        store = self._store
        with store._read() as con:
            day = store.service_day(con).isoformat()
            yield from _queue_metrics(con, day)
            ratings = dict(con.execute("SELECT level, COUNT(*) FROM ratings WHERE day = ? AND excluded = 0"
                                       " GROUP BY level", (day,)).fetchall())
        yield _gauge("hall_ratings", "Ratings (好差评) kept today, by level", "level",
                     ((level, ratings.get(level, 0)) for level in range(1, 6)))
        yield from _fleet_metrics(store)


def render(hall_store) -> bytes:
    """The text of one scrape (blocking: the store's SQLite)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_HallCollector(hall_store))
    return generate_latest(registry)
