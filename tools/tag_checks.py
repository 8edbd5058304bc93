"""Link solution cells to llmcalc.check keys (tag check:KEY) in both editions: each entry of LINKS is
a substring that occurs in exactly one solution cell of a chapter. Usage: python tools/tag_checks.py,
then rebuild the chapters (make book) and the exercises (make exercises)."""
import sys
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parents[1]
# chapter stem -> {distinctive source line of the solution cell: [keys]}
LINKS = {
    "01_params": {'big = preset("llama-3.1-405b")': ["405b.mlp_params", "405b.attention_params", "405b.vocab_params",
                                                     "405b.params"],
                  'g = preset("gemma-2-9b")': ["gemma2.tying_saves", "gemma2.untied_head_fraction"],
                  'm = preset("mixtral-8x7b")': ["mixtral.active_fraction"],
                  'l2 = preset("llama-2-70b")': ["l2_70b.gqa_attention_params_per_layer",
                                                 "l2_70b.mha_attention_params_per_layer", "l2_70b.mha_extra_params"],
                  'kv_slide = 2 * c.D * c.D': ["l3_70b.slide_overcount"],
                  'gpt = preset("gpt-3-175b")': ["gpt3.weight_matrices", "gpt3.extra_params"]},
    "02_flops": {"q_proj = flops.matmul_flops(B * T, qwen.D, qwen.N * qwen.H)": ["qwen72b.q_proj_flops", "qwen72b.k_proj_flops"],
                 "T_ = next(2 ** i for i in range(8, 22)": ["l3_70b.attention_quarter_context",
                                                            "l3_8b.attention_quarter_context"],
                 "days_225 = llmcalc.training_days(6.3e24, 225, v5p, 0.4)": ["l3_70b.days_on_225_chips"],
                 "mfu_l2 = llmcalc.implied_mfu(l2, 1_720_320, \"A100\")": ["llama2_70b.implied_mfu", "llama2_70b.days_on_2048",
                                                                         "llama2_70b.mfu_for_21_days"],
                 'l405 = llmcalc.preset("llama-3.1-405b")': ["405b.flops_per_token", "405b.total_flops", "405b.h100_for_90_days",
                                                             "405b.attention_ratio_8k", "405b.attention_ratio_128k"],
                 "hours = 128 * 30 * 24": ["a100x128.cost_30_days", "a100x128.flops_delivered"],
                 "model_over_hw = llmcalc.flops_per_token(llama3_70b)": ["recompute.mfu_at_50pct_hfu", "recompute.full_extra_work",
                                                                         "palm.extra_work"]},
    "03_memory": {"cases_22b = {}": ["gpt22b.tp_only_gb", "gpt22b.tp_sp_selective_gb"],
                  "(a) ZeRO-3 over 16,384": ["405b.zero3_16k_gb", "405b.tp8_pp16_states_gb", "405b.tp8_pp16_zero1_states_gb"],
                  "def smallest_layout(**kw):": ["l3_70b.min_gpus_per_replica_no_zero", "l3_70b.min_gpus_per_replica_zero1"],
                  'wide = mem.checkpoint_bytes(llama3_70b, 4e6, ("F",) * 12)': ["l3_70b.wide_ckpt_gb_per_chip",
                                                                              "l3_70b.wide_ckpt_min_chips"],
                  "r = mem.training_bytes_per_device(llama_7b, 1, 4096, zero_stage=3, dp=n, recompute=\"full\")": ["llama7b.min_a100_zero3"],
                  "gpt_layer = 34 * s_ * b_ * h_": ["llama7b.hf_layer_vs_34sbh"]},
    "04_sharding": {"S.max_data_parallel_degree(B_4M, 4096": ["llama3_70b.max_batch_only_fsdp", "l3_70b.fsdp_tokens_per_chip",
                                                              "l3_70b.fsdp_comm_ratio"],
                    'pow2 = S.best_fsdp_tp_split(llama3_70b, v5p, pod, B_4M, splits="powers_of_two"':
                        ["l3_70b.book_chips_2048x4", "l3_70b.best_split_fsdp_m2", "l3_70b.best_split_tp_m2"],
                    "lt = S.dcn_dp_layer_time(llama3_70b, v5p, B_4M, 4)": ["l3_70b.4pods_dcn_margin", "l3_70b.4pods_tokens_per_chip"],
                    "min_B = S.dp_critical_tokens_per_chip(v5p, axes=3) * pod": ["v5p_pod.min_fsdp_batch",
                                                                                 "v5p_pod.min_fsdp_batch_sequences"],
                    "y_max = S.tp_max_degree(v5p, F, mlp_matrices=m)": ["v5p.tp_max_degree_m2", "v5p.tp_max_degree_m3"],
                    "S.pipeline_bubble_fraction(16, 64)": ["pp16_m64.bubble", "pp16.min_microbatches_5pct", "pp16_m64_v2.bubble"],
                    "need_h = S.crossover_tokens_per_chip(llama3_70b, h100": ["l3_70b.h100_fsdp_tp8_min_batch",
                                                                              "l3_70b.pp4_dp256_bubble", "l3_70b.pp4_dp64_bubble",
                                                                              "l3_70b.pp4_dp16_bubble"]},
    "05_llama405b": {'by_hand = {"MLP 3DF·L"': ["405b.mlp_params", "405b.attention_params", "405b.vocab_params",
                                                "405b.norm_params", "405b.params_by_hand"],
                     "full_8k = llmcalc.training_flops_per_token(l405, 8192, causal=False)": ["405b.flops_per_token",
                                                                                             "405b.flops_per_token_8k"],
                     "total_156t = llmcalc.training_flops_6p(l405, 15.6e12)": ["405b.total_flops", "405b.meta_flops"],
                     "states = {r: mem.model_state_breakdown(l405, r) for r in mem.REGIMES}": ["405b.states_tb_16b",
                                                                                              "405b.states_tb_18b",
                                                                                              "405b.states_tb_10b"],
                     "ckpt = {pol: mem.checkpoint_bytes(l405, B_TOKENS, pol)": ["405b.ckpt_book_4xd_tb", "405b.ckpt_dots_tb",
                                                                                "405b.min_v5p_dots", "405b.min_h100_dots"],
                     "dcn_threshold = S.dcn_critical_tokens_per_pod(v5p)": ["405b.tokens_per_pod_8pods",
                                                                            "v5p.dcn_critical_tokens_per_pod"],
                     "tpc = S.tokens_per_chip(per_pod, v5p.fast_domain)": ["405b.pod_tokens_per_chip", "405b.fsdp_tp_threshold_m2",
                                                                           "405b.fsdp_tp_threshold_m3", "405b.best_tp_degree_gated"],
                     'state_chip = mem.model_state_bytes(l405, "bf16_fp32_adam"': ["405b.tpu_gb_per_chip_book_ckpt",
                                                                                  "405b.tpu_gb_per_chip_dots",
                                                                                  "405b.days_8_pods_40pct"],
                     "per_pod_70 = B70 / 4": ["l3_70b.4pods_dcn_margin", "l3_70b.4pods_tokens_per_chip", "l3_70b.4pods_layer_slowdown",
                                              "l3_70b.days_4_pods_comm_bound", "l3_70b.4pods_min_batch_mtokens"],
                     "meta = S.hybrid_layout(8, 16, 128": ["405b.params_per_gpu_meta"],
                     'meta_kw = dict(tp=8, pp=16, sp=True, recompute="selective")': ["405b.meta_layout_gb",
                                                                                    "405b.tp8_pp16_zero1_states_gb"],
                     "seqs_per_step = B_TOKENS // 8192": ["405b.bubble_16k_gpus", "405b.bubble_8k_gpus"],
                     "row = planner.layout(l405, h100, H_CHIPS, H_BATCH, 8192, tp=8, pp=16, zero=1, interleave=v, ideal=True)":
                         ["405b.planner_meta_mfu_v1", "405b.planner_meta_mfu_v4"],
                     "META_MFU, CARD_HOURS = 0.41, 30.84e6": ["h100.mfu_at_400_tflops", "405b.days_16k_h100_41pct",
                                                              "405b.gpu_hours_41pct", "405b.card_implied_mfu"],
                     "dense_1t = ModelConfig(L=128": ["dense1t.params", "dense1t.flops_15_6t", "dense1t.days_16k_h100_40pct",
                                                      "dense1t.h100_for_90_days", "dense1t.gb_per_gpu_selective",
                                                      "dense1t.gb_per_gpu_full"],
                     "tp, cp, pp, dp = 8, 16, 16, 8": ["405b.long_ctx_microbatches", "405b.attention_ratio_128k",
                                                       "405b.long_ctx_days"],
                     "model card: {CARD_HOURS / 1e6:.2f}M H100-hours": ["405b.card_cost", "405b.ideal_cost_41pct",
                                                                        "405b.tpu_plan_cost"]},
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
