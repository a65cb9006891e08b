"""Study: every choice of the study file as widgets over the data's columns.

Each widget starts from the last valid study and writes one edit back through state.edit, which refuses
a study that does not validate. Widget keys carry the study's revision, so replacing the whole study
(an example, a study file, a column mapping) starts every widget afresh from it.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.coupling import FORMULAS
from analysis.sections import ON_COUPLING
from analysis.errors import UserError
from analysis.methods import METHODS
from analysis.study import TABLE1_LEVELS, Coupling, Index, Model, dumps
from analysis.tables import DEFAULT_TITLES

from . import state
from .edits import (INDICATOR_COLUMNS, build_equation, dimensions_from_rows, equation_parts, indicator_rows,
                    numeric_columns, remove_index, rename_index, set_equation)
from .guesses import guess_direction
from .sidebar import study_file_name
from .widgets import applied, bound, button, choice, column_choice, editor, widget_key

METHOD_LABELS = {m.name: m.label for m in METHODS.values()}
WEIGHTING = {"entropy": "Entropy", "critic": "CRITIC", "equal": "Equal weights", "fixed": "Fixed (the weights below)"}
SCOPE = {"pooled": "Pooled: all entities and periods", "per_period": "Per period"}
ZERO = {"zero": "0 ln 0 = 0", "shift": "Shift by epsilon", "squeeze": "Squeeze into [epsilon, 1 - epsilon]"}
MODES = {"entity": "Entity: C, T, D per entity and period, then averaged",
         "replication": "Replication: from the rescaled period means"}
COVARIANCE = {"unadjusted": "Unadjusted (as reg3)", "robust": "Robust", "clustered": "Clustered by entity"}
MISSING = {"error": "Stop and list every missing cell", "listwise": "Drop incomplete rows (listwise) and report them"}
STATISTICS = {"model": "As the model uses them (after ln)", "raw": "Raw columns"}
ROW_PX = 35  # a data editor row, so that an index's indicators show without scrolling
SECTIONS = ["Panel & data", "Indices", "Coupling", "Equations", "Spatial & distribution", "Labels & tables", "Study file"]


# ---------------------------------------------------------------- sections


def _data_columns(frame: pd.DataFrame) -> list[str]:
    """Numeric columns that can be indicators or variables: all but the panel keys (a year is not an indicator)."""
    keys = state.study().panel
    return [c for c in numeric_columns(frame) if c not in (keys.entity, keys.time, keys.group)]


def panel_section(frame: pd.DataFrame) -> None:
    study = state.study()
    columns = [str(c) for c in frame.columns]
    bound(st.text_input, "Title", ("title",), "Title", study.title)
    entity, time, group = st.columns(3)
    with entity:
        column_choice("Entity column", columns, study.panel.entity, ("panel", "entity"), "Entity column",
                      help="What each row describes, e.g. the province.")
    with time:
        column_choice("Period column", columns, study.panel.time, ("panel", "time"), "Period column",
                      help="When, e.g. the year.")
    with group:
        column_choice("Group column", columns, study.panel.group, ("panel", "group"), "Group column",
                      help="Optional: a grouping of entities, e.g. the region (Table 6 and Table 9).")
    if study.panel.group in frame.columns:
        values = [str(v) for v in pd.unique(frame[study.panel.group].dropna())]
        order = list(study.panel.group_order)
        bound(st.multiselect, "Group order in the tables", ("panel", "group_order"), "Group order",
              sorted(set(values) | set(order), key=str), default=order,
              help="The order of the groups in Table 6, Table 9 and the figures; groups left out follow alphabetically.")
    source, missing = st.columns([2, 1])
    with source:
        bound(st.text_input, "Data source (printed under every table)", ("data", "source"), "Data source",
              study.data.source, placeholder="e.g. China Statistical Yearbook 2012-2023")
    with missing:
        choice("Missing values", MISSING, study.data.missing, ("data", "missing"), "Missing values")
    bound(st.checkbox, "Synthetic data (every table and figure says so)", ("data", "synthetic"), "Synthetic data",
          study.data.synthetic)


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
            raise UserError("every numeric column is already an indicator; upload data with more columns")
        first = {"column": free[0], "label": free[0], "direction": guess_direction(free[0])}
        data["indices"].append({"name": f"index{n}", "label": f"Index {n}",
                                "dimensions": [{"name": "Dimension 1", "indicators": [first]}]})
    button("Add an index", add, "Add index", icon=":material/add:")


def index_editor(k: int, index: Index, numeric: list[str]) -> None:
    where = f"Index {index.label or index.name}"
    name, label = st.columns([1, 2])
    key = widget_key("indices", k, "name")

    def rename(data: dict) -> None:  # the coupling and the equations follow the new name
        data.update(rename_index(data, k, st.session_state[key]))
    with name:
        st.text_input("Name (a variable in the equations)", index.name, key=key,
                      on_change=lambda: state.edit(rename, where) and state.replace_study(state.study()))
    with label:
        bound(st.text_input, "Label", ("indices", k, "label"), where, index.label)
    method, scope, zero, epsilon = st.columns([1.2, 1.4, 1.4, 1])
    with method:
        choice("Weighting", WEIGHTING, index.method, ("indices", k, "method"), where)
    with scope:
        choice("Normalise over", SCOPE, index.scope, ("indices", k, "scope"), where)
    with zero:
        choice("Zero handling", ZERO, index.zero_handling, ("indices", k, "zero_handling"), where,
               help="How a normalised value of 0 enters the entropy p ln p.")
    with epsilon:
        bound(st.number_input, "Epsilon", ("indices", k, "epsilon"), where, min_value=1e-8, max_value=0.49,
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
    return {"dimension": config.TextColumn("Dimension", required=True, width=140),
            "column": config.SelectboxColumn("Column", options=columns, required=True, width="medium"),
            "direction": config.SelectboxColumn("Direction", options=["+", "-"], required=True, width=80,
                                                help="+ benefit, - cost"),
            "label": config.TextColumn("Label", width="large"),
            "weight": config.NumberColumn("Weight (fixed)", min_value=0.0, format="%.4f", width=115)}


def add_indicators(k: int, index: Index, numeric: list[str]) -> None:
    """Add columns as indicators of one dimension, each with a direction guessed from its name."""
    used = {i.column for _, i in index.indicators}
    dimensions = [d.name for d in index.dimensions]
    pick, into, go = st.columns([3, 2, 1], vertical_alignment="bottom")
    chosen = pick.multiselect("Add columns as indicators", [c for c in numeric if c not in used],
                              key=widget_key("add", k),
                              placeholder="Choose columns; directions are guessed from their names")
    dimension = into.selectbox("to dimension", dimensions, key=widget_key("add_to", k), accept_new_options=True)

    def add(data: dict) -> None:
        target = next((d for d in data["indices"][k]["dimensions"] if d["name"] == dimension), None)
        if target is None:
            target = {"name": dimension, "indicators": []}
            data["indices"][k]["dimensions"].append(target)
        target["indicators"] += [{"column": c, "label": c, "direction": guess_direction(c)} for c in chosen]
    with go:
        button("Add", add, f"Index {index.name}", disabled=not chosen, key=widget_key("add_go", k))
    remove = f"Remove index {index.name}"
    button(remove, lambda d: remove_index(d, k), remove, icon=":material/delete:", type="tertiary",
           key=widget_key("remove", k))


CHAPTER_SECTIONS = {
    "spatial": "Spatial weights (contiguity from the province boundaries, or k nearest / inverse / economic distance)",
    "moran": "Global Moran's I of D by period",
    "lisa": "Local clusters (LISA) and Getis-Ord hot spots",
    "dagum": "Dagum Gini decomposition by group",
    "density": "Kernel density of D",
    "markov": "Markov chains over the coordination levels (spatial Markov with the weights)",
    "obstacle": "Obstacle degrees of the indicators",
    "development": "Relative development U1/U2",
}
NEEDS_WEIGHTS = ("moran", "lisa")


def chapter_section() -> None:
    """A switch per section of the spatial and distributional chapter; each starts with its defaults."""
    study = state.study()
    st.caption("Tables and figures after Tables 1-9, with a section of the manuscript. The study file holds every option.")
    for name, label in CHAPTER_SECTIONS.items():
        on = getattr(study, name) is not None

        def toggle(data: dict, name=name, on=on) -> None:
            if on:
                data.pop(name, None)
                if name == "spatial":  # what needs the weights goes with them
                    for user in NEEDS_WEIGHTS:
                        data.pop(user, None)
                    if data.get("markov"):
                        data["markov"] = {**data["markov"], "spatial": False}
            else:
                data[name] = {}
                if name in NEEDS_WEIGHTS and data.get("spatial") is None:
                    data["spatial"] = {}
                if name == "markov" and data.get("spatial") is None:
                    data["markov"] = {"spatial": False}
        st.toggle(label, on, key=widget_key("chapter_on", name),
                  on_change=lambda toggle=toggle: state.edit(toggle, "Spatial & distribution")
                  and state.replace_study(state.study()))
    if study.spatial is not None:
        choice("Spatial weights", ["queen", "rook", "knn", "inverse_distance"], study.spatial.kind, ("spatial", "kind"),
               "Spatial & distribution")
    if study.lisa is not None:
        choice("LISA: correction for multiple tests", ["none", "bonferroni", "fdr"], study.lisa.correction,
               ("lisa", "correction"), "Spatial & distribution")


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
    st.toggle("Coupling coordination of two indices (Tables 1, 5 and 6)", on, key=widget_key("coupling_on"),
              on_change=lambda: state.edit(toggle, "Coupling") and state.replace_study(state.study()),
              disabled=len(names) < 2 and not on)
    if not on:
        if len(names) < 2:
            st.caption("Needs two indices: add them in the Indices section.")
        return
    coupling = study.coupling
    first, second, weight = st.columns([1, 1, 1.2])
    with first:
        choice("U1", names, coupling.indices[0], ("coupling", "indices", 0), "Coupling")
    with second:
        choice("U2", names, coupling.indices[1], ("coupling", "indices", 1), "Coupling")
    with weight:
        a_key = widget_key("coupling", "a")
        def weights(data: dict) -> None:
            a = st.session_state[a_key]
            data["coupling"].update(a=a, b=round(1 - a, 10))
        st.slider("Weight a of U1 in T = a U1 + b U2 (b = 1 - a)", 0.0, 1.0, float(coupling.a), 0.05, key=a_key,
                  on_change=lambda: state.edit(weights, "Coupling"))
    formula, mode = st.columns(2)
    with formula:
        choice("Coupling degree C", FORMULAS, coupling.formula, ("coupling", "formula"), "Coupling", widget=st.radio)
    with mode:
        choice("Mode", MODES, coupling.mode, ("coupling", "mode"), "Coupling", widget=st.radio)
    if coupling.mode == "replication":
        low, high = st.columns(2)
        with low:
            bound(st.number_input, "Rescale period means from", ("coupling", "rescale", 0), "Coupling",
                  value=float(coupling.rescale[0]), format="%.2f", step=0.01)
        with high:
            bound(st.number_input, "to", ("coupling", "rescale", 1), "Coupling", value=float(coupling.rescale[1]),
                  format="%.2f", step=0.01)
    base = pd.DataFrame({"Level": range(1, 11), "D interval": [f"[{k / 10:.1f}, {(k + 1) / 10:.1f})" for k in range(10)],
                         "Type": list(coupling.levels)})
    with st.expander("Names of the ten coordination levels (Table 1)"):
        edited = editor("levels", base, disabled=["Level", "D interval"], width="stretch")
        if list(edited["Type"]) != list(base["Type"]):
            applied("levels", lambda d: d["coupling"].update(levels=[str(t or "").strip() for t in edited["Type"]]),
                    "Level names")
        if list(coupling.levels) != list(TABLE1_LEVELS):
            button("Restore the standard names", lambda d: d["coupling"].update(levels=list(TABLE1_LEVELS)), "Level names")


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
    st.toggle("Simultaneous equations (Tables 2, 3 and 7-9)", on, key=widget_key("model_on"),
              on_change=lambda: state.edit(toggle, "Equations") and state.replace_study(state.study()),
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
    button("Add an equation", add, "Add equation", icon=":material/add:")
    system_options(model, variables)


def _equation_revision(k: int) -> str:
    """Session key of equation k's own revision, moved on when either of its two views is applied."""
    return f"equation_rev.{k}"


def _write_equation(k: int, text_of) -> None:
    """Store equation k from its text or parts; on success the other view of the same equation starts afresh."""
    try:
        text = text_of()
    except UserError as e:
        st.session_state[state.EDIT_PROBLEMS] = [f"Equation {k + 1}: {p}" for p in e.problems]
        return
    if state.edit(lambda d: set_equation(d["model"], k, text), f"Equation {k + 1}"):
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
    head.markdown(f"**Equation {k + 1}**")
    formula.text_input("Formula", text, key=keys["text"], label_visibility="collapsed",
                       on_change=lambda: _write_equation(k, lambda: st.session_state[keys["text"]]),
                       help="dependent ~ regressor + ln(regressor) ...; add '- 1' to drop the intercept, "
                            "and 'name:' in front to name the equation.")
    options = variables + [v for v in [parts["dependent"], *parts["regressors"]] if v not in variables]
    dependent, regressors = st.columns([1, 3])
    dependent.selectbox("Dependent", options, options.index(parts["dependent"]), key=keys["dependent"], on_change=on_parts)
    regressors.multiselect("Regressors", [o for o in options if o != parts["dependent"]], parts["regressors"],
                           key=keys["regressors"], on_change=on_parts)
    terms = [parts["dependent"], *parts["regressors"]]
    st.pills("Take the natural log of (click to toggle ln)", terms, selection_mode="multi", default=parts["logged"],
             key=keys["logged"], on_change=on_parts, format_func=lambda c: f"ln({c})" if c in parts["logged"] else c)
    name, intercept, remove = st.columns([2, 1.2, 1], vertical_alignment="bottom")
    name.text_input("Equation name (optional)", parts["name"], key=keys["name"], on_change=on_parts,
                    placeholder=parts["dependent"])
    intercept.checkbox("Intercept", parts["intercept"], key=keys["intercept"], on_change=on_parts)
    with remove:
        button("Remove", lambda d: set_equation(d["model"], k, None), f"Equation {k + 1}", icon=":material/delete:",
               type="tertiary", key=widget_key("remove_equation", k), disabled=len(state.study().model.equations) == 1)


def system_options(model: Model, variables: list[str]) -> None:
    terms = [t for v in variables for t in (v, f"ln({v})")]
    regressors = list(dict.fromkeys(t.name for eq in model.parsed for t in eq.regressors))
    extra_endogenous, extra_exogenous = st.columns(2)
    with extra_endogenous:
        bound(st.multiselect, "Other endogenous regressors", ("model", "endogenous"), "Endogenous",
              sorted(set(terms) | set(model.endogenous)), default=model.endogenous,
              help="Regressors explained inside the system besides the dependents.")
    with extra_exogenous:
        bound(st.multiselect, "Additional instruments (exogenous)", ("model", "exogenous"), "Exogenous",
              sorted(set(terms) | set(model.exogenous)), default=model.exogenous,
              help="Exogenous variables outside every equation; as in reg3 they instrument all equations.")
    methods, covariance = st.columns([2, 1])
    with methods:
        bound(st.multiselect, "Methods (Table 7 columns)", ("model", "methods"), "Methods", list(METHOD_LABELS),
              default=model.methods, format_func=METHOD_LABELS.get,
              convert=lambda chosen: [m for m in METHOD_LABELS if m in chosen])
    with covariance:
        choice("Covariance", COVARIANCE, model.covariance, ("model", "covariance"), "Covariance")
    st.markdown("**Robustness (Table 8)**")
    drops = [d if isinstance(d, str) else " + ".join(d) for d in model.robustness]
    drop, method, instruments = st.columns([3, 1, 1.4])
    with drop:
        bound(st.multiselect, "Re-estimate without", ("model", "robustness"), "Robustness",
              list(dict.fromkeys(regressors + drops)), default=drops,
              convert=lambda chosen: [c.split(" + ") if " + " in c else c for c in chosen],
              help="One column of Table 8 per choice, each dropping that regressor.")
    with method:
        choice("Method", METHOD_LABELS, model.robustness_method, ("model", "robustness_method"), "Robustness")
    with instruments:
        choice("Dropped variable as instrument", {"drop": "Leaves the instruments", "keep": "Stays an instrument"},
               model.robustness_instruments, ("model", "robustness_instruments"), "Robustness")
    st.markdown("**Heterogeneity (Table 9)**")
    on, method = st.columns([3, 2.4], vertical_alignment="bottom")
    with on:
        bound(st.toggle, "Estimate the system in each group", ("model", "heterogeneity"), "Heterogeneity",
              model.heterogeneity, help="Needs the group column (Panel & data).")
    with method:
        choice("Method", METHOD_LABELS, model.heterogeneity_method, ("model", "heterogeneity_method"), "Heterogeneity")


def title_rows(study, references) -> pd.DataFrame:
    """One row per table: its number in the Report on screen (references; None before a run shows the table's id),
    its standard title and the study's own."""
    def number(table_id: str) -> str:
        return table_id if references is None else references.get(table_id, "not printed")

    return pd.DataFrame([{"Table": number(table_id), "Standard title": default, "Title": study.tables.titles.get(table_id, "")}
                         for table_id, default in DEFAULT_TITLES.items()])


def labels_section(references) -> None:
    study = state.study()
    names = [i.name for i in study.indices]
    if study.model:
        names += [t.column for eq in study.model.parsed for t in (eq.dependent, *eq.regressors)]
    names = list(dict.fromkeys(names + list(study.variables)))
    base = pd.DataFrame([{"Variable": n, "Label": study.variables[n].label if n in study.variables else "",
                          "Abbreviation": study.variables[n].abbreviation if n in study.variables else ""} for n in names],
                        columns=["Variable", "Label", "Abbreviation"])
    st.markdown("**Variable labels** (Tables 2 and 7-9 print the label; Table 2 the abbreviation)")
    edited = editor("labels", base, disabled=["Variable"], width="stretch")
    if not edited.fillna("").equals(base.fillna("")):
        applied("labels", lambda d: d.update(variables=_variables(edited)), "Labels")
    choice("Table 3 shows the variables", STATISTICS, study.tables.statistics, ("tables", "statistics"),
           "Table 3", widget=st.radio, horizontal=True)
    st.markdown("**Table titles** (leave blank for the standard title)")
    titles = title_rows(study, references)
    edited_titles = editor("titles", titles, disabled=["Table", "Standard title"], width="stretch")
    if not edited_titles.fillna("").equals(titles.fillna("")):
        chosen = {table_id: str(title).strip() for table_id, title in zip(DEFAULT_TITLES, edited_titles["Title"].fillna(""))
                  if str(title).strip()}
        applied("titles", lambda d: d["tables"].update(titles=chosen), "Table titles")


def _variables(rows: pd.DataFrame) -> dict:
    out = {}
    for row in rows.fillna("").to_dict(orient="records"):
        label, abbreviation = str(row["Label"]).strip(), str(row["Abbreviation"]).strip()
        if label or abbreviation:
            out[row["Variable"]] = {"label": label, "abbreviation": abbreviation}
    return out


def study_file_section() -> None:
    text = dumps(state.study())
    st.download_button("Save study file (.toml)", text, study_file_name(state.study().title), mime="application/toml",
                       icon=":material/download:", key="study_download_tab")
    st.caption("The study file holds every choice on this page; restore it from the sidebar to continue exactly here.")
    st.code(text, language="toml")


def render(result) -> None:
    frame = state.dataset().frame
    panel, indices, coupling, equations, chapter, labels, study_file = st.tabs(SECTIONS)
    with panel:
        panel_section(frame)
    with indices:
        indices_section(frame)
    with coupling:
        coupling_section()
    with equations:
        model_section(frame)
    with chapter:
        chapter_section()
    with labels:
        labels_section(state.run_report(result).references if result is not None else None)
    with study_file:
        study_file_section()
