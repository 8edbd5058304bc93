"""Chip HBM: the bytes a device exposes (what every fits / min_chips check uses) beside the vendor's label.

Each exposed figure below is written as the literal its source prints, with the source in the comment:
nvidia-smi's MiB total for NVIDIA GPUs (MiB = 2**20 bytes), Google's per-chip GiB for TPUs (GiB = 2**30).
"""

import pytest

import llmcalc
from llmcalc import memory as mem
from llmcalc.hardware import CHIPS, Chip, label_bytes

MiB, GiB = 2**20, 2**30

EXPOSED = {
    "V100": 32768 * MiB,     # nvidia-smi "32768MiB", V100-SXM2 300 W, driver 525.105.17: Wan-Video/Wan2.1 issue #5
    "A100": 81920 * MiB,     # nvidia-smi "81920MiB", A100-SXM 400 W, driver 510.47.03: NVIDIA/gpu-operator issue #348
    # nvidia-smi "40960MiB", A100-SXM4-40GB 400 W, driver 580.126.09: bottlerocket-os/bottlerocket-core-kit PR #834
    "A100 40GB": 40960 * MiB,
    "H100": 81559 * MiB,     # nvidia-smi "81559MiB", H100 80GB HBM3, driver 550.54.15: NVIDIA/nccl issue #1264
    "H800": 81559 * MiB,     # assumption: same 80 GB HBM3 as the H100 (no named source for an H800 total)
    "H200": 143771 * MiB,    # nvidia-smi "143771MiB", H200 700 W, driver 550.144.03: sgl-project/sglang issue #3196
    "B200": 183359 * MiB,    # nvidia-smi "183359MiB", B200 1000 W, driver 580.95.05: NVIDIA/TensorRT-LLM issue #10278
    "TPU v4": 32 * GiB,      # Cloud TPU v4 page "32 GiB"; tpu-info hbm_gib=32
    "TPU v5e": 16 * GiB,     # Cloud TPU v5e page "16 GiB"; tpu-info hbm_gib=16
    "TPU v5p": 95 * GiB,     # Cloud TPU v5p page "HBM capacity per chip (GiB): 95"; tpu-info hbm_gib=95
    "TPU v6e": 32 * GiB,     # Cloud TPU v6e page "32 GB"; tpu-info hbm_gib=32
}

MARKETED = {  # the vendor's label and its bytes, typed by hand (GB = 1e9, GiB = 2**30)
    "V100": ("32 GB", 32e9), "A100": ("80 GB", 80e9), "A100 40GB": ("40 GB", 40e9), "H100": ("80 GB", 80e9),
    "H800": ("80 GB", 80e9),
    "H200": ("141 GB", 141e9), "B200": ("180 GB", 180e9), "TPU v4": ("32 GiB", 34_359_738_368),
    "TPU v5e": ("16 GB", 16e9), "TPU v5p": ("95 GiB", 102_005_473_280), "TPU v6e": ("32 GB", 32e9),
}


def test_every_chip_has_a_sourced_exposed_figure():
    assert set(EXPOSED) == set(CHIPS) == set(MARKETED)


@pytest.mark.parametrize("name", sorted(EXPOSED))
def test_exposed_bytes_are_the_figure_the_source_prints(name):
    assert CHIPS[name].hbm_bytes == EXPOSED[name]


def test_h100_exposed_bytes_match_nvml_to_the_byte():
    # NVML prints "Total memory: 85520809984 bytes" for an H100 80GB HBM3 in "Why does an NVIDIA H100 80GB
    # card offer 85.52 GB?" (thundergolfer.com/blog/nvidia-gpu-memory-capacity); 81,559 · 1,048,576 = that
    assert CHIPS["H100"].hbm_bytes == 85_520_809_984
    assert CHIPS["H100"].hbm_gb == 85.520809984
    assert CHIPS["H100"].hbm_gib == 81559 / 1024 == 79.6474609375


@pytest.mark.parametrize("name", sorted(MARKETED))
def test_marketed_label_round_trips(name):
    label, value = MARKETED[name]
    c = CHIPS[name]
    assert c.hbm_marketed == label
    assert c.hbm_marketed_bytes == value == label_bytes(label)


@pytest.mark.parametrize("name", sorted(CHIPS))
def test_exposed_is_within_ten_percent_of_the_label(name):
    # the exposed total is never far from the label: 1.0 (v4, v5p: label and doc agree) to 1.074 (GB vs GiB)
    c = CHIPS[name]
    assert 0.9 * c.hbm_marketed_bytes <= c.hbm_bytes <= 1.1 * c.hbm_marketed_bytes


def test_a_gb_label_understates_what_an_nvidia_gpu_exposes():
    # 81,920 MiB = 85,899,345,920 B against the "80 GB" label: 7.37% more; H100: 85.52/80 = 6.90% more
    assert CHIPS["A100"].hbm_bytes / CHIPS["A100"].hbm_marketed_bytes == pytest.approx(1.0737, abs=1e-4)
    assert CHIPS["H100"].hbm_bytes / CHIPS["H100"].hbm_marketed_bytes == pytest.approx(1.0690, abs=1e-4)


@pytest.mark.parametrize("name", sorted(CHIPS))
def test_each_figure_names_its_source(name):
    c = CHIPS[name]
    assert c.hbm_source
    if c.kind == "gpu" and name != "H800":
        assert f"{round(c.hbm_bytes / MiB)}MiB" in c.hbm_source  # the literal nvidia-smi prints
        assert ("issue #" in c.hbm_source or "pull request #" in c.hbm_source) and "driver" in c.hbm_source
    if c.kind == "tpu":
        assert "Google Cloud TPU" in c.hbm_source and "tpu-info" in c.hbm_source


def test_h800_states_its_assumption():
    assert CHIPS["H800"].hbm_source.startswith("assumption")
    assert "H100" in CHIPS["H800"].hbm_source


def test_labels_read_gb_or_gib_only():
    assert label_bytes("80 GB") == 80e9 and label_bytes("95 GiB") == 95 * 2**30 and label_bytes("1.5 GB") == 1.5e9
    for bad in ("80GB", "80 gb", "80 TB", "eighty GB", ""):
        with pytest.raises(ValueError, match=r"hbm_marketed must read '<number> GB' or '<number> GiB'"):
            label_bytes(bad)


def test_a_chip_with_a_bad_label_or_no_memory_is_refused():
    h100 = CHIPS["H100"]
    with pytest.raises(ValueError, match=r"hbm_marketed must read"):
        Chip("X", 1e15, 80e9, 1e12, 1e11, 1, 8, 1e10, "gpu", "test", hbm_marketed="80 gigs")
    with pytest.raises(ValueError, match=r"hbm_bytes must be a finite number > 0"):
        Chip("X", 1e15, 0, 1e12, 1e11, 1, 8, 1e10, "gpu", "test", hbm_marketed="80 GB")
    assert llmcalc.chip(h100) is h100


def test_405b_bf16_weights_need_ten_h100s_not_eleven():
    # hand: LLaMA 3.1 405B has 405,853,388,800 parameters (transformers, reference table); bf16 = 2 bytes:
    # 811,706,777,600 bytes. Over the 80e9 label: 811.71 / 80 = 10.15 → 11 GPUs. Over what an H100 exposes,
    # 85,520,809,984 bytes: 811,706,777,600 / 85,520,809,984 = 9.49 → 10 GPUs.
    weights = 2 * 405_853_388_800
    assert weights == 811_706_777_600
    assert llmcalc.param_count(llmcalc.preset("llama-3.1-405b")) == 405_853_388_800
    assert mem.min_chips(weights, "H100") == 10
    assert mem.min_chips(weights, CHIPS["H100"].hbm_marketed_bytes) == 11
    # a tenth of them, 81,170,677,760 bytes, did not fit in 80e9 and fits in 85,520,809,984
    share = weights // 10
    assert share == 81_170_677_760
    assert mem.fits(share, "H100") and not mem.fits(share, 80e9)


def test_v5p_pod_fraction_for_llama3_70b_state_moves_from_225_to_212_chips():
    # hand: 21.6e12 bytes over the book's 96e9 per v5p = 225 chips; over 95 · 2**30 = 102,005,473,280
    # exposed bytes: 21.6e12 / 102,005,473,280 = 211.75 → 212 chips
    assert mem.min_chips(21.6e12, 96e9) == 225
    assert mem.min_chips(21.6e12, "TPU v5p") == 212
