"""Link solution cells to llmcalc.check keys (tag check:KEY) in both editions, matching by the
cell's first code line after the answer header. Usage: python tools/tag_checks.py"""
import sys
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parents[1]
# chapter stem -> {distinctive source line of the solution cell: [keys]}
LINKS = {
    "01_params": {'big = preset("llama-3.1-405b")': ["405b.params"],
                  'g = preset("gemma-2-9b")': ["gemma2.tying_saves"],
                  'm = preset("mixtral-8x7b")': ["mixtral.active_fraction"],
                  'l2 = preset("llama-2-70b")': ["l2_70b.gqa_attention_params_per_layer"],
                  'kv_slide = 2 * c.D * c.D': ["l3_70b.slide_overcount"]},
    "02_flops": {"q_proj = flops.matmul_flops(B * T, qwen.D, qwen.N * qwen.H)": ["qwen72b.q_proj_flops"],
                 "days_225 = llmcalc.training_days(6.3e24, 225, v5p, 0.4)": ["l3_70b.days_on_225_chips"],
                 "mfu_l2 = llmcalc.implied_mfu(l2, 1_720_320, \"A100\")": ["llama2_70b.implied_mfu"],
                 'l405 = llmcalc.preset("llama-3.1-405b")': ["405b.flops_per_token", "405b.total_flops", "405b.h100_for_90_days"],
                 "hours = 128 * 30 * 24": ["a100x128.cost_30_days"]},
    "03_memory": {"(a) ZeRO-3 over 16,384": ["405b.zero3_16k_gb"],
                  "r = mem.training_bytes_per_device(llama_7b, 1, 4096, zero_stage=3, dp=n, recompute=\"full\")": ["llama7b.min_a100_zero3"]},
    "04_sharding": {"S.max_data_parallel_degree(B_4M, 4096": ["llama3_70b.max_batch_only_fsdp"],
                    "min_B = S.dp_critical_tokens_per_chip(v5p, axes=3) * pod": ["v5p_pod.min_fsdp_batch"],
                    "S.pipeline_bubble_fraction(16, 64)": ["pp16_m64.bubble"]},
    "05_llama405b": {'by_hand = {"MLP 3DF·L"': ["405b.params_by_hand"],
                     "total_156t = llmcalc.training_flops_6p(l405, 15.6e12)": ["405b.meta_flops"],
                     "model card: {CARD_HOURS / 1e6:.2f}M H100-hours": ["405b.card_cost"]},
}

for stem, links in LINKS.items():
    for path in [ROOT / "chapters" / f"{stem}.py", ROOT / "chapters" / "zh" / f"{stem}.py"]:
        if not path.exists():
            continue
        nb = jupytext.read(path)
        found = set()
        for c in nb.cells:
            if "solution" not in c.metadata.get("tags", []):
                continue
            for needle, keys in links.items():
                if needle in c.source:
                    tags = [t for t in c.metadata["tags"] if not t.startswith("check:")]
                    c.metadata["tags"] = tags + [f"check:{k}" for k in keys]
                    found.add(needle)
        missing = set(links) - found
        if missing:
            sys.exit(f"{path}: no solution cell contains {sorted(missing)}")
        jupytext.write(nb, path, fmt="py:percent")
        print("tagged", path.relative_to(ROOT))
