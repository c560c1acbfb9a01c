"""Integrated gradients (50 steps) and SmoothGrad (25 samples) on EfficientNet-Lite0, 224 px, side by
side with Captum 0.9 in one process, plus the distance to the physical limit.

    .venv/bin/python benchmarks/attribution.py [--repeats 3] [--json]

Reported per method, twice: each library as a user calls it (its default internal batch size:
ours 8 inputs per pass, Captum all evaluations in one batch), and each at its best batch size
among the same candidates (4, 8, 16, all), so neither side is handicapped by a bad default.
Each line gives the median seconds, the ratio Captum / ours (> 1 means we are faster), and
ours / limit, where the limit is evaluations x the best per-image forward+backward time measured
here (a gradient method cannot do less than one forward and one backward pass per evaluation);
the forward-only limit is printed too.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings

import torch

import seethrough as st

BATCHES = (2, 4, 8, 16, 32, 64)


def _median(run, repeats: int) -> float:
    run()  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def per_image_limits(model: st.Model, repeats: int) -> dict:
    """Best per-image forward time and forward+backward (input gradient) time over BATCHES."""
    forward, backward = {}, {}
    for batch in BATCHES:
        x = torch.randn(batch, 3, 224, 224)

        def run_forward():
            with torch.inference_mode():
                model(x)

        def run_backward():
            leaf = x.clone().requires_grad_(True)
            torch.autograd.grad(model(leaf)[:, 0].sum(), leaf)
        forward[batch] = _median(run_forward, repeats) / batch
        backward[batch] = _median(run_backward, repeats) / batch
    return {"forward": min(forward.values()), "forward_batch": min(forward, key=forward.get),
            "gradient": min(backward.values()), "gradient_batch": min(backward, key=backward.get)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.manual_seed(0)
    from captum.attr import IntegratedGradients, NoiseTunnel, Saliency

    model = st.zoo.load("efficientnet_lite0", progress=False)
    x = model.preprocess(st.data.sample("chelsea"))
    target = int(model(x).argmax())
    limits = per_image_limits(model, args.repeats)
    rows = []

    def compare(name, evaluations, ours, captum):
        candidates = sorted({4, 8, 16, evaluations})
        timed_ours = {b: _median(lambda: ours(b), args.repeats) for b in candidates}
        timed_captum = {b: _median(lambda: captum(b), args.repeats) for b in candidates}
        limit = evaluations * limits["gradient"]
        for setting, ours_b, captum_b in (("defaults", 8, evaluations),
                                          ("best", min(timed_ours, key=timed_ours.get),
                                           min(timed_captum, key=timed_captum.get))):
            rows.append({"method": name, "setting": setting, "ours_s": timed_ours[ours_b], "ours_batch": ours_b,
                         "captum_s": timed_captum[captum_b], "captum_batch": captum_b,
                         "captum_over_ours": timed_captum[captum_b] / timed_ours[ours_b],
                         "ours_over_gradient_limit": timed_ours[ours_b] / limit,
                         "ours_over_forward_limit": timed_ours[ours_b] / (evaluations * limits["forward"])})

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ig = IntegratedGradients(model.module)
        compare("ig_50_steps", 50,
                lambda b: st.attribute(model, x, target=target, method="integrated_gradients", n_steps=50, batch_size=b),
                lambda b: ig.attribute(x, target=target, n_steps=50, internal_batch_size=b))
        tunnel = NoiseTunnel(Saliency(model.module))
        compare("smoothgrad_25_samples", 25,
                lambda b: st.attribute(model, x, target=target, method="smoothgrad", n_samples=25, batch_size=b),
                lambda b: tunnel.attribute(x, target=target, nt_type="smoothgrad", nt_samples=25,
                                           nt_samples_batch_size=b, stdevs=0.15 * float(x.max() - x.min()), abs=False))
    report = {"threads": torch.get_num_threads(), "torch": torch.__version__, "limits_per_image_s": limits, "rows": rows}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"per-image limits: forward {limits['forward'] * 1e3:.1f} ms (batch {limits['forward_batch']}), "
          f"forward+backward {limits['gradient'] * 1e3:.1f} ms (batch {limits['gradient_batch']})")
    for row in rows:
        print(f"{row['method']:22s} {row['setting']:8s} ours {row['ours_s']:6.2f}s (batch {row['ours_batch']:2d})  "
              f"captum {row['captum_s']:6.2f}s (batch {row['captum_batch']:2d})  "
              f"captum/ours {row['captum_over_ours']:4.2f}  ours/limit {row['ours_over_gradient_limit']:4.2f} "
              f"(forward-only limit {row['ours_over_forward_limit']:4.2f})")


if __name__ == "__main__":
    main()
