"""The report's LIME section on a tiny CNN: figures inlined, the stability stated."""
from seethrough.report import ReportContext, list_sections
from seethrough.report.lime import lime_section

from lime_tiny import tiny_input, tiny_model


def test_lime_section_is_registered_and_builds():
    assert "LIME" in list_sections()
    model = tiny_model()
    x = tiny_input(model)
    context = ReportContext(model, model.deprocess(x), "tiny", x, 2, progress=False,
                            extras={"lime_samples": 50, "lime_seeds": 3})
    html = lime_section(context)
    assert html.count("data:image/png;base64,") == 2
    assert "(slic)" in html and "Jaccard" in html and "seeds [0, 1, 2]" in html and "cat" in html
    assert "150 forward passes" in html
