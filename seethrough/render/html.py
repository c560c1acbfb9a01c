"""The self-contained HTML page: every image inlined as a data URI, no external file or script."""
from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; } td, th { padding: .25em .7em; border-bottom: 1px solid #eee; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; } .note { color: #555; font-size: .92em; }
"""


@dataclass
class Section:
    """One titled part of the report; ``body`` is HTML."""

    title: str
    body: str


def escape(text) -> str:
    return html.escape(str(text))


def figure_uri(figure, dpi: int = 100) -> str:
    """A matplotlib figure as a PNG data URI."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def array_uri(image: np.ndarray) -> str:
    """A uint8 (or [0, 1] float) image array as a PNG data URI."""
    from PIL import Image
    array = image if image.dtype == np.uint8 else (np.clip(image, 0, 1) * 255).round().astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def img(uri: str, alt: str, width: int | None = None) -> str:
    size = f' width="{width}"' if width else ""
    return f'<img src="{uri}" alt="{escape(alt)}"{size}>'


def table(header: Sequence[str], rows: Sequence[Sequence], numeric: Sequence[int] = ()) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f'<td{" class=num" if i in numeric else ""}>{escape(v)}</td>'
                                    for i, v in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def page(title: str, intro: str, sections: Sequence[Section]) -> str:
    """The whole report as one HTML string."""
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>",
             f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1><p class=note>{intro}</p>"]
    parts += [f"<section><h2>{escape(s.title)}</h2>{s.body}</section>" for s in sections]
    parts.append("</body></html>")
    return "\n".join(parts)
