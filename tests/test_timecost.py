"""Training time, implied MFU and cost: the sources' and the published runs' numbers."""

import pytest

import llmcalc

L3_70B_FLOPS = llmcalc.training_flops_6p(llmcalc.preset("llama-3-70b"), 15e12)


def test_llama3_70b_trains_in_44_days_on_a_v5p_pod_at_40_percent_mfu():
    # the book, part 6: 6.3e24 / (8960 · 4.59e14 · 0.4) s ≈ 44 days
    assert round(llmcalc.training_days(6.3e24, 8960, "TPU v5p", 0.4)) == 44
    assert round(llmcalc.training_days(L3_70B_FLOPS, 8960, "TPU v5p", 0.4)) == 45  # with the exact 70.55B


def test_one_v5p_alone_needs_1_37e10_seconds_not_the_sources_4_35e8():
    # the book, part 6 prints "6.3e24 / 4.59e14 = 4.35e8 s"; the quotient is 1.37e10 s (435 years at full peak)
    seconds = llmcalc.training_seconds(6.3e24, 1, "TPU v5p", 1.0)
    assert f"{seconds:.3g}" == "1.37e+10"
    assert round(seconds / (365 * 86400)) == 435


def test_225_chips_would_take_1752_days_which_is_4_8_years():
    # the book, part 6: 44 days × 8960 / 225 = 1752 days; the source's "≈ 4.8 years" is 1752 / 365 = 4.8
    days = llmcalc.training_days(6.3e24, 225, "TPU v5p", 0.4)
    assert round(days / 10) * 10 == 1770  # unrounded 44.3 days × 8960/225
    assert round(1752 / 365, 1) == 4.8


def test_qwen2_72b_article_30_days_assumes_300_tflops_per_a100():
    # the Qwen2-72B article: 3 · 7e12 · (2.6e6 · 32768 + 144e9) FLOPs at 300e12 FLOP/s per card on 6000 cards ≈ 30 days
    qwen = llmcalc.preset("qwen2-72b")
    total = 3 * llmcalc.forward_flops(qwen, 1, 32768, causal=False) / 32768 * 7e12
    assert f"{total:.2e}" == f"{3 * 7e12 * (2.6e6 * 32768 + 144e9):.2e}"  # the source's closed form
    mfu_article = 300e12 / 312e12  # 300 TFLOP/s is 96% of an A100's 312, not "50%"
    assert round(llmcalc.training_days(total, 6000, "A100", mfu_article)) == 31
    assert round(llmcalc.training_days(total, 6000, "A100", 0.5)) == 59  # 4.805e24 / (6000 · 312e12 · 0.5 · 86400)


def test_llama2_70b_implied_mfu_from_its_a100_hours():
    # Llama 2 model card: 1,720,320 A100-80GB hours, 2T tokens. 6PD / (hours · 3600 · 312e12)
    flops = 6 * 68_976_648_192 * 2e12
    mfu = llmcalc.implied_mfu(flops, 1_720_320, "A100")
    assert round(mfu, 3) == round(flops / (1_720_320 * 3600 * 312e12), 3) == 0.428


def test_llama31_405b_implied_mfu_is_below_the_reported_38_to_43_percent():
    # Llama 3.1 card: 30.84M H100 hours; Llama 3 paper reports 38-43% MFU while training
    flops = llmcalc.training_flops_6p(llmcalc.preset("llama-3.1-405b"), 15.6e12)
    mfu = llmcalc.implied_mfu(flops, 30.84e6, "H100")
    assert 0.30 < mfu < 0.38  # the card's hours include everything that is not a training step


def test_deepseek_v3_cost_is_5_6_million_dollars_at_2_per_hour():
    # DeepSeek-V3 README: 2.788M H800 hours at $2 = $5.576M
    assert llmcalc.cost(2.788e6, 2.0) == pytest.approx(5.576e6)


def test_chinchilla_70b_wants_1_4t_tokens():
    assert llmcalc.chinchilla_tokens(70e9) == pytest.approx(1.4e12)


@pytest.mark.parametrize("mfu", [0, -0.1, 1.5, 40])
def test_mfu_outside_0_1_is_refused(mfu):
    with pytest.raises(ValueError, match=r"^mfu must be in \(0, 1\]"):
        llmcalc.training_days(1e24, 8, "H100", mfu)


def test_zero_chips_is_refused():
    with pytest.raises(ValueError, match=r"^n_chips must be a whole number >= 1, got 0"):
        llmcalc.training_days(1e24, 0, "H100", 0.4)


def test_unknown_chip_suggests_the_closest():
    with pytest.raises(ValueError, match=r"^Unknown chip 'H10'\. Did you mean 'H100'.*\? Known chips: A100, .*V100\.$"):
        llmcalc.chip("H10")


def test_llama3_405b_400_tflops_per_h100_is_40_4_percent_of_the_989_peak():
    # Llama 3 paper, Table 4: 430 / 400 / 380 TFLOP/s per GPU, printed as 43% / 41% / 38% MFU
    assert round(llmcalc.timecost.mfu_from_throughput(400e12, "H100"), 4) == round(400 / 989, 4) == 0.4044
    assert round(llmcalc.timecost.mfu_from_throughput(430e12, "H100"), 3) == 0.435
    assert round(llmcalc.timecost.mfu_from_throughput(380e12, "H100"), 3) == 0.384
    with pytest.raises(ValueError, match=r"^flops_per_s_per_chip must be"):
        llmcalc.timecost.mfu_from_throughput(0, "H100")


# ----- implausible MFU ---------------------------------------------------------------------------

def test_implied_mfu_above_one_names_the_implausible_inputs():
    # hand: 1e6 H100-hours at peak do 1e6 · 3600 · 9.89e14 = 3.5604e24 FLOPs; 4e24 of them is MFU 1.1235
    with pytest.raises(ValueError, match=r"^implied MFU 1\.12 > 1: total_flops \(4e\+24\) is more than chip_hours_used "
                                         r"\(1e\+06\).*H100's peak \(9\.89e\+14 FLOP/s\).*total_flops is too large, or "
                                         r"chip_hours_used or the chip too small for it"):
        llmcalc.implied_mfu(4e24, 1e6, "H100")
    # the same FLOPs over twice the hours is MFU 0.5617: accepted
    assert llmcalc.implied_mfu(4e24, 2e6, "H100") == pytest.approx(4e24 / (2e6 * 3600 * 9.89e14), rel=1e-15)
    assert round(llmcalc.implied_mfu(4e24, 2e6, "H100"), 4) == 0.5617


def test_implied_mfu_of_exactly_one_is_accepted():
    # one H100-hour at peak: 3600 · 9.89e14 FLOPs
    assert llmcalc.implied_mfu(3600 * 9.89e14, 1, "H100") == 1.0


def test_throughput_above_peak_names_the_input():
    # 1.2e15 FLOP/s on a 9.89e14 H100 is MFU 1.21 (a sparse-FLOPs figure, twice the dense one, would do that)
    with pytest.raises(ValueError, match=r"^implied MFU 1\.21 > 1: flops_per_s_per_chip \(1\.2e\+15 FLOP/s\) is "
                                         r"above the H100's dense peak \(9\.89e\+14 FLOP/s\); it must be in "
                                         r"\(0, 9\.89e\+14\]"):
        llmcalc.timecost.mfu_from_throughput(1.2e15, "H100")
    assert llmcalc.timecost.mfu_from_throughput(9.89e14, "H100") == 1.0
