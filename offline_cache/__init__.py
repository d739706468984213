"""The durable local store (SQLite outbox, reference-data cache, ticket-number blocks, encrypted blobs)
and the sync engine. No Qt here. See docs/sync.md.

    store = Store(data_dir)                         # WAL + synchronous=FULL, key file 0600
    rid = store.enqueue("submission", content, [AttachmentIn(jpeg)])   # durable before "done"
    engine = SyncEngine(store, SyncClient(url, terminal_id, secret), on_state=…, on_progress=…).start()
"""

from offline_cache.crypto import CIPHERS, KeyRing
from offline_cache.errors import StoreCorrupt, StoreError, StoreFull, UnknownRecord
from offline_cache.store import OutboxEntry, Record, Store

__all__ = ["CIPHERS", "KeyRing", "OutboxEntry", "Record", "Store", "StoreCorrupt", "StoreError", "StoreFull",
           "UnknownRecord"]
