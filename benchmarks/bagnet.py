"""BagNet evidence maps: one fully convolutional pass against the reference code's patch-by-patch loop.

    .venv/bin/python benchmarks/bagnet.py [--digits 100] [--rounds 3] [--patches 9,17] [--canvas 112] [--json] [--accuracy]

Both ways give the class logits of patches of ``--digits`` held-out MNIST digits (the test checks
they agree; here the max |difference| is printed too), on two grids: the network's own (7 x 7,
step 4 px: the patches whose mean is the logit) and dense (28 x 28: the patch centred on every
pixel, the paper's heatmaps). The patch-by-patch way cuts the padded digit into its patches and
runs the network on each, in batches (of about as many pixels as the one pass's chunks, which
was the loop's fastest batch size here), as the paper's heatmap code does (Brendel &
Bethge 2019, arXiv:1904.00760); the one-pass way runs it once on the digit (dense: once on the 16
shifted copies, a few hundred thousand pixels per call). Each side runs ``--rounds`` times, alternating,
and the fastest run counts, since the machine is shared. The models are untrained BagNets in eval
mode (the speed does not depend on the weights), so nothing trains; ``--accuracy`` also loads the
zoo models (training them on first use) and prints their test accuracy beside mnist_cnn's.

The one pass saves the work that overlapping patches share: their early, spatially large layers. Each
row also gives the arithmetic of both ways (torch's FLOP counter over the convolutions) and its ratio,
the "work ratio": the time ratio should follow it. On these small MNIST BagNets most of the arithmetic
sits in the late 1x1 layers, which both ways run once per patch, so the work ratio is modest for 9 and
17 px patches (about 1-4x) and grows with the patch (about 9-16x for 33 px); on a 28 px digit the
padding adds to the one pass's work. ``--canvas S`` adds rows for S x S scenes tiled from the
same digits ((S / 28)^2 digits each; the BagNet is fully convolutional), where the border is a small part
of the image, as in a photograph.
"""
from __future__ import annotations

import argparse
import json
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

import seethrough as st
from seethrough.bagnet import bagnet_evidence, patchwise_evidence
from seethrough.zoo.bagnet import BagNet
from seethrough.zoo.training import accuracy, mnist_tensors


def seconds(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def flops(function) -> int:
    """Floating-point operations of the convolutions and matrix products ``function`` runs (torch's counter)."""
    with FlopCounterMode(display=False) as counter:
        function()
    return counter.get_total_flops()


def time_patch(patch: int, x: torch.Tensor, rounds: int, dense: bool) -> dict:
    torch.manual_seed(0)
    model = st.Model(BagNet(patch).eval(), input_size=(28, 28), mean=(0.0,), std=(1.0,),
                     labels=[str(d) for d in range(10)], name=f"bagnet{patch}")
    one_pass = bagnet_evidence(model, x, dense=dense).values
    reference = patchwise_evidence(model, x, dense=dense)
    work = {"one_pass": flops(lambda: bagnet_evidence(model, x, dense=dense)),
            "patchwise": flops(lambda: patchwise_evidence(model, x, dense=dense))}
    times = {"one_pass": float("inf"), "patchwise": float("inf")}
    for _ in range(rounds):  # alternate, so that both see the same load
        times["one_pass"] = min(times["one_pass"], seconds(lambda: bagnet_evidence(model, x, dense=dense)))
        times["patchwise"] = min(times["patchwise"], seconds(lambda: patchwise_evidence(model, x, dense=dense)))
    return {"patch": patch, "grid": "dense" if dense else "own", "images": len(x), "size": x.shape[-1],
            "patches": int(one_pass[0, 0].numel()) * len(x),
            "one_pass_s": round(times["one_pass"], 4), "patchwise_s": round(times["patchwise"], 4),
            "ratio": round(times["patchwise"] / times["one_pass"], 1),
            "one_pass_gflop": round(work["one_pass"] / 1e9, 3), "patchwise_gflop": round(work["patchwise"] / 1e9, 3),
            "work_ratio": round(work["patchwise"] / work["one_pass"], 1),
            "max_abs_difference": float((one_pass - reference).abs().max())}


def canvases(x: torch.Tensor, size: int) -> torch.Tensor:
    """Scenes (M, 1, size, size) tiled row by row from the digits ``x`` (N, 1, 28, 28); ``size`` a multiple of 28."""
    side = size // 28
    per = side * side
    count = max(1, len(x) // per)
    tiles = x[:count * per].view(count, side, side, 28, 28)
    return tiles.permute(0, 1, 3, 2, 4).reshape(count, 1, size, size).contiguous()


def accuracies() -> dict:
    images, labels = mnist_tensors("test")
    return {name: round(accuracy(st.zoo.load(name, progress=True).module, images, labels), 4)
            for name in ("bagnet9_mnist", "bagnet17_mnist", "mnist_cnn")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--patches", default="9,17", help="patch sizes, from 9, 17, 33 (default 9,17)")
    parser.add_argument("--canvas", type=int, default=0, help="also S x S scenes tiled from the digits (S a multiple of 28)")
    parser.add_argument("--accuracy", action="store_true", help="also the zoo models' test accuracy")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    x = mnist_tensors("test")[0][:args.digits]
    if args.canvas and (args.canvas < 28 or args.canvas % 28):
        parser.error("--canvas must be a multiple of 28")
    inputs = [x] + ([canvases(x, args.canvas)] if args.canvas else [])
    with torch.inference_mode():
        rows = [time_patch(patch, images, args.rounds, dense) for images in inputs for dense in (False, True)
                for patch in map(int, args.patches.split(","))]
    result = {"threads": torch.get_num_threads(), "speed": rows,
              "accuracy": accuracies() if args.accuracy else None}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"evidence maps of {args.digits} digits, fastest of {args.rounds} ({result['threads']} threads):")
    for row in rows:
        grid = "own grid" if row["grid"] == "own" else "dense   "
        print(f"  {row['images']:>3} x {row['size']:>3} px  BagNet-{row['patch']:<2} {grid}  one pass {row['one_pass_s'] * 1000:8.1f} ms   patch by patch "
              f"{row['patchwise_s'] * 1000:8.1f} ms   ratio {row['ratio']:6.1f}x   work ratio {row['work_ratio']:6.1f}x   "
              f"max |diff| {row['max_abs_difference']:.1e}")
    if result["accuracy"]:
        print("test accuracy (1,000 held-out digits): "
              + ", ".join(f"{name} {value:.1%}" for name, value in result["accuracy"].items()))


if __name__ == "__main__":
    main()
