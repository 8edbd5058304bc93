"""Measure one rank's peak memory of a training step under PyTorch's own FSDP2 and tensor/sequence parallelism.

A Hugging Face ``LlamaForCausalLM`` is built from a config dict under ``FakeTensorMode`` (CPU fake tensors:
shapes, dtypes and storages, no data), parallelised for a world of ``dp_replicate × dp_shard × tp`` ranks
of the fake process group (``torch.testing._internal.distributed.fake_pg.FakeStore``, backend ``"fake"``:
every collective returns at once with a tensor of the right shape), and trained for two steps with
``torch.optim.AdamW`` (``foreach=True``); the second step runs inside
``torch.distributed._tools.fsdp2_mem_tracker.FSDPMemTracker``, whose peak is the measurement: the largest
sum of live tensor storages on rank 0, with its split into the tracker's categories at that moment.

The recipe (what an engineer writes with torch 2.13's public APIs):

1. optional TP (``tp > 1``) with ``parallelize_module`` on the ``"tp"`` dimension of a device mesh,
   Megatron-style: q/k/v, gate and up ``ColwiseParallel``, o and down ``RowwiseParallel``, the embedding
   ``RowwiseParallel`` (vocabulary split), the LM head ``ColwiseParallel``. With ``sp=True`` (sequence
   parallelism) the residual stream between the blocks is sharded along the sequence (``Shard(1)``): both
   RMSNorms of every layer and the final norm are ``SequenceParallel``, the attention and MLP inputs are
   all-gathered by ``PrepareModuleInput``, o and down reduce-scatter back to ``Shard(1)``; that stream stays
   a ``DTensor`` (``use_local_output=False``): transformers' ``LlamaModel`` reads the sequence length from the
   embedding's output to build the rotary cos/sin and the mask, and a local shard would give it ``s/tp``.
   Without SP the residual stream is replicated, a plain tensor (o and down all-reduce).
   ``loss_parallel=True`` (torchtitan's default) keeps the logits sharded over the vocabulary (``Shard(-1)``)
   and runs the loss under ``torch.distributed.tensor.parallel.loss_parallel()``; ``False`` gathers them
   (``Replicate()``) and every TP rank computes the whole loss.
2. optional activation checkpointing: transformers' ``gradient_checkpointing_enable`` (non-reentrant
   ``torch.utils.checkpoint`` around every decoder layer, FSDP's hooks inside the checkpointed call).
3. FSDP2: ``fully_shard`` on every decoder layer with ``reshard_after_forward`` (True: ZeRO-3 style, the
   layer's parameters are gathered again for the backward pass; False: ZeRO-2 style, kept gathered from the
   forward to the backward pass), then on the root (its default: not resharded after forward). The mesh is
   ``dp_shard`` ranks (FSDP) or ``dp_replicate × dp_shard`` (HSDP: sharded within a group, replicated across
   groups). ``regime="bf16"``: the model is built in bf16 (parameters, gradients and AdamW states 2 bytes);
   ``"amp"``: built in fp32 with ``MixedPrecisionPolicy(param_dtype=bfloat16, reduce_dtype=float32)`` (fp32
   sharded parameters, i.e. the master copy, fp32 gradients and states; bf16 gathered parameters and compute).
4. the step, as ``tools/measure_peak_memory.py`` runs it on one device::

       loss = model(input_ids=ids, labels=ids).loss          # under loss_parallel() when TP shards the logits
       loss.backward(); optimizer.step(); optimizer.zero_grad(set_to_none=True)

   ``ids``: ``micro_batch × seq_len`` token ids per data-parallel rank (the same on the TP ranks of a group).

The model is built under ``FakeTensorMode`` but parallelised outside it: ``DeviceMesh`` builds real index
tensors when FSDP2 joins the data-parallel and TP meshes, which a fake mode refuses; the parameters are fake
tensors either way. As in ``tools/measure_peak_memory.py``, transformers' packed-sequence detection (which
cannot read fake values) is patched to the branch real tensors take.

The fake process group does no communication, so this measures what each rank *allocates*: communication
buffers (all-gather outputs, reduce-scatter inputs) are tensors the tracker sees, but NCCL's own
internal buffers, the CUDA caching allocator's rounding and fragmentation, and the CUDA context are not.

Usage:
    python tools/measure_rank_peak.py [--record]     every case of grid_cases() (docs/rank-memory.md, ~10 min
                                                     on 2 cores); --record prints llmcalc.measured.RankPeak lines
    python tools/measure_rank_peak.py --full-size [--record]   FULL_SIZE_CASES (LLaMA-3-8B, -70B; ~6 min)
    python tools/measure_rank_peak.py --off-grid [--record]    OFF_GRID only (the last 18 steps of the grid)
    python tools/measure_rank_peak.py --presets [--record]     the preset grid (Llama 2 7B/13B, Llama 3 8B/70B, 160
                                                     steps; about 40 min on 2 cores)
    python tools/measure_rank_peak.py --random FIRST COUNT     random_case(FIRST ...): exact or not, each
    python tools/measure_rank_peak.py --sweep        the closed form (fsdp2_bytes_per_device) against the replay over
                                                     every dense preset and layout of closed_form_sweep (no
                                                     measurement; about 30 s)
    python tools/measure_rank_peak.py --markdown     the tables of docs/rank-memory.md from llmcalc.measured
                                                     (no measurement): each record against rank_peak_bytes,
                                                     llmcalc.memory and the planner
    python tools/measure_rank_peak.py --case SHAPE B S key=value ...   one case: both breakdowns and the
                                                     live tensors at the peak (SHAPE: a RANK_SHAPES key or preset)
Needs torch and transformers (``make crosscheck`` installs them); nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import time
from pathlib import Path

GiB = 2**30

# FSDPMemTracker's categories (torch.distributed._tools.fsdp2_mem_tracker._FSDPRefType values)
CATEGORIES = ("Sharded Param", "Unsharded Param", "Buffer", "Sharded Grad", "Unsharded Grad", "Activation", "Temp",
              "All Gather", "Reduce Scatter", "OptState", "Inputs")


@functools.lru_cache(maxsize=None)
def _single_device_tool():
    """tools/measure_peak_memory.py, loaded by path (tools/ is not a package): its fake-tensor mask patch
    serves both measurements."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("measure_peak_memory", Path(__file__).with_name("measure_peak_memory.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _real_tensor_mask_branch():
    """The same patch as the single-device tool's (one transformers fake-tensor mask artefact)."""
    return _single_device_tool()._real_tensor_mask_branch()


@contextlib.contextmanager
def _propagation_in_its_own_fake_mode():
    """DTensor computes an op's output metadata by running it on fake tensors of the *global* shape, in the
    active fake mode if there is one (``detect_fake_mode() or FakeTensorMode()``). In a real run that is a
    fake mode of its own, which allocates nothing and which FSDPMemTracker skips; under this tool's
    FakeTensorMode it would be the measured mode, and the tracker would count global-shape tensors that no
    real run allocates (the whole vocabulary's log-softmax under loss parallelism, say). Make it a mode of its
    own, as in a real run."""
    import torch.distributed.tensor._sharding_prop as sharding_prop

    original = sharding_prop.detect_fake_mode
    sharding_prop.detect_fake_mode = lambda *args, **kwargs: None
    try:
        yield
    finally:
        sharding_prop.detect_fake_mode = original


_WORLD = {"size": None}


def _init_world(world_size: int) -> None:
    """(Re)start the fake process group with ``world_size`` ranks; this process is rank 0."""
    import torch.distributed as dist
    from torch.testing._internal.distributed.fake_pg import FakeStore

    if _WORLD["size"] == world_size and dist.is_initialized():
        return
    if dist.is_initialized():
        dist.destroy_process_group()
    dist.init_process_group("fake", store=FakeStore(), rank=0, world_size=world_size)
    _WORLD["size"] = world_size
    _WORLD["meshes"] = {}


def _mesh(dp_replicate: int, dp_shard: int, tp: int):
    """The (dp_replicate, dp_shard, tp) device mesh, made once per world (each mesh creates its process groups)."""
    from torch.distributed.device_mesh import init_device_mesh

    _init_world(dp_replicate * dp_shard * tp)
    key = (dp_replicate, dp_shard, tp)
    if key not in _WORLD["meshes"]:
        _WORLD["meshes"][key] = init_device_mesh("cpu", key, mesh_dim_names=("dp_replicate", "dp_shard", "tp"))
    return _WORLD["meshes"][key]


def _tp_plan(sp: bool, loss_parallel: bool):
    """(root plan, per-layer plan) for ``parallelize_module``."""
    from torch.distributed.tensor import Replicate, Shard
    from torch.distributed.tensor.parallel import (ColwiseParallel, PrepareModuleInput, RowwiseParallel,
                                                   SequenceParallel)

    stream = Shard(1) if sp else Replicate()   # the residual stream's layout between blocks
    local = not sp                             # a replicated stream is a plain tensor, a sharded one a DTensor
    root = {
        "model.embed_tokens": RowwiseParallel(input_layouts=Replicate(), output_layouts=stream, use_local_output=local),
        "lm_head": ColwiseParallel(input_layouts=stream, output_layouts=Shard(-1) if loss_parallel else Replicate(),
                                   use_local_output=not loss_parallel),
    }
    layer = {
        "self_attn.q_proj": ColwiseParallel(),
        "self_attn.k_proj": ColwiseParallel(),
        "self_attn.v_proj": ColwiseParallel(),
        "self_attn.o_proj": RowwiseParallel(output_layouts=stream, use_local_output=local),
        "mlp.gate_proj": ColwiseParallel(),
        "mlp.up_proj": ColwiseParallel(),
        "mlp.down_proj": RowwiseParallel(output_layouts=stream, use_local_output=local),
    }
    if sp:
        root["model.norm"] = SequenceParallel()
        layer.update({
            "input_layernorm": SequenceParallel(),
            "post_attention_layernorm": SequenceParallel(),
            "self_attn": PrepareModuleInput(input_kwarg_layouts={"hidden_states": Shard(1)},
                                            desired_input_kwarg_layouts={"hidden_states": Replicate()}),
            "mlp": PrepareModuleInput(input_layouts=(Shard(1),), desired_input_layouts=(Replicate(),)),
        })
    return root, layer


class _TimelineTracker:
    """Wraps an FSDPMemTracker class to record, after every op, (total, categories, op, module path, backward?,
    optimizer?), and the live storages at the peak: (bytes, category, the op and module that created it)."""

    @staticmethod
    def make(base):
        class Tracker(base):
            def __init__(self, *a, **k):
                super().__init__(*a, **k)
                self.timeline = []
                self.live_at_peak = []
                self._op = ""
                self._labels = {}
                self._best = -1

            def __torch_dispatch__(self, func, types, args=(), kwargs=None):
                self._op = str(func).replace("aten.", "")
                return super().__torch_dispatch__(func, types, args, kwargs)

            def _where(self):
                mods = [x for x in self._mod_tracker.parents if x != "Global"]
                return max(mods, key=len) if mods else ""

            def _label_new(self):
                for winfo, _ in list(self._WINFO.values()):
                    if id(winfo) not in self._labels:
                        self._labels[id(winfo)] = (self._op, self._where(), "B" if self._mod_tracker.is_bw else "F")

            def _update_peak_stats(self, peak_state):
                super()._update_peak_stats(peak_state)
                self._label_new()
                snap = self._curr_mem_snap
                total = sum(dev[_total_key()] for dev in snap.values())
                cats = {}
                for dev in snap.values():
                    for key, value in dev.items():
                        name = getattr(key, "value", key)
                        if name in CATEGORIES and value:
                            cats[name] = cats.get(name, 0) + value
                self.timeline.append((total, cats, self._op, self._where(), self._mod_tracker.is_bw, self._in_opt))
                if total > self._best:
                    self._best = total
                    self.live_at_peak = sorted(
                        ((w.mem_consumed, getattr(w.reftype, "value", w.reftype), self._labels.get(id(w)))
                         for w, _ in self._WINFO.values() if w.mem_consumed), key=lambda x: -x[0])
        return Tracker


def _total_key():
    return "Total"


def build(hf_config: dict, *, dp_shard: int, dp_replicate: int = 1, tp: int = 1, sp: bool = True,
          reshard_after_forward: bool = True, regime: str = "bf16", checkpointing: bool = False,
          loss_parallel: bool = True, attention: str = "sdpa"):
    """The parallelised model and its fake mode (see the module docstring for the recipe)."""
    import torch
    import transformers
    from torch._subclasses.fake_tensor import FakeTensorMode
    from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard
    from torch.distributed.tensor.parallel import parallelize_module

    for name, value in (("dp_shard", dp_shard), ("dp_replicate", dp_replicate), ("tp", tp)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    if regime not in ("bf16", "amp"):
        raise ValueError(f"regime must be one of ['bf16', 'amp'], got {regime!r}")
    mesh = _mesh(dp_replicate, dp_shard, tp)
    config = transformers.LlamaConfig(**hf_config)
    dtype = torch.bfloat16 if regime == "bf16" else torch.float32
    mode = FakeTensorMode()
    with mode, torch.device("cpu"):
        model = transformers.AutoModelForCausalLM.from_config(config, attn_implementation=attention, dtype=dtype)
    if tp > 1:
        root_plan, layer_plan = _tp_plan(sp, loss_parallel)
        parallelize_module(model, mesh["tp"], root_plan)
        for layer in model.model.layers:
            parallelize_module(layer, mesh["tp"], layer_plan)
    if checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    dp_mesh = mesh["dp_replicate", "dp_shard"] if dp_replicate > 1 else mesh["dp_shard"]
    mp = MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32) if regime == "amp" \
        else MixedPrecisionPolicy()
    for layer in model.model.layers:
        fully_shard(layer, mesh=dp_mesh, reshard_after_forward=reshard_after_forward, mp_policy=mp)
    fully_shard(model, mesh=dp_mesh, mp_policy=mp)
    return model, mode, config


def measure(hf_config: dict, micro_batch: int, seq_len: int, *, dp_shard: int, dp_replicate: int = 1, tp: int = 1,
            sp: bool = True, reshard_after_forward: bool = True, regime: str = "bf16", checkpointing: bool = False,
            loss_parallel: bool = True, timeline: bool = False) -> dict:
    """Rank 0's peak bytes in the second training step, measured by FSDPMemTracker; returns
    ``{"peak_bytes": int, "by_category": {category: bytes at the peak}, "seconds": float}`` and, with
    ``timeline=True``, ``"timeline"``: one entry per op, (total, categories, op, modules, backward?, optimizer?)."""
    import torch
    import transformers
    from torch.distributed._tools.fsdp2_mem_tracker import FSDPMemTracker
    from torch.distributed.tensor.parallel import loss_parallel as loss_parallel_ctx

    started = time.perf_counter()
    verbosity = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_error()   # "use_cache=True is incompatible with checkpointing"
    import warnings

    with warnings.catch_warnings(), _real_tensor_mask_branch(), _propagation_in_its_own_fake_mode():
        warnings.simplefilter("ignore")          # FSDP2: "returned a view tensor" (the loss output)
        model, mode, config = build(hf_config, dp_shard=dp_shard, dp_replicate=dp_replicate, tp=tp, sp=sp,
                                    reshard_after_forward=reshard_after_forward, regime=regime,
                                    checkpointing=checkpointing, loss_parallel=loss_parallel)
        sharded_logits = tp > 1 and loss_parallel
        with mode:
            model.train()
            optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, foreach=True)
            ids = (torch.arange(micro_batch * seq_len, dtype=torch.int64) * 7919 % config.vocab_size).reshape(
                micro_batch, seq_len)

            def step():
                with loss_parallel_ctx() if sharded_logits else contextlib.nullcontext():
                    loss = model(input_ids=ids, labels=ids).loss
                    loss.backward()
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)

            step()
            cls = _TimelineTracker.make(FSDPMemTracker) if timeline else FSDPMemTracker
            tracker = cls(model, optimizer)
            tracker.track_inputs((ids,))
            with tracker:
                step()
            snapshot = tracker.get_tracker_snapshot("peak")
    transformers.logging.set_verbosity(verbosity)
    peak, by_category = _single_device_tool().peak_by_category(snapshot, CATEGORIES)
    out = {"peak_bytes": peak, "by_category": by_category, "seconds": time.perf_counter() - started}
    if timeline:
        out["timeline"] = tracker.timeline
        out["live_at_peak"] = tracker.live_at_peak
    return out


def model_config(hf_config: dict):
    """The llmcalc ModelConfig of a LlamaConfig dict."""
    import llmcalc

    return llmcalc.ModelConfig.from_hf(dict(hf_config, model_type="llama"))


def hf_config_of(shape: str) -> dict:
    """LlamaConfig keyword arguments of a ``llmcalc.measured.RANK_SHAPES`` key or a preset name."""
    import llmcalc
    from llmcalc import measured

    return measured.RANK_SHAPES[shape] if shape in measured.RANK_SHAPES else llmcalc.preset_hf_config(shape)


def cfg_of(shape: str):
    import llmcalc
    from llmcalc import measured

    return model_config(measured.RANK_SHAPES[shape]) if shape in measured.RANK_SHAPES else llmcalc.preset(shape)


# ----- the grid of docs/rank-memory.md -----------------------------------------------------------------
# shape -> (micro_batch, seq_len, TP degrees it allows)
GRID_SHAPES = {"A": (2, 256, (1, 2, 4, 8)), "B": (1, 512, (1, 2, 4)), "C": (1, 128, (1, 2)), "D": (4, 1024, (1,)),
               "E": (2, 512, (1, 2, 4, 8))}
WORLD_SIZES = (8, 64, 512)
# (regime, reshard_after_forward): ZeRO-3 style in bf16 and in amp, ZeRO-2 style in bf16
STATE_LAYOUTS = (("bf16", True), ("amp", True), ("bf16", False))


def grid_cases() -> list[tuple[str, int, int, dict]]:
    """(shape, micro_batch, seq_len, layout keyword arguments) of every measured case:

    * main: every shape × world size 8, 64, 512 × every TP degree the shape allows (SP, loss parallel; FSDP
      over the rest) × {bf16 ZeRO-3, amp ZeRO-3, bf16 ZeRO-2} × {no checkpointing, checkpointing};
    * at world size 64, every TP > 1 layout without SP, and without loss parallelism, × checkpointing;
    * HSDP at world size 64 (8 replicas of 8, 4 of 8 × TP 2, 2 of 4 × TP 8 where allowed) in bf16 and amp;
    * shape A at other micro-batches and lengths (1 × 128, 8 × 1024) at world sizes 8 and 64, TP 1 and 2;
    * ``OFF_GRID``: 18 steps at 5, 6, 12 and 16 ranks with odd batches and lengths.
    """
    out = []
    for ws in WORLD_SIZES:
        for shape, (b, s, tps) in GRID_SHAPES.items():
            for tp in tps:
                for regime, rafo in STATE_LAYOUTS:
                    for ckpt in (False, True):
                        out.append((shape, b, s, dict(dp_shard=ws // tp, tp=tp, regime=regime,
                                                      reshard_after_forward=rafo, checkpointing=ckpt)))
    for shape, (b, s, tps) in GRID_SHAPES.items():
        for tp in tps:
            if tp == 1:
                continue
            for ckpt in (False, True):
                out.append((shape, b, s, dict(dp_shard=64 // tp, tp=tp, sp=False, checkpointing=ckpt)))
                out.append((shape, b, s, dict(dp_shard=64 // tp, tp=tp, loss_parallel=False, checkpointing=ckpt)))
    for shape, (b, s, tps) in GRID_SHAPES.items():
        for rep, shard, tp in ((8, 8, 1), (4, 8, 2), (2, 4, 8)):
            if tp in tps:
                for regime in ("bf16", "amp"):
                    out.append((shape, b, s, dict(dp_replicate=rep, dp_shard=shard, tp=tp, regime=regime)))
    for b, s in ((1, 128), (8, 1024)):
        for ws in (8, 64):
            for tp in (1, 2):
                out.append(("A", b, s, dict(dp_shard=ws // tp, tp=tp)))
    return out + OFF_GRID


# Off the grid: data-parallel degrees that are not powers of two (3, 5, 6, 12: every shard padded), odd
# micro-batches and lengths, tied embeddings with ZeRO-2 and amp, peaks inside the first layer's backward pass.
# Two replay errors were found with these (a tied embedding's gradient sum; when cos and sin die) and fixed.
OFF_GRID = [
    ("B", 3, 384, dict(dp_shard=4, tp=4, checkpointing=True, regime="amp")),
    ("E", 1, 2048, dict(dp_shard=2, tp=8, sp=False, reshard_after_forward=False)),
    ("A", 4, 64, dict(dp_shard=3, tp=2)),
    ("A", 4, 64, dict(dp_shard=6, regime="amp", checkpointing=True)),
    ("C", 2, 96, dict(dp_shard=5)),
    ("D", 1, 100, dict(dp_shard=5, reshard_after_forward=False, regime="amp")),
    ("A", 1, 200, dict(dp_shard=3, tp=4)),
    ("A", 3, 100, dict(dp_shard=3, tp=4, sp=False, loss_parallel=False, regime="amp")),
    ("A", 1, 64, dict(dp_shard=3, tp=4, reshard_after_forward=False, checkpointing=True)),
    ("D", 2, 300, dict(dp_shard=12, checkpointing=True)),
    ("D", 1, 64, dict(dp_shard=12, regime="amp")),
    ("C", 1, 60, dict(dp_shard=6, tp=2, reshard_after_forward=False, regime="amp")),
    ("C", 4, 1024, dict(dp_shard=6, tp=2, checkpointing=True)),
    ("B", 2, 300, dict(dp_shard=3, tp=4, sp=False, checkpointing=True, regime="amp")),
    ("C", 1, 60, dict(dp_shard=12)),
    ("C", 1, 60, dict(dp_shard=12, checkpointing=True, regime="amp")),
    ("E", 1, 36, dict(dp_shard=3, tp=4, regime="amp")),
    ("C", 1, 60, dict(dp_shard=6, tp=2, checkpointing=True)),
]


# Full-size presets (fake tensors), one sequence of 8192 tokens per data-parallel rank: LLaMA-3-8B on 8 GPUs (FSDP,
# four state layouts), on 64 (FSDP; TP 8 × FSDP 8 with and without SP and loss parallelism; HSDP 8 × 8) and on 512
# (FSDP; TP 8 × FSDP 64); LLaMA-3-70B on 64 (TP 8 × FSDP 8) and on 512 (FSDP; TP 8 × FSDP 64, ZeRO-3 and ZeRO-2),
# amp with checkpointing (what fits an 80 GB card).
FULL_SIZE_CASES = [
    ("llama-3-8b", 1, 8192, dict(dp_shard=8)),
    ("llama-3-8b", 1, 8192, dict(dp_shard=8, regime="amp")),
    ("llama-3-8b", 1, 8192, dict(dp_shard=8, reshard_after_forward=False)),
    ("llama-3-8b", 1, 8192, dict(dp_shard=8, regime="amp", checkpointing=True)),
    ("llama-3-8b", 1, 8192, dict(dp_shard=64, regime="amp", checkpointing=True)),
    ("llama-3-8b", 1, 8192, dict(dp_shard=8, tp=8, regime="amp", checkpointing=True)),
    ("llama-3-8b", 1, 8192, dict(dp_shard=8, tp=8, regime="amp", checkpointing=True, sp=False)),
    ("llama-3-8b", 1, 8192, dict(dp_shard=8, tp=8, regime="amp", checkpointing=True, loss_parallel=False)),
    ("llama-3-8b", 1, 8192, dict(dp_shard=8, dp_replicate=8, regime="amp", checkpointing=True)),
    ("llama-3-8b", 1, 8192, dict(dp_shard=512, regime="amp", checkpointing=True)),
    ("llama-3-8b", 1, 8192, dict(dp_shard=64, tp=8, regime="amp", checkpointing=True)),
    ("llama-3-70b", 1, 8192, dict(dp_shard=8, tp=8, regime="amp", checkpointing=True)),
    ("llama-3-70b", 1, 8192, dict(dp_shard=512, regime="amp", checkpointing=True)),
    ("llama-3-70b", 1, 8192, dict(dp_shard=64, tp=8, regime="amp", checkpointing=True)),
    ("llama-3-70b", 1, 8192, dict(dp_shard=64, tp=8, regime="amp", checkpointing=True, reshard_after_forward=False)),
]


# The preset grid: real LLaMA shapes (Llama 2 7B and 13B at 4096 tokens, vocabulary 32,000; Llama 3 8B and 70B at
# 8192, vocabulary 128,256), one sequence per data-parallel rank, at 8, 64 and 512 ranks, FSDP alone and with TP 8
# (and TP 2 and 4 at 64), in three state layouts with activation checkpointing (bf16 ZeRO-3 style, amp ZeRO-3, amp
# ZeRO-2) and two without (bf16 and amp ZeRO-3). The grid on which llmcalc.memory.fsdp2_bytes_per_device and the
# planner's FSDP2 memory are held to 5% (docs/rank-memory.md).
PRESET_GRID_SHAPES = {"llama-2-7b": 4096, "llama-2-13b": 4096, "llama-3-8b": 8192, "llama-3-70b": 8192}
PRESET_GRID_MESHES = ((8, 1), (8, 8), (64, 1), (64, 2), (64, 4), (64, 8), (512, 1), (512, 8))
PRESET_GRID_STATES = (("bf16", True, True), ("amp", True, True), ("amp", False, True), ("bf16", True, False),
                      ("amp", True, False))


def preset_grid_cases() -> list[tuple[str, int, int, dict]]:
    """(shape, micro_batch, seq_len, layout) of the preset grid: every shape × mesh × state layout."""
    out = []
    for shape, s in PRESET_GRID_SHAPES.items():
        for ranks, tp in PRESET_GRID_MESHES:
            for regime, rafo, ckpt in PRESET_GRID_STATES:
                out.append((shape, 1, s, dict(dp_shard=ranks // tp, tp=tp, regime=regime,
                                              reshard_after_forward=rafo, checkpointing=ckpt)))
    return out


RANDOM_WORLDS = (2, 3, 4, 5, 6, 8, 12, 16, 32, 64)


def random_case(i: int):
    """Configuration number ``i`` of the random probe, drawn by ``random.Random(i)``: (hf config dict, micro_batch,
    seq_len, layout keyword arguments). A small LLaMA (D 128-384, 1-3 layers, MHA/GQA/MQA, head width 16-64,
    V 500-6000, biases, tied embeddings without TP), a world of RANDOM_WORLDS[i % 10] ranks split into TP 1/2/4,
    HSDP replicas 1/2 and FSDP, and every switch drawn."""
    import random

    rng = random.Random(i)
    world = RANDOM_WORLDS[i % len(RANDOM_WORLDS)]
    while True:
        tp = rng.choice([x for x in (1, 2, 4) if world % x == 0])
        rep = rng.choice([x for x in (1, 2) if (world // tp) % x == 0])
        heads = rng.choice([4, 8])
        kv = [k for k in (1, 2, 4, 8) if heads % k == 0 and k % tp == 0]
        if kv:
            break
    hf = dict(hidden_size=rng.choice([128, 256, 384]), intermediate_size=rng.choice([f for f in (256, 344, 512, 688) if f % tp == 0]),
              num_hidden_layers=rng.choice([1, 2, 3]), num_attention_heads=heads, num_key_value_heads=rng.choice(kv),
              head_dim=rng.choice([16, 32, 64]), vocab_size=rng.choice([v for v in (500, 1000, 3000, 6000) if v % tp == 0]),
              tie_word_embeddings=tp == 1 and rng.random() < 0.3, attention_bias=rng.random() < 0.2,
              mlp_bias=rng.random() < 0.2)
    b = rng.choice([1, 2, 3])
    s = rng.choice([x for x in (16, 48, 64, 100, 128, 200, 256) if x % tp == 0])
    kw = dict(dp_shard=world // tp // rep, dp_replicate=rep, tp=tp, sp=rng.random() < 0.7,
              reshard_after_forward=rng.random() < 0.6, regime=rng.choice(["bf16", "amp"]),
              checkpointing=rng.random() < 0.5, loss_parallel=rng.random() < 0.7)
    return hf, b, s, kw


def run_random(first: int, count: int, world: int | None) -> None:
    """Measure random_case(i) for i in [first, first + count) (only those of ``world`` ranks if given) and print
    one line per case: exact or not, the replay's error in bytes, the phase of the peak."""
    from llmcalc import rank_memory as rm

    for i in range(first, first + count):
        hf, b, s, kw = random_case(i)
        if world is not None and _defaults(kw)["dp_replicate"] * kw["dp_shard"] * kw["tp"] != world:
            continue
        got = measure(hf, b, s, **kw)
        cfg = model_config(hf)
        pred = rm.rank_peak_breakdown(cfg, b, s, **kw)
        same = all(pred[t] == got["by_category"][c] for t, c in rm.TRACKER_CATEGORIES.items())
        moments = rm.rank_peak_moments(cfg, b, s, **kw)
        print(f"random {i}: {'exact' if same else 'DIFFERENT'} {pred['total'] - got['peak_bytes']:+d} bytes of "
              f"{got['peak_bytes']:,} ({max(moments, key=moments.get)}) b {b} s {s} {hf} {kw}", flush=True)


# The closed form against the replay (exact on every measured step) beyond the measured grids: every dense preset
# the replay accepts, at 2048 and 8192 tokens, FSDP over 2 to 512 ranks, TP 1 to 8 with and without SP, bf16 and amp,
# ZeRO-3 and ZeRO-2 style, with and without checkpointing. A model-against-model comparison, not a measurement.
SWEEP_LENGTHS = (2048, 8192)
SWEEP_SHARDS = (2, 8, 64, 512)


def closed_form_sweep(presets=None):
    """(|closed form / replay - 1|, preset, seq_len, layout) for every configuration of the sweep above that the
    replay accepts (``presets``: names; default every preset it accepts)."""
    import itertools

    import llmcalc
    from llmcalc import memory, models, rank_memory

    out = []
    for name in (presets or models.PRESETS):
        cfg = llmcalc.preset(name)
        for s, d, tp, regime, rafo, ckpt, sp in itertools.product(SWEEP_LENGTHS, SWEEP_SHARDS, (1, 2, 4, 8),
                                                                   ("bf16", "amp"), (True, False), (False, True),
                                                                   (True, False)):
            if tp == 1 and not sp:
                continue
            kw = dict(dp_shard=d, tp=tp, regime=regime, reshard_after_forward=rafo, checkpointing=ckpt, sp=sp)
            try:
                replay = rank_memory.rank_peak_bytes(cfg, 1, s, **kw)
            except ValueError:           # not a dense LLaMA-style model, or a TP degree it cannot split
                continue
            closed = memory.fsdp2_bytes_per_device(cfg, 1, s, **kw)["total"]
            out.append((abs(closed / replay - 1), name, s, kw))
    return out


def _defaults(kw: dict) -> dict:
    full = dict(dp_shard=1, dp_replicate=1, tp=1, sp=True, reshard_after_forward=True, regime="bf16",
                checkpointing=False, loss_parallel=True)
    full.update(kw)
    return full


def record_line(shape: str, b: int, s: int, kw: dict, result: dict) -> str:
    """The ``llmcalc.measured.RankPeak(...)`` source line of one measurement."""
    from llmcalc import measured

    k = _defaults(kw)
    cats = tuple(result["by_category"][c] for c in measured.RANK_CATEGORIES)
    return (f"    RankPeak({shape!r}, {b}, {s}, {k['dp_shard']}, {k['tp']}, {k['regime']!r}, {k['reshard_after_forward']}, "
            f"{k['checkpointing']}, {k['sp']}, {k['loss_parallel']}, {k['dp_replicate']}, {result['peak_bytes']}, "
            f"{cats}, {result['seconds']:.1f}),")


def layout_label(kw: dict) -> str:
    """A layout in a few words: "HSDP 8×8", "FSDP 64", "TP 8 × FSDP 8", "-SP", "-LP", ZeRO-2, amp, ckpt."""
    k = _defaults(kw)
    dp = f"HSDP {k['dp_replicate']}×{k['dp_shard']}" if k["dp_replicate"] > 1 else f"FSDP {k['dp_shard']}"
    parts = [f"TP {k['tp']} × {dp}" if k["tp"] > 1 else dp]
    if k["tp"] > 1 and not k["sp"]:
        parts.append("no SP")
    if k["tp"] > 1 and not k["loss_parallel"]:
        parts.append("no loss parallel")
    parts.append("ZeRO-3" if k["reshard_after_forward"] else "ZeRO-2")
    parts.append(k["regime"])
    if k["checkpointing"]:
        parts.append("ckpt")
    return ", ".join(parts)


def formula_comparison(record) -> dict:
    """One recorded measurement against ``llmcalc.rank_peak_bytes``, the closed form
    (``llmcalc.memory.fsdp2_bytes_per_device``), the textbook formula
    (``llmcalc.rank_memory.zero_formula_bytes``: ``llmcalc.memory.training_bytes_per_device`` for this layout)
    and the planner (``llmcalc.planner.layout`` on as many H100s, one micro-batch per step, the same state
    bytes, flash attention, no fused SwiGLU); the formula's error per group of ``FORMULA_GROUPS`` is given as a
    share of the measured peak (a group can be 0 at the measured moment)."""
    from llmcalc import measured, memory, rank_memory as rm

    cfg = cfg_of(record.shape)
    kw = record.layout()
    got = dict(zip(measured.RANK_CATEGORIES, record.by_category))
    measured_groups = rm.grouped(got)
    pred = rm.rank_peak_breakdown(cfg, record.micro_batch, record.seq_len, **kw)
    formula = rm.zero_formula_bytes(cfg, record.micro_batch, record.seq_len, **kw)
    planned = rm.planner_bytes(cfg, record.micro_batch, record.seq_len, **kw)
    closed = memory.fsdp2_bytes_per_device(cfg, record.micro_batch, record.seq_len, **kw)
    peak = record.peak_bytes
    moments = rm.rank_peak_moments(cfg, record.micro_batch, record.seq_len, **kw)
    return {
        "measured": peak,
        "measured_groups": measured_groups,
        "rank_peak": pred["total"],
        "rank_peak_error": (pred["total"] - peak) / peak,
        "rank_peak_group_error": {g: (rm.grouped(pred)[g] - measured_groups[g]) / peak for g in rm.FORMULA_GROUPS},
        "formula": formula["total"],
        "formula_error": (formula["total"] - peak) / peak,
        "formula_group_error": {g: (formula[g] - measured_groups[g]) / peak for g in rm.FORMULA_GROUPS},
        "planner": planned,
        "planner_error": (planned - peak) / peak,
        "closed": closed["total"],
        "closed_error": (closed["total"] - peak) / peak,
        "closed_group_error": {g: (closed[g] - measured_groups[g]) / peak for g in rm.FORMULA_GROUPS},
        "closed_moment": closed["moment"],
        "phase": max(moments, key=moments.get),
    }


def markdown_tables() -> str:
    """The tables of docs/rank-memory.md, from llmcalc.measured.RANK_PEAKS and RANK_PRESET_GRID (nothing is
    re-measured)."""
    from llmcalc import measured, rank_memory as rm

    head = ["| shape | b × s | ranks | layout | measured MiB | rank_peak_bytes | closed form | llmcalc.memory | planner "
            "| peak phase |", "|---|---|---|---|---|---|---|---|---|---|"]

    def table(records):
        lines, rows = list(head), []
        for r in records:
            c = formula_comparison(r)
            rows.append(c)
            lines.append(f"| {r.shape} | {r.micro_batch} × {r.seq_len} | {r.world_size} | {layout_label(r.layout())} | "
                         f"{r.peak_bytes / 2**20:,.2f} | {100 * c['rank_peak_error']:+.6f}% | "
                         f"{100 * c['closed_error']:+.2f}% | {100 * c['formula_error']:+.1f}% | "
                         f"{100 * c['planner_error']:+.1f}% | {c['phase']} |")
        return lines, rows

    def stats(values):
        v = sorted(values)
        return f"{100 * v[0]:+.1f}% | {100 * v[len(v) // 2]:+.1f}% | {100 * v[-1]:+.1f}%"

    def summary(title, chosen, planner_scope):
        out = ["", f"{title} ({len(chosen)} steps):", "", "| compared with the measured peak | min | median | max |",
               "|---|---|---|---|"]
        worst = max(abs(c["rank_peak_error"]) for c in chosen)
        out.append(f"| rank_peak_bytes, total (largest \\|error\\| {100 * worst:.6f}%) | "
                   + stats([c["rank_peak_error"] for c in chosen]) + " |")
        within = sum(abs(c["closed_error"]) <= measured.FSDP2_CLOSED_FORM_CLAIM for c in chosen)
        out.append(f"| closed form (fsdp2_bytes_per_device), total ({within} of {len(chosen)} within "
                   f"{100 * measured.FSDP2_CLOSED_FORM_CLAIM:.0f}%) | " + stats([c["closed_error"] for c in chosen]) + " |")
        for g in rm.FORMULA_GROUPS:
            out.append(f"| closed form, {g.replace('_', ' ')} (share of the peak) | "
                       + stats([c["closed_group_error"][g] for c in chosen]) + " |")
        scoped = [c for c, ok in zip(chosen, planner_scope) if ok]
        within = sum(abs(c["planner_error"]) <= measured.FSDP2_CLOSED_FORM_CLAIM for c in scoped)
        out.append(f"| planner (stack fsdp2), total, over at least two FSDP ranks "
                   f"({within} of {len(scoped)} within {100 * measured.FSDP2_CLOSED_FORM_CLAIM:.0f}%) | "
                   + stats([c["planner_error"] for c in scoped]) + " |")
        out.append("| llmcalc.memory (the ZeRO formula), total | " + stats([c["formula_error"] for c in chosen]) + " |")
        for g in rm.FORMULA_GROUPS:
            out.append(f"| llmcalc.memory, {g.replace('_', ' ')} (share of the peak) | "
                       + stats([c["formula_group_error"][g] for c in chosen]) + " |")
        return out

    def scope(records):
        return [r.dp_shard > 1 for r in records]

    grid_lines, grid_rows = table(measured.RANK_PRESET_GRID)
    lines, rows = table(measured.RANK_PEAKS)
    full_records = [r for r in measured.RANK_PEAKS if r.shape not in measured.RANK_SHAPES]
    full = [(r, c) for r, c in zip(measured.RANK_PEAKS, rows) if r.shape not in measured.RANK_SHAPES]
    small_records = [r for r in measured.RANK_PEAKS if r.shape in measured.RANK_SHAPES]
    small = [c for r, c in zip(measured.RANK_PEAKS, rows) if r.shape in measured.RANK_SHAPES]
    breakdown = ["", "Full-size presets at the measured peak, GiB: the tracker's categories, and llmcalc.memory's "
                 "four groups (parameters = weights + fp32 master; activations = activations + logits):", "",
                 "| preset | ranks | layout | sharded params | gathered params | all-gather | grads + reduce-scatter "
                 "| AdamW | activations | temporaries | formula: params / grads / AdamW / activations |",
                 "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r, c in full:
        got = dict(zip(measured.RANK_CATEGORIES, r.by_category))
        f = rm.zero_formula_bytes(cfg_of(r.shape), r.micro_batch, r.seq_len, **r.layout())
        grads = got["Sharded Grad"] + got["Unsharded Grad"] + got["Reduce Scatter"]
        breakdown.append(
            f"| {r.shape} | {r.world_size} | {layout_label(r.layout())} | {got['Sharded Param'] / GiB:.2f} | "
            f"{got['Unsharded Param'] / GiB:.2f} | {got['All Gather'] / GiB:.2f} | {grads / GiB:.2f} | "
            f"{got['OptState'] / GiB:.2f} | {got['Activation'] / GiB:.2f} | {got['Temp'] / GiB:.2f} | "
            f"{f['parameters'] / GiB:.2f} / {f['gradients'] / GiB:.2f} / {f['optimizer_states'] / GiB:.2f} / "
            f"{f['activations'] / GiB:.2f} |")
    return "\n".join(
        ["### The preset grid: Llama 2 7B and 13B, Llama 3 8B and 70B (measured for the closed form)", ""]
        + grid_lines
        + summary("The preset grid", grid_rows, scope(measured.RANK_PRESET_GRID))
        + ["", "### The grid of small shapes, the steps off it and the first full-size steps", ""] + lines
        + summary("Every recorded step of this grid", rows, scope(measured.RANK_PEAKS))
        + summary("The small shapes", small, scope(small_records))
        + summary("The full-size presets", [c for _, c in full], scope(full_records))
        + breakdown)


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
    args = sys.argv[1:] if argv is None else argv
    import llmcalc
    from llmcalc import rank_memory

    if args[:1] == ["--case"]:   # --case SHAPE B S key=value ...: one case, its peak's live tensors and timeline
        shape, b, s = args[1], int(args[2]), int(args[3])
        kw = {}
        for item in args[4:]:
            key, value = item.split("=")
            kw[key] = {"True": True, "False": False}.get(value, int(value) if value.isdigit() else value)
        got = measure(hf_config_of(shape), b, s, timeline=True, **kw)
        pred = rank_memory.rank_peak_breakdown(cfg_of(shape), b, s, **kw)
        print(f"measured {got['peak_bytes']:,} predicted {pred['total']:,} ({got['seconds']:.1f} s)")
        for term, cat in rank_memory.TRACKER_CATEGORIES.items():
            print(f"  {cat:16s} measured {got['by_category'][cat]:14,d} predicted {pred[term]:14,d}")
        print("live at the peak:")
        for nbytes, cat, label in got["live_at_peak"]:
            print(f"  {nbytes:14,d} {cat:16s} {label}")
        return 0
    if "--markdown" in args:
        print(markdown_tables())
        return 0
    if "--sweep" in args:        # the closed form against the replay over every dense preset (no measurement)
        rows = closed_form_sweep()
        errs = sorted(e for e, *_ in rows)
        worst = max(rows, key=lambda r: r[0])
        print(f"{len(rows)} configurations of {len({n for _, n, _, _ in rows})} presets: median |closed form / replay "
              f"- 1| {100 * errs[len(errs) // 2]:.3f}%, largest {100 * worst[0]:.2f}% ({worst[1]}, {worst[2]} tokens, "
              f"{layout_label(worst[3])})")
        return 0
    if "--random" in args:   # --random FIRST COUNT: random_case(FIRST) ... random_case(FIRST + COUNT - 1)
        k = args.index("--random")
        first, count = int(args[k + 1]), int(args[k + 2])
        if "--world" in args:
            run_random(first, count, int(args[args.index("--world") + 1]))
            return 0
        import subprocess

        for world in RANDOM_WORLDS:   # one process per world size, as for the grid
            out = subprocess.run([sys.executable, __file__, *args, "--world", str(world)], check=True,
                                 stdout=subprocess.PIPE, text=True).stdout
            print(out, end="", flush=True)
        return 0
    cases = (FULL_SIZE_CASES if "--full-size" in args else OFF_GRID if "--off-grid" in args
             else preset_grid_cases() if "--presets" in args else grid_cases())
    record = "--record" in args
    if "--world" not in args:
        # one process per world size: the fake process group is made once per process (re-initialising it
        # leaves DTensor's caches pointing at destroyed process groups)
        import subprocess

        started = time.perf_counter()
        worlds = sorted({_defaults(kw)["dp_replicate"] * _defaults(kw)["dp_shard"] * _defaults(kw)["tp"]
                         for _, _, _, kw in cases})
        print(f"# {len(cases)} cases, world sizes {worlds}", flush=True)
        for world in worlds:
            out = subprocess.run([sys.executable, __file__, *args, "--world", str(world)], check=True,
                                 stdout=subprocess.PIPE, text=True).stdout
            print(out, end="", flush=True)
        print(f"# {time.perf_counter() - started:.0f} s in all")
        return 0
    world = int(args[args.index("--world") + 1])
    cases = [c for c in cases if _defaults(c[3])["dp_replicate"] * _defaults(c[3])["dp_shard"] * _defaults(c[3])["tp"]
             == world]
    import torch
    import transformers

    print(f"# world size {world}: torch {torch.__version__}, transformers {transformers.__version__}, "
          f"{len(cases)} cases")
    worst = 0.0
    started = time.perf_counter()
    for shape, b, s, kw in cases:
        got = measure(hf_config_of(shape), b, s, **kw)
        pred = rank_memory.rank_peak_bytes(cfg_of(shape), b, s, **kw)
        err = (pred - got["peak_bytes"]) / got["peak_bytes"]
        worst = max(worst, abs(err))
        if record:
            print(record_line(shape, b, s, kw, got), flush=True)
        else:
            print(f"{shape:12s} b {b} s {s:5d} {layout_label(kw):45s} measured {got['peak_bytes'] / GiB:10.4f} GiB "
                  f"predicted {pred / GiB:10.4f} GiB {100 * err:+.5f}% ({got['seconds']:.1f} s)", flush=True)
    print(f"# world size {world}: max |error| {100 * worst:.6f}% over {len(cases)} cases, "
          f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
