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
              mlp=draw(st.sampled_from(["gated", "plain"])), norm=draw(st.sampled_from(["rmsnorm", "layernorm"])),
              qk_norm=draw(st.sampled_from(["none", "head", "full"])), attention_sinks=draw(st.booleans()))
    types = draw(st.lists(st.sampled_from(["full_attention", "sliding_attention", "chunked_attention"]),
                          min_size=L, max_size=L) | st.just([]))
    kw.update(layer_types=tuple(types),
              sliding_window=draw(st.integers(1, 600)) if "sliding_attention" in types else 0,
              attention_chunk_size=draw(st.integers(1, 600)) if "chunked_attention" in types else 0)
    if moe:
        E = draw(st.integers(1, 16))
        kw.update(E=E, k=draw(st.integers(1, E)), F_expert=draw(sizes), F_shared=draw(st.integers(0, 64)),
                  dense_layers=draw(st.integers(0, L)), expert_bias=draw(st.booleans()), router_bias=draw(st.booleans()))
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


# ----- issue 14: the newer families, by hand and against their vendors' published totals -----------------

def test_qwen3_8b_by_hand_and_the_model_cards_8_2b_and_6_95b():
    # Qwen3-8B (L 36, D 4096, F 12288, N 32, K 8, H 128, V 151936, untied), per layer:
    #   q and o 2·4096·4096 = 33,554,432; k and v 2·4096·1024 = 8,388,608; q/k norms 2·128 = 256
    #   MLP 3·4096·12288 = 150,994,944; two norms 8,192            -> 192,946,432 per layer
    # 36 layers 6,946,071,552 + final norm 4,096 + embedding and head 2·151936·4096 = 1,244,659,712
    c = llmcalc.preset("qwen3-8b")
    assert llmcalc.param_count(c) == 6_946_071_552 + 4_096 + 1_244_659_712 == 8_190_735_360
    # Qwen's model card: "Number of Parameters: 8.2B, Number of Paramaters (Non-Embedding): 6.95B" (its
    # non-embedding count leaves out the untied LM head as well)
    assert round(llmcalc.param_count(c) / 1e8) == 82
    assert round((llmcalc.param_count(c) - 2 * 151936 * 4096) / 1e7) == 695


def test_qk_norms_cost_2h_per_layer_or_n_plus_k_times_h_for_olmo2():
    q = llmcalc.preset("qwen3-8b")  # per-head norms: one 128-wide weight for q, one for k, per layer
    assert llmcalc.param_count(q) - llmcalc.param_count(q.replace(qk_norm="none")) == 36 * 2 * 128
    o = llmcalc.preset("olmo-2-7b")  # full-width norms: 4096 for q and 32·128 = 4096 for k, per layer
    assert llmcalc.param_count(o) - llmcalc.param_count(o.replace(qk_norm="none")) == 32 * (4096 + 4096)


def test_gpt_oss_sinks_and_biases_by_hand_and_openais_116_8b_and_5_1b():
    c = llmcalc.preset("gpt-oss-120b")
    b = llmcalc.param_breakdown(c)
    # attention per layer: q, o 2·2880·4096 = 23,592,960; k, v 2·2880·512 = 2,949,120; biases 4096 + 2·512 + 2880
    # = 8,000; sinks 64 -> 26,550,144; 36 layers -> 955,805,184 (OpenAI's model card: attention 0.96B)
    assert b["attention"] == 36 * (23_592_960 + 2_949_120 + 8_000 + 64) == 955_805_184
    # experts: 128 per layer, each 3·2880·2880 = 24,883,200 weights + 2·2880 + 2880 = 8,640 biases
    assert b["experts"] == 36 * 128 * (24_883_200 + 8_640)
    assert b["router"] == 36 * (128 * 2880 + 128)  # the router has a bias
    # published (OpenAI's model card, as quoted on model pages): 116.8B total, 5.1B active per token; the
    # active count leaves out the embedding table (a lookup) but keeps the unembedding
    assert round(llmcalc.param_count(c) / 1e8) == 1168
    assert round(llmcalc.active_param_count(c, include_embedding=False) / 1e8) == 51


def test_llama4_scout_by_hand_and_metas_17b_active():
    # Llama 4 Scout's language model (L 48, D 5120, N 40, K 8, H 128, V 202048, every layer MoE, E 16, k 1,
    # experts and shared expert of width 8192): attention 2·5120·5120 + 2·5120·1024 = 62,914,560;
    # router 16·5120 = 81,920; experts 16·3·5120·8192 = 2,013,265,920; shared 3·5120·8192 = 125,829,120;
    # norms 10,240 -> 2,202,101,760 per layer; 48 layers 105,700,884,480 + 2·202048·5120 + 5120
    c = llmcalc.preset("llama-4-scout-17b-16e")
    assert llmcalc.param_count(c) == 105_700_884_480 + 2_068_971_520 + 5_120 == 107_769_861_120
    # one routed expert instead of 16: 15·125,829,120 fewer per layer; Meta's model card: 17B active
    active = llmcalc.active_param_count(c)
    assert active == llmcalc.param_count(c) - 48 * 15 * 125_829_120
    assert round(active / 1e9) == 17


def test_gemma3_27b_text_model_by_hand():
    # L 62, D 5376, F 21504, N 32, K 16, H 128, V 262208 (transformers' default: the text_config has no
    # vocab_size), tied, 4 norms per layer, per-head q/k norms: per layer 2·5376·4096 + 2·5376·2048 + 256
    # + 3·5376·21504 + 4·5376 = 44,040,192 + 22,020,096 + 256 + 346,816,512 + 21,504 = 412,898,560
    c = llmcalc.preset("gemma-3-27b")
    assert llmcalc.param_count(c) == 62 * 412_898_560 + 262208 * 5376 + 5376 == 27_009_346_304


def test_deepseek_v2_and_lite_match_the_papers_totals():
    # DeepSeek-V2 paper (arXiv 2405.04434): 236B total, 21B activated; V2-Lite (appendix B): 15.7B total,
    # 2.4B activated. The Lite's 2.4B fits its count without the 0.21B embedding table (2.45B, the paper's
    # 2.4 cut rather than rounded), not the 2.66B with it
    v2, lite = llmcalc.preset("deepseek-v2"), llmcalc.preset("deepseek-v2-lite")
    assert round(llmcalc.param_count(v2) / 1e9) == 236 and round(llmcalc.active_param_count(v2) / 1e9) == 21
    assert round(llmcalc.param_count(lite) / 1e8) == 157
    assert 2.4e9 <= llmcalc.active_param_count(lite, include_embedding=False) < 2.5e9 < llmcalc.active_param_count(lite)


def test_lite_without_q_compression_has_a_full_query_projection():
    # DeepSeek-V2-Lite: q_proj is D × N·(nope + rope) = 2048 × 16·192 per layer, no q_a/q_b pair
    lite = llmcalc.preset("deepseek-v2-lite")
    assert lite.q_lora_rank is None
    with_q_lora = lite.replace(q_lora_rank=512)
    per_layer = (2048 * 512 + 512 + 512 * 16 * 192) - 2048 * 16 * 192
    assert llmcalc.param_count(with_q_lora) - llmcalc.param_count(lite) == 27 * per_layer


def test_fused_projections_hold_the_same_weights():
    # Phi-3 fuses q/k/v into one qkv_proj and gate/up into gate_up_proj: the same D×(N+2K)H and D×2F
    # weights as a LLaMA layer (crosscheck builds Phi3ForCausalLM and finds the same count)
    p = llmcalc.preset("phi-3-mini-4k")
    as_llama = ModelConfig(L=p.L, D=p.D, F=p.F, N=p.N, K=p.K, V=p.V)
    assert llmcalc.param_count(p) == llmcalc.param_count(as_llama) == 3_821_079_552


def test_windows_and_chunks_change_no_parameter():
    g = llmcalc.preset("gemma-3-27b")
    assert llmcalc.param_count(g) == llmcalc.param_count(g.replace(layer_types=(), sliding_window=0))
    s = llmcalc.preset("llama-4-scout-17b-16e")
    assert llmcalc.param_count(s) == llmcalc.param_count(s.replace(layer_types=(), attention_chunk_size=0))


def test_a_dense_copy_of_gpt_oss_drops_its_expert_and_router_biases():
    c = llmcalc.preset("gpt-oss-120b").replace(E=0, k=0, F_expert=None)
    assert not c.is_moe and not c.expert_bias and not c.router_bias
