"""llmcalc.i18n: current() reports the language last set by use(); tr(en, zh) picks that language's text."""

import pytest

from llmcalc import i18n
from llmcalc.i18n import current, tr, use
from llmcalc.labels import label


@pytest.fixture(autouse=True)
def _back_to_english():
    yield
    use("en")


def test_default_is_english_before_use():
    # A fresh interpreter: nothing has called use() yet, so current() must be "en".
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", "from llmcalc.i18n import current; print(current())"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == "en"


def test_current_follows_use():
    use("zh")
    assert current() == "zh"
    use("en")
    assert current() == "en"
    use()                       # use() with no argument means English
    assert current() == "en"


def test_tr_returns_the_current_language():
    use("zh")
    assert tr("chips", "芯片") == "芯片"
    assert tr(f"{8960:,} chips", f"{8960:,} 块芯片") == "8,960 块芯片"
    use("en")
    assert tr("chips", "芯片") == "chips"


def test_tr_and_labels_switch_together():
    use("zh")
    assert (tr("a", "甲"), label("chips_axis", "chips")) == ("甲", "芯片数")
    use("en")
    assert (tr("a", "甲"), label("chips_axis", "chips")) == ("a", "chips")


def test_bad_language_is_refused_and_state_kept():
    use("zh")
    with pytest.raises(ValueError, match="lang must be one of"):
        use("fr")
    assert current() == "zh"


@pytest.mark.parametrize("en, zh, field", [(3, "三", "en"), (None, "无", "en"), ("x", 1.5, "zh"),
                                           ("x", ["乙"], "zh"), (b"x", "x", "en")])
def test_tr_refuses_non_strings_naming_the_field(en, zh, field):
    with pytest.raises(ValueError, match=rf"^{field} must be a str"):
        tr(en, zh)


def test_exported_from_module():
    assert i18n.current is current and i18n.tr is tr


# ----- the library's figures and tables in Chinese ----------------------------------------------------------

import re  # noqa: E402

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from llmcalc import hardware, memory as mem, plots, tables  # noqa: E402
from llmcalc.flops import FLOP_COMPONENTS  # noqa: E402
from llmcalc.i18n import ZH  # noqa: E402
from llmcalc.models import preset  # noqa: E402
from llmcalc.params import COMPONENTS, param_count  # noqa: E402


def _memory_keys():
    """Every key the memory functions return (the terms memory_stack draws), read from their outputs."""
    cfg = preset("llama-3-8b")
    outs = [mem.model_state_breakdown(7.5e9, "mixed", 1, 64), mem.training_bytes_per_device(cfg, 1, 2048),
            mem.finetune_bytes(cfg, 10**9, frozen_bytes_per_param=0.5),
            mem.course_slide_bytes(cfg, 8, 1, 2048)]
    return sorted({k for o in outs for k in o})


@pytest.mark.parametrize("key", sorted(set(COMPONENTS) | set(FLOP_COMPONENTS) | set(_memory_keys())
                                       | {"model", "params", "active", "share", "total", "tied"}))
def test_every_key_a_figure_or_table_shows_has_chinese(key):
    # A key without an entry would show as raw English ("frozen_weights") in the Chinese edition.
    assert key in ZH and ZH[key].strip()


def test_tables_show_chinese_but_keep_english_keys():
    use("zh")
    t = tables.breakdown_table("llama-3-8b")
    # the keys code reads are unchanged in both editions
    assert t.loc["total", "params"] == param_count(preset("llama-3-8b"))
    text = t.to_string()
    for zh in ("参数量", "占比 %", "合计", "词嵌入", "注意力", "输出层"):
        assert zh in text
    for en in ("params", "share", "total", "embedding", "lm_head"):
        assert en not in text and en not in t._repr_html_()
    # a formatters dict keyed by the English column name still applies (thousands separators)
    shown = tables.params_table(["llama-3-8b"]).to_string(formatters={"params": "{:,}".format})
    assert "8,030,261,248" in shown and "模型" in shown
    # True/False read as 是/否 (gemma-2 ties its embeddings, llama-3-8b does not)
    shape = tables.shape_table(["llama-3-8b", "gemma-2-9b"]).astype({"E": "Int64", "k": "Int64"})
    assert re.search(r"llama-3-8b .* 否\n", shape.to_string() + "\n") and "是" in shape.to_string()


def test_tables_in_english_print_exactly_as_plain_dataframes():
    import pandas as pd

    use("en")
    for t in (tables.shape_table(["llama-3-8b"]), tables.params_table(["mixtral-8x7b"]),
              tables.flops_table("qwen2-72b", 1, 4096, causal=False)):
        plain = pd.DataFrame(t)
        assert repr(t) == repr(plain) and t._repr_html_() == plain._repr_html_()


def test_fmt_count_counts_in_yi_and_wan_in_chinese():
    # 8,030,261,248 = 80.30 × 10^8 (亿); 226,492,416 = 2.26 × 10^8; 884,736 = 88.47 × 10^4 (万);
    # 1.2e12 = 1.20 × 10^12 (万亿); 9,999 is below 1 万, so it stays whole in Chinese.
    # In English the same numbers read 8.03B, 226.49M, 884.74K, 1.20T, 10.00K.
    cases = [(8_030_261_248, "80.30 亿", "8.03B"), (226_492_416, "2.26 亿", "226.49M"),
             (884_736, "88.47 万", "884.74K"), (1.2e12, "1.20 万亿", "1.20T"), (9_999, "9,999", "10.00K")]
    use("zh")
    assert [tables.fmt_count(n) for n, _, _ in cases] == [zh for _, zh, _ in cases]
    use("en")
    assert [tables.fmt_count(n) for n, _, _ in cases] == [en for _, _, en in cases]


def test_memory_stack_legend_is_chinese():
    use("zh")
    r = mem.finetune_bytes(preset("mixtral-8x7b"), 10**9, frozen_bytes_per_param=0.5)
    fig = plots.memory_stack({"A": {k: x for k, x in r.items() if k != "total"}}, chip="H100")
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    # H100: 80 GiB = 85.9e9 bytes, drawn as 86 GB
    assert legend == ["H100 显存容量 (86 GB)", "权重", "梯度", "fp32 主权重", "优化器状态", "冻结权重"]
    assert fig.axes[0].get_ylabel() == "每设备 GB" and fig.axes[0].get_title() == "每个设备的显存"


def test_compute_vs_comm_titles_a_chip_object_by_its_name():
    # Chapter 5 passes the Chip object; its repr (the whole spec sheet) once made a 6,432-px-wide title.
    v5p = hardware.chip("TPU v5p")
    for lang, title in (("en", "llama-3.1-405b, FSDP+TP on TPU v5p"), ("zh", "llama-3.1-405b：TPU v5p 上的 FSDP+TP")):
        use(lang)
        fig = plots.compute_vs_comm("llama-3.1-405b", v5p, strategy="FSDP+TP", chips=v5p.fast_domain, tp=16)
        assert fig.axes[0].get_title() == title
        assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == (
            ["compute", "communication"] if lang == "en" else ["计算", "通信"])
        fig.canvas.draw()
        # the drawn extent (title included) at 100 dpi stays within the 7-inch figure plus a margin
        width_px = fig.get_tightbbox().width * 100
        assert width_px < 800, width_px
