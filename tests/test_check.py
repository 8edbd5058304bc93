"""llmcalc.check: every key says its unit and form (en, zh), any real number is accepted, a unit slip is
told without the value, yes/no questions take True/False, every message has a Chinese version, and no
message ever shows the expected value.

Expected values here are written out by hand from the chapters' data (the shapes and figures the questions
give), not taken from check's own code."""

import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

import llmcalc
from llmcalc import i18n
from llmcalc.check import answers, check, is_right

CJK = re.compile(r"[\u4e00-\u9fff]")
EN_WORDS = ("Not yet", "Hint", "Right", "Unknown", "answer", "unit", "number")


def run(capsys, key, answer, lang="en"):
    result = check(key, answer, lang)
    return result, capsys.readouterr().out


# ----- every key carries its unit and form ------------------------------------------------------------

@pytest.mark.parametrize("key", sorted(answers()))
def test_every_key_names_its_unit_and_form_in_both_languages(key):
    a = answers()[key]
    assert a.kind in ("number", "bool")
    assert a.unit and a.unit_zh and a.form and a.form_zh, key
    assert not CJK.search(a.form) and CJK.search(a.form_zh), key
    # a generic example at most, never a figure of the exercise: only these numbers may appear in a form
    for form in (a.form, a.form_zh):
        assert set(re.findall(r"\d+(?:\.\d+)?", form)) <= {"0.125", "12.5", "1.25", "2", "20"}, (key, form)


def test_yes_no_keys_have_the_yes_no_form():
    bools = {k for k, a in answers().items() if a.kind == "bool"}
    assert len(bools) >= 20
    for k in bools:
        assert answers()[k].form == "as True (yes) or False (no)"
        assert answers()[k].form_zh == "填 True(是)或 False(否)"


# ----- hand-checked values, any real number type -------------------------------------------------------

HAND = {
    # 16 bytes × 405,853,388,800 parameters (the exact count of chapter 1 and 5) = 6,493,654,220,800 B = 6.4936542208 TB
    "405b.states_tb_16b": 6.4936542208,
    # 1F1B bubble (p − 1)/(m + p − 1) with p = 16, m = 64: 15/79
    "pp16_m64.bubble": 15 / 79,
    # interleaved v = 2: 15/(2·64 + 15) = 15/143
    "pp16_m64_v2.bubble": 15 / 143,
    # 16 × 405,853,388,800 / (8 · 16) / 1e9 = 50.7316736 GB per GPU (TP8 × PP16, no ZeRO)
    "405b.tp8_pp16_states_gb": 50.7316736,
    # 128 A100s × 30 days × 24 h = 92,160 A100-hours × $10 = $921,600
    "a100x128.cost_30_days": 921_600,
    # Gemma-2-9B: V · D = 256,000 × 3,584 = 917,504,000 parameters for an untied head
    "gemma2.tying_saves": 917_504_000,
    # chapter 2: the causal scores first reach a quarter of LLaMA 3-70B's forward FLOPs at T = 65,536 (printed: 38.2%)
    "l3_70b.attention_quarter_context": 65_536,
    # chapter 5, §4: the smallest compute-bound batch is 11 × 2^20 tokens (printed: 11,534,336 tokens)
    "l3_70b.4pods_min_batch_mtokens": 11,
    # MFU = HFU × 6P/8P = 0.5 × 0.75 = 0.375
    "recompute.mfu_at_50pct_hfu": 0.375,
    # PaLM: 57.8 / 46.2 − 1 = 0.2510822...
    "palm.extra_work": 57.8 / 46.2 - 1,
    # ZeRO-3 over 16,384 GPUs: 16 × 405,853,388,800 / 16,384 / 1e9 = 0.3963412 GB per GPU
    "405b.zero3_16k_gb": 0.3963412,
}


@pytest.mark.parametrize("key,value", sorted(HAND.items()))
def test_hand_checked_values_are_right(key, value, capsys):
    assert is_right(key, value)
    ok, out = run(capsys, key, value)
    assert ok is True and out.startswith("✅")


@pytest.mark.parametrize("answer", [6.4936542208, np.float64(6.4936542208), np.float32(6.4936542208),
                                    np.float16(6.49), np.array(6.4936542208), np.array(6.49, dtype=np.float16),
                                    Fraction(64936542208, 10**10), Decimal("6.4936542208"), np.longdouble(6.4936542208)])
def test_any_real_number_type_is_accepted(answer, capsys):
    assert is_right("405b.states_tb_16b", answer)
    ok, out = run(capsys, "405b.states_tb_16b", answer)
    assert ok is True, out


@pytest.mark.parametrize("answer", [np.int8(11), np.int16(11), np.int32(11), np.int64(11), np.uint8(11), np.uint64(11),
                                    11.0, Fraction(22, 2), Decimal("11"), np.array(11)])
def test_integer_types_of_any_width_are_accepted(answer):
    assert is_right("l3_70b.4pods_min_batch_mtokens", answer)


# ----- wrong answers repeat the form; unit slips are named without the value ------------------------------

def test_a_wrong_answer_repeats_the_unit_and_form(capsys):
    ok, out = run(capsys, "405b.states_tb_16b", 9.0)
    assert ok is False and "Not yet" in out and "in TB" in out and "Hint" in out
    ok, out = run(capsys, "405b.states_tb_16b", 9.0, "zh")
    assert ok is False and "还不对" in out and "以 TB 为单位" in out and "提示" in out


SLIPS = [
    # (key, the answer in another unit, the form the message must name)
    ("405b.states_tb_16b", 6493.6542208, "in TB"),                     # GB instead of TB (× 1e3)
    ("405b.states_tb_16b", 6.4936542208e12 / 2**40, "in TB"),          # TiB instead of TB
    ("405b.states_tb_16b", 6.4936542208e12, "in TB"),                  # bytes
    ("405b.tp8_pp16_states_gb", 50.7316736e9 / 2**30, "in GB"),        # GiB instead of GB
    ("405b.tp8_pp16_states_gb", 0.0507316736, "in GB"),                # TB instead of GB
    ("pp16_m64.bubble", 100 * 15 / 79, "as a fraction"),                # percent instead of a fraction
    ("recompute.mfu_at_50pct_hfu", 37.5, "as a fraction"),
    ("405b.params", 405.8533888, "as a count of parameters"),         # billions
    ("a100x128.cost_30_days", 0.9216, "in dollars"),                   # millions of dollars
    ("l3_70b.attention_quarter_context", 64, "as a context length T in tokens"),   # "64K" = 64 × 2^10
    ("l3_70b.4pods_min_batch_mtokens", 11 * 2**20, "in multiples of 2^20 tokens"), # tokens, not multiples of 2^20
]


@pytest.mark.parametrize("key,answer,form", SLIPS)
def test_a_unit_slip_is_named_with_the_form(key, answer, form, capsys):
    assert not is_right(key, answer)
    ok, out = run(capsys, key, answer)
    assert ok is False and "Right number, wrong unit: give it" in out and form in out, out
    ok, out = run(capsys, key, answer, "zh")
    assert ok is False and "数值对了，单位不对" in out and answers()[key].form_zh in out, out


@pytest.mark.parametrize("key,answer", [
    ("405b.states_tb_16b", 2 * 6.4936542208),           # twice the states: wrong, not a unit slip
    ("405b.tp8_pp16_states_gb", 50.7316736 * 1.05),     # 5% off a 2% key: not GiB (7.4%)
    ("405b.tp8_pp16_states_gb", 50.7316736 * 1.09),     # 9% off: not a TiB-for-TB factor (9.95%) on a GB key
    ("pp16_m64.bubble", 15 / 64),                        # p − 1 over m: a wrong formula
])
def test_a_plain_wrong_answer_is_not_called_a_unit_slip(key, answer, capsys):
    ok, out = run(capsys, key, answer)
    assert ok is False and "wrong unit" not in out and "Not yet" in out


# ----- yes/no questions ---------------------------------------------------------------------------------

YES_NO = {
    # chapter 03, the 22B cell prints "fits an A100: False" (TP only, 113.5 GB), False (TP + SP, 92.4 GB), True (60.1 GB)
    "gpt22b.tp_only_fits_a100": False, "gpt22b.tp_sp_fits_a100": False, "gpt22b.tp_sp_selective_fits_a100": True,
    # chapter 03, exercise 3: minimum 2,166 chips, the pod has 8,960
    "l3_70b.wide_ckpt_pod_has_room": True,
    # chapter 04: 468.1 tokens per chip < 850 -> communication-bound
    "l3_70b.fsdp_compute_bound": False,
    # chapter 04: 2048 × 4 comm/compute 0.978 -> compute-bound; all chips 2240 × 4, 1.037 -> communication-bound
    "l3_70b.book_2048x4_compute_bound": True, "l3_70b.best_split_m2_compute_bound": False,
    # chapter 04 §9: 1,048,576 tokens per pod vs 73,440 -> compute-bound (no slowdown); in a pod 1.63 -> comm-bound
    "l3_70b.4pods_dcn_slows_down": False, "l3_70b.4pods_in_pod_compute_bound": False,
    # chapter 04, exercise 1: 1,859 sequences < 8,960 chips ("too few sequences for one per chip")
    "v5p_pod.batch_only_fsdp_can_use_min_batch": False,
    # chapter 04, exercise 4(b): DP256 communication-bound, DP64 and DP16 compute-bound
    "l3_70b.pp4_dp256_dp_compute_bound": False, "l3_70b.pp4_dp64_dp_compute_bound": True,
    "l3_70b.pp4_dp16_dp_compute_bound": True,
    # chapter 02: 163 / 312 = 52.2% counts the recomputed forward -> an HFU; 35.0 days on 2048 A100s, "not 21"
    "megatron_1t.quoted_52pct_is_hfu": True, "llama2_70b.21_days_consistent": False,
    # chapter 05: 6P × 15.6T = 0.9997 × 3.8e25; 2,097,152 tokens per pod = 28.6 × 73,440; 234.1 < 850 tokens per chip;
    # best split, 2-matrix MLP comm/compute 1.06, gated 0.85; Meta's layout 95.6 GB > 85.5 GB; planner v = 1: False
    "405b.6p_reproduces_meta_flops": True, "405b.8pods_dcn_compute_bound": True, "405b.pod_pure_fsdp_works": False,
    "405b.pod_best_split_m2_compute_bound": False, "405b.pod_best_split_m3_compute_bound": True,
    "405b.meta_layout_fits_h100": False, "405b.planner_meta_v1_fits_h100": False,
}


def test_every_yes_no_key_is_hand_checked():
    assert {k for k, a in answers().items() if a.kind == "bool"} == set(YES_NO)


@pytest.mark.parametrize("key,truth", sorted(YES_NO.items()))
def test_yes_no_keys_take_true_or_false(key, truth, capsys):
    assert is_right(key, truth) and not is_right(key, not truth)
    assert is_right(key, np.bool_(truth))
    ok, out = run(capsys, key, truth)
    assert ok is True and out.startswith("✅")
    ok, out = run(capsys, key, not truth, "zh")
    assert ok is False and "还不对" in out and "填 True(是)或 False(否)" in out


@pytest.mark.parametrize("answer", [1, 0, 1.0, "yes", "no", None, np.int64(1)])
def test_a_number_for_a_yes_no_key_names_the_form(answer, capsys):
    with pytest.raises(ValueError, match=r"answer to 'gpt22b.tp_only_fits_a100' must be True or False"):
        is_right("gpt22b.tp_only_fits_a100", answer)
    ok, out = run(capsys, "gpt22b.tp_only_fits_a100", answer)
    assert ok is False and "yes/no question" in out and "True (yes) or False (no)" in out
    ok, out = run(capsys, "gpt22b.tp_only_fits_a100", answer, "zh")
    assert ok is False and "是非题" in out and "填 True(是)或 False(否)" in out


@pytest.mark.parametrize("answer", [True, False, np.bool_(True)])
def test_a_bool_for_a_number_key_names_the_form(answer, capsys):
    with pytest.raises(ValueError, match="bool, not a number"):
        is_right("405b.states_tb_16b", answer)
    ok, out = run(capsys, "405b.states_tb_16b", answer)
    assert ok is False and "asks for a number, in TB" in out
    ok, out = run(capsys, "405b.states_tb_16b", answer, "zh")
    assert ok is False and "以 TB 为单位" in out and "是非题" in out


# ----- every message in Chinese with lang="zh" ---------------------------------------------------------------

@pytest.mark.parametrize("key,answer", [
    ("405b.param", 1.0), (["405b.params"], 1.0), (None, 1.0),             # bad keys
    ("405b.params", "405e9"), ("405b.params", float("nan")), ("405b.params", [1]), ("405b.params", 10**400),
    ("405b.params", ...), ("405b.params", 1.0), ("405b.params", 405.85e9), ("405b.params", 405.85),
    ("405b.norm_params", 1), ("gpt22b.tp_only_fits_a100", ...),
])
def test_every_message_has_a_chinese_version(key, answer, capsys):
    check(key, answer, "zh")
    zh = capsys.readouterr().out.replace("llmcalc.check.answers()", "")
    assert CJK.search(zh), zh
    assert not any(w in zh for w in EN_WORDS), zh
    check(key, answer, "en")
    assert not CJK.search(capsys.readouterr().out)


def test_a_bad_key_is_a_message_not_a_crash(capsys):
    ok, out = run(capsys, "405b.param", 1.0)
    assert ok is False and "Unknown exercise key '405b.param'" in out and "'405b.params'" in out
    ok, out = run(capsys, "405b.param", 1.0, "zh")
    assert ok is False and "没有练习键 '405b.param'" in out and "'405b.params'" in out
    ok, out = run(capsys, ["405b.params"], 1.0)
    assert ok is False and "must be a string" in out


def test_the_placeholder_names_the_form(capsys):
    assert check("405b.states_tb_16b", ...) is None
    assert "in TB" in capsys.readouterr().out
    assert check("405b.states_tb_16b", ..., "zh") is None
    assert "以 TB 为单位" in capsys.readouterr().out


def test_the_language_defaults_to_the_one_in_use(capsys):
    try:
        i18n.use("zh")
        check("405b.states_tb_16b", 9.0)
        assert "还不对" in capsys.readouterr().out
    finally:
        i18n.use("en")
    check("405b.states_tb_16b", 9.0)
    assert "Not yet" in capsys.readouterr().out
    with pytest.raises(ValueError, match="lang"):
        check("405b.states_tb_16b", 9.0, "fr")


# ----- the value is never printed --------------------------------------------------------------------------

def _shown(x: float) -> set[str]:
    """The ways a person would recognise x: exact, with separators, 2–4 significant figures, scientific,
    as a percentage, and scaled by 10^3 … 10^12 (GB for TB, billions, ...)."""
    out = {repr(x), str(x), f"{x:,}", f"{x:.1e}", f"{x:.2e}", f"{x:.3e}"}
    out |= {f"{x:#.{n}g}".rstrip(".") for n in (2, 3, 4)}   # 1.036 -> "1.0", "1.04", "1.036" (never a bare "1")
    if abs(x) >= 10:
        out |= {f"{x:,.0f}", f"{x:.0f}", f"{x:,.1f}"}
    if abs(x) < 1.5:
        out |= {f"{100 * x:.0f}%", f"{100 * x:.1f}%", f"{100 * x:.2f}%", f"{x:.2f}", f"{x:.3f}"}
    for scale in (1e3, 1e6, 1e9, 1e12):
        y = x / scale
        if abs(y) >= 1:
            out |= {f"{y:.2f}", f"{y:#.3g}".rstrip("."), f"{y:#.4g}".rstrip(".")}
        y = x * scale
        if abs(y) < 1e6:
            out |= {f"{y:#.3g}".rstrip("."), f"{y:,.0f}"}
    return {s for s in out if len(s.strip("0.%,e+-")) >= 1}


def _absent(text: str, number: str) -> bool:
    """``number`` does not occur in ``text`` as a number of its own (not inside 8960 or 0.125, not as TP8)."""
    return not re.search(rf"(?<![\w.,]){re.escape(number)}(?!\w|[.,]\d)", text)


@pytest.mark.parametrize("key", sorted(answers()))
def test_no_message_shows_the_value(key, capsys):
    a = answers()[key]
    value = a.compute()
    if a.kind == "bool":
        outs = []
        for lang in ("en", "zh"):
            for answer in (value, not value, 1, "yes", ...):
                check(key, answer, lang)
                outs.append(capsys.readouterr().out.replace(a.form, "").replace(a.form_zh, ""))
        # with the form's "True (yes) or False (no)" taken out, nothing says True or False
        assert not any(w in o for o in outs for w in ("True", "False")), outs
        return
    outs = []
    for lang in ("en", "zh"):
        # right, wrong, and right in thousands (a unit slip)
        for answer in (value, value * (1 + 3 * a.rtol) + (1 if a.rtol == 0 else 0), value / 1000):
            check(key, answer, lang)
            outs.append(capsys.readouterr().out)
    assert any("wrong unit" in o for o in outs) and any("单位不对" in o for o in outs), outs
    text = "\n".join(outs)
    leaked = sorted(s for s in _shown(float(value)) if not _absent(text, s))
    assert not leaked, f"{key}: {leaked} in {text}"
