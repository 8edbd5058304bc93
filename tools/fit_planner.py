"""Fit the planner's two calibrated constants on the published runs, and cross-validate them.

    .venv/bin/python tools/fit_planner.py            # print the fit, its errors and the cross-validation
    .venv/bin/python tools/fit_planner.py --write    # also write the fitted values into llmcalc/kernels.py

Training set: every run of ``llmcalc.published.PLANNER_RUNS`` (23 runs from six sources, declared there with where each
figure is printed). The constants: ``matmul_fraction`` (achieved share of peak of a large, well-shaped GEMM)
and ``elementwise_passes`` (HBM passes over each stored activation per step), chosen on the grid
``llmcalc.planner.FRACTIONS`` × ``llmcalc.planner.PASSES`` to minimise the sum over runs of
log(predicted / reported throughput)². Nothing is fitted per run, per source or per chip. Leave-one-source-out
cross-validation: for each source, the constants are refitted without its runs and its runs are predicted.
About a minute on two cores (276 grid points × 23 runs).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from llmcalc import kernels, planner  # noqa: E402


def summary(errors) -> dict:
    a = sorted(abs(float(x)) for x in errors)
    mid = (a[(len(a) - 1) // 2] + a[len(a) // 2]) / 2
    return {"median_abs_percent": 100 * mid, "worst_abs_percent": 100 * a[-1]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="write the fitted constants into lib/llmcalc/kernels.py")
    args = ap.parse_args(argv)
    grid = planner.calibration_grid()
    x, e = planner.fit_constants(grid)
    errors = grid[(x, e)].map(math.exp) - 1
    cv = planner.cross_validate(grid)
    print(f"fitted on all {len(grid)} runs: matmul_fraction = {x:.2f}, elementwise_passes = {e:g}")
    for lab, err in errors.items():
        print(f"  {lab:45s} {100 * err:+6.1f}%")
    print("in-sample:", summary(errors))
    print("leave one source out:")
    for _, row in cv.iterrows():
        print(f"  {row['source']:16s} {row['run']:45s} fit ({row['matmul_fraction']:.2f}, "
              f"{row['elementwise_passes']:g}) held-out {100 * row['held_out_error']:+6.1f}%")
    print("held-out:", summary(cv["held_out_error"]))
    if args.write:
        path = ROOT / "lib" / "llmcalc" / "kernels.py"
        text = path.read_text()
        text = re.sub(r'"matmul_fraction": [0-9.]+,', f'"matmul_fraction": {x:.2f},', text, count=1)
        text = re.sub(r'"elementwise_passes": [0-9.]+,', f'"elementwise_passes": {e:.1f},', text, count=1)
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
