"""Results: Tables 1-9 as they will print, the figures, the diagnostics; printing choices apply at once."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st
from streamlit.dataframe_util import convert_anything_to_arrow_bytes

from analysis.estimation import Diagnostics, TestResult
from analysis.table import STAR_THRESHOLDS, Format
from report.html import TABLE_CSS, table_html

from . import state
from .notices import bullets, plain
from .text import described, language, t

INFERENCE = ("se", "t", "ci")
NUMBER_CSS = (".table-number { text-align: center; font-family: 'Times New Roman', serif; font-weight: bold; "
              "margin-top: 1.5em; }")


def _set_table_setting(name: str, key: str) -> None:
    state.edit(lambda d: d["tables"].update({name: st.session_state[key]}), t("where_table_settings"))


def settings() -> None:
    """Decimals, stars and SE-or-t: stored in the study, they only change how numbers print (no re-estimation)."""
    current = state.study().tables
    rev = state.revision()
    left, middle, right = st.columns([1, 2, 1.4])
    key = f"decimals_{rev}"
    left.number_input(t("decimals"), 0, 8, current.decimals, key=key, on_change=_set_table_setting, args=("decimals", key))
    key = f"stars_{rev}"
    stars = {name: _stars(name) for name in STAR_THRESHOLDS}
    middle.selectbox(t("stars"), list(stars), list(stars).index(current.stars), format_func=stars.get, key=key,
                     on_change=_set_table_setting, args=("stars", key))
    key = f"inference_{rev}"
    inference = described("inference", INFERENCE)
    right.segmented_control(t("in_parentheses"), list(inference), default=current.inference, format_func=inference.get,
                            key=key, on_change=_set_table_setting, args=("inference", key), required=True)


def _stars(name: str) -> str:
    """The star rule with its thresholds, e.g. "Stata: *** p < 0.001, ** p < 0.01, * p < 0.05"."""
    return t(f"stars_{name}", legend=Format(stars=name).star_legend().removesuffix("."))


def render(result: state.Run | None) -> None:
    settings()
    if result is None:
        return
    st.html(f"<style>{TABLE_CSS}\n{NUMBER_CSS}</style>")
    rep = state.run_report(result)
    links = [f"[{rep.ref(b.table.id)}](#{b.table.id})" for b in rep.exhibits.paper]
    links += [f"[{t('figures')}](#figures)"] + ([f"[{t('chapter')}](#chapter)"] if result.results.chapter else []) + [
        f"[{t('diagnostics')}](#diagnostics)"]
    st.caption(t("results_caption", tables=len(rep.exhibits.paper), figures=len(rep.figures),
                 data=plain(result.dataset.name)) + " · ".join(links))
    for block in rep.exhibits.paper:
        _table(rep, block)
    st.header(t("figures"), anchor="figures", divider="gray")
    render_figures(rep, rep.exhibits.drawn.made(("chart specs",), lambda: [chart_spec(b.figure.chart) for b in rep.figures]))
    chapter = [b for b in rep.exhibits.extra if b.table.id != "diagnostics"]
    if chapter:
        st.header(t("chapter"), anchor="chapter", divider="gray")
        for block in chapter:
            _table(rep, block)
    st.header(t("diagnostics"), anchor="diagnostics", divider="gray")
    render_diagnostics(result.results.diagnostics)
    if result.results.warnings:
        with st.expander(t("analysis_warnings", n=len(result.results.warnings)), icon=":material/info:"):
            st.markdown(bullets(p.text(language()) for p in result.results.warnings))


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


def chart_spec(chart) -> dict:
    """The chart's Vega-Lite spec as Streamlit takes it, made once per figure: map outlines (given as a JSON string)
    parsed, which Streamlit needs as an object, and the rows of every other dataset as the Arrow bytes Streamlit
    would convert them to on every rerun."""
    spec = chart.to_dict(validate=False)  # built by analysis.figures, checked by its tests
    for name, values in spec.get("datasets", {}).items():
        spec["datasets"][name] = json.loads(values) if isinstance(values, str) else convert_anything_to_arrow_bytes(values)
    return spec


def render_diagnostics(diagnostics: Diagnostics | None) -> None:
    """Instrument strength, overidentification, Hausman and residual correlation, as computed (unadjusted)."""
    if not diagnostics:
        st.caption(t("no_equations"))
        return
    first, tests = st.columns([3, 2])
    with first:
        st.markdown(t("first_stage"))
        st.dataframe(pd.DataFrame([{t("equation"): f.equation, t("regressor"): f.regressor, "F": f.test.statistic,
                                    "df1": f.test.df, "df2": f.test.df_denom, "p": f.test.p_value,
                                    t("partial_r2"): f.partial_r2} for f in diagnostics.first_stage]), hide_index=True)
        st.markdown(t("sargan"))
        st.dataframe(_tests(dict(diagnostics.sargan)), hide_index=True)
    with tests:
        st.markdown(t("system_tests"))
        st.dataframe(_tests({t("system_sargan"): diagnostics.system_sargan, t("hausman"): diagnostics.hausman,
                             t("breusch_pagan"): diagnostics.breusch_pagan}), hide_index=True)
        st.markdown(t("residual_correlation"))
        names = list(diagnostics.equations)
        st.dataframe(pd.DataFrame(diagnostics.residual_correlation, index=names, columns=names).round(3))


def _tests(tests: dict[str, TestResult]) -> pd.DataFrame:
    return pd.DataFrame([{t("test"): name, t("statistic"): test.statistic, "df": test.df, "p": test.p_value,
                          t("note"): test.note(language())} for name, test in tests.items()])
