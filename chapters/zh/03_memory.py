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
# # 第 3 章 — 显存：装得下吗？
#
# 本章所有数字的出处：[参考文献](../../docs/references.zh.md)。
#
# 全书记号：[记号表](../../docs/notation.zh.md)。
#
# 第 1 章数清了参数量，第 2 章把参数量换算成了 FLOPs 和训练天数。这一章回答每个训练方案开跑之前都必须回答的另一个问题：**每块芯片上要放多少字节？它的 HBM（高带宽显存，high-bandwidth memory）放得下吗？**
#
# **学完本章，你将能够**
#
# - 把“个数”换算成“字节”：fp32、bf16/fp16、int8、int4 各占多少，并且始终分清 GB（$10^9$）和 GiB（$2^{30}$）；看一块芯片的显存，要看它实际提供的字节数，而不是标称容量；
# - 列出 Adam 训练时的*模型状态*（model states）：权重、梯度、fp32 主权重、Adam 的两个矩；解释为什么不同资料会说每个参数要 10、16 或 18 字节；再用 ZeRO 第 1–3 阶段把它们切分到多张卡上；
# - 逐个张量地预测一个真实训练步的显存峰值，并与 torch 自己的统计相比较；
# - 估算一层为反向传播保留的*激活值*（activations）——Korthikanti 等人的 $sbh(34 + 5as/h)$，以及它在张量并行、序列并行和重计算下的几种变体——并说明 LLaMA 的层与之有何不同；
# - 区分由显存决定的**最少**芯片数，和由算力决定的实际使用芯片数；
# - 核对原始资料（课程讲义、Mixtral 微调笔记、一个“100B 计算器”）里的显存算术，找出它们在哪里出了错。
#
# **符号**（取自全书的记号表；Korthikanti 等人写作 $s, b, h, a, t$，§4 保留他们的记法）
#
# | 符号 | 含义 | 符号 | 含义 |
# |---|---|---|---|
# | $L$ | transformer 层数 | $b$ | 微批次：一个设备一次前向和反向处理的序列数 |
# | $D$ | 模型（隐藏层）宽度，$d_\text{model}$ | $n$ | 参与的芯片数（整个训练，或一次集合通信） |
# | $F$ | MLP 宽度，$d_\text{ff}$ | $X$ | 数据并行度（普通 DP、ZeRO 或 FSDP） |
# | $N$ | 每层的查询头（query head）数 | $Y$ | 张量并行度 |
# | $K$ | 每层的键/值头（key/value head）数（$K = N$ 即普通的多头注意力） | $p$ | 流水线级数 |
# | $H$ | 单个注意力头的宽度（配置未给出时为 $D/N$） | $\beta_\text{opt}$ | 每个参数的优化器状态字节数（fp32 主权重 + Adam 的两个矩：4 + 8 = 12） |
# | $V$ | 词表大小 | $\mu_1$, $\mu_2$ | Adam 的一阶矩和二阶矩（梯度及其平方的滑动平均） |
# | $P$ | 参数量 | $r_\text{LoRA}$ | LoRA 适配器的秩 |
# | $T$ | 序列长度（每条序列的 token 数） | HBM | 单个芯片的显存（高带宽内存） |
# | $B$ | 以 token 计的批大小（全局，每步） | | |
#
# §4 保留 Korthikanti 等人的记号（$s = T$、$b$、$h = D$、$a = N$、$t = Y$），方便和论文逐项对照；在别处，它们只出现在按名字引用的结果里（“Korthikanti 的 $34sbh$”）。§6 把课程讲义的 $N$（GPU 数）和 $H$（宽度）换成 $n$ 和 $D$。见[其他资料的记号](../../docs/notation.zh.md#other-notations)。

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
llmcalc.i18n.use("zh")  # the edition's language for explorer labels and plot titles

# %% [markdown]
# ## 1. 每个数值几个字节，以及 GB 与 GiB
#
# 本章的每一个数都是“个数 × 每个数值的字节数”。各数据类型（dtype）的大小如下（取自 Yang Lewis 的《大模型多卡训练笔记》中的表格）：
#
# | 数据类型 | fp32 | fp16 / bf16 | int8 | int4 |
# |---|---|---|---|---|
# | 每个数值的字节数 | 4 | 2 | 1 | 0.5 |
#
# **单位。** 这份笔记规定“1 GB = 1024 MB = 1024³ 字节”，可这其实是 **GiB**。2048 AI 社区上的中文文章《大模型的算力需求：训练一个千亿模型需要多少 GPU？》，代码里除以 $1024^3$，打印出来却标成“GB”。芯片的规格书（datasheet）和本书用的都是 **GB $= 10^9$ 字节**；需要二进制单位时，我们写 **GiB $= 2^{30}$ 字节**。两者之比就是上面打印的那个数——足以把一个放得下的方案变成放不下的方案，所以本书不采用这份笔记的定义。`llmcalc` 内部一律用字节计算，只在打印时才除以其中一种单位。

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
# ### 一张“80 GB”的卡能装多少
#
# 芯片的显存是按一个整数标称来卖的，但真正算数的是设备实际提供的字节数，它并不等于标称值：在一张“H100 80GB HBM3”上，`nvidia-smi` 打印的总量是 81,559 MiB，在“A100-SXM4-80GB”上是 81,920 MiB（这个总量随驱动版本略有变化）；Google 的 Cloud TPU 文档给出每块 TPU v5p 芯片 95 GiB，*How To Scale Your Model* 则把它取整成“96 GB”。`Chip.hbm_bytes` 是设备实际提供的字节数，本书所有的 `fits` 和 `min_chips` 都拿它来比较；`hbm_marketed` 保留厂商的标称值，`hbm_source` 写明实际字节数是从哪里读来的。下面的单元把两者都打印出来，再拿一个真实的训练步分别和它们比一比：

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
# 按标称值比，这一步被判为放不下；按卡实际提供的字节数比，它放得下。不过这些字节并不全归你用：驱动自己要留一部分，CUDA 上下文还要再占一些，`fits` 的 `headroom` 参数就是为此准备的——留出 10% 余量后，这一步两种比法都放不下。所以要拿实际提供的字节数来比，并留出余量；永远不要拿标称值来比。
#
# ## 2. 模型状态：权重、梯度、主权重与优化器状态
#
# 用 Adam 训练时，每个参数都要保存以下几样东西：
#
# * 前向传播读取的**权重**（bf16：2 字节）；
# * 反向传播写出的**梯度**（bf16：2 字节，或 fp32：4 字节）；
# * 一份 **fp32 主权重**（master weights）：像 $\eta\,\hat\mu_1/\sqrt{\hat\mu_2}$ 这样的更新量，常常比权重附近 bf16 所能分辨的最小间隔还小，如果直接加到 bf16 权重上，就会被舍入掉（4 字节）；
# * Adam 的两个**矩**（moments）$\mu_1$ 和 $\mu_2$，用 fp32 存储（4 + 4 字节）。普通的 SGD 不需要这类状态；带动量的 SGD 需要一份。
#
# 前向、反向用 16 位，更新用 32 位，这就是混合精度训练（mixed-precision training）的基本做法。不同资料对这些项的加法不同，下面三种总数都有人在用：
#
# $$\underbrace{2 + 2 + 4 + 8}_{\text{ZeRO paper: } (2+2+\beta_\text{opt})P,\ \beta_\text{opt}=12} = 16, \qquad
# \underbrace{2 + 4 + 4 + 8}_{\text{Megatron: fp32 grads}} = 18, \qquad
# \underbrace{2 + 8}_{\textit{How To Scale Your Model}} = 10 .$$
#
# 10 字节的算法不保留 fp32 主权重（它直接用 fp32 的一阶矩、二阶矩去更新 bf16 权重），也不计入梯度——它把梯度看成临时量：每一层的梯度一算出来，就立即完成归约（reduce）并被优化器用掉。*How To Scale Your Model* 用的是 10 字节；Yang Lewis 的笔记和大学课程讲义《预训练之训练技术》（《大语言模型》编写团队的唐天一所作）用 16 字节；Korthikanti 等人用 18 字节。

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
# **问题（Question）：** *How To Scale Your Model* 用“bf16 参数 + fp32 优化器”训练 LLaMA 3-70B，算出 $2\cdot70\times10^9 + 8\cdot70\times10^9 = 700$ GB。课程讲义则会按每个参数 16 字节来算。哪一个对？
#
# <details><summary>显示答案</summary>
#
# 两个都对，只是对应不同的训练配方（recipe）。10 字节的配方不存 fp32 主权重，也从不同时持有一整套梯度；16 字节的配方（带主权重的经典混合精度，DeepSpeed 就是这么做的）还要额外付出一份 fp32 主权重和一整份梯度缓冲区。读任何一个显存估算时，先弄清它假设的是哪种配方——上面的表格显示，同一个模型在不同配方下会差出多少。
#
# </details>
#
# ## 3. ZeRO：把状态切分到各个数据并行副本上
#
# 普通的数据并行（data parallelism，DP）让 $X$ 个设备各持有一整份模型状态。ZeRO（Rajbhandari 等人，2020）则把这些状态切分（shard）开，一次多切一类。记参数量为 $P$，每个参数的优化器字节数为 $\beta_\text{opt} = 12$（论文写作 $\Psi$、$K$ 和 $N_d$）：
#
# | 阶段 | 切分的内容 | 每个设备的字节数 |
# |---|---|---|
# | 0（普通 DP） | 不切分 | $(2 + 2 + \beta_\text{opt})P$ |
# | 1 | 优化器状态（fp32 主权重 + 一阶矩、二阶矩） | $4P + \beta_\text{opt}P/X$ |
# | 2 | 再加上梯度 | $2P + (2 + \beta_\text{opt})P/X$ |
# | 3 | 再加上权重（与 FSDP 类似） | $(4 + \beta_\text{opt})P/X$ |
#
# 论文图 1 的例子是 $P = 7.5$B（75 亿）、$X = 64$ 张 GPU。图中的虚线是 V100 的 32 GB，也就是论文所用的 GPU。

# %%
zero = {tr(f"stage {s}", f"阶段 {s}"): mem.model_state_breakdown(7.5e9, "mixed", s, 64) for s in mem.ZERO_STAGES}
for name, b in zero.items():
    parts_gb = tr(", ", "，").join(f"{label(k, k)} {x / GB:.2f}" for k, x in b.items() if k != "total")
    print(tr(f"{name}: {b['total'] / GB:6.1f} GB per device  ({parts_gb})",
             f"{name}：每个设备 {b['total'] / GB:6.1f} GB（{parts_gb}）"))
fig = plots.memory_stack({k: {t: x for t, x in b.items() if t != "total"} for k, b in zero.items()}, chip="V100")
plt.show()

# %% [markdown]
# 阶段 1 就去掉了大部分状态，因为 16 字节中有 12 字节属于优化器。阶段 3 把一切都除以 $X$，代价是每一层在使用权重之前都必须先用 all-gather 把它收集回来，前向要做一次，反向*还要*再做一次——这部分通信开销是第 4 章的主题。
#
# ## 4. 激活值：反向传播需要什么
#
# 为了计算权重梯度，反向传播需要前向传播中每一个矩阵乘法、每一个非线性函数的*输入*。Korthikanti 等人（2022，“Reducing Activation Recomputation in Large Transformer Models”）针对 GPT 式的层（LayerNorm、$F = 4h$ 的 GELU MLP、dropout）逐一清点过这些张量。以 16 位数值计，每层为：
#
# $$\text{activations per layer} = s\,b\,h\left(34 + \frac{5\,a\,s}{h}\right)\ \text{bytes}.$$
#
# 其中 $34sbh$ 是宽度为 $h$ 和 $4h$ 的张量（归一化的输入、线性层的输入、GELU 的输入和输出、每个元素 1 字节的 dropout 掩码）；$5as^2b$ 是注意力分数、softmax 的输出及其 dropout 掩码——它与 $s$ 的平方成正比。论文给出了几种补救办法，每种都有闭式公式（$t$ 为张量并行度）：
#
# | 策略 | 每层字节数 |
# |---|---|
# | 不做处理 | $sbh(34 + 5as/h)$ |
# | 张量并行（tensor parallel，TP） | $sbh(10 + 24/t + 5as/(ht))$——归一化和线性层的输入在每张卡上仍各存一份 |
# | TP + 序列并行（sequence parallel，SP） | $sbh(34/t + 5as/(ht))$——把原先重复存放的部分沿 $s$ 维切开 |
# | TP + 选择性重计算（selective recompute） | $sbh(10 + 24/t)$——在反向传播时重新计算代价很低的注意力分数张量 |
# | TP + SP + 选择性重计算 | $34\,sbh/t$ |
# | 完全重计算（full recompute） | $2sbh$——只保留层的输入，反向时把该层的前向重跑一遍 |
#
# 使用 $p$ 级流水线并行（pipeline parallelism，PP）时，第一级持有 $L/p$ 层，同时有 $p$ 个微批次在流水线中，合起来大约是 $L$ 层的量。下面是论文中的 22B 和 1T 模型（表 3，$s = 2048$）；论文报告的值为 59.25 和 9.5625 GiB（22B），131.25 和 26.5625 GiB（1T）：

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
# 论文的四个值全部对上，连最后一位都一样。选择性重计算是最划算的折中：它丢掉那些随 $s^2$ 增长的张量（重新计算它们很便宜，因为不涉及与权重的矩阵乘法）；论文报告，配合序列并行，它把重计算带来的执行时间开销减少了 90% 以上；而完全重计算要多跑一整遍前向（第 2 章的 $8P$）。
#
# ### LLaMA 的层保留的不止 $34sbh$
#
# LLaMA 式的层没有 dropout，也没有偏置（bias），但它的 SwiGLU MLP 要保留**四个** $F$ 宽的张量（gate 和 up 投影的输出、$\mathrm{silu}(\text{gate})$，以及送进 down 投影的乘积）；而分组查询注意力（grouped-query attention，GQA）把键和值缩小到 $K\cdot H$ 宽。`layer_activation_breakdown` 逐个张量列出了它的假设。下面以 $sbh$ 为单位（每个 token 的字节数除以 $D$），列出 LLaMA 3-70B 一层中的每个张量，注意力分数张量已经去掉（对应选择性重计算，或使用 FlashAttention）：

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
# 可见 $34sbh$ 并不是放之四海而皆准的常数：它属于 GPT 的结构。对 SwiGLU 模型，MLP 部分是 $4F\cdot 2$ 字节，而不是 $2\cdot 4h\cdot 2$，所以两者之比取决于 $F/D$。实际运行的 PyTorch eager 模式还会再多存一些（RoPE 的副本、归一化的中间量）；`llmcalc` 的清单只是估算，要想精确到最后 1 GB，先实测再相信它。
#
# 课程讲义还说（推导留给了配套教材）：一个保留*全部*激活值的 7B 模型有“17 GB”激活值。一条 $T = 2048$ 的序列、完全不重计算，结果与之接近——前提是把这个 17 理解为 GiB（讲义没有说明它假设的批大小和序列长度，所以这只是一种说得通的解读，算不上验证）：

# %%
full_7b = mem.activation_bytes(llmcalc.preset("llama-2-7b"), 1, 2048)
print(tr(f"LLaMA-7B, b = 1, T = 2048, nothing recomputed: {full_7b / GiB:.2f} GiB = {full_7b / GB:.2f} GB",
         f"LLaMA-7B，b = 1，T = 2048，不做重计算：{full_7b / GiB:.2f} GiB = {full_7b / GB:.2f} GB"))

# %% [markdown]
# **问题（Question）：** Korthikanti 的 22B 模型在 8 张 A100（80 GB）上训练，$t = 8$，微批次为 4，每个参数 18 字节。只用 TP 时每张 GPU 要装多少（以 GB 为单位），放得下吗（填 True（是）或 False（否））？TP + SP 放得下吗？TP + SP + 选择性重计算时要装多少 GB，放得下吗？别忘了把 fp32 的 logits 也算进去。

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
# ## 5. 每层的检查点：在 TPU v5p 上训练 LLaMA 3-70B
#
# *How To Scale Your Model*（第 6 部分“在 TPU 上训练 LLaMA 3”，这里读的是它的中文译本）从另一个方向估算显存：先决定每层**保留**哪些张量（即检查点，checkpoints；其余的全部重计算），再乘以一个全局批次中的全部 token 数：
#
# $$\text{checkpoints} = 2\ \text{bytes}\times B \times L \times \sum_{\text{kept tensors}} \text{width}.$$
#
# 书中的设定是：每层 4 个检查点，每个宽 $D$，一个批次 $4\times10^6$ 个 token，再加上 $70\times10^9$ 个参数的 10 字节状态。它依次给出 140 GB、560 GB、“20.9 TB”、“~21.6 TB”，以及 $21.6\times10^{12}/96\times10^9 = 225$ 块芯片；接着是在 8960 块芯片的整个 Pod 上每芯片 2.4 GB，以及每层 12 个检查点时的“8 GB”。

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
# 书中的 20.9 TB 是把乘积截断得到的，而不是四舍五入；按它自己每芯片 96 GB 的算法，不先向下取整的总量需要的芯片比 225 块多；按一块 v5p 芯片实际提供的 95 GiB，两种算法需要的芯片都更少；每层 12 个检查点时，每芯片也不到它说的“8 GB”。不过这些都不改变它的结论。
#
# **$4\times D$ 的算法在哪里会少算。** 如果保留的是层的输入、注意力的输出这一类张量，“4 个 $D$ 宽的检查点”没有问题。但只要某种策略保存了 MLP *内部*的任何张量（这很常见：JAX 的 `checkpoint_dots` 会保留每个矩阵乘法的输出），它保留的就是 $F$ 宽的张量，而 LLaMA 3-70B 的 $F = 3.5D$。`CHECKPOINT_POLICIES` 列出了几种策略：

# %%
for policy, widths in mem.CHECKPOINT_POLICIES.items():
    c = mem.checkpoint_bytes(llama3_70b, 4e6, policy)
    per_chip_gb = (c + states["total"]) / v5p.fast_domain / GB
    print(tr(f"{policy:19s} {'+'.join(widths):22s} {c / 1e12:6.2f} TB = {c / ckpt4:.2f} x the book's, "
             f"{per_chip_gb:5.2f} GB per chip on the pod",
             f"{policy:19s} {'+'.join(widths):22s} {c / 1e12:6.2f} TB = 书中的 {c / ckpt4:.2f} 倍，"
             f"分到全部 {v5p.fast_domain} 块芯片上每块 {per_chip_gb:5.2f} GB"))

# %% [markdown]
# ### 最少芯片数与实际使用的芯片数
#
# 按书中的 4 个检查点，几百块芯片就能*装下*这次训练。可你真的会只用这些芯片来训练吗？第 2 章的时间公式给出了答案（与书中一样取 6.3e24 FLOPs，MFU 为 40%）：

# %%
for n in (mem.min_chips(21.6e12, v5p), v5p.fast_domain):
    days = llmcalc.training_days(6.3e24, n, v5p, 0.4)
    print(tr(f"{n:>5} chips: {days:7,.0f} days = {days / 365:4.1f} years   (memory used: "
             f"{total_4 / n / v5p.hbm_bytes:.1%} of HBM)",
             f"{n:>5} 块芯片：{days:7,.0f} 天 = {days / 365:4.1f} 年   （占用显存的 {total_4 / n / v5p.hbm_bytes:.1%}）"))

# %% [markdown]
# （这个最少芯片数是按书中取整后的 21.6 TB 算的；未取整的总量放在这些芯片上会略微超出 HBM，见显存那一列。）大集群的瓶颈是**算力**（compute-bound），而不是显存：整个 Pod 的存在是为了在几周内训练完，到了这个规模，显存几乎是白给的。显存决定的是*最少*要几块芯片；FLOPs 和截止日期决定你实际要买多少块。
#
# ## 6. 课程讲义里的经验公式
#
# 讲义估算每张 GPU 的显存，假设在 $n$ 张 GPU 上用 ZeRO-3，微批次为 $b$（序列数），序列长度为 $T$，宽度为 $D$（讲义写作 $N$、$B$ 和 $H$）：
#
# $$\underbrace{\frac{16P}{n}}_{\text{model + optimizer}} + \underbrace{2LbTD}_{\text{layer inputs}}
#   + \underbrace{12bTV}_{\text{logits: } 4bTV \text{ fp32} + 8bTV \text{ extra}} + \underbrace{6}_{\text{framework, ZeRO, fragmentation}}$$
#
# 第一个激活值项对应的是完全重计算（只保留每层的输入）。讲义的例子：用 2 × A100-80G 训练 LLaMA-7B，$b = 8$（$T = 2048$）：“模型与优化器 50 GB，激活值 6.2 GB，其他 10 GB，单卡总计 66 GB”。

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
# 只有每一项都按 GiB 计算，才能得到这个“66”；如果按 GB（也就是显卡标称“80G”所用的单位），同一个公式给出的是第二行。另外，讲义的标签看起来**标反了**：按它自己的公式，激活值各项加起来就是上面单元打印的数，与它的“其他 10”相近，而“其他”就是公式里的 6，并不是“激活值 6.2，其他 10”。不过无论用哪种单位，这张卡都放得下。
#
# ## 7. 在 44 GB 的卡上微调 Mixtral-8x7B
#
# 只训练模型的一部分，优化器状态就只需覆盖可训练的那部分——但**冻结**（frozen）的权重仍然必须放在卡上，因为前向传播要用到它们。Yang Lewis 的笔记先估算了 Mixtral-8x7B 中专家（experts）的大小：

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
# 接下来是三种情形，可训练的部分都按 16 字节的配方计算：
#
# * **A** —— 只训练路由器（router）；
# * **B** —— 最底下 6 层，每层 2 个专家，外加这几层的路由器；
# * **C** —— 4 位量化的基座模型，在每个专家的 gate、up、down 矩阵上加秩 $r_\text{LoRA} = 16$ 的 LoRA 适配器（adapter）。LoRA 为每个被适配的矩阵增加 $r_\text{LoRA}(d_\text{in} + d_\text{out})$ 个参数。
#
# 笔记给出的结果是：A“约一百万”个参数；B 为 4.23 / 4.23 / 16.9 / 8.46 = 33.8 GB；C 每个专家 0.885M（88.5 万）、每层 7.08M（708 万）、总共“226.6M”（约 2.27 亿），合 3.6 GB——并认为三种情形在 44 GB 上都可行。

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
# 怎样读这张表和柱状图（GB 为 $10^9$ 字节；笔记开头声明按 1024 进制，但它的数字其实是按 $10^9$ 算的）：
#
# * 笔记对可训练状态的计算与表中一致：B 为 33.8 GB，C 的适配器状态为 3.6 GB。它的“226.6M”是用四舍五入后的 0.885M 乘以 256 得到的；精确值打印在表格上方。
# * 但它**忘了冻结的基座模型。** 前向传播要读取 Mixtral 的全部参数（见 frozen_weights 一列，分 bf16 和 4 位两种）。在 bf16 下，三种情形*没有一种*放得进 44 GB 的卡。用 4 位基座时，A 和 C 放得下（还没算激活值），B 却不行：它的状态加上其余参数的 4 位权重，还没算任何激活值就已经超过 44 GB。
# * 所以笔记说的“可行”要加上限定条件：A 和 C 只有在基座量化之后才可行（或者把冻结的专家卸载到 CPU 内存，即 CPU offload——笔记自己也提醒过这样很慢），而 B 不做卸载的话，单卡根本放不下。

# %% [markdown]
# ## 8. 这张卡放得下吗？
#
# 把各部分按单个设备加起来：模型状态（按 $Y p$ 切分，再用 ZeRO 在 $X$ 个副本上切分）、流水线第一级的激活值，以及一份 fp32 的 logits（由按词表并行的输出层切分）：
#
# $$\text{bytes per device} = \text{states}(P/(Yp), X) + \text{activations}(b, T, Y, p, \text{policy}) + 4\,b\,T\,V/Y .$$
#
# `training_bytes_per_device` 把它们相加，`fits` 再与 HBM 比较（可以选择按比例留出余量，用来覆盖估算没有计入的部分：显存分配器的碎片、通信缓冲区、CUDA 上下文）。下面是在 H100 上训练 LLaMA 3-70B，$T = 8192$，微批次为 1，16 字节状态：

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
# 有两点值得注意。只加流水线并行（从 TP8 到 TP8 PP4）能切分模型状态，却切不动激活值：第一级持有 $L/p$ 层，同时有 $p$ 个微批次在流水线中。而让 $T = 8192$ 的 70B 模型稳稳放进一张 H100 的，是选择性重计算加 SP；完全重计算留出了大量空间，但要多付一整遍前向传播的代价。
#
# **问题（Question）：** 这里错在哪里？那篇千亿模型文章用一个小计算器估算 100B 模型：fp16 的权重和梯度，每个参数 8 字节的 Adam 状态，激活值“$\approx$ batch × seq_len × hidden × layers × 2 bytes”，其中 hidden 为 12288、共 80 层，再加 10 “GB” 的缓冲区——每一项都除以 $1024^3$，并标成 GB。它的正文说“激活值还需要 300–500 GB，总共 500–700 GB”。找出其中的问题。
#
# <details><summary>显示答案</summary>
#
# 1. **单位。** 除以 $1024^3$ 得到的是 GiB，不是 GB。
# 2. **状态。** 每个参数 2 + 2 + 8 = 12 字节，里面没有 fp32 主权重；它自己的注释说这 8 字节是“参数、动量、方差”，可 8 字节只够放其中两项。
# 3. **激活值。** 每层一个 $D$ 宽的张量，只是完全重计算时保留的层输入；一个保留自身张量的层需要 $sbh(34 + 5as/h)$。激活值这一项少算得太多（下面的单元把两者放在一起比较），而且正文里的 300–500 GB 和它自己的代码也对不上。
# 4. **形状。** $L = 80$、$D = 12288$ 不是 1,000 亿参数的模型：光是 $12LD^2$ 就远超 1,000 亿（下面的单元数出了它的参数量）。
# 5. **总数。** 按它自己的代码，各项之和远远超出正文的 500–700 GB（下面的单元打印了这个和）；正文把刚刚算过的梯度和优化器状态漏掉了。
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
# ## 9. 实测一个真实的训练步
#
# 到目前为止，每个结果都是针对 Megatron 式训练的闭式公式：每个参数 10、16 或 18 字节，再加上 Korthikanti 的激活值。那么，一个用 `torch.optim.AdamW` 训练的普通 Hugging Face LLaMA，在最吃紧的那一刻到底占用多少显存？`llmcalc.peak_training_bytes(cfg, b, s, regime=..., checkpointing=..., attention=...)` 的做法是**重放一步训练**：按 PyTorch 分配和释放张量的顺序走一遍，每个张量的字节数都由它的形状和数据类型算出。这些张量包括：参数和 AdamW 的两个状态（在 `"bf16"` 方案下都是 bf16，各 2 字节；在 `"amp"` 方案下是 fp32，配合 bf16 autocast）；每一层为反向传播保存的张量；损失函数（它会把 logits 上转为 fp32）；反向传播从最后一层开始依次产生的梯度；以及优化器的临时张量（torch 在 GPU 上默认使用 foreach 版 AdamW，它会为每个状态生成一份平方根副本）。累计总量在这一过程中的最大值，就是峰值。
#
# 真实值来自 torch 本身：`MemTracker`（`torch.distributed._tools.mem_tracker`）在 `FakeTensorMode` 下统计真实模型中仍然存活的张量存储（storage）。假张量（fake tensor）只有形状、没有数据，所以在笔记本电脑的 CPU 上就能测量 7B 模型的一步训练。测量取的是第二步，因为那时 AdamW 的状态已经存在（`tools/measure_peak_memory.py`；`make crosscheck` 会重新测量）。这些是**本项目自己用 torch 的 MemTracker 测得的结果**，不是论文里公布的数字；`llmcalc.measured` 把它们连同测量时所用的软件版本一起保存了下来。重放遵循的是 transformers 5.23.0 在 torch 2.13.0 上的那条代码路径（`peak_memory.REPLAYED_VERSIONS`）：换一个版本，分配的张量可能就不一样，`peak_training_bytes` 发现装的是别的版本时会给出警告。

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
# 把同一次重放按时间画出来：每根柱子是 LLaMA-2-7B 一个训练步（$b = 1$、$T = 4096$、bf16、SDPA、foreach AdamW）里某个阶段任一时刻占用的最大显存，按阶段发生的先后排列，最高的一根标成红色，虚线是 A100 实际可用的显存。前向传播不断积累激活值，损失函数再加上 fp32 的 logits，反向传播用梯度逐步换掉激活值，优化器更新时又会短暂复制一整份状态。

# %%
from llmcalc import diagrams

step = diagrams.step_memory(llmcalc.preset("llama-2-7b"), 1, 4096, chip="A100")
print(tr(f"peak {step.drawn_max_bytes / 1e9:.2f} GB, in the phase {step.peak_phase}",
         f"峰值 {step.drawn_max_bytes / 1e9:.2f} GB，出现在“{diagrams.ZH_DIAGRAMS.get(step.peak_phase, step.peak_phase)}”阶段"))
plt.show()

# %% [markdown]
# 重放结果与 torch 的差别见上表的误差一列；`llmcalc.measured` 里记录的那些较小的训练步（两种精度方案，开或不开检查点，SDPA 与 eager 两种注意力，三种 AdamW 实现，带偏置的层；见 `docs/peak-memory.md`），误差也都不超过上面单元打印的最大值。有三点值得注意。峰值往往出现在**优化器更新这一步**，而不是前向传播结束时：foreach 版 AdamW 会短暂地持有一整份优化器状态的副本。反向传播开始时，损失函数持有 $12\,b\,T\,V$ 字节的 fp32 logits 及其梯度——恰好就是 §6 课程讲义里的 $12bTV$。此外，`"amp"` 的开销是 `"bf16"` 的两倍：参数、梯度和状态都是 fp32，还要加上 autocast 生成的 bf16 副本。
#
# 重放没有计入、而真实 GPU 上会多出来的部分有：CUDA 上下文（几百 MB）、缓存分配器（caching allocator）的取整和碎片、cuBLAS 与注意力计算核（kernel）的工作区（workspace），以及通信缓冲区。`fits` 的 `headroom` 参数正是为这些准备的。
#
# **问题（Question）：** Korthikanti 的每层 $34\,s\,b\,h$ 字节（§4）针对的是 GPT 式的层：LayerNorm、$F = 4D$ 的两矩阵 MLP、dropout。在 $b = 1$、$T = 4096$、bf16、SDPA 注意力下，LLaMA-7B 的一层实际保存多少字节，是 $34\,s\,b\,h$ 的多少倍（写成倍数，例如 1.25）？为什么会更多？换成 eager 注意力和 `"amp"` 又如何？
#
# *怎么算：*像 §4 逐个张量地过一遍 GPT 层那样，按每个 token 的字节数过一遍这一层：Hugging Face 的 RMSNorm 会把输入升为 fp32，所以它保存一份 fp32 副本（$4D$）、每个 token 一个 fp32 的 RMS 倒数、bf16 的归一化结果和 bf16 的输出（各 $2D$）；SwiGLU 保存 gate、up、$\mathrm{silu}$(gate) 以及二者之积（bf16 下各 $2F$）；SDPA 保存 RoPE 之后的 $q, k, v$ 和它的输出（MHA 时各 $2D$），外加每个头一个 log-sum-exp；LLaMA 不用 dropout。`llmcalc.peak_memory.layer_saved_bytes(cfg, b, T, regime=..., attention=...)` 做的是同样的计数，可以用来核对你的结果。

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
# <details><summary>多出来的字节从哪里来</summary>
#
# 在 bf16 加 SDPA 下，一个 LLaMA 层保存的比 $34\,sbh$ 多（多出多少，由上面的单元打印）。这些全都是逐个张量数出来的，并且与 MemTracker 的结果逐字节吻合：
#
# - **RMSNorm 保留 fp32 副本**：Hugging Face 的 RMSNorm 会把输入上转为 fp32，所以两个归一化层各自保存一份 fp32 副本（$4D$）、fp32 的 RMS 倒数、bf16 的归一化张量和 bf16 的输出（也就是下一个线性层的输入）。两个合计每个 token $16D$；相比之下，GPT 的两个 LayerNorm 的输入，加上它们所馈入的线性层的输入，一共是 $8D$。
# - **SwiGLU 保留四个 $F$ 宽的张量**（gate、up、$\mathrm{silu}$（gate），以及它们的乘积）：每个 token $8F$；LLaMA-7B 的 $F = 11008 > 2D$，所以这比 GPT 的 $F = 4D$ MLP（保存 GELU 的输入和输出）的 $16D$ 更多。
# - **没有 dropout**：LLaMA 训练时不用 dropout，省掉了 Korthikanti 计入的掩码和 dropout 输出（这里 $\approx 2D$）。
#
# Eager 注意力会保存 fp32 的 $N T^2$ softmax，**另外**还有一份 bf16 副本（每个分数 6 字节，Korthikanti 算的是 5 字节），所以它同样超过 $sbh(34 + 5as/h)$。在 `"amp"` 下，autocast 会为每个线性层的输入加一份 bf16 副本，每层还会加一份权重的 bf16 副本（一个固定的量，与批大小无关）：三者中比值最大。
#
# 所以，为某一种实现写下的闭式公式，拿去估算另一种实现，会少算，少算多少就是上面单元打印的那几个倍数。第 5 章的规划器用的是 §4 的逐张量清单，并假设 SwiGLU 是融合的（Megatron 的计算核不保存 $\mathrm{silu}$）——它也明确说明了这一点。
#
# </details>

# %% [markdown]
# ## 10. 交互探索器（Explorer）
#
# 选一个模型和一种芯片；调节微批次、$T$、ZeRO 阶段、DP/TP/PP 并行度、序列并行、重计算策略和精度方案。柱状图把权重、梯度、fp32 主权重、优化器状态、激活值和 logits 叠在一起，与芯片的 HBM 对比（GB $= 10^9$ 字节）。

# %% tags=["nbval-ignore-output", "widget"]
ex = widgets.memory_explorer("llama-3-70b", chip="H100")
ex.widget

# %%
ex.print_summary()

# %% [markdown]
# 可以试试：把重计算设为 “none”，看激活值怎么变；关掉序列并行；把 ZeRO 阶段设为 3、DP 设为 1024；把精度方案换成 `bf16_fp32_adam`；把 $T$ 提高到 32768，再找出能重新放下的 PP。
#
# > **要点（Takeaways）**
# >
# > - 字节数 = 个数 × 每个数值的字节数（fp32 4，bf16 2，int8 1，int4 0.5）。GB $= 10^9$，GiB $= 2^{30}$：两者并不相等，而资料常常把它们混为一谈（多卡训练笔记的“1 GB = 1024 MB”、千亿模型那篇文章的 $1024^3$、课程讲义的 66）。一张卡的“80 GB”只是标称值，不是容量：要拿它实际提供的字节数（`hbm_bytes`）来比，并留出余量。
# > - Adam 的模型状态：带 fp32 主权重时每个参数 16 字节（ZeRO），梯度也用 fp32 时 18 字节（Megatron），既不存主权重也不保留梯度时 10 字节（*How To Scale Your Model*）。先弄清配方。
# > - ZeRO-1/2/3 依次把优化器状态、梯度、权重切分到 $X$ 个副本上：ZeRO 论文的例子是 75 亿参数的模型放在 64 张 GPU 上，每张 GPU 的状态从 120 GB 降到 1.9 GB。
# > - 激活值与 $b\cdot T$ 成正比；如果不做重计算、也不用 FlashAttention，还与 $T^2$ 成正比。TP + SP + 选择性重计算把 Korthikanti 的 $sbh(34 + 5as/h)$ 降到 $34sbh/t$；SwiGLU 层保留的比 $34sbh$ 多。
# > - 显存决定芯片数的**下限**；算力和截止日期决定实际用多少（按书中的算法，225 块 v5p 芯片就能装下 LLaMA 3-70B 的训练，但要训练好几年）。
# > - 微调的估算必须算上冻结的基座，而多卡训练笔记把它漏掉了（§7）。
# > - 把一个真实的 Hugging Face 训练步逐个张量地重放（`peak_training_bytes`），结果与 §9 中 torch 的 MemTracker 测得的每一个案例都吻合：峰值往往出现在优化器更新这一步，损失函数持有 $12bTV$，一个 LLaMA 层保存的比 $34sbh$ 多（fp32 的 RMSNorm 副本、四个 SwiGLU 张量）。闭式公式只适用于某一种实现：先弄清是哪一种。
#
# ## 练习（Exercises）
#
# **练习 1.** LLaMA 3.1-405B，16 字节状态。每问都以 GB 为单位（每张 GPU）。（a）在全部 16,384 张 GPU 上用 ZeRO-3，每张 GPU 要多少？（b）用 Meta 的布局 TP8 × PP16、不用 ZeRO（128 路数据并行中的每个副本都完整地持有自己那份切片）呢？（c）再在 128 个数据并行副本上加 ZeRO-1 呢？

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
# <details><summary>为什么有人会选（b）或（c），而不选（a）？</summary>
#
# ZeRO-3 每一步都要在整个数据并行组里把每一层的权重收集两次，而在 16,384 张 GPU 上，这些流量要走慢速的网络。TP 和 PP 则让大部分与权重有关的通信留在节点内部（NVLink），或者在流水线的各级之间只传激活值。（c）让权重留在本地，只切分优化器状态，而这部分的通信每一步只有一次。第 4 章会给这种取舍算出具体的数字。
#
# </details>
#
# **练习 2.** 在 H100 上训练 LLaMA 3-70B，$T = 8192$，微批次为 1，使用序列并行和选择性重计算，16 字节状态，留 10% 余量。TP 最多为 8（一个节点），PP 必须整除 $L = 80$。不用 ZeRO 时，能放下的最小 $Y\cdot p$ 是多少（写成 GPU 数）？在 8 个数据并行副本上用 ZeRO-1 时呢？

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
# **练习 3.** §5 打印了书中每层 12 个检查点时，整个 v5p Pod 上每块芯片的字节数。如果这 12 个检查点都是 $F$ 宽而不是 $D$ 宽（这有些夸张，但正是误差的方向），每块芯片要装多少（以 GB 为单位）？这次训练最少需要多少块芯片（写成芯片数）？整个 Pod 还放得下吗（填 True（是）或 False（否））？

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
# **练习 4.** 在 80 GB 的 A100 上对 LLaMA-2-7B 做全参数微调（16 字节状态），微批次为 1，$T = 4096$，完全重计算。使用 ZeRO-3 时，最少需要几张 GPU 才能放下（不留余量；写成 GPU 数）？用 `training_bytes_per_device`，设 `zero_stage=3`，`dp` 等于 GPU 数。

# %% jupyter={"source_hidden": true} tags=["solution", "hide-cell", "check:llama7b.min_a100_zero3"]
# Answer (click to reveal) · 答案(点击展开)
for n in range(1, 9):
    r = mem.training_bytes_per_device(llama_7b, 1, 4096, zero_stage=3, dp=n, recompute="full")
    print(tr(f"{n} GPU(s): {r['total'] / GB:6.1f} GB per GPU, fits: {mem.fits(r['total'], 'A100')}",
             f"{n} 张 GPU：每张 GPU {r['total'] / GB:6.1f} GB，放得下：{yes_no(mem.fits(r['total'], 'A100'))}"))
    if mem.fits(r["total"], "A100"):
        break
