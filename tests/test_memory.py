"""Training memory: the sources', the ZeRO paper's and Korthikanti et al.'s worked numbers, and properties.

Every expected value below is either a number printed by a source (a source document, paper, or docs/references.md), with a
tolerance its rounding justifies, or a hand calculation written out in the test. None is produced by
calling the function under test a second time.
"""

import ast
import pathlib

import pytest
from hypothesis import given, settings, strategies as st

import llmcalc
import llmcalc.memory as mem
from llmcalc import ModelConfig

GB = 10**9
GiB = 2**30


def gpt(L, h, a, V=51200, T=2048):
    """A GPT-style (Megatron) model as Korthikanti et al. 2022 use: F = 4h, LayerNorm, GELU, learned positions."""
    return ModelConfig(L=L, D=h, F=4 * h, N=a, V=V, mlp="plain", norm="layernorm", positions="learned",
                       max_positions=T, qkv_bias=True, o_bias=True, mlp_bias=True, tied_embeddings=True)


GPT_22B = gpt(48, 6144, 64)
GPT_175B = gpt(96, 12288, 96)
GPT_530B = gpt(105, 20480, 128)
GPT_1T = gpt(128, 25600, 160)
LLAMA3_70B = llmcalc.preset("llama-3-70b")
MIXTRAL = llmcalc.preset("mixtral-8x7b")


# ----- bytes per value ------------------------------------------------------------------------------

def test_bytes_per_value_are_4_2_2_1_and_half():
    # the multi-GPU memory notes' table: FP32 4, FP16/BF16 2, INT8 1, INT4 0.5 bytes
    assert mem.BYTES_PER_VALUE == {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1, "int4": 0.5}


def test_llama3_70b_bf16_weights_are_140_gb_and_mixtral_at_4_bits_is_23_4_gb():
    # the book, part 6: 2 × 70e9 = 140 GB; hand: 46,702,792,704 / 2 bytes at 4 bits
    got = mem.value_bytes(70e9, "bf16")
    assert got == 140 * GB and type(got) is int
    assert mem.value_bytes(46_702_792_704, "int4") == 23_351_396_352
    assert mem.value_bytes(3, "int4") == 1.5


def test_article_100b_divides_by_1024_cubed_so_its_200_gb_prints_as_186_3():
    # the 100B-compute article: 100e9 fp16 parameters "≈ 200 GB" in prose, but its code prints 100e9·2/1024³ = 186.3 "GB"
    assert mem.value_bytes(100e9, "fp16") == 200 * GB
    assert round(mem.value_bytes(100e9, "fp16") / GiB, 1) == 186.3


# ----- precision regimes and ZeRO -----------------------------------------------------------------

def test_regimes_are_16_18_and_10_bytes_per_param():
    # docs/references.md: ZeRO (2 + 2 + 12) = 16; Megatron fp32 grads 18; How To Scale Your Model 2 + 8 = 10
    assert mem.bytes_per_param("mixed") == 16
    assert mem.bytes_per_param("mixed_fp32_grads") == 18
    assert mem.bytes_per_param("bf16_fp32_adam") == 10
    assert mem.REGIMES["mixed"].as_dict() == {"weights": 2, "grads": 2, "master": 4, "optimizer": 8}
    assert mem.REGIMES["bf16_fp32_adam"].as_dict() == {"weights": 2, "grads": 0, "master": 0, "optimizer": 8}


def test_zero_stages_give_31_4_16_6_1_9_gb_for_7_5b_on_64_gpus():
    # ZeRO paper, Figure 1: Ψ = 7.5B, N_d = 64: 120 GB, 31.4 GB, 16.6 GB, 1.9 GB
    printed = [120, 31.4, 16.6, 1.9]
    got = [mem.model_state_bytes(7.5e9, "mixed", stage, 64) for stage in range(4)]
    assert [round(x / GB, 1) for x in got] == printed
    # and exactly, by hand: 16Ψ, 4Ψ + 12Ψ/64, 2Ψ + 14Ψ/64, 16Ψ/64
    assert got == [120_000_000_000, 30_000_000_000 + 1_406_250_000, 15_000_000_000 + 1_640_625_000, 1_875_000_000]
    assert all(type(x) is int for x in got)


def test_korthikanti_22b_params_and_optimizer_are_45_5625_gib_at_18_bytes():
    # docs/references.md: 45.5625 GiB per GPU at 18 bytes/param; the paper's parameter count is 12·l·h²
    # split over t = 8 GPUs
    params = 12 * 48 * 6144**2
    assert mem.model_state_bytes(params, "mixed_fp32_grads", model_parallel=8) == 45.5625 * GiB


def test_korthikanti_1t_params_and_optimizer_are_32_96_gib_at_18_bytes():
    # docs/references.md: 32.96 GiB; 12·l·h² parameters over t·p = 8·64 = 512 GPUs
    params = 12 * 128 * 25600**2
    got = mem.model_state_bytes(params, "mixed_fp32_grads", model_parallel=512)
    assert round(got / GiB, 2) == 32.96


def test_zero_breakdown_shards_optimizer_then_grads_then_weights():
    # hand: Ψ = 1000, "mixed", N_d = 4
    assert mem.model_state_breakdown(1000, "mixed", 1, 4) == {
        "weights": 2000, "grads": 2000, "master": 1000, "optimizer": 2000, "total": 7000}
    assert mem.model_state_breakdown(1000, "mixed", 2, 4)["grads"] == 500
    assert mem.model_state_breakdown(1000, "mixed", 3, 4)["weights"] == 500


# ----- activations: Korthikanti et al. 2022 -------------------------------------------------------

def test_korthikanti_22b_tp_only_is_59_25_gib():
    # docs/references.md / paper Table 3: 22B, t = 8, p = 1, micro-batch 4, s = 2048
    assert mem.activation_bytes(GPT_22B, 4, 2048, tp=8) == 59.25 * GiB


def test_korthikanti_22b_tp_sp_selective_is_9_5625_gib():
    assert mem.activation_bytes(GPT_22B, 4, 2048, tp=8, sp=True, recompute="selective") == 9.5625 * GiB


def test_korthikanti_1t_tp_only_is_131_25_gib():
    # 1T: t = 8, p = 64, micro-batch 1; the first stage holds L/p layers × p micro-batches
    assert mem.activation_bytes(GPT_1T, 1, 2048, tp=8, pp=64) == 131.25 * GiB


def test_korthikanti_1t_tp_sp_selective_is_26_5625_gib():
    assert mem.activation_bytes(GPT_1T, 1, 2048, tp=8, pp=64, sp=True, recompute="selective") == 26.5625 * GiB


def test_korthikanti_175b_interleaved_3_chunks_is_66_84_gib_tp_only_and_12_35_gib_with_sp_selective():
    # docs/references.md gives the layout only (t 8, p 8, b 1, 3 chunks); hand calculation with the paper's
    # closed form: 5as/(ht) = 5·96·2048/(12288·8) = 10, so TP-only is sbh·L·(10 + 3 + 10) = 23·sbhL;
    # sbhL = 2048·12288·96 bytes = 2.25 GiB; interleave factor 1 + (8 − 1)/(8·3) = 31/24
    sbhL = 2048 * 1 * 12288 * 96
    assert sbhL == 2.25 * GiB
    assert mem.activation_bytes(GPT_175B, 1, 2048, tp=8, pp=8, interleave=3) == 23 * sbhL * 31 / 24
    assert round(23 * 2.25 * 31 / 24, 2) == 66.84
    sel = mem.activation_bytes(GPT_175B, 1, 2048, tp=8, pp=8, interleave=3, sp=True, recompute="selective")
    assert sel == 34 / 8 * sbhL * 31 / 24
    assert round(sel / GiB, 2) == 12.35


def test_korthikanti_530b_interleaved_3_chunks_is_114_02_gib_tp_only_and_23_08_gib_with_sp_selective():
    # hand: 5as/(ht) = 5·128·2048/(20480·8) = 8, so TP-only 21·sbhL; sbhL = 2048·20480·105 bytes;
    # factor 1 + 34/(35·3) = 139/105
    sbhL = 2048 * 20480 * 105
    tp_only = mem.activation_bytes(GPT_530B, 1, 2048, tp=8, pp=35, interleave=3)
    assert tp_only == pytest.approx(21 * sbhL * 139 / 105, rel=1e-12)
    assert round(tp_only / GiB, 2) == 114.02
    sel = mem.activation_bytes(GPT_530B, 1, 2048, tp=8, pp=35, interleave=3, sp=True, recompute="selective")
    assert sel == pytest.approx(34 / 8 * sbhL * 139 / 105, rel=1e-12)
    assert round(sel / GiB, 2) == 23.08


def test_gpt_layer_reduces_to_each_of_korthikantis_six_closed_forms():
    # one GPT layer, s = 512, b = 2, h = 1024, a = 16, t = 4; formulas from the paper, section 4
    cfg = gpt(1, 1024, 16, V=1000, T=512)
    s, b, h, a, t = 512, 2, 1024, 16, 4
    sbh, score = s * b * h, 5 * a * s * s * b
    act = lambda **kw: mem.activation_bytes(cfg, b, s, **kw)
    assert act() == 34 * sbh + score                                          # sbh(34 + 5as/h)
    assert act(tp=t) == 10 * sbh + 24 * sbh // t + score // t                 # sbh(10 + 24/t + 5as/(ht))
    assert act(tp=t, sp=True) == 34 * sbh // t + score // t                   # sbh(34/t + 5as/(ht))
    assert act(tp=t, recompute="selective") == 10 * sbh + 24 * sbh // t       # sbh(10 + 24/t)
    assert act(tp=t, sp=True, recompute="selective") == 34 * sbh // t         # 34sbh/t
    assert act(tp=t, recompute="full") == 2 * sbh                             # 2sbh
    assert act(tp=t, sp=True, recompute="full") == 2 * sbh // t               # 2sbh/t


def test_gpt_layer_lists_korthikantis_tensors():
    # paper §4.1: attention 11sbh + 5as²b, MLP 19sbh, layer norms 4sbh (per token: bytes / (s·b))
    per_token = {k: x // (512 * 1) for k, x in
                 mem.layer_activation_breakdown(gpt(1, 1024, 16, T=512), 1, 512).items()}
    h = 1024
    assert per_token["attn_dropout_mask"] == 16 * 512           # as²b: 1 byte per score
    assert per_token["gelu_input"] == per_token["gelu_output"] == 8 * h
    assert per_token["mlp_residual_dropout_mask"] == h
    assert per_token["attn_norm_input"] + per_token["mlp_norm_input"] == 4 * h


# ----- activations: LLaMA-style layers --------------------------------------------------------------

def test_llama3_8b_layer_keeps_four_f_wide_mlp_tensors_and_gqa_keys():
    # hand count for one sequence of 4096 tokens, no TP, no recompute, eager attention, no dropout:
    # D-wide: attn norm input, qkv input, mlp norm input, mlp input (4 × 4096); query 32·128 = 4096;
    # out-proj input 4096; key, value 8·128 = 1024 each; gate, up, silu(gate), product 4 × 14336;
    # softmax output 32 heads × 4096 keys. All 2 bytes.
    per_token = 2 * (4 * 4096 + 4096 + 4096 + 2 * 1024 + 4 * 14336) + 2 * 32 * 4096
    assert per_token == 430_080
    cfg = llmcalc.preset("llama-3-8b")
    assert mem.activation_bytes(cfg, 1, 4096) == per_token * 4096 * 32
    assert mem.activation_bytes(cfg, 1, 4096) == 52.5 * GiB
    parts = mem.layer_activation_breakdown(cfg, 1, 4096)
    assert parts["key"] == parts["value"] == 4096 * 1024 * 2
    assert {"gate", "up", "silu_gate", "product"} <= set(parts)
    assert not any("dropout" in name for name in parts)


def test_flash_attention_keeps_logsumexp_instead_of_scores():
    # hand: the same layer minus 2·32·4096 bytes of scores per token, plus 4·32 bytes of fp32 log-sum-exp
    per_token = 430_080 - 2 * 32 * 4096 + 4 * 32
    cfg = llmcalc.preset("llama-3-8b")
    assert mem.activation_bytes(cfg, 1, 4096, flash_attention=True) == per_token * 4096 * 32


def test_dropout_keyword_adds_masks_to_a_gated_model():
    # hand: per token 1-byte masks of N·s (scores) and 2·D (two residuals), plus the 2-byte dropout output N·s
    cfg = llmcalc.preset("llama-3-8b")
    extra = 32 * 4096 * 1 + 2 * 4096 * 1 + 32 * 4096 * 2
    assert (mem.activation_bytes(cfg, 1, 4096, dropout=True) - mem.activation_bytes(cfg, 1, 4096)
            == extra * 4096 * 32)


def test_tp_above_k_keeps_one_kv_head_per_rank():
    # LLaMA 3-70B has K = 8 kv heads; at tp = 16 each rank still holds one whole head (H = 128 values)
    parts = mem.layer_activation_breakdown(LLAMA3_70B, 1, 8, tp=16)
    assert parts["key"] == parts["value"] == 8 * 128 * 2
    assert parts["query"] == 8 * (64 * 128 // 16) * 2


def test_mixtral_layer_keeps_k_experts_worth_of_mlp_tensors():
    # hand: each token goes to k = 2 experts, each keeping 4 tensors 14336 wide (2 bytes)
    parts = mem.layer_activation_breakdown(MIXTRAL, 1, 1024, flash_attention=True)
    assert parts["expert_gate"] == 1024 * 2 * 14336 * 2
    assert parts["router_logits"] == 1024 * 8 * 2


def test_norm_fp32_keeps_four_byte_norm_inputs():
    cfg = llmcalc.preset("llama-3-8b")
    parts = mem.layer_activation_breakdown(cfg, 1, 16, norm_fp32=True)
    assert parts["attn_norm_input"] == parts["mlp_norm_input"] == 16 * 4096 * 4


# ----- logits ----------------------------------------------------------------------------------------

def test_logits_are_b_s_v_fp32_split_by_tp():
    # hand: 4 · 2048 · 51200 · 4 bytes / 8
    assert mem.logits_bytes(GPT_22B, 4, 2048, tp=8) == 4 * 2048 * 51200 * 4 // 8
    assert mem.logits_bytes(GPT_22B, 1, 2048, bytes_per_value=2) == 2048 * 51200 * 2


# ----- the book, part 6: LLaMA 3-70B checkpoints on TPU v5p -------------------------------------------------

L3_CKPT = 2 * 8192 * 4_000_000 * 4 * 80  # the book's part 6's own product: 2 · 8192 · 4e6 · 4 · 80


def test_llama3_70b_four_d_wide_checkpoints_are_20_97_tb_printed_as_20_9():
    got = mem.checkpoint_bytes(LLAMA3_70B, 4e6)
    assert got == L3_CKPT and type(got) is int
    assert 20.9e12 <= got < 21.0e12  # the source prints "20.9 TB": 20.97 truncated


def test_llama3_70b_params_and_adam_are_140_and_560_gb():
    # the book, part 6: bf16 params 2 × 70e9 = 140 GB, fp32 Adam 8 × 70e9 = 560 GB
    b = mem.model_state_breakdown(70e9, "bf16_fp32_adam")
    assert (b["weights"], b["optimizer"], b["total"]) == (140 * GB, 560 * GB, 700 * GB)


def test_llama3_70b_needs_21_6_tb_and_225_v5p_chips():
    total = mem.checkpoint_bytes(LLAMA3_70B, 4e6) + mem.model_state_bytes(70e9, "bf16_fp32_adam")
    assert total == L3_CKPT + 700 * GB == 21_671_520_000_000
    assert 21.6e12 <= total < 21.7e12  # source: "~21.6 TB"
    assert mem.min_chips(21.6e12, 96e9) == 225  # source: 21.6e12 / 96e9 = 225 (the book's 96 GB per chip)
    # unrounded: 21.67e12 / 96e9 = 225.7, so the bound is 226 chips at 96 GB
    assert mem.min_chips(total, 96e9) == 226
    # with the 95 GiB a v5p exposes: 21,671,520,000,000 / (95 · 2**30 = 102,005,473,280) = 212.45 → 213
    assert mem.min_chips(total, "TPU v5p") == 213


def test_a_full_v5p_pod_holds_2_4_gb_per_chip():
    total = L3_CKPT + 700 * GB
    assert round(total / 8960 / GB, 1) == 2.4  # source: 2.4 GB per chip


def test_twelve_checkpoints_per_layer_is_7_1_gb_per_chip_not_the_sources_8():
    # hand: 2 · 8192 · 4e6 · 12 · 80 + 700 GB, over 8960 chips
    per_chip = (2 * 8192 * 4_000_000 * 12 * 80 + 700 * GB) / 8960
    assert round(per_chip / GB, 2) == 7.10
    got = (mem.checkpoint_bytes(LLAMA3_70B, 4e6, "book_12xD") + mem.model_state_bytes(70e9, "bf16_fp32_adam")) / 8960
    assert got == pytest.approx(per_chip, rel=1e-12)
    # even with 4M = 4·2^20 tokens it is 7.44 GB, still short of the source's "8 GB"
    assert round((2 * 8192 * 4 * 2**20 * 12 * 80 + 700 * GB) / 8960 / GB, 2) == 7.44


def test_saving_the_two_f_wide_mlp_tensors_makes_checkpoints_2_75_times_the_sources():
    # hand: (4·8192 + 2·28672) / (4·8192) = 90112 / 32768 = 2.75
    with_mlp = mem.checkpoint_bytes(LLAMA3_70B, 4e6, "4xD_plus_2F")
    assert with_mlp == 2 * 4_000_000 * 80 * (4 * 8192 + 2 * 28672)
    assert with_mlp / mem.checkpoint_bytes(LLAMA3_70B, 4e6, "book_4xD") == 2.75


def test_checkpoint_widths_accept_kh_and_integers():
    # hand: one K·H = 8·128 tensor and one 100-wide tensor per layer, 10 tokens, 2 bytes, 80 layers
    assert mem.checkpoint_bytes(LLAMA3_70B, 10, ("KH", 100)) == 2 * 10 * 80 * (1024 + 100)


# ----- chips -----------------------------------------------------------------------------------------

def test_fits_compares_with_hbm_and_headroom():
    # an H100 exposes 81,559 MiB = 81,559 · 2**20 = 85,520,809,984 bytes (nvidia-smi, NVIDIA/nccl issue #1264)
    assert mem.fits(85_520_809_984, "H100")
    assert not mem.fits(85_520_809_984 + 1, "H100")
    assert mem.fits(80e9 + 1, "H100")  # more than the "80 GB" label, still inside what the device has
    # 90% of 85,520,809,984 is 76,968,728,985.6
    assert mem.fits(76_968_728_985, "H100", headroom=0.1) and not mem.fits(76_968_728_986, "H100", headroom=0.1)
    assert mem.fits(44e9, 44e9)  # a card given by its bytes
    two = 2 * 85_520_809_984
    assert mem.min_chips(1, "H100") == 1 and mem.min_chips(two, "H100") == 2 and mem.min_chips(two + 1, "H100") == 3


def test_korthikanti_22b_needs_sp_and_selective_recompute_to_fit_an_80gb_a100():
    # hand: GPT-style 22B has 48·(12h² + 13h) + (V + s)·h + 2h parameters (tied head);
    # 18 bytes each over t = 8; activations from the paper's Table 3; one fp32 logits copy b·s·V·4/t
    h = 6144
    P = 48 * (12 * h * h + 13 * h) + (51200 + 2048) * h + 2 * h
    states = P * 18 / 8
    logits = 4 * 2048 * 51200 * 4 / 8
    plain = mem.training_bytes_per_device(GPT_22B, 4, 2048, regime="mixed_fp32_grads", tp=8)
    assert plain["model_states"] == pytest.approx(states, rel=1e-12)
    assert plain["total"] == pytest.approx(states + 59.25 * GiB + logits, rel=1e-12)
    assert not mem.fits(plain["total"], "A100")
    lean = mem.training_bytes_per_device(GPT_22B, 4, 2048, regime="mixed_fp32_grads", tp=8, sp=True,
                                         recompute="selective")
    assert lean["total"] == pytest.approx(states + 9.5625 * GiB + logits, rel=1e-12)
    assert mem.fits(lean["total"], "A100")


# ----- the course slides: the course-slide rule ---------------------------------------------------------------

def test_course_slide_66_gb_per_card_only_comes_out_in_gib():
    # slide: LLaMA-7B (P = 6,738,415,616) on 2 × A100-80G, B = 8, T = 2048 → "66 GB"
    r = mem.course_slide_bytes(llmcalc.preset("llama-2-7b"), 2, 8, 2048)
    assert r["model_and_optimizer"] == 16 * 6_738_415_616 // 2 == 53_907_324_928
    assert r["layer_inputs"] == 2 * 32 * 8 * 2048 * 4096 == 4 * GiB
    assert r["logits"] == 12 * 8 * 2048 * 32000
    assert round(r["model_and_optimizer"] / GiB, 1) == 50.2  # the slide's "50"
    assert round((r["layer_inputs"] + r["logits"]) / GiB, 2) == 9.86
    assert round(r["total"] / GiB) == 66


def test_course_slide_rule_in_gb_is_70_5_not_66():
    r = mem.course_slide_bytes(6_738_415_616, 2, 8, 2048, L=32, D=4096, V=32000, overhead_bytes=6 * GB)
    assert round(r["total"] / GB, 1) == 70.5
    # the slide's "activations 6.2 GB, other 10 GB": the formula's activation terms are 10.6 GB and
    # its "other" is 6, so the two labels look swapped
    assert round((r["layer_inputs"] + r["logits"]) / GB, 1) == 10.6 and r["overhead"] == 6 * GB


# ----- the multi-GPU memory notes: Mixtral-8x7B fine-tuning on a 44 GB card -----------------------------------------------

def test_mixtral_expert_is_176m_params_352_mb_and_90_gb_for_all_experts():
    # the multi-GPU memory notes: ≈1.76e8 per expert → 352 MB bf16; 2.82 GB per layer of 8; ≈ 90 GB for 32 layers
    one = mem.subset_params(MIXTRAL, ("experts",), layers=1, experts=1)
    assert one == 3 * 4096 * 14336 == 176_160_768
    assert round(2 * one / 1e6) == 352
    assert round(2 * mem.subset_params(MIXTRAL, ("experts",), layers=1) / GB, 2) == 2.82
    assert round(2 * mem.subset_params(MIXTRAL, ("experts",)) / GB) == 90


def test_mixtral_lora_r16_on_every_expert_is_226_5m_not_226_6m():
    # the multi-GPU memory notes: r·(in + out) per matrix, 3 matrices per expert: 0.885M/expert, 7.08M/layer, "226.6M"
    assert mem.lora_params(MIXTRAL, 16, ("gate", "up", "down"), layers=1, experts=1) == 3 * 16 * (4096 + 14336)
    assert round(3 * 16 * (4096 + 14336) / 1e6, 3) == 0.885
    assert mem.lora_params(MIXTRAL, 16, ("gate", "up", "down"), layers=1) == 7_077_888
    total = mem.lora_params(MIXTRAL, 16, ("gate", "up", "down"))
    assert total == 32 * 7_077_888 == 226_492_416
    assert round(total / 1e6, 1) == 226.5  # the source's 226.6 comes from the rounded 0.885M × 256


def test_lora_on_attention_is_r_times_in_plus_out():
    # hand: LLaMA-3-8B q (4096→4096), k, v (4096→1024), o (4096→4096), r = 8, 32 layers
    cfg = llmcalc.preset("llama-3-8b")
    assert mem.lora_params(cfg, 8) == 32 * 8 * ((4096 + 4096) * 2 + (4096 + 1024) * 2)


def test_mixtral_router_only_is_1_048_576_params():
    # the multi-GPU memory notes case A: 32 layers × 4096 × 8
    assert mem.subset_params(MIXTRAL, ("router",)) == 32 * 4096 * 8 == 1_048_576


def test_mixtral_six_layers_two_experts_is_33_8_gb_of_trainable_state():
    # the multi-GPU memory notes case B: ≈2.11e9 params; 4.23 GB weights, 4.23 GB grads, 16.9 GB Adam, 8.46 GB master, 33.8 GB
    n = mem.subset_params(MIXTRAL, ("experts", "router"), layers=6, experts=2)
    assert n == 6 * (2 * 3 * 4096 * 14336 + 4096 * 8)
    assert round(n / 1e9, 2) == 2.11
    b = mem.finetune_bytes(MIXTRAL, n)
    assert round(b["weights"] / GB, 2) == 4.23 and round(b["grads"] / GB, 2) == 4.23
    assert round(b["optimizer"] / GB, 1) == 16.9 and round(b["master"] / GB, 2) == 8.46
    trainable = b["weights"] + b["grads"] + b["master"] + b["optimizer"]
    assert round(trainable / GB, 1) == 33.8
    # the source's header defines 1 GB = 1024³ bytes, but its numbers are in 1e9: in GiB weights are 3.94
    assert round(b["weights"] / GiB, 2) == 3.94


def test_mixtral_case_b_does_not_fit_44_gb_with_the_frozen_rest_in_bf16_or_4_bit():
    # hand: frozen rest (46,702,792,704 − 2,114,125,824) × 2 bytes = 89.2 GB; at 0.5 bytes 22.3 GB
    n = 6 * (2 * 3 * 4096 * 14336 + 4096 * 8)
    frozen = 46_702_792_704 - n
    bf16 = mem.finetune_bytes(MIXTRAL, n)
    assert bf16["frozen_weights"] == 2 * frozen
    assert not mem.fits(bf16["total"], 44e9)
    q4 = mem.finetune_bytes(MIXTRAL, n, frozen_bytes_per_param=0.5)
    assert q4["total"] == 16 * n + frozen // 2
    assert not mem.fits(q4["total"], 44e9)  # 56.1 GB before any activation


def test_mixtral_case_a_fits_44_gb_only_with_a_quantised_base():
    # hand: router 1,048,576 × 16 bytes; frozen rest 2 bytes (93.4 GB) or 0.5 bytes (23.4 GB)
    n = 1_048_576
    assert not mem.fits(mem.finetune_bytes(MIXTRAL, n)["total"], 44e9)
    q4 = mem.finetune_bytes(MIXTRAL, n, frozen_bytes_per_param=0.5)
    assert q4["total"] == 16 * n + (46_702_792_704 - n) // 2
    assert mem.fits(q4["total"], 44e9)


def test_mixtral_4bit_lora_adapters_are_3_6_gb_plus_the_23_4_gb_base_the_source_omits():
    # the multi-GPU memory notes case C: weights ≈ 0.45 GB, grads ≈ 0.45 GB, Adam + master ≈ 2.72 GB, total ≈ 3.6 GB
    b = mem.finetune_bytes(MIXTRAL, 226_492_416, frozen_bytes_per_param=0.5, trainable_in_base=False)
    assert round(b["weights"] / GB, 2) == 0.45 and round(b["grads"] / GB, 2) == 0.45
    assert round((b["optimizer"] + b["master"]) / GB, 2) == 2.72
    assert round((b["total"] - b["frozen_weights"]) / GB, 1) == 3.6
    assert b["frozen_weights"] == 46_702_792_704 // 2  # all base parameters at 4 bits
    assert round(b["frozen_weights"] / GB, 1) == 23.4
    assert mem.fits(b["total"], 44e9)  # 27.0 GB before activations


# ----- properties ----------------------------------------------------------------------------------------

@st.composite
def layer_shapes(draw):
    N = draw(st.sampled_from([8, 16, 32]))
    H = draw(st.sampled_from([8, 16, 64]))
    K = draw(st.sampled_from([k for k in (1, 2, 4, 8, 16, 32) if N % k == 0]))
    mlp = draw(st.sampled_from(["gated", "plain"]))
    return ModelConfig(L=draw(st.integers(1, 6)), D=N * H, F=8 * draw(st.integers(1, 64)), N=N, K=K,
                       V=draw(st.integers(1, 5000)), mlp=mlp, norm="rmsnorm" if mlp == "gated" else "layernorm")


@settings(max_examples=200, deadline=None)
@given(params=st.integers(1, 10**13), regime=st.sampled_from(sorted(mem.REGIMES)),
       dp=st.integers(1, 4096), grow=st.integers(2, 64))
def test_model_states_never_grow_with_zero_stage_or_dp(params, regime, dp, grow):
    by_stage = [mem.model_state_bytes(params, regime, s, dp) for s in range(4)]
    assert all(a >= b for a, b in zip(by_stage, by_stage[1:]))
    for s in range(4):
        assert mem.model_state_bytes(params, regime, s, dp * grow) <= by_stage[s]


@settings(max_examples=200, deadline=None)
@given(params=st.integers(1, 10**12), regime=st.sampled_from(sorted(mem.REGIMES)), dp=st.integers(1, 512),
       stage=st.sampled_from([0, 1, 2, 3]))
def test_model_states_are_exact_ints_when_dp_divides_params(params, regime, dp, stage):
    got = mem.model_state_bytes(params * dp, regime, stage, dp)
    assert type(got) is int


@settings(max_examples=200, deadline=None)
@given(cfg=layer_shapes(), b=st.integers(1, 4), s=st.sampled_from([8, 64, 256, 1000]),
       tp=st.sampled_from([1, 2, 4, 8]), sp=st.booleans(), flash=st.booleans())
def test_activations_never_grow_with_more_recomputation_tp_or_sp(cfg, b, s, tp, sp, flash):
    act = lambda **kw: mem.activation_bytes(cfg, b, s, flash_attention=flash, **{"tp": tp, "sp": sp, **kw})
    none, sel, full = (act(recompute=r) for r in ("none", "selective", "full"))
    assert none >= sel >= full > 0
    for r in ("none", "selective", "full"):
        assert act(recompute=r, sp=True) <= act(recompute=r, sp=False)
        if tp < 8:
            assert act(recompute=r, tp=2 * tp) <= act(recompute=r)


@settings(max_examples=200, deadline=None)
@given(cfg=layer_shapes(), b=st.integers(1, 4), s=st.sampled_from([8, 64, 256, 1000]),
       tp=st.sampled_from([1, 2, 4, 8]), sp=st.booleans(), recompute=st.sampled_from(["none", "selective", "full"]),
       bpv=st.sampled_from([1, 2, 4]))
def test_activations_are_exact_ints_for_whole_shapes(cfg, b, s, tp, sp, recompute, bpv):
    got = mem.activation_bytes(cfg, b, s, tp=tp, sp=sp, recompute=recompute, bytes_per_value=bpv)
    assert type(got) is int


@settings(max_examples=100, deadline=None)
@given(cfg=layer_shapes(), tokens=st.integers(1, 10**7), n=st.integers(1, 20))
def test_checkpoints_are_ints_and_linear_in_tokens(cfg, tokens, n):
    one = mem.checkpoint_bytes(cfg, tokens, ("D",) * n)
    assert type(one) is int and one == 2 * tokens * cfg.L * cfg.D * n


# ----- bad input ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, field", [
    (lambda: mem.bytes_per_param("fp8"), "regime"),
    (lambda: mem.value_bytes(1e9, "fp8"), "dtype"),
    (lambda: mem.value_bytes(0, "bf16"), "count"),
    (lambda: mem.model_state_bytes(0), "params"),
    (lambda: mem.model_state_bytes(-5.0), "params"),
    (lambda: mem.model_state_bytes(1e9, zero_stage=4), "zero_stage"),
    (lambda: mem.model_state_bytes(1e9, zero_stage=True), "zero_stage"),
    (lambda: mem.model_state_bytes(1e9, dp=0), "dp"),
    (lambda: mem.model_state_bytes(1e9, model_parallel=0), "model_parallel"),
    (lambda: mem.activation_bytes(GPT_22B, 0, 2048), "micro_batch"),
    (lambda: mem.activation_bytes(GPT_22B, 1, -1), "seq_len"),
    (lambda: mem.activation_bytes(GPT_22B, 1, 2048, tp=5), "tp"),
    (lambda: mem.activation_bytes(GPT_22B, 1, 2048, tp=0), "tp"),
    (lambda: mem.activation_bytes(GPT_22B, 1, 2048, recompute="some"), "recompute"),
    (lambda: mem.activation_bytes(GPT_22B, 1, 2048, pp=49), "pp"),
    (lambda: mem.activation_bytes(GPT_22B, 1, 2048, interleave=0), "interleave"),
    (lambda: mem.activation_bytes(GPT_22B, 1, 2048, bytes_per_value=0), "bytes_per_value"),
    (lambda: mem.activation_bytes(GPT_22B, 1, 2048, sp="yes"), "sp"),
    (lambda: mem.activation_bytes(ModelConfig(L=2, D=96, F=96, N=6, K=3, V=10), 1, 8, tp=2), "tp"),
    (lambda: mem.logits_bytes(GPT_22B, 1, 2048, tp=0), "tp"),
    (lambda: mem.checkpoint_bytes(LLAMA3_70B, 0), "tokens"),
    (lambda: mem.checkpoint_bytes(LLAMA3_70B, 4e6, ("D", "Q")), "widths"),
    (lambda: mem.checkpoint_bytes(LLAMA3_70B, 4e6, "every_tensor"), "widths"),
    (lambda: mem.checkpoint_bytes(LLAMA3_70B, 4e6, ()), "widths"),
    (lambda: mem.min_chips(0, "H100"), "total_bytes"),
    (lambda: mem.min_chips(1e9, "H900"), "chip"),
    (lambda: mem.fits(1e9, "H100", headroom=1.0), "headroom"),
    (lambda: mem.fits(-1, "H100"), "bytes_per_device"),
    (lambda: mem.course_slide_bytes(7e9, 2, 8, 2048), "L, D and V"),
    (lambda: mem.course_slide_bytes(LLAMA3_70B, 0, 8, 2048), "n_gpus"),
    (lambda: mem.lora_params(MIXTRAL, 0), "r"),
    (lambda: mem.lora_params(MIXTRAL, 16, ("w1",)), "targets"),
    (lambda: mem.lora_params(GPT_22B, 16, ("gate",)), "targets"),
    (lambda: mem.lora_params(MIXTRAL, 16, ("up",), experts=9), "experts"),
    (lambda: mem.lora_params(MIXTRAL, 16, ("up",), layers=33), "layers"),
    (lambda: mem.subset_params(MIXTRAL, ("heads",)), "parts"),
    (lambda: mem.subset_params(GPT_22B, ("experts",)), "experts"),
    (lambda: mem.finetune_bytes(MIXTRAL, 0), "trainable_params"),
    (lambda: mem.finetune_bytes(MIXTRAL, 10**12), "trainable_params"),
    (lambda: mem.finetune_bytes(MIXTRAL, 10, frozen_bytes_per_param=-1), "frozen_bytes_per_param"),
    (lambda: mem.finetune_bytes(MIXTRAL, 10, regime="adam8bit"), "regime"),
])
def test_bad_input_names_the_field(call, field):
    with pytest.raises(ValueError, match=field):
        call()


def test_memory_module_imports_only_the_standard_library():
    tree = ast.parse(pathlib.Path(mem.__file__).read_text(encoding="utf-8"))
    allowed = {"__future__", "math", "dataclasses", "fractions", "typing"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert {a.name.split(".")[0] for a in node.names} <= allowed
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            assert node.module.split(".")[0] in allowed


def test_subset_of_experts_counts_gpt_oss_expert_biases():
    # gpt-oss-120b: 36 layers × 128 experts, each gate_up (2880 × 2·2880 + 2·2880 bias) and down
    # (2880 × 2880 + 2880 bias): 3·2880² + 3·2880 = 24,891,840 per expert → 114,701,598,720 in all
    assert mem.subset_params(llmcalc.preset("gpt-oss-120b"), ["experts"]) == 36 * 128 * (3 * 2880**2 + 3 * 2880)
    assert mem.subset_params(llmcalc.preset("gpt-oss-120b"), ["experts"], experts=1, layers=1) == 3 * 2880**2 + 3 * 2880
