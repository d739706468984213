"""The windows of every role: the only package that imports PySide6.

Widgets receive services in their constructor and subscribe to their events; they never touch pyserial,
cv2, sqlite3 or requests (checked by the import contract in pyproject.toml).
"""

import sys

# The count is the first field of a CPython object in a release build (a debug build, with
# sys.gettotalrefcount, lays objects out otherwise and is left alone).
if sys.implementation.name == "cpython" and sys.version_info < (3, 12) and not hasattr(sys, "gettotalrefcount"):
    import ctypes

    # PySide6 6.12 on CPython 3.11 drops one reference to None on every call of a method that returns
    # nothing (setText, setEnabled, click…): None starts a Qt process with about 6 000 references, so a few
    # thousand calls later the interpreter aborts ("Fatal Python error: none_dealloc"). CPython 3.12 makes
    # None immortal (PEP 683); on 3.11 its count is raised out of reach instead. None is never freed anyway.
    ctypes.c_ssize_t.from_address(id(None)).value += 1 << 48

