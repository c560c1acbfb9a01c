"""The streaming scan's throughput against the model's raw forward throughput at its best batch size.

    .venv/bin/python benchmarks/scan.py [--size small|full] [--repeats N] [--models M] [--layers L1,L2]
                                        [--breakdown] [--steady-allocator] [--json]

For each model, the raw forward pass is timed at every batch size in BATCHES on inputs already in
memory (under ``torch.inference_mode``), and the best examples/second is the reference. The scan is
timed at the same batch sizes over the same in-memory inputs (so both sides do the same data work:
none), keeping top-k / bottom-k (k = 9) and running statistics for every channel of the listed
layers, once as by default (statistics of each unit's score) and once with
``activation_statistics=True`` (mean / std / min / max over every activation: three more passes over
each map). Every side at every batch size takes turns with all the others, in a new (seeded) order
each round, so all meet the same machine load (timed one batch size after another, a slow minute
made one batch size's raw 30% slower than the next one's). The issue asks for the best scan
throughput >= 0.90 x the best raw throughput; the ratio at raw's best batch is printed too, and the
same ratio within each round (its best scan against its best raw, timed within seconds of each
other). A second scan line times the scan end to end on the stored images (MNIST-5k uint8 -> model
input per batch), which adds the input conversion, in turns with raw again at raw's best batch
(timed apart, the two met loads minutes apart and the ratio drifted by 10-20 points).

Each side's page faults are counted: with glibc's default heap, whether a pass faults its memory
back in is a lottery set by the runs before it, which moved single runs by up to 0.4 s.
``--steady-allocator`` takes that noise away for both sides alike (``steady_allocator``); the
default is the allocator a user's process has.

``--size small`` (a quick check: 1,000 digits, 32 EfficientNet inputs) or ``full`` (MNIST-5k, 256
EfficientNet inputs). Times are the best of ``--repeats`` runs after one warm-up (default: 7 for
mnist_cnn, whose 0.5 s pass varies by 10-20% from run to run on a shared machine, 3 for EfficientNet).
``--breakdown`` also times the fastest scan at its best batch in parts, in place: the forward passes,
each layer's bookkeeping (keyed by its output shape) and the rest; the line ends with the best raw
time at that batch (a minimum over runs, so it reads a little low beside one run's forward).
Whole passes meet the machine's drift of several seconds; ``scan_paired.py`` times the same scan
against raw in turns of a few hundred examples, with the instrument's own error beside it.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import ctypes
import importlib
import json
import resource
import time

import numpy as np
import torch

import seethrough as st
from seethrough.inside.datasets import Dataset, open_dataset
from seethrough.inside.layer_extremes import LayerExtremes
from seethrough.inside.scan import scan

BATCHES = (16, 32, 64, 128, 256)
CASES = {"mnist_cnn": ["relu1", "relu2", "fc"], "efficientnet_lite0": ["_blocks.3", "_blocks.10", "_blocks.15"]}
REPEATS = {"mnist_cnn": 7, "efficientnet_lite0": 3}


class InMemory(Dataset):
    """Model inputs already made: the scan does no data work, like the raw forward it is compared with."""

    name = "in-memory"

    def __init__(self, inputs: torch.Tensor):
        self.tensor = inputs
        self.labels = np.full(len(inputs), -1, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.tensor)

    def inputs(self, model, ids) -> torch.Tensor:
        ids = np.asarray(ids)
        return self.tensor[int(ids[0]):int(ids[-1]) + 1]  # ids are consecutive in a scan: a view, no copy


def steady_allocator() -> bool:
    """Make glibc's malloc keep freed memory (no trim) and serve blocks up to 32 MB from its heap, for
    this process; False where that is not possible (not glibc).

    By default glibc gives the top of its heap back to the kernel once more than twice the largest
    recently freed block is free there, and maps larger blocks fresh; each forward pass then faults
    its memory back in, at about 1.8 us a page here. Which passes pay depends on the heap's layout
    left by the runs before (other batch sizes, the other side): in one process raw at batch 128 took
    177,000 faults in 9 of 9 runs, in another none in 6 of 9 while the scan took 241,000 in 7 of 9,
    about 0.4 s on a 0.6 s pass. Both sides get the same setting.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # <malloc.h>
    return bool(libc.mallopt(m_mmap_threshold, 32 << 20)) and bool(libc.mallopt(m_trim_threshold, 1 << 30))


def page_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def interleaved(runs: dict, repeats: int, seed: int = 0) -> tuple[dict, list[dict], dict]:
    """The best time of each run, every round's times and each run's page faults (per round): the
    runs take turns ``repeats`` times after one warm-up each, in a new (seeded) order each round, so
    that no run always follows the same one. On a shared machine the minimum is the run least
    disturbed by other processes, the fairest estimate of what the code costs."""
    for run in runs.values():
        run()
    names, order, rounds = list(runs), np.random.default_rng(seed), []
    faults: dict = {name: [] for name in names}
    for _ in range(repeats):
        times = {}
        for name in (names[i] for i in order.permutation(len(names))):
            faulted, started = page_faults(), time.perf_counter()
            runs[name]()
            times[name] = time.perf_counter() - started
            faults[name].append(page_faults() - faulted)
        rounds.append(times)
    return {name: min(times[name] for times in rounds) for name in runs}, rounds, faults


def raw_forward(model: st.Model, inputs: torch.Tensor, batch: int) -> None:
    with torch.inference_mode():
        for start in range(0, len(inputs), batch):
            model(inputs[start:start + batch])


def model_inputs(name: str, model: st.Model, size: str) -> tuple[torch.Tensor, np.ndarray | None]:
    """The case's model inputs in memory, and the stored images they come from (None for random inputs)."""
    if name == "mnist_cnn":
        images = open_dataset("mnist").images[: 1000 if size == "small" else 5000]
        return open_dataset(images).inputs(model, range(len(images))), images
    count = 32 if size == "small" else 256
    return torch.randn((count, 3, 224, 224), generator=torch.Generator().manual_seed(0)), None


def measure(name: str, size: str, repeats: int, layers: list[str] | None = None, parts: bool = False) -> dict:
    model = st.zoo.load(name, progress=False)
    inputs, stored = model_inputs(name, model, size)
    count, layers = len(inputs), layers or CASES[name]
    batches = [b for b in BATCHES if b <= count]
    runs = {}
    for b in batches:  # every side at every batch takes turns with all others: all meet the same load
        runs["raw", b] = lambda b=b: raw_forward(model, inputs, b)
        runs["scan", b] = lambda b=b: scan(model, InMemory(inputs), layers, k=9, batch_size=b, progress=False)
        runs["statistics", b] = lambda b=b: scan(model, InMemory(inputs), layers, k=9, batch_size=b,
                                                 activation_statistics=True, progress=False)
    seconds, rounds, faults = interleaved(runs, repeats)
    raw, scanned, with_statistics = ({b: count / seconds[side, b] for b in batches}
                                     for side in ("raw", "scan", "statistics"))
    best_raw, best_scan = max(raw, key=raw.get), max(scanned, key=scanned.get)
    per_round = [min(times["raw", b] for b in batches) / min(times["scan", b] for b in batches) for times in rounds]
    result = {"model": name, "examples": count, "layers": layers,
              "raw_per_second": {str(b): v for b, v in raw.items()},
              "scan_per_second": {str(b): v for b, v in scanned.items()},
              "activation_statistics_per_second": {str(b): v for b, v in with_statistics.items()},
              "activation_statistics_over_raw": max(with_statistics.values()) / raw[best_raw],
              "best_raw_batch": best_raw, "best_scan_batch": best_scan,
              "scan_over_raw": scanned[best_scan] / raw[best_raw],
              "same_batch_scan_over_raw": scanned[best_raw] / raw[best_raw],
              "scan_over_raw_per_round": per_round,
              "page_faults_per_run_median": {side: int(np.median([f for (name, _), runs_faults in faults.items()
                                                                   if name == side for f in runs_faults]))
                                             for side in ("raw", "scan", "statistics")}}
    if parts:
        result["breakdown_seconds"] = breakdown(model, inputs, layers, best_scan, repeats)
        result["breakdown_raw_seconds"] = count / raw[best_scan]
    if stored is not None:
        seconds, _, _ = interleaved({"raw": lambda: raw_forward(model, inputs, best_raw),  # again: the same load
                                  "end to end": lambda: scan(model, stored, layers, k=9, batch_size=best_scan,
                                                             progress=False)}, repeats)
        result.update(end_to_end_per_second=count / seconds["end to end"],
                      end_to_end_over_raw=seconds["raw"] / seconds["end to end"])
    return result


def breakdown(model: st.Model, inputs: torch.Tensor, layers: list[str], batch: int, repeats: int) -> dict:
    """Where one scan's time goes, timed in place: its forward passes and each layer's bookkeeping
    (``LayerExtremes.update``), in seconds, from the fastest of ``repeats`` scans. Both parts meet the
    same machine load, so this is steadier than a ratio of two separate runs."""
    module = importlib.import_module("seethrough.inside.scan")  # the module, not the function of that name
    update, until = LayerExtremes.update, module.forward_until
    spent: collections.Counter = collections.Counter()

    def timed_update(running, output, *rest):
        started = time.perf_counter()
        update(running, output, *rest)
        spent[f"bookkeeping {tuple(output.shape[1:])}"] += time.perf_counter() - started

    @contextlib.contextmanager
    def timed_until(network, names, calls):
        with until(network, names, calls) as run:
            def timed_run(x):
                started = time.perf_counter()
                run(x)
                spent["forward"] += time.perf_counter() - started
            yield timed_run

    runs = []
    LayerExtremes.update, module.forward_until = timed_update, timed_until
    try:
        for _ in range(repeats + 1):  # the first is a warm-up
            spent.clear()
            started = time.perf_counter()
            scan(model, InMemory(inputs), layers, k=9, batch_size=batch, progress=False)
            runs.append({"total": time.perf_counter() - started, **spent})
    finally:
        LayerExtremes.update, module.forward_until = update, until
    fastest = min(runs[1:], key=lambda run: run["total"])
    fastest["rest"] = fastest["total"] - sum(value for key, value in fastest.items() if key != "total")
    return fastest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["small", "full"], default="full")
    parser.add_argument("--repeats", type=int, help="timed runs per case (default: REPEATS)")
    parser.add_argument("--models", default=",".join(CASES), help="comma-separated: " + ", ".join(CASES))
    parser.add_argument("--layers", help="comma-separated layers to scan instead of the defaults (one model)")
    parser.add_argument("--breakdown", action="store_true",
                        help="also time a scan's parts in place at its best batch: forward, each layer's bookkeeping")
    parser.add_argument("--steady-allocator", action="store_true",
                        help="glibc: no heap trim, blocks up to 32 MB from the heap, for both sides (see steady_allocator)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    steady = args.steady_allocator and steady_allocator()
    layers = args.layers.split(",") if args.layers else None
    models = args.models.split(",")
    if unknown := [name for name in models if name not in CASES]:
        parser.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(CASES)}")
    results = [measure(name, args.size, args.repeats or REPEATS[name], layers, args.breakdown) for name in models]
    for result in results:
        result["allocator"] = "steady" if steady else "default"
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{'steady' if steady else 'default'} allocator")
    for r in results:
        print(f"\n{r['model']} on {r['examples']} inputs, scanning {', '.join(r['layers'])} (k = 9); examples/s")
        print("  batch " + "".join(f"{b:>8}" for b in r["raw_per_second"]))
        print("  raw   " + "".join(f"{v:8.0f}" for v in r["raw_per_second"].values()))
        print("  scan  " + "".join(f"{v:8.0f}" for v in r["scan_per_second"].values()))
        print("  +stats" + "".join(f"{v:8.0f}" for v in r["activation_statistics_per_second"].values()))
        print(f"  best scan ({r['best_scan_batch']}) / best raw ({r['best_raw_batch']}): {r['scan_over_raw']:.1%} "
              f"(the issue asks >= 90%); at raw's best batch: {r['same_batch_scan_over_raw']:.1%}")
        rounds = r["scan_over_raw_per_round"]
        print(f"  the same in each round (best scan / best raw of the round's runs): median {np.median(rounds):.1%}, "
              f"range {min(rounds):.1%}-{max(rounds):.1%}")
        print(f"  with activation statistics (+stats), best / best raw: {r['activation_statistics_over_raw']:.1%}")
        print("  page faults per run (median over batch sizes and rounds): "
              + ", ".join(f"{side} {count}" for side, count in r["page_faults_per_run_median"].items()))
        if "breakdown_seconds" in r:
            parts = ", ".join(f"{key} {value * 1e3:.1f}" for key, value in r["breakdown_seconds"].items())
            print(f"  in place at batch {r['best_scan_batch']}, ms: {parts} (raw forward alone: "
                  f"{r['breakdown_raw_seconds'] * 1e3:.1f})")
        if "end_to_end_per_second" in r:
            print(f"  scan from the stored uint8 images: {r['end_to_end_per_second']:.0f}/s = "
                  f"{r['end_to_end_over_raw']:.1%} of raw at its best batch, the two timed in turns")

if __name__ == "__main__":
    main()
