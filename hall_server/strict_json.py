"""The JSON the hall server accepts: RFC 8259 only, and nothing a store could choke on.

``check(body)`` refuses (400 ``invalid_request``) what Python's ``json`` would otherwise let through and
what would only fail later, deep in a route, as a 500: the non-standard constants ``NaN``, ``Infinity``
and ``-Infinity``; numbers that overflow a double (``1e999`` parses as infinity); integers beyond 64 bits
(SQLite stores at most those); lone UTF-16 surrogates sent as escapes (``"\\ud800"``: not a character,
so no UTF-8 text, and no database, can hold it); nesting deeper than ``MAX_DEPTH``. The auth middleware
runs it on every signed request body before FastAPI parses the body.
"""

from __future__ import annotations

import json
import math
import re

from hall_server.problems import HallError

MAX_DEPTH = 32
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")
# How a surrogate can get into a UTF-8 body: as an escape, or raw (json.loads decodes bytes with
# "surrogatepass"). A body with neither, and with fewer brackets than MAX_DEPTH, needs no walk.
_SURROGATE_IN_UTF8 = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")


def _refuse(message: str) -> HallError:
    return HallError("invalid_request", f"body: {message}")


def _constant(name: str) -> float:
    raise _refuse(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _refuse(f"{text[:20]} is out of range")
    return value


def _int(text: str) -> int:
    if len(text) > 20:
        raise _refuse("a whole number is out of range")
    value = int(text)
    if not INT_MIN <= value <= INT_MAX:
        raise _refuse("a whole number is out of range")
    return value


def check(body: bytes) -> None:
    """Raises HallError(invalid_request) unless ``body`` is strict JSON as described above."""
    parse(body)


def parse(body: bytes):
    """``body``'s value if it is strict JSON as described above, else HallError(invalid_request)."""
    try:
        value = json.loads(body, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except HallError:
        raise
    except (ValueError, RecursionError):
        raise _refuse("not JSON") from None
    if isinstance(body, bytes) and json.detect_encoding(body) == "utf-8" and not _SURROGATE_IN_UTF8.search(body) \
            and body.count(b"[") + body.count(b"{") <= MAX_DEPTH:
        return value  # no string can hold a surrogate and nothing can nest deeper (bench/heartbeats.py)
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _refuse(f"nested deeper than {MAX_DEPTH}")
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise _refuse("a string holds a lone surrogate (not a character)")
        elif isinstance(item, dict):
            stack.extend((k, depth + 1) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return value
