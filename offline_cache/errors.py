"""Errors of the local store. They are ``KioskError``s with message keys in core/i18n/sync.*.json.

core/errors.py has no type for "the terminal's own disk": these extend ``KioskError`` so callers that
catch the product's errors catch them too.
"""

from __future__ import annotations

from core.errors import KioskError


class StoreError(KioskError):
    """The local store could not do what was asked."""

    key = "sync.error.store"


class StoreFull(StoreError):
    """Not enough free disk for what is about to be written (checked before, and SQLITE_FULL/ENOSPC
    translated). Nothing was written; the store is unchanged and consistent."""

    key = "sync.error.store_full"


class StoreCorrupt(StoreError):
    """A sealed value or blob does not open (damaged file, or a different key)."""

    key = "sync.error.store_corrupt"


class UnknownRecord(StoreError):
    key = "sync.error.unknown_record"
