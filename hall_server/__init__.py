"""The reference hall server: the central-platform API on SQLite (demo, tests, small halls).

    store = HallStore("hall.db"); store.load_hall(sample_hall())
    secret = store.add_terminal("kiosk-1", "citizen")
    with ServerThread("hall.db", seed=sample_hall()) as server:   # server.url, server.store
        ...

Modules: ``store`` (SQLite, admin), ``issuing`` and ``windows`` (the queue logic), ``ordering`` (who is
called next, pure), ``crypto`` (PINs, ID-number keys, tokens), ``sealing`` (the key file, AES-256-GCM at
rest), ``migrations`` and ``versions`` (private files, the schema's numbered steps, earlier databases,
key rotation), ``auth`` (signed requests, roles),
``strict_json`` (the JSON a body may be), ``submissions`` and ``ticket_blocks`` (outbox sync, offline
ticket blocks), ``cases`` and ``case_records`` (cases opened by synced records, and their checks), ``case_progress`` and
``notify`` (a case moved on after acceptance, the applicant's text messages), ``ratings``, ``rating_records``,
``rating_reviews`` and ``rating_stats`` (好差评: kept once, followed up, appealed, counted and exported),
``admin`` (audited repairs), ``models`` (API bodies), ``api/`` (one router per area),
``app`` (``create_app``), ``runner`` (``ServerThread``, ``serve``), ``__main__`` (``python -m
hall_server``: provisioning, repairs, key rotation).
See docs/hall-server.md.
"""

from hall_server.issuing import IssuingMixin
from hall_server.notify import LogNotifier, Notifier
from hall_server.store import ROLES, StoreBase
from hall_server.submissions import SyncMixin
from hall_server import versions
from hall_server.windows import WindowMixin


class HallStore(IssuingMixin, WindowMixin, SyncMixin, StoreBase):
    """SQLite storage and all queue logic of one hall (thread-safe; one connection per thread). ``notifier``
    sends the applicant's text messages as cases move (notify.py; the server's runner gives it a file)."""

    notifier: Notifier = LogNotifier()
    STEPS = versions.STEPS  # the schema's numbered steps, oldest first


from hall_server.app import create_app  # noqa: E402
from hall_server.runner import ServerThread, sample_hall, serve  # noqa: E402

__all__ = ["ROLES", "HallStore", "ServerThread", "create_app", "sample_hall", "serve"]
