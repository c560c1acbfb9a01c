"""Reproduce Adebayo et al. (2018), "Sanity checks for saliency maps", on the shipped models, and time it.

    .venv/bin/python benchmarks/sanity_checks.py [--digits 8] [--stages 5] [--json]

Three tables:

1. cascading model randomization on mnist_cnn (``--digits`` test digits, every block a step) and
   EfficientNet-Lite0 (chelsea, the blocks merged into ``--stages`` steps): per method the rank
   correlation of |maps| with the original after the first step (the logits-side block) and after all
   of the network is randomized, the noise floor and architecture floor, the share kept above the floor and the verdict;
2. data randomization: mnist_cnn retrained on permuted labels (its training accuracy on those labels
   and how long training took — the first run trains and caches, later runs load), then the same
   measures between the two models' maps on the same test digits;
3. deletion / insertion AUCs on EfficientNet-Lite0 against a random map of the same shape.

Every run is seeded; the seconds are wall-clock on this machine.
"""
from __future__ import annotations

import argparse
import json
import time

import seethrough as st
from seethrough.trust.data_randomization import data_randomization, random_labels_mnist_cnn
from seethrough.trust.faithfulness import deletion, insertion
from seethrough.trust.randomization import randomization
from seethrough.trust.verdict import kept_share, randomization_words
from seethrough.zoo.training import mnist_tensors

METHODS = ["saliency", "guided_backprop", "gradcam", "guided_gradcam"]


def cascade_rows(name: str, result, seconds: float) -> list[dict]:
    rows = []
    for method in result.methods:
        head, full = result.first(method)["spearman_abs"], result.final(method)["spearman_abs"]
        kept = kept_share(head, full, result.floor(method))
        rows.append({"model": name, "method": method, "head": head, "full": full,
                     "noise_floor": result.noise_floor[method]["spearman_abs"],
                     "architecture_floor": result.architecture_floor[method]["spearman_abs"],
                     "ssim_full": result.final(method)["ssim"], "hog_full": result.final(method)["hog"],
                     "kept": kept, "verdict": randomization_words(kept), "seconds": seconds})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits", type=int, default=8)
    parser.add_argument("--stages", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    output: dict = {}

    mnist = st.zoo.load("mnist_cnn", progress=False)
    images, labels = mnist_tensors("test")
    digits, truth = images[:args.digits], labels[:args.digits]
    started = time.perf_counter()
    on_mnist = randomization(mnist, digits, methods=METHODS, target=None,
                             options={"gradcam": {"layer": "conv2"}, "guided_gradcam": {"layer": "conv2"}})
    rows = cascade_rows("mnist_cnn", on_mnist, time.perf_counter() - started)

    efficientnet = st.zoo.load("efficientnet_lite0")
    x = efficientnet.preprocess(st.data.sample("chelsea"))
    started = time.perf_counter()
    on_imagenet = randomization(efficientnet, x, methods=METHODS, stages=args.stages)
    rows += cascade_rows("efficientnet_lite0", on_imagenet, time.perf_counter() - started)
    output["model_randomization"] = rows

    random_labels = random_labels_mnist_cnn(seed=1, progress=not args.json)
    started = time.perf_counter()
    data = data_randomization(mnist, random_labels.model, digits, methods=METHODS, targets=truth,
                              options={"gradcam": {"layer": "conv2"}, "guided_gradcam": {"layer": "conv2"}})
    output["data_randomization"] = {"train_accuracy_on_permuted_labels": random_labels.train_accuracy,
                                    "training_or_loading_seconds": random_labels.seconds,
                                    "compare_seconds": time.perf_counter() - started, **data.to_dict()}

    faithful = []
    for method in METHODS:
        explanation = st.attribute(efficientnet, x, method=method)
        started = time.perf_counter()
        removed = deletion(efficientnet, x, explanation, pixels_per_step=224 * 224 // 50)
        inserted = insertion(efficientnet, x, explanation, pixels_per_step=224 * 224 // 50)
        faithful.append({"method": method, "deletion": float(removed.auc[0]), "deletion_random": float(removed.random_auc[0]),
                         "insertion": float(inserted.auc[0]), "insertion_random": float(inserted.random_auc[0]),
                         "seconds_both_curves": time.perf_counter() - started})
    output["faithfulness_efficientnet"] = faithful

    if args.json:
        print(json.dumps(output, indent=2))
        return
    print("| model | method | rank corr. head random | all random | noise floor | arch. floor | SSIM all | HOG all "
          "| kept | verdict | seconds (whole cascade, all methods) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['method']} | {r['head']:.2f} | {r['full']:.2f} | {r['noise_floor']:.2f} | "
              f"{r['architecture_floor']:.2f} | {r['ssim_full']:.2f} | {r['hog_full']:.2f} | {r['kept']:.2f} | "
              f"{r['verdict']} | {r['seconds']:.0f} |")
    info = output["data_randomization"]
    print(f"\ndata randomization: random-labels mnist_cnn, training accuracy on its permuted labels "
          f"{info['train_accuracy_on_permuted_labels']:.1%} ({info['training_or_loading_seconds']:.0f} s to train or load)")
    print("| method | rank corr. of abs maps | signed | SSIM | HOG | noise floor (abs) | arch. floor (abs) |")
    print("|---|---|---|---|---|---|---|")
    for method in METHODS:
        s, f = info["similarity"][method], info["noise_floor"][method]
        print(f"| {method} | {s['spearman_abs']:.2f} | {s['spearman']:.2f} | {s['ssim']:.2f} | {s['hog']:.2f} | "
              f"{f['spearman_abs']:.2f} | {info['architecture_floor'][method]['spearman_abs']:.2f} |")
    print("\nfaithfulness on EfficientNet-Lite0 (chelsea), 51 points per curve")
    print("| method | deletion AUC | random | insertion AUC | random | seconds |")
    print("|---|---|---|---|---|---|")
    for r in faithful:
        print(f"| {r['method']} | {r['deletion']:.3f} | {r['deletion_random']:.3f} | {r['insertion']:.3f} | "
              f"{r['insertion_random']:.3f} | {r['seconds_both_curves']:.1f} |")


if __name__ == "__main__":
    main()
