"""Matmul FLOPs: the seeds' worked numbers, and properties. FlopCounterMode comparisons live in
tests/crosscheck (make crosscheck)."""

import pytest
from hypothesis import given, settings, strategies as st

import llmcalc
from tests.test_params import configs

QWEN = llmcalc.preset("qwen2-72b")


def test_llama3_70b_needs_4_2e11_flops_per_token():
    # seed 000: 6 × 70e9 = 4.2e11 (with the exact 70.55e9 parameters: 4.23e11)
    per_token = llmcalc.flops_per_token(llmcalc.preset("llama-3-70b"))
    assert per_token == 6 * 70_553_706_496
    assert f"{per_token:.1e}" == "4.2e+11"


def test_llama3_70b_on_15t_tokens_is_6_3e24_flops():
    total = llmcalc.training_flops_6p(llmcalc.preset("llama-3-70b"), 15e12)
    assert f"{total:.1e}" == "6.3e+24"


def test_one_token_takes_about_a_millisecond_of_one_v5p():
    # seed 000: 4.2e11 / 4.59e14 ≈ 1 ms per token at 100% utilisation
    per_token = llmcalc.flops_per_token(llmcalc.preset("llama-3-70b"))
    assert round(per_token / llmcalc.chip("TPU v5p").peak_flops * 1e3, 1) == 0.9


def test_gpt3_is_3_14e23_flops():
    # Brown et al. 2020: 3.14e23 FLOPs for 300B tokens
    total = llmcalc.training_flops_6p(llmcalc.preset("gpt-3-175b"), 300e9)
    assert f"{total:.2e}" == "3.14e+23"


def test_llama3_405b_is_3_8e25_flops():
    # Llama 3 paper: 3.8e25 FLOPs on 15.6T tokens
    assert f"{llmcalc.training_flops_6p(llmcalc.preset('llama-3.1-405b'), 15.6e12):.1e}" == "3.8e+25"


# ----- seed 001: Qwen2-72B, batch 4, sequence 32768, per-module forward FLOPs -------------------

def test_qwen2_72b_q_projection_is_17_6_tflops_per_layer():
    # 2 · hidden · heads · head_dim · batch · seq = 17,592,186,044,416 (seed 001, printed)
    b = llmcalc.forward_flops_breakdown(QWEN, 4, 32768, causal=False)
    q, k = 2 * 8192 * 8192 * 4 * 32768, 2 * 8192 * 1024 * 4 * 32768
    assert q == 17_592_186_044_416
    assert b["attention_proj"] == 80 * (2 * q + 2 * k)  # Q and O are D×D, K and V are D×(K·H)
    assert round(k / 1e12, 1) == 2.2  # "K and V: 2.2 TFLOPs each"


def test_qwen2_72b_scores_are_70_tflops_per_matmul_per_layer():
    b = llmcalc.forward_flops_breakdown(QWEN, 4, 32768, causal=False)
    assert b["attention_scores"] == 80 * 2 * 70_368_744_177_664  # QKᵀ and PV, printed by the seed


def test_qwen2_72b_ffn_is_3_x_63_5_tflops_per_layer():
    b = llmcalc.forward_flops_breakdown(QWEN, 4, 32768, causal=False)
    assert b["mlp"] == 80 * 3 * 63_496_796_504_064


def test_qwen2_72b_lm_head_is_0_33_pflops():
    b = llmcalc.forward_flops_breakdown(QWEN, 4, 32768, causal=False)
    assert b["lm_head"] == 326_554_953_449_472


def test_qwen2_72b_closed_form_total_is_30_pflops():
    # seed 001: bs·s·h·(2V + L(4.5h + 4s + 6i)) = 29,991,378,670,845,952 for bs 4, s 32768
    assert llmcalc.forward_flops(QWEN, 4, 32768, causal=False) == 29_991_378_670_845_952


def test_qwen2_72b_attention_is_48_percent_and_ffn_51_at_32k():
    b = llmcalc.forward_flops_breakdown(QWEN, 4, 32768, causal=False)
    total = sum(b.values())
    assert round(100 * (b["attention_proj"] + b["attention_scores"]) / total) == 48
    assert round(100 * b["mlp"] / total) == 51


def test_causal_mask_halves_the_scores_but_keeps_the_diagonal():
    full = llmcalc.forward_flops_breakdown(QWEN, 1, 4096, causal=False)["attention_scores"]
    causal = llmcalc.forward_flops_breakdown(QWEN, 1, 4096, causal=True)["attention_scores"]
    assert causal * 2 * 4096 == full * 4097  # T(T+1)/2 of T² pairs


def test_backward_is_twice_forward_and_recompute_adds_a_forward():
    c = llmcalc.preset("llama-3-8b")
    fwd = llmcalc.forward_flops(c, 2, 2048)
    assert llmcalc.training_flops(c, 2, 2048) == 3 * fwd
    assert llmcalc.training_flops(c, 2, 2048, recompute="full") == 4 * fwd
    assert llmcalc.flops_per_token(c, recompute="full") == 8 * llmcalc.param_count(c)


def test_attention_share_grows_with_sequence_length():
    c = llmcalc.preset("llama-3-8b")
    shares = [llmcalc.attention_score_fraction(c, T) for T in (512, 4096, 32768, 131072)]
    assert shares == sorted(shares) and shares[0] < 0.05 and shares[-1] > 0.5


def test_batch_size_does_not_change_total_compute():
    # seed 001: for a fixed number of tokens, how they are batched does not change the FLOPs
    c = llmcalc.preset("qwen2-72b")
    assert llmcalc.training_flops(c, 64, 4096) == 2 * llmcalc.training_flops(c, 32, 4096) == 64 * llmcalc.training_flops(c, 1, 4096)


@pytest.mark.parametrize("bad", [dict(batch=0), dict(seq_len=-1), dict(batch=1.5)])
def test_bad_batch_or_sequence_is_refused(bad):
    kw = dict(batch=1, seq_len=16) | bad
    field = next(iter(bad))
    with pytest.raises(ValueError, match=f"^{field} must be"):
        llmcalc.forward_flops(QWEN, **kw)


def test_unknown_recompute_policy_is_refused():
    with pytest.raises(ValueError, match=r"recompute must be one of \['none', 'selective', 'full'\]"):
        llmcalc.training_flops(QWEN, 1, 16, recompute="some")


@given(configs(), st.integers(1, 8), st.integers(1, 512), st.booleans())
@settings(max_examples=200, deadline=None)
def test_flop_breakdown_sums_to_total_in_exact_integers(c, B, T, causal):
    b = llmcalc.forward_flops_breakdown(c, B, T, causal)
    assert all(type(x) is int and x >= 0 for x in b.values())
    assert sum(b.values()) == llmcalc.forward_flops(c, B, T, causal)
    assert llmcalc.forward_flops(c, B, T, causal=True) <= llmcalc.forward_flops(c, B, T, causal=False)


@given(configs(), st.sampled_from(["L", "D"]), st.integers(1, 256))
@settings(max_examples=100, deadline=None)
def test_flops_grow_with_l_and_d(c, field, T):
    bigger = c.replace(**{field: getattr(c, field) * 2})
    assert llmcalc.forward_flops(bigger, 1, T) > llmcalc.forward_flops(c, 1, T)


# ----- named closed forms: 2mnk, seed 001's formula, Megatron's formula ---------------------------

def test_a_4x3_by_3x2_matmul_is_48_flops():
    # hand count: 4·2 = 8 outputs, each 3 multiplies + 3 adds = 6 FLOPs → 48 FLOPs (24 MACs)
    assert llmcalc.flops.matmul_flops(4, 3, 2) == 48


def test_qwen2_72b_q_projection_is_a_17_6_tflop_matmul():
    # seed 001 prints 17,592,186,044,416 for [4·32768, 8192] × [8192, 8192]
    assert llmcalc.flops.matmul_flops(4 * 32768, 8192, 8192) == 17_592_186_044_416


def test_seed001_closed_form_prints_29_991_378_670_845_952():
    # seed 001: 4 · 32768 · 8192 · (2·152064 + 80·(4.5·8192 + 4·32768 + 6·29568)), printed exactly
    value = llmcalc.flops.article_closed_form_forward_flops(4, 32768, D=8192, L=80, V=152064, F=29568)
    assert value == 29_991_378_670_845_952
    assert value == llmcalc.forward_flops(QWEN, 4, 32768, causal=False)


def test_seed001_closed_form_undercounts_a_model_without_gqa():
    # LLaMA 2-7B has K = N (MHA): its projections are 8·D² per token per layer, not 4.5·D²
    c = llmcalc.preset("llama-2-7b")
    closed = llmcalc.flops.article_closed_form_forward_flops(1, 4096, D=c.D, L=c.L, V=c.V, F=c.F)
    assert closed < llmcalc.forward_flops(c, 1, 4096, causal=False)


def test_megatron_formula_by_hand():
    # B=1, T=6, L=1, D=6, V=12: 72·6·36·(1 + 6/36 + 12/72) = 15552·4/3 = 20736;
    # with recompute 96·216·(1 + 1/6 + 12/96) = 20736·(31/24) = 26784
    assert llmcalc.flops.megatron_training_flops(1, 6, L=1, D=6, V=12) == 20_736
    assert llmcalc.flops.megatron_training_flops(1, 6, L=1, D=6, V=12, recompute=True) == 26_784


def test_megatron_formula_equals_llmcalc_for_gpt3():
    # GPT-3 is GPT-style (F = 4D, MHA), so Megatron's closed form and the exact count agree to the FLOP
    g = llmcalc.preset("gpt-3-175b")
    assert llmcalc.flops.megatron_training_flops(1536, 2048, g.L, g.D, g.V) == llmcalc.training_flops(g, 1536, 2048, causal=False)


# ----- sliding windows and chunks (issue 14) ----------------------------------------------------------------

def test_window_and_chunk_pairs_by_hand():
    # T = 5 with a window of 2: queries 0..4 see 1, 2, 2, 2, 2 keys = 9 pairs (= 2·3/2 + 3·2)
    assert llmcalc.score_pairs(5, window=2) == 1 + 2 + 2 + 2 + 2 == 9
    # chunks of 2: blocks {0,1}, {2,3}, {4}: 3 + 3 + 1 = 7 causal pairs
    assert llmcalc.score_pairs(5, chunk=2) == 3 + 3 + 1 == 7
    # a window as long as the sequence, or a chunk, changes nothing: 5·6/2 = 15
    assert llmcalc.score_pairs(5, window=5) == llmcalc.score_pairs(5, window=9) == llmcalc.score_pairs(5, chunk=5) == 15


def test_gemma3_27b_attention_scores_at_32k_by_hand():
    # Gemma 3 27B: 52 of 62 layers see the last 1024 tokens, 10 the whole causal context. At T = 32768, per
    # head and sequence: windowed 1024·1025/2 + (32768 − 1024)·1024 = 524,800 + 32,505,856 = 33,030,656 pairs;
    # full causal 32768·32769/2 = 536,887,296. Scores: 2 FLOPs × pairs × (128 + 128) × 32 heads
    g = llmcalc.preset("gemma-3-27b")
    assert (g.sliding_layers, g.L - g.sliding_layers) == (52, 10)
    pairs = 52 * 33_030_656 + 10 * 536_887_296
    b = llmcalc.forward_flops_breakdown(g, 1, 32768)
    assert b["attention_scores"] == 2 * pairs * 256 * 32
    # the eager count (causal=False) is the full matrix on all 62 layers, window or not
    eager = llmcalc.forward_flops_breakdown(g, 1, 32768, causal=False)
    assert eager["attention_scores"] == 2 * 62 * 32768 * 32768 * 256 * 32


def test_a_window_longer_than_the_sequence_changes_nothing():
    # Mistral 7B's 4096-token window: at T ≤ 4096 every query already sees its whole past
    m = llmcalc.preset("mistral-7b")
    full = m.replace(layer_types=(), sliding_window=0)
    assert llmcalc.forward_flops(m, 1, 4096) == llmcalc.forward_flops(full, 1, 4096)
    assert llmcalc.forward_flops(m, 1, 8192) < llmcalc.forward_flops(full, 1, 8192)


def test_llama4_chunks_of_8192_at_128k():
    # Llama 4 Scout: 36 layers attend within chunks of 8192 (16 whole chunks at T = 131072), 12 to everything
    s = llmcalc.preset("llama-4-scout-17b-16e")
    per_head = 36 * 16 * (8192 * 8193 // 2) + 12 * (131072 * 131073 // 2)
    assert llmcalc.flops.attention_score_pairs(s, 131072) == per_head


@given(configs(), st.integers(1, 700))
@settings(max_examples=200, deadline=None)
def test_windowed_scores_never_exceed_causal_ones(c, T):
    local = llmcalc.flops.attention_score_pairs(c, T)
    no_local = llmcalc.flops.attention_score_pairs(c.replace(layer_types=(), sliding_window=0, attention_chunk_size=0), T)
    assert local <= no_local <= c.L * T * T == llmcalc.flops.attention_score_pairs(c, T, causal=False)


@pytest.mark.parametrize("kw, field", [(dict(window=0), "window"), (dict(chunk=-2), "chunk"),
                                       (dict(window=4, chunk=4), "window or chunk"),
                                       (dict(causal=False, window=4), "window and chunk need causal")])
def test_bad_window_or_chunk_is_refused(kw, field):
    with pytest.raises(ValueError, match=field):
        llmcalc.score_pairs(16, **kw)


def test_moe_flops_per_token_use_the_active_parameters():
    # 6P with P the parameters a token uses: gpt-oss-120b runs 4 of its 128 experts
    c = llmcalc.preset("gpt-oss-120b")
    assert llmcalc.flops_per_token(c) == 6 * llmcalc.active_param_count(c)
    b = llmcalc.forward_flops_breakdown(c, 1, 1)
    assert b["experts"] == 2 * 36 * 4 * 3 * 2880 * 2880  # one token: 4 experts' matmuls in 36 layers
