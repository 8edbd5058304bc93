"""Expert tensor parallelism in llmcalc.planner (``etp=``, Megatron-Core's expert_tensor_parallel_size with "MoE
parallel folding"): the expert weights split over ETP ranks, an expert group of EP × ETP ranks folded over TP × CP × DP.
Expected values are hand calculations from Qwen3-30B-A3B's published shape."""

import pytest

import llmcalc
from llmcalc import planner as P

Q30 = llmcalc.preset("qwen3-30b-a3b")     # 48 MoE layers, D 2048, 128 experts of width 768, 8 per token
SEQ = 4096
KW = dict(tp=2, pp=1, zero=1, sp=True, micro_batch=1, recompute="none")


def _q30(**kw):
    return P.layout(Q30, "H100", 16, 64 * SEQ, SEQ, **KW, **kw)


def test_folding_splits_experts_over_etp_and_shards_their_states_over_the_rest():
    # 16 H100, TP 2, DP 8, EP 8. One expert: 3 × 2048 × 768 = 4,718,592 weights; a rank holds 128 / 8 = 16 experts of
    # each of 48 layers. ETP = TP (etp=None): each expert split over the 2 TP ranks, its states sharded by ZeRO-1 over
    # 2·8 / (8·2) = 1 replica; ETP = 1: each expert whole, sharded over 2·8 / (8·1) = 2 replicas. Mixed precision:
    # 2 + 2 bytes of weight and gradient a parameter, 4 + 8 of master and moments divided by the shard count
    expert = 3 * 2048 * 768
    assert expert == 4_718_592
    per_rank = 48 * 16 * expert
    split = per_rank / 2 * (2 + 2 + 12 / 1)
    whole = per_rank * (2 + 2 + 12 / 2)
    assert whole - split == pytest.approx(7_247_757_312)
    diff = _q30(ep=8, etp=1)["memory_gib"] - _q30(ep=8)["memory_gib"]
    assert diff * 2**30 == pytest.approx(whole - split, rel=1e-12)


def test_folding_lets_an_expert_group_span_the_tensor_parallel_ranks():
    # EP 16 on TP 2 × DP 8: without folding EP must divide DP (8); folded, EP × ETP = 16 divides TP × DP = 16
    with pytest.raises(ValueError, match=r"ep must divide DP = n_chips / \(tp·cp·pp\), or with etp"):
        _q30(ep=16)
    row = _q30(ep=16, etp=1)
    # 128 / 16 = 8 whole experts a rank, each over 2·8 / (16·1) = 1 replica: the same states as ETP 2 × EP 8
    assert row["memory_gib"] == pytest.approx(_q30(ep=8)["memory_gib"], rel=1e-12)
    assert P.layout_name(row) == "TP2+SP CP1 PP1 DP8 EP16 ETP1 ZeRO-1 b1 none"
    assert P.layout_name(_q30(ep=8)) == "TP2+SP CP1 PP1 DP8 EP8 ZeRO-1 b1 none"


@pytest.mark.parametrize("kw, pattern", [
    (dict(preset="qwen3-30b-a3b", etp=5), r"etp=5 must divide the experts' width \(F_expert=768\)"),
    (dict(preset="llama-3-8b", etp=2), r"etp must be None or 1 for a dense model \(llama-3-8b has no experts\)"),
    (dict(preset="qwen3-30b-a3b", etp=0), r"etp must be a whole number >= 1"),
])
def test_bad_etp_is_refused_by_name(kw, pattern):
    name = kw.pop("preset")
    with pytest.raises(ValueError, match=pattern):
        P.search(name, "H100", 16, 64 * SEQ, SEQ, tp=2, pp=1, **kw)
