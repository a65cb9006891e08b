"""Figures exported for print: one Vega render to SVG per figure, PNG at 300 dpi and PDF drawn from that SVG.

vl-convert runs in a process of its own (report.renderer), so a renderer failure costs one figure and a
message, never the process. Rendered files are kept by the hash of their spec, so a build that changes
only the tables' printing reuses every figure.
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict

import altair as alt

from analysis.errors import Problem, UserError
from analysis.figures import CJK_SERIF, PX_PER_INCH, Figure

from .renderer import RenderFailed, render

FORMATS = ("png", "svg", "pdf")
PRINT_DPI = 300
POINTS_PER_INCH = 72
# The body font of the document the figure goes into; Chinese text keeps the CJK serif the chart chose.
WORD_FONT = "Times New Roman, Liberation Serif, Tinos, serif"
LATEX_FONT = "Latin Modern Roman, serif"
DEFAULT_FONT = {"png": WORD_FONT, "svg": WORD_FONT, "pdf": LATEX_FONT}
VEGA_LITE = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])  # the version Altair writes specs for
_OPTIONS = {"vl_version": VEGA_LITE, "allowed_base_urls": []}  # a spec asking for a URL fails instead of fetching
_SVG_SIZE = re.compile(r'^(<svg[^>]*?) width="([\d.]+)" height="([\d.]+)"')
CACHE_BYTES = 64 * 2**20


class _Cache:
    """Rendered files by key, the least recently used dropped once they hold more than max_bytes."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, bytes | str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, make):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while sum(len(v) for v in self._items.values()) > self.max_bytes and len(self._items) > 1:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


rendered = _Cache(CACHE_BYTES)


def export(figure: Figure, fmt: str, dpi: int = PRINT_DPI, *, font: str | None = None) -> bytes:
    """PNG at dpi (the spec is drawn at 100 px per inch), SVG in spec pixels, or PDF at its true size in points.

    font is a CSS font-family list for Latin text; by default the Word body font for PNG and SVG and Latin
    Modern, the LaTeX body font, for PDF.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown figure format {fmt!r}; choose one of {', '.join(FORMATS)}")
    spec = spec_of(figure, font or DEFAULT_FONT[fmt])
    key = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()
    try:
        svg = rendered.get(("svg", key), lambda: render("vegalite_to_svg", spec, **_OPTIONS))
        if fmt == "svg":
            return svg.encode("utf-8")
        if fmt == "png":
            # The PNG writer draws scale * ppi / 72 image pixels per SVG pixel.
            return rendered.get(("png", key, dpi), lambda: render(
                "svg_to_png", svg, scale=POINTS_PER_INCH / PX_PER_INCH, ppi=dpi))
        return rendered.get(("pdf", key), lambda: render("svg_to_pdf", _print_size(svg)))
    except RenderFailed as failure:
        raise UserError(Problem.of("figure_not_drawn", title=figure.title, figure=figure.id, reason=str(failure))) from None


def spec_of(figure: Figure, font: str) -> dict:
    """The chart's Vega-Lite spec in the given font, unless its text needs the CJK serif."""
    spec = figure.chart.to_dict(validate=False)
    config = spec.setdefault("config", {})
    if config.get("font") != CJK_SERIF:
        config["font"] = font
    return spec


def _print_size(svg: str) -> str:
    """Page size in points (the PDF writer takes an SVG unit for a point); the viewBox keeps the drawing whole."""
    factor = POINTS_PER_INCH / PX_PER_INCH
    return _SVG_SIZE.sub(lambda m: f'{m[1]} width="{float(m[2]) * factor:g}" height="{float(m[3]) * factor:g}"', svg, count=1)
