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

import inspect
import math
import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

import llmcalc
import importlib
from llmcalc import flops, memory, params, peak_memory, planner, sharding, timecost
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
    # the sources' closed forms validate like the rest
    "article_closed_form_forward_flops": (flops.article_closed_form_forward_flops, (4, 32768, 8192, 80, 152064, 29568), {}),
    "megatron_training_flops": (flops.megatron_training_flops, (3072, 2048, 128, 25600, 51200), {"recompute": True}),
    "course_slide_bytes": (memory.course_slide_bytes, (L8, 2, 8, 2048), {}),
    "param_count": (params.param_count, (TINY,), {}),
    "forward_flops": (flops.forward_flops, (TINY, 2, 512), {"causal": True}),
    "training_flops": (flops.training_flops, (TINY, 2, 512), {"recompute": "full"}),
    "training_flops_6p": (flops.training_flops_6p, (TINY, 1e12), {}),
    "peak_training_bytes": (peak_memory.peak_training_bytes, (TINY, 1, 256), {"regime": "bf16"}),
    "rank_peak_bytes": (llmcalc.rank_peak_bytes, (TINY, 1, 256), {"dp_shard": 8, "tp": 2}),
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
    if type(result).__module__ == "numpy" or isinstance(result, (Decimal, Fraction)):
        yield result          # a number of a foreign type: _close rejects it
    elif isinstance(result, (int, float)) and not isinstance(result, bool):
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
    params = list(inspect.signature(fn).parameters)
    base = _call(fn, args, kwargs)
    _assert_sane(base)
    problems = []
    for label, a, kw, value, equivalent in _variants(args, kwargs):
        field = params[int(label[3:])] if label.startswith("arg") else label
        try:
            got = _call(fn, a, kw)
        except ValueError as e:
            if equivalent:
                problems.append(f"{label}={value!r} (same number as the baseline) rejected: {e}")
            elif field not in str(e):
                problems.append(f"{field}={value!r}: the error does not name {field}: {e}")
            continue
        except Exception as e:  # noqa: BLE001 - the point of the test
            problems.append(f"{label}={value!r}: {type(e).__name__}: {e}")
            continue
        try:
            _assert_sane(got)
        except AssertionError:
            problems.append(f"{label}={value!r}: non-finite or negative result {got!r}")
            continue
        if equivalent and not _close(got, base):
            problems.append(f"{label}={value!r}: result changed from {base!r} to {got!r}")
    assert not problems, "\n".join(problems)


def _close(a, b):
    """Same numbers, each a plain Python int or float (never a numpy scalar, Decimal or Fraction leaking out;
    an integral input may turn a float result into an exact int)."""
    xa, xb = list(_numbers_in(a)), list(_numbers_in(b))
    return (len(xa) == len(xb) and all(type(x) in (int, float) and type(y) in (int, float)
                                       and math.isclose(x, y, rel_tol=1e-6) for x, y in zip(xa, xb)))


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


# ----- ModelConfig and from_hf keep what they validated --------------------------------------------

def test_model_config_stores_validated_values():
    cfg = llmcalc.ModelConfig(L=32.0, D=np.int64(4096), F=Fraction(11008), N=32, V=32000)
    assert (cfg.L, cfg.D, cfg.F) == (32, 4096, 11008) and all(type(x) is int for x in (cfg.L, cfg.D, cfg.F))
    assert type(llmcalc.param_count(cfg)) is int
    for bad, pattern in ((dict(tied_embeddings="no"), "tied_embeddings must be True or False, got 'no'"),
                         (dict(qkv_bias="False"), "qkv_bias must be True or False"),
                         (dict(E=8, k=2, dense_layers=1.5), "dense_layers must be a whole number >= 0, got 1.5"),
                         (dict(L=32.5), "L must be a whole number >= 1, got 32.5")):
        kw = dict(L=32, D=4096, F=11008, N=32, V=32000) | bad
        with pytest.raises(ValueError, match=pattern):
            llmcalc.ModelConfig(**kw)


LLAMA3_70B_HF = {"model_type": "llama", "hidden_size": 8192, "intermediate_size": 28672, "num_hidden_layers": 80,
                 "num_attention_heads": 64, "num_key_value_heads": 8, "vocab_size": 128256,
                 "tie_word_embeddings": False}


@pytest.mark.parametrize("key, value, pattern", [
    ("num_hidden_layers", 80.7, r"config field 'num_hidden_layers' must be a whole number >= 1, got 80.7"),
    ("tie_word_embeddings", "false", r"'tie_word_embeddings' must be true or false .* got 'false'"),
    ("hidden_size", float("inf"), r"'hidden_size' must be a whole number >= 1, got inf"),
    ("intermediate_size", [28672], r"'intermediate_size' must be a whole number >= 1"),
    ("num_key_value_heads", "8", r"'num_key_value_heads' must be a whole number >= 1, got '8'"),
])
def test_from_hf_names_the_key_of_every_bad_field(key, value, pattern):
    with pytest.raises(ValueError, match=pattern):
        llmcalc.ModelConfig.from_hf({**LLAMA3_70B_HF, key: value})
    # the same config with the right value is LLaMA 3-70B (docs/references.md: 70,553,706,496 by transformers)
    assert llmcalc.param_count(llmcalc.ModelConfig.from_hf(LLAMA3_70B_HF)) == 70_553_706_496


def test_from_hf_refuses_impossible_moe_and_gpt2_fields():
    qwen = {"model_type": "qwen2_moe", "hidden_size": 3584, "intermediate_size": 18944, "num_hidden_layers": 28,
            "num_attention_heads": 28, "num_key_value_heads": 4, "vocab_size": 151936, "num_experts": 64,
            "num_experts_per_tok": 8, "moe_intermediate_size": 2560, "shared_expert_intermediate_size": 20480}
    llmcalc.ModelConfig.from_hf(qwen)
    for key, value, pattern in (("decoder_sparse_step", 0, "'decoder_sparse_step' must be a whole number >= 1"),
                                ("decoder_sparse_step", -1, "'decoder_sparse_step' must be a whole number >= 1"),
                                ("mlp_only_layers", [99], r"'mlp_only_layers' lists layer 99, outside \[0, .* 27\]")):
        with pytest.raises(ValueError, match=pattern):
            llmcalc.ModelConfig.from_hf({**qwen, key: value})
    gpt2 = {"model_type": "gpt2", "n_embd": 768, "n_layer": 12, "n_head": 12, "vocab_size": 50257, "n_inner": 0}
    with pytest.raises(ValueError, match="'n_inner' must be a whole number >= 1, got 0"):
        llmcalc.ModelConfig.from_hf(gpt2)
    assert llmcalc.ModelConfig.from_hf({**gpt2, "n_inner": None}).F == 4 * 768   # null: transformers' 4·D


# ----- planner options of any type, and explorers that never raise ----------------------------------

def test_planner_options_accept_equivalent_numbers_and_refuse_the_rest():
    base = planner.layout(TINY, "H100", 8, 32 * 512, 512, tp=2, zero=1)
    same = planner.layout(TINY, "H100", 8, np.int64(32 * 512), 512.0, tp=2.0, zero=np.int64(1), sp=np.bool_(True))
    assert same["step_s"] == base["step_s"]
    for kw, pattern in ((dict(zero=True), "zero must be one of"), (dict(sp=1), "sp must be True or False"),
                        (dict(recompute=5), "recompute must be one of"), (dict(tp=2.5), "tp must be a whole number")):
        with pytest.raises(ValueError, match=pattern):
            planner.layout(TINY, "H100", 8, 32 * 512, 512, **{"tp": 2, **kw})
    once = planner.search(TINY, "H100", 8, 32 * 512, 512, tp=[2, 2, 2.0], zero=[1, 1], sp=[True, True])
    assert not once.duplicated(subset=["tp", "sp", "cp", "pp", "interleave", "dp", "zero", "micro_batch",
                                       "recompute"]).any()
    with pytest.raises(ValueError, match=r"batch_tokens must be a whole number in \[1, 2\^53\]"):
        planner.search(TINY, "H100", 8, 2**70, 512)


def test_explorers_show_bad_values_and_never_raise_or_clamp():
    from llmcalc import widgets
    ex = widgets.params_explorer("llama-3-70b")
    before = ex.values()
    for kw, pattern in ((dict(L=1.5), "L must be a whole number"), (dict(preset="llama-9"), "preset must be one of"),
                        (dict(L=10**400), r"L must be a whole number in \[1, 2\^53\], got an integer of 401 digits"),
                        (dict(nope=3), "'nope' is not a control")):
        result = ex.set_values(**kw)
        assert result.error and re.search(pattern, result.error), result.error
        assert ex.values() == before            # nothing half-applied, nothing clamped or truncated
    assert ex.set_values(L=40).error is None and ex.values()["L"] == 40


def test_interleave_beyond_the_layers_per_stage_is_refused():
    # LLaMA 3-70B, pp = 16: ⌈80/16⌉ = 5 layers per stage, so at most 5 model chunks per device
    assert memory.activation_bytes("llama-3-70b", 1, 4096, pp=16, interleave=5) > 0
    with pytest.raises(ValueError, match=r"interleave \(model chunks per device\) must be in \[1, 5\]"):
        memory.activation_bytes("llama-3-70b", 1, 4096, pp=16, interleave=6)
    with pytest.raises(ValueError, match="interleave must be 1 without pipeline parallelism"):
        memory.activation_bytes("llama-3-70b", 1, 4096, interleave=2)
