"""Peak memory of one rank in a training step under PyTorch's own FSDP2 and tensor/sequence parallelism.

:func:`rank_peak_bytes` predicts the largest number of bytes held by live tensors on one rank during a
steady-state training step (the second and every later step, when AdamW's states exist) of a Hugging Face
LLaMA-family model trained with PyTorch's distributed APIs, as torch 2.13.0 and transformers 5.23.0 run it
(``REPLAYED_VERSIONS``, the same as :mod:`llmcalc.peak_memory`). The recipe (``tools/measure_rank_peak.py``
builds it; ``docs/rank-memory.md`` records what it measured):

* optional tensor parallelism over ``tp`` ranks with ``parallelize_module`` (DTensor), Megatron-style:
  q, k, v, gate and up column-parallel, o and down row-parallel, the embedding and the LM head split over the
  vocabulary. ``sp=True`` (sequence parallelism) keeps the residual stream sharded along the sequence
  between blocks (``SequenceParallel`` norms; the attention and MLP inputs are all-gathered, o and down
  reduce-scatter back); ``sp=False`` keeps it replicated (o and down all-reduce). ``loss_parallel=True``
  keeps the logits split over the vocabulary and computes the loss under ``loss_parallel()`` (torchtitan's
  default); ``False`` all-gathers them first;
* optional activation checkpointing of every decoder layer (transformers' non-reentrant checkpoint);
* FSDP2: ``fully_shard`` on every decoder layer (``reshard_after_forward``: True is ZeRO-3 style, False
  ZeRO-2 style), then on the root (embedding, final norm, LM head: not resharded after forward), over
  ``dp_shard`` ranks; ``dp_replicate > 1`` makes it HSDP (the same memory per rank, a further all-reduce);
* ``regime="bf16"``: bf16 parameters, gradients and AdamW states (2 bytes each); ``"amp"``: fp32 parameters
  (the master copy, sharded), gradients and states (4 bytes each) with
  ``MixedPrecisionPolicy(param_dtype=bfloat16, reduce_dtype=float32)``: the gathered parameters, the
  forward and the backward pass are bf16 in both regimes, so the activations are the same;
* the step ``loss = model(input_ids=ids, labels=ids).loss; loss.backward(); optimizer.step();
  optimizer.zero_grad(set_to_none=True)`` with ``torch.optim.AdamW(foreach=True)``, ``micro_batch``
  sequences of ``seq_len`` tokens per data-parallel rank; SDPA attention.

It is a replay, like :mod:`llmcalc.peak_memory` (whose ledger and model checks it uses): the step is
the sequence of tensors one rank allocates and frees, each ``elements × bytes per element`` from the
shapes, and the peak is the largest running total. No constant is fitted to a measurement; each tensor
below was identified in the timeline of ``torch.distributed._tools.fsdp2_mem_tracker.FSDPMemTracker``
(``tools/measure_rank_peak.py --case``).

Symbols: b micro-batch, s sequence, t = b·s tokens, t_l = t/tp tokens of the residual stream under SP
(t without SP), L D F N K H V as in ``llmcalc.models``; local widths N/tp, K/tp, F/tp, and V/tp for the
embedding, the LM head and (with loss parallelism) the logits. d the FSDP degree (``dp_shard``).

What one rank holds
-------------------
Sharded states (whole step): every parameter tensor is split over d ranks along its first dimension,
  padded to a multiple of d: ⌈rows/d⌉ × the rest (after the TP split), ``p`` bytes each (2 bf16, 4 amp);
  AdamW's exp_avg and exp_avg_sq the same; 4 bytes per parameter tensor of AdamW step counters (host
  tensors on a GPU; counted here as the CPU measurement counts them); the rotary inv_freq buffers; the
  int64 token ids (8·t). Sharded gradients (p bytes, in the reduce dtype) appear group by group as the
  backward pass reduces them, and live until ``zero_grad``.
FSDP groups: the root (embedding, final norm, LM head) and each decoder layer. A group's all-gather
  output is one flat bf16 buffer of d × its padded shard (plus, under amp, a bf16 copy of the shard made
  before the all-gather); the copy-out then makes each gathered parameter its own bf16 tensor (same size
  in all). In the forward pass the flat buffer of a group is freed only after the *next* group's copy-out
  (FSDP2's implicit prefetching keeps it), so at that moment two flat buffers and one gathered group are
  live; the root's gathered parameters stay until the end of the backward pass; a layer's are freed after
  its forward (``reshard_after_forward=True``) or after its backward (False). In the backward pass each
  layer's pre-backward copies out its (prefetched) gather, frees the flat buffer, and prefetches the next
  layer's: one flat buffer of the layer below is live during each layer's backward.
Gradients: autograd makes each gradient of a gathered parameter in bf16 (2 bytes, unpadded); at the
  group's post-backward FSDP2 reshards the parameters, frees the previous group's reduce-scatter input,
  allocates this group's (d × padded shard, reduce dtype: 2 bf16, 4 amp), copies the gradients in, frees
  them (the one computed last is freed a moment later), and allocates the reduce-scatter output (the
  sharded gradients). The root's gradients (LM head, final norm, embedding) live from their backward until
  the end of the backward pass, when the root's post-backward runs. With TP the vocabulary-split
  embedding's backward builds the gradient of the whole V × D table on every rank (DTensor has no
  row-wise strategy for ``embedding_dense_backward``), 2·V·D bytes, and takes its V/tp rows at the root's
  post-backward.
Activations of one decoder layer (bf16, SDPA), per token of t or t_l:
  RMSNorm (twice): fp32 copy of its input 4D, fp32 rsqrt 4, bf16 normalised 2D on t_l tokens; its bf16
  output 2D is what the next linears keep: on t tokens without SP; with SP it is all-gathered and the
  *gathered* tensor (2D on t tokens, not divided by tp) is what q/k/v and gate/up keep;
  q (after RoPE) 2·NH/tp, k and v 2·KH/tp, attention output 2·NH/tp, fp32 log-sum-exp 4·N/tp;
  SwiGLU gate, up, silu(gate), product 2·F/tp each (t tokens).
  Per layer: t_l·(12D + 8) + t·(4D + 4NH/tp + 4KH/tp + 4N/tp + 8F/tp) with SP,
  t·(16D + 8 + ...) without (at tp = 1 this is :func:`llmcalc.peak_memory.layer_saved_bytes`).
  Checkpointing keeps each layer's input (2D·t_l) and recomputes one layer at a time in the backward pass.
Outside the layers: the final norm as a layer's norm, its gathered output (2D·t) kept by the LM head;
  cos and sin (2·s·H each); the int64 position ids (8·s) until ``LlamaModel.forward`` returns (with
  checkpointing until the backward pass ends); the residual stream (2D·t_l): the embedding's output until
  ``LlamaModel.forward`` returns, each layer's output until the next layer has made its own; the shifted
  int64 labels (8·t, or 8·(s + 1) with one sequence, whose slice needs no copy and keeps the padded tensor);
  the 4-byte loss until the step's function returns (with loss parallelism a 4-byte token count until its
  backward, and 33 bytes per token of index tensors in its backward).
Logits and loss, per token: without TP or without loss parallelism every rank holds the whole
  vocabulary: 10V at the end of the forward pass (bf16 logits, fp32 copy, fp32 log-softmax), 12V at the
  start of the backward pass (the log-softmax and two fp32 gradients), as on one device (with TP the bf16
  logits are first all-gathered from V/tp). With loss parallelism (V_l = V/tp): 14·V_l in the forward
  pass (bf16 logits, fp32 copy, the shifted logits and their exponential, then the log-softmax), 16·V_l at
  the start of the backward pass (the log-softmax, the gradient DTensor's cross-entropy makes with
  ``zeros_like``, the exponential and the fp32 gradient of the logits).
Backward pass, per layer (last to first): as the one-device bf16 replay (weight gradient, input gradient,
  release of each saved tensor once its node has run, RMSNorm's fp32 temporaries), on local widths, plus
  SP's collectives: the residual gradient (2D·t_l) is all-gathered before the MLP and before attention
  (a raw buffer and its re-ordered copy, 2D·t each, the raw one freed), and the summed input gradient of
  the column-parallel linears (2D·t) is reduce-scattered back (a re-ordered copy 2D·t and the 2D·t_l
  output). Without SP the partial input gradients are all-reduced into a new tensor.
Optimizer step: foreach AdamW's ``_foreach_sqrt`` of the sharded exp_avg_sq (one sharded-state-sized
  copy, p bytes per local element) while parameters, gradients and states are all sharded.

Forward pass inside a layer: the attention's row-parallel output (2D·t; with TP its partial sums and the
  all-reduced or reduce-scattered result), the attention sum h1 (2D·t_l) and the MLP's output, live with the
  layer's input until the layer's output exists; under SP each norm's output shard (2D·t_l) stays referenced
  while its block runs on the gathered copy (with one layer and a small vocabulary such a moment can be the
  step's peak). With checkpointing a layer is recomputed when the first node that needs a saved tensor runs:
  under SP after the all-gather of the layer's output gradient.

Not modelled: the vocabulary-parallel embedding's int64/bool masks and offsets (a few bytes per token, freed
within the forward pass), the temporaries of attention's forward (q, k, v before RoPE, RoPE's products, the
key/value cache's copies) and of RoPE's backward, the all-reduce of the gradients of parameters TP replicates
(SP's norm weights, row-parallel biases: D-wide vectors). None of them was live at the peak of a recorded step
(every one is predicted to the byte); in 400 random configurations they made two peaks 0.014% and 2.3% short
(``llmcalc.measured.RANK_RANDOM_PROBES``, ``docs/rank-memory.md``). Nor NCCL's internal buffers, the CUDA caching
allocator (rounding, fragmentation, cached blocks) or the CUDA context, which the measurement cannot see either. Tied embeddings with TP, and TP degrees that do not divide N, K, F, V (or the sequence
under SP), are refused (``ValueError``).

Only the standard library is imported (:func:`planner_bytes` imports the planner, numpy and pandas, when
called).
"""

from __future__ import annotations

from . import _validate as v
from .models import ModelConfig
from .peak_memory import REPLAYED_VERSIONS, _check, _Ledger

__all__ = ["RANK_TERMS", "RANK_PHASES", "RANK_REGIMES", "TRACKER_CATEGORIES", "REPLAYED_VERSIONS", "FORMULA_GROUPS",
           "rank_peak_bytes", "rank_peak_breakdown", "rank_peak_moments", "rank_layer_saved_bytes",
           "rank_sharded_state_bytes", "zero_formula_bytes", "planner_bytes", "formula_regime", "grouped"]

RANK_REGIMES = ("bf16", "amp")
# terms of the breakdown: one per category of torch.distributed._tools.fsdp2_mem_tracker.FSDPMemTracker
RANK_TERMS = ("sharded_parameters", "unsharded_parameters", "buffers", "sharded_gradients", "unsharded_gradients",
              "activations", "temporaries", "all_gather_buffers", "reduce_scatter_buffers", "optimizer_states",
              "inputs")
# the tracker's own names of the same categories (_FSDPRefType values), in RANK_TERMS order
TRACKER_CATEGORIES = dict(zip(RANK_TERMS, ("Sharded Param", "Unsharded Param", "Buffer", "Sharded Grad",
                                           "Unsharded Grad", "Activation", "Temp", "All Gather", "Reduce Scatter",
                                           "OptState", "Inputs")))
RANK_PHASES = ("forward", "loss_backward", "lm_head_backward", "layers_backward", "embedding_backward",
               "root_post_backward", "optimizer_step")

_SP, _UP, _BUF, _SG, _UG, _ACT, _TMP, _AG, _RS, _OPT, _INP = RANK_TERMS


class _RankLedger(_Ledger):
    """:class:`llmcalc.peak_memory._Ledger` with the tracker's categories as terms."""

    def __init__(self) -> None:
        super().__init__()
        self.terms = dict.fromkeys(RANK_TERMS, 0)
        self.phase = "forward"

    def recategorise(self, name: str, term: str) -> None:
        self.rename(name, name, term)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _check_rank(cfg, micro_batch, seq_len, dp_shard, dp_replicate, tp, sp, reshard_after_forward, regime,
                checkpointing, loss_parallel):
    b, s = _check(cfg, micro_batch, seq_len, "bf16", False, "sdpa", "foreach")
    for name in ("qk_norm",):
        if getattr(cfg, name, "none") not in ("none", None):
            raise ValueError(f"rank_peak_bytes replays LlamaForCausalLM only; cfg.{name}={getattr(cfg, name)!r} "
                             f"is not supported (use 'none')")
    if getattr(cfg, "has_local_attention", False):
        raise ValueError("rank_peak_bytes replays full causal attention only; this cfg has sliding-window or "
                         "chunked-attention layers")
    d = v.positive_int("dp_shard", dp_shard)
    v.positive_int("dp_replicate", dp_replicate)
    tp = v.positive_int("tp", tp)
    v.flag("sp", sp)
    v.flag("reshard_after_forward", reshard_after_forward)
    v.choice("regime", regime, RANK_REGIMES)
    v.flag("checkpointing", checkpointing)
    v.flag("loss_parallel", loss_parallel)
    _check_tp_split(cfg, tp, s, sp)
    return b, s, d, tp


def _check_tp_split(cfg: ModelConfig, tp: int, s: int | None, sp: bool) -> None:
    """TP must split the heads, the MLP and the vocabulary evenly (and the sequence under SP)."""
    if tp == 1:
        return
    for field, value in (("N (query heads)", cfg.N), ("K (key/value heads)", cfg.K), ("F (MLP width)", cfg.F),
                         ("V (vocabulary)", cfg.V)):
        if value % tp:
            raise ValueError(f"tp must divide {field} = {value} (each rank takes an equal slice); got tp={tp}")
    if sp and s is not None and s % tp:
        raise ValueError(f"with sp=True, tp must divide seq_len = {s} (the residual stream is split along the "
                         f"sequence); got tp={tp}")
    if cfg.tied_embeddings:
        raise ValueError("tied embeddings with tp > 1 are not supported: the vocabulary-parallel embedding and "
                         "LM head would be two differently split copies of one weight; use tp=1")


def _layer_params(cfg: ModelConfig, tp: int) -> list[tuple[str, int, int]]:
    """(name, rows, columns) of one decoder layer's parameters on one TP rank, in ``parameters()`` order.
    Column-parallel weights (q, k, v, gate, up) and their biases lose rows, row-parallel ones (o, down)
    columns; row-parallel biases and the norms are whole."""
    D, F, N, K, H = cfg.D, cfg.F, cfg.N, cfg.K, cfg.H
    NH, KH, Fl = N * H // tp, K * H // tp, F // tp
    out = [("q", NH, D)]
    if cfg.qkv_bias:
        out.append(("q.bias", NH, 1))
    out.append(("k", KH, D))
    if cfg.qkv_bias:
        out.append(("k.bias", KH, 1))
    out.append(("v", KH, D))
    if cfg.qkv_bias:
        out.append(("v.bias", KH, 1))
    out.append(("o", D, NH))
    if cfg.o_bias:
        out.append(("o.bias", D, 1))
    for m in ("gate", "up"):
        out.append((m, Fl, D))
        if cfg.mlp_bias:
            out.append((m + ".bias", Fl, 1))
    out.append(("down", D, Fl))
    if cfg.mlp_bias:
        out.append(("down.bias", D, 1))
    out += [("n1.w", D, 1), ("n2.w", D, 1)]
    return out


def _root_params(cfg: ModelConfig, tp: int) -> list[tuple[str, int, int]]:
    """(name, rows, columns) of the root group's parameters on one TP rank: the embedding and the LM head
    split over the vocabulary, the final norm whole."""
    out = [("embed", cfg.V // tp, cfg.D), ("fn.w", cfg.D, 1)]
    if not cfg.tied_embeddings:
        out.append(("lm_head", cfg.V // tp, cfg.D))
    return out


class _Group:
    """One FSDP group's sizes on one rank (elements): ``shard`` the padded local shard, ``gathered`` the
    all-gather output (d × shard), ``grads`` the unpadded gradients, per parameter and summed."""

    def __init__(self, params: list[tuple[str, int, int]], d: int) -> None:
        self.params = params
        self.shard_each = {n: _ceil_div(r, d) * c for n, r, c in params}
        self.grad_each = {n: r * c for n, r, c in params}
        self.shard = sum(self.shard_each.values())
        self.gathered = d * self.shard
        self.count = len(params)


@v.takes_config
def rank_sharded_state_bytes(cfg: ModelConfig, *, dp_shard: int, tp: int = 1, regime: str = "bf16") -> dict[str, int]:
    """Bytes of the sharded model states one rank keeps through the step (exact integers): ``parameters``
    (every tensor split over ``dp_shard`` ranks along its first dimension, padded to a multiple of it, after
    the TP split), ``gradients`` (the same, in the reduce dtype, once the backward pass has reduced them),
    ``optimizer_states`` (AdamW's two moments, the same, plus 4 bytes of step counter per parameter tensor)
    and their ``total``. bf16: 2 bytes each; amp: 4 (fp32 master parameters, fp32 reduce and states)."""
    _check(cfg, 1, 1, "bf16", False, "sdpa", "foreach")
    d = v.positive_int("dp_shard", dp_shard)
    tp = v.positive_int("tp", tp)
    v.choice("regime", regime, RANK_REGIMES)
    _check_tp_split(cfg, tp, None, False)
    p = 4 if regime == "amp" else 2
    groups = [_Group(_root_params(cfg, tp), d)] + [_Group(_layer_params(cfg, tp), d) for _ in range(cfg.L)]
    shard = sum(g.shard for g in groups)
    count = sum(g.count for g in groups)
    out = {"parameters": shard * p, "gradients": shard * p, "optimizer_states": 2 * shard * p + 4 * count}
    out["total"] = sum(out.values())
    return out


@v.takes_config
def rank_layer_saved_bytes(cfg: ModelConfig, micro_batch: int, seq_len: int, *, tp: int = 1, sp: bool = True) -> int:
    """Bytes one decoder layer keeps for its backward pass on one rank (no checkpointing; bf16 compute, SDPA),
    as DTensor's tensor/sequence parallelism lays it out (module docstring), t = b·s, t_l = t/tp with SP:

        SP     t_l·(12D + 8) + t·(4D + 4NH/tp + 4KH/tp + 4N/tp + 8F/tp)
        no SP  t·(16D + 8 + 4NH/tp + 4KH/tp + 4N/tp + 8F/tp)

    With SP the norms' fp32 copies and normalised tensors are split along the sequence, but the two
    all-gathered linear inputs (2D each per token) are kept whole on every rank: Korthikanti et al.'s
    sequence parallelism divides everything by tp, PyTorch's keeps 4D·t bytes per layer undivided."""
    b, s = _check(cfg, micro_batch, seq_len, "bf16", False, "sdpa", "foreach")
    tp = v.positive_int("tp", tp)
    v.flag("sp", sp)
    _check_tp_split(cfg, tp, s, sp)
    sp = sp and tp > 1
    D, F, N, K, H = cfg.D, cfg.F, cfg.N, cfg.K, cfg.H
    t = b * s
    tl = t // tp if sp else t
    split = (4 * N * H + 4 * K * H + 4 * N + 8 * F) // tp
    if sp:
        return tl * (12 * D + 8) + t * (4 * D + split)
    return t * (16 * D + 8 + split)


def _replay(cfg: ModelConfig, b: int, s: int, d: int, tp: int, sp: bool, rafo: bool, regime: str, ckpt: bool,
            lp: bool) -> _RankLedger:
    D, F, N, K, H, V, L = cfg.D, cfg.F, cfg.N, cfg.K, cfg.H, cfg.V, cfg.L
    amp = regime == "amp"
    p = 4 if amp else 2             # sharded parameters, AdamW states
    g = 4 if amp else 2             # reduce dtype: reduce-scatter buffers and sharded gradients
    c = 2                           # gathered parameters, their gradients, activations: bf16
    t = b * s
    sp = sp and tp > 1
    tl = t // tp if sp else t       # tokens of the residual stream on this rank
    NH, KH, Nl, Fl, Vl = N * H // tp, K * H // tp, N // tp, F // tp, V // tp
    lp = lp and tp > 1
    root = _Group(_root_params(cfg, tp), d)
    layer = _Group(_layer_params(cfg, tp), d)
    numel = {n: layer.grad_each[n] for n in layer.grad_each} | {n: root.grad_each[n] for n in root.grad_each}
    groups = {"root": root, **{f"L{i}": layer for i in range(L)}}
    shard_total = root.shard + L * layer.shard
    param_count = root.count + L * layer.count

    led = _RankLedger()
    # ----- the step's start: sharded parameters, AdamW states, buffers, inputs -----------------------
    led.add("sharded_params", _SP, shard_total * p)
    led.add("exp_avg", _OPT, shard_total * p)
    led.add("exp_avg_sq", _OPT, shard_total * p)
    led.add("adamw_steps", _OPT, 4 * param_count)
    led.add("inv_freq", _BUF, 2 * (H // 2) * 4)
    led.add("input_ids", _INP, 8 * t)

    # ----- FSDP2's all-gather, copy-out and reshard ---------------------------------------------------
    held = []   # the forward's all-gather output kept until the next group's copy-out

    def gather(name: str, category: str) -> None:
        """All-gather a group: under amp a bf16 copy of the shard first, then the flat output buffer."""
        grp = groups[name]
        if amp:
            led.add(name + ".cast", category, grp.shard * c)
        led.add(name + ".ag", _AG, grp.gathered * c)
        if amp:
            led.free(name + ".cast")

    def copy_out(name: str, category: str) -> None:
        """Each gathered parameter becomes its own tensor (d × its padded shard, bf16)."""
        for pname, _, _ in groups[name].params:
            led.add(f"{name}.{pname}.full", category, d * groups[name].shard_each[pname] * c)

    def unsharded(name: str) -> None:
        for pname, _, _ in groups[name].params:
            led.recategorise(f"{name}.{pname}.full", _UP)

    def reshard(name: str) -> None:
        led.free(*(f"{name}.{pname}.full" for pname, _, _ in groups[name].params))

    def pre_forward(name: str) -> None:
        if d == 1:   # one rank: FSDP copies the shard (the whole parameter) into the unsharded tensor
            copy_out(name, _ACT)
            unsharded(name)
            return
        gather(name, _ACT)
        copy_out(name, _ACT)
        for old in held:
            led.free(old)
        held.clear()
        held.append(name + ".ag")
        unsharded(name)

    # ----- forward ------------------------------------------------------------------------------------
    pre_forward("root")
    led.add("position_ids", _ACT, 8 * s)
    led.add("cos", _ACT, c * s * H)
    led.add("sin", _ACT, c * s * H)

    def norm_acts(pre: str, tokens: int, cat: str = _ACT) -> None:
        led.add(pre + "x32", cat, 4 * D * tokens)
        led.add(pre + "rstd", cat, 4 * tokens)
        led.add(pre + "normed", cat, 2 * D * tokens)

    def linear_input(pre: str, cat: str = _ACT, shard: bool = False) -> None:
        """The norm's output as the next linears keep it: gathered to t tokens under SP (a raw all-gather
        buffer and its re-ordered copy, the raw one freed), as it is otherwise. ``shard``: under SP the norm's
        output shard (2D·t_l) is kept too, until the caller frees it."""
        if sp:
            if shard:
                led.add(pre + "out_shard", cat, 2 * D * tl)
            led.add(pre + "out_raw", cat, 2 * D * t)
            led.add(pre + "out", cat, 2 * D * t)
            led.free(pre + "out_raw")
        else:
            led.add(pre + "out", cat, 2 * D * t)

    def attention_acts(pre: str, cat: str, shard: bool = False) -> None:
        norm_acts(pre + "n1.", tl, cat)
        linear_input(pre + "n1.", cat, shard)
        led.add(pre + "q", cat, 2 * NH * t)
        led.add(pre + "k", cat, 2 * KH * t)
        led.add(pre + "v", cat, 2 * KH * t)
        led.add(pre + "attn_out", cat, 2 * NH * t)
        led.add(pre + "lse", cat, 4 * Nl * t)

    def mlp_acts(pre: str, cat: str, shard: bool = False) -> None:
        norm_acts(pre + "n2.", tl, cat)
        linear_input(pre + "n2.", cat, shard)
        for m in ("gate", "up", "silu", "prod"):
            led.add(pre + m + "_out", cat, 2 * Fl * t)

    def layer_acts(i: int, cat: str = _ACT) -> None:
        """What layer i keeps for its backward pass (``cat``: the tracker counts a checkpointed layer's
        recomputation in the backward pass as temporaries)."""
        attention_acts(f"L{i}.", cat)
        mlp_acts(f"L{i}.", cat)

    def row_parallel_output(name: str) -> None:
        """o's or down's output in the residual stream's layout: the product itself (2D·t) at tp 1; with TP its
        partial sums, all-reduced into a new tensor (no SP) or re-ordered and reduce-scattered to t_l tokens."""
        if tp == 1:
            led.add(name, _ACT, 2 * D * t)
        elif sp:
            led.add(name + ".partial", _ACT, 2 * D * t)
            led.add(name + ".cat", _ACT, 2 * D * t)
            led.add(name, _ACT, 2 * D * tl)
            led.free(name + ".cat", name + ".partial")
        else:
            led.add(name + ".partial", _ACT, 2 * D * t)
            led.add(name, _ACT, 2 * D * t)
            led.free(name + ".partial")

    # the residual stream (2D per token of t_l): the embedding's output stays referenced by LlamaModel.forward
    # until it returns; each layer's input stays referenced until the layer returns; inside a layer the attention
    # sum h1 and the MLP's output are live until the layer's output exists (checkpointing keeps every layer's
    # input for the backward pass and lets nothing else of a layer outlive its forward)
    led.add("L0.input", _ACT, 2 * D * tl)
    for i in range(L):
        pre = f"L{i}."
        pre_forward(f"L{i}")
        if not ckpt:
            # under SP a norm's output shard (2D·t_l) stays referenced while its block runs on the gathered copy
            attention_acts(pre, _ACT, shard=True)
            row_parallel_output(pre + "o_out")
            if sp:
                led.free(pre + "n1.out_shard")
            led.add(pre + "h1", _ACT, 2 * D * tl)
            led.free(pre + "o_out")
            mlp_acts(pre, _ACT, shard=True)
            row_parallel_output(pre + "down_out")
            if sp:
                led.free(pre + "n2.out_shard")
        led.add(f"L{i + 1}.input", _ACT, 2 * D * tl)
        if not ckpt:
            led.free(pre + "down_out", pre + "h1")
        if rafo:
            reshard(f"L{i}")
        if i > 0 and not ckpt:
            led.free(f"L{i}.input")

    norm_acts("fn.", tl)
    led.free(f"L{L}.input")   # the last layer's output, read by the final norm
    if not ckpt:   # LlamaModel.forward returns: its position ids and the embedding's output go
        led.free("position_ids", "L0.input")
    if sp:         # the final norm's output shard is the model's last_hidden_state, kept until the forward returns
        led.add("fn.out_shard", _ACT, 2 * D * tl)
    linear_input("fn.")
    # logits and the loss's forward. transformers' loss pads the int64 labels by one column (8·b·(s + 1)) and
    # keeps labels[..., 1:] made contiguous: a copy (8·t), except with one sequence, where the slice already is
    # contiguous and keeps the padded tensor alive; the padded tensor is referenced until the loss function returns
    def labels() -> None:
        led.add("labels_padded", _ACT, 8 * b * (s + 1))
        if b > 1:
            led.add("labels", _ACT, 8 * t)

    if lp:
        # DTensor's vocabulary-parallel log-softmax: the all-reduced row maximum, the shifted logits, their
        # exponential, the all-reduced sum and its log (fp32, 4 bytes per token each), then the log-softmax
        led.add("logits16", _ACT, 2 * Vl * t)
        led.add("logits32", _ACT, 4 * Vl * t)
        labels()
        led.add("row_max", _ACT, 4 * t)
        led.add("shifted", _ACT, 4 * Vl * t)
        led.add("exp", _ACT, 4 * Vl * t)
        led.add("row_sum", _ACT, 4 * t)
        led.free("exp")
        led.add("log_sum", _ACT, 4 * t)
        led.add("logprobs", _ACT, 4 * Vl * t)
        led.free("shifted", "row_max", "row_sum", "log_sum")
        led.add("loss", _ACT, 4)
        led.add("loss_count", _ACT, 4)   # the vocabulary-parallel loss's count of tokens, until its backward
    else:
        if tp > 1:
            led.add("logits16_local", _ACT, 2 * Vl * t)
            led.add("logits16_raw", _ACT, 2 * V * t)
            led.add("logits16", _ACT, 2 * V * t)
            led.free("logits16_raw", "logits16_local")
        else:
            led.add("logits16", _ACT, 2 * V * t)
        led.add("logits32", _ACT, 4 * V * t)
        labels()
        led.add("logprobs", _ACT, 4 * V * t)
        led.add("loss", _ACT, 4)
        led.add("total_weight", _ACT, 4)   # nll_loss's second output, saved for its backward
    if b > 1:
        led.free("labels_padded")
    else:
        led.rename("labels_padded", "labels")
    led.free("logits16", "logits32")   # the forward returns
    if sp:
        led.free("fn.out_shard")
    for old in held:                   # the backward pass starts: the forward's last all-gather output goes
        led.free(old)
    held.clear()

    # ----- backward -----------------------------------------------------------------------------------
    def is_unsharded(name: str) -> bool:
        return f"{name}.{groups[name].params[0][0]}.full" in led.live

    def prefetch(name: str) -> None:
        if d > 1 and not is_unsharded(name) and (name + ".ag") not in led.live:
            gather(name, _TMP)

    def pre_backward(name: str, nxt: str | None) -> None:
        if not is_unsharded(name):   # resharded after forward: the same storages, already known as unsharded
            if d == 1:
                copy_out(name, _UP)
            else:
                if (name + ".ag") not in led.live:
                    gather(name, _TMP)
                copy_out(name, _UP)
                led.free(name + ".ag")
        if nxt is not None:
            prefetch(nxt)

    rs_prev: list[str] = []
    last_grad = {}   # group -> the gradient computed last (freed after the reduce-scatter output exists)

    def grad(name: str, elements: int, group: str, release: tuple[str, ...] = ()) -> None:
        """A parameter's gradient (``release``: what its node frees once it has run). A tied weight's two
        gradients (LM head, then embedding) meet in autograd's input buffer and are summed out of place."""
        key = name + ".grad"
        if key in led.live:
            led.add(key + ".new", _TMP, c * elements)
            led.free(*release)
            led.add(key + ".sum", _TMP, c * elements)
            led.free(key, key + ".new")
            led.rename(key + ".sum", key)
        else:
            led.add(key, _TMP, c * elements)
            led.free(*release)
        last_grad[group] = key

    def post_backward(name: str) -> None:
        grp = groups[name]
        keys = [f"{name}.{n}.grad" if name != "root" else f"{n}.grad" for n, _, _ in grp.params]
        for k in keys:
            led.recategorise(k, _UG)
        if name == "root" and tp > 1:   # the embedding's whole-vocabulary gradient: keep this rank's rows
            led.add("embed.grad.local", _TMP, c * Vl * D)
            led.free("embed.grad")
            led.rename("embed.grad.local", "embed.grad", _UG)
        reshard(name)
        for old in rs_prev:
            led.free(old)
        rs_prev.clear()
        led.add(name + ".rs_in", _TMP, grp.gathered * g)
        last = last_grad.get(name)
        led.free(*(k for k in keys if k != last))
        led.add(name + ".rs_out", _TMP, grp.shard * g)
        if d > 1:   # with one rank FSDP copies instead of reduce-scattering: the tracker keeps it a temporary
            led.recategorise(name + ".rs_in", _RS)
        led.recategorise(name + ".rs_out", _SG)
        if last:
            led.free(last)
        rs_prev.append(name + ".rs_in")

    # the loss: root pre-backward prefetches the last layer's parameters first
    led.phase = "loss_backward"
    led.add("ones", _ACT, 4)   # the gradient backward() starts from (ones_like of the loss), made before the backward pass
    pre_backward("root", f"L{L - 1}" if L else None)
    if lp:
        led.add("g_logprobs", _TMP, 4 * Vl * t)
        # DTensor's vocabulary-parallel nll_loss backward: int64 and bool index tensors, 33 bytes per token,
        # and two fp32 scalars
        led.add("lp_index", _TMP, 33 * t)
        led.add("g_exp", _TMP, 4 * Vl * t)
        led.add("g_logits32", _TMP, 4 * Vl * t)
        led.free("g_logprobs", "lp_index", "g_exp", "logprobs", "labels", "loss_count")
        led.add("g_logits16", _TMP, 2 * Vl * t)
        led.free("g_logits32")
    else:
        led.add("g_logprobs", _TMP, 4 * V * t)
        led.free("labels", "total_weight")
        led.add("g_logits32", _TMP, 4 * V * t)
        led.free("g_logprobs", "logprobs")
        led.add("g_logits16", _TMP, 2 * V * t)
        led.free("g_logits32")
        if tp > 1:   # the all-gather's backward: this rank's slice of the logits' gradient
            led.add("g_logits16_local", _TMP, 2 * Vl * t)
            led.free("g_logits16")
            led.rename("g_logits16_local", "g_logits16")

    # LM head and final norm
    led.phase = "lm_head_backward"
    w_lm = "embed" if cfg.tied_embeddings else "lm_head"
    grad(w_lm, Vl * D, "root")
    led.add("g_h", _TMP, 2 * D * t)
    led.free("g_logits16", "fn.out")

    def to_stream(g_full: str, g_local: str) -> None:
        """A column-parallel input gradient (t tokens) back to the residual stream: reduce-scattered under SP
        (a re-ordered copy, then the t_l output), all-reduced into a new tensor without SP, as it is at tp 1."""
        if sp:
            led.add(g_full + ".cat", _TMP, 2 * D * t)
            led.add(g_local, _TMP, 2 * D * tl)
            led.free(g_full + ".cat", g_full)
        elif tp > 1:
            led.add(g_local, _TMP, 2 * D * t)
            led.free(g_full)
        else:
            led.rename(g_full, g_local)

    def from_stream(name: str) -> str:
        """The residual gradient as a row-parallel output gradient: all-gathered under SP."""
        if sp:
            led.add(name + ".raw", _TMP, 2 * D * t)
            led.add(name, _TMP, 2 * D * t)
            led.free(name + ".raw")
            return name
        return "g_res"

    def norm_bwd(pre: str, g_in: str, g_x: str, weight: str, group: str) -> None:
        """HF LlamaRMSNorm's backward in bf16 on t_l tokens (as llmcalc.peak_memory replays it)."""
        grad(weight, D, group)
        led.add(pre + "t_gw", _TMP, 2 * D * tl)
        led.add(pre + "t_gn", _TMP, 2 * D * tl)
        led.free(pre + "t_gw", g_in, pre + "normed")
        led.add(pre + "t_g32", _TMP, 4 * D * tl)
        led.free(pre + "t_gn")
        led.add(pre + "t_a1", _TMP, 4 * D * tl)
        led.free(pre + "t_g32", pre + "rstd")   # the rsqrt's own backward has read it
        for k_ in range(4):
            led.add(pre + f"t_p{k_}", _TMP, 4 * D * tl)
        led.free(*(pre + f"t_p{k_}" for k_ in range(4)), pre + "x32")
        led.free(pre + "t_a1")
        led.add(g_x, _TMP, 2 * D * tl)

    to_stream("g_h", "g_fn")
    norm_bwd("fn.", "g_fn", "g_res", "fn.w", "root")

    def linear_bwd(pre: str, w: str, g_out: str, g_in: str, saved: str | None, group: str) -> None:
        grad(pre + w, numel[w], group)
        led.add(g_in, _TMP, 2 * D * t)
        led.free(g_out)
        if saved:
            led.free(saved)
        bias = w + ".bias"
        if bias in numel:
            grad(pre + bias, numel[bias], group)

    led.phase = "layers_backward"
    for i in reversed(range(L)):
        pre, name = f"L{i}.", f"L{i}"
        pre_backward(name, f"L{i - 1}" if i > 0 else None)
        # MLP: down(silu(gate(x)) * up(x)). With checkpointing the layer is recomputed when the first node that
        # needs a saved tensor runs: under SP the all-gather of the residual gradient comes first
        if ckpt and not sp:
            layer_acts(i, _TMP)
        g_mlp = from_stream(pre + "g_mlp_out")
        if ckpt and sp:
            layer_acts(i, _TMP)
        grad(pre + "down", numel["down"], name)
        led.add(pre + "g_prod", _TMP, 2 * Fl * t)
        if g_mlp != "g_res":
            led.free(g_mlp)
        led.free(pre + "prod_out")
        if "down.bias" in numel:
            grad(pre + "down.bias", numel["down.bias"], name)
        led.add(pre + "g_silu", _TMP, 2 * Fl * t)
        led.add(pre + "g_up", _TMP, 2 * Fl * t)
        led.free(pre + "g_prod", pre + "silu_out", pre + "up_out")
        linear_bwd(pre, "up", pre + "g_up", pre + "g_xu", None, name)
        led.add(pre + "g_gate", _TMP, 2 * Fl * t)
        led.free(pre + "g_silu", pre + "gate_out")
        linear_bwd(pre, "gate", pre + "g_gate", pre + "g_xg", pre + "n2.out", name)
        led.add(pre + "g_n2", _TMP, 2 * D * t)
        led.free(pre + "g_xu", pre + "g_xg")
        to_stream(pre + "g_n2", pre + "g_n2l")
        norm_bwd(pre + "n2.", pre + "g_n2l", pre + "g_x2", pre + "n2.w", name)
        led.add(pre + "g_sum2", _TMP, 2 * D * tl)
        led.free("g_res", pre + "g_x2")
        led.rename(pre + "g_sum2", "g_res")
        # attention
        g_att = from_stream(pre + "g_o_out")
        grad(pre + "o", numel["o"], name)
        led.add(pre + "g_ao", _TMP, 2 * NH * t)
        if g_att != "g_res":
            led.free(g_att)
        if "o.bias" in numel:
            grad(pre + "o.bias", numel["o.bias"], name)
        led.add(pre + "g_q", _TMP, 2 * NH * t)
        led.add(pre + "g_k", _TMP, 2 * KH * t)
        led.add(pre + "g_v", _TMP, 2 * KH * t)
        led.free(pre + "g_ao", pre + "q", pre + "k", pre + "v", pre + "attn_out", pre + "lse")
        if i == 0 and not ckpt:   # RoPE's backward in the first layer was cos and sin's last use
            led.free("cos", "sin")
        linear_bwd(pre, "v", pre + "g_v", pre + "g_xv", None, name)
        linear_bwd(pre, "k", pre + "g_k", pre + "g_xk", None, name)
        led.add(pre + "g_xkv", _TMP, 2 * D * t)
        led.free(pre + "g_xv", pre + "g_xk")
        linear_bwd(pre, "q", pre + "g_q", pre + "g_xq", pre + "n1.out", name)
        led.add(pre + "g_n1", _TMP, 2 * D * t)
        led.free(pre + "g_xkv", pre + "g_xq")
        to_stream(pre + "g_n1", pre + "g_n1l")
        norm_bwd(pre + "n1.", pre + "g_n1l", pre + "g_x1", pre + "n1.w", name)
        led.add(pre + "g_sum1", _TMP, 2 * D * tl)
        led.free("g_res", pre + "g_x1")
        led.rename(pre + "g_sum1", "g_res")
        if ckpt:   # the checkpoint's saved arguments go with it: the layer's input; in the first layer cos, sin, positions
            led.free(pre + "input")
            if i == 0:
                led.free("cos", "sin", "position_ids")
        post_backward(name)

    # the embedding: a dense gradient of its table (the whole vocabulary with TP)
    led.phase = "embedding_backward"
    g_emb = from_stream("g_emb_in")
    grad("embed", V * D, "root", release=("g_res",) if g_emb == "g_res" else (g_emb, "g_res"))

    led.phase = "root_post_backward"
    post_backward("root")
    for old in rs_prev:   # the end of the backward pass releases the last reduce-scatter input
        led.free(old)
    rs_prev.clear()
    led.free("ones")   # the loss itself stays referenced until the step's function returns

    # ----- optimizer step: foreach AdamW's sqrt of every exp_avg_sq ----------------------------------
    led.phase = "optimizer_step"
    led.add("sqrt_all", _OPT, shard_total * p)
    led.free("sqrt_all")
    return led


@v.takes_config
def rank_peak_breakdown(cfg: ModelConfig, micro_batch: int, seq_len: int, *, dp_shard: int, dp_replicate: int = 1,
                        tp: int = 1, sp: bool = True, reshard_after_forward: bool = True, regime: str = "bf16",
                        checkpointing: bool = False, loss_parallel: bool = True) -> dict[str, int]:
    """Bytes of the live tensors on one rank at the peak of the step, by term (``RANK_TERMS``: the categories
    of torch's FSDPMemTracker, ``TRACKER_CATEGORIES``) and ``total``; exact integers of the replay described
    in the module docstring. Tensors are counted in the category the tracker gives them: ``activations`` are
    those made in the forward pass (logits included), ``temporaries`` those made in the backward pass (a
    parameter's gradient too, until its group's post-backward makes it an ``unsharded_gradients`` entry)."""
    b, s, d, tp = _check_rank(cfg, micro_batch, seq_len, dp_shard, dp_replicate, tp, sp, reshard_after_forward,
                              regime, checkpointing, loss_parallel)
    led = _replay(cfg, b, s, d, tp, sp, reshard_after_forward, regime, checkpointing, loss_parallel)
    out = dict(led.peak_terms)
    out["total"] = led.peak
    return out


@v.takes_config
def rank_peak_bytes(cfg: ModelConfig, micro_batch: int, seq_len: int, *, dp_shard: int, dp_replicate: int = 1,
                    tp: int = 1, sp: bool = True, reshard_after_forward: bool = True, regime: str = "bf16",
                    checkpointing: bool = False, loss_parallel: bool = True) -> int:
    """Peak bytes of live tensors on one rank during a steady-state training step of the Hugging Face model
    for ``cfg`` under FSDP2 (``fully_shard`` on every decoder layer, then the root) over ``dp_shard`` ranks
    (× ``dp_replicate`` replicas: HSDP), with ``tp``-way tensor parallelism (``sp``: sequence parallelism;
    ``loss_parallel``: vocabulary-parallel loss), as torch 2.13.0 and transformers 5.23.0 run it.

    ``micro_batch`` sequences of ``seq_len`` tokens per data-parallel rank; ``regime`` "bf16" (bf16
    parameters and AdamW states) or "amp" (fp32 sharded parameters, ``MixedPrecisionPolicy(bf16, reduce
    fp32)``); ``reshard_after_forward`` True (ZeRO-3 style) or False (ZeRO-2 style);
    ``checkpointing``: activation checkpointing of every decoder layer. AdamW foreach, SDPA attention.
    Tensor bytes only (no NCCL buffers, allocator overhead or CUDA context). The replay and its
    assumptions are in the module docstring; :func:`rank_peak_breakdown` gives the terms at the peak,
    :func:`rank_peak_moments` the maximum of each phase; ``docs/rank-memory.md`` compares it with
    FSDPMemTracker over a grid of shapes, world sizes and layouts.
    """
    return rank_peak_breakdown(cfg, micro_batch, seq_len, dp_shard=dp_shard, dp_replicate=dp_replicate, tp=tp,
                               sp=sp, reshard_after_forward=reshard_after_forward, regime=regime,
                               checkpointing=checkpointing, loss_parallel=loss_parallel)["total"]


@v.takes_config
def rank_peak_moments(cfg: ModelConfig, micro_batch: int, seq_len: int, *, dp_shard: int, dp_replicate: int = 1,
                      tp: int = 1, sp: bool = True, reshard_after_forward: bool = True, regime: str = "bf16",
                      checkpointing: bool = False, loss_parallel: bool = True) -> dict[str, int]:
    """The largest live-tensor bytes on one rank within each phase of the step (``RANK_PHASES``): forward,
    loss_backward, lm_head_backward, layers_backward, embedding_backward, root_post_backward (the root's
    gradients reduce-scattered), optimizer_step."""
    b, s, d, tp = _check_rank(cfg, micro_batch, seq_len, dp_shard, dp_replicate, tp, sp, reshard_after_forward,
                              regime, checkpointing, loss_parallel)
    led = _replay(cfg, b, s, d, tp, sp, reshard_after_forward, regime, checkpointing, loss_parallel)
    return {phase: led.phase_max.get(phase, 0) for phase in RANK_PHASES}


# ----- the textbook formula for the same layout, and the categories it can be compared with --------------

# which of the tracker's categories each term of llmcalc.memory's per-device estimate stands for
FORMULA_GROUPS = {
    "parameters": ("sharded_parameters", "unsharded_parameters", "all_gather_buffers"),
    "gradients": ("sharded_gradients", "unsharded_gradients", "reduce_scatter_buffers"),
    "optimizer_states": ("optimizer_states",),
    "activations": ("activations", "temporaries", "buffers", "inputs"),
}


def grouped(by_term: dict) -> dict[str, int]:
    """A breakdown by ``RANK_TERMS`` (or by the tracker's category names) summed into ``FORMULA_GROUPS``:
    parameters (sharded, gathered, all-gather buffers), gradients (sharded, unsharded, reduce-scatter buffers),
    optimizer_states, activations (everything made by the forward and backward passes that the tracker does
    not call a parameter, gradient or state: saved activations, logits, temporaries, the gradients of a group
    before its reduce-scatter, buffers and inputs), and ``total``."""
    names = {cat: term for term, cat in TRACKER_CATEGORIES.items()}
    values = {names.get(k, k): x for k, x in by_term.items() if names.get(k, k) in RANK_TERMS}
    out = {group: sum(values.get(term, 0) for term in terms) for group, terms in FORMULA_GROUPS.items()}
    out["total"] = sum(out.values())
    return out


@v.takes_config
def zero_formula_bytes(cfg: ModelConfig, micro_batch: int, seq_len: int, *, dp_shard: int, dp_replicate: int = 1,
                       tp: int = 1, sp: bool = True, reshard_after_forward: bool = True, regime: str = "bf16",
                       checkpointing: bool = False, loss_parallel: bool = True) -> dict[str, int | float]:
    """What the textbook formula (:func:`llmcalc.memory.training_bytes_per_device`) says one rank of this
    layout holds, in ``FORMULA_GROUPS`` (parameters = weights + fp32 master, gradients, optimizer_states,
    activations = activations + logits) and ``total``:

    * model states: ZeRO stage 3 (``reshard_after_forward=True``) or 2 (False) over ``dp_shard`` ranks (HSDP's
      replicas do not shard), split ``tp`` ways; bytes per parameter as the recipe keeps them: "bf16" weights
      2 + gradients 2 + AdamW 2 × 2 = 8, "amp" the ZeRO paper's mixed precision, 16 (fp32 master 4 + AdamW 8,
      bf16 weights and gradients 2 + 2; FSDP2 keeps fp32 gradients and no bf16 copy between steps: the same 16);
    * activations: :func:`llmcalc.memory.activation_bytes` of every layer with the options that describe this
      run (``flash_attention=True`` for SDPA, ``norm_fp32=True`` for Hugging Face's RMSNorm, no dropout; full
      recompute when checkpointing, TP and SP as given);
    * logits: one fp32 copy, split over TP with loss parallelism (:func:`llmcalc.memory.logits_bytes`).

    No all-gather or reduce-scatter buffer, gathered layer, unsharded gradient or temporary is in it."""
    from .memory import training_bytes_per_device

    b, s, d, tp = _check_rank(cfg, micro_batch, seq_len, dp_shard, dp_replicate, tp, sp, reshard_after_forward,
                              regime, checkpointing, loss_parallel)
    states = formula_regime(regime)
    est = training_bytes_per_device(cfg, b, s, regime=states, zero_stage=3 if reshard_after_forward else 2, dp=d,
                                    tp=tp, sp=sp and tp > 1, recompute="full" if checkpointing else "none",
                                    flash_attention=True, norm_fp32=True, bytes_per_value=2, logits_bytes_per_value=4)
    from .memory import model_state_breakdown

    ms = model_state_breakdown(cfg, states, 3 if reshard_after_forward else 2, d, model_parallel=tp)
    logits = est["logits"] if (loss_parallel or tp == 1) else est["logits"] * tp   # gathered: the whole vocabulary
    out = {"parameters": ms["weights"] + ms["master"], "gradients": ms["grads"], "optimizer_states": ms["optimizer"],
           "activations": est["activations"] + logits}
    out["total"] = sum(out.values())
    return out


def formula_regime(regime: str):
    """The :class:`llmcalc.memory.Regime` that describes a recipe's bytes per parameter: ``"bf16"`` weights 2 +
    gradients 2 + AdamW 2 × 2 (8), ``"amp"`` the ZeRO paper's mixed precision (16: fp32 master 4 + AdamW 8, with
    weights and gradients counted at 2 + 2; FSDP2 keeps fp32 gradients and no bf16 weights between steps, the same
    16 bytes)."""
    from .memory import Regime

    v.choice("regime", regime, RANK_REGIMES)
    if regime == "amp":
        return Regime("mixed", 2, 2, 4, 8, "ZeRO mixed precision, 16 bytes per parameter")
    return Regime("bf16", 2, 2, 0, 4, "bf16 parameters, gradients and AdamW states, 8 bytes per parameter")


@v.takes_config
def planner_bytes(cfg: ModelConfig, micro_batch: int, seq_len: int, *, dp_shard: int, dp_replicate: int = 1,
                  tp: int = 1, sp: bool = True, reshard_after_forward: bool = True, regime: str = "bf16",
                  checkpointing: bool = False, loss_parallel: bool = True, chip: str = "H100") -> float:
    """The memory per device that :func:`llmcalc.planner.layout` gives this layout (bytes): ``tp`` × data
    parallel ``dp_replicate·dp_shard`` chips of ``chip``, one micro-batch of ``micro_batch`` sequences per
    step, ZeRO stage 3 (``reshard_after_forward``) or 2 over the ``dp_shard`` ranks of a shard group
    (``zero_group`` for HSDP; stage 0 on one rank), ``stack="fsdp2"`` (the planner's FSDP2 memory,
    :func:`llmcalc.memory.fsdp2_bytes_per_device`), the bytes per parameter of :func:`formula_regime`, flash
    attention, SwiGLU not fused (transformers keeps silu(gate)), ``norm_fp32=True`` (its RMSNorm keeps fp32 copies),
    full recompute when checkpointing, ``loss_parallel`` as given. Imports the planner (numpy, pandas)."""
    import importlib

    b, s, d, tp = _check_rank(cfg, micro_batch, seq_len, dp_shard, dp_replicate, tp, sp, reshard_after_forward,
                              regime, checkpointing, loss_parallel)
    planner = importlib.import_module(".planner", __package__)
    dp = dp_replicate * d
    zero = (3 if reshard_after_forward else 2) if dp > 1 else 0
    row = planner.layout(cfg, chip, dp * tp, b * s * dp, s, tp=tp, zero=zero, sp=sp and tp > 1, micro_batch=b,
                         recompute="full" if checkpointing else "none", regime=formula_regime(regime),
                         attention="flash", fused_swiglu=False, norm_fp32=True, loss_parallel=loss_parallel,
                         stack="fsdp2",
                         zero_group=d if dp_replicate > 1 else None)
    return float(row["memory_gib"]) * 2**30
