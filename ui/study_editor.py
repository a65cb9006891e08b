"""Study: every choice of the study file as widgets over the data's columns.

Each widget starts from the last valid study and writes one edit back through state.edit, which refuses
a study that does not validate. Widget keys carry the study's revision, so replacing the whole study
(an example, a study file, a column mapping) starts every widget afresh from it.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.coupling import FORMULAS
from analysis.errors import Problem, UserError
from analysis.methods import METHODS
from analysis.sections import ON_COUPLING
from analysis.study import TABLE1_LEVELS, Coupling, Index, Model, dumps
from analysis.tables import DEFAULT_TITLES

from . import state
from .chapter_options import chapter_section
from .edits import (INDICATOR_COLUMNS, build_equation, dimensions_from_rows, equation_parts, indicator_rows,
                    numeric_columns, remove_index, rename_index, set_equation)
from .guesses import guess_direction
from .map_options import map_section
from .sidebar import study_file_name
from .text import described, t
from .widgets import applied, bound, button, choice, column_choice, editor, widget_key

METHOD_LABELS = {m.name: m.label for m in METHODS.values()}
ROW_PX = 35  # a data editor row, so that an index's indicators show without scrolling
SECTIONS = ("section_panel", "section_indices", "section_coupling", "section_equations", "section_chapter",
            "section_labels", "section_document", "section_study_file")


# ---------------------------------------------------------------- sections


def _data_columns(frame: pd.DataFrame) -> list[str]:
    """Numeric columns that can be indicators or variables: all but the panel keys (a year is not an indicator)."""
    keys = state.study().panel
    return [c for c in numeric_columns(frame) if c not in (keys.entity, keys.time, keys.group)]


def panel_section(frame: pd.DataFrame) -> None:
    study = state.study()
    columns = [str(c) for c in frame.columns]
    bound(st.text_input, t("title"), ("title",), t("title"), study.title)
    entity, time, group = st.columns(3)
    with entity:
        column_choice(t("entity_column"), columns, study.panel.entity, ("panel", "entity"), t("entity_column"),
                      help=t("entity_column_help"))
    with time:
        column_choice(t("period_column"), columns, study.panel.time, ("panel", "time"), t("period_column"),
                      help=t("period_column_help"))
    with group:
        column_choice(t("group_column"), columns, study.panel.group, ("panel", "group"), t("group_column"),
                      help=t("group_column_help"))
    if study.panel.group in frame.columns:
        values = [str(v) for v in pd.unique(frame[study.panel.group].dropna())]
        order = list(study.panel.group_order)
        bound(st.multiselect, t("group_order"), ("panel", "group_order"), t("group_order"),
              sorted(set(values) | set(order), key=str), default=order, help=t("group_order_help"),
              placeholder=t("choose"))
    source, missing = st.columns([2, 1])
    with source:
        bound(st.text_input, t("data_source"), ("data", "source"), t("data_source"), study.data.source,
              placeholder=t("data_source_placeholder"))
    with missing:
        choice(t("missing_values"), described("missing", ("error", "listwise")), study.data.missing,
               ("data", "missing"), t("missing_values"))
    bound(st.checkbox, t("synthetic"), ("data", "synthetic"), t("synthetic"), study.data.synthetic)


def indices_section(frame: pd.DataFrame) -> None:
    study = state.study()
    numeric = _data_columns(frame)
    for k, index in enumerate(study.indices):
        with st.container(border=True):
            index_editor(k, index, numeric)
    n = len(study.indices) + 1
    free = [c for c in numeric if c not in {i.column for index in study.indices for _, i in index.indicators}]

    def add(data: dict) -> None:
        if not free:
            raise UserError(Problem.of("no_free_column"))
        first = {"column": free[0], "label": free[0], "direction": guess_direction(free[0])}
        data["indices"].append({"name": f"index{n}", "label": t("new_index", n=n),
                                "dimensions": [{"name": t("new_dimension"), "indicators": [first]}]})
    button(t("add_index"), add, t("add_index"), icon=":material/add:")


def index_editor(k: int, index: Index, numeric: list[str]) -> None:
    where = t("where_index", index=index.label or index.name)
    name, label = st.columns([1, 2])
    key = widget_key("indices", k, "name")

    def rename(data: dict) -> None:  # the coupling and the equations follow the new name
        data.update(rename_index(data, k, st.session_state[key]))
    with name:
        st.text_input(t("index_name"), index.name, key=key,
                      on_change=lambda: state.edit(rename, where) and state.replace_study(state.study()))
    with label:
        bound(st.text_input, t("label"), ("indices", k, "label"), where, index.label)
    method, scope, zero, epsilon = st.columns([1.2, 1.4, 1.4, 1])
    with method:
        choice(t("weighting"), described("weighting", ("entropy", "critic", "equal", "fixed")), index.method,
               ("indices", k, "method"), where)
    with scope:
        choice(t("scope"), described("scope", ("pooled", "per_period")), index.scope, ("indices", k, "scope"), where)
    with zero:
        choice(t("zero_handling"), described("zero", ("zero", "shift", "squeeze")), index.zero_handling,
               ("indices", k, "zero_handling"), where, help=t("zero_handling_help"))
    with epsilon:
        bound(st.number_input, t("epsilon"), ("indices", k, "epsilon"), where, min_value=1e-8, max_value=0.49,
              value=float(index.epsilon), format="%.6f", step=0.0001, disabled=index.zero_handling == "zero")
    base = indicator_rows(index.model_dump(mode="json"))
    columns = numeric + sorted({c for c in base["column"] if c not in numeric})
    edited = editor(f"indicators{k}", base, num_rows="dynamic", width="stretch", column_order=INDICATOR_COLUMNS,
                    height=ROW_PX * (len(base) + 2) + 3, column_config=_indicator_columns(columns))
    if dimensions_from_rows(edited) != dimensions_from_rows(base):
        applied(f"indicators{k}", lambda d: d["indices"][k].update(dimensions=dimensions_from_rows(edited)), where)
    add_indicators(k, index, numeric)


def _indicator_columns(columns: list[str]) -> dict:
    config = st.column_config
    return {"dimension": config.TextColumn(t("dimension"), required=True, width=140),
            "column": config.SelectboxColumn(t("column"), options=columns, required=True, width="medium"),
            "direction": config.SelectboxColumn(t("direction"), options=["+", "-"], required=True, width=80,
                                                help=t("direction_help")),
            "label": config.TextColumn(t("label"), width="large"),
            "weight": config.NumberColumn(t("fixed_weight"), min_value=0.0, format="%.4f", width=115)}


def add_indicators(k: int, index: Index, numeric: list[str]) -> None:
    """Add columns as indicators of one dimension, each with a direction guessed from its name."""
    used = {i.column for _, i in index.indicators}
    dimensions = [d.name for d in index.dimensions]
    pick, into, go = st.columns([3, 2, 1], vertical_alignment="bottom")
    chosen = pick.multiselect(t("add_indicators"), [c for c in numeric if c not in used], key=widget_key("add", k),
                              placeholder=t("add_indicators_placeholder"))
    dimension = into.selectbox(t("to_dimension"), dimensions, key=widget_key("add_to", k), accept_new_options=True)

    def add(data: dict) -> None:
        target = next((d for d in data["indices"][k]["dimensions"] if d["name"] == dimension), None)
        if target is None:
            target = {"name": dimension, "indicators": []}
            data["indices"][k]["dimensions"].append(target)
        target["indicators"] += [{"column": c, "label": c, "direction": guess_direction(c)} for c in chosen]
    with go:
        button(t("add"), add, t("where_index", index=index.name), disabled=not chosen, key=widget_key("add_go", k))
    remove = t("remove_index", index=index.name)
    button(remove, lambda d: remove_index(d, k), remove, icon=":material/delete:", type="tertiary",
           key=widget_key("remove", k))


def coupling_section() -> None:
    study = state.study()
    names = [i.name for i in study.indices]
    on = study.coupling is not None

    def toggle(data: dict) -> None:
        data["coupling"] = Coupling(indices=tuple(names[:2])).model_dump(mode="json") if not on else None
        if on:  # the chapter's sections on U1, U2 and D go with the coupling
            for section in ON_COUPLING:
                data.pop(section, None)
            if data.get("obstacle") and not data["obstacle"].get("indices"):
                data["obstacle"] = {**data["obstacle"], "indices": names[:2]}
    st.toggle(t("coupling_on"), on, key=widget_key("coupling_on"),
              on_change=lambda: state.edit(toggle, t("section_coupling")) and state.replace_study(state.study()),
              disabled=len(names) < 2 and not on)
    if not on:
        if len(names) < 2:
            st.caption(t("coupling_needs_two"))
        return
    coupling, where = study.coupling, t("section_coupling")
    first, second, weight = st.columns([1, 1, 1.2])
    with first:
        choice("U1", names, coupling.indices[0], ("coupling", "indices", 0), where)
    with second:
        choice("U2", names, coupling.indices[1], ("coupling", "indices", 1), where)
    with weight:
        a_key = widget_key("coupling", "a")
        def weights(data: dict) -> None:
            a = st.session_state[a_key]
            data["coupling"].update(a=a, b=round(1 - a, 10))
        st.slider(t("coupling_weight"), 0.0, 1.0, float(coupling.a), 0.05, key=a_key,
                  on_change=lambda: state.edit(weights, where))
    formula, mode = st.columns(2)
    with formula:
        choice(t("coupling_formula"), described("formula", FORMULAS), coupling.formula, ("coupling", "formula"), where,
               widget=st.radio)
    with mode:
        choice(t("coupling_mode"), described("mode", ("entity", "replication")), coupling.mode, ("coupling", "mode"),
               where, widget=st.radio)
    if coupling.mode == "replication":
        low, high = st.columns(2)
        with low:
            bound(st.number_input, t("rescale_from"), ("coupling", "rescale", 0), where,
                  value=float(coupling.rescale[0]), format="%.2f", step=0.01)
        with high:
            bound(st.number_input, t("rescale_to"), ("coupling", "rescale", 1), where, value=float(coupling.rescale[1]),
                  format="%.2f", step=0.01)
    base = pd.DataFrame({"Level": range(1, 11), "D interval": [f"[{k / 10:.1f}, {(k + 1) / 10:.1f})" for k in range(10)],
                         "Type": list(coupling.levels)})
    with st.expander(t("level_names")):
        edited = editor("levels", base, disabled=["Level", "D interval"], width="stretch",
                        column_config=_headed("Level", "D interval", "Type"))
        if list(edited["Type"]) != list(base["Type"]):
            applied("levels", lambda d: d["coupling"].update(levels=[str(name or "").strip() for name in edited["Type"]]),
                    t("level_names"))
        if list(coupling.levels) != list(TABLE1_LEVELS):
            button(t("restore_level_names"), lambda d: d["coupling"].update(levels=list(TABLE1_LEVELS)),
                   t("level_names"))


def model_section(frame: pd.DataFrame) -> None:
    study = state.study()
    on = study.model is not None
    indices = [i.name for i in study.indices]
    variables = indices + [c for c in _data_columns(frame) if c not in indices]

    def toggle(data: dict) -> None:
        if on:
            data["model"] = None
        else:
            data["model"] = Model(equations=[f"{variables[0]} ~ {variables[1]}"]).model_dump(mode="json")
    st.toggle(t("model_on"), on, key=widget_key("model_on"),
              on_change=lambda: state.edit(toggle, t("section_equations")) and state.replace_study(state.study()),
              disabled=len(variables) < 2 and not on)
    if not on:
        return
    model = study.model
    for k, text in enumerate(model.equations):
        with st.container(border=True):
            equation_editor(k, text, variables)
    taken = {eq.dependent.column for eq in model.parsed}
    candidates = [v for v in variables if v not in taken] or variables

    def add(data: dict) -> None:
        data["model"]["equations"].append(f"{candidates[0]} ~ {next(v for v in variables if v != candidates[0])}")
    button(t("add_equation"), add, t("add_equation"), icon=":material/add:")
    system_options(model, variables)


def _equation_revision(k: int) -> str:
    """Session key of equation k's own revision, moved on when either of its two views is applied."""
    return f"equation_rev.{k}"


def _write_equation(k: int, text_of) -> None:
    """Store equation k from its text or parts; on success the other view of the same equation starts afresh."""
    try:
        text = text_of()
    except UserError as e:
        st.session_state[state.EDIT_PROBLEMS] = [state.located(p, t("equation_n", n=k + 1)) for p in e.problems]
        return
    if state.edit(lambda d: set_equation(d["model"], k, text), t("equation_n", n=k + 1)):
        st.session_state[_equation_revision(k)] = st.session_state.get(_equation_revision(k), 0) + 1


def equation_editor(k: int, text: str, variables: list[str]) -> None:
    """One equation two ways, kept in step: its formula as text, and pickers with ln() on a click."""
    rev = st.session_state.get(_equation_revision(k), 0)
    parts = equation_parts(text)
    keys = {part: widget_key("equation", k, rev, part)
            for part in ("text", "name", "dependent", "regressors", "logged", "intercept")}

    def from_parts() -> str:
        chosen = {part: st.session_state[key] for part, key in keys.items()}
        terms = [chosen["dependent"], *chosen["regressors"]]
        regressors = [r for r in chosen["regressors"] if r != chosen["dependent"]]
        return build_equation(chosen["name"], chosen["dependent"], regressors, {c for c in chosen["logged"] if c in terms},
                              chosen["intercept"])

    def on_parts() -> None:
        _write_equation(k, from_parts)

    head, formula = st.columns([1, 5], vertical_alignment="bottom")
    head.markdown(f"**{t('equation_n', n=k + 1)}**")
    formula.text_input(t("formula"), text, key=keys["text"], label_visibility="collapsed",
                       on_change=lambda: _write_equation(k, lambda: st.session_state[keys["text"]]), help=t("formula_help"))
    options = variables + [v for v in [parts["dependent"], *parts["regressors"]] if v not in variables]
    dependent, regressors = st.columns([1, 3])
    dependent.selectbox(t("dependent"), options, options.index(parts["dependent"]), key=keys["dependent"], on_change=on_parts)
    regressors.multiselect(t("regressors"), [o for o in options if o != parts["dependent"]], parts["regressors"],
                           key=keys["regressors"], on_change=on_parts, placeholder=t("choose"))
    terms = [parts["dependent"], *parts["regressors"]]
    st.pills(t("take_logs"), terms, selection_mode="multi", default=parts["logged"],
             key=keys["logged"], on_change=on_parts, format_func=lambda c: f"ln({c})" if c in parts["logged"] else c)
    name, intercept, remove = st.columns([2, 1.2, 1], vertical_alignment="bottom")
    name.text_input(t("equation_name"), parts["name"], key=keys["name"], on_change=on_parts,
                    placeholder=parts["dependent"])
    intercept.checkbox(t("intercept"), parts["intercept"], key=keys["intercept"], on_change=on_parts)
    with remove:
        button(t("remove"), lambda d: set_equation(d["model"], k, None), t("equation_n", n=k + 1), icon=":material/delete:",
               type="tertiary", key=widget_key("remove_equation", k), disabled=len(state.study().model.equations) == 1)


def system_options(model: Model, variables: list[str]) -> None:
    terms = [t for v in variables for t in (v, f"ln({v})")]
    regressors = list(dict.fromkeys(t.name for eq in model.parsed for t in eq.regressors))
    extra_endogenous, extra_exogenous = st.columns(2)
    with extra_endogenous:
        bound(st.multiselect, t("endogenous"), ("model", "endogenous"), t("endogenous"),
              sorted(set(terms) | set(model.endogenous)), default=model.endogenous, help=t("endogenous_help"),
              placeholder=t("choose"))
    with extra_exogenous:
        bound(st.multiselect, t("exogenous"), ("model", "exogenous"), t("exogenous"),
              sorted(set(terms) | set(model.exogenous)), default=model.exogenous, help=t("exogenous_help"),
              placeholder=t("choose"))
    methods, covariance = st.columns([2, 1])
    with methods:
        bound(st.multiselect, t("methods"), ("model", "methods"), t("methods"), list(METHOD_LABELS),
              default=model.methods, format_func=METHOD_LABELS.get, placeholder=t("choose"),
              convert=lambda chosen: [m for m in METHOD_LABELS if m in chosen])
    with covariance:
        choice(t("covariance"), described("covariance", ("unadjusted", "robust", "clustered")), model.covariance,
               ("model", "covariance"), t("covariance"))
    st.markdown(f"**{t('robustness')}**")
    drops = [d if isinstance(d, str) else " + ".join(d) for d in model.robustness]
    drop, method, instruments = st.columns([3, 1, 1.4])
    with drop:
        bound(st.multiselect, t("drop_for_robustness"), ("model", "robustness"), t("robustness"),
              list(dict.fromkeys(regressors + drops)), default=drops,
              convert=lambda chosen: [c.split(" + ") if " + " in c else c for c in chosen],
              help=t("drop_for_robustness_help"), placeholder=t("choose"))
    with method:
        choice(t("method"), METHOD_LABELS, model.robustness_method, ("model", "robustness_method"), t("robustness"))
    with instruments:
        choice(t("dropped_as_instrument"), described("instruments", ("drop", "keep")), model.robustness_instruments,
               ("model", "robustness_instruments"), t("robustness"))
    st.markdown(f"**{t('heterogeneity')}**")
    on, method = st.columns([3, 2.4], vertical_alignment="bottom")
    with on:
        bound(st.toggle, t("heterogeneity_on"), ("model", "heterogeneity"), t("heterogeneity"), model.heterogeneity,
              help=t("heterogeneity_on_help"))
    with method:
        choice(t("method"), METHOD_LABELS, model.heterogeneity_method, ("model", "heterogeneity_method"),
               t("heterogeneity"))


def title_rows(study, references) -> pd.DataFrame:
    """One row per table: its number in the Report on screen (references; None before a run shows the table's id),
    its standard title and the study's own."""
    def number(table_id: str) -> str:
        return table_id if references is None else references.get(table_id, t("not_printed"))

    return pd.DataFrame([{"Table": number(table_id), "Standard title": default, "Title": study.tables.titles.get(table_id, "")}
                         for table_id, default in DEFAULT_TITLES.items()])


def _headed(*columns: str) -> dict:
    """Column headers of a data editor in the app's language; the frame keeps its column names."""
    return {column: st.column_config.Column(t(f"header_{column.lower().replace(' ', '_')}")) for column in columns}


def labels_section(references) -> None:
    study = state.study()
    names = [i.name for i in study.indices]
    if study.model:
        names += [t.column for eq in study.model.parsed for t in (eq.dependent, *eq.regressors)]
    names = list(dict.fromkeys(names + list(study.variables)))
    base = pd.DataFrame([{"Variable": n, "Label": study.variables[n].label if n in study.variables else "",
                          "Abbreviation": study.variables[n].abbreviation if n in study.variables else ""} for n in names],
                        columns=["Variable", "Label", "Abbreviation"])
    st.markdown(t("variable_labels"))
    edited = editor("labels", base, disabled=["Variable"], width="stretch",
                    column_config=_headed("Variable", "Label", "Abbreviation"))
    if not edited.fillna("").equals(base.fillna("")):
        applied("labels", lambda d: d.update(variables=_variables(edited)), t("where_labels"))
    choice(t("statistics"), described("statistics", ("model", "raw")), study.tables.statistics,
           ("tables", "statistics"), t("statistics"), widget=st.radio, horizontal=True)
    st.markdown(t("table_titles"))
    titles = title_rows(study, references)
    edited_titles = editor("titles", titles, disabled=["Table", "Standard title"], width="stretch",
                           column_config=_headed("Table", "Standard title", "Title"))
    if not edited_titles.fillna("").equals(titles.fillna("")):
        chosen = {table_id: str(title).strip() for table_id, title in zip(DEFAULT_TITLES, edited_titles["Title"].fillna(""))
                  if str(title).strip()}
        applied("titles", lambda d: d["tables"].update(titles=chosen), t("where_titles"))


def _variables(rows: pd.DataFrame) -> dict:
    out = {}
    for row in rows.fillna("").to_dict(orient="records"):
        label, abbreviation = str(row["Label"]).strip(), str(row["Abbreviation"]).strip()
        if label or abbreviation:
            out[row["Variable"]] = {"label": label, "abbreviation": abbreviation}
    return out


def document_section() -> None:
    """How the documents are written; their language (and the app's) is chosen in the sidebar."""
    document, where = state.study().document, t("section_document")
    st.caption(t("document_caption"))
    profile, headings, source = st.columns(3)
    with profile:
        choice(t("profile"), described("profile", ("generic", "elsevier", "chinese-core")), document.profile,
               ("document", "profile"), where, help=t("profile_help"))
    with headings:
        choice(t("headings"), described("headings", ("decimal", "chinese")), document.headings,
               ("document", "headings"), where)
    with source:
        choice(t("source_note"), described("source_note", ("first", "every")), document.source_note,
               ("document", "source_note"), where)


def study_file_section() -> None:
    text = dumps(state.study())
    st.download_button(t("save_study_file"), text, study_file_name(state.study().title), mime="application/toml",
                       icon=":material/download:", key="study_download_tab")
    st.caption(t("study_file_tab_caption"))
    st.code(text, language="toml")


def render(result) -> None:
    frame = state.dataset().frame
    panel, indices, coupling, equations, chapter, labels, document, study_file = st.tabs([t(s) for s in SECTIONS])
    with panel:
        panel_section(frame)
    with indices:
        indices_section(frame)
    with coupling:
        coupling_section()
    with equations:
        model_section(frame)
    with chapter:
        chapter_section(frame)
    with labels:
        labels_section(state.run_report(result).references if result is not None else None)
    with document:
        document_section()
        map_section()
    with study_file:
        study_file_section()
