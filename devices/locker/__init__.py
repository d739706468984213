"""The smart locker's lock-control boards (智能柜) on an RS-485 bus (docs/locker.md).

- ``protocol``: the 5-byte frames (build, check, BCC, resynchronisation) and what status bytes mean; pure.
- ``bus.LockerBus``: the pyserial transport on its own owner thread, with bounded waits, retries and
  reconnect (implements ``core.ports.locker.LockerPort``).
"""

from devices.locker.bus import LockerBus
from devices.locker.protocol import Wiring

__all__ = ["LockerBus", "Wiring"]
