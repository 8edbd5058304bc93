"""Bad input gets a clear error, never a crash or a silent wrong number (one validation layer).

For each public function below, a call with good arguments is the baseline. Then every argument in turn
is replaced by values a student or a tester might pass: the same number as another real type (numpy
integers and floats of any width, a 0-d array, Fraction, Decimal, an integral float), and wrong values
(zero, negative, fractional where a whole number is needed, NaN, infinity, an int past float range, a
bool, a string, a list, a dict, None). The contract asserted for every call:

- it returns, and the result is finite and non-negative (every number in it), or
- it raises ValueError whose message names the argument that was replaced,

and never raises anything else (TypeError, AttributeError, OverflowError, ZeroDivisionError, KeyError).
An equivalent number of another type must give the same result as the baseline. Hypothesis then draws
random combinations of such values for a few functions.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

import llmcalc
import importlib
from llmcalc import memory, planner, sharding, timecost
from llmcalc import _validate as v

check_mod = importlib.import_module("llmcalc.check")  # llmcalc.check is also the function

TINY = llmcalc.ModelConfig(L=4, D=256, F=768, N=8, K=4, H=32, V=1000, mlp="gated", norm="rmsnorm")
L8 = llmcalc.preset("llama-3-8b")

# name -> (function, positional args, keyword args); every argument is replaced in turn below
CASES = {
    "training_seconds": (timecost.training_seconds, (6.3e24, 8960, "TPU v5p", 0.4), {}),
    "training_days": (timecost.training_days, (6.3e24, 8960, "TPU v5p", 0.4), {}),
    "chip_hours": (timecost.chip_hours, (3.8e25, "H100", 0.41), {}),
    "implied_mfu": (timecost.implied_mfu, (3.8e25, 30.84e6, "H100"), {}),
    "mfu_from_throughput": (timecost.mfu_from_throughput, (400e12, "H100"), {}),
    "chips_for_days": (timecost.chips_for_days, (6.3e24, 30, "TPU v5p", 0.4), {}),
    "cost": (timecost.cost, (1000, 2.0), {}),
    "chinchilla_tokens": (timecost.chinchilla_tokens, (70e9,), {"tokens_per_param": 20}),
    "value_bytes": (memory.value_bytes, (1000,), {"dtype": "bf16"}),
    "model_state_bytes": (memory.model_state_bytes, (7.5e9,), {"regime": "mixed", "zero_stage": 1, "dp": 64}),
    "activation_bytes": (memory.activation_bytes, (TINY, 2, 512), {"tp": 2, "sp": True, "pp": 2}),
    "logits_bytes": (memory.logits_bytes, (TINY, 2, 512), {"tp": 2}),
    "checkpoint_bytes": (memory.checkpoint_bytes, (TINY, 4096), {}),
    "min_chips": (memory.min_chips, (21.6e12, "TPU v5p"), {}),
    "fits": (memory.fits, (70e9, "H100"), {"headroom": 0.1}),
    "training_bytes_per_device": (memory.training_bytes_per_device, (TINY, 1, 512),
                                  {"tp": 2, "pp": 2, "zero_stage": 1, "dp": 4}),
    "lora_params": (memory.lora_params, (TINY, 8), {"targets": ["q", "v"]}),
    "all_gather_time": (sharding.all_gather_time, (1e9, 8, 4.5e11), {}),
    "all_reduce_time": (sharding.all_reduce_time, (1e9, 8, 4.5e11), {"exact": True}),
    "all_to_all_time": (sharding.all_to_all_time, (1e9, 8, 4.5e11), {}),
    "point_to_point_time": (sharding.point_to_point_time, (1e9, 4.5e11), {}),
    "collective_bandwidth": (sharding.collective_bandwidth, ("TPU v5p",), {"link": "fast", "axes": 2}),
    "tokens_per_chip": (sharding.tokens_per_chip, (4 * 2**20, 8960), {}),
    "dp_critical_tokens_per_chip": (sharding.dp_critical_tokens_per_chip, ("TPU v5p",), {"axes": 3}),
    "tp_max_degree": (sharding.tp_max_degree, ("TPU v5p", 28672), {"axes": 1}),
    "fsdp_tp_critical_tokens_per_chip": (sharding.fsdp_tp_critical_tokens_per_chip, ("TPU v5p", 28672), {}),
    "fsdp_optimal_degree": (sharding.fsdp_optimal_degree, ("TPU v5p", 8960, 4 * 2**20, 28672), {}),
    "max_data_parallel_degree": (sharding.max_data_parallel_degree, (4 * 2**20, 4096), {}),
    "pipeline_bubble_fraction": (sharding.pipeline_bubble_fraction, (16, 64), {"v": 2}),
    "pipeline_bubble_overhead": (sharding.pipeline_bubble_overhead, (16, 64), {"v": 2}),
    "fsdp_tp_layer_time": (sharding.fsdp_tp_layer_time, (L8, "TPU v5p", 4 * 2**20, 1024, 8), {}),
    "best_fsdp_tp_split": (sharding.best_fsdp_tp_split, (L8, "TPU v5p", 256, 2**20), {}),
    "hybrid_layout": (sharding.hybrid_layout, (8, 4, 4), {"chip": "A100"}),
    "crossover_tokens_per_chip": (sharding.crossover_tokens_per_chip, (L8, "TPU v5p", "FSDP"), {"chips": 256}),
    "planner.layout": (planner.layout, (TINY, "H100", 8, 32 * 512, 512), {"tp": 2, "pp": 2, "zero": 1}),
}

# Values that are the same number as another type: the result must not change.
def _same_number_as(x):
    out = []
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return out
    if isinstance(x, int) or float(x).is_integer():
        i = int(x)
        if abs(i) < 2**62:
            out += [np.int64(i), np.int32(i) if abs(i) < 2**31 else np.int64(i), np.array(i)]
        out += [Fraction(i), Decimal(i), float(i) if abs(i) < 2**53 else None]
    else:
        out += [np.float64(x), np.array(x), Fraction(x), Decimal(repr(x))]
        if abs(x) < 1e38:
            out += [np.float32(x)] if float(np.float32(x)) == x else []
    return [y for y in out if y is not None]


BAD = [0, -1, 1.5, -0.5, float("nan"), float("inf"), 10**400, True, "8", [8], {"x": 8}, None, 1e308]


def _numbers_in(result):
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        yield result
    elif isinstance(result, dict):
        for x in result.values():
            yield from _numbers_in(x)
    elif hasattr(result, "__dataclass_fields__"):
        for name in result.__dataclass_fields__:
            yield from _numbers_in(getattr(result, name))
    elif isinstance(result, (list, tuple)):
        for x in result:
            yield from _numbers_in(x)


def _assert_sane(result):
    for x in _numbers_in(result):
        assert x >= 0 and (isinstance(x, int) or math.isfinite(x)), result   # ints are exact, floats finite


def _call(fn, args, kwargs):
    return fn(*args, **kwargs)


def _variants(args, kwargs):
    """(label, args, kwargs, replaced value, equivalent?) for every argument and every replacement."""
    for i, a in enumerate(args):
        for b in _same_number_as(a):
            yield f"arg{i}", args[:i] + (b,) + args[i + 1:], kwargs, b, True
        for b in BAD:
            yield f"arg{i}", args[:i] + (b,) + args[i + 1:], kwargs, b, False
    for k, a in kwargs.items():
        for b in _same_number_as(a):
            yield k, args, {**kwargs, k: b}, b, True
        for b in BAD:
            yield k, args, {**kwargs, k: b}, b, False


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_argument_rejected_clearly_or_accepted_sanely(name):
    fn, args, kwargs = CASES[name]
    base = _call(fn, args, kwargs)
    _assert_sane(base)
    problems = []
    for label, a, kw, value, equivalent in _variants(args, kwargs):
        try:
            got = _call(fn, a, kw)
        except ValueError as e:
            if equivalent:
                problems.append(f"{label}={value!r} (same number as the baseline) rejected: {e}")
            continue
        except Exception as e:  # noqa: BLE001 - the point of the test
            problems.append(f"{label}={value!r}: {type(e).__name__}: {e}")
            continue
        try:
            _assert_sane(got)
        except AssertionError:
            problems.append(f"{label}={value!r}: non-finite or negative result {got!r}")
            continue
        if equivalent and repr(got) != repr(base) and not _close(got, base):
            problems.append(f"{label}={value!r}: result changed from {base!r} to {got!r}")
    assert not problems, "\n".join(problems)


def _close(a, b):
    xa, xb = list(_numbers_in(a)), list(_numbers_in(b))
    return len(xa) == len(xb) and all(math.isclose(x, y, rel_tol=1e-6) for x, y in zip(xa, xb))


# ----- the validators themselves --------------------------------------------------------------------

@pytest.mark.parametrize("value", [8, 8.0, np.int8(8), np.uint16(8), np.int64(8), np.float16(8), np.float32(8),
                                   np.array(8), Fraction(16, 2), Decimal("8.0")])
def test_positive_int_accepts_every_real_type_of_a_whole_number(value):
    got = v.positive_int("n", value)
    assert got == 8 and type(got) is int


@pytest.mark.parametrize("value, pattern", [
    (True, r"n must be a whole number >= 1, got True \(a bool"), (8.5, r"n must be a whole number >= 1, got 8.5"),
    ("8", r"n must be a whole number >= 1, got '8'"), ([8], r"got \[8\]"), (float("nan"), "got nan"),
    (np.float64("inf"), "got inf"), (Decimal("NaN"), "NaN"), (0, "got 0"), (np.array([8]), "got array"),
])
def test_positive_int_rejects_with_the_field_and_the_value(value, pattern):
    with pytest.raises(ValueError, match=pattern):
        v.positive_int("n", value)


def test_positive_number_refuses_ints_past_float_range_but_keeps_exact_ints():
    assert v.positive_number("x", 10**300) == 10**300 and type(v.positive_number("x", 10**300)) is int
    with pytest.raises(ValueError, match="x must be a finite number > 0 within the range of a float"):
        v.positive_number("x", 10**400)
    assert v.positive_number("x", Fraction(1, 4)) == 0.25


def test_flag_rejects_strings_and_numbers_that_would_read_as_true():
    assert v.flag("sp", True) is True and v.flag("sp", np.bool_(False)) is False
    for bad in ("no", "False", 1, 0, None):
        with pytest.raises(ValueError, match=r"sp must be True or False"):
            v.flag("sp", bad)


def test_choices_refuses_a_bare_string():
    with pytest.raises(ValueError, match=r"targets must be a list of names .* got the string 'qv'"):
        v.choices("targets", "qv", ["q", "k", "v", "o"])


def test_choice_never_crashes_on_unhashable_or_mistyped_values():
    for bad in (["mixed"], {"a": 1}, True, 1.5, None):
        with pytest.raises(ValueError, match=r"regime must be one of"):
            v.choice("regime", bad, ["mixed", "bf16"])
    assert v.choice("zero", np.int64(1), [0, 1, 2, 3]) == 1
    with pytest.raises(ValueError, match="zero must be one of"):
        v.choice("zero", True, [0, 1, 2, 3])


def test_a_preset_name_works_wherever_a_model_does():
    assert memory.activation_bytes("llama-3-8b", 1, 4096) == memory.activation_bytes(L8, 1, 4096)
    assert planner.layout("llama-3.1-405b", "H100", 16384, 16 * 2**20, 8192, tp=8, pp=16)["mfu"] == \
        planner.layout(llmcalc.preset("llama-3.1-405b"), "H100", 16384, 16 * 2**20, 8192, tp=8, pp=16)["mfu"]
    with pytest.raises(ValueError, match=r"cfg must be a llmcalc.ModelConfig .* or a preset name, got dict"):
        memory.activation_bytes({"num_hidden_layers": 32}, 1, 4096)
    with pytest.raises(ValueError, match=r"Unknown preset 'llama-3-9b'"):
        memory.activation_bytes("llama-3-9b", 1, 4096)


def test_unhashable_chip_and_key_are_errors_not_crashes():
    with pytest.raises(ValueError, match="chip"):
        llmcalc.chip(["H100"])
    with pytest.raises(ValueError, match="key"):
        check_mod.is_right(["405b.params"], 405e9)


@pytest.mark.parametrize("answer", [np.float32(405.85e9), np.int64(405_853_388_800), np.array(405.85e9),
                                    Fraction(405_853_388_800), Decimal("405853388800")])
def test_check_accepts_every_real_number_type(answer):
    assert check_mod.is_right("405b.params", answer)


# ----- hypothesis: random combinations ------------------------------------------------------------

numbers = st.one_of(st.integers(-10, 10**6), st.floats(allow_nan=True, allow_infinity=True, width=64),
                    st.fractions(max_denominator=8), st.booleans(), st.none(), st.text(max_size=3))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flops=numbers, chips=numbers, mfu=numbers)
def test_training_days_returns_sane_or_raises_valueerror(flops, chips, mfu):
    try:
        got = timecost.training_days(flops, chips, "H100", mfu)
    except ValueError:
        return
    assert isinstance(got, float) and math.isfinite(got) and got > 0


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p=numbers, m=numbers, vv=numbers)
def test_bubble_fraction_is_a_fraction_or_raises_valueerror(p, m, vv):
    try:
        got = sharding.pipeline_bubble_fraction(p, m, vv)
    except ValueError:
        return
    assert 0 <= got <= 1   # (p − 1)/(m + p − 1) < 1 exactly; a float can round it to 1.0 for p near 2^54


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tp=st.one_of(st.sampled_from([1, 2, 4, 8, 8.0, np.int64(2)]), numbers),
       zero=st.one_of(st.sampled_from([0, 1, 2, 3, np.int64(1)]), numbers),
       sp=st.one_of(st.booleans(), numbers), recompute=st.one_of(st.sampled_from(["none", "full"]), numbers))
def test_planner_layout_returns_a_row_or_raises_valueerror(tp, zero, sp, recompute):
    try:
        row = planner.layout(TINY, "H100", 8, 32 * 512, 512, tp=tp, zero=zero, sp=sp, recompute=recompute)
    except ValueError:
        return
    assert math.isfinite(row["step_s"]) and 0 < row["mfu"] <= 1
