"""The report's channel-attribution section, on the ground-truth CNN."""
from __future__ import annotations

from seethrough.report import build_report, list_sections
from seethrough.report import concepts as concepts_section

from .synthetic import synthetic_dataset, trained_module, wrap


def test_section_shows_top_channels_with_pictures(monkeypatch, no_hooks_left):
    monkeypatch.setattr(concepts_section, "STEPS", 4)
    model = wrap(trained_module())
    image = synthetic_dataset(1, 11, label=0)[0][0]
    assert "Channel attribution" in list_sections()
    page = build_report(model, image, "striped patch", progress=False, sections=["Channel attribution"])
    no_hooks_left(model.module)
    assert "Channel attribution" in page and page.count("data:image/png;base64,") >= 1
    assert page.count(">for<") == concepts_section.CHANNELS and page.count(">against<") == 2
    assert "gradient x activation" in page
