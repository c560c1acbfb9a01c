"""The TCAV bar chart marks non-significant bars; the channel figure draws the rows it is given."""
from __future__ import annotations

import numpy as np

from seethrough.concepts.channels import ChannelAttribution
from seethrough.concepts.significance import significance
from seethrough.concepts.tcav import ConceptScore, TCAVResult
from seethrough.render.channels_figure import channels_figure
from seethrough.render.tcav_figure import tcav_figure


def _result() -> TCAVResult:
    random = (0.4, 0.6, 0.5, 0.45, 0.55)
    scores = []
    for layer in ("a", "b"):
        for concept, values in (("striped", (0.95, 1.0, 0.9, 0.97, 0.99)), ("dotted", (0.5, 0.4, 0.6, 0.5, 0.45))):
            scores.append(ConceptScore(concept, layer, values, values, (0.9,) * 5,
                                       significance(values, random, tests=2)))
    return TCAVResult(0, "zebra", ["a", "b"], ["striped", "dotted"], scores, {"a": random, "b": random},
                      {"a": (0.5,) * 5, "b": (0.5,) * 5}, {"alpha": 0.05})


def test_tcav_figure_hatches_exactly_the_non_significant_bars():
    result = _result()
    figure = tcav_figure(result)
    axes = figure.axes[0]
    bars = [patch for patch in axes.patches if patch.get_width() < 0.5]
    hatched = [bar for bar in bars if bar.get_hatch()]
    assert len(bars) == 4 and len(hatched) == 2
    assert all(abs(bar.get_height() - 0.49) < 0.01 for bar in hatched)        # the dotted bars
    texts = [text.get_text() for text in axes.texts]
    assert texts.count("n.s.") == 2 and sum(t.startswith("p") for t in texts) == 2


def test_channels_figure_layout():
    rng = np.random.default_rng(0)
    result = ChannelAttribution(rng.normal(size=8), rng.normal(size=(8, 4, 4)).astype(np.float32),
                                rng.uniform(size=(8, 4, 4)).astype(np.float32), "layer", 1, "b", None, None, 2.0)
    image = rng.uniform(size=(16, 16, 3))
    with_pictures = channels_figure(image, result, [3, 5], visualizations={3: image, 5: image})
    without = channels_figure(image, result, [3, 5])
    assert len(with_pictures.axes) == 2 + 3 * 2 and len(without.axes) == 2 + 2 * 2   # input, legend, rows x channels
