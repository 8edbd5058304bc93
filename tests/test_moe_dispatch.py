"""Expert-parallel communication and DeepSeek-V3's stack: group-limited routing, per-node dispatch, FP8 dispatch,
SMs held by communication, DualPipe. Expected values are hand calculations (shown) or exhaustive enumeration."""

import itertools
import math

import pytest

import llmcalc
from llmcalc import kernels as K
from llmcalc import planner as P
from llmcalc.memory import Regime
from llmcalc.models import ModelConfig

DSV3 = llmcalc.preset("deepseek-v3")
SEQ = 4096


def _enumerated_share(E, k, domains, groups, per_token):
    """P(a token reaches domain 0) by enumerating every choice: groups_per_token of the groups uniformly, then k
    experts uniformly among the chosen groups' experts."""
    per_group, per_domain = E // groups, E // domains
    hit = total = 0
    for chosen in itertools.combinations(range(groups), per_token):
        pool = [e for g in chosen for e in range(g * per_group, (g + 1) * per_group)]
        for experts in itertools.combinations(pool, k):
            w = 1 / math.comb(len(pool), k)
            total += w
            hit += w * any(e < per_domain for e in experts)
    return hit / total


@pytest.mark.parametrize("E,k,domains,groups,per_token", [
    (8, 2, 2, 1, 1), (8, 2, 4, 4, 2), (8, 3, 2, 4, 2), (16, 2, 4, 2, 1), (12, 2, 3, 6, 2), (8, 2, 2, 4, 4)])
def test_domain_share_matches_enumeration(E, k, domains, groups, per_token):
    assert K.expert_domain_share(E, k, domains, groups, per_token) == pytest.approx(
        _enumerated_share(E, k, domains, groups, per_token), rel=1e-12)


def test_domain_share_by_hand():
    # plain top-2 of 8 experts over 2 domains: miss domain 0 when both are among the other 4: 1 − C(4,2)/C(8,2) = 22/28
    assert K.expert_domain_share(8, 2, 2) == pytest.approx(22 / 28)
    # DeepSeek-V3 on 8 nodes: 4 of 8 groups (one per node) hold the token's experts, so a node is among them with
    # probability 1/2, and then misses the 8 experts with probability ∏ (96 − i)/(128 − i), i = 0..7
    miss = math.prod((96 - i) / (128 - i) for i in range(8))
    share = K.expert_domain_share(256, 8, 8, 8, 4)
    assert share == pytest.approx(0.5 * (1 - miss))
    assert 7 * share == pytest.approx(3.1754, abs=1e-4)          # other nodes a token reaches, at most 4 nodes in all
    assert 7 * K.expert_domain_share(256, 8, 8) == pytest.approx(4.6328, abs=1e-4)   # without the limit
    assert K.expert_domain_share(256, 8, 1) == 1.0


def test_node_dispatch_time_by_hand():
    # 1 MB of tokens from one of 64 ranks on 8 H800 nodes, line rates: across nodes 1e6 × 3.1754 / 50 GB/s
    # = 63.5 µs; inside the node 1e6 × 8 × 7/8 / 200 GB/s = 35 µs; the two overlap, so the longer
    c = llmcalc.hardware.chip("H800")
    t = float(K.node_dispatch_time(c, 1e6, 64, 64, k=8, E=256, groups=8, groups_per_token=4, ideal=True))
    across = 1e6 * 7 * K.expert_domain_share(256, 8, 8, 8, 4) / 50e9
    assert t == pytest.approx(across) and across == pytest.approx(63.5e-6, rel=1e-3)
    # one node: nothing crosses InfiniBand, the NVLink part alone
    t1 = float(K.node_dispatch_time(c, 1e6, 8, 8, k=8, E=256, ideal=True))
    assert t1 == pytest.approx(1e6 * 8 * 7 / 8 / 200e9)


def _layout(stack, **kw):
    args = dict(tp=1, pp=16, ep=64, zero=1, sp=False, micro_batch=1, recompute="none", fp8=True, stack=stack)
    args.update(kw)
    return P.layout(DSV3, "H800", 2048, 15360 * SEQ, SEQ, **args)


def _stack(**kw):
    base = dict(name="t", tp=False, cp=False, pp=True, dp_gather=False, cross_replica=True, source="test")
    base.update(kw)
    return P.Stack(**base)


def test_per_node_dispatch_and_fp8_dispatch_cut_the_exposed_all_to_all():
    # ideal links (no latency): per MoE layer 2 dispatch-direction and 2 combine-direction transfers (no recompute)
    per_expert = _layout(_stack(), ideal=True)["ep_comm_s"]
    per_node = _layout(_stack(ep_dispatch="per-node"), ideal=True)["ep_comm_s"]
    fp8 = _layout(_stack(ep_dispatch="per-node", fp8_dispatch=True), ideal=True)["ep_comm_s"]
    # per expert: 8 copies, 7/8 of them to other nodes, sum of NVLink and IB parts; per node: 3.1754 copies across,
    # the longer of the two parts: across IB the ratio is 3.1754 / 7 (the NVLink part adds 8/64·... to per expert)
    nv, ib = 8 * 7 / 64 / 200e9, 7 / 8 * 8 / 50e9                # seconds per byte of one token copy
    assert per_node / per_expert == pytest.approx(7 * K.expert_domain_share(256, 8, 8, 8, 4) / 50e9 / (nv + ib))
    # FP8 dispatch: the dispatch direction at 1 + 4/128 bytes a value instead of 2, the combine direction at 2
    assert fp8 / per_node == pytest.approx((1 + 4 / 128 + 2) / (2 + 2))


def test_deepseek_stack_hides_the_all_to_all_and_runs_compute_on_112_of_132_sms():
    ds = _layout("deepseek-v3")
    assert ds["ep_comm_s"] == 0.0
    free = _layout(_stack(ep=True, ep_dispatch="per-node", fp8_dispatch=True, pipeline="dualpipe"))
    assert ds["compute_s"] / free["compute_s"] == pytest.approx(132 / 112)
    assert (ds["step_s_ideal"] <= ds["step_s"]) and ds["mfu_ideal"] >= ds["mfu"]


def test_dualpipe_bubble_and_memory():
    dual = _layout("deepseek-v3")
    m = dual["microbatches"]
    t_mb = (dual["step_s"] - dual["bubble_s"] - dual["dp_exposed_s"] - dual["optimizer_s"]) / m
    # DualPipe README: (PP/2 − 1)(F&B + B − 3W); F&B = F + B, and F : B : W = 1 : 2 : 1 of t_mb = F + B = 3
    assert dual["bubble_s"] == pytest.approx(t_mb * (16 / 2 - 1) * (1 + 2 + 2 - 3) / 3)
    one = _layout(_stack(ep=True, ep_dispatch="per-node", fp8_dispatch=True, comm_units=20))
    t1 = (one["step_s"] - one["bubble_s"] - one["dp_exposed_s"] - one["optimizer_s"]) / m
    assert one["bubble_s"] == pytest.approx(t1 * (16 - 1))          # 1F1B: (PP − 1)(F + B)
    # two copies of the parameters and PP + 1 micro-batches of activations against 1F1B's PP, the same tensors kept
    same = _layout(_stack(ep=True, ep_dispatch="per-node", fp8_dispatch=True, comm_units=20,
                          moe_probs_in_activation=True, fp8_activation_cache=True))
    assert dual["memory_gib"] > same["memory_gib"]


def test_dualpipe_memory_of_deepseeks_published_layout_by_hand():
    # DeepSeek-V3 as the report ran it: 2,048 H800, PP16 × EP64, ZeRO-1 over DP 128, micro-batches of one 4K sequence,
    # FP8 GEMMs, recompute of the norms, MLA up projections and SwiGLU output; bf16 weights, fp32 gradients and
    # master, bf16 moments (2 + 4 + 4 + 2 + 2 bytes). 61 layers over 16 stages: ⌈61/16⌉ = 4, and one fewer on the
    # first and the last stage (⌈63/16⌉ = 4 still), so rank 0 holds stages 0 and 15 (3 layers each, the embedding and
    # the head) and every other rank two stages of 4 layers (DualPipe README: 2× parameters per device). Every layer
    # counted as a MoE layer (the planner's stage is the worst mix of ⌈61/16⌉ layers, here all MoE).
    row = P.layout(DSV3, "H800", 2048, 15360 * SEQ, SEQ, tp=1, pp=16, ep=64, zero=1, sp=False, micro_batch=1,
                   recompute="layernorm+mla_up_proj+moe_act", fp8=True, stack="deepseek-v3",
                   regime=Regime("DeepSeek-V3", 2, 4, 4, 4, source="DeepSeek-V3 report §3.3.3"))
    # parameters of one MoE layer, from the model card's shapes (D 7168, 128 heads, q_lora 1536, kv_lora 512, rope 64,
    # nope 128, v 128; 256 routed experts and one shared of width 2048; two norms)
    attention = (7168 * 1536 + 1536 + 1536 * 128 * 192 + 7168 * (512 + 64) + 512 + 512 * 128 * (128 + 128)
                 + 128 * 128 * 7168)
    assert attention == 187_107_328
    dense = attention + 256 * 7168 + 3 * 7168 * 2048 + 2 * 7168    # + router, shared expert, norms
    expert = 256 * 3 * 7168 * 2048 // 64                           # 4 routed experts on each of the 64 EP ranks
    # model states: dense parameters 2 + 4 + (4 + 4) / 128 (ZeRO-1 over the 128 data-parallel ranks), experts
    # 2 + 4 + (4 + 4) / 2 (2,048 / (16 × 64) = 2 replicas of each expert)
    layer_states = dense * (6 + 8 / 128) + expert * (6 + 8 / 2)
    ends_states = (129280 * 7168 + 7168) * (6 + 8 / 128)           # the embedding (or the head) and the final norm
    # kept per token and layer, bytes: the two norm inputs 2 × 2D, the latents (the norms' inputs) 2 × 1536 and
    # 2 × (512 + 64), the attention's log-sum-exp 4 × 128, its output in 12 bits 1.5 × 128 × 128, router logits 2 × 256,
    # the 8 dispatched copies in FP8 8 × 7168, the SwiGLU inputs in FP8 of the 8 routed experts 2 × 8 × 2048 and of the
    # shared one 2 × 2048, the shared expert's down-projection input in FP8 2048; no expert output (a plain combine)
    per_token = (2 * 2 * 7168 + 2 * 1536 + 2 * (512 + 64) + 4 * 128 + 1.5 * 128 * 128 + 2 * 256 + 8 * 7168
                 + 2 * 8 * 2048 + 2 * 2048 + 2048)
    assert per_token == 154_752
    layer_acts = SEQ * per_token
    fp8_copy = 2 * (dense + expert)          # Transformer Engine's FP8 weight and its transpose, each local layer
    held = 16 + 1                            # PP + 1 micro-batches of a stage in flight
    middle = 8 * layer_states + held * 4 * layer_acts + 8 * fp8_copy
    logits = SEQ * 129280 * 4                # the loss's fp32 logits, on rank 0 (it runs the last stage)
    rank0 = 6 * layer_states + 2 * ends_states + held * 3 * layer_acts + logits + 6 * fp8_copy
    assert middle > rank0
    assert row["memory_gib"] * 2**30 == pytest.approx(middle, rel=1e-12)
    assert middle / 2**30 == pytest.approx(69.89, abs=0.01)
    # the H800's 80 GiB less the 10% headroom: 72 GiB usable, so the layout DeepSeek ran fits
    assert row["fits"] and middle < 0.9 * 80 * 2**30


def test_dualpipe_rejects_what_its_schedule_cannot_run():
    df = P.search(DSV3, "H800", 2048, 15360 * SEQ, SEQ, tp=1, pp=[15, 16], ep=64, zero=1, sp=False, micro_batch=1,
                  recompute="none", interleave=[1, 2], fp8=True, stack="deepseek-v3", include_rejected=True)
    why = {(r.pp, r.interleave): r.rejected for r in df.itertuples()}
    dual = P.REASONS[5]
    assert why[(16, 2)] == dual                     # no interleaving
    assert why[(16, 1)] in ("", P.REASONS[4])       # the published layout: valid (memory aside)
    odd = P.layout(DSV3, "H800", 384, 15360 * SEQ, SEQ, tp=1, pp=3, ep=64, zero=1, sp=False, recompute="full",
                   fp8=True, stack="deepseek-v3")
    assert odd["rejected"] == dual                  # PP 3: DualPipe pairs the stages, so PP must be even
    small = P.search(DSV3, "H800", 2048, 16 * 128 * SEQ, SEQ, tp=1, pp=16, cp=1, ep=64, zero=1, sp=False, micro_batch=1,
                     interleave=1, recompute="full", fp8=True, stack="deepseek-v3", include_rejected=True)
    assert set(small["rejected"]) == {dual}         # 16 micro-batches per replica: DualPipe needs at least 2·PP = 32


def test_stack_fields_are_validated():
    with pytest.raises(ValueError, match="ep_dispatch"):
        _stack(ep_dispatch="per-rack")
    with pytest.raises(ValueError, match="pipeline"):
        _stack(pipeline="zb-v")
    with pytest.raises(ValueError, match="comm_units"):
        _stack(comm_units=-1)


def test_routing_groups_from_hf_and_validation():
    assert (DSV3.routing_groups, DSV3.groups_per_token) == (8, 4)
    v2 = llmcalc.preset("deepseek-v2")
    assert (v2.routing_groups, v2.groups_per_token) == (8, 3)             # group_limited_greedy, M = 3 devices
    lite = llmcalc.preset("deepseek-v2-lite")
    assert (lite.routing_groups, lite.groups_per_token) == (1, 1)         # greedy: plain top-k
    raw = llmcalc.preset("deepseek-v2").to_dict()
    base = {k: v for k, v in raw.items() if k != "model_type"}
    with pytest.raises(ValueError, match="routing_groups must divide E"):
        ModelConfig(**{**base, "routing_groups": 7})
    with pytest.raises(ValueError, match=r"groups_per_token must be in \[1, routing_groups=8\]"):
        ModelConfig(**{**base, "groups_per_token": 9})
    with pytest.raises(ValueError, match="at least k"):
        ModelConfig(**{**base, "routing_groups": 160, "groups_per_token": 5})
    with pytest.raises(ValueError, match="needs E >= 1"):
        ModelConfig(L=2, D=64, F=128, N=4, V=100, routing_groups=2)
