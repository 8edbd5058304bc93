"""The calibrated planner against published runs: the fit, its leave-one-source-out cross-validation, memory.

The training set is every run of ``llmcalc.published.PLANNER_RUNS`` (seven sources; each figure is checked
against its source there). Every figure of the fit and of the cross-validation comes from one function,
``tools/fit_planner.py``'s ``fit_and_cross_validate`` (the script prints it, the README's report writes it).
The bounds asserted are what the model reaches today, held out by source; the issue's target (10% median, 25%
worst, held out) is stated beside them; its worst-case half is NOT met (the README and chapter 5 say which run
and why).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
from pathlib import Path

import pytest

pytest.importorskip("pandas")

from llmcalc import kernels, planner, published as pub  # noqa: E402

TARGET_MEDIAN, TARGET_WORST = 0.10, 0.25      # issue 13's goal, held out
# what the model reaches (tools/fit_planner.py, the README's fidelity block): held out median 6.51%, worst 21.5%
# (Llama 3 128K on 16,384 GPUs); without it worst 20.9% (Llama 3 8K on 8,192 GPUs); in sample median 5.44%, worst
# 21.5%. The bounds sit just above them, so a model that gets worse fails.
HELD_OUT_MEDIAN_BOUND, HELD_OUT_WORST_BOUND = 0.066, 0.22
HELD_OUT_WORST_WITHOUT_LLAMA3_128K = 0.21
IN_SAMPLE_MEDIAN_BOUND, IN_SAMPLE_WORST_BOUND = 0.055, 0.22


def _fit_script():
    path = Path(__file__).resolve().parents[2] / "tools" / "fit_planner.py"
    spec = importlib.util.spec_from_file_location("fit_planner", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def fit():
    return _fit_script().fit_and_cross_validate()


def _median(xs):
    xs = sorted(xs)
    return (xs[(len(xs) - 1) // 2] + xs[len(xs) // 2]) / 2


@pytest.fixture(scope="module")
def comparison():
    return planner.published_comparison()


def test_the_training_set_is_seven_sources_and_every_run_cites_one():
    keys = {r.source_key for r in pub.PLANNER_RUNS}
    assert keys == {"narayanan2021", "korthikanti2022", "mtnlg2022", "palm2022", "llama3_2024", "torchtitan2024",
                    "bloom2022"}
    assert all(r.source for r in pub.PLANNER_RUNS) and len(pub.PLANNER_RUNS) == 28


def test_reported_throughputs_agree_with_what_other_sources_derive_from_them():
    # MT-NLG on 280 servers: 1920 sequences × 2048 tokens / 60.1 s = 65,431 tokens/s; PaLM's §4.1 quotes 65.43K
    mt = next(r for r in pub.PLANNER_RUNS if r.label == "MT-NLG 530B, 2240 GPUs")
    assert pub.reported_tokens_per_s(mt) == pytest.approx(65.43e3, abs=5)
    # Megatron-LM 1T (Table 1): 163 TFLOP/s per GPU on 3072 GPUs, 96·B·s·l·h²·(1 + s/6h + V/16lh) FLOPs per step
    # with B 3072, s 2048, l 128, h 25600, V 51200; tokens per step 3072 · 2048 over that time
    one_t = next(r for r in pub.PLANNER_RUNS if r.label == "Megatron-LM 1008B")
    flops = 96 * 3072 * 2048 * 128 * 25600**2 * (1 + 2048 / (6 * 25600) + 51200 / (16 * 128 * 25600))
    assert pub.reported_tokens_per_s(one_t) == pytest.approx(3072 * 2048 / (flops / (3072 * 163e12)), rel=1e-12)
    # PaLM 540B: 238.3K tokens/s as printed; with 6N + 12·L·H·Q·T = 6·540.35e9 + 12·118·48·256·2048 FLOPs per
    # token on 6144 × 275 TFLOP/s that is the paper's 46.2% MFU
    palm = next(r for r in pub.PLANNER_RUNS if r.source_key == "palm2022")
    per_token = 6 * 540.35e9 + 12 * 118 * 48 * 256 * 2048
    assert round(100 * pub.reported_tokens_per_s(palm) * per_token / (6144 * 275e12), 1) == 46.2
    # BLOOM's log line: 104.70 s per iteration of 2048 × 2048 tokens and "TFLOPs: 149.77", counted (README,
    # Throughput) with recomputation, 8·N + attention per token as Megatron's 96·B·s·l·h²·(1 + s/6h + V/16lh):
    # 96 · 2048 · 2048 · 70 · 14336² · (1 + 2048/86016 + 250880/16056320) / 104.70 s / 384 GPUs = 149.8 TFLOP/s
    bloom = next(r for r in pub.PLANNER_RUNS if r.source_key == "bloom2022")
    assert pub.reported_tokens_per_s(bloom) == pytest.approx(2048 * 2048 / 104.70, rel=1e-12)
    bloom_flops = 96 * 2048 * 2048 * 70 * 14336**2 * (1 + 2048 / (6 * 14336) + 250880 / (16 * 70 * 14336))
    assert bloom_flops / 104.70 / 384 / 1e12 == pytest.approx(149.77, abs=0.5)


def test_every_published_layout_that_ran_fits_in_memory(comparison):
    assert comparison["fits"].all(), comparison.loc[~comparison["fits"], ["run", "layout", "memory_gib"]]


def test_the_ideal_bound_is_above_every_calibrated_prediction(comparison):
    assert (comparison["ideal_mfu"] >= comparison["predicted_mfu"]).all()


def test_the_fitted_constants_are_what_the_fit_script_finds_on_the_training_set(fit):
    assert fit["fitted"] == (kernels.FITTED["matmul_fraction"], kernels.FITTED["elementwise_passes"])
    # the fit is the grid's minimum of the summed squared log errors
    loss = (fit["grid"] ** 2).sum(axis=0)
    assert loss[fit["fitted"]] == loss.min()


def test_in_sample_errors_with_the_fitted_constants(fit, comparison):
    # the script's in-sample errors are the comparison's (same constants, same code path)
    assert list(fit["in_sample"].round(12)) == list(comparison["error"].round(12))
    s = fit["in_sample_summary"]
    assert s["median_abs_percent"] <= 100 * IN_SAMPLE_MEDIAN_BOUND and s["worst_abs_percent"] <= 100 * IN_SAMPLE_WORST_BOUND


def test_leave_one_source_out_cross_validation_bound(fit):
    cv = fit["cv"]
    assert len(cv) == len(pub.PLANNER_RUNS)
    assert set(cv["source"]) == {r.source_key for r in pub.PLANNER_RUNS}
    s = fit["held_out_summary"]
    assert s["median_abs_percent"] <= 100 * HELD_OUT_MEDIAN_BOUND, s
    assert s["worst_abs_percent"] <= 100 * HELD_OUT_WORST_BOUND, cv.sort_values("held_out_error")
    # the targets, held out: both met
    assert s["worst_abs_percent"] <= 100 * TARGET_WORST and s["median_abs_percent"] <= 100 * TARGET_MEDIAN
    # the worst held-out run is Llama 3's 128K-context row; the rest are within a smaller bound
    assert cv.loc[cv["held_out_error"].abs().idxmax(), "run"] == "Llama 3 405B, 128K context, 16,384 GPUs"
    long_context = cv["run"].str.startswith("Llama 3") & cv["run"].str.contains("128K")
    assert long_context.sum() == 1
    assert cv.loc[~long_context, "held_out_error"].abs().max() <= HELD_OUT_WORST_WITHOUT_LLAMA3_128K


def test_cross_validation_by_hand_on_a_tiny_table():
    import pandas as pd
    # two sources: a (runs r1, r2) and b (run r3); columns (fraction, passes); entries log errors.
    # Holding out a, the fit on r3 alone picks (0.7, 4) (|log| 0.0) and r1, r2 get exp(0.1) − 1, exp(−0.2) − 1
    grid = pd.DataFrame({(0.6, 4.0): [0.0, 0.0, 0.3], (0.7, 4.0): [0.1, -0.2, 0.0]}, index=["r1", "r2", "r3"])
    grid.attrs["sources"] = ["a", "a", "b"]
    cv = planner.cross_validate(grid).set_index("run")
    assert cv.loc["r1", "held_out_error"] == pytest.approx(math.exp(0.1) - 1)
    assert cv.loc["r2", "held_out_error"] == pytest.approx(math.exp(-0.2) - 1)
    # holding out b: r1, r2 fit best at (0.6, 4) (loss 0 < 0.05), where r3's log error is 0.3
    assert cv.loc["r3", "held_out_error"] == pytest.approx(math.exp(0.3) - 1)
    assert planner.fit_constants(grid) == (0.7, 4.0)   # all three: 0.09 vs 0.05 → (0.7, 4)


def test_summary_by_hand():
    fp = _fit_script()
    # |errors| 0.05, 0.1, 0.2, 0.4: median (0.1 + 0.2) / 2 = 15%, worst 40%
    s = fp.summary([0.1, -0.4, 0.05, -0.2])
    assert s["median_abs_percent"] == pytest.approx(15.0) and s["worst_abs_percent"] == pytest.approx(40.0)


def test_error_summary_needs_errors():
    with pytest.raises(ValueError, match="errors must hold at least one value"):
        planner.error_summary([])


# ----- runs no fit has seen -------------------------------------------------------------------------------------
# what the model reaches on llmcalc.published.VALIDATION_RUNS (NVIDIA's Megatron-Bridge performance summary, H100):
# GPT-OSS 120B (mixture of experts, BF16, the recipes' norm and expert-activation recompute) +45.4% and +44.4%; Llama 3
# 8B / 70B / 3.1 405B in FP8 on H100, weights kept in FP8 as the recipes set (fp8_param_gather) −10.4%, −5.0%, −5.1%,
# +12.0%, +7.8% (median 7.8%, worst 12.0%; the README's validation block); the same recipes on B200, a chip whose
# kernel rates are assumed, not sourced: Llama 3 8B +13.7%, Llama 3.1 405B +22.5% (both optimistic); DeepSeek-V3 on
# 2,048 H800 (its report) +27.6% with the recomputation the report describes, its layout fitting (69.9 of 71.7 GiB).
# The bounds sit just above, so a model that gets worse fails. Qwen3 in FP8 (26.02, no recompute, all-to-all
# overlapped): 30B-A3B +226% (a fine-grained MoE whose experts are 768 wide), 235B-A22B +12.8% (its 32-rank expert
# groups folded over TP 2 × DP 16, etp=1) and +15.7% at 25.11's batch of 2048; GPT-OSS 120B on 64 B200 (26.02, EP 64
# over all 8 nodes, the all-to-all exposed) +25.4%.
VALIDATION_WORST_BOUND = 0.46
FP8_DENSE_MEDIAN_BOUND, FP8_DENSE_WORST_BOUND = 0.08, 0.125
B200_BOUND = 0.23
DEEPSEEK_V3_BOUND = 0.28
QWEN3_30B_BOUND, QWEN3_235B_BOUND = 2.30, 0.16
OSS_B200_BOUND = 0.26


def _moe(runs):
    """GPT-OSS 120B in BF16 on H100 (NVIDIA's summary)."""
    return [r for r in runs if r.source_key == "megatron_bridge" and pub.run_config(r).is_moe and r.chip == "H100"]


def _moe_b200(runs):
    return [r for r in runs if r.source_key == "megatron_bridge" and pub.run_config(r).is_moe and r.chip == "B200"]


def _fp8_dense(runs):
    return [r for r in runs if r.fp8 and not pub.run_config(r).is_moe and r.chip == "H100"]


def _b200(runs):
    """The dense Llama rows on B200."""
    return [r for r in runs if r.chip == "B200" and not pub.run_config(r).is_moe]


def _deepseek(runs):
    return [r for r in runs if r.source_key == "deepseek_v3"]


def _qwen3(runs):
    return [r for r in runs if r.source_key == "megatron_bridge_qwen3"]


def test_validation_runs_are_in_no_fit():
    labels = {r.label for r in pub.PLANNER_RUNS}
    assert pub.VALIDATION_RUNS and not labels & {r.label for r in pub.VALIDATION_RUNS}
    assert not {r.source_key for r in pub.PLANNER_RUNS} & {r.source_key for r in pub.VALIDATION_RUNS}
    assert not any(r.fp8 for r in pub.PLANNER_RUNS)      # nothing fitted ran in FP8
    grid = planner.calibration_grid(fractions=(0.6,), passes=(4.0,))
    assert list(grid.index) == [r.label for r in pub.PLANNER_RUNS]


def test_validation_runs_as_printed():
    # NVIDIA's performance summary prints tokens/s per GPU: GPT-OSS 5993 and 5630 on 64 H100 (sequences of 4096)
    first, second = _moe(pub.VALIDATION_RUNS)
    assert pub.reported_tokens_per_s(first) == 5993 * 64 and first.global_batch == 1280 and first.micro_batch == 1
    assert pub.reported_tokens_per_s(second) == 5630 * 64 and second.global_batch == 512
    assert (first.tp, first.pp, first.ep, first.interleave) == (1, 4, 8, 1)
    # the 25.11 row prints MBS 4 and GA 2: 512 sequences over DP = 64 / PP 4 = 16 replicas is MBS × GA = 32, not 8, so
    # they cannot both hold; the release's recipe (Megatron-Bridge v0.2.2) leaves the base config's micro-batch of 1
    assert second.global_batch // (second.n_chips // second.pp) == 32 != 4 * 2 and second.micro_batch == 1
    # both recipes recompute the norms and the experts' activation (recompute_modules ["layernorm", "moe_act"])
    assert first.recompute == second.recompute == "layernorm+moe_act"
    # Llama 3 in FP8 on H100 (sequences of 8192, MBS 1): (GPUs, GBS, TP, PP, CP, VP, tokens/s/GPU) as printed
    printed = {(r.n_chips, r.global_batch, r.tp, r.pp, r.cp, r.interleave, r.reported)
               for r in _fp8_dense(pub.VALIDATION_RUNS)}
    assert printed == {(8, 128, 1, 1, 1, None, 14451), (64, 128, 4, 8, 1, 5, 1602), (64, 256, 4, 8, 1, 5, 1621),
                       (1024, 512, 8, 8, 2, 8, 292), (1024, 1536, 8, 8, 2, 8, 311)}
    for r in _fp8_dense(pub.VALIDATION_RUNS):
        assert r.seq_len == 8192 and r.micro_batch == 1 and r.chip == "H100"
        assert pub.reported_tokens_per_s(r) == r.reported * r.n_chips
    # the same recipes on DGX-B200 (25.11; sequences of 8192): (GPUs, GBS, MBS, TP, PP, CP, VP, tokens/s/GPU)
    printed = {(r.n_chips, r.global_batch, r.micro_batch, r.tp, r.pp, r.cp, r.interleave, r.reported)
               for r in _b200(pub.VALIDATION_RUNS)}
    assert printed == {(8, 128, 2, 1, 1, 1, None, 30624), (128, 64, 1, 4, 8, 2, 8, 661)}
    # NVIDIA's FP8-CS precision config keeps the weights in FP8 ('fp8_param_gather = True'): every NVIDIA FP8 run
    nvidia_fp8 = [r for r in pub.VALIDATION_RUNS if r.fp8 and r.source_key.startswith("megatron_bridge")]
    assert len(nvidia_fp8) == 10 and all(r.fp8_params for r in nvidia_fp8)
    # the printed model TFLOP/s per GPU agree with the planner's count (causal attention, half the T × T scores):
    # Llama 3 8B on B200 prints 1576 for 30624 tokens/s, 51.46 GFLOP a token; 6N + 6·L·D·T = 6 · 8.03e9 + 6 · 32 ·
    # 4096 · 8192 = 48.18e9 + 6.44e9 = 54.6e9 counts every score; halved scores: 48.18e9 + 3.22e9 = 51.4e9
    assert abs(1576e12 / 30624 - (6 * 8.03e9 + 3 * 32 * 4096 * 8192)) / (1576e12 / 30624) < 0.002
    # DeepSeek-V3: '180K H800 GPU hours' per trillion tokens, '3.7 days on our cluster with 2048 H800 GPUs' (the
    # report's own check: 180,000 / 2048 / 24 = 3.66 days), PP16 × EP64 over 8 nodes, ZeRO-1, no TP, 4K sequences
    (ds,) = _deepseek(pub.VALIDATION_RUNS)
    assert (ds.n_chips, ds.tp, ds.pp, ds.ep, ds.zero, ds.seq_len, ds.global_batch) == (2048, 1, 16, 64, 1, 4096, 15360)
    assert round(ds.reported / ds.n_chips / 24, 1) == 3.7
    assert abs(pub.reported_tokens_per_s(ds) / ds.n_chips - 1e12 / 180_000 / 3600) < 1e-9
    assert ds.fp8 and ds.stack == "deepseek-v3"
    # Qwen3 in FP8 on H100 (26.02): (GPUs, GBS, TP, PP, VP, EP, ETP, tokens/s/GPU) as printed, ETP from the recipe
    # and the 235B row of 25.11 (GBS 2048, its recipe's layout and settings as in 26.02)
    printed = {(r.n_chips, r.global_batch, r.tp, r.pp, r.interleave, r.ep, r.etp, r.reported)
               for r in _qwen3(pub.VALIDATION_RUNS)}
    assert printed == {(16, 1024, 1, 2, 12, 8, None, 5113), (256, 8192, 2, 8, 4, 32, 1, 1633),
                       (256, 2048, 2, 8, 4, 32, 1, 1575)}
    # GPT-OSS 120B in BF16 on 64 DGX-B200 (26.02): GBS 1280, MBS 4, PP 1, EP 64 (over all 8 nodes), 8047 tokens/s/GPU,
    # the recipe's norm and expert-activation recompute
    (ob,) = _moe_b200(pub.VALIDATION_RUNS)
    assert (ob.n_chips, ob.global_batch, ob.micro_batch, ob.tp, ob.pp, ob.ep, ob.reported) == (64, 1280, 4, 1, 1, 64, 8047)
    assert ob.recompute == "layernorm+moe_act" and not ob.fp8 and ob.seq_len == 4096
    for r in _qwen3(pub.VALIDATION_RUNS):
        assert r.seq_len == 4096 and r.micro_batch == 1 and r.fp8 and r.recompute == "none"
        assert r.stack == "megatron-core-moe-overlap" and pub.reported_tokens_per_s(r) == r.reported * r.n_chips
    # §3.2.3 'recompute all RMSNorm operations and MLA up-projections', §3.3.3 the SwiGLU's output recomputed from its
    # cached inputs; fp32 master weights and gradients, bf16 AdamW moments: 2 + 4 + 4 + 2 + 2 = 14 bytes a parameter
    assert ds.recompute == "layernorm+mla_up_proj+moe_act"
    assert ds.regime == (2, 4, 4, 2 + 2)


def test_nvidia_rows_follow_the_stated_rule():
    """Every DGX-H100 and DGX-B200 pre-training row of the 25.11 and 26.02 tables in BF16 or FP8-CS of a model with a
    preset, hand-listed from NVIDIA's archive, but the two rows whose printed layout and recipe disagree."""
    nvidia = [r for r in pub.VALIDATION_RUNS if r.source_key.startswith("megatron_bridge")]
    taken = {(r.label.split("NeMo ")[1].split(",")[0], r.chip, r.label.split(",")[0]) for r in nvidia}
    assert len(taken) == len(nvidia) == 13
    assert taken == {
        ("25.11", "H100", "Llama 3 8B"), ("25.11", "H100", "Llama 3 70B"), ("25.11", "H100", "Llama 3.1 405B"),
        ("25.11", "H100", "GPT-OSS 120B"), ("25.11", "H100", "Qwen3 235B-A22B"),
        ("25.11", "B200", "Llama 3 8B"), ("25.11", "B200", "Llama 3.1 405B"),
        ("26.02", "H100", "Llama 3 70B"), ("26.02", "H100", "Llama 3.1 405B"), ("26.02", "H100", "GPT-OSS 120B"),
        ("26.02", "H100", "Qwen3 30B-A3B"), ("26.02", "H100", "Qwen3 235B-A22B"), ("26.02", "B200", "GPT-OSS 120B")}
    assert {rel for rel, _, _ in taken} == set(pub.NVIDIA_RELEASES)
    for rel, system, model, *_ in pub.NVIDIA_ROWS_LEFT_OUT:
        assert (rel, system.split("-")[1], model) not in taken


def test_validation_error_bound():
    df = planner.published_comparison(pub.VALIDATION_RUNS)
    assert (df["ideal_mfu"] >= df["predicted_mfu"]).all()
    moe = df[df["run"].isin([r.label for r in _moe(pub.VALIDATION_RUNS)])]
    dense = df[df["run"].isin([r.label for r in _fp8_dense(pub.VALIDATION_RUNS)])]
    ds = df[df["run"].isin([r.label for r in _deepseek(pub.VALIDATION_RUNS)])]
    q3 = df[df["run"].isin([r.label for r in _qwen3(pub.VALIDATION_RUNS)])].set_index("run")
    b200 = df[df["run"].isin([r.label for r in _b200(pub.VALIDATION_RUNS)])]
    oss_b200 = df[df["run"].isin([r.label for r in _moe_b200(pub.VALIDATION_RUNS)])]
    assert len(moe) == 2 and len(dense) == 5 and len(ds) == 1 and len(q3) == 3 and len(b200) == 2 and len(df) == 14
    assert len(oss_b200) == 1
    # B200, honestly: both layouts NVIDIA ran fit (the 405B one only because its weights are kept in FP8, as the recipe
    # sets: without fp8_params the estimate is over the 161 GiB allowed) and both predictions are optimistic
    assert b200["fits"].all() and (b200["error"] > 0).all() and b200["error"].max() <= B200_BOUND
    (b405,) = [r for r in _b200(pub.VALIDATION_RUNS) if r.n_chips == 128]
    assert not planner.predict_run(b405, fp8_params=False, recompute=["none"])["fits"]
    # Qwen3, honestly: both layouts fit; the small-expert 30B model is predicted more than three times too fast
    assert q3["fits"].all()
    q30 = q3[q3["chips"] == 16]["error"]
    q235 = q3[q3["chips"] == 256]["error"]
    assert len(q30) == 1 and 2.0 < q30.iloc[0] <= QWEN3_30B_BOUND
    assert len(q235) == 2 and (q235 > 0).all() and q235.max() <= QWEN3_235B_BOUND
    # GPT-OSS on B200, its all-to-all over 8 nodes exposed (no overlap in the recipe): fits, optimistic
    assert oss_b200["fits"].all() and 0 < oss_b200["error"].iloc[0] <= OSS_B200_BOUND
    assert moe["fits"].all() and dense["fits"].all()
    # DeepSeek-V3: the layout DeepSeek ran did run on 80 GB H800s, so a planner that rejects it is wrong. With the
    # recomputation and FP8 storage the report describes, DualPipe's two stages counted per rank (rank 0 the two ends),
    # MLA's latent norms rebuilt with the up-projections, and no expert outputs kept (DeepEP's combine is a plain sum)
    # it fits; keeping the expert outputs (an MoE layer weighting them after the down projection) would not. The
    # prediction is still optimistic, beyond the 25% target, as on GPT-OSS
    assert ds["fits"].iloc[0] and ds["memory_gib"].iloc[0] <= 80 * 1e9 / 2**30
    (ds_run,) = _deepseek(pub.VALIDATION_RUNS)
    kept = dataclasses.replace(planner.STACKS["deepseek-v3"], moe_probs_in_activation=False)
    assert not planner.predict_run(ds_run, stack=kept)["fits"]
    assert TARGET_WORST < ds["error"].iloc[0] <= DEEPSEEK_V3_BOUND
    assert moe["error"].abs().max() <= VALIDATION_WORST_BOUND
    # and, honestly: the planner is optimistic on this mixture-of-experts model, beyond the 25% target on both layouts
    assert (moe["error"] > TARGET_WORST).all()
    # dense Llama 3 in FP8 (fp8=True), never fitted: within the targets
    assert _median(list(dense["error"].abs())) <= FP8_DENSE_MEDIAN_BOUND <= TARGET_MEDIAN
    assert dense["error"].abs().max() <= FP8_DENSE_WORST_BOUND <= TARGET_WORST


def test_moe_copy_passes_by_hand_and_what_they_rule_out():
    """The routed copies of GPT-OSS 120B's tokens, by hand: a micro-batch of one 4,096-token sequence, k = 4 copies of
    each token into the experts and 4 out, D = 2,880 values of 2 bytes: 2 × 4,096 × 4 × 2,880 × 2 = 188,743,680 bytes
    (180 MiB) a layer. Its layout runs PP 4 over 36 layers (9 MoE layers a rank) and 1,280 sequences over DP 16 (80
    micro-batches), so one HBM pass over them a step at the H100's 3.35 TB/s is 188,743,680 × 9 × 80 / 3.35e12 s.
    Then the claim chapter 5 and the README make: for every MoE run no fit has seen, the time its prediction misses
    would take more HBM passes over those copies than all a permutation makes (a permute and an unpermute, each a
    read and a write, forward and backward: 2 × 2 × 2)."""
    df = planner.moe_copy_passes().set_index("run")
    assert len(df) == 7   # GPT-OSS × 3, Qwen3 × 3, DeepSeek-V3
    oss = df.loc["GPT-OSS 120B, 64 H100, NeMo 26.02, GBS 1280"]
    assert oss["copies_mib"] * 2**20 == 2 * 4096 * 4 * 2880 * 2
    assert oss["moe_layers_per_rank"] == 36 // 4 and oss["microbatches"] == 1280 // 16
    assert oss["one_pass_s"] == pytest.approx(188_743_680 * 9 * 80 / 3.35e12, rel=1e-12)
    assert oss["charged_s"] == pytest.approx(kernels.FITTED["elementwise_passes"] * oss["one_pass_s"], rel=1e-12)
    assert planner.PERMUTATION_PASSES == 2 * 2 * 2
    assert (df["step_reported_s"] > df["step_predicted_s"]).all()
    assert (df["passes_to_explain"] > 2 * 2 * 2).all()


def test_later_release_figures_as_printed_and_set_beside_the_first():
    """NVIDIA's summary prints some validation rows again in later releases, every printed column equal but the
    throughput (tokens/s/GPU, as printed in its archive): each later error is the first one rescaled by the two
    figures, (1 + e_first) · first / later − 1, since the prediction is one number per printed layout."""
    printed = {label: dict(figs) for label, figs in pub.LATER_RELEASE_FIGURES.items()}
    assert printed == {
        "Llama 3 70B, 64 H100 FP8, NeMo 26.02, GBS 256": {"26.02.01": 1639, "26.04": 1633, "26.04.01": 1664},
        "Llama 3.1 405B, 1024 H100 FP8, NeMo 26.02, GBS 1536": {"26.04.01": 328, "26.06": 326},
        "GPT-OSS 120B, 64 H100, NeMo 26.02, GBS 1280": {"26.02.01": 5984, "26.04": 5810, "26.04.01": 5824},
        "Qwen3 30B-A3B, 16 H100 FP8, NeMo 26.02, GBS 1024": {"26.02.01": 9058},
        "Qwen3 235B-A22B, 256 H100 FP8, NeMo 26.02, GBS 8192": {"26.02.01": 1611, "26.04": 1686, "26.04.01": 1712},
    }
    for label, figs in printed.items():
        assert all(f"{v} ({rel})" in pub.MEGATRON_BRIDGE_LATER for rel, v in figs.items())
    df = planner.later_release_errors()
    assert len(df) == 5 + 12 and df.groupby("run")["first"].sum().eq(1).all()
    for run, g in df.groupby("run"):
        first = g[g["first"]].iloc[0]
        for _, row in g[~g["first"]].iterrows():
            expected = (1 + first["error"]) * first["reported_tokens_per_s_per_gpu"] / row["reported_tokens_per_s_per_gpu"] - 1
            assert row["error"] == pytest.approx(expected, rel=1e-12)
    # the small Qwen3's figure moved by 77% in one point release (5,113 to 9,058); every other row by under 7%
    spread = df.groupby("run")["reported_tokens_per_s_per_gpu"].agg(lambda x: x.max() / x.min() - 1)
    assert spread["Qwen3 30B-A3B, 16 H100 FP8, NeMo 26.02, GBS 1024"] == pytest.approx(9058 / 5113 - 1)
    assert spread.drop("Qwen3 30B-A3B, 16 H100 FP8, NeMo 26.02, GBS 1024").max() == pytest.approx(1712 / 1611 - 1)


def test_later_release_errors_needs_per_gpu_figures():
    (ds,) = _deepseek(pub.VALIDATION_RUNS)
    later = dict(pub.LATER_RELEASE_FIGURES)
    try:
        pub.LATER_RELEASE_FIGURES[ds.label] = (("next", 1.0),)
        with pytest.raises(ValueError, match="tokens/s per GPU"):
            planner.later_release_errors([ds])
    finally:
        pub.LATER_RELEASE_FIGURES.clear()
        pub.LATER_RELEASE_FIGURES.update(later)


# ----- FP8 over bf16 on one layout, measured in pairs (torchtitan, H100) -------------------------------------------
# the predicted speed-up is +1.5% and +1.1% off the measured 1.280 and 1.286 at the H100 SXM's peak, +2.9% and +2.6% at
# the NVL's (the benchmark's chip lies between them); the bound sits just above
FP8_SPEEDUP_BOUND = 0.03


def test_fp8_speedup_pairs_as_printed():
    printed = {(r.gpus, r.global_batch, r.bf16_tokens_per_s_per_gpu, r.fp8_tokens_per_s_per_gpu)
               for r in pub.FP8_SPEEDUP_RUNS}
    assert printed == {(8, 16, 6667, 8532), (128, 256, 6514, 8380)}
    assert pub.TORCHTITAN_H100_HBM_BYTES == 96e9 and pub.TORCHTITAN_H100_HBM_BYTES_PER_S == 2.4e12
    assert pub.FP8_SPEEDUP_RUNS[0].measured_speedup == pytest.approx(8532 / 6667)


def test_fp8_speedup_matches_the_measured_pairs():
    df = planner.fp8_speedup_comparison()
    assert len(df) == 2
    assert (df["predicted speed-up"] > 1).all() and (df["predicted speed-up"] < 2).all()
    assert df["error"].abs().max() <= FP8_SPEEDUP_BOUND
    assert df["error at the NVL peak"].abs().max() <= FP8_SPEEDUP_BOUND
