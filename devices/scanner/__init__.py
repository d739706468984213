"""QR / barcode scanners and camera-frame code decoding.

- ``framing``: serial framing (CR / LF / CRLF / inter-byte gap), decoding (UTF-8, then GB18030), length
  bound and control-character stripping; pure.
- ``serial_scanner.SerialScanner``: the pyserial transport on its own owner thread, with reconnect.
- ``simulator.ScannerSimulator``: a scanner over TCP on 127.0.0.1 for ``socket://`` URLs, with faults.
- ``wedge.BurstRecogniser``: tells a keyboard-wedge scanner's burst of keys from a person typing (pure;
  ``ui/wedge.py`` is the Qt event filter around it).
- ``decoder``: codes in camera frames (zxing-cpp by default, pyzbar as the alternative) and the threaded
  ``FrameDecoder`` for live preview.
"""

from devices.scanner.serial_scanner import SerialScanner
from devices.scanner.simulator import ScannerSimulator

__all__ = ["ScannerSimulator", "SerialScanner"]
