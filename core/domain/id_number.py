"""The citizen ID number (公民身份号码, GB 11643-1999): 17 digits and a check character.

The check character is ISO 7064 MOD 11-2 over the first 17 digits: weights 2^(17-i) mod 11, and the check
is the value that makes the weighted sum ≡ 1 (mod 11), written X for 10. docs/idcard.md has the layout of
the number (region code, birth date, sequence, check).
"""

from __future__ import annotations

import re

_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID18 = re.compile(r"[0-9]{17}[0-9X]")


def check_digit(first17: str) -> str:
    """The check character of an 18-character ID number, from its first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("the check digit needs exactly 17 digits")
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS))
    return "10X98765432"[total % 11]


def id_number_valid(number: str) -> bool:
    """An 18-character number (17 digits + check) whose check character is right."""
    return bool(_ID18.fullmatch(number)) and check_digit(number[:17]) == number[17]
