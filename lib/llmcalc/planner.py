"""A parallelism planner: every layout a careful engineer would consider, evaluated at once.

``search(cfg, chip, n_chips, batch_tokens, seq_len)`` enumerates tensor (TP, with or without sequence
parallelism SP), context (CP), pipeline (PP, with the interleaved schedule), expert (EP) and data
parallel (DP, with ZeRO stage 0-3) degrees, the micro-batch size and the recomputation policy; for each
layout it computes the memory one device needs, whether it fits, the step time (compute, exposed
communication on the link each group really uses, the pipeline bubble, the optimizer update) and the
resulting MFU; and it returns a pandas DataFrame ranked by step time. ``layout(...)`` evaluates one
named layout (Meta's TP8 × PP16 × DP128 for LLaMA 3.1-405B, say) with the same model.

It is vectorised: the whole space is a handful of numpy arrays and every quantity below is computed
for all layouts at once; the only Python loops run over the few distinct TP degrees and policies
(to call :mod:`llmcalc.memory` and :mod:`llmcalc.flops` for the per-layer tensors and FLOPs).

The model (an estimate; every assumption is listed; two constants fitted to published runs)
==========================================================================================

Two predictions of each layout. The default is the **calibrated** one: every GEMM at the fitted share of
peak (:data:`llmcalc.kernels.FITTED`) times the share of the chip its shape keeps busy (tile and wave
quantisation), attention kernels at the chip's published rate, collectives at the measured bus bandwidth
with a latency per step (:mod:`llmcalc.kernels`). ``ideal=True`` (or ``compute_efficiency=1.0``) gives the
**ideal bound** of the same layout: every matmul at peak, links at line rate, no latency;
``compute_efficiency=x`` runs every matmul at x × peak in that bound's model. ``mfu_ideal`` is the ideal
bound next to the calibrated ``mfu``; the ideal bound is never below it. ``stack`` (:data:`STACKS`) says what
the framework overlaps with compute. The fitted constants and the error on every published run, held
out by source, are in the README (``tools/fit_planner.py``, ``tests/fidelity/test_calibration.py``).

Ranks are ordered TP innermost, then CP, then EP/DP, then PP outermost (Megatron-LM's default). A
collective over a group of n ranks with g of them in one fast domain (an 8-GPU node, a TPU pod; g = the
domain's size over the stride between members) runs hierarchically (:func:`llmcalc.kernels.collective_time`):
(g − 1)/g of the array on the fast fabric (GPU: one-way NVLink per GPU; TPU: bidirectional ICI per axis ×
the axes the group needs: 1 while it fits the longest torus axis, 2 while it fits the two longest, else 3),
then (k − 1)/k of 1/g of it across the k = n/g domains on each member's own slow link (InfiniBand per GPU,
DCN per TPU chip): the domain's g links carry the group's traffic together.

Memory per device, the heaviest pipeline stage:
- model states: the stage's parameters, ⌈L/PP⌉ layers (+ the embedding or the LM head; both when
  PP = 1) split by TP (experts by TP × EP), times the regime's bytes per parameter
  (:data:`llmcalc.memory.REGIMES`), each kind sharded over the DP × CP group by the ZeRO stage
  (experts over DP × CP / EP), or with ``zero_group`` (hybrid sharding) over groups of that many DP × CP
  ranks, replicated across groups; ZeRO-3 adds a buffer of two gathered layers.
- activations: :func:`llmcalc.memory.layer_activation_breakdown` per layer for one micro-batch (its
  TP/SP split and recompute policy; CP divides the tokens), × ⌈L/PP⌉ layers × the micro-batches in
  flight on the first stage of a 1F1B schedule, min(PP, m), or with the interleaved schedule of v chunks
  min(2(PP − 1) + (v − 1)·PP + 1, m·v) chunk-micro-batches of 1/v of the stage's layers (Megatron-LM's
  schedule, megatron/core/pipeline_parallel/schedules.py: PP·(1 + (PP − 1)/(PP·v)) micro-batches of the
  stage's layers for m large, Korthikanti et al. 2022; every forward pass first when m = PP, so then no
  more than 1F1B's m, which is why Meta's interleaved schedule fits its 16,384-GPU layout). Where it costs no stage a layer, the
  stages are split as Meta did for Llama 3 (§3.3.2: one layer fewer on the first and the last stage):
  then the heaviest is the larger of min(PP, m)·(⌈L/PP⌉ − 1) and min(PP − 1, m)·⌈L/PP⌉ layer-micro-batches. Full recompute keeps each layer's
  input and rebuilds one layer at a time (one layer's full activations on top).
- Megatron-Core's module policies (``recompute="layernorm+moe_act"``, :data:`RECOMPUTE_MODULES`) keep the layer's
  tensors less those the modules rebuild in the backward pass: "layernorm" the two norms' outputs, "moe_act" the
  experts' activation output, "mla_up_proj" the full-width queries, keys and values and the latent norms' outputs
  (Megatron-Core fuses those norms into the up-projections), "mlp" a dense MLP's tensors, "shared_experts" the shared
  experts', "core_attn" the score tensors (as "selective"). Their compute: the modules' forward matmuls once more (up
  projections, dense MLP, shared experts, scores) and two HBM passes over the tensors they rebuild. A stack with
  ``moe_probs_in_activation`` (Megatron-Core; DeepSeek-V3, whose DeepEP combine is a plain sum) keeps no expert
  outputs.
- the last stage instead holds one micro-batch in flight plus the fp32 logits (4 bytes each, split by
  TP: a vocab-parallel fused cross-entropy). With ``fused_swiglu=True`` (the default; Megatron-LM and
  Transformer Engine) a SwiGLU layer does not keep silu(gate): the fused kernel recomputes it in the
  backward pass, so :func:`~llmcalc.memory.layer_activation_breakdown`'s ``silu_gate`` tensor (F values per
  token) is left out. A layout fits when the larger of the two is at most
  (1 − headroom) × HBM; the headroom (default 10%) stands for the framework, the collectives' buffers
  and fragmentation.
- ``stack="fsdp2"`` (PyTorch FSDP2 + DTensor, torchtitan's recipe) replaces the two lines above, for dense layouts
  without pipeline parallelism at ZeRO stage 2 or 3, with FSDP2's own peak in closed form
  (:func:`llmcalc.memory.fsdp2_bytes_per_device`: the states plus the gathered root and layers, the all-gather and
  reduce-scatter buffers, the unsharded gradients, the loss's fp32 temporaries and SP's whole linear inputs, at
  the largest of eleven moments of the step), within 5% of torch's FSDPMemTracker on every real LLaMA shape measured
  (``docs/rank-memory.md``). ``norm_fp32=True`` adds what Hugging Face's RMSNorm keeps; ``loss_parallel=False``
  gives every TP rank the whole vocabulary's logits.

Time of one step:
- compute: the exact matmul FLOPs of :func:`llmcalc.flops.forward_flops_breakdown` (3× forward for
  training, + the score matmuls for selective recompute, + one layer forward for full recompute, + the
  key and output projections and the MLP's up projection (gated) or fc2 (plain) for "selective-op",
  torchtitan's per-op policy that recomputes every second matmul, :data:`SELECTIVE_OP_KEPT`) of
  the heaviest stage, split by TP × CP; calibrated: each GEMM kind (QKV and output projections, MLP,
  experts, LM head) at the fitted share of peak × its tile/wave share (forward, input-gradient and
  weight-gradient shapes averaged), attention scores at the chip's attention-kernel rate (FlashAttention-2:
  0.6 of peak on A100, 0.35 on H100; eager attention and TPUs at the GEMM share); ideal: at
  ``compute_efficiency`` × peak.
  Stages hold whole layers: the first PP − 1 stages ⌈L/PP⌉ each, the last stage what is left,
  L − (PP − 1)·⌈L/PP⌉ (at least 0), plus the LM head; the heaviest stage does
  max(⌈L/PP⌉ layers, last-stage layers + head). When PP divides L that is L/PP layers + the head.
- FP8 (``fp8=True``, on a chip with FP8 tensor cores, ``Chip.peak_fp8_flops``), as Transformer Engine runs it:
  the transformer layers' linear GEMMs (projections, MLP, experts) at the FP8 peak, calibrated at the fitted
  matmul share × the chip's FP8-to-bf16 GEMM ratio (:attr:`llmcalc.kernels.KernelRates.fp8_gemm_share`: 0.857 on
  Hopper, from DeepGEMM's and the MAMF table's published rates); attention scores, the router and the LM head
  stay in bf16. Each linear casts its input (forward) and its output gradient (backward) to FP8 and to the
  transposed FP8 copy the weight gradient needs: 4 bytes of HBM traffic per element, unfused (an upper bound);
  each layer weight is cast once a step (4 bytes a parameter, with the optimizer's time) and its two FP8 copies
  kept (2 bytes a parameter; ZeRO-3: the two gathered layers'). The linear inputs kept for the weight gradient
  are FP8 (the norm outputs and the down projection's input at 1 byte a value; the attention output once more,
  +1 byte). ``fp8_params=True`` (with ``fp8``): the model keeps those linear weights in FP8 as well
  (Transformer Engine's fp8_model_init; Megatron-Core's ``fp8_param_gather``, which NVIDIA's FP8 recipes set): 1
  byte a parameter in place of the regime's weight bytes, only the transpose added (1 byte), the data-parallel
  all-gather in FP8 and the optimizer's cast 2 bytes a parameter; the fp32 master stays with the optimizer.
  MFU stays against the bf16 peak, so an FP8 run's MFU (and its ideal bound's) can pass 100%.
- non-matmul work (norms, activation functions, softmax, dropout, residual adds) is bound by HBM
  bandwidth: every activation the layer stores (:func:`llmcalc.memory.layer_activation_breakdown`
  without recompute) crosses HBM ``elementwise_passes`` times per step at ``hbm_bytes_per_s``
  (default: the fitted value in :data:`llmcalc.kernels.FITTED` in both predictions; full and selective-op
  recompute add 2 for the second forward). It is fitted, not counted kernel by kernel: fused kernels move fewer
  bytes, unfused eager code more, and the one number stands for all of them.
- TP (exposed, unless the stack overlaps it: then only what exceeds the micro-batch's compute): per
  layer and micro-batch 4 all-reduces (2 forward, 2 backward) of the
  micro-batch's activations b·(s/CP)·D in bf16 (with SP the same bytes as all-gathers and
  reduce-scatters), + 2 more with full recompute.
- CP (exposed, or overlapped as TP): all-gather of the layer's keys and values forward, again backward, and a
  reduce-scatter of their gradients (+1 all-gather with full recompute).
- EP (exposed, unless the stack overlaps it): per MoE layer a dispatch and a combine forward, their gradients
  backward (+ both again with full recompute); routing is assumed balanced. As an all-to-all of the k routed copies of
  each token (``Stack.ep_dispatch`` "per-expert"), or sent once to each other node a token's experts are on and
  forwarded inside it ("per-node"; with group-limited routing, ``ModelConfig.routing_groups`` and
  ``groups_per_token``, a token reaches fewer nodes: :func:`llmcalc.kernels.expert_domain_share`); the dispatch
  direction in FP8 where the stack dispatches FP8 (``fp8=True``).
- PP with ``Stack.pipeline="dualpipe"`` (DeepSeek-V3): bubble (PP/2 − 1)(F&B + B − 3W) with F : B : W = 1 : 2 : 1,
  two stages' states per device and PP + 1 micro-batches of a stage's activations (deepseek-ai/DualPipe README),
  counted per rank: rank 0 holds the first and the last stage (the embedding, the head and the loss's logits), every
  other rank two middle stages; the heavier rank is the device's memory and its states the optimizer step's traffic.
- PP: a point-to-point send of the activations forward and of their gradient backward per micro-batch
  and model chunk (exposed, or overlapped as TP; with SP each TP rank sends its 1/TP shard; without SP, under a stack
  with ``pp_scatter_gather``, its 1/TP share too, and the next stage all-gathers the whole over TP), and the bubble: the step is t_mb · (m + (PP − 1)/v) for m micro-batches
  per replica (Narayanan et al. 2021).
- overlap: the collectives a stack overlaps (TP, CP, pipeline sends, and ZeRO-3's per-micro-batch gathers and
  reduce-scatter) run at once beside the micro-batch's compute, each on its own link; the micro-batch is
  exposed for what the longest of them exceeds the compute by (inside t_mb, so the bubble grows with it), and
  the reported parts charge that excess to each in proportion to its own excess.
- DP (expert gradients only over each expert's DP × CP / EP replicas): the gradient reduce-scatter and weight all-gather (ZeRO 1-2, Megatron's distributed optimizer)
  or all-reduce (ZeRO 0), once per step: the reduction overlapped with the last micro-batch's backward
  pass, the gather with the first forward pass or after the optimizer step (as the stack does); ZeRO-3
  gathers the weights twice and reduce-scatters the gradients every micro-batch, each overlapped with
  that micro-batch's compute. Under hybrid sharding the shard groups then all-reduce their gradient
  shards, with the backward pass or after it (JAX on TPU, as PaLM reports). Only the excess is exposed.
- optimizer: reading and writing the device's model states once at HBM bandwidth.

MFU = model FLOPs of the step (no recompute, causal attention by default) / (chips × peak × step
time); HFU counts the recomputation too.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable

import numpy as np

from . import _validate as v
from .flops import forward_flops_breakdown
from . import kernels as _k
from .hardware import CHIPS, Chip, chip as _chip
from .memory import ZERO_STAGES, Regime, _fsdp2_terms, _regime, layer_activation_breakdown
from .models import ModelConfig
from .params import param_breakdown, param_count

RECOMPUTE = ("none", "selective", "selective-op", "full")
# Megatron-Core's selective recompute by module (NVIDIA/Megatron-LM, megatron/core/transformer/transformer_config.py,
# ``recompute_modules``, with recompute_granularity "selective"): "core_attn" the core attention; "layernorm" the
# input and pre-MLP norms; "moe_act" the experts' activation function; "mla_up_proj" MLA's up projections and RoPE;
# "mlp" the dense MLP; "shared_experts" the MoE layer's shared experts. A policy names one or more of them joined by
# "+" ("layernorm+moe_act"), written in this order. Megatron-Core's "moe" (the whole MoE layer, its all-to-all
# run again) is not modelled.
RECOMPUTE_MODULES = ("core_attn", "layernorm", "mla_up_proj", "moe_act", "mlp", "shared_experts")
ATTENTION = ("flash", "eager")
# What recompute="selective-op" keeps of a layer (names of llmcalc.memory.layer_activation_breakdown), plus the down
# projection's output: torchtitan's op-level selective activation checkpointing (pytorch/torchtitan,
# torchtitan/parallelisms/parallelize_llama.py, ``_save_list`` and ``_custom_policy``: "Saves output of all compute
# ops, except every second mm"; the save list holds aten.mm, the flash / memory-efficient attention kernels and the
# reduce-scatter). In a Llama layer the matmuls run wq, wk, wv, wo, w1, w3, w2: wk, wo and w3 are recomputed.
SELECTIVE_OP_KEPT = ("attn_norm_input", "query", "value", "softmax_logsumexp", "out_proj_input", "gate", "gelu_input")


def recompute_modules(policy: str) -> tuple[str, ...]:
    """The Megatron-Core modules a recompute policy names (``"layernorm+moe_act"`` → ("layernorm", "moe_act")); ()
    for the whole-layer policies of :data:`RECOMPUTE`."""
    if policy in RECOMPUTE:
        return ()
    return tuple(policy.split("+"))


def recompute_policy(field: str, value) -> str:
    """``value`` checked as a recompute policy: one of :data:`RECOMPUTE`, or Megatron-Core modules of
    :data:`RECOMPUTE_MODULES` joined by "+" (returned in that order, each once)."""
    if isinstance(value, str) and value in RECOMPUTE:
        return value
    accepted = (f"{field} must be one of {list(RECOMPUTE)} or Megatron-Core modules joined by '+' from "
                f"{list(RECOMPUTE_MODULES)}")
    if not isinstance(value, str) or not value:
        raise ValueError(f"{accepted}, got {value!r}")
    parts = value.split("+")
    bad = [x for x in parts if x not in RECOMPUTE_MODULES]
    if bad:
        hint = ("; 'moe' (the whole MoE layer recomputed, its all-to-all run again) is not modelled" if "moe" in bad
                else "")
        raise ValueError(f"{accepted}, got {value!r} (unknown: {', '.join(map(repr, bad))}){hint}")
    return "+".join(m for m in RECOMPUTE_MODULES if m in parts)


def _check_modules(cfg: ModelConfig, policy: str) -> None:
    """Reject a module the model does not have (as Megatron-Core rejects "mla_up_proj" without MLA)."""
    mods = recompute_modules(policy)
    name = cfg.name or "cfg"
    needs = {"mla_up_proj": (cfg.uses_mla, "multi-head latent attention"),
             "moe_act": (cfg.is_moe, "experts"),
             "shared_experts": (cfg.is_moe and cfg.F_shared > 0, "shared experts"),
             "mlp": (cfg.L > cfg.moe_layers, "dense MLP layers")}
    for m in mods:
        ok, what = needs.get(m, (True, ""))
        if not ok:
            raise ValueError(f"recompute module {m!r} (in {policy!r}) needs {what}; {name} has none")


# the stored tensors that only a linear layer reads in the backward pass (its input, for the weight gradient):
# with fp8=True they are kept as FP8 (llmcalc.memory.layer_activation_breakdown's names; MoE adds "expert_inputs",
# "expert_product" / "expert_gelu_output" and the shared experts' "shared_…")
FP8_SAVED_INPUTS = ("qkv_input", "mlp_input", "product", "gelu_output")


@dataclass(frozen=True)
class Stack:
    """What a training framework overlaps with compute (True: hidden behind the compute it runs beside,
    only the excess exposed; False: exposed in full).

    ``tp``, ``cp``, ``pp``: the tensor-, context-parallel collectives and pipeline sends of each layer and
    micro-batch; ``dp_gather``: the weight all-gather of ZeRO 1-2 / the distributed optimizer, overlapped
    with the first micro-batch's forward pass (True) or run after the optimizer step (False);
    ``cross_replica``: under hybrid sharding, the gradient all-reduce between shard groups overlapped with
    the backward pass like the reduce-scatter (True) or run after it (False). Every stack overlaps the
    gradient reduce-scatter (all-reduce for ZeRO 0) with the last micro-batch's backward pass and ZeRO-3's
    per-micro-batch gathers with that micro-batch's compute (prefetch). Only an overlap the framework's own
    documentation or paper describes is credited; what it does not describe is exposed. ``source``: where the behaviour is
    described. Expert parallelism: ``ep`` overlaps the MoE layers' all-to-alls with compute like the streams above;
    ``ep_dispatch`` "per-expert" sends each routed copy of a token to its expert's rank (an all-to-all, NCCL's or
    Megatron-Core's default dispatcher), "per-node" sends a token once to each other node its experts are on and
    forwards it inside the node (DeepSeek-V3's kernels, DeepEP; :func:`llmcalc.kernels.node_dispatch_time`);
    ``fp8_dispatch``: with ``fp8=True`` the dispatch-direction transfers (the tokens before the experts' first GEMM,
    the gradients before their last) travel in FP8 with one fp32 scale per 128 values, the combine direction in
    bf16; ``comm_units``: streaming multiprocessors the communication kernels hold while they overlap compute, which
    runs on the rest (the calibrated prediction of GPU layouts with EP > 1). ``pipeline``: "1f1b" (Megatron-LM's schedule, interleaved with v > 1)
    or "dualpipe" (DeepSeek-V3's bidirectional schedule, deepseek-ai/DualPipe: bubble (PP/2 − 1)(F&B + B − 3W),
    two copies of the parameters, PP + 1 micro-batches of activations; it needs an even PP, an even number of
    micro-batches, at least 2·PP of them, and no interleaving). ``fsdp2_memory``: memory per device in the closed
    form of PyTorch FSDP2 + DTensor
    (:func:`llmcalc.memory.fsdp2_bytes_per_device`: gathered root and layers, all-gather and reduce-scatter
    buffers, unsharded gradients, the loss's fp32 temporaries, SP's whole linear inputs) for dense models
    without pipeline parallelism at ZeRO stage 2 or 3, instead of the textbook states + activations (context
    parallelism is taken to divide the tokens; the closed form was measured without it).
    ``moe_probs_in_activation``: the experts multiply their activation by the router's probabilities (a weighted
    SwiGLU), so the combine is a plain sum and no expert's output is kept for the backward pass
    (:func:`llmcalc.memory.layer_activation_breakdown`'s ``expert_outputs`` left out); False: the outputs are
    weighted after the experts, as Hugging Face's MoE layers do, and kept. ``fp8_activation_cache`` (with
    ``fp8=True``): the MoE layer's inputs to the SwiGLU (gate and up, routed and shared experts) kept in FP8 (1 byte a
    value), and the
    attention output kept once, in a 12-bit format (1.5 bytes), for both the output projection and the attention
    kernel's backward, instead of bf16 for the kernel plus FP8 for the projection (DeepSeek-V3's low-precision
    storage). ``pp_scatter_gather``: without sequence parallelism, each of a stage's TP ranks sends only its 1/TP
    share of the activation (and, backward, of its gradient) to the next stage, and the receiving TP group
    all-gathers the whole over its own links (Megatron-LM's scatter/gather optimisation, on by default since
    February 2021; DeepSpeed's pipeline engine partitions what it sends over the model-parallel group); False: every
    TP rank sends the whole tensor. With sequence parallelism the tensor is already split, 1/TP a rank, either way.
    """

    name: str
    tp: bool
    cp: bool
    pp: bool
    dp_gather: bool
    cross_replica: bool
    source: str
    fsdp2_memory: bool = False
    ep: bool = False
    ep_dispatch: str = "per-expert"
    fp8_dispatch: bool = False
    comm_units: int = 0
    pipeline: str = "1f1b"
    moe_probs_in_activation: bool = False
    fp8_activation_cache: bool = False
    pp_scatter_gather: bool = False

    def __post_init__(self) -> None:
        for name in ("tp", "cp", "pp", "dp_gather", "cross_replica", "fsdp2_memory", "ep", "fp8_dispatch",
                     "moe_probs_in_activation", "fp8_activation_cache", "pp_scatter_gather"):
            v.flag(f"Stack.{name}", getattr(self, name))
        v.choice("Stack.ep_dispatch", self.ep_dispatch, EP_DISPATCH)
        v.choice("Stack.pipeline", self.pipeline, PIPELINES)
        v.positive_int("Stack.comm_units", self.comm_units, allow_zero=True)


# FlashAttention's backward pass in forwards of score matmul work: its four gradient matmuls and its recompute of QKᵀ
# (flash-attention, benchmarks/benchmark_flash_attention.py: "bwd" 2.5 × the forward FLOPs, "fwd_bwd" 3.5 ×), the count
# the published attention rates (llmcalc.kernels.KernelRates.attention_fraction) are measured in
FLASH_BACKWARD_FORWARDS = 2.5

EP_DISPATCH = ("per-expert", "per-node")
PIPELINES = ("1f1b", "dualpipe")

STACKS: dict[str, Stack] = {s.name: s for s in [
    Stack("megatron-lm-2021", False, False, False, False, True,
          "Narayanan et al. 2021 (Megatron-LM, SC '21): tensor-parallel all-reduces on the critical path, "
          "pipeline sends exposed, with the scatter/gather optimisation (§4.1; NVIDIA/Megatron-LM commit "
          "72e4230, February 2021, 'Turn scatter-gather optimization on by default': "
          "megatron/p2p_communication.py splits the tensor into TP equal chunks with "
          "split_tensor_into_1d_equal_chunks and all-gathers them on receipt with gather_split_1d_tensor), gradients "
          "all-reduced at the end of the backward pass",
          pp_scatter_gather=True),
    Stack("megatron-core", True, True, True, True, True,
          "NVIDIA/Megatron-LM README (Megatron-Core): '--overlap-grad-reduce', '--overlap-param-gather', "
          "'--tp-comm-overlap', pipeline communication overlapped 'by default'; context parallelism's ring "
          "exchange overlaps attention (Transformer Engine); the experts apply the router's probabilities in "
          "their activation (megatron/core/transformer/moe/experts.py, weighted_bias_swiglu_impl, since 'perf(MoE): "
          "Memory efficient token permutation', 2025-04-09), so the expert outputs are not kept",
          moe_probs_in_activation=True),
    Stack("megatron-core-moe-overlap", True, True, True, True, True,
          "Megatron-Core as above, with its expert-parallel all-to-all overlapped: Megatron-Bridge's performance "
          "recipes' moe_a2a_overlap (scripts/performance/utils/overrides.py: overlap_moe_expert_parallel_comm=True, "
          "delay_wgrad_compute=True; Megatron-Core's model_parallel_config.py: 'Overlap EP A2A communications with "
          "independent computations of different micro-batches in 1f1b phase of pipelining or non-pipelining "
          "schedule'), the dispatch and combine of one micro-batch beside another's "
          "compute; the experts apply the router's probabilities in their activation, as above",
          moe_probs_in_activation=True, ep=True),
    Stack("deepspeed", False, False, False, False, True,
          "Megatron-DeepSpeed (MT-NLG, BLOOM): Megatron tensor parallelism (exposed), DeepSpeed pipeline "
          "(sends exposed, partitioned over the model-parallel group: microsoft/DeepSpeed "
          "deepspeed/runtime/pipe/engine.py, is_pipe_partitioned, a PartitionedTensor sent and its full() "
          "all-gathered by the next stage, for the activations since the engine's first release (September 2020) "
          "and for their gradients since v0.5.4, 'Big science related changes', September 2021; both are "
          "credited), ZeRO-1 with overlap_comm for the gradient reduce-scatter and the parameter "
          "all-gather after the optimizer step",
          pp_scatter_gather=True),
    Stack("fsdp2", False, False, False, True, True,
          "PyTorch FSDP2 / torchtitan (Liang et al. 2024): all-gathers prefetched and reduce-scatters "
          "overlapped with compute; tensor parallelism (DTensor) exposed unless async TP is enabled", True),
    Stack("meta-llama3", False, False, True, True, True,
          "Llama 3 paper (Grattafiori et al. 2024, arXiv 2407.21783), §3.3.2: 'asynchronous point-to-point "
          "communication in PP'; DP (FSDP) 'asynchronously prefetching sharded model weights and reducing "
          "gradients'; context parallelism all-gathers keys and values and 'the all-gather communication latency "
          "is exposed in the critical path'; no tensor-parallel overlap is described, so none is credited"),
    Stack("deepseek-v3", False, False, True, False, True,
          "DeepSeek-V3 Technical Report (DeepSeek-AI 2024, arXiv 2412.19437), §3.2: DualPipe 'overlaps the "
          "computation and communication phases across forward and backward processes ... both all-to-all and PP "
          "communication can be fully hidden'; §3.2.2: each token 'dispatched to at most 4 nodes', 'first transmitted "
          "via IB to the GPUs with the same in-node index on its target nodes' and forwarded via NVLink, 'only 20 SMs' "
          "for communication (§3.5.1: '20 out of the 132 SMs available in the H800'); §3.3.3: the activations before "
          "the MoE up-projections and the gradients before the down-projections dispatched in FP8, both combines in "
          "BF16; 'we cache the inputs of the SwiGLU operator and recompute its output in the backward pass. These "
          "activations are also stored in FP8', and the attention output, used by the output projection and the "
          "attention backward, in 'a customized E5M6 data format'; deepseek-ai/DualPipe README: bubble and memory of "
          "the schedule; no tensor parallelism; ZeRO-1's gather after the optimizer step (not described, so not "
          "credited); deepseek-ai/DeepEP README (its training example): the dispatch carries the router's weights to "
          "the experts' ranks and returns their gradient, the combine takes no weights (a plain sum), so no expert "
          "output is kept by the combine; that the experts' side applies the weights inside the activation, as "
          "Megatron-Core does with DeepEP, rather than after the down projection is assumed, not printed",
          ep=True, ep_dispatch="per-node", fp8_dispatch=True, comm_units=20, pipeline="dualpipe",
          moe_probs_in_activation=True, fp8_activation_cache=True),
    Stack("jax-tpu", True, True, True, True, False,
          "PaLM (Chowdhery et al. 2022, §4): XLA overlaps the in-pod collectives with compute; the cross-pod "
          "gradient exchange is not overlapped with the backward pass (1.95× the throughput of one pod)"),
]}

# Why a layout was rejected (first failing check); "" = accepted.
REASONS = (
    "",
    "batch: the data-parallel degree does not divide the sequences in the batch",
    "batch: the micro-batch does not divide the sequences per data-parallel replica",
    "interleave: the interleaved schedule needs at least PP micro-batches and at least v layers per stage",
    "memory: needs more than HBM minus headroom",
    "pipeline: DualPipe needs an even PP, an even number of micro-batches, at least 2·PP of them, and no interleaving",
)

COLUMNS = ("tp", "sp", "cp", "pp", "interleave", "dp", "ep", "etp", "zero", "micro_batch", "microbatches",
           "recompute", "memory_gib", "fits", "step_s", "mfu", "hfu", "tokens_per_s", "compute_s", "elementwise_s",
           "tp_comm_s", "cp_comm_s", "ep_comm_s", "pp_p2p_s", "bubble_s", "dp_exposed_s", "optimizer_s",
           "step_s_ideal", "mfu_ideal", "tp_link", "cp_link", "dp_link", "pp_link", "rejected")


def _powers_of_two(limit: int) -> list[int]:
    out, x = [], 1
    while x <= limit:
        out.append(x)
        x *= 2
    return out


def _items(field: str, value, what: str) -> list:
    """One value or a non-empty list/tuple/array of them, as a list (a string or a dict is one value)."""
    if isinstance(value, (list, tuple, set, frozenset)) or (isinstance(value, np.ndarray) and value.ndim > 0):
        values = list(value)
        if not values:
            raise ValueError(f"{field} must be {what} or a non-empty list of them, got {value!r}")
        return values
    return [value]


def _unique(values: list) -> list:
    out = []
    for x in values:
        if x not in out:
            out.append(x)
    return out


def _options(field: str, value, default: list[int], *, low: int = 1) -> list[int]:
    """None → default; one whole number (any real type) → [it]; a list of them → them (sorted, unique)."""
    if value is None:
        return list(default)
    return sorted({v.positive_int(field, x) for x in _items(field, value, f"a whole number >= {low}")})


def _tp_ok(cfg: ModelConfig, tp: int) -> bool:
    if cfg.N % tp or cfg.F % tp:
        return False
    if cfg.is_moe and (cfg.F_expert % tp or (cfg.F_shared and cfg.F_shared % tp)):
        return False
    return cfg.uses_mla or cfg.K % tp == 0 or tp % cfg.K == 0


def _link_names(c: Chip, size: np.ndarray, span: np.ndarray) -> np.ndarray:
    names = np.where(span <= c.fast_domain, c.fast_link_name, c.slow_link_name).astype(object)
    names[size <= 1] = "-"
    return names


def _evaluate(cfg: ModelConfig, chip, n_chips, batch_tokens, seq_len, *, regime, tp, pp, cp, ep, zero, sp,
              micro_batch, recompute, interleave, attention, causal, compute_efficiency, headroom, fused_swiglu,
              elementwise_passes=None, stack="megatron-core", ideal=False, zero_group=None,
              norm_fp32=False, loss_parallel=True, fp8=False, etp=None, fp8_params=False) -> dict:
    if not isinstance(cfg, ModelConfig):
        raise ValueError(f"cfg must be a llmcalc.ModelConfig (e.g. llmcalc.preset('llama-3.1-405b')), got {type(cfg).__name__}")
    c = _chip(chip)
    n = v.positive_int("n_chips", n_chips)
    s = v.positive_int("seq_len", seq_len)
    bt = v.positive_int("batch_tokens", batch_tokens)
    for field, value, cap in (("n_chips", n, 2**40), ("seq_len", s, 2**40), ("batch_tokens", bt, 2**53)):
        if value > cap:
            raise ValueError(f"{field} must be a whole number in [1, 2^{cap.bit_length() - 1}] for the planner's "
                             f"arrays, got {value:.4g}")
    if bt % s:
        lo, hi = (bt // s) * s, (bt // s + 1) * s
        raise ValueError(f"batch_tokens must be a whole number of sequences of seq_len={s} tokens, got {bt}; "
                         f"nearest: {lo:,} or {hi:,}" if lo else
                         f"batch_tokens must be at least one sequence (seq_len={s} tokens), got {bt}")
    seqs = bt // s
    r = _regime(regime)
    attention = v.choice("attention", attention, ATTENTION)
    ideal = v.flag("ideal", ideal)
    if isinstance(stack, Stack):
        st = stack
    else:
        st = STACKS[v.choice("stack", stack, list(STACKS))]
    # calibrated: kernel efficiency by GEMM shape and attention kernel, achieved bus bandwidth and latency
    # (llmcalc.kernels); otherwise the ideal bound, with every matmul at compute_efficiency × peak
    calibrated = compute_efficiency is None and not ideal
    eff = 1.0 if compute_efficiency is None else v.fraction("compute_efficiency", compute_efficiency)
    if ideal and compute_efficiency is not None and eff != 1.0:
        raise ValueError(f"compute_efficiency must be None or 1.0 with ideal=True (the ideal bound runs every "
                         f"matmul at peak), got {compute_efficiency!r}")
    headroom = v.unit_interval("headroom", headroom)
    fused_swiglu = v.flag("fused_swiglu", fused_swiglu)
    norm_fp32 = v.flag("norm_fp32", norm_fp32)
    loss_parallel = v.flag("loss_parallel", loss_parallel)
    causal = v.flag("causal", causal)
    if elementwise_passes is None:
        elementwise_passes = _k.FITTED["elementwise_passes"]
    passes = v.positive_number("elementwise_passes", elementwise_passes, allow_zero=True)
    zg_opt = None if zero_group is None else v.positive_int("zero_group", zero_group)
    if passes > 64:
        raise ValueError(f"elementwise_passes must be in [0, 64] (HBM passes over each stored activation "
                         f"per step), got {elementwise_passes!r}")
    flash = attention == "flash"
    fp8 = v.flag("fp8", fp8)
    if fp8 and c.peak_fp8_flops is None:
        with_fp8 = [name for name, x in CHIPS.items() if x.peak_fp8_flops]
        raise ValueError(f"fp8=True needs a chip with FP8 tensor cores (Chip.peak_fp8_flops); {c.name} has none: "
                         f"use fp8=False, or one of {', '.join(with_fp8)}")
    fp8_params = v.flag("fp8_params", fp8_params)
    if fp8_params and not fp8:
        raise ValueError("fp8_params=True keeps the layers' weights in FP8 for the FP8 GEMMs that read them, so it "
                         "needs fp8=True; got fp8=False")

    # ----- option lists -----
    tp_default = [t for t in _powers_of_two(c.fast_domain if c.kind == "gpu" else 16) if _tp_ok(cfg, t)]
    tps = _options("tp", tp, tp_default)
    for t in tps:
        if not _tp_ok(cfg, t):
            raise ValueError(f"tp={t} must divide N ({cfg.N}) and the MLP widths (F={cfg.F}) and divide or be a "
                             f"multiple of K ({cfg.K}); valid for this model: {tp_default or [1]}")
    cps = _options("cp", cp, [x for x in _powers_of_two(32) if s % x == 0 and s // x >= 128] or [1])
    for x in cps:
        if s % x:
            raise ValueError(f"cp={x} must divide seq_len ({s})")
    pps = _options("pp", pp, list(range(1, cfg.L + 1)))
    if pps[-1] > cfg.L:
        raise ValueError(f"pp must be in [1, L={cfg.L}] (pipeline stages), got {pps[-1]}")
    if cfg.is_moe:
        eps = _options("ep", ep, [x for x in _powers_of_two(cfg.E) if cfg.E % x == 0])
        for x in eps:
            if cfg.E % x:
                raise ValueError(f"ep={x} must divide E ({cfg.E} experts)")
        # expert tensor parallelism (Megatron-Core's expert_tensor_parallel_size, "MoE parallel folding"): None splits
        # each expert over the attention's TP ranks (ETP = TP, EP within DP); a number splits it over that many ranks,
        # the EP × ETP ranks of an expert group folded over TP × CP × DP (0 below stands for "= TP")
        etps = [0] if etp is None else _options("etp", etp, [1])
        for x in etps:
            if x and (cfg.F_expert or cfg.F) % x:
                raise ValueError(f"etp={x} must divide the experts' width (F_expert={cfg.F_expert or cfg.F})")
    else:
        etps = [0]
        if etp is not None and _options("etp", etp, [1]) != [1]:
            raise ValueError(f"etp must be None or 1 for a dense model ({cfg.name or 'cfg'} has no experts), got {etp!r}")
        eps = _options("ep", ep, [1])
        if eps != [1]:
            raise ValueError(f"ep must be 1 for a dense model ({cfg.name or 'cfg'} has no experts), got {eps}")
    zeros = list(ZERO_STAGES) if zero is None else _unique(
        [v.choice("zero", z, ZERO_STAGES) for z in _items("zero", zero, "a ZeRO stage")])
    sps = [False, True] if sp is None else _unique(
        [v.flag("sp", x) for x in _items("sp", sp, "True or False")])
    mbs = _options("micro_batch", micro_batch, _powers_of_two(min(64, seqs)))
    if recompute is None:
        rcs = ["none", "full"] if flash else list(RECOMPUTE)
        # a mixture-of-experts or latent-attention model: also Megatron-Core's cheap module policy, the norms, the
        # experts' activation and MLA's up projections recomputed (little compute for much of a layer's memory)
        cheap = "+".join(m for m, has in (("layernorm", True), ("mla_up_proj", cfg.uses_mla), ("moe_act", cfg.is_moe))
                         if has)
        if cfg.is_moe or cfg.uses_mla:
            rcs.insert(1, cheap)
    else:
        rcs = _unique([recompute_policy("recompute", x) for x in _items("recompute", recompute, "a policy")])
    for rc in rcs:
        _check_modules(cfg, rc)
    vs = _options("interleave", interleave, [1, 2, 4, 8])

    # ----- meshes (tp, cp, pp, ep) whose product divides n -----
    T, C, P, E, X = (a.ravel() for a in np.meshgrid(np.array(tps), np.array(cps), np.array(pps), np.array(eps),
                                                    np.array(etps), indexing="ij"))
    tpi = np.searchsorted(tps, T)
    ok = (n % (T * C * P)) == 0
    D_ = np.where(ok, n // (T * C * P), 0)
    folded = X > 0
    X = np.where(folded, X, T)                                  # the expert tensor-parallel degree
    # EP within DP (ETP = TP), or folded: EP × ETP ranks dividing the TP × CP × DP ranks of a pipeline stage
    ok &= np.where(folded, (T * C * D_) % (E * X) == 0, D_ % E == 0)
    T, C, P, E, D_, tpi, X, folded = T[ok], C[ok], P[ok], E[ok], D_[ok], tpi[ok], X[ok], folded[ok]
    if T.size == 0:
        raise ValueError(f"no combination of tp {tps} × cp {cps} × pp (in [{pps[0]}, {pps[-1]}]) × ep {eps} "
                         f"divides n_chips={n}; choose n_chips with more small factors or widen the options"
                         + ("" if eps == [1] else "; ep must divide DP = n_chips / (tp·cp·pp), or with etp (expert "
                            "tensor parallelism) ep × etp must divide tp·cp·DP"))

    # ----- the grid: mesh × sp × zero × micro-batch × recompute × interleave, by broadcasting -----
    # Each quantity is computed on the axes it depends on and broadcast only when combined, so the
    # work per layout is a few array operations on the full grid.
    M = T.size
    shape = (M, len(sps), len(zeros), len(mbs), len(rcs), len(vs))
    f = np.float64

    def on(values, axis, dtype=None):
        a = np.asarray(values, dtype=dtype)
        return a.reshape([-1 if i == axis else 1 for i in range(len(shape))])

    tp_a, cp_a, pp_a, ep_a, dp_a, etp_a = (on(x, 0) for x in (T, C, P, E, D_, X))
    tp_f, cp_f, pp_f, ep_f, dp_f, etp_f = (x.astype(f) for x in (tp_a, cp_a, pp_a, ep_a, dp_a, etp_a))
    folded_a = on(folded, 0)
    sp_a = on(sps, 1, bool)
    z_a = on(zeros, 2)
    mb_a = on(mbs, 3)
    mb_f = mb_a.astype(f)
    rc_names = np.array(rcs)
    full = on(rc_names == "full", 4)
    mods = [set(recompute_modules(rc)) for rc in rcs]
    module_policy = on([bool(m) for m in mods], 4)
    # the score matmuls run again: "selective", or Megatron-Core's "core_attn" module (with flash attention, the
    # fused kernel's forward once more)
    selective = on([rc == "selective" or "core_attn" in m for rc, m in zip(rcs, mods)], 4)
    up_rerun = on(["mla_up_proj" in m for m in mods], 4)        # MLA's up projections run again
    mlp_module = on(["mlp" in m for m in mods], 4)              # the dense MLP runs again
    shared_rerun = on(["shared_experts" in m for m in mods], 4)  # the shared experts run again
    selop = on(rc_names == "selective-op", 4)
    rerun_elementwise = on(np.isin(rc_names, ("full", "selective-op")), 4)   # every non-matmul op runs again
    v_a = on(vs, 5)
    v_f = v_a.astype(f)
    # duplicates: SP means nothing without TP, interleaving nothing without PP, ZeRO nothing on one replica
    keep = ~(sp_a & (tp_a == 1)) & ~((v_a > 1) & (pp_a == 1)) & ~((z_a > 0) & (dp_a * cp_a == 1))

    # ----- parameters per device (mesh axis) -----
    pb = param_breakdown(cfg)
    L, moe_layers = cfg.L, cfg.moe_layers
    dense_layers = L - moe_layers
    norm_each = pb["norms"] / (L * cfg.norms_per_layer + 1)   # one norm's weights (D, or 2D with a bias)
    norm_per_layer = cfg.norms_per_layer * norm_each             # replicated on every TP rank
    attn_l = pb["attention"] / L
    dense_mlp_l = pb["mlp"] / dense_layers if dense_layers else 0.0
    emb, head = pb["embedding"], pb["lm_head"]
    stage_layers = -(-L // pp_a)
    # Meta's split (Llama 3 paper, §3.3.2: one layer fewer on the first and the last stage) wherever it
    # leaves no stage more layers than the even split: the first stage, which holds the most micro-batches
    # in flight, then holds one layer fewer
    balanced = (pp_a > 2) & (-(-(L + 2) // pp_a) == stage_layers)
    first_layers = np.where(balanced, stage_layers - 1, stage_layers)
    stage_moe = np.minimum(stage_layers, moe_layers)
    stage_dense = stage_layers - stage_moe
    ends = np.where(pp_a == 1, emb + head, max(emb, head)) / tp_f + norm_each   # + the final norm
    p_dense = (stage_dense * (attn_l + dense_mlp_l) + stage_moe * attn_l) / tp_f + ends + stage_layers * norm_per_layer
    p_expert = np.zeros_like(p_dense)
    layer_params_dev = (attn_l + dense_mlp_l) / tp_f + norm_per_layer
    if moe_layers:
        router_l, shared_l, expert_l = (pb[k] / moe_layers for k in ("router", "shared_experts", "experts"))
        p_dense = p_dense + stage_moe * (router_l + shared_l / tp_f)  # router replicated, shared split by TP
        p_expert = stage_moe * expert_l / (etp_f * ep_f)
        layer_params_dev = (attn_l + shared_l) / tp_f + expert_l / (ep_f * etp_f) + router_l + norm_per_layer
    zgroup = dp_f * cp_f          # the data × context parallel ranks
    # ZeRO shards over all of them, or (hybrid sharding, zero_group) over groups of zero_group of them
    # (the largest divisor of DP × CP not above it), the groups holding replicas
    zshard = zgroup if zg_opt is None else np.gcd((dp_a * cp_a).astype(np.int64), zg_opt).astype(f)
    replicas = zgroup / zshard
    egroup = zshard * tp_f / (ep_f * etp_f)   # expert weights: over the replicas of each expert (TP ranks folded in)

    def states(params, group):    # (mesh, zero)
        def shard(stage):
            return np.where(z_a >= stage, group, 1.0)
        return params * (r.weights / shard(3) + r.grads / shard(2) + (r.master + r.optimizer) / shard(1))

    state_bytes = (states(p_dense, zshard) + states(p_expert, np.maximum(egroup, 1.0))
                   + np.where(z_a >= 3, 2 * layer_params_dev * r.weights, 0.0))
    # the weights the layers' linear GEMMs read (attention, MLP, experts; not the norms, router, embedding or head)
    linear_dense = p_dense - ends - stage_layers * norm_per_layer - (stage_moe * router_l if moe_layers else 0.0)
    w_saved = max(float(r.weights) - 1.0, 0.0) if fp8_params else 0.0
    if fp8_params:
        # the model's copy of those weights stored in FP8 (Transformer Engine's fp8_model_init, Megatron-Core's
        # fp8_param_gather): 1 byte a parameter in place of the regime's weights (the fp32 master stays with the
        # optimizer); ZeRO-3's two gathered layers likewise
        state_bytes = state_bytes - w_saved * (linear_dense / np.where(z_a >= 3, zshard, 1.0)
                                               + p_expert / np.where(z_a >= 3, np.maximum(egroup, 1.0), 1.0)
                                               + np.where(z_a >= 3, 2 * layer_params_dev, 0.0))
    dual = st.pipeline == "dualpipe"
    if dual:
        # DualPipe: every device holds two stages, its own and the mirror one (deepseek-ai/DualPipe README: "2×"
        # parameters per device), states and all. Rank 0 holds the first and the last stage, so the embedding and the
        # head, each stage with first_layers layers (the split below); every other rank two stages of stage_layers
        # layers and neither end. ZeRO-3's two gathered layers are not doubled (one stage computes at a time)
        z3_gathered = np.where(z_a >= 3, 2 * layer_params_dev * (r.weights - w_saved), 0.0)
        ends_states = states(ends, zshard)
        layer_states = (state_bytes - ends_states - z3_gathered) / stage_layers
        dual_states = {"rank0": 2 * first_layers * layer_states + 2 * ends_states + z3_gathered,
                       "middle": 2 * stage_layers * layer_states + z3_gathered}
        rank_states = np.where(pp_a > 1, np.maximum(dual_states["rank0"], dual_states["middle"]), state_bytes)
    else:
        rank_states = state_bytes   # the heaviest rank's model states (what its optimizer step reads and writes)

    # ----- activations: per-layer bytes of one sequence at seq_len s (no CP), from llmcalc.memory -----
    if "selective-op" in rcs and (cfg.is_moe or cfg.uses_mla):
        raise ValueError("recompute='selective-op' (torchtitan's per-op policy) is modelled for dense models with "
                         f"plain multi-head or grouped-query attention; {cfg.name or 'cfg'} has "
                         f"{'experts' if cfg.is_moe else 'latent attention'}: use 'none', 'selective' or 'full'")

    def dropped(rc, name):
        """Whether Megatron-Core's module policy ``rc`` discards tensor ``name`` (recomputed in the backward pass):
        "layernorm" the norms' outputs (the linear inputs after them), "moe_act" the experts' activation output,
        "mla_up_proj" the full-width queries, keys and values, "mlp" the dense MLP's tensors, "shared_experts" the
        shared experts' ("core_attn": the score tensors, left out by the breakdown's "selective")."""
        m = recompute_modules(rc)
        return (("layernorm" in m and name in ("qkv_input", "mlp_input"))
                or ("moe_act" in m and name in ("expert_silu_gate", "expert_product", "expert_gelu_output"))
                or ("mla_up_proj" in m and name in ("query", "key", "value", "q_latent_norm", "kv_latent_norm"))
                or ("mlp" in m and name in ("gate", "up", "silu_gate", "product", "gelu_input", "gelu_output"))
                or ("shared_experts" in m and name.startswith("shared_")))

    breakdowns = {}   # (tp, sp, the breakdown's own policy) -> its tensors, each computed once per search

    def breakdown(t, spj, rc):
        base = "none" if rc == "selective-op" else rc
        if recompute_modules(rc):
            base = "selective" if "core_attn" in recompute_modules(rc) else "none"
        if (t, spj, base) not in breakdowns:
            parts = layer_activation_breakdown(cfg, 1, s, tp=t, sp=spj, recompute=base, flash_attention=flash,
                                               moe_layer=bool(moe_layers))
            parts = {name: x for name, x in parts.items() if not (fused_swiglu and name.endswith("silu_gate"))}
            if cfg.uses_mla:
                # MLA's latents: the down projections' outputs (the latent norms' inputs; the key's rotary part
                # with the key-value one) and the latent norms' outputs (the up projections' inputs), split so that
                # "mla_up_proj" can drop the second: Megatron-Core's layer spec fuses the latent norms into the up
                # projections (gpt_layer_specs.py: column_parallel_layer_norm_linear, q_layernorm=IdentityOp), which
                # its "mla_up_proj" checkpoint reruns from the latents; DeepSeek-V3 recomputes "all RMSNorm operations"
                c, rope = cfg.kv_lora_rank, cfg.qk_rope_head_dim
                if "q_latent" in parts:
                    parts["q_latent_norm"] = parts["q_latent"] * Fraction(1, 2)
                    parts["q_latent"] = parts["q_latent"] * Fraction(1, 2)
                if "kv_latent" in parts:   # (a whole-layer recompute keeps neither)
                    kv = parts["kv_latent"]
                    parts["kv_latent"] = kv * Fraction(c + rope, 2 * c + rope)
                    parts["kv_latent_norm"] = kv * Fraction(c, 2 * c + rope)
            breakdowns[t, spj, base] = parts
        return dict(breakdowns[t, spj, base])

    def rerun_bytes(t, spj, rc):
        """Bytes of the tensors a module policy discards: its recompute writes them again (and reads its inputs)."""
        return float(sum(x for name, x in breakdown(t, spj, rc).items() if dropped(rc, name)))

    def layer_bytes(t, spj, rc, saved=False):
        parts = breakdown(t, spj, rc)
        if saved and fp8:
            # FP8 (Transformer Engine): a linear layer keeps its input for the weight gradient as the FP8 tensor it
            # cast (1 byte a value, not 2); the norm outputs and the MLP's down-projection inputs are kept only
            # for their linear, so they shrink to half; the attention output is kept in bf16 by the attention
            # kernel and once more in FP8 by the output projection (× 1.5)
            for name in list(parts):
                if name in FP8_SAVED_INPUTS or name.endswith(("_product", "_gelu_output")) or name == "expert_inputs":
                    parts[name] = parts[name] / 2
                elif name == "out_proj_input":
                    parts[name] = parts[name] * (Fraction(3, 4) if st.fp8_activation_cache else Fraction(3, 2))
                elif st.fp8_activation_cache and name in ("expert_gate", "expert_up", "shared_gate", "shared_up"):
                    parts[name] = parts[name] / 2
        if rc == "selective-op":
            # torchtitan's op-level policy keeps the layer input, the outputs of the odd-numbered matmuls (query,
            # value, gate or fc1, and the down projection's output, as wide as the MLP's input) and the attention
            # kernel's outputs; everything else is recomputed
            return float(sum(parts.get(name, 0) for name in SELECTIVE_OP_KEPT) + parts["mlp_input"])
        if saved and st.moe_probs_in_activation:
            parts.pop("expert_outputs", None)   # the combine is a plain sum: nothing of it kept
        return float(sum(x for name, x in parts.items() if not dropped(rc, name)))

    kept = np.array([[[layer_bytes(t, spj, rc, saved=True) for rc in rcs] for spj in sps] for t in tps])
    whole = np.array([[layer_bytes(t, spj, "none") for spj in sps] for t in tps])
    rerun = np.array([[[rerun_bytes(t, spj, rc) for rc in rcs] for spj in sps] for t in tps])
    sp_idx = np.arange(len(sps)).reshape(1, -1, 1, 1, 1, 1)
    rc_idx = np.arange(len(rcs)).reshape(1, 1, 1, 1, -1, 1)
    ti = on(tpi, 0)
    per_layer = kept[ti, sp_idx, rc_idx] * mb_f / cp_f                       # (M, S, 1, B, R, 1)
    # the norm inputs stay stored (fp32 copies with norm_fp32; DTensor's SP keeps the norm outputs whole) unless the
    # layer is recomputed whole or per op; Megatron-Core's "layernorm" module drops the outputs, not the inputs
    norms_kept = on([rc in ("none", "selective") or bool(m) for rc, m in zip(rcs, mods)], 4)
    norm_outputs_kept = on([rc in ("none", "selective") or (bool(m) and "layernorm" not in m)
                            for rc, m in zip(rcs, mods)], 4)
    tokens_stream = mb_f * (s / cp_f) / np.where(sp_a, tp_f, 1.0)          # the residual stream's tokens per rank
    if norm_fp32:   # two norms per layer: fp32 input (+2D over bf16), 1/rms (4), normalised bf16 (2D), each
        # (the "layernorm" module recomputes the 1/rms and the normalised tensor: only the inputs' fp32 excess stays)
        per_layer = per_layer + np.where(norms_kept, tokens_stream * np.where(norm_outputs_kept, 8.0 * cfg.D + 8.0,
                                                                              4.0 * cfg.D), 0.0)
    rebuilt = np.where(full, whole[ti, sp_idx] * mb_f / cp_f, 0.0)           # full recompute: one layer rebuilt
    m_a = np.where(seqs % dp_a == 0, seqs // dp_a, 0) // mb_a                 # micro-batches per replica
    # micro-batches in flight on pipeline rank r at the peak (Megatron-LM, megatron/core/pipeline_parallel/
    # schedules.py): 1F1B min(PP − r, m); interleaved with v chunks, in chunk-micro-batches,
    # min(2(PP − r − 1) + (v − 1)·PP + 1, m·v) (every forward first when m = PP), each chunk 1/v of the stage's
    # layers. For m large the first rank holds PP·(1 + (PP − 1)/(PP·v)) micro-batches of its layers (Korthikanti
    # et al. 2022); for m ≤ PP no more than 1F1B's m. The first rank is the heaviest, or the second when the first
    # holds one layer fewer (Meta's split)
    mpos = np.maximum(m_a, 1)

    def inflight_layers(r, layers):
        one_f_one_b = np.minimum(pp_a - r, mpos) * layers
        chunks = np.minimum(2 * (pp_a - r - 1) + (v_a - 1) * pp_a + 1, mpos * v_a)
        return np.where(pp_a > 1, np.where(v_a > 1, chunks * layers / v_f, one_f_one_b), layers)

    held = np.maximum(inflight_layers(0, first_layers), np.where(pp_a > 1, inflight_layers(1, stage_layers), 0))
    stage_acts = stage_layers * per_layer
    # one fp32 copy of the logits, split over TP by a vocabulary-parallel loss (else every TP rank holds all V)
    logits = mb_f * (s / cp_f) * cfg.V / (tp_f if loss_parallel else 1.0) * 4.0
    acts = np.maximum(held * per_layer, stage_acts + logits) + rebuilt
    memory = state_bytes + acts
    # Transformer Engine keeps an FP8 copy of each local layer weight and its transpose across the micro-batches
    # of a step (1 + 1 bytes per parameter); under ZeRO-3 only the two gathered layers have one. Activations are
    # counted in bf16 as without FP8 (TE may keep FP8 copies of some linear inputs instead: an upper bound)
    # (fp8_params: the weight itself is that FP8 copy, so only its transpose is added: 1 byte a parameter)
    fp8_copies = (1.0 if fp8_params else 2.0) if fp8 else 0.0

    def fp8_weight_bytes(layers):
        return fp8_copies * np.where(z_a >= 3, 2.0 * layer_params_dev, layers * layer_params_dev)

    if dual:
        # DualPipe: PP + 1 micro-batches of a stage's activations at the peak (deepseek-ai/DualPipe README,
        # "Activation Per Device": PP + 1), of first_layers layers on rank 0, which also computes the loss (its
        # logits added), of stage_layers on the others; each rank's states, activations and FP8 weight copies
        # summed, the heavier rank taken
        inflight = np.minimum(pp_a + 1, mpos)
        rank0 = (dual_states["rank0"] + inflight * first_layers * per_layer + logits
                 + fp8_weight_bytes(2 * first_layers))
        middle = (dual_states["middle"] + inflight * stage_layers * per_layer + fp8_weight_bytes(2 * stage_layers))
        dual_memory = np.maximum(rank0, middle) + rebuilt
        memory = np.where(pp_a > 1, dual_memory, memory)
    if st.fsdp2_memory and not (cfg.is_moe or cfg.uses_mla):
        # PyTorch FSDP2 + DTensor (torchtitan): one rank's peak in the closed form of
        # llmcalc.memory.fsdp2_bytes_per_device (checked against torch's FSDPMemTracker, docs/rank-memory.md), for
        # layouts without pipeline parallelism whose ZeRO stage FSDP2 has (3: reshard after forward, 2: not);
        # "amp" where the regime keeps an fp32 master (4-byte shards, gradients and moments), else bf16 (2 bytes).
        # What a layer keeps: the planner's per-layer tensors with SP as DTensor does it, or its input (full)
        # DTensor's SP keeps the two gathered linear inputs (qkv's and the MLP's, 2D bytes per token each) whole
        # on every rank, where Korthikanti et al.'s SP (the per-layer model above) splits them over TP
        whole_inputs = np.where(sp_a & norm_outputs_kept, 4.0 * cfg.D * mb_f * (s / cp_f) * (1.0 - 1.0 / tp_f), 0.0)
        kept_f = np.where(full, 2.0 * cfg.D * tokens_stream, per_layer + whole_inputs)
        # (its weight bytes are its own: fp8_params saves nothing here but the FP8 copy below, an upper bound)
        moments = _fsdp2_terms(cfg, mb_f, s / cp_f, zshard, tp_f, sp_a, z_a >= 3, r.master > 0, full, loss_parallel,
                               kept=kept_f, xp=np)
        fsdp2_peak = np.maximum.reduce([np.broadcast_to(m["total"], shape) for m in moments.values()])
        memory = np.where((pp_a == 1) & (z_a >= 2) & (zshard > 1), fsdp2_peak, memory)
    # (DualPipe's ranks above hold their FP8 copies already)
    memory = memory + np.where(dual & (pp_a > 1), 0.0, fp8_weight_bytes(stage_layers))
    usable = c.hbm_bytes * (1 - headroom)

    # ----- compute per micro-batch on the heaviest stage -----
    fb = forward_flops_breakdown(cfg, 1, s, causal=causal)
    score_l = fb["attention_scores"] / L
    proj_l = fb["attention_proj"] / L
    mlp_l = fb["mlp"] / dense_layers if dense_layers else 0.0
    router_l, shared_fl, experts_fl = ((fb["router"] / moe_layers, fb["shared_experts"] / moe_layers,
                                        fb["experts"] / moe_layers) if moe_layers else (0.0, 0.0, 0.0))
    head_fwd = fb["lm_head"]
    attn_fl = proj_l + score_l
    dense_fl = attn_fl + mlp_l
    moe_fl = attn_fl + router_l + shared_fl + experts_fl
    head_train = 3.0 * head_fwd
    model_seq = 3.0 * sum(fb.values())  # model FLOPs of one sequence (what MFU counts)

    # selective-op recomputes the even-numbered matmuls of a layer: the key and output projections (half the
    # projection FLOPs: (K + N)·H·D of (2N + 2K)·H·D) and the MLP's up projection (gated: a third of it) or fc2
    # (plain: half)
    mlp_rerun = 1.0 / 3.0 if cfg.mlp == "gated" else 0.5
    selop_l = 0.5 * proj_l + mlp_rerun * mlp_l + (0.0 if flash else score_l)   # eager scores are not saved either

    # Megatron-Core's module policies run their modules' forward matmuls once more: "mla_up_proj" the query and
    # key-value up projections (q_lora_rank → N·(nope + rope), kv_lora_rank → N·(nope + v)), "mlp" a dense layer's MLP,
    # "shared_experts" a MoE layer's shared experts ("core_attn": the score matmuls, as "selective");
    # "layernorm" and "moe_act" are elementwise (their HBM traffic below)
    up_l = (2.0 * s * cfg.N * ((cfg.q_lora_rank or 0) * cfg.qk_head_dim + cfg.kv_lora_rank * (cfg.qk_nope_head_dim
                                                                                               + cfg.v_dim))
            if cfg.uses_mla else 0.0)

    def train_layer(fwd, module_extra):  # (R)
        return np.where(full, 4.0 * fwd, 3.0 * fwd + np.where(selective, score_l, 0.0) + np.where(selop, selop_l, 0.0)
                        + np.where(up_rerun, up_l, 0.0) + module_extra)

    dense_train = train_layer(dense_fl, np.where(mlp_module, mlp_l, 0.0))
    moe_train = train_layer(moe_fl, np.where(shared_rerun, shared_fl, 0.0))
    hw_seq = dense_layers * dense_train + moe_layers * moe_train + head_train
    last_layers = np.maximum(0, L - (pp_a - 1) * stage_layers)
    last_layers = np.where(balanced, np.minimum(last_layers, stage_layers - 1), last_layers)
    passes_mult = np.where(full, 4.0, 3.0)                        # (R): forward, backward (2), recompute
    score_mult = passes_mult + np.where(selective | (selop & (not flash)), 1.0, 0.0)
    # FlashAttention's backward pass recomputes the scores S = QKᵀ (one of the forward's two matmuls) before its four
    # gradient matmuls: 2.5 forwards' worth of matmul work, not 2 (flash-attention's benchmarks/
    # benchmark_flash_attention.py counts "bwd" as 2.5 × the forward FLOPs and "fwd_bwd" as 3.5 ×, the count its
    # published rates, llmcalc.kernels' attention_fraction, are measured in). The calibrated prediction charges that
    # executed work at the published rate; the ideal bound, the model's FLOPs at peak, does not. Time only: MFU and HFU
    # count no kernel's internal recompute
    flash_rework = FLASH_BACKWARD_FORWARDS - 2.0 if flash else 0.0

    # Kernel efficiency (calibrated): each GEMM at the fitted matmul fraction × the share of the chip its
    # shape keeps busy (forward, input-gradient and weight-gradient shapes averaged), attention kernels at
    # the chip's published rate (llmcalc.kernels); ideal: every matmul at compute_efficiency × peak.
    kr = _k.rates(c)
    tok = mb_f * s / cp_f                                           # tokens a rank's GEMMs see per micro-batch
    tpv = tp_f

    def q3(rows, inner, outer):  # tile/wave share averaged over the three GEMMs of a training pass (calibrated)
        qf = _k.gemm_shape_efficiency(c, rows, outer)      # forward: tokens × output width
        qd = _k.gemm_shape_efficiency(c, rows, inner)      # input gradient: tokens × input width
        qw = _k.gemm_shape_efficiency(c, inner, outer)     # weight gradient: the weight's shape
        return 3.0 / (1.0 / qf + 1.0 / qd + 1.0 / qw)

    gated = 2.0 if cfg.mlp == "gated" else 1.0

    def unit_share(rows, inner, outer):
        return 1.0

    def stage_seconds(eta, eta_attn, q3f, g8, rework=0.0):
        """Seconds × peak of the heaviest stage per sequence (divided by TP × CP below): each GEMM kind at
        ``eta`` × the share of the chip its shape keeps busy (``q3f``), the transformer layers' linear GEMMs
        ``g8`` times faster (FP8: the FP8 peak over the bf16 peak, × the FP8 GEMM share when calibrated), the
        attention scores at ``eta_attn`` and the LM head in bf16."""
        if cfg.uses_mla:
            q_proj = q3f(tok, cfg.D, cfg.D / tpv)
        else:
            w_qkv, w_o = (cfg.N + 2 * cfg.K) * cfg.H, cfg.N * cfg.H
            q_qkv, q_o = q3f(tok, cfg.D, w_qkv / tpv), q3f(tok, w_o / tpv, cfg.D)
            q_proj = (w_qkv + w_o) / (w_qkv / q_qkv + w_o / q_o)
        q_mlp = (q3f(tok, cfg.D, gated * cfg.F / tpv) * q3f(tok, cfg.F / tpv, cfg.D)) ** 0.5 if dense_layers else 1.0
        q_head = q3f(tok, cfg.D, cfg.V / tpv)
        e_proj, e_mlp = eta * q_proj * g8, eta * q_mlp * g8
        attn_t = (passes_mult * proj_l / e_proj + (score_mult + rework) * score_l / eta_attn
                  + np.where(up_rerun, up_l / e_proj, 0.0))
        dense_t = attn_t + (passes_mult + np.where(mlp_module, 1.0, 0.0)) * mlp_l / e_mlp
        if "selective-op" in rcs:
            dense_t = dense_t + np.where(selop, 0.5 * proj_l / e_proj + mlp_rerun * mlp_l / e_mlp, 0.0)
        if moe_layers:
            # tokens per local expert (balanced routing): a rank's share of the tokens, tok / TP, from each of the
            # EP × ETP ranks of its expert group; each expert split over ETP ranks
            tok_e = tok / tpv * cfg.k * ep_f * etp_f / cfg.E
            q_e = (q3f(tok_e, cfg.D, gated * cfg.F_expert / etp_f) * q3f(tok_e, cfg.F_expert / etp_f, cfg.D)) ** 0.5
            # the router stays in bf16 (a D × E GEMM kept in high precision), shared and routed experts in FP8
            moe_t = (attn_t + passes_mult * (router_l / (eta * q_mlp) + shared_fl / e_mlp + experts_fl / (eta * q_e * g8))
                     + np.where(shared_rerun, shared_fl / e_mlp, 0.0))
        else:
            moe_t = dense_t
        head_t = head_train / (eta * q_head)
        heaviest_t = np.where(stage_moe > 0, moe_t, dense_t)
        all_t = dense_layers * dense_t + moe_layers * moe_t + head_t
        return np.where(pp_a == 1, all_t, np.maximum(stage_layers * heaviest_t, last_layers * heaviest_t + head_t))

    # FP8 (fp8=True): the transformer layers' linear GEMMs at the chip's FP8 peak (Transformer Engine's recipe;
    # attention scores, the router and the LM head stay in bf16); calibrated, at the fitted matmul fraction × the
    # chip's published FP8-to-bf16 GEMM share (llmcalc.kernels.KernelRates.fp8_gemm_share)
    r8 = c.peak_fp8_flops / c.peak_flops if fp8 else 1.0
    cast_mb = _fp8_cast_bytes(cfg, tp_f, tok, stage_moe, stage_layers, full) / c.hbm_bytes_per_s if fp8 else 0.0
    if calibrated:
        eta = _k.FITTED["matmul_fraction"]
        eta_attn = (kr.attention_fraction or eta) if flash else eta
        stage_t = stage_seconds(eta, eta_attn, q3, r8 * ((kr.fp8_gemm_share or 1.0) if fp8 else 1.0),
                                flash_rework if (flash and kr.attention_fraction) else 0.0)
    else:
        stage_t = stage_seconds(eff, eff, unit_share, r8)
    compute_mb = mb_f * stage_t / (tp_f * cp_f) / c.peak_flops    # (M, 1, 1, B, R, 1)
    if calibrated and moe_layers and st.comm_units and c.kind == "gpu" and kr.units > st.comm_units:
        # the communication kernels hold comm_units of the GPU's streaming multiprocessors while they overlap
        # compute (DeepSeek-V3: 20 of the H800's 132); the GEMMs and attention run on the rest
        compute_mb = compute_mb * np.where(ep_a > 1, kr.units / (kr.units - st.comm_units), 1.0)
    # the ideal bound of the same layout: every matmul at its precision's peak, links at line rate, no latency
    compute_mb_ideal = mb_f * stage_seconds(1.0, 1.0, unit_share, r8) / (tp_f * cp_f) / c.peak_flops

    # ----- communication per micro-batch (llmcalc.kernels.collective_time: hierarchical, g NICs) -----
    bpv = 2.0  # bf16 activations and weights on the wire
    act_msg = mb_f * (s / cp_f) * cfg.D * bpv
    tp_span, cp_span, dp_span = tp_a, tp_a * cp_a, tp_a * cp_a * dp_a
    # an expert group: EP ranks TP × CP apart (ETP = TP), or folded, ETP × EP neighbouring ranks
    ep_span = np.where(folded_a, etp_a * ep_a, tp_a * cp_a * ep_a)
    kv_width = (float(cfg.kv_lora_rank + cfg.qk_rope_head_dim) if cfg.uses_mla
                else 2.0 * cfg.H * np.maximum(cfg.K / tp_f, 1.0))
    g_bytes = float(r.grads or 2)
    shard_span = tp_a * zshard                     # the DP × CP ranks of a shard group sit above TP

    def comms(ideal_links):
        ct = lambda nbytes, size, span, kind: _k.collective_time(c, nbytes, size, span, kind=kind, ideal=ideal_links)
        tp_l = np.where(full, 6.0, 4.0) * ct(act_msg, tp_f, tp_span, "all_reduce")
        cp_l = np.where(full, 4.0, 3.0) * ct(mb_f * s * kv_width * bpv, cp_f, cp_span, "all_gather")
        if moe_layers:
            # per MoE layer: dispatch and combine forward, their gradients backward (+ dispatch and combine again
            # with full recompute); the dispatch direction in FP8 (+ one fp32 scale per 128 values) where the stack
            # dispatches FP8, the combine direction in bf16
            tokens_d = act_msg / bpv * etp_f / tp_f         # one copy of the rank's tokens (its 1/TP share when folded)
            b_disp = 1.0 + 4.0 / 128.0 if (fp8 and st.fp8_dispatch) else bpv
            if st.ep_dispatch == "per-node":
                a2a = lambda b: _k.node_dispatch_time(c, tokens_d * b, ep_f, ep_span, k=cfg.k, E=cfg.E,
                                                      groups=cfg.routing_groups, groups_per_token=cfg.groups_per_token,
                                                      ideal=ideal_links)
            else:
                a2a = lambda b: ct(tokens_d * b * cfg.k, ep_f, ep_span, "all_to_all")
            ep_l = np.where(full, 3.0, 2.0) * (a2a(b_disp) + a2a(bpv))
        else:
            ep_l = np.zeros((1,) * len(shape))
        bus = 1.0 if ideal_links else kr.fast_bus_fraction
        w_pp = np.where(dp_span * pp_a <= c.fast_domain, c.fast_link_one_way * bus,
                        c.slow_link_one_way * (1.0 if ideal_links else kr.slow_bus_fraction))
        # pipeline sends, forward and backward, v a micro-batch: with SP each TP rank holds and sends 1/TP of the
        # tensor; without it the whole, or (scatter/gather) its 1/TP share and the next stage all-gathers the rest
        # over its TP group
        if st.pp_scatter_gather:
            split = tp_f
            regather = np.where(sp_a, 0.0, ct(act_msg, tp_f, tp_span, "all_gather"))
        else:
            split, regather = np.where(sp_a, tp_f, 1.0), 0.0
        p2p = np.where(pp_a > 1, 2.0 * v_f * (act_msg / split / w_pp + regather), 0.0)
        # data parallel: dense gradients over the shard group, each expert's over its replicas only
        rs = (ct(p_dense * g_bytes, zshard, shard_span, "reduce_scatter")
              + ct(p_expert * g_bytes, np.maximum(egroup, 1.0), shard_span, "reduce_scatter"))
        # (fp8_params: the linear weights gathered in FP8, 1 byte a parameter)
        ag = (ct(p_dense * r.weights - linear_dense * w_saved, zshard, shard_span, "all_gather")
              + ct(p_expert * (r.weights - w_saved), np.maximum(egroup, 1.0), shard_span, "all_gather"))
        ar = (ct(p_dense * g_bytes, zshard, shard_span, "all_reduce")
              + ct(p_expert * g_bytes, np.maximum(egroup, 1.0), shard_span, "all_reduce"))
        cross = ct(p_dense * g_bytes / zshard, replicas, dp_span, "all_reduce")
        return tp_l, cp_l, ep_l, p2p, rs, ag, ar, cross

    def step_time(cmb, links_ideal):
        tp_l, cp_l, ep_l, p2p, rs, ag, ar, cross = comms(links_ideal)
        tp_mb, cp_mb, ep_mb = stage_layers * tp_l, stage_layers * cp_l, stage_moe * ep_l
        # a stack that overlaps collectives runs them beside the micro-batch's compute, each on its own link at the
        # same time (ZeRO-3's two gathers and reduce-scatter of every micro-batch among them, prefetched): the
        # micro-batch is exposed only for what the longest of them exceeds the compute by. One compute hides them
        # all once, not once each, so a longer compute never gives a longer step. The reported parts charge that
        # excess to each collective in proportion to its own excess (_frame, for the rows returned only)
        z3_mb = np.where(z_a >= 3, 2.0 * ag + rs, 0.0) if 3 in zeros else None
        hidden = (tp_mb if st.tp else None, cp_mb if st.cp else None, p2p if st.pp else None, z3_mb,
                  ep_mb if (st.ep and moe_layers) else None)
        live = [x for x in hidden if x is not None]
        overlap = np.maximum(functools.reduce(np.maximum, live) - cmb, 0.0) if live else 0.0
        tp_x = 0.0 if st.tp else tp_mb
        cp_x = 0.0 if st.cp else cp_mb
        p2p_x = 0.0 if st.pp else p2p
        # non-matmul work (norms, activations, softmax, residuals) is bound by HBM: every stored activation
        # crosses HBM `passes` times a step (+2 with full recompute); fitted, see llmcalc.kernels.FITTED
        # (a module policy: +2 over the tensors it discards, written again from the inputs it read)
        elementwise_mb = ((passes + np.where(rerun_elementwise, 2.0, 0.0)) * stage_layers * whole[ti, sp_idx] * mb_f / cp_f
                          / c.hbm_bytes_per_s)
        if module_policy.any():
            elementwise_mb = elementwise_mb + 2.0 * stage_layers * rerun[ti, sp_idx, rc_idx] * mb_f / cp_f / c.hbm_bytes_per_s
        elementwise_mb = elementwise_mb + cast_mb     # FP8: the casts of every linear GEMM's operands
        ep_x = 0.0 if st.ep else ep_mb
        t_mb = cmb + elementwise_mb                   # (summed in place: the grid's largest arrays)
        for part in (tp_x, cp_x, ep_x, p2p_x, overlap):
            t_mb = _add_into(t_mb, part)
        mm = np.maximum(m_a, 1).astype(f)
        if dual:
            # DualPipe: (PP/2 − 1)(F&B + B − 3W), F&B (a forward and a backward chunk overlapped) = F + B with the
            # communication hidden; by FLOPs F : B : W = 1 : 2 : 1 (+1 in B with full recompute), so the bubble is
            # (PP/2 − 1) · (2 + 2·full)/(3 + full) micro-batch times
            bubble = t_mb * np.maximum(pp_f / 2.0 - 1.0, 0.0) * np.where(full, 1.0, 2.0 / 3.0)
        else:
            bubble = t_mb * (pp_f - 1) / v_f
        pipe = _add_into(t_mb * mm, bubble)
        # ZeRO-3: gathers twice and reduce-scatters every micro-batch, prefetched beside its compute;
        # ZeRO 0-2: the reduce-scatter (all-reduce) beside the last micro-batch's backward pass, the gather
        # beside the first forward pass (or after the optimizer step), the cross-replica all-reduce of
        # hybrid sharding with the backward pass or after it, as the stack does
        back = cmb * 2.0 / 3.0
        grad = np.where(z_a == 0, ar, rs) + (cross if st.cross_replica else 0.0)
        gather = np.where(z_a == 0, 0.0, ag)
        z12 = (np.maximum(0.0, grad - back)
               + (np.maximum(0.0, gather - cmb / 3.0) if st.dp_gather else gather)
               + (0.0 if st.cross_replica else cross))
        dp_exposed = np.where(z_a >= 3, 0.0 if st.cross_replica else cross, z12)   # + ZeRO-3's share of `overlap`
        optimizer = 2.0 * rank_states / c.hbm_bytes_per_s
        if fp8:   # once a step, each local layer weight read in bf16 and written as FP8 and its transpose
            # (fp8_params: the optimizer writes the FP8 weight itself; its transpose is read and written, 2 bytes)
            optimizer = optimizer + (2.0 if fp8_params else 4.0) * stage_layers * layer_params_dev / c.hbm_bytes_per_s
        step = _add_into(pipe + dp_exposed, optimizer)
        return dict(step=step, pipe=pipe, bubble=bubble, dp=dp_exposed, opt=optimizer, mm=mm,
                    elem=elementwise_mb, tp=tp_x, cp=cp_x, ep=ep_x, p2p=p2p_x, overlap=overlap, hidden=hidden,
                    cmb=cmb)

    main = step_time(compute_mb, not calibrated)
    step = main["step"]
    mm = main["mm"]
    if calibrated:
        step_ideal = step_time(compute_mb_ideal, True)["step"]
    else:
        step_ideal = step
    # MFU and HFU are computed by _frame for the rows it returns only (the same expressions, on fewer layouts)
    utilisation = dict(model_seq=model_seq, hw_seq=hw_seq, seqs=seqs, n=n, peak=c.peak_flops)

    # ----- rejections, first failing check -----
    reason = np.where(seqs % dp_a != 0, 1,
             np.where((seqs // dp_a) % mb_a != 0, 2,
             np.where((v_a > 1) & ((m_a < pp_a) | (stage_layers < v_a)), 3,
             np.where(memory > usable, 4, 0)))).astype(np.int8)
    if dual:
        bad = (pp_a > 1) & (((pp_a % 2) != 0) | (v_a > 1) | ((m_a % 2) != 0) | (m_a < 2 * pp_a))
        reason = np.where((reason == 0) | (reason == 4), np.where(bad, 5, reason), reason).astype(np.int8)

    return dict(
        shape=shape, keep=np.broadcast_to(keep, shape).ravel(), chip=c, seqs=seqs, usable=usable, bt=bt,
        tp=tp_a, sp=sp_a, cp=cp_a, pp=pp_a, interleave=v_a, dp=dp_a, ep=ep_a, etp=etp_a, zero=z_a, micro_batch=mb_a,
        microbatches=m_a, recompute=on(rc_names, 4), memory=memory, step_s=step, utilisation=utilisation,
        compute_s=compute_mb * mm, elementwise_s=main["elem"] * mm, tp_comm_s=main["tp"] * mm,
        cp_comm_s=main["cp"] * mm, ep_comm_s=main["ep"] * mm, pp_p2p_s=main["p2p"] * mm, bubble_s=main["bubble"],
        dp_exposed_s=main["dp"], optimizer_s=main["opt"], step_s_ideal=step_ideal,
        reason=reason, stack=st.name, calibrated=calibrated,
        overlap=(main["overlap"] * mm if np.ndim(main["overlap"]) else np.zeros(1), main["hidden"], main["cmb"]),
        spans=dict(tp=(tp_a, tp_span), cp=(cp_a, cp_span), dp=(zshard, shard_span), pp=(pp_a, dp_span * pp_a)),
    )


def _add_into(total: np.ndarray, part) -> np.ndarray:
    """``total + part``, written into ``total`` (a fresh array of the caller's) when the sum keeps its shape."""
    if np.ndim(part) == 0 and part == 0:
        return total
    if np.broadcast(total, part).shape == total.shape:
        return np.add(total, part, out=total)
    return total + part


def _fp8_cast_bytes(cfg: ModelConfig, tp, tokens, stage_moe, stage_layers, full):
    """HBM bytes one rank moves per micro-batch to cast the heaviest stage's linear GEMM operands to FP8
    (Transformer Engine's recipe, unfused: an upper bound where a norm or activation kernel writes FP8 itself).
    Each linear y = x·W casts its input x in the forward pass and the gradient dy in the backward pass: read
    in bf16 (2 bytes), written in FP8 and as the transposed FP8 copy the weight-gradient GEMM needs (1 + 1):
    4 bytes per element. Per token and layer a TP rank's linears see, as input widths (forward) and output
    widths (backward):
    - attention, grouped-query: qkv D → (N + 2K)·H/TP, output N·H/TP → D; latent (MLA): q D → r_q → N·d_qk/TP
      (or D → N·d_qk/TP), kv D → r_kv + d_rope → N·(d_nope + d_v)/TP, output N·d_v/TP → D;
    - a dense MLP: D → g·F/TP, F/TP → D (g = 2 gated, 1 plain); a MoE layer the same for each of the k routed
      experts (width F_expert) and the shared experts (width F_shared); the router stays in bf16.
    Full recompute casts the forward operands again. ``tp``, ``tokens`` (per rank and micro-batch),
    ``stage_moe``, ``stage_layers`` and ``full`` broadcast (numpy arrays)."""
    D, N, g = cfg.D, cfg.N, (2.0 if cfg.mlp == "gated" else 1.0)
    if cfg.uses_mla:
        qk = cfg.qk_nope_head_dim + cfg.qk_rope_head_dim
        rq, rkv = cfg.q_lora_rank, cfg.kv_lora_rank
        q_in, q_out = ((D + rq, rq + N * qk / tp) if rq else (D, N * qk / tp))
        attn_in = q_in + D + rkv + N * cfg.v_head_dim / tp
        attn_out = q_out + (rkv + cfg.qk_rope_head_dim) + N * (cfg.qk_nope_head_dim + cfg.v_head_dim) / tp + D
    else:
        attn_in = D + N * cfg.H / tp
        attn_out = (N + 2 * cfg.K) * cfg.H / tp + D

    def mlp(width, copies=1.0):
        return copies * (D + width / tp), copies * (g * width / tp + D)

    dense_in, dense_out = mlp(cfg.F)
    if cfg.is_moe:
        r_in, r_out = mlp(cfg.F_expert, float(cfg.k))
        s_in, s_out = mlp(cfg.F_shared) if cfg.F_shared else (0.0, 0.0)
        moe_in, moe_out = r_in + s_in, r_out + s_out
    else:
        moe_in, moe_out = dense_in, dense_out
    fwd = attn_in + np.where(stage_moe > 0, moe_in, dense_in)
    bwd = attn_out + np.where(stage_moe > 0, moe_out, dense_out)
    return 4.0 * tokens * stage_layers * (fwd * np.where(full, 2.0, 1.0) + bwd)


def _frame(res: dict, rows: np.ndarray):
    import pandas as pd

    shape, c = res["shape"], res["chip"]
    at = np.unravel_index(rows, shape)

    def take(a):
        return np.broadcast_to(a, shape)[at]

    # the exposed excess of the overlapped collectives (res["overlap"]: per step, the collectives, the compute
    # beside them), charged to each in proportion to its own excess over the compute
    over, hidden, cmb = res["overlap"]
    over = take(over)
    extra = {}
    if over.any():
        cmb = take(cmb)
        excess = [None if x is None else np.maximum(take(x) - cmb, 0.0) for x in hidden]
        total = sum(x for x in excess if x is not None)
        scale = over / np.where(total > 0, total, 1.0)
        names = ("tp_comm_s", "cp_comm_s", "pp_p2p_s", "dp_exposed_s", "ep_comm_s")
        extra = {name: x * scale for name, x in zip(names, excess) if x is not None}

    data = {}
    u = res["utilisation"]
    for name in COLUMNS:
        if name in ("mfu", "hfu", "mfu_ideal"):
            flops = u["hw_seq"] if name == "hfu" else u["model_seq"]
            step_rows = take(res["step_s_ideal" if name == "mfu_ideal" else "step_s"])
            data[name] = take(flops) * u["seqs"] / (u["n"] * u["peak"] * step_rows)
        elif name == "memory_gib":
            data[name] = take(res["memory"]) / 2**30
        elif name == "fits":
            data[name] = take(res["memory"]) <= res["usable"]
        elif name == "tokens_per_s":
            data[name] = res["bt"] / take(res["step_s"])
        elif name.endswith("_link"):
            size, span = res["spans"][name[:-5]]
            data[name] = _link_names(c, take(size), take(span))
        elif name == "rejected":
            data[name] = np.array(REASONS, dtype=object)[take(res["reason"])]
        else:
            data[name] = take(res[name]) + extra[name] if name in extra else take(res[name])
    return pd.DataFrame(data)


@v.takes_config
def search(cfg: ModelConfig, chip: str | Chip, n_chips: int, batch_tokens: int, seq_len: int, *,
           regime: str | Regime = "mixed", tp=None, pp=None, cp=None, ep=None, zero=None, sp=None,
           micro_batch=None, recompute=None, interleave=None, attention: str = "flash", causal: bool = True,
           compute_efficiency: float | None = None, headroom: float = 0.1, fused_swiglu: bool = True,
           elementwise_passes: float | None = None, top: int | None = None, include_rejected: bool = False,
           stack: str | Stack = "megatron-core", ideal: bool = False, zero_group: int | None = None,
           norm_fp32: bool = False, loss_parallel: bool = True, fp8: bool = False, etp=None,
           fp8_params: bool = False):
    """Every layout of ``cfg`` on ``n_chips`` chips for a global batch of ``batch_tokens`` tokens in
    sequences of ``seq_len``, ranked by predicted step time (a pandas DataFrame, one row per layout).

    Each degree option (``tp``, ``pp``, ``cp``, ``ep``, ``micro_batch``, ``interleave``) is None for the
    default candidates, one whole number, or a list: TP powers of two up to the fast domain (GPU) or 16
    (TPU) that split the heads and MLP; CP powers of two up to 32 leaving ≥ 128 tokens per rank; PP every
    whole number up to L (those that divide the chips); EP powers of two dividing E (MoE only);
    micro-batch powers of two up to 64 sequences; interleave 1, 2, 4, 8. ``zero`` (stages 0-3), ``sp``
    (True/False) and ``recompute`` ("none"/"selective"/"selective-op"/"full"; "selective" only with eager attention
    by default, since flash attention keeps no score tensors; "selective-op" only when asked, for dense models
    without latent attention; or Megatron-Core's modules joined by "+", :data:`RECOMPUTE_MODULES`, e.g.
    "layernorm+moe_act", which the default grid adds for a mixture-of-experts or latent-attention model: the norms,
    the MLA up projections and the experts' activation) likewise. DP is what is left:
    n_chips / (TP·CP·PP). The model and its assumptions are in the module docstring.

    Columns: the layout (tp, sp, cp, pp, interleave, dp, ep, zero, micro_batch, microbatches m per
    replica, recompute); ``memory_gib`` per device (GiB = 2**30 bytes) and ``fits``; ``step_s`` and its
    parts (``compute_s``, ``elementwise_s``, ``tp_comm_s``, ``cp_comm_s``, ``ep_comm_s``, ``pp_p2p_s``,
    ``bubble_s``, ``dp_exposed_s``, ``optimizer_s``; seconds per step, which they sum to); ``mfu``, ``hfu``,
    ``tokens_per_s``; the link each group uses; ``rejected`` (the reason, "" when accepted). Only accepted layouts are returned
    unless ``include_rejected=True`` (then rejected ones follow, ranked the same way). ``top`` keeps the
    first rows. ``step_s_ideal`` and ``mfu_ideal``: the same layout's ideal bound.

    The prediction: calibrated by default; ``ideal=True`` (or ``compute_efficiency=1.0``) for the ideal
    bound, ``compute_efficiency=x`` for that bound's model with matmuls at x × peak. ``stack``: the
    framework (a key of :data:`STACKS`: "megatron-lm-2021", "megatron-core" (default), "megatron-core-moe-overlap",
    "deepspeed", "fsdp2", "meta-llama3", "deepseek-v3", "jax-tpu"), which decides what is overlapped. ``zero_group``: hybrid sharding, ZeRO within
    groups of that many DP × CP ranks (the largest divisor of DP × CP not above it), replicas across them.
    ``norm_fp32``: the norms as Hugging Face transformers runs them (each keeps an fp32 copy of its input, its
    1/rms and the normalised tensor: 8·D + 8 bytes per token and layer more than a fused norm's bf16 input; with
    no recompute or "selective"). ``loss_parallel`` (default True): the loss keeps the logits split over TP (a
    vocabulary-parallel cross-entropy); False gathers them, and every TP rank holds the whole vocabulary.
    ``fp8``: the layers' linear GEMMs in FP8 (Transformer Engine's recipe; module docstring), on a chip with FP8
    tensor cores only; ``fp8_params`` (with ``fp8``): those layers' weights stored in FP8 too (Megatron-Core's
    fp8_param_gather: 1 byte a parameter and a 1-byte transpose, gathered in FP8). ``etp`` (MoE): expert tensor parallelism, Megatron-Core's expert_tensor_parallel_size; None (the
    default) splits each expert over the layer's TP ranks and keeps EP within DP; a number (or list) splits each expert
    over that many ranks and folds the EP × ETP ranks of an expert group over TP × CP × DP ("MoE parallel folding":
    EP may then span TP ranks; each rank dispatches its own 1/TP share of the tokens, which needs sequence parallelism
    with TP, as Megatron-Core requires). ``elementwise_passes``: None for the fitted value. ``df.attrs``: ``evaluated`` (layouts evaluated), ``seconds`` (time taken),
    ``layouts_per_s``, ``rejected`` (count per reason), ``stack``, ``calibrated``.
    """
    started = time.perf_counter()
    res = _evaluate(cfg, chip, n_chips, batch_tokens, seq_len, regime=regime, tp=tp, pp=pp, cp=cp, ep=ep,
                    zero=zero, sp=sp, micro_batch=micro_batch, recompute=recompute, interleave=interleave,
                    attention=attention, causal=causal, compute_efficiency=compute_efficiency, headroom=headroom,
                    fused_swiglu=fused_swiglu, elementwise_passes=elementwise_passes, stack=stack, ideal=ideal,
                    zero_group=zero_group, norm_fp32=norm_fp32, loss_parallel=loss_parallel, fp8=fp8, etp=etp,
                    fp8_params=fp8_params)
    if top is not None:
        top = v.positive_int("top", top)
    shape, keep = res["shape"], res["keep"]
    reason = np.broadcast_to(res["reason"], shape).ravel()
    step = np.broadcast_to(res["step_s"], shape).ravel()
    accepted = np.flatnonzero(keep & (reason == 0))
    ranked = accepted
    if top is not None and not include_rejected and top < accepted.size:
        # only the first `top` are wanted: sort the layouts no slower than the top-th (ties included, so the stable
        # order is the full sort's)
        kth = np.partition(step[accepted], top - 1)[top - 1]
        ranked = accepted[step[accepted] <= kth]
    order = ranked[np.argsort(step[ranked], kind="stable")]
    if include_rejected:
        rejected = np.flatnonzero(keep & (reason != 0))
        order = np.concatenate([order, rejected[np.argsort(step[rejected], kind="stable")]])
    counts = np.bincount(reason[keep], minlength=len(REASONS))
    if accepted.size == 0 and not include_rejected:
        raise ValueError(_why_none(res, reason, keep, counts))
    if top is not None:
        order = order[:top]
    elapsed = time.perf_counter() - started
    df = _frame(res, order)
    evaluated = int(counts.sum())
    df.attrs.update(evaluated=evaluated, seconds=elapsed, stack=res["stack"], calibrated=res["calibrated"],
                    layouts_per_s=evaluated / elapsed if elapsed > 0 else float("inf"),
                    rejected={REASONS[i]: int(counts[i]) for i in range(1, len(REASONS)) if counts[i]},
                    accepted=int(counts[0]))
    return df


def _why_none(res: dict, reason: np.ndarray, keep: np.ndarray, counts: np.ndarray) -> str:
    """The message for a search in which no layout is accepted: how many were rejected for each reason,
    and for memory how far the least hungry layout is from fitting."""
    parts = [f"{int(counts[i]):,} rejected for {REASONS[i]}" for i in range(1, len(REASONS)) if counts[i]]
    msg = f"no layout is accepted: of {int(counts.sum()):,} evaluated, " + "; ".join(parts)
    mem = keep & (reason == 4)
    if mem.any():
        need = float(np.broadcast_to(res["memory"], res["shape"]).ravel()[mem].min())
        usable = float(res["usable"])
        msg += (f". The least memory any layout needs is {need / 1e9:,.1f} GB per device, over the "
                f"{usable / 1e9:,.1f} GB usable on {res['chip'].name} (HBM less headroom): use more chips, "
                f"a smaller batch, recompute, or a chip with more memory")
    return msg + (". Pass include_rejected=True to see every rejected layout with its reason." if parts else ".")


def layout_name(row) -> str:
    """A layout (a row of :func:`search`) as one short string: "TP8+SP CP1 PP16×v4 DP128 ZeRO-1 b1 none"
    (EP shown only when above 1; b is the micro-batch in sequences; last, the recompute policy)."""
    sp = "+SP" if row["sp"] else ""
    ileave = f"×v{row['interleave']}" if row["interleave"] > 1 else ""
    ep = f" EP{row['ep']}" if row["ep"] > 1 else ""
    if row["ep"] > 1 and "etp" in row and row["etp"] != row["tp"]:
        ep += f" ETP{row['etp']}"
    return (f"TP{row['tp']}{sp} CP{row['cp']} PP{row['pp']}{ileave} DP{row['dp']}{ep} ZeRO-{row['zero']} "
            f"b{row['micro_batch']} {row['recompute']}")


@v.takes_config
def layout(cfg: ModelConfig, chip: str | Chip, n_chips: int, batch_tokens: int, seq_len: int, *, tp: int = 1,
           pp: int = 1, cp: int = 1, ep: int = 1, zero: int = 1, sp: bool = True, micro_batch: int = 1,
           recompute: str = "none", interleave: int = 1, regime: str | Regime = "mixed", attention: str = "flash",
           causal: bool = True, compute_efficiency: float | None = None, headroom: float = 0.1, fused_swiglu: bool = True,
           elementwise_passes: float | None = None, stack: str | Stack = "megatron-core", ideal: bool = False,
           zero_group: int | None = None, norm_fp32: bool = False, loss_parallel: bool = True, fp8: bool = False,
           etp: int | None = None, fp8_params: bool = False):
    """One named layout, evaluated with the same model as :func:`search` (a pandas Series).

    DP is n_chips / (tp·cp·pp); the Series has the same fields as a row of ``search``, including
    ``rejected`` (why the layout would be rejected, "" if it is valid and fits).
    LLaMA 3.1-405B as Meta trained it (Llama 3 paper, Table 4): ``layout(cfg, "H100", 16384,
    16 * 2**20, 8192, tp=8, pp=16)`` gives DP 128.
    """
    tp, pp, cp, ep, micro_batch, interleave = (
        v.positive_int(field, value) for field, value in (("tp", tp), ("pp", pp), ("cp", cp), ("ep", ep),
                                                          ("micro_batch", micro_batch), ("interleave", interleave)))
    zero = v.choice("zero", zero, ZERO_STAGES)
    recompute = recompute_policy("recompute", recompute)
    n = v.positive_int("n_chips", n_chips)
    if n % (tp * cp * pp):
        raise ValueError(f"tp × cp × pp = {tp} × {cp} × {pp} = {tp * cp * pp} must divide n_chips={n}")
    sp = v.flag("sp", sp)
    df = search(cfg, chip, n, batch_tokens, seq_len, regime=regime, tp=tp, pp=pp, cp=cp, ep=ep, zero=[zero],
                sp=[sp and tp > 1], micro_batch=micro_batch, recompute=[recompute],
                interleave=interleave if pp > 1 else 1, attention=attention, causal=causal,
                compute_efficiency=compute_efficiency, headroom=headroom, fused_swiglu=fused_swiglu,
                elementwise_passes=elementwise_passes, include_rejected=True, stack=stack, ideal=ideal,
                zero_group=zero_group, norm_fp32=norm_fp32, loss_parallel=loss_parallel, fp8=fp8, etp=etp,
                fp8_params=fp8_params)
    if len(df) != 1:
        raise ValueError(f"zero={zero} needs more than one data-parallel replica (dp × cp = "
                         f"{n // (tp * pp)}); use zero=0")
    return df.iloc[0]


# ----- published runs: prediction, calibration, cross-validation -------------------------------------------

def run_chip(run) -> Chip:
    """The chip of a published run, with its pod size where the run names one (PaLM's 3072-chip TPU v4 pods:
    a 12 × 16 × 16 slice, the torus shape assumed; the ICI and DCN figures are the chip's)."""
    import dataclasses

    c = _chip(run.chip)
    if run.pod_chips and run.pod_chips != c.fast_domain:
        shape = {3072: (12, 16, 16)}.get(run.pod_chips, (run.pod_chips,))
        c = dataclasses.replace(c, name=f"{c.name} ({run.pod_chips}-chip pods)", fast_domain=run.pod_chips,
                                pod_shape=shape)
    return c


def predict_run(run, *, ideal: bool = False, **overrides):
    """The planner's prediction for one :class:`llmcalc.published.ThroughputRun`, its layout as published:
    the fastest layout over the fields the source does not print (micro-batch, interleaving, recompute, EP) that fits in
    memory, else the fastest valid one (``fits`` False). A pandas Series (a row of :func:`search`). ``overrides``: search
    options that replace the run's own (``stack=``, ``recompute=[...]``), for a what-if."""
    from . import published as pub

    cfg = pub.run_config(run)
    c = run_chip(run)
    regime = run.regime if isinstance(run.regime, str) else Regime(run.label, *run.regime, source=run.source)
    kw = dict(regime=regime, tp=run.tp, pp=run.pp, cp=run.cp, ep=run.ep, zero=[run.zero],
              sp=[run.sp and run.tp > 1], micro_batch=run.micro_batch,
              recompute=None if run.recompute is None else [run.recompute],
              interleave=(run.interleave or None) if run.pp > 1 else 1, attention=run.attention, causal=run.causal,
              stack=run.stack, zero_group=run.zero_group, ideal=ideal, fp8=run.fp8, etp=run.etp,
              fp8_params=run.fp8_params)
    kw.update(overrides)   # a what-if: any search option in place of the run's own
    df = search(cfg, c, run.n_chips, run.global_batch * run.seq_len, run.seq_len, include_rejected=True, **kw)
    valid = df[df["rejected"].isin(["", REASONS[4]])]
    if not len(valid):
        raise ValueError(f"run {run.label!r}: no valid layout ({df['rejected'].iloc[0]})")
    fits = valid[valid["fits"]]
    return (fits if len(fits) else valid).sort_values("step_s", kind="stable").iloc[0]


def published_comparison(runs=None):
    """Predicted vs reported throughput for every published run (:data:`llmcalc.published.PLANNER_RUNS`):
    one row per run with the layout chosen (``fp8``: its linear GEMMs in FP8; ``moe``: a mixture-of-experts model),
    memory, predicted and reported tokens/s and MFU (both with the planner's FLOP count: causal attention where the run's kernel skips the masked half), the
    ideal bound's MFU, and the error predicted / reported − 1 (the same for throughput, step time and MFU)."""
    import pandas as pd

    from . import published as pub

    rows = []
    for r in (pub.PLANNER_RUNS if runs is None else runs):
        cfg = pub.run_config(r)
        best = predict_run(r)
        reported = pub.reported_tokens_per_s(r, param_count(cfg))
        predicted = float(best["tokens_per_s"])
        ratio_mfu = float(best["mfu"]) / predicted            # MFU per token/s for this layout
        rows.append({
            "source": r.source_key, "run": r.label, "stack": r.stack, "chip": r.chip, "chips": r.n_chips, "fp8": r.fp8,
            "moe": cfg.is_moe, "layout": layout_name(best), "memory_gib": float(best["memory_gib"]),
            "fits": bool(best["fits"]),
            "reported_tokens_per_s": reported, "predicted_tokens_per_s": predicted,
            "reported_mfu": reported * ratio_mfu, "predicted_mfu": float(best["mfu"]),
            "ideal_mfu": float(best["mfu_ideal"]), "error": predicted / reported - 1.0,
        })
    return pd.DataFrame(rows)


def later_release_errors(runs=None):
    """The planner's error against every release's figure for the same printed row (:data:`llmcalc.published.
    LATER_RELEASE_FIGURES`): one row per run and release, the run's own (first) figure included (``first`` True), with
    the reported and predicted tokens/s per GPU and the error predicted / reported − 1. The prediction is one number per
    run: the printed layout did not change, and what changed in the recipe between releases is not printed."""
    import pandas as pd

    from . import published as pub

    rows = []
    for r in (pub.VALIDATION_RUNS if runs is None else runs):
        later = pub.LATER_RELEASE_FIGURES.get(r.label)
        if not later:
            continue
        if r.reported_kind != "tokens_per_s_per_gpu":
            raise ValueError(f"run {r.label!r}: later releases' figures are tokens/s per GPU; the run reports "
                             f"{r.reported_kind!r}")
        predicted = float(predict_run(r)["tokens_per_s"]) / r.n_chips
        first = r.label.split("NeMo ")[1].split(",")[0]
        for release, figure in ((first, r.reported), *later):
            rows.append({"run": r.label, "release": release, "first": release == first,
                         "reported_tokens_per_s_per_gpu": float(figure), "predicted_tokens_per_s_per_gpu": predicted,
                         "error": predicted / float(figure) - 1.0})
    return pd.DataFrame(rows)


def fp8_speedup_comparison(runs=None):
    """FP8 over bf16 on the same layout, predicted and measured (:data:`llmcalc.published.FP8_SPEEDUP_RUNS`): one row
    per run with the planner's tokens/s per GPU in bf16 and with ``fp8=True`` (calibrated), their ratio, the measured
    ratio and the error predicted / measured − 1. The chip is the benchmark's H100 with its printed HBM (96 GB at
    2.4 TB/s); its peak FLOP/s is not printed, so the H100 SXM's is taken, and ``error at the NVL peak`` gives the
    same comparison at the H100 NVL's 835 TFLOP/s bf16 dense (NVIDIA's H100 datasheet: 1,671 with sparsity; FP8
    twice each): the benchmark says its chip lies between the two."""
    import dataclasses

    import pandas as pd

    from . import published as pub
    from .models import preset as _preset

    base = _chip("H100")
    rows = []
    for r in (pub.FP8_SPEEDUP_RUNS if runs is None else runs):
        ratios = []
        for peak in (base.peak_flops, 8.35e14):
            c = dataclasses.replace(base, name="H100 (96 GB HBM2e, 500 W)", hbm_bytes=pub.TORCHTITAN_H100_HBM_BYTES,
                                    hbm_bytes_per_s=pub.TORCHTITAN_H100_HBM_BYTES_PER_S, peak_flops=peak,
                                    peak_fp8_flops=2 * peak, hbm_marketed="96 GB")
            tps = [float(layout(_preset(r.preset), c, r.gpus, r.global_batch * r.seq_len, r.seq_len, tp=1, pp=1,
                                zero=3, sp=False, micro_batch=r.micro_batch, recompute=r.recompute, stack=r.stack,
                                fp8=fp8)["tokens_per_s"]) / r.gpus for fp8 in (False, True)]
            ratios.append((tps, tps[1] / tps[0]))
        (tps, pred), (_, pred_nvl) = ratios
        rows.append({"run": r.label, "predicted bf16": tps[0], "predicted FP8": tps[1], "predicted speed-up": pred,
                     "measured bf16": r.bf16_tokens_per_s_per_gpu, "measured FP8": r.fp8_tokens_per_s_per_gpu,
                     "measured speed-up": r.measured_speedup, "error": pred / r.measured_speedup - 1.0,
                     "error at the NVL peak": pred_nvl / r.measured_speedup - 1.0})
    return pd.DataFrame(rows)


# HBM passes over the routed copies of the tokens that moving them to their experts and back makes in a training step:
# a permute and an unpermute each read and write every copy once (2 × 2), forward and again backward (× 2)
PERMUTATION_PASSES = 2 * 2 * 2


def moe_copy_passes(runs=None):
    """Could the time a mixture-of-experts prediction misses be the permutation of tokens to their experts and back?
    For each MoE run (default: those of :data:`llmcalc.published.VALIDATION_RUNS`), on the layout the planner
    predicts: the bytes of the routed copies of the tokens (the experts' inputs and outputs, k copies of each token,
    :func:`llmcalc.memory.layer_activation_breakdown`'s ``expert_inputs`` and ``expert_outputs``) per layer and
    micro-batch on one GPU; the time one HBM pass over them takes in a step (× the mixture-of-experts layers of the
    heaviest pipeline rank, two stages under DualPipe, × the micro-batches) at the chip's HBM bandwidth; the time the
    prediction already charges them (the fitted passes over every stored activation, :data:`llmcalc.kernels.FITTED`);
    the step the reported rate implies and the predicted one; and ``passes_to_explain``: how many more passes over
    those copies the difference would take, to set against :data:`PERMUTATION_PASSES`, all the passes a permutation
    makes. Assumes balanced routing, as the planner does."""
    import pandas as pd

    from . import published as pub

    rows = []
    for r in (pub.VALIDATION_RUNS if runs is None else runs):
        cfg = pub.run_config(r)
        if not cfg.is_moe:
            continue
        best = predict_run(r)
        reported = pub.reported_tokens_per_s(r, param_count(cfg))
        step_reported = float(best["step_s"]) * float(best["tokens_per_s"]) / reported
        parts = layer_activation_breakdown(cfg, int(best["micro_batch"]), r.seq_len // int(best["cp"]),
                                           tp=int(best["tp"]), sp=bool(best["sp"]), recompute="none",
                                           flash_attention=r.attention == "flash", moe_layer=True)
        copies = float(parts["expert_inputs"] + parts["expert_outputs"])
        stages = 2 if STACKS[r.stack].pipeline == "dualpipe" and int(best["pp"]) > 1 else 1
        rank_moe = min(stages * -(-cfg.L // int(best["pp"])), cfg.moe_layers)
        one_pass = copies * rank_moe * int(best["microbatches"]) / run_chip(r).hbm_bytes_per_s
        rows.append({"run": r.label, "copies_mib": copies / 2**20, "moe_layers_per_rank": rank_moe,
                     "microbatches": int(best["microbatches"]), "one_pass_s": one_pass,
                     "charged_s": _k.FITTED["elementwise_passes"] * one_pass,
                     "step_predicted_s": float(best["step_s"]), "step_reported_s": step_reported,
                     "passes_to_explain": (step_reported - float(best["step_s"])) / one_pass})
    return pd.DataFrame(rows)


# The one grid of the fit and of its cross-validation (tools/fit_planner.py; tests/fidelity and the README's
# fidelity report call the same function on it): matmul fraction 0.50 … 0.90 in steps of 0.02, passes 4 … 12
FRACTIONS = tuple(round(0.50 + 0.02 * i, 2) for i in range(21))
PASSES = (4.0, 6.0, 8.0, 10.0, 12.0)


def calibration_grid(fractions=FRACTIONS, passes=PASSES, runs=None):
    """log(predicted / reported throughput) of every published run for each candidate pair (matmul fraction,
    elementwise passes): a pandas DataFrame, one row per run (index: labels; ``attrs['sources']``: their
    source keys), one column per pair. The one table behind the fit and its cross-validation
    (tools/fit_planner.py, tests/fidelity/test_calibration.py)."""
    import pandas as pd

    from . import published as pub

    runs = pub.PLANNER_RUNS if runs is None else runs
    saved = dict(_k.FITTED)
    table = {}
    try:
        for e in passes:
            for x in fractions:
                _k.FITTED.update(matmul_fraction=float(x), elementwise_passes=float(e))
                table[(float(x), float(e))] = [
                    math.log(float(predict_run(r)["tokens_per_s"])
                             / pub.reported_tokens_per_s(r, param_count(pub.run_config(r))))
                    for r in runs]
    finally:
        _k.FITTED.clear()
        _k.FITTED.update(saved)
    df = pd.DataFrame(table, index=[r.label for r in runs])
    df.attrs["sources"] = [r.source_key for r in runs]
    return df


def fit_constants(grid, rows=None) -> tuple[float, float]:
    """The (matmul fraction, elementwise passes) of ``grid`` minimising the sum of squared log errors over
    ``rows`` (all runs by default); ties go to the first column (lowest passes, then lowest fraction)."""
    sub = grid if rows is None else grid.loc[rows]
    loss = (sub ** 2).sum(axis=0)
    return tuple(loss.idxmin())


def cross_validate(grid):
    """Leave one source out: for each source, fit on the others' runs and predict its own. A pandas
    DataFrame, one row per run: source, run, the constants fitted without its source, and the held-out
    error predicted / reported − 1."""
    import pandas as pd

    sources = grid.attrs["sources"]
    out = []
    for src in dict.fromkeys(sources):
        train = [lab for lab, s in zip(grid.index, sources) if s != src]
        x, e = fit_constants(grid, train)
        for lab, s in zip(grid.index, sources):
            if s == src:
                out.append({"source": s, "run": lab, "matmul_fraction": x, "elementwise_passes": e,
                            "held_out_error": math.exp(grid.loc[lab, (x, e)]) - 1.0})
    return pd.DataFrame(out)


def error_summary(errors) -> dict:
    """Median and worst |error| of a sequence of relative errors, in per cent (the median of an even count is the
    mean of the middle two): ``median_abs_percent``, ``worst_abs_percent``."""
    a = sorted(abs(float(x)) for x in errors)
    if not a:
        raise ValueError("errors must hold at least one value")
    mid = (a[(len(a) - 1) // 2] + a[len(a) // 2]) / 2
    return {"median_abs_percent": 100 * mid, "worst_abs_percent": 100 * a[-1]}


_FIT_CACHE: dict = {}


def fit_and_cross_validate() -> dict:
    """The fit of the two calibrated constants on every published run and its leave-one-source-out
    cross-validation, on the grid :data:`FRACTIONS` × :data:`PASSES`: the one code path behind
    ``tools/fit_planner.py``, ``tests/fidelity/test_calibration.py`` and the README's fidelity report. A dict:
    ``grid`` (:func:`calibration_grid`), ``fitted`` (matmul fraction, passes), ``in_sample`` (each run's error
    with the fitted pair, a pandas Series), ``cv`` (:func:`cross_validate`), ``in_sample_summary`` and
    ``held_out_summary`` (:func:`error_summary`). About half a minute on two cores; computed once per process
    (for the current :data:`llmcalc.published.PLANNER_RUNS`)."""
    from . import published as pub

    key = tuple(r.label for r in pub.PLANNER_RUNS)
    if key not in _FIT_CACHE:
        grid = calibration_grid()
        x, e = fit_constants(grid)
        in_sample = grid[(x, e)].map(math.exp) - 1
        cv = cross_validate(grid)
        _FIT_CACHE[key] = {"grid": grid, "fitted": (x, e), "in_sample": in_sample, "cv": cv,
                           "in_sample_summary": error_summary(in_sample),
                           "held_out_summary": error_summary(cv["held_out_error"])}
    return _FIT_CACHE[key]
