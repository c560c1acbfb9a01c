"""The report's feature-visualization section on a small colour model."""
import numpy as np

import seethrough as st
from seethrough.report import build_report, list_sections
from seethrough.report import optvis as optvis_section

from .test_render import TinyBN


def test_section_shows_the_class_and_the_most_attributed_channels(no_hooks_left, monkeypatch):
    monkeypatch.setattr(optvis_section, "STEPS", 8)
    module = TinyBN().eval()
    model = st.Model(module, input_size=(32, 32), labels=["a", "b", "c", "d"], name="tiny")
    image = (np.random.default_rng(0).random((32, 32, 3)) * 255).astype(np.uint8)
    assert "Feature visualization" in list_sections()
    page = build_report(model, image, "noise", progress=False, sections=["Feature visualization"])
    assert "Feature visualization" in page and page.count("data:image/png;base64,") >= 1
    assert "conv2:" in page and "activation x gradient" in page   # the last spatial layer run once
    no_hooks_left(module)
