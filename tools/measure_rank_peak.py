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
    python tools/measure_rank_peak.py                     the grid of docs/rank-memory.md (GRID; markdown)
    python tools/measure_rank_peak.py --case SHAPE WS ... one case, with its timeline around the peak
Needs torch and transformers (``make crosscheck`` installs them); nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

GiB = 2**30

# FSDPMemTracker's categories (torch.distributed._tools.fsdp2_mem_tracker._FSDPRefType values)
CATEGORIES = ("Sharded Param", "Unsharded Param", "Buffer", "Sharded Grad", "Unsharded Grad", "Activation", "Temp",
              "All Gather", "Reduce Scatter", "OptState", "Inputs")


@contextlib.contextmanager
def _real_tensor_mask_branch():
    import transformers.masking_utils as mu

    original = mu.find_packed_sequence_indices
    mu.find_packed_sequence_indices = lambda position_ids: None
    try:
        yield
    finally:
        mu.find_packed_sequence_indices = original


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
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard
    from torch.distributed.tensor.parallel import parallelize_module

    for name, value in (("dp_shard", dp_shard), ("dp_replicate", dp_replicate), ("tp", tp)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    if regime not in ("bf16", "amp"):
        raise ValueError(f"regime must be one of ['bf16', 'amp'], got {regime!r}")
    world = dp_replicate * dp_shard * tp
    _init_world(world)
    mesh = init_device_mesh("cpu", (dp_replicate, dp_shard, tp), mesh_dim_names=("dp_replicate", "dp_shard", "tp"))
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
    peak = sum(dev["Total"] for dev in snapshot.values())
    by_category = dict.fromkeys(CATEGORIES, 0)
    for dev in snapshot.values():
        for key, value in dev.items():
            name = getattr(key, "value", key)
            if name in by_category:
                by_category[name] += value
    out = {"peak_bytes": peak, "by_category": by_category, "seconds": time.perf_counter() - started}
    if timeline:
        out["timeline"] = tracker.timeline
        out["live_at_peak"] = tracker.live_at_peak
    return out


def model_config(hf_config: dict):
    """The llmcalc ModelConfig of a LlamaConfig dict."""
    import llmcalc

    return llmcalc.ModelConfig.from_hf(dict(hf_config, model_type="llama"))


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
    args = sys.argv[1:] if argv is None else argv
    return 0


if __name__ == "__main__":
    sys.exit(main())
