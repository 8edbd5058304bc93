"""Exact parameter counts: the seeds' and slides' worked numbers, and properties.

The integers in these tests come from the course slides (seed 004), the reference table (counts taken
from transformers' own models) and hand calculations written out below; make crosscheck compares
every preset with transformers directly."""

from hypothesis import given, settings, strategies as st

import llmcalc
from llmcalc import ModelConfig


def slide_formula(V, H, L, Hp):
    # seed 004: 2VH + H + L(4H^2 + 3HH' + 2H)  (untied embeddings, MHA, RMSNorm, SwiGLU)
    return 2 * V * H + H + L * (4 * H * H + 3 * H * Hp + 2 * H)


def test_llama_7b_has_6_738_415_616_parameters():
    assert slide_formula(32000, 4096, 32, 11008) == 6_738_415_616  # the slide's own printed number
    assert llmcalc.param_count(llmcalc.preset("llama-2-7b")) == 6_738_415_616


def test_llama_65b_has_65_285_660_672_parameters():
    assert slide_formula(32000, 8192, 80, 22016) == 65_285_660_672
    assert llmcalc.param_count(llmcalc.preset("llama-65b")) == 65_285_660_672


def test_llama3_70b_is_70_553_706_496_not_the_seeds_rounded_70_4b():
    # seed 000 by hand: FFN 3·D·F·L = 56.4e9, attention L(2DNH + 2DKH) = 12.1e9, vocab 2VD = 2.1e9 -> "70.4B"
    ffn = 3 * 8192 * 28672 * 80
    attn = 80 * (2 * 8192 * 64 * 128 + 2 * 8192 * 8 * 128)
    vocab = 2 * 128256 * 8192
    # the seed adds parts rounded down (563 + 120 + 21 = 704, i.e. 70.4B); unrounded they make 70.55B
    assert round((ffn + attn + vocab) / 1e9, 2) == 70.55
    norms = (2 * 80 + 1) * 8192  # what the hand count leaves out
    assert ffn + attn + vocab + norms == 70_553_706_496  # reference.md, from transformers
    b = llmcalc.param_breakdown(llmcalc.preset("llama-3-70b"))
    assert (b["mlp"], b["attention"], b["embedding"] + b["lm_head"], b["norms"]) == (ffn, attn, vocab, norms)


def test_llama3_70b_mlp_is_80_percent_attention_17_vocab_3():
    b = llmcalc.param_breakdown(llmcalc.preset("llama-3-70b"))
    total = sum(b.values())
    assert round(100 * b["mlp"] / total) == 80
    assert round(100 * b["attention"] / total) == 17
    assert round(100 * (b["embedding"] + b["lm_head"]) / total) == 3


def test_reference_table_counts():
    # reference.md §2 (each count is sum(p.numel()) of the transformers model)
    table = {"llama-2-70b": 68_976_648_192, "llama-3-8b": 8_030_261_248, "llama-3.1-405b": 405_853_388_800,
             "qwen2-72b": 72_706_203_648, "mixtral-8x7b": 46_702_792_704}
    assert {n: llmcalc.param_count(llmcalc.preset(n)) for n in table} == table


def test_mixtral_expert_has_176m_parameters_and_the_model_12_9b_active():
    # seed 002: one SwiGLU expert 3·4096·14336 = 1.76e8 parameters (352 MB in bf16)
    c = llmcalc.preset("mixtral-8x7b")
    b = llmcalc.param_breakdown(c)
    assert b["experts"] == 32 * 8 * 3 * 4096 * 14336
    # active: all but 6 of the 8 experts in each of 32 layers
    assert llmcalc.active_param_count(c) == llmcalc.param_count(c) - 32 * 6 * 3 * 4096 * 14336


def test_deepseek_v3_is_671b_total_37b_active():
    # DeepSeek-V3 README: 671B total, 37B activated (main model, without the multi-token-prediction module)
    c = llmcalc.preset("deepseek-v3")
    assert round(llmcalc.param_count(c) / 1e9) == 671
    assert 37e9 <= llmcalc.active_param_count(c) < 38e9


def test_gpt3_is_175b():
    assert round(llmcalc.param_count(llmcalc.preset("gpt-3-175b")) / 1e9) == 175


def test_tied_embeddings_drop_the_lm_head():
    c = llmcalc.preset("llama-3-8b")
    assert llmcalc.param_count(c) - llmcalc.param_count(c.replace(tied_embeddings=True)) == 128256 * 4096


def test_qwen2_biases_add_n_h_plus_2_k_h_per_layer():
    c = llmcalc.preset("qwen2-72b")
    assert llmcalc.param_count(c) - llmcalc.param_count(c.replace(qkv_bias=False)) == 80 * (64 * 128 + 2 * 8 * 128)


# ----- properties ------------------------------------------------------------------------------

sizes = st.integers(min_value=1, max_value=64)


@st.composite
def configs(draw):
    N = draw(st.sampled_from([1, 2, 4, 8]))
    K = draw(st.sampled_from([k for k in [1, 2, 4, 8] if N % k == 0]))
    moe = draw(st.booleans())
    L = draw(sizes)
    kw = dict(L=L, D=N * draw(sizes), F=draw(sizes), N=N, K=K, V=draw(sizes),
              tied_embeddings=draw(st.booleans()), qkv_bias=draw(st.booleans()),
              mlp=draw(st.sampled_from(["gated", "plain"])), norm=draw(st.sampled_from(["rmsnorm", "layernorm"])))
    if moe:
        E = draw(st.integers(1, 16))
        kw.update(E=E, k=draw(st.integers(1, E)), F_expert=draw(sizes), F_shared=draw(st.integers(0, 64)),
                  dense_layers=draw(st.integers(0, L)))
    return ModelConfig(**kw)


@given(configs())
@settings(max_examples=200, deadline=None)
def test_breakdown_sums_to_total_and_is_exact_integers(c):
    b = llmcalc.param_breakdown(c)
    assert all(type(x) is int and x >= 0 for x in b.values())
    assert sum(b.values()) == llmcalc.param_count(c)
    assert llmcalc.active_param_count(c) <= llmcalc.param_count(c)


@given(configs(), st.sampled_from(["L", "D", "F"]))
@settings(max_examples=200, deadline=None)
def test_count_grows_with_l_d_and_f(c, field):
    bigger = c.replace(**{field: getattr(c, field) * 2 if field != "D" else c.D + c.N})
    if field == "F" and c.is_moe and c.dense_layers == 0:
        assert llmcalc.param_count(bigger) == llmcalc.param_count(c)  # F only sizes dense MLP layers
    else:
        assert llmcalc.param_count(bigger) > llmcalc.param_count(c)


def test_slide_formula_reproduces_llama_7b_and_65b_and_overcounts_gqa():
    from llmcalc.params import slide_formula_count
    # the slides' printed numbers (seed 004)
    assert slide_formula_count(llmcalc.preset("llama-2-7b")) == 6_738_415_616
    assert slide_formula_count(llmcalc.preset("llama-65b")) == 65_285_660_672
    # LLaMA 3-70B has GQA (K·H = 1024, not D = 8192): the slide formula counts K and V projections
    # D×D instead of D×1024, i.e. 2·D·(D − 1024) too many per layer
    c = llmcalc.preset("llama-3-70b")
    assert slide_formula_count(c) - 70_553_706_496 == 80 * 2 * 8192 * (8192 - 1024)
    # Gemma-2-9B ties its embeddings: the formula counts a V×D head that does not exist (and more)
    g = llmcalc.preset("gemma-2-9b")
    assert slide_formula_count(g) != llmcalc.param_count(g)
