"""Sharding: the book's critical batch sizes, the book's part 6's LLaMA 3-70B layout on a v5p pod, the 100B-compute article's
and LLaMA 3's GPU layouts, pipeline bubbles, collectives, and properties.

Expected values are the book's / the sources' printed numbers or hand calculations written out here."""

import dataclasses
import math

import pytest
from hypothesis import assume, given, settings, strategies as st

import llmcalc
from llmcalc import sharding as S

L3_70B = llmcalc.preset("llama-3-70b")
B_4M = 4 * 2**20  # LLaMA 3-70B's 4M-token batch (the book, part 6: 4 × 1024 × 1024)
V5P = llmcalc.chip("TPU v5p")
H100 = llmcalc.chip("H100")
PLAIN = llmcalc.ModelConfig(L=8, D=1024, F=4096, N=16, V=1000, mlp="plain")  # the book's 2-matrix MLP


# ----- the critical ratios C / W -----------------------------------------------------------------

def test_v5p_one_axis_threshold_is_2550_tokens():
    # 4.59e14 FLOP/s / 1.8e11 B/s (bidirectional ICI per axis) = 2550
    assert S.dp_critical_tokens_per_chip("TPU v5p", axes=1) == pytest.approx(2550)
    assert S.collective_bandwidth("v5p", "fast", 1) == 1.8e11


def test_v5p_three_axes_threshold_is_850():
    assert S.dp_critical_tokens_per_chip("TPU v5p", axes=3) == pytest.approx(2550 / 3) == pytest.approx(850)


def test_h100_nvlink_threshold_is_about_2200():
    # 9.89e14 / 4.5e11 (one-way NVLink egress per GPU) = 2197.8
    t = S.dp_critical_tokens_per_chip("H100")
    assert t == pytest.approx(9.89e14 / 4.5e11)
    assert round(t, -2) == 2200


def test_v5p_dcn_threshold_is_73440():
    # 4.59e14 / 6.25e9 (one-way DCN per chip) = 73,440 tokens per pod
    assert S.dcn_critical_tokens_per_pod("TPU v5p") == pytest.approx(73_440)


def test_h100_infiniband_is_5e10_bytes_per_s_per_gpu_one_way():
    assert S.collective_bandwidth("H100", "slow") == 5e10
    assert S.dcn_critical_tokens_per_pod("H100") == pytest.approx(9.89e14 / 5e10)  # 19,780 per node


def test_point_to_point_uses_the_one_way_figure():
    assert S.collective_bandwidth("v5p", pattern="point_to_point") == 9e10  # half the 1.8e11 bidirectional
    assert S.collective_bandwidth("H100", pattern="point_to_point") == 4.5e11


@pytest.mark.parametrize("M, threshold", [(1, 2550), (3, 850)])
def test_dp_layer_flips_to_communication_bound_at_c_over_w(M, threshold):
    for per_chip, bound in [(threshold * 1.01, "compute"), (threshold * 0.99, "communication")]:
        assert S.dp_layer_time(L3_70B, V5P, 64 * per_chip, 64, M_X=M).bound == bound
        assert S.fsdp_layer_time(L3_70B, V5P, 64 * per_chip, 64, M_X=M).bound == bound


def test_eight_h100s_in_a_node_flip_at_2200_tokens_each():
    assert S.dp_layer_time(L3_70B, H100, 8 * 2250, 8).bound == "compute"
    assert S.dp_layer_time(L3_70B, H100, 8 * 2150, 8).bound == "communication"


# ----- the book, part 6: LLaMA 3-70B on a full v5p pod ---------------------------------------------------

def test_1024_sequences_limit_pure_fsdp():
    # 4·2^20 tokens / 4096 per sequence = 1024 sequences: batch-only FSDP can use at most 1024 chips
    assert S.max_data_parallel_degree(B_4M, 4096) == 1024


def test_llama3_70b_pure_fsdp_gets_468_tokens_per_chip_below_850():
    per_chip = S.tokens_per_chip(B_4M, 8960)
    assert int(per_chip) == 468  # 4,194,304 / 8960 = 468.1
    lt = S.fsdp_layer_time(L3_70B, "TPU v5p", B_4M, 8960, M_X=3)
    assert lt.bound == "communication"
    assert lt.comm_ratio == pytest.approx(850 / (B_4M / 8960))  # it needs 1.8× the tokens per chip


def test_fsdp_tp_threshold_is_453_for_llama3_70b():
    # How To Scale Your Model, training.md ("Combining FSDP and tensor parallelism") and
    # applied-training.md: B/N > 4α²/(M_X·M_Y·F) with α = C/W_ici = 4.59e14/1.8e11 = 2550, M_X·M_Y = 2:
    # 2 · 2550² / 28672 = 13,005,000 / 28,672 = 453.58 ("453" in the book); 468 is only 3% above it
    t = S.fsdp_tp_critical_tokens_per_chip("TPU v5p", F=28672, M_X=2, M_Y=1)
    assert t == pytest.approx(13_005_000 / 28_672, rel=1e-12)
    assert int(t) == 453
    assert 1.03 < S.tokens_per_chip(B_4M, 8960) / t < 1.04


def test_fsdp_tp_overlap_variant_is_4x_more_optimistic():
    # combine="max": FSDP and TP traffic fully overlapped, only the slower exposed. At X_opt the two are
    # equal, so max = sum / 2 and, the ratio going as sqrt(B), the threshold is (1/2)² = 1/4 of the
    # book's: 2550² / (2 · 28672) = 6,502,500 / 57,344 = 113.4 (the number a Chinese rendering prints)
    t = S.fsdp_tp_critical_tokens_per_chip("TPU v5p", F=28672, combine="max")
    assert t == pytest.approx(6_502_500 / 57_344, rel=1e-12)
    assert round(t) == 113
    # LLaMA 3.1-405B (F = 53248) on 8 pods: 2 · 2550² / 53248 = 244.2 > the 234 tokens per chip it gets
    t405 = S.fsdp_tp_critical_tokens_per_chip("TPU v5p", F=53248)
    assert t405 == pytest.approx(13_005_000 / 53_248, rel=1e-12)
    per_chip = 16 * 2**20 / 8 / 8960
    assert per_chip == pytest.approx(234.06, abs=0.01)
    assert per_chip < t405


def test_x_opt_is_1618():
    # the book, part 6: sqrt(2BN/F) = sqrt(2 · 4.19e6 · 8960 / 28672) = 1618 (1619 with the exact 4·2^20)
    assert round(S.fsdp_optimal_degree("TPU v5p", 8960, 4.19e6, 28672, M_X=2, M_Y=1)) == 1618
    assert round(S.fsdp_optimal_degree("TPU v5p", 8960, B_4M, 28672)) == round(math.sqrt(2 * B_4M * 8960 / 28672)) == 1619


def test_book_layout_2048_fsdp_by_4_tp_is_8192_chips_not_8960():
    # Power-of-two X and Y fit 8192 of the 8960 chips (the source's slip: 2048 × 4 = 8192).
    # Forward pass by hand, book's 2-matrix MLP, summed traffic (the book's model), B·W_X/C =
    # 4,194,304 / 1275 = 3289.6 (M_X = 2): FSDP comm/compute = X / 3289.6; TP comm/compute =
    # Y·2550 / 28672 (M_Y = 1); the pass is compute-bound when their SUM is below 1:
    #   4096 × 2: 1.245 + 0.178 = 1.423;  2048 × 4: 0.623 + 0.356 = 0.978;  1024 × 8: 0.311 + 0.711 = 1.023
    best = S.best_fsdp_tp_split(L3_70B, "TPU v5p", 8960, B_4M, splits="powers_of_two", mlp_matrices=2)
    assert (best.X, best.Y, best.n_chips_used) == (2048, 4, 8192)
    assert 2048 * 4 == 8192 != 8960
    assert best.compute_bound
    assert best.layer.comm_ratio == pytest.approx(2048 / (B_4M * 2 / 2550) + 4 * 2550 / 28672)
    assert best.tokens_per_chip == 512


def test_all_8960_chips_split_best_as_2240_fsdp_by_4_tp():
    # Y must divide 8960 = 2^8·5·7, F = 28672 = 2^12·7 and N = 64: Y in {1, 2, 4, 8, 16, 32, 64}.
    #   2240 × 4: 2240/3289.6 + 4·2550/28672 = 0.681 + 0.356 = 1.037
    #   1120 × 8: 0.340 + 0.711 = 1.052                                      -> 2240 × 4
    # 468 tokens per chip is 3% above the 453 threshold, which holds only at X_opt = 1619; the allowed
    # X (2240 or 1120) miss it, so the book's 2-matrix layer is communication-bound by 3.7%
    best = S.best_fsdp_tp_split(L3_70B, "TPU v5p", 8960, B_4M, mlp_matrices=2)
    assert (best.X, best.Y, best.n_chips_used) == (2240, 4, 8960)
    assert not best.compute_bound
    assert round(best.layer.comm_ratio, 3) == 1.037
    pure_fsdp = [lt for x, y, lt in best.candidates if y == 1][0]
    assert pure_fsdp.bound == "communication"  # the 468 < 850 case again
    assert round(best.x_opt) == 1619


def test_gated_mlp_moves_the_best_split_to_1120_by_8():
    # A SwiGLU layer has 3 D×F matrices: compute grows 1.5×, TP traffic does not, so TP's ratio falls by 2/3:
    #   2240 × 4: 0.681 + 0.237 = 0.918;  1120 × 8: 0.340 + 0.474 = 0.815  -> 1120 × 8, compute-bound
    best = S.best_fsdp_tp_split(L3_70B, "TPU v5p", 8960, B_4M)
    assert (best.X, best.Y) == (1120, 8)
    assert best.compute_bound
    assert round(best.layer.comm_ratio, 3) == 0.815
    # with the optimistic overlap (max instead of sum): max(0.681, 0.237) = 0.681 vs max(0.340, 0.474) = 0.474
    assert round(S.best_fsdp_tp_split(L3_70B, "TPU v5p", 8960, B_4M, combine="max").layer.comm_ratio, 3) == 0.474
    assert round(best.x_opt) == round(1619.09 * math.sqrt(2 / 3))  # 1322


def test_batch_only_sharding_forces_16_way_tp():
    # X <= 1024 sequences and X·Y = 8960 leaves Y >= 8.75: Y = 16 (X = 560) is the smallest allowed
    best = S.best_fsdp_tp_split(L3_70B, "TPU v5p", 8960, B_4M, seq_len=4096, mlp_matrices=2)
    assert (best.X, best.Y) == (560, 16)
    assert best.layer.bound == "communication"  # 16·2550/28672 = 1.42 > 1


def test_llama3_70b_on_4_pods_over_dcn_is_compute_bound():
    # the book's part 6's exercise: 4 pods, same 4M batch: 1,048,576 tokens per pod >> 73,440
    assert B_4M / 4 > 73_440
    assert S.dcn_dp_layer_time(L3_70B, V5P, B_4M, 4).bound == "compute"


def test_dcn_data_parallel_flips_at_73440_tokens_per_pod():
    assert S.dcn_dp_layer_time(L3_70B, V5P, 4 * 74_000, 4).bound == "compute"
    assert S.dcn_dp_layer_time(L3_70B, V5P, 4 * 73_000, 4).bound == "communication"


def test_tp_stays_compute_bound_up_to_11_way_on_a_v5p_axis():
    # Y < M_Y·F·W/C = 28672 · 1.8e11 / 4.59e14 = 11.2 (book's 2-matrix MLP)
    assert S.tp_max_degree("TPU v5p", 28672) == pytest.approx(28672 / 2550)
    assert S.tp_layer_time(L3_70B, V5P, B_4M, 8, mlp_matrices=2).bound == "compute"
    assert S.tp_layer_time(L3_70B, V5P, B_4M, 16, mlp_matrices=2).bound == "communication"
    assert S.tp_max_degree("TPU v5p", 28672, mlp_matrices=3) == pytest.approx(1.5 * 28672 / 2550)


def test_fsdp_layer_time_by_hand():
    # 2 matrices, X = 8 chips on one v5p axis, B = 8192 tokens
    D, F = PLAIN.D, PLAIN.F
    lt = S.fsdp_layer_time(PLAIN, V5P, 8192, 8, M_X=1)
    assert lt.forward_compute_s == pytest.approx(2 * 2 * 8192 * D * F / (8 * 4.59e14))
    assert lt.backward_compute_s == pytest.approx(2 * lt.forward_compute_s)
    assert lt.forward_comm_s == pytest.approx(2 * D * F * 2 / 1.8e11)  # all-gather 2·D·F bf16 weights
    assert lt.backward_comm_s == pytest.approx(2 * lt.forward_comm_s)  # all-gather + reduce-scatter
    assert lt.step_s == pytest.approx(max(lt.forward_compute_s, lt.forward_comm_s)
                                      + max(lt.backward_compute_s, lt.backward_comm_s))


def test_tp_layer_time_by_hand():
    lt = S.tp_layer_time(PLAIN, H100, 4096, 8)
    assert lt.forward_compute_s == pytest.approx(4 * 4096 * PLAIN.D * PLAIN.F / (8 * 9.89e14))
    assert lt.forward_comm_s == pytest.approx(2 * 4096 * PLAIN.D * 2 / 4.5e11)  # AG + RS of [B, D] bf16
    assert lt.links == "NVLink"


def test_dp_past_one_node_runs_in_two_stages():
    # 64 H100s: NVLink all-reduce of V, then InfiniBand all-reduce of V/8 per GPU
    V = 2 * PLAIN.D * PLAIN.F * 2
    lt = S.dp_layer_time(PLAIN, H100, 64 * 1000, 64)
    assert lt.backward_comm_s == pytest.approx(2 * (V / 4.5e11 + V / 8 / 5e10))
    assert lt.links == "NVLink + InfiniBand"


# ----- pipelines ---------------------------------------------------------------------------------

def test_bubble_is_3_sevenths_for_4_stages_and_4_microbatches():
    # GPipe / 1F1B: (p − 1)/(m + p − 1) = 3/7
    assert S.pipeline_bubble_fraction(4, 4) == pytest.approx(3 / 7)


def test_bubble_is_3_nineteenths_for_4_stages_and_16_microbatches():
    assert S.pipeline_bubble_fraction(4, 16) == pytest.approx(3 / 19)
    assert S.pipeline_bubble_overhead(4, 16) == pytest.approx(3 / 16)  # Narayanan: relative to ideal


def test_bubble_shrinks_by_the_interleaving_factor():
    # Narayanan et al. 2021: interleaving with v chunks divides the bubble time by v
    assert S.pipeline_bubble_overhead(16, 8, v=4) == pytest.approx(15 / 32) == pytest.approx(S.pipeline_bubble_overhead(16, 8) / 4)
    assert S.pipeline_bubble_fraction(16, 8, v=4) == pytest.approx(15 / (32 + 15))


def test_bubble_is_zero_for_one_stage():
    assert S.pipeline_bubble_fraction(1, 1) == 0


def test_pipeline_stage_sends_activations_over_infiniband():
    # LLaMA 3-70B, PP 4 with TP 8 inside each node: each stage boundary sends [B, D] bf16 over IB,
    # 4·2^20 · 8192 · 2 B / 5e10 B/s = 1.374 s per pass, spread over 80/4 = 20 layers
    lt = S.pipeline_layer_time(L3_70B, H100, B_4M, 4, inner=8)
    assert lt.forward_comm_s == pytest.approx(B_4M * 8192 * 2 / 5e10 / 20)
    assert lt.links == "InfiniBand"
    assert lt.forward_compute_s == pytest.approx(2 * 3 * B_4M * 8192 * 28672 / 9.89e14)


# ----- collectives -------------------------------------------------------------------------------

def test_all_gather_of_a_gigabyte_on_one_v5p_axis():
    assert S.all_gather_time(1e9, 16, 1.8e11) == pytest.approx(1e9 / 1.8e11)
    assert S.all_gather_time(1e9, 16, 1.8e11, exact=True) == pytest.approx(1e9 / 1.8e11 * 15 / 16)
    assert S.reduce_scatter_time(1e9, 16, 1.8e11) == pytest.approx(1e9 / 1.8e11)


def test_all_reduce_is_reduce_scatter_plus_all_gather():
    assert S.all_reduce_time(1e9, 8, 4.5e11) == pytest.approx(2e9 / 4.5e11)


def test_all_to_all_is_a_quarter_of_an_all_gather_on_a_ring():
    assert S.all_to_all_time(1e9, 16, 1.8e11) == pytest.approx(1e9 / (4 * 1.8e11))
    assert S.all_to_all_time(1e9, 5, 1.8e11, exact=True) == pytest.approx(1e9 / (4 * 1.8e11) * 24 / 25)
    # behind a switch each GPU sends (n − 1)/n of its V/n bytes: 1e9 · 7 / 64 over 4.5e11
    assert S.all_to_all_time(1e9, 8, 4.5e11, topology="switch", exact=True) == pytest.approx(1e9 * 7 / 64 / 4.5e11)


def test_one_chip_moves_nothing():
    assert S.all_reduce_time(1e9, 1, 1e11) == S.all_to_all_time(1e9, 1, 1e11) == 0


def test_point_to_point_by_hand():
    assert S.point_to_point_time(9e10, 9e10) == 1.0


# ----- GPU hybrid layouts ------------------------------------------------------------------------

def test_article_100b_tp8_pp4_dp4_is_128_gpus():
    lay = S.hybrid_layout(8, 4, 4, chip="A100", n_chips=128, model=100e9)
    assert (lay.n_chips, lay.nodes) == (128, 16)
    assert lay.params_per_chip == pytest.approx(100e9 / 32)  # 3.125e9 weights per GPU
    assert (lay.tp_link, lay.pp_link, lay.dp_link) == ("NVLink", "InfiniBand", "InfiniBand")


def test_llama3_405b_tp8_pp16_dp128_is_16384_h100():
    lay = S.hybrid_layout(8, 16, 128, n_chips=16_384, model=llmcalc.preset("llama-3.1-405b"))
    assert lay.nodes == 2048
    assert lay.params_per_chip == 405_853_388_800 / 128
    assert lay.layers_per_stage == 126 / 16  # 7.875: Llama 3 balances uneven stages
    assert S.hybrid_layout(8, 16, 64, n_chips=8192).n_chips == 8192


def test_small_layout_inside_one_node_is_all_nvlink():
    lay = S.hybrid_layout(2, 2, 2, n_chips=8)
    assert (lay.tp_link, lay.pp_link, lay.dp_link, lay.nodes) == ("NVLink", "NVLink", "NVLink", 1)
    assert S.hybrid_layout(8, 1, 4).pp_link == "none"


# ----- bad input ---------------------------------------------------------------------------------

def test_zero_chips_is_refused():
    with pytest.raises(ValueError, match=r"^n_chips must be a whole number >= 1, got 0"):
        S.tokens_per_chip(B_4M, 0)
    with pytest.raises(ValueError, match=r"^n_chips must be"):
        S.best_fsdp_tp_split(L3_70B, V5P, 0, B_4M)


def test_y_not_dividing_the_chips_is_refused():
    with pytest.raises(ValueError, match=r"^Y must divide the chips used \(8960\)"):
        S.best_fsdp_tp_split(L3_70B, V5P, 8960, B_4M, Y=3)


def test_y_not_dividing_f_is_refused():
    with pytest.raises(ValueError, match=r"^Y \(tensor-parallel degree\) must divide F = 28672, got 3"):
        S.tp_layer_time(L3_70B, V5P, B_4M, 3)


def test_unknown_chip_suggests_the_closest():
    with pytest.raises(ValueError, match=r"Unknown chip 'H1000'\. Did you mean 'H100'"):
        S.dp_layer_time(L3_70B, "H1000", B_4M, 8)


def test_more_axes_than_the_torus_has_is_refused():
    with pytest.raises(ValueError, match=r"^M_X must be a whole number in \[1, 1\] for H100"):
        S.fsdp_layer_time(L3_70B, H100, B_4M, 8, M_X=2)
    with pytest.raises(ValueError, match=r"^axes must be a whole number in \[1, 3\] for TPU v5p"):
        S.collective_bandwidth(V5P, axes=4)
    with pytest.raises(ValueError, match=r"^M_X \+ M_Y must be <= 3"):
        S.fsdp_tp_layer_time(L3_70B, V5P, B_4M, 1024, 8, M_X=2, M_Y=2)
    with pytest.raises(ValueError, match=r"^M_X \+ M_Y must be <= 3"):
        S.fsdp_tp_critical_tokens_per_chip(V5P, 28672, M_X=3, M_Y=1)


def test_unknown_link_and_topology_are_refused():
    with pytest.raises(ValueError, match=r"^link must be one of \['fast', 'slow'\]"):
        S.collective_bandwidth(V5P, "medium")
    with pytest.raises(ValueError, match=r"^topology must be one of"):
        S.all_to_all_time(1e9, 8, 1e11, topology="mesh")


def test_fewer_tokens_than_data_parallel_chips_is_refused():
    with pytest.raises(ValueError, match=r"^batch_tokens must be >= X \(8960\)"):
        S.fsdp_layer_time(L3_70B, V5P, 4096, 8960)
    with pytest.raises(ValueError, match=r"^batch_tokens must be >= seq_len \(4096\)"):
        S.max_data_parallel_degree(1000, 4096)


@pytest.mark.parametrize("p, m, v, field", [(0, 4, 1, "p"), (4, 0, 1, "m"), (4, 4, 0, "v")])
def test_bubble_needs_positive_stages_microbatches_and_chunks(p, m, v, field):
    with pytest.raises(ValueError, match=rf"^{field} must be a whole number >= 1"):
        S.pipeline_bubble_fraction(p, m, v)


def test_more_stages_than_layers_is_refused():
    with pytest.raises(ValueError, match=r"^p \(pipeline stages\) must be in \[1, L=80\], got 81"):
        S.pipeline_layer_time(L3_70B, H100, B_4M, 81)


def test_hybrid_layout_refuses_tp_beyond_a_node_and_a_wrong_total():
    with pytest.raises(ValueError, match=r"^tp must divide chips_per_node \(8\)"):
        S.hybrid_layout(16, 4, 2)
    with pytest.raises(ValueError, match=r"^n_chips must equal tp × pp × dp = 8 × 4 × 4 = 128, got 120"):
        S.hybrid_layout(8, 4, 4, n_chips=120)


def test_bad_numbers_name_their_field():
    with pytest.raises(ValueError, match=r"^bandwidth must be a finite number > 0"):
        S.all_gather_time(1e9, 8, 0)
    with pytest.raises(ValueError, match=r"^mlp_matrices must be 2 .* or 3"):
        S.dp_layer_time(L3_70B, V5P, B_4M, 8, mlp_matrices=4)
    with pytest.raises(ValueError, match=r"^splits must be one of"):
        S.best_fsdp_tp_split(L3_70B, V5P, 8960, B_4M, splits="odd")


# ----- properties --------------------------------------------------------------------------------

pow2 = st.integers(0, 10).map(lambda k: 2**k)
chips = st.sampled_from([V5P, H100, llmcalc.chip("TPU v5e"), llmcalc.chip("A100")])


def _layer_times(cfg, c, B, X, Y):
    return [S.dp_layer_time(cfg, c, B, X), S.fsdp_layer_time(cfg, c, B, X),
            S.tp_layer_time(cfg, c, B, Y), S.fsdp_tp_layer_time(cfg, c, B, X, Y),
            S.pipeline_layer_time(cfg, c, B, min(Y, cfg.L)), S.dcn_dp_layer_time(cfg, c, B, X)]


@given(chips, pow2, st.sampled_from([1, 2, 4, 8]), st.floats(0.05, 0.99), st.integers(1, 2**24))
@settings(max_examples=200, deadline=None)
def test_comm_time_never_falls_when_bandwidth_falls(c, X, Y, scale, B):
    assume(B >= X)
    slower = dataclasses.replace(c, fast_link_one_way=c.fast_link_one_way * scale,
                                 slow_link_one_way=c.slow_link_one_way * scale)
    for fast, slow in zip(_layer_times(L3_70B, c, B, X, Y), _layer_times(L3_70B, slower, B, X, Y)):
        assert slow.comm_s >= fast.comm_s * (1 - 1e-12)
        assert slow.step_s >= fast.step_s * (1 - 1e-12)
        assert slow.compute_s == fast.compute_s


@given(chips, pow2, st.sampled_from([1, 2, 4]), st.integers(2**11, 2**24))
@settings(max_examples=200, deadline=None)
def test_compute_time_halves_when_chips_double(c, X, Y, B):
    assume(B >= 2 * X)
    a, b = _layer_times(L3_70B, c, B, X, Y), _layer_times(L3_70B, c, B, 2 * X, 2 * Y)
    for i in (0, 1, 2, 5):  # DP, FSDP (X), TP (Y), DCN (pods)
        assert b[i].compute_s == pytest.approx(a[i].compute_s / 2)
    assert b[3].compute_s == pytest.approx(a[3].compute_s / 4)  # FSDP+TP: X·Y quadruples


@given(st.integers(1, 256), st.integers(1, 4096), st.integers(1, 8))
@settings(max_examples=300, deadline=None)
def test_bubble_fraction_is_in_0_1_and_falls_with_more_microbatches(p, m, v):
    f = S.pipeline_bubble_fraction(p, m, v)
    assert 0 <= f < 1
    assert S.pipeline_bubble_fraction(p, m + 1, v) <= f
    assert S.pipeline_bubble_fraction(p + 1, m, v) > f
    o = S.pipeline_bubble_overhead(p, m, v)
    assert f == pytest.approx(o / (1 + o))
    if p > 1:
        assert S.pipeline_bubble_fraction(p, m + 1, v) < f


@given(st.floats(0, 1e12), st.integers(1, 10_000), st.floats(1e6, 1e13))
@settings(max_examples=200, deadline=None)
def test_collectives_are_consistent(V, n, W):
    ag = S.all_gather_time(V, n, W)
    assert S.all_reduce_time(V, n, W) == pytest.approx(2 * ag)
    assert S.all_gather_time(V, n, W, exact=True) <= ag
    assert S.all_to_all_time(V, n, W) <= ag / 4 + 1e-300
    assert S.all_to_all_time(V, n, W, topology="switch") <= ag


@given(chips, st.integers(0, 3), st.floats(0.5, 2.0))
@settings(max_examples=200, deadline=None)
def test_dp_bound_agrees_with_the_closed_form_threshold(c, log_x, factor):
    assume(abs(factor - 1) > 1e-3)
    X = min(2**log_x, c.fast_domain)  # inside one fast domain, all axes
    per_chip = S.dp_critical_tokens_per_chip(c, axes=c.fast_axes) * factor
    lt = S.dp_layer_time(PLAIN, c, X * per_chip, X)
    if X > 1:
        assert lt.compute_bound == (factor > 1)
    assert lt.compute_bound == (lt.comm_ratio <= 1)


@given(st.sampled_from([256, 512, 1024, 2048, 8960]), st.sampled_from([2**18, 2**20, 2**22]),
       st.sampled_from([2, 3]))
@settings(max_examples=30, deadline=None)
def test_best_split_uses_all_chips_and_beats_pure_fsdp(n, B, m):
    best = S.best_fsdp_tp_split(L3_70B, V5P, n, B, mlp_matrices=m)
    assert best.X * best.Y == best.n_chips_used == n
    pure = S.fsdp_layer_time(L3_70B, V5P, B, n, M_X=3, mlp_matrices=m)
    assert best.layer.step_s <= pure.step_s * (1 + 1e-12)


# ----- the roofline crossover --------------------------------------------------------------------

def test_crossover_of_fsdp_on_a_full_v5p_pod_is_850_tokens():
    # 4.59e14 / (3 · 1.8e11) = 850
    t = S.crossover_tokens_per_chip(L3_70B, V5P, "FSDP", chips=8960, axes=3)
    assert t == pytest.approx(850, rel=1e-9)


def test_crossover_of_dp_over_64_h100_adds_nvlink_and_infiniband():
    # two stages: 9.89e14/4.5e11 + 9.89e14/(8 · 5e10) = 2197.8 + 2472.5 = 4670.3 tokens per GPU
    t = S.crossover_tokens_per_chip(L3_70B, H100, "DP", chips=64)
    assert t == pytest.approx(9.89e14 / 4.5e11 + 9.89e14 / 4e11, rel=1e-9)


def test_crossover_of_fsdp_tp_at_fixed_y():
    # v5p, Y = 4 on one axis, FSDP on two, gated MLP (m = 3). The FSDP part alone: C / (Y · 2 · 1.8e11)
    # = 2550 / 8 = 318.75 tokens per chip; TP's ratio 4·2550·2/(3·28672) = 0.2372 does not depend on the
    # batch. Summed (the book): t·(1/318.75) ... i.e. 318.75/t + 0.2372 = 1 → t = 318.75 / 0.7628 = 417.85.
    t = S.crossover_tokens_per_chip(L3_70B, V5P, "FSDP+TP", chips=8960, tp=4, axes=3)
    assert t == pytest.approx(318.75 / (1 - 4 * 2550 * 2 / (3 * 28672)), rel=1e-9)
    # overlapped (max): the FSDP part alone, since TP's 0.237 < 1
    t_max = S.crossover_tokens_per_chip(L3_70B, V5P, "FSDP+TP", chips=8960, tp=4, axes=3, combine="max")
    assert t_max == pytest.approx(318.75, rel=1e-9)


def test_tp_too_wide_never_crosses_over():
    # Y = 32 > 1.5 · 28672 / 2550 = 16.9 on one axis: more tokens never help
    assert S.crossover_tokens_per_chip(L3_70B, V5P, "TP", chips=32, tp=32) == math.inf
    assert S.crossover_tokens_per_chip(L3_70B, V5P, "TP", chips=8, tp=8) == 1.0
