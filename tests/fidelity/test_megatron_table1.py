"""Megatron-LM (Narayanan et al. 2021), Table 1: llmcalc's exact counts vs the ten published rows.

Every expected value is a figure of the paper (read from ``llmcalc.published``) or a closed form of the
paper written out here; every tolerance is the rounding of the printed figure or a bound derived by
hand in the test. Nothing is compared with a second call of the code under test.
"""

import pytest

import llmcalc
from llmcalc import published as pub

ROWS = pub.MEGATRON_TABLE1
S, V = pub.MEGATRON_SEQ_LEN, pub.MEGATRON_VOCAB
ids = [r.label for r in ROWS]


def test_table1_as_printed_with_its_source():
    # Narayanan et al. 2021, §5.1, Table 1, every column: parameters (billion), attention heads, hidden size,
    # layers, tensor- and pipeline-parallel size, GPUs, batch size, achieved teraFLOP/s per GPU, percentage of
    # theoretical peak, achieved aggregate petaFLOP/s (checked against the paper's text, arXiv 2104.04473)
    printed = [
        (1.7, 24, 2304, 24, 1, 1, 32, 512, 137, 44, 4.4), (3.6, 32, 3072, 30, 2, 1, 64, 512, 138, 44, 8.8),
        (7.5, 32, 4096, 36, 4, 1, 128, 512, 142, 46, 18.2), (18.4, 48, 6144, 40, 8, 1, 256, 1024, 135, 43, 34.6),
        (39.1, 64, 8192, 48, 8, 2, 512, 1536, 138, 44, 70.8), (76.1, 80, 10240, 60, 8, 4, 1024, 1792, 140, 45, 143.8),
        (145.6, 96, 12288, 80, 8, 8, 1536, 2304, 148, 47, 227.1),
        (310.1, 128, 16384, 96, 8, 16, 1920, 2160, 155, 50, 297.4),
        (529.6, 128, 20480, 105, 8, 35, 2520, 2520, 163, 52, 410.2),
        (1008.0, 160, 25600, 128, 8, 64, 3072, 3072, 163, 52, 502.0),
    ]
    assert [(r.params_billion, r.heads, r.hidden, r.layers, r.tp, r.pp, r.gpus, r.batch_size, r.tflops_per_gpu,
             r.percent_of_peak, r.aggregate_pflops) for r in ROWS] == printed
    for r in ROWS:
        assert r.source.startswith("Narayanan et al. 2021") and "Table 1" in r.source and "2104.04473" in r.source
    # §5: V 51,200, s 2048, A100 16-bit peak 312 teraFLOP/s
    assert (S, V, pub.MEGATRON_PEAK_TFLOPS) == (2048, 51200, 312)


@pytest.mark.parametrize("row", ROWS, ids=ids)
def test_layout_is_whole_data_parallel_replicas_with_whole_batches(row):
    # GPUs = TP · PP · DP with DP a whole number, and the global batch splits evenly over DP
    assert row.gpus % (row.tp * row.pp) == 0
    assert row.batch_size % row.dp == 0
    assert row.heads % row.tp == 0 and row.layers % row.pp == 0


@pytest.mark.parametrize("row", ROWS, ids=ids)
def test_exact_parameters_round_to_the_printed_billions(row):
    cfg = pub.megatron_config(row)
    params = llmcalc.param_count(cfg)
    # the paper prints 0.1 B: anything within half a step (0.05e9) rounds to the printed value
    assert abs(params - row.params_billion * 1e9) <= pub.MEGATRON_ROUNDING["params_billion"] * 1e9
    # and the exact count is the paper's 12·l·h²·(1 + 13/(12h) + (V + s)/(12·l·h)) plus the final
    # LayerNorm's 2h (weight and bias), which the paper's closed form leaves out; by hand, in integers:
    l, h = row.layers, row.hidden
    paper = 12 * l * h * h + 13 * l * h + (V + S) * h
    assert params == paper + 2 * h


@pytest.mark.parametrize("row", ROWS, ids=ids)
def test_training_flops_with_full_recompute_match_megatrons_formula_up_to_the_lm_head(row):
    B, l, h = row.batch_size, row.layers, row.hidden
    cfg = pub.megatron_config(row)
    # the paper's closed form, expanded: 96·B·s·l·h²·(1 + s/(6h) + V/(16·l·h))
    paper_full = 96 * B * S * l * h * h + 16 * B * S * S * l * h + 6 * B * S * h * V
    paper_none = 72 * B * S * l * h * h + 12 * B * S * S * l * h + 6 * B * S * h * V  # 72·(1 + s/(6h) + V/(12lh))
    assert llmcalc.megatron_training_flops(B, S, l, h, V, recompute=True) == paper_full
    # Megatron counts the full s×s score matrix (its 16·B·s²·l·h term is 4 passes × QKᵀ and PV
    # without a causal discount), so the matching llmcalc count is causal=False
    ours_none = llmcalc.training_flops(cfg, B, S, causal=False, recompute="none")
    ours_full = llmcalc.training_flops(cfg, B, S, causal=False, recompute="full")
    assert ours_none == paper_none
    # with full recompute llmcalc repeats the whole forward, LM head included; the paper's formula
    # recomputes the layers only, so llmcalc is higher by exactly one LM-head forward, 2·B·s·h·V
    assert ours_full - paper_full == 2 * B * S * h * V
    # as a relative error that is 2V / (96·l·h + 16·s + 6V) < V / (48·l·h): below 1.9% for the 1.7B
    # row and below 0.04% for 1T
    error = (ours_full - paper_full) / paper_full
    assert 0 < error < V / (48 * l * h)


@pytest.mark.parametrize("row", ROWS, ids=ids)
def test_aggregate_pflops_is_per_gpu_tflops_times_gpus_within_rounding(row):
    predicted_pflops = row.tflops_per_gpu * row.gpus / 1e3
    # per-GPU TFLOP/s printed whole (± 0.5 each, × GPUs) and the aggregate printed to 0.1 PFLOP/s (± 0.05)
    bound_pflops = pub.MEGATRON_ROUNDING["tflops_per_gpu"] * row.gpus / 1e3 + pub.MEGATRON_ROUNDING["aggregate_pflops"]
    assert abs(predicted_pflops - row.aggregate_pflops) <= bound_pflops


@pytest.mark.parametrize("row", ROWS, ids=ids)
def test_percent_of_peak_is_tflops_over_312_within_rounding(row):
    assert llmcalc.chip(pub.MEGATRON_CHIP).peak_flops == pub.MEGATRON_PEAK_TFLOPS * 1e12
    predicted_percent = llmcalc.timecost.mfu_from_throughput(row.tflops_per_gpu * 1e12, pub.MEGATRON_CHIP) * 100
    # printed whole per cent (± 0.5 points) from a TFLOP/s printed whole (± 0.5/312 → ± 0.16 points)
    bound_points = pub.MEGATRON_ROUNDING["percent_of_peak"] + 100 * pub.MEGATRON_ROUNDING["tflops_per_gpu"] / 312
    assert abs(predicted_percent - row.percent_of_peak) <= bound_points


# MFU of two rows by hand. The printed TFLOP/s count equation (3)'s FLOPs, 96·B·s·l·h²·(1 + s/(6h) + V/(16lh));
# a step's model FLOPs (no recompute) are 72·B·s·l·h²·(1 + s/(6h) + V/(12lh)). So
#   model TFLOP/s = printed × (3/4) · (1 + s/(6h) + V/(12lh)) / (1 + s/(6h) + V/(16lh)),   MFU = that / 312.
# 1T   (l 128, h 25600): s/(6h) = 2048/153600 = 1/75, V/(12lh) = 51200/39321600 = 1/768, V/(16lh) = 1/1024;
#      163 × 0.75 × (1 + 1/75 + 1/768) / (1 + 1/75 + 1/1024) = 122.289 TFLOP/s → MFU 39.195%
# 1.7B (l 24, h 2304):   s/(6h) = 4/27, V/(12lh) = 25/324, V/(16lh) = 25/432, i.e. (397/324) / (521/432);
#      137 × 0.75 × 171504/168804 = 104.393 TFLOP/s → MFU 33.459%
MFU_BY_HAND = {"1008B": (122.289, 39.195), "1.7B": (104.393, 33.459)}


def _report_row(label):
    import importlib.util
    import pathlib
    import sys

    path = pathlib.Path(__file__).resolve().parents[2] / "tools" / "fidelity_report.py"
    spec = importlib.util.spec_from_file_location("fidelity_report", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("fidelity_report", module)
    spec.loader.exec_module(module)
    df = module.megatron_table1()
    return df[df["model"] == label].iloc[0]


@pytest.mark.parametrize("label", sorted(MFU_BY_HAND))
def test_model_tflops_and_mfu_of_the_report_by_hand(label):
    row = _report_row(label)
    tflops, mfu = MFU_BY_HAND[label]
    # the hand values are printed to 3 decimals: ± 0.0005 (absolute)
    assert row["model TFLOP/s per GPU"] == pytest.approx(tflops, abs=5e-4)
    assert row["MFU %"] == pytest.approx(mfu, abs=5e-4)
