"""HTTP client of the central-platform API (requests): signing, timeouts, error translation.

``PlatformClient(base_url, terminal_id, secret, timeout_s=5.0)`` implements ``kiosk.ports.QueuePlatform``;
``client.py`` holds the transport and error translation, ``parse.py`` the strict reading of answers.
"""

from kiosk.platform_client.client import PlatformClient

__all__ = ["PlatformClient"]
