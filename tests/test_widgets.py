"""Explorers without a browser: set slider values, check the numbers shown against llmcalc itself."""

import pytest

pytest.importorskip("ipywidgets")

import llmcalc  # noqa: E402
from llmcalc import widgets as W  # noqa: E402


def test_params_explorer_shows_the_exact_count_after_moving_d_and_l():
    ex = W.params_explorer("llama-3-70b")
    ex.controls["D"].value = 4096
    ex.controls["L"].value = 40
    # D = 4096 with N = 64 heads gives H = 64; the rest of LLaMA 3-70B stays
    expected = llmcalc.param_count(llmcalc.ModelConfig(L=40, D=4096, F=28672, N=64, K=8, V=128256))
    assert ex.summary["total params"] == expected
    assert f"{expected:,}" in ex.summary_html.value


def test_params_explorer_preset_dropdown_loads_the_model():
    ex = W.params_explorer("llama-3-70b")
    ex.controls["preset"].value = "mixtral-8x7b"
    assert (ex.controls["E"].value, ex.controls["k"].value) == (8, 2)
    assert ex.summary["total params"] == 46_702_792_704  # docs/references.md, from transformers
    assert ex.summary["active params"] == llmcalc.active_param_count(llmcalc.preset("mixtral-8x7b"))


def test_params_explorer_shows_the_error_for_k_not_dividing_n():
    ex = W.params_explorer("llama-3-70b")
    ex.controls["K"].value = 7
    assert "must be a multiple of K" in ex.summary_html.value and ex.summary == {}


def test_flops_explorer_days_follow_chips_and_mfu():
    ex = W.flops_explorer("llama-3-70b", chip="TPU v5p")
    ex.controls["seq_len"].value = 4096
    ex.controls["tokens"].value = 15e12
    ex.controls["chips"].value = 4480
    ex.controls["mfu"].value = 0.5
    c = llmcalc.preset("llama-3-70b")
    total = llmcalc.training_flops(c, 1, 4096) / 4096 * 15e12
    assert ex.summary["days"] == pytest.approx(total / (4480 * 4.59e14 * 0.5 * 86400))
    assert ex.summary["6P FLOPs/token"] == 6 * 70_553_706_496


def test_flops_explorer_chip_dropdown_changes_the_peak():
    ex = W.flops_explorer("llama-3-70b", chip="TPU v5p")
    before = ex.summary["days"]
    ex.controls["chip"].value = "H100"
    assert ex.summary["days"] == pytest.approx(before * 4.59e14 / 9.89e14)


def test_memory_explorer_total_follows_zero_stage_and_recompute():
    from llmcalc import memory

    ex = W.memory_explorer("llama-3-70b", chip="H100")
    ex.controls["zero_stage"].value = 3
    ex.controls["recompute"].value = "full"
    ex.controls["dp"].value = 32
    c = llmcalc.preset("llama-3-70b")
    expected = memory.training_bytes_per_device(c, 1, 4096, regime="mixed", zero_stage=3, dp=32, tp=8, pp=4,
                                                sp=True, recompute="full")["total"]
    assert ex.summary["total GB/device"] == pytest.approx(expected / 1e9)
    # ZeRO-3 over 32 × (TP 8 · PP 4): 16 bytes × 70.55e9 / 1024 devices of model states, by hand
    assert ex.result.table.loc[["weights", "grads", "master", "optimizer"], "GB"].sum() == pytest.approx(16 * 70_553_706_496 / 1024 / 1e9)


def test_memory_explorer_says_whether_it_fits():
    ex = W.memory_explorer("llama-3-70b", chip="H100")
    ex.controls["tp"].value = 1
    ex.controls["pp"].value = 1
    ex.controls["zero_stage"].value = 0
    assert ex.summary["fits"] is False  # 16 bytes × 70.55e9 = 1129 GB of model states on one 80 GB GPU


def test_sharding_explorer_pure_fsdp_on_a_v5p_pod_is_communication_bound_at_468_tokens():
    # the book, part 6: 4M tokens over 8960 chips = 468 tokens per chip < 850, so pure FSDP waits on ICI
    ex = W.sharding_explorer("llama-3-70b", chip="TPU v5p")
    ex.controls["strategy"].value = "FSDP"
    ex.controls["chips"].value = 8960
    ex.controls["tokens_per_chip"].value = 468
    assert ex.summary["bound"] == "communication"
    ex.controls["strategy"].value = "FSDP+TP"
    ex.controls["tp"].value = 4
    assert ex.summary["bound"] == "compute"  # 468 > the FSDP+TP threshold of ~113


def test_sharding_explorer_crossover_moves_with_tokens_per_chip():
    from llmcalc import sharding

    ex = W.sharding_explorer("llama-3-70b", chip="TPU v5p")
    ex.controls["strategy"].value = "FSDP"
    ex.controls["tokens_per_chip"].value = 4096  # well above 850
    assert ex.summary["bound"] == "compute"
    t = sharding.fsdp_layer_time(llmcalc.preset("llama-3-70b"), "TPU v5p", ex.controls["tokens_per_chip"].value * 8960, 8960, M_X=3)
    assert ex.summary["comm ms/layer"] == pytest.approx(1e3 * t.comm_s)


def test_flops_explorer_batch_changes_steps_but_not_total_compute():
    # the Qwen2-72B article: for a fixed number of training tokens, the batch size does not change the total FLOPs
    ex = W.flops_explorer("llama-3-70b", chip="TPU v5p")
    ex.controls["batch"].value = 2**22
    before = dict(ex.summary)
    ex.controls["batch"].value = 2**24
    after = ex.summary
    assert after["total FLOPs"] == before["total FLOPs"] and after["days"] == before["days"]
    assert after["steps"] == pytest.approx(before["steps"] / 4)
    assert after["seconds/step"] == pytest.approx(4 * before["seconds/step"])


def test_set_values_recomputes_once_and_a_preset_change_never_shows_a_transient_error():
    ex = W.params_explorer("llama-3-70b")
    calls = []
    original = ex._compute
    ex._compute = lambda v: calls.append(dict(v)) or original(v)
    ex.set_values(D=4096, L=40)
    assert len(calls) == 1
    calls.clear()
    ex.controls["preset"].value = "gemma-2-9b"  # its whole shape loads before the one recomputation
    assert len(calls) == 1 and ex.result.error is None
    assert ex.summary["total params"] == 9_241_705_984  # Gemma-2-9B, from transformers (see crosscheck)


@pytest.mark.parametrize("row", range(3), ids=["8K 8,192 GPUs", "8K 16,384 GPUs", "128K 16,384 GPUs"])
def test_planner_explorer_finds_a_layout_at_least_as_fast_as_metas(row):
    # Llama 3 paper (arXiv 2407.21783v3), Table 4: 405B on H100s, 16M tokens a step, BF16 MFU 43%, 41%, 38%
    # (printed whole: at least 42.5%, 40.5%, 37.5%). With ideal kernels (efficiency 1) the best layout the
    # explorer shows for the same GPUs, batch and sequence length must be at least as fast as what Meta ran.
    from llmcalc import published as pub

    r = pub.LLAMA3_TABLE4[row]
    ex = W.planner_explorer("llama-3.1-405b", chip="H100")
    ex.set_values(chips=r.gpus, batch_seqs=r.batch_tokens // r.seq_len, seq_len=r.seq_len)
    assert (ex.controls["chips"].value, ex.controls["batch_seqs"].value) == (r.gpus, r.batch_tokens // r.seq_len)
    assert ex.summary["MFU"] >= (r.mfu_percent - 0.5) / 100, (ex.summary, r.mfu_percent)


def test_planner_explorer_lower_kernel_efficiency_lowers_mfu():
    ex = W.planner_explorer("llama-3-8b", chip="H100")
    ex.set_values(chips=1024, batch_seqs=512, seq_len=8192)
    full = ex.summary["MFU"]
    ex.controls["efficiency"].value = 0.5
    assert ex.summary["MFU"] < full

