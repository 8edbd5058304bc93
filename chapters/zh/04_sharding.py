# %% [markdown]
# # 第 4 章 — 切分：分摊计算，又不让芯片干等网络
#
# 本章所有数字的出处：[参考文献](../../docs/references.zh.md)。
#
# 全书记号：[记号表](../../docs/notation.zh.md)。
#
# 第 2 章算出了一次训练需要多少“芯片·天”，第 3 章算出了每块芯片上要放多少字节。两章都默认成千上万块芯片能像一块芯片那样协同工作。而这只有在每块芯片都把时间花在**计算**上、而不是等着邻居把数据传过来时才成立。本章针对把模型切分（sharding）到多块芯片上的每一种方式，逐一回答：每一步要搬运多少字节？搬一趟要多久？矩阵乘法要算多长时间，才能把这段通信藏起来？
#
# **学完本章，你将能够**
#
# - 说出几种集合通信（collective）——all-gather、reduce-scatter、all-reduce、all-to-all 和点对点（point-to-point）传输——用 `llmcalc.sharding` 算出它们的耗时，并说清每个公式用的是哪一种带宽；
# - 解释数据并行（data parallelism，DP/DDP）、ZeRO/FSDP、Megatron 式的张量并行（tensor parallelism，TP）、序列并行/上下文并行（sequence/context parallelism）、配合微批次（micro-batch）的流水线并行（pipeline parallelism，PP）以及专家并行（expert parallelism，EP），并说出每一种各自要传送什么；
# - 推导**每芯片临界 token 数**（critical tokens per chip）：每块芯片分到的 token 超过这个数，某种布局就能保持计算受限（compute-bound）——分别在 TPU v5p（单轴、三轴、FSDP + TP、跨 Pod）和 H100（NVLink、InfiniBand）上推导；
# - 为 LLaMA 3-70B 找出一个 TPU Pod 上最好的 FSDP × TP 切法，并核对本书给出的答案；
# - 在 GPU 集群上安排 TP × PP × DP 的布局，并算出流水线的气泡（pipeline bubble）。
#
# **符号**
#
# | 符号 | 含义 | 符号 | 含义 |
# |---|---|---|---|
# | $L$ | transformer 层数 | $\alpha$ | $C/W$：芯片在一个字节到达的时间里能做的 FLOPs |
# | $D$ | 模型（隐藏层）宽度，$d_\text{model}$ | $n$ | 参与的芯片数（整个训练，或一次集合通信） |
# | $F$ | MLP 宽度，$d_\text{ff}$ | $n_\text{pods}$ | Pod 数（只经数据中心网络相连的芯片组） |
# | $K$ | 每层的键/值头（key/value head）数（$K = N$ 即普通的多头注意力） | $X$ | 数据并行度（普通 DP、ZeRO 或 FSDP） |
# | $H$ | 单个注意力头的宽度（配置未给出时为 $D/N$） | $Y$ | 张量并行度 |
# | $V$ | 词表大小 | $M_X$ | 数据并行（FSDP）集合通信所用的环面轴数 |
# | $E$ | 每个 MoE 层的路由专家数 | $M_Y$ | 张量并行集合通信所用的环面轴数 |
# | $k$ | 每个 token 被路由到的专家数 | $p$ | 流水线级数 |
# | $n_\text{mat}$ | 一个 MLP 中的权重矩阵个数（普通 MLP 为 2，SwiGLU 等门控 MLP 为 3） | $m$ | 每条流水线每步的微批次数 |
# | $T$ | 序列长度（每条序列的 token 数） | $v$ | 交错流水线中每个设备上的层块数（$v = 1$ 即普通 1F1B） |
# | $B$ | 以 token 计的批大小（全局，每步） | $S$ | 一次集合通信所搬运的整个数组的字节数（未切分时的大小） |
# | $C$ | 单个芯片的峰值算力（FLOP/s，未另说明时指 bf16 稠密） | $t_\text{pass}$ | 一层在一个芯片上做一次前向或反向的时间（秒） |
# | $W$ | 单个芯片经一条链路或一个网格轴接收数据的带宽（字节/秒） | | |
#
# *How To Scale Your Model*（下文简称“本书”）用 $N$ 表示芯片数（第 5 部分），用 $V$ 表示集合通信搬运的字节数（第 3 部分）；本练习册让 $N$ 保持“查询头数”、$V$ 保持“词表大小”的含义，把这两个量记为 $n$ 和 $S$（见[其他资料的记号](../../docs/notation.zh.md#other-notations)）。除非另有说明，字节按 bf16 计（每个值 2 字节）。

# %%
import math

import matplotlib.pyplot as plt
import pandas as pd

import llmcalc
from llmcalc import diagrams, plots, widgets
from llmcalc import sharding as S
from llmcalc.i18n import tr

# %matplotlib inline

llama3_70b = llmcalc.preset("llama-3-70b")
v5p, h100 = llmcalc.chip("TPU v5p"), llmcalc.chip("H100")
B_4M = 4 * 2**20                       # LLaMA 3-70B's batch: 4 x 1024 x 1024 tokens (the book, part 6)
pod = v5p.fast_domain                  # one v5p pod


def bound_word(bound):
    """A LayerTime's bound ("compute" or "communication") in words: "compute-bound" / "计算受限"."""
    return tr(f"{bound}-bound", {"compute": "计算受限", "communication": "通信受限"}[bound])

# %% tags=["language"]
llmcalc.i18n.use("zh")  # the edition's language for explorer labels and plot titles

# %%
print(tr(f"LLaMA 3-70B: D = {llama3_70b.D:,}, F = {llama3_70b.F:,}, L = {llama3_70b.L}, gated MLP "
         f"(n_mat = 3 matrices D x F per layer); batch B = {B_4M:,} tokens",
         f"LLaMA 3-70B：D = {llama3_70b.D:,}，F = {llama3_70b.F:,}，L = {llama3_70b.L}，门控 MLP"
         f"（每层 n_mat = 3 个 D x F 矩阵）；批大小 B = {B_4M:,} 个 token"))
print(tr(f"TPU v5p pod: {' x '.join(map(str, v5p.pod_shape))} = {pod:,} chips, C = {v5p.peak_flops:.3g} FLOP/s",
         f"TPU v5p Pod：{' x '.join(map(str, v5p.pod_shape))} = {pod:,} 块芯片，C = {v5p.peak_flops:.3g} FLOP/s"))
print(tr(f"H100 node: {h100.fast_domain} GPUs on NVLink, C = {h100.peak_flops:.3g} FLOP/s",
         f"H100 节点：{h100.fast_domain} 张 GPU 经 NVLink 相连，C = {h100.peak_flops:.3g} FLOP/s"))

# %% [markdown]
# ## 1. 核心思想：计算能掩盖通信——直到掩盖不住
#
# 每一步，芯片既要做一些 FLOPs，也要接收一些字节。这两件事可以同时进行（芯片的 DMA 引擎搬运数据时，矩阵单元照样在做乘法），所以一趟计算的耗时取两者中*较长*的那个：
#
# $$t_\text{pass} = \max\left(\frac{\text{FLOPs per chip}}{C},\ \frac{\text{bytes per chip}}{W}\right).$$
#
# 如果第一项更大，这一层就是**计算受限**（compute-bound）的：增加芯片就能提速。如果第二项更大，它就是**通信受限**（communication-bound）的：芯片闲坐着等数据。本章的大部分篇幅，都在找两项相等的那个点。训练一步中每一个被切分的矩阵乘法，其 FLOPs 都 $\propto$ 每芯片的 token 数；而字节数要么与 token 数无关（权重、梯度），要么也随 token 数增长（激活值）。所以两者的交点是一个**每芯片 token 数**——也就是*每芯片临界批大小*（critical batch per chip）。
#
# ### 用的是哪种带宽？每次都要说清楚
#
# 一条链路有两个方向，资料里有的报单向数字，有的报双向之和。`llmcalc.sharding.collective_bandwidth` 是全书唯一规定这一约定的地方：
#
# | 互连 | 所用的 $W$ | 原因 |
# |---|---|---|
# | TPU ICI，在多个环面轴上做集合通信 |（轴数） $\times$ 每轴的**双向**带宽 | 在环上，每块芯片同时从两侧的邻居接收数据 |
# | GPU NVLink，节点内的集合通信 | 每张 GPU 的**单向**带宽 | NVSwitch 把 8 张 GPU 全部连在一起：每张卡通过自己的端口收发 |
# | 点对点发送（流水线） | 一条链路的**单向**带宽 | 数据只朝一个方向流动 |
# | 离开高速域（每张 GPU 的 InfiniBand，每块 TPU 芯片的 DCN） | 每块芯片的**单向**带宽 | 即一块网卡能发出的速率 |
#
# 两种约定描述的其实是同一件事——一块芯片*接收*自己那份数据有多快——所以由它们算出的比值 $C/W$ 可以在不同芯片之间直接比较。

# %%
rows = []
for c, link, axes, pattern in [(v5p, "fast", 1, "collective"), (v5p, "fast", 2, "collective"), (v5p, "fast", 3, "collective"),
                               (v5p, "fast", 1, "point_to_point"), (v5p, "slow", 1, "collective"),
                               (h100, "fast", 1, "collective"), (h100, "fast", 1, "point_to_point"), (h100, "slow", 1, "collective")]:
    W = S.collective_bandwidth(c, link, axes, pattern)
    name = (c.fast_link_name if link == "fast" else c.slow_link_name) + (tr(f" x{axes} axes", f" x{axes} 轴") if c.kind == "tpu" and link == "fast" and pattern == "collective" else "")
    shown = tr(pattern, {"collective": "集合通信", "point_to_point": "点对点"}[pattern])
    rows.append({tr("chip", "芯片"): c.name, tr("link", "链路"): name, tr("pattern", "通信方式"): shown, "W (GB/s)": f"{W / 1e9:,.2f}",
                 tr("C / W (FLOPs per byte)", "C / W（每字节 FLOPs）"): f"{c.peak_flops / W:,.0f}"})
print(pd.DataFrame(rows).to_string(index=False))

# %% [markdown]
# 请记住其中三个比值，本章后面会反复遇到它们。一个字节经由一个 ICI 轴到达的这段时间里，一块 v5p 芯片大约能做 2550 次 FLOP（经由三个轴时为 850），经由数据中心网络（datacenter network，DCN）时则是 73,440 次；H100 经由 NVLink 时约为 2200 次，经由 InfiniBand 时接近 20,000 次。一旦离开高速互连，每传一个字节，都要多做一个数量级的计算来抵偿。
#
# ## 2. 集合通信及其代价
#
# 设一个**完整**大小为 $S$ 字节的数组分布在 $n$ 块芯片上，每块芯片的接收带宽为 $W$（按上面的约定）。*How To Scale Your Model* 第 3 部分给出：
#
# | 集合通信 | 做什么 | 耗时 | 出现在哪里 |
# |---|---|---|---|
# | all-gather（也称全收集，AG） | 每块芯片各有 $S/n$，结束时每块都有完整的 $S$ | $S/W$ | FSDP 的权重，TP 的输入，CP 的键/值 |
# | reduce-scatter（也称规约-散射，RS） | 每块芯片各有一份完整大小 $S$ 的部分和，结束时每块得到总和的 $1/n$ | $S/W$ | FSDP 的梯度，TP 的输出 |
# | all-reduce（也称全规约，AR） $=$ RS $+$ AG | 结束时每块都有完整的总和 | $2S/W$ | DP 的梯度 |
# | all-to-all（也称全交换） | 每块芯片把自己那 $S/n$ 中不同的 $1/n$ 分别发给每一块芯片 | 双向环上为 $S/(4W)$；经交换机为 $S/(nW)$ | MoE 的分发/汇总 |
# | 点对点 | 一块芯片把 $S$ 发给另一块 | $S/W_\text{one-way}$ | 流水线的各级之间 |
#
# 精确的环形算法耗时是上面各式的 $\frac{n-1}{n}$（每块芯片本来就持有自己那一份）；`exact=True` 会把这个因子算进去。$n$ 较大时差别可以忽略，书中的各个阈值也都略去了它。all-reduce 由两次集合通信拼成，所以 ZeRO 可以把它拆成两半分开执行，而不增加任何流量。all-to-all 在环上很便宜，因为每一块数据平均只需走四分之一圈。

# %%
V = 1e9   # one GB (10**9 bytes) of bf16 values, e.g. the gradients of a 0.5B-parameter layer group
W_axis, W_nvl = S.collective_bandwidth(v5p, "fast", 1), S.collective_bandwidth(h100, "fast")
for label, n, W, topo in ((tr("v5p, one ICI axis, n = 16", "v5p，一个 ICI 轴，n = 16"), 16, W_axis, "ring"),
                          (tr("H100 node, NVLink, n = 8", "H100 节点，NVLink，n = 8"), 8, W_nvl, "switch")):
    ag, ag_exact = 1e3 * S.all_gather_time(V, n, W), 1e3 * S.all_gather_time(V, n, W, exact=True)
    rs, ar, a2a = 1e3 * S.reduce_scatter_time(V, n, W), 1e3 * S.all_reduce_time(V, n, W), 1e3 * S.all_to_all_time(V, n, W, topology=topo)
    print(tr(f"{label}:  all-gather {ag:6.2f} ms (exact {ag_exact:6.2f}), reduce-scatter {rs:6.2f}, all-reduce {ar:6.2f}, "
             f"all-to-all {a2a:6.2f} ms",
             f"{label}：all-gather {ag:6.2f} ms（精确值 {ag_exact:6.2f}），reduce-scatter {rs:6.2f}，all-reduce {ar:6.2f}，"
             f"all-to-all {a2a:6.2f} ms"))
p2p_v5p = 1e3 * S.point_to_point_time(V, S.collective_bandwidth(v5p, pattern='point_to_point'))
p2p_nvl = 1e3 * S.point_to_point_time(V, S.collective_bandwidth(h100, pattern='point_to_point'))
p2p_ib = 1e3 * S.point_to_point_time(V, S.collective_bandwidth(h100, 'slow'))
print(tr(f"point-to-point of 1 GB: v5p one axis one-way {p2p_v5p:.2f} ms, H100 NVLink {p2p_nvl:.2f} ms, H100 InfiniBand {p2p_ib:.2f} ms",
         f"1 GB 的点对点传输：v5p 单轴单向 {p2p_v5p:.2f} ms，H100 NVLink {p2p_nvl:.2f} ms，H100 InfiniBand {p2p_ib:.2f} ms"))


# %% [markdown]
# $(n-1)/n$ 从哪里来：在环上，每一步每块芯片把一个 $1/n$ 大小的分块发给下一个邻居；$n - 1$ 步之后，每块芯片要么拿到了全部分块（all-gather），要么拿到了自己那一块在所有芯片上的总和（reduce-scatter）。每条链路每步传 $S/n$ 字节，合计 $(n-1)\,S/n$（*How To Scale Your Model* 第 3 部分：单方向时，每块 TPU 把大小为总字节数的 $1/N$ 的分块沿环传 $N - 1$ 跳，书中的 $N$ 就是这里的 $n$）。按上面 GPU 的约定取单向带宽 $W$，这正好等于 `all_gather_time(..., exact=True)`；TPU 的环同时双向传输，所以书里那里的 $W$ 用的是双向带宽。

# %%
W_ring = S.collective_bandwidth(h100, "fast")
for kind, exact_time in (("all-gather", S.all_gather_time), ("reduce-scatter", S.reduce_scatter_time)):
    ring = diagrams.ring_collective(4, kind, 1e9, bandwidth=W_ring)
    per_step, per_link, ring_ms = ring.bytes_per_link_per_step / 1e6, ring.bytes_per_link_total / 1e6, 1e3 * ring.time_s
    exact_ms = 1e3 * exact_time(1e9, 4, W_ring, exact=True)
    print(tr(f"{kind}, n = 4, S = 1 GB: {len(ring.steps)} x {per_step:,.0f} MB = {per_link:,.0f} MB per link, {ring_ms:.3f} ms; "
             f"{exact_time.__name__}(exact=True): {exact_ms:.3f} ms",
             f"{kind}，n = 4，S = 1 GB：{len(ring.steps)} x {per_step:,.0f} MB = 每条链路 {per_link:,.0f} MB，{ring_ms:.3f} ms；"
             f"{exact_time.__name__}(exact=True)：{exact_ms:.3f} ms"))
plt.show()

# %% [markdown]
# ## 3. 数据并行（DP、DDP）
#
# Yang Lewis 的《大模型多卡训练笔记》描述了最简单的方案：**每块芯片拷贝一份完整的模型，各自处理批次中不同的一片，在更新之前把梯度汇总平均**。PyTorch 的 `DataParallel` 在单个进程里做这件事；大家实际使用的是 DDP（`DistributedDataParallel`，一卡一进程）：它在反向传播的*过程中*按*桶*（bucket）对梯度做 all-reduce，于是靠后几层梯度的规约，与靠前几层的反向计算重叠进行。（笔记里的踩坑经验——通信库首选 NCCL、每个进程的随机数初始状态必须一致——说的都是 DDP。）它的弱点笔记里也写了：每块芯片都要存下完整的模型状态（第 3 章）。
#
# 对于一层含 $n_\text{mat}$ 个 $D\times F$ 矩阵的 MLP，在 $X$ 块芯片上处理 $B$ 个 token：
#
# $$\underbrace{\frac{2\cdot 2n_\text{mat}BDF}{X\,C}}_{\text{backward compute}} \ \ge\ \underbrace{\frac{2\cdot 2n_\text{mat}DF}{W}}_{\text{gradient all-reduce, bf16}}
# \iff \frac{B}{X} \ \ge\ \frac{C}{W}.$$
#
# 模型的形状被约掉了：**每块芯片分到的 token 多于 $C/W$ 时，数据并行就是计算受限的**。

# %%
for c, axes in ((v5p, 1), (v5p, 3), (h100, 1)):
    crit_dp = S.dp_critical_tokens_per_chip(c, axes=axes)
    print(tr(f"{c.name:8s} over {axes} axis/axes: DP is compute-bound above {crit_dp:,.0f} tokens per chip",
             f"{c.name:8s} 用 {axes} 个轴：每芯片超过 {crit_dp:,.0f} 个 token 时 DP 是计算受限的"))
for per_chip in (2000, 2400):
    lt = S.dp_layer_time(llama3_70b, h100, 8 * per_chip, 8)
    print(tr(f"8 H100s, {per_chip:,} tokens each: backward compute {1e3 * lt.backward_compute_s:.2f} ms, "
             f"all-reduce {1e3 * lt.backward_comm_s:.2f} ms over {lt.links} -> {bound_word(lt.bound)}",
             f"8 张 H100，每张 {per_chip:,} 个 token：反向计算 {1e3 * lt.backward_compute_s:.2f} ms，"
             f"经 {lt.links} 的 all-reduce {1e3 * lt.backward_comm_s:.2f} ms -> {bound_word(lt.bound)}"))

# %% [markdown]
# ## 4. ZeRO 与 FSDP
#
# ZeRO（见那份多卡训练笔记和第 3 章）把优化器状态（第 1 阶段）、梯度（第 2 阶段）、权重（第 3 阶段）依次切分到 $X$ 块数据并行的芯片上。第 3 阶段就是 PyTorch 和 JAX 所说的 **FSDP**（fully sharded data parallel，完全分片数据并行）：一层的权重分成 $X$ 份分开存放，直到要用之前才用 all-gather 收集起来——正如课程讲义所说，“不长期存储，需要时动态获取”。每层每步：
#
# | 阶段 | 计算 | 通信 |
# |---|---|---|
# | 前向 | $2n_\text{mat}BDF/(XC)$ | 权重的 AG，$2n_\text{mat}DF/W$ |
# | 反向 | $4n_\text{mat}BDF/(XC)$ | 再做一次权重的 AG $+$ 梯度的 RS，$4n_\text{mat}DF/W$ |
#
# 两趟给出的都是**与 DP 相同的阈值**，$B/X > C/W$：reduce-scatter 只是 DP 的 all-reduce 的一半，而前向里多出来的那次 all-gather 被前向的矩阵乘法掩盖了。FSDP 省下了显存，临界批大小却分毫未变——代价只是字节数变成 1.5 倍。
#
# **问题（Question）：** 本书第 6 部分用 $4\cdot 2^{20}$ 个 token 的批次、$T = 4096$ 的序列，在一整个 v5p Pod 上训练 LLaMA 3-70B。（a）如果 FSDP 只沿批次维度切分，最多能用上多少块芯片（写成芯片数）？（b）如果沿批次*和*序列两个维度切分到 Pod 的全部芯片上，并用上全部三个环面轴，每块芯片分到多少 token（写成每芯片 token 数）？一层的通信时间是计算时间的多少倍（写成倍数，例如 1.25）？每一层是计算受限的吗（填 True（是）或 False（否））？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:llama3_70b.max_batch_only_fsdp", "check:l3_70b.fsdp_compute_bound", "check:l3_70b.fsdp_tokens_per_chip", "check:l3_70b.fsdp_comm_ratio"]
# Answer (click to reveal) · 答案(点击展开)
n_seq = S.max_data_parallel_degree(B_4M, 4096)
print(tr(f"(a) {B_4M:,} tokens / {4096} per sequence = {n_seq:,} sequences: "
         f"batch-only FSDP can use at most that many of the {pod:,} chips",
         f"(a) {B_4M:,} 个 token / 每条序列 {4096} 个 = {n_seq:,} 条序列：只按批次切分的 FSDP 在 {pod:,} 块芯片中最多只能用上这么多块"))
per_chip = S.tokens_per_chip(B_4M, pod)
need = S.dp_critical_tokens_per_chip(v5p, axes=3)
lt = S.fsdp_layer_time(llama3_70b, v5p, B_4M, pod, M_X=3)
print(tr(f"(b) {B_4M:,} / {pod:,} = {per_chip:.1f} tokens per chip < {need:.0f} needed on three axes -> {bound_word(lt.bound)}; "
         f"communication takes {lt.comm_ratio:.2f}x the compute",
         f"(b) {B_4M:,} / {pod:,} = 每芯片 {per_chip:.1f} 个 token < 三个轴上所需的 {need:.0f} -> {bound_word(lt.bound)}；"
         f"通信时间是计算时间的 {lt.comm_ratio:.2f} 倍"))

# %% [markdown]
# <details><summary>显示答案</summary>
#
# （a）FSDP 是*按序列*切分批次的，而序列总共只有 $B/T$ 条：Pod 里的大部分芯片都会闲着。这就是本书第 6 部分所说的那个“很‘学究’、但确实存在”的限制。（b）把序列维也切开（一块芯片可以只持有一条序列的一部分：MLP 是逐 token 计算的，只有注意力需要序列的其余部分——见 §6），芯片数量的问题就解决了；但每块芯片分到的 token 太少，藏不住权重的收集：每一层都在等 ICI。在这个批大小下，纯 FSDP 无法在一个 Pod 上训练这个模型。
#
# </details>
#
# ## 5. 张量并行：把矩阵切开（Megatron）
#
# 课程讲义用一个矩阵来画它：把一个权重矩阵 $\mathbf{W}$ 按列切开，$\mathbf{W} = [\mathbf{W}_1\ \mathbf{W}_2]$；两块芯片分别计算 $A\mathbf{W}_1$ 和 $A\mathbf{W}_2$，输出就是两者的拼接 $[A\mathbf{W}_1\ A\mathbf{W}_2]$（讲义把输入 $A$ 写作 $X$）。Megatron-LM（Shoeybi 等人，2019）把两次这样的切分串起来贯穿整个 MLP，使得每一趟只需要两次集合通信：
#
# $$\underbrace{W_\text{in} = [W_\text{in}^{(1)} \cdots W_\text{in}^{(Y)}]}_{\text{by columns: each chip has } F/Y \text{ of the hidden units}},\qquad
# \underbrace{W_\text{out} = \begin{bmatrix} W_\text{out}^{(1)} \\ \vdots \\ W_\text{out}^{(Y)} \end{bmatrix}}_{\text{by rows}},\qquad
# \text{Out} = \sum_{i=1}^{Y} \phi\!\left(A\,W_\text{in}^{(i)}\right) W_\text{out}^{(i)} .$$
#
# 非线性函数 $\phi$ 逐元素地作用在每块芯片自己的 $F/Y$ 列上（门控 MLP 的 gate 矩阵和 up 矩阵也按同样的方式切分），所以中间不需要搬运任何数据。在 $W_\text{in}$ 之前，每块芯片都需要完整的输入 $A$（$[B, D]$）：这是一次 **all-gather**；在 $W_\text{out}$ 之后，各芯片的部分积必须求和：这是一次 **reduce-scatter**（Megatron 最初用的是一次 all-reduce；当序列并行把这一层的其余部分也切开时，它就拆成了这两半）。每一趟的通信时间为 $2\cdot 2BD/W$，计算时间为 $2n_\text{mat}BDF/(YC)$：
#
# $$\frac{4BD/W}{2n_\text{mat}BDF/(YC)} < 1 \iff Y < \frac{n_\text{mat}}{2}\,\frac{M_Y\,F\,W}{C}.$$
#
# 批大小被约掉了：**不论喂给它多少 token，TP 都只在某个固定的并行度以内保持计算受限**，这个并行度由 $F$ 和芯片决定。书中的公式取 $n_\text{mat} = 2$；LLaMA 的门控 MLP 是 $n_\text{mat} = 3$，能容忍的并行度是前者的 1.5×。

# %%
F = llama3_70b.F
for c in (v5p, h100):
    y2, y3 = S.tp_max_degree(c, F), S.tp_max_degree(c, F, mlp_matrices=3)
    print(tr(f"{c.name:8s} one axis, F = {F:,}: TP stays compute-bound for Y < {y2:.2f} (n_mat = 2), < {y3:.2f} (n_mat = 3)",
             f"{c.name:8s} 单轴，F = {F:,}：Y < {y2:.2f}（n_mat = 2）、< {y3:.2f}（n_mat = 3）时 TP 保持计算受限"))
for Y in (8, 16):
    lt = S.tp_layer_time(llama3_70b, v5p, B_4M, Y, mlp_matrices=2)
    print(tr(f"v5p, Y = {Y:2d}, n_mat = 2: comm / compute = {lt.comm_ratio:.2f} -> {bound_word(lt.bound)}",
             f"v5p，Y = {Y:2d}，n_mat = 2：通信 / 计算 = {lt.comm_ratio:.2f} -> {bound_word(lt.bound)}"))


# %% [markdown]
# 上面公式的示意图：LLaMA 3-70B 的 MLP，$Y = 4$ 张 H100，8192 个 token。每块芯片持有 $W_\text{in}$ 的 $F/Y$ 列和 $W_\text{out}$ 对应的 $F/Y$ 行，只对自己的那几列做 $\phi$，得到部分输出 $Z_i[B, D]$；最后用一次 all-reduce 求和。两次矩阵乘法之间不需要任何通信。

# %%
tp_plain = diagrams.tp_mlp(4, D=llama3_70b.D, F=llama3_70b.F, B=8192, chip=h100)
print(" + ".join(f"{c['name']} {c['bytes'] / 1e6:,.0f} MB ({1e3 * c['time_s']:.2f} ms)" for c in tp_plain.collectives))
plt.show()

# %% [markdown]
# ## 6. 序列并行与上下文并行
#
# 有两种不同的思路共用这个名字：
#
# * **序列并行**（sequence parallelism，SP），出自 Megatron（Korthikanti 等人，2022）：在一个 TP 组内，TP 没有切分、每张卡各存一份的那些部分（归一化、dropout、残差相加），改为沿序列维切分。TP 的 all-reduce 变成了 §5 里的 all-gather + reduce-scatter 这一对——**字节数完全相同**——而那些原本重复存放的激活值缩小为 $1/Y$（即第 3 章所引 Korthikanti 的 $34sbh/t$），而且不增加任何通信量。
# * **上下文并行**（context parallelism，CP）：把每一条*序列*切分到多块芯片上，本书第 6 部分在“批次和序列两个维度”上切分时就是这么做的。MLP 和各个投影都是逐 token 计算的，什么也不用传。注意力则不然：一个查询需要所有更早位置的键和值，所以 $n_\text{CP}$ 块芯片要对键和值做 all-gather（或者让它们沿环依次传递，即“环形注意力”，ring attention），每层每条序列 $2\cdot T\cdot K\cdot H$ 个数值。有了分组查询注意力（grouped-query attention，GQA），这个量很小：LLaMA 3-70B 的 $2KH$ 只有 $D$ 的四分之一。
#
# LLaMA 3 在长上下文阶段以 $T = 131{,}072$ 用 CP16 训练（节点内还有 TP8，所以 CP 要跨 InfiniBand）。对 70B 的形状，每层每张 GPU 的情况如下：

# %%
T_long, cp, tp = 131_072, 16, 8
kv_bytes = 2 * T_long * llama3_70b.K * llama3_70b.H * 2 // tp          # K and V, bf16, this GPU's KV heads
gather = S.all_gather_time(kv_bytes, cp, S.collective_bandwidth(h100, "slow"))
fwd_layer = llmcalc.forward_flops(llama3_70b, 1, T_long) / llama3_70b.L / (cp * tp) / h100.peak_flops
print(f"2KH / D = {2 * llama3_70b.K * llama3_70b.H / llama3_70b.D:.2f}")
print(tr(f"K, V of one 131,072-token sequence, one layer, 1/{tp} of the heads: {kv_bytes / 1e6:.1f} MB",
         f"一条 131,072 个 token 的序列在一层、1/{tp} 的头上的键和值：{kv_bytes / 1e6:.1f} MB"))
print(tr(f"all-gather over CP{cp} on InfiniBand: {1e3 * gather:.2f} ms  vs  the layer's forward compute per GPU: {1e3 * fwd_layer:.2f} ms",
         f"经 InfiniBand 在 CP{cp} 上做 all-gather：{1e3 * gather:.2f} ms，对比每张 GPU 上这一层的前向计算：{1e3 * fwd_layer:.2f} ms"))


# %% [markdown]
# 序列并行的示意图：输入按序列切开进来，每块芯片 $[B/Y, D]$；在 $W_\text{in}$ 之前用 all-gather 拼回 $[B, D]$，在 $W_\text{out}$ 之后用 reduce-scatter 既求和又重新按序列切开。两者传输的字节数与 §5 的 all-reduce 相同（Korthikanti 等人，2022）。

# %%
tp_sp = diagrams.tp_mlp(4, sequence_parallel=True, D=llama3_70b.D, F=llama3_70b.F, B=8192, chip=h100)
print(" + ".join(f"{c['name']} {c['bytes'] / 1e6:,.0f} MB ({1e3 * c['time_s']:.2f} ms)" for c in tp_sp.collectives)
      + f" = {1e3 * tp_sp.comm_time_s:.2f} ms")
plt.show()

# %% [markdown]
# 在长上下文下，注意力的 FLOPs 随 $T^2$ 增长，而键和值的字节数只随 $T$ 增长，所以序列越长，CP 反而越容易。在 $T = 4096$ 时，正是*序列切分*让本书的 FSDP 能用上比序列条数更多的芯片。
#
# ## 7. FSDP + TP：在一个 Pod 上训练 LLaMA 3-70B 的办法
#
# 把 FSDP 放在 $X$ 块芯片上（两个环面轴，$M_X = 2$），TP 放在 $Y$ 块上（一个轴，$M_Y = 1$），$n = XY$。这时 FSDP 的 all-gather 只需搬运本 TP rank 所拥有的那 $1/Y$ 权重，而 TP 的集合通信搬运的是 $B/X$ 个 token。在一趟前向中，通信与计算之比为（bf16）
#
# $$r_\text{FSDP} = \frac{X\,C}{B\,W_X}, \qquad r_\text{TP} = \frac{2\,Y\,C}{n_\text{mat}\,F\,W_Y}, \qquad
# r_\text{FSDP}\, r_\text{TP} = \frac{2}{n_\text{mat}}\cdot\frac{n\,C^2}{B\,F\,W_X W_Y}.$$
#
# 本书**并不**让这两类流量彼此重叠（它们走的是同一批 ICI 链路，一个做完再做另一个），所以只有两者之**和**小于 1 时，这一趟才是计算受限的：$r_\text{FSDP} + r_\text{TP} < 1$。FSDP 希望 $X$ 小，TP 希望 $Y$ 小，而二者的乘积是固定的。乘积固定的两项之和，在两项相等时最小，这时它等于 $2\sqrt{r_\text{FSDP}\,r_\text{TP}}$；所以它能小于 1，当且仅当乘积小于 $1/4$：
#
# $$\frac{B}{n} > \frac{8}{n_\text{mat}}\cdot\frac{\alpha^2}{M_X M_Y F}\quad(\alpha = C/W_\text{axis}),\qquad
# X_\text{opt} = \sqrt{\frac{2}{n_\text{mat}}\cdot\frac{B}{F}\cdot\frac{M_X}{M_Y}\cdot n}.$$
#
# 取本书的 $n_\text{mat} = 2$、$M_X = 2$、$M_Y = 1$，这就是书中的 $4\alpha^2/(M_X M_Y F) = 2\cdot 2550^2/F$ 和 $\sqrt{2Bn/F}$（training.md 的 “Combining FSDP and tensor parallelism” 一节，以及 applied-training.md）——两个式子里的“2”分别是 $M_X M_Y$ 和 $M_X/M_Y$，并不是什么普适的常数。我们读到的中文译本印的却是 $2550^2/(2F)$，只有本书阈值的四分之一。只要求**每一个**比值各自小于 1，得到的就是这个更小的数；这等于假设两种集合通信完全重叠、只有较慢的那个花时间。`llmcalc` 把这种算法保留为一个有名字的选项 `combine="max"`，与本书的默认算法 `combine="sum"` 并列：它乐观了 4 倍，而本书的模型里找不到任何支持它的依据。


# %% [markdown]
# 每块芯片存了什么：以一个 $X = 4$、$Y = 2$ 的小网格为例（整个 Pod 的 $X \times Y$ 是同一张图，只是更大）。按书里的记法 $\text{In}[B_X, D_Y] \cdot_D W_\text{in}[D_X, F_Y] \cdot_F W_\text{out}[F_Y, D_X]$，芯片 $(x, y)$ 保存批次的第 $x$ 个 $1/X$、$W_\text{in}$ 的 $D$ 维的第 $x$ 个 $1/X$，以及 $F$ 维的第 $y$ 个 $1/Y$。FSDP 沿网格的一列做 all-gather（收集权重），TP 沿一行做 all-gather（收集激活值）。

# %%
mesh_fig = diagrams.mesh(4, 2, cfg=llama3_70b)
print(tr(f"{len(mesh_fig.cells)} chips; each holds {mesh_fig.shard_elements:,} of W_in's {llama3_70b.D * llama3_70b.F:,} values",
         f"{len(mesh_fig.cells)} 块芯片；W_in 的 {llama3_70b.D * llama3_70b.F:,} 个值中，每块持有 {mesh_fig.shard_elements:,} 个"))
plt.show()

# %%
crit = S.fsdp_tp_critical_tokens_per_chip(v5p, F, M_X=2, M_Y=1)
crit_overlap = S.fsdp_tp_critical_tokens_per_chip(v5p, F, M_X=2, M_Y=1, combine="max")
alpha, have = S.dp_critical_tokens_per_chip(v5p), S.tokens_per_chip(B_4M, pod)
print(tr(f"FSDP + TP threshold, n_mat = 2 (the book): 2 x {alpha:.0f}^2 / {F:,} = {crit:.1f} tokens per chip; "
         f"LLaMA 3-70B has {have:.1f} ({have / crit - 1:.1%} above)",
         f"FSDP + TP 的阈值，n_mat = 2（本书）：2 x {alpha:.0f}^2 / {F:,} = 每芯片 {crit:.1f} 个 token；"
         f"LLaMA 3-70B 有 {have:.1f}（高出 {have / crit - 1:.1%}）"))
print(tr(f"overlapped variant (combine='max'): {crit_overlap:.1f} tokens per chip, {crit / crit_overlap:.0f}x lower",
         f"完全重叠的变体（S.fsdp_tp_critical_tokens_per_chip(combine='max')）：每芯片 {crit_overlap:.1f} 个 token，"
         f"低了 {crit / crit_overlap:.0f} 倍"))
x_book, x_exact = S.fsdp_optimal_degree(v5p, pod, 4.19e6, F), S.fsdp_optimal_degree(v5p, pod, B_4M, F)
print(tr(f"X_opt with the book's B = 4.19e6: {x_book:.1f}; with the exact 4 x 2^20: {x_exact:.1f}",
         f"按本书的 B = 4.19e6，X_opt = {x_book:.1f}；按精确的 4 x 2^20，X_opt = {x_exact:.1f}"))
crit3, x3 = S.fsdp_tp_critical_tokens_per_chip(v5p, F, mlp_matrices=3), S.fsdp_optimal_degree(v5p, pod, B_4M, F, mlp_matrices=3)
print(tr(f"with the real gated MLP (n_mat = 3): threshold {crit3:.1f}, X_opt {x3:.1f}",
         f"按实际的门控 MLP（n_mat = 3）：阈值 {crit3:.1f}，X_opt {x3:.1f}"))

# %% [markdown]
# LLaMA 3-70B 在一个 Pod 上只比本书的阈值高出一点点，而且只在两个比值相等的 $X_\text{opt}$ 处才成立。本书接着取 2 的幂，得出“大约 2048 路 FSDP 加 4 路模型并行”（数据 1024 × 序列 2 × 张量 4）。
#
# **问题（Question）：** $2048 \times 4$ 是多少块芯片（写成芯片数）？这种切法是计算受限的吗（填 True（是）或 False（否））？如果用上 Pod 的*每一块*芯片，并采用本书的 2 矩阵 MLP，最好的切法是什么（分别写成 FSDP 度数 $X$ 和写成 TP 度数 $Y$）？它是计算受限的吗？（TP 并行度必须整除芯片数、$F$ 和 64 个头。）

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:l3_70b.book_chips_2048x4", "check:l3_70b.book_2048x4_compute_bound", "check:l3_70b.best_split_m2_compute_bound", "check:l3_70b.best_split_fsdp_m2", "check:l3_70b.best_split_tp_m2"]
# Answer (click to reveal) · 答案(点击展开)
pow2 = S.best_fsdp_tp_split(llama3_70b, v5p, pod, B_4M, splits="powers_of_two", mlp_matrices=2)
idle = pod - pow2.n_chips_used
print(tr(f"powers of two: {pow2.X:,} x {pow2.Y} = {pow2.n_chips_used:,} chips ({idle:,} of {pod:,} idle, "
         f"{1 - pow2.n_chips_used / pod:.1%}); {pow2.tokens_per_chip:.0f} tokens per chip; comm/compute "
         f"{pow2.layer.comm_ratio:.3f} -> {bound_word(pow2.layer.bound)}",
         f"取 2 的幂：{pow2.X:,} x {pow2.Y} = {pow2.n_chips_used:,} 块芯片（{pod:,} 块中闲置 {idle:,} 块，"
         f"{1 - pow2.n_chips_used / pod:.1%}）；每芯片 {pow2.tokens_per_chip:.0f} 个 token；通信/计算 "
         f"{pow2.layer.comm_ratio:.3f} -> {bound_word(pow2.layer.bound)}"))
best2 = S.best_fsdp_tp_split(llama3_70b, v5p, pod, B_4M, mlp_matrices=2)
print(tr(f"all chips:     {best2.X:,} x {best2.Y} = {best2.n_chips_used:,}; comm/compute {best2.layer.comm_ratio:.3f} -> {bound_word(best2.layer.bound)}",
         f"用上全部芯片：{best2.X:,} x {best2.Y} = {best2.n_chips_used:,}；通信/计算 {best2.layer.comm_ratio:.3f} -> {bound_word(best2.layer.bound)}"))
print(tr(f"step time per layer, all chips vs powers of two: {best2.layer.step_s / pow2.layer.step_s:.3f}",
         f"每层的步时间，全部芯片与取 2 的幂之比：{best2.layer.step_s / pow2.layer.step_s:.3f}"))
cands = pd.DataFrame([{"X (FSDP)": x, "Y (TP)": y, tr("comm/compute", "通信/计算"): f"{lt.comm_ratio:.3f}",
                       tr("bound", "受限于"): tr(lt.bound, {"compute": "计算", "communication": "通信"}[lt.bound]),
                       tr("step ms/layer", "每层步时间 ms"): f"{1e3 * lt.step_s:.3f}"} for x, y, lt in best2.candidates])
print(cands.to_string(index=False))

# %% [markdown]
# <details><summary>显示答案</summary>
#
# $2048 \times 4$ 让 Pod 的一部分芯片闲着（我们读到的中文译本把它当作整个 Pod 的布局，说是“约 8000 路”），但每块芯片因此多分到一些 token，越过了阈值，是计算受限的。用上全部 8960 块芯片时，没有哪种允许的切法正好落在 $X_\text{opt}$ 上（那需要 $Y$ 介于 4 和 8 之间），而阈值之上那 3% 的余量经不起这点偏离：采用本书的 MLP，整个 Pod 的每一种切法都是通信受限的，最好的那种只差一点点。按每步耗时算，它仍然是更快的选择（最后一行）：让每块芯片都在 ICI 上稍等片刻，胜过让 Pod 的其余芯片闲着。纯 FSDP（$Y = 1$）就是 §4 的情形，而 $Y \ge 16$ 超出了 §5 中 TP 的上限。
#
# </details>
#
# ### 为什么真实的 LLaMA 把最优点移到了 1120 × 8
#
# LLaMA 的 MLP 是门控的：三个 $D\times F$ 矩阵，$n_\text{mat} = 3$。再看一看那两个比值。$r_\text{FSDP}$ 里没有 $n_\text{mat}$——要收集的权重和它们带来的 FLOPs 同步增长。$r_\text{TP}$ 按 $1/n_\text{mat}$ 下降：不论 MLP 内部做什么，TP 进出搬运的都是同样的 $[B, D]$ 激活值，而两次通信之间的计算量多了一半。**每字节 TP 流量换来的计算更多**，TP 就更便宜，于是平衡点向更多 TP、更少 FSDP 的方向移动（$X_\text{opt}$ 缩小为原来的 $\sqrt{2/3}$），阈值也降为原来的 $2/3$：真实的模型有本书的两矩阵层所没有的余量。

# %%
best3 = S.best_fsdp_tp_split(llama3_70b, v5p, pod, B_4M)
print(tr(f"gated MLP (n_mat = 3): best {best3.X:,} x {best3.Y}, comm/compute {best3.layer.comm_ratio:.3f}, X_opt {best3.x_opt:.0f}",
         f"门控 MLP（n_mat = 3）：最佳 {best3.X:,} x {best3.Y}，通信/计算 {best3.layer.comm_ratio:.3f}，X_opt {best3.x_opt:.0f}"))
m2 = {(x, y): lt for x, y, lt in S.best_fsdp_tp_split(llama3_70b, v5p, pod, B_4M, mlp_matrices=2).candidates}
print(pd.DataFrame([{"X x Y": f"{x} x {y}", "n_mat = 2": f"{m2[(x, y)].comm_ratio:.3f}", "n_mat = 3": f"{lt.comm_ratio:.3f}",
                     tr("bound (n_mat = 3)", "受限于（n_mat = 3）"): tr(lt.bound, {"compute": "计算", "communication": "通信"}[lt.bound])}
                    for x, y, lt in best3.candidates]).to_string(index=False))
seq_only = S.best_fsdp_tp_split(llama3_70b, v5p, pod, B_4M, seq_len=4096, mlp_matrices=2)
print(tr(f"batch-only FSDP (X <= 1024 sequences), n_mat = 2: forced to {seq_only.X} x {seq_only.Y} -> {bound_word(seq_only.layer.bound)}",
         f"只按批次切分的 FSDP（X <= 1024 条序列），n_mat = 2：只能取 {seq_only.X} x {seq_only.Y} -> {bound_word(seq_only.layer.bound)}"))

# %% [markdown]
# 这也把 §4 串了起来：如果不切分序列，$X \le 1024$ 就迫使 $Y \ge 16$——对书中的 MLP 来说，这样的 TP 太多了。正是序列（上下文）切分，才让本书的布局得以成立。
#
# ## 8. 画出屋顶线（roofline）的交点
#
# `plots.compute_vs_comm` 针对一个固定的布局，画出一层的计算时间和通信时间随每芯片 token 数的变化。两条线的交点就是每芯片临界批大小；`S.crossover_tokens_per_chip` 求的也是这个点。当 $X$ 和 $Y$ 固定时，FSDP + TP 中 TP 的比值与 token 数无关，它在每一趟里固定占去一份时间，FSDP 只能挤在剩下的部分里：交点是 $C/(Y\,W_X)\,/\,(1 - r_\text{TP})$。点线标出了 LLaMA 3-70B 在一整个 Pod 上的每芯片 token 数。

# %%
for strategy, tp_deg in (("FSDP", 1), ("FSDP+TP", 4)):
    x = S.crossover_tokens_per_chip(llama3_70b, v5p, strategy, chips=pod, tp=tp_deg, axes=3)
    print(tr(f"v5p, {pod:,} chips, {strategy} (Y = {tp_deg}): compute-bound above {x:,.1f} tokens per chip",
             f"v5p，{pod:,} 块芯片，{strategy}（Y = {tp_deg}）：每芯片超过 {x:,.1f} 个 token 时计算受限"))
    fig = plots.compute_vs_comm(llama3_70b, "TPU v5p", strategy, chips=pod, tp=tp_deg, axes=3,
                                mark=S.tokens_per_chip(B_4M, pod), figsize=(6, 3.2))
    plt.show()

# %% [markdown]
# 换到 H100 上，数字有两处变化。在节点内，NVLink 给出的阈值与 v5p 单轴的数字相近。但一个节点只有 8 张 GPU，所以跨多个节点的 FSDP 要分两级进行（先走 NVLink，再走 InfiniBand，每张 GPU 在 InfiniBand 上搬运数组的 $1/8$），两级的代价相加；而且 TP 一旦超过 8 就会离开 NVLink（§12），所以 FSDP + TP 没法像在 Pod 上那样重新取得平衡。

# %%
h100_cases = ((tr("FSDP, one node", "FSDP，一个节点"), "FSDP", 8, 1), (tr("FSDP, 128 nodes", "FSDP，128 个节点"), "FSDP", 1024, 1),
              ("FSDP+TP, 1024 x 8", "FSDP+TP", 8192, 8))
for label, strategy, n, tp_deg in h100_cases:
    x = S.crossover_tokens_per_chip(llama3_70b, h100, strategy, chips=n, tp=tp_deg)
    print(tr(f"H100, {label:18s}: compute-bound above {x:,.1f} tokens per GPU",
             f"H100，{label}：每张 GPU 超过 {x:,.1f} 个 token 时计算受限"))
c_nvl, c_ib = S.dp_critical_tokens_per_chip(h100), S.dcn_critical_tokens_per_pod(h100)
print(tr(f"(NVLink alone: C/W = {c_nvl:,.1f}; InfiniBand per node of 8: C/W_IB = {c_ib:,.0f}, i.e. {c_ib / 8:,.1f} per GPU)",
         f"（只用 NVLink：C/W = {c_nvl:,.1f}；InfiniBand，每个 8 卡节点：C/W_IB = {c_ib:,.0f}，即每张 GPU {c_ib / 8:,.1f}）"))
for label, strategy, n, tp_deg in h100_cases[1:]:
    fig = plots.compute_vs_comm(llama3_70b, "H100", strategy, chips=n, tp=tp_deg, mark=S.tokens_per_chip(B_4M, 8192), figsize=(6, 3.2))
    plt.show()

# %% [markdown]
# 把 4M（4×2^20 ≈ 419 万）个 token 放到 8192 张 H100 上（每张 GPU 512 个，即图中的点线），FSDP + TP8 是通信受限的：InfiniBand 就是那堵墙。因此，GPU 集群会再加上一种跨节点只发送*激活值*、不发送权重的并行方式——流水线（§10）——并把普通的 DP（每步只传一次梯度）留给最外层的轴。
#
# ## 9. 跨 Pod、跨节点：在慢速网络上做 DP
#
# 在 Pod 之间（DCN）或 GPU 副本之间（InfiniBand），通常的选择是普通的数据并行：每个 Pod 内部的芯片可以随意分担一份模型副本，每块芯片每步只和其他 Pod 中与它对应的芯片，对自己那 $n_\text{pods}/n$ 的梯度做一次 all-reduce。每块芯片的计算是 $B/n_\text{pods}$ 个 token 作用在同样那 $n_\text{pods}/n$ 的权重上，所以芯片数被约掉了：
#
# $$\text{compute-bound} \iff \frac{B}{n_\text{pods}} > \frac{C}{W_\text{dcn}}\quad\text{(tokens per pod; } W \text{ one-way per chip)}.$$
#
# **问题（Question）**（本书第 6 部分把这道练习留给了读者）：用同样的批大小，在 4 个 v5p Pod 上训练 LLaMA 3-70B。每个 Pod 分到的 token 数是 DCN 阈值 $C/W_\text{dcn}$ 的多少倍（写成倍数，例如 1.25）？跨 Pod 的梯度规约会拖慢训练吗（填 True（是）或 False（否））？在每个 Pod 内部，每块芯片分到多少 token（写成每芯片 token 数）？FSDP × TP 还是计算受限的吗？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:l3_70b.4pods_dcn_margin", "check:l3_70b.4pods_dcn_slows_down", "check:l3_70b.4pods_in_pod_compute_bound", "check:l3_70b.4pods_tokens_per_chip"]
# Answer (click to reveal) · 答案(点击展开)
per_pod = B_4M / 4
lt = S.dcn_dp_layer_time(llama3_70b, v5p, B_4M, 4)
in_pod = S.best_fsdp_tp_split(llama3_70b, v5p, pod, per_pod)
dcn_need = S.dcn_critical_tokens_per_pod(v5p)
print(tr(f"4 pods = {4 * pod:,} chips; {B_4M:,} / 4 = {per_pod:,.0f} tokens per pod vs {dcn_need:,.0f} "
         f"needed ({per_pod / dcn_need:.1f}x) -> {bound_word(lt.bound)}, DCN busy {lt.comm_ratio:.0%} of the backward",
         f"4 个 Pod = {4 * pod:,} 块芯片；{B_4M:,} / 4 = 每个 Pod {per_pod:,.0f} 个 token，所需为 {dcn_need:,.0f}"
         f"（{per_pod / dcn_need:.1f} 倍）-> {bound_word(lt.bound)}，DCN 在反向传播中忙碌 {lt.comm_ratio:.0%} 的时间"))
in_chip, crit3 = S.tokens_per_chip(per_pod, pod), S.fsdp_tp_critical_tokens_per_chip(v5p, F, mlp_matrices=3)
slow = in_pod.layer.step_s / in_pod.layer.compute_s
print(tr(f"inside each pod: {in_chip:.1f} tokens per chip vs FSDP+TP's threshold {crit:.1f} (n_mat = 2), "
         f"{crit3:.1f} (gated MLP); best split {in_pod.X:,} x {in_pod.Y}, comm/compute {in_pod.layer.comm_ratio:.2f} -> "
         f"{bound_word(in_pod.layer.bound)}, each layer takes {slow:.2f}x its compute time",
         f"每个 Pod 内部：每芯片 {in_chip:.1f} 个 token，FSDP+TP 的阈值为 {crit:.1f}（n_mat = 2）、"
         f"{crit3:.1f}（门控 MLP）；最佳切分 {in_pod.X:,} x {in_pod.Y}，通信/计算 {in_pod.layer.comm_ratio:.2f} -> "
         f"{bound_word(in_pod.layer.bound)}，每层耗时是其计算时间的 {slow:.2f} 倍"))

# %% [markdown]
# <details><summary>显示答案</summary>
#
# 不会：每个 Pod 分到的那份批次远高于 DCN 的阈值，所以 DCN 上的梯度 all-reduce 能藏在反向传播后面。问题出在每个 Pod 的*内部*：每块芯片分到的 token 只剩原来的四分之一，远低于本书 FSDP + TP 的阈值，就连按 LLaMA 的门控 MLP 算也在阈值之下。Pod 的任何切法都不是计算受限的；每一层都有相当一部分时间在等 ICI（最后打印的那个数）。4 个 Pod 仍然比 1 个 Pod 训得快，只是快不到 4 倍。第 5 章会讨论该怎么办（加大批次，或者少用几个 Pod），并做本书的另一道练习：在 8 个 Pod 上训练 LLaMA 3.1-405B。
#
# </details>
#
# ## 10. 流水线并行与气泡
#
# 流水线并行（GPipe，Huang 等人，2019——课程讲义把它标为“NeurIPS 2024”，实际发表于 NeurIPS **2019**）让 $p$ 块芯片（或 $p$ 组芯片）各自负责 $L/p$ 个连续的层。跨越级与级之间边界的只有 $[B, D]$ 的激活值，点对点传输，每个微批次前向、反向各一次。难处不在字节，而在时间：上一级把活交过来之前，下一级无法开工。所以要把批次切成 $m$ 个**微批次**（micro-batch），把它们的梯度*累积*起来，每步只更新一次——这正是课程讲义所说的“需要与梯度累积联合使用”。在 GPipe 或 1F1B 调度下，每一级在一步的开头和结尾总共要空等 $p-1$ 个微批次的时间，这段空闲就是**气泡**（bubble）：
#
# $$\text{bubble fraction} = \frac{p - 1}{m + p - 1}.$$
#
# Megatron 的**交错**（interleaved）调度（Narayanan 等人，2021）给每个设备分配 $v$ 个更小的层块（例如第 1–2 层和第 9–10 层，而不是第 1–4 层），于是流水线填满的速度快了 $v$ 倍：$\frac{p-1}{v\,m + p - 1}$，代价是点对点发送的次数变成 $v$ 倍。

# %%
rows = []
for p in (4, 16):
    for m_mu in (4, 16, 64):
        rows.append({tr("stages p", "级数 p"): p, tr("micro-batches", "微批次数"): m_mu,
                     **{f"v = {vc}": f"{S.pipeline_bubble_fraction(p, m_mu, vc):.1%}" for vc in (1, 2, 4)}})
print(tr("bubble as a share of the step", "气泡占一步的比例"))
print(pd.DataFrame(rows).to_string(index=False))
pp = S.pipeline_layer_time(llama3_70b, h100, B_4M, 4, inner=8)
print(tr(f"\nLLaMA 3-70B, PP4 with TP8 inside each node: stage sends over {pp.links} take {pp.comm_ratio:.1%} of the compute",
         f"\nLLaMA 3-70B，PP4，每个节点内 TP8：各级之间经 {pp.links} 的发送耗时为计算的 {pp.comm_ratio:.1%}"))


# %% [markdown]
# $p = 4$ 级、$m = 8$ 个微批次时的三种调度，时间从左往右，一次反向耗时为前向的两倍（第 2 章的 $4P$ 对 $2P$）；灰色斜线部分就是气泡。GPipe 和 1F1B 的空闲比例相同，都是 $(p-1)/(m+p-1) = 3/11$，但 1F1B 在设备 $r$ 上最多只保留 $p - r$ 个微批次的激活值，而不是全部 $m$ 个。交错调度（每个设备 $v = 3$ 个层块）让流水线填满的速度快了三倍：$3/27$。

# %%
schedule_names = {"gpipe": tr("gpipe", "全前向-全反向"), "1f1b": "1F1B", "interleaved": tr("interleaved", "交错")}
for kind, v_chunks in (("gpipe", 1), ("1f1b", 1), ("interleaved", 3)):
    sched = diagrams.pipeline_schedule(4, 8, v_chunks, kind=kind)
    lib_bubble = S.pipeline_bubble_fraction(4, 8, v_chunks)
    in_flight = [round(x / v_chunks, 2) for x in sched.in_flight_max]
    print(tr(f"{kind:11s} p = 4, m = 8, v = {v_chunks}: idle area / total = {sched.bubble_fraction:.4f}, "
             f"pipeline_bubble_fraction = {lib_bubble:.4f}; activations in flight per device (micro-batches): {in_flight}",
             f"{schedule_names[kind]}，p = 4，m = 8，v = {v_chunks}：空闲面积 / 总面积 = {sched.bubble_fraction:.4f}，"
             f"pipeline_bubble_fraction = {lib_bubble:.4f}；每个设备同时保留的激活值（以微批次计）：{in_flight}"))
plt.show()

# %% [markdown]
# 发送很便宜，气泡却不便宜。流水线需要的微批次数要远多于级数，这就要求每个数据并行副本分到很大的批次。
#
# ## 11. 专家并行：all-to-all
#
# 在混合专家（mixture-of-experts，MoE）层中（Mixtral、DeepSeek-V3；见第 1 章），每个 token 被送往 $E$ 个专家中的 $k$ 个。那份多卡训练笔记写道：“专家分散在不同卡，token 激活部分专家”。每块芯片放一组专家时，每块芯片要把每个 token 发送到持有它所选专家的那些芯片上（**分发**，dispatch），再把结果取回来（**汇总**，combine）：每一趟两次 all-to-all，每次搬运每个 token 的 $D$ 维向量的 $k$ 份副本。下面是 Mixtral-8x7B 在 8 块芯片上、每块芯片 16,384 个 token 的情形，并与这些通信换来的专家 FLOPs 作比较：

# %%
mix = llmcalc.preset("mixtral-8x7b")
tok = 16_384
V_a2a = 8 * tok * mix.k * mix.D * 2                               # all chips' dispatched copies, bf16
expert_fwd = 2 * 3 * tok * mix.k * mix.D * mix.F_expert           # 3 matrices D x F_expert per routed copy
for label, c, W, topo in ((tr("H100 node, NVLink", "H100 节点，NVLink"), h100, S.collective_bandwidth(h100), "switch"),
                          (tr("v5p, one ICI axis", "v5p，一个 ICI 轴"), v5p, S.collective_bandwidth(v5p, "fast", 1), "ring"),
                          (tr("8 H100s in 8 nodes, InfiniBand", "8 张 H100 分在 8 个节点，InfiniBand"), h100,
                           S.collective_bandwidth(h100, "slow"), "switch")):
    t = 2 * S.all_to_all_time(V_a2a, 8, W, topology=topo)
    print(tr(f"{label:31s}: dispatch + combine {1e3 * t:5.2f} ms vs expert forward compute {1e3 * expert_fwd / c.peak_flops:5.2f} ms",
             f"{label}：分发 + 汇总 {1e3 * t:5.2f} ms，对比专家的前向计算 {1e3 * expert_fwd / c.peak_flops:5.2f} ms"))

# %% [markdown]
# 在节点内或单个环面轴上，all-to-all 可以轻松藏在专家的矩阵乘法后面；跨 InfiniBand 时，它的耗时与矩阵乘法差不多，没有给负载不均（有些专家分到的 token 比别的专家多）留下任何余地。大型 MoE 训练会尽量把专家组留在节点内，或者让 all-to-all 与其他计算重叠（DeepSeek-V3 就是这么做的）。
#
# ## 12. GPU 集群：TP × PP × DP
#
# GPU 集群把三者结合起来（即 Megatron 的“3D 并行”）。rank 的编号以 TP 为最内层，其次是 DP，再次是 PP；经验法则是看每个轴需要什么样的链路：
#
# * **TP** 每层每趟有两次集合通信，搬运的是随批次增长的激活值：它必须留在 NVLink 上，所以 $Y \le 8$，即一个节点。
# * **PP** 只点对点地发送激活值：InfiniBand 就够了。
# * **DP** 每步对一整个副本的 token 只规约一次梯度：InfiniBand 也够了（§9）。
#
# 那篇讲千亿参数模型算力需求的文章为一个 100B 模型提出了 TP8 × PP4 × DP4；LLaMA 3 在 16,384 张 H100 上以 TP8 × PP16 × DP128 训练了 405B（Llama 3 论文，表 4）。

# %%
l405 = llmcalc.preset("llama-3.1-405b")
for name, lay in ((tr("100B article, on A100", "千亿模型文章，A100"), S.hybrid_layout(8, 4, 4, chip="A100", n_chips=128, model=100e9)),
                  (tr("LLaMA 3 405B on H100", "LLaMA 3 405B，H100"), S.hybrid_layout(8, 16, 128, n_chips=16_384, model=l405))):
    stage_en = f", {lay.layers_per_stage:.3f} layers per stage" if lay.layers_per_stage else ""
    stage_zh = f"，每级 {lay.layers_per_stage:.3f} 层" if lay.layers_per_stage else ""
    print(tr(f"{name}: TP{lay.tp} x PP{lay.pp} x DP{lay.dp} = {lay.n_chips:,} GPUs in {lay.nodes:,} nodes; "
             f"TP on {lay.tp_link}, PP on {lay.pp_link}, DP on {lay.dp_link}; {lay.params_per_chip / 1e9:.3f}B weights per GPU"
             + stage_en,
             f"{name}：TP{lay.tp} x PP{lay.pp} x DP{lay.dp} = {lay.n_chips:,} 张 GPU，{lay.nodes:,} 个节点；"
             f"TP 走 {lay.tp_link}，PP 走 {lay.pp_link}，DP 走 {lay.dp_link}；每张 GPU {lay.params_per_chip / 1e8:.2f} 亿个权重"
             + stage_zh))
for cfg, name in ((llama3_70b, "70B "), (l405, "405B")):
    for Y in (8, 16):
        lt = S.tp_layer_time(cfg, h100, 8192, Y)
        print(tr(f"{name} (F = {cfg.F:,}), TP{Y:<2d} over {lt.links:19s}: comm/compute {lt.comm_ratio:.2f} -> {bound_word(lt.bound)}",
                 f"{name}（F = {cfg.F:,}），TP{Y:<2d} 走 {lt.links:19s}：通信/计算 {lt.comm_ratio:.2f} -> {bound_word(lt.bound)}"))
B_16M, T_8k = 16 * 2**20, 8192
dp = S.dcn_dp_layer_time(l405, h100, B_16M, 128, chips_per_pod=8 * 16)
ib_need = S.dcn_critical_tokens_per_pod(h100)
print(tr(f"DP128 across replicas of 128 GPUs, 16M-token batch: {B_16M / 128:,.0f} tokens per replica vs "
         f"{ib_need:,.0f} needed -> {bound_word(dp.bound)}",
         f"DP128，每个副本 128 张 GPU，批大小 16M（2^24）个 token：每个副本 {B_16M / 128:,.0f} 个 token，所需为 "
         f"{ib_need:,.0f} -> {bound_word(dp.bound)}"))
m_llama = B_16M // 128 // T_8k
b1, b2 = S.pipeline_bubble_fraction(16, m_llama), S.pipeline_bubble_fraction(16, m_llama, 2)
print(tr(f"{m_llama} sequences of {T_8k} per replica: PP16 with one per micro-batch idles "
         f"{b1:.1%} of the step; interleaved with v = 2: {b2:.1%}",
         f"每个副本 {m_llama} 条长度为 {T_8k} 的序列：PP16 每个微批次一条序列时，一步中有 {b1:.1%} 的时间空闲；"
         f"v = 2 的交错调度：{b2:.1%}"))

# %% [markdown]
# 怎么读这些结果：TP16 会跨两个节点，第二级要经过 InfiniBand。对 70B 的形状来说是通信受限的；405B 的 $F$ 更宽，换来的计算刚好够让比值保持在 1 以下，但再没有给别的留下余量——而 TP8 让两者都远低于 1。跨副本的 DP 很轻松：每个副本看到的 token 远多于 InfiniBand 的阈值。代价在气泡上：16 级的流水线只有 16 个微批次，用普通的 1F1B 调度时将近一半的时间都在空等，这就是 LLaMA 3 采用交错调度（并做了进一步调优）的原因。另外，$126/16$ 不是整数：Meta 给第一级和最后一级分配了更少的层，因为它们还要放嵌入层和 LM head。
#
# ## 13. 交互探索器（Explorer）
#
# 选一个模型、一种芯片和一种策略；调节芯片数、TP 并行度、网格轴数和每芯片 token 数。图中画的是该布局下 §8 那样的屋顶线交点；点线表示你当前所处的位置。默认设置展示的是 LLaMA 3-70B 在一整个 v5p Pod 上用纯 FSDP、每芯片 468 个 token 的情形。

# %% tags=["nbval-ignore-output", "widget"]
ex = widgets.sharding_explorer("llama-3-70b", chip="TPU v5p")
ex.widget

# %%
ex.print_summary()

# %% [markdown]
# 可以试试：把策略切换为 FSDP+TP，TP 先设为 4、再设为 8；把芯片设为 H100、芯片数设为 8（一个节点），再设为 1024；选 TP 策略、TP 设为 16，然后拖动 token 数——无论怎么调，受限类型都不变；把网格轴数设为 1，看 FSDP 的阈值变成原来的三倍。
#
# ## 14. 资料里的错误
#
# 本章所依据的资料中，有几个数字要纠正。下面的单元逐条列出：资料原来印的数（照原样引用）、`llmcalc` 算出的值，以及原因。

# %%
pow2_split = S.best_fsdp_tp_split(llama3_70b, v5p, pod, B_4M, splits="powers_of_two", mlp_matrices=2)
corrections = pd.DataFrame([
    {"source": tr("Chinese rendering of the book, part 6", "本书中文译本，第 6 部分"),
     "prints": tr("FSDP + TP threshold 2550^2/(2F) = 113", "FSDP + TP 的阈值 2550^2/(2F) = 113"),
     "right": tr(f"{crit:.1f} tokens per chip", f"每芯片 {crit:.1f} 个 token"),
     "why": tr("the book adds FSDP and TP traffic (4 alpha^2/(M_X M_Y F)); 113 assumes they overlap perfectly",
               "本书把 FSDP 和 TP 的通信量相加（4 alpha^2/(M_X M_Y F)）；113 假设两者完全重叠")},
    {"source": tr("Chinese rendering of the book, part 6", "本书中文译本，第 6 部分"),
     "prints": tr("the pod's layout: 2048 x 4, about 8000-way", "整个 Pod 的布局：2048 x 4，约 8000 路"),
     "right": tr(f"{pow2_split.n_chips_used:,} of {pod:,} chips", f"{pod:,} 块芯片中的 {pow2_split.n_chips_used:,} 块"),
     "why": tr("a power-of-two split leaves part of the pod idle", "取 2 的幂的切分让 Pod 的一部分芯片闲置")},
    {"source": tr("the book, part 6", "本书第 6 部分"), "prints": "X_opt = 1618 (B = 4.19e6)",
     "right": f"{S.fsdp_optimal_degree(v5p, pod, B_4M, F):.0f}",
     "why": tr("with the exact batch 4 x 2^20", "按精确的批大小 4 x 2^20")},
    {"source": tr("course slides", "课程讲义"), "prints": tr("GPipe, NeurIPS 2024", "流水线并行的原始论文：2024 年"),
     "right": tr("NeurIPS 2019", "2019 年"), "why": tr("Huang et al. 2019", "该论文发表于 2019 年（见第 10 节）")},
])
corrections.columns = [tr(c, {"source": "资料", "prints": "原文", "right": "正确值", "why": "原因"}[c]) for c in corrections.columns]
print(corrections.to_string(index=False))

# %% [markdown]
# ## 15. 实测：在 PyTorch 的 FSDP2 和 TP 下，每张卡到底存了多少
#
# §4 用 ZeRO 论文的闭式公式估算 ZeRO/FSDP：每块芯片存 $(2 + 2 + \beta_\text{opt})\,P/X$ 字节的模型状态（混合精度的 Adam）；第 3 章用 Korthikanti 的公式估算 TP 与 SP 下的激活值，一律除以 TP 并行度。这些是芯片在两步**之间**保留的字节。训练步进行当中，PyTorch 自己的实现会多占一些。本项目没有用一张 GPU 就测出了多出多少：用 **FSDP2**（对每个解码层调用 `fully_shard`，再对根模块调用；前向之后把参数重新切分，即 ZeRO-3 方式，或者留着不切，即 ZeRO-2 方式；bf16，或者带 fp32 主权重、以 fp32 归约梯度的混合精度）和 **DTensor 张量/序列并行**（`parallelize_module`，logits 按词表切分）训练一个 Hugging Face LLaMA，在 torch 的*假进程组*（集合通信立即返回一个形状正确的张量）的 0 号 rank 上、在 `FakeTensorMode` 下运行，由 torch 的 `FSDPMemTracker` 读出第二步的峰值（`tools/measure_rank_peak.py`；`docs/rank-memory.md` 记录了每一条测量及其方法和版本）。这些是**本项目自己的测量**，最多用到 512 个 rank，保存在 `llmcalc.measured` 中。`llmcalc.rank_peak_bytes(cfg, b, s, dp_shard=..., tp=..., sp=..., reshard_after_forward=..., regime=..., checkpointing=...)` 逐个张量地重放同一步；`llmcalc.rank_memory.zero_formula_bytes(...)` 给出第 3 章的闭式公式对同一布局的估算。

# %%
from llmcalc import measured, rank_memory


def layout_words(r):
    dp = f"HSDP {r.dp_replicate}x{r.dp_shard}" if r.dp_replicate > 1 else f"FSDP {r.dp_shard}"
    words = [f"TP {r.tp} x {dp}" if r.tp > 1 else dp]
    words += [w for w, on in ((tr("no SP", "无 SP"), r.tp > 1 and not r.sp),
                              (tr("no loss parallel", "损失不并行"), r.tp > 1 and not r.loss_parallel)) if on]
    words += ["ZeRO-3" if r.reshard_after_forward else "ZeRO-2", r.regime] + ([tr("ckpt", "检查点")] if r.checkpointing else [])
    return ", ".join(words)


versions = ", ".join(f"{k} {x}" for k, x in measured.RANK_MEASURED_WITH.items())
replayed = ", ".join(f"{k} {x}" for k, x in rank_memory.REPLAYED_VERSIONS.items())
versions_zh = "，".join(f"python{x}" if k == "python" else f"{k} {x}" for k, x in measured.RANK_MEASURED_WITH.items())
print(tr(f"measured with: {versions} | replayed: {replayed}",
         f"测量环境：{versions_zh} | 重放环境：{replayed.replace(', ', '，')}"))
rows = []
for r in measured.RANK_PEAKS:
    if r.shape in measured.RANK_SHAPES:    # the small shapes of the grid: docs/rank-memory.md
        continue
    cfg_r, kw = llmcalc.preset(r.shape), r.layout()
    formula = rank_memory.zero_formula_bytes(cfg_r, r.micro_batch, r.seq_len, **kw)["total"]
    replay = llmcalc.rank_peak_bytes(cfg_r, r.micro_batch, r.seq_len, **kw)
    closed = llmcalc.fsdp2_bytes_per_device(cfg_r, r.micro_batch, r.seq_len, **kw)["total"]
    moments = rank_memory.rank_peak_moments(cfg_r, r.micro_batch, r.seq_len, **kw)
    rows.append({tr("model", "模型"): r.shape, tr("GPUs", "GPU 数"): r.world_size,
                 tr("layout (one 8192-token sequence per replica)", "布局（每个副本一条 8192 个 token 的序列）"): layout_words(r),
                 tr("measured GB", "实测 GB"): r.peak_bytes / 1e9, tr("formula GB", "公式 GB"): formula / 1e9,
                 tr("formula error %", "公式误差 %"): 100 * (formula - r.peak_bytes) / r.peak_bytes,
                 tr("FSDP2 closed form error %", "FSDP2 闭式误差 %"): 100 * (closed - r.peak_bytes) / r.peak_bytes,
                 "rank_peak_bytes GB": replay / 1e9,
                 tr("replay error %", "重放误差 %"): 100 * (replay - r.peak_bytes) / r.peak_bytes,
                 tr("peak at", "峰值出现在"): max(moments, key=moments.get)})
table_15 = pd.DataFrame(rows)
print(table_15.round(2).to_string(index=False))
n_steps, max_err = len(measured.RANK_PEAKS), 100 * measured.RANK_CLAIMED_MAX_ERROR
print(tr(f"\nreplay vs measurement over all {n_steps} recorded steps: largest |error| "
         f"{max_err:.6f}% (to the byte, in each of the tracker's categories too)",
         f"\n在全部 {n_steps} 个记录的训练步上，重放与实测之差的最大绝对值为 "
         f"{max_err:.6f}%（精确到字节，追踪器的每一类也都一样）"))

# %% [markdown]
# 重放与追踪器的结果逐字节一致。ZeRO 的闭式公式处处偏少，而且分担状态的芯片越多，偏少得越多：状态按 $1/X$ 缩小，PyTorch 在其之上额外持有的部分却不缩小。少掉的字节在哪里？以 512 张 GPU 上的 LLaMA 3-70B 为例，先看纯 FSDP，再看 TP 8 × FSDP 64（测得峰值那一刻追踪器的各个类别；`rank_peak_breakdown` 给出完全相同的数）：

# %%
cats = dict(zip(rank_memory.RANK_TERMS, measured.RANK_CATEGORIES))
show = {tr("sharded parameters", "切分后的参数"): ["sharded_parameters"],
        tr("gathered parameters", "聚合后的参数"): ["unsharded_parameters"],
        tr("all-gather buffers", "all-gather 缓冲区"): ["all_gather_buffers"],
        tr("gradients + reduce-scatter", "梯度 + reduce-scatter"): ["sharded_gradients", "unsharded_gradients", "reduce_scatter_buffers"],
        tr("AdamW states (+ its sqrt copy)", "AdamW 状态（+ 其平方根副本）"): ["optimizer_states"],
        tr("activations (forward)", "激活值（前向）"): ["activations"],
        tr("temporaries (backward)", "临时张量（反向）"): ["temporaries"], tr("buffers, inputs", "缓冲区、输入"): ["buffers", "inputs"]}
picked = [r for r in measured.RANK_PEAKS if r.shape == "llama-3-70b" and r.world_size == 512 and r.reshard_after_forward]
parts = {}
for r in picked:
    got = dict(zip(measured.RANK_CATEGORIES, r.by_category))
    parts[tr(f"{layout_words(r)}: measured GB", f"{layout_words(r)}：实测 GB")] = [sum(got[cats[t]] for t in ts) / 1e9 for ts in show.values()]
    f = rank_memory.zero_formula_bytes(llama3_70b, r.micro_batch, r.seq_len, **r.layout())
    parts[tr(f"{layout_words(r)}: formula GB", f"{layout_words(r)}：公式 GB")] = [f["parameters"] / 1e9, None, None, f["gradients"] / 1e9,
                                               f["optimizer_states"] / 1e9, f["activations"] / 1e9, None, None]
print(pd.DataFrame(parts, index=list(show)).round(3).to_string(na_rep="-"))
sp_layer = rank_memory.rank_layer_saved_bytes(llama3_70b, 1, 8192, tp=8, sp=True)
sp_formula = sum(llmcalc.memory.layer_activation_breakdown(llama3_70b, 1, 8192, tp=8, sp=True, flash_attention=True,
                                                           norm_fp32=True).values())
print(tr(f"\none LLaMA 3-70B layer, TP 8 + SP, 8192 tokens: PyTorch keeps {sp_layer / 1e9:.3f} GB, "
         f"Korthikanti's SP count {sp_formula / 1e9:.3f} GB ({sp_layer / sp_formula:.2f}x)",
         f"\nLLaMA 3-70B 的一层，TP 8 + SP，8192 个 token：PyTorch 保留 {sp_layer / 1e9:.3f} GB，"
         f"按第 3 章的 SP 公式为 {sp_formula / 1e9:.3f} GB（{sp_layer / sp_formula:.2f} 倍）"))

# %% [markdown]
# 闭式公式漏掉了什么，可以从表中读出：
#
# - **根模块一直保持聚合状态。** FSDP2 在前向之后不会把根模块（嵌入层、最后的归一化层、LM 头）重新切分，因此从前向一直到反向结束，每块芯片都存着 bf16 的嵌入层和 LM 头，共 $2\cdot 2VD/Y$ 字节——即表中“gathered parameters”一行——无论有多少芯片分担状态。
# - **一层的工作集。** 一层的参数先被 all-gather 到一个扁平缓冲区，再复制到各个参数里；前向时上一层的缓冲区要等这次复制完成后才释放，反向时每一层都会预取下一层的缓冲区。它的梯度在 reduce-scatter 之前是 bf16、未切分的，而 reduce-scatter 的输入又以归约精度把整层存了一遍——**混合精度下是 fp32**——上一层的这个输入也要保留到这时。
# - **fp32 副本。** 混合精度保存 fp32 的切分参数（主权重）、fp32 梯度和 fp32 的 AdamW 状态（每个参数 16 字节，再除以 $X$）；foreach 版 AdamW 在更新时还要再做一份与一个状态同样大小的 fp32 副本。
# - **序列并行让聚合后的输入保持完整。** DTensor 在 q、k、v 之前和 gate、up 之前把归一化后的数据流 all-gather 起来，这些矩阵乘法保存的是*聚合后*的张量：每个 token 各 $2D$ 字节，每个 TP rank 上都有一份。Korthikanti 的 SP 把它们也除以了 $Y$（见单元的最后一行）。
# - **损失。** 开启 loss parallel 时，反向开始时每个 rank 每个 token 存 $16V/Y$ 字节（log-softmax、它的梯度、指数，以及 logits 的梯度）；不开启时每个 TP rank 都存着整个词表，每个 token $12V$ 字节，和单卡一样（对比第一张表中 LLaMA 3-8B 的两行 TP 8）。
#
# **什么时候用哪个公式。** ZeRO 的闭式公式对芯片在两步*之间*保留的内容是准确的（`rank_sharded_state_bytes`，按 $X$ 的倍数补齐）：估算检查点大小、估算训练步之后必须留存的内容时用它。估算 PyTorch FSDP2 / DTensor 训练的峰值时，`llmcalc.fsdp2_bytes_per_device(cfg, b, s, dp_shard=..., tp=..., sp=..., reshard_after_forward=..., regime=..., checkpointing=..., loss_parallel=...)` 以闭式把上面五项加进来：在模型状态之外，算出训练步中十一个时刻的工作集（前向中最后一层参数拷出之时、前向结束时、损失的反向、靠近模型顶部和底部的某一层的反向、嵌入层的反向、根模块的 reduce-scatter、AdamW 更新），取其中最大者。各时刻的公式写在它的文档字符串里。为了检验它，本项目又测了第二个网格，只用真实的 LLaMA 形状：Llama 2 7B 和 13B、Llama 3 8B 和 70B，在 8、64、512 块 GPU 上，单用 FSDP 以及与 TP 2、4、8 组合，ZeRO-3 与 ZeRO-2 方式，bf16 与混合精度，开关激活检查点——共 160 个训练步。重放 `rank_peak_bytes` 仍是精确答案，对很小的模型也只能用它：那类模型的峰值可能只是几个小张量，而这些正是闭式略去的。第 5 章的规划器在 `stack="fsdp2"` 时使用这个闭式。按 GPU 数统计，各方法在全部测量步上差多少（负数表示偏少）：

# %%
summary = []
for r in measured.RANK_PRESET_GRID + measured.RANK_PEAKS:
    cfg_r = llmcalc.preset(r.shape) if r.shape not in measured.RANK_SHAPES else \
        llmcalc.ModelConfig.from_hf(dict(measured.RANK_SHAPES[r.shape], model_type="llama"))
    formula = rank_memory.zero_formula_bytes(cfg_r, r.micro_batch, r.seq_len, **r.layout())["total"]
    closed = llmcalc.fsdp2_bytes_per_device(cfg_r, r.micro_batch, r.seq_len, **r.layout())["total"]
    summary.append({"model": tr("LLaMA presets", "LLaMA 预设") if r.shape.startswith("llama") else tr("small shapes", "小形状"),
                    "GPUs": r.world_size,
                    "formula error %": 100 * (formula - r.peak_bytes) / r.peak_bytes,
                    "closed error %": 100 * (closed - r.peak_bytes) / r.peak_bytes})
summary = pd.DataFrame(summary)
print(summary.groupby(["model", "GPUs"]).agg(
    steps=("GPUs", "size"), formula_min=("formula error %", "min"), formula_median=("formula error %", "median"),
    formula_max=("formula error %", "max"), closed_min=("closed error %", "min"),
    closed_median=("closed error %", "median"), closed_max=("closed error %", "max")).round(1).rename(
    columns=lambda c: tr(c, {"steps": "步数", "formula_min": "公式最小", "formula_median": "公式中位数", "formula_max": "公式最大",
                             "closed_min": "FSDP2 闭式最小", "closed_median": "FSDP2 闭式中位数",
                             "closed_max": "FSDP2 闭式最大"}[c])).rename_axis(
    [tr("model", "模型"), tr("GPUs", "GPU 数")]).to_string())
presets = summary[summary["model"] == tr("LLaMA presets", "LLaMA 预设")]
within = int((presets["closed error %"].abs() <= 100 * measured.FSDP2_CLOSED_FORM_CLAIM).sum())
print(tr(f"\nLLaMA presets: the FSDP2 closed form is within {100 * measured.FSDP2_CLOSED_FORM_CLAIM:.0f}% on {within} of "
         f"{len(presets)} measured steps (largest |error| {presets['closed error %'].abs().max():.2f}%); "
         f"the ZeRO formula on {int((presets['formula error %'].abs() <= 5).sum())}",
         f"\nLLaMA 预设：FSDP2 闭式在 {len(presets)} 个实测训练步中有 {within} 个误差在 "
         f"{100 * measured.FSDP2_CLOSED_FORM_CLAIM:.0f}% 以内（最大绝对误差 {presets['closed error %'].abs().max():.2f}%）；"
         f"ZeRO 公式只有 {int((presets['formula error %'].abs() <= 5).sum())} 个"))

# %% [markdown]
# > **要点（Takeaways）**
# >
# > - 当一层的矩阵乘法比它的集合通信耗时更长时，这一层就是计算受限的；交点是一个每芯片 token 数，对 DP 和 FSDP 而言就是 $C/W$——v5p 单轴为 2550，三轴为 850，H100 节点约为 2200。
# > - 说清用的是哪种带宽：`llmcalc` 对 TPU 的集合通信使用每轴的双向 ICI 带宽，对 NVLink、InfiniBand、DCN 和点对点发送使用每张 GPU 的单向带宽。all-gather 和 reduce-scatter 耗时 $S/W$，all-reduce 为 $2S/W$，环上的 all-to-all 为 $S/(4W)$。
# > - FSDP 的临界批大小与 DP 相同。TP 的上限与批大小无关：$Y < \frac{n_\text{mat}}{2} M_Y F W/C$。
# > - 在一个 v5p Pod 上训练 LLaMA 3-70B：只按批次切分的 FSDP 只能用上 1024 块芯片，按批次 + 序列切分则每芯片只剩 468 < 850 个 token；FSDP + TP 需要每芯片 $2\cdot2550^2/F$ 个 token（本书的算法，两种集合通信的时间相加；一份中文译本印的是它的四分之一），而且只在 $X_\text{opt}$ 附近才行得通：本书的 2048 × 4（8192 块芯片）是计算受限的；用上全部 8960 块芯片时，采用本书的 MLP，每种切法都差一点点；LLaMA 的门控 MLP(1120 × 8)则绰绰有余。
# > - 跨 Pod 时，DCN 上的 DP 需要每个 Pod 73,440 个 token（4 个 Pod 训练 LLaMA 3-70B 时，每个 Pod 有一百多万）；跨 H100 节点时约为每节点 19,780 个。
# > - 流水线发送的数据很少，但每步有 $(p-1)/(m+p-1)$ 的时间在空等；交错调度把空等时间缩小为 $1/v$。在 GPU 上，TP 留在 NVLink 节点之内，PP 和 DP 跨 InfiniBand。
# > - ZeRO 的 $(2 + 2 + \beta_\text{opt})\,P/X$ 是芯片在两步之间保留的内容。峰值时刻，PyTorch 的 FSDP2 和 DTensor TP 还要加上聚合后的嵌入层与 LM 头、一层聚合后的参数、梯度和 reduce-scatter 缓冲区（混合精度下为 fp32）、SP 未切分的线性层输入，以及损失的 logits：芯片越多，它们的占比越大。`rank_peak_bytes` 逐字节重放了这一切；`fsdp2_bytes_per_device` 是它的闭式，在真实的 LLaMA 形状上误差在 5% 以内。
#
# ## 练习（Exercises）
#
# **练习 1.** 在一整个 v5p Pod 上，三个轴全部用于纯 FSDP，能保持计算受限的最小全局批大小是多少（写成每步的 token 数）？它相当于多少条 4096 token 的序列（写成序列条数）？只按批次切分的 FSDP 能用上这个批次吗（填 True（是）或 False（否））？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:v5p_pod.min_fsdp_batch", "check:v5p_pod.batch_only_fsdp_can_use_min_batch", "check:v5p_pod.min_fsdp_batch_sequences"]
# Answer (click to reveal) · 答案(点击展开)
crit_3ax = S.dp_critical_tokens_per_chip(v5p, axes=3)
min_B = crit_3ax * pod
enough = min_B / 4096 >= pod
print(tr(f"{crit_3ax:.0f} tokens x {pod:,} chips = {min_B:,.0f} tokens "
         f"({min_B / B_4M:.2f}x LLaMA 3's batch) = {min_B / 4096:,.0f} sequences of 4096: "
         f"{'enough' if enough else 'too few'} sequences for one per chip",
         f"{crit_3ax:.0f} 个 token x {pod:,} 块芯片 = {min_B:,.0f} 个 token"
         f"（LLaMA 3 批大小的 {min_B / B_4M:.2f} 倍）= {min_B / 4096:,.0f} 条长度为 4096 的序列："
         f"{'足够' if enough else '不够'}每块芯片分到一条"))

# %% [markdown]
# **练习 2.** 对 $F = 28672$，在单个 v5p 轴上做张量并行时，TP 并行度超过多少就会变成通信受限？分别就书中的 2 矩阵 MLP 和 LLaMA 的门控 MLP 回答（都写成不取整的 TP 度数）。两种情况下各允许哪些 2 的幂？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:v5p.tp_max_degree_m2", "check:v5p.tp_max_degree_m3"]
# Answer (click to reveal) · 答案(点击展开)
for n_mat in (2, 3):
    y_max = S.tp_max_degree(v5p, F, mlp_matrices=n_mat)
    ok = [2**i for i in range(7) if S.tp_layer_time(llama3_70b, v5p, B_4M, 2**i, mlp_matrices=n_mat).compute_bound]
    print(tr(f"n_mat = {n_mat}: Y < {y_max:.2f}; compute-bound powers of two: {ok}",
             f"n_mat = {n_mat}：Y < {y_max:.2f}；计算受限的 2 的幂：{ok}"))

# %% [markdown]
# **练习 3.** 一条 16 级的流水线每步运行 64 个微批次。气泡占一步的多少（写成小数，例如 0.125（而不是 12.5%））？要多少个微批次才能把它压到 5% 以下（写成微批次数）？在 64 个微批次时，$v = 2$ 的交错调度下气泡又占多少？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:pp16_m64.bubble", "check:pp16.min_microbatches_5pct", "check:pp16_m64_v2.bubble"]
# Answer (click to reveal) · 答案(点击展开)
bub, over = S.pipeline_bubble_fraction(16, 64), S.pipeline_bubble_overhead(16, 64)
print(tr(f"p = 16, m = 64: bubble {bub:.2%} of the step (overhead {over:.2%} over the ideal step)",
         f"p = 16，m = 64：气泡占一步的 {bub:.2%}（比理想的一步多出 {over:.2%}）"))
m_needed = next(m for m in range(1, 10_000) if S.pipeline_bubble_fraction(16, m) < 0.05)
bub_v2 = S.pipeline_bubble_fraction(16, 64, 2)
print(tr(f"under 5% needs m >= {m_needed}; interleaved v = 2 at m = 64: {bub_v2:.2%}",
         f"要低于 5% 需要 m >= {m_needed}；m = 64 时 v = 2 的交错调度：{bub_v2:.2%}"))

# %% [markdown]
# **练习 4.** 在 8192 张 H100 上，以 4M token 的批次训练 LLaMA 3-70B，FSDP 走 InfiniBand、每个节点内做 TP8，结果是通信受限的（§8）。（a）批次要多大才能变成计算受限（写成每步的 token 数）？（b）仍然用 4M 个 token、4096 token 长的序列，改用 TP8 × PP4 × DP：当 DP = 256、64 和 16 时，DP 的 all-reduce 是计算受限的吗（填 True（是）或 False（否））？每个微批次一条序列时，气泡有多大（写成小数，例如 0.125（而不是 12.5%））？

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:l3_70b.h100_fsdp_tp8_min_batch", "check:l3_70b.pp4_dp256_dp_compute_bound", "check:l3_70b.pp4_dp64_dp_compute_bound", "check:l3_70b.pp4_dp16_dp_compute_bound", "check:l3_70b.pp4_dp256_bubble", "check:l3_70b.pp4_dp64_bubble", "check:l3_70b.pp4_dp16_bubble"]
# Answer (click to reveal) · 答案(点击展开)
need_h = S.crossover_tokens_per_chip(llama3_70b, h100, "FSDP+TP", chips=8192, tp=8)
print(tr(f"(a) FSDP+TP8 on 8192 H100s needs {need_h:,.1f} tokens per GPU = {need_h * 8192:,.0f} tokens per step "
         f"({need_h * 8192 / B_4M:.1f}x the 4 x 2^20 batch)",
         f"(a) 8192 张 H100 上的 FSDP+TP8 需要每张 GPU {need_h:,.1f} 个 token = 每步 {need_h * 8192:,.0f} 个 token"
         f"（4 x 2^20 批次的 {need_h * 8192 / B_4M:.1f} 倍）"))
print("(b)")
for dp_deg in (256, 64, 16):
    lay = S.hybrid_layout(8, 4, dp_deg, model=llama3_70b)
    dp_h = S.dcn_dp_layer_time(llama3_70b, h100, B_4M, lay.dp, chips_per_pod=lay.tp * lay.pp)
    seqs = B_4M // lay.dp // 4096
    bub_h = S.pipeline_bubble_fraction(lay.pp, seqs)
    print(tr(f"TP8 x PP4 x DP{dp_deg:<3d} = {lay.n_chips:5,} GPUs: {B_4M / lay.dp:9,.0f} tokens per replica -> DP {bound_word(dp_h.bound)}; "
             f"{seqs:3d} micro-batches -> bubble {bub_h:5.1%}",
             f"TP8 x PP4 x DP{dp_deg:<3d} = {lay.n_chips:5,} 张 GPU：每个副本 {B_4M / lay.dp:9,.0f} 个 token -> DP {bound_word(dp_h.bound)}；"
             f"{seqs:3d} 个微批次 -> 气泡 {bub_h:5.1%}"))

# %% [markdown]
# <details><summary>这张表说明了什么</summary>
#
# 4M token 的批次对 8192 张 H100 来说太小了，不管怎么切分都一样：FSDP 的权重流量走 InfiniBand，再加上 TP 在 NVLink 上的流量，需要数倍于此的批次（（a））；而用 PP + DP 时，每个副本分到的 token 对 InfiniBand 来说太少，分到的微批次对流水线来说也太少。换成数量更少、规模更大的副本，两个问题都会消失——代价是用的 GPU 更少，训练时间更长。把批大小、芯片数和布局放在一起挑选，是第 5 章的任务。
#
# </details>
