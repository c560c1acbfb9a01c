"""The report's occlusion section: a figure and the five windows whose covering hurts most."""
from __future__ import annotations

import numpy as np
import torch

import seethrough as st
from seethrough.attribution.occlusion import occlusion
from seethrough.report import build_report, list_sections

from .nets import TinyConv, tiny


def test_the_report_has_an_occlusion_section():
    assert "Occlusion" in list_sections()
    torch.manual_seed(0)
    model = st.Model(TinyConv(size=28).eval(), input_size=(28, 28), labels=["a", "b", "c"], name="tiny")
    image = np.random.default_rng(0).integers(0, 256, (28, 28, 3), dtype=np.uint8)
    page = build_report(model, image, "noise", progress=False, sections=["Occlusion"])
    assert "<h2>Occlusion</h2>" in page and "A 4x4 px square" in page and "170 forward passes" in page
    assert page.count('alt="occlusion map"') == 1 and page.count("<tr>") == 6  # header + the top 5 windows
    x = model.preprocess(image)
    result = occlusion(model, x, target=int(model(x).argmax()), window=4, stride=2)
    assert f"<td class=num>{float(result.grid.max()):.4f}</td>" in page


def test_figures_draw_one_size_several_sizes_and_a_silent_unit():
    from seethrough.render.occlusion_figure import occlusion_figure
    model = tiny()
    x = torch.zeros(1, 3, 6, 6, dtype=torch.float64)
    with torch.no_grad():
        model.module.conv1.bias.fill_(-1.0)
        model.module.conv1.weight.abs_()
    silent = occlusion(model, x, target="relu1:0", window=3, stride=3, baseline=1.0)  # percent undefined
    image = np.zeros((6, 6, 3))
    figure = occlusion_figure(image, [silent], title="silent")
    titles = [axes.get_title() for axes in figure.axes]
    assert any(t.startswith("decrease per window") for t in titles)
    assert "relu1:0, mean" in figure._suptitle.get_text()
    row = occlusion_figure(image, [occlusion(model, x, target=0, window=w, baseline=1.0) for w in (1, 2, 3)])
    assert [a.get_title().split(",")[0] for a in row.axes] == ["input", "occlusion-1", "occlusion 2x2", "occlusion 3x3"]
