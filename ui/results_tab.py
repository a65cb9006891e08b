"""Results: Tables 1-9 as they will print, the figures, the diagnostics; printing choices apply at once."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from analysis.estimation import Diagnostics, TestResult
from analysis.table import STAR_THRESHOLDS, Format
from report.html import TABLE_CSS, table_html

from . import state
from .notices import bullets, plain

STARS = {name: f"{name.title()}: {Format(stars=name).star_legend().removesuffix('.')}" for name in STAR_THRESHOLDS}
STARS["none"] = "No stars"
INFERENCE = {"se": "Standard errors", "t": "t statistics", "ci": "95% intervals"}
NUMBER_CSS = (".table-number { text-align: center; font-family: 'Times New Roman', serif; font-weight: bold; "
              "margin-top: 1.5em; }")


def _set_table_setting(name: str, key: str) -> None:
    state.edit(lambda d: d["tables"].update({name: st.session_state[key]}), "Table settings")


def settings() -> None:
    """Decimals, stars and SE-or-t: stored in the study, they only change how numbers print (no re-estimation)."""
    current = state.study().tables
    rev = state.revision()
    left, middle, right = st.columns([1, 2, 1.4])
    key = f"decimals_{rev}"
    left.number_input("Decimals", 0, 8, current.decimals, key=key, on_change=_set_table_setting, args=("decimals", key))
    key = f"stars_{rev}"
    middle.selectbox("Significance stars", list(STARS), list(STARS).index(current.stars), format_func=STARS.get,
                     key=key, on_change=_set_table_setting, args=("stars", key))
    key = f"inference_{rev}"
    right.segmented_control("In parentheses", list(INFERENCE), default=current.inference, format_func=INFERENCE.get,
                            key=key, on_change=_set_table_setting, args=("inference", key), required=True)


def render(result: state.Run | None) -> None:
    settings()
    if result is None:
        return
    st.html(f"<style>{TABLE_CSS}\n{NUMBER_CSS}</style>")
    rep = state.run_report(result)
    links = [f"[{rep.ref(b.table.id)}](#{b.table.id})" for b in rep.exhibits.paper]
    links += ["[Figures](#figures)"] + (["[Spatial analysis](#chapter)"] if result.results.chapter else []) + [
        "[Diagnostics](#diagnostics)"]
    st.caption(f"{len(rep.exhibits.paper)} tables and {len(rep.figures)} figures from {plain(result.dataset.name)}. Go to "
               + " · ".join(links))
    for block in rep.exhibits.paper:
        _table(rep, block)
    st.header("Figures", anchor="figures", divider="gray")
    render_figures(rep, _chart_specs(result.dataset.key, state.figures_text(result.study), [b.figure for b in rep.figures]))
    chapter = [b for b in rep.exhibits.extra if b.table.id != "diagnostics"]
    if chapter:
        st.header("Spatial and distributional analysis", anchor="chapter", divider="gray")
        for block in chapter:
            _table(rep, block)
    st.header("Diagnostics", anchor="diagnostics", divider="gray")
    render_diagnostics(result.results.diagnostics)
    if result.results.warnings:
        with st.expander(f"Warnings from the analysis ({len(result.results.warnings)})", icon=":material/info:"):
            st.markdown(bullets(result.results.warnings))


def _table(rep, block) -> None:
    st.html(f'<div class="table-number" id="{block.table.id}">{rep.ref(block.table.id)}</div>\n{table_html(block.table)}')


def render_figures(rep, specs) -> None:
    """Column-wide figures two to a row, full-width figures alone, each with its number, title and notes."""
    row = []
    for block, spec in zip(rep.figures, specs):
        item = (rep.ref(block.figure.id), block.figure, spec)
        if block.figure.width == "full":
            _figure_row(row)
            _figure_row([item])
            row = []
            continue
        row.append(item)
        if len(row) == 2:
            _figure_row(row)
            row = []
    _figure_row(row)


def _figure_row(items) -> None:
    if not items:
        return
    columns = st.columns(1 if items[0][1].width == "full" else 2, gap="large")
    for column, (name, figure, spec) in zip(columns, items):
        with column:
            st.markdown(f"**{name}. {plain(figure.title)}**")
            st.vega_lite_chart(spec, theme=None)
            st.caption(plain(" ".join(figure.notes)))


@st.cache_data(max_entries=8, show_spinner=False)
def _chart_specs(data_key: str, figures_text: str, _figures) -> list[dict]:
    return [chart_spec(f.chart) for f in _figures]


def chart_spec(chart) -> dict:
    """The chart's Vega-Lite spec with map outlines given as a JSON string parsed, which Streamlit needs as an object."""
    spec = chart.to_dict(validate=False)  # built by analysis.figures, checked by its tests
    for name, values in spec.get("datasets", {}).items():
        if isinstance(values, str):
            spec["datasets"][name] = json.loads(values)
    return spec


def render_diagnostics(diagnostics: Diagnostics | None) -> None:
    """Instrument strength, overidentification, Hausman and residual correlation, as computed (unadjusted)."""
    if not diagnostics:
        st.caption("No simultaneous equations in this study.")
        return
    first, tests = st.columns([3, 2])
    with first:
        st.markdown("**First stage** (2SLS, per endogenous regressor)")
        st.dataframe(pd.DataFrame([{"Equation": f.equation, "Regressor": f.regressor, "F": f.test.statistic,
                                    "df1": f.test.df, "df2": f.test.df_denom, "p": f.test.p_value,
                                    "Partial R²": f.partial_r2} for f in diagnostics.first_stage]), hide_index=True)
        st.markdown("**Sargan test** per equation")
        st.dataframe(_tests(dict(diagnostics.sargan)), hide_index=True)
    with tests:
        st.markdown("**System tests**")
        st.dataframe(_tests({"System Sargan-Hansen J (3SLS)": diagnostics.system_sargan,
                             "Hausman, 3SLS against 2SLS": diagnostics.hausman,
                             "Breusch-Pagan, residuals independent": diagnostics.breusch_pagan}),
                     hide_index=True)
        st.markdown("**Residual correlation** (2SLS residuals)")
        names = list(diagnostics.equations)
        st.dataframe(pd.DataFrame(diagnostics.residual_correlation, index=names, columns=names).round(3))


def _tests(tests: dict[str, TestResult]) -> pd.DataFrame:
    return pd.DataFrame([{"Test": name, "Statistic": t.statistic, "df": t.df, "p": t.p_value, "Note": t.note}
                         for name, t in tests.items()])
