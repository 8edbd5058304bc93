"""Megatron-Core's selective recompute by module in llmcalc.planner (``recompute="layernorm+moe_act"``), Megatron-Core's
weighted expert activation (no expert outputs kept) and DeepSeek-V3's FP8 activation storage. Expected values are hand
calculations from the models' published shapes, shown in each test."""

import dataclasses

import pytest

import llmcalc
from llmcalc import planner as P
from llmcalc.flops import forward_flops_breakdown
from llmcalc.hardware import chip

GiB = 2**30
OSS = llmcalc.preset("gpt-oss-120b")       # 36 layers, D 2880, 128 experts of width 2880, top-4, no shared expert
SEQ = 4096


def _oss(recompute, stack="megatron-core", **kw):
    # NVIDIA's GPT-OSS H100 recipe: 64 GPUs, TP1 PP4 EP8, DP16, GBS 1280, MBS 1 (80 micro-batches a replica)
    return P.layout(OSS, "H100", 64, 1280 * SEQ, SEQ, tp=1, pp=4, ep=8, zero=1, sp=False, micro_batch=1,
                    recompute=recompute, stack=stack, **kw)


# ----- the policy names -------------------------------------------------------------------------------------------

def test_policy_names_are_megatron_cores_modules_in_one_order():
    assert P.recompute_policy("recompute", "moe_act+layernorm") == "layernorm+moe_act"
    assert P.recompute_policy("recompute", "moe_act+layernorm+moe_act") == "layernorm+moe_act"
    assert P.recompute_policy("recompute", "full") == "full"
    assert P.recompute_modules("layernorm+mla_up_proj") == ("layernorm", "mla_up_proj")
    assert P.recompute_modules("selective") == ()


@pytest.mark.parametrize("value, pattern", [
    ("some", r"recompute must be one of \['none', 'selective', 'selective-op', 'full'\] or Megatron-Core modules "
             r"joined by '\+' from \['core_attn', .*got 'some' \(unknown: 'some'\)"),
    ("layernorm+moe", r"unknown: 'moe'\); 'moe' \(the whole MoE layer recomputed, its all-to-all run again\) is not "
                      r"modelled"),
    ("", r"recompute must be one of .*got ''"),
    (3, r"recompute must be one of .*got 3"),
])
def test_bad_policies_name_the_field_and_what_is_accepted(value, pattern):
    with pytest.raises(ValueError, match=pattern):
        _oss(value)


@pytest.mark.parametrize("preset, policy, pattern", [
    ("llama-3-8b", "mla_up_proj", r"'mla_up_proj' .*needs multi-head latent attention; llama-3-8b has none"),
    ("llama-3-8b", "layernorm+moe_act", r"'moe_act' .*needs experts"),
    ("gpt-oss-120b", "shared_experts", r"'shared_experts' .*needs shared experts"),
    ("gpt-oss-120b", "mlp", r"'mlp' .*needs dense MLP layers"),
])
def test_a_module_the_model_lacks_is_refused(preset, policy, pattern):
    with pytest.raises(ValueError, match=pattern):
        P.search(preset, "H100", 64, 64 * SEQ, SEQ, recompute=[policy], tp=1, pp=1)


# ----- memory ----------------------------------------------------------------------------------------------------

def test_layernorm_and_moe_act_free_the_norm_outputs_and_the_experts_activation_output():
    # PP4 over 36 layers: 9 a stage; 1F1B with 80 micro-batches holds min(PP, m) = 4 micro-batches of the first
    # stage's 9 layers = 36 layer-sequences at the peak. Per token a layer frees the two norms' outputs (the inputs of
    # the QKV projection and of the router / dispatch: 2 × 2880 values) and the experts' activation output (the input
    # of their down projection: k × F_expert = 4 × 2880); silu(gate) is already recomputed by the fused SwiGLU
    freed = 36 * SEQ * (2 * 2880 + 4 * 2880) * 2
    assert freed == 5_096_079_360
    none, modules = _oss("none"), _oss("layernorm+moe_act")
    assert (none["memory_gib"] - modules["memory_gib"]) * GiB == pytest.approx(freed, rel=1e-12)
    # the recompute reruns elementwise work only: no FLOPs more (HFU = MFU), two more HBM passes over what it frees on
    # each of the stage's 9 layers and 80 micro-batches, at the H100's 3.35 TB/s
    assert modules["hfu"] == pytest.approx(modules["mfu"])
    rerun = 2 * 9 * SEQ * (2 * 2880 + 4 * 2880) * 2 * 80 / 3.35e12
    assert chip("H100").hbm_bytes_per_s == 3.35e12
    assert modules["elementwise_s"] - none["elementwise_s"] == pytest.approx(rerun, rel=1e-9)
    assert modules["step_s"] > none["step_s"]


def test_megatron_core_keeps_no_expert_outputs():
    # Megatron-Core weights the experts' activation by the router's probabilities, so the combine is a plain sum and
    # nothing of it is kept; a stack that weights the outputs keeps them, k × D = 4 × 2880 values a token, on each of
    # the 36 layer-sequences held
    weighted_after = dataclasses.replace(P.STACKS["megatron-core"], name="outputs kept", moe_probs_in_activation=False)
    kept = 36 * SEQ * 4 * 2880 * 2
    diff = _oss("none", stack=weighted_after)["memory_gib"] - _oss("none")["memory_gib"]
    assert diff * GiB == pytest.approx(kept, rel=1e-12)


def test_deepseeks_fp8_storage_of_swiglu_inputs_and_attention_output():
    # DeepSeek-V3 on 2,048 H800 (PP16, EP64, DualPipe: PP + 1 = 17 micro-batches of a stage's ⌈61/16⌉ = 4 layers held).
    # With fp8_activation_cache a layer keeps the MoE's SwiGLU inputs in FP8 (gate and up of 8 routed experts of width
    # 2048 and of the shared expert of width 2048: 2 × (8 + 1) × 2048 values, 1 byte each instead of 2) and the
    # attention output (N × v_head_dim = 128 × 128 values) once in 12 bits (1.5 bytes) instead of bf16 for the kernel
    # plus FP8 for the projection (3 bytes)
    per_token = 2 * 9 * 2048 * (2 - 1) + 128 * 128 * (3 - 1.5)
    assert per_token == 61_440
    held = 17 * 4
    ds = llmcalc.preset("deepseek-v3")
    plain = dataclasses.replace(P.STACKS["deepseek-v3"], name="no fp8 cache", fp8_activation_cache=False)
    kw = dict(tp=1, pp=16, ep=64, zero=1, sp=False, micro_batch=1, recompute="none", fp8=True)
    cached = P.layout(ds, "H800", 2048, 15360 * SEQ, SEQ, stack="deepseek-v3", **kw)
    bf16 = P.layout(ds, "H800", 2048, 15360 * SEQ, SEQ, stack=plain, **kw)
    assert (bf16["memory_gib"] - cached["memory_gib"]) * GiB == pytest.approx(held * SEQ * per_token, rel=1e-12)


# ----- compute ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("preset, up_per_token", [
    # DeepSeek-V3: q_lora 1536 → 128 heads × (128 + 64), kv_lora 512 → 128 × (128 + 128): 2 × 128 × (1536 × 192 +
    # 512 × 256) = 109,051,904 FLOPs a token and layer
    ("deepseek-v3", 2 * 128 * (1536 * 192 + 512 * 256)),
    # DeepSeek-V2-Lite: no query latent (one full query projection, not an up projection), kv_lora 512 → 16 heads ×
    # (128 + 128): 2 × 16 × 512 × 256 = 4,194,304
    ("deepseek-v2-lite", 2 * 16 * 512 * 256),
])
def test_mla_up_proj_runs_the_up_projections_again(preset, up_per_token):
    cfg = llmcalc.preset(preset)
    row = P.layout(cfg, "H100", 64, 256 * SEQ, SEQ, tp=1, pp=1, ep=8, zero=1, sp=False, micro_batch=1,
                   recompute="layernorm+mla_up_proj+moe_act")
    # HFU counts the recompute, MFU does not: HFU / MFU − 1 = the up projections of every layer over the model's
    # training FLOPs (3 × llmcalc.flops' forward count, itself checked against torch's FLOP counter)
    model = 3 * sum(forward_flops_breakdown(cfg, 1, SEQ).values())
    assert (row["hfu"] / row["mfu"] - 1) * model == pytest.approx(cfg.L * SEQ * up_per_token, rel=1e-9)
    assert row["step_s"] > P.layout(cfg, "H100", 64, 256 * SEQ, SEQ, tp=1, pp=1, ep=8, zero=1, sp=False,
                                    micro_batch=1, recompute="layernorm+moe_act")["step_s"]


@pytest.mark.parametrize("preset, freed_per_token", [
    # DeepSeek-V3: the full-width query and key, 128 heads × (128 + 64), and value, 128 × 128, and the latent norms'
    # outputs, q_lora 1536 and kv_lora 512 (the inputs of the up projections, rebuilt from the latents), bf16
    ("deepseek-v3", 2 * (2 * 128 * 192 + 128 * 128 + 1536 + 512)),
    # DeepSeek-V2-Lite: no query latent (its query comes from one full projection and is dropped like the key), 16 heads
    ("deepseek-v2-lite", 2 * (2 * 16 * 192 + 16 * 128 + 512)),
])
def test_mla_up_proj_frees_the_queries_keys_values_and_the_latent_norm_outputs(preset, freed_per_token):
    # Megatron-Core fuses MLA's latent norms into the up projections (column_parallel_layer_norm_linear with
    # q_layernorm = IdentityOp), so its "mla_up_proj" checkpoint keeps only the latents; no pipeline: one micro-batch of
    # all L layers held at the peak
    cfg = llmcalc.preset(preset)
    kw = dict(tp=1, pp=1, ep=8, zero=1, sp=False, micro_batch=1)
    up = P.layout(cfg, "H100", 64, 256 * SEQ, SEQ, recompute="layernorm+mla_up_proj+moe_act", **kw)
    kept = P.layout(cfg, "H100", 64, 256 * SEQ, SEQ, recompute="layernorm+moe_act", **kw)
    assert (kept["memory_gib"] - up["memory_gib"]) * GiB == pytest.approx(cfg.L * SEQ * freed_per_token, rel=1e-12)


def test_core_attn_is_selective_recompute_by_its_megatron_core_name():
    cfg = llmcalc.preset("llama-3-8b")
    kw = dict(tp=2, pp=1, zero=1, sp=True, micro_batch=1, attention="eager")
    a = P.layout(cfg, "H100", 8, 64 * SEQ, SEQ, recompute="core_attn", **kw)
    b = P.layout(cfg, "H100", 8, 64 * SEQ, SEQ, recompute="selective", **kw)
    for col in ("memory_gib", "step_s", "hfu", "mfu"):
        assert a[col] == pytest.approx(b[col], rel=1e-12)


def test_the_default_search_of_a_moe_model_tries_the_cheap_module_policy():
    dense = P.search("llama-3-8b", "H100", 64, 64 * SEQ, SEQ, tp=1, pp=1, include_rejected=True)
    assert set(dense["recompute"]) == {"none", "full"}
    oss = P.search(OSS, "H100", 64, 1280 * SEQ, SEQ, tp=1, pp=4, ep=8, zero=1, micro_batch=1, interleave=1,
                   include_rejected=True)
    assert set(oss["recompute"]) == {"none", "layernorm+moe_act", "full"}
    ds = P.search("deepseek-v2-lite", "H100", 64, 256 * SEQ, SEQ, tp=1, pp=1, ep=8, zero=1, micro_batch=1,
                  include_rejected=True)
    assert set(ds["recompute"]) == {"none", "layernorm+mla_up_proj+moe_act", "full"}
