"""Product code stays small enough to read: no module over 500 lines, no function over 80.

Measured with ``ast`` over every package of the product (tests, benchmarks and scripts are not product
code): a module's length is its line count, a function's is its body from the first statement of the body
(the docstring included) to its last line; a nested function counts within its parent too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "devices", "offline_cache", "platform_client", "ui", "kiosk", "hall_server", "simulators")
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80
# A module or function may stand over the limits only while a change that brings it back is under way:
# "path" or "path:Function" here, and the last test below demands the entry goes once it is back under.
BEING_REWORKED: set[str] = set()


def product_modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def function_lengths(tree: ast.Module) -> dict[str, int]:
    """Qualified name (Class.method, outer.inner) → body length in lines."""
    lengths: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                lengths[name] = child.end_lineno - child.body[0].lineno + 1
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return lengths


def oversized() -> dict[str, int]:
    """Every module and function over its limit, as "path" or "path:qualified.name" → lines."""
    found: dict[str, int] = {}
    for path in product_modules():
        where = str(path.relative_to(ROOT))
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            found[where] = lines
        for name, length in function_lengths(ast.parse(text, filename=where)).items():
            if length > MAX_FUNCTION_LINES:
                found[f"{where}:{name}"] = length
    return found


def test_no_module_or_function_is_over_its_limit():
    """GIVEN every module of the product
    THEN none is over 500 lines and no function body over 80 lines (except the files being reworked)."""
    assert len(product_modules()) > 150, "the scan found too few modules: the package list is wrong"
    over = {where: n for where, n in oversized().items() if where not in BEING_REWORKED}
    assert over == {}


def test_every_exemption_is_still_needed():
    """An exemption goes as soon as its module or function is back under the limit."""
    assert sorted(BEING_REWORKED - set(oversized())) == []


def test_lengths_are_measured_as_documented():
    tree = ast.parse(
        "class A:\n"
        "    def f(self):\n"
        "        '''doc'''\n"
        "        def g():\n"
        "            return 1\n"
        "        return g\n"
        "async def h():\n"
        "    pass\n")
    assert function_lengths(tree) == {"A.f": 4, "A.f.g": 1, "h": 1}
