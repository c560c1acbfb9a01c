"""Occlusion 16/8 and LIME 1000 samples on EfficientNet-Lite0 at 224 px, side by side with Captum's
Occlusion and the lime package, in one run: the issue's speed table.

    .venv/bin/python benchmarks/perturbation.py [--quick] [--json]

The details of each comparison (per-image forward times by batch, equality of the results) are in
``perturbation_occlusion.py`` and ``perturbation_lime.py``, which also run on their own.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import perturbation_lime  # noqa: E402
import perturbation_occlusion  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="occlusion 32/16 and LIME 200 samples")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    occlusion = perturbation_occlusion.run(quick=args.quick)[0]
    lime = perturbation_lime.run(samples=200 if args.quick else 1000, rounds=1 if args.quick else 2)
    rows = [{"method": occlusion["method"], "evaluations": occlusion["evaluations"], "ours_s": occlusion["ours_s"],
             "anchor": "captum Occlusion", "anchor_s": occlusion["captum_s"],
             "anchor_over_ours": occlusion["captum_over_ours"], "ours_over_limit": occlusion["ours_over_limit"],
             "max_abs_difference": occlusion["max_abs_difference"]},
            {"method": f"lime {lime['samples']} samples", "evaluations": lime["samples"], "ours_s": lime["ours_s"],
             "anchor": "lime package", "anchor_s": lime["lime_s"], "anchor_over_ours": lime["ratio_lime_over_ours"],
             "ours_over_limit": lime["ours_over_limit"], "max_abs_difference": lime["max_weight_difference"]}]
    if args.json:
        print(json.dumps({"rows": rows, "occlusion": occlusion, "lime": lime}, indent=2, default=str))
        return
    for row in rows:
        print(f"{row['method']:22s} {row['evaluations']:5d} evaluations  ours {row['ours_s']:7.2f} s  "
              f"{row['anchor']} {row['anchor_s']:7.2f} s  ratio {row['anchor_over_ours']:.2f} (>= 1.0 wanted)  "
              f"ours/limit {row['ours_over_limit']:.2f} (<= 1.10 wanted)  max |diff| {row['max_abs_difference']:.1e}")


if __name__ == "__main__":
    main()
