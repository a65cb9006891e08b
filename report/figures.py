"""Figures exported for print through vl-convert: PNG at 300 dpi, SVG and PDF, with every datum inline (no network)."""
from __future__ import annotations

import re

import altair as alt
import vl_convert as vlc

from analysis.figures import PX_PER_INCH, Figure

FORMATS = ("png", "svg", "pdf")
PRINT_DPI = 300
POINTS_PER_INCH = 72
VEGA_LITE = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])  # the version Altair writes specs for
_OPTIONS = {"vl_version": VEGA_LITE, "allowed_base_urls": []}  # a spec asking for a URL fails instead of fetching
_SVG_SIZE = re.compile(r'^(<svg[^>]*?) width="([\d.]+)" height="([\d.]+)"')


def export(figure: Figure, fmt: str, dpi: int = PRINT_DPI) -> bytes:
    """PNG at dpi (the spec is drawn at 100 px per inch), SVG in spec pixels, or PDF at its true size in points."""
    if fmt == "png":
        # vl-convert draws scale * ppi / 72 image pixels per spec pixel.
        return vlc.vegalite_to_png(_spec(figure), scale=POINTS_PER_INCH / PX_PER_INCH, ppi=dpi, **_OPTIONS)
    if fmt == "svg":
        return _svg(figure).encode("utf-8")
    if fmt == "pdf":
        return vlc.svg_to_pdf(_print_size(_svg(figure)))
    raise ValueError(f"unknown figure format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _spec(figure: Figure) -> dict:
    return figure.chart.to_dict()


def _svg(figure: Figure) -> str:
    return vlc.vegalite_to_svg(_spec(figure), **_OPTIONS)


def _print_size(svg: str) -> str:
    """Page size in points (the PDF writer takes an SVG unit for a point); the viewBox keeps the drawing whole."""
    factor = POINTS_PER_INCH / PX_PER_INCH
    return _SVG_SIZE.sub(lambda m: f'{m[1]} width="{float(m[2]) * factor:g}" height="{float(m[3]) * factor:g}"', svg, count=1)
