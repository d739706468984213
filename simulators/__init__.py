"""Simulated devices and sample data for the demo, the tests and the benchmarks.

Every simulator speaks its device's real protocol over a real transport (TCP on 127.0.0.1 for pyserial's
``socket://`` URLs, or a pty) and can inject the faults of real hardware. Product code never imports this
package: only the demo's wiring (``kiosk.demo``), the tests and the benchmarks do.

- ``printer``: an ESC/POS printer that answers status requests and keeps what it printed;
- ``idcard`` and ``idcard_cards``: the SAM ID-card reader and its sample cards;
- ``scanner``: a serial QR scanner;
- ``camera_scenes``: rendered sample documents on desks with known corners (the synthetic document camera);
- ``sample_data``: the sample hall and one configuration file per role.
"""
