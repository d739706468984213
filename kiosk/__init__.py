"""The roof of the hall terminal: the ``kiosk`` command and the composition root.

- ``cli``: the ``kiosk`` command (``python -m kiosk``);
- ``app``: builds one terminal from its configuration, choosing the adapter behind every port of the core;
- ``diag``: the technician's ``kiosk diag …`` commands;
- ``demo``: the whole hall on one machine, over the simulators (``kiosk demo``).

The floors below it are drawn in docs/architecture.md.
"""

from core import __version__

__all__ = ["__version__"]
