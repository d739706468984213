"""HTTP client of the central-platform API (requests): signing, timeouts, error translation.

``PlatformClient(base_url, terminal_id, secret, timeout_s=5.0, tls=Tls(ca_file, client_cert, client_key))``
implements ``core.ports.QueuePlatform``; ``transport.py`` is the HTTP session it shares with ``sync.py`` (TLS, the
repeat of a request an idle close raced);
``client.py`` holds the transport and error translation; the strict reading of answers into domain objects is ``core.wire``, shared with the offline store.
"""

from platform_client.client import PlatformClient

__all__ = ["PlatformClient"]
