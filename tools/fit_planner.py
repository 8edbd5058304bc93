"""Fit the planner's two calibrated constants on the published runs, and cross-validate them.

    .venv/bin/python tools/fit_planner.py            # print the fit, its errors and the cross-validation
    .venv/bin/python tools/fit_planner.py --write    # also write the fitted values into llmcalc/kernels.py

Training set: every run of ``llmcalc.published.PLANNER_RUNS`` (declared there with where each figure is printed).
The constants: ``matmul_fraction`` (achieved share of peak of a large, well-shaped GEMM) and
``elementwise_passes`` (HBM passes over each stored activation per step), chosen on the grid
``llmcalc.planner.FRACTIONS`` × ``llmcalc.planner.PASSES`` to minimise the sum over runs of
log(predicted / reported throughput)². Nothing is fitted per run, per source or per chip. Leave-one-source-out
cross-validation: for each source, the constants are refitted without its runs and its runs are predicted.

:func:`fit_and_cross_validate` (``llmcalc.planner.fit_and_cross_validate``) is the one code path behind every
figure of the fit and its cross-validation: this script prints it, ``tests/fidelity/test_calibration.py`` asserts
its bounds and ``tools/fidelity_report.py`` writes it into the README. About half a minute on two cores.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "lib") not in sys.path:
    sys.path.insert(0, str(ROOT / "lib"))

from llmcalc import planner  # noqa: E402


def summary(errors) -> dict:
    """Median and worst |error| in per cent (:func:`llmcalc.planner.error_summary`)."""
    return planner.error_summary(errors)


def fit_and_cross_validate() -> dict:
    """The fit on every published run and its leave-one-source-out cross-validation
    (:func:`llmcalc.planner.fit_and_cross_validate`, the one code path: this script prints it, the test asserts
    it, the README's report and chapter 5 show it): ``grid``, ``fitted``, ``in_sample``, ``cv``,
    ``in_sample_summary``, ``held_out_summary``."""
    return planner.fit_and_cross_validate()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="write the fitted constants into lib/llmcalc/kernels.py")
    args = ap.parse_args(argv)
    res = fit_and_cross_validate()
    x, e = res["fitted"]
    print(f"fitted on all {len(res['grid'])} runs: matmul_fraction = {x:.2f}, elementwise_passes = {e:g}")
    for lab, err in res["in_sample"].items():
        print(f"  {lab:50s} {100 * err:+6.1f}%")
    print("in-sample:", res["in_sample_summary"])
    print("leave one source out:")
    for _, row in res["cv"].iterrows():
        print(f"  {row['source']:16s} {row['run']:50s} fit ({row['matmul_fraction']:.2f}, "
              f"{row['elementwise_passes']:g}) held-out {100 * row['held_out_error']:+6.1f}%")
    print("held-out:", res["held_out_summary"])
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
