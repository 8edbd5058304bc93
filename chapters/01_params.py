# ---
# jupyter:
#   jupytext:
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
# # Chapter 1 — Where the parameters live
#
# Sources for every figure in this chapter: [References](../docs/references.md).
#
# Notation for the whole workbook: [Notation](../docs/notation.md).
#
# Every later chapter of this workbook starts from one number: how many parameters $P$ the model has.
# FLOPs per token are about $6P$, the optimizer state is about $16P$ bytes, and the number of chips you
# need follows from both. So we begin by counting parameters *exactly*, and by learning which parts of a
# transformer hold them.
#
# **After this chapter you will be able to**
#
# - read a model's shape ($L, D, F, N, K, H, V$, and $E, k$ for mixtures of experts) from its `config.json`;
# - write down, for any decoder-only transformer, how many parameters its embeddings, attention, MLP, norms
#   and experts hold — including grouped-query attention, biases, tied embeddings, MoE and MLA, and the newer
#   q/k norms, attention sinks, shared experts and sliding windows (Qwen3, Gemma 3, gpt-oss, Llama 4, …);
# - check a published size (LLaMA 3-70B, Mixtral, DeepSeek-V3, GPT-3…) by hand in a minute, and exactly
#   with `llmcalc`;
# - say when a textbook closed form such as $2VD + D + L(4D^2 + 3DF + 2D)$ applies, and when it does not.
#
# **Symbols** (the same in every chapter, after *How To Scale Your Model*):
#
# | symbol | meaning | field in Hugging Face `config.json` |
# |---|---|---|
# | $L$ | transformer layers | `num_hidden_layers` |
# | $D$ | model (hidden) width, $d_\text{model}$ | `hidden_size` |
# | $F$ | MLP width, $d_\text{ff}$ | `intermediate_size` |
# | $N$ | query heads per layer | `num_attention_heads` |
# | $K$ | key/value heads per layer ($K = N$ is plain multi-head attention) | `num_key_value_heads` |
# | $H$ | width of one attention head ($D/N$ unless the config gives it) | `head_dim` |
# | $V$ | vocabulary size | `vocab_size` |
# | $E$ | routed experts per MoE layer | `num_local_experts` / `n_routed_experts` |
# | $k$ | experts each token is routed to | `num_experts_per_tok` |
# | $F_e$ | MLP width of one expert | `moe_intermediate_size` (Mixtral: `intermediate_size`) |
# | $P$ | parameter count |  |
# | $T_{\max}$ | longest sequence a learned position table covers | `max_position_embeddings` (learned positions only) |
# | $r_q$, $r_{kv}$ | MLA: width of the query bottleneck, of the shared key/value latent | `q_lora_rank`, `kv_lora_rank` |
# | $d_n$, $d_r$, $d_v$ | MLA: per-head query/key width without rotary part, rotary key width, value width | `qk_nope_head_dim`, `qk_rope_head_dim`, `v_head_dim` |
#
# A warning about sources: the university course slides on pre-training that we quote in §4 (*预训练之训练技术*,
# "Pre-training: training techniques", by Tang Tianyi of the team that wrote the textbook 《大语言模型》) write $H$
# for the hidden width and $H'$ for the MLP width. In this book those are $D$ and $F$; $H$ is always the width of *one head*.
# See [other notations](../docs/notation.md#other-notations).

# %%
import json
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

import llmcalc
from llmcalc import ModelConfig, active_param_count, param_breakdown, param_count, preset
from llmcalc import params, plots, tables, widgets
from llmcalc.i18n import tr
from llmcalc.tables import fmt_count

# %matplotlib inline

# %% tags=["language"]
llmcalc.i18n.use("en")  # the edition's language for explorer labels and plot titles

# %% [markdown]
# ## 1. The symbol table, read from a config
#
# A model's shape lives in its Hugging Face `config.json`. `llmcalc` ships the configs of some well-known
# models as presets and reads them into a `ModelConfig` in the book's symbols. Here is LLaMA 3-70B,
# the model that *How To Scale Your Model* (Austin et al., Google DeepMind), part 6, "Training LLaMA 3 on TPUs",
# sizes by hand (we read it in a Chinese rendering):

# %%
cfg = preset("llama-3-70b")
hf = llmcalc.preset_hf_config("llama-3-70b")
fields = {"L": "num_hidden_layers", "D": "hidden_size", "F": "intermediate_size", "N": "num_attention_heads",
          "K": "num_key_value_heads", "H": "head_dim", "V": "vocab_size"}
for sym, key in fields.items():
    raw = hf.get(key, tr("(absent: D/N)", "（未给出：D/N）"))
    print(f"{sym} = {getattr(cfg, sym):>7,}   config.json {key}: {raw}")

# %% [markdown]
# These are the numbers in the book's table. Note that `head_dim` may be missing from a config; then
# $H = D/N$ (here $8192/64 = 128$). Some models set it explicitly and differently — Gemma-2 below.
#
# ## 2. Where the parameters live
#
# A decoder-only transformer is an embedding table, $L$ identical blocks (attention, then an MLP, each
# behind a norm), a final norm and an output projection (the *LM head*). Count each piece once.
#
# **Embeddings.** The token table is $V \times D$. The LM head is another $D \times V$ matrix, unless the
# model *ties* it to the embedding (Gemma, GPT-2/3), in which case it adds nothing. Models with *learned*
# positions (GPT-2/3) add a $T_{\max} \times D$ position table; rotary positions (RoPE) add no parameters.
#
# $$P_\text{emb} = VD\;(+\,VD \text{ if untied})\;(+\,T_{\max} D \text{ if learned positions})$$
#
# **Attention with grouped-query attention (GQA).** $N$ query heads of width $H$, but only $K$ key/value
# heads shared among them. The projections are $W_Q: D \times NH$, $W_K, W_V: D \times KH$, $W_O: NH \times D$:
#
# $$P_\text{attn} = \underbrace{DNH}_{Q} + \underbrace{2DKH}_{K,\,V} + \underbrace{NHD}_{O}
# \;\;(+\,NH + 2KH \text{ if } q,k,v \text{ have biases})\;(+\,D \text{ if } o \text{ has one}).$$
#
# With $K = N$ and $NH = D$ this is the familiar $4D^2$.
#
# **Gated MLP (SwiGLU/GeGLU).** Three matrices, gate and up $D \times F$, down $F \times D$: $P_\text{mlp} = 3DF$.
# A plain GELU MLP (GPT) has two: $2DF$, plus biases $F + D$.
#
# **Norms.** RMSNorm has a weight of $D$; LayerNorm a weight and a bias, $2D$. LLaMA has 2 per layer and one
# final norm, $(2L + 1)D$; Gemma-2 has 4 per layer.
#
# **Mixture of experts (MoE).** In an MoE layer the MLP is replaced by a router ($E \times D$) and $E$
# experts, each a gated MLP of width $F_e$; some models add shared experts that every token uses. *Total*
# parameters count all $E$ experts; the parameters *active* for one token count only the $k$ it is routed to:
#
# $$P_\text{MoE layer} = ED + E\cdot 3DF_e + 3DF_\text{shared}, \qquad
# P^\text{active}_\text{MoE layer} = ED + k\cdot 3DF_e + 3DF_\text{shared}.$$
#
# **Multi-head latent attention (MLA, DeepSeek-V2/V3).** Queries go through a low-rank bottleneck $r_q$,
# keys and values through a shared latent $r_{kv}$ plus one rotary key of width $d_r$; per head the
# query/key width is $d_n + d_r$ and the value width $d_v$:
#
# $$P_\text{MLA} = \underbrace{Dr_q + r_q + r_q N(d_n + d_r)}_{\text{query path}}
# + \underbrace{D(r_{kv} + d_r) + r_{kv} + r_{kv}N(d_n + d_v)}_{\text{key/value path}} + \underbrace{N d_v D}_{O}$$
#
# (the lone $r_q$ and $r_{kv}$ are the two small RMSNorms inside the bottlenecks).
#
# `llmcalc.param_breakdown` adds all of this up per component; every count equals
# `sum(p.numel())` of the transformers model built from the same config.

# %% [markdown]
# ## 3. LLaMA 3-70B by hand
#
# **Question:** With $L = 80$, $D = 8192$, $F = 28672$, $N = 64$, $K = 8$, $H = 128$, $V = 128256$, estimate
# the parameters of the MLPs, of attention and of the vocabulary (embedding plus LM head). Is it really 70B?
# Which part is largest?
#
# <details><summary>Show answer</summary>
#
# This is *How To Scale Your Model*'s own table:
#
# | part | formula | the book's value |
# |---|---|---|
# | MLP | $3DFL = 3 \times 8192 \times 28672 \times 80$ | 56.3 B |
# | attention | $L(2DNH + 2DKH) = 80\,(2 \cdot 8192 \cdot 64 \cdot 128 + 2 \cdot 8192 \cdot 8 \cdot 128)$ | 12.0 B |
# | vocabulary | $2VD = 2 \times 128256 \times 8192$ | 2.1 B |
# | total | | 70.4 B |
#
# The book puts the MLP at 80 %, attention at 17 %, the vocabulary at 3 %. The next cell prints the exact
# values — and shows that the book's 70.4 B is a sum of rounded-*down* parts.
#
# </details>

# %%
b = param_breakdown(cfg)
parts = {"MLP": b["mlp"], "attention": b["attention"], "vocabulary": b["embedding"] + b["lm_head"]}
parts_zh = {"MLP": f"{'MLP':<12}", "attention": f"{'注意力':<9}", "vocabulary": f"{'词表':<10}"}  # a Chinese character is two columns wide
total = param_count(cfg)
print(tr(f"{'part':<12}{'exact':>18}{'book (x1e8, cut)':>18}{'share':>8}",
         f"{'部分':<10}{'精确值':>15}{'书中（亿，舍尾）':>10}{'占比':>6}"))
for name, n in parts.items():
    print(tr(f"{name:<12}{n:>18,}{n // 10**8:>18}{100 * n / total:>7.1f}%",
             f"{parts_zh[name]}{n:>18,}{n // 10**8:>18}{100 * n / total:>7.1f}%"))
print(tr(f"{'sum of cuts':<12}{'':>18}{sum(n // 10**8 for n in parts.values()):>18}",
         f"{'舍去后之和':<7}{'':>18}{sum(n // 10**8 for n in parts.values()):>18}"))
print(tr(f"{'sum exact':<12}{sum(parts.values()):>18,}   = {sum(parts.values()) / 1e9:.2f}B",
         f"{'精确值之和':<7}{sum(parts.values()):>18,}   = {fmt_count(sum(parts.values()))}"))
print(tr(f"{'norms':<12}{b['norms']:>18,}   = (2L+1)·D, left out by hand",
         f"{'归一化层':<8}{b['norms']:>18,}   = (2L+1)·D，手算时略去"))
print(tr(f"{'total':<12}{total:>18,}   = {total / 1e9:.2f}B",
         f"{'合计':<10}{total:>18,}   = {fmt_count(total)}"))

# %% [markdown]
# So the book is right in spirit and slightly off in the last digit: it wrote each part with the fraction cut
# off (in the Chinese rendering's units of $10^8$, 亿: 563 + 120 + 21 = 704), and the two big parts each lose most
# of a unit that way. The unrounded parts add up to the total printed above, and the $(2L+1)D$ norm weights the
# hand count skips close the gap to the exact count exactly. The book's 80 / 17 / 3 % split survives: compare the
# share column.
#
# The whole breakdown, as `llmcalc` keeps it:

# %%
tables.breakdown_table(cfg)

# %% [markdown]
# ## 4. The course slides' formula: LLaMA-7B and LLaMA-65B
#
# The course slides count LLaMA's parameters as follows (written here in this book's symbols: the slides
# write $H$ for $D$ and $H'$ for $F$)
#
# $$P = \underbrace{2VD}_{\text{embedding + head}} + \underbrace{D}_{\text{final norm}} + L\big(\underbrace{4D^2}_{\text{attention}} + \underbrace{3DF}_{\text{MLP}} + \underbrace{2D}_{\text{norms}}\big).$$
#
# They print 6,738,415,616 for LLaMA-7B
# ($V = 32000$, $L = 32$, $D = 4096$, $F = 11008$) and 65,285,660,672 for LLaMA-65B ($L = 80$, $D = 8192$,
# $F = 22016$). `llmcalc.params.slide_formula_count` is that formula; the LLaMA-7B shape is shared by
# LLaMA-1 7B and LLaMA-2-7B, so the `llama-2-7b` preset stands in for it.

# %%
for name in ("llama-2-7b", "llama-65b"):
    c = preset(name)
    print(tr(f"{name:<11} slide formula {params.slide_formula_count(c):>16,}   exact {param_count(c):>16,}",
             f"{name:<11} 讲义公式 {params.slide_formula_count(c):>16,}   精确值 {param_count(c):>16,}"))

# %% [markdown]
# Both agree with the slides to the last digit. The formula is exact for these models because they use
# plain multi-head attention ($K = N$, $NH = D$), untied embeddings, no biases, RMSNorm and a dense gated MLP.
# Change any of those and it stops being exact:

# %%
print(tr(f"{'model':<15}{'slide formula':>18}{'exact':>18}{'formula - exact':>18}  why",
         f"{'模型':<13}{'讲义公式':>14}{'精确值':>15}{'公式 − 精确值':>12}  原因"))
why = {"llama-2-7b": tr("MHA, untied: exact", "MHA，嵌入不共享：精确"),
       "llama-3-70b": tr("GQA (K = 8 < N = 64)", "GQA（K = 8 < N = 64）"),
       "qwen2-72b": tr("GQA, and q/k/v biases", "GQA，且 q/k/v 带偏置"),
       "gemma-2-9b": tr("tied, H != D/N, 4 norms/layer", "嵌入共享，H ≠ D/N，每层 4 个归一化层"),
       "mixtral-8x7b": tr("GQA, 8 experts per layer", "GQA，每层 8 个专家")}
for name, reason in why.items():
    c = preset(name)
    s, p = params.slide_formula_count(c), param_count(c)
    print(f"{name:<15}{s:>18,}{p:>18,}{s - p:>18,}  {reason}")

# %% [markdown]
# **Question:** Why does the slide formula over-count LLaMA 3-70B, and by exactly how much (as a count of parameters)?
#
# <details><summary>Show answer</summary>
#
# The $4D^2$ term assumes the key and value projections are $D \times D$. With GQA they are $D \times KH$,
# and $KH = 8 \times 128 = 1024$ while $D = 8192$. Each layer is over-counted by $2D(D - KH)$, so the whole
# model by $2LD(D - KH)$. The next cell checks that this explains the whole gap.
#
# </details>

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:l3_70b.slide_overcount"]
# Answer (click to reveal) · 答案(点击展开)
c = preset("llama-3-70b")
kv_exact = 2 * c.D * c.K * c.H          # K and V projections, one layer
kv_slide = 2 * c.D * c.D                # what 4D^2 assumes for them
gap = params.slide_formula_count(c) - param_count(c)
print(tr(f"2LD(D - KH) = {c.L * (kv_slide - kv_exact):,}; formula - exact = {gap:,}",
         f"2LD(D - KH) = {c.L * (kv_slide - kv_exact):,}；公式 − 精确值 = {gap:,}"))

# %% [markdown]
# ## 5. Qwen2-72B: biases on q, k and v
#
# Qwen2 is a LLaMA-shaped model whose query, key and value projections carry a bias ($o$ does not). That adds
# $NH + 2KH$ per layer — real, but tiny next to the weights:

# %%
q = preset("qwen2-72b")
no_bias = q.replace(qkv_bias=False)
bias = param_count(q) - param_count(no_bias)
print(tr(f"Qwen2-72B: {param_count(q):,} parameters ({fmt_count(param_count(q))})",
         f"Qwen2-72B：{param_count(q):,} 个参数（{fmt_count(param_count(q))}）"))
print(tr(f"q/k/v biases: {bias:,} = L·(NH + 2KH) = {q.L}·({q.N * q.H} + {2 * q.K * q.H}), "
         f"{100 * bias / param_count(q):.4f}% of the model",
         f"q/k/v 偏置：{bias:,} = L·(NH + 2KH) = {q.L}·({q.N * q.H} + {2 * q.K * q.H})，"
         f"占模型的 {100 * bias / param_count(q):.4f}%"))

# %% [markdown]
# ## 6. Mixtral-8x7B: total versus active
#
# Mixtral has LLaMA/Mistral-7B's shape ($D = 4096$, $L = 32$, $N = 32$, $K = 8$) but every MLP is replaced by
# $E = 8$ experts of width $F = 14336$, and each token is routed to $k = 2$ of them. Yang Lewis's notes on
# multi-GPU training memory (*大模型多卡训练笔记*) put one expert at about $1.76 \times 10^8$ parameters and the router at about $D \times E = 4\text{k} \times 8 = 32\text{k}$
# per layer ("a million or so" over 32 layers).

# %%
m = preset("mixtral-8x7b")
bm = param_breakdown(m)
one_expert = params.mlp_params(m, m.F_expert, bias=False)
print(tr(f"one expert 3·D·F      = {one_expert:,} = {one_expert:.3g}",
         f"单个专家 3·D·F        = {one_expert:,} = {one_expert:.3g}"))
print(tr(f"  in bf16 (2 bytes)   = {2 * one_expert / 1e9:.3f} GB (GB = 1e9 bytes)",
         f"  bf16（2 字节）      = {2 * one_expert / 1e9:.3f} GB（GB = 1e9 字节）"))
print(tr(f"router per layer E·D  = {m.E * m.D:,}; all {m.L} layers: {bm['router']:,}",
         f"每层路由器 E·D        = {m.E * m.D:,}；全部 {m.L} 层：{bm['router']:,}"))
print(tr(f"total parameters      = {param_count(m):,} ({fmt_count(param_count(m))})",
         f"总参数                = {param_count(m):,}（{fmt_count(param_count(m))}）"))
print(tr(f"active per token      = {active_param_count(m):,} ({fmt_count(active_param_count(m))})",
         f"每个 token 的激活参数 = {active_param_count(m):,}（{fmt_count(active_param_count(m))}）"))

# %% [markdown]
# The "8x7B" name suggests 56B, but the experts share attention, embeddings and norms, so the total printed
# above is well short of that; and a token passes through only 2 of the 8 experts in each layer, so it touches
# only the active count. Its *compute* per token is that of a dense model of the active size, but its *memory*
# is that of a dense model of the total size — the distinction chapters 2 and 3 rely on.
#
# ## 7. DeepSeek-V3: MLA, shared and routed experts, three dense layers
#
# DeepSeek-V3 combines everything in section 2. Of its $L = 61$ layers, the first 3 keep a dense MLP of width
# $F = 18432$; the other 58 have a router, $E = 256$ routed experts of width 2048 (a token uses $k = 8$) and one
# shared expert of width 2048. Its attention is MLA. The DeepSeek-V3 README says 671B total, 37B activated.

# %%
ds = preset("deepseek-v3")
print(tr(f"dense layers {ds.dense_layers}, MoE layers {ds.moe_layers}, E = {ds.E}, k = {ds.k}, "
         f"F_expert = {ds.F_expert}, F_shared = {ds.F_shared}",
         f"稠密层 {ds.dense_layers} 个，MoE 层 {ds.moe_layers} 个，E = {ds.E}，k = {ds.k}，"
         f"F_expert = {ds.F_expert}，F_shared = {ds.F_shared}"))
print(f"MLA: r_q = {ds.q_lora_rank}, r_kv = {ds.kv_lora_rank}, d_n = {ds.qk_nope_head_dim}, "
      f"d_r = {ds.qk_rope_head_dim}, d_v = {ds.v_head_dim}")
print(tr(f"total  {param_count(ds):,} ({fmt_count(param_count(ds))})",
         f"总参数   {param_count(ds):,}（{fmt_count(param_count(ds))}）"))
print(tr(f"active {active_param_count(ds):,} ({fmt_count(active_param_count(ds))}); "
         f"without the embedding table {active_param_count(ds, include_embedding=False):,}",
         f"激活参数 {active_param_count(ds):,}（{fmt_count(active_param_count(ds))}）；"
         f"不算嵌入表 {active_param_count(ds, include_embedding=False):,}"))
tables.breakdown_table(ds)

# %% [markdown]
# The total printed above rounds to the published 671B (the README's count leaves out the separate
# multi-token-prediction module, and so does this one). The README's "37B" activated sits between the two active
# counts printed, with and without the token table. Routed experts hold almost all of the parameters but only $8/256$ of
# them run per token.
#
# How much does MLA save? Compare one MLA block with plain multi-head attention of the same $N = 128$ heads of
# width 128 (a hypothetical model built with `ModelConfig`):

# %%
mha = ModelConfig(L=ds.L, D=ds.D, F=ds.F, N=ds.N, V=ds.V, H=128)
print(tr(f"MLA attention per layer: {params.attention_params_per_layer(ds):>12,}",
         f"MLA 每层注意力：        {params.attention_params_per_layer(ds):>12,}"))
print(tr(f"MHA, 128 heads x 128:    {params.attention_params_per_layer(mha):>12,}",
         f"MHA，128 个头 × 128：   {params.attention_params_per_layer(mha):>12,}"))
print(tr(f"ratio: {params.attention_params_per_layer(ds) / params.attention_params_per_layer(mha):.2f}",
         f"比值：{params.attention_params_per_layer(ds) / params.attention_params_per_layer(mha):.2f}"))

# %% [markdown]
# (MLA's main prize is a small KV cache at inference; fewer attention parameters come along with it.) One
# quirk to know: DeepSeek's config sets `head_dim` to the rotary width 64, so `ds.H` reads 64 in the tables
# below; under MLA it plays no part in any count — the query/key width per head is $d_n + d_r$.
#
# ## 8. Gemma-2-9B: $H \ne D/N$, tied embeddings, four norms per layer
#
# Gemma-2-9B has $D = 3584$ and $N = 16$, but its config sets `head_dim` to 256 rather than $D/N$, so the
# attention works in a space of width $NH$ wider than $D$ (the cell prints both widths). It ties the LM head to the embedding, and every
# layer has four RMSNorms (before and after attention, before and after the MLP).

# %%
g = preset("gemma-2-9b")
bg = param_breakdown(g)
print(tr(f"D/N = {g.D / g.N:g}, but H = {g.H}; N·H = {g.N * g.H} vs D = {g.D}",
         f"D/N = {g.D / g.N:g}，但 H = {g.H}；N·H = {g.N * g.H}，而 D = {g.D}"))
print(tr(f"norms: (4L + 1)·D = {(g.norms_per_layer * g.L + 1)} x {g.D} = {bg['norms']:,}",
         f"归一化层：(4L + 1)·D = {(g.norms_per_layer * g.L + 1)} × {g.D} = {bg['norms']:,}"))
print(tr(f"LM head: {bg['lm_head']:,} (tied to the embedding)", f"LM 头：{bg['lm_head']:,}（与嵌入表共享）"))
print(tr(f"total: {param_count(g):,} ({fmt_count(param_count(g))})",
         f"合计：{param_count(g):,}（{fmt_count(param_count(g))}）"))

# %% [markdown]
# ## 9. GPT-3 175B: the older recipe
#
# GPT-3 uses the GPT-2 architecture: learned position embeddings ($T_{\max} = 2048$), LayerNorm with a bias,
# biases on every linear layer, a plain GELU MLP with $F = 4D$, and tied embeddings.
#
# **Question:** with $L = 96$ and $D = 12288$, what is $12LD^2$, the usual estimate for a GPT-style model
# ($4D^2$ attention + $8D^2$ MLP per layer), and how much do embeddings, biases and norms add?
# Give both as a count of parameters.
#
# <details><summary>Show answer</summary>
#
# $12 \times 96 \times 12288^2$: the layers' weight matrices are almost all of the model. The token and position
# tables add $(V + T_{\max})D$, biases and LayerNorms a little more. The cell below prints each piece; "175B" is
# the rounding of the exact total it prints.
#
# </details>

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:gpt3.weight_matrices", "check:gpt3.extra_params"]
# Answer (click to reveal) · 答案(点击展开)
gpt = preset("gpt-3-175b")
bgpt = param_breakdown(gpt)
kinds_zh = {"plain": "普通（两个矩阵，不门控）", "layernorm": "LayerNorm", "learned": "可学习"}
matrices = gpt.L * (params.attention_matmul_weights_per_layer(gpt) + params.mlp_params(gpt, gpt.F, bias=False))
print(tr(f"F = {gpt.F} = 4D; mlp = {gpt.mlp}, norm = {gpt.norm}, positions = {gpt.positions} ({gpt.max_positions})",
         f"F = {gpt.F} = 4D；MLP：{kinds_zh.get(gpt.mlp, gpt.mlp)}，归一化：{kinds_zh.get(gpt.norm, gpt.norm)}，"
         f"位置编码：{kinds_zh.get(gpt.positions, gpt.positions)}（{gpt.max_positions}）"))
print(tr(f"12·L·D² (weight matrices)   {matrices:>16,}",
         f"12·L·D²（权重矩阵）         {matrices:>16,}"))
print(tr(f"token + position tables     {bgpt['embedding']:>16,}",
         f"token 表 + 位置表           {bgpt['embedding']:>16,}"))
print(tr(f"everything else (biases, LN){param_count(gpt) - matrices - bgpt['embedding']:>16,}",
         f"其余（偏置、LayerNorm）     {param_count(gpt) - matrices - bgpt['embedding']:>16,}"))
print(tr(f"total                       {param_count(gpt):>16,} ({fmt_count(param_count(gpt))})",
         f"合计                        {param_count(gpt):>16,}（{fmt_count(param_count(gpt))}）"))

# %% [markdown]
# ## 10. Well-known models side by side
#
# `tables.shape_table` lists the symbol table of several presets, `tables.params_table` their exact total and
# active counts with each component's share (in %), and `plots.param_shares` draws the shares.

# %%
models = ["llama-2-7b", "llama-65b", "llama-2-70b", "llama-3-8b", "llama-3-70b",
          "qwen2-72b", "gemma-2-9b", "gpt-3-175b", "mixtral-8x7b", "qwen2-57b-a14b", "deepseek-v3"]
tables.shape_table(models).astype({"E": "Int64", "k": "Int64"})

# %%
pt = tables.params_table(models)
print(pt.to_string(formatters={"params": "{:,}".format, "active": "{:,}".format}))

# %%
plots.param_shares(models)
plt.show()

# %% [markdown]
# Three patterns to notice in the share columns. In dense models the MLP holds most of the parameters; GQA
# (LLaMA-2-70B and later) gives attention a much smaller share than plain multi-head attention does (LLaMA-2-7B,
# LLaMA-65B). The vocabulary's share is large only for small models with big vocabularies (LLaMA 3-8B, Gemma-2).
# In MoE models the routed experts are nearly everything.
#
# ## 11. Loading any `config.json`
#
# Any supported `config.json` can be read without downloading anything: pass the dict to
# `ModelConfig.from_hf`, or a file path to `ModelConfig.from_json_file`. Nothing in the file is ever
# executed; only the `model_type`s listed by `llmcalc.SUPPORTED_MODEL_TYPES` (printed below) are read.
#
# As an example, here is the shape of TinyLlama-1.1B, a small LLaMA with GQA ($K = 4$), written into a
# temporary folder and read back:

# %%
print(tr("supported: ", "支持的 model_type：") + ", ".join(llmcalc.SUPPORTED_MODEL_TYPES))
tiny = {"model_type": "llama", "hidden_size": 2048, "intermediate_size": 5632, "num_hidden_layers": 22,
        "num_attention_heads": 32, "num_key_value_heads": 4, "vocab_size": 32000, "tie_word_embeddings": False}
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "config.json"
    path.write_text(json.dumps(tiny))
    from_file = ModelConfig.from_json_file(path, name="tinyllama-1.1b")
from_dict = ModelConfig.from_hf(tiny, name="tinyllama-1.1b")
print(tr(f"same config from dict and file: {from_file == from_dict}",
         f"从字典和从文件读到的配置相同：{'是' if from_file == from_dict else '否'}"))
print(f"L={from_file.L} D={from_file.D} F={from_file.F} N={from_file.N} K={from_file.K} H={from_file.H} V={from_file.V}")
print(tr(f"parameters: {param_count(from_file):,} ({fmt_count(param_count(from_file))})",
         f"参数量：{param_count(from_file):,}（{fmt_count(param_count(from_file))}）"))

# %% [markdown]
# A config the reader cannot handle is refused with a message that says why, rather than a wrong count:

# %%
bad_configs = {"unsupported model_type": {"model_type": "t5", "d_model": 512},
               "missing fields": {"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32}}
for what, bad in bad_configs.items():
    try:
        ModelConfig.from_hf(bad)
    except ValueError as err:
        if what == "unsupported model_type":
            zh = f"不支持的 model_type：{bad['model_type']!r} 不在上面打印的列表里，读取函数拒绝读它"
        else:   # the library lists the missing fields after the last colon of its message
            zh = f"缺少字段：{bad['model_type']} 配置缺少必需的字段 {str(err).rpartition(': ')[2]}"
        print(tr(f"{what}: {err}", zh))

# %% [markdown]
# ## 12. Newer families: what each feature costs
#
# The presets also hold the open models most used today, read from their `config.json` like the others:
# Qwen3-8B and Qwen3-235B-A22B, Gemma 3 27B, gpt-oss-120b, Llama 4 Scout, Phi-3-mini, OLMo 2 7B, DeepSeek-V2 and
# V2-Lite, GLM-4.5 and GLM-4.5-Air, SmolLM3-3B (`llmcalc.models.PRESET_SOURCES` says where each shape comes from).
# Every count equals `sum(p.numel())` of transformers' own model. What sets them apart:
#
# - **q/k norms.** Qwen3, Gemma 3 and GLM-4.5 put an RMSNorm on every query and key head, with one $H$-wide weight
#   that all heads share: $2H$ per layer. OLMo 2 normalises the whole query ($NH$ wide) and key ($KH$ wide):
#   $(N + K)H$ per layer.
# - **Post-norms.** Gemma 2 and 3 put a norm before *and* after attention and the MLP: four $D$-wide norms per layer.
#   OLMo 2 moves its two norms after the blocks: the same count as LLaMA's.
# - **Fused projections.** Phi-3 keeps $W_Q, W_K, W_V$ in one `qkv_proj` and gate and up in one `gate_up_proj`: the
#   same weights, the same count.
# - **$H \ne D/N$.** Gemma 3 27B ($D = 5376$, $N = 32$, $H = 128$) attends in a space narrower than $D$, GLM-4.5
#   ($D = 5120$, $N = 96$, $H = 128$) in one wider than $D$.
# - **Sinks and biases.** gpt-oss gives every head of every layer one learned *sink* logit (a slot a query can put
#   attention weight on instead of a real token), biases on $q, k, v, o$, on each expert and on the router.
# - **Local attention.** A *sliding window* lets a layer's queries see only the last $T_\text{win}$ tokens: Mistral and Phi-3
#   on every layer, gpt-oss on every other one, Gemma 3 on five layers in six. Llama 4 Scout's *chunked* layers
#   (three in four) see only their own block of 8192 tokens. No parameters; fewer score FLOPs at long context
#   (chapter 2).
# - **NoPE and partial rotary.** SmolLM3 and Llama 4 skip RoPE on every fourth layer; GLM-4.5 rotates half of each
#   head. No parameters, no matmuls.
# - **MoE layouts.** Shared experts that every token runs (DeepSeek-V2, GLM-4.5, Llama 4), leading dense layers
#   (DeepSeek-V2's first, GLM-4.5's first three), MoE on every other layer only (Llama 4 Maverick's
#   `interleave_moe_layer_step: 2`; Scout has it on every layer), one routed expert per token (Llama 4).
# - **MLA without query compression.** DeepSeek-V2-Lite's `q_lora_rank` is null: one $D \times N(d_n + d_r)$ query
#   projection instead of the bottleneck of section 2.
#
# The cell switches each feature off on a model that has it (`replace`) and prints what the feature adds, in
# parameters and in forward matmul FLOPs per token at $T = 32768$ with a kernel that skips masked pairs (norms,
# sinks and bias additions are not matmuls):

# %%
T_new = 32768
features = [("qwen3-8b", tr("per-head q/k norms", "逐头的 q/k 归一化"), dict(qk_norm="none")),
            ("olmo-2-7b", tr("full-width q/k norms", "整个查询/键的 q/k 归一化"), dict(qk_norm="none")),
            ("gemma-3-27b", tr("post-norms (4 a layer, not 2)", "后置归一化（每层 4 个而不是 2 个）"),
             dict(norms_per_layer=2)),
            ("gpt-oss-120b", tr("attention sinks", "注意力汇聚点"), dict(attention_sinks=False)),
            ("gpt-oss-120b", tr("q/k/v/o biases", "q/k/v/o 偏置"), dict(qkv_bias=False, o_bias=False)),
            ("gpt-oss-120b", tr("expert and router biases", "专家和路由器的偏置"),
             dict(expert_bias=False, router_bias=False)),
            ("glm-4.5", tr("q/k/v biases", "q/k/v 偏置"), dict(qkv_bias=False)),
            ("llama-4-scout-17b-16e", tr("the shared expert", "共享专家"), dict(F_shared=0)),
            ("gemma-3-27b", tr("sliding windows", "滑动窗口"), dict(layer_types=(), sliding_window=0)),
            ("llama-4-scout-17b-16e", tr("chunked attention", "分块注意力"), dict(layer_types=(), attention_chunk_size=0))]
print(tr(f"{'model':<23}{'feature':<31}{'parameters':>15}{'share':>10}{'FLOPs/token':>17}",
         f"{'模型':<21}{'参数量':>12}{'占比':>8}{'每 token FLOPs':>16}  特性"))
for name, what, off in features:
    c = preset(name)
    without = c.replace(**off)
    added = param_count(c) - param_count(without)
    per_token = (llmcalc.forward_flops(c, 1, T_new) - llmcalc.forward_flops(without, 1, T_new)) // T_new
    print(tr(f"{name:<23}{what:<31}{added:>15,}{100 * added / param_count(c):>9.4f}%{per_token:>17,}",
             f"{name:<23}{added:>15,}{100 * added / param_count(c):>9.4f}%{per_token:>17,}  {what}"))

# %% [markdown]
# Norms, sinks and biases are rounding errors in the count and cost no matmul. The shared expert is a real slice of
# Llama 4 Scout, and every token runs it. Local attention adds nothing at all to the count, but *removes* score
# FLOPs (the negative entries): chapter 2 counts them.
#
# Fused projections change nothing, a head width other than $D/N$ changes the attention block's size, and a
# query bottleneck pays only when the full query projection is large:

# %%
phi = preset("phi-3-mini-4k")
as_llama = ModelConfig(L=phi.L, D=phi.D, F=phi.F, N=phi.N, K=phi.K, V=phi.V)
print(tr(f"Phi-3-mini, fused qkv_proj and gate_up_proj: {param_count(phi):,}; separate projections: {param_count(as_llama):,}",
         f"Phi-3-mini，融合的 qkv_proj 和 gate_up_proj：{param_count(phi):,}；分开的投影：{param_count(as_llama):,}"))
for name in ("qwen3-8b", "gemma-3-27b"):
    c = preset(name)
    print(tr(f"{name:<12} D = {c.D}, N·H = {c.N} x {c.H} = {c.N * c.H} (D/N = {c.D / c.N:.4g}); "
             f"attention per layer {params.attention_params_per_layer(c):,}",
             f"{name:<12} D = {c.D}，N·H = {c.N} × {c.H} = {c.N * c.H}（D/N = {c.D / c.N:.4g}）；"
             f"每层注意力 {params.attention_params_per_layer(c):,}"))
for name, rank in (("deepseek-v2-lite", 1536), ("deepseek-v2", None)):
    c = preset(name)
    print(tr(f"{name:<17} q_lora_rank {str(c.q_lora_rank):>5}: attention per layer {params.attention_params_per_layer(c):>12,}; "
             f"with q_lora_rank {str(rank):>5}: {params.attention_params_per_layer(c.replace(q_lora_rank=rank)):>12,}",
             f"{name:<17} q_lora_rank {str(c.q_lora_rank):>5}：每层注意力 {params.attention_params_per_layer(c):>12,}；"
             f"q_lora_rank 改为 {str(rank):>5}：{params.attention_params_per_layer(c.replace(q_lora_rank=rank)):>12,}"))

# %% [markdown]
# Side by side (`params_table` gives the shares of each component in %):

# %%
new_models = ["qwen3-8b", "qwen3-235b-a22b", "gemma-3-27b", "gpt-oss-120b", "llama-4-scout-17b-16e", "phi-3-mini-4k",
              "olmo-2-7b", "deepseek-v2", "deepseek-v2-lite", "glm-4.5", "glm-4.5-air", "smollm3-3b"]
print(tables.params_table(new_models).to_string(formatters={"params": "{:,}".format, "active": "{:,}".format}))

# %% [markdown]
# The names round these counts: Qwen3-235B-A22B's total and active counts are the 235 and 22 billion of its name.
# gpt-oss-120b has fewer than 120 billion, and Llama 4 Scout's "17B" is its active count; the language model printed
# here leaves out its vision encoder.
#
# **Question:** gpt-oss-120b routes each token to 4 of its 128 experts per layer. How many parameters does one
# token use, if you leave out the embedding table (a lookup, not a matmul), and what share of the model is that?
# And how many parameters do all its sinks and biases add together? Give the counts as a count of parameters.
#
# <details><summary>Show answer</summary>
#
# Per token: attention, norms, routers and the unembedding in full, plus 4 experts of $3DF_e + 2F_e + D$ in each of
# the 36 layers. The sinks are $N$ per layer; the biases $NH + 2KH + D$ in attention, $E(2F_e + D)$ on the experts
# and $E$ on the router, per layer. The cell prints both; the active share is a few percent, the sinks and biases
# far less than a tenth of a percent.
#
# </details>

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:gpt_oss.active_params_no_embedding", "check:gpt_oss.sinks_and_biases"]
# Answer (click to reveal) · 答案(点击展开)
oss = preset("gpt-oss-120b")
oss_active = active_param_count(oss, include_embedding=False)
oss_plain = oss.replace(attention_sinks=False, qkv_bias=False, o_bias=False, expert_bias=False, router_bias=False)
print(tr(f"active without the embedding table: {oss_active:,} = {100 * oss_active / param_count(oss):.2f}% of {param_count(oss):,}",
         f"不算嵌入表的激活参数：{oss_active:,}，占 {param_count(oss):,} 的 {100 * oss_active / param_count(oss):.2f}%"))
print(tr(f"sinks and biases: {param_count(oss) - param_count(oss_plain):,}",
         f"汇聚点和偏置：{param_count(oss) - param_count(oss_plain):,}"))

# %% [markdown]
# ## 13. Explorer
#
# Pick a preset, then move the sliders: the exact count and the share of each component update. Try
# lowering $K$ from 64 to 8 on `llama-65b`, or setting $E = 0$ on `mixtral-8x7b`. (If a combination is
# impossible — $K$ not dividing $N$, say — the explorer shows the library's error instead of a number.)

# %% tags=["nbval-ignore-output", "widget"]
ex = widgets.params_explorer("llama-3-70b")
ex.widget

# %%
ex.print_summary()

# %% [markdown]
# > **Takeaways**
# >
# > - Per layer: attention $DNH + 2DKH + NHD$ (plus biases), gated MLP $3DF$, norms $D$ each; per model:
# >   embedding $VD$, LM head $VD$ unless tied, one final norm.
# > - The MLP dominates dense models (§3 and the share table of §10); GQA cuts attention's share; the vocabulary
# >   matters only for small models.
# > - Hand counts drift through rounding: the exact LLaMA 3-70B count of §3 is not the book's "70.4B"; for the last
# >   digit, count with `param_count`.
# > - $2VD + D + L(4D^2 + 3DF + 2D)$ is exact only for MHA, untied, bias-free, dense LLaMA-1-style models.
# > - MoE models have two sizes: total (memory) and active (compute per token), far apart for Mixtral (§6) and
# >   DeepSeek-V3 (§7).
# > - Newer features (§12) are cheap in parameters: q/k norms ($2H$ or $(N + K)H$ a layer), sinks ($N$), biases,
# >   post-norms; fused projections change nothing; shared experts and the head width change real blocks; sliding
# >   windows and chunks change no parameter, only score FLOPs.
# > - Read any supported `config.json` with `ModelConfig.from_hf` / `from_json_file`; never trust a name like
# >   "8x7B" over a count.

# %% [markdown]
# ## Exercises
#
# **Question 1:** LLaMA 3.1-405B has $L = 126$, $D = 16384$, $F = 53248$, $N = 128$, $K = 8$, $H = 128$,
# $V = 128256$, untied. Count its MLP, attention and vocabulary parameters by hand, then exactly,
# and the total (each as a count of parameters).
#
# <details><summary>Show answer</summary>
#
# MLP $3DFL = 3 \cdot 16384 \cdot 53248 \cdot 126$; attention
# $L(2DNH + 2DKH) = 126\,(2 \cdot 16384 \cdot 16384 + 2 \cdot 16384 \cdot 1024)$; vocabulary
# $2VD = 2 \cdot 128256 \cdot 16384$. The cell prints each, and adds the $(2L + 1)D$ norm weights for the exact count.
#
# </details>

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.mlp_params", "check:405b.attention_params", "check:405b.vocab_params", "check:405b.params"]
# Answer (click to reveal) · 答案(点击展开)
big = preset("llama-3.1-405b")
bb = param_breakdown(big)
for name, n in {"MLP": bb["mlp"], tr("attention", "注意力"): bb["attention"],
                tr("vocabulary", "词表"): bb["embedding"] + bb["lm_head"], tr("norms", "归一化层"): bb["norms"]}.items():
    print(tr(f"{name:<11}{n:>18,}  {100 * n / param_count(big):5.1f}%",
             f"{n:>18,}  {100 * n / param_count(big):5.1f}%  {name}"))
print(tr(f"{'total':<11}{param_count(big):>18,}  ({fmt_count(param_count(big))})",
         f"{param_count(big):>18,}  合计（{fmt_count(param_count(big))}）"))

# %% [markdown]
# **Question 2:** Gemma-2-9B ties its LM head to its embedding. How many parameters would an untied head
# add (as a count of parameters), and what fraction of the tied model is that (as a fraction, e.g. 0.125
# (not 12.5%))?
#
# <details><summary>Show answer</summary>
#
# An untied head is one more $V \times D = 256000 \times 3584$ matrix. The cell prints its size and its share of
# the model; the share is large because Gemma's vocabulary is large and the model small.
#
# </details>

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:gemma2.tying_saves", "check:gemma2.untied_head_fraction"]
# Answer (click to reveal) · 答案(点击展开)
g = preset("gemma-2-9b")
saved = param_count(g.replace(tied_embeddings=False)) - param_count(g)
print(tr(f"tying saves {saved:,} parameters = {100 * saved / param_count(g):.1f}% of the tied model",
         f"共享省下 {saved:,} 个参数，占共享时模型的 {100 * saved / param_count(g):.1f}%"))

# %% [markdown]
# **Question 3:** What fraction of Mixtral-8x7B's parameters does one token use (as a fraction, e.g.
# 0.125 (not 12.5%))? Why is it not simply
# $k/E = 2/8 = 25\,\%$?
#
# <details><summary>Show answer</summary>
#
# A little above a quarter: attention, embeddings, the LM head, norms and routers are used by every token;
# only the experts are used at the rate $k/E$. The cell prints the fraction and the fraction of the expert
# parameters alone.
#
# </details>

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:mixtral.active_fraction"]
# Answer (click to reveal) · 答案(点击展开)
m = preset("mixtral-8x7b")
bm = param_breakdown(m)
active_experts = active_param_count(m) - (param_count(m) - bm["experts"])
print(tr(f"active / total = {active_param_count(m):,} / {param_count(m):,} = {active_param_count(m) / param_count(m):.1%}",
         f"激活参数 / 总参数 = {active_param_count(m):,} / {param_count(m):,} = {active_param_count(m) / param_count(m):.1%}"))
print(tr(f"experts alone: {active_experts / bm['experts']:.1%} (= k/E)",
         f"仅就专家而言：{active_experts / bm['experts']:.1%}（= k/E）"))

# %% [markdown]
# **Question 4:** LLaMA-2-70B uses GQA with $K = 8$ key/value heads for its $N = 64$ query heads. How many
# attention parameters does one layer have, and how many would it have with ordinary multi-head attention
# ($K = N$)? How many more parameters would the whole model have with it? Give each as a count of
# parameters.
#
# <details><summary>Show answer</summary>
#
# Per layer $DNH + 2DKH + NHD = 2D^2 + 2D \cdot KH$ with $D = NH = 8192$: with $K = 8$ that is
# $2D^2 + 2D \cdot 1024$, with $K = 64$ it is $4D^2$. GQA removes $2D(D - KH)$ per layer, $L$ times over.
#
# </details>

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:l2_70b.gqa_attention_params_per_layer", "check:l2_70b.mha_attention_params_per_layer", "check:l2_70b.mha_extra_params"]
# Answer (click to reveal) · 答案(点击展开)
l2 = preset("llama-2-70b")
l2_mha = l2.replace(K=l2.N)
gqa_layer, mha_layer = params.attention_params_per_layer(l2), params.attention_params_per_layer(l2_mha)
print(tr(f"per layer: GQA (K={l2.K}) {gqa_layer:,}   MHA (K={l2_mha.K}) {mha_layer:,}   ratio {gqa_layer / mha_layer:.3f}",
         f"每层：GQA（K={l2.K}）{gqa_layer:,}   MHA（K={l2_mha.K}）{mha_layer:,}   比值 {gqa_layer / mha_layer:.3f}"))
print(tr(f"whole model: {param_count(l2):,} with GQA, {param_count(l2_mha):,} with MHA "
         f"(+{param_count(l2_mha) - param_count(l2):,})",
         f"整个模型：GQA 时 {param_count(l2):,}，MHA 时 {param_count(l2_mha):,}"
         f"（+{param_count(l2_mha) - param_count(l2):,}）"))

# %% [markdown]
# **Question 5:** GLM-4.5 has $D = 5120$ but $N = 96$ query heads of width $H = 128$ and $K = 8$ key/value heads,
# with biases on $q$, $k$ and $v$ (not on $o$) and per-head q/k norms. How many attention parameters does one layer
# hold (as a count of parameters), and how does its attention width $NH$ compare with $D$?
#
# <details><summary>Show answer</summary>
#
# $W_Q$ is $D \times NH$, $W_K$ and $W_V$ are $D \times KH$, $W_O$ is $NH \times D$; add $NH + 2KH$ biases and $2H$
# norm weights. Here $NH$ is larger than $D$, so Q and O are wider than in a model with $H = D/N$. The cell prints
# the count and both widths.
#
# </details>

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:glm45.attention_params_per_layer"]
# Answer (click to reveal) · 答案(点击展开)
glm = preset("glm-4.5")
print(tr(f"attention per layer: {params.attention_params_per_layer(glm):,}; N·H = {glm.N * glm.H} vs D = {glm.D}",
         f"每层注意力：{params.attention_params_per_layer(glm):,}；N·H = {glm.N * glm.H}，而 D = {glm.D}"))
