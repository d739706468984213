"""The roof's one door to the simulators: a configuration (or a diag command) may name a simulated device.

The composition root wires real or simulated adapters, as the configuration says; nothing below the roof
imports ``simulators``. One simulated device is named by a spec string: the demo's document camera,
``synthetic:…`` (``simulators.camera``), whose module registers its source kind when imported. A diag
command that walks a terminal as a hall has it may start a simulated smart locker (``simulated_locker``).
"""

from __future__ import annotations


def enable_simulated_camera(spec: str) -> None:
    """Registers the simulated camera's ``synthetic:`` source kind when ``spec`` names it."""
    if spec.strip().startswith("synthetic:"):
        import simulators.camera  # noqa: F401  (registers the kind with devices.camera.sources)


def simulated_locker(boards: dict[int, int], thread_prefix: str = "locker-sim"):
    """A started smart-locker simulator on loopback (``simulators.locker``): ``.url`` is its pyserial
    ``socket://`` URL for ``[locker] port``; ``.stop()`` ends it."""
    from simulators.locker import LockerSimulator

    return LockerSimulator(boards, thread_prefix=thread_prefix).start()
