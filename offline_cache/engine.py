"""The sync engine: one thread that drains the outbox to the platform, at least once, in order.

How one record travels (docs/sync.md "The sync engine" and "Lessons from offline data-collection"):

1. ``store.mark_inflight`` is committed BEFORE anything is sent, so the UI shows it, a crash is visible and
   every try counts as an attempt;
2. ``store.load`` opens the sealed record (a record that no longer opens is a dead letter at once);
3. each attachment: ask the platform how many bytes it holds (``attachment_received``), send the rest in
   chunks from that offset (resumable: a 20 MB scan cut off at 19 MB continues from 19 MB), content-
   addressed by SHA-256 so a scan shared by two records goes once;
4. the record itself (``post_record``), whose answer must name the same content hash; if the platform
   still misses an attachment it says so and the engine sends it and asks again;
5. ``store.mark_acked`` only after that. A crash anywhere before leaves the record queued (``recover()``
   at start), and the server answers a resend of the same id and content with the same answer.

Failures, and what the engine does:

- ``PlatformUnreachable`` (no connection, timeout, a captive portal's 200 HTML, a truncated body):
  state OFFLINE; exponential backoff with full jitter, but a cheap ``probe()`` every ``probe_interval_s``
  ends the wait at once when the platform answers again (the complaint "stuck after the network came
  back" is the most common one in the anchors).
- ``PlatformServerFault`` (5xx) or a local ``StoreError``: state RETRYING. The record waits on its OWN
  backoff (``next_at``: full jitter on its consecutive failures, at least the server's Retry-After) and
  the engine goes on with the next record after a short pause of the link's own. A failure counts
  against the record when it is its first, or when the platform took another record since its last
  one (a platform that fails everything charges nobody); after ``max_record_failures`` such failures
  the record is a dead letter ``too_many_failures`` with the last error.
- ``StoreFull`` while marking progress: state BLOCKED until a person frees disk space.
- ``PlatformRejected`` 401/403 (credentials, clock): state BLOCKED; nothing can pass until a person fixes
  the terminal's configuration, so the record stays queued and the engine waits the longest backoff.
- ``PlatformRejected``/``PlatformConflict`` with any other status: the record is a dead letter with the
  platform's reason; the next record goes on. People resend or discard it (``Store.resend/discard``).
- ``StoreCorrupt`` (the sealed body or an attachment does not open, the row does not read): a dead letter
  ``local_corrupt`` at once; it can never succeed.

``housekeeping``: callables run on the engine thread every ``housekeeping_interval_s`` while the platform
answers and the outbox is empty: leasing offline ticket blocks (``OfflineTickets.refill``) lives there.

The thread is a ``DeviceRunner`` (core/lifecycle.py, ``lifecycle``), like every device's: ``start()``
returns at once, ``stop(timeout_s)`` is bounded and idempotent; its connect step puts in-flight records
back in the queue and probes the platform once. Its ``LifecycleState`` follows the sync state: ONLINE is
READY, OFFLINE and RETRYING are RECONNECTING, BLOCKED (a person must act) is FAILED.

Events are plain callbacks, called on the engine thread (ui/sync_status.py bridges them into Qt):
``on_state(SyncState, detail: str)`` on every change, ``on_progress(SyncProgress)`` after every chunk
and record, and ``on_ack(RecordAcknowledged)`` (``subscribe``) for every record acknowledged, with the
case number the platform gave it (kept in the store first: ``Store.case_for``). A callback that raises is logged and ignored: the engine never dies of its listeners.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence

from core.errors import (
    PlatformConflict,
    PlatformError,
    PlatformRejected,
    PlatformServerFault,
    PlatformUnreachable,
)
from core.lifecycle import DeviceRunner
from core.ports.lifecycle import LifecycleState
from core.ports.outbox import (OutboxCounts, RecordAcknowledged, SyncProgress, SyncState, SyncTransport,
                               content_hash)
from offline_cache.cases import case_of
from offline_cache.errors import StoreCorrupt, StoreError, StoreFull
from offline_cache.store import OutboxEntry, Store

log = logging.getLogger(__name__)

RETRY_AFTER_MAX_S = 3600.0  # a Retry-After beyond an hour is taken as an hour

# How each sync state shows in the lifecycle every device shares (core.ports.lifecycle).
LIFECYCLE_OF = {SyncState.ONLINE: LifecycleState.READY, SyncState.OFFLINE: LifecycleState.RECONNECTING,
                SyncState.RETRYING: LifecycleState.RECONNECTING, SyncState.BLOCKED: LifecycleState.FAILED}

StateCallback = Callable[[SyncState, str], None]
ProgressCallback = Callable[[SyncProgress], None]
CountsCallback = Callable[[OutboxCounts], None]
AckCallback = Callable[[RecordAcknowledged], None]


def backoff_delay(attempt: int, base_s: float, max_s: float, rng: random.Random) -> float:
    """Full jitter: uniform in [base/2, min(max, base · 2^attempt)] (AWS architecture blog's 'full jitter',
    with a floor so a run of failures never spins)."""
    ceiling = min(max_s, base_s * (2 ** min(attempt, 30)))
    return rng.uniform(min(base_s / 2, ceiling), ceiling)


class SyncEngine:
    def __init__(self, store: Store, transport: SyncTransport, *,
                 on_state: StateCallback | None = None, on_progress: ProgressCallback | None = None,
                 chunk_bytes: int = 32 * 1024, backoff_base_s: float = 1.0, backoff_max_s: float = 300.0,
                 probe_interval_s: float = 2.0, idle_check_s: float = 30.0, purge_interval_s: float = 600.0,
                 rng: random.Random | None = None, thread_name: str = "sync-engine",
                 housekeeping: Sequence[Callable[[], object]] = (), housekeeping_interval_s: float = 60.0,
                 max_record_failures: int = 8) -> None:
        self.store = store
        self.transport = transport
        self._state_listeners: list[StateCallback] = [on_state] if on_state else []
        self._progress_listeners: list[ProgressCallback] = [on_progress] if on_progress else []
        self._counts_listeners: list[CountsCallback] = []
        self._ack_listeners: list[AckCallback] = []
        self.counts: OutboxCounts | None = None  # the last counts published (no I/O to read it)
        self.progress: SyncProgress | None = None
        self._counts_at = 0.0
        self.chunk_bytes = chunk_bytes
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.probe_interval_s = probe_interval_s
        self.idle_check_s = idle_check_s
        self.purge_interval_s = purge_interval_s
        self.housekeeping = list(housekeeping)
        self.housekeeping_interval_s = housekeeping_interval_s
        self.rng = rng or random.Random()
        self.thread_name = thread_name
        self.state = SyncState.OFFLINE  # until the first probe says otherwise
        self._announced = False  # the first state is always reported
        self.delivered = 0  # records acknowledged since start
        self._wake = threading.Event()
        self._retry_now = threading.Event()
        self._runner = DeviceRunner("sync", connect=self._open, poll=self._run, interrupt=self._wake.set,
                                    thread_name=thread_name, stop_timeout_s=10.0)
        self._stop = self._runner.stop_event  # set while stopping: the loop and an upload end on it
        self._failures = 0  # consecutive link failures, for the backoff
        self.max_record_failures = max_record_failures
        # record id -> (consecutive failures, ``delivered`` at its last failure): its own backoff and whether
        # the next failure counts against it (only if something else got through since)
        self._failing: dict[str, tuple[int, int]] = {}
        self._batch_done = self._batch_bytes_done = 0
        self._batch_total = self._batch_bytes_total = 0
        store.add_listener(self.nudge)

    # --- life cycle --------------------------------------------------------------------------------
    @property
    def lifecycle(self) -> DeviceRunner:
        """The engine thread's life (core.ports.lifecycle), published like every device's."""
        return self._runner

    def start(self) -> SyncEngine:
        """Starts the engine thread (returns at once; nothing happens when it runs already)."""
        self._runner.start()
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        """Asks the thread to stop and waits (bounded: a request in flight ends within its timeout)."""
        self._runner.stop(timeout_s)

    def __enter__(self) -> SyncEngine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def nudge(self) -> None:
        """Wake up: a new record is waiting (a running backoff still holds)."""
        self._wake.set()

    def retry_now(self) -> None:
        """Ends any backoff at once ("send now" in the technician view; the network is known to be back)."""
        self._retry_now.set()
        self._wake.set()

    # --- events ------------------------------------------------------------------------------------
    def subscribe(self, *, on_state: StateCallback | None = None, on_progress: ProgressCallback | None = None,
                  on_counts: CountsCallback | None = None, on_ack: AckCallback | None = None) -> Callable[[], None]:
        """Adds listeners (called on the engine thread); returns the function that removes them.
        ``on_ack(RecordAcknowledged)`` follows each record the platform acknowledged, after it is kept."""
        pairs = [(self._state_listeners, on_state), (self._progress_listeners, on_progress),
                 (self._counts_listeners, on_counts), (self._ack_listeners, on_ack)]
        for listeners, callback in pairs:
            if callback is not None:
                listeners.append(callback)

        def unsubscribe() -> None:
            for listeners, callback in pairs:
                if callback is not None and callback in listeners:
                    listeners.remove(callback)

        if self._runner.running:
            self.nudge()  # the new listener gets fresh counts soon
        return unsubscribe

    def _emit(self, listeners: list, *args: object) -> None:
        for callback in list(listeners):
            try:
                callback(*args)
            except Exception:
                log.exception("sync listener failed")

    def _publish_counts(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._counts_at < 0.25:
            return
        self._counts_at = now
        try:
            self.counts = self.store.counts()
        except StoreError:
            return
        self._emit(self._counts_listeners, self.counts)

    def _set_state(self, state: SyncState, detail: str = "") -> None:
        changed = state != self.state or not self._announced
        self._announced = True
        self.state = state
        if changed:
            log.info("sync %s %s", state.value, detail)
        if changed:
            self._emit(self._state_listeners, state, detail)
            self._publish_counts(force=True)
        self._runner.report(LIFECYCLE_OF[state], f"{state.value}: {detail}" if detail else state.value)

    def _progress(self) -> None:
        self.progress = SyncProgress(self._batch_done, self._batch_total, self._batch_bytes_done,
                                     self._batch_bytes_total)
        self._emit(self._progress_listeners, self.progress)
        self._publish_counts()

    def _start_batch_if_idle(self) -> None:
        if self._batch_done >= self._batch_total:
            counts = self.store.counts()
            self._batch_done = self._batch_bytes_done = 0
            self._batch_total, self._batch_bytes_total = counts.waiting, counts.bytes_waiting

    # --- the loop ----------------------------------------------------------------------------------
    def _sleep(self, seconds: float) -> bool:
        """Waits up to ``seconds`` or until nudged; False when asked to stop."""
        if seconds > 0:
            self._wake.wait(seconds)
        self._wake.clear()
        return not self._stop.is_set()

    def _open(self) -> None:
        """The runner's connect step: records left in flight go back to the queue; a first probe."""
        try:
            self.store.recover()
        except StoreError:
            log.exception("sync could not recover in-flight records")
        self._set_state(SyncState.ONLINE if self.transport.probe() else SyncState.OFFLINE)

    def _run(self) -> None:
        last_purge = 0.0
        last_housekeeping = -self.housekeeping_interval_s
        # The last failure was "unreachable" (the first probe's too): probe to end the wait early.
        probing = self.state == SyncState.OFFLINE
        retry_at = time.monotonic() + self.probe_interval_s if probing else 0.0  # the link's backoff deadline
        while not self._stop.is_set():
            now = time.monotonic()
            if now - last_purge > self.purge_interval_s:
                last_purge = now
                self._purge()
            if now < retry_at:
                wait = min(retry_at - now, self.probe_interval_s) if probing else retry_at - now
                if not self._sleep(wait):
                    break
                # Records enqueued during a backoff (a kiosk issuing offline) must show in the status
                # area's "N waiting" at once, not when the link returns.
                self._publish_counts(force=True)
                if self._retry_now.is_set():
                    self._retry_now.clear()
                elif time.monotonic() < retry_at:
                    if not probing:
                        continue  # a new record does not cut a backoff short (nor a Retry-After)
                    if not self.transport.probe():
                        continue
                    log.info("sync: platform answers again; retrying now")
                retry_at = 0.0
            try:
                entry = self.store.next_due(time.time())
            except StoreError:
                log.exception("sync cannot read the outbox")
                self._sleep(self.idle_check_s)
                continue
            if entry is None:
                # Nothing to send: a cheap probe keeps the status honest (online means "answers now").
                if self.state != SyncState.BLOCKED:
                    if self.transport.probe():
                        self._failures = 0
                        self._set_state(SyncState.ONLINE)
                    else:
                        self._set_state(SyncState.OFFLINE)
                if self.state == SyncState.ONLINE and now - last_housekeeping > self.housekeeping_interval_s:
                    last_housekeeping = now
                    self._housekeep()
                self._batch_done = self._batch_total = self._batch_bytes_done = self._batch_bytes_total = 0
                self._publish_counts(force=True)
                wake = self.store.next_wakeup()
                wait = self.idle_check_s if wake is None else max(0.0, min(self.idle_check_s, wake - time.time()))
                if not self._sleep(wait):
                    break
                continue
            self._start_batch_if_idle()
            pause = self._attempt(entry)
            if pause is not None:
                retry_at, probing = pause

    def _attempt(self, entry: OutboxEntry) -> tuple[float, bool] | None:
        """Sends one record and deals with its failure. Returns the link's pause (a monotonic deadline, and
        whether to probe meanwhile), or None when the next record may go at once."""
        try:
            self._send(entry)
        except PlatformUnreachable as exc:
            return time.monotonic() + self._link_failed(entry, exc, SyncState.OFFLINE), True
        except PlatformServerFault as exc:
            retry_after = exc.params.get("retry_after_s")
            retry_after = None if retry_after is None else min(float(retry_after), RETRY_AFTER_MAX_S)
            delay = self._link_failed(entry, exc, SyncState.RETRYING, own=True, retry_after=retry_after)
            if retry_after is not None:
                delay = max(delay, retry_after)  # the server knows best
            return time.monotonic() + delay, False
        except PlatformRejected as exc:
            if exc.status in (401, 403):
                delay = self._link_failed(entry, exc, SyncState.BLOCKED)
                return time.monotonic() + max(delay, self.backoff_max_s / 4), False
            self._dead(entry, exc)
        except StoreCorrupt as exc:
            self._dead_local(entry, exc)
        except StoreFull as exc:  # cannot even record progress: a person must free space
            delay = self._link_failed(entry, exc, SyncState.BLOCKED)
            return time.monotonic() + max(delay, self.backoff_max_s / 4), False
        except (StoreError, PlatformError) as exc:
            return time.monotonic() + self._link_failed(entry, exc, SyncState.RETRYING, own=True), False
        else:
            self._failures = 0
            self._set_state(SyncState.ONLINE)
        return None

    def _link_failed(self, entry: OutboxEntry, exc: Exception, state: SyncState, *, own: bool = False,
                     retry_after: float | None = None) -> float:
        """A failed try: the link's backoff (returned); ``own``: the record also waits on its own backoff
        and may become a dead letter (``_record_failed``), else it is first in line again."""
        self._failures += 1
        # The batch starts again at the next attempt, counting what waits by then: a backlog that built up
        # while offline drains as one batch (the status area's progress bar), not as the one record that
        # happened to be first.
        self._batch_done = self._batch_total = self._batch_bytes_done = self._batch_bytes_total = 0
        delay = backoff_delay(self._failures - 1, self.backoff_base_s, self.backoff_max_s, self.rng)
        detail = f"{type(exc).__name__}: {getattr(exc, 'detail', '') or exc}"
        try:
            if own:
                self._record_failed(entry, detail, retry_after)
            else:
                self.store.mark_retry(entry.record_id, detail, 0.0)
        except StoreError:
            log.exception("sync could not requeue %s", entry.record_id)
        self._set_state(state, detail)
        self._publish_counts(force=True)  # the attempt count and "waiting" changed even if the state did not
        log.info("sync %s for %s; next try in %.1f s", detail, entry.record_id, delay)
        return delay

    def _record_failed(self, entry: OutboxEntry, detail: str, retry_after: float | None) -> None:
        streak, delivered_then = self._failing.get(entry.record_id, (0, -1))
        counts = delivered_then < self.delivered  # its first failure, or others got through since
        failures = entry.failures + (1 if counts else 0)
        if failures >= self.max_record_failures:
            self._failing.pop(entry.record_id, None)
            self.store.mark_dead(entry.record_id, f"too_many_failures: {failures} failures of its own; last: {detail}",
                                 failures=failures)
            log.warning("sync: %s %s failed %d times while others went through; kept as a dead letter",
                        entry.kind, entry.record_id, failures)
            return
        self._failing[entry.record_id] = (streak + 1, self.delivered)
        wait = backoff_delay(streak, self.backoff_base_s, self.backoff_max_s, self.rng)
        if retry_after is not None:
            wait = max(wait, retry_after)
        self.store.mark_retry(entry.record_id, detail, time.time() + wait, failures=failures)

    def _dead(self, entry: OutboxEntry, exc: PlatformRejected) -> None:
        reason = exc.reason or f"http_{exc.status}"
        detail = getattr(exc, "detail", "") or ""
        self._failing.pop(entry.record_id, None)
        self.store.mark_dead(entry.record_id, f"{reason}: {detail}" if detail and detail != reason else reason)
        log.warning("sync: platform refused %s %s (%s); kept as a dead letter", entry.kind, entry.record_id, reason)
        self._batch_done += 1
        self._progress()

    def _dead_local(self, entry: OutboxEntry, exc: StoreCorrupt) -> None:
        self._failing.pop(entry.record_id, None)
        try:
            self.store.mark_dead(entry.record_id, f"local_corrupt: {exc.detail}")
        except StoreError:  # the row does not take a write: it waits (and is salvaged at the next start)
            log.exception("sync could not set %s aside", entry.record_id)
            try:
                self.store.mark_retry(entry.record_id, f"local_corrupt: {exc.detail}",
                                      time.time() + self.backoff_max_s)
            except StoreError:
                pass  # it stays in flight: recover() at the next start queues it again
            return
        log.error("sync: record %s does not open (%s); kept as a dead letter", entry.record_id, exc.detail)
        self._batch_done += 1
        self._progress()

    def _housekeep(self) -> None:
        """Online chores while the outbox is empty (e.g. ``OfflineTickets.refill``); failures only logged."""
        for chore in self.housekeeping:
            try:
                chore()
            except Exception as exc:  # a chore must never stop delivery
                log.warning("sync housekeeping %s failed: %s", getattr(chore, "__name__", chore), exc)

    def _purge(self) -> None:
        try:
            purged = self.store.purge()
            self.store.collect_garbage()
            if purged:
                log.info("sync purged the personal data of %d acknowledged records", purged)
        except StoreError:
            log.exception("sync purge failed")

    # --- one record --------------------------------------------------------------------------------
    def _send(self, entry: OutboxEntry) -> None:
        self.store.mark_inflight(entry.record_id)
        record = self.store.load(entry.record_id)
        for attachment in record.attachments:
            self._upload(attachment)
        wire = record.wire()
        expected = content_hash(wire)
        ack = self.transport.post_record(record.kind, record.id, wire)
        if ack.missing_attachments:
            by_hash = {a["sha256"]: a for a in record.attachments}
            for sha in ack.missing_attachments:
                if sha not in by_hash:
                    raise PlatformConflict(f"platform asks for attachment {sha[:12]}… the record does not have",
                                           reason="unknown_attachment", status=409)
                self._upload(by_hash[sha], force_check=True)
            ack = self.transport.post_record(record.kind, record.id, wire)
            if ack.missing_attachments:
                raise PlatformServerFault("platform still misses attachments after upload")
        if ack.record_id != record.id or ack.content_hash != expected:
            raise PlatformUnreachable("the answer names another record or content hash")
        self.store.mark_acked(record.id, {"content_hash": ack.content_hash, "duplicate": ack.duplicate},
                              case_of(ack))
        self._emit(self._ack_listeners, RecordAcknowledged(record.id, record.kind, ack.case_number,
                                                           ack.case_state, ack.promised_on))
        self._failing.pop(record.id, None)
        self.delivered += 1
        self._batch_done += 1
        self._progress()

    def _upload(self, attachment: dict, *, force_check: bool = False) -> None:
        sha, size = attachment["sha256"], int(attachment["size"])
        # One request for a small attachment: its only chunk goes at offset 0 and the answer says what the
        # platform holds. A large one asks first, so an interrupted upload resumes where it stopped.
        received = 0 if size <= self.chunk_bytes else (self.transport.attachment_received(sha) or 0)
        if received >= size and not force_check and size > 0:
            self._batch_bytes_done += size
            self._progress()
            return
        data = self.store.read_blob(attachment["blob"])
        offset = min(received, size)
        resets = 0
        while True:
            chunk = data[offset: offset + self.chunk_bytes]
            held = min(self.transport.put_attachment_chunk(sha, size, offset, chunk), size)
            if held < offset:  # the platform dropped a partial copy (e.g. it failed its hash): start over
                resets += 1
                if resets > 2:
                    raise PlatformServerFault(f"platform keeps dropping attachment {sha[:12]}…")
            elif held == offset and chunk:
                raise PlatformServerFault(f"platform did not take bytes at {offset} of {sha[:12]}…")
            self._batch_bytes_done += max(0, held - offset)
            self._progress()
            offset = held
            if offset >= size:
                return
            if self._stop.is_set():
                raise PlatformUnreachable("stopping; the upload resumes at the next start")
