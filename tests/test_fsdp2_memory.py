"""llmcalc.memory.fsdp2_bytes_per_device and the planner's stack="fsdp2" memory: one rank's peak under PyTorch
FSDP2 + DTensor TP/SP in closed form, against torch's own FSDPMemTracker (llmcalc.measured: RANK_PRESET_GRID, the
grid of real LLaMA shapes, and RANK_PEAKS) and against hand calculations."""

from __future__ import annotations

import pytest

import llmcalc
from llmcalc import measured, memory, planner, rank_memory
from llmcalc.models import ModelConfig

# the accuracy docs/rank-memory.md and the README claim for the closed form and the planner on real LLaMA shapes
CLAIM = measured.FSDP2_CLOSED_FORM_CLAIM


def _cfg(shape):
    return ModelConfig.from_hf(dict(measured.RANK_SHAPES[shape], model_type="llama")) \
        if shape in measured.RANK_SHAPES else llmcalc.preset(shape)


def _label(r):
    return f"{r.shape}-b{r.micro_batch}-s{r.seq_len}-d{r.dp_shard}-tp{r.tp}-{r.regime}-rafo{int(r.reshard_after_forward)}-" \
           f"ckpt{int(r.checkpointing)}-sp{int(r.sp)}-lp{int(r.loss_parallel)}-r{r.dp_replicate}"


PRESET_RECORDS = measured.RANK_PRESET_GRID + tuple(r for r in measured.RANK_PEAKS if r.shape not in measured.RANK_SHAPES)


# ----- hand calculations ---------------------------------------------------------------------------------------

TINY = ModelConfig.from_hf(dict(model_type="llama", hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                num_attention_heads=4, num_key_value_heads=2, vocab_size=256,
                                tie_word_embeddings=False, max_position_embeddings=64))


def test_tiny_model_by_hand():
    # D 64, F 128, N 4, K 2, H 16, V 256, L 2, untied; one sequence of 32 tokens, FSDP over 4 ranks, amp (p = 4),
    # ZeRO-3 style, no TP, no checkpointing.
    # A layer: q 64·64 = 4096, k 32·64 = 2048, v 2048, o 4096, gate/up/down 3·128·64 = 24,576, two norms 128
    #   = 36,992. The root: embedding 16,384, LM head 16,384, final norm 64 = 32,832. All: 106,816; shard 26,704.
    # Sharded weights 26,704·4 = 106,816; AdamW 2·106,816 + 4 bytes × 21 tensors (9 a layer, 3 in the root) = 213,716.
    # optimizer step: weights + gradients 106,816 + AdamW + the sqrt copy 106,816 + int64 ids 8·32
    #   = 3 × 106,816 + 213,716 + 256 = 534,420
    # loss backward: weights 106,816 + the root gathered in bf16 2·32,832 = 65,664 + the last layer's prefetched
    #   buffer 2·36,992 = 73,984 + AdamW 213,716
    #   + what both layers keep: 32 tokens × (16·64 + 8 + 4·64 + 4·32 + 4·4 + 8·128) = 32 × 2456 = 78,592 each
    #   + ids and padded labels 8·32 + 8·33 = 520 + the final norm 32·(6·64 + 4) + 2·64·32 = 16,512
    #   + the loss 12·256·32 = 98,304
    #   = 106,816 + 65,664 + 73,984 + 213,716 + 157,184 + 520 + 16,512 + 98,304 = 732,700
    got = memory.fsdp2_bytes_per_device(TINY, 1, 32, dp_shard=4, regime="amp")
    assert got["moments"]["optimizer_step"] == 534_420
    assert got["moments"]["loss_backward"] == 732_700
    # (for so small a model the peak falls in a layer's backward pass, where the layer's working set is large
    # beside the loss; the replay's loss-backward maximum is 734,556, the 1,856 bytes more are rotary tables, the
    # loss's scalars and the norms' temporaries the closed form leaves out)
    assert got["total"] == max(got["moments"].values()) and got["moment"].startswith("backward_")
    assert got["parameters"] + got["gradients"] + got["optimizer_states"] + got["activations"] == got["total"]


def test_loss_parallelism_and_checkpointing_by_hand():
    # The same model on TP 2 × FSDP 2 with SP and loss parallelism, checkpointing: the loss keeps 16·V/tp + 33
    # bytes per token (128 columns: 16·128 + 33 = 2081, × 32 = 66,592) instead of 12·V = 3072 (98,304), and each
    # layer keeps its input shard 2·64·16 = 2048 bytes (t_l = 16 tokens).
    # The same layout without loss parallelism holds the whole vocabulary: 98,304 - 66,592 = 31,712 more.
    lp = memory.fsdp2_bytes_per_device(TINY, 1, 32, dp_shard=2, tp=2, regime="amp", checkpointing=True)
    whole = memory.fsdp2_bytes_per_device(TINY, 1, 32, dp_shard=2, tp=2, regime="amp", checkpointing=True,
                                          loss_parallel=False)
    assert whole["moments"]["loss_backward"] - lp["moments"]["loss_backward"] == 98_304 - 66_592
    ckpt_off = memory.fsdp2_bytes_per_device(TINY, 1, 32, dp_shard=2, tp=2, regime="amp")
    # without checkpointing a layer keeps, under SP, 16·(12·64 + 8) + 32·(4·64 + (4·64 + 4·32 + 4·4 + 8·128)/2)
    #   = 12,416 + 32·968 = 43,392 bytes instead of 2048: two layers, 82,688 more at the start of the backward
    assert ckpt_off["moments"]["loss_backward"] - lp["moments"]["loss_backward"] == 2 * (43_392 - 2048)


def test_zero2_style_keeps_every_layer_gathered_until_its_backward():
    # reshard_after_forward=False: at the start of the backward pass both layers are gathered in bf16
    # (2 × 2·36,992 = 147,968) instead of the last one's prefetched buffer (73,984)
    z3 = memory.fsdp2_bytes_per_device(TINY, 1, 32, dp_shard=4, regime="amp")
    z2 = memory.fsdp2_bytes_per_device(TINY, 1, 32, dp_shard=4, regime="amp", reshard_after_forward=False)
    assert z2["moments"]["loss_backward"] - z3["moments"]["loss_backward"] == 147_968 - 73_984


# ----- against torch's FSDPMemTracker ----------------------------------------------------------------------------

def test_the_preset_grid_covers_shapes_world_sizes_sharding_tp_and_checkpointing():
    grid = measured.RANK_PRESET_GRID
    assert {r.shape for r in grid} == {"llama-2-7b", "llama-2-13b", "llama-3-8b", "llama-3-70b"}
    assert {r.world_size for r in grid} == {8, 64, 512}
    assert {r.tp for r in grid} == {1, 2, 4, 8}
    assert {r.reshard_after_forward for r in grid} == {True, False}
    assert {r.checkpointing for r in grid} == {True, False}
    assert {r.regime for r in grid} == {"bf16", "amp"}
    assert len(grid) == 160


@pytest.mark.parametrize("record", measured.RANK_PRESET_GRID, ids=[_label(r) for r in measured.RANK_PRESET_GRID])
def test_rank_peak_bytes_replays_the_preset_grid_to_the_byte(record):
    got = rank_memory.rank_peak_breakdown(_cfg(record.shape), record.micro_batch, record.seq_len, **record.layout())
    assert got["total"] == record.peak_bytes
    assert tuple(got[t] for t in rank_memory.RANK_TERMS) == record.by_category


@pytest.mark.parametrize("record", PRESET_RECORDS, ids=[_label(r) for r in PRESET_RECORDS])
def test_closed_form_within_the_claim_on_real_llama_shapes(record):
    got = memory.fsdp2_bytes_per_device(_cfg(record.shape), record.micro_batch, record.seq_len, **record.layout())
    assert abs(got["total"] - record.peak_bytes) <= CLAIM * record.peak_bytes


@pytest.mark.parametrize("record", [r for r in PRESET_RECORDS if r.dp_shard > 1], ids=_label)
def test_planner_fsdp2_memory_within_the_claim_on_real_llama_shapes(record):
    # the planner with stack="fsdp2": FSDP over at least two ranks (with one, the planner has no FSDP)
    got = rank_memory.planner_bytes(_cfg(record.shape), record.micro_batch, record.seq_len, **record.layout())
    assert abs(got - record.peak_bytes) <= CLAIM * record.peak_bytes


def test_the_claims_are_what_the_records_show():
    errors = [abs(memory.fsdp2_bytes_per_device(_cfg(r.shape), r.micro_batch, r.seq_len, **r.layout())["total"]
                  / r.peak_bytes - 1) for r in PRESET_RECORDS]
    assert max(errors) == pytest.approx(measured.FSDP2_CLOSED_FORM_WORST, abs=5e-5)
    small = [abs(memory.fsdp2_bytes_per_device(_cfg(r.shape), r.micro_batch, r.seq_len, **r.layout())["total"]
                 / r.peak_bytes - 1) for r in measured.RANK_PEAKS if r.shape in measured.RANK_SHAPES]
    assert sum(e <= CLAIM for e in small) == measured.FSDP2_SMALL_WITHIN_CLAIM
    assert len(small) == measured.FSDP2_SMALL_COUNT


def test_the_textbook_formula_is_not_within_the_claim():
    # the reason the closed form exists: the ZeRO formula leaves out FSDP2's working set (median short by a
    # quarter on the real shapes)
    short = [rank_memory.zero_formula_bytes(_cfg(r.shape), r.micro_batch, r.seq_len, **r.layout())["total"]
             / r.peak_bytes - 1 for r in PRESET_RECORDS]
    assert sum(abs(e) <= CLAIM for e in short) < len(short) / 4


# ----- the planner uses it only where it applies --------------------------------------------------------------------

L8 = llmcalc.preset("llama-3-8b")


def test_planner_fsdp2_memory_equals_the_closed_form():
    row = planner.layout(L8, "H100", 64, 64 * 8192, 8192, zero=3, micro_batch=1, recompute="full",
                         regime="mixed", stack="fsdp2", fused_swiglu=False, norm_fp32=True)
    closed = memory.fsdp2_bytes_per_device(L8, 1, 8192, dp_shard=64, regime="amp", checkpointing=True)
    assert row.memory_gib * 2**30 == pytest.approx(closed["total"], rel=1e-12)


def test_other_stacks_and_pipelines_keep_the_textbook_memory():
    kw = dict(zero=3, micro_batch=1, recompute="full", regime="mixed")
    core = planner.layout(L8, "H100", 64, 64 * 8192, 8192, stack="megatron-core", **kw)
    fsdp = planner.layout(L8, "H100", 64, 64 * 8192, 8192, stack="fsdp2", **kw)
    assert fsdp.memory_gib > 1.5 * core.memory_gib          # the loss's fp32 temporaries, the gathered root, ...
    piped = dict(kw, pp=2)
    assert planner.layout(L8, "H100", 64, 64 * 8192, 8192, stack="fsdp2", **piped).memory_gib == \
        planner.layout(L8, "H100", 64, 64 * 8192, 8192, stack="megatron-core", **piped).memory_gib


@pytest.mark.parametrize("kwargs, field", [
    (dict(dp_shard=0), "dp_shard"), (dict(dp_shard=8, regime="fp8"), "regime"), (dict(dp_shard=8, tp=3), "tp"),
    (dict(dp_shard=8, checkpointing="yes"), "checkpointing"), (dict(dp_shard=8, sp=2), "sp"),
])
def test_invalid_inputs_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        memory.fsdp2_bytes_per_device(L8, 1, 8192, **kwargs)


def test_norm_fp32_and_loss_parallel_are_validated_by_the_planner():
    with pytest.raises(ValueError, match="norm_fp32"):
        planner.layout(L8, "H100", 64, 64 * 8192, 8192, zero=3, norm_fp32="yes")
    with pytest.raises(ValueError, match="loss_parallel"):
        planner.layout(L8, "H100", 64, 64 * 8192, 8192, zero=3, loss_parallel=2)


def test_planner_without_loss_parallelism_holds_the_whole_vocabulary():
    # TP 8, no PP: the textbook path keeps one fp32 copy of the logits beside the layers' activations, V/8 per rank
    # with a vocabulary-parallel loss and all V without: 4 bytes · (V - V/8) · 8192 tokens more (LLaMA 3-8B, one
    # 8192-token sequence per replica)
    kw = dict(tp=8, zero=1, micro_batch=1, recompute="full")
    on = planner.layout(L8, "H100", 64, 8 * 8192, 8192, **kw)
    off = planner.layout(L8, "H100", 64, 8 * 8192, 8192, loss_parallel=False, **kw)
    assert (off.memory_gib - on.memory_gib) * 2**30 == pytest.approx(4 * (128256 - 128256 / 8) * 8192, rel=1e-9)
    # and FSDP2's closed form: 12·V instead of 16·V/8 + 33 bytes per token at the start of the backward pass
    fsdp_on = planner.layout(L8, "H100", 64, 8 * 8192, 8192, tp=8, zero=3, stack="fsdp2")
    fsdp_off = planner.layout(L8, "H100", 64, 8 * 8192, 8192, tp=8, zero=3, stack="fsdp2", loss_parallel=False)
    assert (fsdp_off.memory_gib - fsdp_on.memory_gib) * 2**30 == pytest.approx(
        (12 * 128256 - (16 * 128256 / 8 + 33)) * 8192, rel=1e-9)


def test_the_rank_memory_page_shows_the_current_tables():
    # docs/rank-memory.md embeds `python tools/measure_rank_peak.py --markdown` (computed from llmcalc.measured)
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("measure_rank_peak", root / "tools" / "measure_rank_peak.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.markdown_tables() in (root / "docs" / "rank-memory.md").read_text(encoding="utf-8")


def test_closed_form_against_the_replay_beyond_the_measured_grids():
    # model against model: the replay is exact on every measured step; two presets of the sweep docs/rank-memory.md
    # reports (Qwen2-7B has q/k/v biases, LLaMA 3.1-405B is the capstone's), every layout of it: within the claim
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("measure_rank_peak", root / "tools" / "measure_rank_peak.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    rows = tool.closed_form_sweep(["qwen2-7b", "llama-3.1-405b"])
    # lengths 2 × shard counts 4 × regime, ZeRO style, checkpointing 8, and TP: 1, 2 and 4 with and without SP for
    # Qwen2-7B (28 heads: TP 8 does not divide them), also 8 for the 405B: (5 + 7) × 64
    assert len(rows) == (5 + 7) * 2 * 4 * 8
    assert max(e for e, *_ in rows) <= CLAIM
