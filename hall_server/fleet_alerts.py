"""Fleet alerts: a log line and a webhook for every change of a terminal's status (fleet.py).

    watch = FleetWatch(store, sweep_s=5.0)
    watch.start()                    # the thread ``fleet-watch``: sweeps for late/offline, delivers alerts
    watch.alert(alert)               # from a request: queued, returns at once (never blocks a request);
                                     # the watch writes the status, then logs and posts the alert
    watch.stop(timeout_s)            # bounded

The webhook is the URL ``kiosk hall-admin fleet webhook URL`` configured (read at every alert, so a running
server follows a change; none configured: the log line only). Each alert is one ``POST`` of the alert's JSON
(``Content-Type: application/json``; fleet.Alert.to_json) bounded by ``WEBHOOK_TIMEOUT_S``; a failure (no
answer, an answer that is not HTTP, a non-2xx status) is logged and the alert is not sent again: the next
change sends the newer status. The POSTs share one kept-alive connection (``WebhookPoster``), opened again
when the receiver closed it or the URL changed, never through a proxy.
At most ``MAX_QUEUED`` alerts wait; beyond that the oldest are dropped, logged.

A flapping terminal (fleet_flapping.judge) gets one alert saying so and what flaps (``"event": "terminal_flapping"``),
then none for its changes but going offline or coming back, then one when it settled (``terminal_settled``,
with its status). Several server processes: an alert a heartbeat raised is claimed in the database before it
goes out (fleet.announce), as a sweep's are, so one process sends it.
"""

from __future__ import annotations

import http.client
import json
import logging
import queue
import ssl
import threading
import time
import urllib.parse

from hall_server import fleet

log = logging.getLogger("hall_server.fleet")

WEBHOOK = "webhook_url"
WEBHOOK_TIMEOUT_S = 5.0
MAX_QUEUED = 500


def check_webhook_url(url: str) -> str:
    if url and not url.startswith(("http://", "https://")):
        raise ValueError("the webhook must be an http:// or https:// URL")
    return url


class WebhookPoster:
    """POSTs JSON to the webhook over one kept-alive HTTP/1.1 connection (``http.client``), used by one thread.

    A new connection per alert (as ``urllib`` opens them) cost the hall server a TCP set-up and tear-down
    and urllib's handlers for every alert: a terminal flapping every beat made that its largest cost after
    the heartbeats themselves (docs/fleet.md, "Cost on the hall server"). The connection is dropped after
    any failure, when the receiver says it closes, and when the URL changes. A POST on a kept connection
    that the receiver had closed while it was idle (the connection reset, or closed with no answer) is sent
    once more on a new connection. Never through a proxy: the hall's own network only."""

    def __init__(self, timeout_s: float = WEBHOOK_TIMEOUT_S) -> None:
        self.timeout_s = timeout_s
        self._connection: http.client.HTTPConnection | None = None
        self._origin: tuple[str, str, int | None] | None = None
        self.opened = 0  # connections opened so far

    def post(self, url: str, payload: dict) -> int:
        """One POST of ``payload`` as JSON; the HTTP status. Raises OSError when there was no answer,
        ``http.client.HTTPException`` when the answer was not HTTP, ValueError for a URL that is not
        http:// or https://."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http:// or https:// URL: {url!r}")
        origin = (parts.scheme, parts.hostname, parts.port)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json", "User-Agent": "hall-server"}  # Host: from the origin
        if origin != self._origin:
            self.close()
        for attempt in (1, 2):
            reused = self._connection is not None
            connection = self._connection or self._open(origin)
            try:
                connection.request("POST", target, body=data, headers=headers)
                response = connection.getresponse()
                response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if reused and attempt == 1:
                    continue  # the receiver had closed the kept connection: once more on a new one
                raise
            except BaseException:
                self.close()
                raise
            if response.will_close:
                self.close()
            return response.status
        raise AssertionError("unreachable")

    def _open(self, origin: tuple[str, str, int | None]) -> http.client.HTTPConnection:
        scheme, host, port = origin
        if scheme == "https":
            self._connection = http.client.HTTPSConnection(host, port, timeout=self.timeout_s,
                                                           context=ssl.create_default_context())
        else:
            self._connection = http.client.HTTPConnection(host, port, timeout=self.timeout_s)
        self._origin = origin
        self.opened += 1
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection, self._origin = None, None


def _log_alert(alert: fleet.Alert, suffix: str = "") -> None:
    faults = f"; faults: {', '.join(alert.faults)}" if alert.faults else ""
    if alert.event == "terminal_flapping":
        log.warning("fleet: terminal %s (%s) is flapping: %s; its changes are not alerted until it settles "
                    "(now %s%s)%s", alert.terminal_id, alert.role, ", ".join(alert.flapping), alert.state, faults,
                    suffix)
    elif alert.event == "terminal_settled":
        log.warning("fleet: terminal %s (%s) settled: it is %s%s%s", alert.terminal_id, alert.role, alert.state,
                    faults, suffix)
    else:
        log.warning("fleet: terminal %s (%s) is %s%s%s%s%s", alert.terminal_id, alert.role, alert.state,
                    f" (was {alert.previous})" if alert.previous else "", faults,
                    f"; flapping: {', '.join(alert.flapping)}" if alert.flapping else "", suffix)


class FleetWatch:
    def __init__(self, store, *, sweep_s: float = 5.0, webhook_timeout_s: float = WEBHOOK_TIMEOUT_S,
                 thread_name: str = "fleet-watch") -> None:
        self._store = store
        self.sweep_s = sweep_s
        self.webhook_timeout_s = webhook_timeout_s
        self._queue: queue.Queue = queue.Queue(MAX_QUEUED)
        self._poster = WebhookPoster(webhook_timeout_s)  # used by the watch's thread only
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=thread_name, daemon=True)
        self.delivered = 0
        self.failed = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stopping.set()
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            pass
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        try:
            fleet.flush(self._store)  # the heartbeats kept since the last sweep
        except Exception:
            log.exception("fleet: writing the last heartbeats failed")
        for item in self._waiting():  # alerts not yet sent: logged, their webhooks not posted
            if isinstance(item, fleet.Alert):
                _log_alert(item, "; the server is stopping, its webhook is not sent")

    def alert(self, alert: fleet.Alert) -> None:
        """Queues the alert (never blocks): the watch's thread writes the terminal's status to the store,
        then logs the alert and posts its webhook. A request does not wait for any of it."""
        while True:
            try:
                self._queue.put_nowait(alert)
                return
            except queue.Full:
                try:
                    dropped = self._queue.get_nowait()
                    if isinstance(dropped, fleet.Alert):
                        _log_alert(dropped, "; too many alerts waiting, its webhook is dropped")
                except queue.Empty:
                    pass

    def _run(self) -> None:
        next_sweep = time.monotonic() + self.sweep_s
        while not self._stopping.is_set():
            try:
                item = self._queue.get(timeout=max(0.0, next_sweep - time.monotonic()))
            except queue.Empty:
                item = None
            if item is not None:
                self._deliver_all([item, *self._waiting()])
            if time.monotonic() >= next_sweep and not self._stopping.is_set():
                next_sweep = time.monotonic() + self.sweep_s
                self._sweep()
        self._poster.close()

    def _waiting(self) -> list:
        items = []
        while True:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                return items

    def _deliver_all(self, items: list) -> None:
        """The statuses written in one transaction before any of their alerts goes out (several processes:
        claimed first; an alert another process claimed is not sent), then each alert."""
        alerts = [item for item in items if isinstance(item, fleet.Alert)]
        if not alerts:
            return
        try:
            alerts = fleet.announce(self._store, alerts)
        except Exception:  # kept in memory and written at the next sweep; the alerts still go out
            log.exception("fleet: writing the terminals' statuses failed")
        for alert in alerts:
            _log_alert(alert)
            self._deliver(alert)

    def _sweep(self) -> None:
        try:
            alerts = fleet.sweep(self._store)  # written with the statuses they announce
        except Exception:  # the database busy for long, closing: the next sweep tries again
            log.exception("fleet: the sweep failed")
            return
        for alert in alerts:
            _log_alert(alert)
            self._deliver(alert)

    def _deliver(self, alert: fleet.Alert) -> None:
        try:
            url = fleet.setting(self._store, WEBHOOK)
        except Exception:
            log.exception("fleet: reading the webhook's URL failed")
            return
        if not url:
            return
        try:
            status = self._poster.post(url, alert.to_json())
        except (OSError, ValueError, http.client.HTTPException) as exc:
            self.failed += 1
            log.warning("fleet: the webhook for %s failed: %s: %s", alert.terminal_id, type(exc).__name__, exc)
            return
        if 200 <= status < 300:
            self.delivered += 1
        else:
            self.failed += 1
            log.warning("fleet: the webhook for %s answered HTTP %d", alert.terminal_id, status)
