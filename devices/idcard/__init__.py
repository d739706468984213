"""The resident ID-card reader (SAM module serial protocol): driver, photo decoder and simulator.

- ``protocol``: frames, the streaming splitter, status codes (pure);
- ``text``: the 256-byte text block of the four card types → ``kiosk.domain.Identity`` (pure);
- ``photo``: the vendor WLT decoder library, loaded with ctypes (optional);
- ``reader``: ``IdCardReader`` over any pyserial URL, on its own owner thread (implements
  ``kiosk.ports.idcard.IdCardReaderPort``);
- ``cards`` and ``simulator``: sample cards and a reader simulator on 127.0.0.1 (``socket://``), with
  fault injection; ``python -m devices.idcard.simulator`` runs one for technicians and the demo.

See docs/idcard.md.
"""
