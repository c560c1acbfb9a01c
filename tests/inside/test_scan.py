"""The streaming scan against a brute-force pass holding every activation; memory; file round trip."""
from __future__ import annotations

import ctypes
import platform
import sys

import numpy as np
import pytest
import torch

import seethrough as st
from seethrough.errors import SeethroughError
from seethrough.inside.datasets import ArrayDataset, open_dataset
from seethrough.inside.extremes_insertion import BOTTOM, TOP, enter_batch, first_argmax
from seethrough.inside.layer_extremes import LayerExtremes
from seethrough.inside.scan import ScanResult, neuron_index, scan

from .nets import Generated, images, small_conv


def brute_force(model, data: np.ndarray, layer: str) -> torch.Tensor:
    with torch.no_grad(), st.capture(model.module, [layer]) as outputs:
        model(open_dataset(data).inputs(model, range(len(data))))
    return outputs[layer]


@pytest.mark.parametrize("reduce,activations,chunk", [("max", True, 1 << 16), ("mean", True, 1 << 16),
                                                     ("max", False, 20), ("mean", True, 30), ("max", False, 1 << 16)])
def test_top_and_bottom_equal_a_full_sort(reduce, activations, chunk, monkeypatch):
    """Batches of 7 with k = 5: the first batch fills the kept entries, the later ones enter by
    insertion; statistics chunks of 20 or 30 scores split the running statistics' merges."""
    monkeypatch.setattr(sys.modules["seethrough.inside.layer_extremes"], "STATISTICS_EVERY", chunk)
    model, data = small_conv(), images(37)
    result = scan(model, data, ["conv2", "relu2", "fc"], k=5, reduce=reduce, batch_size=7,
                  activation_statistics=activations, progress=False)
    for layer in ("conv2", "relu2", "fc"):
        full = brute_force(model, data, layer).numpy()
        flat = full.reshape(len(full), full.shape[1], -1)
        score = flat.max(2) if reduce == "max" else flat.mean(2)
        got = result[layer]
        assert got.count == 37 and got.top_values.shape == (full.shape[1], 5)
        for channel in range(full.shape[1]):
            top = np.argsort(-score[:, channel], kind="stable")[:5]
            bottom = np.argsort(score[:, channel], kind="stable")[:5]
            np.testing.assert_allclose(got.top_values[channel], score[top, channel], rtol=1e-6)
            np.testing.assert_allclose(got.bottom_values[channel], score[bottom, channel], rtol=1e-6)
            if layer != "relu2":  # relu2 has ties at 0, where any order is right
                assert list(got.top_ids[channel]) == list(top) and list(got.bottom_ids[channel]) == list(bottom)
            if layer == "conv2":  # the position is where the map peaks in that example
                width = full.shape[3]
                for rank, example in enumerate(top):
                    where = flat[example, channel].argmax()
                    assert tuple(got.top_positions[channel, rank]) == (where // width, where % width)
            if layer == "fc":
                assert (got.top_positions == -1).all()
        np.testing.assert_allclose(got.score_mean, score.mean(0), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(got.score_std, score.std(0), rtol=1e-5, atol=1e-9)
        if not activations:
            assert got.mean is None and got.std is None and got.minimum is None and got.maximum is None
            continue
        np.testing.assert_allclose(got.mean, full.transpose(1, 0, *range(2, full.ndim)).reshape(full.shape[1], -1)
                                   .mean(1), rtol=1e-9, atol=1e-12)
        per_channel = np.moveaxis(full, 1, 0).reshape(full.shape[1], -1)
        np.testing.assert_allclose(got.std, per_channel.std(1), rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(got.minimum, per_channel.min(1))
        np.testing.assert_allclose(got.maximum, per_channel.max(1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_insertion_keeps_what_a_stable_sort_keeps(dtype):
    """Batch by batch, each unit's k highest and lowest equal those of one stable sort of all scores:
    ties (within and across batches), signed zeros and infinities included; equal scores rank in the
    order they came; a tie with the k-th kept does not enter. Positions are numpy's first arg-max."""
    rng = np.random.default_rng(0)
    units, k, examples = 6, 4, 300
    score = rng.choice(np.array([-np.inf, -2.5, -1.0, -0.0, 0.0, 1.0, 3.0, np.inf]), (examples, units)).astype(dtype)
    score[:, :2] = rng.normal(size=(examples, 2)) * 1e6
    maps = rng.integers(0, 3, (examples, units, 5)).astype(dtype)
    values, ids, positions = (np.zeros((2, units, k), dtype=kind) for kind in (dtype, np.int64, np.int64))
    kept = np.zeros(units, dtype=np.int64)
    for start in range(0, examples, 13):
        rows = slice(start, start + 13)
        enter_batch(score[rows], maps[rows], True, np.arange(examples)[rows], values, ids, positions, kept)
    assert (kept == k).all()
    for unit in range(units):
        for side, order in ((TOP, np.argsort(-score[:, unit], kind="stable")),
                            (BOTTOM, np.argsort(score[:, unit], kind="stable"))):
            assert ids[side, unit].tolist() == order[:k].tolist()
            assert values[side, unit].tobytes() == score[order[:k], unit].tobytes()  # -0.0 stays -0.0
            assert positions[side, unit].tolist() == maps[order[:k], unit].argmax(1).tolist()


def test_the_first_argmax_is_numpys():
    rows = [[0.0, 2.0, 2.0, 1.0], [np.nan, 1.0], [1.0, np.nan, 5.0, np.nan], [-np.inf, -np.inf], [3.0]]
    for row in rows:
        assert first_argmax(np.array(row)) == np.argmax(row)


def test_ties_in_the_first_batch_go_to_the_lowest_ids():
    """With ties across the whole first batch and the next, the kept ones are the lowest ids (the
    first to come), at the first peak of their map."""
    maps = torch.zeros(20, 2, 3, 3)
    maps[:, 1, 1, 2] = 1.0  # channel 1: every example peaks at (1, 2) with 1
    maps[13, 1, 0, 0] = 2.0  # but example 13 peaks higher, in the second batch
    extremes = LayerExtremes(2, 3, torch.float32)
    extremes.update(maps[:12], np.arange(12), "max")
    extremes.update(maps[12:], np.arange(12, 20), "max")
    got = extremes.result("layer", (2, 3, 3), 20)
    assert got.top_ids.tolist() == [[0, 1, 2], [13, 0, 1]] and got.bottom_ids.tolist() == [[0, 1, 2], [0, 1, 2]]
    assert got.top_positions[1].tolist() == [[0, 0], [1, 2], [1, 2]] and got.top_positions[0, 0].tolist() == [0, 0]


@pytest.mark.parametrize("activations", [False, True])
def test_what_is_kept_between_batches_is_written_into_memory_taken_once(activations):
    """The kept entries and the scores go into arrays taken once: small arrays taken anew between
    forward passes split glibc's heap, which then faults the forward's large maps in again. The
    scores (and the maps' reductions for the activation statistics) waiting for the statistics are
    rows of buffers; the extremes stay those of a full sort."""
    rng = torch.Generator().manual_seed(0)
    maps = torch.rand(2000, 4, 5, 5, generator=rng)
    extremes = LayerExtremes(4, 3, torch.float32, activation_statistics=activations)

    def addresses():
        arrays = (extremes.values, extremes.ids, extremes.positions, extremes.kept, extremes.score_rows.numpy(),
                  *([extremes.map_rows.numpy()] if activations else []))
        return [array.__array_interface__["data"][0] for array in arrays]

    for start in range(0, 992, 16):
        extremes.update(maps[start:start + 16], np.arange(start, start + 16), "max")
    before = addresses()
    for start in range(992, 2000, 16):
        extremes.update(maps[start:start + 16], np.arange(start, start + 16), "max")
        held = extremes.map_rows.numpy() if activations else extremes.score_rows.numpy()
        assert all(np.shares_memory(column, held) for waiting in extremes.statistics_pending for column in
                   waiting)
    assert addresses() == before
    score = maps.flatten(2).amax(2).numpy()
    got = extremes.result("layer", (4, 5, 5), 2000)
    assert (got.top_ids == np.argsort(-score, axis=0, kind="stable")[:3].T).all()
    np.testing.assert_array_equal(got.bottom_values, np.sort(score, axis=0)[:3].T)
    if activations:
        per_channel = maps.transpose(0, 1).reshape(4, -1).double().numpy()
        np.testing.assert_allclose(got.mean, per_channel.mean(1), rtol=1e-6)  # sums per example in float32
        np.testing.assert_allclose(got.std, per_channel.std(1), rtol=1e-6)
        np.testing.assert_array_equal(got.maximum, per_channel.max(1))


def test_reduce_none_makes_every_neuron_a_unit():
    model, data = small_conv(), images(12)
    result = scan(model, data, ["conv2"], k=3, reduce="none", progress=False)
    full = brute_force(model, data, "conv2").numpy()  # (12, 5, 3, 3)
    unit = neuron_index(full.shape[1:], 4, 2, 1)
    assert result["conv2"].shape == (45,) and unit == 4 * 9 + 2 * 3 + 1
    order = np.argsort(-full[:, 4, 2, 1], kind="stable")[:3]
    assert list(result["conv2"].top_ids[unit]) == list(order)
    with pytest.raises(SeethroughError, match="outside"):
        neuron_index(full.shape[1:], 5, 0, 0)


def test_k_larger_than_the_dataset_keeps_every_example_and_labels_filter():
    model, data = small_conv(), images(6)
    result = scan(model, ArrayDataset(data, [0, 1, 0, 1, 0, 1]), ["fc"], k=9, labels=[1], progress=False)
    assert result["fc"].top_ids.shape == (3, 3) and set(result["fc"].top_ids[0]) == {1, 3, 5}
    assert result.labels == [1] and result.count == 3
    with pytest.raises(SeethroughError, match="no example"):
        scan(model, ArrayDataset(data, [0] * 6), ["fc"], labels=[7], progress=False)


def test_a_folder_is_labelled_by_its_subfolders(tmp_path):
    from PIL import Image
    data = images(6)
    for number, image in enumerate(data):
        folder = tmp_path / ("cats" if number % 2 else "dogs")
        folder.mkdir(exist_ok=True)
        Image.fromarray(image).save(folder / f"{number}.png")
    dataset = open_dataset(tmp_path)
    assert dataset.label_names == ["cats", "dogs"] and list(dataset.labels) == [0, 0, 0, 1, 1, 1]
    assert dataset.describe(0) == "cats/1.png"
    model = small_conv()
    from_folder = scan(model, dataset, ["fc"], k=3, labels=[0], progress=False)["fc"]
    from_array = scan(model, data[[1, 3, 5]], ["fc"], k=3, progress=False)["fc"]
    np.testing.assert_allclose(from_folder.top_values, from_array.top_values, rtol=1e-12)


def test_bad_requests_are_errors(tmp_path):
    model, data = small_conv(), images(4)
    with pytest.raises(SeethroughError, match="conv2"):
        scan(model, data, ["conv_2"], progress=False)  # the closest names are listed
    with pytest.raises(SeethroughError, match="k must"):
        scan(model, data, ["fc"], k=0, progress=False)
    with pytest.raises(SeethroughError, match="empty"):
        scan(model, tmp_path, ["fc"], progress=False)  # an empty folder
    with pytest.raises(SeethroughError, match="unknown dataset"):
        scan(model, "no-such-dataset", ["fc"], progress=False)
    result = scan(model, data, ["fc"], k=2, progress=False)
    with pytest.raises(SeethroughError, match="out of range"):
        result["fc"].check_unit(3)
    with pytest.raises(SeethroughError, match="only the layers"):
        result["conv1"]


@pytest.mark.parametrize("activations", [False, True])
def test_save_and_load_round_trip(tmp_path, activations):
    model = small_conv()
    result = scan(model, images(20), ["conv2", "fc"], k=4, labels=None, activation_statistics=activations,
                  progress=False)
    path = tmp_path / "scan.npz"
    result.save(path)
    loaded = ScanResult.load(path)
    assert (loaded.model, loaded.dataset, loaded.k, loaded.count, loaded.labels) == ("small_conv", "array", 4, 20, None)
    for layer in ("conv2", "fc"):
        for name in ("top_values", "top_ids", "top_positions", "bottom_values", "bottom_ids", "score_mean", "score_std",
                     "mean", "std", "minimum", "maximum"):
            if activations or not name.startswith(("score", "top", "bottom")):
                assert (getattr(loaded[layer], name) is None) == (not activations)
            if getattr(result[layer], name) is not None:
                np.testing.assert_array_equal(getattr(loaded[layer], name), getattr(result[layer], name))
        assert loaded[layer].shape == result[layer].shape
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a scan")
    with pytest.raises(SeethroughError, match="not a scan"):
        ScanResult.load(junk)


def _resident_bytes() -> int:
    """The resident memory, after glibc (where it is the C library) gives its freed heap back to the system:
    otherwise the heap's free space, which swings by ~10 MB with the order of allocations, is counted too."""
    if platform.libc_ver()[0] == "glibc":
        ctypes.CDLL(None).malloc_trim(0)
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096


def test_memory_stays_flat_over_50000_inputs(no_hooks_left):
    """50,000 generated inputs (147 MB if they were held): the resident memory's peak over the last 25
    batches exceeds its peak over batches 5-25 by < 2 MB (it moved by < 0.5 MB in runs), and the kept
    state is k wide whatever the count."""
    model = small_conv(dtype=torch.float32)
    dataset = Generated(50_000, (3, 16, 16))
    samples = []
    original = dataset.inputs

    def measured(model_, ids):
        samples.append(_resident_bytes())
        return original(model_, ids)
    dataset.inputs = measured
    result = scan(model, dataset, ["conv1", "relu2", "fc"], k=9, batch_size=1000, progress=False)
    assert result.count == 50_000 and len(samples) == 50
    growth = max(samples[25:]) - max(samples[5:25])
    assert growth < 2 * 2**20, f"grew by {growth / 2**20:.1f} MB"
    assert result["conv1"].top_ids.shape == (4, 9) and result["conv1"].top_ids.max() < 50_000
    no_hooks_left(model.module)


def test_hooks_are_removed_when_the_model_raises(no_hooks_left):
    model = small_conv()

    def broken(_module, _inputs, _output):
        raise RuntimeError("boom")
    handle = model.module.fc.register_forward_hook(broken)
    with pytest.raises(RuntimeError, match="boom"):
        scan(model, images(4), ["conv2"], progress=False)
    handle.remove()
    no_hooks_left(model.module)


def test_progress_bar_goes_to_stderr(capsys):
    scan(small_conv(), images(5), ["fc"], progress=True)
    out, err = capsys.readouterr()
    assert out == "" and "scanning array" in err and "5/5" in err
