"""QR / barcode scanners and camera-frame code decoding.

- ``charsets``: a code's bytes → its text (a declared ECI; else UTF-8; else the likelier of GB18030 and
  Shift-JIS); pure.
- ``framing``: serial framing (CR / LF / CRLF / inter-byte gap), decoding (``charsets``), length
  bound and control-character stripping; pure.
- ``serial_scanner.SerialScanner``: the pyserial transport on its own owner thread, with reconnect.
- ``cascade``, ``backends``, ``enhance``: codes in camera frames (zxing-cpp by default, pyzbar as the
  alternative); ``sequence``: structured-append sequences joined; ``frame_decoder``: the threaded
  ``FrameDecoder`` for live preview.
"""

from devices.scanner.serial_scanner import SerialScanner

__all__ = ["SerialScanner"]
