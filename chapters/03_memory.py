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
# Notation for the whole workbook: [Notation](../docs/notation.md).
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
# **Symbols** (rows of the workbook's notation page; Korthikanti et al. write $s, b, h, a, t$ and §4 keeps theirs)
#
# | symbol | meaning | symbol | meaning |
# |---|---|---|---|
# | $L$ | transformer layers | $b$ | micro-batch: sequences one device runs through one forward and backward pass |
# | $D$ | model (hidden) width, $d_\text{model}$ | $n$ | chips taking part (in the run, or in one collective) |
# | $F$ | MLP width, $d_\text{ff}$ | $X$ | data-parallel degree (plain DP, ZeRO or FSDP) |
# | $N$ | query heads per layer | $Y$ | tensor-parallel degree |
# | $K$ | key/value heads per layer ($K = N$ is plain multi-head attention) | $p$ | pipeline stages |
# | $H$ | width of one attention head ($D/N$ unless the config gives it) | $\beta_\text{opt}$ | optimizer-state bytes per parameter (fp32 master copy + Adam's two moments: 4 + 8 = 12) |
# | $V$ | vocabulary size | $\mu_1$, $\mu_2$ | Adam's first and second moments (running means of the gradient and of its square) |
# | $P$ | parameter count | $r_\text{LoRA}$ | rank of a LoRA adapter |
# | $T$ | sequence length (tokens per sequence) | HBM | memory of one chip (its high-bandwidth memory) |
# | $B$ | batch in tokens (global, per step) | | |
#
# §4 keeps the letters of Korthikanti et al. ($s = T$, $b$, $h = D$, $a = N$, $t = Y$) so that its formulas can be
# compared with the paper term by term; elsewhere they appear only in a result quoted by name ("Korthikanti's
# $34sbh$"). §6 converts the course slides' $N$ (GPUs) and $H$ (width) into $n$ and $D$. See
# [other notations](../docs/notation.md#other-notations).

# %%
import math

import matplotlib.pyplot as plt
import pandas as pd

import llmcalc
from llmcalc import ModelConfig, plots, widgets
from llmcalc import memory as mem
from llmcalc.i18n import tr
from llmcalc.labels import label

# %matplotlib inline

pd.set_option("display.unicode.east_asian_width", True)   # Chinese column names line up in printed tables
GB, GiB = llmcalc.GB, llmcalc.GiB          # 10**9 and 2**30 bytes: never mixed


def yes_no(ok):
    """A verdict as printed: True/False in English, 是/否 in Chinese."""
    return tr(str(ok), "是" if ok else "否")


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
print(tr(f"LLaMA 3-70B, P = {P:,} parameters", f"LLaMA 3-70B，P = {P:,} 个参数"))
for dtype, size in mem.BYTES_PER_VALUE.items():
    b = mem.value_bytes(P, dtype)
    print(tr(f"  {dtype:5s} {size:>3} bytes each: {b / GB:7.1f} GB = {b / GiB:7.1f} GiB",
             f"  {dtype:5s} 每个 {size:>3} 字节：{b / GB:7.1f} GB = {b / GiB:7.1f} GiB"))
fp16_100b = mem.value_bytes(100e9, "fp16")
print(tr(f"the 100B article's model in fp16: {fp16_100b / GB:.0f} GB, which its code prints as "
         f"{fp16_100b / GiB:.1f} 'GB' (really GiB)",
         f"千亿模型那篇文章的模型按 fp16 计：{fp16_100b / GB:.0f} GB，它的代码却打印成 "
         f"{fp16_100b / GiB:.1f} “GB”（其实是 GiB）"))

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
print(tr(f"{'chip':9s}{'label':>8s}{'exposed bytes':>17s}{'GB':>8s}{'GiB':>8s}   exposed / label",
         f"{'芯片':7s}{'标称':>6s}{'实际字节数':>12s}{'GB':>8s}{'GiB':>8s}   实际 / 标称"))
for name in ("A100", "H100", "H200", "TPU v5p"):
    c = llmcalc.chip(name)
    print(f"{c.name:9s}{c.hbm_marketed:>8s}{c.hbm_bytes:>17,.0f}{c.hbm_bytes / GB:8.2f}{c.hbm_bytes / GiB:8.2f}"
          f"   {c.hbm_bytes / c.hbm_marketed_bytes:.4f}")
h100 = llmcalc.chip("H100")
step_8b = llmcalc.peak_training_bytes(llmcalc.preset("llama-3-8b"), 1, 8192, regime="bf16", checkpointing=True,
                                      attention="sdpa")
print(tr(f"\none training step of LLaMA 3-8B (b = 1, T = 8192, bf16, checkpointing; see §9): {step_8b / GB:.2f} GB",
         f"\nLLaMA 3-8B 的一个训练步（b = 1，T = 8192，bf16，激活检查点；见 §9）：{step_8b / GB:.2f} GB"))
for what, what_zh, capacity in ((f"the label '{h100.hbm_marketed}'", f"按标称的“{h100.hbm_marketed}”比", h100.hbm_marketed_bytes),
                                ("the bytes an H100 exposes", "按 H100 实际提供的字节数比", h100.hbm_bytes)):
    fits, fits_10 = mem.fits(step_8b, capacity), mem.fits(step_8b, capacity, headroom=0.1)
    print(tr(f"  against {what:26s} ({capacity / GB:5.2f} GB): fits {fits}, with 10% headroom {fits_10}",
             f"  {what_zh}（{capacity / GB:5.2f} GB）：放得下 {yes_no(fits)}，留 10% 余量时 {yes_no(fits_10)}"))

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
# * an **fp32 master copy** of the weights: updates like $\eta\,\hat\mu_1/\sqrt{\hat\mu_2}$ are often smaller than
#   bf16's resolution near the weight, so they would be rounded away if applied to the bf16 copy (4 bytes);
# * Adam's two **moments** $\mu_1$ and $\mu_2$ in fp32 (4 + 4 bytes). Plain SGD keeps none; SGD with momentum one.
#
# Sources add these up differently, and all three totals are in use:
#
# $$\underbrace{2 + 2 + 4 + 8}_{\text{ZeRO paper: } (2+2+\beta_\text{opt})P,\ \beta_\text{opt}=12} = 16, \qquad
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
print(pd.DataFrame(rows).T.rename(columns=lambda k: label(k, k)).to_string())
print()
for name in mem.REGIMES:
    b = mem.model_state_breakdown(llama3_70b, name)
    print(f"LLaMA 3-70B, {name:17s}: " + tr(", ", "，").join(f"{label(k, k)} {x / GB:,.0f}" for k, x in b.items()) + " GB")
notes_2b = {k: x / GB for k, x in mem.model_state_breakdown(2e9, "mixed").items()}
print(tr(f"\nthe multi-GPU notes' 2B example: weights {notes_2b['weights']:.0f} GB, grads {notes_2b['grads']:.0f} GB, "
         f"Adam {notes_2b['optimizer']:.0f} GB, master {notes_2b['master']:.0f} GB",
         f"\n多卡训练笔记里 2B 模型的例子：权重 {notes_2b['weights']:.0f} GB，梯度 {notes_2b['grads']:.0f} GB，"
         f"Adam {notes_2b['optimizer']:.0f} GB，fp32 主权重 {notes_2b['master']:.0f} GB"))
slides_7b = mem.model_state_bytes(7e9, "mixed") / GB
print(tr(f"the course slides' 7B example: 16 x 7e9 = {slides_7b:.0f} GB", f"课程讲义里 7B 模型的例子：16 x 7e9 = {slides_7b:.0f} GB"))

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
# Plain data parallelism gives each of $X$ devices a full copy of the model states. ZeRO (Rajbhandari et al. 2020)
# shards them instead, one kind at a time, with $P$ parameters and $\beta_\text{opt} = 12$ optimizer bytes per
# parameter (the paper writes $\Psi$, $K$ and $N_d$):
#
# | stage | sharded | bytes per device |
# |---|---|---|
# | 0 (plain DP) | nothing | $(2 + 2 + \beta_\text{opt})P$ |
# | 1 | optimizer (master + moments) | $4P + \beta_\text{opt}P/X$ |
# | 2 | + gradients | $2P + (2 + \beta_\text{opt})P/X$ |
# | 3 | + weights (like FSDP) | $(4 + \beta_\text{opt})P/X$ |
#
# The paper's Figure 1 example is $P = 7.5$B on $X = 64$ GPUs. The dashed line is a V100's 32 GB, the GPU of
# the paper.

# %%
zero = {tr(f"stage {s}", f"阶段 {s}"): mem.model_state_breakdown(7.5e9, "mixed", s, 64) for s in mem.ZERO_STAGES}
for name, b in zero.items():
    parts_gb = tr(", ", "，").join(f"{label(k, k)} {x / GB:.2f}" for k, x in b.items() if k != "total")
    print(tr(f"{name}: {b['total'] / GB:6.1f} GB per device  ({parts_gb})",
             f"{name}：每个设备 {b['total'] / GB:6.1f} GB（{parts_gb}）"))
fig = plots.memory_stack({k: {t: x for t, x in b.items() if t != "total"} for k, b in zero.items()}, chip="V100")
plt.show()

# %% [markdown]
# Stage 1 removes most of the states because the optimizer holds 12 of the 16 bytes. Stage 3 divides
# everything by $X$ but must all-gather each layer's weights before using them, in the forward *and* the backward
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
policy_zh = {"TP only": "仅 TP", "TP + SP": "TP + SP", "TP + selective": "TP + 选择性重计算",
             "TP + SP + selective": "TP + SP + 选择性重计算", "full recompute": "完全重计算"}
layouts = {"22B (b=4, t=8, p=1)": (gpt_22b, 4, 1), "1T (b=1, t=8, p=64)": (gpt_1t, 1, 64)}
table = pd.DataFrame({name: {pol: mem.activation_bytes(cfg, b, 2048, tp=8, pp=p, **kw) / GiB for pol, kw in policies.items()}
                      for name, (cfg, b, p) in layouts.items()})
print(tr("activations per GPU of the first pipeline stage, GiB", "流水线第一级每张 GPU 的激活值（GiB）"))
print(table.rename(index=lambda pol: tr(pol, policy_zh[pol])).to_string(float_format=lambda x: f"{x:.4f}"))

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
tensor_zh = {"query": "查询", "key": "键", "value": "值", "gate": "门控投影输出", "up": "上投影输出",
             "product": "两者之积"}
for name, x in parts.items():
    shown = tr(name, tensor_zh.get(name, name))
    pad = 18 - len(shown) - sum(ord(ch) > 0x2E80 for ch in shown)   # a Chinese character is two columns wide
    print(f"  {shown}{' ' * pad} {x / (s * b * llama3_70b.D):6.3f} sbh")
per_layer = sum(parts.values()) / (s * b * llama3_70b.D)
gpt_layer = sum(mem.layer_activation_breakdown(gpt_22b, b, 2048, recompute="selective").values()) / (2048 * b * gpt_22b.D)
fp32_norms = sum(mem.layer_activation_breakdown(llama3_70b, b, s, recompute="selective", norm_fp32=True).values()) / (s * b * llama3_70b.D)
print(tr(f"LLaMA 3-70B layer: {per_layer:.2f} sbh  vs  GPT-style: {gpt_layer:.0f} sbh  ->  {per_layer / gpt_layer:.2f}x",
         f"LLaMA 3-70B 的一层：{per_layer:.2f} sbh，GPT 式的层：{gpt_layer:.0f} sbh  ->  {per_layer / gpt_layer:.2f} 倍"))
print(tr(f"with fp32 copies of the RMSNorm inputs (eager Hugging Face): {fp32_norms:.2f} sbh = {fp32_norms / gpt_layer:.2f}x",
         f"再加上 RMSNorm 输入的 fp32 副本（PyTorch eager 模式）：{fp32_norms:.2f} sbh = {fp32_norms / gpt_layer:.2f} 倍"))

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
print(tr(f"LLaMA-7B, b = 1, T = 2048, nothing recomputed: {full_7b / GiB:.2f} GiB = {full_7b / GB:.2f} GB",
         f"LLaMA-7B，b = 1，T = 2048，不做重计算：{full_7b / GiB:.2f} GiB = {full_7b / GB:.2f} GB"))

# %% [markdown]
# **Question:** Korthikanti's 22B model trains on 8 A100s (80 GB) with $t = 8$, micro-batch 4, 18 bytes per
# parameter. With TP only, how many GB does each GPU hold (in GB), and does it fit (as True (yes) or False (no))? Does
# TP + SP fit? With TP + SP + selective recompute, how many GB, and does it fit? Count the fp32 logits too.

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:gpt22b.tp_only_gb", "check:gpt22b.tp_sp_selective_gb", "check:gpt22b.tp_only_fits_a100", "check:gpt22b.tp_sp_fits_a100", "check:gpt22b.tp_sp_selective_fits_a100"]
# Answer (click to reveal) · 答案(点击展开)
cases_22b = {}
for pol in ("TP only", "TP + SP", "TP + SP + selective"):
    r = mem.training_bytes_per_device(gpt_22b, 4, 2048, regime="mixed_fp32_grads", tp=8, **policies[pol])
    pol_shown = tr(pol, policy_zh[pol])
    cases_22b[pol_shown] = {k: x for k, x in r.items() if k != "total"}
    gb_22b = {k: x / GB for k, x in r.items()}
    fits_a100 = mem.fits(r["total"], "A100")
    print(tr(f"{pol:20s} states {gb_22b['model_states']:5.1f} + activations {gb_22b['activations']:5.1f} + "
             f"logits {gb_22b['logits']:4.1f} = {gb_22b['total']:6.1f} GB  fits an A100: {fits_a100}",
             f"{pol_shown}：模型状态 {gb_22b['model_states']:5.1f} + 激活值 {gb_22b['activations']:5.1f} + "
             f"logits {gb_22b['logits']:4.1f} = {gb_22b['total']:6.1f} GB，一张 A100 放得下：{yes_no(fits_a100)}"))
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
weights_gb, adam_gb = states["weights"] / GB, states["optimizer"] / GB
print(tr(f"weights {weights_gb:.0f} GB, Adam {adam_gb:.0f} GB, "
         f"checkpoints 2 x {llama3_70b.D} x 4e6 x 4 x {llama3_70b.L} = {ckpt4:,} bytes = {ckpt4 / 1e12:.2f} TB",
         f"权重 {weights_gb:.0f} GB，Adam {adam_gb:.0f} GB，"
         f"检查点 2 x {llama3_70b.D} x 4e6 x 4 x {llama3_70b.L} = {ckpt4:,} 字节 = {ckpt4 / 1e12:.2f} TB"))
print(tr(f"total {total_4 / 1e12:.2f} TB (checkpoints are {ckpt4 / total_4:.0%} of it)",
         f"合计 {total_4 / 1e12:.2f} TB（其中检查点占 {ckpt4 / total_4:.0%}）"))
for hbm, what, what_zh in ((96e9, "the book's '96 GB'", "每块芯片按书中的“96 GB”计"),
                           (v5p.hbm_bytes, f"the {v5p.hbm_marketed} a v5p exposes", f"每块芯片按 v5p 实际提供的 {v5p.hbm_marketed} 计")):
    rounded, unrounded = mem.min_chips(21.6e12, hbm), mem.min_chips(total_4, hbm)
    print(tr(f"minimum v5p chips at {what} per chip: rounded 21.6 TB -> {rounded}, unrounded -> {unrounded}",
             f"{what_zh}，最少 v5p 芯片数：取整后的 21.6 TB -> {rounded}，未取整 -> {unrounded}"))
print(tr(f"on the full pod: {total_4 / v5p.fast_domain / GB:.2f} GB per chip of {v5p.hbm_bytes / GB:.1f} GB",
         f"分到全部 {v5p.fast_domain} 块芯片上：每块 {total_4 / v5p.fast_domain / GB:.2f} GB，显存为 {v5p.hbm_bytes / GB:.1f} GB"))
total_12 = mem.checkpoint_bytes(llama3_70b, 4e6, "book_12xD") + states["total"]
total_12_pow2 = mem.checkpoint_bytes(llama3_70b, 4 * 2**20, "book_12xD") + states["total"]
print(tr(f"12 checkpoints per layer: {total_12 / v5p.fast_domain / GB:.2f} GB per chip (the book: '8 GB'); "
         f"with 4 x 2**20 tokens: {total_12_pow2 / v5p.fast_domain / GB:.2f} GB",
         f"每层 12 个检查点：每块芯片 {total_12 / v5p.fast_domain / GB:.2f} GB（书中：“8 GB”）；"
         f"批大小取 4 x 2**20 时：{total_12_pow2 / v5p.fast_domain / GB:.2f} GB"))

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
    per_chip_gb = (c + states["total"]) / v5p.fast_domain / GB
    print(tr(f"{policy:19s} {'+'.join(widths):22s} {c / 1e12:6.2f} TB = {c / ckpt4:.2f} x the book's, "
             f"{per_chip_gb:5.2f} GB per chip on the pod",
             f"{policy:19s} {'+'.join(widths):22s} {c / 1e12:6.2f} TB = 书中的 {c / ckpt4:.2f} 倍，"
             f"分到全部 {v5p.fast_domain} 块芯片上每块 {per_chip_gb:5.2f} GB"))

# %% [markdown]
# ### Minimum chips vs chips used
#
# With the book's 4 checkpoints, a few hundred chips *hold* the run. Would you train on them? Chapter 2's time
# formula answers (6.3e24 FLOPs as in the book, 40% MFU):

# %%
for n in (mem.min_chips(21.6e12, v5p), v5p.fast_domain):
    days = llmcalc.training_days(6.3e24, n, v5p, 0.4)
    print(tr(f"{n:>5} chips: {days:7,.0f} days = {days / 365:4.1f} years   (memory used: "
             f"{total_4 / n / v5p.hbm_bytes:.1%} of HBM)",
             f"{n:>5} 块芯片：{days:7,.0f} 天 = {days / 365:4.1f} 年   （占用显存的 {total_4 / n / v5p.hbm_bytes:.1%}）"))

# %% [markdown]
# (At that minimum, worked out from the book's rounded 21.6 TB, the unrounded total overflows HBM slightly: see the
# memory column.) Large clusters are
# **compute-bound**, not memory-bound: the pod exists to finish in weeks, and at that size memory is
# nearly free. Memory sets the *minimum*; FLOPs and the deadline set the number you buy.
#
# ## 6. The course slides' rule of thumb
#
# The slides estimate memory per GPU, with ZeRO-3 over $n$ GPUs, micro-batch $b$ (sequences), sequence $T$ and width
# $D$ (the slides write $N$, $B$ and $H$):
#
# $$\underbrace{\frac{16P}{n}}_{\text{model + optimizer}} + \underbrace{2LbTD}_{\text{layer inputs}}
#   + \underbrace{12bTV}_{\text{logits: } 4bTV \text{ fp32} + 8bTV \text{ extra}} + \underbrace{6}_{\text{framework, ZeRO, fragmentation}}$$
#
# The first activation term is full recomputation (only each layer's input is kept). Their example: LLaMA-7B on
# 2 × A100-80G at $b = 8$ ($T = 2048$): "model and optimizer 50 GB, activations 6.2 GB, other 10 GB, 66 GB per card".

# %%
llama_7b = llmcalc.preset("llama-2-7b")
gib = mem.course_slide_bytes(llama_7b, 2, 8, 2048)                      # overhead 6 GiB
gb = mem.course_slide_bytes(llama_7b, 2, 8, 2048, overhead_bytes=6 * GB)
for unit, r, u in (("GiB", gib, GiB), ("GB", gb, GB)):
    states_u, activations_u = r["model_and_optimizer"] / u, (r["layer_inputs"] + r["logits"]) / u
    print(tr(f"in {unit:3s}: model+optimizer {states_u:5.2f} + activations "
             f"{activations_u:5.2f} + other {r['overhead'] / u:.0f} = {r['total'] / u:5.1f} {unit}",
             f"按 {unit:3s} 计：模型与优化器状态 {states_u:5.2f} + 激活值 "
             f"{activations_u:5.2f} + 其他 {r['overhead'] / u:.0f} = {r['total'] / u:5.1f} {unit}"))

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
expert_mb = mem.value_bytes(one_expert) / 1e6
print(tr(f"one expert: 3 x {mixtral.D} x {mixtral.F_expert} = {one_expert:,} params = {expert_mb:.0f} MB bf16",
         f"一个专家：3 x {mixtral.D} x {mixtral.F_expert} = {one_expert:,} 个参数，bf16 下 {expert_mb:.0f} MB"))
layer_gb = mem.value_bytes(mem.subset_params(mixtral, ("experts",), layers=1)) / GB
experts_gb = mem.value_bytes(mem.subset_params(mixtral, ("experts",))) / GB
model_gb = mem.value_bytes(llmcalc.param_count(mixtral)) / GB
model_int4_gb = mem.value_bytes(llmcalc.param_count(mixtral), "int4") / GB
print(tr(f"8 experts of one layer: {layer_gb:.2f} GB; all 32 layers: {experts_gb:.0f} GB; "
         f"whole model: {model_gb:.1f} GB bf16, {model_int4_gb:.1f} GB int4",
         f"一层的 8 个专家：{layer_gb:.2f} GB；全部 32 层：{experts_gb:.0f} GB；"
         f"整个模型：bf16 下 {model_gb:.1f} GB，int4 下 {model_int4_gb:.1f} GB"))

# %% [markdown]
# Then three cases, with the 16-byte regime for what is trained:
#
# * **A** — train the routers only;
# * **B** — the bottom 6 layers, 2 experts each, plus those layers' routers;
# * **C** — a 4-bit base with LoRA adapters of rank $r_\text{LoRA} = 16$ on the gate, up and down matrices of every
#   expert. LoRA adds $r_\text{LoRA}(d_\text{in} + d_\text{out})$ parameters per adapted matrix.
#
# The notes print: A "about a million" parameters; B 4.23 / 4.23 / 16.9 / 8.46 = 33.8 GB; C 0.885M per expert,
# 7.08M per layer, "226.6M" in all and 3.6 GB — and call all three feasible on 44 GB.

# %%
lora = mem.lora_params(mixtral, 16, ("gate", "up", "down"))
trainable = {tr("A router only", "A 只训练路由器"): mem.subset_params(mixtral, ("router",)),
             tr("B 6 layers x 2 experts", "B 6 层 x 2 个专家"): mem.subset_params(mixtral, ("experts", "router"), layers=6, experts=2),
             "C LoRA r=16": lora}
lora_expert = mem.lora_params(mixtral, 16, ("gate", "up", "down"), layers=1, experts=1)
lora_layer = mem.lora_params(mixtral, 16, ("gate", "up", "down"), layers=1)
print(tr(f"LoRA: {lora_expert:,} per expert, {lora_layer:,} per layer, {lora:,} in all = {lora / 1e6:.1f}M",
         f"LoRA：每个专家 {lora_expert:,}，每层 {lora_layer:,}，总共 {lora:,}（{lora / 1e8:.2f} 亿）"))
rows = []
for case, n in trainable.items():
    own = case.startswith("C")
    for frozen_dtype in ("bf16", "int4"):
        r = mem.finetune_bytes(mixtral, n, frozen_bytes_per_param=mem.BYTES_PER_VALUE[frozen_dtype], trainable_in_base=not own)
        rows.append({tr("case", "情形"): case, tr("trainable", "可训练参数"): f"{n:,}", tr("frozen base", "冻结基座"): frozen_dtype,
                     **{label(k, k): f"{r[k] / GB:.2f}" for k in ("weights", "grads", "optimizer", "master", "frozen_weights", "total")},
                     tr("fits 44 GB", "44 GB 放得下"): yes_no(mem.fits(r["total"], 44e9))})
print(pd.DataFrame(rows).to_string(index=False))
fig = plots.memory_stack({case: {k: v for k, v in mem.finetune_bytes(mixtral, n, frozen_bytes_per_param=0.5,
                                                                     trainable_in_base=not case.startswith("C")).items() if k != "total"}
                          for case, n in trainable.items()})
fig.axes[0].axhline(44, color="k", ls="--", label=tr("44 GB card", "44 GB 的卡"))
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
# Put the pieces together per device: model states (split $Y p$ ways, ZeRO over $X$), activations of the first
# pipeline stage, and one fp32 copy of the logits (split by a vocab-parallel head):
#
# $$\text{bytes per device} = \text{states}(P/(Yp), X) + \text{activations}(b, T, Y, p, \text{policy}) + 4\,b\,T\,V/Y .$$
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
    shown = tr(name, name.replace("sel.", "选择性").replace("full", "完全"))
    cases_70b[shown] = {k: x for k, x in r.items() if k != "total"}
    gb_70b = {k: x / GB for k, x in r.items()}
    fits, fits_10 = mem.fits(r["total"], "H100"), mem.fits(r["total"], "H100", headroom=0.1)
    print(tr(f"{name:26s} states {gb_70b['model_states']:6.1f}  activations {gb_70b['activations']:6.1f}  logits "
             f"{gb_70b['logits']:4.1f}  total {gb_70b['total']:6.1f} GB   fits H100: {fits}, with 10% headroom: {fits_10}",
             f"{shown}：模型状态 {gb_70b['model_states']:6.1f}，激活值 {gb_70b['activations']:6.1f}，logits "
             f"{gb_70b['logits']:4.1f}，合计 {gb_70b['total']:6.1f} GB；H100 放得下：{yes_no(fits)}，留 10% 余量：{yes_no(fits_10)}"))
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
terms_gib = tr(", ", "，").join(f"{label(k, k)} {x / GiB:.1f}" for k, x in article_terms.items())
print(tr(f"the article's code: {terms_gib}, + 10 -> {article_total:.1f} 'GB' (GiB)",
         f"文章的代码：{terms_gib}，+ 10 -> {article_total:.1f} “GB”（GiB）"))
shape_params = llmcalc.param_count(shape_100b)
print(tr(f"its shape (L=80, D=12288, GPT-style) has {shape_params / 1e9:.0f}B parameters, not 100B",
         f"它的形状（L=80，D=12288，GPT 式）有 {shape_params / 1e8:,.0f} 亿个参数，不是 1,000 亿"))
for pol, pol_zh, kw in (("nothing recomputed", "不做重计算", {}), ("selective recompute", "选择性重计算", dict(recompute="selective"))):
    a = mem.activation_bytes(shape_100b, 1, 2048, **kw)
    ratio = a / article_terms["activations"]
    print(tr(f"activations, b = 1, T = 2048, {pol}: {a / GB:.0f} GB = {ratio:.0f}x the article's term",
             f"激活值，b = 1，T = 2048，{pol_zh}：{a / GB:.0f} GB = 文章那一项的 {ratio:.0f} 倍"))
states_100b = mem.model_state_bytes(100e9)
print(tr(f"16-byte states of 100B: {states_100b / GB:,.0f} GB -> at least "
         f"{mem.min_chips(states_100b, 'A100')} A100-80GB before any activation",
         f"1,000 亿参数的 16 字节状态：{states_100b / GB:,.0f} GB -> 还没算激活值，就至少要 "
         f"{mem.min_chips(states_100b, 'A100')} 张 A100-80GB"))

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
from llmcalc import diagrams, measured
from llmcalc.peak_memory import REPLAYED_VERSIONS, peak_training_moments

replayed = ", ".join(f"{k} {x}" for k, x in REPLAYED_VERSIONS.items())
measured_with = ", ".join(f"{tr(k, '解释器' if k == 'python' else k)} {x}" for k, x in measured.MEASURED_WITH.items())
print(tr(f"the replay follows: {replayed} | measured with: {measured_with}",
         f"重放依据的版本：{replayed} | 测量时的版本：{measured_with}"))
phase_zh = {"optimizer step": "优化器更新", "end of the forward pass": "前向传播结束",
            "a recomputed layer's backward": "某个重计算层的反向", "start of the backward pass": "反向传播开始"}
rows = []
for m in measured.MEMTRACKER_PEAKS:
    cfg_m = llmcalc.preset(m.preset)
    kw = dict(regime=m.regime, checkpointing=m.checkpointing, attention=m.attention)
    predicted = llmcalc.peak_training_bytes(cfg_m, m.micro_batch, m.seq_len, **kw)
    moments = peak_training_moments(cfg_m, m.micro_batch, m.seq_len, **kw)
    rows.append({"model": m.preset, "b": m.micro_batch, "T": m.seq_len, "regime": m.regime,
                 "ckpt": m.checkpointing, "attention": m.attention, "measured GB": m.peak_bytes / GB,
                 "llmcalc GB": predicted / GB, "error %": 100 * (predicted - m.peak_bytes) / m.peak_bytes,
                 "peak at (llmcalc)": max(moments, key=moments.get), "peak at (measured)": m.phase})
table_9 = pd.DataFrame(rows)
columns_zh = {"model": "模型", "regime": "精度方案", "ckpt": "激活检查点", "attention": "注意力", "measured GB": "实测 GB",
              "llmcalc GB": "llmcalc GB", "error %": "误差 %", "peak at (llmcalc)": "峰值位置（llmcalc）",
              "peak at (measured)": "峰值位置（实测）"}
shown_9 = table_9.round(4).rename(columns=lambda c: tr(c, columns_zh.get(c, c)))
if llmcalc.i18n.current() == "zh":
    shown_9 = shown_9.replace({columns_zh["ckpt"]: {True: "是", False: "否"},
                               columns_zh["peak at (llmcalc)"]: diagrams.ZH_DIAGRAMS,
                               columns_zh["peak at (measured)"]: phase_zh})
print(shown_9.to_string(index=False))
largest_error = table_9["error %"].abs().max()
small_cases, small_error = measured.small_shape_cases(), 100 * measured.small_shape_max_abs_error()
print(tr(f"\nlargest |error| in this table: {largest_error:.5f}%; over the {small_cases} "
         f"smaller steps recorded in llmcalc.measured: {small_error:.3f}%",
         f"\n本表最大的 |误差|：{largest_error:.5f}%；llmcalc.measured 中记录的 {small_cases} 个较小训练步："
         f"{small_error:.3f}%"))

# %% [markdown]
# The same replay, drawn over time: each bar is the most memory held at any moment of one phase of a LLaMA-2-7B
# step ($b = 1$, $T = 4096$, bf16, SDPA, foreach AdamW), in the order the phases run, the highest in red, with an
# A100's exposed HBM as the dashed line. The forward pass builds up activations, the loss adds the fp32 logits,
# the backward pass trades activations for gradients, and the optimizer step briefly copies a whole state.

# %%
from llmcalc import diagrams

step = diagrams.step_memory(llmcalc.preset("llama-2-7b"), 1, 4096, chip="A100")
print(tr(f"peak {step.drawn_max_bytes / 1e9:.2f} GB, in the phase {step.peak_phase}",
         f"峰值 {step.drawn_max_bytes / 1e9:.2f} GB，出现在“{diagrams.ZH_DIAGRAMS.get(step.peak_phase, step.peak_phase)}”阶段"))
plt.show()

# %% [markdown]
# The replay agrees with torch to within the error column above, and on the smaller steps recorded in
# `llmcalc.measured` (both regimes, with and without checkpointing, SDPA and eager attention, three AdamW
# implementations, biased layers; `docs/peak-memory.md`) to within the largest error the cell prints. Three things stand out. The peak is often **the optimizer step**, not the end of the
# forward pass: foreach AdamW briefly holds a copy of a whole optimizer state. At the start of the backward pass
# the loss holds $12\,b\,T\,V$ bytes of fp32 logits and gradients — exactly the course slides' $12bTV$ of §6.
# And `"amp"` costs twice `"bf16"`: fp32 parameters, gradients and states, plus autocast's bf16 copies.
#
# What the replay leaves out, and a real GPU adds: the CUDA context (several hundred MB), the caching
# allocator's rounding and fragmentation, cuBLAS and attention-kernel workspaces, communication buffers. That is
# what the `headroom` argument of `fits` is for.
#
# **Question:** Korthikanti's $34\,s\,b\,h$ bytes per layer (§4) is for a GPT-style layer: LayerNorm, a two-matrix
# MLP with $F = 4D$, dropout. How much does one LLaMA-7B layer really save at $b = 1$, $T = 4096$ in bf16 with SDPA
# attention, as a multiple of $34\,s\,b\,h$ (as a ratio, e.g. 1.25), and why is it more? What about eager attention
# and `"amp"`?
#
# *To work it out:* go through the layer as §4 goes through a GPT layer, tensor by tensor, in bytes per token:
# Hugging Face's RMSNorm upcasts its input, so it keeps an fp32 copy ($4D$), an fp32 reciprocal RMS per token, the
# bf16 normalised tensor and the bf16 output ($2D$ each); SwiGLU keeps gate, up, $\mathrm{silu}$(gate) and their
# product ($2F$ each in bf16); SDPA keeps $q, k, v$ after RoPE and its output ($2D$ each for MHA) plus a log-sum-exp
# per head; LLaMA has no dropout. `llmcalc.peak_memory.layer_saved_bytes(cfg, b, T, regime=..., attention=...)` does
# the same count and lets you check your sum.

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:llama7b.hf_layer_vs_34sbh"]
# Answer (click to reveal) · 答案(点击展开)
from llmcalc.peak_memory import layer_saved_bytes

s_, b_, h_, a_ = 4096, 1, llama_7b.D, llama_7b.N
gpt_layer = 34 * s_ * b_ * h_
for regime, attention, korthikanti in (("bf16", "sdpa", gpt_layer), ("bf16", "eager", s_ * b_ * h_ * (34 + 5 * a_ * s_ / h_)),
                                       ("amp", "sdpa", gpt_layer)):
    saved = layer_saved_bytes(llama_7b, b_, s_, regime=regime, attention=attention)
    print(tr(f"{regime:4s} {attention:5s}: one layer saves {saved / GB:6.3f} GB = {saved / korthikanti:.3f} x Korthikanti's "
             f"{korthikanti / GB:.3f} GB ({saved / (s_ * b_ * h_):.1f} sbh)",
             f"{regime:4s} {attention:5s}：一层保存 {saved / GB:6.3f} GB = 论文闭式公式 {korthikanti / GB:.3f} GB 的 "
             f"{saved / korthikanti:.3f} 倍（{saved / (s_ * b_ * h_):.1f} sbh）"))

# %% [markdown]
# <details><summary>Where the extra bytes come from</summary>
#
# In bf16 with SDPA a LLaMA layer saves more than $34\,sbh$ (the cell prints how much more), all of it counted tensor
# by tensor and matched byte for byte by MemTracker:
#
# - **RMSNorm keeps fp32 copies**: Hugging Face's RMSNorm upcasts its input, so each of the two norms saves an fp32
#   copy ($4D$), its fp32 reciprocal RMS, the bf16 normalised tensor and the bf16 output (the next linear's
#   input): $16D$ per token for the pair, against $8D$ for two LayerNorm inputs and the linear inputs they feed.
# - **SwiGLU keeps four $F$-wide tensors** (gate, up, $\mathrm{silu}$(gate), their product): $8F$ per token, which at
#   LLaMA-7B's $F = 11008 > 2D$ is more than the $16D$ of GPT's $F = 4D$ MLP (its GELU input and output).
# - **No dropout**: LLaMA trains without it, which saves Korthikanti's masks and dropout outputs ($\approx 2D$ here).
#
# Eager attention saves the $N T^2$ softmax in fp32 **and** a bf16 copy (6 bytes per score against Korthikanti's 5),
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
# > - ZeRO-1/2/3 shard optimizer, then gradients, then weights over $X$ replicas (the ZeRO paper's example:
# >   7.5B on 64 GPUs, 120 GB of states per GPU down to 1.9 GB).
# > - Activations scale with $b\cdot T$ and, without recompute or FlashAttention, with $T^2$. TP + SP + selective
# >   recompute brings Korthikanti's $sbh(34 + 5as/h)$ down to $34sbh/t$; a SwiGLU layer keeps more than $34sbh$.
# > - Memory sets the **minimum** number of chips; compute and the deadline set the number you use (225 v5p chips
# >   could hold LLaMA 3-70B's training, by the book's count, and would take years).
# > - A fine-tuning estimate must count the frozen base, which the multi-GPU notes leave out (§7).
# > - One real Hugging Face step, replayed tensor by tensor (`peak_training_bytes`), matches what torch's MemTracker
# >   measured in every case of §9: the peak is often the optimizer step, the loss holds $12bTV$, and a LLaMA layer
# >   saves more than $34sbh$ (fp32 RMSNorm copies, four SwiGLU tensors). Closed forms are for one implementation: check which.
#
# ## Exercises
#
# **Exercise 1.** LLaMA 3.1-405B, 16-byte states. Give each in GB per GPU. (a) Per GPU under ZeRO-3 over all 16,384
# GPUs? (b) With Meta's layout TP8 × PP16 and no ZeRO (each of the 128-way replicas holds its slice in full)?
# (c) And with ZeRO-1 over the 128 data-parallel replicas?

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.zero3_16k_gb", "check:405b.tp8_pp16_states_gb", "check:405b.tp8_pp16_zero1_states_gb"]
# Answer (click to reveal) · 答案(点击展开)
l405 = llmcalc.preset("llama-3.1-405b")
print(f"P = {llmcalc.param_count(l405):,}")
zero3_gb = mem.model_state_bytes(l405, "mixed", 3, 16384) / GB
tp_pp_gb = mem.model_state_bytes(l405, "mixed", 0, 1, model_parallel=128) / GB
tp_pp_zero1_gb = mem.model_state_bytes(l405, "mixed", 1, 128, model_parallel=128) / GB
print(tr(f"(a) ZeRO-3 over 16,384:        {zero3_gb:7.3f} GB per GPU", f"(a) 在 16,384 张 GPU 上用 ZeRO-3：  每张 GPU {zero3_gb:7.3f} GB"))
print(tr(f"(b) TP8 x PP16, no ZeRO:       {tp_pp_gb:7.3f} GB per GPU", f"(b) TP8 x PP16，不用 ZeRO：        每张 GPU {tp_pp_gb:7.3f} GB"))
print(tr(f"(c) TP8 x PP16 + ZeRO-1 x 128: {tp_pp_zero1_gb:7.3f} GB per GPU", f"(c) TP8 x PP16 + ZeRO-1 x 128：   每张 GPU {tp_pp_zero1_gb:7.3f} GB"))

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
# $Y\cdot p$ that fits without ZeRO (as a count of GPUs)? And with ZeRO-1 over 8 data-parallel replicas?

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:l3_70b.min_gpus_per_replica_no_zero", "check:l3_70b.min_gpus_per_replica_zero1"]
# Answer (click to reveal) · 答案(点击展开)
def smallest_layout(**kw):
    options = [(tp * pp, tp, pp) for tp in (1, 2, 4, 8) for pp in range(1, 81) if 80 % pp == 0]
    for _, tp, pp in sorted(options):
        r = mem.training_bytes_per_device(llama3_70b, 1, 8192, tp=tp, pp=pp, sp=True, recompute="selective", **kw)
        if mem.fits(r["total"], "H100", headroom=0.1):
            return tp, pp, r["total"]

for case, case_zh, kw in (("no ZeRO", "不用 ZeRO", {}), ("ZeRO-1 x 8", "ZeRO-1 x 8", dict(zero_stage=1, dp=8))):
    tp, pp, total = smallest_layout(**kw)
    print(tr(f"{case:10s}: TP{tp} x PP{pp} = {tp * pp} GPUs per replica, {total / GB:.1f} GB per GPU",
             f"{case_zh}：TP{tp} x PP{pp}，每个副本 {tp * pp} 张 GPU，每张 GPU {total / GB:.1f} GB"))

# %% [markdown]
# **Exercise 3.** §5 printed the bytes per chip of the book's 12 checkpoints per layer on a full v5p pod. If all 12 were
# $F$ wide instead of $D$ wide (an exaggeration, but the direction of the error), how much would each chip hold (in
# GB)? How many chips would the run need at minimum (as a count of chips), and does the full pod still have room (as
# True (yes) or False (no))?

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:l3_70b.wide_ckpt_gb_per_chip", "check:l3_70b.wide_ckpt_min_chips", "check:l3_70b.wide_ckpt_pod_has_room"]
# Answer (click to reveal) · 答案(点击展开)
wide = mem.checkpoint_bytes(llama3_70b, 4e6, ("F",) * 12) + states["total"]
wide_per_chip_gb, wide_min_chips = wide / v5p.fast_domain / GB, mem.min_chips(wide, v5p)
print(tr(f"total {wide / 1e12:.1f} TB -> {wide_per_chip_gb:.1f} GB per chip on the pod; "
         f"minimum {wide_min_chips:,} chips (the pod has {v5p.fast_domain:,})",
         f"合计 {wide / 1e12:.1f} TB -> 分到全部 {v5p.fast_domain:,} 块芯片上每块 {wide_per_chip_gb:.1f} GB；"
         f"最少 {wide_min_chips:,} 块芯片"))
pod_has_room = wide_min_chips <= v5p.fast_domain
print(tr(f"the full pod has room: {pod_has_room}", f"整套 {v5p.fast_domain:,} 块芯片还放得下：{yes_no(pod_has_room)}"))

# %% [markdown]
# **Exercise 4.** Full fine-tuning of LLaMA-2-7B (16-byte states) on 80 GB A100s at micro-batch 1, $T = 4096$, with
# full recompute. How many GPUs does ZeRO-3 need at minimum to fit (no headroom; as a count of GPUs)? Use
# `training_bytes_per_device` with `zero_stage=3` and `dp` = the number of GPUs.

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:llama7b.min_a100_zero3"]
# Answer (click to reveal) · 答案(点击展开)
for n in range(1, 9):
    r = mem.training_bytes_per_device(llama_7b, 1, 4096, zero_stage=3, dp=n, recompute="full")
    print(tr(f"{n} GPU(s): {r['total'] / GB:6.1f} GB per GPU, fits: {mem.fits(r['total'], 'A100')}",
             f"{n} 张 GPU：每张 GPU {r['total'] / GB:6.1f} GB，放得下：{yes_no(mem.fits(r['total'], 'A100'))}"))
    if mem.fits(r["total"], "A100"):
        break
