"""The windows of every role: the only package that imports PySide6.

Widgets receive services in their constructor and subscribe to their events; they never touch pyserial,
cv2, sqlite3 or requests (checked by the import contract in pyproject.toml).
"""
