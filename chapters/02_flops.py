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
# # Chapter 2 — FLOPs and training time
#
# Sources for every figure in this chapter: [References](../docs/references.md).
#
# Notation for the whole workbook: [Notation](../docs/notation.md).
#
# Chapter 1 counted a model's parameters exactly. This chapter turns parameters into **work**: how many
# floating-point operations (FLOPs) one token costs, how many a whole training run costs, and how many
# days that takes on a given number of chips.
#
# **What you will be able to do**
#
# - count the FLOPs of any matmul ($2\,d_1 d_2 d_3$) and tell FLOPs from MACs;
# - explain why training costs about $6P$ FLOPs per token (forward $2P$, backward $4P$), and $8P$ with full recomputation;
# - say when the attention term ($\propto T$) matters next to $6P$, and what a causal mask and a sliding window do to it;
# - turn a FLOP budget into days, chip-hours, dollars and back into an *implied MFU* for a published run;
# - check the worked numbers of the sources, and spot where they slip.
#
# **Symbols** (the same in every chapter; the notation page lists them all)
#
# | symbol | meaning | symbol | meaning |
# |---|---|---|---|
# | $L$ | transformer layers | $B$ | batch in tokens (global, per step) |
# | $D$ | model (hidden) width, $d_\text{model}$ | $B_\text{seq}$ | batch in sequences (global, per step): $B = B_\text{seq}\,T$ |
# | $F$ | MLP width, $d_\text{ff}$ | $D_\text{data}$ | training tokens of the whole run |
# | $N$ | query heads per layer | $C$ | peak FLOP/s of one chip (dense bf16 unless said) |
# | $K$ | key/value heads per layer ($K = N$ is plain multi-head attention) | MFU | model FLOPs utilisation: model FLOPs done per second ÷ (chips × $C$) |
# | $H$ | width of one attention head ($D/N$ unless the config gives it) | $T_\text{win}$ | sliding window: how many of the latest tokens a query of a windowed layer sees |
# | $V$ | vocabulary size | $T_\text{chunk}$ | chunk length of chunked attention (a query sees only the earlier tokens of its chunk) |
# | $P$ | parameter count | $d_1$, $d_2$, $d_3$ | dimensions of a matmul $[d_1, d_2]\times[d_2, d_3]$, which costs $2\,d_1 d_2 d_3$ FLOPs |
# | $T$ | sequence length (tokens per sequence) | $\mathbf{Q}$, $\mathbf{K}$, $\mathbf{V}$ | attention's per-head query, key and value tensors (bold, so that $K$ and $V$ keep their meaning) |

# %%
import matplotlib.pyplot as plt
import pandas as pd

import llmcalc
from llmcalc import diagrams, flops, plots, widgets
from llmcalc.i18n import tr

# %matplotlib inline

qwen = llmcalc.preset("qwen2-72b")
llama3_70b = llmcalc.preset("llama-3-70b")

# %% tags=["language"]
llmcalc.i18n.use("en")  # the edition's language for explorer labels and plot titles

# %%
print(llmcalc.tables.shape_table(["qwen2-72b", "llama-3-70b", "llama-3.1-405b"]).to_string())

# %% [markdown]
# ## 1. What one matmul costs
#
# Multiply $A\in\mathbb{R}^{d_1\times d_2}$ by $\mathbf{W}\in\mathbb{R}^{d_2\times d_3}$. Each of the $d_1 d_3$ outputs
# is a dot product of length $d_2$: $d_2$ multiplies and $d_2$ adds (the first product is also *added* into an
# accumulator, which is how the hardware does it). So
#
# $$\text{FLOPs}(A\mathbf{W}) = 2\,d_1 d_2 d_3 .$$
#
# A **MAC** (multiply-accumulate) is one multiply plus one add, so $1\ \text{MAC} = 2\ \text{FLOPs}$ and the
# same matmul is $d_1 d_2 d_3$ MACs. (The Qwen2-72B article writes $2mnk$; its $m, n, k$ are our $d_1, d_3, d_2$.)
# Papers on LLMs almost always count FLOPs; vision papers often count MACs — watch for the factor 2.
#
# Two more words that look alike: **FLOPs** (an amount of work) and **FLOP/s** (a rate; some sources write
# FLOPS). Both use the decimal prefixes:
#
# | prefix | MFLOP | GFLOP | TFLOP | PFLOP | EFLOP | ZFLOP |
# |---|---|---|---|---|---|---|
# | factor | $10^{6}$ | $10^{9}$ | $10^{12}$ | $10^{15}$ | $10^{18}$ | $10^{21}$ |
#
# Only matmuls matter for a transformer: norms, softmax, activations and the optimizer step add only a small
# fraction (§3 measures it for Qwen2-72B). `llmcalc` therefore counts matmuls only — the same thing
# PyTorch's `FlopCounterMode` counts, and the repository's cross-check (`make crosscheck`) confirms the two
# agree to the FLOP on the `transformers` models built from the presets' configs.

# %%
print(f"[4, 3] x [3, 2]: {flops.matmul_flops(4, 3, 2)} FLOPs = {flops.matmul_flops(4, 3, 2) // 2} MACs")

# %% [markdown]
# **Question:** Qwen2-72B has $D = 8192$ and $N\cdot H = 64\cdot 128 = 8192$. Its query projection maps every
# token's $D$-vector to $N\cdot H$ numbers. How many FLOPs does that cost for a batch of 4 sequences of
# $T = 32768$ tokens, in one layer? And the key projection, with only $K = 8$ heads? Give both in FLOPs.

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:qwen72b.q_proj_flops", "check:qwen72b.k_proj_flops"]
# Answer (click to reveal) · 答案(点击展开)
B, T = 4, 32768
q_proj = flops.matmul_flops(B * T, qwen.D, qwen.N * qwen.H)   # [B·T, D] × [D, N·H]
k_proj = flops.matmul_flops(B * T, qwen.D, qwen.K * qwen.H)   # [B·T, D] × [D, K·H]
print(tr(f"Q projection: {q_proj:,} FLOPs = {q_proj / 1e12:.1f} TFLOPs per layer",
         f"Q 投影：每层 {q_proj:,} FLOPs = {q_proj / 1e12:.1f} TFLOPs"))
print(tr(f"K projection: {k_proj:,} FLOPs = {k_proj / 1e12:.1f} TFLOPs per layer (N/K = {qwen.N // qwen.K} times less)",
         f"K 投影：每层 {k_proj:,} FLOPs = {k_proj / 1e12:.1f} TFLOPs（少 N/K = {qwen.N // qwen.K} 倍）"))

# %% [markdown]
# How fast can a matmul run? Only as fast as its inputs arrive from memory. A $[B, D] \times [D, F]$ matmul in bf16
# does $2BDF$ FLOPs and moves at least $2(BD + DF + BF)$ bytes, so its **arithmetic intensity** is
# $BDF/(BD + DF + BF) \approx B$ FLOPs per byte when $B \ll D, F$ (*How To Scale Your Model*, part 1, "All About
# Rooflines"). A chip whose peak is $C$ FLOP/s and whose HBM delivers $W_\text{hbm}$ bytes/s is memory-bound below
# the **ridge** $C/W_\text{hbm}$ and compute-bound above it. The roofline below places Qwen2-72B's MLP matrix on an
# A100 (the article's chip) at 1, 128 and 4096 tokens.

# %%
roof = diagrams.roofline("A100", [(tokens, qwen.D, qwen.F) for tokens in (1, 128, 4096)])
print(tr(f"A100 ridge: {roof.ridge_intensity:,.0f} FLOPs per byte (C / HBM bandwidth)",
         f"A100 的拐点：每字节 {roof.ridge_intensity:,.0f} FLOPs（C / HBM 带宽）"))
for pt in roof.points:
    shape = f"[{pt['B']:,}, {pt['D']:,}] x [{pt['D']:,}, {pt['F']:,}]"
    print(tr(f"{shape}: {pt['intensity']:,.1f} FLOPs/byte -> {pt['bound']}-bound",
             f"{shape}：每字节 {pt['intensity']:,.1f} FLOPs -> {'计算受限' if pt['bound'] == 'compute' else '访存受限'}"))
plt.show()

# %% [markdown]
# ## 2. Forward $2P$, backward $4P$: the $6P$ rule
#
# A linear layer $\text{Out} = A\mathbf{W}$ with $A\in\mathbb{R}^{B\times d_2}$ (one row per token),
# $\mathbf{W}\in\mathbb{R}^{d_2\times d_3}$ costs $2\,B\,d_2 d_3$ FLOPs forward: **2 FLOPs per weight per token**.
# Summed over all weights that is $2P$ per token.
#
# The backward pass receives $\partial\mathcal{L}/\partial\,\text{Out}$ and must produce *two* things:
#
# $$\frac{\partial\mathcal{L}}{\partial\mathbf{W}} = A^\top\,\frac{\partial\mathcal{L}}{\partial\,\text{Out}}\quad(\text{to update } \mathbf{W}),
# \qquad
# \frac{\partial\mathcal{L}}{\partial A} = \frac{\partial\mathcal{L}}{\partial\,\text{Out}}\,\mathbf{W}^\top\quad(\text{to pass back to the layer below}).$$
#
# Each is a matmul of the same size as the forward one, so the backward costs $2\times$ the forward: $4P$ per
# token. (Only the very first layer could skip $\partial\mathcal{L}/\partial A$; with dozens of layers that
# saving is negligible.) Altogether
#
# $$\text{training FLOPs per token} \approx 2P + 4P = 6P, \qquad \text{total} \approx 6\,P\,D_\text{data}.$$
#
# With **full activation recomputation** the forward is run a second time during the backward, so the
# hardware does $8P$ per token. MFU still counts $6P$ (the useful work); a utilisation that counts the
# recomputed work too is called HFU (hardware FLOPs utilisation).

# %%
P = llmcalc.param_count(llama3_70b)
print(f"LLaMA 3-70B: P = {P:,}")
per_token_6p = llmcalc.flops_per_token(llama3_70b)
per_token_8p = llmcalc.flops_per_token(llama3_70b, recompute="full")
print(tr(f"  6P rule:           {per_token_6p:.3e} FLOPs per token", f"  6P 法则：        每 token {per_token_6p:.3e} FLOPs"))
print(tr(f"  with recompute 8P: {per_token_8p:.3e} FLOPs per token", f"  完全重计算 8P：  每 token {per_token_8p:.3e} FLOPs"))
fwd = llmcalc.forward_flops(llama3_70b, 1, 4096)
train_over_fwd = llmcalc.training_flops(llama3_70b, 1, 4096) / fwd
full_over_fwd = llmcalc.training_flops(llama3_70b, 1, 4096, recompute="full") / fwd
print(tr(f"exact matmul count at T = 4096: training / forward = {train_over_fwd:.0f}, with full recompute = {full_over_fwd:.0f}",
         f"T = 4096 时矩阵乘法的精确计数：训练 / 前向 = {train_over_fwd:.0f}，完全重计算时 = {full_over_fwd:.0f}"))

# %% [markdown]
# *How To Scale Your Model* (part 6, "Training LLaMA 3 on TPUs") writes $6 \times 70\times10^9 = 4.2\times10^{11}$ FLOPs
# per token; with the exact parameter count it is the number above — the same to two digits.
#
# **Question:** The optimizer step also touches every parameter (Adam does about a dozen operations per
# parameter). Why is it left out of $6P$?
#
# <details><summary>Show answer</summary>
#
# Because it runs **once per step**, not once per token. A step processes millions of tokens
# ($B$), each costing $6P$; the optimizer's $\approx 10P$–$20P$ FLOPs per step are divided by those millions
# of tokens. The Qwen2-72B article of §3 makes the same point for plain SGD ($2P$ per update) and Adam.
#
# </details>
#
# ## 3. Where the FLOPs go: Qwen2-72B, module by module
#
# The Chinese article "How long does pre-training a 72B model take?" (*一文揭秘|预训练一个72b模型需要多久?*, by 研泽,
# published by the Alibaba Cloud Developer account) walks through one forward pass of Qwen2-72B at batch 4 and $T = 32768$ (a
# deliberately long sequence), matmul by matmul. Here is the same walk, every line a `matmul_flops` call. The attention scores
# are one matmul *per head and per sequence*: $\mathbf{Q}\mathbf{K}^\top$ is $[T,H]\times[H,T]$ and the mix with
# values, $\mathrm{softmax}(\mathbf{Q}\mathbf{K}^\top)\,\mathbf{V}$, is $[T,T]\times[T,H]$, each repeated
# $B_\text{seq}\cdot N$ times (GQA shares keys and values across heads but every query head still scores all $T$ keys).

# %%
B, T = 4, 32768
D, F, N, K, H, V, L = qwen.D, qwen.F, qwen.N, qwen.K, qwen.H, qwen.V, qwen.L
mm = flops.matmul_flops
per_layer = {   # B counts sequences here: [BT, D] is one row per token
    tr("Q projection [BT,D]x[D,NH]", "Q 投影       [BT,D]x[D,NH]"): mm(B * T, D, N * H),
    tr("K projection [BT,D]x[D,KH]", "K 投影       [BT,D]x[D,KH]"): mm(B * T, D, K * H),
    tr("V projection [BT,D]x[D,KH]", "V 投影       [BT,D]x[D,KH]"): mm(B * T, D, K * H),
    tr("scores QK^T  BN x [T,H]x[H,T]", "分数 QKᵀ     BN x [T,H]x[H,T]"): B * N * mm(T, H, T),
    tr("mix PV       BN x [T,T]x[T,H]", "与值相乘     BN x [T,T]x[T,H]"): B * N * mm(T, T, H),
    tr("O projection [BT,NH]x[NH,D]", "O 投影       [BT,NH]x[NH,D]"): mm(B * T, N * H, D),
    tr("MLP gate     [BT,D]x[D,F]", "MLP 门控     [BT,D]x[D,F]"): mm(B * T, D, F),
    tr("MLP up       [BT,D]x[D,F]", "MLP 升维     [BT,D]x[D,F]"): mm(B * T, D, F),
    tr("MLP down     [BT,F]x[F,D]", "MLP 降维     [BT,F]x[F,D]"): mm(B * T, F, D),
}
for name, x in per_layer.items():
    print(tr(f"{name:31s} {x:>22,}  = {x / 1e12:6.1f} TFLOPs per layer", f"{name:31s} {x:>22,}  = 每层 {x / 1e12:6.1f} TFLOPs"))
lm_head = mm(B * T, D, V)
print(tr(f"{'LM head      [BT,D]x[D,V]':31s} {lm_head:>22,}  = {lm_head / 1e15:6.2f} PFLOPs (once, not per layer)",
         f"{'输出层       [BT,D]x[D,V]':31s} {lm_head:>22,}  = {lm_head / 1e15:6.2f} PFLOPs（只算一次，不是每层）"))
walk_total = L * sum(per_layer.values()) + lm_head
print(tr(f"\ntotal = L x (sum of the layer) + LM head = {walk_total:,} FLOPs = {walk_total / 1e15:.1f} PFLOPs",
         f"\n合计 = L x（一层之和）+ 输出层 = {walk_total:,} FLOPs = {walk_total / 1e15:.1f} PFLOPs"))

# %% [markdown]
# These are the values the article prints: 17,592,186,044,416 for Q (≈ 17.6 TFLOPs), ≈ 2.2 TFLOPs for K and V,
# 70,368,744,177,664 for each score matmul, 63,496,796,504,064 for each MLP matmul, 326,554,953,449,472 for the
# LM head. The article then folds the walk into one closed form,
#
# $$\text{forward FLOPs} = B_\text{seq}\,T\,D\,\bigl(2V + L\,(4.5\,D + 4\,T + 6\,F)\bigr)$$
#
# (the article writes $B$ for the sequences, our $B_\text{seq}$), where $4.5D^2$ per token and layer is Q and O ($2D^2$ each) plus K and V ($2D\cdot D/8$ each), $4DT$ is the two
# score matmuls, and $6DF$ the three MLP matmuls. `llmcalc` keeps that formula under its own name, and its
# exact count with the full $T\times T$ score matrix (`causal=False`) lands on the same integer:

# %%
closed = flops.article_closed_form_forward_flops(B, T, D=D, L=L, V=V, F=F)
exact = llmcalc.forward_flops(qwen, B, T, causal=False)
print(tr(f"the article's closed form:           {closed:,}", f"文章的闭式公式：                    {closed:,}"))
print(tr(f"llmcalc.forward_flops(causal=False): {exact:,}", f"llmcalc.forward_flops(causal=False)：{exact:,}"))
print(tr(f"walk above:                          {walk_total:,}", f"上面逐项相加：                      {walk_total:,}"))
all_equal = closed == exact == walk_total
print(tr(f"all equal: {all_equal}", f"三者相等：{'是' if all_equal else '否'}"))
print(llmcalc.tables.flops_table(qwen, B, T, causal=False).loc[["attention_proj", "attention_scores", "mlp", "lm_head", "total"]].to_string())
bd = llmcalc.forward_flops_breakdown(qwen, B, T, causal=False)
attention_pct = 100 * (bd["attention_proj"] + bd["attention_scores"]) / exact
mlp_pct, head_pct = 100 * bd["mlp"] / exact, 100 * bd["lm_head"] / exact
print(tr(f"\nattention (projections + scores): {attention_pct:.0f}%   MLP: {mlp_pct:.0f}%   LM head: {head_pct:.1f}%",
         f"\n注意力（投影 + 分数）：{attention_pct:.0f}%   MLP：{mlp_pct:.0f}%   输出层：{head_pct:.1f}%"))

# %% [markdown]
# The article's split — attention 48%, FFN 51% — is reproduced (the last line above). Two cautions about the closed form:
#
# * **$4.5D$ is not general.** It holds only when $N\cdot H = D$ and $K = N/8$. For a model with full multi-head
#   attention ($K = N$) the projections cost $8D^2$ per token and layer, and the formula undercounts.
# * **It counts the full $T\times T$ score matrix**, as `FlopCounterMode` does. A causal model only needs
#   the lower triangle (§4).
#
# And the operations the walk ignored? The article estimates the score scaling and softmax at a few FLOPs per
# score element and the RMSNorms at about 1 TFLOP. Even at 4 FLOPs per score element in every layer they stay
# small:

# %%
llama2_7b = llmcalc.preset("llama-2-7b")
mha = flops.article_closed_form_forward_flops(1, 4096, D=llama2_7b.D, L=llama2_7b.L, V=llama2_7b.V, F=llama2_7b.F)
mha_exact = llmcalc.forward_flops(llama2_7b, 1, 4096, causal=False)
print(tr(f"LLaMA 2-7B (K = N, no GQA), T = 4096: closed form {mha:.4e} vs exact {mha_exact:.4e}",
         f"LLaMA 2-7B（K = N，没有 GQA），T = 4096：闭式公式 {mha:.4e}，精确值 {mha_exact:.4e}"))
score_elements = B * N * flops.score_pairs(T, causal=False)          # one score per query-key pair and head
elementwise = 4 * score_elements * L                                  # scale, exp, sum, divide in every layer
print(tr(f"Qwen2-72B, B_seq=4, T=32768: score elements per layer {score_elements / 1e12:.3f} T; "
         f"4 FLOPs on each in all layers = {elementwise / 1e15:.3f} PFLOPs = {100 * elementwise / exact:.2f}% of the matmuls",
         f"Qwen2-72B，B_seq=4，T=32768：每层 {score_elements / 1e12:.3f} 万亿个分数元素；"
         f"所有层里每个元素 4 FLOPs，共 {elementwise / 1e15:.3f} PFLOPs = 矩阵乘法的 {100 * elementwise / exact:.2f}%"))

# %% [markdown]
# ## 4. The attention term, and when it matters
#
# The $6P$ rule counts every *weight*. The score matmuls $\mathbf{Q}\mathbf{K}^\top$ and $\mathrm{softmax}(\cdot)\,\mathbf{V}$ have no weights: their cost grows with
# the context. Per token, forward, one layer computes $N$ rows of $T$ scores, each a length-$H$ dot product, and
# mixes $T$ values of width $H$: $2\cdot 2\,N H T$ FLOPs. Training (×3) over $L$ layers adds
#
# $$\underbrace{12\,L\,N\,H\,T}_{\text{full } T\times T}\quad\text{FLOPs per token, on top of } 6P .$$
#
# Compared with $6P \approx 6\cdot 12\,L\,D^2$ (for a model with $F\approx 4D$), the ratio is roughly $T/(6D)$:
# attention matters when the **context is long relative to the width**. A small model at long context feels
# it far more than a wide one.
#
# **Causal masking.** A decoder only lets token $i$ attend to tokens $1\ldots i$, so only
# $T(T+1)/2$ of the $T^2$ query-key pairs are needed. A kernel that skips masked blocks (FlashAttention does)
# does about half the score work. `FlopCounterMode` — and the article — count the full $T\times T$. In `llmcalc`
# the switch is `causal=True` (the default) or `causal=False`.

# %%
for T_ in (4, 4096, 32768):
    full_pairs, causal_pairs = flops.score_pairs(T_, causal=False), flops.score_pairs(T_)
    print(tr(f"T = {T_:>6}: full {full_pairs:>13,} pairs, causal {causal_pairs:>13,} ({causal_pairs / full_pairs:.4f} of full)",
             f"T = {T_:>6}：完整 {full_pairs:>13,} 个位置对，因果 {causal_pairs:>13,} 个（完整的 {causal_pairs / full_pairs:.4f}）"))
for T_ in (4096, 32768, 131072):
    full_pct = 100 * llmcalc.attention_score_fraction(llama3_70b, T_, causal=False)
    causal_pct = 100 * llmcalc.attention_score_fraction(llama3_70b, T_)
    print(tr(f"LLaMA 3-70B, T = {T_:>6}: scores are {full_pct:4.1f}% of forward FLOPs (full), {causal_pct:4.1f}% (causal)",
             f"LLaMA 3-70B，T = {T_:>6}：分数占前向 FLOPs 的 {full_pct:4.1f}%（完整），{causal_pct:4.1f}%（因果）"))
fig = plots.attention_share(["llama-3-8b", "llama-3-70b", "llama-3.1-405b"])
plt.show()

# %% [markdown]
# The article writes the per-token cost as $2.6\times10^{6}\cdot T + 2P$ (forward, full scores) for Qwen2-72B (the
# article writes $s$ for $T$), and
# concludes that the sequence length only matters once it has "more than three digits". The slope is $4LD$
# FLOPs per token per extra token of context. Read it off `llmcalc`'s exact count rather than by hand. The last line checks the article's other remark: that going
# from $T = 1$ to $T = 32768$ makes a forward about 1.6 times as expensive per token.

# %%
def fwd_per_token(T_):
    return llmcalc.forward_flops(qwen, 1, T_, causal=False) / T_

slope = (fwd_per_token(32768) - fwd_per_token(4096)) / (32768 - 4096)
print(tr(f"slope: {slope:.4g} FLOPs per token per token of context (article: 2.6e6)",
         f"斜率：上下文每多一个 token，每 token 多 {slope:.4g} FLOPs（文章：2.6e6）"))
intercept, two_p = fwd_per_token(4096) - slope * 4096, 2 * llmcalc.param_count(qwen)
print(tr(f"intercept (T -> 0): {intercept:.4g} FLOPs per token; 2P = {two_p:.4g} "
         f"(the embedding table is not a matmul, so the exact count is a little below 2P)",
         f"截距（T -> 0）：每 token {intercept:.4g} FLOPs；2P = {two_p:.4g}"
         f"（嵌入表不是矩阵乘法，所以精确计数略低于 2P）"))
for T_ in (128, 1024, 4096, 32768):
    growth = fwd_per_token(T_) / fwd_per_token(1)
    print(tr(f"T = {T_:>6}: forward per token / (T = 1) = {growth:.3f}", f"T = {T_:>6}：每 token 的前向 / (T = 1) = {growth:.3f}"))

# %% [markdown]
# **Question:** For LLaMA 3-70B, at what power-of-two $T$ do the (causal) attention scores first take at least a
# quarter of the forward FLOPs? And for LLaMA 3-8B? Give each as a context length $T$ in tokens.

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:l3_70b.attention_quarter_context", "check:l3_8b.attention_quarter_context"]
# Answer (click to reveal) · 答案(点击展开)
for name in ("llama-3-8b", "llama-3-70b"):
    c = llmcalc.preset(name)
    T_ = next(2 ** i for i in range(8, 22) if llmcalc.attention_score_fraction(c, 2 ** i) >= 0.25)
    share = 100 * llmcalc.attention_score_fraction(c, T_)
    print(tr(f"{name}: T = {T_:,} ({share:.1f}% of forward FLOPs); D = {c.D}",
             f"{name}：T = {T_:,}（占前向 FLOPs 的 {share:.1f}%）；D = {c.D}"))

# %% [markdown]
# <details><summary>Why the difference?</summary>
#
# The ratio of score FLOPs to weight FLOPs scales like $T/D$, and LLaMA 3-70B ($D = 8192$) is wider than LLaMA 3-8B
# ($D = 4096$): the wider model needs a longer context before attention takes the same share.
#
# </details>
#
# ### Sliding windows and chunks
#
# Some models cap how far back a layer looks. On a **sliding-window** layer a query sees only the last
# $T_\text{win}$ tokens, itself included, so query $i$ scores $\min(i + 1, T_\text{win})$ keys instead of $i + 1$:
#
# $$\text{pairs} = \frac{T_\text{win}(T_\text{win}+1)}{2} + (T - T_\text{win})\,T_\text{win} \quad (T > T_\text{win}),$$
#
# which grows like $T\,T_\text{win}$, not $T^2/2$: once $T > T_\text{win}$ such a layer's score cost *per token* stops
# growing. On a **chunked** layer (Llama 4) a query sees only the earlier tokens of its own block of $T_\text{chunk}$
# tokens, about $T\,T_\text{chunk}/2$ pairs.
# Mistral and Phi-3 window every layer, gpt-oss every other one, Gemma 3 five layers in six; the remaining global
# layers still pay the full causal cost, so at long context they do most of the score work.
#
# What the chip does depends on the kernel. Eager attention computes all $T \times T$ scores and masks the rest
# afterwards: that is what `FlopCounterMode` counts, and `causal=False` in `llmcalc`. A kernel that supports windows
# (FlashAttention's `window_size`) computes only the pairs inside them: `causal=True`, counted layer by layer from
# the config's `layer_types`. The table gives the score share of forward FLOPs three ways: with the model's own
# windows or chunks, with every layer global, and as the eager full matrix.

# %%
local_models = ["mistral-7b", "phi-3-mini-4k", "gpt-oss-120b", "gemma-3-27b", "llama-4-scout-17b-16e"]
print(tr(f"{'model':<23}{'local layers':<31}{'T':>8}{'kernel':>9}{'all global':>12}{'eager T x T':>13}",
         f"{'模型':<21}{'局部层':<28}{'T':>8}{'计算核':>6}{'全为全局层':>7}{'eager T x T':>13}"))
for name in local_models:
    c = llmcalc.preset(name)
    global_only = c.replace(layer_types=(), sliding_window=0, attention_chunk_size=0)
    local = (tr(f"{c.sliding_layers}/{c.L} window {c.sliding_window}", f"{c.sliding_layers}/{c.L} 窗口 {c.sliding_window}")
             if c.sliding_layers
             else tr(f"{c.chunked_layers}/{c.L} chunk {c.attention_chunk_size}", f"{c.chunked_layers}/{c.L} 分块 {c.attention_chunk_size}"))
    for T_ in (4096, 32768, 131072):
        print(f"{name:<23}{local:<31}{T_:>8}{100 * llmcalc.attention_score_fraction(c, T_):>8.1f}%"
              f"{100 * llmcalc.attention_score_fraction(global_only, T_):>11.1f}%"
              f"{100 * llmcalc.attention_score_fraction(c, T_, causal=False):>12.1f}%")

# %% [markdown]
# A 4096-token window (Mistral) changes nothing until the context is longer than the window; gpt-oss's 128-token
# windows remove half of its layers' score work almost entirely; the eager kernel pays the full matrix whatever the
# mask says.
#
# **Question:** Gemma 3 27B windows 52 of its 62 layers to the last 1024 tokens. At $T = 32768$, by what factor do
# the windows cut its causal attention-score FLOPs (all-global over windowed, as a ratio, e.g. 1.25), and which
# layers do most of what is left?
#
# <details><summary>Show answer</summary>
#
# A windowed layer scores about $T\,T_\text{win}$ pairs instead of $T^2/2$, a factor of about $T/(2T_\text{win}) = 16$ fewer; but the 10
# global layers keep their $T^2/2$, so the whole model saves much less than 16 times, and the global layers do most
# of the remaining score work. The cell prints the factor and their share.
#
# </details>

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:gemma3_27b.window_score_cut_32k"]
# Answer (click to reveal) · 答案(点击展开)
g3 = llmcalc.preset("gemma-3-27b")
g3_global = g3.replace(layer_types=(), sliding_window=0)
windowed = llmcalc.forward_flops_breakdown(g3, 1, 32768)["attention_scores"]
all_causal = llmcalc.forward_flops_breakdown(g3_global, 1, 32768)["attention_scores"]
print(tr(f"score FLOPs at T = 32768: {all_causal:.4e} with every layer global, {windowed:.4e} with the windows "
         f"({all_causal / windowed:.2f}x fewer)",
         f"T = 32768 时的分数 FLOPs：每层都是全局层 {all_causal:.4e}，加窗后 {windowed:.4e}"
         f"（少到 1/{all_causal / windowed:.2f}）"))
full_layer = flops.score_pairs(32768)
window_layer = flops.score_pairs(32768, window=g3.sliding_window)
n_global = g3.L - g3.sliding_layers
global_pct = 100 * n_global * full_layer / flops.attention_score_pairs(g3, 32768)
print(tr(f"one global layer scores {full_layer:,} pairs per head, one windowed layer {window_layer:,}; "
         f"the {n_global} global layers do {global_pct:.0f}% of the pairs",
         f"每个头上，一个全局层打分 {full_layer:,} 个位置对，一个窗口层 {window_layer:,} 个；"
         f"{n_global} 个全局层承担了 {global_pct:.0f}% 的位置对"))

# %% [markdown]
# ## 5. From FLOPs to days: MFU
#
# A chip with peak $C$ FLOP/s never runs at peak for a whole training run: communication, memory traffic,
# kernels that are not matmuls, pipeline bubbles and restarts all cost time. **Model FLOPs utilisation** is
#
# $$\text{MFU} = \frac{\text{model FLOPs actually done per second}}{\text{chips}\times C}
# \qquad\Longrightarrow\qquad
# \text{seconds} = \frac{\text{total FLOPs}}{\text{chips}\cdot C\cdot \text{MFU}} .$$
#
# "Model FLOPs" means the $6P$-style count: the work the model needs, with no recomputation. A run that recomputes
# activations does more arithmetic than that; counting the recomputed work as well gives the **hardware FLOPs
# utilisation** (HFU), which is never below the MFU. Published large runs report MFUs of roughly 40–50% (Llama 3
# 405B: 38–43%, Dubey et al. 2024, Table 4; PaLM 540B: 46.2%, with an HFU of 57.8%, Chowdhery et al. 2022). Find out
# which of the two a paper prints before you compare.
#
# **Question (MFU or HFU?):** Megatron-LM's 1T-parameter run (Narayanan et al. 2021, "Efficient Large-Scale Language
# Model Training on GPU Clusters Using Megatron-LM", Table 1) is often quoted as "52% of peak". The model is GPT-style
# ($L = 128$, $D = 25600$, $N = 160$, $V = 51200$, $F = 4D$), trained at $T = 2048$ with a batch of 3072 sequences on
# 3072 A100s (312 TFLOP/s peak) with **full activation recomputation**, at 163 TFLOP/s per GPU. The paper counts
# $96\,B_\text{seq}\,T\,L\,D^2\bigl(1 + \tfrac{T}{6D} + \tfrac{V}{16LD}\bigr)$ FLOPs per iteration of $B_\text{seq}$ sequences. Is the quoted
# 52% an HFU (as True (yes) or False (no))? What is the MFU (as a fraction, e.g. 0.125 (not 12.5%))?
#
# <details><summary>Show answer</summary>
#
# The paper's count includes the recomputed forward of every layer: its $96 = 4 \times 24$ is one forward, a backward
# twice as large, and the forward again. So 163 TFLOP/s is hardware work, and 52% is the **HFU**. The MFU counts only
# the model's FLOPs: `llmcalc.training_flops` without `recompute` (for this GPT shape it equals the paper's own
# formula without recomputation, $72\,B_\text{seq}\,T\,L\,D^2\bigl(1 + \tfrac{T}{6D} + \tfrac{V}{12LD}\bigr)$). Then
# MFU = HFU × model FLOPs / hardware FLOPs, a ratio a little above $6/8$. The cell computes both.
#
# </details>

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:megatron_1t.mfu", "check:megatron_1t.quoted_52pct_is_hfu"]
# Answer (click to reveal) · 答案(点击展开)
from llmcalc import published

meg_1t = published.MEGATRON_TABLE1[-1]                 # Narayanan et al. 2021, Table 1: the 1T model
gpt_1t = published.megatron_config(meg_1t)             # GPT-style: F = 4D, learned positions, V = 51200
T_1t = published.MEGATRON_SEQ_LEN
hardware_1t = flops.megatron_training_flops(meg_1t.batch_size, T_1t, gpt_1t.L, gpt_1t.D, gpt_1t.V, recompute=True)
model_1t = llmcalc.training_flops(gpt_1t, meg_1t.batch_size, T_1t, causal=False)   # no recomputed forward
hfu_1t = llmcalc.mfu_from_throughput(meg_1t.tflops_per_gpu * 1e12, "A100")
print(tr(f"{meg_1t.label} on {meg_1t.gpus:,} A100s: {meg_1t.tflops_per_gpu} TFLOP/s per GPU, recomputation counted -> HFU {hfu_1t:.1%}",
         f"{meg_1t.label}，{meg_1t.gpus:,} 张 A100：每张 GPU {meg_1t.tflops_per_gpu} TFLOP/s，含重计算 -> HFU {hfu_1t:.1%}"))
print(tr(f"model / hardware FLOPs per iteration: {model_1t:.4e} / {hardware_1t:.4e} = {model_1t / hardware_1t:.4f}",
         f"每次迭代的模型 / 硬件 FLOPs：{model_1t:.4e} / {hardware_1t:.4e} = {model_1t / hardware_1t:.4f}"))
print(f"MFU = {hfu_1t:.1%} x {model_1t / hardware_1t:.4f} = {hfu_1t * model_1t / hardware_1t:.1%}")

# %% [markdown]
# **LLaMA 3-70B on a TPU v5p pod** (*How To Scale Your Model*, part 6): 15T tokens, 8960 chips, $C = 4.59\times10^{14}$,
# MFU 40%.

# %%
v5p = llmcalc.chip("TPU v5p")
total_l3 = llmcalc.training_flops_6p(llama3_70b, 15e12)
print(tr(f"total FLOPs (6P x 15T): {total_l3:.3e}   (the book: 6.3e24, from P = 70e9)",
         f"总 FLOPs（6P x 15T）：{total_l3:.3e}   （书中：6.3e24，按 P = 70e9 算）"))
one_chip = llmcalc.training_seconds(6.3e24, 1, v5p, 1.0)
one_chip_years, vs_rendering = one_chip / (365 * 86400), one_chip / 4.35e8
print(tr(f"6.3e24 / {v5p.peak_flops:.3g} FLOP/s = {one_chip:.3g} s on one chip at 100% = {one_chip_years:.0f} years "
         f"({vs_rendering:.1f}x the Chinese rendering's 4.35e8 s)",
         f"6.3e24 / {v5p.peak_flops:.3g} FLOP/s = 一块芯片以 100% 跑 {one_chip:.3g} 秒 = {one_chip_years:.0f} 年"
         f"（是中文译本 4.35e8 秒的 {vs_rendering:.1f} 倍）"))
days_book = llmcalc.training_days(6.3e24, 8960, v5p, 0.4)
days_exact = llmcalc.training_days(total_l3, 8960, v5p, 0.4)
print(tr(f"8960 chips at 40% MFU: {days_book:.1f} days (the book's 6.3e24), {days_exact:.1f} days (exact P)",
         f"8960 块芯片、40% MFU：{days_book:.1f} 天（按书中的 6.3e24），{days_exact:.1f} 天（按精确的 P）"))
chip_hours_l3 = llmcalc.chip_hours(total_l3, v5p, 0.4)
print(tr(f"chip-hours: {chip_hours_l3:.3e}", f"芯片小时：{chip_hours_l3:.3e}"))

# %% [markdown]
# **A slip in the Chinese rendering.** It prints "$6.3\times10^{24} \div 4.59\times10^{14} = 4.35$ 亿秒", i.e.
# $4.35\times10^{8}$ s. The quotient is the number printed above, in seconds and in years: the English original says
# "435 years", which is right, and the rendering turned it into 4.35 亿 seconds. The book's 44 days on the full pod
# agree with the cell.
#
# **Question:** The book shows that 225 chips would have enough memory to hold the run (chapter 3 checks it). How long would 225
# chips take at the same 40% MFU (in days)?

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:l3_70b.days_on_225_chips"]
# Answer (click to reveal) · 答案(点击展开)
days_225 = llmcalc.training_days(6.3e24, 225, v5p, 0.4)
print(tr(f"{days_225:,.0f} days = {days_225 / 365:.1f} years (the book: 1752 days)",
         f"{days_225:,.0f} 天 = {days_225 / 365:.1f} 年（书中：1752 天）"))

# %% [markdown]
# That is why large clusters exist: not for memory, but to bring the compute down to weeks. Time falls
# as $1/\text{chips}$ — on a log-log plot, a straight line per MFU. The dot is the pod at 40%.

# %%
fig = plots.days_vs_chips(total_l3, "TPU v5p", mark=(8960, 0.4))
plt.show()

# %% [markdown]
# ## 6. Qwen2-72B on 6000 A100s: what did the article assume?
#
# The Qwen2-72B article estimates pre-training Qwen2-72B on 7T tokens with 6000 A100s at "50% MFU" as
# $3\cdot 7\times10^{12}\cdot(2.6\times10^{6}\cdot 32768 + 144\times10^{9})$ FLOPs at 300 TFLOP/s per card,
# and gets **30 days**. But an A100's dense bf16 peak is 312 TFLOP/s, so 300 TFLOP/s is not 50% of it but nearly all
# of it (the cell prints the share).
#
# The article also notes that Qwen2 trained at $T = 4096$ for most of the run and only extended to 32768 at the
# end, so its estimate is too high, "but by less than 1.6×". Redo it with `llmcalc`, first as the article set it
# up, then with the context length and the causal mask varied (the table is at 50% MFU):

# %%
a100 = llmcalc.chip("A100")
total_qwen = llmcalc.training_flops_per_token(qwen, 32768, causal=False) * 7e12
article_mfu = 300e12 / a100.peak_flops
print(tr(f"total FLOPs (T = 32768, full scores): {total_qwen:.3e}", f"总 FLOPs（T = 32768，完整分数矩阵）：{total_qwen:.3e}"))
days_article = llmcalc.training_days(total_qwen, 6000, a100, article_mfu)
days_half = llmcalc.training_days(total_qwen, 6000, a100, 0.5)
print(tr(f"at 300 TFLOP/s per card = {article_mfu:.0%} MFU: {days_article:.1f} days",
         f"每张卡 300 TFLOP/s = {article_mfu:.0%} MFU：{days_article:.1f} 天"))
print(tr(f"at an honest 50% MFU:                    {days_half:.1f} days\n",
         f"老老实实按 50% MFU：          {days_half:.1f} 天\n"))
rows = []
for T_, causal in [(32768, False), (32768, True), (4096, False), (4096, True)]:
    tot = llmcalc.training_flops_per_token(qwen, T_, causal=causal) * 7e12
    rows.append({"T": T_, "scores": tr("causal", "因果") if causal else tr("full T x T", "完整 T x T"),
                 "total FLOPs": f"{tot:.3e}",
                 "vs 6P": f"{tot / llmcalc.training_flops_6p(qwen, 7e12):.3f}",
                 "days, 6000 A100 @ 50%": f"{llmcalc.training_days(tot, 6000, a100, 0.5):.1f}"})
qwen_table = pd.DataFrame(rows)
print(qwen_table.rename(columns={"scores": tr("scores", "分数"), "total FLOPs": tr("total FLOPs", "总 FLOPs"),
                                 "vs 6P": tr("vs 6P", "与 6P 之比"),
                                 "days, 6000 A100 @ 50%": tr("days, 6000 A100 @ 50%", "天数（6000 张 A100，50%）")})
      .to_string(index=False))
ratio = (llmcalc.training_flops_per_token(qwen, 32768, causal=False)
         / llmcalc.training_flops_per_token(qwen, 4096, causal=True))
print(tr(f"\nthe article's setting (32768, full) / mostly-real setting (4096, causal) = {ratio:.2f}x",
         f"\n文章的设定（32768，完整）/ 大致真实的设定（4096，因果）= {ratio:.2f} 倍"))

# %% [markdown]
# So the overestimate from the context length is real but modest, well inside the article's 1.6× bound; the
# larger error in its 30 days is the utilisation it assumed.
#
# ### A sanity check against inference speed
#
# The article checks its formula against Qwen's published generation speed on 2 A100s (8.48 tokens/s for
# Qwen-72B-Chat, the first-generation model, at bf16, in the Qwen README): one forward over $T = 1000$ tokens at
# batch 1, at the "1248 TFLOP/s" of two cards, takes 0.115 s, i.e. 8.67 tokens/s. Reproduced:

# %%
fwd_1000 = llmcalc.forward_flops(qwen, 1, 1000, causal=False)
article_peak = 1248e12  # the article's "2 x A100 bf16"; 2 x 624e12 is the A100's figure WITH 2:4 sparsity
t_article = fwd_1000 / article_peak
print(tr(f"forward over 1000 tokens: {fwd_1000:.4e} FLOPs -> {t_article:.3f} s at 1248 TFLOP/s -> {1 / t_article:.2f} tokens/s",
         f"1000 个 token 的前向：{fwd_1000:.4e} FLOPs -> 按 1248 TFLOP/s 要 {t_article:.3f} 秒 -> 每秒 {1 / t_article:.2f} 个 token"))
t_dense = llmcalc.training_seconds(fwd_1000, 2, a100, 1.0)
dense_tflops = a100.peak_flops / 1e12
print(tr(f"at the dense peak (2 x {dense_tflops:.0f} TFLOP/s, 100%): {t_dense:.3f} s -> {1 / t_dense:.2f} tokens/s",
         f"按稠密峰值（2 x {dense_tflops:.0f} TFLOP/s，100%）：{t_dense:.3f} 秒 -> 每秒 {1 / t_dense:.2f} 个 token"))
weights_bytes = 2 * llmcalc.param_count(qwen)                        # bf16 weights, read once per generated token
t_read = weights_bytes / (2 * a100.hbm_bytes_per_s)
hbm_tb_per_s = a100.hbm_bytes_per_s / 1e12
print(tr(f"decode with a KV cache is bound by reading the weights: {weights_bytes / 1e9:.0f} GB over "
         f"2 x {hbm_tb_per_s:.2f} TB/s = {1e3 * t_read:.1f} ms -> at most {1 / t_read:.0f} tokens/s",
         f"有 KV 缓存时，解码受限于读取权重：{weights_bytes / 1e9:.0f} GB，带宽 "
         f"2 x {hbm_tb_per_s:.2f} TB/s = {1e3 * t_read:.1f} ms -> 每秒最多 {1 / t_read:.0f} 个 token"))

# %% [markdown]
# The agreement is a coincidence of three assumptions: (1) each generated token re-runs the *whole* 1000-token
# sequence (no KV cache); (2) the cards run at 100% of peak; (3) that peak, 1248 TFLOP/s for two cards, is the
# structured-sparsity figure, twice the dense bf16 peak. With a KV cache, generating one token costs only about
# $2P$ FLOPs and is limited by memory bandwidth, not FLOPs (GB here is $10^9$ bytes). The measured 8.48 tokens/s
# is well below that bound: it comes from a plain Hugging Face `transformers` profiling run, and the same README
# gives 17.60 tokens/s for the model served with vLLM.
# Inference speed is a poor check of a *training* FLOP formula.
#
# ## 7. Implied MFU and cost of published runs
#
# A model card that publishes GPU-hours lets us run the formula backwards:
#
# $$\text{implied MFU} = \frac{6\,P\,D_\text{data}}{\text{GPU-hours}\times 3600 \times C}.$$
#
# **Cost** is GPU-hours × price; DeepSeek-V3's report assumes \$2 per H800-hour.

# %%
runs = [
    ("LLaMA 3.1 405B", "llama-3.1-405b", 15.6e12, 30.84e6, "H100"),
    (tr("DeepSeek-V3 (pre-training)", "DeepSeek-V3（预训练）"), "deepseek-v3", 14.8e12, 2.664e6, "H800"),
]
rows = []
for label, name, tokens, hours, chip in runs:
    c = llmcalc.preset(name)
    model_flops = llmcalc.training_flops_6p(c, tokens)   # 6 x active params for the MoE
    rows.append({tr("run", "训练"): label,
                 tr("P used per token", "每 token 用到的 P"): tr(f"{llmcalc.active_param_count(c) / 1e9:.1f}B",
                                                               f"{llmcalc.active_param_count(c) / 1e8:.0f} 亿"),
                 tr("tokens", "token 数"): f"{tokens:.3g}", tr("GPU-hours", "GPU 小时"): f"{hours:,.0f}",
                 tr("chip", "芯片"): chip, "6PD FLOPs": f"{model_flops:.3e}",
                 tr("implied MFU", "隐含 MFU"): f"{llmcalc.implied_mfu(model_flops, hours, chip):.1%}"})
print(pd.DataFrame(rows).to_string(index=False))
print()
for label, hours in [(tr("pre-training", "预训练"), 2.664e6),
                     (tr("whole run (incl. context extension, post-training)", "整个训练（含上下文扩展和后训练）"), 2.788e6)]:
    dollars = llmcalc.cost(hours, 2.0)
    print(tr(f"DeepSeek-V3 {label}: {hours:,.0f} H800-hours x $2 = ${dollars / 1e6:.3f}M",
             f"DeepSeek-V3 {label}：{hours:,.0f} H800 小时 x 2 美元 = {dollars / 1e4:,.1f} 万美元"))

# %% [markdown]
# How to read these:
#
# * **LLaMA 3.1 405B**: the paper's 38–43% is measured while training; the card counts "the total GPU time required
#   for training each model", more than those steady-state steps, so the implied number comes out lower.
# * **DeepSeek-V3** is a mixture of experts: a token uses 37B of its 671B parameters, so $6P$ uses the active
#   count. It trained its matmuls in FP8, whose peak is twice the bf16 peak `llmcalc` stores for the H800 —
#   against the FP8 peak the utilisation would be half of what the table shows.
#
# **Question:** The Chinese article "How many GPUs does training a 100B model take?"
# (*大模型的算力需求：训练一个千亿模型需要多少 GPU？*, 2048 AI community) lists LLaMA 2 70B as "2048 A100s, about 21
# days". Is that consistent with the model card's 1,720,320 A100-hours (as True (yes) or False (no))? What MFU do
# the card's hours imply (as a fraction, e.g. 0.125 (not 12.5%)), how many days do they take on 2048 GPUs (in days),
# and what MFU would 21 days need?

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:llama2_70b.implied_mfu", "check:llama2_70b.days_on_2048", "check:llama2_70b.mfu_for_21_days", "check:llama2_70b.21_days_consistent"]
# Answer (click to reveal) · 答案(点击展开)
l2 = llmcalc.training_flops_6p(llmcalc.preset("llama-2-70b"), 2e12)
mfu_l2 = llmcalc.implied_mfu(l2, 1_720_320, "A100")
print(tr(f"implied MFU of the card's 1,720,320 A100-hours: {mfu_l2:.1%}",
         f"模型卡上 1,720,320 A100 小时对应的隐含 MFU：{mfu_l2:.1%}"))
days_l2 = llmcalc.training_days(l2, 2048, "A100", mfu_l2)
print(tr(f"1,720,320 A100-hours on 2048 GPUs = {days_l2:.1f} days, not 21",
         f"1,720,320 A100 小时摊到 2048 张 GPU 上 = {days_l2:.1f} 天，不是 21 天"))
print(tr(f"21 days on 2048 A100s would need MFU = {mfu_l2 * days_l2 / 21:.0%}",
         f"2048 张 A100 要在 21 天内训完，需要 MFU = {mfu_l2 * days_l2 / 21:.0%}"))

# %% [markdown]
# <details><summary>Show answer</summary>
#
# No. Spread over 2048 GPUs, the card's A100-hours take much longer than 21 days, and 21 days would need an MFU far
# above the 40–50% that published large runs report (§5). And even though the card's hours cover the whole run, the
# MFU they imply is comparable to the 38–43% that the Llama 3 paper measured for its 405B *while training*.
#
# </details>
#
# ## 8. How many tokens? Chinchilla, GPT-3, and batch size
#
# Hoffmann et al. (2022) found that, for a fixed compute budget, loss is lowest with about **20 training tokens
# per parameter**. Modern models train far beyond that (smaller models are cheaper to serve), but it is the
# reference point. GPT-3 (2020) trained 175B parameters on 300B tokens; its paper gives 3.14e23 FLOPs.

# %%
gpt3 = llmcalc.preset("gpt-3-175b")
gpt3_flops, gpt3_chinchilla = llmcalc.training_flops_6p(gpt3, 300e9), llmcalc.chinchilla_tokens(llmcalc.param_count(gpt3))
print(tr(f"GPT-3: 6P x 300B = {gpt3_flops:.3g} FLOPs; Chinchilla-optimal tokens for it: {gpt3_chinchilla:.2e}",
         f"GPT-3：6P x 300B = {gpt3_flops:.3g} FLOPs；按 Chinchilla，它最优的 token 数：{gpt3_chinchilla:.2e}"))
for name, tokens in [("llama-2-70b", 2e12), ("llama-3-70b", 15e12)]:
    p = llmcalc.param_count(llmcalc.preset(name))
    print(tr(f"{name}: Chinchilla {llmcalc.chinchilla_tokens(p):.2e} tokens; trained on {tokens:.2g} = {tokens / p:.0f} tokens per parameter",
             f"{name}：Chinchilla {llmcalc.chinchilla_tokens(p):.2e} 个 token；实际训练 {tokens:.2g} 个 = 每个参数 {tokens / p:.0f} 个 token"))
print(tr(f"a 100B model, Chinchilla: {llmcalc.chinchilla_tokens(100e9):.1e} tokens (the 100B article uses 3e11 'per Chinchilla': 3 per parameter)",
         f"1,000 亿参数的模型，按 Chinchilla：{llmcalc.chinchilla_tokens(100e9):.1e} 个 token"
         f"（那篇千亿模型文章说“按 Chinchilla”用 3e11：每个参数 3 个）"))

# %% [markdown]
# **Batch size does not change the total compute.** The FLOPs of a step are proportional to the tokens in it
# ($B$); a run of $D_\text{data}$ tokens costs the same whether it is cut into many small
# steps or a few large ones:

# %%
for batch in (1, 32, 64):
    step = llmcalc.training_flops(qwen, batch, 4096)
    per_token, whole_run = step / (batch * 4096), 7e12 / (batch * 4096) * step
    print(tr(f"batch {batch:>2} x 4096: {step:.4e} FLOPs per step, {per_token:.6e} per token, {whole_run:.4e} for 7T tokens",
             f"批大小 {batch:>2} x 4096：每步 {step:.4e} FLOPs，每 token {per_token:.6e}，7 万亿个 token 共 {whole_run:.4e}"))

# %% [markdown]
# **Question:** If batch size does not change the FLOPs, why does it change the training *time*?
#
# <details><summary>Show answer</summary>
#
# Time is FLOPs divided by the FLOP/s actually achieved, and that rate (the MFU) depends on the batch. Too small a
# batch per chip leaves the chip waiting on memory (the weights are streamed for every step, whatever the batch)
# or on communication (gradients are exchanged every step), so MFU drops. Above some batch the chips are busy and
# time stops improving — the same saturation the Qwen2-72B article describes for inference throughput. Chapter 4 finds
# those thresholds for sharded training. Very large batches can also hurt *sample efficiency* (more tokens to
# reach the same loss), which is about the tokens needed, not the FLOPs per token.
#
# </details>
#
# ### Cross-check: Megatron's formula
#
# Narayanan et al. (2021) count a GPT-style model (MLP width $4D$, full multi-head attention) per iteration as
#
# $$72\,B_\text{seq}\,T\,L\,D^2\Bigl(1 + \frac{T}{6D} + \frac{V}{12\,L\,D}\Bigr)\ \text{FLOPs}
# \quad\bigl(96\ldots\,(1 + \tfrac{T}{6D} + \tfrac{V}{16LD})\ \text{with full recomputation}\bigr).$$
#
# The three terms are $6P$ of the layers, the full $T\times T$ scores, and the LM head. For GPT-3 it equals
# `llmcalc`'s exact count to the FLOP. With recomputation it adds one forward of the layers but not of the LM
# head, so it is a little below `llmcalc`'s plain "4 × forward":

# %%
meg = flops.megatron_training_flops(1536, 2048, gpt3.L, gpt3.D, gpt3.V)
ours = llmcalc.training_flops(gpt3, 1536, 2048, causal=False)
print(tr(f"GPT-3, batch 1536 x 2048: Megatron {meg:.6e}, llmcalc {ours:.6e}, equal: {meg == ours}",
         f"GPT-3，批大小 1536 x 2048：Megatron {meg:.6e}，llmcalc {ours:.6e}，相等：{'是' if meg == ours else '否'}"))
meg_r = flops.megatron_training_flops(1536, 2048, gpt3.L, gpt3.D, gpt3.V, recompute=True)
full_r = llmcalc.training_flops(gpt3, 1536, 2048, causal=False, recompute="full")
print(tr(f"with full recompute: Megatron / llmcalc = {meg_r / full_r:.4f} (the LM head is not recomputed)",
         f"完全重计算时：Megatron / llmcalc = {meg_r / full_r:.4f}（输出层不重计算）"))

# %% [markdown]
# ## 9. Explorer
#
# Pick a model and a chip, then move the context $T$, the training tokens, the chips and the MFU. The summary shows
# the $6P$ estimate next to the exact per-token count with causal attention, the attention share, the total, and
# the days; the plot is days against chips with your point on it. (Shape sliders edit the chosen preset.)

# %% tags=["nbval-ignore-output", "widget"]
ex = widgets.flops_explorer("llama-3-70b", chip="TPU v5p")
ex.widget

# %%
ex.print_summary()

# %% [markdown]
# Things to try: set $T$ to 131072 and watch the attention share and the days; switch the chip to H100 and find
# how many GPUs give the same days; drop MFU to 0.2.
#
# > **Takeaways**
# >
# > - A matmul $[d_1,d_2]\times[d_2,d_3]$ costs $2\,d_1 d_2 d_3$ FLOPs ($d_1 d_2 d_3$ MACs). Only matmuls matter.
# > - Training costs $\approx 6P$ FLOPs per token: $2P$ forward, $4P$ backward (the gradient for the weights and for
# >   the inputs). Full recomputation makes it $8P$ of hardware work; MFU still counts $6P$.
# > - Attention scores add $12LNHT$ per token for a full $T\times T$ matrix, half with a causal kernel. They matter
# >   when $T$ is large compared with $D$; the Qwen2-72B article's closed form and `FlopCounterMode` count the full
# >   matrix.
# > - Days $=$ FLOPs $/$ (chips $\cdot C \cdot$ MFU). Run it backwards on published GPU-hours to get an implied MFU,
# >   and compare it with what the paper reports.
# > - Check the utilisation a source assumes: the Qwen2-72B article's "50% MFU" is really 300 of 312 TFLOP/s, so
# >   its 30 days are too short (§6). And check which utilisation a paper prints: Megatron-LM's "52% of peak" counts
# >   the recomputed work, so it is an HFU, not an MFU (§5).
# > - Sliding windows (Mistral, Phi-3, gpt-oss, Gemma 3) and chunks (Llama 4) make a layer's score cost grow like $T\,T_\text{win}$
# >   instead of $T^2/2$ when the kernel skips the masked pairs; the global layers left then do most of the score
# >   work. Eager attention, and `FlopCounterMode`, still count the full matrix (`causal=False`).
# > - Batch size does not change total FLOPs; it changes how fast they run.
#
# ## Exercises
#
# **Exercises 1–3: LLaMA 3.1-405B.**
#
# 1. How many training FLOPs per token by the $6P$ rule (in FLOPs per token), and how many for 15T tokens (in FLOPs)?
# 2. How many H100s train it on 15T tokens in 90 days at 40% MFU (as a count of GPUs, before rounding up)?
# 3. How much does the (causal) attention term add to the $6P$ estimate at $T = 8192$ (its main pre-training
#    context) and at $T = 131072$ (its long-context stage)? Give each as exact FLOPs over $6P$, as a ratio,
#    e.g. 1.25.

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.flops_per_token", "check:405b.total_flops", "check:405b.h100_for_90_days", "check:405b.attention_ratio_8k", "check:405b.attention_ratio_128k"]
# Answer (click to reveal) · 答案(点击展开)
import math

l405 = llmcalc.preset("llama-3.1-405b")
total_405 = llmcalc.training_flops_6p(l405, 15e12)
per_token_405 = llmcalc.flops_per_token(l405)
print(tr(f"1. {per_token_405:.3e} FLOPs per token; {total_405:.3e} FLOPs for 15T tokens",
         f"1. 每 token {per_token_405:.3e} FLOPs；15 万亿个 token 共 {total_405:.3e} FLOPs"))
meta_6p = llmcalc.training_flops_6p(l405, 15.6e12)
print(tr(f"   (the Llama 3 paper: 3.8e25 for 15.6T tokens; 6P gives {meta_6p:.2e})",
         f"   （Llama 3 论文：15.6 万亿个 token 用了 3.8e25；6P 给出 {meta_6p:.2e}）"))
need = llmcalc.chips_for_days(total_405, 90, "H100", 0.4)
print(tr(f"2. {need:,.1f} -> {math.ceil(need):,} H100s (Meta used up to 16,384)",
         f"2. {need:,.1f} -> {math.ceil(need):,} 张 H100（Meta 最多用了 16,384 张）"))
for T_ in (8192, 131072):
    exact_over_6p = llmcalc.training_flops_per_token(l405, T_) / per_token_405
    score_pct = 100 * llmcalc.attention_score_fraction(l405, T_)
    print(tr(f"3. T = {T_:>6}: exact / 6P = {exact_over_6p:.3f}; scores = {score_pct:.1f}% of forward FLOPs",
             f"3. T = {T_:>6}：精确值 / 6P = {exact_over_6p:.3f}；分数占前向 FLOPs 的 {score_pct:.1f}%"))

# %% [markdown]
# **Exercise 4.** The 100B article prices cloud GPUs at \$10 per A100-hour. What do 128 A100s for 30 days cost at that
# price (in dollars), and how many 6P FLOPs do they deliver at 40% MFU (in FLOPs)? Which LLaMA 2 model could they train on 2T tokens?

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:a100x128.cost_30_days", "check:a100x128.flops_delivered"]
# Answer (click to reveal) · 答案(点击展开)
hours = 128 * 30 * 24
delivered = hours * 3600 * a100.peak_flops * 0.4
dollars = llmcalc.cost(hours, 10.0)
print(tr(f"{hours:,} A100-hours x $10 = ${dollars:,.0f}; {delivered:.3e} FLOPs at 40% MFU",
         f"{hours:,} A100 小时 x 10 美元 = {dollars:,.0f} 美元；40% MFU 下提供 {delivered:.3e} FLOPs"))
for name in ("llama-2-7b", "llama-2-13b", "llama-2-70b"):
    need_days = llmcalc.training_days(llmcalc.training_flops_6p(llmcalc.preset(name), 2e12), 128, a100, 0.4)
    print(tr(f"  {name} on 2T tokens: {need_days:,.0f} days on these 128 GPUs",
             f"  {name} 训 2 万亿个 token：在这 128 张 GPU 上要 {need_days:,.0f} 天"))

# %% [markdown]
# **Exercise 5.** With full activation recomputation, a run does $8P$ per token of hardware work but MFU counts $6P$.
# If the chips sustain 50% of peak in *hardware* FLOPs (HFU), what is the MFU? How much extra work does full
# recomputation do (hardware over model FLOPs, minus one)? PaLM reported MFU 46.2% and HFU 57.8%: how much extra
# work does that ratio imply, compared with full recomputation? Give all three as a fraction, e.g. 0.125 (not 12.5%).

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:recompute.mfu_at_50pct_hfu", "check:recompute.full_extra_work", "check:palm.extra_work"]
# Answer (click to reveal) · 答案(点击展开)
model_over_hw = llmcalc.flops_per_token(llama3_70b) / llmcalc.flops_per_token(llama3_70b, recompute="full")
print(f"MFU = HFU x 6P/8P = 0.50 x {model_over_hw:.2f} = {0.50 * model_over_hw:.1%}")
full_extra, palm_extra = 1 / model_over_hw - 1, 0.578 / 0.462 - 1
print(tr(f"full recomputation: {full_extra:.0%} extra work; PaLM: 57.8/46.2 - 1 = {palm_extra:.0%} extra "
         f"(it recomputed only part of the forward)",
         f"完全重计算：多做 {full_extra:.0%} 的工作；PaLM：57.8/46.2 - 1 = 多 {palm_extra:.0%}"
         f"（它只重计算了前向的一部分）"))
