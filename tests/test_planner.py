"""The parallelism planner (llmcalc.planner): hand-calculated layouts, structural properties of
``search``, monotonicity, Llama 3's published layout (Table 4) and input validation.

Every expected value is worked out here from the chip's datasheet figures (hardware.py: H100 989 TFLOP/s
bf16 dense, 81,559 MiB at 3.35 TB/s, NVLink 450 GB/s one way per GPU, InfiniBand 400 Gb/s = 50 GB/s per GPU;
TPU v5p ICI 90 GB/s one way = 180 GB/s bidirectional per axis, pod 16×20×28) and the model's shape,
following the model the planner's module docstring states. Nothing is computed with planner internals.
Timings are not tested here (``make bench``).
"""

import dataclasses
import functools

import numpy as np
import pytest

import llmcalc
from llmcalc import planner as P

# ----- datasheet figures, written out (hardware.py cites NVIDIA's datasheets / HTSYM) ---------------
H100_PEAK = 989e12          # FLOP/s, bf16 dense
H100_HBM = 81_559 * 2**20   # bytes the device exposes (nvidia-smi; hardware.py cites it), not the label's 80e9
H100_HBM_BW = 3.35e12       # bytes/s
NVLINK = 450e9              # bytes/s one way per GPU (900 GB/s bidirectional)
H800_NVLINK = 200e9         # bytes/s one way (400 GB/s bidirectional)
IB = 50e9                   # bytes/s per GPU (400 Gb/s NDR)
V5P_ICI_AXIS = 180e9        # bytes/s bidirectional per torus axis (90 GB/s one way)
V5P_POD = 16 * 20 * 28      # 8960 chips

# a tiny LLaMA-style model: GQA (8 query heads, 4 kv heads of 32), SwiGLU, RMSNorm, untied
TINY = llmcalc.ModelConfig(L=4, D=256, F=768, N=8, K=4, H=32, V=1000, mlp="gated", norm="rmsnorm")
T_TINY = 512

L38 = llmcalc.preset("llama-3-8b")
L405 = llmcalc.preset("llama-3.1-405b")
MIXTRAL = llmcalc.preset("mixtral-8x7b")

PARTS = ("compute_s", "elementwise_s", "tp_comm_s", "cp_comm_s", "ep_comm_s", "pp_p2p_s", "bubble_s",
         "dp_exposed_s", "optimizer_s")
KEY = ["tp", "sp", "cp", "pp", "interleave", "dp", "ep", "zero", "micro_batch", "recompute"]



def _ideal(kw):
    """The hand calculations below are of the ideal bound (``ideal=True``: every matmul at peak, links at line
    rate, no latency) with 4 HBM passes per stored activation and the Megatron-LM 2021 stack (no overlap of
    tensor-, context- or pipeline-parallel communication), unless a test says otherwise."""
    if "compute_efficiency" not in kw and "ideal" not in kw:
        kw["ideal"] = True
    kw.setdefault("elementwise_passes", 4.0)
    kw.setdefault("stack", "megatron-lm-2021")   # nothing overlapped but the gradient reduction
    return kw


def ideal_layout(*a, **kw):
    return P.layout(*a, **_ideal(kw))


def ideal_search(*a, **kw):
    return P.search(*a, **_ideal(kw))

def exact(x):
    return pytest.approx(x, rel=1e-9)


def hand_forward_flops(L, D, F, N, K, H, V, T):
    """Forward matmul FLOPs of one causal sequence of T tokens through a dense GQA + SwiGLU model,
    written from the definitions (a [m,k]×[k,n] matmul is 2·m·k·n FLOPs).
    Returns (per layer, LM head)."""
    proj = 2 * T * (D * N * H + D * K * H + D * K * H + N * H * D)   # Q, K, V, O projections
    pairs = T * (T + 1) // 2                                          # causal query-key pairs
    scores = 2 * (2 * N * H * pairs)                                  # QKᵀ and PV: 2·H FLOPs per pair, head
    mlp = 2 * T * 3 * D * F                                           # gate, up, down
    head = 2 * T * D * V
    return proj + scores + mlp, head


def test_shapes_used_below_are_the_published_ones():
    assert (L38.L, L38.D, L38.F, L38.N, L38.K, L38.H, L38.V) == (32, 4096, 14336, 32, 8, 128, 128256)
    assert (L405.L, L405.D, L405.F, L405.N, L405.K, L405.H, L405.V) == (126, 16384, 53248, 128, 8, 128, 128256)
    assert (MIXTRAL.L, MIXTRAL.D, MIXTRAL.F_expert, MIXTRAL.E, MIXTRAL.k, MIXTRAL.V) == (32, 4096, 14336, 8, 2, 32000)


# ===== 1. a tiny dense model, one layout, by hand ====================================================
# 8 H100 in one node, 32 sequences of 512 tokens, TP1 PP1 CP1, DP8, ZeRO-0, micro-batch 1, no recompute,
# flash attention; fused_swiglu=False so the stored activations are exactly layer_activation_breakdown's list.

TINY_PARAMS = (
    4 * (256 * 256            # Wq   D·N·H
         + 2 * 256 * 128      # Wk, Wv   D·K·H each
         + 256 * 256          # Wo   N·H·D
         + 3 * 256 * 768      # gate, up, down   D·F each
         + 2 * 256)           # two RMSNorm weights per layer
    + 1000 * 256              # embedding V·D
    + 1000 * 256              # LM head V·D (untied)
    + 256                     # final RMSNorm
)  # = 4 · 786,944 + 512,256 = 3,660,032

TINY_LAYER_FWD, TINY_HEAD_FWD = hand_forward_flops(4, 256, 768, 8, 4, 32, 1000, T_TINY)
TINY_FWD = 4 * TINY_LAYER_FWD + TINY_HEAD_FWD
# per layer: proj 2·512·196,608 = 201,326,592; scores 4·8·32·131,328 = 134,479,872;
# MLP 2·512·589,824 = 603,979,776; head 2·512·256·1000 = 262,144,000
# fwd = 4 · 939,786,240 + 262,144,000 = 4,021,288,960 FLOPs per sequence

# bytes one layer stores per token (tp=1, no SP, flash, no dropout for a gated model, bf16 = 2 bytes):
#   attn_norm_input D, qkv_input D, query N·H, key K·H, value K·H, out_proj_input N·H
#     = 256 + 256 + 256 + 128 + 128 + 256 = 1280 values → 2560 bytes
#   flash log-sum-exp: N fp32 = 8 · 4 = 32 bytes
#   mlp_norm_input D, mlp_input D, gate F, up F, silu_gate F, product F = 512 + 4·768 = 3584 → 7168 bytes
TINY_ACT_PER_TOKEN = 2560 + 32 + 7168  # = 9760 bytes per token per layer


def tiny(**kw):
    args = dict(tp=1, pp=1, cp=1, zero=0, micro_batch=1, recompute="none", fused_swiglu=False)
    args.update(kw)
    return ideal_layout(TINY, "H100", 8, 32 * T_TINY, T_TINY, **args)


def test_tiny_params_by_hand_agree_with_param_count():
    assert TINY_PARAMS == 3_660_032 == llmcalc.param_count(TINY)
    assert TINY_FWD == 4_021_288_960


def test_tiny_layout_shape():
    r = tiny()
    assert (r.tp, r.cp, r.pp, r.dp, r.ep, r.zero) == (1, 1, 1, 8, 1, 0)
    assert r.microbatches == 4            # 32 sequences / DP 8 = 4 per replica, micro-batch 1
    assert r.rejected == "" and r.fits
    assert (r.tp_link, r.cp_link, r.pp_link, r.dp_link) == ("-", "-", "-", "NVLink")
    for part in ("tp_comm_s", "cp_comm_s", "ep_comm_s", "pp_p2p_s", "bubble_s"):
        assert r[part] == 0.0


def test_tiny_compute_time_is_exact_flops_over_peak():
    # 4 sequences per GPU, each 3 × forward (backward = 2 × forward), at 989 TFLOP/s
    assert tiny().compute_s == exact(4 * 3 * TINY_FWD / H100_PEAK)  # = 4.879e-5 s


def test_tiny_elementwise_time_is_four_hbm_passes_over_stored_activations():
    # 4 micro-batches × 4 layers × 512 tokens × 9760 bytes, written+read forward, read+written backward
    per_microbatch = 4 * T_TINY * TINY_ACT_PER_TOKEN     # 19,988,480 bytes
    assert tiny().elementwise_s == exact(4 * 4 * per_microbatch / H100_HBM_BW)


def test_tiny_model_states_are_16_bytes_per_param_read_and_written_once():
    # regime "mixed": 2 (bf16 weights) + 2 (grads) + 4 (fp32 master) + 8 (Adam m, v) = 16 bytes; PP = 1 so
    # the one stage holds every parameter; the optimizer reads and writes them once at HBM bandwidth
    states = 16 * TINY_PARAMS                              # 58,560,512 bytes
    assert tiny().optimizer_s == exact(2 * states / H100_HBM_BW)


@pytest.mark.parametrize("zero, per_param", [
    (0, 16),                     # nothing sharded
    (1, 2 + 2 + 12 / 8),         # master + Adam over the 8 replicas
    (2, 2 + (2 + 12) / 8),       # + gradients
])
def test_tiny_model_states_under_zero(zero, per_param):
    assert tiny(zero=zero).optimizer_s == exact(2 * per_param * TINY_PARAMS / H100_HBM_BW)


def test_tiny_model_states_zero3_with_two_gathered_layers():
    # ZeRO-3: everything over 8 replicas (16/8 bytes per param) + two gathered layers' bf16 weights
    layer = 256 * 256 + 2 * 256 * 128 + 256 * 256 + 3 * 256 * 768 + 2 * 256    # 786,944 params
    states = 16 * TINY_PARAMS / 8 + 2 * 2 * layer
    assert tiny(zero=3).optimizer_s == exact(2 * states / H100_HBM_BW)


def test_tiny_memory_is_states_plus_layers_plus_logits():
    states = 16 * TINY_PARAMS
    acts = 4 * T_TINY * TINY_ACT_PER_TOKEN              # 4 layers, one micro-batch in flight (PP = 1)
    logits = 1 * T_TINY * 1000 * 4                      # fp32 logits of the micro-batch, 2,048,000 bytes
    assert tiny().memory_gib == exact((states + acts + logits) / 2**30)


def test_tiny_fused_swiglu_drops_the_silu_output():
    # a fused SwiGLU recomputes silu(gate) in the backward pass: F values per token per layer less
    saved = 4 * T_TINY * 768 * 2
    assert (tiny().memory_gib - tiny(fused_swiglu=True).memory_gib) * 2**30 == pytest.approx(saved, rel=1e-6)


def test_tiny_dp_allreduce_exposed_beyond_last_backward():
    # ZeRO-0: all-reduce the bf16 gradients once per step: 2 × (2 bytes × params) × 7/8 / NVLink,
    # overlapped with the last micro-batch's backward pass = 2/3 of one micro-batch's matmul time
    allreduce = 2 * (2 * TINY_PARAMS) * 7 / 8 / NVLINK          # 2.847e-5 s
    backward_last = 2 / 3 * (3 * TINY_FWD / H100_PEAK)          # 8.13e-6 s
    assert allreduce > backward_last
    assert tiny().dp_exposed_s == exact(allreduce - backward_last)


def test_tiny_dp_allreduce_hidden_by_a_long_backward():
    # 64 sequences per replica in one micro-batch: the backward (2/3 × 64 × 12.06 GFLOP / 989 TFLOP/s
    # = 0.52 ms) hides the 28 µs all-reduce entirely
    r = ideal_layout(TINY, "H100", 8, 8 * 64 * T_TINY, T_TINY, zero=0, micro_batch=64, fused_swiglu=False)
    assert r.microbatches == 1
    assert 2 / 3 * 64 * 3 * TINY_FWD / H100_PEAK > 2 * 2 * TINY_PARAMS * 7 / 8 / NVLINK
    assert r.dp_exposed_s == 0.0


def test_tiny_step_mfu_and_throughput():
    r = tiny()
    states = 16 * TINY_PARAMS
    compute = 4 * 3 * TINY_FWD / H100_PEAK
    elementwise = 4 * 4 * 4 * T_TINY * TINY_ACT_PER_TOKEN / H100_HBM_BW
    dp = 2 * 2 * TINY_PARAMS * 7 / 8 / NVLINK - 2 / 3 * 3 * TINY_FWD / H100_PEAK
    optimizer = 2 * states / H100_HBM_BW
    step = compute + elementwise + dp + optimizer          # PP = TP = CP = 1: no other part
    assert r.step_s == exact(step)
    # MFU = model FLOPs of the step / (chips × peak × step)
    assert r.mfu == exact(32 * 3 * TINY_FWD / (8 * H100_PEAK * r.step_s))
    assert r.hfu == r.mfu                                  # no recomputation
    assert r.tokens_per_s == exact(32 * T_TINY / r.step_s)


def test_tiny_mfu_is_compute_share_of_step_when_balanced():
    # TP1 PP1: each GPU does exactly 1/8 of the model FLOPs, so MFU = compute_s / step_s
    r = tiny()
    assert r.mfu == exact(r.compute_s / r.step_s)


def test_tiny_tp2_all_reduces_on_nvlink():
    # TP2 (no SP), DP4: 8 sequences per replica → 8 micro-batches; per layer and micro-batch 4 all-reduces
    # of b·s·D bf16 = 512·256·2 = 262,144 bytes, each 2·V·(n−1)/n / W with n = 2
    r = tiny(tp=2, sp=False)
    assert (r.dp, r.microbatches, r.tp_link) == (4, 8, "NVLink")
    msg = 1 * T_TINY * 256 * 2
    assert r.tp_comm_s == exact(4 * 8 * 4 * (2 * msg * 1 / 2) / NVLINK)
    # compute is split by TP: per GPU 8 sequences / 2 = the same as TP1's 4 sequences
    assert r.compute_s == exact(8 * 3 * TINY_FWD / 2 / H100_PEAK)


def test_tiny_tp4_on_v5p_uses_one_ici_axis():
    # TPU v5p: a 4-chip group fits the longest torus axis (28): one axis, 180 GB/s bidirectional
    r = ideal_layout(TINY, "TPU v5p", 8, 32 * T_TINY, T_TINY, tp=4, sp=False, zero=0)
    assert (r.dp, r.microbatches, r.tp_link) == (2, 16, "ICI")
    msg = T_TINY * 256 * 2
    assert r.tp_comm_s == exact(4 * 16 * 4 * (2 * msg * 3 / 4) / V5P_ICI_AXIS)


def test_full_recompute_hfu_mfu_ratio_by_hand():
    # full recompute runs each layer's forward once more (not the LM head): hardware/model FLOPs =
    # (4·layers + 3·head) / (3·(layers + head))
    r = tiny(recompute="full")
    layers, head = 4 * TINY_LAYER_FWD, TINY_HEAD_FWD
    assert r.hfu / r.mfu == exact((4 * layers + 3 * head) / (3 * (layers + head)))
    assert r.compute_s == exact(4 * (4 * layers + 3 * head) / H100_PEAK)


def test_selective_recompute_adds_the_score_matmuls():
    # eager attention, selective recompute: the score matmuls QKᵀ, PV run once more
    r = tiny(recompute="selective", attention="eager")
    scores = 4 * (4 * 8 * 32 * (T_TINY * (T_TINY + 1) // 2))
    assert r.hfu / r.mfu == exact((3 * TINY_FWD + scores) / (3 * TINY_FWD))


# ===== 1b. the other collectives, by hand =============================================================

def test_cp_all_gathers_on_v5p_one_two_and_three_axes():
    # LLaMA 3-8B, T = 8192, TP1: per layer and micro-batch, all-gather K and V forward, again backward,
    # reduce-scatter their gradients: 3 × V·(n−1)/n / W, V = b·s·2·K·H·2 bytes = 8192·2048·2 = 33,554,432
    kv = 8192 * 2 * 8 * 128 * 2
    # CP16 on 64 chips: DP4, 64 sequences → 16 micro-batches; 16 ≤ 28 → one axis
    r = ideal_layout(L38, "TPU v5p", 64, 64 * 8192, 8192, cp=16, zero=0)
    assert (r.dp, r.microbatches, r.cp_link) == (4, 16, "ICI")
    assert r.cp_comm_s == exact(32 * 16 * 3 * kv * 15 / 16 / (1 * V5P_ICI_AXIS))
    # CP32: DP2, 32 micro-batches; 32 > 28 but ≤ 20·28 = 560 → two axes
    r = ideal_layout(L38, "TPU v5p", 64, 64 * 8192, 8192, cp=32, zero=0)
    assert r.microbatches == 32
    assert r.cp_comm_s == exact(32 * 32 * 3 * kv * 31 / 32 / (2 * V5P_ICI_AXIS))
    # CP1024 (8 tokens a chip, an extreme but valid layout): 1024 > 560 → three axes
    r = ideal_layout(L38, "TPU v5p", 1024, 4 * 8192, 8192, cp=1024, zero=0)
    assert (r.dp, r.microbatches) == (1, 4)
    assert r.cp_comm_s == exact(32 * 4 * 3 * kv * 1023 / 1024 / (3 * V5P_ICI_AXIS))


def test_ep_all_to_alls_by_hand():
    # Mixtral 8x7B, EP8 on one node, T = 128, 8 sequences → DP8, one micro-batch each.
    # Per MoE layer 2 all-to-alls forward + 2 backward of the k = 2 routed copies of each token:
    # each GPU sends (n−1)/n of its b·s·D·2·k bytes at the NVLink one-way rate.
    r = ideal_layout(MIXTRAL, "H100", 8, 8 * 128, 128, ep=8, zero=0)
    assert (r.dp, r.ep, r.microbatches) == (8, 8, 1)
    copies = 128 * 4096 * 2 * 2
    assert r.ep_comm_s == exact(32 * 1 * 4 * copies * 7 / 8 / NVLINK)


def test_ep_experts_need_no_dp_reduction_when_each_lives_on_one_gpu():
    # EP8 × DP8 on 8 GPUs: every expert lives on exactly one GPU (DP·CP/EP = 1 replica), so only the
    # non-expert parameters are all-reduced over the 8 ranks (ZeRO-0).
    r = ideal_layout(MIXTRAL, "H100", 8, 8 * 128, 128, ep=8, zero=0)
    non_expert = (2 * 32000 * 4096                        # embedding + LM head
                  + 32 * (4096 * 4096 * 2 + 2 * 4096 * 1024)  # attention Q, O and K, V (8 kv heads of 128)
                  + 32 * 8 * 4096                         # routers E·D
                  + (2 * 32 + 1) * 4096)                  # RMSNorms
    assert non_expert == 1_605_636_096
    allreduce = 2 * (2 * non_expert) * 7 / 8 / NVLINK     # 12.5 ms; the experts' share: (1 − 1)/1 = 0
    layer_fwd = (2 * 128 * (4096 * 4096 * 2 + 2 * 4096 * 1024)   # projections
                 + 4 * 32 * 128 * (128 * 129 // 2)               # causal scores
                 + 2 * 128 * 4096 * 8                            # router
                 + 2 * 2 * 128 * 3 * 4096 * 14336)               # k = 2 experts
    fwd = 32 * layer_fwd + 2 * 128 * 4096 * 32000
    backward_last = 2 / 3 * 3 * fwd / H100_PEAK            # 6.6 ms
    assert r.compute_s == exact(3 * fwd / H100_PEAK)
    assert r.dp_exposed_s == exact(max(0.0, allreduce - backward_last))


# ===== 2. structural properties of search ============================================================

CASES = {
    "8b-8": (L38, "H100", 8, 2**20, 8192),
    "8b-64": (L38, "H100", 64, 8 * 2**20, 8192),             # same 16 sequences per GPU as 8b-8
    "405b-16k": (L405, "H100", 16384, 16 * 2**20, 8192),
    "mixtral-64": (MIXTRAL, "H100", 64, 4 * 2**20, 4096),
    "8b-v5p-16k": (L38, "TPU v5p", 16384, 16 * 2**20, 8192),
}


@functools.lru_cache(maxsize=None)
def run(name, include_rejected=True, **kw):
    return ideal_search(*CASES[name], include_rejected=include_rejected, **kw)


def accepted(df):
    return df[df.rejected == ""]


@pytest.mark.parametrize("name", list(CASES))
def test_mesh_multiplies_to_the_chips(name):
    df = run(name)
    n = CASES[name][2]
    assert len(df) > 0
    assert ((df.tp * df.cp * df.pp * df.dp) == n).all()
    assert ((df.dp % df.ep) == 0).all()


@pytest.mark.parametrize("name", list(CASES))
def test_accepted_rows_fit_in_90_percent_of_hbm(name):
    df = accepted(run(name))
    hbm = llmcalc.chip(CASES[name][1]).hbm_bytes
    assert len(df) > 0
    assert df.fits.all()
    assert (df.memory_gib * 2**30 <= 0.9 * hbm * (1 + 1e-12)).all()


@pytest.mark.parametrize("name", list(CASES))
def test_rows_ranked_by_step_time(name):
    df = run(name)
    acc, rej = df[df.rejected == ""], df[df.rejected != ""]
    n_acc = len(acc)
    assert (df.rejected.iloc[:n_acc] == "").all()          # accepted first, then rejected
    assert np.all(np.diff(acc.step_s.to_numpy()) >= 0)
    assert np.all(np.diff(rej.step_s.to_numpy()) >= 0)
    plain = run(name, include_rejected=False)
    assert np.all(np.diff(plain.step_s.to_numpy()) >= 0)


@pytest.mark.parametrize("name", list(CASES))
def test_step_is_the_sum_of_its_parts(name):
    df = run(name)
    parts = sum(df[p] for p in PARTS)
    assert np.allclose(parts, df.step_s, rtol=1e-9, atol=0)
    for p in PARTS:
        assert (df[p] >= 0).all(), p
    assert (df.step_s >= df.compute_s).all()
    # search's docstring lists the parts without elementwise_s (the module docstring's non-matmul,
    # HBM-bound work); those eight alone fall short of the step by exactly elementwise_s
    listed = sum(df[p] for p in PARTS if p != "elementwise_s")
    assert (df.step_s >= listed).all()
    assert np.allclose(df.step_s - listed, df.elementwise_s, rtol=1e-6, atol=1e-15)


@pytest.mark.parametrize("name", list(CASES))
def test_batch_bookkeeping(name):
    cfg, chip, n, bt, s = CASES[name]
    df = accepted(run(name))
    assert ((df.microbatches * df.micro_batch * df.dp) == bt // s).all()
    assert np.allclose(df.tokens_per_s, bt / df.step_s, rtol=1e-12)


@pytest.mark.parametrize("name", list(CASES))
def test_utilisation_bounds(name):
    # HFU ≥ MFU; and the heaviest GPU does at least its 1/n share of the hardware FLOPs, so
    # HFU ≤ compute_s / step_s ≤ 1 at compute_efficiency 1
    df = run(name)
    assert (df.hfu >= df.mfu * (1 - 1e-12)).all()
    assert (df.hfu <= df.compute_s / df.step_s * (1 + 1e-9)).all()
    assert (df.hfu <= 1 + 1e-12).all()


@pytest.mark.parametrize("name", list(CASES))
def test_counts_and_reasons(name):
    df, plain = run(name), run(name, include_rejected=False)
    a = df.attrs
    assert a["evaluated"] == a["accepted"] + sum(a["rejected"].values())
    assert len(df) == a["evaluated"]
    assert len(plain) == a["accepted"] == (df.rejected == "").sum()
    assert (plain.rejected == "").all()
    # the reason is non-empty exactly for rejected rows, and each is one of the documented kinds
    rej = df[df.rejected != ""]
    assert len(rej) == sum(a["rejected"].values())
    assert rej.rejected.str.match(r"^(batch|interleave|memory): ").all()
    for reason, count in a["rejected"].items():
        assert (df.rejected == reason).sum() == count
    # a layout that does not fit is rejected; one rejected for memory does not fit
    assert (df.rejected[~df.fits] != "").all()
    assert (~df.fits[df.rejected.str.startswith("memory")]).all()
    # no layout appears twice
    assert not df.duplicated(KEY).any()


@pytest.mark.parametrize("name", list(CASES))
def test_batch_and_interleave_reasons_are_true(name):
    cfg, chip, n, bt, s = CASES[name]
    seqs = bt // s
    df = run(name)
    dp_bad = df[df.rejected.str.contains("data-parallel degree does not divide")]
    assert (seqs % dp_bad.dp != 0).all()
    mb_bad = df[df.rejected.str.contains("micro-batch does not divide")]
    assert (seqs % mb_bad.dp == 0).all() and ((seqs // mb_bad.dp) % mb_bad.micro_batch != 0).all()
    il = df[df.rejected.str.startswith("interleave")]
    stage_layers = -(-cfg.L // il.pp)
    assert (il.interleave > 1).all()
    assert ((il.microbatches < il.pp) | (stage_layers < il.interleave)).all()


def _expected_link(size, span, domain, fast, slow):
    return np.where(size <= 1, "-", np.where(span <= domain, fast, slow))


@pytest.mark.parametrize("name, fast, slow, domain", [
    ("8b-8", "NVLink", "InfiniBand", 8), ("8b-64", "NVLink", "InfiniBand", 8),
    ("405b-16k", "NVLink", "InfiniBand", 8), ("mixtral-64", "NVLink", "InfiniBand", 8),
    ("8b-v5p-16k", "ICI", "DCN", V5P_POD),
])
def test_links_follow_the_rank_order(name, fast, slow, domain):
    # ranks: TP innermost, then CP, then DP, PP outermost; a group's span is the ranks it covers
    df = run(name)
    n = CASES[name][2]
    assert (df.tp_link == _expected_link(df.tp, df.tp, domain, fast, slow)).all()
    assert (df.cp_link == _expected_link(df.cp, df.tp * df.cp, domain, fast, slow)).all()
    assert (df.pp_link == _expected_link(df.pp, np.full(len(df), n), domain, fast, slow)).all()
    multi = df[df.dp > 1]
    assert (multi.dp_link == _expected_link(multi.dp * multi.cp, multi.tp * multi.cp * multi.dp,
                                            domain, fast, slow)).all()


def test_links_seen_on_gpus():
    # 8 GPUs: one node, everything on NVLink
    df = run("8b-8")
    for col in ("tp_link", "cp_link", "dp_link", "pp_link"):
        assert set(df[col]) <= {"-", "NVLink"}
    # 64 GPUs: TP (≤ 8) always NVLink; a DP group over more than 8 GPUs is InfiniBand
    df = run("8b-64")
    assert set(df.tp_link[df.tp > 1]) == {"NVLink"}
    wide = df[df.tp * df.cp * df.dp > 8]
    assert len(wide) and (wide.dp_link == "InfiniBand").all()


def test_links_seen_on_tpu():
    # 16,384 v5p chips = more than one 8960-chip pod: groups inside a pod ICI, across pods DCN
    df = run("8b-v5p-16k")
    assert {"ICI", "DCN"} <= set(df.dp_link)
    assert (df.dp_link[(df.tp * df.cp * df.dp == 16384)] == "DCN").all()
    assert (df.dp_link[(df.dp > 1) & (df.tp * df.cp * df.dp <= 8192)] == "ICI").all()
    assert (df.pp_link[df.pp > 1] == "DCN").all()          # a PP group spans all 16,384 chips
    assert set(df.tp_link[df.tp > 1]) == {"ICI"}


def test_mixtral_expert_degrees():
    df = run("mixtral-64")
    assert set(df.ep) == {1, 2, 4, 8}                       # powers of two dividing E = 8
    assert (8 % df.ep == 0).all() and (df.dp % df.ep == 0).all()
    assert (df.ep_comm_s[df.ep == 1] == 0).all()
    assert (df.ep_comm_s[df.ep > 1] > 0).all()
    # dense models get no expert parallelism
    assert set(run("8b-64").ep) == {1}


def test_top_keeps_the_first_rows():
    df = ideal_search(*CASES["8b-8"], top=5)
    assert len(df) == 5
    full = run("8b-8", include_rejected=False)
    assert np.array_equal(df.step_s.to_numpy(), full.step_s.to_numpy()[:5])


# ===== 3. monotonicity and physics ===================================================================

def test_more_chips_same_per_chip_batch_never_lowers_per_chip_compute():
    # 16 sequences of 8192 per GPU in both runs: the balanced share is 16 × 3 × forward / peak
    layer, head = hand_forward_flops(32, 4096, 14336, 32, 8, 128, 128256, 8192)
    balanced = 16 * 3 * (32 * layer + head) / H100_PEAK
    small, big = run("8b-8"), run("8b-64")
    for df in (small, big):
        none = df[df.recompute == "none"]
        assert none.compute_s.min() == exact(balanced)
        assert (df.compute_s >= balanced * (1 - 1e-12)).all()
    assert big.compute_s.min() >= small.compute_s.min() * (1 - 1e-12)
    # the same layout with DP × 8 and batch × 8 does the same per-GPU work
    a = ideal_layout(L38, "H100", 8, 2**20, 8192, tp=2, pp=2)
    b = ideal_layout(L38, "H100", 64, 8 * 2**20, 8192, tp=2, pp=2)
    assert b.compute_s == exact(a.compute_s)


def test_full_recompute_lowers_activations_and_raises_hfu():
    none = ideal_layout(L38, "H100", 8, 2**20, 8192, tp=2, pp=2, recompute="none")
    full = ideal_layout(L38, "H100", 8, 2**20, 8192, tp=2, pp=2, recompute="full")
    assert full.optimizer_s == none.optimizer_s            # same model states
    assert full.memory_gib < none.memory_gib
    assert none.hfu == none.mfu
    assert full.hfu > full.mfu
    assert full.hfu - full.mfu > none.hfu - none.mfu
    assert full.compute_s > none.compute_s


def test_interleaving_shrinks_the_bubble():
    # LLaMA 3-8B on 64 H100: TP2 × PP4 × DP8, 512 sequences → 64 micro-batches per replica
    rows = [ideal_layout(L38, "H100", 64, 4 * 2**20, 8192, tp=2, pp=4, interleave=v) for v in (1, 2, 4, 8)]
    bubbles = [r.bubble_s for r in rows]
    assert all(b1 > b2 for b1, b2 in zip(bubbles, bubbles[1:]))
    for r, v in zip(rows, (1, 2, 4, 8)):
        assert r.microbatches == 64
        # Narayanan et al. 2021: pipeline time = t_mb (m + (p − 1)/v), bubble t_mb (p − 1)/v
        pipe = r.step_s - r.dp_exposed_s - r.optimizer_s
        assert r.bubble_s / pipe == exact((3 / v) / (64 + 3 / v))


def test_zero_stages_never_raise_memory_beyond_the_zero3_buffer():
    df = run("8b-64")
    g = df.pivot_table(index=[k for k in KEY if k != "zero"], columns="zero", values="memory_gib")
    # stages 1 and 2 only shard: never more memory
    for lo, hi in ((0, 1), (1, 2)):
        pair = g[[lo, hi]].dropna()
        assert len(pair) > 0
        assert (pair[hi] <= pair[lo] * (1 + 1e-12)).all()
    # stage 3 shards the weights too, but keeps two gathered layers in bf16; it can cost at most that
    layer = 4096 * 4096 * 2 + 2 * 4096 * 1024 + 3 * 4096 * 14336 + 2 * 4096  # 218,112,000 params
    pair = g[[2, 3]].dropna().reset_index()
    bound = 2 * 2 * layer / pair.tp / 2**30
    assert (pair[3] - pair[2] <= bound * (1 + 1e-9)).all()
    # with the whole model on each GPU (PP1) sharding the weights saves far more than two layers
    one = pair[pair.pp == 1]
    assert len(one) > 0 and (one[3] < one[2]).all()


def test_zero_stages_lower_memory_on_one_layout():
    # ZeRO only moves model states: activations are the same, so memory falls with the stage
    rows = [ideal_layout(L38, "H100", 64, 8 * 2**20, 8192, tp=2, pp=1, zero=z) for z in (0, 1, 2, 3)]
    mem = [r.memory_gib for r in rows]
    assert mem[0] > mem[1] > mem[2] > mem[3]


def test_slower_nvlink_never_lowers_tp_time():
    # H800: H100 compute, NVLink 400 GB/s bidirectional (200 GB/s one way) instead of 900 (450)
    fast = ideal_search(L38, "H100", 8, 2**20, 8192, include_rejected=True)
    slow = ideal_search(L38, "H800", 8, 2**20, 8192, include_rejected=True)
    m = fast.merge(slow, on=KEY, suffixes=("_h100", "_h800"))
    assert len(m) == len(fast) == len(slow)
    assert (m.tp_comm_s_h800 >= m.tp_comm_s_h100).all()
    tp = m[m.tp > 1]
    assert len(tp) and np.allclose(tp.tp_comm_s_h800 / tp.tp_comm_s_h100, NVLINK / H800_NVLINK, rtol=1e-12)
    assert (m.step_s_h800 >= m.step_s_h100 * (1 - 1e-12)).all()


def test_half_compute_efficiency_doubles_compute_time():
    full = run("8b-8")
    half = ideal_search(*CASES["8b-8"], include_rejected=True, compute_efficiency=0.5)
    m = full.merge(half, on=KEY, suffixes=("_1", "_half"))
    assert len(m) == len(full)
    assert np.allclose(m.compute_s_half, 2 * m.compute_s_1, rtol=1e-12)
    assert (m.step_s_half > m.step_s_1).all()
    # MFU still counts at the datasheet peak: half-speed kernels cannot raise it
    assert (m.mfu_half < m.mfu_1).all()


# ===== 4. Llama 3 paper, Table 4: LLaMA 3.1-405B on 16,384 H100 ======================================

@functools.lru_cache(maxsize=None)
def meta():
    return ideal_layout(L405, "H100", 16384, 16 * 2**20, 8192, tp=8, pp=16)


def test_meta_layout_shape_and_links():
    r = meta()
    # 16,384 / (TP8 · PP16) = DP128; 16M tokens / 8192 = 2048 sequences / 128 = 16 per replica
    assert (r.tp, r.cp, r.pp, r.dp) == (8, 1, 16, 128)
    assert (r.micro_batch, r.microbatches) == (1, 16)
    assert r.tp_link == "NVLink"                 # TP8 = one node
    assert r.pp_link == "InfiniBand"             # stages are 8·128 = 1024 GPUs apart
    assert r.dp_link == "InfiniBand"             # a DP group spans 8 · 128 = 1024 GPUs
    assert r.cp_link == "-"


def test_meta_bubble_is_15_of_31():
    # 1F1B: bubble (p − 1)/(m + p − 1) of the pipeline time, p = 16, m = 16, v = 1
    r = meta()
    assert r.bubble_s / (r.step_s - r.dp_exposed_s - r.optimizer_s) == exact(15 / 31)


def test_meta_compute_on_the_heaviest_stage():
    # whole layers: 15 stages of ⌈126/16⌉ = 8 layers, the last 126 − 15·8 = 6 layers + the LM head;
    # the head is ~0.7 layer, so 6 layers + head < 8 layers and a middle stage is the heaviest:
    # each GPU computes 8 layers × 16 micro-batches × 3 × forward / TP8
    layer, head = hand_forward_flops(126, 16384, 53248, 128, 8, 128, 128256, 8192)
    assert 6 * layer + head < 8 * layer
    assert meta().compute_s == exact(16 * 8 * 3 * layer / 8 / H100_PEAK)


def test_last_stage_holds_the_head_when_pp_divides_L():
    # tiny model, L = 4, PP = 2 (TP1, DP4 on 8 H100): each stage holds 4/2 = 2 whole layers and the last
    # also the LM head, so the heaviest stage computes 2 layers + head, not (4 layers + head)/2.
    # 32 sequences / DP4 = 8 micro-batches of 1; training = 3 × forward (no recompute)
    r = tiny(pp=2)
    assert (r.pp, r.dp, r.microbatches) == (2, 4, 8)
    assert r.compute_s == exact(8 * 3 * (2 * TINY_LAYER_FWD + TINY_HEAD_FWD) / H100_PEAK)
    # PP = 4 (DP2, 16 micro-batches): one layer per stage, the last one layer + head
    r4 = tiny(pp=4)
    assert r4.compute_s == exact(16 * 3 * (TINY_LAYER_FWD + TINY_HEAD_FWD) / H100_PEAK)


def test_uneven_stages_put_the_remainder_on_the_last():
    # L = 4, PP = 3 is not possible on 8 GPUs; on 6 GPUs (DP2): ⌈4/3⌉ = 2 layers on stages 1-2, the last
    # stage 4 − 2·2 = 0 layers + head. Heaviest: max(2 layers, head). For TINY the head (2·T·D·V with
    # V = 1000) is below 2 layers, so 2 layers: 16 micro-batches × 3 × 2 layers
    assert TINY_HEAD_FWD < 2 * TINY_LAYER_FWD
    r = ideal_layout(TINY, "H100", 6, 32 * T_TINY, T_TINY, pp=3, zero=0, fused_swiglu=False)
    assert (r.dp, r.microbatches) == (2, 16)
    assert r.compute_s == exact(16 * 3 * 2 * TINY_LAYER_FWD / H100_PEAK)


def test_elementwise_passes_is_a_stated_linear_assumption():
    # the non-matmul term is elementwise_passes × stored bytes / HBM bandwidth: 0 passes → no time,
    # 8 passes → twice the default 4; full recompute adds 2 passes (6 by default, 2 with 0)
    base = tiny()
    assert tiny(elementwise_passes=0).elementwise_s == 0
    assert tiny(elementwise_passes=8).elementwise_s == exact(2 * base.elementwise_s)
    assert tiny(recompute="full").elementwise_s == exact(1.5 * base.elementwise_s)
    assert tiny(recompute="full", elementwise_passes=0).elementwise_s == exact(0.5 * base.elementwise_s)
    with pytest.raises(ValueError, match="elementwise_passes"):
        tiny(elementwise_passes=-1)


def test_search_with_nothing_that_fits_says_why():
    # LLaMA 3.1-405B on 8 H100: 405.85e9 parameters × 16 bytes / 8 GPUs ≈ 812 GB per GPU of model
    # states even with ZeRO-3: nothing fits, and the error says so with the counts and the memory gap
    with pytest.raises(ValueError, match=r"no layout is accepted.*rejected for memory.*least memory any layout needs"):
        ideal_search(L405, "H100", 8, 8 * 8192, 8192)


def test_meta_mfu_counts_the_whole_batch():
    r = meta()
    layer, head = hand_forward_flops(126, 16384, 53248, 128, 8, 128, 128256, 8192)
    model = 2048 * 3 * (126 * layer + head)
    assert r.mfu == exact(model / (16384 * H100_PEAK * r.step_s))


def test_meta_tp_time_by_hand():
    # per layer and micro-batch 4 all-reduces' worth (with SP: 4 all-gathers + 4 reduce-scatters) of
    # b·s·D bf16 = 8192 · 16384 · 2 = 268,435,456 bytes, × 7/8 over NVLink; 8 layers, 16 micro-batches
    msg = 8192 * 16384 * 2
    assert meta().tp_comm_s == exact(8 * 16 * 4 * 2 * msg * 7 / 8 / NVLINK)   # 0.534 s


def test_meta_pp_sends_by_hand():
    # one send forward, one back, per micro-batch (v = 1) of b·s·D bf16 on InfiniBand; with SP each
    # of the 8 TP ranks holds and sends its 1/8 of the sequence
    msg = 8192 * 16384 * 2
    assert meta().pp_p2p_s == exact(16 * 2 * (msg / 8) / IB)
    # without SP, a stack that sends every TP rank's whole copy puts all b·s·D bytes on each rank's NIC
    whole = dataclasses.replace(P.STACKS["megatron-lm-2021"], name="whole sends", pp_scatter_gather=False)
    no_sp = ideal_layout(L405, "H100", 16384, 16 * 2**20, 8192, tp=8, pp=16, sp=False, stack=whole)
    assert no_sp.pp_p2p_s == exact(16 * 2 * msg / IB)


def test_scatter_gather_sends_a_tp_share_and_all_gathers_it_over_nvlink_by_hand():
    # Megatron-LM's scatter/gather (Narayanan et al. 2021, §4.1) without SP: each of the 8 TP ranks sends its 1/8 of
    # the b·s·D bf16 tensor on its own InfiniBand NIC, and the receiving stage all-gathers the whole over NVLink, each
    # rank taking the other 7/8 of it: per send msg/8 / IB + msg · 7/8 / NVLINK, forward and backward, 16 micro-batches
    msg = 8192 * 16384 * 2
    sg = ideal_layout(L405, "H100", 16384, 16 * 2**20, 8192, tp=8, pp=16, sp=False, stack="megatron-lm-2021")
    assert sg.pp_p2p_s == exact(16 * 2 * (msg / 8 / IB + msg * 7 / 8 / NVLINK))
    # DeepSpeed's pipeline engine partitions its sends the same way
    ds = ideal_layout(L405, "H100", 16384, 16 * 2**20, 8192, tp=8, pp=16, sp=False, stack="deepspeed")
    assert ds.pp_p2p_s == exact(sg.pp_p2p_s)
    # with SP the tensor is already split: nothing to gather, whatever the stack
    assert ideal_layout(L405, "H100", 16384, 16 * 2**20, 8192, tp=8, pp=16, sp=True,
                        stack="megatron-lm-2021").pp_p2p_s == exact(16 * 2 * (msg / 8) / IB)


# ===== 5. input validation ===========================================================================

GOOD = dict(cfg=TINY, chip="H100", n_chips=8, batch_tokens=32 * 512, seq_len=512)


def _search(**kw):
    args = dict(GOOD)
    args.update(kw)
    return ideal_search(args.pop("cfg"), args.pop("chip"), args.pop("n_chips"), args.pop("batch_tokens"),
                    args.pop("seq_len"), **args)


@pytest.mark.parametrize("kw, pattern", [
    (dict(n_chips=0), r"n_chips must be a whole number >= 1, got 0"),
    (dict(seq_len=-1), r"seq_len must be a whole number >= 1, got -1"),
    (dict(batch_tokens=1000), r"batch_tokens must be a whole number of sequences of seq_len=512.*"
                              r"nearest: 512 or 1,024"),
    (dict(batch_tokens=100), r"batch_tokens must be at least one sequence \(seq_len=512"),
    (dict(tp=16), r"tp=16 must divide N \(8\).*valid for this model: \[1, 2, 4, 8\]"),
    (dict(tp=3), r"tp=3 must divide N \(8\)"),
    (dict(cp=3), r"cp=3 must divide seq_len \(512\)"),
    (dict(pp=5), r"pp must be in \[1, L=4\]"),
    (dict(ep=2), r"ep must be 1 for a dense model"),
    (dict(zero=4), r"zero must be one of \[0, 1, 2, 3\]"),
    (dict(chip="H999"), r"Unknown chip 'H999'\..*Known chips"),
    (dict(compute_efficiency=1.5), r"compute_efficiency must be in \(0, 1\]"),
    (dict(compute_efficiency=0), r"compute_efficiency must be in \(0, 1\]"),
    (dict(headroom=1.0), r"headroom must be a number in \[0, 1\)"),
    (dict(headroom=-0.1), r"headroom must be a number in \[0, 1\)"),
    (dict(recompute="some"), r"recompute must be one of \['none', 'selective', 'selective-op', 'full'\]"),
    (dict(attention="sdpa"), r"attention must be one of \['flash', 'eager'\]"),
    (dict(regime="fp8"), r"regime must be one of \['mixed'"),
    (dict(micro_batch=0), r"micro_batch must be a whole number >= 1"),
    (dict(top=0), r"top must be a whole number >= 1"),
    (dict(cfg={"num_hidden_layers": 32}), r"cfg must be a llmcalc.ModelConfig .* or a preset name"),
])
def test_search_rejects_bad_input(kw, pattern):
    with pytest.raises(ValueError, match=pattern):
        _search(**kw)


def test_moe_ep_must_divide_experts():
    with pytest.raises(ValueError, match=r"ep=3 must divide E \(8 experts\)"):
        ideal_search(MIXTRAL, "H100", 24, 24 * 4096, 4096, ep=3)


@pytest.mark.parametrize("kw, pattern", [
    (dict(tp=3), r"tp × cp × pp = 3 × 1 × 1 = 3 must divide n_chips=8"),
    (dict(tp=0), r"tp must be a whole number >= 1"),
    (dict(interleave=0), r"interleave must be a whole number >= 1"),
    (dict(sp="yes"), r"sp must be True or False"),
    (dict(tp=8, zero=1), r"zero=1 needs more than one data-parallel replica"),
    (dict(zero=4), r"zero must be one of \[0, 1, 2, 3\]"),
    (dict(recompute="some"), r"recompute must be one of"),
])
def test_layout_rejects_bad_input(kw, pattern):
    big = llmcalc.ModelConfig(L=4, D=256, F=768, N=8, K=8, V=1000)
    with pytest.raises(ValueError, match=pattern):
        ideal_layout(big, "H100", 8, 32 * 512, 512, **kw)


# ===== 6. the calibrated prediction: kernels, links, stacks, hybrid sharding, memory (issue 13) ============

from llmcalc import kernels as K  # noqa: E402
from llmcalc import published as PUB  # noqa: E402


def test_hierarchical_all_reduce_uses_the_nodes_nics_by_hand():
    h100 = llmcalc.hardware.chip("H100")
    one = np.array(1e9)
    # 64 ranks, 8 per node (span 64): inside each node (7/8)·S on NVLink, then across the 8 nodes each of
    # the node's 8 GPUs carries S/8 on its own NIC: all-reduce 2·[(7/8)·1e9/450e9 + (7/8)·(1e9/8)/50e9]
    t = K.collective_time(h100, one, np.array(64.0), np.array(64.0), kind="all_reduce", ideal=True)
    assert float(t) == exact(2 * (7 / 8 * 1e9 / NVLINK + 7 / 8 * 1e9 / 8 / IB))   # 8.264 ms
    # the same 64 ranks one per node (span 512): every byte on one NIC, 2·(63/64)·1e9/50e9
    t1 = K.collective_time(h100, one, np.array(64.0), np.array(512.0), kind="all_reduce", ideal=True)
    assert float(t1) == exact(2 * 63 / 64 * 1e9 / IB)                            # 39.4 ms
    # inside one node: (n − 1)/n on NVLink; gathers are half an all-reduce
    t2 = K.collective_time(h100, one, np.array(8.0), np.array(8.0), kind="all_gather", ideal=True)
    assert float(t2) == exact(7 / 8 * 1e9 / NVLINK)
    # calibrated: the bus fractions (0.7 NVLink, 0.85 InfiniBand) and latencies (10 µs inside, 20 µs · log2 of 8 nodes)
    tc = K.collective_time(h100, one, np.array(64.0), np.array(64.0), kind="all_reduce", ideal=False)
    assert float(tc) == exact(2 * (7 / 8 * 1e9 / (0.7 * NVLINK) + 7 / 8 * 1e9 / 8 / (0.85 * IB))
                              + 2 * (1e-5 + 2e-5 * 3))


def test_tile_and_wave_quantisation_by_hand():
    # H100: 132 SMs, 128 × 256 tiles. 132 tiles fill one wave exactly; 133 need two waves, 133/264 of them busy
    assert float(K.gemm_shape_efficiency("H100", 128 * 132, 256)) == 1.0
    assert float(K.gemm_shape_efficiency("H100", 128 * 133, 256)) == exact(133 / 264)
    # a 100-wide output pads a 256-wide tile: 100/256 of one wave of 132 tiles
    assert float(K.gemm_shape_efficiency("H100", 128 * 132, 100)) == exact(100 / 256)
    # TPU: padding to the 128 × 128 matrix unit only
    assert float(K.gemm_shape_efficiency("TPU v4", 200, 128)) == exact(200 / 256)


def test_default_is_calibrated_and_ideal_is_the_compute_efficiency_one_bound():
    cal = P.layout(L38, "H100", 64, 8 * 2**20, 8192, tp=1, pp=1, zero=1)
    ideal = P.layout(L38, "H100", 64, 8 * 2**20, 8192, tp=1, pp=1, zero=1, ideal=True)
    one = P.layout(L38, "H100", 64, 8 * 2**20, 8192, tp=1, pp=1, zero=1, compute_efficiency=1.0)
    assert cal.mfu < ideal.mfu and cal.mfu_ideal == exact(ideal.mfu)
    assert ideal.step_s == one.step_s and ideal.mfu_ideal == ideal.mfu


@pytest.mark.parametrize("name", ["8b-64", "mixtral-64", "405b-16k", "8b-v5p-16k"])
def test_the_ideal_bound_is_above_every_calibrated_prediction(name):
    df = P.search(*CASES[name], include_rejected=True)
    assert (df.mfu_ideal >= df.mfu * (1 - 1e-12)).all()
    assert (df.step_s_ideal <= df.step_s * (1 + 1e-12)).all()


def test_a_stack_that_overlaps_tp_exposes_only_the_excess():
    legacy = ideal_layout(L405, "H100", 16384, 16 * 2**20, 8192, tp=8, pp=16, zero=1)
    core = ideal_layout(L405, "H100", 16384, 16 * 2**20, 8192, tp=8, pp=16, zero=1, stack="megatron-core")
    assert legacy.tp_comm_s > 0
    assert core.tp_comm_s == exact(max(0.0, legacy.tp_comm_s - legacy.compute_s))
    assert core.step_s <= legacy.step_s


def test_hybrid_sharding_shards_inside_the_group_and_keeps_it_on_nvlink():
    # TINY on 16 H100 (2 nodes), ZeRO-3: over all 16 ranks each rank keeps 16·P/16 bytes of states; sharded
    # within groups of 8 (one node) it keeps 16·P/8: P bytes more (P = 3,660,032 parameters)
    whole = ideal_layout(TINY, "H100", 16, 64 * T_TINY, T_TINY, tp=1, pp=1, zero=3, micro_batch=1, recompute="none")
    half = ideal_layout(TINY, "H100", 16, 64 * T_TINY, T_TINY, tp=1, pp=1, zero=3, micro_batch=1, recompute="none",
                        zero_group=8)
    assert (half.memory_gib - whole.memory_gib) * 2**30 == pytest.approx(TINY_PARAMS, rel=1e-9)
    assert whole.dp_link == "InfiniBand" and half.dp_link == "NVLink"


def test_palm_runs_on_its_3072_chip_pods():
    palm = next(r for r in PUB.PLANNER_RUNS if r.source_key == "palm2022")
    c = P.run_chip(palm)
    assert c.fast_domain == 3072 == 12 * 16 * 16 and c.kind == "tpu"
    row = P.predict_run(palm)
    # 12-way model parallel × 256 shards = one pod: the shard group's collectives stay on ICI
    assert (row.tp, row.dp, row.zero) == (12, 512, 3) and row.dp_link == "ICI"


@pytest.mark.parametrize("gpus, kw, fits", [
    (16384, dict(zero=2, micro_batch=1), True),    # Meta's layouts (Table 4), gradients sharded (§3.3.4)
    (8192, dict(zero=2, micro_batch=1), True),
    (16384, dict(zero=0, micro_batch=1), False),   # 16 bytes of state per parameter on every rank: 51 GB + activations
    # 8,192 GPUs: 32 sequences per pipeline; micro-batches of 2 keep 16 × 2 sequences in flight, not 16 × 1
    (8192, dict(zero=2, micro_batch=2), False),
])
def test_meta_layout_fits_and_impossible_variants_do_not(gpus, kw, fits):
    row = P.layout(L405, "H100", gpus, 16 * 2**20, 8192, tp=8, pp=16, sp=True, recompute="none", **kw)
    assert bool(row.fits) is fits, (kw, row.memory_gib)


def test_meta_split_keeps_one_layer_fewer_on_the_first_stage():
    # 126 layers on 16 stages: the even split puts ⌈126/16⌉ = 8 on each; Meta's (Llama 3 paper, §3.3.2) puts 7
    # on the first and the last (⌈128/16⌉ = 8 on the rest: no stage heavier). 1F1B with 16 micro-batches: the
    # first stage holds 16 micro-batches of 7 layers = 112, the second 15 of 8 = 120 (now the heaviest)
    # instead of 16 × 8 = 128 layer-micro-batches of activations.
    per_layer = sum(v for k, v in llmcalc.memory.layer_activation_breakdown(
        L405, 1, 8192, tp=8, sp=True, recompute="none", flash_attention=True).items() if not k.endswith("silu_gate"))
    # states of a stage of 8 layers (the bound the planner uses for every stage), TP8, ZeRO-1 over DP128,
    # 2 + 2 bytes of weights and gradients + 12 bytes of fp32 master and Adam moments sharded 128 ways:
    #   a layer per TP rank: (D·(N + 2K)·H + N·H·D + 3·D·F)/8 + 2 norms of D
    layer = (16384 * (128 + 16) * 128 + 128 * 128 * 16384 + 3 * 16384 * 53248) // 8 + 2 * 16384
    ends = 128256 * 16384 // 8 + 16384              # the larger of embedding and head, split by TP, + final norm
    params = 8 * layer + ends                         # 3,450,617,856
    expected = params * (2 + 2 + 12 / 128) + 120 * per_layer
    row = P.layout(L405, "H100", 16384, 16 * 2**20, 8192, tp=8, pp=16, zero=1, micro_batch=1)
    assert row.memory_gib * 2**30 == pytest.approx(expected, rel=1e-12)


def test_new_options_are_validated():
    with pytest.raises(ValueError, match="stack"):
        P.search(TINY, "H100", 8, 32 * T_TINY, T_TINY, stack="keras")
    with pytest.raises(ValueError, match="compute_efficiency"):
        P.search(TINY, "H100", 8, 32 * T_TINY, T_TINY, ideal=True, compute_efficiency=0.5)
    with pytest.raises(ValueError, match="zero_group"):
        P.search(TINY, "H100", 8, 32 * T_TINY, T_TINY, zero_group=0)
    with pytest.raises(ValueError, match="ideal"):
        P.search(TINY, "H100", 8, 32 * T_TINY, T_TINY, ideal="yes")
    assert set(P.STACKS) == {"megatron-lm-2021", "megatron-core", "megatron-core-moe-overlap", "deepspeed", "fsdp2",
                             "meta-llama3", "jax-tpu", "deepseek-v3"}
    # the MoE-overlap variant differs from Megatron-Core only in hiding the expert all-to-all
    base, moe = P.STACKS["megatron-core"], P.STACKS["megatron-core-moe-overlap"]
    assert dataclasses.replace(moe, name=base.name, source=base.source) == dataclasses.replace(base, ep=True)


# ----- torchtitan's per-op selective checkpointing (recompute="selective-op") ---------------------------------

def test_selective_op_keeps_what_torchtitans_policy_saves():
    # LLaMA 3-8B (D 4096, N 32, K 8, H 128, F 14336, 32 layers), one 8192-token sequence per GPU, TP1, flash.
    # Without recompute a layer keeps (per token, bf16, the fused SwiGLU keeps no silu(gate)):
    #   attn_norm_input D, qkv_input D, query 4096, key 1024, value 1024, out_proj_input 4096, mlp_norm_input D,
    #   mlp_input D, gate F, up F, product F = 4·4096 + 10,240 + 3·14,336 = 69,632 values (+ the fp32 log-sum-exp)
    # torchtitan's "op" policy (save all compute ops but every second mm; wq wk wv wo w1 w3 w2 → wk, wo, w3
    # recomputed) keeps the layer input D, wq's output 4096, wv's 1024, the attention output 4096, w1's 14,336
    # and w2's output D = 31,744 values (+ the log-sum-exp). The difference, 37,888 values × 2 bytes × 8192
    # tokens × 32 layers, is the memory it saves.
    kw = dict(tp=1, pp=1, cp=1, zero=3, micro_batch=1)
    none = ideal_layout(L38, "A100", 64, 64 * 8192, 8192, recompute="none", **kw)
    sop = ideal_layout(L38, "A100", 64, 64 * 8192, 8192, recompute="selective-op", **kw)
    assert (none.memory_gib - sop.memory_gib) * 2**30 == exact(37_888 * 2 * 8192 * 32)


def test_selective_op_recomputes_every_second_matmul():
    # the recomputed matmuls per token and layer: wk 2·4096·1024, wo 2·4096·4096, w3 2·4096·14336 FLOPs
    # = 2·4096·19,456 = 159,383,552; one sequence of 8192 tokens per GPU, 32 layers, at A100 peak (312e12)
    kw = dict(tp=1, pp=1, cp=1, zero=3, micro_batch=1)
    none = ideal_layout(L38, "A100", 64, 64 * 8192, 8192, recompute="none", **kw)
    sop = ideal_layout(L38, "A100", 64, 64 * 8192, 8192, recompute="selective-op", **kw)
    assert sop.compute_s - none.compute_s == exact(32 * 8192 * 2 * 4096 * 19_456 / 312e12)
    assert sop.mfu < none.mfu and sop.hfu > sop.mfu and none.hfu == none.mfu
    # and every non-matmul op runs again: 2 more HBM passes, as for full recompute (4 → 6 passes)
    assert sop.elementwise_s == exact(none.elementwise_s * 6 / 4)


def test_selective_op_is_for_dense_models_without_latent_attention():
    with pytest.raises(ValueError, match="recompute='selective-op'"):
        P.layout(MIXTRAL, "H100", 64, 64 * 4096, 4096, tp=8, ep=8, recompute="selective-op")
    # and it is never a default candidate of search
    df = ideal_search(L38, "H100", 64, 4 * 2**20, 8192, tp=2, pp=4)
    assert "selective-op" not in set(df.recompute)


# ----- micro-batches in flight on the interleaved schedule -------------------------------------------------------

def test_interleaved_schedule_holds_no_more_than_1f1b_when_every_micro_batch_is_in_flight():
    # TINY (4 layers) on PP2 × DP4, 8 GPUs: 2 layers a stage. Megatron-LM's interleaved schedule holds on the first
    # rank min(2(PP − 1) + (v − 1)·PP + 1, m·v) chunk-micro-batches of L/(PP·v) layers; 1F1B holds min(PP, m)
    # micro-batches of the stage's layers.
    #   m = 2 (= PP): interleaved v=2 min(2 + 2 + 1, 4) = 4 chunks × 1 layer = 4 layer-micro-batches; 1F1B 2 × 2 = 4
    #   m = 8:        interleaved min(5, 16) = 5 × 1 = 5; 1F1B min(2, 8) × 2 = 4; Korthikanti et al.'s
    #                 2 layers × 2 micro-batches × (1 + 1/4) = 5
    def acts(seqs, v):
        r = ideal_layout(TINY, "H100", 8, seqs * T_TINY, T_TINY, tp=1, pp=2, cp=1, zero=0, micro_batch=1,
                         interleave=v, fused_swiglu=False)
        assert r.microbatches == seqs // 4
        return r

    a1, a2 = acts(8, 1), acts(8, 2)
    assert a1.memory_gib == exact(a2.memory_gib)
    b1, b2 = acts(32, 1), acts(32, 2)
    # the extra layer-micro-batch is one layer's activations of one 512-token micro-batch
    assert (b2.memory_gib - b1.memory_gib) * 2**30 == exact(TINY_ACT_PER_TOKEN * T_TINY)


def test_meta_interleaved_layout_on_16384_gpus_fits():
    # Llama 3 paper §3.3.2: an interleaved schedule, 16 micro-batches per replica on 16 stages (Table 4: 16,384
    # GPUs, DP 128, 16M tokens of 8192). With m = PP every forward pass runs first, so interleaving holds what
    # 1F1B holds on the first rank (16 micro-batches), and the layout fits at every v the planner tries
    for v in (2, 4, 8):
        r = P.layout(L405, "H100", 16384, 16 * 2**20, 8192, tp=8, pp=16, zero=2, interleave=v)
        assert r.fits and r.rejected == ""


# ----- Meta's Llama 3 stack, as the paper describes it -----------------------------------------------------------

def test_meta_llama3_stack_exposes_what_the_paper_says_is_exposed():
    # Llama 3 paper §3.3.2: context parallelism all-gathers K and V with the latency "exposed in the critical path";
    # pipeline sends are asynchronous and FSDP prefetches; no tensor-parallel overlap is described. The 128K layout
    # (TP8 × CP16 × PP16 × DP8) under Meta's stack exposes TP and CP time that Megatron-Core's hides, and neither
    # exposes the pipeline sends.
    kw = dict(tp=8, cp=16, pp=16, zero=2, micro_batch=1, interleave=8, regime="mixed_fp32_grads")
    meta = P.layout(L405, "H100", 16384, 16 * 2**20, 131072, stack="meta-llama3", **kw)
    core = P.layout(L405, "H100", 16384, 16 * 2**20, 131072, stack="megatron-core", **kw)
    assert meta.tp_comm_s > 0 and core.tp_comm_s == 0
    assert meta.cp_comm_s > 0 and core.cp_comm_s == 0
    assert meta.pp_p2p_s == 0 and core.pp_p2p_s == 0
    assert meta.compute_s == core.compute_s and meta.step_s > core.step_s
    run = next(r for r in PUB.PLANNER_RUNS if r.source_key == "llama3_2024")
    assert run.stack == "meta-llama3" and run.regime == "mixed_fp32_grads"   # fp32 gradients (§3.3.2)


def test_a_slower_compute_never_shortens_the_step():
    # megatron-core overlaps TP, CP, pipeline sends and ZeRO-3's per-micro-batch gathers with the compute beside
    # them; one compute hides them all once (the longest one's excess is exposed), so halving the kernels' speed can
    # only lengthen every layout's step. (Hiding each stream behind the whole compute separately made some ZeRO-3
    # layouts with pipeline sends faster when the compute was slower.)
    args = (MIXTRAL, "H100", 64, 4 * 2**20, 4096)
    fast = P.search(*args, compute_efficiency=1.0, include_rejected=True, stack="megatron-core")
    slow = P.search(*args, compute_efficiency=0.5, include_rejected=True, stack="megatron-core")
    both = fast.merge(slow, on=KEY, suffixes=("_fast", "_slow"))
    assert len(both) == len(fast) == len(slow)
    assert (both["step_s_slow"] >= both["step_s_fast"] * (1 - 1e-12)).all()
    z3 = both[(both["zero"] == 3) & (both["pp"] > 1)]
    assert len(z3) and (z3["dp_exposed_s_fast"] >= z3["dp_exposed_s_slow"]).all()


def test_calibrated_flash_attention_is_charged_as_flashattention_counts_its_rate(monkeypatch):
    # The published attention rates (FlashAttention-2/3 papers, flash-attention's benchmark_flash_attention.py) count
    # a training step's attention as 3.5 forwards of score FLOPs: forward 1, backward 2.5 (its four gradient matmuls and
    # the recompute of QKᵀ). So doubling the rate saves 3.5·S / (2·r·peak) of compute, S the score FLOPs: by hand, 4
    # sequences per GPU × 4 layers × 134,479,872 score FLOPs each, r = 0.35 on an H100
    import dataclasses
    from llmcalc import kernels as K

    def compute(rate):
        monkeypatch.setitem(K.RATES, "H100", dataclasses.replace(K.RATES["H100"], attention_fraction=rate))
        return P.layout(TINY, "H100", 8, 32 * T_TINY, T_TINY, tp=1, pp=1, zero=0, micro_batch=1, recompute="none",
                        stack="megatron-lm-2021").compute_s

    scores = 4 * 4 * 134_479_872
    assert compute(0.35) - compute(0.70) == exact(3.5 * scores / (2 * 0.35 * H100_PEAK))
    # the ideal bound charges the model's FLOPs only: 3 forwards of the scores at peak
    ideal = tiny(fused_swiglu=True)
    assert ideal.compute_s == exact(4 * 3 * TINY_FWD / H100_PEAK)


@pytest.mark.parametrize("name, chip, n, seqs, seq", [("llama-3-8b", "H100", 64, 256, 4096),
                                                       ("mixtral-8x7b", "H100", 256, 1024, 4096)])
def test_top_rows_are_the_full_ranking_head_ties_included(name, chip, n, seqs, seq):
    # search(top=k) ranks only the layouts that can be among the first k; the rows and their order must be those of
    # the full ranking (many layouts tie: ZeRO stages that change no time, say)
    full = P.search(name, chip, n, seqs * seq, seq)
    assert full["step_s"].duplicated().any()                   # ties exist, so the order among them is tested
    for k in (1, 5, 37):
        assert P.search(name, chip, n, seqs * seq, seq, top=k).reset_index(drop=True).equals(
            full.head(k).reset_index(drop=True))
