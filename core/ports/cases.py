"""The clerk's side of cases on the platform, as a port (platform_client/cases.py ``CasesClient``)."""

from __future__ import annotations

from typing import Protocol

from core.domain import ClerkSession
from core.domain.appointments import PreApplication


class PreApplicationSource(Protocol):
    def pre_application(self, session: ClerkSession, code: str) -> PreApplication:
        """The 自助申报 behind a slip, by its case number or the kiosk's record id. ``PlatformRejected``
        ``not_found`` for a code nobody issued or a record the kiosk has not synced yet;
        ``PlatformUnreachable`` offline. Blocking (HTTP)."""
        ...
