"""The windows of every role: the only package that imports PySide6.

Widgets receive services in their constructor and subscribe to their events; they never touch pyserial,
cv2, sqlite3 or requests (checked by the import contract in pyproject.toml).
"""

from ui.none_guard import guard_none

# PySide6 6.12 on CPython 3.11 drops one reference to None on every call of a method that returns nothing
# (setText, setEnabled, click…): a few thousand calls into a window's life the interpreter would abort
# ("Fatal Python error: none_dealloc"). Every window is exposed, so the guard runs when ui is first imported
# (ui/none_guard.py; tests/test_ui_none_refcount.py shows the abort it prevents).
guard_none()
