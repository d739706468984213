"""Hall terminal: citizen kiosk, clerk window, hall display and device diagnostics.

The package map is in docs/architecture.md. This package holds the core (domain, ports, services),
the platform client, the reference hall server and the composition root (app.py, cli.py).
"""

__version__ = "0.1.0"
