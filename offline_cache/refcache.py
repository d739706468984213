"""Reference data (the hall's services and windows; later the matter catalogue and forms), cached with
ETag / If-None-Match and served stale, with its age, when the platform cannot be reached.

    cache = ReferenceCache(store, client)
    doc = cache.get("hall")          # Reference(body, fetched_at, age_s, stale)

- Online: ``GET /v1/sync/reference/<name>`` with ``If-None-Match: <etag>``; 304 only refreshes
  ``fetched_at`` (nothing travels), 200 replaces the copy.
- Offline (``PlatformError``): the cached copy with ``stale=True`` and its age, so the screen can say
  "data from 2 h ago"; with nothing cached the error passes through.
Reference data holds no personal data; it is stored as plain JSON.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from core.errors import PlatformError
from offline_cache.store import Store

KNOWN = ("hall",)


@dataclass(frozen=True)
class Reference:
    body: Any
    fetched_at: float
    age_s: float
    stale: bool


class ReferenceCache:
    def __init__(self, store: Store, client) -> None:
        """``client`` has ``get_reference(path, etag) -> (status, body, etag)``
        (platform_client.sync.SyncClient)."""
        self.store = store
        self.client = client

    def get(self, name: str) -> Reference:
        cached = self.store.ref_get(name)
        try:
            status, body, etag = self.client.get_reference(f"/v1/sync/reference/{name}", cached[1] if cached else "")
        except PlatformError:
            if cached is None:
                raise
            body, _etag, fetched = cached
            return Reference(body, fetched, max(0.0, self.store.clock() - fetched), True)
        if status == 304 and cached is not None:
            self.store.ref_touch(name)
            body = cached[0]
        else:
            self.store.ref_put(name, body, etag)
        return Reference(body, self.store.clock(), 0.0, False)

    def cached(self, name: str) -> Reference | None:
        """The copy on disk without asking the platform."""
        cached = self.store.ref_get(name)
        if cached is None:
            return None
        return Reference(cached[0], cached[2], max(0.0, time.time() - cached[2]), True)
