"""Input checks shared by every module: each raises ``ValueError`` naming the field, the accepted range
and the value given.

One small set of validators, used at every public boundary:

- :func:`positive_int`, :func:`positive_number`, :func:`fraction` for numbers. Every real number type is
  accepted: Python ``int``/``float``, numpy integers and floats of any width and 0-d arrays (read through
  ``.item()``, without importing numpy), ``fractions.Fraction`` and ``decimal.Decimal``. ``bool`` is not
  a number here (``True`` is almost always a mistake for 1), nor are strings, lists, NaN or infinities.
  An integer too large to be a float is rejected where the result would overflow.
- :func:`choice`, :func:`choices` for names from a list (unhashable values and bare strings where a list
  is expected are rejected, not read letter by letter).
- :func:`flag` for True/False options (``"no"``, ``"False"``, ``1`` are rejected: they would count as true).
- :func:`config` for a model: a :class:`llmcalc.ModelConfig`, or a preset name.
- :func:`checked` for results an input can make overflow.

Nothing here imports anything beyond the standard library (the model class is imported lazily), so
every floor of the package may use it.
"""

from __future__ import annotations

import decimal
import difflib
import fractions
import math
import numbers
from typing import Iterable


def _show(value) -> str:
    """A short repr of a bad value for an error message (a 400-digit integer is not printed whole)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**20:
        return f"an integer of {len(str(abs(value)))} digits"
    text = repr(value)
    return text if len(text) <= 80 else text[:60] + f"… ({len(text)} characters)"


def _scalar(value):
    """A numpy scalar or 0-d array as the Python scalar it holds; anything else unchanged."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        if getattr(value, "shape", ()) == ():
            return value.item()
    return value


def _real(field: str, value, expected: str):
    """``value`` as a Python int (exact) or float, or ValueError. Integral Fractions and Decimals become
    ints, others floats; NaN and infinities are rejected."""
    value = _scalar(value)
    if isinstance(value, bool):
        raise ValueError(f"{field} must be {expected}, got {_show(value)} (a bool, not a number)")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, fractions.Fraction):
        return int(value) if value.denominator == 1 else _float(field, value, expected)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ValueError(f"{field} must be {expected}, got {_show(value)}")
        return int(value) if value == value.to_integral_value() else _float(field, value, expected)
    if isinstance(value, numbers.Real):
        x = _float(field, value, expected)
        if not math.isfinite(x):
            raise ValueError(f"{field} must be {expected}, got {_show(value)}")
        return x
    raise ValueError(f"{field} must be {expected}, got {_show(value)}")


def _float(field: str, value, expected: str) -> float:
    try:
        return float(value)
    except (OverflowError, ValueError, TypeError):
        raise ValueError(f"{field} must be {expected} within the range of a float (about 1.8e308), "
                         f"got {_show(value)}") from None


def positive_int(field: str, value, *, allow_zero: bool = False) -> int:
    """Return ``value`` as an int, or raise if it is not a whole number >= 1 (>= 0 with allow_zero).

    Any real number type is accepted when its value is whole (32.0, numpy.int64(32), Fraction(32, 1))."""
    low = 0 if allow_zero else 1
    expected = f"a whole number >= {low}"
    x = _real(field, value, expected)
    if isinstance(x, float):
        if not x.is_integer():
            raise ValueError(f"{field} must be {expected}, got {_show(value)}")
        x = int(x)
    if x < low:
        raise ValueError(f"{field} must be {expected}, got {_show(value)}")
    if x > 2**53:
        # past 2^53 a count is no longer exact as a float, and every formula downstream multiplies counts
        raise ValueError(f"{field} must be a whole number in [{low}, 2^53], got {_show(value)}")
    return x


def positive_number(field: str, value, *, allow_zero: bool = False):
    """Return ``value`` as an int (kept exact) or a float, or raise if it is not a finite number > 0
    (>= 0 with allow_zero). An int too large to convert to a float is rejected, since every formula
    downstream would overflow."""
    bound = ">= 0" if allow_zero else "> 0"
    expected = f"a finite number {bound}"
    x = _real(field, value, expected)
    if isinstance(x, int):
        _float(field, x, expected)  # overflow check only; the int stays exact
    if x < 0 or (x == 0 and not allow_zero):
        raise ValueError(f"{field} must be {expected}, got {_show(value)}")
    return x


def fraction(field: str, value) -> float:
    """Return ``value`` as a float if it lies in (0, 1] (an MFU, an efficiency), else raise."""
    x = _real(field, value, "a number in (0, 1]")
    if not 0 < x <= 1:
        hint = " (write 40% as 0.4)" if 1 < x <= 100 else ""
        raise ValueError(f"{field} must be in (0, 1], got {_show(value)}{hint}")
    return float(x)


def unit_interval(field: str, value) -> float:
    """Return ``value`` as a float in [0, 1): a share of memory kept free."""
    x = _real(field, value, "a number in [0, 1)")
    if not 0 <= x < 1:
        raise ValueError(f"{field} must be a number in [0, 1), got {_show(value)}")
    return float(x)


def choice(field: str, value, allowed: Iterable):
    """Return the entry of ``allowed`` equal to ``value``, else raise listing them. A bool matches only
    a bool (``True`` is not stage 1), and an unhashable or wrongly typed value is an error, not a crash."""
    allowed = list(allowed)
    value = _scalar(value)
    for a in allowed:
        try:
            same = (value == a) is True and isinstance(value, bool) == isinstance(a, bool)
        except Exception:   # an array, an object with a strange __eq__
            same = False
        if same and (isinstance(a, str) == isinstance(value, str)):
            return a
    raise ValueError(f"{field} must be one of {allowed}, got {_show(value)}")


def choices(field: str, values, allowed: Iterable[str]) -> list:
    """Return ``values`` as a list if it is non-empty, each one of ``allowed``, none repeated; else raise.

    A bare string is rejected (it would be read letter by letter: ``"qv"`` is not ``["q", "v"]``)."""
    allowed = list(allowed)
    if isinstance(values, str):
        raise ValueError(f"{field} must be a list of names from {allowed}, got the string {values!r} "
                         f"(write [{values!r}] for one name)")
    try:
        values = list(values)
    except TypeError:
        raise ValueError(f"{field} must be a list of names from {allowed}, got {values!r}") from None
    if not values:
        raise ValueError(f"{field} must name at least one of {allowed}")
    for x in values:
        choice(field, x, allowed)
    if len(set(values)) != len(values):
        raise ValueError(f"{field} must not repeat an entry, got {values}")
    return values


def flag(field: str, value) -> bool:
    """Return ``value`` if it is True or False (a numpy bool too), else raise: strings such as "no" or
    "False" and numbers such as 1 are rejected rather than read as true."""
    value = _scalar(value)
    if not isinstance(value, bool):
        raise ValueError(f"{field} must be True or False, got {_show(value)}")
    return value


def config(field: str, value):
    """Return a :class:`llmcalc.ModelConfig`: one passes through, a preset name is looked up; anything
    else raises naming the field."""
    from .models import ModelConfig, preset
    if isinstance(value, ModelConfig):
        return value
    if isinstance(value, str):
        try:
            return preset(value)
        except ValueError as e:
            raise ValueError(f"{field}: {e}") from None
    raise ValueError(f"{field} must be a llmcalc.ModelConfig (e.g. llmcalc.preset('llama-3-70b')) or a preset "
                     f"name, got {type(value).__name__} {value!r:.80}")


def unknown_name(kind: str, name, known: Iterable[str]) -> ValueError:
    """Build the error for an unknown preset/chip name, suggesting the closest known names.

    The message is whole sentences: "Unknown chip 'H1000'. Did you mean 'H100' or 'V100'? Known chips:
    A100, B200, …." Close names are matched case-insensitively."""
    known = sorted(known)
    by_lower = {k.lower(): k for k in known}
    close = [by_lower[c] for c in difflib.get_close_matches(str(name).lower(), list(by_lower), n=3, cutoff=0.4)]
    if len(close) > 1:
        hint = f" Did you mean {', '.join(repr(c) for c in close[:-1])} or {close[-1]!r}?"
    elif close:
        hint = f" Did you mean {close[0]!r}?"
    else:
        hint = ""
    return ValueError(f"Unknown {kind} {name!r}.{hint} Known {kind}s: {', '.join(known)}.")


def takes_config(fn):
    """Decorator for a public function whose first argument is a model: it accepts a ModelConfig or a
    preset name (``param_count("llama-3-70b")``) and raises ValueError naming ``cfg`` for anything else."""
    import functools

    @functools.wraps(fn)
    def wrapper(cfg, *args, **kwargs):
        return fn(config("cfg", cfg), *args, **kwargs)

    return wrapper


def _finite_everywhere(value, depth: int = 0) -> bool:
    if depth > 3:
        return True
    value = _scalar(value)
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite_everywhere(x, depth + 1) for x in value.values())
    if isinstance(value, (list, tuple)):
        return all(_finite_everywhere(x, depth + 1) for x in value)
    fields = getattr(value, "__dataclass_fields__", None)
    if fields:
        return all(_finite_everywhere(getattr(value, name), depth + 1) for name in fields)
    return True


def _largest(fn, args, kwargs) -> str:
    """Name the numeric arguments that made a result overflow: the largest in magnitude, e.g.
    "price_per_chip_hour = 1e+308 is"."""
    import inspect
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs).arguments
    except TypeError:
        return "the inputs are"
    sizes = {}
    for name, value in bound.items():
        value = _scalar(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                sizes[name] = abs(float(value))
            except OverflowError:
                sizes[name] = math.inf
    if not sizes:
        return "the inputs are"
    top = max(sizes.values())
    names = [n for n, x in sizes.items() if x == top]
    return " and ".join(f"{n} = {_show(bound[n])}" for n in names) + (" are" if len(names) > 1 else " is")


def checked(fn):
    """Decorator for a public function: a result that overflows (an OverflowError inside, or an inf or
    NaN in what it returns) becomes a ValueError that says the inputs are too large, never a silent
    ``inf``."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            out = fn(*args, **kwargs)
        except OverflowError as e:
            raise ValueError(f"{fn.__name__}: {_largest(fn, args, kwargs)} too large: a result overflows ({e})") from None
        except ZeroDivisionError as e:  # an input the checks let through as zero
            raise ValueError(f"{fn.__name__}: an input makes a division by zero ({e})") from None
        if not _finite_everywhere(out):
            raise ValueError(f"{fn.__name__}: {_largest(fn, args, kwargs)} too large: the result is not finite")
        return out

    return wrapper
