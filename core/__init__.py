"""The core of the hall terminal: what the product does, with no I/O of its own.

- ``domain``: plain dataclasses and enums in the hall's words (ticket, service, identity, matter…);
- ``ports``: the ``typing.Protocol``s the core needs from outside (platform, devices, store, clock);
- ``services``: the use cases (take a number, call next, accept an application, diagnose…);
- ``presenters``: the state and rules of each role's window, as plain Python the Qt windows bind to;
- ``errors``, ``i18n``, ``config``, ``logs``, ``signing``: the error types with their messages, the message
  catalogues, the terminal's configuration, masked logging and request signing.

It imports nothing of this repository but itself; docs/architecture.md draws the floors above it.
"""

__version__ = "0.1.0"
