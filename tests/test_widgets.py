"""Explorers without a browser: set slider values, check the numbers shown against llmcalc itself."""

import base64
import io
import re
import struct

import pandas as pd
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


def test_params_explorer_offers_only_k_dividing_n_and_refuses_others_by_name():
    ex = W.params_explorer("llama-3-70b")
    # LLaMA 3-70B has N = 64 query heads: K must divide 64, so the K slider offers exactly its divisors
    assert W._option_values(ex.controls["K"]) == [1, 2, 4, 8, 16, 32, 64]
    before = ex.values()
    r = ex.set_values(K=7)
    assert r.error.startswith("K must be one of [1, 2, 4, 8, 16, 32, 64]") and ex.summary == {}
    assert "K must be one of" in ex.summary_html.value and ex.values() == before
    # N = 48 (divides D = 8192? no: 8192 / 48 is not whole): not offered; N = 32 is, and K follows to a divisor of 32
    assert 48 not in W._option_values(ex.controls["N"]) and 32 in W._option_values(ex.controls["N"])
    ex.set_values(N=32)
    assert W._option_values(ex.controls["K"]) == [1, 2, 4, 8, 16, 32] and ex.values()["K"] == 8
    ex.set_values(N=1)      # K = 8 no longer divides N: it moves to the only valid value
    assert ex.values()["K"] == 1 and ex.result.error is None


def test_flops_explorer_days_follow_chips_and_mfu():
    ex = W.flops_explorer("llama-3-70b", chip="TPU v5p")
    ex.set_values(seq_len=4096, tokens=15e12, chips=4480, mfu=0.5)   # 4480: half a v5p pod, added to the log scale
    assert ex.controls["chips"].value == 4480
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
    # the default (calibrated) prediction stays below its own ceiling, and the ceiling is above what Meta measured
    assert ex.summary["MFU"] <= ex.summary["MFU ceiling"]
    assert ex.summary["MFU ceiling"] >= (r.mfu_percent - 0.5) / 100, (ex.summary, r.mfu_percent)
    assert f"Meta measured {r.mfu_percent}% MFU on {r.gpus:,} GPUs" in ex.detail_html.value + ex.note_html.value
    ex.set_values(kernels="ideal", efficiency=1.0)
    assert ex.summary["MFU"] >= (r.mfu_percent - 0.5) / 100, (ex.summary, r.mfu_percent)


def test_planner_explorer_has_a_framework_selector_and_labels_the_ceiling():
    from llmcalc import planner

    ex = W.planner_explorer("llama-3.1-405b", chip="H100")
    assert W._option_values(ex.controls["stack"]) == list(planner.STACKS)
    assert ex.controls["efficiency"].disabled          # calibrated kernels: the efficiency slider does not apply
    assert "MFU ceiling (ideal kernels)" in ex.summary_html.value and "MFU (predicted)" in ex.summary_html.value
    # Meta's run (Llama 3 paper, Table 4: 16,384 H100, T = 8192, 41% MFU) is the default: its figure is shown
    assert "Meta measured 41% MFU on 16,384 GPUs at T = 8,192" in ex.note_html.value
    before = ex.summary["step s"]
    ex.controls["stack"].value = "megatron-lm-2021"     # no overlap: the step cannot get faster
    assert ex.result.error is None and ex.summary["step s"] >= before


def test_planner_explorer_fp8_matmuls():
    # FP8 on H100 (Llama 3 70B on 64 GPUs, the Megatron-Bridge benchmark's size): a faster step than bf16, and
    # the same step as the planner's own fp8=True search; on an A100 (no FP8 tensor cores) the reason is shown
    from llmcalc import planner

    ex = W.planner_explorer("llama-3-70b", chip="H100")
    ex.set_values(chips=256, batch_seqs=256, seq_len=8192)
    bf16 = ex.summary["step s"]
    ex.controls["matmuls"].value = "fp8"
    assert ex.result.error is None and ex.summary["step s"] < bf16
    best = planner.search(llmcalc.preset("llama-3-70b"), "H100", 256, 256 * 8192, 8192, fp8=True, top=1).iloc[0]
    assert ex.summary["step s"] == pytest.approx(float(best["step_s"]), rel=1e-12)
    # the weights kept in FP8 as well: the planner's fp8_params=True search, with less memory for the same layout
    ex.controls["matmuls"].value = "fp8_params"
    best_p = planner.search(llmcalc.preset("llama-3-70b"), "H100", 256, 256 * 8192, 8192, fp8=True, fp8_params=True,
                            top=1).iloc[0]
    assert ex.result.error is None
    assert ex.summary["step s"] == pytest.approx(float(best_p["step_s"]), rel=1e-12)
    assert ex.summary["GB/device"] == pytest.approx(float(best_p["memory_gib"]) * 2**30 / 1e9, rel=1e-12)
    ex.controls["chip"].value = "A100"
    assert ex.result.error and "FP8 tensor cores" in ex.result.error
    from llmcalc import i18n
    i18n.use("zh")
    try:
        assert W.error_text(ex.result.error).startswith("A100 没有 FP8 张量核心")
    finally:
        i18n.use("en")
    ex.controls["matmuls"].value = "bf16"
    assert ex.result.error is None


def test_planner_explorer_lower_kernel_efficiency_lowers_mfu():
    ex = W.planner_explorer("llama-3-8b", chip="H100")
    ex.set_values(chips=1024, batch_seqs=512, seq_len=8192, kernels="ideal")
    assert ex.controls["efficiency"].disabled is False
    full = ex.summary["MFU"]
    ex.controls["efficiency"].value = 0.5
    assert ex.summary["MFU"] < full



# ----- issue 12: a dashboard you can project -------------------------------------------------------

def test_memory_tab_offers_only_valid_tp_and_survives_qwen2():
    # Qwen2-7B (config.json of Qwen/Qwen2-7B: 28 query heads, 4 KV heads, MLP width 18944 = 2^9 · 37).
    # TP must divide 28 (1, 2, 4, 7, 14, 28), 18944 (7 does not: 18944 / 7 = 2706.3) and divide K = 4 or be a
    # multiple of it: by hand {1, 2, 4}. The memory tab used to fail with "tp must divide N" at TP 8.
    ex = W.memory_explorer("llama-3-70b", chip="H100")
    assert ex.values()["tp"] == 8
    ex.controls["preset"].value = "qwen2-7b"
    assert ex.result.error is None, ex.result.error
    assert W._option_values(ex.controls["tp"]) == [1, 2, 4]
    assert ex.values()["tp"] == 4                      # the nearest valid value to 8 on a log scale
    ex.controls["preset"].value = "qwen2-57b-a14b"     # MoE: the expert and shared widths must split too
    assert ex.result.error is None, ex.result.error
    c = llmcalc.preset("qwen2-57b-a14b")
    assert all(c.N % t == 0 and c.F_expert % t == 0 and c.F_shared % t == 0 for t in W._option_values(ex.controls["tp"]))
    ex.controls["preset"].value = "llama-3-70b"        # 64 heads, 8 KV heads, F = 28672 = 2^12 · 7: TP 1..64 powers of 2
    assert W._option_values(ex.controls["tp"]) == [1, 2, 4, 8, 16, 32, 64]
    # PP: 1 to L (pipeline stages, at most one layer each); LLaMA 3-70B has 80 layers, the slider stops at 64
    assert W._option_values(ex.controls["pp"]) == list(range(1, 65))


def test_every_control_has_a_unit_or_symbol_and_a_tooltip_in_both_languages():
    for lang in ("en", "zh"):
        llmcalc.i18n.use(lang)
        try:
            for factory in (W.params_explorer, W.flops_explorer, W.memory_explorer, W.sharding_explorer):
                ex = factory()
                for key, ctl in ex.controls.items():
                    assert ctl.tooltip and ctl.description, (factory.__name__, key)
                    if lang == "zh" and key not in ("mfu",):
                        assert re.search(r"[\u4e00-\u9fff]", ctl.tooltip), (key, ctl.tooltip)
        finally:
            llmcalc.i18n.use("en")
    ex = W.flops_explorer()
    assert ex.controls["seq_len"].description == "T (tokens)"
    assert ex.controls["batch"].description == "batch (tokens/step)"
    assert ex.controls["mfu"].readout_format == ".0%"         # MFU as a percentage
    # the chips slider moves on a log scale: consecutive values grow by a factor 4/3 or 3/2 (not a fixed step)
    chips = W._option_values(ex.controls["chips"])
    pods = {8960, 17920, 35840, 71680}       # 1, 2, 4, 8 TPU v5p pods of 16 × 20 × 28 = 8,960 chips
    assert pods <= set(chips)
    plain = [n for n in chips if n not in pods]
    ratios = {round(b / a, 3) for a, b in zip(plain, plain[1:]) if a >= 4}
    assert ratios == {1.333, 1.5}
    # the readout has thousands separators
    labels = dict((v, k) for k, v in ex.controls["chips"].options)
    assert labels[16384] == "16,384"


def test_numbers_are_shown_with_separators_and_percentages():
    ex = W.params_explorer("llama-3-70b")
    assert "70,553,706,496" in ex.summary_html.value          # LLaMA 3-70B's count (docs/references.md)
    shown = ex.shown_table()
    assert shown.loc["attention", "share"].endswith("%")
    ex = W.flops_explorer("llama-3-70b")
    assert re.search(r"attention share:</span> <span class='llm-value'>\d+\.\d%", ex.summary_html.value)


def test_an_error_replaces_the_plot_and_a_valid_value_brings_it_back():
    ex = W.params_explorer("llama-3-70b")
    svg = ex.image.value
    r = ex.set_values(L=1.5)
    assert r.error and ex.image.layout.visibility == "hidden" and ex.plot_error.layout.display == "block"
    assert "L must be a whole number" in ex.plot_error.value and ex.table_html.value == ""
    # the plot stays in place, invisible, under the error panel, and so do the numbers: the page does not jump
    assert "visibility:hidden" in ex.summary_html.value and "70,553,706,496" in ex.summary_html.value
    ex.set_values(L=40)
    assert ex.result.error is None and ex.image.layout.visibility == "visible" and ex.plot_error.layout.display == "none"
    assert ex.image.value != svg


@pytest.mark.parametrize("factory", ["flops_explorer", "memory_explorer", "sharding_explorer", "planner_explorer"])
def test_legends_never_cover_the_data(factory):
    ex = getattr(W, factory)()
    # on screen the legend is HTML beside the plot: none inside the figure, every labelled artist listed
    assert ex.ax.get_legend() is None
    labels = ex.ax.get_legend_handles_labels()[1]
    assert labels and all(lab in ex.legend_html.value for lab in labels)
    # in an exported figure the legend sits right of the axes, inside the (widened) figure
    with ex._figure_with_legend():
        ex.fig.canvas.draw()
        axes, fig, box = ex.ax.get_window_extent(), ex.fig.bbox, ex.ax.get_legend().get_window_extent()
        assert box.x0 >= axes.x1 - 0.5, (box, axes)
        assert box.x1 <= fig.x1 + 0.5 and box.y0 >= fig.y0 - 0.5
    assert ex.ax.get_legend() is None and tuple(ex.fig.get_size_inches()) == (5.2, 3.6)


def test_plots_are_svg_and_the_png_export_is_twice_the_screen_size():
    ex = W.memory_explorer("llama-3-70b", chip="H100")
    assert ex.image.format == "svg+xml" and bytes(ex.image.value).lstrip().startswith(b"<?xml")
    links = ex.export()
    png = base64.b64decode(links["png"].split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1508, 720)      # 520 × 360 CSS px (+45% for the legend) at 2×
    svg = base64.b64decode(links["svg"].split(",", 1)[1])
    assert b"<svg" in svg
    csv = base64.b64decode(links["csv"].split(",", 1)[1]).decode()
    table = pd.read_csv(io.StringIO(csv), index_col=0)
    assert table.loc["total", "GB"] == pytest.approx(ex.summary["total GB/device"])
    assert "href='data:text/csv" in ex.export_links.value and "download=" in ex.export_links.value


def test_memory_verdict_is_explained_in_words():
    ex = W.memory_explorer("llama-3.1-405b", chip="H100")
    ex.set_values(tp=8, pp=16, dp=128, zero_stage=1, seq_len=8192, micro_batch=1)
    total, hbm = ex.summary["total GB/device"], ex.summary["HBM GB"]
    assert hbm == 85.520809984   # H100 80GB HBM3: nvidia-smi prints 81,559 MiB = 85,520,809,984 B (hardware.py sources)
    note = ex.note_html.value
    assert note.startswith("Fits" if ex.summary["fits"] else "Does not fit") and f"{total:,.1f} GB" in note
    ex.set_values(tp=1, pp=1, zero_stage=0)           # 16 bytes × 405e9 of states on one GPU: far over 80 GB
    assert ex.summary["fits"] is False and ex.note_html.value.startswith("Does not fit")


def test_chinese_explorers_show_no_english_words_outside_the_allowlist():
    llmcalc.i18n.use("zh")
    try:
        exs = [W.params_explorer("mixtral-8x7b"), W.flops_explorer(), W.memory_explorer(), W.sharding_explorer(),
               W.planner_explorer()]
        exs[2].set_values(pp=16)                       # the PP note too
        bad = W.memory_explorer()
        bad.set_values(tp=3)                           # refused: the error is shown in Chinese
        texts = []
        for ex in exs + [bad]:
            texts += [ex.title_html.value, ex.summary_html.value, ex.note_html.value, ex.table_html.value,
                      ex.plot_error.value, ex.export_button.description]
            for key, ctl in ex.controls.items():
                texts.append(ctl.description)
                if key != "preset" and hasattr(ctl, "options"):
                    texts += [str(o[0] if isinstance(o, tuple) else o) for o in ctl.options]
        words = set()
        for t in texts:
            t = re.sub(r"<style>.*?</style>", " ", t, flags=re.S)    # CSS is not shown
            words |= set(re.findall(r"[A-Za-z][A-Za-z]+", re.sub(r"<[^>]*>", " ", t)))
        assert words <= ALLOWED_EN, sorted(words - ALLOWED_EN)
        assert "必须是列出的选项之一" in bad.summary_html.value or "只能取列出的选项之一" in bad.summary_html.value
    finally:
        llmcalc.i18n.use("en")


def test_the_planner_explorer_names_module_recompute_in_chinese():
    # a mixture-of-experts model: the search also tries Megatron-Core's module policy, shown in Chinese words
    llmcalc.i18n.use("zh")
    try:
        assert W.recompute_text("layernorm+moe_act") == "按模块重计算(归一化+专家激活函数)"
        assert W.recompute_text("full") == "完全重计算"
        assert W.layout_text("TP1 CP1 PP4 DP16 EP8 ZeRO-1 b1 layernorm+moe_act").endswith("b1 按模块重计算(归一化+专家激活函数)")
        ex = W.planner_explorer()
        ex.set_values(preset="gpt-oss-120b", chips=256, batch_seqs=1024, seq_len=4096)
        shown = re.sub(r"<[^>]*>", " ", ex.table_html.value + ex.summary_html.value)
        assert "按模块重计算" in shown and "moe_act" not in shown
        assert set(re.findall(r"[A-Za-z][A-Za-z]+", shown)) <= ALLOWED_EN
    finally:
        llmcalc.i18n.use("en")
    assert W.recompute_text("layernorm+moe_act") == "layernorm+moe_act"


def test_error_messages_in_chinese_name_the_field_and_the_range():
    llmcalc.i18n.use("zh")
    try:
        assert W.error_text("k must be a whole number >= 1, got 0") == "k(激活专家) 必须是不小于 1 的整数"
        assert W.error_text("L must be a whole number in [1, 2^53], got 1.5") == "L(层) 必须是 [1, 2^53] 中的整数"
        assert W.error_text("tp must be one of [1, 2, 4] here, got 3") == "张量并行 TP 只能取列出的选项之一"
        assert W.error_text("no layout is accepted: of 5 evaluated").startswith("没有可行的布局")
        assert W.error_text("something else entirely") == "这组取值无法计算"
    finally:
        llmcalc.i18n.use("en")
    assert W.error_text("k must be a whole number >= 1, got 0") == "k must be a whole number >= 1, got 0"


# symbols, units, chip and model names, and names of techniques that Chinese text writes in Latin letters
ALLOWED_EN = {"MFU", "FLOPs", "GB", "HBM", "MLP", "KV", "TP", "PP", "DP", "SP", "CP", "EP", "ZeRO", "FSDP", "ICI",
              "NVLink", "IB", "logits", "fp", "bf", "Adam", "token", "llmcalc", "planner", "PNG", "SVG", "CSV",
              "TPU", "GPU", "ms", "H", "A", "B", "v", "p", "e", "Ironwood", "Trillium", "Gaudi", "MI", "DCN",
              "RoCE", "Transformer", "GQA", "MoE", "X", "Meta", "Llama", "LLaMA", "NVIDIA", "Google",
              "Megatron", "LM", "Core", "DeepSpeed", "PyTorch", "JAX", "XLA", "SwiGLU", "FP", "Engine", "DeepSeek", "HAI", "LLM", "DualPipe"}


def test_the_planners_no_layout_message_reads_in_chinese():
    # the explorers show the library's message; in Chinese, "no layout is accepted" keeps its numbers and its advice
    from llmcalc import i18n, planner

    with pytest.raises(ValueError) as err:
        planner.search(llmcalc.preset("llama-3.1-405b"), "H100", 16, 16 * 8192, 8192)
    message = str(err.value)
    need = re.search(r"needs is ([\d,.]+) GB per device, over the ([\d,.]+) GB usable", message).groups()
    i18n.use("zh")
    try:
        zh = W.error_text(message)
    finally:
        i18n.use("en")
    assert zh.startswith("没有可行的布局") and f"{need[0]} GB" in zh and f"{need[1]} GB" in zh and "H100" in zh
    assert "这组取值无法计算" not in zh
