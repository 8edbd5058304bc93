"""Input checks shared by every module: each raises ``ValueError`` naming the field and the range.

Nothing here imports anything beyond the standard library, so every floor of the package may use it.
"""

from __future__ import annotations

import difflib
import math
from typing import Iterable


def positive_int(field: str, value, *, allow_zero: bool = False) -> int:
    """Return ``value`` as an int, or raise if it is not a whole number >= 1 (>= 0 with allow_zero)."""
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ValueError(f"{field} must be a whole number >= {low}, got {value!r}")
    if value < low:
        raise ValueError(f"{field} must be a whole number >= {low}, got {value!r}")
    return value


def positive_number(field: str, value, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float, or raise if it is not a finite number > 0 (>= 0 with allow_zero)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{field} must be a number > 0, got {value!r}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{field} must be a finite number {bound}, got {value!r}")
    return value


def fraction(field: str, value) -> float:
    """Return ``value`` if it lies in (0, 1] (an MFU, an efficiency), else raise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{field} must be a number in (0, 1], got {value!r}")
    if not 0 < value <= 1:
        hint = " (write 40% as 0.4)" if 1 < value <= 100 else ""
        raise ValueError(f"{field} must be in (0, 1], got {value!r}{hint}")
    return float(value)


def choice(field: str, value, allowed: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise listing them."""
    allowed = list(allowed)
    if value not in allowed:
        raise ValueError(f"{field} must be one of {allowed}, got {value!r}")
    return value


def choices(field: str, values, allowed: Iterable[str]) -> list:
    """Return ``values`` as a list if it is non-empty, each one of ``allowed``, none repeated; else raise."""
    values, allowed = list(values), list(allowed)
    if not values:
        raise ValueError(f"{field} must name at least one of {allowed}")
    for x in values:
        choice(field, x, allowed)
    if len(set(values)) != len(values):
        raise ValueError(f"{field} must not repeat an entry, got {values}")
    return values


def unknown_name(kind: str, name, known: Iterable[str]) -> ValueError:
    """Build the error for an unknown preset/chip name, suggesting the closest known names.

    Whole sentences: "Unknown chip 'H1000'. Did you mean 'H100'? Known chips: A100, B200, …."
    """
    known = sorted(known)
    by_lower = {k.lower(): k for k in known}
    close = [by_lower[c] for c in difflib.get_close_matches(str(name).lower(), list(by_lower), n=3, cutoff=0.4)]
    options = [repr(c) for c in close]
    if len(options) > 1:
        options = [", ".join(options[:-1]) + " or " + options[-1]]
    hint = f" Did you mean {options[0]}?" if options else ""
    return ValueError(f"Unknown {kind} {name!r}.{hint} Known {kind}s: {', '.join(known)}.")
