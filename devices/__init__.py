"""Device drivers: one package per device class.

Each splits a pure protocol module (bytes in, values out) from a transport (pyserial, USB, TCP, OpenCV:
open, close, timeouts, reconnect) and ships a simulator that speaks the real protocol over a real transport.
No Qt here (checked by the import contract in pyproject.toml).
"""
