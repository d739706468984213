"""The resident ID-card reader (SAM module serial protocol): driver and photo decoder.

- ``protocol``: frames, the streaming splitter, status codes (pure);
- ``text``: the 256-byte text block of the four card types → ``core.domain.Identity`` (pure);
- ``photo``: the vendor WLT decoder library, loaded with ctypes (optional);
- ``reader``: ``IdCardReader`` over any pyserial URL, on its own owner thread (implements
  ``core.ports.idcard.IdCardReaderPort``);
- the reader's simulator and sample cards live in ``simulators.idcard`` (``python -m simulators.idcard``
  runs one on 127.0.0.1 for technicians and the demo).

See docs/idcard.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devices.idcard.reader import IdCardReader


def open_reader(url: str, *, baudrate: int = 115200, photo_decoder: str | None = None,
                **options: Any) -> IdCardReader:
    """The reader the composition root wires in: ``url`` and ``baudrate`` from ``[devices]``
    (``idcard_reader``, ``idcard_baudrate``), ``photo_decoder`` the path of a vendor WLT library or None
    (photos unavailable). Not started: set the callbacks, then ``start()``."""
    from devices.idcard.photo import load_decoder
    from devices.idcard.reader import IdCardReader

    return IdCardReader(url, baudrate=baudrate, photo_decoder=load_decoder(photo_decoder), **options)
