"""The report's "Inside the network" section: first-layer filters and the top patches of the channels
that count most for the predicted class."""
from __future__ import annotations

import re

import seethrough as st
from seethrough.report import build_report, list_sections


def test_section_shows_filters_and_the_most_credited_channels(mnist_cnn, no_hooks_left):
    assert "Inside the network" in list_sections()
    image = st.data.load_image("mnist:8")
    page = build_report(mnist_cnn, image, "mnist:8", progress=False, sections=["Inside the network"])
    assert "First-layer filters (conv1)" in page and "Top patches of the channels of relu2" in page
    assert len(re.findall(r"<img [^>]*src=.data:image/png;base64,", page)) == 2
    rows = re.findall(r"<tr><td[^>]*>(\d+)</td>", page)
    assert len(rows) == 3 and len(set(rows)) == 3 and all(0 <= int(r) < 64 for r in rows)
    no_hooks_left(mnist_cnn.module)


def test_a_model_without_convolutions_gets_notes_not_a_failure():
    import torch
    module = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 8 * 8, 2))
    model = st.Model(module, input_size=(8, 8))
    page = build_report(model, st.data.sample("coffee"), "sample:coffee", progress=False,
                        sections=["Inside the network"])
    assert "has no Conv2d layer" in page and "has no layer with a spatial map" in page
