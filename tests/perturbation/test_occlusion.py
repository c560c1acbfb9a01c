"""Occlusion on tiny float64 models: a hand-computed case, a slow loop that is obviously right,
Captum's ``Occlusion`` (which is right on these), and the errors a user can make."""
from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

import seethrough as st
from seethrough.attribution.baselines import make_baseline
from seethrough.attribution.occlusion import occlusion, window_starts
from seethrough.errors import SeethroughError

from .nets import tiny


class Weighted(nn.Module):
    """f(x) = sum of w * x over (N, 1, H, W), two classes: +f and -f."""

    def __init__(self, weight: torch.Tensor):
        super().__init__()
        self.weight = nn.Parameter(weight.double(), requires_grad=False)

    def forward(self, x):
        total = (x * self.weight).flatten(1).sum(1)
        return torch.stack([total, -total], dim=1)


def _weighted(weight: torch.Tensor) -> st.Model:
    height, width = weight.shape[-2:]
    return st.Model(Weighted(weight), input_size=(height, width), mean=(0.0,), std=(1.0,), labels=["plus", "minus"])


def _inputs(seed: int = 0, n: int = 3, size: int = 6) -> torch.Tensor:
    return torch.randn(n, 3, size, size, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


def _close_to_captum(ours: torch.Tensor, captum: torch.Tensor) -> None:
    """Captum 0.9 returns occlusion maps in float32 for float64 models (its window counts are float32)."""
    assert captum.dtype == torch.float32
    torch.testing.assert_close(ours.float(), captum, rtol=1e-6, atol=1e-6 * float(captum.abs().max()))


def _slow(model, x, score, window, stride, reference):
    """Per window: the drop of ``score`` when the window is covered, one forward pass each; per pixel
    the mean over the windows covering it. Written with plain loops."""
    (wh, ww), (sh, sw) = window, stride
    height, width = x.shape[-2:]
    starts_y = list(range(0, max(height - wh, 0) + sh, sh))
    starts_x = list(range(0, max(width - ww, 0) + sw, sw))
    base = score(x)
    grid = torch.zeros(x.shape[0], len(starts_y), len(starts_x), dtype=x.dtype)
    total, count = torch.zeros_like(x[:, 0]), torch.zeros(height, width, dtype=x.dtype)
    for i, y in enumerate(starts_y):
        for j, left in enumerate(starts_x):
            covered = x.clone()
            covered[..., y:y + wh, left:left + ww] = reference[..., y:y + wh, left:left + ww]
            grid[:, i, j] = base - score(covered)
            total[:, y:y + wh, left:left + ww] += grid[:, i, j, None, None]
            count[y:y + wh, left:left + ww] += 1
    return grid, total / count


def test_a_hand_computed_row():
    """f = x0 + x1 + x2 on the row [1, 2, 3], zero baseline, window 1x2, stride 1: the windows drop
    1 + 2 = 3 and 2 + 3 = 5; the middle pixel is under both, so its value is (3 + 5) / 2 = 4."""
    model = _weighted(torch.ones(1, 1, 1, 3))
    x = torch.tensor([[[[1.0, 2.0, 3.0]]]], dtype=torch.float64)
    result = occlusion(model, x, target="plus", window=(1, 2), stride=1)
    assert result.grid.tolist() == [[[3.0, 5.0]]]
    assert result.values.tolist() == [[[[3.0, 4.0, 5.0]]]]
    assert result.percent.flatten().tolist() == pytest.approx([50.0, 250 / 3])
    assert result.certificates["base_score"] == [6.0] and result.certificates["evaluations"] == 3
    minus = occlusion(model, x, target="minus", window=(1, 2), stride=1)  # base -6: percent of |f(x)|
    assert minus.percent.flatten().tolist() == pytest.approx([-50.0, -250 / 3])
    assert occlusion(model, x, target="plus", window=(1, 2)).options["stride"] == [1, 1]  # half, at least 1


def test_window_starts_overhang_like_captum():
    assert window_starts(6, 3, 2, "width") == [0, 2, 4]  # the last one is clipped at the edge
    assert window_starts(224, 16, 8, "width") == list(range(0, 209, 8))
    assert window_starts(5, 5, 3, "width") == [0]
    assert window_starts(7, 1, 1, "width") == list(range(7))


@pytest.mark.parametrize("window, stride, baseline", [(3, 2, "zeros"), ((2, 3), (1, 2), "mean"),
                                                      (1, 1, "blur"), (6, 6, 0.5), (4, 1, "tensor")])
def test_equals_captum_on_a_tiny_network(window, stride, baseline):
    from captum.attr import Occlusion
    model = tiny()
    x = _inputs()
    if baseline == "tensor":
        baseline = torch.randn(1, 3, 6, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    result = occlusion(model, x, target=None, window=window, stride=stride, baseline=baseline, batch_size=5)
    reference = make_baseline(model, x, baseline)
    pair = (window, window) if isinstance(window, int) else window
    steps = (stride, stride) if isinstance(stride, int) else stride
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        captum = Occlusion(model.module).attribute(x, sliding_window_shapes=(3, *pair), strides=(3, *steps),
                                                   baselines=reference, target=result.target,
                                                   perturbations_per_eval=7)
    _close_to_captum(result.values, captum)
    indices = result.target

    def score(inputs):
        with torch.no_grad():
            return model(inputs).gather(1, indices.view(-1, 1)).squeeze(1)
    grid, values = _slow(model, x, score, pair, steps, reference)
    torch.testing.assert_close(result.grid, grid, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(result.values[:, 0], values, rtol=1e-10, atol=1e-12)
    assert torch.equal(result.values[:, 0], result.values[:, 2])


def test_any_input_size_equals_captum():
    """A pooled network on a 5 x 7 input, window 2 x 3, stride 2: windows overhang on both axes."""
    from captum.attr import Occlusion
    torch.manual_seed(0)
    module = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                           nn.Linear(4, 3)).double().eval()
    model = st.Model(module, input_size=(5, 7), mean=(0.0,) * 3, std=(1.0,) * 3)
    x = torch.randn(2, 3, 5, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(9))
    result = occlusion(model, x, target=2, window=(2, 3), stride=2, baseline="mean")
    assert result.grid.shape == (2, 3, 3) and result.starts == ([0, 2, 4], [0, 2, 4])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        captum = Occlusion(module).attribute(x, sliding_window_shapes=(3, 2, 3), strides=(3, 2, 2), target=2,
                                             baselines=make_baseline(model, x, "mean"))
    _close_to_captum(result.values, captum)


def test_probability_score_equals_captum_on_softmax():
    from captum.attr import Occlusion
    model = tiny()
    x = _inputs(seed=2)
    result = occlusion(model, x, target="c1", window=3, stride=2, score="probability")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        captum = Occlusion(lambda inputs: torch.softmax(model.module(inputs), dim=1)).attribute(
            x, sliding_window_shapes=(3, 3, 3), strides=(3, 2, 2), baselines=0.0, target=1)
    _close_to_captum(result.values, captum)
    probability = torch.softmax(model(x), dim=1)[:, 1]
    torch.testing.assert_close(result.percent, 100 * result.grid / probability[:, None, None])
    assert all(0 < p <= 1 for p in result.certificates["base_score"])


@pytest.mark.parametrize("summary", ["mean", "max"])
def test_hidden_unit_feature_map(summary, no_hooks_left):
    model = tiny()
    x = _inputs(seed=3, n=2)
    result = occlusion(model, x, target="conv2:3", summary=summary, window=2, stride=2)
    assert result.target is None and result.target_label == "conv2:3"

    def score(inputs):
        with st.capture(model.module, ["conv2"]) as captured:
            model(inputs)
        channel = captured["conv2"][:, 3].flatten(1)
        return channel.mean(1) if summary == "mean" else channel.amax(1)
    grid, values = _slow(model, x, score, (2, 2), (2, 2), torch.zeros_like(x))
    torch.testing.assert_close(result.grid, grid, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(result.values[:, 0], values, rtol=1e-10, atol=1e-12)
    no_hooks_left(model.module)
    single = occlusion(model, x, target="conv2:3:1:2", window=2, stride=2)
    assert single.grid.shape == (2, 3, 3)
    linear = occlusion(model, x, target="fc:1", summary=summary, window=2, stride=2)  # one number per input
    logit = occlusion(model, x, target=1, window=2, stride=2)
    torch.testing.assert_close(linear.values, logit.values, rtol=0, atol=0)


def test_a_silent_unit_has_no_percent_but_still_a_map():
    model = tiny()
    x = torch.zeros(1, 3, 6, 6, dtype=torch.float64)
    with torch.no_grad():
        model.module.conv1.bias.fill_(-1.0)
        model.module.conv1.weight.abs_()  # on x = 0 every relu1 unit is 0; covering with 1 wakes some
    result = occlusion(model, x, target="relu1:0", window=3, stride=3, baseline=1.0)
    assert result.certificates["base_score"] == [0.0] and result.certificates["max_percent_decrease"] == [None]
    assert result.percent.isnan().all() and torch.isfinite(result.values).all()


def test_batch_size_and_batching_examples_do_not_change_the_result():
    model = tiny()
    x = _inputs(seed=4, n=3)
    one = occlusion(model, x, window=3, stride=1, batch_size=1)
    many = occlusion(model, x, window=3, stride=1, batch_size=64)
    torch.testing.assert_close(one.values, many.values, rtol=1e-12, atol=1e-12)
    alone = occlusion(model, x[1:2], target=int(one.target[1]), window=3, stride=1)
    torch.testing.assert_close(alone.values[0], one.values[1], rtol=1e-12, atol=1e-12)


def test_window_1_is_each_pixels_own_drop_and_input_is_untouched():
    model = tiny()
    x = _inputs(seed=5, n=1)
    kept = x.clone()
    result = st.attribute(model, x, target=0, method="occlusion", window=1, stride=1, baseline="blur")
    assert torch.equal(x, kept) and result.method == "occlusion"
    assert result.grid.shape == (1, 6, 6) and torch.equal(result.values[:, 0], result.grid)
    assert result.values.dtype == torch.float64 and not result.values.requires_grad


def test_uniform_baseline_is_seeded():
    model = tiny()
    x = _inputs(seed=6, n=1)
    first = occlusion(model, x, window=3, stride=3, baseline="uniform", seed=7).values
    again = occlusion(model, x, window=3, stride=3, baseline="uniform", seed=7).values
    other = occlusion(model, x, window=3, stride=3, baseline="uniform", seed=8).values
    assert torch.equal(first, again) and not torch.equal(first, other)


@pytest.mark.parametrize("options, message", [
    ({"window": 7}, r"window \(7 px\) is larger than the input's height"),
    ({"window": 2, "stride": 3}, r"stride of 3 px with a 2 px window"),
    ({"window": 0}, r"window must be at least 1"),
    ({"window": 2.5}, r"window is a whole number"),
    ({"score": "prob"}, r"probability"),
    ({"summary": "max"}, r"applies to hidden-unit targets"),
    ({"target": "conv2:1", "score": "probability"}, r"applies to class targets"),
    ({"target": "conv2:1:0:0", "summary": "max"}, r"one activation"),
    ({"target": "conv2:9"}, r"channel 9 is out of range"),
    ({"batch_size": 0}, r"batch_size must be a positive"),
    ({"baseline": "grey"}, r"baseline"),
])
def test_user_mistakes_are_seethrough_errors(options, message, no_hooks_left):
    model = tiny()
    with pytest.raises(SeethroughError, match=message):
        occlusion(model, _inputs(n=1), **{"window": 2, **options})
    no_hooks_left(model.module)


def test_a_3d_input_is_refused():
    with pytest.raises(SeethroughError, match=r"batch of images"):
        occlusion(tiny(), _inputs(n=1)[0])


class Failing(nn.Module):
    """Wraps a network and raises on any batch of more than one input (the occluded batches)."""

    def __init__(self, inner: nn.Module):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        if x.shape[0] > 1:
            raise RuntimeError("out of memory (simulated)")
        return self.inner(x)


@pytest.mark.parametrize("target", [0, "inner.conv2:1"])
def test_no_hook_is_left_when_the_model_raises(target, no_hooks_left):
    model = st.Model(Failing(tiny().module), input_size=(6, 6), mean=(0.0,) * 3, std=(1.0,) * 3)
    with pytest.raises(RuntimeError, match="simulated"):
        occlusion(model, _inputs(n=1), target=target, window=2, batch_size=4)
    no_hooks_left(model.module)
