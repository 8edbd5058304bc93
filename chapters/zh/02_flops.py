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
# # 第 2 章 — 浮点运算量与训练时间
#
# 本章所有数字的出处：[参考文献](../../docs/references.zh.md)。
#
# 全书记号：[记号表](../../docs/notation.zh.md)。
#
# 第 1 章把模型的参数量一个不差地数了出来。本章把参数量换算成**工作量**：处理一个 token 要做多少次浮点运算（floating-point operations，FLOPs），完整训练一次要做多少次，以及在给定数量的芯片上要跑多少天。
#
# **学完本章，你将能够**
#
# - 算出任意矩阵乘法的 FLOPs（$2\,d_1 d_2 d_3$），并分清 FLOPs 与 MACs；
# - 解释为什么训练时每个 token 大约花 $6P$ FLOPs（前向 $2P$，反向 $4P$），开启完全重计算后则是 $8P$；
# - 判断注意力项（$\propto T$）什么时候与 $6P$ 相比不可忽略，以及因果掩码和滑动窗口对它有什么影响；
# - 把 FLOPs 预算换算成天数、GPU 小时和美元，并反过来从已公开的训练记录推出*隐含 MFU*；
# - 核对资料中的算例，找出其中算错的地方。
#
# **符号**（全书各章通用，记号表列出了全部符号）
#
# | 符号 | 含义 | 符号 | 含义 |
# |---|---|---|---|
# | $L$ | transformer 层数 | $B$ | 以 token 计的批大小（全局，每步） |
# | $D$ | 模型（隐藏层）宽度，$d_\text{model}$ | $B_\text{seq}$ | 以序列计的批大小（全局，每步）：$B = B_\text{seq}\,T$ |
# | $F$ | MLP 宽度，$d_\text{ff}$ | $D_\text{data}$ | 整个训练过程的 token 数 |
# | $N$ | 每层的查询头（query head）数 | $C$ | 单个芯片的峰值算力（FLOP/s，未另说明时指 bf16 稠密） |
# | $K$ | 每层的键/值头（key/value head）数（$K = N$ 即普通的多头注意力） | MFU | 模型算力利用率：每秒完成的模型 FLOPs ÷（芯片数 × $C$） |
# | $H$ | 单个注意力头的宽度（配置未给出时为 $D/N$） | $T_\text{win}$ | 滑动窗口：窗口层的查询能看到的最近 token 数 |
# | $V$ | 词表大小 | $T_\text{chunk}$ | 分块注意力的块长（查询只看得到本块中更早的 token） |
# | $P$ | 参数量 | $d_1$, $d_2$, $d_3$ | 矩阵乘法 $[d_1, d_2]\times[d_2, d_3]$ 的各维，其代价为 $2\,d_1 d_2 d_3$ FLOPs |
# | $T$ | 序列长度（每条序列的 token 数） | $\mathbf{Q}$, $\mathbf{K}$, $\mathbf{V}$ | 注意力中每个头的查询、键、值张量（用粗体，让 $K$ 和 $V$ 保持原意） |

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
llmcalc.i18n.use("zh")  # the edition's language for explorer labels and plot titles

# %%
print(llmcalc.tables.shape_table(["qwen2-72b", "llama-3-70b", "llama-3.1-405b"]).to_string())

# %% [markdown]
# ## 1. 一次矩阵乘法要多少运算
#
# 设 $A\in\mathbb{R}^{d_1\times d_2}$ 乘以 $\mathbf{W}\in\mathbb{R}^{d_2\times d_3}$。结果共有 $d_1 d_3$ 个元素，每个元素都是一次长度为 $d_2$ 的点积：$d_2$ 次乘法加 $d_2$ 次加法（第一个乘积也要*加*进累加器，硬件正是这样做的）。所以
#
# $$\text{FLOPs}(A\mathbf{W}) = 2\,d_1 d_2 d_3 .$$
#
# 一次**乘加**（multiply-accumulate，MAC）就是一次乘法加一次加法，因此 $1\ \text{MAC} = 2\ \text{FLOPs}$，同一个矩阵乘法记作 $d_1 d_2 d_3$ 次 MAC。（Qwen2-72B 那篇文章写作 $2mnk$，其中的 $m, n, k$ 就是这里的 $d_1, d_3, d_2$。）大模型方向的论文几乎都用 FLOPs 计数，视觉方向的论文则常用 MACs——读的时候留意这个 2 倍。
#
# 还有两个长得很像的词：**FLOPs** 是运算量，一个总数；**FLOP/s** 是速率，即每秒做多少次浮点运算（有的资料写作 FLOPS）。两者用的都是十进制前缀：
#
# | 前缀 | MFLOP | GFLOP | TFLOP | PFLOP | EFLOP | ZFLOP |
# |---|---|---|---|---|---|---|
# | 倍数 | $10^{6}$ | $10^{9}$ | $10^{12}$ | $10^{15}$ | $10^{18}$ | $10^{21}$ |
#
# 对 Transformer 来说，真正占分量的只有矩阵乘法：归一化、softmax、激活函数和优化器更新加在一起只占很小一部分（§3 会拿 Qwen2-72B 算一算）。因此 `llmcalc` 只统计矩阵乘法——这和 PyTorch 的 `FlopCounterMode` 统计的是同一样东西。仓库里的交叉校验（`make crosscheck`）用各预设模型的配置搭出 `transformers` 模型，确认两者的结果一个 FLOP 都不差。

# %%
print(f"[4, 3] x [3, 2]: {flops.matmul_flops(4, 3, 2)} FLOPs = {flops.matmul_flops(4, 3, 2) // 2} MACs")

# %% [markdown]
# **问题（Question）：** Qwen2-72B 的 $D = 8192$，$N\cdot H = 64\cdot 128 = 8192$。它的查询投影（query projection）把每个 token 的 $D$ 维向量映射成 $N\cdot H$ 个数。对于 4 条序列、每条 $T = 32768$ 个 token 的一个批次，这一步在一层里要多少 FLOPs？只有 $K = 8$ 个头的键投影（key projection）呢？两者都以 FLOPs 为单位。

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
# 一次矩阵乘法能跑多快？取决于输入从显存里送来的速度。bf16 的 $[B, D] \times [D, F]$ 乘法要做 $2BDF$ 次浮点运算，至少要搬运 $2(BD + DF + BF)$ 字节，所以它的**算术强度**是每字节 $BDF/(BD + DF + BF)$ 次运算，当 $B \ll D, F$ 时约等于 $B$（*How To Scale Your Model* 第 1 部分“All About Rooflines”）。峰值为 $C$ FLOP/s、HBM 带宽为 $W_\text{hbm}$ 字节/秒的芯片，强度低于**拐点** $C/W_\text{hbm}$ 时访存受限，高于拐点时计算受限。下图把 Qwen2-72B 的 MLP 矩阵放在 A100（那篇文章用的芯片）的屋顶线（roofline）上，分别取 1、128 和 4096 个 token。

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
# ## 2. 前向 $2P$，反向 $4P$：$6P$ 法则
#
# 线性层 $\text{Out} = A\mathbf{W}$，其中 $A\in\mathbb{R}^{B\times d_2}$（每个 token 一行），$\mathbf{W}\in\mathbb{R}^{d_2\times d_3}$，前向要 $2\,B\,d_2 d_3$ FLOPs，也就是说**每个 token 在每个权重上花 2 FLOPs**。把所有权重加起来，每个 token 就是 $2P$。
#
# 反向传播拿到 $\partial\mathcal{L}/\partial\,\text{Out}$ 之后，要算出*两样*东西：一是权重的梯度，用来更新 $\mathbf{W}$；二是输入的梯度，用来继续传给下面一层：
#
# $$\frac{\partial\mathcal{L}}{\partial\mathbf{W}} = A^\top\,\frac{\partial\mathcal{L}}{\partial\,\text{Out}}\quad(\text{to update } \mathbf{W}),
# \qquad
# \frac{\partial\mathcal{L}}{\partial A} = \frac{\partial\mathcal{L}}{\partial\,\text{Out}}\,\mathbf{W}^\top\quad(\text{to pass back to the layer below}).$$
#
# 这两个都是和前向同样规模的矩阵乘法，所以反向的计算量是前向的 $2\times$，即每个 token $4P$。（只有最底下的第一层可以省去 $\partial\mathcal{L}/\partial A$；模型动辄几十层，这点节省可以忽略不计。）合起来就是
#
# $$\text{training FLOPs per token} \approx 2P + 4P = 6P, \qquad \text{total} \approx 6\,P\,D_\text{data}.$$
#
# 如果采用**完全重计算**（full activation recomputation），反向时要把前向再跑一遍，硬件实际做的就是每个 token $8P$。MFU 仍然只按 $6P$（有用的那部分工作）来算；把重计算的工作也算进去的利用率，叫做硬件算力利用率（hardware FLOPs utilisation，HFU）。

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
# *How To Scale Your Model*（第 6 部分“在 TPU 上训练 LLaMA 3”）写的是 $6 \times 70\times10^9 = 4.2\times10^{11}$ FLOPs/token；换成精确的参数量，得到的就是上面打印的数——前两位有效数字一样。
#
# **问题（Question）：** 优化器更新同样要处理每一个参数（Adam 每个参数大约做十几次运算）。为什么 $6P$ 里没有它？
#
# <details><summary>显示答案</summary>
#
# 因为它**每一步只跑一次**，而不是每个 token 跑一次。一步要处理数以百万计的 token（$B$），每个 token 花 $6P$；优化器每步 $\approx 10P$–$20P$ 的 FLOPs 摊到这几百万个 token 上，就微不足道了。第 3 节那篇讲 Qwen2-72B 的文章，对普通 SGD（每次更新 $2P$）和 Adam 也讲了同样的道理。
#
# </details>
#
# ## 3. FLOPs 花在哪里：Qwen2-72B 逐模块拆解
#
# 研泽发表在阿里云开发者公众号上的文章《一文揭秘|预训练一个72b模型需要多久？》以批大小 4、$T = 32768$（特意取了很长的序列）为例，把 Qwen2-72B 的一次前向按矩阵乘法逐个过了一遍。下面照着走一遍，每一行都是一次 `matmul_flops` 调用。注意力分数是*每个头、每条序列*各做一次矩阵乘法：$\mathbf{Q}\mathbf{K}^\top$ 是 $[T,H]\times[H,T]$，与值相乘的 $\mathrm{softmax}(\mathbf{Q}\mathbf{K}^\top)\,\mathbf{V}$ 是 $[T,T]\times[T,H]$，各重复 $B_\text{seq}\cdot N$ 次。（分组查询注意力（grouped-query attention，GQA）让多个查询头共享键和值，但每个查询头仍要和全部 $T$ 个键逐一打分。）

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
# 这些正是文章里打印出来的数值：Q 为 17,592,186,044,416（≈ 17.6 TFLOPs），K 和 V 各 ≈ 2.2 TFLOPs，每个分数矩阵乘法 70,368,744,177,664，每个 MLP 矩阵乘法 63,496,796,504,064，输出层（LM head）326,554,953,449,472。接着文章把这一串合并成一个闭式公式：
#
# $$\text{forward FLOPs} = B_\text{seq}\,T\,D\,\bigl(2V + L\,(4.5\,D + 4\,T + 6\,F)\bigr),$$
#
# （文章里的 $B$ 按序列计，即这里的 $B_\text{seq}$。）其中每个 token、每层的 $4.5D^2$ 由 Q 和 O（各 $2D^2$）加上 K 和 V（各 $2D\cdot D/8$）组成，$4DT$ 是两个分数矩阵乘法，$6DF$ 是 MLP 的三个矩阵乘法。`llmcalc` 用一个专门的函数名保留了这个公式；而它按完整 $T\times T$ 分数矩阵（`causal=False`）所做的精确计数，得到的是同一个整数：

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
# 文章中的比例——注意力 48%，FFN 51%——复现出来了（见上面最后一行）。不过用这个闭式公式时要当心两点：
#
# * **$4.5D$ 并不通用。** 它只在 $N\cdot H = D$ 且 $K = N/8$ 时成立。对于完整多头注意力（$K = N$）的模型，每个 token 每层的投影要 $8D^2$，这个公式会少算。
# * **它统计的是完整的 $T\times T$ 分数矩阵**，和 `FlopCounterMode` 一样。而因果模型只需要下三角部分（§4）。
#
# 那么逐项计算时略过的那些运算呢？文章估计，分数的缩放和 softmax 在每个分数元素上只需几次 FLOPs，RMSNorm 约 1 TFLOP。即使每一层的每个分数元素都按 4 FLOPs 算，它们依然很小：

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
# ## 4. 注意力项，以及它什么时候要紧
#
# $6P$ 法则数的是每一个*权重*。而分数矩阵乘法 $\mathbf{Q}\mathbf{K}^\top$ 和 $\mathrm{softmax}(\cdot)\,\mathbf{V}$ 没有权重，它们的代价随上下文增长。对单个 token、前向、一层来说：要算 $N$ 行、每行 $T$ 个分数，每个分数是长度为 $H$ 的点积；再把 $T$ 个宽度为 $H$ 的值加权混合。合计 $2\cdot 2\,N H T$ FLOPs。训练（×3）再乘上 $L$ 层，额外增加
#
# $$\underbrace{12\,L\,N\,H\,T}_{\text{full } T\times T}\quad\text{FLOPs per token, on top of } 6P .$$
#
# 与 $6P \approx 6\cdot 12\,L\,D^2$（对 $F\approx 4D$ 的模型）相比，两者之比大约是 $T/(6D)$：只有当**上下文长度相对模型宽度足够大**时，注意力才要紧。同样的长上下文，窄的小模型比宽的大模型感受明显得多。
#
# **因果掩码（causal masking）。** 解码器只允许第 $i$ 个 token 关注第 $1\ldots i$ 个 token，所以 $T^2$ 个查询–键对里只需要算 $T(T+1)/2$ 个。能跳过被掩掉的块的计算核（kernel）——FlashAttention 就是这样——只做大约一半的分数计算。`FlopCounterMode` 和这篇文章统计的都是完整的 $T\times T$。在 `llmcalc` 里，开关是 `causal=True`（默认）或 `causal=False`。

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
# 文章把 Qwen2-72B 每个 token 的前向代价（完整分数矩阵）写成 $2.6\times10^{6}\cdot T + 2P$（文章把 $T$ 写作 $s$），并由此得出结论：序列长度要“超过三位数”，才会明显影响计算量。其中的斜率是上下文每多一个 token、每个 token 多花 $4LD$ FLOPs。与其手算，不如直接从 `llmcalc` 的精确计数里读出来。最后几行检验文章的另一个说法：从 $T = 1$ 到 $T = 32768$，前向每个 token 的代价大约变成原来的 1.6 倍。

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
# **问题（Question）：** 对于 LLaMA 3-70B，$T$ 取 2 的幂，从哪个值起（因果的）注意力分数首次占到前向 FLOPs 的四分之一以上？LLaMA 3-8B 呢？都写成以 token 计的上下文长度 $T$。

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:l3_70b.attention_quarter_context", "check:l3_8b.attention_quarter_context"]
# Answer (click to reveal) · 答案(点击展开)
for name in ("llama-3-8b", "llama-3-70b"):
    c = llmcalc.preset(name)
    T_ = next(2 ** i for i in range(8, 22) if llmcalc.attention_score_fraction(c, 2 ** i) >= 0.25)
    share = 100 * llmcalc.attention_score_fraction(c, T_)
    print(tr(f"{name}: T = {T_:,} ({share:.1f}% of forward FLOPs); D = {c.D}",
             f"{name}：T = {T_:,}（占前向 FLOPs 的 {share:.1f}%）；D = {c.D}"))

# %% [markdown]
# <details><summary>为什么两者不同？</summary>
#
# 分数 FLOPs 与权重 FLOPs 之比大致按 $T/D$ 变化，而 LLaMA 3-70B（$D = 8192$）比 LLaMA 3-8B（$D = 4096$）宽：模型越宽，上下文就要越长，注意力才会占到同样的份额。
#
# </details>
#
# ### 滑动窗口与分块
#
# 有些模型限制一层往回能看多远。在**滑动窗口**层里，查询只能看到最近的 $T_\text{win}$ 个 token（包括它自己），所以第 $i$ 个查询只对 $\min(i + 1, T_\text{win})$ 个键打分，而不是 $i + 1$ 个：
#
# $$\text{位置对数} = \frac{T_\text{win}(T_\text{win}+1)}{2} + (T - T_\text{win})\,T_\text{win} \quad (T > T_\text{win}),$$
#
# 它按 $T\,T_\text{win}$ 增长，而不是 $T^2/2$：一旦 $T > T_\text{win}$，这一层*每个 token* 的分数代价就不再随 $T$ 增长。在**分块**层（Llama 4）里，查询只能看到自己那一块（$T_\text{chunk}$ 个 token）中排在它前面的 token，约 $T\,T_\text{chunk}/2$ 个位置对。Mistral 和 Phi-3 每层都用窗口，gpt-oss 隔层使用，Gemma 3 每六层里有五层使用；剩下的全局层仍要付出完整的因果代价，所以在长上下文下，大部分分数计算落在它们身上。
#
# 芯片实际做多少，取决于计算核。eager 注意力先算出全部 $T \times T$ 个分数，再把其余的掩掉：`FlopCounterMode` 统计的就是这个，对应 `llmcalc` 里的 `causal=False`。支持窗口的计算核（FlashAttention 的 `window_size`）只计算窗口内的位置对：对应 `causal=True`，按配置里的 `layer_types` 逐层计数。下表用三种方式给出分数在前向 FLOPs 中的占比：按模型自己的窗口或分块、假设每层都是全局层、以及 eager 的完整矩阵。

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
# 4096 个 token 的窗口（Mistral）在上下文超过窗口之前什么也不改变；gpt-oss 的 128 个 token 的窗口几乎完全去掉了一半层的分数计算；而 eager 计算核不管掩码怎么写，都要付出完整矩阵的代价。
#
# **问题（Question）：** Gemma 3 27B 的 62 层里有 52 层只看最近的 1024 个 token。在 $T = 32768$ 时，窗口把它的因果注意力分数 FLOPs 减少到几分之一（全局时的 FLOPs 除以加窗后的，写成倍数，例如 1.25）？剩下的计算主要由哪些层来做？
#
# <details><summary>显示答案</summary>
#
# 一个窗口层只算约 $T\,T_\text{win}$ 个位置对，而不是 $T^2/2$，大约少 $T/(2T_\text{win}) = 16$ 倍；但那 10 个全局层仍是 $T^2/2$，所以整个模型省下的远不到 16 倍，剩下的分数计算大部分由全局层来做。下面的单元打印这个倍数和全局层所占的份额。
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
# ## 5. 从 FLOPs 到天数：MFU
#
# 一块峰值为 $C$ FLOP/s 的芯片，在整个训练过程中不可能一直跑在峰值上：通信、访存、非矩阵乘法的计算核、流水线气泡（pipeline bubble）以及故障重启，都要占用时间。**模型算力利用率**（model FLOPs utilisation，MFU）定义为
#
# $$\text{MFU} = \frac{\text{model FLOPs actually done per second}}{\text{chips}\times C}
# \qquad\Longrightarrow\qquad
# \text{seconds} = \frac{\text{total FLOPs}}{\text{chips}\cdot C\cdot \text{MFU}} .$$
#
# 这里的“模型 FLOPs”指按 $6P$ 这类方式计的量：模型本身需要的工作量，不含重计算。做激活重计算的训练，实际做的运算比这更多；把重计算的那部分也算进去，得到的就是**硬件算力利用率**（HFU），它永远不低于 MFU。公开的大规模训练报告的 MFU 大约在 40–50%（Llama 3 405B：38–43%，见 Dubey 等 2024 年论文表 4；PaLM 540B：46.2%，其 HFU 为 57.8%，见 Chowdhery 等 2022）。拿论文的数字做比较之前，先弄清楚它报的是哪一种。
#
# **问题（MFU 还是 HFU？）：** Megatron-LM 的 1 万亿（1T）参数模型训练（Narayanan 等 2021，“Efficient Large-Scale Language Model Training on GPU Clusters Using Megatron-LM”，表 1）常被引用为“峰值的 52%”。这是一个 GPT 式模型（$L = 128$，$D = 25600$，$N = 160$，$V = 51200$，$F = 4D$），在 3072 张 A100（峰值 312 TFLOP/s）上以 $T = 2048$、每批 3072 条序列训练，开启了**完全重计算**，每张卡跑到 163 TFLOP/s。论文按每次迭代（每批 $B_\text{seq}$ 条序列）$96\,B_\text{seq}\,T\,L\,D^2\bigl(1 + \tfrac{T}{6D} + \tfrac{V}{16LD}\bigr)$ FLOPs 计数。这 52% 是 HFU 吗（填 True（是）或 False（否））？MFU 是多少（写成小数，例如 0.125（而不是 12.5%））？
#
# <details><summary>显示答案</summary>
#
# 论文的计数包含了每一层重计算的那次前向：$96 = 4 \times 24$，即一次前向、两倍于前向的反向，再加一次前向。所以 163 TFLOP/s 是硬件工作量，52% 是 **HFU**。MFU 只算模型本身的 FLOPs：即不带 `recompute` 的 `llmcalc.training_flops`（对这种 GPT 形状，它和论文自己不含重计算的公式 $72\,B_\text{seq}\,T\,L\,D^2\bigl(1 + \tfrac{T}{6D} + \tfrac{V}{12LD}\bigr)$ 完全相等）。于是 MFU = HFU × 模型 FLOPs / 硬件 FLOPs，这个比值略大于 $6/8$。下面的单元把两个数都算出来。
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
# **在 TPU v5p Pod 上训练 LLaMA 3-70B**（*How To Scale Your Model* 第 6 部分）：15 万亿（15T）个 token，8960 块芯片，$C = 4.59\times10^{14}$，MFU 40%。

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
# **中文译本的一处笔误。** 它写的是“$6.3\times10^{24} \div 4.59\times10^{14} = 4.35$ 亿秒”，即 $4.35\times10^{8}$ 秒。这个商其实是上面打印出来的数，以秒和年各打印了一次：英文原书写的是“435 years”（435 年），这是对的，译本把它错成了 4.35 亿秒。书中整个 Pod 要 44 天的结论与上面的单元一致。
#
# **问题（Question）：** 书中算出 225 块芯片的显存就足以装下这次训练（第 3 章会核对这一点）。同样按 40% MFU，225 块芯片要跑多久（以天为单位）？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:l3_70b.days_on_225_chips"]
# Answer (click to reveal) · 答案(点击展开)
days_225 = llmcalc.training_days(6.3e24, 225, v5p, 0.4)
print(tr(f"{days_225:,.0f} days = {days_225 / 365:.1f} years (the book: 1752 days)",
         f"{days_225:,.0f} 天 = {days_225 / 365:.1f} 年（书中：1752 天）"))

# %% [markdown]
# 这正是大集群存在的理由：不是为了内存，而是为了把计算时间压缩到几周。时间按 $1/\text{chips}$ 下降——在双对数坐标下，每个 MFU 对应一条直线。图中的点就是整个 Pod 在 40% MFU 下的位置。

# %%
fig = plots.days_vs_chips(total_l3, "TPU v5p", mark=(8960, 0.4))
plt.show()

# %% [markdown]
# ## 6. 6000 张 A100 训 Qwen2-72B：文章做了什么假设？
#
# 那篇 Qwen2-72B 文章估算用 6000 张 A100、在“50% MFU”下用 7 万亿个 token 预训练 Qwen2-72B：计算量为 $3\cdot 7\times10^{12}\cdot(2.6\times10^{6}\cdot 32768 + 144\times10^{9})$ FLOPs，每张卡按 300 TFLOP/s 算，得出 **30 天**。但 A100 的稠密 bf16 峰值是 312 TFLOP/s，所以 300 TFLOP/s 并不是峰值的 50%，而是几乎跑满了峰值（下面的单元打印出这个比例）。
#
# 文章还提到，Qwen2 大部分时间是在 $T = 4096$ 下训练的，直到最后阶段才扩展到 32768，所以它的估计偏高，“但不会超过 1.6 倍”。下面用 `llmcalc` 重新计算：先照文章的设定算一遍，再改变上下文长度和是否用因果掩码（表中按 50% MFU 计）：

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
# 可见上下文长度带来的高估确实存在，但幅度不大，远在文章给出的 1.6 倍上限之内；它那 30 天里更大的误差，来自它假设的利用率。
#
# ### 用推理速度做个合理性检查
#
# 文章拿 Qwen 公布的 2 张 A100 上的生成速度来验证自己的公式（Qwen README 中 Qwen-72B-Chat，即第一代模型，bf16 下 8.48 tokens/s）：批大小为 1，对 $T = 1000$ 个 token 做一次前向，按两张卡“1248 TFLOP/s”计算，耗时 0.115 s，也就是 8.67 tokens/s。复现如下：

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
# 两者对得上，其实是三个假设凑巧抵消的结果：（1）每生成一个 token 都把*整段* 1000 个 token 的序列重新跑一遍（没有 KV 缓存）；（2）显卡跑满 100% 峰值；（3）这个峰值——两张卡 1248 TFLOP/s——是结构化稀疏（structured sparsity）下的指标，是稠密 bf16 峰值的两倍。有了 KV 缓存（KV cache），生成一个 token 只需约 $2P$ FLOPs，瓶颈在显存带宽而不在算力。（这里 GB 指 $10^9$ 字节。Yang Lewis 的《大模型多卡训练笔记》把 1 GB 定义成 1024 MB，那其实是 GiB，即 $2^{30}$ 字节；显存带宽等硬件指标用的是十进制单位，两者并不相等，所以本书中 GB 和 GiB 从不混用。）实测的 8.48 tokens/s 远低于这个上限：它来自一次普通的 Hugging Face `transformers` 性能测试，同一份 README 里，用 vLLM 部署的同一个模型是 17.60 tokens/s。总之，拿推理速度去检验*训练* FLOPs 公式，并不是好办法。
#
# ## 7. 已公开训练的隐含 MFU 与成本
#
# 只要模型卡（model card）公布了 GPU 小时（GPU-hours），就能把公式倒过来用：
#
# $$\text{implied MFU} = \frac{6\,P\,D_\text{data}}{\text{GPU-hours}\times 3600 \times C}.$$
#
# **成本**就是 GPU 小时 × 单价；DeepSeek-V3 的技术报告按每 H800 小时 2 美元计算。

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
# 怎么解读这张表：
#
# * **LLaMA 3.1 405B**：论文的 38–43% 是在训练过程中测得的；模型卡记的是“训练每个模型所需的全部 GPU 时间”，比那些稳定运行的训练步要多，所以反推出来的数值偏低。
# * **DeepSeek-V3** 是混合专家模型（mixture of experts，MoE）：每个 token 只用到 6,710 亿参数中的 370 亿，所以 $6P$ 里用的是激活参数量。它的矩阵乘法用 FP8 训练，而 FP8 的峰值是 `llmcalc` 为 H800 记录的 bf16 峰值的两倍——若以 FP8 峰值为基准，利用率只有表中数值的一半。
#
# **问题（Question）：** 2048 AI 社区上的中文文章《大模型的算力需求：训练一个千亿模型需要多少 GPU？》说 LLaMA 2 70B 是“2048 张 A100，约 21 天”。这和模型卡上的 1,720,320 A100 小时一致吗（填 True（是）或 False（否））？模型卡上的 A100 小时对应多大的 MFU（写成小数，例如 0.125（而不是 12.5%））？这些 A100 小时摊到 2048 张卡上是多少天（以天为单位）？21 天需要多大的 MFU？

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
# <details><summary>显示答案</summary>
#
# 不一致。把模型卡上的 A100 小时摊到 2048 张 GPU 上，要用的时间比 21 天长得多；而 21 天所需的 MFU，远高于公开的大规模训练报告的 40–50%（第 5 节）。而且，模型卡上的 A100 小时虽然涵盖整个训练过程，反推出的 MFU 却与 Llama 3 论文为 405B 在*训练过程中*测得的 38–43% 相当。
#
# </details>
#
# ## 8. 要训多少 token？Chinchilla、GPT-3 与批大小
#
# Hoffmann 等人（2022）发现，在计算预算固定时，大约**每个参数配 20 个训练 token**，损失最低。如今的模型实际训练的 token 数远超这个比例（模型小一些，部署推理更便宜），但它依然是一个参照点。GPT-3（2020）用 3,000 亿（300B）个 token 训练了 1,750 亿（175B）个参数；论文给出的计算量是 3.14e23 FLOPs。

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
# **批大小不改变总计算量。** 一步的 FLOPs 与这一步里的 token 数成正比（就是 $B$）；一共 $D_\text{data}$ 个 token 的训练，无论切成许多小步还是少数几个大步，总花费都一样：

# %%
for batch in (1, 32, 64):
    step = llmcalc.training_flops(qwen, batch, 4096)
    per_token, whole_run = step / (batch * 4096), 7e12 / (batch * 4096) * step
    print(tr(f"batch {batch:>2} x 4096: {step:.4e} FLOPs per step, {per_token:.6e} per token, {whole_run:.4e} for 7T tokens",
             f"批大小 {batch:>2} x 4096：每步 {step:.4e} FLOPs，每 token {per_token:.6e}，7 万亿个 token 共 {whole_run:.4e}"))

# %% [markdown]
# **问题（Question）：** 既然批大小不改变 FLOPs，它为什么会改变训练*时间*？
#
# <details><summary>显示答案</summary>
#
# 时间等于 FLOPs 除以实际达到的 FLOP/s，而这个速率（即 MFU）取决于批大小。每块芯片分到的批太小，芯片就得等显存（不管批多大，每一步都要把权重完整读一遍）或者等通信（每一步都要交换梯度），MFU 随之下降。批大小超过某个值后，芯片已经忙满，时间就不再缩短——这和那篇 Qwen2-72B 文章描述的推理吞吐量饱和是同一回事。第 4 章会针对切分后的训练求出这些阈值。批太大还可能损害*样本效率*（要多训一些 token 才能达到同样的损失），不过那关系到需要多少 token，而不是每个 token 的 FLOPs。
#
# </details>
#
# ### 交叉验证：Megatron 的公式
#
# Narayanan 等人（2021）把 GPT 式模型（MLP 宽度 $4D$，完整多头注意力）每次迭代的计算量记为
#
# $$72\,B_\text{seq}\,T\,L\,D^2\Bigl(1 + \frac{T}{6D} + \frac{V}{12\,L\,D}\Bigr)\ \text{FLOPs}
# \quad\bigl(96\ldots\,(1 + \tfrac{T}{6D} + \tfrac{V}{16LD})\ \text{with full recomputation}\bigr).$$
#
# 三项依次是各层的 $6P$、完整的 $T\times T$ 分数矩阵和输出层。对 GPT-3，它与 `llmcalc` 的精确计数一个 FLOP 都不差。开启重计算时，它多算了一次各层的前向，但没有多算输出层的前向，所以比 `llmcalc` 简单的“4 × 前向”略小一点：

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
# ## 9. 交互探索（Explorer）
#
# 选一个模型和一种芯片，然后拖动上下文长度 $T$、训练 token 数、芯片数和 MFU。摘要里并列给出 $6P$ 估计值和采用因果注意力时每个 token 的精确计数，还有注意力占比、总计算量和天数；图中画的是天数随芯片数的变化，并标出你当前的设置。（形状滑块修改的是所选的预设模型。）

# %% tags=["nbval-ignore-output", "widget"]
ex = widgets.flops_explorer("llama-3-70b", chip="TPU v5p")
ex.widget

# %%
ex.print_summary()

# %% [markdown]
# 可以试试：把 $T$ 调到 131072，看看注意力占比和天数怎么变；把芯片换成 H100，找出多少张 GPU 能达到同样的天数；把 MFU 降到 0.2。
#
# > **要点（Takeaways）**
# >
# > - 矩阵乘法 $[d_1,d_2]\times[d_2,d_3]$ 的代价是 $2\,d_1 d_2 d_3$ FLOPs（$d_1 d_2 d_3$ 次 MAC）。只有矩阵乘法要紧。
# > - 训练每个 token $\approx 6P$ FLOPs：前向 $2P$，反向 $4P$（权重的梯度和输入的梯度各一份）。完全重计算让硬件工作量变成 $8P$；MFU 仍按 $6P$ 计。
# > - 按完整 $T\times T$ 矩阵计，注意力分数让每个 token 额外增加 $12LNHT$，因果计算核只需其一半。当 $T$ 相对 $D$ 很大时它才要紧；Qwen2-72B 那篇文章的闭式公式和 `FlopCounterMode` 统计的都是完整矩阵。
# > - 天数 $=$ FLOPs $/$（芯片数 $\cdot C \cdot$ MFU）。拿公开的 GPU 小时倒推，可以得到隐含 MFU，再与论文报告的数值对比。
# > - 核对资料假设的利用率：Qwen2-72B 那篇文章的“50% MFU”其实是 312 TFLOP/s 里跑到 300，所以它的 30 天算短了（第 6 节）。也要核对论文报的是哪一种利用率：Megatron-LM 的“峰值的 52%”把重计算的工作也算了进去，是 HFU 而不是 MFU（第 5 节）。
# > - 当计算核跳过被掩掉的位置对时，滑动窗口（Mistral、Phi-3、gpt-oss、Gemma 3）和分块（Llama 4）让一层的分数代价按 $T\,T_\text{win}$ 而不是 $T^2/2$ 增长；这时剩下的全局层承担了大部分分数计算。eager 注意力和 `FlopCounterMode` 仍按完整矩阵统计（`causal=False`）。
# > - 批大小不改变总 FLOPs，它改变的是这些 FLOPs 跑得多快。
#
# ## 练习（Exercises）
#
# **练习 1–3：LLaMA 3.1-405B。**
#
# 1. 按 $6P$ 法则，每个 token 的训练 FLOPs 是多少（以每 token 的 FLOPs 为单位）？15 万亿个 token 总共是多少（以 FLOPs 为单位）？
# 2. 在 40% MFU 下，要多少张 H100 才能在 90 天内训完 15 万亿个 token（写成 GPU 数，不必取整）？
# 3. 在 $T = 8192$（它的主要预训练上下文）和 $T = 131072$（它的长上下文阶段）下，（因果）注意力项分别让 $6P$ 估计值增加多少？答案写成精确值除以 $6P$，写成倍数，例如 1.25。

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
# **练习 4.** 那篇千亿模型文章按每 A100 小时 10 美元估算云上 GPU 的价格。按这个价格，128 张 A100 用 30 天要花多少钱（以美元为单位）？在 40% MFU 下，它们能提供多少 6P FLOPs（以 FLOPs 为单位）？用 2 万亿个 token 能训出哪个 LLaMA 2 模型？

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
# **练习 5.** 开启完全重计算后，每个 token 的硬件工作量是 $8P$，但 MFU 按 $6P$ 计。如果芯片的*硬件* FLOPs 持续达到峰值的 50%（即 HFU），MFU 是多少？完全重计算多做了多少额外工作（硬件 FLOPs 除以模型 FLOPs 再减一）？PaLM 报告的 MFU 为 46.2%、HFU 为 57.8%：与完全重计算相比，这个比值意味着多做了多少额外工作？三个答案都写成小数，例如 0.125（而不是 12.5%）。

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:recompute.mfu_at_50pct_hfu", "check:recompute.full_extra_work", "check:palm.extra_work"]
# Answer (click to reveal) · 答案(点击展开)
model_over_hw = llmcalc.flops_per_token(llama3_70b) / llmcalc.flops_per_token(llama3_70b, recompute="full")
print(f"MFU = HFU x 6P/8P = 0.50 x {model_over_hw:.2f} = {0.50 * model_over_hw:.1%}")
full_extra, palm_extra = 1 / model_over_hw - 1, 0.578 / 0.462 - 1
print(tr(f"full recomputation: {full_extra:.0%} extra work; PaLM: 57.8/46.2 - 1 = {palm_extra:.0%} extra "
         f"(it recomputed only part of the forward)",
         f"完全重计算：多做 {full_extra:.0%} 的工作；PaLM：57.8/46.2 - 1 = 多 {palm_extra:.0%}"
         f"（它只重计算了前向的一部分）"))
