"""Peak memory of one training step of a Hugging Face LLaMA-style model on one device, tensor by tensor.

:func:`peak_training_bytes` predicts the largest number of bytes held by live tensors at any moment of
one steady-state training step (the second and every later step, when AdamW's states exist) of one code
path: ``transformers.LlamaForCausalLM`` as transformers 5.23.0 runs it on torch 2.13.0 with
``torch.optim.AdamW`` (``REPLAYED_VERSIONS``). Other versions may allocate different tensors (a changed
loss, mask, cache or optimizer implementation changes the peak); the first call warns once when a
different torch or transformers is installed (read with ``importlib.metadata``; neither is imported).

    loss = model(input_ids=ids, labels=ids).loss      # HF forward, fp32 cross-entropy
    loss.backward()
    optimizer.step()                                   # torch.optim.AdamW
    optimizer.zero_grad(set_to_none=True)

It is a stated, physical model: the step is *replayed* as the sequence of tensors that PyTorch allocates
and frees (autograd saves, gradient buffers, the optimizer's temporaries), each counted as
``elements × bytes per element`` from the shapes; the peak is the largest running total, and the
breakdown is the live tensors at that moment grouped into named terms. No constant is fitted to a
measurement: each tensor below was identified by counting the storages that
``torch.distributed._tools.mem_tracker.MemTracker`` sees (``tools/measure_peak_memory.py``).

Symbols: b micro-batch, s sequence, t = b·s tokens, L D F N K H V as in ``llmcalc.models``.
Regimes: ``"bf16"`` parameters, gradients and AdamW states in bf16 (2 bytes each);
``"amp"`` fp32 parameters, gradients and states (4 bytes each) with the forward under
``torch.autocast(dtype=torch.bfloat16)``.

What the model keeps (bytes; "·t" means per token of the micro-batch)
--------------------------------------------------------------------
Model states (whole step):  parameters P·p, AdamW exp_avg and exp_avg_sq 2·P·p (p = 2 bf16, 4 amp),
  the inv_freq buffers of the rotary embedding (2 × H/2 fp32), the int64 ``input_ids`` (8·t).
Gradients: appear during the backward pass in autograd's order (LM head first, embedding last),
  P·p when all exist.

Stored activations of one decoder layer (what autograd saves for the backward pass):

  ``"bf16"``  attention RMSNorm: fp32 copy of its input 4D, fp32 rsqrt 4, bf16 normalised 2D, bf16
              output (the q/k/v projections' input) 2D; query (after RoPE) 2NH, key 2KH and value
              2KH (SDPA with ``enable_gqa``; eager attention's ``repeat_kv`` copies them to 2NH each,
              except K = 1 with b = 1, where the stride-0 view is kept as it is); attention
              output 2NH (SDPA's output is already laid out as the o-projection's input: one
              tensor); SDPA: fp32 log-sum-exp 4N; eager: fp32 softmax output 4N·s and its bf16 copy
              2N·s; MLP RMSNorm as above; SwiGLU gate 2F, up 2F, silu(gate) 2F, product 2F.
              Per layer and token: 16D + 8 + 4NH + 4·(K or N)H + 8F + (4N | 6N·s).
  ``"amp"``   RMSNorm: its fp32 input 4D (the residual stream, fp32 under autocast), rsqrt 4, the fp32
              normalised tensor 4D (the output stays fp32); autocast's bf16 copy of each linear's input,
              made once per linear: q, k, v 3 × 2D, gate, up 2 × 2D; query/key/value/attention output
              as in bf16 (autocast's bf16 copies); the same score tensors; the four SwiGLU tensors
              2F each; and autocast's bf16 copy of every weight matrix of the layer (2 bytes per
              linear parameter, saved by the matmuls; not per token).
              Per layer: t·(26D + 8 + 4NH + 4·(K or N)H + 8F + (4N | 6N·s)) + 2·(linear params).
  RoPE, residual adds, dropout (p = 0 is the identity) and the residual stream in bf16 keep nothing.
  ``checkpointing=True`` (transformers' ``activation_checkpointing_enable``, non-reentrant
  ``torch.utils.checkpoint`` per decoder layer) keeps only each layer's input (2D bf16, 4D amp per
  token) and recomputes one layer's activations at a time during the backward pass; the position ids
  (8·s) and, with eager attention, the materialised (b, 1, s, s) mask (2 or 4 bytes) stay alive as
  checkpoint arguments (without checkpointing both die when ``LlamaModel.forward`` returns). Under amp
  autocast's weight cache holds every layer's bf16 weight copies until the forward ends.

Outside the layers: the final RMSNorm's tensors (as a layer's norm; under amp plus the LM head's
  input copy 2D and weight copy 2VD, and the fp32 ``last_hidden_state`` 4D until the forward returns),
  cos and sin (1, s, H) each (2 bytes bf16, 4 amp), the shifted int64 labels the loss keeps (8·t).

Logits and loss (the HF loss upcasts the logits to fp32): in the forward pass the bf16 logits 2V,
  their fp32 copy 4V and the fp32 log-softmax 4V are live together (10V·t); the log-softmax is kept.
  The backward pass starts with the fp32 gradient of the log-probabilities 4V and of the logits 4V
  while the log-softmax is still held: 12V·t, the same 12·B·T·V as the course slides' rule. The
  ``outputs`` object (and with it the bf16 logits) is assumed dropped before ``backward()``.
  Without checkpointing, transformers also builds a ``DynamicCache`` in training mode; its
  concatenated key/value copies are the tensors attention saves, except where eager attention saves
  repeated copies (bf16: extra 4KH) and under amp (fp32 copies, extra 8KH); they live until the
  forward returns, and under amp this can make the end of the forward pass the peak.

Backward pass: replayed node by node for the LM head, the final norm and each layer (last to first):
  every weight gradient (under amp first in bf16, then cast to fp32), every activation gradient
  (under amp cast back to the input's dtype where autocast cast it), the RMSNorm backward's fp32
  temporaries (bf16: 5 fp32 D-wide tensors after freeing two bf16 ones; amp: 2 extra), the eager
  softmax backward's fp32 gradients 2 × 4N·s, and the release of each saved tensor as soon as its node
  has run. bf16 residual gradients are summed out of place; a tied weight's two gradients (LM head and
  embedding) are summed out of place in autograd's input buffer (3 × P_embedding·p at that moment).
  RoPE's backward temporaries (a few NH-wide tensors, freed at once) are left out.

Optimizer step (AdamW, ``adamw``):
  ``"foreach"`` (torch's default on CUDA): ``_foreach_sqrt`` of all exp_avg_sq, one state-sized copy
  of every parameter, P·p; ``"for-loop"`` (torch's default on CPU): per parameter ``sqrt`` and a
  division, while the previous parameter's ``denom`` is still referenced: max over consecutive
  parameters i−1, i of p·(n_{i−1} + 2·n_i); ``"fused"``: none, but the fp32 ``step`` counters live on
  the device (4 bytes per parameter tensor; with the other two they live on the host).

The peak is the maximum over the replay; :func:`peak_training_moments` gives the maximum of each
phase (forward end, loss backward, LM head backward, layer backward, embedding backward, optimizer
step). Not modelled: CUDA context, allocator rounding/fragmentation and cached blocks, kernels' own
workspaces (cuBLAS, flash-attention's internal buffers), forward-pass temporaries inside a layer
(they are below the loss moment), communication buffers. Checked against MemTracker under
FakeTensorMode (CPU fake tensors) for ``transformers.LlamaForCausalLM``; see ``docs/peak-memory.md``.

Supported: dense decoder-only models with a gated (SwiGLU) MLP, two RMSNorms per layer, RoPE and
standard multi-head/grouped-query attention over the whole causal context (``cfg.mlp == "gated"``,
``cfg.norm == "rmsnorm"``); MoE, MLA, plain-MLP (GPT) and LayerNorm models, and models with query/key norms
(Qwen3, OLMo 2) or attention sinks raise ``ValueError``, and so do
configs with a sliding-window or chunked layer (``cfg.layer_types``: Mistral and Phi-3 window every
layer, Gemma 2/3 and gpt-oss alternate, Qwen2/Qwen3 with ``use_sliding_window`` window some layers, Llama 4
chunks), which transformers runs with other masks and other kernels. The refusal goes by the layers
themselves, whatever the ``model_type``: a Qwen2 config with ``use_sliding_window: true`` is refused like a
Mistral one, and a Mistral config whose ``sliding_window`` is null (every layer full) is replayed as LLaMA.
Biases are counted as parameters.

Only the standard library is imported (``importlib.metadata`` and ``warnings`` when called).
"""

from __future__ import annotations

from . import _validate as v
from .models import ModelConfig

__all__ = ["PEAK_REGIMES", "ATTENTIONS", "ADAMW_IMPLS", "PEAK_TERMS", "PEAK_PHASES", "REPLAYED_VERSIONS",
           "SLIDING_WINDOW_MODEL_TYPES", "peak_training_bytes", "peak_training_breakdown", "peak_training_moments",
           "layer_saved_bytes"]

# the versions whose code path the replay follows (requirements/crosscheck.lock; llmcalc.measured)
REPLAYED_VERSIONS = {"torch": "2.13.0", "transformers": "5.23.0"}
# model types whose published configs window their attention (kept for reference; the refusal below goes by
# cfg.layer_types, so any config with a sliding-window or chunked layer is refused, whatever its model type)
SLIDING_WINDOW_MODEL_TYPES = {
    "mistral": "sliding_window: every layer attends only to the last sliding_window tokens",
    "gemma2": "sliding_window on alternating layers: every other layer attends only to a local window",
}
_versions_checked = False


def _installed_version(package: str) -> str | None:
    """The installed distribution's version, from its metadata (the package is not imported); None if absent."""
    import importlib.metadata

    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _warn_once_if_other_versions() -> None:
    """Warn (once per process) when torch or transformers is installed in a version the replay does not follow."""
    global _versions_checked
    if _versions_checked:
        return
    _versions_checked = True
    others = []
    for package, replayed in REPLAYED_VERSIONS.items():
        installed = _installed_version(package)
        if installed is not None and installed.split("+")[0] != replayed:
            others.append(f"{package} {installed} (replayed: {replayed})")
    if others:
        import warnings

        warnings.warn("peak_training_bytes replays the tensors of transformers 5.23.0 on torch 2.13.0; installed: "
                      + ", ".join(others) + ". Other versions may allocate other tensors: re-measure with "
                      "tools/measure_peak_memory.py before trusting the bytes.", UserWarning, stacklevel=4)

PEAK_REGIMES = ("bf16", "amp")
ATTENTIONS = ("sdpa", "eager")
ADAMW_IMPLS = ("foreach", "for-loop", "fused")

# terms of the breakdown (each live tensor belongs to exactly one)
PEAK_TERMS = ("parameters", "gradients", "optimizer_states", "optimizer_temporaries", "buffers_and_inputs",
              "layer_activations", "other_activations", "logits_and_loss", "backward_temporaries")
PEAK_PHASES = ("forward_end", "loss_backward", "lm_head_backward", "layers_backward", "embedding_backward",
               "optimizer_step")

_PARAMS, _GRADS, _STATES, _OPT_TMP, _INPUTS = PEAK_TERMS[:5]
_LAYER_ACTS, _OTHER_ACTS, _LOGITS, _BW_TMP = PEAK_TERMS[5:]


class _Ledger:
    """Live tensors by name; records the running total's maximum, per phase and overall."""

    def __init__(self) -> None:
        self.live: dict[str, tuple[str, int]] = {}
        self.terms = dict.fromkeys(PEAK_TERMS, 0)
        self.total = 0
        self.phase = "forward_end"
        self.phase_max: dict[str, int] = {}
        self.peak = -1
        self.peak_phase = ""
        self.peak_terms: dict[str, int] = {}

    def add(self, name: str, term: str, nbytes: int) -> None:
        if name in self.live:
            raise AssertionError(f"tensor {name!r} allocated twice")  # a bug in the replay, not user error
        self.live[name] = (term, nbytes)
        self.terms[term] += nbytes
        self.total += nbytes
        self.note()

    def free(self, *names: str) -> None:
        for name in names:
            term, nbytes = self.live.pop(name)
            self.terms[term] -= nbytes
            self.total -= nbytes

    def rename(self, old: str, new: str, term: str | None = None) -> None:
        old_term, nbytes = self.live.pop(old)
        if term is not None:
            self.terms[old_term] -= nbytes
            self.terms[term] += nbytes
        self.live[new] = (term or old_term, nbytes)

    def note(self) -> None:
        if self.total > self.phase_max.get(self.phase, -1):
            self.phase_max[self.phase] = self.total
        if self.total > self.peak:
            self.peak, self.peak_phase = self.total, self.phase
            self.peak_terms = dict(self.terms)


def _check(cfg: ModelConfig, micro_batch, seq_len, regime, checkpointing, attention, adamw):
    if not isinstance(cfg, ModelConfig):
        raise ValueError(f"cfg must be a llmcalc.ModelConfig, got {type(cfg).__name__}")
    if cfg.has_local_attention:
        local = []
        if cfg.sliding_layers:
            local.append(f"sliding_window={cfg.sliding_window} on {cfg.sliding_layers} of L={cfg.L} layers")
        if cfg.chunked_layers:
            local.append(f"attention_chunk_size={cfg.attention_chunk_size} on {cfg.chunked_layers} of L={cfg.L} layers")
        raise ValueError(f"model_type={cfg.model_type!r} config has local attention in layer_types ("
                         + "; ".join(local) + "); peak_training_bytes replays only LlamaForCausalLM's full causal "
                         "attention and does not treat a windowed model as LLaMA. Supported: dense LLaMA-style "
                         "configs whose layer_types are all 'full_attention' (sliding_window 0)")
    _warn_once_if_other_versions()
    unsupported = []
    if cfg.is_moe:
        unsupported.append("a mixture of experts (E >= 1)")
    if cfg.uses_mla:
        unsupported.append("multi-head latent attention (kv_lora_rank >= 1)")
    if cfg.mlp != "gated":
        unsupported.append(f"mlp={cfg.mlp!r}")
    if cfg.norm != "rmsnorm" or cfg.norms_per_layer != 2:
        unsupported.append(f"norm={cfg.norm!r} with norms_per_layer={cfg.norms_per_layer}")
    if cfg.positions != "rope":
        unsupported.append(f"positions={cfg.positions!r}")
    if cfg.qk_norm != "none":
        unsupported.append(f"qk_norm={cfg.qk_norm!r} (query/key norms save more activations than LLaMA's layer)")
    if cfg.attention_sinks:
        unsupported.append("attention_sinks=True")
    if unsupported:
        raise ValueError("peak_training_bytes supports dense LLaMA-style models only (mlp='gated', norm='rmsnorm' "
                         "with norms_per_layer=2, positions='rope', qk_norm='none', no sinks, no MoE, no MLA); got "
                         + ", ".join(unsupported))
    b = v.positive_int("micro_batch", micro_batch)
    s = v.positive_int("seq_len", seq_len)
    v.choice("regime", regime, PEAK_REGIMES)
    if not isinstance(checkpointing, bool):
        raise ValueError(f"checkpointing must be True or False, got {checkpointing!r}")
    v.choice("attention", attention, ATTENTIONS)
    v.choice("adamw", adamw, ADAMW_IMPLS)
    return b, s


def _param_list(cfg: ModelConfig) -> list[tuple[str, int]]:
    """(name, elements) of every parameter tensor in ``model.parameters()`` order (LlamaForCausalLM)."""
    D, F, N, K, H, V = cfg.D, cfg.F, cfg.N, cfg.K, cfg.H, cfg.V
    out = [("embed", V * D)]
    for i in range(cfg.L):
        p = f"L{i}."
        out.append((p + "q", D * N * H))
        if cfg.qkv_bias:
            out.append((p + "q.bias", N * H))
        out.append((p + "k", D * K * H))
        if cfg.qkv_bias:
            out.append((p + "k.bias", K * H))
        out.append((p + "v", D * K * H))
        if cfg.qkv_bias:
            out.append((p + "v.bias", K * H))
        out.append((p + "o", N * H * D))
        if cfg.o_bias:
            out.append((p + "o.bias", D))
        for m in ("gate", "up"):
            out.append((p + m, D * F))
            if cfg.mlp_bias:
                out.append((p + m + ".bias", F))
        out.append((p + "down", F * D))
        if cfg.mlp_bias:
            out.append((p + "down.bias", D))
        out.append((p + "n1.w", D))
        out.append((p + "n2.w", D))
    out.append(("fn.w", D))
    if not cfg.tied_embeddings:
        out.append(("lm_head", V * D))
    return out


def _replay(cfg: ModelConfig, b: int, s: int, regime: str, checkpointing: bool, attention: str,
            adamw: str) -> _Ledger:
    D, F, N, K, H, V, L = cfg.D, cfg.F, cfg.N, cfg.K, cfg.H, cfg.V, cfg.L
    t = b * s
    amp = regime == "amp"
    eager = attention == "eager"
    p = 4 if amp else 2            # bytes of a parameter, its gradient and each AdamW state
    rb = 4 if amp else 2           # residual stream (and its gradient): fp32 under autocast
    NH, KH = N * H, K * H
    # width of the key/value tensors attention saves: SDPA takes them unrepeated (enable_gqa). Eager
    # attention's repeat_kv copies them to N heads; with K = 1 it returns a stride-0 view instead, which
    # the batched matmul keeps as it is only when b = 1 (else it folds (b, N) into one batch dimension
    # with a copy); under amp, autocast's bf16 cast of a repeated view is a full N-head tensor.
    kv = NH if eager and K != N and (amp or K > 1 or b > 1) else KH
    params = _param_list(cfg)
    numel = dict(params)
    linears = ("q", "k", "v", "o", "gate", "up", "down")
    bias_of = {"q": cfg.qkv_bias, "k": cfg.qkv_bias, "v": cfg.qkv_bias, "o": cfg.o_bias,
               "gate": cfg.mlp_bias, "up": cfg.mlp_bias, "down": cfg.mlp_bias}

    led = _Ledger()
    # ----- persistent: parameters, AdamW states, buffers, inputs --------------------------------------
    P = sum(n for _, n in params)
    led.add("params", _PARAMS, P * p)
    led.add("exp_avg", _STATES, P * p)
    led.add("exp_avg_sq", _STATES, P * p)
    if adamw == "fused":
        led.add("adamw_steps", _STATES, 4 * len(params))
    led.add("inv_freq", _INPUTS, 2 * (H // 2) * 4)   # rotary inv_freq and original_inv_freq, fp32
    led.add("input_ids", _INPUTS, 8 * t)

    # ----- forward ----------------------------------------------------------------------------------
    def norm_acts(pre: str, term: str, x_name: str | None):
        """RMSNorm's saved tensors; ``x_name``: the name of its fp32 input when that is the residual (amp)."""
        if amp:
            if x_name is None:
                led.add(pre + "x", term, 4 * D * t)
            led.add(pre + "rstd", term, 4 * t)
            led.add(pre + "normed", term, 4 * D * t)
        else:
            led.add(pre + "x32", term, 4 * D * t)
            led.add(pre + "rstd", term, 4 * t)
            led.add(pre + "normed", term, 2 * D * t)
            led.add(pre + "out", term, 2 * D * t)

    def layer_acts(i: int):
        pre = f"L{i}."
        term = _LAYER_ACTS
        norm_acts(pre + "n1.", term, pre + "input" if (amp and checkpointing) else None)
        if amp:
            for m in ("q", "k", "v"):
                led.add(pre + m + "_in", term, 2 * D * t)
        led.add(pre + "q", term, 2 * NH * t)
        led.add(pre + "k", term, 2 * kv * t)
        led.add(pre + "v", term, 2 * kv * t)
        if eager:
            led.add(pre + "probs32", term, 4 * N * s * t)
            led.add(pre + "probs16", term, 2 * N * s * t)
        else:
            led.add(pre + "lse", term, 4 * N * t)
        led.add(pre + "attn_out", term, 2 * NH * t)
        norm_acts(pre + "n2.", term, None)
        if amp:
            for m in ("gate", "up"):
                led.add(pre + m + "_in", term, 2 * D * t)
        for m in ("gate", "up", "silu", "prod"):
            led.add(pre + m + "_out", term, 2 * F * t)
        if amp:
            for m in linears:
                led.add(pre + m + ".wcopy", term, 2 * numel[pre + m])

    led.add("cos", _OTHER_ACTS, rb * s * H)
    led.add("sin", _OTHER_ACTS, rb * s * H)
    led.add("position_ids", _INPUTS, 8 * s)
    if eager:
        led.add("mask", _OTHER_ACTS, rb * b * s * s)
    for i in range(L):
        if checkpointing:
            led.add(f"L{i}.input", _LAYER_ACTS, rb * D * t)
            if amp:   # autocast's weight cache holds this layer's bf16 weight copies until the forward ends
                for m in linears:
                    led.add(f"L{i}.{m}.cached", _LAYER_ACTS, 2 * numel[f"L{i}.{m}"])
        else:
            layer_acts(i)
            if amp:
                led.add(f"L{i}.cache", _OTHER_ACTS, 8 * KH * t)      # fp32 key/value copies of the DynamicCache
            elif kv != KH:
                led.add(f"L{i}.cache", _OTHER_ACTS, 4 * KH * t)      # bf16 key/value before repeat_kv
    norm_acts("fn.", _OTHER_ACTS, None)
    if amp:
        led.add("fn.out32", _OTHER_ACTS, 4 * D * t)   # the model's fp32 last_hidden_state, until forward returns
        led.add("lm_in", _OTHER_ACTS, 2 * D * t)
        led.add("lm.wcopy", _OTHER_ACTS, 2 * V * D)
    if not checkpointing:   # LlamaModel.forward returns: its position ids and mask go (checkpoints keep them)
        led.free("position_ids")
        if eager:
            led.free("mask")
    led.add("logits16", _LOGITS, 2 * V * t)
    led.add("logits32", _LOGITS, 4 * V * t)
    led.add("labels", _INPUTS, 8 * t)
    led.add("logprobs", _LOGITS, 4 * V * t)
    # the forward returns: transient tensors go
    led.free("logits16", "logits32")
    if amp:
        led.free("fn.out32")
    for i in range(L):
        if checkpointing and amp:
            led.free(*(f"L{i}.{m}.cached" for m in linears))
        if f"L{i}.cache" in led.live:
            led.free(f"L{i}.cache")

    # ----- backward ---------------------------------------------------------------------------------
    led.phase = "loss_backward"
    led.add("g_logprobs", _LOGITS, 4 * V * t)
    led.add("g_logits32", _LOGITS, 4 * V * t)
    led.free("g_logprobs", "logprobs", "labels")
    led.add("g_logits16", _LOGITS, 2 * V * t)
    led.free("g_logits32")

    def grad(name: str, elements: int, release: tuple[str, ...] = ()):
        """A parameter's gradient (``release``: what its node frees once it has run). A tied weight's two
        gradients (LM head, then embedding) meet in autograd's input buffer and are summed out of place:
        old + new + sum live together, then the sum remains."""
        key = name + ".grad"
        if key in led.live:
            led.add(key + ".new", _BW_TMP, p * elements)
            led.free(*release)
            led.add(key + ".sum", _BW_TMP, p * elements)
            led.free(key, key + ".new")
            led.rename(key + ".sum", key, _GRADS)
        else:
            led.add(key, _GRADS, p * elements)
            led.free(*release)

    def linear_bwd(w: str, g_out: str, saved_in: str | None, g_in: str, in_width: int, *, cast_in: bool):
        """mm backward: weight gradient and input gradient; under amp via bf16 then fp32 casts."""
        elements = numel[w]
        if amp:
            led.add(w + ".g16", _BW_TMP, 2 * elements)
            led.add(g_in + "16", _BW_TMP, 2 * in_width * t)
            led.free(g_out, w + ".wcopy" if w != "lm_head" else "lm.wcopy")
            if saved_in:
                led.free(saved_in)
            if cast_in:       # the input was fp32 and autocast cast it: the gradient goes back to fp32
                led.add(g_in, _BW_TMP, 4 * in_width * t)
                led.free(g_in + "16")
            else:
                led.rename(g_in + "16", g_in)
            grad(w, elements)
            led.free(w + ".g16")
        else:
            grad(w, elements)
            led.add(g_in, _BW_TMP, 2 * in_width * t)
            led.free(g_out)
            if saved_in:
                led.free(saved_in)
        if w != "lm_head" and w != "embed":
            base = w.rsplit(".", 1)
            if bias_of.get(base[-1]):
                grad(w + ".bias", numel[w + ".bias"])

    def norm_bwd(pre: str, g_in: str, x_name: str, g_x: str | None):
        """RMSNorm backward (HF LlamaRMSNorm): weight grad, fp32 temporaries, the input gradient.

        bf16: the input gradient is a new bf16 tensor ``g_x``. amp: the input is the fp32 residual stream,
        so its gradient pieces are added in place into the residual gradient buffer (``g_x=None``) or,
        for the final norm, the first piece becomes that buffer (``g_x="g_res"``).
        """
        grad(pre + "w", D)
        if amp:   # grad·normed and grad·weight, fp32, before anything is freed
            led.add(pre + "t_gw", _BW_TMP, 4 * D * t)
            led.add(pre + "t_gn", _BW_TMP, 4 * D * t)
            led.free(pre + "t_gw", g_in, pre + "normed")
            led.add(pre + "t_a1", _BW_TMP, 4 * D * t)
            led.free(pre + "t_gn")
            if g_x:
                led.rename(pre + "t_a1", g_x)
            else:
                led.free(pre + "t_a1")
        else:     # bf16 grad·normed and grad·weight; the latter is upcast to fp32 (the input was upcast)
            led.add(pre + "t_gw", _BW_TMP, 2 * D * t)
            led.add(pre + "t_gn", _BW_TMP, 2 * D * t)
            led.free(pre + "t_gw", g_in, pre + "normed")
            led.add(pre + "t_g32", _BW_TMP, 4 * D * t)
            led.free(pre + "t_gn")
            led.add(pre + "t_a1", _BW_TMP, 4 * D * t)
            led.free(pre + "t_g32")
        # mean/pow backward: four fp32 D-wide tensors at once
        for k_ in range(4):
            led.add(pre + f"t_p{k_}", _BW_TMP, 4 * D * t)
        led.free(*(pre + f"t_p{k_}" for k_ in range(4)), pre + "rstd", x_name)
        if not amp:
            led.free(pre + "t_a1")
            led.add(g_x, _BW_TMP, 2 * D * t)

    def residual_add(pre: str, g_x: str):
        """bf16: the branch's input gradient and the residual gradient are summed into a new tensor."""
        if not amp:
            led.add(pre + "g_sum", _BW_TMP, 2 * D * t)
            led.free("g_res", g_x)
            led.rename(pre + "g_sum", "g_res")

    # LM head (its weight is the embedding's when tied)
    led.phase = "lm_head_backward"
    w_lm = "embed" if cfg.tied_embeddings else "lm_head"
    if cfg.tied_embeddings:
        numel.setdefault("lm_head", V * D)
    if amp:
        led.add("lm.g16", _BW_TMP, 2 * V * D)
        led.add("g_h16", _BW_TMP, 2 * D * t)
        led.free("g_logits16", "lm.wcopy", "lm_in")
        led.add("g_h", _BW_TMP, 4 * D * t)
        led.free("g_h16")
        grad(w_lm, V * D)
        led.free("lm.g16")
    else:
        grad(w_lm, V * D)
        led.add("g_h", _BW_TMP, 2 * D * t)
        led.free("g_logits16", "fn.out")
    norm_bwd("fn.", "g_h", "fn.x" if amp else "fn.x32", "g_res")

    led.phase = "layers_backward"
    for i in reversed(range(L)):
        pre = f"L{i}."
        if checkpointing:   # recompute the layer's forward (non-reentrant checkpoint, early stop)
            layer_acts(i)
        # MLP: down(silu(gate(x)) * up(x)); under amp the fp32 residual gradient is cast to bf16 first
        if amp:
            led.add(pre + "g_down_out", _BW_TMP, 2 * D * t)
            linear_bwd(pre + "down", pre + "g_down_out", pre + "prod_out", pre + "g_prod", F, cast_in=False)
        else:     # the residual gradient itself is the down projection's output gradient
            grad(pre + "down", numel[pre + "down"])
            led.add(pre + "g_prod", _BW_TMP, 2 * F * t)
            led.free(pre + "prod_out")
            if cfg.mlp_bias:
                grad(pre + "down.bias", D)
        led.add(pre + "g_silu", _BW_TMP, 2 * F * t)
        led.add(pre + "g_up", _BW_TMP, 2 * F * t)
        led.free(pre + "g_prod", pre + "silu_out", pre + "up_out")
        linear_bwd(pre + "up", pre + "g_up", pre + "up_in" if amp else None, pre + "g_xu", D, cast_in=amp)
        led.add(pre + "g_gate", _BW_TMP, 2 * F * t)
        led.free(pre + "g_silu", pre + "gate_out")
        linear_bwd(pre + "gate", pre + "g_gate", pre + "gate_in" if amp else pre + "n2.out", pre + "g_xg", D,
                   cast_in=amp)
        led.add(pre + "g_n2", _BW_TMP, rb * D * t)
        led.free(pre + "g_xu", pre + "g_xg")
        norm_bwd(pre + "n2.", pre + "g_n2", pre + "n2.x" if amp else pre + "n2.x32", None if amp else pre + "g_x2")
        residual_add(pre + "mlp.", pre + "g_x2")
        # attention
        if amp:
            led.add(pre + "g_o_out", _BW_TMP, 2 * D * t)
            linear_bwd(pre + "o", pre + "g_o_out", pre + "attn_out" if eager else None, pre + "g_ao", NH,
                       cast_in=False)
        else:
            grad(pre + "o", numel[pre + "o"])
            led.add(pre + "g_ao", _BW_TMP, 2 * NH * t)
            if eager:
                led.free(pre + "attn_out")
            if cfg.o_bias:
                grad(pre + "o.bias", D)
        if eager:
            led.add(pre + "g_vrep", _BW_TMP, 2 * NH * t)
            led.add(pre + "g_p16", _BW_TMP, 2 * N * s * t)
            led.free(pre + "g_ao", pre + "probs16", pre + "v")
            led.add(pre + "g_p32", _BW_TMP, 4 * N * s * t)
            led.free(pre + "g_p16")
            if amp and not checkpointing:   # the value was fp32 (the DynamicCache's concatenation) and cast
                led.add(pre + "g_vrep32", _BW_TMP, 4 * NH * t)
                led.free(pre + "g_vrep")
                led.rename(pre + "g_vrep32", pre + "g_vrep")
            led.add(pre + "g_s32", _BW_TMP, 4 * N * s * t)
            led.free(pre + "g_p32", pre + "probs32")
            led.add(pre + "g_s16", _BW_TMP, 2 * N * s * t)
            led.free(pre + "g_s32")
            led.add(pre + "g_s16b", _BW_TMP, 2 * N * s * t)   # the scaling's backward
            led.free(pre + "g_s16")
            led.add(pre + "g_q", _BW_TMP, 2 * NH * t)
            led.add(pre + "g_krep", _BW_TMP, 2 * NH * t)
            led.free(pre + "g_s16b", pre + "q", pre + "k")
            if K < N:   # repeat_kv's backward sums over the repeated heads
                led.add(pre + "g_k", _BW_TMP, 2 * KH * t)
                led.free(pre + "g_krep")
                led.add(pre + "g_v", _BW_TMP, 2 * KH * t)
                led.free(pre + "g_vrep")
            else:
                led.rename(pre + "g_krep", pre + "g_k")
                led.rename(pre + "g_vrep", pre + "g_v")
        else:
            led.add(pre + "g_q", _BW_TMP, 2 * NH * t)
            led.add(pre + "g_k", _BW_TMP, 2 * KH * t)
            led.add(pre + "g_v", _BW_TMP, 2 * KH * t)
            led.free(pre + "g_ao", pre + "q", pre + "k", pre + "v", pre + "attn_out", pre + "lse")
        # RoPE backward keeps the shapes; its temporaries are freed at once (not modelled)
        linear_bwd(pre + "v", pre + "g_v", pre + "v_in" if amp else None, pre + "g_xv", D, cast_in=amp)
        linear_bwd(pre + "k", pre + "g_k", pre + "k_in" if amp else None, pre + "g_xk", D, cast_in=amp)
        led.add(pre + "g_xkv", _BW_TMP, rb * D * t)
        led.free(pre + "g_xv", pre + "g_xk")
        linear_bwd(pre + "q", pre + "g_q", pre + "q_in" if amp else pre + "n1.out", pre + "g_xq", D, cast_in=amp)
        led.add(pre + "g_n1", _BW_TMP, rb * D * t)
        led.free(pre + "g_xkv", pre + "g_xq")
        x1 = (pre + "input" if checkpointing else pre + "n1.x") if amp else pre + "n1.x32"
        norm_bwd(pre + "n1.", pre + "g_n1", x1, None if amp else pre + "g_x1")
        residual_add(pre + "attn.", pre + "g_x1")
        if checkpointing and not amp:
            led.free(pre + "input")

    # embedding: a dense V×D gradient (fp32 under amp: the embedding's output is fp32)
    led.free("cos", "sin")   # their last users, layer 0's RoPE nodes, have run
    led.phase = "embedding_backward"
    grad("embed", V * D, release=("g_res",))
    if checkpointing:
        led.free("position_ids")
        if eager:
            led.free("mask")

    # ----- optimizer step ---------------------------------------------------------------------------
    led.phase = "optimizer_step"
    if adamw == "foreach":
        led.add("sqrt_all", _OPT_TMP, P * p)
        led.free("sqrt_all")
    elif adamw == "for-loop":
        prev = 0
        for name, n in params:
            led.add("denom_prev", _OPT_TMP, prev * p)
            led.add("sqrt", _OPT_TMP, n * p)
            led.add("denom", _OPT_TMP, n * p)
            led.free("sqrt", "denom", "denom_prev")
            prev = n
    else:
        led.note()
    return led


def peak_training_breakdown(cfg: ModelConfig, micro_batch: int, seq_len: int, *, regime: str = "bf16",
                            checkpointing: bool = False, attention: str = "sdpa",
                            adamw: str = "foreach") -> dict[str, int]:
    """Bytes of the live tensors at the peak of one training step, by term (``PEAK_TERMS``) and ``total``.

    Terms: parameters · gradients (those that exist at the peak moment) · optimizer_states (AdamW
    exp_avg, exp_avg_sq; step counters with ``adamw="fused"``) · optimizer_temporaries (the update's
    sqrt/denominator tensors) · buffers_and_inputs (rotary inv_freq, input_ids, labels, position ids) ·
    layer_activations (saved by the decoder layers; with checkpointing the layer inputs plus the one
    layer being recomputed) · other_activations (final norm, LM head input, cos/sin, eager mask,
    forward-only key/value cache copies) · logits_and_loss (bf16/fp32 logits, log-softmax and their
    gradients) · backward_temporaries (activation gradients in flight, bf16 weight gradients before
    their fp32 cast, RMSNorm backward temporaries). Every assumption is in the module docstring.
    Exact integers.
    """
    b, s = _check(cfg, micro_batch, seq_len, regime, checkpointing, attention, adamw)
    led = _replay(cfg, b, s, regime, checkpointing, attention, adamw)
    out = dict(led.peak_terms)
    out["total"] = led.peak
    return out


def peak_training_bytes(cfg: ModelConfig, micro_batch: int, seq_len: int, *, regime: str = "bf16",
                        checkpointing: bool = False, attention: str = "sdpa", adamw: str = "foreach") -> int:
    """Peak bytes of one steady-state training step of the Hugging Face model for ``cfg`` on one device,
    as ``transformers.LlamaForCausalLM`` 5.23.0 on torch 2.13.0 runs it (``REPLAYED_VERSIONS``; the first
    call warns once if other versions are installed). Sliding-window models (Mistral, Gemma-2) raise
    ``ValueError``.

    ``regime``: ``"bf16"`` (bf16 parameters and AdamW states) or ``"amp"`` (fp32 parameters, bf16
    autocast); ``checkpointing``: activation checkpointing of every decoder layer; ``attention``:
    ``"sdpa"`` (flash/memory-efficient kernels: no s×s tensors kept) or ``"eager"`` (softmax kept in fp32
    and bf16); ``adamw``: torch.optim.AdamW's implementation (``"foreach"``, the CUDA default;
    ``"for-loop"``, the CPU default; ``"fused"``). Micro-batch ``micro_batch`` sequences of ``seq_len``
    tokens. Tensor bytes only (no allocator overhead, CUDA context or kernel workspaces): an exact
    integer from the replay described in the module docstring; :func:`peak_training_breakdown` shows the
    terms, :func:`peak_training_moments` the maximum of each phase.
    """
    return peak_training_breakdown(cfg, micro_batch, seq_len, regime=regime, checkpointing=checkpointing,
                                   attention=attention, adamw=adamw)["total"]


def peak_training_moments(cfg: ModelConfig, micro_batch: int, seq_len: int, *, regime: str = "bf16",
                          checkpointing: bool = False, attention: str = "sdpa",
                          adamw: str = "foreach") -> dict[str, int]:
    """The largest live-tensor bytes within each phase of the step (``PEAK_PHASES``), to see which one sets
    the peak: forward_end (logits, log-softmax and the fp32 upcast live together), loss_backward (12V per
    token of loss gradients), lm_head_backward, layers_backward, embedding_backward, optimizer_step."""
    b, s = _check(cfg, micro_batch, seq_len, regime, checkpointing, attention, adamw)
    led = _replay(cfg, b, s, regime, checkpointing, attention, adamw)
    return {phase: led.phase_max.get(phase, 0) for phase in PEAK_PHASES}


def layer_saved_bytes(cfg: ModelConfig, micro_batch: int, seq_len: int, *, regime: str = "bf16",
                      attention: str = "sdpa") -> int:
    """Bytes one decoder layer of the Hugging Face LLaMA model saves for its backward pass (no
    checkpointing), per device, for ``micro_batch`` sequences of ``seq_len`` tokens: the per-layer line
    of the module docstring, t = b·s tokens,

        bf16  t·(16D + 8 + 4NH + 4·kv·H + 8F + score)
        amp   t·(26D + 8 + 4NH + 4·kv·H + 8F + score) + 2 · (the layer's linear weights)

    with score = 4N (SDPA's fp32 log-sum-exp) or 6N·s (eager: fp32 softmax and its bf16 copy), kv = K,
    or N where eager attention's ``repeat_kv`` copies the keys and values. Compare with Korthikanti's
    34·s·b·h for a GPT-style layer (F = 4h, dropout, LayerNorm): RMSNorm's fp32 copies and SwiGLU's four
    F-wide tensors make a LLaMA layer keep more (LLaMA-7B, bf16, SDPA: 1.34 × 34sbh).
    """
    b, s = _check(cfg, micro_batch, seq_len, regime, False, attention, "foreach")
    D, F, N, K, H = cfg.D, cfg.F, cfg.N, cfg.K, cfg.H
    t = b * s
    amp, eager = regime == "amp", attention == "eager"
    kv = N if eager and K != N and (amp or K > 1 or b > 1) else K
    score = 6 * N * s if eager else 4 * N
    per_token = (26 if amp else 16) * D + 8 + 4 * N * H + 4 * kv * H + 8 * F + score
    weights = 2 * (2 * D * N * H + 2 * D * K * H + 3 * D * F) if amp else 0
    return t * per_token + weights
