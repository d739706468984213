"""A guard for PySide6 builds that return ``None`` from void methods without a reference to it.

PySide6 6.12 on CPython 3.11 gives back ``None`` from every C++ method returning ``void`` (``setText``,
``setVisible``, ``processEvents``…) without adding the reference the caller then drops: each call takes one
from ``None``'s count, and once the count reaches zero the interpreter aborts ("Fatal Python error:
none_dealloc: deallocating None"). A window that redraws all day, the hall display above all, reaches it
within minutes. CPython 3.12 made ``None`` immortal (PEP 683), so the bindings stopped counting it; on
3.11 this guard does what 3.12 does: when a probe shows the leak, it raises ``None``'s count by 2**40,
more than a process can take away in its life.

Applied once when the ``ui`` package is first imported (ui/__init__.py): every window is exposed, the hall
display first since it redraws all day. It counts only on a release build of CPython, where the count is
the object's first field (a debug build, with ``sys.gettotalrefcount``, is left alone). The lasting fix is a PySide6 built for the
interpreter (or CPython 3.12+); this guard then finds no leak and does nothing.
"""

from __future__ import annotations

import ctypes
import sys

PAD = 1 << 40
_padded = False


def void_call_leaks_none() -> bool:
    """True when calling a void Qt method lowers ``None``'s reference count."""
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(64):
        probe.setObjectName("probe")
    return sys.getrefcount(None) <= before - 32


def guard_none() -> bool:
    """Pads ``None``'s reference count once if this PySide6 leaks it; True when it did."""
    global _padded
    if (_padded or sys.version_info >= (3, 12) or sys.implementation.name != "cpython"
            or hasattr(sys, "gettotalrefcount")):
        return _padded
    if void_call_leaks_none():
        ctypes.c_ssize_t.from_address(id(None)).value += PAD  # ob_refcnt: a PyObject's first field
        _padded = True
    return _padded
