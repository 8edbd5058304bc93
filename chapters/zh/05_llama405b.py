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
# # 第 5 章 — 综合实战：从头到尾估算 LLaMA 3.1-405B 的训练
#
# 本章所有数字的出处：[参考文献](../../docs/references.zh.md)。
#
# 全书记号：[记号表](../../docs/notation.zh.md)。
#
# *How To Scale Your Model*（下文简称“本书”）的第 6 部分以 TPU v5p Pod 上训练 LLaMA 3-70B 为例，完整走了一遍估算流程，最后留给读者两道练习：把同样的 70B 训练放到 **4 个 Pod** 上；为 **8 个 Pod 上的 LLaMA 3.1-405B** 做一份完整的训练方案。本章用第 1–4 章的工具，一问一答地把这两道题做完。然后再做一件 Meta 的规划者真正做过的事：在 **16,384 张 H100** 上训练同一个模型，并把我们的估算与 Meta 公布的数字逐一对照。
#
# **学完本章，你将能够**
#
# - 从模型的形状出发，给出一份完整的训练方案：参数量、FLOPs、显存、最少芯片数、并行布局、判断是计算受限（compute-bound）还是通信受限（communication-bound）、训练天数和芯片小时（chip-hours）；
# - 把数据并行（data parallelism）放在 TPU Pod 之间（走 DCN），把 FSDP × 张量并行（TP）放在 Pod 内部，并分别用各自的临界批大小（critical batch）检验；
# - 读懂一个已公布的 GPU 布局（TP8 × PP16 × DP128），估算它每张 GPU 的显存和流水线气泡（pipeline bubble）；
# - 把论文报告的每卡 TFLOP/s 换算成 MFU、训练天数和 GPU 小时，并解释为什么模型卡（model card）上的 GPU 小时总要多一些；
# - 用 `llmcalc.planner` 搜索所有布局，把它校准后的 MFU 当作预测、理想 MFU 当作上限来读，并说明它在哪些地方与公开的训练
#   （Megatron-LM、Llama 3 等）吻合，在哪些地方不吻合。
#
# **符号**（本章用到的记号，取自记号表）
#
# | 符号 | 含义 | 符号 | 含义 |
# |---|---|---|---|
# | $L$ | transformer 层数 | $b$ | 微批次：一个设备一次前向和反向处理的序列数 |
# | $D$ | 模型（隐藏层）宽度，$d_\text{model}$ | $C$ | 单个芯片的峰值算力（FLOP/s，未另说明时指 bf16 稠密） |
# | $F$ | MLP 宽度，$d_\text{ff}$ | $W$ | 单个芯片经一条链路或一个网格轴接收数据的带宽（字节/秒） |
# | $N$ | 每层的查询头（query head）数 | $n$ | 参与的芯片数（整个训练，或一次集合通信） |
# | $K$ | 每层的键/值头（key/value head）数（$K = N$ 即普通的多头注意力） | $X$ | 数据并行度（普通 DP、ZeRO 或 FSDP） |
# | $H$ | 单个注意力头的宽度（配置未给出时为 $D/N$） | $Y$ | 张量并行度 |
# | $V$ | 词表大小 | $p$ | 流水线级数 |
# | $P$ | 参数量 | $m$ | 每条流水线每步的微批次数 |
# | $D_\text{data}$ | 整个训练过程的 token 数 | $v$ | 交错流水线中每个设备上的层块数（$v = 1$ 即普通 1F1B） |
# | $T$ | 序列长度（每条序列的 token 数） | $t_\text{mb}$ | 一个微批次在一个流水线级上做完前向和反向的时间（秒） |
# | $B$ | 以 token 计的批大小（全局，每步） | MFU | 模型算力利用率：每秒完成的模型 FLOPs ÷（芯片数 × $C$） |
# | $B_\text{seq}$ | 以序列计的批大小（全局，每步）：$B = B_\text{seq}\,T$ | HBM | 单个芯片的显存（高带宽内存） |
#
# 本章的 GB 一律指 $10^9$ 字节；全章唯一以 GiB（$2^{30}$ 字节）为单位的是第 6 节保真度表中的一列，表头已注明。

# %%
import dataclasses
import math

import matplotlib.pyplot as plt
import pandas as pd

import llmcalc
from llmcalc import ModelConfig, plots, widgets
from llmcalc import memory as mem
from llmcalc import sharding as S
from llmcalc.i18n import tr
from llmcalc.labels import label
from llmcalc.timecost import mfu_from_throughput

# %matplotlib inline

GB = llmcalc.GB
l405 = llmcalc.preset("llama-3.1-405b")
l70 = llmcalc.preset("llama-3-70b")
v5p, h100 = llmcalc.chip("TPU v5p"), llmcalc.chip("H100")


def yes_no_text(flag):
    """True/False as this edition's reader reads it: True/False in English, 是/否 in Chinese."""
    return tr(str(bool(flag)), "是" if flag else "否")


def bound_text(bound):
    """A verdict of llmcalc ("compute" or "communication") as "compute-bound" / 计算受限."""
    return tr(f"{bound}-bound", {"compute": "计算受限", "communication": "通信受限"}[bound])


# %% tags=["language"]
llmcalc.i18n.use("zh")  # the edition's language for explorer labels and plot titles

# %%
print(llmcalc.tables.shape_table(["llama-3-70b", "llama-3.1-405b"]).to_string())

# %% [markdown]
# ## 1. 模型：参数量与 FLOPs
#
# **问题 a1（Question a1）：** 根据上面的形状表，像本书数 70B 那样，手算 LLaMA 3.1-405B 的参数量：MLP（每层 $3DF$：gate、up、down 三个矩阵），注意力（每层 $2DNH + 2DKH$：先是 Q 和 O，再是 K 和 V），词表（嵌入和 LM 头不共享，$2VD$），以及 RMSNorm 的权重（每层 $2D$，最后再加一个 $D$）。每一部分和总数都写成参数个数。哪一部分占大头？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.mlp_params", "check:405b.attention_params", "check:405b.vocab_params", "check:405b.norm_params", "check:405b.params_by_hand"]
# Answer (click to reveal) · 答案(点击展开)
D, F, L, N, K, H, V = l405.D, l405.F, l405.L, l405.N, l405.K, l405.H, l405.V
by_hand = {"MLP 3DF·L": 3 * D * F * L,
           tr("attention L(2DNH + 2DKH)", "注意力 L(2DNH + 2DKH)"): L * (2 * D * N * H + 2 * D * K * H),
           tr("vocabulary 2VD", "词表 2VD"): 2 * V * D, tr("norms (2L + 1)D", "归一化 (2L + 1)D"): (2 * L + 1) * D}
total_by_hand = sum(by_hand.values())
for part, n in by_hand.items():
    print(f"{part:28s} {n:>17,}  ({100 * n / total_by_hand:4.1f}%)")
P = llmcalc.param_count(l405)
print(f"{tr('total by hand', '手算合计'):28s} {total_by_hand:>17,}")
print(f"{'llmcalc.param_count':28s} {P:>17,}   "
      + tr(f"equal: {total_by_hand == P}", f"二者相等：{yes_no_text(total_by_hand == P)}"))
print("llmcalc.param_breakdown:", {label(k, k): f"{n:,}" for k, n in llmcalc.param_breakdown(l405).items() if n})

# %% [markdown]
# <details><summary>答案说明了什么</summary>
#
# 和 70B 一样，MLP 的三个矩阵占了大部分权重（见上面的百分比）。分组查询注意力（grouped-query attention，GQA）只用 $K = 8$ 个键/值头（查询头有 $N = 128$ 个），所以 K、V 的投影很小；而在这样的宽度下，词表只占一小部分。
#
# </details>
#
# **问题 a2（Question a2）：** 按 $6P$ 规则，训练一个 token 要多少 FLOPs（以每 token 的 FLOPs 为单位）？如果精确计算，把 LLaMA 3 预训练上下文 $T = 8192$ 下的因果注意力分数也算进去，又是多少？（第 2 章：完整的 $T\times T$ 矩阵让每个 token 多出 $+\,12LNHT$，用因果计算核（causal kernel）大约只需一半。）

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.flops_per_token", "check:405b.flops_per_token_8k"]
# Answer (click to reveal) · 答案(点击展开)
six_p = llmcalc.flops_per_token(l405)
exact_8k = llmcalc.training_flops_per_token(l405, 8192)
full_8k = llmcalc.training_flops_per_token(l405, 8192, causal=False)
scores_pct_8k = 100 * llmcalc.attention_score_fraction(l405, 8192)
ms_v5p, ms_h100 = (1e3 * llmcalc.training_seconds(six_p, 1, chip, 1.0) for chip in (v5p, h100))
print(tr(f"6P:                         {six_p:.4e} FLOPs per token",
         f"6P：每个 token {six_p:.4e} FLOPs"))
print(tr(f"exact, T = 8192, causal:    {exact_8k:.4e}  ({exact_8k / six_p:.3f} x 6P)",
         f"精确值，T = 8192，因果：{exact_8k:.4e}（{exact_8k / six_p:.3f} × 6P）"))
print(tr(f"exact, T = 8192, full T x T: {full_8k:.4e}  ({full_8k / six_p:.3f} x 6P)",
         f"精确值，T = 8192，完整 T × T：{full_8k:.4e}（{full_8k / six_p:.3f} × 6P）"))
print(tr(f"attention scores: {scores_pct_8k:.1f}% of the forward FLOPs (causal)",
         f"注意力分数：占前向 FLOPs 的 {scores_pct_8k:.1f}%（因果）"))
print(tr(f"one token on one v5p at full peak: {ms_v5p:.1f} ms; on one H100: {ms_h100:.2f} ms",
         f"按满峰值算，一个 token 在一块 v5p 上要 {ms_v5p:.1f} ms，在一张 H100 上要 {ms_h100:.2f} ms"))

# %% [markdown]
# <details><summary>答案说明了什么</summary>
#
# 在 $D = 16384$ 这样的宽度下，8K 的上下文算是短的：注意力只在 $6P$ 之上多出几个百分点（第 2 章：这个比例大致随 $T/D$ 增长）。对主预训练阶段来说，用 $6P$ 做预算完全够用。
#
# </details>
#
# **问题 a3（Question a3）：** LLaMA 3 训练了约 15 万亿个 token，这需要多少 FLOPs（以 FLOPs 为单位）？Llama 3 论文（§1）报告，405B 模型在 15.6 万亿（15.6T）个 token 上用了 $3.8\times10^{25}$ FLOPs：按 $6P$ 算 15.6 万亿个 token 是多少？它与论文的数字相差在 2% 以内吗（填 True（是）或 False（否））？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.total_flops", "check:405b.meta_flops", "check:405b.6p_reproduces_meta_flops"]
# Answer (click to reveal) · 答案(点击展开)
total_15t = llmcalc.training_flops_6p(l405, 15e12)
total_156t = llmcalc.training_flops_6p(l405, 15.6e12)
META_FLOPS = 3.8e25
within_2pct = abs(total_156t / META_FLOPS - 1) < 0.02
times_70b = total_15t / llmcalc.training_flops_6p(l70, 15e12)
print(tr(f"6P x 15T:    {total_15t:.3e} FLOPs", f"6P × 15 万亿个 token：{total_15t:.3e} FLOPs"))
print(tr(f"6P x 15.6T:  {total_156t:.4e} FLOPs  -> {total_156t / META_FLOPS:.4f} x Meta's 3.8e25",
         f"6P × 15.6 万亿个 token：{total_156t:.4e} FLOPs，是 Meta 的 3.8e25 的 {total_156t / META_FLOPS:.4f} 倍"))
print(tr(f"within 2% of Meta's 3.8e25: {yes_no_text(within_2pct)}",
         f"与 Meta 的 3.8e25 相差在 2% 以内：{yes_no_text(within_2pct)}"))
print(tr(f"exact at T = 8192 x 15.6T: {exact_8k * 15.6e12:.3e} FLOPs (the scores add {exact_8k / six_p - 1:.1%})",
         f"T = 8192 时的精确值 × 15.6 万亿：{exact_8k * 15.6e12:.3e} FLOPs（注意力分数多出 {exact_8k / six_p - 1:.1%}）"))
print(tr(f"vs LLaMA 3-70B on 15T: {times_70b:.2f} x the compute",
         f"算力是 LLaMA 3-70B 训练 15 万亿个 token 的 {times_70b:.2f} 倍"))

# %% [markdown]
# <details><summary>答案说明了什么</summary>
#
# Meta 的 $3.8\times10^{25}$ 就是 $6PD_\text{data}$ 取两位有效数字。论文没有说明它怎样统计 FLOPs；这个吻合说明它很可能没有计入注意力项，和 $6P$ 一样。从这里开始，我们就把 $3.8\times10^{25}$ 当作这次训练的算力预算。
#
# </details>
#
# ## 2. 显存：模型状态、检查点与最少芯片数
#
# 第 3 章给出了统计 Adam 模型状态（model states）的三种口径：每个参数 10 字节（*How To Scale Your Model* 的算法，不存 fp32 主权重）；16 字节（带 fp32 主权重的混合精度训练，即 ZeRO 的口径）；18 字节（梯度也用 fp32，即 Megatron 的口径）。
#
# **问题 b1（Question b1）：** 在这三种口径下，LLaMA 3.1-405B 的模型状态各有多大（以 TB 为单位）？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.states_tb_16b", "check:405b.states_tb_18b", "check:405b.states_tb_10b"]
# Answer (click to reveal) · 答案(点击展开)
states = {r: mem.model_state_breakdown(l405, r) for r in mem.REGIMES}
print(pd.DataFrame({r: {k: f"{x / 1e12:.3f}" for k, x in b.items()} for r, b in states.items()})
      .rename(index=lambda k: f"{label(k, k)} (TB)").to_string())
print("\n" + tr("bytes per parameter: ", "每个参数的字节数：") + ", ".join(f"{r} {mem.bytes_per_param(r)}" for r in mem.REGIMES))

# %% [markdown]
# **问题 b2（Question b2）：** Llama 3 论文的批大小先是 4M 个 token，后来加到 8M，训完前 2.87 万亿个 token 之后才到 16M（2^24 ≈ 1,678 万个 token；§3.4.1）；表 4 给 128 个数据并行组各分 16 条 $T = 8192$ 的序列，合计 $2048$ 条，即 $16\cdot2^{20}$ 个 token。就取这个 16M 的批次。本书为批次里的每个 token 在每层保留 4 个检查点（checkpoint），每个宽 $D$：
#
# $$\text{checkpoints} = 2\ \text{bytes}\times B\times L\times\textstyle\sum \text{widths}.$$
#
# 这是多少字节（以 TB 为单位）？如果换一种更贴近实际的策略——保留每个权重矩阵乘法的输出（`dots_no_batch_dims`：Q、K、V、注意力输出、gate、up、down，其中有两个宽 $F$）——又是多少？再加上模型状态，要装下这次训练，**最少**需要多少张 TPU v5p（每张 95 GiB，这是芯片实际能用的显存；本书取整为 96 GB）？多少张 H100（实际能用 81,559 MiB，标称“80 GB”）？两者都写成芯片数。

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.ckpt_book_4xd_tb", "check:405b.ckpt_dots_tb", "check:405b.min_v5p_dots", "check:405b.min_h100_dots"]
# Answer (click to reveal) · 答案(点击展开)
B_TOKENS = 16 * 2**20                                   # the Llama 3 batch: 2048 x 8192
print(tr(f"B = {B_TOKENS:,} tokens = {B_TOKENS // 8192:,} sequences of 8192",
         f"B = {B_TOKENS:,} 个 token = {B_TOKENS // 8192:,} 条长度为 8192 的序列"))
ckpt = {pol: mem.checkpoint_bytes(l405, B_TOKENS, pol) for pol in ("book_4xD", "dots_no_batch_dims")}
for pol, c in ckpt.items():
    print(f"{pol:19s} {'+'.join(mem.CHECKPOINT_POLICIES[pol]):18s} {c / 1e12:7.1f} TB")
rows = []
for regime in mem.REGIMES:
    for pol, c in ckpt.items():
        total = c + states[regime]["total"]
        rows.append({tr("states", "模型状态"): tr(f"{regime} ({mem.bytes_per_param(regime)} B/param)",
                                                  f"{regime}（每参数 {mem.bytes_per_param(regime)} 字节）"),
                     tr("checkpoints", "检查点"): pol, tr("total TB", "合计 TB"): f"{total / 1e12:.1f}",
                     tr("checkpoints share", "检查点占比"): f"{c / total:.0%}",
                     tr("min v5p", "最少 v5p"): f"{mem.min_chips(total, v5p):,}",
                     tr("min H100", "最少 H100"): f"{mem.min_chips(total, h100):,}"})
print()
print(pd.DataFrame(rows).to_string(index=False))

# %% [markdown]
# <details><summary>答案说明了什么</summary>
#
# 和 70B 一样，一个大批次的检查点远远超过模型状态；而更贴近实际的策略保留的量是本书算法的两倍多（多了两个 $F$ 宽的张量，$F = 3.25D$）。即便如此，几千块芯片就能*装下*这次训练。至于能不能*训完*，那是算力的问题：后面几节用到的芯片要多一个数量级。
#
# </details>
#
# ## 3. TPU 方案：8 个 v5p Pod
#
# 8 个 Pod 共有 $8\times 8960 = 71{,}680$ 块芯片。Pod 内部的芯片通过 ICI（芯片间互连，inter-chip interconnect）通信；Pod 之间只能走数据中心网络（data-centre network，DCN），每块芯片单向 $6.25\times10^{9}$ 字节/秒。所以最自然的布局是：**Pod 之间做数据并行**（每个 Pod 持有一份完整的模型，每步通过 DCN 做一次梯度 all-reduce），**Pod 内部做 FSDP × TP**。回忆第 4 章的规则：只要每个 Pod 分到的 token 数超过 $C/W_\text{dcn}$，跨 DCN 的数据并行就仍是计算受限的。
#
# **问题 c1（Question c1）：** 批大小为 16M 个 token 时，每个 Pod 每步处理多少个 token（写成每个 Pod 的 token 数）？v5p 的 DCN 阈值 $C/W_\text{dcn}$ 是多少（写成每个 Pod 的 token 数）？跨 Pod 的数据并行是计算受限的吗（填 True（是）或 False（否））？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.tokens_per_pod_8pods", "check:v5p.dcn_critical_tokens_per_pod", "check:405b.8pods_dcn_compute_bound"]
# Answer (click to reveal) · 答案(点击展开)
PODS = 8
tpu_chips = PODS * v5p.fast_domain
per_pod = B_TOKENS / PODS
dcn_threshold = S.dcn_critical_tokens_per_pod(v5p)
dcn = S.dcn_dp_layer_time(l405, v5p, B_TOKENS, PODS)
print(tr(f"{PODS} pods x {v5p.fast_domain:,} = {tpu_chips:,} chips", f"{PODS} 个 Pod × {v5p.fast_domain:,} = {tpu_chips:,} 块芯片"))
print(tr(f"tokens per pod: {per_pod:,.0f}; DCN threshold C/W_dcn = {v5p.peak_flops:.3g} / {v5p.slow_link_one_way:.3g} "
         f"= {dcn_threshold:,.0f}  ({per_pod / dcn_threshold:.1f}x above)",
         f"每个 Pod 的 token 数：{per_pod:,.0f}；DCN 阈值 C/W_dcn = {v5p.peak_flops:.3g} / {v5p.slow_link_one_way:.3g} "
         f"= {dcn_threshold:,.0f}（前者是阈值的 {per_pod / dcn_threshold:.1f} 倍）"))
print(tr(f"one layer: backward compute {1e3 * dcn.backward_compute_s:.2f} ms, DCN all-reduce {1e3 * dcn.backward_comm_s:.3f} ms "
         f"-> {bound_text(dcn.bound)} (comm / compute = {dcn.comm_ratio:.3f})",
         f"一层：反向计算 {1e3 * dcn.backward_compute_s:.2f} ms，DCN all-reduce {1e3 * dcn.backward_comm_s:.3f} ms "
         f"-> {bound_text(dcn.bound)}（通信 / 计算 = {dcn.comm_ratio:.3f}）"))

# %% [markdown]
# <details><summary>答案说明了什么</summary>
#
# DCN 绰绰有余：每个 Pod 分到的 token 远多于 73,440 个，所以跨 Pod 的梯度 all-reduce 可以完全藏在反向传播的计算之下。
#
# </details>
#
# **问题 c2（Question c2）：** 在一个 Pod 内，8960 块芯片每步分摊 $2{,}097{,}152$ 个 token，每块芯片分到多少（写成每芯片 token 数）？纯 FSDP 行得通吗（三个轴上的阈值为 850；填 True（是）或 False（否））？请分别就本书的两矩阵 MLP 和 LLaMA 实际使用的门控 MLP（三个矩阵）回答：$F = 53248$ 时 FSDP × TP 的阈值是多少（写成每芯片 token 数）？用 `best_fsdp_tp_split` 找到的最佳切分是计算受限的吗？门控 MLP 的最佳切分请写成 TP 度数 $Y$。如果 FSDP 只能按整条序列切分，又会怎样？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.pod_tokens_per_chip", "check:405b.fsdp_tp_threshold_m2", "check:405b.fsdp_tp_threshold_m3", "check:405b.best_tp_degree_gated", "check:405b.pod_pure_fsdp_works", "check:405b.pod_best_split_m2_compute_bound", "check:405b.pod_best_split_m3_compute_bound"]
# Answer (click to reveal) · 答案(点击展开)
tpc = S.tokens_per_chip(per_pod, v5p.fast_domain)
fsdp_threshold = S.dp_critical_tokens_per_chip(v5p, axes=3)
fsdp_verdict = tr("works", "行得通") if tpc > fsdp_threshold else bound_text("communication")
print(tr(f"tokens per chip in a pod: {tpc:.1f}; pure FSDP needs > {fsdp_threshold:.0f} -> {fsdp_verdict}",
         f"Pod 内每块芯片的 token 数：{tpc:.1f}；纯 FSDP 需要 > {fsdp_threshold:.0f} -> {fsdp_verdict}"))
for m in (2, 3):
    thr = S.fsdp_tp_critical_tokens_per_chip(v5p, F, mlp_matrices=m)
    best = S.best_fsdp_tp_split(l405, v5p, v5p.fast_domain, per_pod, mlp_matrices=m)
    y_max = S.tp_max_degree(v5p, F, mlp_matrices=m)
    print(tr(f"{m}-matrix MLP: FSDP x TP threshold {thr:5.1f} tokens/chip, X_opt = {best.x_opt:,.0f}, TP limit "
             f"Y < {y_max:.1f}; best split X = {best.X:,} x Y = {best.Y} "
             f"-> {bound_text(best.layer.bound)} (comm / compute = {best.layer.comm_ratio:.2f})",
             f"{m} 矩阵 MLP：FSDP × TP 阈值为每芯片 {thr:5.1f} 个 token，X_opt = {best.x_opt:,.0f}，TP 上限 "
             f"Y < {y_max:.1f}；最佳切分 X = {best.X:,} × Y = {best.Y} "
             f"-> {bound_text(best.layer.bound)}（通信 / 计算 = {best.layer.comm_ratio:.2f}）"))
split = S.best_fsdp_tp_split(l405, v5p, v5p.fast_domain, per_pod)      # the real gated MLP
seqs = S.max_data_parallel_degree(int(per_pod), 8192)
batch_only = S.best_fsdp_tp_split(l405, v5p, v5p.fast_domain, per_pod, seq_len=8192)
print(tr(f"batch-only FSDP: {seqs} sequences per pod -> X <= {seqs}, best {batch_only.X} x {batch_only.Y} "
         f"-> {bound_text(batch_only.layer.bound)} ({batch_only.layer.comm_ratio:.2f})",
         f"只切批次维的 FSDP：每个 Pod {seqs} 条序列 -> X <= {seqs}，最佳 {batch_only.X} × {batch_only.Y} "
         f"-> {bound_text(batch_only.layer.bound)}（{batch_only.layer.comm_ratio:.2f}）"))

# %% [markdown]
# <details><summary>答案说明了什么</summary>
#
# 纯 FSDP 失败的原因和本书中 70B 的情形一样（每块芯片分到的 token 太少）。问题在于 FSDP × TP，而答案取决于 MLP：按本书的两矩阵层，这个 Pod 刚好低于阈值；按 LLaMA 实际使用的门控 MLP（三个矩阵：TP 流量不变，计算更多），它高于阈值，而一种比 70B 用了更多 TP 的切分是计算受限的。我们读到的中文译本拿 234 去比它的 $2550^2/(2F)$——只有本书阈值的四分之一——于是得出余量很大的结论；按本书自己的公式，几乎没有余量。还有一个前提，和 70B 一样：FSDP 必须把**序列**轴也切开，因为一个 Pod 分到的完整序列太少，只按批次切分的 FSDP 不够用（最后一行）。下图画的是所选切分下的一层：计算时间和通信时间随每芯片 token 数的变化；点线标出这次训练的每芯片 token 数。
#
# </details>

# %% tags=["solution", "hide-cell"] jupyter={"source_hidden": true}
# Answer (click to reveal) · 答案(点击展开)
fig = plots.compute_vs_comm(l405, v5p, strategy="FSDP+TP", chips=v5p.fast_domain, tp=split.Y, mark=tpc)
plt.show()

# %% [markdown]
# **问题 c3（Question c3）：** 在这个布局下，每块芯片要装多少 GB（10 字节的模型状态，在一个 Pod 的 8960 块芯片上做 FSDP 切分，检查点按每个 Pod 的 2M 个 token 计）？分别按本书的 4·D 检查点和 `dots_no_batch_dims` 计算，都以 GB 为单位。在 40% MFU 下，8 个 Pod 训练论文的 $3.8\times10^{25}$ FLOPs 要多少天（以天为单位）？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.tpu_gb_per_chip_book_ckpt", "check:405b.tpu_gb_per_chip_dots", "check:405b.days_8_pods_40pct"]
# Answer (click to reveal) · 答案(点击展开)
state_chip = mem.model_state_bytes(l405, "bf16_fp32_adam", zero_stage=3, dp=v5p.fast_domain)
for pol in ("book_4xD", "dots_no_batch_dims"):
    per_chip = state_chip + mem.checkpoint_bytes(l405, per_pod, pol) / v5p.fast_domain
    print(tr(f"{pol:19s}: states {state_chip / GB:.2f} + checkpoints {(per_chip - state_chip) / GB:5.2f} "
             f"= {per_chip / GB:5.2f} GB per chip of {v5p.hbm_bytes / GB:.0f} GB",
             f"{pol}：模型状态 {state_chip / GB:.2f} + 检查点 {(per_chip - state_chip) / GB:5.2f} "
             f"= 每块芯片 {per_chip / GB:5.2f} GB（共 {v5p.hbm_bytes / GB:.0f} GB）"))
tpu_days_15t = llmcalc.training_days(total_15t, tpu_chips, v5p, 0.4)
tpu_days = llmcalc.training_days(META_FLOPS, tpu_chips, v5p, 0.4)
tpu_chip_hours = llmcalc.chip_hours(META_FLOPS, v5p, 0.4)
print(tr(f"days at 40% MFU on {tpu_chips:,} chips: {tpu_days_15t:.1f} (15T tokens), {tpu_days:.1f} (3.8e25 FLOPs); "
         f"{tpu_chip_hours / 1e6:.1f}M chip-hours",
         f"{tpu_chips:,} 块芯片、40% MFU 下的天数：{tpu_days_15t:.1f}（15 万亿个 token），{tpu_days:.1f}（3.8e25 FLOPs）；"
         f"{tpu_chip_hours / 1e4:,.0f} 万芯片小时"))

# %% [markdown]
# <details><summary>答案说明了什么</summary>
#
# 既然门控 MLP 是计算受限的，按 40% MFU 算出的天数就站得住，而且每块芯片的 HBM 大部分都空着——这又是本书从 70B 得出的教训：在这个规模上，显存很便宜，用这么多芯片是为了算力。
#
# </details>
#
# ## 4. 本书的另一道练习：4 个 Pod 上的 LLaMA 3-70B
#
# **问题（Question）：** 在 4 个 Pod 上训练 LLaMA 3-70B（$4\times 8960 = 35{,}840$ 块芯片，即“大约 36,000 张”），批大小不变，仍为 $4\cdot2^{20}$ 个 token，Pod 之间通过 DCN 做数据并行。每个 Pod 分到的 token 数是 73,440 的多少倍（写成倍数，例如 1.25）？Pod 内每块芯片分到多少（写成每芯片 token 数）？FSDP × TP 在那里还是计算受限的吗（填 True（是）或 False（否））（第 4 章的阈值，按本书的 MLP 为 $2\cdot2550^2/F$）？假设内核只要不在等网络，就以峰值的 40% 运行：每一层要花它计算时间的多少倍（写成倍数，例如 1.25）？整次训练要多少天（以天为单位）？要让每个 Pod 都计算受限，批大小最小要多少（以 $2^{20}$ 个 token 为单位）？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:l3_70b.4pods_dcn_margin", "check:l3_70b.4pods_tokens_per_chip", "check:l3_70b.4pods_layer_slowdown", "check:l3_70b.days_4_pods_comm_bound", "check:l3_70b.4pods_min_batch_mtokens", "check:l3_70b.4pods_in_pod_compute_bound"]
# Answer (click to reveal) · 答案(点击展开)
B70 = 4 * 2**20
per_pod_70 = B70 / 4
dcn_70 = S.dcn_dp_layer_time(l70, v5p, B70, 4)
print(tr(f"tokens per pod: {per_pod_70:,.0f} = {per_pod_70 / dcn_threshold:.1f}x the DCN threshold "
         f"-> DCN {bound_text(dcn_70.bound)}",
         f"每个 Pod 的 token 数：{per_pod_70:,.0f}，是 DCN 阈值的 {per_pod_70 / dcn_threshold:.1f} 倍 "
         f"-> DCN 上{bound_text(dcn_70.bound)}"))
tpc_70 = S.tokens_per_chip(per_pod_70, v5p.fast_domain)
for m in (2, 3):
    thr = S.fsdp_tp_critical_tokens_per_chip(v5p, l70.F, mlp_matrices=m)
    best = S.best_fsdp_tp_split(l70, v5p, v5p.fast_domain, per_pod_70, mlp_matrices=m)
    print(tr(f"{m}-matrix MLP: {tpc_70:.1f} tokens per chip vs threshold {thr:.1f}; best allowed split {best.X} x {best.Y} "
             f"-> {bound_text(best.layer.bound)} (comm / compute = {best.layer.comm_ratio:.2f})",
             f"{m} 矩阵 MLP：每芯片 {tpc_70:.1f} 个 token，阈值 {thr:.1f}；最佳可行切分 {best.X} × {best.Y} "
             f"-> {bound_text(best.layer.bound)}（通信 / 计算 = {best.layer.comm_ratio:.2f}）"))
flops_70 = llmcalc.training_flops_6p(l70, 15e12)
in_pod_70 = S.best_fsdp_tp_split(l70, v5p, v5p.fast_domain, per_pod_70)          # the real gated MLP
slowdown = in_pod_70.layer.step_s / in_pod_70.layer.compute_s
days_ideal = llmcalc.training_days(flops_70, 4 * v5p.fast_domain, v5p, 0.4)
days_one_pod = llmcalc.training_days(flops_70, v5p.fast_domain, v5p, 0.4)
print(tr(f"each layer takes {slowdown:.2f}x its compute time -> {days_ideal * slowdown:.1f} days on {4 * v5p.fast_domain:,} chips "
         f"(not the {days_ideal:.1f} that 40% MFU alone gives; effective MFU {0.4 / slowdown:.1%}); one pod, compute-bound: "
         f"{days_one_pod:.1f} days",
         f"每层耗时是其计算时间的 {slowdown:.2f} 倍 -> 在 {4 * v5p.fast_domain:,} 块芯片上要 {days_ideal * slowdown:.1f} 天"
         f"（而不是只按 40% MFU 算出的 {days_ideal:.1f} 天；等效 MFU {0.4 / slowdown:.1%}）；单个 Pod（计算受限）："
         f"{days_one_pod:.1f} 天"))
for mult in range(4, 65):
    fix = S.best_fsdp_tp_split(l70, v5p, v5p.fast_domain, mult * 2**20 / 4)
    if fix.layer.compute_bound:
        break
print(tr(f"smallest batch that is compute-bound in every pod: {mult} x 2^20 = {mult * 2**20:,} tokens "
         f"({mult * 2**20 // 4096:,} sequences of 4096): {fix.tokens_per_chip:.0f} tokens per chip, split {fix.X} x {fix.Y}, "
         f"comm / compute {fix.layer.comm_ratio:.2f}",
         f"让每个 Pod 都计算受限的最小批大小：{mult} × 2^20 = {mult * 2**20:,} 个 token"
         f"（{mult * 2**20 // 4096:,} 条长度为 4096 的序列）：每芯片 {fix.tokens_per_chip:.0f} 个 token，切分 {fix.X} × {fix.Y}，"
         f"通信 / 计算 {fix.layer.comm_ratio:.2f}"))

# %% [markdown]
# <details><summary>为什么 4 个 Pod 快不了 4 倍</summary>
#
# 问题不在 DCN：每个 Pod 分到四分之一的批次，仍远高于 DCN 的阈值。问题出在 Pod 内部。批大小不变而芯片数变为四倍，每块芯片分到的 token 只剩四分之一，无论按哪种 MLP 都远低于 FSDP × TP 的阈值；Pod 的任何切分都藏不住它的通信：每一层都要等 ICI。（我们读到的中文译本拿每芯片 token 数去比 $2550^2/(2F)$——只有本书阈值的四分之一——得出“刚好高出一点”的结论；第 4 章 §7 说明了这个 4 倍从哪里来。）
#
# 实事求是地说，有三种做法：
# - **接受它。** 在 4M 的批大小下，这次训练是通信受限的；它仍然比在一个 Pod 上训得快，但 40% 的 MFU 保不住：天数要乘上上面打印的每层减速比。
# - **加大批次。** 让每个 Pod 都计算受限的最小批大小打印在最后一行；LLaMA 3 在大规模训练时正是这么做的（每步 16M 个 token）。批次更大会改变优化过程（步数更少、每步更大），这是建模上的决定，而不是系统上的决定。
# - **少用几个 Pod**，批次仍为 4M：一个 Pod 是计算受限的，两个就不是了。
#
# </details>
#
# ## 5. Meta 实际采用的 GPU 方案：16,384 张 H100
#
# 在 GPU 上，高速互连域是一个 8 卡的 NVLink 节点；除此之外的通信都要走集群网络，`llmcalc` 把它叫作 InfiniBand（这里每张 GPU 单向 $5\times10^{10}$ 字节/秒；Meta 训练 405B 的集群用的是 RoCE，即以太网上的 RDMA，每张 GPU 同样是 400 Gbps，见 Llama 3 论文 §3.3.1）。论文的表 4 列出了 405B 模型在 16,384 张 H100 上的布局 **TP8 × PP16 × DP128**：节点内做张量并行，16 个流水线级（pipeline stage），128 个数据并行副本，$T = 8192$，每步 16M 个 token，每张 GPU 400 TFLOP/s。它的数据并行是 FSDP：按论文的说法，它“切分优化器状态和梯度”，但前向时收集起来的权重要留到反向再用，不再重新切分（§3.3.2）；它还在多个微批次之间用 fp32 累积梯度。论文给的细节不足以精确估算这些状态占多少显存，本章把它们当作 16 字节的模型状态加 ZeRO-1（优化器状态在 128 个副本之间切分）来建模。
#
# **问题 d1（Question d1）：** 每个并行轴走哪种链路？一张 GPU 持有多少参数（写成参数个数）？为什么不在这些 GPU 上直接使用第 4 章的 FSDP × TP？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.params_per_gpu_meta"]
# Answer (click to reveal) · 答案(点击展开)
H_CHIPS = 16_384
meta = S.hybrid_layout(8, 16, 128, chip=h100, n_chips=H_CHIPS, model=l405)
print(tr(f"TP{meta.tp} x PP{meta.pp} x DP{meta.dp} = {meta.n_chips:,} GPUs in {meta.nodes:,} nodes; links: "
         f"TP {meta.tp_link}, PP {meta.pp_link}, DP {meta.dp_link}",
         f"TP{meta.tp} × PP{meta.pp} × DP{meta.dp} = {meta.n_chips:,} 张 GPU，分布在 {meta.nodes:,} 个节点上；链路："
         f"TP 走 {meta.tp_link}，PP 走 {meta.pp_link}，DP 走 {meta.dp_link}"))
print(tr(f"{meta.params_per_chip:,.0f} parameters per GPU; {meta.layers_per_stage} layers per stage (126 / 16)",
         f"每张 GPU {meta.params_per_chip:,.0f} 个参数；每个流水线级 {meta.layers_per_stage} 层（126 / 16）"))
gpu_split = S.best_fsdp_tp_split(l405, h100, H_CHIPS, B_TOKENS)
print(tr(f"FSDP x TP on {H_CHIPS:,} H100s: TP <= 8 (a node) forces X = {gpu_split.X:,} over InfiniBand at "
         f"{gpu_split.tokens_per_chip:,.0f} tokens/GPU -> {bound_text(gpu_split.layer.bound)} "
         f"(comm / compute = {gpu_split.layer.comm_ratio:.2f}; X_opt would be {gpu_split.x_opt:.0f})",
         f"在 {H_CHIPS:,} 张 H100 上做 FSDP × TP：TP <= 8（一个节点）迫使 X = {gpu_split.X:,}，走 InfiniBand，"
         f"每张 GPU {gpu_split.tokens_per_chip:,.0f} 个 token -> {bound_text(gpu_split.layer.bound)}"
         f"（通信 / 计算 = {gpu_split.layer.comm_ratio:.2f}；X_opt 本应是 {gpu_split.x_opt:.0f}）"))
mb = S.tp_layer_time(l405, h100, 8192, 8)
print(tr(f"TP8 on one micro-batch of 8192 tokens, NVLink: {bound_text(mb.bound)} (comm / compute = {mb.comm_ratio:.2f})",
         f"TP8 处理一个 8192 个 token 的微批次，走 NVLink：{bound_text(mb.bound)}（通信 / 计算 = {mb.comm_ratio:.2f}）"))
step_s = llmcalc.training_seconds(six_p * B_TOKENS, H_CHIPS, h100, mfu_from_throughput(400e12, h100))
grad_sync = S.all_reduce_time(2 * meta.params_per_chip, meta.dp, S.collective_bandwidth(h100, "slow"))
print(tr(f"one step at 400 TFLOP/s: {step_s:.2f} s; ZeRO-1 gradient reduce-scatter + all-gather of "
         f"{2 * meta.params_per_chip / GB:.1f} GB over InfiniBand: {grad_sync:.2f} s ({grad_sync / step_s:.0%} of a step)",
         f"按 400 TFLOP/s 算，一步 {step_s:.2f} s；ZeRO-1 的梯度 reduce-scatter + all-gather 经 InfiniBand 传 "
         f"{2 * meta.params_per_chip / GB:.1f} GB：{grad_sync:.2f} s（占一步的 {grad_sync / step_s:.0%}）"))

# %% [markdown]
# <details><summary>答案说明了什么</summary>
#
# 在 GPU 上，张量并行出不了节点，于是 FSDP 只能横跨 2048 个节点，每个微批次都要通过 InfiniBand 把每一层的权重收集一遍。流水线并行（pipeline parallelism）换了一种做法，把模型切成 16 段：每张 GPU 只持有自己那一级分到的那份权重（见上面打印的数），相邻的级之间只传递激活值，数据并行副本每步同步一次梯度，只占一步时间的几个百分点。
#
# </details>
#
# **问题 d2（Question d2）：** 用 `training_bytes_per_device` 估算 Meta 这个布局下每张 GPU 的显存：16 字节的模型状态，TP8，PP16，在 DP128 上做 ZeRO-1，序列并行（sequence parallelism），选择性重计算（selective recompute），$T = 8192$，微批次为 1。每张 GPU 要多少（以 GB 为单位）？其中 ZeRO-1 下的模型状态占多少 GB？一张 H100 放得下吗（填 True（是）或 False（否））？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.meta_layout_gb", "check:405b.tp8_pp16_zero1_states_gb", "check:405b.meta_layout_fits_h100"]
# Answer (click to reveal) · 答案(点击展开)
meta_kw = dict(tp=8, pp=16, sp=True, recompute="selective")
variants = {"TP8 PP16, no ZeRO": mem.training_bytes_per_device(l405, 1, 8192, **meta_kw),
            "Meta: + ZeRO-1 x128": mem.training_bytes_per_device(l405, 1, 8192, zero_stage=1, dp=128, **meta_kw)}
# Two refinements llmcalc has no switch for, applied by hand to its per-layer breakdown (see the text below):
# the first stage holds 7 layers instead of 8, and SwiGLU keeps only gate and up (silu and product recomputed)
layer = mem.layer_activation_breakdown(l405, 1, 8192, tp=8, sp=True, recompute="selective")
lean_layer = sum(x for k, x in layer.items() if k not in ("silu_gate", "product"))
FIRST_STAGE_LAYERS, IN_FLIGHT = math.ceil(L / 16) - 1, 16      # Meta's balanced first stage; p micro-batches (1F1B)
lean = dict(variants["Meta: + ZeRO-1 x128"], activations=FIRST_STAGE_LAYERS * IN_FLIGHT * lean_layer)
lean["total"] = lean["model_states"] + lean["activations"] + lean["logits"]
variants["Meta, 7-layer stage 1, lean SwiGLU"] = lean
variants["Meta, full recompute"] = mem.training_bytes_per_device(l405, 1, 8192, zero_stage=1, dp=128,
                                                                 **dict(meta_kw, recompute="full"))
variant_label = {"TP8 PP16, no ZeRO": tr("TP8 PP16, no ZeRO", "TP8 PP16，不用 ZeRO"),
                 "Meta: + ZeRO-1 x128": tr("Meta: + ZeRO-1 x128", "Meta：+ ZeRO-1 ×128"),
                 "Meta, 7-layer stage 1, lean SwiGLU": tr("Meta, 7-layer stage 1, lean SwiGLU",
                                                          "Meta：第 1 级 7 层，精简 SwiGLU"),
                 "Meta, full recompute": tr("Meta, full recompute", "Meta：完全重计算")}
for name, r in variants.items():
    fits_h100 = mem.fits(r["total"], h100)
    print(tr(f"{name:34s} states {r['model_states'] / GB:6.1f} + activations {r['activations'] / GB:5.1f} + logits "
             f"{r['logits'] / GB:4.2f} = {r['total'] / GB:6.1f} GB   fits an H100 ({h100.hbm_bytes / GB:.1f} GB): {fits_h100}",
             f"{variant_label[name]:22s} 模型状态 {r['model_states'] / GB:6.1f} + 激活值 {r['activations'] / GB:5.1f} + logits "
             f"{r['logits'] / GB:4.2f} = {r['total'] / GB:6.1f} GB   放得进一张 H100（{h100.hbm_bytes / GB:.1f} GB）："
             f"{yes_no_text(fits_h100)}"))
print(tr(f"one layer keeps {sum(layer.values()) / 1e6:.0f} MB per GPU per micro-batch; the first stage holds "
         f"{math.ceil(L / 16)} layers x 16 micro-batches in flight",
         f"每个微批次在每张 GPU 上，一层保留 {sum(layer.values()) / 1e6:.0f} MB；第一级有 "
         f"{math.ceil(L / 16)} 层 × 16 个在途微批次"))
fig = plots.memory_stack({variant_label[k]: {t: x for t, x in r.items() if t != "total"} for k, r in variants.items()},
                         chip=h100)
plt.show()

# %% [markdown]
# <details><summary>答案说明了什么</summary>
#
# ZeRO-1 把模型状态减到约四分之一（前两根柱子）：16 字节中的 12 字节——fp32 主权重和 Adam 的一阶矩、二阶矩——被切成了 128 份。但激活值才是大头：在 1F1B 流水线中，第一级要为 $p$ 个在途（in flight）的微批次保存它那 $L/p$ 层的激活值，合起来相当于一个微批次**全部** $L$ 层的量，与 $p$ 无关。按 `llmcalc` 对 LLaMA 层的统计（SwiGLU 有四个 $F$ 宽的张量），这就超过了一张 H100 的容量。
#
# Llama 3 论文（§3.3.2）说，平衡了流水线（第一级和最后一级分别承担嵌入和输出层及损失计算，因此各少放一个 Transformer 层）、并主动释放后续计算不再用到的张量（包括每个流水线级的输入和输出张量）之后，他们得以在 8K token 的序列上**不用**激活检查点（activation checkpointing）进行预训练。图中第三根柱子说明了这如何放得下：第一级放 7 层，SwiGLU 只保留它的两个矩阵乘法输出（逐元素的 $\mathrm{silu}$ 和乘积重计算起来很便宜）。这个估算的关键在于 MLP 保留了哪些张量：4 个 $F$ 宽张量的算法是上限，而这一项正是你在信任某个布局之前，应当先在真实节点上实测的。完全重计算（full recompute）总能放下，代价是多做一次前向传播（$8P$）。
#
# </details>
#
# **问题 d3（Question d3）：** 每步 16M 个 token $= 2048$ 条长度为 8192 的序列；128 个副本每个分到 16 条，每条是一个微批次（16 来自表 4；微批次的大小是我们的假设）。使用普通的 1F1B 调度时，一步中有多大比例是流水线气泡，即 $(p-1)/(m+p-1)$（写成小数，例如 0.125（而不是 12.5%））？Meta 用的是**交错式**（interleaved）调度（Narayanan 等人，2021；Llama 3 论文 §3.3.2）：每张 GPU 持有 $v$ 个更小的层块。这会带来什么变化？再和 8,192 张 GPU 的那次训练（DP64）比较一下：它在普通 1F1B 调度下的气泡占多少？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.bubble_16k_gpus", "check:405b.bubble_8k_gpus"]
# Answer (click to reveal) · 答案(点击展开)
seqs_per_step = B_TOKENS // 8192
for gpus, dp in ((16_384, 128), (8_192, 64)):
    m = seqs_per_step // dp
    print(tr(f"{gpus:,} GPUs, DP{dp}: {seqs_per_step} sequences / {dp} = {m} micro-batches per pipeline of p = 16",
             f"{gpus:,} 张 GPU，DP{dp}：{seqs_per_step} 条序列 / {dp} = 每条流水线（p = 16）{m} 个微批次"))
    for v in (1, 2, 4):
        act = (mem.activation_bytes(l405, 1, 8192, tp=8, sp=True, pp=16, recompute="selective", interleave=v)
               / mem.activation_bytes(l405, 1, 8192, tp=8, sp=True, pp=16, recompute="selective"))
        bubble, overhead = S.pipeline_bubble_fraction(16, m, v), S.pipeline_bubble_overhead(16, m, v)
        print(tr(f"   v = {v}: bubble {bubble:6.1%} of the step (= {15}/({v}*{m}+15)), bubble / useful time {overhead:6.1%}; "
                 f"first-stage activations x{act:.3f}",
                 f"   v = {v}：气泡占一步的 {bubble:6.1%}（= {15}/({v}*{m}+15)），气泡 / 有效时间 {overhead:6.1%}；"
                 f"第一级激活值 ×{act:.3f}"))

# %% [markdown]
# <details><summary>答案说明了什么</summary>
#
# 在 $m = p = 16$ 时，普通的 1F1B 流水线每一步几乎有一半时间在空等，MFU 最多只能达到同样的 GPU 不用流水线时的一半左右。
# 交错调度把气泡除以 $v$（需要填充的流水线时隙变为 $v$ 倍多、每个时隙缩短为 $1/v$），代价是点对点发送次数变为 $v$ 倍；而且按 Korthikanti 的统计，第一级持有的激活值是普通 1F1B 的 $1 + (p-1)/(p\,v)$ 倍（输出的最后一列）。8,192 张 GPU 的那次训练每条流水线有两倍的微批次，气泡开销（每单位有用时间对应的气泡时间）减半；论文（§3.3.2）也把 16,384 张 GPU 那次较低的 MFU（41%，对比 43%）归因于“每个 DP 组的批大小更小”。更大的数据并行度并非没有代价：批大小固定在 16M 时，它会让每条流水线分到的微批次变少。
#
# </details>
#
# **问题 d4（Question d4）：** 论文的表 4 报告在 16,384 张 H100 上每张 GPU 达到 400 TFLOP/s，并称之为 41% 的 MFU。请对照 H100 的 989 TFLOP/s 验证一下：400 TFLOP/s 是多大的 MFU（写成小数，例如 0.125（而不是 12.5%））？按 41% 计算，$3.8\times10^{25}$ FLOPs 在 16,384 张 GPU 上要多少天（以天为单位）？合多少 GPU 小时（以 GPU 小时为单位）？Llama 3.1 的模型卡报告 405B 用了 **3,084 万 H100 小时**。这些时长对应多大的 MFU？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:h100.mfu_at_400_tflops", "check:405b.days_16k_h100_41pct", "check:405b.gpu_hours_41pct", "check:405b.card_implied_mfu"]
# Answer (click to reveal) · 答案(点击展开)
for tflops, printed in ((430, "43%"), (400, "41%"), (380, "38%")):
    mfu = mfu_from_throughput(tflops * 1e12, h100)
    print(tr(f"{tflops} TFLOP/s / {h100.peak_flops / 1e12:.0f} = {mfu:.1%} (paper: {printed})",
             f"{tflops} TFLOP/s / {h100.peak_flops / 1e12:.0f} = {mfu:.1%}（论文：{printed}）"))
META_MFU, CARD_HOURS = 0.41, 30.84e6
gpu_days = llmcalc.training_days(META_FLOPS, H_CHIPS, h100, META_MFU)
gpu_hours = llmcalc.chip_hours(META_FLOPS, h100, META_MFU)
card_mfu = llmcalc.implied_mfu(META_FLOPS, CARD_HOURS, h100)
print(tr(f"{META_MFU:.0%} of {h100.peak_flops / 1e12:.0f} = {META_MFU * h100.peak_flops / 1e12:.0f} TFLOP/s",
         f"{h100.peak_flops / 1e12:.0f} 的 {META_MFU:.0%} = {META_MFU * h100.peak_flops / 1e12:.0f} TFLOP/s"))
print(tr(f"\n3.8e25 FLOPs on {H_CHIPS:,} H100 at {META_MFU:.0%}: {gpu_days:.1f} days, {gpu_hours / 1e6:.2f}M GPU-hours",
         f"\n3.8e25 FLOPs，{H_CHIPS:,} 张 H100，MFU {META_MFU:.0%}：{gpu_days:.1f} 天，{gpu_hours / 1e4:,.0f} 万 GPU 小时"))
print(tr(f"model card: {CARD_HOURS / 1e6:.2f}M GPU-hours = {CARD_HOURS / gpu_hours:.2f}x that; implied MFU {card_mfu:.1%}; "
         f"= {CARD_HOURS / H_CHIPS / 24:.1f} days of all {H_CHIPS:,} GPUs",
         f"模型卡：{CARD_HOURS / 1e4:,.0f} 万 GPU 小时，是上面的 {CARD_HOURS / gpu_hours:.2f} 倍；隐含 MFU {card_mfu:.1%}；"
         f"相当于全部 {H_CHIPS:,} 张 GPU 跑 {CARD_HOURS / H_CHIPS / 24:.1f} 天"))
print(tr(f"'goodput': implied / reported MFU = {card_mfu:.1%} / {META_MFU:.0%} = {card_mfu / META_MFU:.2f}",
         f"有效产出率：隐含 MFU / 报告的 MFU = {card_mfu:.1%} / {META_MFU:.0%} = {card_mfu / META_MFU:.2f}"))

# %% [markdown]
# <details><summary>答案说明了什么</summary>
#
# 论文的 400 TFLOP/s 是取整后的数：峰值的 41% 就是上面打印出的吞吐量。按这个速率，这份预算要跑两个多月。
#
# </details>
#
# <details><summary>为什么模型卡对应的 MFU 更低？</summary>
#
# 41% 是**训练步正在运行时**测得的，而模型卡上的 GPU 小时统计的是整个任务：
#
# - **故障与重启。** Llama 3 论文（§3.3.4）记录了预训练中一段 54 天的时间里共 466 次任务中断，其中 419 次是意外中断，这些意外中断约 78% 归因于已确认或疑似的硬件问题；论文报告的有效训练时间“高于 90%”。每次重启还会丢掉自上一个检查点以来的计算。
# - **保存模型检查点。** 保存一个带优化器状态（上面那 16 字节的状态）的 405B 模型，每次都要写几 TB。
# - **其他阶段。** 训练早期用的批次更小（先 4M、后 8M 个 token，§3.4.1），论文没有给出那时的 MFU；长上下文阶段最后在 $T = 131072$ 下用上下文并行（context parallelism）训练，MFU 为 38%（表 4）——而且在这个长度下占很大比例的注意力 FLOPs 不在 $6P$ 之内，所以在这里它们表现为“损失掉”的时间；退火（annealing）和数据配比的调整也是一样。
# - **评测和消融实验（ablation）** 也在同一批预留的机器上运行。
#
# 实际的方案要用一个“有效产出率”（goodput）来修正理想天数（把理想天数除以它）：它就是上面最后打印的那个比值（小于 1，所以工期会变长）。
#
# </details>

# %% [markdown]
# ## 6. 搜索所有布局：`llmcalc.planner`
#
# Meta 选择了 TP8 × PP16 × DP128。一位细心的工程师会尝试的远不止这一种：别的 TP 并行度；即使只有 8K 也用上下文并行（CP：把每条序列切分到多张 GPU 上）；更多或更少的流水线级；交错深度 $v$；微批次大小；ZeRO 阶段和重计算方式——而且对每一种组合，都要检查显存、它实际所走链路上的通信以及气泡。`llmcalc.planner.search` 以 numpy 数组的形式在整个搜索空间上一次性评估所有这些组合，并按预测的每步时间排序。它的模型简述如下（模块的 docstring 列出了全部假设）：
#
# - **显存**按最重的那一级计算：模型状态取决于口径和 ZeRO 阶段；激活值沿用第 3 章的逐层统计（$\lceil L/p\rceil$ 层 × $\min(p, m)$ 个在途微批次；交错时按 Megatron-LM 的调度实际保存的数量计：微批次很多时多出 $1 + (p-1)/(pv)$ 倍，$m = p$ 时不比 1F1B 多；并假设 SwiGLU 是融合实现、会重计算 $\mathrm{silu}$）；最后一级另加 fp32 的 logits；用量低于 HBM 的 90% 才算放得下；
# - **每步时间**：精确的矩阵乘法 FLOPs 按校准后的峰值占比计算（`ideal=True` 时按峰值，即**理想内核**），逐元素运算按 HBM 带宽计算，TP/CP/EP 的集合通信或者暴露在外，或者在框架能重叠的地方藏在计算后面（`stack=`），再加上流水线的发送、气泡 $t_\text{mb}(p-1)/v$、数据并行梯度同步中没能藏进最后一次反向传播的部分，以及优化器更新；
# - 一个并行组的所有 rank 只要都在同一个节点或 Pod 内，就走 NVLink 或 ICI（rank 按 TP、CP、DP、PP 的顺序排列），否则走 InfiniBand 或 DCN。
#
# 默认情况下，它给出的 MFU 是一个**预测值**，在公开的训练上校准过（准到什么程度，见本节末尾）；加上 `ideal=True`，它就是一个布局所能允许的**上限**。每一行都同时带着这两个数（`mfu` 和 `mfu_ideal`）。下面是对 405B 这次训练的搜索：16,384 张 H100，每步 2048 条长度为 8192 的序列，按预测的每步时间排序。

# %%
from llmcalc import planner

H_CHIPS, H_BATCH = 16_384, 2048 * 8192    # Meta's GPUs (question d1) and batch: 2048 sequences of 8192


def layout_name_text(name):
    """A layout's name ("TP8+SP CP1 PP16 DP128 ZeRO-1 b1 none") with its recompute policy in this edition's words."""
    return tr(name, widgets.layout_text(name))


REJECTED_ZH = dict(zip(planner.REASONS[1:], ("批次：数据并行度不能整除批次中的序列数",
                                             "批次：微批次大小不能整除每个数据并行副本分到的序列数",
                                             "交错：交错调度要求至少 PP 个微批次，且每级至少 v 层",
                                             "显存：超过 HBM 减去余量",
                                             "流水线：DualPipe 要求 PP 为偶数、微批次数为偶数且至少为 2·PP，并且不交错"), strict=True))
COLUMN_ZH = {"layout": "布局", "MFU ideal": "理想 MFU", "step s": "每步 s", "compute": "计算", "elementwise": "逐元素", "tp_comm": "TP 通信",
             "cp_comm": "CP 通信", "pp_p2p": "PP 点对点", "bubble": "气泡", "dp_exposed": "DP 未隐藏",
             "tp_link": "TP 链路", "cp_link": "CP 链路", "dp_link": "DP 链路", "pp_link": "PP 链路", "model": "模型",
             "planner TFLOP/s per GPU (ideal kernels)": "规划器每 GPU TFLOP/s（理想计算核）",
             "TFLOP/s per GPU reported": "报告的每 GPU TFLOP/s", "reported / planner": "报告 / 规划器",
             "planner MFU % (v = 1)": "规划器 MFU %（v = 1）", "planner best v": "规划器最佳 v",
             "planner MFU % (best v)": "规划器 MFU %（最佳 v）", "MFU % reported": "报告的 MFU %",
             "reported / planner (best v)": "报告 / 规划器（最佳 v）",
             "planner GiB per GPU (best v)": "规划器每 GPU GiB（最佳 v）",
             "fits H100 less 10%": "放得进 H100（扣 10%）", "framework": "框架", "run": "训练",
             "reported MFU %": "公开 MFU %", "predicted MFU %": "预测 MFU %", "ideal bound %": "理想上界 %",
             "error %": "误差 %", "GB per GPU": "每 GPU GB", "fits HBM less 10%": "放得进 HBM（扣 10%）"}


def layout_text(row):
    """planner.layout_name(row); in the Chinese edition its last word, the recompute policy, in Chinese."""
    return layout_name_text(planner.layout_name(row))


def column_text(column):
    """A table column's name as this edition prints it."""
    return tr(column, COLUMN_ZH.get(column, column))


found = planner.search(l405, h100, H_CHIPS, H_BATCH, 8192)
print(tr(f"{found.attrs['evaluated']:,} layouts evaluated, {found.attrs['accepted']:,} accepted; rejected:",
         f"评估了 {found.attrs['evaluated']:,} 种布局，接受 {found.attrs['accepted']:,} 种；被拒的原因："))
for reason, count in found.attrs["rejected"].items():
    print(f"  {count:7,}  {tr(reason, REJECTED_ZH[reason])}")
parts = ["compute_s", "elementwise_s", "tp_comm_s", "cp_comm_s", "pp_p2p_s", "bubble_s", "dp_exposed_s"]
top = pd.DataFrame({"layout": [layout_text(r) for _, r in found.head(8).iterrows()],
                    "GB": found["memory_gib"].head(8) * 2**30 / GB, "MFU": found["mfu"].head(8),
                    "MFU ideal": found["mfu_ideal"].head(8),
                    "step s": found["step_s"].head(8), **{p[:-2]: found[p].head(8) for p in parts}})
print(top.round(3).rename(columns=column_text).to_string())

# %% [markdown]
# **问题 e1（Question e1）：** 用 `planner.layout` 评估 Meta 的布局：TP8、PP16、DP128（表 4），不做激活重计算（§3.3.2）；论文没有交代的部分按问题 d2 的假设补上（序列并行、ZeRO-1、微批次为 1）。分别取 $v = 1, 2, 4, 8$。规划器（`ideal=True`）在 $v = 1$ 和 $v = 4$ 时给出的 MFU 上限是多少（写成小数，例如 0.125（而不是 12.5%））？Meta 的 41% 达到了这个上限的多大比例？$v = 1$ 时的显存估算放得进一张 H100 吗（填 True（是）或 False（否））？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.planner_meta_mfu_v1", "check:405b.planner_meta_mfu_v4", "check:405b.planner_meta_v1_fits_h100"]
# Answer (click to reveal) · 答案(点击展开)
for v in (1, 2, 4, 8):
    row = planner.layout(l405, h100, H_CHIPS, H_BATCH, 8192, tp=8, pp=16, zero=1, interleave=v, ideal=True)
    bubble_share, meta_share = row["bubble_s"] / row["step_s"], 0.41 / row["mfu"]
    memory_gb = row["memory_gib"] * 2**30 / GB
    print(tr(f"v = {v}: ceiling MFU {row['mfu']:5.1%}; bubble {bubble_share:5.1%} of the step; "
             f"Meta's 41% is {meta_share:.2f} of it; memory {memory_gb:5.1f} GB "
             f"-> fits {h100.hbm_bytes / GB:.1f} GB less 10%: {row['fits']}",
             f"v = {v}：MFU 上限 {row['mfu']:5.1%}；气泡占一步的 {bubble_share:5.1%}；"
             f"Meta 的 41% 是上限的 {meta_share:.2f}；显存 {memory_gb:5.1f} GB "
             f"-> 放得进 {h100.hbm_bytes / GB:.1f} GB 减去 10%：{yes_no_text(row['fits'])}"))
zero2 = planner.layout(l405, h100, H_CHIPS, H_BATCH, 8192, tp=8, pp=16, zero=2, interleave=1, ideal=True)
print(tr(f"ZeRO-2, v = 1: memory {zero2['memory_gib'] * 2**30 / GB:5.1f} GB -> fits: {zero2['fits']}",
         f"ZeRO-2，v = 1：显存 {zero2['memory_gib'] * 2**30 / GB:5.1f} GB -> 放得下：{yes_no_text(zero2['fits'])}"))

# %% [markdown]
# <details><summary>答案说明了什么</summary>
#
# 用普通的 1F1B 调度（$v = 1$）时，气泡占了一步的 $(p-1)/(m+p-1)$，即使内核是理想的，它也是最大的一项损失（第一行）；交错调度把它除以 $v$，$v$ 越大上限越高。Meta 的 41% 占每个上限的比例已经打印出来；剩下的差距来自内核跑不到峰值，理想上界不计这一项，而校准后的预测（见本节末尾）对它建了模。
#
# 按问题 d2 的假设用 ZeRO-1 时，扣掉规划器留出的 10% 余量之后，无论 $v$ 取多少，显存估算都超过了一张 H100 的容量（见打印的数），可 Meta 正是在不做激活检查点的情况下训练了这个布局。Meta 的数据并行“切分优化器状态和梯度”（§3.3.2），也就是 ZeRO-2：最后一行打印了这种情况下的估算，以及它放不放得下。模型状态之外，决定结果的是激活值：规划器让第一级保存 $\min(p, m)$ 个在途微批次；交错时按 Megatron-LM 的调度实际保存的数量计，在 $m = p$ 时（这里是 16 级流水线上的 16 个微批次）不比 1F1B 多。从 $v = 2$ 起多出的显存，是一个微批次在一级各层上的激活值：按规划器的计数，像 Meta 那样让第一级少放一层，只在不交错时才省显存。Meta 平衡了各级的层数，还释放了后续计算不再用到的张量（§3.3.2；问题 d2 给出了这类改动值多少）。在信任一个接近显存上限的布局之前，激活值这一项应当先在真实节点上实测。
#
# </details>
#
# **问题 e2（Question e2）：** 规划器最看好的布局（上面的表格）并不是 Meta 的：排在前面的布局即使在 8K 下也用上下文并行，流水线也更深或交错得更多。*在模型里*，是什么让它们更快？在相信这个结论之前，你会检查什么？在理想模型里（`compute_efficiency=1.0`：每个矩阵乘法都跑满峰值）和用 `compute_efficiency=0.6`（每个矩阵乘法都跑到峰值的 60%）各重新搜索一次，看看排名是否保持不变。

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell"]
# Answer (click to reveal) · 答案(点击展开)
for eff in (1.0, 0.6):
    ranked = planner.search(l405, h100, H_CHIPS, H_BATCH, 8192, compute_efficiency=eff, top=3)
    names = tr("; ", "；").join(layout_text(r) for _, r in ranked.iterrows())
    print(tr(f"efficiency {eff}: {names}  (MFU {ranked['mfu'].iloc[0]:.1%})",
             f"计算效率 {eff}：{names}（MFU {ranked['mfu'].iloc[0]:.1%}）"))
meta_best = planner.search(l405, h100, H_CHIPS, H_BATCH, 8192, tp=8, pp=16, cp=1, zero=1, sp=True,
                           micro_batch=1, recompute="none", include_rejected=True).iloc[0]
apart = found["mfu"].iloc[0] / meta_best["mfu"] - 1
print(tr(f"Meta's axes at their best v: {layout_text(meta_best)}, MFU {meta_best['mfu']:.1%} vs the best "
         f"{found['mfu'].iloc[0]:.1%}: {apart:.0%} apart",
         f"Meta 的各轴取最佳 v：{layout_text(meta_best)}，MFU {meta_best['mfu']:.1%}，最佳布局为 "
         f"{found['mfu'].iloc[0]:.1%}：相差 {apart:.0%}"))

# %% [markdown]
# <details><summary>规划器的排名为什么不同，又有多可信</summary>
#
# CP 把 8192 个 token 切开，每张 GPU 持有的激活值更少（于是放得下更多的流水线级和更深的交错），代价只是对键和值做一次很小的 all-gather；更多的流水线级加上交错调度则缩小了气泡。在理想模型里，这些几乎都不花代价，因为矩阵乘法不论大小都按峰值运行。真实的内核不是这样：用了 CP 和很深的流水线，每张 GPU 分到的矩阵乘法变小了，按短块计算的注意力跑不到峰值，而每多一级流水线就多一次可能卡住的发送。校准后的默认模型计入了其中一部分（矩阵乘法的效率取决于它的形状）；两次重新搜索说明了用单一效率时次序是否保持；排在最前面的几个布局只差几个百分点，完全落在内核效率所能左右的范围之内。规划器的用处是**排除**布局（放不下、气泡太大、某个集合通信每层都要跨 InfiniBand）并找出上限；在剩下的候选中挑选，要靠实测。
#
# </details>
#
# **规划器离公开的训练有多近？** `llmcalc.fidelity` 在 Megatron-LM 表 1（Narayanan 等人，2021：在最多 3072 张 A100 上训练 17 亿到 1 万亿参数的模型）和 Llama 3 论文表 4 的每一个布局上运行规划器：公开了的配置固定不变，其余的交给规划器去选。

# %%
import re

from llmcalc import fidelity


def run_text(run):
    """A run's name ("Llama 3 405B, 8K context, 8,192 GPUs") as this edition prints it."""
    zh = run.replace(" context, ", " 上下文，").replace(" GPUs", " 张 GPU").replace(", GBS ", "，全局批大小 ")
    zh = zh.replace(", ", "，")
    zh = re.sub(r"，(\d+) (A100|H100|H800|B200)", r"，\1 张 \2", zh.replace(" (SP + selective)", "（SP + 选择性重计算）"))
    zh = re.sub(r"，(\d+) TPU v4", r"，\1 块 TPU v4", zh)
    head, _, last = zh.rpartition(" ")
    zh = f"{head} {widgets.recompute_text(last)}" if last in planner.RECOMPUTE else zh
    return tr(run, zh)


mega = fidelity.megatron_table1()
print(mega[["model", "TP", "PP", "GPUs", "planner TFLOP/s per GPU (ideal kernels)", "TFLOP/s per GPU reported",
            "reported / planner"]].round(3).rename(columns=column_text).to_string(index=False))
llama3 = fidelity.llama3_table4()
print()
print(llama3[["layout", "planner MFU % (v = 1)", "planner best v", "planner MFU % (best v)", "MFU % reported",
              "reported / planner (best v)", "planner GiB per GPU (best v)", "fits H100 less 10%"]]
      .assign(**{"layout": llama3["layout"].map(run_text), "fits H100 less 10%": llama3["fits H100 less 10%"].map(yes_no_text)})
      .round(3).rename(columns=column_text).to_string(index=False))

# %%
ratios = mega["reported / planner"]
spread = (ratios / ratios.median() - 1).abs().max()
print(tr(f"Megatron-LM, {len(mega)} rows: reported / planner from {ratios.min():.3f} to {ratios.max():.3f}, median "
         f"{ratios.median():.3f}; every row within {spread:.1%} of the median",
         f"Megatron-LM 共 {len(mega)} 行：报告 / 规划器从 {ratios.min():.3f} 到 {ratios.max():.3f}，中位数 "
         f"{ratios.median():.3f}；每一行与中位数相差都在 {spread:.1%} 以内"))
print(tr("Llama 3: reported / planner (best v) per layout: ", "Llama 3 各布局的报告 / 规划器（最佳 v）：")
      + tr("; ", "；").join(f"{run_text(r['layout'])}{tr(': ', '：')}{r['reported / planner (best v)']:.3f}"
                           for _, r in llama3.iterrows()))

# %% [markdown]
# 模型规模跨度很大、布局从 TP1 到 TP8 × PP64，Megatron 的训练都达到了规划器理想内核吞吐量的一个稳定比例（第一行输出）：
# 一个常数——也就是理想上界略去的内核效率——就能解释大部分差距。这一点成立的前提是规划器的非矩阵乘开销（每个保存的激活值
# 每步在 HBM 上往返的次数是拟合出来的，不是测量的）；README 给出了它变化时各比例如何移动。Llama 3 各行见第二行输出；规划器
# **超出内核效率所能解释的错误**在于：
#
# - 128K 上下文的那一行：规划器认为上下文并行很便宜（只是对键和值做一次很小的 all-gather），而真实的注意力在 128K 个 token 上切成 16 份后，在负载均衡和暴露在外的通信上损失更多；
# - 它对 Meta 各布局在最佳 $v$ 下估算的显存（GiB 一列，即 $2^{30}$ 字节）与一张 H100 扣掉 10% 余量后的容量相差无几，最后一列说明了哪些估算放得下。16 级流水线上只有 16 个微批次时，所有前向都在第一个反向之前跑完，交错调度所存的并不比 1F1B 多：Meta 的 16,384 张 GPU 布局在任何交错深度下都放得下。8,192 张 GPU 那一行有 32 个微批次，在规划器的估计里只有不交错才放得下，尽管 Meta 描述的是同一种调度；这些布局都确实跑起来了。
#
# **校准后的预测：离真实训练有多近？** 按默认设置运行时，规划器给出的是预测。每个矩阵乘法跑到峰值的多大比例由两件事决定：一个在公开训练上拟合的常数，以及切分之后这个矩阵乘法的形状能让芯片忙起来的比例（输出按块分到芯片的各个流式多处理器上：宽出一个块的矩阵乘法就要多跑一轮几乎空着的 wave）。注意力按其计算核公开的速率运行；非矩阵乘法的工作按每个保存的激活值在 HBM 上往返的拟合次数计算；集合通信按 NCCL 实测的总线带宽计算，组跨节点时分两段（先在节点内走 NVLink，再跨节点，每个成员各用自己的网卡）。哪些通信能藏在计算后面取决于框架（`stack=`）：2021 年的 Megatron-LM 让每次张量并行的 all-reduce 都暴露在外；Megatron-Core 把它们与计算重叠。`llmcalc.kernels` 列出了每个速率及其出处，以及那两个拟合出的常数；没有任何常数是按单次训练拟合的。下表把库中收录的每一次公开训练与预测值、以及同一布局的理想上界放在一起比较。拟合的常数只有两个，在七个来源的公开训练上拟合（Megatron-LM 2021 与 2022、MT-NLG、BLOOM、TPU v4 上的 PaLM、Llama 3、torchtitan；下面第一行打印了训练的次数），没有任何常数按单次训练拟合。

# %%
from llmcalc import kernels, published

STACK_ZH = {"megatron-lm-2021": "Megatron-LM（2021）", "megatron-core": "Megatron-Core", "deepspeed": "DeepSpeed",
            "fsdp2": "PyTorch FSDP2", "meta-llama3": "Meta（Llama 3）", "jax-tpu": "JAX（TPU）"}
print(tr(f"fitted constants: {kernels.FITTED}; {len(published.PLANNER_RUNS)} published runs",
         f"拟合的常数：{kernels.FITTED}；{len(published.PLANNER_RUNS)} 次公开训练"))
cmp = planner.published_comparison()
show = cmp[["stack", "run", "layout", "reported_mfu", "predicted_mfu", "ideal_mfu", "error"]].copy()
for col in ("reported_mfu", "predicted_mfu", "ideal_mfu", "error"):
    show[col] = (100 * show[col]).round(1)
show["stack"] = show["stack"].map(lambda s: tr(s, STACK_ZH.get(s, s)))
show["run"] = show["run"].map(run_text)
show["layout"] = show["layout"].map(layout_name_text)
show.rename(columns={"stack": "framework", "reported_mfu": "reported MFU %", "predicted_mfu": "predicted MFU %",
                     "ideal_mfu": "ideal bound %", "error": "error %"}).rename(columns=column_text)

# %%
fit = planner.fit_and_cross_validate()      # the fit and its leave-one-source-out cross-validation (seconds)
held_out = fit["cv"]
held = 100 * held_out["held_out_error"].abs()
worst_run = run_text(held_out.loc[held.idxmax(), "run"])
in_sample = 100 * fit["in_sample"].abs()     # the same numbers as cmp["error"]
print(tr(f"in sample: median error {in_sample.median():.1f}%, worst {in_sample.max():.1f}%",
         f"样本内：误差中位数 {in_sample.median():.1f}%，最大 {in_sample.max():.1f}%"))
print(tr(f"each source held out of the fit: median {held.median():.1f}%, worst {held.max():.1f}% ({worst_run})",
         f"每个来源都从拟合中留出：中位数 {held.median():.1f}%，最大 {held.max():.1f}%（{worst_run}）"))

TARGET_MEDIAN, TARGET_WORST = 10, 25         # the planner's target, held out: median and worst |error|, per cent
met_text = {True: tr("met", "达到"), False: tr("not met", "未达到")}
long_context = held_out["run"].str.startswith("Llama 3") & held_out["run"].str.contains("128K")
rest = held[~long_context]
rest_run = run_text(held_out.loc[rest.idxmax(), "run"])
print(tr(f"target, held out: median within {TARGET_MEDIAN}% {met_text[held.median() <= TARGET_MEDIAN]}, "
         f"worst within {TARGET_WORST}% {met_text[held.max() <= TARGET_WORST]}; "
         f"{(held <= TARGET_WORST).sum()} of {len(held)} runs within {TARGET_WORST}%",
         f"目标（留出）：中位数不超过 {TARGET_MEDIAN}%，{met_text[held.median() <= TARGET_MEDIAN]}；"
         f"最大不超过 {TARGET_WORST}%，{met_text[held.max() <= TARGET_WORST]}；"
         f"{len(held)} 次训练中有 {(held <= TARGET_WORST).sum()} 次在 {TARGET_WORST}% 以内"))
print(tr(f"without Llama 3's 128K-context row: {len(rest)} runs, worst {rest.max():.1f}% held out ({rest_run})",
         f"除去 Llama 3 的 128K 上下文那一行：{len(rest)} 次训练，留出误差最大 {rest.max():.1f}%（{rest_run}）"))
# Llama 3 at 128K: Meta's 380 TFLOP/s per GPU read with PaLM's count (every T x T score) or with the causal half
run_128k = next(r for r in published.PLANNER_RUNS if r.source_key == "llama3_2024" and r.seq_len > 8192)
palm_count = 6 * llmcalc.param_count(l405) + 12 * l405.L * l405.N * l405.H * run_128k.seq_len
causal_count = 3 * sum(llmcalc.flops.forward_flops_breakdown(l405, 1, run_128k.seq_len, causal=True).values()) / run_128k.seq_len
err_128k = held_out.set_index("run").loc[run_128k.label, "held_out_error"]
print(tr(f"Llama 3 128K: FLOPs per token {palm_count:.3e} (PaLM's count) or {causal_count:.3e} (causal); held-out "
         f"error {100 * err_128k:+.1f}% with the first, {100 * ((1 + err_128k) * causal_count / palm_count - 1):+.1f}% with the second",
         f"Llama 3 128K：每个 token 的 FLOPs 为 {palm_count:.3e}（PaLM 的计数）或 {causal_count:.3e}（因果）；"
         f"留出误差按前者为 {100 * err_128k:+.1f}%，按后者为 {100 * ((1 + err_128k) * causal_count / palm_count - 1):+.1f}%"))

# %%
import dataclasses

HEADROOM = 0.1                               # the planner's default: a layout may use HBM less 10%
depth = []
for run in [r for r in published.PLANNER_RUNS if r.source_key == "llama3_2024"]:
    for v in (1, 2, 4, 8):                   # Meta interleaved its pipeline (§3.3.2) but prints no depth
        row = planner.published_comparison([dataclasses.replace(run, interleave=v)]).iloc[0]
        depth.append({"run": run_text(run.label), "v": v, "error %": round(100 * row["error"], 1),
                      "GB per GPU": round(row["memory_gib"] * 2**30 / GB, 1),
                      "fits HBM less 10%": yes_no_text(row["fits"])})
print(pd.DataFrame(depth).rename(columns=column_text).to_string(index=False))
print(tr(f"an H100 lets a layout use {h100.hbm_bytes * (1 - HEADROOM) / GB:.1f} GB",
         f"一张 H100 允许布局使用 {h100.hbm_bytes * (1 - HEADROOM) / GB:.1f} GB"))

# %%
# runs no fit has seen (llmcalc.published.VALIDATION_RUNS): NVIDIA's H100 and B200 benchmarks with Megatron-Core,
# mixture-of-experts models and Llama 3 in FP8 (fp8=True, weights in FP8: fp8_params=True); DeepSeek-V3 in FP8 on
# 2,048 H800 (stack="deepseek-v3")
unseen = planner.published_comparison(published.VALIDATION_RUNS)
print(pd.DataFrame({"run": unseen["run"].map(run_text),
                    "layout": unseen["layout"].map(layout_name_text),
                    "reported MFU %": (100 * unseen["reported_mfu"]).round(1),
                    "predicted MFU %": (100 * unseen["predicted_mfu"]).round(1),
                    "error %": (100 * unseen["error"]).round(1),
                    "fits HBM less 10%": unseen["fits"].map(yes_no_text)}).rename(columns=column_text).to_string(index=False))
fp8_err = 100 * unseen.loc[unseen["fp8"] & ~unseen["moe"] & (unseen["chip"] == "H100"), "error"].abs()
fp8_share = kernels.rates("H100").fp8_gemm_share
print(tr(f"dense FP8 runs on H100 (fp8=True, FP8-to-bf16 GEMM share {fp8_share:.3f}): median |error| "
         f"{fp8_err.median():.1f}%, worst {fp8_err.max():.1f}%",
         f"H100 上稠密模型的 FP8 训练（FP8 与 bf16 矩阵乘效率之比 {fp8_share:.3f}）：|误差| 中位数 {fp8_err.median():.1f}%，"
         f"最大 {fp8_err.max():.1f}%"))
# the same dense recipes on B200, whose kernel rates are assumed; the 405B layout with its weights in bf16, not FP8
b200_err = ", ".join(f"{e:+.1f}%" for e in 100 * unseen.loc[(unseen["chip"] == "B200") & ~unseen["moe"], "error"])
b200_405 = max((r for r in published.VALIDATION_RUNS if r.chip == "B200" and not published.run_config(r).is_moe),
               key=lambda r: r.n_chips)
gib_fp8 = planner.predict_run(b200_405)["memory_gib"]
gib_bf16 = planner.predict_run(b200_405, fp8_params=False, recompute=["none"])["memory_gib"]
b200_usable = planner.run_chip(b200_405).hbm_bytes * (1 - HEADROOM) / 2**30
print(tr(f"dense B200 runs: errors {b200_err}; Llama 3.1 405B on {b200_405.n_chips} B200, no recompute: {gib_fp8:.0f} GiB "
         f"with FP8 weights, {gib_bf16:.0f} GiB with bf16 weights, {b200_usable:.0f} GiB usable",
         f"B200 上的稠密模型训练：误差 {b200_err}；{b200_405.n_chips} 张 B200 上的 Llama 3.1 405B，不重计算：权重为 FP8 时 "
         f"{gib_fp8:.0f} GiB，为 bf16 时 {gib_bf16:.0f} GiB，可用 {b200_usable:.0f} GiB"))
# DeepSeek-V3 at the recomputation its report describes, no expert output kept (DeepEP's combine is a plain sum);
# what if its MoE layers kept the expert outputs for the router's gradient instead?
ds_run = next(r for r in published.VALIDATION_RUNS if r.stack == "deepseek-v3")
ds_row = planner.predict_run(ds_run)
ds_kept = planner.predict_run(ds_run, stack=dataclasses.replace(planner.STACKS["deepseek-v3"],
                                                                moe_probs_in_activation=False))
h800_usable = planner.run_chip(ds_run).hbm_bytes * (1 - HEADROOM) / 2**30
print(tr(f"DeepSeek-V3, recompute {ds_row['recompute']}: {ds_row['memory_gib']:.1f} GiB per H800 of "
         f"{h800_usable:.1f} GiB usable; with the expert outputs kept {ds_kept['memory_gib']:.1f} GiB",
         f"DeepSeek-V3，{widgets.recompute_text(ds_row['recompute'])}：每张 H800 需要 {ds_row['memory_gib']:.1f} GiB，可用 "
         f"{h800_usable:.1f} GiB；若保存专家输出则为 {ds_kept['memory_gib']:.1f} GiB"))
# the mixture-of-experts runs: how many more HBM passes over the routed copies of the tokens (the experts' inputs and
# outputs) the time the prediction misses would take, against all a permute and an unpermute make, forward and backward
copy_passes = planner.moe_copy_passes()
print(tr(f"MoE runs: the missed time = {copy_passes['passes_to_explain'].min():.0f} to "
         f"{copy_passes['passes_to_explain'].max():.0f} more HBM passes over the routed copies (charged: "
         f"{kernels.FITTED['elementwise_passes']:g}; all of a permutation's: {planner.PERMUTATION_PASSES})",
         f"MoE 训练：预测漏掉的时间 = 在路由副本上再多 {copy_passes['passes_to_explain'].min():.0f} 到 "
         f"{copy_passes['passes_to_explain'].max():.0f} 遍 HBM 读写（已计入 {kernels.FITTED['elementwise_passes']:g} 遍；"
         f"重排全部的读写：{planner.PERMUTATION_PASSES} 遍）"))
# the same printed rows in NVIDIA's later releases (llmcalc.published.LATER_RELEASE_FIGURES): the prediction beside
# each release's figure
for run_label, g in planner.later_release_errors().groupby("run", sort=False):
    print(run_text(run_label) + tr(": ", "：") + ", ".join(f"{100 * e:+.1f}% ({rel})" for rel, e in zip(g["release"], g["error"])))

# %% [markdown]
# 误差一列是预测本身的误差；留出那一行才是诚实的数：每个来源的训练，都用不含它的数据拟合出的常数来预测。两个常数、七个来源的全部训练：留出后，中位数和最大误差都达到了各自的目标（第三行）；最大误差出在 Llama 3 的 128K 上下文那一行（第四行给出其余训练中最大的误差）。注意力算子按公开的速率计算，而这些速率按 FlashAttention 的口径计一步训练中的注意力：反向是前向分数 FLOPs 的 2.5 倍，其中包括重计算 $QK^\top$。规划器按这份实际执行的工作量计 flash attention 的时间（它曾经只计 MFU 所数的 3 倍前向，于是把注意力算快了六分之一；这是在检查 128K 那一行时发现的，那里注意力占了一步的大半）。第二处修正也是这样来的。不用序列并行时，2021 年的 Megatron-LM 和 DeepSpeed 的流水线引擎把一个 stage 的输出按它的各张 TP GPU 切开发送，每张 GPU 经自己的网卡只发 $1/\text{TP}$，下一个 stage 再经 NVLink 把整块 all-gather 回来（Megatron-LM 的 “scatter/gather” 优化 [11]）。规划器曾让每张 GPU 都发送整块张量，于是流水线化的 Megatron-LM 各行算得偏慢。仍有偏差之处及其原因：
#
# - **Llama 3。** Meta 用的是自己的栈，规划器只取论文 §3.3.2 明说的内容（`stack="meta-llama3"`）：流水线发送是异步的、FSDP 的聚合会预取，因此两者都被隐藏；上下文并行的 all-gather “暴露在关键路径上”；梯度以 fp32 累加、以 fp32 做 reduce-scatter；论文没有描述张量并行的重叠，因此不计入重叠。论文没有给出交错深度，但它说从第一级和最后一级各拿走一层之后，“第一级上的第一个模型块只有嵌入层”：每块一层，于是 128 个位置（126 层、嵌入层、输出层）分在 16 级上，$v = 8$。在 16,384 张 GPU 上，16 级流水线只有 16 个微批次，所有前向先跑完，任何深度都放得下，规划器取 $v = 8$。在 8,192 张 GPU 上（32 个微批次），标准交错调度在 $v = 8$ 时所需的显存超过 H100 允许的用量（上表：它的 GB 一列与最后一行对比），规划器只好退回 $v = 1$ 及其气泡，因此预测偏慢；Meta 的调度可以调节连续微批次的个数，存得更少，规划器没有为它建模。128K 那一行预测偏快，原因在于换算所用的 FLOPs 计数：论文按 Chowdhery 等人（PaLM）的定义计算 MFU，那个计数把 $T \times T$ 个注意力分数全部计入；假如 Meta 只计因果的一半，同样的 380 TFLOP/s 反而会让预测偏慢（第五行）；论文没有说是哪一种，规划器保留一开始的读法。
# - **从未参与拟合的训练：FP8 的 Llama 3 与一个混合专家模型。** 最后一张表里的训练都不在任何拟合中，除最后一行外都取自 NVIDIA 自己的性能汇总（H100 与 B200 上的 Megatron-Core）。五种在 H100 上以 FP8 训练的稠密 Llama 3 布局（8B、70B、3.1 405B）用 `fp8=True` 预测：各层线性 GEMM 按 FP8 峰值计，再乘拟合比例和两个公开微基准给出的 FP8 与 bf16 GEMM 之比（表下一行印出它：DeepGEMM 的 FP8 速率 [44] 除以 H100 bf16 矩阵乘的最大可达速率 [43]，见参考文献）；注意力、路由器和 LM 头仍按 bf16；每次转成 FP8 的读写计入 HBM 时间。NVIDIA 的 FP8 配方还把权重本身以 FP8 保存（Megatron-Core 的 `fp8_param_gather`）：每个权重 1 字节而不是 bf16 的 2 字节，只另加一份转置，数据并行的 all-gather 也用 FP8；规划器用 `fp8_params=True` 表示它。表下一行给出它们误差的中位数与最大值。有一处建模是看着这些训练做出的：线性层为权重梯度按 FP8 保存输入（Transformer Engine 的做法）这一项，是在第一次对照发现较大的布局放不进显存之后才加上的。MFU 一律按 bf16 峰值计，所以 FP8 训练的理想上界可以超过 bf16 峰值。还有两行稠密模型在 B200 上跑同一批配方；这款较新的芯片，规划器的内核速率是假设的，没有出处（注意力按拟合的 GEMM 比例计；FlashAttention-4 的作者 [48] 发现 Blackwell 上的注意力受限于指数运算单元和共享内存，而不是张量核心）。两行都预测得太快（表下第二行），405B 那一行更甚。这个 405B 布局能放进 B200，只是因为它的权重是 FP8；若权重为 bf16，规划器就会拒绝 NVIDIA 实际跑过的布局（同一行）。有三行是以 BF16 训练的 GPT-OSS 120B，两行在 64 张 H100 上，一行在 64 张 B200 上，重计算取 NVIDIA 配方所设的：Megatron-Core 的 `recompute_modules` 中的 "layernorm" 与 "moe_act"（归一化的输出和专家激活函数的输出在反向传播时重建），规划器用同样的名字接受它，`recompute="layernorm+moe_act"`。（较早那一行的表格印的是微批次 4、梯度累积 2 步，在 64 张 GPU、PP 4 上两者不可能同时成立；那个版本的配方用的微批次是 1，规划器也用 1。）H100 上的两行都预测得快太多，而且偏差相同。B200 那一行让每个专家组铺满全部八个节点（EP 64），all-to-all 也不与计算重叠，它占了预测的一步的大半；这一行预测得偏快，但没那么多。规划器给 MoE 层计入了专家的 GEMM、all-to-all，以及这一层存下的全部张量上拟合遍数的 HBM 读写，其中就有每个 token 被路由的 $k$ 份副本：把 token 送到专家再收回的代价就算在这里。缺的不是重排：把每个 MoE 预测漏掉的时间折算成这些副本上的 HBM 读写遍数（`planner.moe_copy_passes`），所需的遍数远多于一次 permute 加一次 unpermute 在前向和反向里总共的遍数。缺的是这里没有测量的部分：主机为 MoE 层大量小内核发起启动的时间（NVIDIA 自己的 MoE 报告 [52] 把能消除它的 CUDA Graphs 列为其优化之一）、低于稠密份额的分组 GEMM、注意力 sink。对混合专家训练，应把它的预测看作偏乐观。
# - **2,048 张 H800 上 FP8 训练的 DeepSeek-V3。** 它的技术报告印出了布局（PP16 × EP64，跨 8 个节点，ZeRO-1，不用 TP）、速率（每万亿 token 18 万 GPU 小时，整个预训练的平均）以及自家训练栈的做法（`stack="deepseek-v3"`）：DualPipe 调度；all-to-all 藏在计算后面，计算只用 132 个 SM 中的 112 个；每个 token 只发往其专家所在的至多 4 个节点，每个节点一次，dispatch 用 FP8。规划器全部照用，这些是照报告的文字为这次训练写的，没有拟合任何常数；报告里省显存的做法也一并照用：重计算归一化和 MLA 的上投影，SwiGLU 的输出由以 FP8 缓存的输入重建（用 Megatron-Core 的模块名写作 "layernorm+mla_up_proj+moe_act"，上投影的矩阵乘再计一次），注意力输出只以一种 12 位格式保存一份，AdamW 的矩用 bf16。另有三处不是来自报告，而是来自 DeepSeek 和 NVIDIA 的代码。DualPipe 让每张 GPU 持有两个流水线 stage [46]：rank 0 持有第一个和最后一个（词嵌入、输出层和损失），其余每个 rank 持有两个中间的 stage，规划器逐个 rank 计算它自己的那一对，取较重的。Megatron-Core 把 MLA 的潜变量归一化融合进上投影 [50]，所以重计算上投影时，这些归一化的输出也一并重建。DeepEP 的训练示例 [47] 让路由器的权重随 token 一起发送，回程时对专家输出只做简单求和，所以不为路由器的梯度保存专家输出（权重像 Megatron-Core 那样在专家内部施加，这一点是假设）。这三处是在第一次对照发现 DeepSeek 自己的布局放不下之后才加上的；加上之后它刚好放得下（表下最后一行），而若保存专家输出就会超出。步长仍然算得太快，与 GPT-OSS 的两行一样。两个框架，同一个缺口：一个 MoE 层的代价超过它的 GEMM 加 all-to-all。
# - **FP8 的 Qwen3。** NVIDIA 汇总里另外三个混合专家训练（235B 模型在两个版本里、两种批大小下各一行，外加 30B），按配方的设置：不重计算，一个微批次的 all-to-all 与另一个微批次的计算重叠（`stack="megatron-core-moe-overlap"`）。235B 模型的配方让每个专家完整地放在一张 GPU 上，而注意力用 TP 2：Megatron-Core 把一个专家组的 32 张 GPU 折叠在 TP 与 DP 的 rank 之上，规划器用 `etp=1`（专家张量并行）表示它，布局名里写作 “EP32 ETP1”。它的两行预测误差都在稠密模型训练的误差范围之内，但主要是因为规划器认为它跨四个节点的 all-to-all 太慢、藏不住。30B 模型有 128 个专家，每个只有 768 宽：它的 GEMM 很小，一层在 GEMM、all-to-all 和 HBM 读写之外的开销占了每层的很大一部分，所以预测快了三倍多。（下一个小版本的表格对同样印出的布局给出高得多的速率，可见实测速率本身也还没有定论。NVIDIA 在后续版本里把其中几行又印了一遍，除吞吐量外每一列都相同；`planner.later_release_errors` 把预测与每个版本的数字并列。其他几行的数字在版本之间只变动几个百分点，误差也几乎不动；变动大的只有这一行。）这里每一个混合专家模型的预测都偏乐观；规划器还不能预测混合专家模型的训练，本章把这一点摆出来，而不是藏起来。NVIDIA 的哪些行收在这里，遵循 README 在同一张表旁写明的一条规则（`published.NVIDIA_RELEASES`）：两个版本里，本书有预设的模型在 H100 与 B200 上以 BF16 或 current scaling 的 FP8 预训练的每一行都收，只有印出的布局与配方不一致的两行除外。
# - **MT-NLG 530B。** 同样的 TP8 × PP35 布局，Megatron-LM 的 530B 基准跑得更快（见上表公开 MFU 一列），用 DeepSpeed 流水线引擎的正式训练则更慢；论文没有给出能解释这一差距的事实（调度、重叠），规划器也不去编一个：它对这几次训练预测得偏快。
# - **Megatron-LM 最大的几个模型。** 它们比预测快：拟合出的一个矩阵乘法效率代表所有形状，而最大的矩阵乘法能达到更高的峰值占比。
# - **torchtitan 的选择性检查点。** 它按算子的策略每隔一个矩阵乘法重计算一次（wk、wo、w3），并重计算所有非矩阵乘法算子；规划器对它建了模（`recompute="selective-op"`，即布局末尾为算子级选择性重计算的那几行）。
#
# 规划器是工程师可以据以推理的模型，不是模拟器：把预测和旁边的理想上界一起读；公开数字缺了一项（Meta 如何计数 FLOPs、它的调度占多少显存）时，预测只和填补它的那个解读一样可靠。
#
# **问题 e3（Question e3）：** 为第 3 节的 TPU 方案运行规划器：8 个 v5p Pod（71,680 块芯片），批大小不变。它选择了什么布局？各个并行组走的是哪种链路？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell"]
# Answer (click to reveal) · 答案(点击展开)
tpu_found = planner.search(l405, v5p, tpu_chips, H_BATCH, 8192, top=5)
cols = ["GB", "MFU", "tp_link", "cp_link", "dp_link", "pp_link"]
print(pd.DataFrame({"layout": [layout_text(r) for _, r in tpu_found.iterrows()],
                    "GB": tpu_found["memory_gib"] * 2**30 / GB, "MFU": tpu_found["mfu"],
                    **{c: tpu_found[c] for c in cols[2:]}}).round(3).rename(columns=column_text).to_string(index=False))
print(tr(f"{tpu_found.attrs['evaluated']:,} layouts evaluated", f"评估了 {tpu_found.attrs['evaluated']:,} 种布局"))

# %% [markdown]
# <details><summary>答案说明了什么</summary>
#
# 规划器把 TP、CP 和 DP 都留在 Pod 内走 ICI，只让流水线跨 Pod 走 DCN：71,680 等于 $2^{11}\times 35$，而一批有 2048 条序列，所以要用上每一块芯片、又让每个副本分到整条的序列，就得用 35 级流水线。它预测的 MFU（MFU 一列，在 GPU 训练和一次 TPU 训练上校准）高于第 3 节假设的 40%；这个规模的真实 TPU 训练要做到这一点，就得让内核始终接近峰值。注意，规划器里没有第 3 节那种沿序列切分的 FSDP × TP：它的 FSDP 是在整条序列的数据并行上做的 ZeRO-3。
#
# </details>

# %% [markdown]
# ## 7. 交互探索器（Explorers）
#
# 下面的 FLOPs 探索器已设为 Meta 的这次训练（15.6 万亿个 token，$T = 8192$，16,384 张 H100，41% MFU）；注意它统计的是含注意力的精确 FLOPs，比 $6P$ 高几个百分点。显存探索器设为 TP8 / PP16 / DP128，使用 ZeRO-1、序列并行和选择性重计算，$T = 8192$。规划器探索器在每次拖动滑块（芯片数、以序列计的批大小、$T$，框架，以及校准或理想的内核）时都会重新运行一遍第 6 节的完整搜索，并显示最快的五个布局，以及它们每步的时间都花在了哪里。

# %% tags=["nbval-ignore-output", "widget"]
ex_flops = widgets.flops_explorer("llama-3.1-405b", chip="H100")
for key, value in dict(seq_len=8192, tokens=15.6e12, chips=16_384, mfu=0.41).items():
    ex_flops.controls[key].value = value
ex_flops.widget

# %%
ex_flops.print_summary()

# %% tags=["nbval-ignore-output", "widget"]
ex_mem = widgets.memory_explorer("llama-3.1-405b", chip="H100")
for key, value in dict(tp=8, pp=16, dp=128, zero_stage=1, seq_len=8192, micro_batch=1).items():
    ex_mem.controls[key].value = value
ex_mem.widget

# %%
ex_mem.print_summary()

# %% tags=["nbval-ignore-output", "widget"]
ex_plan = widgets.planner_explorer("llama-3.1-405b", chip="H100")
ex_plan.widget

# %%
ex_plan.print_summary()

# %% [markdown]
# 可以试试：把重计算（recompute）设为 `"full"`，看激活值降到 5 GB 以下；把 PP 设为 8，会发现激活值几乎不变（第一级总是持有约 $L$ 层的量），而模型状态翻了一倍；把芯片数改成 8192、MFU 改成 0.43，就得到 DP64 的那次训练；把芯片换成 H200（141 GB）。在规划器中，把批大小减半，看气泡变大、排名随之改变；把 $T$ 设为 131072，看上下文并行占据上风；把芯片换成 TPU v5p、芯片数设为 71,680（8 个 Pod）。
#
# ## 8. 一页纸看完整个方案

# %% [markdown]
# **问题（Question）：** 把整个方案汇总成一张表：两种集群各自的芯片数、布局、每芯片 token 数、临界检查、每芯片显存、MFU、天数和芯片小时。

# %% tags=["solution", "hide-cell"] jupyter={"source_hidden": true}
# Answer (click to reveal) · 答案(点击展开)
h_mem = variants["Meta: + ZeRO-1 x128"]
tpu_mem = state_chip + mem.checkpoint_bytes(l405, per_pod, "dots_no_batch_dims") / v5p.fast_domain
thr_gated = S.fsdp_tp_critical_tokens_per_chip(v5p, F, mlp_matrices=3)
bubble_v1, bubble_v4 = S.pipeline_bubble_fraction(16, 16), S.pipeline_bubble_fraction(16, 16, 4)
plan = pd.DataFrame({
    "TPU v5p, 8 pods": {
        "chips": f"{tpu_chips:,}",
        "layout": tr(f"DP{PODS} over DCN x (FSDP{split.X} x TP{split.Y}) per pod",
                     f"DCN 上 DP{PODS} × 每个 Pod 内（FSDP{split.X} × TP{split.Y}）"),
        "tokens per step": f"{B_TOKENS:,}",
        "tokens per chip per step": f"{B_TOKENS / tpu_chips:,.0f}",
        "critical check": tr(f"{per_pod:,.0f}/pod vs {dcn_threshold:,.0f}; {tpc:.0f}/chip vs {thr_gated:.0f}",
                             f"每个 Pod {per_pod:,.0f}，阈值 {dcn_threshold:,.0f}；每芯片 {tpc:.0f}，阈值 {thr_gated:.0f}"),
        "bound": tr(split.layer.bound, bound_text(split.layer.bound)),
        "memory per chip (GB)": tr(f"{tpu_mem / GB:.1f} of {v5p.hbm_bytes / GB:.0f} (10 B/param, dots ckpt)",
                                   f"{tpu_mem / GB:.1f}，共 {v5p.hbm_bytes / GB:.0f}（每参数 10 字节，dots_no_batch_dims 检查点）"),
        "MFU": tr("40% (assumed)", "40%（假定）"),
        "days for 3.8e25 FLOPs": f"{tpu_days:.1f}",
        "chip-hours (M)": tr(f"{tpu_chip_hours / 1e6:.1f}", f"{tpu_chip_hours / 1e4:,.0f}"),
    },
    "H100, Meta's layout": {
        "chips": f"{H_CHIPS:,}",
        "layout": tr(f"TP{meta.tp} x PP{meta.pp} x DP{meta.dp} (ZeRO-1)", f"TP{meta.tp} × PP{meta.pp} × DP{meta.dp}（ZeRO-1）"),
        "tokens per step": f"{B_TOKENS:,}",
        "tokens per chip per step": f"{B_TOKENS / H_CHIPS:,.0f}",
        "critical check": tr(f"bubble {bubble_v1:.0%} at v = 1, {bubble_v4:.0%} at v = 4",
                             f"气泡：v = 1 时 {bubble_v1:.0%}，v = 4 时 {bubble_v4:.0%}"),
        "bound": tr(f"TP8 {mb.bound}; DP sync {grad_sync / step_s:.0%} of a step",
                    f"TP8 {bound_text(mb.bound)}；DP 同步占一步的 {grad_sync / step_s:.0%}"),
        "memory per chip (GB)": tr(f"{h_mem['total'] / GB:.1f} (sel.), {lean['total'] / GB:.1f} (lean) of "
                                   f"{h100.hbm_bytes / GB:.0f} (16 B/param)",
                                   f"{h_mem['total'] / GB:.1f}（选择性重计算），{lean['total'] / GB:.1f}（精简），"
                                   f"共 {h100.hbm_bytes / GB:.0f}（每参数 16 字节）"),
        "MFU": tr(f"{META_MFU:.0%} (reported)", f"{META_MFU:.0%}（报告值）"),
        "days for 3.8e25 FLOPs": f"{gpu_days:.1f}",
        "chip-hours (M)": tr(f"{gpu_hours / 1e6:.1f} (card: {CARD_HOURS / 1e6:.2f})",
                             f"{gpu_hours / 1e4:,.0f}（模型卡：{CARD_HOURS / 1e4:,.0f}）"),
    },
})
PLAN_ZH = {"TPU v5p, 8 pods": "TPU v5p，8 个 Pod", "H100, Meta's layout": "H100，Meta 的布局", "chips": "芯片数",
           "layout": "布局", "tokens per step": "每步 token 数", "tokens per chip per step": "每步每芯片 token 数",
           "critical check": "临界检验", "bound": "受限于", "memory per chip (GB)": "每芯片显存（GB）", "MFU": "MFU",
           "days for 3.8e25 FLOPs": "3.8e25 FLOPs 所需天数", "chip-hours (M)": "芯片小时（万）"}
print(plan.rename(index=lambda k: tr(k, PLAN_ZH[k]), columns=lambda k: tr(k, PLAN_ZH[k])).to_string())

# %% [markdown]
# > **要点（Takeaways）**
# >
# > - 一份完整的方案是一条很短的链：$P$（精确值）→ 每 token $6P$ → 总 FLOPs → 显存（模型状态 + 激活值）→
# >   最少芯片数 → 用各自临界批大小检验过的并行布局 → 按实事求是的 MFU 算出天数 → 芯片小时。
# > - LLaMA 3.1-405B：4,058.5 亿个参数，15.6 万亿个 token 需要 $3.8\times10^{25}$ FLOPs——Meta 的数字就是 $6PD_\text{data}$。
# > - 显存定下了几千块芯片的下限；算力和工期决定了实际用到的几万张。
# > - TPU Pod：每个 Pod 的 token 超过 73,440 个时，跨 Pod 走 DCN 的数据并行很轻松；Pod 内的 FSDP × TP 必须在一个并行度能整除
# >   芯片数、$F$ 和 $N$ 的切分上越过本书的阈值（书中两矩阵 MLP 为 $2\cdot2550^2/F$）：LLaMA 3-70B 在一个 Pod 上勉强做到，
# >   批大小不变而用 4 个 Pod 时就做不到了。
# > - GPU：TP 只能留在 8 卡节点内，所以大模型靠增加流水线级数来切分；第一级仍要持有约 $L$ 层的激活值，
# >   而气泡 $(p-1)/(vm+p-1)$ 需要大量微批次或交错调度才能压低。
# > - 一次搜索所有布局的规划器能找出上限、排除布局；在理想内核的假设下，它的 MFU 是一个上界；在公开训练上校准之后，它对其中大多数训练的
# >   预测误差在第 6 节打印的范围内；一次训练若取决于一个没人公布的数（比如 Meta 在 128K 时如何计数 FLOPs），它可能偏得很远。它估算的激活值显存，在接近上限时要先实测再信任。
# > - 报告的 MFU（41%）描述的是训练步运行时的效率；模型卡上的 GPU 小时对应更低的 MFU，因为它还包括故障、保存检查点、
# >   其他阶段和评测。做计划时两者都要用上。
#
# ## 练习（Exercises）
#
# **练习 1——1T 稠密模型。** 取一个 LLaMA 风格的形状：$L = 128$，$D = 25600$，$F = 83200$（$3.25D$），$N = 200$，$K = 8$，$H = 128$，$V = 128256$。（a）求它的参数量（写成参数个数），以及训练 15.6 万亿个 token 所需的 FLOPs（以 FLOPs 为单位）。（b）在 16,384 张 H100 上以 40% MFU 训练要多少天（以天为单位）？要在 90 天内训完需要多少张 H100（写成 GPU 数）？（c）用问题 d2 所建模的 Meta 布局（TP8，PP16，在 DP128 上做 ZeRO-1，序列并行，$T = 8192$），选择性重计算和完全重计算时每张 GPU 各需多少显存（以 GB 为单位）？加深流水线有帮助吗？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:dense1t.params", "check:dense1t.flops_15_6t", "check:dense1t.days_16k_h100_40pct", "check:dense1t.h100_for_90_days", "check:dense1t.gb_per_gpu_selective", "check:dense1t.gb_per_gpu_full"]
# Answer (click to reveal) · 答案(点击展开)
dense_1t = ModelConfig(L=128, D=25600, F=83200, N=200, K=8, H=128, V=128256, name="dense-1t")
p1t = llmcalc.param_count(dense_1t)
f1t = llmcalc.training_flops_6p(dense_1t, 15.6e12)
days_1t = llmcalc.training_days(f1t, H_CHIPS, h100, 0.4)
h100_for_90_days = math.ceil(llmcalc.chips_for_days(f1t, 90, h100, 0.4))
print(tr(f"(a) P = {p1t:,}; 6P x 15.6T = {f1t:.3e} FLOPs ({f1t / META_FLOPS:.2f}x LLaMA 3.1-405B)",
         f"(a) P = {p1t:,}；6P × 15.6 万亿 = {f1t:.3e} FLOPs（LLaMA 3.1-405B 的 {f1t / META_FLOPS:.2f} 倍）"))
print(tr(f"(b) {days_1t:.0f} days on {H_CHIPS:,} H100; {h100_for_90_days:,} H100 for 90 days",
         f"(b) 在 {H_CHIPS:,} 张 H100 上要 {days_1t:.0f} 天；90 天训完要 {h100_for_90_days:,} 张 H100"))
for pp in (16, 32, 64):
    for rc in ("selective", "full"):
        r = mem.training_bytes_per_device(dense_1t, 1, 8192, tp=8, pp=pp, sp=True, recompute=rc, zero_stage=1,
                                          dp=H_CHIPS // (8 * pp))
        fits_h100 = mem.fits(r["total"], h100)
        print(tr(f"(c) TP8 PP{pp:<2} DP{H_CHIPS // (8 * pp):<3} {rc:9s}: states {r['model_states'] / GB:5.1f} + activations "
                 f"{r['activations'] / GB:6.1f} = {r['total'] / GB:6.1f} GB, fits: {fits_h100}",
                 f"(c) TP8 PP{pp:<2} DP{H_CHIPS // (8 * pp):<3} {widgets.recompute_text(rc)}：模型状态 {r['model_states'] / GB:5.1f} + 激活值 "
                 f"{r['activations'] / GB:6.1f} = {r['total'] / GB:6.1f} GB，放得下：{yes_no_text(fits_h100)}"))

# %% [markdown]
# <details><summary>这些数字说明了什么</summary>
#
# 更多的流水线级能缩小模型状态，却缩小不了第一级的激活值（$L/p$ 层 × $p$ 个在途的微批次）；而且数据并行副本变少，优化器状态被切得更粗。激活值需要完全重计算（或者用上下文并行，减少每张 GPU 分担的那段序列），而更深的流水线需要更多的微批次才能把气泡压小。
#
# </details>
#
# **练习 2——长上下文。** Llama 3 论文的表 4 列出了长上下文阶段的配置：在 16,384 张 H100 上使用 $T = 131072$，布局为 TP8 × CP16 × PP16 × DP8（CP：上下文并行，每条序列切分到 16 张 GPU 上），吞吐为 380 TFLOP/s（38%）。最初发表的表格在这一行印的是 DP 4；论文的一位作者在 meta-llama/llama3 的 issue 324 中确认这是笔误，应为 8，因为四个并行度相乘必须等于 16,384。（a）验证 GPU 数，以及每步仍为 16M 个 token 时每条流水线的微批次数（写成微批次数）。（b）在这个长度下，注意力分数在 $6P$ 之上增加了多少（精确值除以 $6P$，写成倍数，例如 1.25）？（c）论文说长上下文阶段用了约 8,000 亿个 token，分六步把上下文从 8K 加到 128K（§3.4.2）：如果这些 token 全按 $T = 131072$ 训练（这是一个上限），按精确 FLOPs、38% 的 MFU 计算，要多少天（以天为单位）？（d）为什么每张 GPU 的显存看起来和 $T = 8192$ 时一样？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.long_ctx_microbatches", "check:405b.attention_ratio_128k", "check:405b.long_ctx_days"]
# Answer (click to reveal) · 答案(点击展开)
tp, cp, pp, dp = 8, 16, 16, 8
print(tr(f"(a) {tp} x {cp} x {pp} x {dp} = {tp * cp * pp * dp:,} GPUs; {B_TOKENS // 131072} sequences per step / DP{dp} "
         f"= {B_TOKENS // 131072 // dp} micro-batches per pipeline (each split over CP{cp})",
         f"(a) {tp} × {cp} × {pp} × {dp} = {tp * cp * pp * dp:,} 张 GPU；每步 {B_TOKENS // 131072} 条序列 / DP{dp} "
         f"= 每条流水线 {B_TOKENS // 131072 // dp} 个微批次（每个都切到 CP{cp} 上）"))
long_tok = llmcalc.training_flops_per_token(l405, 131072)
scores_pct_128k = 100 * llmcalc.attention_score_fraction(l405, 131072)
print(tr(f"(b) exact / 6P at T = 131072: {long_tok / six_p:.3f}; scores are {scores_pct_128k:.1f}% of the forward FLOPs",
         f"(b) T = 131072 时精确值 / 6P：{long_tok / six_p:.3f}；注意力分数占前向 FLOPs 的 {scores_pct_128k:.1f}%"))
mfu_long = mfu_from_throughput(380e12, h100)
days_long = llmcalc.training_days(long_tok * 800e9, H_CHIPS, h100, mfu_long)
days_long_6p = llmcalc.training_days(six_p * 800e9, H_CHIPS, h100, mfu_long)
print(tr(f"(c) 800B tokens: {long_tok * 800e9:.3e} FLOPs -> {days_long:.1f} days at {mfu_long:.1%} "
         f"({days_long_6p:.1f} days if counted as 6P)",
         f"(c) 8,000 亿个 token：{long_tok * 800e9:.3e} FLOPs -> MFU {mfu_long:.1%} 下要 {days_long:.1f} 天"
         f"（按 6P 计则为 {days_long_6p:.1f} 天）"))
r = mem.training_bytes_per_device(l405, 1, 131072 // cp, tp=8, pp=16, sp=True, recompute="selective", zero_stage=1, dp=dp * cp)
same_as_8k = r["total"] == variants["Meta: + ZeRO-1 x128"]["total"]
print(tr(f"(d) each GPU holds 131072 / {cp} = {131072 // cp} tokens of a sequence: {r['total'] / GB:.1f} GB, the same as "
         f"section 5's estimate at T = 8192: {same_as_8k}",
         f"(d) 每张 GPU 持有一条序列的 131072 / {cp} = {131072 // cp} 个 token：{r['total'] / GB:.1f} GB，"
         f"与第 5 节 T = 8192 时的估计相同：{yes_no_text(same_as_8k)}"))

# %% [markdown]
# <details><summary>关于（d）</summary>
#
# 上下文并行沿 $T$ 切分每条序列，所以每张 GPU 保存的是 $T/\text{CP} = 8192$ 个 token 的激活值，和主训练阶段相同；FlashAttention 一类的计算核不保存 $T\times T$ 的分数矩阵，其他块的键和值传过来用完即丢。Megatron 在 DP × CP（这里是 $8\times16 = 128$）上切分优化器状态，所以模型状态也相同。这只是估算：`llmcalc` 没有 CP 开关，而环形（ring）交换键和值还要额外占用一些缓冲区。
#
# </details>
#
# **练习 3——成本。** 按每 H100 小时 2 美元计算，模型卡上的 3,084 万 H100 小时要花多少钱（以美元为单位）？理想的 41% MFU 训练要花多少？如果每芯片小时的价格相同，8 个 Pod 的 TPU 方案又要花多少？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.card_cost", "check:405b.ideal_cost_41pct", "check:405b.tpu_plan_cost"]
# Answer (click to reveal) · 答案(点击展开)
card_cost, ideal_cost = llmcalc.cost(CARD_HOURS, 2.0), llmcalc.cost(gpu_hours, 2.0)
tpu_hours = llmcalc.chip_hours(META_FLOPS, v5p, 0.4)
tpu_cost = llmcalc.cost(tpu_hours, 2.0)
peak_ratio = v5p.peak_flops / h100.peak_flops
print(tr(f"model card: {CARD_HOURS / 1e6:.2f}M H100-hours x $2 = ${card_cost / 1e6:.1f}M",
         f"模型卡：{CARD_HOURS / 1e4:,.0f} 万 H100 小时 × 2 美元 = {card_cost / 1e4:,.0f} 万美元"))
print(tr(f"ideal at 41%: {gpu_hours / 1e6:.2f}M hours = ${ideal_cost / 1e6:.1f}M",
         f"理想的 41% MFU：{gpu_hours / 1e4:,.0f} 万 H100 小时 = {ideal_cost / 1e4:,.0f} 万美元"))
print(tr(f"TPU plan: {tpu_hours / 1e6:.1f}M v5p chip-hours = ${tpu_cost / 1e6:.1f}M at $2 "
         f"(a v5p has {peak_ratio:.2f}x an H100's peak, so it must cost less per hour to compete)",
         f"TPU 方案：{tpu_hours / 1e4:,.0f} 万 v5p 芯片小时，按每小时 2 美元计为 {tpu_cost / 1e4:,.0f} 万美元"
         f"（一块 v5p 的峰值只有 H100 的 {peak_ratio:.2f} 倍，所以每小时必须更便宜才有竞争力）"))

# %% [markdown]
# **练习 4——FP8。** NVIDIA NeMo 框架的性能汇总（参考文献 [42]）在 1,024 张 H100 上以 FP8 训练 Llama 3.1 405B：
# TP8 × PP8（交错，$v = 8$）× CP2 × DP8，微批次 1，每步 1536 条 8192 个 token 的序列，测得每卡每秒 311 个 token。
# (a) 用 `planner.layout`（不重计算）评估这个布局，一次按原样（bf16），一次加上 `fp8=True`：规划器预测 FP8 快多少
# （FP8 的每秒 token 数除以 bf16 的，写成倍数，例如 1.25）？(b) H100 的 FP8 峰值是 bf16 的两倍：是什么让加速比达不到 2？
# (c) FP8 的预测离 NVIDIA 的实测有多远（预测 / 实测 − 1，写成小数，例如 0.125(而不是 12.5%)）？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.fp8_speedup_1024", "check:405b.fp8_error_vs_nvidia"]
# Answer (click to reveal) · 答案(点击展开)
nv = dict(tp=8, pp=8, cp=2, interleave=8, zero=1, sp=True, micro_batch=1, recompute="none")
nv_bf16 = planner.layout(l405, h100, 1024, 1536 * 8192, 8192, **nv)
nv_fp8 = planner.layout(l405, h100, 1024, 1536 * 8192, 8192, fp8=True, **nv)
per_gpu = {name: float(row["tokens_per_s"]) / 1024 for name, row in (("bf16", nv_bf16), ("fp8", nv_fp8))}
print(tr(f"(a) tokens/s per GPU: bf16 {per_gpu['bf16']:.0f}, FP8 {per_gpu['fp8']:.0f}; "
         f"FP8 / bf16 = {per_gpu['fp8'] / per_gpu['bf16']:.3f}",
         f"(a) 每卡每秒 token 数：bf16 {per_gpu['bf16']:.0f}，FP8 {per_gpu['fp8']:.0f}；"
         f"FP8 / bf16 = {per_gpu['fp8'] / per_gpu['bf16']:.3f}"))
for part, en, zh in (("compute_s", "matmuls", "矩阵乘"), ("elementwise_s", "elementwise (HBM)", "逐元素（HBM）"),
                     ("bubble_s", "pipeline bubble", "流水线气泡"), ("dp_exposed_s", "exposed DP traffic", "暴露的 DP 通信")):
    print(tr(f"    {en}: {nv_bf16[part]:.2f} s -> {nv_fp8[part]:.2f} s a step",
             f"    {zh}：每步 {nv_bf16[part]:.2f} 秒 -> {nv_fp8[part]:.2f} 秒"))
print(tr(f"(c) predicted / measured - 1 = {per_gpu['fp8']:.0f} / 311 - 1 = {per_gpu['fp8'] / 311 - 1:+.3f}",
         f"(c) 预测 / 实测 - 1 = {per_gpu['fp8']:.0f} / 311 - 1 = {per_gpu['fp8'] / 311 - 1:+.3f}"))

# %% [markdown]
# <details><summary>关于 (b)</summary>
#
# 只有各层的线性 GEMM 用 FP8。注意力分数（bf16 的 FlashAttention）和 LM 头仍按 bf16 的速率。FP8 GEMM 本身达到的峰值比例
# 也低于 bf16 GEMM：规划器取两个公开微基准之比（`llmcalc.kernels`，参考文献 [43] 与 [44]）。每次转成 FP8 都要经过 HBM
# 读写，所以逐元素时间变长（见上面印出的各项）。流水线气泡和没被隐藏的通信不会随矩阵乘一起缩短。实测比预测慢，
# 慢多少见 (c) 印出的数。
#
# </details>
#
# **练习 5 — 一个 token 在节点之间走多远。** DeepSeek-V3 把每个 token 送到 256 个路由专家中的 8 个。它的预训练（参考文献 [25]）里，一层的专家放在 8 个节点的 64 张 GPU 上，每个节点 32 个专家。假设路由均衡且均匀。(a) 用普通的 top-8 路由，一个 token 平均到达几个自己所在节点以外的节点（写成平均节点数（小数））？某个节点被错过，当且仅当 8 个专家都落在其余 224 个之中。(b) DeepSeek-V3 限制了路由：专家分成 8 组、每组 32 个、每个节点一组，一个 token 先选 4 个组，再在这 4 组里选 8 个专家。现在平均到达几个其他节点（写成平均节点数（小数））？(c) 一次前向 dispatch 中一个 token 经 InfiniBand 发出的字节数，$D = 7168$：一种 all-to-all 把每个路由副本单独发送，用 bf16（每个值 2 字节）；DeepSeek 的 dispatch 在 (b) 的限制下向每个节点只发一次，用 FP8（每个值 1 字节，每 128 个值另加一个 4 字节的缩放因子）。后者除以前者（写成倍数，例如 1.25）？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.moe_other_nodes_topk", "check:405b.moe_other_nodes_limited", "check:405b.moe_dispatch_ib_ratio"]
# Answer (click to reveal) · 答案(点击展开)
from llmcalc import kernels

dsv3 = llmcalc.preset("deepseek-v3")
nodes = 64 // 8                                     # EP64 over nodes of 8 GPUs
miss = math.comb(dsv3.E - dsv3.E // nodes, dsv3.k) / math.comb(dsv3.E, dsv3.k)
plain = (nodes - 1) * kernels.expert_domain_share(dsv3.E, dsv3.k, nodes)
limited = (nodes - 1) * kernels.expert_domain_share(dsv3.E, dsv3.k, nodes, dsv3.routing_groups, dsv3.groups_per_token)
print(tr(f"(a) a node is missed with probability C(224, 8) / C(256, 8) = {miss:.4f}: {nodes - 1} x {1 - miss:.4f} = "
         f"{plain:.3f} other nodes",
         f"(a) 某个节点被错过的概率为 C(224, 8) / C(256, 8) = {miss:.4f}：{nodes - 1} × {1 - miss:.4f} = 其他节点 {plain:.3f} 个"))
print(tr(f"(b) {dsv3.groups_per_token} of {dsv3.routing_groups} groups, one a node: {limited:.3f} other nodes",
         f"(b) {dsv3.routing_groups} 个组中选 {dsv3.groups_per_token} 个，每个节点一组：其他节点 {limited:.3f} 个"))
per_copy = dsv3.k * (nodes - 1) / nodes * dsv3.D * 2          # bf16, every routed copy on its own
per_node = limited * dsv3.D * (1 + 4 / 128)                    # FP8 with its scales, once a node
print(tr(f"(c) {per_copy:,.0f} bytes against {per_node:,.0f}: {per_node / per_copy:.3f}",
         f"(c) {per_copy:,.0f} 字节对 {per_node:,.0f} 字节：{per_node / per_copy:.3f}"))

# %% [markdown]
# <details><summary>关于 (c)</summary>
#
# 两项节省相乘。每个节点只发一次、再由该节点经 NVLink 转给各个专家，跨 InfiniBand 的副本就从 7 个（8 个专家，其中 7/8 在其他节点上）降到 (a) 的节点数；分组限制再降到 (b) 的节点数。FP8 让每个副本的字节数减半。回程的 combine 仍用 bf16，只能省下第一项。`planner.search(..., stack="deepseek-v3")` 正是这样计费的（`llmcalc.kernels.node_dispatch_time`），规划器那张“未见过的训练”表给出了它对 DeepSeek-V3 自己那次训练的预测。
#
# </details>

# %% [markdown]
# **练习 6 — 重计算几个模块能换来什么。** NVIDIA 为 GPT-OSS 120B 写的 H100 配方（见“未见过的训练”表）重计算 Megatron-Core 的两个模块："layernorm"（一层中两个归一化的输出，也就是其后投影的输入）与 "moe_act"（专家激活函数的输出，也就是专家下投影的输入）。两者都能由该层本来就保存的张量重建。GPT-OSS 的 $D = 2880$，每个 token 送往 $k = 4$ 个宽度为 $F_e = 2880$ 的专家；布局为 TP 1、PP 4（每级 9 层），每个副本 80 个微批次，每个微批次一条 4096 token 的序列，激活值为 bf16。(a) 这个策略省下多少字节（写成每个 token、每层的字节数）？(b) 在峰值时第一级保存 4 个微批次的 9 层激活（1F1B）：这个策略在那里省下多少（以 GiB 为单位）？(c) 重计算是逐元素的工作；按规划器，每步变长多少（写成小数，例如 0.125（而不是 12.5%））？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:405b.moe_recompute_bytes_per_token", "check:405b.moe_recompute_gib", "check:405b.moe_recompute_step_share"]
# Answer (click to reveal) · 答案(点击展开)
oss = llmcalc.preset("gpt-oss-120b")
freed_token = (2 * oss.D + oss.k * oss.F_expert) * 2          # two norm outputs + k activation outputs, bf16
held = 4 * 9 * 4096                                           # PP micro-batches × the stage's layers × tokens
oss_kw = dict(tp=1, pp=4, ep=8, zero=1, sp=False, micro_batch=1)
kept = planner.layout(oss, h100, 64, 1280 * 4096, 4096, recompute="none", **oss_kw)
rebuilt = planner.layout(oss, h100, 64, 1280 * 4096, 4096, recompute="layernorm+moe_act", **oss_kw)
print(tr(f"(a) (2 x {oss.D} + {oss.k} x {oss.F_expert}) x 2 bytes = {freed_token:,} bytes per token and layer",
         f"(a) (2 × {oss.D} + {oss.k} × {oss.F_expert}) × 2 字节 = 每个 token、每层 {freed_token:,} 字节"))
print(tr(f"(b) {held:,} token-layers x {freed_token:,} bytes = {held * freed_token / 2**30:.3f} GiB; the planner: "
         f"{kept['memory_gib']:.2f} - {rebuilt['memory_gib']:.2f} = {kept['memory_gib'] - rebuilt['memory_gib']:.3f} GiB",
         f"(b) {held:,} 个 token·层 × {freed_token:,} 字节 = {held * freed_token / 2**30:.3f} GiB；规划器："
         f"{kept['memory_gib']:.2f} − {rebuilt['memory_gib']:.2f} = {kept['memory_gib'] - rebuilt['memory_gib']:.3f} GiB"))
print(tr(f"(c) step {kept['step_s']:.3f} s -> {rebuilt['step_s']:.3f} s: {rebuilt['step_s'] / kept['step_s'] - 1:.4f}",
         f"(c) 每步 {kept['step_s']:.3f} 秒 → {rebuilt['step_s']:.3f} 秒：{rebuilt['step_s'] / kept['step_s'] - 1:.4f}"))

# %% [markdown]
# <details><summary>关于 (c)</summary>
#
# 规划器把重建计为对省下的字节再多读写两遍 HBM（由重新读入的输入再写一遍），不计矩阵乘：归一化和激活函数都是逐元素运算。用不到百分之一的时间换回几 GiB 显存，这就是配方在对整层重计算（`"full"`，前向的每个矩阵乘都再跑一遍）之前先用这些模块的原因。`"mla_up_proj"` 不同：它要重跑矩阵乘，规划器也计入了（在 DeepSeek-V3 那一行里，`hfu` 比 `mfu` 多出的正是这些 FLOPs）。
#
# </details>
