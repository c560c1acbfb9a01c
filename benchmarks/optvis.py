"""Feature visualization quality and speed on EfficientNet-Lite0 (issue 6's bar), in one run.

    .venv/bin/python benchmarks/optvis.py [--steps 256] [--classes 10] [--channels 20] [--json]

1. Class visualization: ``--classes`` ImageNet classes drawn with seed 0, 224 px, Fourier
   parameterization with decorrelated colour, standard transforms, ``--steps`` steps. Each result is
   scored under 8 *fresh* random transforms (pad, jitter, scale 0.9-1.1, rotate +-10 deg, seed 1234,
   never seen in the optimization): the mean probability of the target class. Bar: >= 0.9 for 8 of 10.
2. Channel visualization: ``--channels`` channels spread over three depths (_blocks.4, _blocks.10,
   _blocks.15), drawn with seed 0. Each visualization's mean channel activation is compared with the
   best natural image: the ten built-in samples, each whole and as five half-size crops (corners and
   centre) resized to 224. Bar: the visualization wins for 18 of 20.
3. Time of one 224 px class visualization (``--steps`` steps, batch 1). Bar: under 60 s on 2 cores.

The visualizations run in batches of ``--batch`` images (one objective term per image), which is
the same computation as one run per image (BatchNorm is in eval mode, images do not interact).
"""
from __future__ import annotations

import argparse
import functools
import json
import operator
import time

import numpy as np
import torch

import seethrough as st
from seethrough.optvis import objectives, probabilities_under_transforms, render

LAYERS = ("_blocks.4", "_blocks.10", "_blocks.15")


def natural_images(model: st.Model) -> torch.Tensor:
    """The built-in samples, whole and as five half-size crops each, as pixels (N, 3, 224, 224)."""
    pixels = []
    for name in st.data.list_samples():
        image = st.data.sample(name)
        height, width = image.shape[:2]
        pixels.append(model.to_pixels(image))
        h, w = height // 2, width // 2
        for y, x in [(0, 0), (0, width - w), (height - h, 0), (height - h, width - w), ((height - h) // 2, (width - w) // 2)]:
            pixels.append(model.to_pixels(image[y:y + h, x:x + w]))
    return torch.cat(pixels)


def channel_means(model: st.Model, pixels: torch.Tensor, layer: str) -> torch.Tensor:
    """Mean activation of every channel of ``layer`` per image: (N, C)."""
    rows = []
    with torch.no_grad():
        for chunk in pixels.split(8):
            with st.capture(model.module, [layer]) as recorded:
                model(model.normalize(chunk))
            rows.append(recorded[layer].mean(dim=(2, 3)))
    return torch.cat(rows)


def batched(model, terms, steps, batch, seed):
    """Render ``terms`` (one objective per image) in chunks of ``batch`` images; pixels (N, 3, H, W)."""
    results = []
    for start in range(0, len(terms), batch):
        chunk = terms[start:start + batch]
        objective = functools.reduce(operator.add, [make(i) for i, make in enumerate(chunk)])
        results.append(render(model, objective, batch=len(chunk), steps=steps, seed=seed, progress=True).pixels)
    return torch.cat(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=256)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.manual_seed(0)
    model = st.zoo.load("efficientnet_lite0")
    rng = np.random.default_rng(0)
    report: dict = {"steps": args.steps, "threads": torch.get_num_threads()}

    started = time.perf_counter()
    render(model, objectives.class_logit(1), steps=args.steps, seed=0, progress=True)
    report["seconds_one_class_224"] = round(time.perf_counter() - started, 1)

    classes = sorted(int(c) for c in rng.choice(1000, size=args.classes, replace=False))
    makers = [functools.partial(lambda c, i: objectives.class_logit(c, batch=i), c) for c in classes]
    pixels = batched(model, makers, args.steps, args.batch, seed=0)
    rows = []
    for index, image in zip(classes, pixels):
        robust = probabilities_under_transforms(model, image[None], index, samples=8, seed=1234)[0]
        exact = float(model.probabilities(model.normalize(image[None]))[0, index])
        rows.append({"class": index, "label": model.label(index), "prob": round(exact, 4),
                     "prob_under_transforms": round(float(robust.mean()), 4), "min_under_transforms": round(float(robust.min()), 4)})
    report["classes"] = rows
    report["classes_at_0.9"] = sum(row["prob_under_transforms"] >= 0.9 for row in rows)

    shapes = model.layer_shapes()
    units = []
    for k in range(args.channels):
        layer = LAYERS[k * len(LAYERS) // max(args.channels, 1)]
        units.append((layer, int(rng.integers(shapes[layer][1]))))
    makers = [functools.partial(lambda layer, c, i: objectives.channel(layer, c, batch=i), layer, c) for layer, c in units]
    pixels = batched(model, makers, args.steps, args.batch, seed=0)
    natural = natural_images(model)
    rows = []
    for (layer, channel), image in zip(units, pixels):
        ours = float(channel_means(model, image[None], layer)[0, channel])
        best = channel_means(model, natural, layer)[:, channel]
        rows.append({"unit": f"{layer}:{channel}", "visualization": round(ours, 4), "best_natural": round(float(best.max()), 4),
                     "best_natural_image": int(best.argmax()), "ratio": round(ours / float(best.max()), 3) if best.max() > 0 else None})
    report["channels"] = rows
    report["channels_beating_natural"] = sum(row["visualization"] > row["best_natural"] for row in rows)
    report["natural_images"] = int(natural.shape[0])

    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"one 224 px class visualization, {args.steps} steps: {report['seconds_one_class_224']} s "
          f"({report['threads']} threads)")
    for row in report["classes"]:
        print(f"  class {row['class']:4d} {row['label'][:24]:<24} p={row['prob']:.3f}  under fresh transforms "
              f"mean {row['prob_under_transforms']:.3f} min {row['min_under_transforms']:.3f}")
    print(f"classes with p >= 0.9 under fresh transforms: {report['classes_at_0.9']}/{len(classes)}")
    for row in report["channels"]:
        print(f"  {row['unit']:<16} visualization {row['visualization']:8.3f}  best of {report['natural_images']} "
              f"natural {row['best_natural']:8.3f}  ratio {row['ratio']}")
    print(f"channels whose visualization beats every natural image: {report['channels_beating_natural']}/{len(units)}")


if __name__ == "__main__":
    main()
