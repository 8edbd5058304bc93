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
# # 第 1 章 参数都在哪里
#
# 本章所有数字的出处：[参考文献](../../docs/references.zh.md)。
#
# 全书记号：[记号表](../../docs/notation.zh.md)。
#
# 这本练习册后面的每一章，都从同一个数出发：模型有多少参数 $P$。每个 token 的 FLOPs 大约是 $6P$，优化器状态（optimizer state）大约占 $16P$ 字节，需要多少张卡又由这两者共同决定。所以我们先把参数*精确地*数清楚，并且弄明白 transformer 里到底是哪些部件在“装”这些参数。
#
# **学完本章，你将能够**
#
# - 从模型的 `config.json` 里读出它的形状（$L, D, F, N, K, H, V$，混合专家模型还有 $E, k$）；
# - 对任意一个仅解码器（decoder-only）的 transformer，写出它的嵌入层、注意力、MLP、归一化层和专家各有多少参数——包括分组查询注意力、偏置、共享嵌入、MoE 和 MLA 这些情况，以及较新的 q/k 归一化、注意力 sink、共享专家和滑动窗口（Qwen3、Gemma 3、gpt-oss、Llama 4……）；
# - 花一分钟手算核对一个公开的模型规模（LLaMA 3-70B、Mixtral、DeepSeek-V3、GPT-3……），再用 `llmcalc` 算出精确值；
# - 判断教科书上的闭式公式，比如 $2VD + D + L(4D^2 + 3DF + 2D)$，什么时候成立、什么时候不成立。
#
# **符号表**（全书各章通用，沿用 *How To Scale Your Model* 的记法）：
#
# | 符号 | 含义 | Hugging Face `config.json` 中的字段 |
# |---|---|---|
# | $L$ | transformer 层数 | `num_hidden_layers` |
# | $D$ | 模型（隐藏层）宽度，$d_\text{model}$ | `hidden_size` |
# | $F$ | MLP 宽度，$d_\text{ff}$ | `intermediate_size` |
# | $N$ | 每层的查询头（query head）数 | `num_attention_heads` |
# | $K$ | 每层的键/值头（key/value head）数（$K = N$ 即普通的多头注意力） | `num_key_value_heads` |
# | $H$ | 单个注意力头的宽度（配置未给出时为 $D/N$） | `head_dim` |
# | $V$ | 词表大小 | `vocab_size` |
# | $E$ | 每个 MoE 层的路由专家数 | `num_local_experts` / `n_routed_experts` |
# | $k$ | 每个 token 被路由到的专家数 | `num_experts_per_tok` |
# | $F_e$ | 单个专家的 MLP 宽度 | `moe_intermediate_size`（Mixtral 为 `intermediate_size`） |
# | $P$ | 参数量 |  |
# | $T_{\max}$ | 可学习位置编码表覆盖的最大序列长度 | `max_position_embeddings`（仅用于可学习位置编码） |
# | $r_q$, $r_{kv}$ | MLA：查询瓶颈的宽度、共享键/值潜向量的宽度 | `q_lora_rank`, `kv_lora_rank` |
# | $d_n$, $d_r$, $d_v$ | MLA：每个头不含旋转部分的查询/键宽度、旋转键的宽度、值的宽度 | `qk_nope_head_dim`, `qk_rope_head_dim`, `v_head_dim` |
#
# 关于资料来源，先提个醒：第 4 节引用的大学课程讲义《预训练之训练技术》（《大语言模型》编写团队的唐天一所作）用 $H$ 表示隐藏层宽度，用 $H'$ 表示 MLP 宽度。本书里这两个量分别是 $D$ 和 $F$；$H$ 永远指*单个头*的宽度。读讲义时请自己换一下符号，别混了。另见[其他资料的记号](../../docs/notation.zh.md#other-notations)。

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
llmcalc.i18n.use("zh")  # the edition's language for explorer labels and plot titles

# %% [markdown]
# ## 1. 从配置文件读出符号表
#
# 模型的形状写在它的 Hugging Face `config.json` 里。`llmcalc` 自带了一些知名模型的配置作为预设（preset），并把它们读成用本书符号表示的 `ModelConfig`。下面是 LLaMA 3-70B——*How To Scale Your Model*（Austin 等，Google DeepMind）第 6 部分“在 TPU 上训练 LLaMA 3”正是拿它来手算规模的（我们读的是它的中文译本）：

# %%
cfg = preset("llama-3-70b")
hf = llmcalc.preset_hf_config("llama-3-70b")
fields = {"L": "num_hidden_layers", "D": "hidden_size", "F": "intermediate_size", "N": "num_attention_heads",
          "K": "num_key_value_heads", "H": "head_dim", "V": "vocab_size"}
for sym, key in fields.items():
    raw = hf.get(key, tr("(absent: D/N)", "（未给出：D/N）"))
    print(f"{sym} = {getattr(cfg, sym):>7,}   config.json {key}: {raw}")

# %% [markdown]
# 这些数和书中表格里的一致。注意，有的配置文件里没有 `head_dim` 这一项，这时 $H = D/N$（这里是 $8192/64 = 128$）。也有模型会显式地把它设成别的值——后面的 Gemma-2 就是一例。
#
# ## 2. 参数都在哪里
#
# 一个仅解码器的 transformer 由这几部分组成：一张嵌入表，$L$ 个结构相同的块（先是注意力，再是 MLP，二者前面各有一个归一化层），一个最终归一化层，以及一个输出投影（也叫 *LM 头*，LM head）。下面逐个部件数一遍，每个只数一次。
#
# **嵌入（embedding）。** token 嵌入表是 $V \times D$。LM 头是另一个 $D \times V$ 矩阵——除非模型把它和嵌入表*共享*（tied embeddings，如 Gemma、GPT-2/3），那样它就不额外占参数。使用*可学习*位置编码（learned positions）的模型（GPT-2/3）还要再加一张 $T_{\max} \times D$ 的位置表；旋转位置编码（RoPE）则不带任何参数。
#
# $$P_\text{emb} = VD\;(+\,VD \text{ if untied})\;(+\,T_{\max} D \text{ if learned positions})$$
#
# **分组查询注意力（grouped-query attention，GQA）。** 有 $N$ 个宽度为 $H$ 的查询头，但键/值头只有 $K$ 个，由若干查询头分组共用。各投影矩阵的形状是 $W_Q: D \times NH$，$W_K, W_V: D \times KH$，$W_O: NH \times D$：
#
# $$P_\text{attn} = \underbrace{DNH}_{Q} + \underbrace{2DKH}_{K,\,V} + \underbrace{NHD}_{O}
# \;\;(+\,NH + 2KH \text{ if } q,k,v \text{ have biases})\;(+\,D \text{ if } o \text{ has one}).$$
#
# 当 $K = N$ 且 $NH = D$ 时，它就退回到大家熟悉的 $4D^2$。
#
# **门控 MLP（gated MLP，SwiGLU/GeGLU）。** 有三个矩阵：门控（gate）和上投影（up）都是 $D \times F$，下投影（down）是 $F \times D$，所以 $P_\text{mlp} = 3DF$。普通的 GELU MLP（GPT 系列）只有两个矩阵：$2DF$，再加上偏置 $F + D$。
#
# **归一化层（norm）。** RMSNorm 只有一个长度为 $D$ 的权重；LayerNorm 有权重和偏置，共 $2D$。LLaMA 每层 2 个，再加一个最终归一化层，合计 $(2L + 1)D$；Gemma-2 每层有 4 个。
#
# **混合专家（mixture of experts，MoE）。** 在 MoE 层里，MLP 被换成一个路由器（router，$E \times D$）和 $E$ 个专家，每个专家都是宽度为 $F_e$ 的门控 MLP；有些模型还另设所有 token 都会用到的共享专家（shared experts）。*总*参数量要把全部 $E$ 个专家都算上；而对单个 token 而言，*激活*的参数只包括它被路由到的那 $k$ 个专家：
#
# $$P_\text{MoE layer} = ED + E\cdot 3DF_e + 3DF_\text{shared}, \qquad
# P^\text{active}_\text{MoE layer} = ED + k\cdot 3DF_e + 3DF_\text{shared}.$$
#
# **多头潜在注意力（multi-head latent attention，MLA，DeepSeek-V2/V3）。** 查询先经过一个秩为 $r_q$ 的低秩瓶颈；键和值共用一个宽度为 $r_{kv}$ 的潜在向量，外加一个宽度为 $d_r$ 的旋转位置键。每个头的查询/键宽度是 $d_n + d_r$，值的宽度是 $d_v$：
#
# $$P_\text{MLA} = \underbrace{Dr_q + r_q + r_q N(d_n + d_r)}_{\text{query path}}
# + \underbrace{D(r_{kv} + d_r) + r_{kv} + r_{kv}N(d_n + d_v)}_{\text{key/value path}} + \underbrace{N d_v D}_{O}$$
#
# （式中单独出现的 $r_q$ 和 $r_{kv}$，是两个瓶颈内部那两个小 RMSNorm 的权重。）
#
# `llmcalc.param_breakdown` 会按部件把上面这些全部加起来；每一项都与用同一份配置构建的 transformers 模型的 `sum(p.numel())` 完全相等。

# %% [markdown]
# ## 3. 手算 LLaMA 3-70B
#
# **问题（Question）：** 已知 $L = 80$，$D = 8192$，$F = 28672$，$N = 64$，$K = 8$，$H = 128$，$V = 128256$，请估算 MLP、注意力和词表（嵌入加 LM 头）各有多少参数。它真的有 700 亿（70B）参数吗？哪一部分最大？
#
# <details><summary>显示答案</summary>
#
# 这正是 *How To Scale Your Model* 自己给出的表：
#
# | 部分 | 公式 | 书中的值 |
# |---|---|---|
# | MLP | $3DFL = 3 \times 8192 \times 28672 \times 80$ | 56.3 B |
# | 注意力 | $L(2DNH + 2DKH) = 80\,(2 \cdot 8192 \cdot 64 \cdot 128 + 2 \cdot 8192 \cdot 8 \cdot 128)$ | 12.0 B |
# | 词表 | $2VD = 2 \times 128256 \times 8192$ | 2.1 B |
# | 合计 | | 70.4 B |
#
# 书中说 MLP 占 80 %，注意力占 17 %，词表占 3 %。下一个单元会打印精确值——你会看到，书中的 70.4 B 其实是几个*向下*取整后的部分相加得到的。
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
# 可见书的思路是对的，只是最后一位有点偏差：它把每一部分的小数都直接舍掉了（中文译本以 $10^8$，即亿为单位：563 + 120 + 21 = 704），两个大头各自因此丢掉了将近一个单位。不取整的各部分加起来就是上面打印的那个和；再补上手算时略去的 $(2L+1)D$ 个归一化权重，就与精确总数分毫不差。书中 80 / 17 / 3 % 的比例依然成立，对照占比（share）一列就能看到。
#
# 下面是 `llmcalc` 记录的完整分解：

# %%
tables.breakdown_table(cfg)

# %% [markdown]
# ## 4. 课程讲义的公式：LLaMA-7B 与 LLaMA-65B
#
# 课程讲义是这样数 LLaMA 的参数的（这里改写成本书的符号：讲义用 $H$ 表示 $D$，用 $H'$ 表示 $F$）：
#
# $$P = \underbrace{2VD}_{\text{embedding + head}} + \underbrace{D}_{\text{final norm}} + L\big(\underbrace{4D^2}_{\text{attention}} + \underbrace{3DF}_{\text{MLP}} + \underbrace{2D}_{\text{norms}}\big).$$
#
# 讲义给出 LLaMA-7B（$V = 32000$，$L = 32$，$D = 4096$，$F = 11008$）为 6,738,415,616，LLaMA-65B（$L = 80$，$D = 8192$，$F = 22016$）为 65,285,660,672。`llmcalc.params.slide_formula_count` 就是这个公式；LLaMA-1 7B 和 LLaMA-2-7B 的形状完全相同，所以这里用 `llama-2-7b` 预设来代表它。

# %%
for name in ("llama-2-7b", "llama-65b"):
    c = preset(name)
    print(tr(f"{name:<11} slide formula {params.slide_formula_count(c):>16,}   exact {param_count(c):>16,}",
             f"{name:<11} 讲义公式 {params.slide_formula_count(c):>16,}   精确值 {param_count(c):>16,}"))

# %% [markdown]
# 两者都与讲义一位不差。这个公式对这两个模型之所以精确，是因为它们用的是普通多头注意力（multi-head attention，MHA；$K = N$，$NH = D$）、不共享的嵌入、不带偏置、RMSNorm，以及稠密（dense）的门控 MLP。只要其中任何一条变了，公式就不再精确：

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
# **问题（Question）：** 为什么讲义公式会高估 LLaMA 3-70B 的参数？具体多算了多少（写成参数个数）？
#
# <details><summary>显示答案</summary>
#
# $4D^2$ 这一项默认键、值投影都是 $D \times D$ 的。用了 GQA 之后，它们其实是 $D \times KH$，而 $KH = 8 \times 128 = 1024$，$D = 8192$。于是每层多算了 $2D(D - KH)$，整个模型多算了 $2LD(D - KH)$。下一个单元会验证：这一项恰好解释了全部差距。
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
# ## 5. Qwen2-72B:q、k、v 带偏置
#
# Qwen2 的形状和 LLaMA 一样，区别在于它的查询、键、值投影都带偏置（bias），$o$ 投影则没有。这样每层多出 $NH + 2KH$ 个参数——确实存在，但和权重矩阵相比微不足道：

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
# ## 6. Mixtral-8x7B：总参数与激活参数
#
# Mixtral 的形状与 LLaMA/Mistral-7B 相同（$D = 4096$，$L = 32$，$N = 32$，$K = 8$），但每个 MLP 都换成了 $E = 8$ 个宽度为 $F = 14336$ 的专家，每个 token 被路由到其中 $k = 2$ 个。Yang Lewis 的《大模型多卡训练笔记》估计单个专家约 $1.76 \times 10^8$ 个参数，路由器每层约 $D \times E = 4\text{k} \times 8 = 32\text{k}$ 个参数（32 层加起来“百万级”）。
#
# 顺带说一下单位。下一个单元把单个专家的 bf16 权重换算成了 GB：本书的 GB 一律指 $10^9$ 字节，$2^{30}$ 字节则写作 GiB，两者从不混用。那份笔记开头把 1 GB 定义成 1024 MB，也就是 $2^{30}$ 字节——那其实是 GiB。我们不这样用，因为参数量、FLOPs、带宽（GB/s）这些量用的都是十进制前缀，字节数也按 $10^9$ 计才能直接相乘相除；一旦在同一笔账里混用两种 GB，结果就会悄悄偏掉几个百分点，而且很难查出来。

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
# “8x7B” 这个名字让人以为有 8 × 70 亿 = 560 亿个参数，但各专家共用注意力、嵌入和归一化层，所以上面打印的总参数远不到这个数；而一个 token 在每层只经过 8 个专家中的 2 个，所以它实际用到的只有激活参数那一行。也就是说，它每个 token 的*算力*（计算量）相当于一个激活参数那么大的稠密模型，*显存*占用却相当于一个总参数那么大的稠密模型——第 2 章和第 3 章都要用到这个区别。
#
# ## 7. DeepSeek-V3:MLA、共享专家与路由专家、三个稠密层
#
# DeepSeek-V3 把第 2 节讲到的东西全用上了。它共有 $L = 61$ 层，前 3 层保留宽度 $F = 18432$ 的稠密 MLP；其余 58 层各有一个路由器、$E = 256$ 个宽度为 2048 的路由专家（每个 token 用 $k = 8$ 个）和一个宽度为 2048 的共享专家。注意力用的是 MLA。DeepSeek-V3 的 README 给出的是总参数 6,710 亿（671B）、激活参数 370 亿（37B）。

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
# 上面打印的总数四舍五入后正好是公布的 6,710 亿（README 的统计没有包括单独的多 token 预测（multi-token prediction）模块，这里也没有）。README 说的 “37B” 激活参数，正好落在打印出的两个激活参数之间（一个算上 token 嵌入表，一个不算）。路由专家几乎装下了全部参数，但每个 token 只用到其中的 $8/256$。
#
# MLA 能省多少参数？我们拿一个 MLA 块，和同样有 $N = 128$ 个宽度为 128 的头的普通多头注意力比一比（后者是用 `ModelConfig` 搭出来的一个假想模型）：

# %%
mha = ModelConfig(L=ds.L, D=ds.D, F=ds.F, N=ds.N, V=ds.V, H=128)
print(tr(f"MLA attention per layer: {params.attention_params_per_layer(ds):>12,}",
         f"MLA 每层注意力：        {params.attention_params_per_layer(ds):>12,}"))
print(tr(f"MHA, 128 heads x 128:    {params.attention_params_per_layer(mha):>12,}",
         f"MHA，128 个头 × 128：   {params.attention_params_per_layer(mha):>12,}"))
print(tr(f"ratio: {params.attention_params_per_layer(ds) / params.attention_params_per_layer(mha):.2f}",
         f"比值：{params.attention_params_per_layer(ds) / params.attention_params_per_layer(mha):.2f}"))

# %% [markdown]
# （MLA 最大的好处其实是推理时 KV 缓存（KV cache）很小；注意力参数变少只是顺带的收获。）还有一个怪癖要知道：DeepSeek 的配置把 `head_dim` 设成了旋转位置部分的宽度 64，所以下面表格里 `ds.H` 显示为 64；但在 MLA 下，它不参与任何参数计数——每个头的查询/键宽度是 $d_n + d_r$。
#
# ## 8. Gemma-2-9B:$H \ne D/N$、共享嵌入、每层四个归一化层
#
# Gemma-2-9B 的 $D = 3584$，$N = 16$，可它的配置没有取 $D/N$，而是把 `head_dim` 设成了 256，于是注意力内部是在宽度为 $NH$ 的空间里计算的，比 $D$ 还宽（下面的单元把这两个宽度都打印了出来）。它的 LM 头与嵌入表共享，而且每层有四个 RMSNorm（注意力前后各一个，MLP 前后各一个）。

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
# ## 9. GPT-3 175B：老一代的配方
#
# GPT-3 沿用 GPT-2 的架构：可学习的位置嵌入（$T_{\max} = 2048$）、带偏置的 LayerNorm、每个线性层都带偏置、$F = 4D$ 的普通 GELU MLP，以及共享的嵌入。
#
# **问题（Question）：** 已知 $L = 96$，$D = 12288$，GPT 类模型常用的估算式 $12LD^2$（每层注意力 $4D^2$ + MLP $8D^2$）等于多少？嵌入、偏置和归一化层又额外贡献了多少？两者都写成参数个数。
#
# <details><summary>显示答案</summary>
#
# $12 \times 96 \times 12288^2$：各层的权重矩阵几乎就是模型的全部。token 表和位置表再加上 $(V + T_{\max})D$，偏置和 LayerNorm 又多出一点。下面的单元会逐项打印；所谓 “175B”，就是它打印出的精确总数四舍五入后的结果。
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
# ## 10. 知名模型横向对比
#
# `tables.shape_table` 列出若干预设模型的符号表，`tables.params_table` 给出它们精确的总参数与激活参数，以及各部件所占的比例（%），`plots.param_shares` 则把这些比例画成图。

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
# 看各部件的占比列，有三个规律值得留意。在稠密模型里，MLP 占了大部分参数；用了 GQA 的模型（LLaMA-2-70B 及之后），注意力的占比比普通多头注意力的模型（LLaMA-2-7B、LLaMA-65B）小得多。词表只有在“小模型配大词表”时占比才大（LLaMA 3-8B、Gemma-2）。而在 MoE 模型里，路由专家几乎就是一切。
#
# ## 11. 读取任意 `config.json`
#
# 任何受支持的 `config.json` 都可以直接读取，无需下载任何东西：把字典传给 `ModelConfig.from_hf`，或者把文件路径传给 `ModelConfig.from_json_file`。文件里的任何内容都不会被执行；只有 `llmcalc.SUPPORTED_MODEL_TYPES`（下面会打印出来）里列出的 `model_type` 才会被读取。
#
# 举个例子：下面是 TinyLlama-1.1B 的形状，这是一个使用 GQA（$K = 4$）的小型 LLaMA。我们把它写进一个临时文件夹，再读回来：

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
# 如果遇到读不了的配置，读取函数会直接拒绝并说明原因，而不是给出一个错误的参数量：

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
# ## 12. 新一代模型：每个新特性要花多少
#
# 预设里还收录了如今最常用的一批开放模型，和前面的模型一样从各自的 `config.json` 读入：Qwen3-8B 和 Qwen3-235B-A22B、Gemma 3 27B、gpt-oss-120b、Llama 4 Scout、Phi-3-mini、OLMo 2 7B、DeepSeek-V2 与 V2-Lite、GLM-4.5 与 GLM-4.5-Air、SmolLM3-3B（每个形状的出处见 `llmcalc.models.PRESET_SOURCES`）。每个参数量都与 transformers 自己搭出来的模型的 `sum(p.numel())` 一致。它们的不同之处在于：
#
# - **q/k 归一化。** Qwen3、Gemma 3 和 GLM-4.5 对每个查询头和键头各做一次 RMSNorm，所有头共用一个 $H$ 宽的权重：每层 $2H$。OLMo 2 对整个查询（$NH$ 宽）和整个键（$KH$ 宽）做归一化：每层 $(N + K)H$。
# - **后置归一化。** Gemma 2 和 3 在注意力和 MLP 的前面*和*后面各放一个归一化层：每层四个 $D$ 宽的归一化层。OLMo 2 把它的两个归一化层挪到了子层之后：个数与 LLaMA 相同。
# - **融合投影。** Phi-3 把 $W_Q, W_K, W_V$ 存成一个 `qkv_proj`，把 gate 和 up 存成一个 `gate_up_proj`：权重一样，参数量也一样。
# - **$H \ne D/N$。** Gemma 3 27B（$D = 5376$，$N = 32$，$H = 128$）的注意力空间比 $D$ 窄，GLM-4.5（$D = 5120$，$N = 96$，$H = 128$）的比 $D$ 宽。
# - **sink 与偏置。** gpt-oss 给每层的每个头一个可学习的 *sink* logit（注意力汇聚点，下面的输出里就这样称呼它；查询可以把注意力权重放在这个位置上，而不是放在某个真实 token 上），$q, k, v, o$ 带偏置，每个专家和路由器也带偏置。
# - **局部注意力。** *滑动窗口*让一层的查询只能看到最近的 $T_\text{win}$ 个 token：Mistral 和 Phi-3 每层都用，gpt-oss 隔层使用，Gemma 3 每六层里有五层使用。Llama 4 Scout 的*分块*层（每四层里有三层）只能看到自己那一块 8192 个 token。不增加参数；长上下文时分数 FLOPs 更少（见第 2 章）。
# - **NoPE 与部分旋转。** SmolLM3 和 Llama 4 每四层有一层不用 RoPE；GLM-4.5 只旋转每个头的一半。既不增加参数，也没有矩阵乘。
# - **MoE 的布局。** 每个 token 都要经过的共享专家（DeepSeek-V2、GLM-4.5、Llama 4），开头的稠密层（DeepSeek-V2 的第一层、GLM-4.5 的前三层），只在隔层放 MoE（Llama 4 Maverick 的 `interleave_moe_layer_step: 2`；Scout 每层都是 MoE），每个 token 只路由到一个专家（Llama 4）。
# - **不压缩查询的 MLA。** DeepSeek-V2-Lite 的 `q_lora_rank` 为 null：用一个 $D \times N(d_n + d_r)$ 的查询投影代替第 2 节里的瓶颈结构。
#
# 下面的单元在一个具备该特性的模型上把它关掉（`replace`），打印这个特性带来的参数，以及在 $T = 32768$、内核跳过被掩掉的位置对时，每个 token 前向矩阵乘 FLOPs 的变化（归一化、sink 和加偏置都不是矩阵乘）：

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
# 归一化、sink 和偏置在参数量里只是零头，也不花任何矩阵乘。共享专家则是 Llama 4 Scout 实打实的一块，而且每个 token 都要过它。局部注意力完全不增加参数，却能*省下*分数 FLOPs（表中的负数）：第 2 章会把它们数出来。
#
# 融合投影什么都不改变；头宽不等于 $D/N$ 会改变注意力块的大小；查询瓶颈只有在完整的查询投影很大时才划算：

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
# 横向对比（`params_table` 给出各部件所占的百分比）：

# %%
new_models = ["qwen3-8b", "qwen3-235b-a22b", "gemma-3-27b", "gpt-oss-120b", "llama-4-scout-17b-16e", "phi-3-mini-4k",
              "olmo-2-7b", "deepseek-v2", "deepseek-v2-lite", "glm-4.5", "glm-4.5-air", "smollm3-3b"]
print(tables.params_table(new_models).to_string(formatters={"params": "{:,}".format, "active": "{:,}".format}))

# %% [markdown]
# 模型名是这些数取整后的结果：Qwen3-235B-A22B 的总参数和激活参数正是名字里的 235B 和 22B，即 2,350 亿和 220 亿。gpt-oss-120b 不到 1,200 亿；Llama 4 Scout 名字里的 “17B” 是它的激活参数，这里打印的语言模型不含视觉编码器。
#
# **问题（Question）：** gpt-oss-120b 在每层把每个 token 路由到 128 个专家中的 4 个。如果不算嵌入表（它只是查表，不是矩阵乘），一个 token 用到多少参数，占整个模型多大比例？它所有的 sink 和偏置加起来又有多少参数？参数量都写成参数个数。
#
# <details><summary>显示答案</summary>
#
# 每个 token：注意力、归一化层、路由器和输出层全部用到，另外每层 4 个专家，每个 $3DF_e + 2F_e + D$，共 36 层。sink 每层 $N$ 个；偏置每层包括注意力的 $NH + 2KH + D$、专家的 $E(2F_e + D)$ 和路由器的 $E$。下面的单元把两者都打印出来；激活比例只有百分之几，sink 和偏置远不到千分之一。
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
# ## 13. 交互探索器（Explorer）
#
# 先选一个预设模型，再拖动滑块：精确的参数量和各部件的占比会随之更新。可以试试把 `llama-65b` 的 $K$ 从 64 降到 8，或者把 `mixtral-8x7b` 的 $E$ 设为 0。（如果组合不合法——比如 $K$ 不能整除 $N$——探索器会显示库给出的报错，而不是一个数。）

# %% tags=["nbval-ignore-output", "widget"]
ex = widgets.params_explorer("llama-3-70b")
ex.widget

# %%
ex.print_summary()

# %% [markdown]
# > **要点（Takeaways）**
# >
# > - 每层：注意力 $DNH + 2DKH + NHD$（另加偏置），门控 MLP $3DF$，每个归一化层 $D$；整个模型：嵌入 $VD$，LM 头 $VD$（共享时为零），外加一个最终归一化层。
# > - 稠密模型里 MLP 占大头（见第 3 节，以及第 10 节的占比表）；GQA 降低了注意力的占比；词表只对小模型才重要。
# > - 手算会因取整而产生偏差：第 3 节打印的 LLaMA 3-70B 精确参数量并不是书中的 “70.4B”；要精确到个位，就用 `param_count` 来数。
# > - $2VD + D + L(4D^2 + 3DF + 2D)$ 只对 MHA、不共享嵌入、无偏置、稠密的 LLaMA-1 式模型精确成立。
# > - MoE 模型有两个“大小”：总参数（决定显存）和激活参数（决定每个 token 的计算量）——Mixtral（第 6 节）和 DeepSeek-V3（第 7 节）的这两个数都相差很远。
# > - 新特性（第 12 节）在参数上都很便宜：q/k 归一化（每层 $2H$ 或 $(N + K)H$）、sink（$N$）、偏置、后置归一化；融合投影什么也不改变；共享专家和头宽改变的是实打实的模块；滑动窗口和分块不改变参数，只改变分数 FLOPs。
# > - 用 `ModelConfig.from_hf` / `from_json_file` 读取任何受支持的 `config.json`；永远别拿 “8x7B” 这样的名字当参数量，要以实际计数为准。

# %% [markdown]
# ## 练习（Exercises）
#
# **问题 1（Question 1）：** LLaMA 3.1-405B 的 $L = 126$，$D = 16384$，$F = 53248$，$N = 128$，$K = 8$，$H = 128$，$V = 128256$，嵌入不共享。先手算它的 MLP、注意力和词表参数，再求精确值和总数（都写成参数个数）。
#
# <details><summary>显示答案</summary>
#
# MLP $3DFL = 3 \cdot 16384 \cdot 53248 \cdot 126$；注意力
# $L(2DNH + 2DKH) = 126\,(2 \cdot 16384 \cdot 16384 + 2 \cdot 16384 \cdot 1024)$；词表
# $2VD = 2 \cdot 128256 \cdot 16384$。下面的单元逐项打印，再加上 $(2L + 1)D$ 个归一化权重，给出精确总数。
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
# **问题 2（Question 2）：** Gemma-2-9B 的 LM 头与嵌入表共享。如果不共享，会多出多少参数（写成参数个数）？占共享时整个模型的多大比例（写成小数，例如 0.125（而不是 12.5%））？
#
# <details><summary>显示答案</summary>
#
# 不共享的 LM 头就是再多一个 $V \times D = 256000 \times 3584$ 的矩阵。下面的单元打印它的大小，以及它占整个模型的比例；这个比例不小，因为 Gemma 的词表很大、模型本身却不大。
#
# </details>

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:gemma2.tying_saves", "check:gemma2.untied_head_fraction"]
# Answer (click to reveal) · 答案(点击展开)
g = preset("gemma-2-9b")
saved = param_count(g.replace(tied_embeddings=False)) - param_count(g)
print(tr(f"tying saves {saved:,} parameters = {100 * saved / param_count(g):.1f}% of the tied model",
         f"共享省下 {saved:,} 个参数，占共享时模型的 {100 * saved / param_count(g):.1f}%"))

# %% [markdown]
# **问题 3（Question 3）：** 一个 token 用到了 Mixtral-8x7B 多大比例的参数（写成小数，例如 0.125（而不是 12.5%））？为什么不是简单的 $k/E = 2/8 = 25\,\%$？
#
# <details><summary>显示答案</summary>
#
# 比四分之一略多一点：注意力、嵌入、LM 头、归一化层和路由器是每个 token 都要用的；只有专家是按 $k/E$ 的比例被用到。下面的单元会打印这个比例，以及仅就专家参数而言的比例。
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
# **问题 4（Question 4）：** LLaMA-2-70B 使用 GQA，$N = 64$ 个查询头只配 $K = 8$ 个键/值头。它一层注意力有多少参数？如果换成普通多头注意力（$K = N$）又是多少？换成多头注意力后整个模型会多出多少参数？每一问都写成参数个数。
#
# <details><summary>显示答案</summary>
#
# 每层 $DNH + 2DKH + NHD = 2D^2 + 2D \cdot KH$，其中 $D = NH = 8192$：$K = 8$ 时为 $2D^2 + 2D \cdot 1024$，$K = 64$ 时为 $4D^2$。GQA 每层省掉 $2D(D - KH)$，整个模型省掉 $L$ 倍于此。
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
# **问题 5（Question 5）：** GLM-4.5 的 $D = 5120$，却有 $N = 96$ 个宽 $H = 128$ 的查询头和 $K = 8$ 个键/值头，$q$、$k$、$v$ 带偏置（$o$ 不带），还有逐头的 q/k 归一化。一层注意力有多少参数（写成参数个数）？它的注意力宽度 $NH$ 和 $D$ 相比如何？
#
# <details><summary>显示答案</summary>
#
# $W_Q$ 是 $D \times NH$，$W_K$、$W_V$ 是 $D \times KH$，$W_O$ 是 $NH \times D$；再加上 $NH + 2KH$ 个偏置和 $2H$ 个归一化权重。这里 $NH$ 比 $D$ 大，所以 Q 和 O 比 $H = D/N$ 的模型更宽。下面的单元打印参数量和两个宽度。
#
# </details>

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:glm45.attention_params_per_layer"]
# Answer (click to reveal) · 答案(点击展开)
glm = preset("glm-4.5")
print(tr(f"attention per layer: {params.attention_params_per_layer(glm):,}; N·H = {glm.N * glm.H} vs D = {glm.D}",
         f"每层注意力：{params.attention_params_per_layer(glm):,}；N·H = {glm.N * glm.H}，而 D = {glm.D}"))
