"""The floors of docs/architecture.md hold: a wrong import arrow fails the suite.

The contracts are in pyproject.toml ([tool.importlinter]): one ``layers`` contract for the floors (the roof
``kiosk``; then ``ui``, ``hall_server`` and ``simulators``, which never import one another; then the adapters
``devices``, ``offline_cache`` and ``platform_client``, likewise independent; then ``core``), plus the
``forbidden`` rules a layers contract cannot say. No contract allows indirect imports. The rules about the
demo's own windows are checked here with the same import graph.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "devices", "offline_cache", "platform_client", "ui", "hall_server", "simulators", "kiosk")


def test_import_contracts_hold():
    lint_imports = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    result = subprocess.run([lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and "KEPT" in result.stdout


def test_no_contract_lets_indirect_imports_through():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "allow_indirect_imports" not in text


def _graph():
    sys.path.insert(0, str(ROOT))
    try:
        return grimp.build_graph(*PACKAGES, cache_dir=None)
    finally:
        sys.path.remove(str(ROOT))


def test_product_windows_never_import_the_demo_or_the_simulators():
    """Only the roof's demo wiring (kiosk.demo) opens the demo's windows (ui.demo) and the simulators."""
    graph = _graph()
    demo_modules = {"ui.demo"} | graph.find_descendants("ui.demo")
    sim_modules = {"simulators"} | graph.find_descendants("simulators")
    offenders = []
    for target in demo_modules | sim_modules:
        for importer in graph.find_modules_that_directly_import(target):
            if importer in demo_modules or importer in sim_modules:
                continue
            if importer in ("kiosk.demo", "kiosk.simulated"):
                continue
            offenders.append(f"{importer} -> {target}")
    assert not offenders, "product code imports demo material: " + ", ".join(sorted(offenders))


def test_there_are_no_import_cycles_between_modules():
    """A cycle (a imports b, b imports a, directly or through others) makes the floors meaningless inside a
    package; none is allowed anywhere in the product, counting imports inside functions too."""
    graph = _graph()
    modules = sorted(m for m in graph.modules if m.split(".")[0] in PACKAGES)
    cycles = []
    for module in modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.split(".")[0] not in PACKAGES or imported == module:
                continue
            # a package importing its own submodule (its __init__ re-exporting) is not a cycle of meaning
            if imported.startswith(module + ".") or module.startswith(imported + "."):
                continue
            if graph.find_shortest_chain(importer=imported, imported=module):
                cycles.append(f"{module} <-> {imported}")
    assert not cycles, "import cycles: " + ", ".join(sorted(set(cycles)))
