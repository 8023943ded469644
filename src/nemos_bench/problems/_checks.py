"""Small validators shared by the spec modules: each error names the field and the bad value."""

from __future__ import annotations

import math
import numbers

__all__ = ["check_nonneg_float", "check_positive_int", "is_int", "is_real"]


def is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_positive_int(name: str, value) -> int:
    if not is_int(value) or value <= 0:
        raise ValueError(f"`{name}` must be a positive integer, got {value!r}.")
    return int(value)


def is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def check_nonneg_float(name: str, value) -> float:
    if not is_real(value) or value < 0:
        raise ValueError(f"`{name}` must be a finite, non-negative number, got {value!r}.")
    return float(value)
