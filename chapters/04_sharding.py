# %% [markdown]
# # Chapter 4 — Sharding: splitting the work without waiting on the network
#
# Chapter 2 said how many chip-days a run needs and chapter 3 how many bytes each chip holds. Both assumed that
# thousands of chips work as one. They only do if every chip spends its time **computing**, not waiting for data
# from its neighbours. This chapter asks, for each way of splitting a model across chips, how many bytes must move
# per step, how long that takes, and when the matmuls are long enough to hide it.
#
# **What you will be able to do**
#
# - name the collectives (all-gather, reduce-scatter, all-reduce, all-to-all, point-to-point), time them with
#   `llmcalc.sharding`, and say which bandwidth each formula uses;
# - explain data parallelism (DP/DDP), ZeRO/FSDP, Megatron tensor parallelism (TP), sequence/context parallelism,
#   pipeline parallelism (PP) with micro-batches, and expert parallelism (EP), and what each one sends;
# - derive the **critical tokens per chip** above which a layout stays compute-bound — on TPU v5p (one axis, three
#   axes, FSDP + TP, across pods) and on H100 (NVLink, InfiniBand);
# - find the best FSDP × TP split of a TPU pod for LLaMA 3-70B, and check the book's answer;
# - lay out TP × PP × DP on a GPU cluster, and compute the pipeline bubble.
#
# Sources for every figure in this chapter: [References](../docs/references.md).
#
# Notation for the whole workbook: [Notation](../docs/notation.md).
#
# **Symbols**
#
# | symbol | meaning | symbol | meaning |
# |---|---|---|---|
# | $L$ | transformer layers | $\alpha$ | $C/W$: FLOPs a chip does in the time one byte arrives |
# | $D$ | model (hidden) width, $d_\text{model}$ | $n$ | chips taking part (in the run, or in one collective) |
# | $F$ | MLP width, $d_\text{ff}$ | $n_\text{pods}$ | pods (groups of chips joined only by the data-centre network) |
# | $K$ | key/value heads per layer ($K = N$ is plain multi-head attention) | $X$ | data-parallel degree (plain DP, ZeRO or FSDP) |
# | $H$ | width of one attention head ($D/N$ unless the config gives it) | $Y$ | tensor-parallel degree |
# | $V$ | vocabulary size | $M_X$ | torus axes the data-parallel (FSDP) collectives run over |
# | $E$ | routed experts per MoE layer | $M_Y$ | torus axes the tensor-parallel collectives run over |
# | $k$ | experts each token is routed to | $p$ | pipeline stages |
# | $n_\text{mat}$ | weight matrices in one MLP (2 plain, 3 gated such as SwiGLU) | $m$ | micro-batches per pipeline per step |
# | $T$ | sequence length (tokens per sequence) | $v$ | layer chunks per device in an interleaved pipeline ($v = 1$ is plain 1F1B) |
# | $B$ | batch in tokens (global, per step) | $S$ | bytes of the whole array a collective moves (its unsharded size) |
# | $C$ | peak FLOP/s of one chip (dense bf16 unless said) | $t_\text{pass}$ | time of one forward or backward pass of a layer on one chip (s) |
# | $W$ | bandwidth at which one chip receives over a link or mesh axis (bytes/s) | | |
#
# *How To Scale Your Model* ("the book" below) writes $N$ for the number of chips (part 5) and $V$ for the bytes a
# collective moves (part 3); this workbook keeps $N$ for query heads and $V$ for the vocabulary and writes $n$ and $S$
# for those ([other notations](../docs/notation.md#other-notations)). Bytes are bf16 (2 per value) unless said
# otherwise.

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
llmcalc.i18n.use("en")  # the edition's language for explorer labels and plot titles

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
# ## 1. The one idea: compute hides communication, until it doesn't
#
# Each step, a chip does some FLOPs and receives some bytes. A chip can do both at once (its DMA engines move data
# while its matrix units multiply), so a pass takes the *longer* of the two:
#
# $$t_\text{pass} = \max\left(\frac{\text{FLOPs per chip}}{C},\ \frac{\text{bytes per chip}}{W}\right).$$
#
# When the first term wins the layer is **compute-bound**: adding chips speeds it up. When the second wins it is
# **communication-bound**: chips sit idle waiting for data. Most of this chapter is finding where the two terms are
# equal. Every sharded matmul in a training step has FLOPs $\propto$ tokens per chip and bytes that either do not depend
# on tokens (weights, gradients) or grow with them too (activations), so the crossover is a number of **tokens per
# chip** — the *critical batch per chip*.
#
# ### Which bandwidth? Say it every time
#
# A link has two directions, and sources quote one or both. `llmcalc.sharding.collective_bandwidth` is the one place
# the convention lives:
#
# | fabric | $W$ used | why |
# |---|---|---|
# | TPU ICI, collective over several torus axes | (number of axes) $\times$ the **bidirectional** per-axis figure | on a ring each chip receives from both neighbours at once |
# | GPU NVLink, collective inside a node | the **one-way** per-GPU figure | NVSwitch joins all 8 GPUs: each sends and receives through its own port |
# | point-to-point send (pipeline) | the **one-way** figure of one link | data flows in one direction |
# | off the fast domain (InfiniBand per GPU, DCN per TPU chip) | **one-way** per chip | what one NIC can send |
#
# Both conventions describe the same thing — how fast one chip can *receive* its share — so the ratios $C/W$ they give
# are comparable across chips.

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
# Remember three of these ratios; the rest of the chapter keeps meeting them. A v5p chip does about 2550 FLOPs in the
# time one byte arrives over one ICI axis (850 over three), 73,440 over the datacenter network (DCN); an H100 about 2200
# over NVLink and nearly 20,000 over InfiniBand. Off the fast fabric, every byte must be paid for with an order of
# magnitude more arithmetic.
#
# ## 2. The collectives and what they cost
#
# Let an array of $S$ bytes (its **full** size) be spread over $n$ chips, each chip receiving at $W$ (the convention
# above). *How To Scale Your Model*, part 3, gives:
#
# | collective | what it does | time | where it appears |
# |---|---|---|---|
# | all-gather (AG) | each chip has $S/n$, all end with all $S$ | $S/W$ | FSDP weights, TP inputs, CP keys/values |
# | reduce-scatter (RS) | each has a full $S$ of partial sums, each ends with $1/n$ of the sum | $S/W$ | FSDP gradients, TP outputs |
# | all-reduce (AR) $=$ RS $+$ AG | each ends with the full sum | $2S/W$ | DP gradients |
# | all-to-all | each sends a different $1/n$ of its $S/n$ to every chip | $S/(4W)$ on a bidirectional ring; $S/(nW)$ behind a switch | MoE dispatch/combine |
# | point-to-point | one chip sends $S$ to one other | $S/W_\text{one-way}$ | pipeline stages |
#
# The exact ring versions are $\frac{n-1}{n}$ of these (a chip already holds its own share); `exact=True` includes it.
# For large $n$ it makes no difference, and the book's thresholds drop it. The all-reduce is two collectives, which is
# why ZeRO can replace it by its two halves at no extra traffic. The all-to-all is cheap on a ring because each piece
# travels on average a quarter of the way round.

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
# Where the $(n-1)/n$ comes from: on a ring, each chip sends one $1/n$ chunk to its neighbour per step, and after
# $n - 1$ steps every chip has every chunk (all-gather) or its own chunk summed over all chips (reduce-scatter). Each
# link carries $S/n$ bytes per step, $(n-1)\,S/n$ in all (*How To Scale Your Model*, part 3, in one direction: "each TPU sends
# chunks of size $\text{bytes} / N$ over $N - 1$ hops around the ring", its $N$ being our $n$). At the one-way bandwidth $W$ (the GPU convention
# above), that is exactly `all_gather_time(..., exact=True)`; a TPU ring runs both directions at once, which is why the
# book's $W$ there is the bidirectional figure.

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
# ## 3. Data parallelism (DP, DDP)
#
# The multi-GPU memory notes describe the simplest scheme: **copy the whole model to every chip, give each a different slice of
# the batch, and average the gradients** before the update. PyTorch's `DataParallel` did it from one process; DDP
# (`DistributedDataParallel`, one process per GPU) is what everyone uses: it all-reduces the gradients in *buckets*
# during the backward pass, so the reduction of late layers overlaps the backward of earlier ones. (The notes' tips —
# NCCL as the backend, the same random-number start on every rank — belong to DDP.) Its weakness, also in the notes: each chip
# holds the full model states (chapter 3).
#
# Per layer of an MLP with $n_\text{mat}$ matrices of $D\times F$, on $X$ chips with $B$ tokens:
#
# $$\underbrace{\frac{2\cdot 2n_\text{mat}BDF}{X\,C}}_{\text{backward compute}} \ \ge\ \underbrace{\frac{2\cdot 2n_\text{mat}DF}{W}}_{\text{gradient all-reduce, bf16}}
# \iff \frac{B}{X} \ \ge\ \frac{C}{W}.$$
#
# The model's shape cancels: **data parallelism is compute-bound when each chip gets more than $C/W$ tokens**.

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
# ## 4. ZeRO and FSDP
#
# ZeRO (the memory notes and chapter 3) shards the optimizer states (stage 1), then the gradients (2), then the weights (3)
# across the $X$ data-parallel chips. Stage 3 is what PyTorch and JAX call **FSDP**: a layer's weights live in $X$
# pieces and are all-gathered just before use — "fetched when needed, not kept", as the course slides put it.
# Per layer and step:
#
# | pass | compute | communication |
# |---|---|---|
# | forward | $2n_\text{mat}BDF/(XC)$ | AG of the weights, $2n_\text{mat}DF/W$ |
# | backward | $4n_\text{mat}BDF/(XC)$ | AG of the weights again $+$ RS of the gradients, $4n_\text{mat}DF/W$ |
#
# Both passes give the **same threshold as DP**, $B/X > C/W$: the reduce-scatter is half of DP's all-reduce, and the
# extra all-gather in the forward is hidden by the forward's matmuls. FSDP gets its memory saving for no change in the
# critical batch — only 1.5× the bytes.
#
# **Question:** The book's part 6 trains LLaMA 3-70B with a batch of $4\cdot 2^{20}$ tokens, sequences of $T = 4096$, on a full
# v5p pod. (a) If FSDP shards only the batch axis, how many chips can it use (as a count of chips)? (b) If it shards batch *and* sequence over all the pod's chips
# using all three torus axes, how many tokens does each chip get (in tokens per chip), how many times its compute
# does a layer's communication take (as a ratio, e.g. 1.25), and is each layer compute-bound (as True (yes) or
# False (no))?

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
# <details><summary>Show answer</summary>
#
# (a) FSDP splits the batch *by sequences*, and there are only $B/T$ of them: most of the pod would idle. This is the
# "pedantic but real" limit of the book's part 6. (b) Sharding the sequence axis too (a chip may hold part of a sequence: the
# MLP is token-wise, only attention needs the rest — §6) fixes the count, but leaves too few tokens per chip to hide
# the weight gathers: each layer waits on ICI. Pure FSDP cannot train this model on one pod at this batch.
#
# </details>
#
# ## 5. Tensor parallelism: split the matrices (Megatron)
#
# The course slides draw it with one matrix: split a weight matrix $\mathbf{W}$ by columns, $\mathbf{W} = [\mathbf{W}_1\ \mathbf{W}_2]$; two chips compute $A\mathbf{W}_1$ and $A\mathbf{W}_2$ and the output is their concatenation $[A\mathbf{W}_1\ A\mathbf{W}_2]$ (the slides write $X$ for the input $A$).
# Megatron-LM (Shoeybi et al. 2019) chains two
# such splits through the MLP so that only two collectives are needed per pass:
#
# $$\underbrace{W_\text{in} = [W_\text{in}^{(1)} \cdots W_\text{in}^{(Y)}]}_{\text{by columns: each chip has } F/Y \text{ of the hidden units}},\qquad
# \underbrace{W_\text{out} = \begin{bmatrix} W_\text{out}^{(1)} \\ \vdots \\ W_\text{out}^{(Y)} \end{bmatrix}}_{\text{by rows}},\qquad
# \text{Out} = \sum_{i=1}^{Y} \phi\!\left(A\,W_\text{in}^{(i)}\right) W_\text{out}^{(i)} .$$
#
# The nonlinearity $\phi$ acts element-wise on each chip's own $F/Y$ columns (a gated MLP splits its gate and up matrices
# the same way), so nothing moves in the middle. Before $W_\text{in}$ each chip needs the full input $A$ ($[B, D]$):
# an **all-gather**; after $W_\text{out}$ the partial products must be summed: a **reduce-scatter** (Megatron's original
# all-reduce, split in two when sequence parallelism shards the rest of the layer). Per pass, $2\cdot 2BD/W$ bytes-time
# against $2n_\text{mat}BDF/(YC)$ of compute:
#
# $$\frac{4BD/W}{2n_\text{mat}BDF/(YC)} < 1 \iff Y < \frac{n_\text{mat}}{2}\,\frac{M_Y\,F\,W}{C}.$$
#
# The batch cancels: **TP is compute-bound up to a fixed degree**, set by $F$ and the chip, however many tokens you
# feed it. The book's formula uses $n_\text{mat} = 2$; LLaMA's gated MLP has $n_\text{mat} = 3$ and tolerates 1.5× more.

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
# The picture of the formula above, for LLaMA 3-70B's MLP on $Y = 4$ H100s and 8192 tokens: each chip holds $F/Y$
# columns of $W_\text{in}$ and the matching $F/Y$ rows of $W_\text{out}$, applies $\phi$ to its own columns, and
# produces a partial output $Z_i[B, D]$; one all-reduce sums them. Nothing moves between the two matmuls.

# %%
tp_plain = diagrams.tp_mlp(4, D=llama3_70b.D, F=llama3_70b.F, B=8192, chip=h100)
print(" + ".join(f"{c['name']} {c['bytes'] / 1e6:,.0f} MB ({1e3 * c['time_s']:.2f} ms)" for c in tp_plain.collectives))
plt.show()

# %% [markdown]
# ## 6. Sequence and context parallelism
#
# Two different ideas share the name:
#
# * **Sequence parallelism (SP)**, Megatron's (Korthikanti et al. 2022): inside a TP group, the parts of a layer that TP
#   leaves replicated (norms, dropout, residual adds) are split along the sequence instead. TP's all-reduce becomes the
#   all-gather + reduce-scatter pair of §5 — **the same bytes** — and the replicated activations shrink by $1/Y$
#   (Korthikanti's $34sbh/t$, chapter 3). It is free.
# * **Context parallelism (CP)**: split each *sequence* across chips, as the book's part 6 does when it shards "batch and
#   sequence". The MLP and the projections act token by token and need nothing. Attention does: a query needs the keys
#   and values of all earlier positions, so the $n_\text{CP}$ chips all-gather the keys and values (or pass them round a ring,
#   "ring attention"), $2\cdot T\cdot K\cdot H$ values per layer per sequence. With grouped-query attention that is small:
#   LLaMA 3-70B's $2KH$ is a quarter of $D$.
#
# LLaMA 3 trained its long-context phase with CP16 at $T = 131{,}072$ (with TP8 inside the node, so CP crosses
# InfiniBand). For the 70B shape, per layer and per GPU:

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
# Sequence parallelism, drawn: the input arrives split along the sequence, $[B/Y, D]$ per chip; an all-gather
# rebuilds $[B, D]$ before $W_\text{in}$, and a reduce-scatter after $W_\text{out}$ both sums the partial outputs and
# splits them along the sequence again. The two move the same bytes as the all-reduce of §5 (Korthikanti et al. 2022).

# %%
tp_sp = diagrams.tp_mlp(4, sequence_parallel=True, D=llama3_70b.D, F=llama3_70b.F, B=8192, chip=h100)
print(" + ".join(f"{c['name']} {c['bytes'] / 1e6:,.0f} MB ({1e3 * c['time_s']:.2f} ms)" for c in tp_sp.collectives)
      + f" = {1e3 * tp_sp.comm_time_s:.2f} ms")
plt.show()

# %% [markdown]
# At long context the attention FLOPs grow like $T^2$ while the key and value bytes grow like $T$, so CP only gets easier as
# sequences get longer. At $T = 4096$ it is the *sequence sharding* that lets the book's FSDP use more chips than it
# has sequences.
#
# ## 7. FSDP + TP: the fix for LLaMA 3-70B on a pod
#
# Put FSDP on $X$ chips (two torus axes, $M_X = 2$) and TP on $Y$ (one axis, $M_Y = 1$), $n = XY$. The FSDP all-gather
# now moves only the $1/Y$ of the weights this TP rank owns, and the TP collectives move $B/X$ tokens. Per forward
# pass, the ratios of communication to compute are (bf16)
#
# $$r_\text{FSDP} = \frac{X\,C}{B\,W_X}, \qquad r_\text{TP} = \frac{2\,Y\,C}{n_\text{mat}\,F\,W_Y}, \qquad
# r_\text{FSDP}\, r_\text{TP} = \frac{2}{n_\text{mat}}\cdot\frac{n\,C^2}{B\,F\,W_X W_Y}.$$
#
# The book does **not** overlap the two kinds of traffic with each other (both run on the same ICI links, one after
# the other), so the pass is compute-bound when their **sum** is below 1: $r_\text{FSDP} + r_\text{TP} < 1$.
# FSDP wants $X$ small, TP wants $Y$ small, and their product is fixed. A sum of two terms with a fixed product is
# smallest when they are equal, and is then $2\sqrt{r_\text{FSDP}\,r_\text{TP}}$; below 1 exactly when the product is
# below $1/4$:
#
# $$\frac{B}{n} > \frac{8}{n_\text{mat}}\cdot\frac{\alpha^2}{M_X M_Y F}\quad(\alpha = C/W_\text{axis}),\qquad
# X_\text{opt} = \sqrt{\frac{2}{n_\text{mat}}\cdot\frac{B}{F}\cdot\frac{M_X}{M_Y}\cdot n}.$$
#
# With the book's $n_\text{mat} = 2$, $M_X = 2$, $M_Y = 1$ this is its $4\alpha^2/(M_X M_Y F) = 2\cdot 2550^2/F$ and $\sqrt{2Bn/F}$
# (training.md, "Combining FSDP and tensor parallelism"; applied-training.md) — the "2" in both is $M_X M_Y$ and
# $M_X/M_Y$, not a universal constant. The Chinese rendering we read prints $2550^2/(2F)$ instead, a quarter of the
# book's threshold. That smaller number is what you get by asking only that **each** ratio be below 1, i.e. by
# assuming the two collectives overlap perfectly and only the slower one costs time. `llmcalc` keeps that variant as a
# named option, `combine="max"`, next to the book's default `combine="sum"`: it is 4× more optimistic, and nothing in
# the book's model supports it.


# %% [markdown]
# What each chip holds, on a small $X = 4$ by $Y = 2$ mesh (the pod's $X \times Y$ is the same picture, larger): in
# the book's notation $\text{In}[B_X, D_Y] \cdot_D W_\text{in}[D_X, F_Y] \cdot_F W_\text{out}[F_Y, D_X]$, chip
# $(x, y)$ keeps the $x$-th $1/X$ of the batch and of $W_\text{in}$'s $D$ rows, and the $y$-th $1/Y$ of its $F$
# columns. FSDP all-gathers along a column of the mesh (weights), TP along a row (activations).

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
# LLaMA 3-70B on one pod is only just above the book's threshold, and only at $X_\text{opt}$, where the two ratios are
# equal. The book then rounds to powers of two and concludes "roughly 2048-way FSDP and 4-way model parallelism"
# (data 1024 × sequence 2 × tensor 4).
#
# **Question:** $2048 \times 4$ is how many chips (as a count of chips), and is that split compute-bound (as True (yes) or
# False (no))? What is the best split if we use *every* chip of the pod, with the book's 2-matrix MLP (give it as
# the FSDP degree $X$ and as the TP degree $Y$), and is it compute-bound?
# (TP degrees must divide the chip count, $F$ and the 64 heads.)

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
# <details><summary>Show answer</summary>
#
# $2048 \times 4$ leaves part of the pod idle (the rendering we read offers it, "about 8000-way", as the pod's
# layout), but its extra tokens
# per chip put it above the threshold: compute-bound. On all 8960 chips no allowed split is at $X_\text{opt}$
# (it would need $Y$ between 4 and 8), and the 3% margin above the threshold does not survive the miss: every
# split of the whole pod is communication-bound with the book's MLP, the best one narrowly. It is still the faster
# choice per step (last line): waiting a little on ICI with every chip beats idling the rest of the pod. Pure FSDP
# ($Y = 1$) is §4's case, and $Y \ge 16$ is past TP's limit of §5.
#
# </details>
#
# ### Why the real LLaMA moves the optimum to 1120 × 8
#
# LLaMA's MLP is gated: three $D\times F$ matrices, $n_\text{mat} = 3$. Look at the two ratios again. $r_\text{FSDP}$ does not
# contain $n_\text{mat}$ — the weights to gather and the FLOPs they do grow together. $r_\text{TP}$ falls as $1/n_\text{mat}$: TP moves the
# same $[B, D]$ activations in and out whatever happens inside the MLP, while the compute between them grows by half.
# **More compute per byte of TP traffic** makes TP cheaper, so the balance shifts towards more TP and less FSDP
# ($X_\text{opt}$ shrinks by $\sqrt{2/3}$), and the threshold falls by $2/3$: the real model has room the book's
# two-matrix layer lacks.

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
# This ties §4 back in: without sharding the sequence, $X \le 1024$ forces $Y \ge 16$ — too much TP for the
# book's MLP. Sequence (context) sharding is what makes the book's layout possible at all.
#
# ## 8. The roofline crossover, drawn
#
# `plots.compute_vs_comm` draws one layer's compute and communication time against tokens per chip for a fixed layout.
# Where the lines cross is the critical batch per chip; `S.crossover_tokens_per_chip` finds the same point. With $X$ and
# $Y$ fixed, FSDP + TP's TP ratio does not depend on tokens, so it takes a fixed share of each pass and FSDP must fit in
# the rest: the crossover is $C/(Y\,W_X)\,/\,(1 - r_\text{TP})$. The dotted line marks LLaMA 3-70B's tokens per
# chip on a full pod.

# %%
for strategy, tp_deg in (("FSDP", 1), ("FSDP+TP", 4)):
    x = S.crossover_tokens_per_chip(llama3_70b, v5p, strategy, chips=pod, tp=tp_deg, axes=3)
    print(tr(f"v5p, {pod:,} chips, {strategy} (Y = {tp_deg}): compute-bound above {x:,.1f} tokens per chip",
             f"v5p，{pod:,} 块芯片，{strategy}（Y = {tp_deg}）：每芯片超过 {x:,.1f} 个 token 时计算受限"))
    fig = plots.compute_vs_comm(llama3_70b, "TPU v5p", strategy, chips=pod, tp=tp_deg, axes=3,
                                mark=S.tokens_per_chip(B_4M, pod), figsize=(6, 3.2))
    plt.show()

# %% [markdown]
# On H100s the numbers change in two ways. Inside a node NVLink gives a threshold close to the v5p's one-axis figure.
# But a node has only 8 GPUs, so FSDP over many nodes runs in two stages (NVLink, then InfiniBand carrying $1/8$ of the
# array per GPU) and the two costs add; and TP cannot go past 8 without leaving NVLink (§12), so FSDP + TP cannot
# rebalance the way it does on the pod.

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
# With 4M tokens on 8192 H100s (512 per GPU, the dotted line), FSDP + TP8 is communication-bound: InfiniBand is the wall.
# GPU clusters therefore add a parallelism that sends *activations*, not weights, across nodes — pipelines (§10) — and
# keep plain DP (gradients once per step) for the outermost axis.
#
# ## 9. Across pods and nodes: DP over the slow network
#
# Between pods (DCN) or between GPU replicas (InfiniBand) the usual choice is plain data parallelism: inside each pod
# the chips share a model replica however they like, and each chip all-reduces only its $n_\text{pods}/n$ of the gradients with its
# counterparts in the other pods, once per step. The compute per chip has $B/n_\text{pods}$ tokens over the same $n_\text{pods}/n$ of the weights, so the chip count cancels:
#
# $$\text{compute-bound} \iff \frac{B}{n_\text{pods}} > \frac{C}{W_\text{dcn}}\quad\text{(tokens per pod; } W \text{ one-way per chip)}.$$
#
# **Question** (the book's part 6 leaves this exercise to the reader): LLaMA 3-70B on 4 v5p pods with the same batch. How many times the DCN threshold
# $C/W_\text{dcn}$ does each pod get (as a ratio, e.g. 1.25)? Does the cross-pod gradient reduction slow it down
# (as True (yes) or False (no))? Inside each pod, how many tokens does each chip get (in tokens per chip), and is
# FSDP × TP still compute-bound?

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
# <details><summary>Show answer</summary>
#
# No: each pod's share of the batch is far above the DCN threshold, so the gradient all-reduce over DCN hides behind
# the backward pass. The problem is *inside* each pod, which now has a quarter of the tokens per chip: far below the
# book's FSDP + TP threshold, and below it even for LLaMA's gated MLP. No split of the pod is compute-bound; each
# layer waits on ICI for a large part of its time (the last number printed). Four pods still finish sooner than one,
# but not four times sooner. Chapter 5 works out what to do about it (a larger batch, or fewer pods), and the book's
# other exercise, LLaMA 3.1-405B on 8 pods.
#
# </details>
#
# ## 10. Pipeline parallelism and the bubble
#
# Pipeline parallelism (GPipe, Huang et al. 2019 — the slides cite it as "NeurIPS 2024"; it appeared at NeurIPS
# **2019**) gives each of $p$ chips (or groups) $L/p$ consecutive layers. Only the $[B, D]$ activations cross a stage
# boundary, point-to-point, once each way per micro-batch. The catch is time, not bytes: a stage cannot start before the
# previous one hands it work. So the batch is cut into $m$ **micro-batches**, and their gradients are *accumulated*
# and applied once per step — the course slides' "must be combined with gradient accumulation". With the GPipe or 1F1B schedule
# each stage idles for $p-1$ micro-batch slots at the start and end of a step:
#
# $$\text{bubble fraction} = \frac{p - 1}{m + p - 1}.$$
#
# Megatron's **interleaved** schedule (Narayanan et al. 2021) gives each device $v$ smaller chunks of layers
# (e.g. layers 1–2 and 9–10 instead of 1–4) so the pipeline fills $v$ times faster: $\frac{p-1}{v\,m + p - 1}$, at
# the price of $v$ times more point-to-point sends.

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
# The three schedules for $p = 4$ stages and $m = 8$ micro-batches, time running to the right, a backward taking
# twice a forward (chapter 2's $4P$ against $2P$); the hatched grey is the bubble. GPipe and 1F1B idle for the same
# share, $(p-1)/(m+p-1) = 3/11$, but 1F1B keeps at most $p - r$ micro-batches' activations on device $r$ instead of
# all $m$. The interleaved schedule ($v = 3$ chunks per device) fills the pipeline three times faster: $3/27$.

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
# The sends are cheap; the bubble is not. A pipeline wants many more micro-batches than stages, which needs a large
# batch per data-parallel replica.
#
# ## 11. Expert parallelism: all-to-all
#
# In a mixture-of-experts layer (Mixtral, DeepSeek-V3; chapter 1) each token goes to $k$ of $E$ experts. The memory notes: "experts
# are spread over different cards; a token activates only some of them". With one expert group per chip, each chip
# sends every token to the chips holding its chosen experts (**dispatch**) and gets the results back (**combine**): two
# all-to-alls per pass, each moving $k$ copies of every token's $D$-vector. Mixtral-8x7B on 8 chips, 16,384 tokens per
# chip, compared with the expert FLOPs they buy:

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
# Inside a node, or on one torus axis, the all-to-all hides easily behind the expert matmuls; across InfiniBand it takes
# about as long as the matmuls, with no room for imbalance (some experts get more tokens than others). Large MoE runs
# keep expert groups inside a node where they can, or overlap the all-to-all with other work (DeepSeek-V3 does).
#
# ## 12. A GPU cluster: TP × PP × DP
#
# GPU clusters combine the three (Megatron's "3D parallelism"). Ranks are numbered TP innermost, then DP, then PP, and
# the rule of thumb is the link each axis needs:
#
# * **TP** has two collectives per layer per pass, on activations that grow with the batch: it must stay on NVLink, so
#   $Y \le 8$, one node.
# * **PP** sends only activations point-to-point: InfiniBand is enough.
# * **DP** reduces gradients once per step over a whole replica's tokens: InfiniBand is enough (§9).
#
# The 100B-compute article proposes TP8 × PP4 × DP4 for a 100B model; LLaMA 3 trained 405B on 16,384 H100s as TP8 × PP16 × DP128
# (Llama 3 paper, Table 4).

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
# Reading it: TP16 would span two nodes, and the second stage crosses InfiniBand. For the 70B shape that is
# communication-bound; 405B's wider $F$ buys just enough compute to stay under 1, with nothing left for anything else
# — TP8 keeps both far below. DP across replicas is easy: each replica sees many more tokens than InfiniBand's
# threshold. The price is the bubble: a 16-stage pipeline with only 16 micro-batches idles for nearly half the step
# with plain 1F1B, which is why LLaMA 3 used an interleaved schedule (and tuned it further). And $126/16$ is not whole:
# Meta gave the first and last stages fewer layers, since they also hold the embedding and the LM head.
#
# ## 13. Explorer
#
# Pick a model, a chip and a strategy; move the chip count, the TP degree, the mesh axes and the tokens per chip. The
# plot is the roofline crossover of §8 for that layout; the dotted line is where you are. At its defaults it shows
# LLaMA 3-70B with pure FSDP on a full v5p pod at 468 tokens per chip.

# %% tags=["nbval-ignore-output", "widget"]
ex = widgets.sharding_explorer("llama-3-70b", chip="TPU v5p")
ex.widget

# %%
ex.print_summary()

# %% [markdown]
# Things to try: switch the strategy to FSDP+TP with TP 4 and then 8; set the chip to H100 and the chips to 8 (one
# node), then 1024; pick TP with TP 16 and move the tokens — nothing changes the bound; set the mesh axes to 1 and
# watch FSDP's threshold triple.
#
# ## 14. Where the sources are wrong
#
# Numbers in this chapter's sources that the workbook corrects, each printed next to the value `llmcalc` computes and
# the reason. The sources' own figures are quoted as they print them.

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
# ## 15. What one rank really holds under PyTorch's FSDP2 and TP, measured
#
# §4 sized ZeRO/FSDP with the ZeRO paper's closed form, $(2 + 2 + \beta_\text{opt})\,P/X$ bytes of model states per chip (mixed-precision Adam), and
# chapter 3 sized the activations under TP and SP with Korthikanti's, everything divided by the TP degree. Those are
# the bytes a chip keeps **between** steps. During a step PyTorch's own implementation holds more, and the project
# measured how much without a single GPU: a Hugging Face LLaMA trained with **FSDP2** (`fully_shard` on every decoder
# layer, then on the root; parameters resharded after the forward pass, ZeRO-3 style, or kept, ZeRO-2 style; bf16, or
# mixed precision with an fp32 master copy and fp32 gradient reduction) and **DTensor tensor/sequence parallelism**
# (`parallelize_module`, the logits split over the vocabulary), run on rank 0 of torch's *fake process group* —
# collectives that return at once with a tensor of the right shape — under `FakeTensorMode`, and read by torch's
# `FSDPMemTracker` on the second step (`tools/measure_rank_peak.py`; `docs/rank-memory.md` keeps every record, its
# method and its versions). These are **this project's own measurements**, on up to 512 ranks, kept in
# `llmcalc.measured`. `llmcalc.rank_peak_bytes(cfg, b, s, dp_shard=..., tp=..., sp=..., reshard_after_forward=...,
# regime=..., checkpointing=...)` replays the same step tensor by tensor, and
# `llmcalc.rank_memory.zero_formula_bytes(...)` is what the closed forms of chapter 3 say for the same layout.

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
# The replay agrees with the tracker to the byte. ZeRO's closed form is short everywhere, and by more the more chips
# share the states: they shrink as $1/X$, but what PyTorch holds on top of them does not. Where the missing bytes
# are, for LLaMA 3-70B on 512 GPUs, first as FSDP alone and then as TP 8 × FSDP 64 (the tracker's categories at the
# measured peak; `rank_peak_breakdown` gives the same numbers):

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
# What the closed form leaves out, read off the table:
#
# - **The root stays gathered.** FSDP2 does not reshard the root module (embedding, final norm, LM head) after the
#   forward pass, so every chip holds the bf16 embedding and LM head, $2\cdot 2VD/Y$ bytes, from the forward pass to
#   the end of the backward pass — the "gathered parameters" row — however many chips share the states.
# - **A layer's working set.** A layer is gathered into one flat buffer and copied out into its parameters; in the
#   forward pass the previous layer's buffer is freed only after this copy-out, and in the backward pass each layer
#   prefetches the next one's. Its gradients are bf16 and unsharded until its reduce-scatter, whose input holds the
#   whole layer again in the reduce dtype — **fp32 under mixed precision** — and the previous layer's input is kept
#   until then.
# - **fp32 copies.** Mixed precision keeps fp32 sharded parameters (the master), fp32 gradients and fp32 AdamW
#   states (16 bytes per parameter, over $X$), and foreach AdamW makes one more fp32 copy of a state at the step.
# - **Sequence parallelism keeps the gathered inputs whole.** DTensor all-gathers the normalised stream before
#   q, k, v and before gate, up, and those matmuls keep the *gathered* tensor: $2D$ bytes per token each, on every
#   TP rank. Korthikanti's SP divides them by $Y$ too (the last line of the cell).
# - **The loss.** With loss parallelism each rank holds $16V/Y$ bytes per token at the start of the backward pass
#   (log-softmax, gradient, exponential, logits' gradient); without it every TP rank holds the whole vocabulary,
#   $12V$ per token, as on one device (compare the two LLaMA 3-8B TP 8 rows of the first table).
#
# **Which formula when.** ZeRO's closed form is exact for what a chip keeps *between* steps (`rank_sharded_state_bytes`,
# padded to a multiple of $X$): use it for checkpoints and for what must survive the step. For the peak of a PyTorch
# FSDP2 / DTensor run, `llmcalc.fsdp2_bytes_per_device(cfg, b, s, dp_shard=..., tp=..., sp=..., reshard_after_forward=...,
# regime=..., checkpointing=..., loss_parallel=...)` adds the five items above in closed form: the states, plus the
# working set at each of eleven moments of the step (the last layer's copy-out in the forward pass, the end of the
# forward pass, the loss's backward, a layer's backward near the top and near the bottom of the model, the
# embedding's backward, the root's reduce-scatter, AdamW's step), and takes the largest. Its formulas are in its docstring. To test it, the project
# measured a second grid, of real LLaMA shapes only: Llama 2 7B and 13B, Llama 3 8B and 70B, on 8, 64 and 512 GPUs,
# FSDP alone and with TP 2, 4 and 8, ZeRO-3 and ZeRO-2 style, bf16 and mixed precision, with and without
# checkpointing — 160 steps. The replay `rank_peak_bytes` stays the exact answer, and the only one for tiny models,
# whose peak can be a few small tensors the closed form leaves out. The planner of chapter 5 uses the closed form for
# `stack="fsdp2"`. How far each one is, over every recorded step, by number of GPUs (negative: short):

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
# > **Takeaways**
# >
# > - A layer is compute-bound when its matmuls take longer than its collectives; the crossover is a number of tokens
# >   per chip, $C/W$ for DP and FSDP — 2550 on one v5p axis, 850 on three, about 2200 on an H100 node.
# > - Say which bandwidth: `llmcalc` uses the bidirectional per-axis ICI figure for TPU collectives and the one-way
# >   per-GPU figure for NVLink, InfiniBand, DCN and point-to-point sends. All-gather and reduce-scatter cost $S/W$,
# >   all-reduce $2S/W$, all-to-all $S/(4W)$ on a ring.
# > - FSDP costs the same critical batch as DP. TP's limit does not depend on the batch: $Y < \frac{n_\text{mat}}{2} M_Y F W/C$.
# > - LLaMA 3-70B on a v5p pod: batch-only FSDP can use only 1024 chips, batch + sequence leaves 468 < 850 tokens per
# >   chip; FSDP + TP needs $2\cdot2550^2/F$ tokens per chip (the book, with the two collectives added; a Chinese
# >   rendering prints a quarter of it) and works only near $X_\text{opt}$: the book's 2048 × 4 (8192 chips) is
# >   compute-bound, every split of all 8960 chips misses by a little with the book's MLP, and LLaMA's gated MLP
# >   (1120 × 8) has room to spare.
# > - Across pods, DP over DCN needs 73,440 tokens per pod (4 pods of LLaMA 3-70B have over a million each); across
# >   H100 nodes about 19,780 per node.
# > - Pipelines send little but idle for $(p-1)/(m+p-1)$ of a step; interleaving divides the idle time by $v$. On
# >   GPUs, TP stays inside the NVLink node, PP and DP cross InfiniBand.
# > - ZeRO's $(2 + 2 + \beta_\text{opt})\,P/X$ is what a chip keeps between steps. At the peak PyTorch's FSDP2 and DTensor TP add the
# >   gathered embedding and LM head, a layer's gathered parameters, gradients and reduce-scatter buffer (fp32 under
# >   mixed precision), SP's undivided linear inputs and the loss's logits: the more chips, the larger their share.
# >   `rank_peak_bytes` replays it to the byte; `fsdp2_bytes_per_device` is its closed form, within 5% on real
# >   LLaMA shapes.
#
# ## Exercises
#
# **Exercise 1.** What is the smallest global batch for which pure FSDP over all three axes of a full v5p pod
# is compute-bound (in tokens per step)? How many 4096-token sequences is that (as a count of sequences), and could
# batch-only FSDP use it (as True (yes) or False (no))?

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
# **Exercise 2.** Above which TP degree does tensor parallelism on one v5p axis become communication-bound for
# $F = 28672$, with the book's 2-matrix MLP and with LLaMA's gated MLP (each as an unrounded TP degree)? Which powers of two are allowed in each case?

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:v5p.tp_max_degree_m2", "check:v5p.tp_max_degree_m3"]
# Answer (click to reveal) · 答案(点击展开)
for n_mat in (2, 3):
    y_max = S.tp_max_degree(v5p, F, mlp_matrices=n_mat)
    ok = [2**i for i in range(7) if S.tp_layer_time(llama3_70b, v5p, B_4M, 2**i, mlp_matrices=n_mat).compute_bound]
    print(tr(f"n_mat = {n_mat}: Y < {y_max:.2f}; compute-bound powers of two: {ok}",
             f"n_mat = {n_mat}：Y < {y_max:.2f}；计算受限的 2 的幂：{ok}"))

# %% [markdown]
# **Exercise 3.** A 16-stage pipeline runs 64 micro-batches per step. What share of the step is bubble (as a fraction, e.g. 0.125 (not
# 12.5%))? How many micro-batches would keep it under 5% (as a count of micro-batches), and what bubble share does
# an interleaved schedule with $v = 2$ give at 64?

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
# **Exercise 4.** On 8192 H100s, LLaMA 3-70B with a 4M-token batch and FSDP over InfiniBand × TP8 inside each node is
# communication-bound (§8). (a) How large must the batch be for it to become compute-bound (in tokens per step)? (b) Keep 4M tokens of
# 4096-token sequences and use TP8 × PP4 × DP instead: for DP = 256, 64 and 16, is the DP all-reduce compute-bound (as True (yes) or False (no)), and how large is the bubble with one
# sequence per micro-batch (as a fraction, e.g. 0.125 (not 12.5%))?

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
# <details><summary>What the table says</summary>
#
# A 4M-token batch is too small for 8192 H100s however you split it: FSDP's weight traffic over InfiniBand, with TP's
# NVLink traffic added to it, needs several times the batch (a), and with PP + DP the replicas get too few tokens for InfiniBand and too few micro-batches
# for the pipeline. With fewer, larger replicas both problems go away — at the price of fewer GPUs and a longer run.
# Picking the batch, the chip count and the layout together is chapter 5's job.
#
# </details>
