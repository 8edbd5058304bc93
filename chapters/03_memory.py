# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: jupyter,tags,-execution
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Chapter 3 — Memory: will it fit?
#
# Sources for every figure in this chapter: [References](../docs/references.md).
#
# Chapter 1 counted parameters and chapter 2 turned them into FLOPs and days. This chapter asks the other
# question every training plan must answer before it starts: **how many bytes does each chip hold, and does
# that fit in its HBM?**
#
# **What you will be able to do**
#
# - convert counts to bytes for fp32, bf16/fp16, int8 and int4, keep GB ($10^9$) and GiB ($2^{30}$) apart, and read a
#   chip's memory as the bytes it exposes rather than its label;
# - list the *model states* of Adam training (weights, gradients, fp32 master copy, two moments), explain why
#   sources count 10, 16 or 18 bytes per parameter, and shard them with ZeRO stages 1–3;
# - predict the peak memory of one real training step tensor by tensor, and compare it with torch's own count;
# - estimate the *activations* a layer keeps for its backward pass (Korthikanti et al.'s $sbh(34 + 5as/h)$ and
#   its tensor-parallel, sequence-parallel and recompute variants), and say how a LLaMA layer differs;
# - tell the **minimum** number of chips (memory) from the number you actually use (compute);
# - check the memory arithmetic of the sources — course slides, Mixtral fine-tuning notes, a "100B calculator" —
#   and find where it slips.
#
# **Symbols** (the book's table; Korthikanti et al. write $s, b, h, a, t$ and we keep theirs in §4)
#
# | symbol | meaning | symbol | meaning |
# |---|---|---|---|
# | $L$ | layers | $T$ ($s$) | sequence length |
# | $D$ ($h$) | model width | $b$ | micro-batch (sequences per device per step) |
# | $F$ | MLP width | $B$ | batch in tokens (global) |
# | $N$ ($a$), $K$ | query heads, key/value heads | $P$ ($\Psi$) | parameters |
# | $H$ | head dim | $N_d$, $t$, $p$ | data-parallel, tensor-parallel, pipeline degree |
# | $V$ | vocabulary | HBM | memory of one chip |
#
# The letters in brackets are the notation of Korthikanti et al., kept in §4 so their formulas can be compared with
# the paper. One clash to watch: in §6 the course slides write $N$ for the number of GPUs and $H$ for the model width.

# %%
import math

import matplotlib.pyplot as plt
import pandas as pd

import llmcalc
from llmcalc import ModelConfig, plots, widgets
from llmcalc import memory as mem

# %matplotlib inline

GB, GiB = llmcalc.GB, llmcalc.GiB          # 10**9 and 2**30 bytes: never mixed
llama3_70b = llmcalc.preset("llama-3-70b")
print(f"GB = {GB:,} bytes, GiB = {GiB:,} bytes, GiB / GB = {GiB / GB:.4f}")

# %% tags=["language"]
llmcalc.i18n.use("en")  # the edition's language for explorer labels and plot titles

# %% [markdown]
# ## 1. Bytes per value, and GB vs GiB
#
# Everything in this chapter is a count times a size. The sizes (the table in Yang Lewis's notes on multi-GPU training
# memory, *大模型多卡训练笔记*):
#
# | dtype | fp32 | fp16 / bf16 | int8 | int4 |
# |---|---|---|---|---|
# | bytes per value | 4 | 2 | 1 | 0.5 |
#
# **Units.** Those notes define "1 GB = 1024 MB = 1024³ bytes", which is a **GiB**. The Chinese article "How many
# GPUs does training a 100B model take?" (*大模型的算力需求：训练一个千亿模型需要多少 GPU？*) divides by $1024^3$ in its code and prints "GB". Chip datasheets, and this workbook, use **GB $= 10^9$ bytes**; when we need the binary
# unit we write **GiB $= 2^{30}$ bytes**. The two differ by the ratio printed above — enough to turn a plan that
# fits into one that does not. `llmcalc` works in bytes and only divides by one of them when printing.

# %%
P = llmcalc.param_count(llama3_70b)
print(f"LLaMA 3-70B, P = {P:,} parameters")
for dtype, size in mem.BYTES_PER_VALUE.items():
    b = mem.value_bytes(P, dtype)
    print(f"  {dtype:5s} {size:>3} bytes each: {b / GB:7.1f} GB = {b / GiB:7.1f} GiB")
print(f"the 100B article's model in fp16: {mem.value_bytes(100e9, 'fp16') / GB:.0f} GB, which its code prints as "
      f"{mem.value_bytes(100e9, 'fp16') / GiB:.1f} 'GB' (really GiB)")

# %% [markdown]
# ### What a card's "80 GB" holds
#
# A chip's memory is sold under a round label, but what counts is the number of bytes the device exposes, and that is
# not the label: `nvidia-smi` prints a total of 81,559 MiB on an "H100 80GB HBM3" and 81,920 MiB on an
# "A100-SXM4-80GB" (the total moves a little with the driver); Google's Cloud TPU documentation gives a
# TPU v5p 95 GiB per chip, which *How To Scale Your Model* rounds to "96 GB". `Chip.hbm_bytes` is the exposed figure,
# and it is what every `fits` and `min_chips` in this workbook compares with; `hbm_marketed` keeps the vendor's
# label, and `hbm_source` says where the exposed figure was read. The cell prints both, then checks one real
# training step against each:

# %%
print(f"{'chip':9s}{'label':>8s}{'exposed bytes':>17s}{'GB':>8s}{'GiB':>8s}   exposed / label")
for name in ("A100", "H100", "H200", "TPU v5p"):
    c = llmcalc.chip(name)
    print(f"{c.name:9s}{c.hbm_marketed:>8s}{c.hbm_bytes:>17,.0f}{c.hbm_bytes / GB:8.2f}{c.hbm_bytes / GiB:8.2f}"
          f"   {c.hbm_bytes / c.hbm_marketed_bytes:.4f}")
h100 = llmcalc.chip("H100")
step_8b = llmcalc.peak_training_bytes(llmcalc.preset("llama-3-8b"), 1, 8192, regime="bf16", checkpointing=True,
                                      attention="sdpa")
print(f"\none training step of LLaMA 3-8B (b = 1, s = 8192, bf16, checkpointing; see §9): {step_8b / GB:.2f} GB")
for what, capacity in ((f"the label '{h100.hbm_marketed}'", h100.hbm_marketed_bytes),
                       ("the bytes an H100 exposes", h100.hbm_bytes)):
    print(f"  against {what:26s} ({capacity / GB:5.2f} GB): fits {mem.fits(step_8b, capacity)}, "
          f"with 10% headroom {mem.fits(step_8b, capacity, headroom=0.1)}")

# %% [markdown]
# Checked against the label, the step is refused; checked against the bytes the card exposes, it fits. Not all of
# those bytes are yours, though: the driver keeps part of the total for itself and the CUDA context takes more, which
# is what the `headroom` argument of `fits` is for — and with 10% kept free, this step fits neither. Compare with the
# exposed bytes and keep headroom; never compare with the label.
#
# ## 2. Model states: weights, gradients, master weights, optimizer
#
# Training with Adam keeps, for every parameter:
#
# * the **weights** the forward pass reads (bf16: 2 bytes);
# * the **gradient** the backward pass writes (bf16: 2 bytes, or fp32: 4);
# * an **fp32 master copy** of the weights: updates like $\eta\,\hat m/\sqrt{\hat v}$ are often smaller than
#   bf16's resolution near the weight, so they would be rounded away if applied to the bf16 copy (4 bytes);
# * Adam's two **moments** $m$ and $v$ in fp32 (4 + 4 bytes). Plain SGD keeps none; SGD with momentum one.
#
# Sources add these up differently, and all three totals are in use:
#
# $$\underbrace{2 + 2 + 4 + 8}_{\text{ZeRO paper: } (2+2+K)\Psi,\ K=12} = 16, \qquad
# \underbrace{2 + 4 + 4 + 8}_{\text{Megatron: fp32 grads}} = 18, \qquad
# \underbrace{2 + 8}_{\textit{How To Scale Your Model}} = 10 .$$
#
# The 10-byte count keeps no master copy (it updates the bf16 weights from fp32 moments) and does not count
# gradients, which it treats as transient: each layer's gradient is reduced and consumed by the optimizer
# as it is produced. *How To Scale Your Model* uses it; Yang Lewis's notes and the university course slides on
# pre-training (*预训练之训练技术*, Tang Tianyi, of the team behind the textbook 《大语言模型》) use 16; Korthikanti
# et al. use 18.

# %%
rows = {name: {**r.as_dict(), "total": r.total} for name, r in mem.REGIMES.items()}
print(pd.DataFrame(rows).T.to_string())
print()
for name in mem.REGIMES:
    b = mem.model_state_breakdown(llama3_70b, name)
    print(f"LLaMA 3-70B, {name:17s}: " + ", ".join(f"{k} {x / GB:,.0f}" for k, x in b.items()) + " GB")
notes_2b = mem.model_state_breakdown(2e9, "mixed")
print(f"\nthe multi-GPU notes' 2B example: weights {notes_2b['weights'] / GB:.0f} GB, grads {notes_2b['grads'] / GB:.0f} GB, "
      f"Adam {notes_2b['optimizer'] / GB:.0f} GB, master {notes_2b['master'] / GB:.0f} GB")
print(f"the course slides' 7B example: 16 x 7e9 = {mem.model_state_bytes(7e9, 'mixed') / GB:.0f} GB")

# %% [markdown]
# **Question:** *How To Scale Your Model* trains LLaMA 3-70B with "bf16 parameters + fp32 optimizer" and counts
# $2\cdot70\times10^9 + 8\cdot70\times10^9 = 700$ GB. The course slides would count 16 bytes per parameter. Which is
# right?
#
# <details><summary>Show answer</summary>
#
# Both, for different training recipes. The 10-byte recipe stores no fp32 master copy and never holds a full
# set of gradients at once; the 16-byte recipe (classic mixed precision with a master copy, as in DeepSpeed) pays
# for an fp32 master copy and a whole gradient buffer on top. When you read a memory estimate, first
# find which recipe it assumes — the table above shows how far apart they are for the same model.
#
# </details>
#
# ## 3. ZeRO: shard the states across data-parallel replicas
#
# Plain data parallelism gives each of $N_d$ devices a full copy of the model states. ZeRO (Rajbhandari et al. 2020)
# shards them instead, one kind at a time, with $\Psi$ parameters and $K = 12$ optimizer bytes per parameter:
#
# | stage | sharded | bytes per device |
# |---|---|---|
# | 0 (plain DP) | nothing | $(2 + 2 + K)\Psi$ |
# | 1 | optimizer (master + moments) | $4\Psi + K\Psi/N_d$ |
# | 2 | + gradients | $2\Psi + (2 + K)\Psi/N_d$ |
# | 3 | + weights (like FSDP) | $(4 + K)\Psi/N_d$ |
#
# The paper's Figure 1 example is $\Psi = 7.5$B on $N_d = 64$ GPUs. The dashed line is a V100's 32 GB, the GPU of
# the paper.

# %%
zero = {f"stage {s}": mem.model_state_breakdown(7.5e9, "mixed", s, 64) for s in mem.ZERO_STAGES}
for name, b in zero.items():
    print(f"{name}: {b['total'] / GB:6.1f} GB per device  (" + ", ".join(f"{k} {x / GB:.2f}" for k, x in b.items() if k != "total") + ")")
fig = plots.memory_stack({k: {t: x for t, x in b.items() if t != "total"} for k, b in zero.items()}, chip="V100")
plt.show()

# %% [markdown]
# Stage 1 removes most of the states because the optimizer holds 12 of the 16 bytes. Stage 3 divides
# everything by $N_d$ but must all-gather each layer's weights before using them, in the forward *and* the backward
# pass — the communication cost is the topic of chapter 4.
#
# ## 4. Activations: what the backward pass needs
#
# To compute weight gradients, the backward pass needs the *inputs* of every matmul and of every nonlinearity from
# the forward pass. Korthikanti et al. (2022, "Reducing Activation Recomputation in Large Transformer Models")
# counted them for a GPT-style layer (LayerNorm, GELU MLP with $F = 4h$, dropout), 16-bit values, per layer:
#
# $$\text{activations per layer} = s\,b\,h\left(34 + \frac{5\,a\,s}{h}\right)\ \text{bytes}.$$
#
# The $34sbh$ are $h$- and $4h$-wide tensors (norm inputs, linear inputs, the GELU's input and output, 1-byte
# dropout masks); the $5as^2b$ are the attention scores, softmax output and its dropout mask — quadratic in $s$.
# The remedies, each a closed form of the paper ($t$ = tensor-parallel degree):
#
# | policy | bytes per layer |
# |---|---|
# | none | $sbh(34 + 5as/h)$ |
# | tensor parallel (TP) | $sbh(10 + 24/t + 5as/(ht))$ — the norm and linear inputs stay replicated |
# | TP + sequence parallel (SP) | $sbh(34/t + 5as/(ht))$ — the replicated part is split along $s$ |
# | TP + selective recompute | $sbh(10 + 24/t)$ — recompute the cheap score tensors in the backward |
# | TP + SP + selective | $34\,sbh/t$ |
# | full recompute | $2sbh$ — keep only the layer input, rerun the layer's forward |
#
# With pipeline parallelism over $p$ stages, the first stage holds $L/p$ layers for $p$ micro-batches in flight:
# about $L$ layers' worth. Here are the paper's 22B and 1T models (Table 3, $s = 2048$); the values it reports are
# 59.25 and 9.5625 GiB (22B), 131.25 and 26.5625 GiB (1T):

# %%
def gpt_style(L, h, a):
    """A GPT-style model as Korthikanti et al. use it: F = 4h, LayerNorm, GELU, biases, V = 51200."""
    return ModelConfig(L=L, D=h, F=4 * h, N=a, V=51200, mlp="plain", norm="layernorm", positions="learned",
                       max_positions=2048, qkv_bias=True, o_bias=True, mlp_bias=True, tied_embeddings=True)

gpt_22b, gpt_1t = gpt_style(48, 6144, 64), gpt_style(128, 25600, 160)
policies = {"TP only": dict(), "TP + SP": dict(sp=True), "TP + selective": dict(recompute="selective"),
            "TP + SP + selective": dict(sp=True, recompute="selective"), "full recompute": dict(recompute="full")}
layouts = {"22B (b=4, t=8, p=1)": (gpt_22b, 4, 1), "1T (b=1, t=8, p=64)": (gpt_1t, 1, 64)}
table = pd.DataFrame({name: {pol: mem.activation_bytes(cfg, b, 2048, tp=8, pp=p, **kw) / GiB for pol, kw in policies.items()}
                      for name, (cfg, b, p) in layouts.items()})
print("activations per GPU of the first pipeline stage, GiB")
print(table.to_string(float_format=lambda x: f"{x:.4f}"))

# %% [markdown]
# All four of the paper's values come out to the last digit. Selective recompute is the sweet spot: it drops the
# tensors that grow with $s^2$, which are cheap to recompute (no weight matmul); with sequence parallelism the paper
# reports that it cuts the execution-time overhead of recomputation by over 90%, where full recompute costs a whole
# extra forward (chapter 2's $8P$).
#
# ### A LLaMA layer keeps more than $34sbh$
#
# A LLaMA-style layer has no dropout and no biases, but its SwiGLU MLP keeps **four** $F$-wide tensors (the gate
# and up projections' outputs, $\mathrm{silu}(\text{gate})$ and the product that feeds the down projection), and
# grouped-query attention shrinks the keys and values to $K\cdot H$. `layer_activation_breakdown` lists what it
# assumes, tensor by tensor. Below, each tensor in units of $sbh$ (bytes per token divided by $D$), for LLaMA 3-70B,
# score tensors dropped (selective recompute, or FlashAttention):

# %%
s, b = 8192, 1
parts = mem.layer_activation_breakdown(llama3_70b, b, s, recompute="selective")
for name, x in parts.items():
    print(f"  {name:18s} {x / (s * b * llama3_70b.D):6.3f} sbh")
per_layer = sum(parts.values()) / (s * b * llama3_70b.D)
gpt_layer = sum(mem.layer_activation_breakdown(gpt_22b, b, 2048, recompute="selective").values()) / (2048 * b * gpt_22b.D)
fp32_norms = sum(mem.layer_activation_breakdown(llama3_70b, b, s, recompute="selective", norm_fp32=True).values()) / (s * b * llama3_70b.D)
print(f"LLaMA 3-70B layer: {per_layer:.2f} sbh  vs  GPT-style: {gpt_layer:.0f} sbh  ->  {per_layer / gpt_layer:.2f}x")
print(f"with fp32 copies of the RMSNorm inputs (eager Hugging Face): {fp32_norms:.2f} sbh = {fp32_norms / gpt_layer:.2f}x")

# %% [markdown]
# So $34sbh$ is not a universal constant: it belongs to the GPT shape. For a SwiGLU model the MLP part is
# $4F\cdot 2$ bytes instead of $2\cdot 4h\cdot 2$, so the ratio depends on $F/D$. Real eager PyTorch keeps a little more
# again (RoPE copies, norm internals); `llmcalc`'s list is an estimate to be measured before trusting it to the last GB.
#
# The course slides also quote, leaving the derivation to their textbook, "17 GB" of activations for a 7B model that
# keeps *everything*. One
# sequence of $T = 2048$ with nothing recomputed comes close — if the 17 is read as GiB (the slide does not say
# which batch and sequence it assumed, so this is a plausible reading, not a check):

# %%
full_7b = mem.activation_bytes(llmcalc.preset("llama-2-7b"), 1, 2048)
print(f"LLaMA-7B, b = 1, T = 2048, nothing recomputed: {full_7b / GiB:.2f} GiB = {full_7b / GB:.2f} GB")

# %% [markdown]
# **Question:** Korthikanti's 22B model trains on 8 A100s (80 GB) with $t = 8$, micro-batch 4, 18 bytes per
# parameter. With TP only, does it fit? Which policy makes it fit? Count the fp32 logits too.

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:gpt22b.tp_only_gb", "check:gpt22b.tp_sp_selective_gb"]
# Answer (click to reveal) · 答案(点击展开)
cases_22b = {}
for pol in ("TP only", "TP + SP", "TP + SP + selective"):
    r = mem.training_bytes_per_device(gpt_22b, 4, 2048, regime="mixed_fp32_grads", tp=8, **policies[pol])
    cases_22b[pol] = {k: x for k, x in r.items() if k != "total"}
    print(f"{pol:20s} states {r['model_states'] / GB:5.1f} + activations {r['activations'] / GB:5.1f} + "
          f"logits {r['logits'] / GB:4.1f} = {r['total'] / GB:6.1f} GB  fits an A100: {mem.fits(r['total'], 'A100')}")
fig = plots.memory_stack(cases_22b, chip="A100")
plt.show()

# %% [markdown]
# ## 5. Checkpoints per layer: LLaMA 3-70B on TPU v5p
#
# *How To Scale Your Model* (part 6, "Training LLaMA 3 on TPUs", read here in a Chinese rendering) estimates memory
# the other way round: decide which tensors to **keep** per layer (the checkpoints; everything else is recomputed)
# and multiply by all the tokens of a global batch:
#
# $$\text{checkpoints} = 2\ \text{bytes}\times B \times L \times \sum_{\text{kept tensors}} \text{width}.$$
#
# The book: 4 checkpoints per layer, each $D$ wide, a batch of $4\times10^6$ tokens, plus the 10-byte states of
# $70\times10^9$ parameters. It prints 140 GB, 560 GB, "20.9 TB", "~21.6 TB" and $21.6\times10^{12}/96\times10^9 = 225$
# chips; then 2.4 GB per chip on a full pod of 8960, and "8 GB" with 12 checkpoints per layer.

# %%
v5p = llmcalc.chip("TPU v5p")
ckpt4 = mem.checkpoint_bytes(llama3_70b, 4e6, "book_4xD")
states = mem.model_state_breakdown(70e9, "bf16_fp32_adam")
total_4 = ckpt4 + states["total"]
print(f"weights {states['weights'] / GB:.0f} GB, Adam {states['optimizer'] / GB:.0f} GB, "
      f"checkpoints 2 x {llama3_70b.D} x 4e6 x 4 x {llama3_70b.L} = {ckpt4:,} bytes = {ckpt4 / 1e12:.2f} TB")
print(f"total {total_4 / 1e12:.2f} TB (checkpoints are {ckpt4 / total_4:.0%} of it)")
for hbm, what in ((96e9, "the book's '96 GB'"), (v5p.hbm_bytes, f"the {v5p.hbm_marketed} a v5p exposes")):
    print(f"minimum v5p chips at {what} per chip: rounded 21.6 TB -> {mem.min_chips(21.6e12, hbm)}, "
          f"unrounded -> {mem.min_chips(total_4, hbm)}")
print(f"on the full pod: {total_4 / v5p.fast_domain / GB:.2f} GB per chip of {v5p.hbm_bytes / GB:.1f} GB")
total_12 = mem.checkpoint_bytes(llama3_70b, 4e6, "book_12xD") + states["total"]
print(f"12 checkpoints per layer: {total_12 / v5p.fast_domain / GB:.2f} GB per chip (the book: '8 GB'); "
      f"with 4 x 2**20 tokens: {(mem.checkpoint_bytes(llama3_70b, 4 * 2**20, 'book_12xD') + states['total']) / v5p.fast_domain / GB:.2f} GB")

# %% [markdown]
# The book's 20.9 TB is the product cut off, not rounded; at its own 96 GB per chip the unrounded total needs more
# chips than its 225; at the 95 GiB a v5p chip exposes, fewer are needed either way; and 12 checkpoints per layer give
# less than its "8 GB" per chip. None of this changes its conclusion.
#
# **Where the $4\times D$ count undercounts.** "Four checkpoints of width $D$" is fine if the kept tensors are the
# layer input, the attention output and the like. But a policy that saves anything *inside* the MLP (the usual
# choice: JAX's `checkpoint_dots` keeps every matmul output) keeps $F$-wide tensors, and for LLaMA 3-70B $F = 3.5D$.
# `CHECKPOINT_POLICIES` names a few policies:

# %%
for policy, widths in mem.CHECKPOINT_POLICIES.items():
    c = mem.checkpoint_bytes(llama3_70b, 4e6, policy)
    print(f"{policy:19s} {'+'.join(widths):22s} {c / 1e12:6.2f} TB = {c / ckpt4:.2f} x the book's, "
          f"{(c + states['total']) / v5p.fast_domain / GB:5.2f} GB per chip on the pod")

# %% [markdown]
# ### Minimum chips vs chips used
#
# With the book's 4 checkpoints, a few hundred chips *hold* the run. Would you train on them? Chapter 2's time
# formula answers (6.3e24 FLOPs as in the book, 40% MFU):

# %%
for n in (mem.min_chips(21.6e12, v5p), v5p.fast_domain):
    days = llmcalc.training_days(6.3e24, n, v5p, 0.4)
    print(f"{n:>5} chips: {days:7,.0f} days = {days / 365:4.1f} years   (memory used: "
          f"{total_4 / n / v5p.hbm_bytes:.1%} of HBM)")

# %% [markdown]
# (At that minimum, worked out from the book's rounded 21.6 TB, the unrounded total overflows HBM slightly: see the
# memory column.) Large clusters are
# **compute-bound**, not memory-bound: the pod exists to finish in weeks, and at that size memory is
# nearly free. Memory sets the *minimum*; FLOPs and the deadline set the number you buy.
#
# ## 6. The course slides' rule of thumb
#
# The slides estimate memory per GPU, with ZeRO-3 over $N$ GPUs, micro-batch $B$, sequence $T$ and width $H$ ($= D$):
#
# $$\underbrace{\frac{16P}{N}}_{\text{model + optimizer}} + \underbrace{2LBTH}_{\text{layer inputs}}
#   + \underbrace{12BTV}_{\text{logits: } 4BTV \text{ fp32} + 8BTV \text{ extra}} + \underbrace{6}_{\text{framework, ZeRO, fragmentation}}$$
#
# The first activation term is full recomputation (only each layer's input is kept). Their example: LLaMA-7B on
# 2 × A100-80G at $B = 8$ ($T = 2048$): "model and optimizer 50 GB, activations 6.2 GB, other 10 GB, 66 GB per card".

# %%
llama_7b = llmcalc.preset("llama-2-7b")
gib = mem.course_slide_bytes(llama_7b, 2, 8, 2048)                      # overhead 6 GiB
gb = mem.course_slide_bytes(llama_7b, 2, 8, 2048, overhead_bytes=6 * GB)
for unit, r, u in (("GiB", gib, GiB), ("GB", gb, GB)):
    print(f"in {unit:3s}: model+optimizer {r['model_and_optimizer'] / u:5.2f} + activations "
          f"{(r['layer_inputs'] + r['logits']) / u:5.2f} + other {r['overhead'] / u:.0f} = {r['total'] / u:5.1f} {unit}")

# %% [markdown]
# The "66" only comes out if every term is in GiB; in GB (the unit of the card's "80G") the same rule gives the
# second line. And the slide's
# labels look **swapped**: its own activation terms make the number the cell prints, close to its "other 10", and its
# "other" is the 6 of the formula — not "activations 6.2, other 10". The card still fits, in either unit.
#
# ## 7. Fine-tuning Mixtral-8x7B on a 44 GB card
#
# Training only part of a model shrinks the optimizer states to the trainable part — but the **frozen** weights
# still have to sit on the card for the forward pass. Yang Lewis's notes size Mixtral-8x7B's experts first:

# %%
mixtral = llmcalc.preset("mixtral-8x7b")
one_expert = mem.subset_params(mixtral, ("experts",), layers=1, experts=1)
print(f"one expert: 3 x {mixtral.D} x {mixtral.F_expert} = {one_expert:,} params = {mem.value_bytes(one_expert) / 1e6:.0f} MB bf16")
print(f"8 experts of one layer: {mem.value_bytes(mem.subset_params(mixtral, ('experts',), layers=1)) / GB:.2f} GB; "
      f"all 32 layers: {mem.value_bytes(mem.subset_params(mixtral, ('experts',))) / GB:.0f} GB; "
      f"whole model: {mem.value_bytes(llmcalc.param_count(mixtral)) / GB:.1f} GB bf16, "
      f"{mem.value_bytes(llmcalc.param_count(mixtral), 'int4') / GB:.1f} GB int4")

# %% [markdown]
# Then three cases, with the 16-byte regime for what is trained:
#
# * **A** — train the routers only;
# * **B** — the bottom 6 layers, 2 experts each, plus those layers' routers;
# * **C** — a 4-bit base with LoRA adapters of rank $r = 16$ on the gate, up and down matrices of every expert.
#   LoRA adds $r\,(d_\text{in} + d_\text{out})$ parameters per adapted matrix.
#
# The notes print: A "about a million" parameters; B 4.23 / 4.23 / 16.9 / 8.46 = 33.8 GB; C 0.885M per expert,
# 7.08M per layer, "226.6M" in all and 3.6 GB — and call all three feasible on 44 GB.

# %%
lora = mem.lora_params(mixtral, 16, ("gate", "up", "down"))
trainable = {"A router only": mem.subset_params(mixtral, ("router",)),
             "B 6 layers x 2 experts": mem.subset_params(mixtral, ("experts", "router"), layers=6, experts=2),
             "C LoRA r=16": lora}
print(f"LoRA: {mem.lora_params(mixtral, 16, ('gate', 'up', 'down'), layers=1, experts=1):,} per expert, "
      f"{mem.lora_params(mixtral, 16, ('gate', 'up', 'down'), layers=1):,} per layer, {lora:,} in all = {lora / 1e6:.1f}M")
rows = []
for case, n in trainable.items():
    own = case.startswith("C")
    for frozen_dtype in ("bf16", "int4"):
        r = mem.finetune_bytes(mixtral, n, frozen_bytes_per_param=mem.BYTES_PER_VALUE[frozen_dtype], trainable_in_base=not own)
        rows.append({"case": case, "trainable": f"{n:,}", "frozen base": frozen_dtype,
                     **{k: f"{r[k] / GB:.2f}" for k in ("weights", "grads", "optimizer", "master", "frozen_weights", "total")},
                     "fits 44 GB": mem.fits(r["total"], 44e9)})
print(pd.DataFrame(rows).to_string(index=False))
fig = plots.memory_stack({case: {k: v for k, v in mem.finetune_bytes(mixtral, n, frozen_bytes_per_param=0.5,
                                                                     trainable_in_base=not case.startswith("C")).items() if k != "total"}
                          for case, n in trainable.items()})
fig.axes[0].axhline(44, color="k", ls="--", label="44 GB card")
fig.axes[0].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
plt.show()

# %% [markdown]
# Reading the table and the bars (GB are $10^9$ bytes; the notes' header says 1024-based, but their numbers are in
# $10^9$):
#
# * The notes' trainable-state numbers agree with the table: B's 33.8 GB, C's 3.6 GB of adapter states. Their
#   "226.6M" is the rounded 0.885M multiplied by 256; the exact count is printed above the table.
# * But they **forget the frozen base.** All of Mixtral's parameters must be read in the forward pass (the
#   frozen_weights column, in bf16 and at 4 bits). In bf16 *no* case fits a 44 GB card. With a 4-bit base, A and C
#   fit (before activations), while B does not: its states plus the 4-bit rest are over 44 GB before a single
#   activation.
# * So the notes' "feasible" needs qualifying: A and C only with a quantised base (or CPU offload of the frozen
#   experts, which the notes themselves warn is slow), and B not on one card at all without offloading.

# %% [markdown]
# ## 8. Will it fit on this card?
#
# Put the pieces together per device: model states (split $t\cdot p$ ways, ZeRO over $N_d$), activations of the first
# pipeline stage, and one fp32 copy of the logits (split by a vocab-parallel head):
#
# $$\text{bytes per device} = \text{states}(\Psi/(tp), N_d) + \text{activations}(b, s, t, p, \text{policy}) + 4\,b\,s\,V/t .$$
#
# `training_bytes_per_device` adds them and `fits` compares with HBM (with an optional headroom share for what the
# estimate leaves out: allocator fragmentation, communication buffers, the CUDA context). LLaMA 3-70B on H100s at
# $T = 8192$, micro-batch 1, 16-byte states:

# %%
layouts_70b = {
    "TP8": dict(tp=8),
    "TP8 PP4": dict(tp=8, pp=4),
    "TP8 PP4 SP sel.": dict(tp=8, pp=4, sp=True, recompute="selective"),
    "TP8 PP4 SP full": dict(tp=8, pp=4, sp=True, recompute="full"),
    "TP8 PP4 SP sel. ZeRO-1 x8": dict(tp=8, pp=4, sp=True, recompute="selective", zero_stage=1, dp=8),
}
cases_70b = {}
for name, kw in layouts_70b.items():
    r = mem.training_bytes_per_device(llama3_70b, 1, 8192, **kw)
    cases_70b[name] = {k: x for k, x in r.items() if k != "total"}
    print(f"{name:26s} states {r['model_states'] / GB:6.1f}  activations {r['activations'] / GB:6.1f}  logits "
          f"{r['logits'] / GB:4.1f}  total {r['total'] / GB:6.1f} GB   fits H100: {mem.fits(r['total'], 'H100')}, "
          f"with 10% headroom: {mem.fits(r['total'], 'H100', headroom=0.1)}")
fig = plots.memory_stack(cases_70b, chip="H100")
plt.show()

# %% [markdown]
# Two things to notice. Pipeline parallelism alone (TP8 → TP8 PP4) divides the model states but not the activations:
# the first stage holds $L/p$ layers for $p$ micro-batches in flight. And selective recompute with SP is what brings
# a 70B model at $T = 8192$ well inside an H100; full recompute leaves plenty of room but costs an extra forward pass.
#
# **Question (what's wrong here?).** That article ("How many GPUs does training a 100B model take?") sizes a 100B model with
# a small calculator: fp16 weights and
# gradients, 8 bytes of Adam state per parameter, activations "$\approx$ batch × seq_len × hidden × layers × 2 bytes"
# with hidden 12288 and 80 layers, plus 10 "GB" of buffers — every term divided by $1024^3$ and labelled GB. Its
# prose says "activations need another 300–500 GB, 500–700 GB in total". Find the problems.
#
# <details><summary>Show answer</summary>
#
# 1. **Units.** Dividing by $1024^3$ gives GiB, not GB.
# 2. **The states.** 2 + 2 + 8 = 12 bytes per parameter has no fp32 master copy; its own comment lists
#    "parameters, momentum, variance" for the 8 bytes but only has room for two of them.
# 3. **Activations.** One $D$-wide tensor per layer is full recomputation's layer input only; a layer that keeps its
#    tensors needs $sbh(34 + 5as/h)$. The activation term is far too small (the cell compares the two), and its prose
#    (300–500 GB) does not agree with its code.
# 4. **The shape.** $L = 80$, $D = 12288$ is not a 100B model: $12LD^2$ alone is well above 100B (the cell counts it).
# 5. **The totals.** Its own code's terms add up far beyond the prose's 500–700 GB (the cell prints the sum); the
#    prose leaves out the gradients and optimizer it has just counted.
#
# </details>

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell"]
# Answer (click to reveal) · 答案(点击展开)
shape_100b = ModelConfig(L=80, D=12288, F=4 * 12288, N=96, V=50257, mlp="plain", norm="layernorm", positions="learned",
                        max_positions=2048, qkv_bias=True, o_bias=True, mlp_bias=True, tied_embeddings=True)
article_terms = {"weights": mem.value_bytes(100e9, "fp16"), "grads": mem.value_bytes(100e9, "fp16"),
                 "optimizer": 8 * 100e9, "activations": mem.checkpoint_bytes(shape_100b, 2048, ("D",))}
article_total = sum(article_terms.values()) / GiB + 10
print("the article's code: " + ", ".join(f"{k} {x / GiB:.1f}" for k, x in article_terms.items()) + f", + 10 -> {article_total:.1f} 'GB' (GiB)")
print(f"its shape (L=80, D=12288, GPT-style) has {llmcalc.param_count(shape_100b) / 1e9:.0f}B parameters, not 100B")
for pol, kw in (("nothing recomputed", {}), ("selective recompute", dict(recompute="selective"))):
    a = mem.activation_bytes(shape_100b, 1, 2048, **kw)
    print(f"activations, b = 1, s = 2048, {pol}: {a / GB:.0f} GB = {a / article_terms['activations']:.0f}x the article's term")
print(f"16-byte states of 100B: {mem.model_state_bytes(100e9) / GB:,.0f} GB -> at least "
      f"{mem.min_chips(mem.model_state_bytes(100e9), 'A100')} A100-80GB before any activation")

# %% [markdown]
# ## 9. One real training step, measured
#
# Everything so far is a closed form for a Megatron-style run: 10, 16 or 18 bytes per parameter plus Korthikanti's
# activations. What does a plain Hugging Face LLaMA trained with `torch.optim.AdamW` hold at its worst moment?
# `llmcalc.peak_training_bytes(cfg, b, s, regime=..., checkpointing=..., attention=...)` answers by **replaying one
# step** as the tensors PyTorch allocates and frees, each counted from its shape and dtype: the parameters and
# AdamW's two states (bf16, 2 bytes each, in the `"bf16"` regime; fp32 with bf16 autocast in `"amp"`); what
# every layer saves for the backward pass; the loss, which upcasts the logits to fp32; the gradients as the
# backward pass creates them, last layer first; and the optimizer's temporaries (the foreach AdamW that is torch's
# default on GPUs makes a square-root copy of every state). The peak is the largest running total.
#
# The truth comes from torch itself: `MemTracker` (`torch.distributed._tools.mem_tracker`) counts the live tensor
# storages of the real model under `FakeTensorMode` — fake tensors with shapes but no data, so a 7B model's step
# is measured on a laptop's CPU — on the second step, when AdamW's states exist (`tools/measure_peak_memory.py`;
# `make crosscheck` re-measures). These are **this project's own measurements** with torch's MemTracker, not figures
# from a paper; `llmcalc.measured` keeps them with the versions they were made with. The replay follows one code
# path, that of transformers 5.23.0 on torch 2.13.0 (`peak_memory.REPLAYED_VERSIONS`): another version may allocate
# other tensors, and `peak_training_bytes` warns when it finds one installed.

# %%
from llmcalc import measured
from llmcalc.peak_memory import REPLAYED_VERSIONS, peak_training_moments

print("the replay follows:", ", ".join(f"{k} {x}" for k, x in REPLAYED_VERSIONS.items()),
      "| measured with:", ", ".join(f"{k} {x}" for k, x in measured.MEASURED_WITH.items()))
rows = []
for m in measured.MEMTRACKER_PEAKS:
    cfg_m = llmcalc.preset(m.preset)
    kw = dict(regime=m.regime, checkpointing=m.checkpointing, attention=m.attention)
    predicted = llmcalc.peak_training_bytes(cfg_m, m.micro_batch, m.seq_len, **kw)
    moments = peak_training_moments(cfg_m, m.micro_batch, m.seq_len, **kw)
    rows.append({"model": m.preset, "b": m.micro_batch, "s": m.seq_len, "regime": m.regime,
                 "ckpt": m.checkpointing, "attention": m.attention, "measured GB": m.peak_bytes / GB,
                 "llmcalc GB": predicted / GB, "error %": 100 * (predicted - m.peak_bytes) / m.peak_bytes,
                 "peak at (llmcalc)": max(moments, key=moments.get), "peak at (measured)": m.phase})
table_9 = pd.DataFrame(rows)
print(table_9.round(4).to_string(index=False))
print(f"\nlargest |error| in this table: {table_9['error %'].abs().max():.5f}%; over the {measured.small_shape_cases()} "
      f"smaller steps recorded in llmcalc.measured: {100 * measured.small_shape_max_abs_error():.3f}%")

# %% [markdown]
# The replay agrees with torch to within the error column above, and on the smaller steps recorded in
# `llmcalc.measured` (both regimes, with and without checkpointing, SDPA and eager attention, three AdamW
# implementations, biased layers; `docs/peak-memory.md`) to within the largest error the cell prints. Three things stand out. The peak is often **the optimizer step**, not the end of the
# forward pass: foreach AdamW briefly holds a copy of a whole optimizer state. At the start of the backward pass
# the loss holds $12\,b\,s\,V$ bytes of fp32 logits and gradients — exactly the course slides' $12BTV$ of §6.
# And `"amp"` costs twice `"bf16"`: fp32 parameters, gradients and states, plus autocast's bf16 copies.
#
# What the replay leaves out, and a real GPU adds: the CUDA context (several hundred MB), the caching
# allocator's rounding and fragmentation, cuBLAS and attention-kernel workspaces, communication buffers. That is
# what the `headroom` argument of `fits` is for.
#
# **Question:** Korthikanti's $34\,s\,b\,h$ bytes per layer (§4) is for a GPT-style layer: LayerNorm, a two-matrix
# MLP with $F = 4h$, dropout. How much does one LLaMA-7B layer really save at $b = 1$, $s = 4096$ in bf16 with SDPA
# attention, and why is it more? What about eager attention and `"amp"`?

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:llama7b.hf_layer_vs_34sbh"]
# Answer (click to reveal) · 答案(点击展开)
from llmcalc.peak_memory import layer_saved_bytes

s_, b_, h_, a_ = 4096, 1, llama_7b.D, llama_7b.N
gpt_layer = 34 * s_ * b_ * h_
for regime, attention, korthikanti in (("bf16", "sdpa", gpt_layer), ("bf16", "eager", s_ * b_ * h_ * (34 + 5 * a_ * s_ / h_)),
                                       ("amp", "sdpa", gpt_layer)):
    saved = layer_saved_bytes(llama_7b, b_, s_, regime=regime, attention=attention)
    print(f"{regime:4s} {attention:5s}: one layer saves {saved / GB:6.3f} GB = {saved / korthikanti:.3f} x Korthikanti's "
          f"{korthikanti / GB:.3f} GB ({saved / (s_ * b_ * h_):.1f} sbh)")

# %% [markdown]
# <details><summary>Where the extra bytes come from</summary>
#
# In bf16 with SDPA a LLaMA layer saves more than $34\,sbh$ (the cell prints how much more), all of it counted tensor
# by tensor and matched byte for byte by MemTracker:
#
# - **RMSNorm keeps fp32 copies**: Hugging Face's RMSNorm upcasts its input, so each of the two norms saves an fp32
#   copy ($4h$), its fp32 reciprocal RMS, the bf16 normalised tensor and the bf16 output (the next linear's
#   input): $16h$ per token for the pair, against $8h$ for two LayerNorm inputs and the linear inputs they feed.
# - **SwiGLU keeps four $F$-wide tensors** (gate, up, $\mathrm{silu}$(gate), their product): $8F$ per token, which at
#   LLaMA-7B's $F = 11008 > 2h$ is more than the $16h$ of GPT's $F = 4h$ MLP (its GELU input and output).
# - **No dropout**: LLaMA trains without it, which saves Korthikanti's masks and dropout outputs ($\approx 2h$ here).
#
# Eager attention saves the $a\,s^2$ softmax in fp32 **and** a bf16 copy (6 bytes per score against Korthikanti's 5),
# so it too stays above $sbh(34 + 5as/h)$. Under `"amp"` autocast adds bf16 copies of every linear layer's input and,
# per layer, of its weights (a fixed amount, whatever the batch): the largest ratio of the three.
#
# So a closed form written for one implementation undercounts another, by the factors the cell prints. The planner of chapter 5
# uses §4's per-tensor count with a fused SwiGLU (Megatron's kernels do not keep $\mathrm{silu}$), and it says so.
#
# </details>

# %% [markdown]
# ## 10. Explorer
#
# Pick a model and a chip; move the micro-batch, $T$, the ZeRO stage, the DP/TP/PP degrees, sequence parallelism,
# the recompute policy and the precision regime. The bar stacks weights, grads, master, optimizer, activations and
# logits against the chip's HBM (GB $= 10^9$ bytes).

# %% tags=["nbval-ignore-output", "widget"]
ex = widgets.memory_explorer("llama-3-70b", chip="H100")
ex.widget

# %%
ex.print_summary()

# %% [markdown]
# Things to try: set recompute to "none" and watch the activations; turn sequence parallelism off; set the ZeRO
# stage to 3 and DP to 1024; switch the regime to `bf16_fp32_adam`; raise $T$ to 32768 and find the PP that fits again.
#
# > **Takeaways**
# >
# > - Bytes = count × bytes per value (fp32 4, bf16 2, int8 1, int4 0.5). GB $= 10^9$, GiB $= 2^{30}$: a gap that
# >   sources blur (the multi-GPU notes' "1 GB = 1024 MB", the 100B article's $1024^3$, the course slides' 66). A
# >   card's "80 GB" is a label, not a capacity: compare with the bytes it exposes (`hbm_bytes`), and keep headroom.
# > - Adam model states are 16 bytes per parameter with an fp32 master copy (ZeRO), 18 with fp32 gradients
# >   (Megatron), 10 without master or kept gradients (*How To Scale Your Model*). Find the recipe first.
# > - ZeRO-1/2/3 shard optimizer, then gradients, then weights over $N_d$ replicas (the ZeRO paper's example:
# >   7.5B on 64 GPUs, 120 GB of states per GPU down to 1.9 GB).
# > - Activations scale with $b\cdot s$ and, without recompute or FlashAttention, with $s^2$. TP + SP + selective
# >   recompute brings Korthikanti's $sbh(34 + 5as/h)$ down to $34sbh/t$; a SwiGLU layer keeps more than $34sbh$.
# > - Memory sets the **minimum** number of chips; compute and the deadline set the number you use (225 v5p chips
# >   could hold LLaMA 3-70B's training, by the book's count, and would take years).
# > - A fine-tuning estimate must count the frozen base, which the multi-GPU notes leave out (§7).
# > - One real Hugging Face step, replayed tensor by tensor (`peak_training_bytes`), matches what torch's MemTracker
# >   measured in every case of §9: the peak is often the optimizer step, the loss holds $12bsV$, and a LLaMA layer
# >   saves more than $34sbh$ (fp32 RMSNorm copies, four SwiGLU tensors). Closed forms are for one implementation: check which.
#
# ## Exercises
#
# **Exercise 1.** LLaMA 3.1-405B, 16-byte states. (a) Per GPU under ZeRO-3 over all 16,384 GPUs? (b) With Meta's
# layout TP8 × PP16 and no ZeRO (each of the 128-way replicas holds its slice in full)? (c) And with ZeRO-1 over the
# 128 data-parallel replicas?

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.zero3_16k_gb", "check:405b.tp8_pp16_states_gb", "check:405b.tp8_pp16_zero1_states_gb"]
# Answer (click to reveal) · 答案(点击展开)
l405 = llmcalc.preset("llama-3.1-405b")
print(f"P = {llmcalc.param_count(l405):,}")
print(f"(a) ZeRO-3 over 16,384:        {mem.model_state_bytes(l405, 'mixed', 3, 16384) / GB:7.3f} GB per GPU")
print(f"(b) TP8 x PP16, no ZeRO:       {mem.model_state_bytes(l405, 'mixed', 0, 1, model_parallel=128) / GB:7.3f} GB per GPU")
print(f"(c) TP8 x PP16 + ZeRO-1 x 128: {mem.model_state_bytes(l405, 'mixed', 1, 128, model_parallel=128) / GB:7.3f} GB per GPU")

# %% [markdown]
# <details><summary>Why would anyone choose (b) or (c) over (a)?</summary>
#
# ZeRO-3 gathers every layer's weights over the whole data-parallel group twice per step, and over 16,384 GPUs
# that traffic crosses the slow network. TP and PP keep most weight traffic inside a node (NVLink) or send only
# activations between stages. (c) keeps the weights local and shards only the optimizer, whose traffic is once per
# step. Chapter 4 puts numbers on this trade.
#
# </details>
#
# **Exercise 2.** LLaMA 3-70B on H100s at $T = 8192$, micro-batch 1, sequence parallelism and selective recompute,
# 16-byte states, 10% headroom. TP is at most 8 (one node) and PP must divide $L = 80$. What is the smallest
# $t\cdot p$ that fits without ZeRO? And with ZeRO-1 over 8 data-parallel replicas?

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:l3_70b.min_gpus_per_replica_no_zero", "check:l3_70b.min_gpus_per_replica_zero1"]
# Answer (click to reveal) · 答案(点击展开)
def smallest_layout(**kw):
    options = [(tp * pp, tp, pp) for tp in (1, 2, 4, 8) for pp in range(1, 81) if 80 % pp == 0]
    for _, tp, pp in sorted(options):
        r = mem.training_bytes_per_device(llama3_70b, 1, 8192, tp=tp, pp=pp, sp=True, recompute="selective", **kw)
        if mem.fits(r["total"], "H100", headroom=0.1):
            return tp, pp, r["total"]

for label, kw in (("no ZeRO", {}), ("ZeRO-1 x 8", dict(zero_stage=1, dp=8))):
    tp, pp, total = smallest_layout(**kw)
    print(f"{label:10s}: TP{tp} x PP{pp} = {tp * pp} GPUs per replica, {total / GB:.1f} GB per GPU")

# %% [markdown]
# **Exercise 3.** §5 printed the bytes per chip of the book's 12 checkpoints per layer on a full v5p pod. If all 12 were
# $F$ wide instead of $D$ wide (an exaggeration, but the direction of the error), how much would each chip hold? How
# many chips would the run need at minimum, and does the full pod still have room?

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:l3_70b.wide_ckpt_gb_per_chip", "check:l3_70b.wide_ckpt_min_chips"]
# Answer (click to reveal) · 答案(点击展开)
wide = mem.checkpoint_bytes(llama3_70b, 4e6, ("F",) * 12) + states["total"]
print(f"total {wide / 1e12:.1f} TB -> {wide / v5p.fast_domain / GB:.1f} GB per chip on the pod; "
      f"minimum {mem.min_chips(wide, v5p):,} chips (the pod has {v5p.fast_domain:,})")

# %% [markdown]
# **Exercise 4.** Full fine-tuning of LLaMA-2-7B (16-byte states) on 80 GB A100s at micro-batch 1, $T = 4096$, with
# full recompute. How many GPUs does ZeRO-3 need at minimum to fit (no headroom)? Use `training_bytes_per_device`
# with `zero_stage=3` and `dp` = the number of GPUs.

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:llama7b.min_a100_zero3"]
# Answer (click to reveal) · 答案(点击展开)
for n in range(1, 9):
    r = mem.training_bytes_per_device(llama_7b, 1, 4096, zero_stage=3, dp=n, recompute="full")
    print(f"{n} GPU(s): {r['total'] / GB:6.1f} GB per GPU, fits: {mem.fits(r['total'], 'A100')}")
    if mem.fits(r["total"], "A100"):
        break
