"""QR / barcode scanners and camera-frame code decoding.

- ``framing``: serial framing (CR / LF / CRLF / inter-byte gap), decoding (UTF-8, then GB18030), length
  bound and control-character stripping; pure.
- ``serial_scanner.SerialScanner``: the pyserial transport on its own owner thread, with reconnect.
- ``decoder``: codes in camera frames (zxing-cpp by default, pyzbar as the alternative) and the threaded
  ``FrameDecoder`` for live preview.
"""

from devices.scanner.serial_scanner import SerialScanner

__all__ = ["SerialScanner"]
