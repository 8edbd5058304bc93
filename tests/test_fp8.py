"""The planner's FP8 option (``fp8=True``): hand-calculated compute, cast traffic and memory on the tiny model of
``tests/test_planner.py``, its calibrated rate from two published microbenchmarks, and input validation.

Every expected value is written out here from the chip's datasheet figures (H100: 989 TFLOP/s bf16 dense,
1979 TFLOP/s FP8 dense, 3.35 TB/s) and the model's shape; nothing is computed with planner internals.
"""

import pytest

import llmcalc
from llmcalc import hardware, kernels
from llmcalc import planner as P

from tests.test_planner import (H100_HBM_BW, H100_PEAK, T_TINY, TINY, TINY_ACT_PER_TOKEN, exact, hand_forward_flops,
                                ideal_layout)

H100_FP8_PEAK = 1979e12     # FLOP/s, FP8 dense (no sparsity)

# the tiny model's forward FLOPs per sequence of 512 tokens, by kind (tests/test_planner.py writes them out):
# linear GEMMs of a layer: projections 2·512·196,608 = 201,326,592 + MLP 2·512·589,824 = 603,979,776
TINY_LINEAR_FWD = 201_326_592 + 603_979_776          # per layer, FP8 with fp8=True
TINY_SCORES_FWD = 134_479_872                          # per layer, attention scores: bf16 (the kernel's precision)
TINY_HEAD_FWD = 262_144_000                            # the LM head: bf16


def tiny(**kw):
    args = dict(tp=1, pp=1, cp=1, zero=0, micro_batch=1, recompute="none", fused_swiglu=False)
    args.update(kw)
    return ideal_layout(TINY, "H100", 8, 32 * T_TINY, T_TINY, **args)


def test_tiny_kinds_add_up_to_the_forward_count():
    layer, head = hand_forward_flops(4, 256, 768, 8, 4, 32, 1000, T_TINY)
    assert layer == TINY_LINEAR_FWD + TINY_SCORES_FWD and head == TINY_HEAD_FWD


def test_ideal_fp8_runs_the_linear_gemms_at_the_fp8_peak():
    # 4 sequences per GPU, 3 × forward each: the layers' linear GEMMs at 1979 TFLOP/s, scores and head at 989
    per_seq = 3 * (4 * TINY_LINEAR_FWD / H100_FP8_PEAK + 4 * TINY_SCORES_FWD / H100_PEAK + TINY_HEAD_FWD / H100_PEAK)
    assert tiny(fp8=True).compute_s == exact(4 * per_seq)
    # on a model this small FP8 does not pay: the GEMM time saved, 4 · 3 · 4 · 805,306,368 · (1/989e12 − 1/1979e12)
    # = 19.6 µs, is less than the casts' HBM time (40.1 µs, the next test), so the step is slower and the MFU
    # (always against the bf16 peak) lower
    saved = 4 * 3 * 4 * TINY_LINEAR_FWD * (1 / H100_PEAK - 1 / H100_FP8_PEAK)
    assert tiny().compute_s - tiny(fp8=True).compute_s == exact(saved)
    assert saved < 4 * (4 * T_TINY * 4 * (1536 + 2560)) / H100_HBM_BW
    assert tiny(fp8=True).step_s > tiny().step_s and tiny(fp8=True).mfu < tiny().mfu


def test_fp8_casts_cost_four_bytes_per_operand_element():
    # per token and layer (TP 1): forward inputs qkv D=256 + out-proj N·H=256 + gate/up D=256 + down F=768 = 1536;
    # backward output gradients qkv (N + 2K)·H = 512 + out-proj D=256 + gate/up 2F = 1536 + down D=256 = 2560;
    # each element read in bf16 (2) and written as FP8 and its transpose (1 + 1): 4 bytes
    cast_per_microbatch = 4 * T_TINY * 4 * (1536 + 2560)          # 4 layers, 512 tokens: 33,554,432 bytes
    extra = tiny(fp8=True).elementwise_s - tiny().elementwise_s
    assert extra == exact(4 * cast_per_microbatch / H100_HBM_BW)  # 4 micro-batches


def test_fp8_full_recompute_casts_the_forward_operands_again():
    extra_full = (tiny(fp8=True, recompute="full").elementwise_s - tiny(recompute="full").elementwise_s)
    assert extra_full == exact(4 * 4 * T_TINY * 4 * (2 * 1536 + 2560) / H100_HBM_BW)


def test_fp8_weight_copies_and_casts():
    layer = 256 * 256 + 2 * 256 * 128 + 256 * 256 + 3 * 256 * 768 + 2 * 256    # 786,944 params per layer
    # once a step every layer weight is read in bf16 and written as FP8 and its transpose: 4 bytes a parameter
    extra_opt = tiny(fp8=True).optimizer_s - tiny().optimizer_s
    assert extra_opt == exact(4 * 4 * layer / H100_HBM_BW)
    # memory: the FP8 copy and its transpose kept across micro-batches (2 bytes a parameter); the linear inputs kept
    # for the weight gradients in FP8 (qkv_input D, mlp_input D, product F: 2 bytes → 1), the attention output kept
    # by the kernel in bf16 and once more in FP8 by the output projection (+1 byte for N·H values)
    saved_per_token = (256 + 256 + 768) * 1 - 256 * 1             # 1024 bytes fewer per token and layer
    assert TINY_ACT_PER_TOKEN == 9760
    delta = (tiny(fp8=True).memory_gib - tiny().memory_gib) * 2**30
    assert delta == pytest.approx(2 * 4 * layer - 4 * T_TINY * saved_per_token, rel=1e-9)


def test_zero3_keeps_fp8_copies_of_the_two_gathered_layers_only():
    layer = 786_944
    delta_opt = tiny(fp8=True, zero=3).optimizer_s - tiny(zero=3).optimizer_s
    assert delta_opt == exact(4 * 4 * layer / H100_HBM_BW)
    delta_mem = (tiny(fp8=True, zero=3).memory_gib - tiny(zero=3).memory_gib) * 2**30
    assert delta_mem == pytest.approx(2 * 2 * layer - 4 * T_TINY * 1024, rel=1e-9)


# the tiny model's linear weights per layer (Wq, Wk, Wv, Wo, gate, up, down; not the two norms' 2·256)
TINY_LINEAR_PARAMS = 256 * 256 + 2 * 256 * 128 + 256 * 256 + 3 * 256 * 768      # 786,432


def test_fp8_params_store_the_linear_weights_in_fp8():
    layer = 786_944                                    # every parameter of a layer, the norms included
    assert TINY_LINEAR_PARAMS == 786_432 == layer - 2 * 256
    # memory: each linear weight kept in FP8 (1 byte) in place of bf16 (2): 1 byte less; of the FP8 copy and its
    # transpose only the transpose stays (1 byte less per layer parameter, the copies' count as without fp8_params)
    saved = (tiny(fp8=True).memory_gib - tiny(fp8=True, fp8_params=True).memory_gib) * 2**30
    assert saved == pytest.approx(4 * TINY_LINEAR_PARAMS * 1 + 4 * layer * 1, rel=1e-9)
    # the optimizer reads and writes the model states once (2 × their bytes), 1 byte less per linear weight; it writes
    # the FP8 weight itself, so of the cast only the transpose is left: read and written, 2 bytes a parameter, not 4
    saved_opt = tiny(fp8=True).optimizer_s - tiny(fp8=True, fp8_params=True).optimizer_s
    assert saved_opt == exact((2 * 4 * TINY_LINEAR_PARAMS * 1 + 2 * 4 * layer) / H100_HBM_BW)
    # compute is unchanged: the GEMMs ran in FP8 either way
    assert tiny(fp8=True, fp8_params=True).compute_s == tiny(fp8=True).compute_s


def test_fp8_params_under_zero3():
    layer = 786_944
    # ZeRO-3 over DP 8: the resident shard of each linear weight 1 byte less / 8; the two gathered layers in FP8 (1 byte
    # less each) and only their transposes added (1 byte less each)
    saved = (tiny(fp8=True, zero=3).memory_gib - tiny(fp8=True, zero=3, fp8_params=True).memory_gib) * 2**30
    assert saved == pytest.approx(4 * TINY_LINEAR_PARAMS / 8 + 2 * layer + 2 * layer, rel=1e-9)


def test_fp8_params_needs_fp8():
    with pytest.raises(ValueError, match=r"fp8_params=True .* needs fp8=True"):
        tiny(fp8_params=True)
    with pytest.raises(ValueError, match="fp8_params"):
        tiny(fp8=True, fp8_params="yes")


def test_calibrated_fp8_gemm_share_is_the_two_published_ratios():
    # DeepGEMM on H800: 1358 of 1979 TFLOP/s (FP8); stas00/ml-engineering's MAMF table: H100 SXM 792.1 of 989 (bf16)
    assert kernels.rates("H100").fp8_gemm_share == pytest.approx((1358 / 1979) / (792.1 / 989), rel=1e-12)
    assert 0.85 < kernels.rates("H100").fp8_gemm_share < 0.86
    assert kernels.rates("A100").fp8_gemm_share is None


def test_calibrated_fp8_is_faster_but_below_twice_and_below_its_ideal_bound():
    cfg = llmcalc.preset("llama-3-70b")
    kw = dict(tp=4, pp=8, interleave=5, zero=1, micro_batch=1, recompute="none", sp=True)
    bf16 = P.layout(cfg, "H100", 64, 128 * 8192, 8192, **kw)
    fp8 = P.layout(cfg, "H100", 64, 128 * 8192, 8192, fp8=True, **kw)
    ratio = bf16.compute_s / fp8.compute_s
    assert 1.2 < ratio < 2 * kernels.rates("H100").fp8_gemm_share
    assert fp8.mfu_ideal >= fp8.mfu and fp8.step_s_ideal <= fp8.step_s


def test_fp8_datasheet_peaks():
    # stas00/ml-engineering's theoretical TFLOPS table (no sparsity): fp8 twice bf16 on Hopper and Blackwell
    for name in ("H100", "H800", "H200"):
        assert hardware.chip(name).peak_fp8_flops == 1979e12 == 2.001011122345804 * hardware.chip(name).peak_flops
    assert hardware.chip("B200").peak_fp8_flops == 4500e12 == 2 * hardware.chip("B200").peak_flops
    for name in ("A100", "V100", "TPU v4", "TPU v5p"):
        assert hardware.chip(name).peak_fp8_flops is None


def test_fp8_needs_a_chip_with_fp8_tensor_cores():
    with pytest.raises(ValueError, match=r"fp8=True needs a chip with FP8 tensor cores.*A100 has none.*H100"):
        P.layout(TINY, "A100", 8, 32 * T_TINY, T_TINY, fp8=True)
    with pytest.raises(ValueError, match="fp8 must be True or False"):
        P.layout(TINY, "H100", 8, 32 * T_TINY, T_TINY, fp8="yes")


def test_bad_fp8_peak_on_a_hand_built_chip():
    import dataclasses
    with pytest.raises(ValueError, match="peak_fp8_flops"):
        dataclasses.replace(hardware.chip("H100"), peak_fp8_flops=-1.0)


@pytest.mark.parametrize("name, chips", [("llama-3.1-405b", 16384), ("mixtral-8x7b", 64), ("deepseek-v3", 2048)])
def test_the_fp8_ideal_bound_is_above_every_calibrated_fp8_prediction(name, chips):
    df = P.search(llmcalc.preset(name), "H100", chips, 4 * 2**20, 4096, fp8=True, include_rejected=True)
    assert (df.mfu_ideal >= df.mfu * (1 - 1e-12)).all()
    assert (df.step_s_ideal <= df.step_s * (1 + 1e-12)).all()
    # and fp8 changes nothing that is not FP8's: the same layouts, the same communication (with a stack that overlaps
    # nothing with compute; one that does exposes what exceeds the compute beside it, which FP8 shortens)
    df = P.search(llmcalc.preset(name), "H100", chips, 4 * 2**20, 4096, fp8=True, include_rejected=True,
                  stack="megatron-lm-2021")
    bf16 = P.search(llmcalc.preset(name), "H100", chips, 4 * 2**20, 4096, include_rejected=True,
                    stack="megatron-lm-2021")
    key = ["tp", "sp", "cp", "pp", "interleave", "dp", "ep", "zero", "micro_batch", "recompute"]
    both = df.merge(bf16, on=key, suffixes=("", "_bf16"))
    assert len(both) == len(df) == len(bf16)
    for part in ("tp_comm_s", "cp_comm_s", "ep_comm_s", "pp_p2p_s"):
        assert (both[part] == both[part + "_bf16"]).all()
    assert (both["compute_s"] < both["compute_s_bf16"]).all()
