"""run(study, panel) -> Results: the whole analysis, in the paper's order."""
from __future__ import annotations

import pandas as pd

from .chapter import run_chapter
from .coupling import couple
from .data import Panel
from .describe import describe, variable_roles
from .errors import Problem, UserError
from .estimation import ModelData, check_identification, diagnostics, estimate_system
from .indices import IndexResult, compute_index, yearly_means
from .methods import METHODS
from .results import ModelRun, PanelSummary, Results
from .study import Study


def run(study: Study, panel: Panel, progress=None, boundary: bytes | None = None) -> Results:
    """Indices, coupling, the optional chapter, descriptive statistics and every model the study asks for.

    boundary: an uploaded GeoJSON for [spatial], instead of the file the study names."""
    step = progress or (lambda message: None)
    keys = study.panel
    results = Results(
        data_source=study.data.source, synthetic=study.data.synthetic, panel_summary=PanelSummary.of(panel.summary()),
        warnings=[str(p) for p in panel.problems])
    frame, results.indices = indexed(study, panel, step)
    for result in results.indices.values():
        results.warnings += list(result.warnings)
    if study.indices and keys.time:
        results.index_means = yearly_means(frame, keys.time, [i.name for i in study.indices])

    if study.coupling:
        step("Coupling coordination")
        results.coupling = couple(frame, study.coupling, keys.entity, keys.time, keys.group, keys.group_order)

    step("Spatial, inequality and dynamics chapter")
    results.chapter = run_chapter(study, frame, results.coupling, results.indices, boundary)
    if results.chapter:
        results.warnings += list(results.chapter.warnings)
        results.warnings += [f"{section} not computed: {'; '.join(reasons)}"
                             for section, reasons in results.chapter.problems.items()]

    if study.model:
        _estimate(study, frame, results, step)
    return results


def indexed(study: Study, panel: Panel, progress=None) -> tuple[pd.DataFrame, dict[str, IndexResult]]:
    """The panel's rows with every index of the study added as a column (the model's data), and the indices."""
    step = progress or (lambda message: None)
    frame, indices = panel.frame.copy(), {}
    for index in study.indices:
        step(f"Index {index.name}")
        indices[index.name] = compute_index(frame, index, study.panel.time)
        frame[index.name] = indices[index.name].scores
    return frame, indices


def _check_logged_indices(study: Study, frame) -> None:
    """ln() of a computed index fails where the index is 0 (its minimum, by construction): say where and why."""
    keys, names = study.panel, {i.name for i in study.indices}
    problems = []
    for term in {t for eq in study.model.parsed for t in (eq.dependent, *eq.regressors)}:
        if term.transform == "ln" and term.column in names:
            bad = frame[frame[term.column] <= 0]
            for _, row in bad.head(3).iterrows():
                problems.append(Problem(
                    f"{term.name} is undefined: the index {term.column} is {row[term.column]:g} here (min-max "
                    "normalisation puts the weakest observation at 0); use the index without ln()",
                    column=term.column, entity=row[keys.entity] if keys.entity else None,
                    period=row[keys.time] if keys.time else None))
    if problems:
        raise UserError(problems)


def _instrumented(model) -> bool:
    """Whether any estimator the study runs needs instruments (reg3, ols accepts an unidentified system)."""
    methods = set(model.methods) | ({model.robustness_method} if model.drops else set())
    return bool(methods | ({model.heterogeneity_method} if model.heterogeneity else set()) - {"ols"})


def _estimate(study: Study, frame, results: Results, step) -> None:
    model, keys = study.model, study.panel
    equations = model.parsed
    if _instrumented(model):
        check_identification(equations, model.endogenous, model.exogenous)
    _check_logged_indices(study, frame)
    roles = variable_roles(study)
    results.describe = describe(frame, [r.term for r in roles], study.tables.statistics)

    def fit(method, data, eqs=equations, exogenous=model.exogenous, sample=None, dropped=()) -> ModelRun:
        clusters = data.frame[keys.entity] if model.covariance == "clustered" else None
        try:
            system = estimate_system(data, eqs, method, model.endogenous, exogenous, model.covariance, clusters)
        except UserError as e:
            return ModelRun(method, sample, tuple(dropped), error=str(e))
        return ModelRun(method, sample, tuple(dropped), fit=system)

    data = ModelData(frame)  # the model's columns computed once for every run
    for method in model.methods:
        step(f"Main estimates: {METHODS[method].label}")
        results.main.append(fit(method, data))
    if results.main and not any(run.fit for run in results.main):
        raise UserError([f"{METHODS[run.method].label}: {run.error}" for run in results.main])
    if "ols" not in model.methods or len(model.methods) > 1:
        step("Diagnostics")
        try:
            results.diagnostics = diagnostics(data, equations, model.endogenous, model.exogenous)
        except UserError as e:
            results.warnings.append(f"diagnostics not computed: {e}")

    for drop in model.drops:
        step(f"Robustness: without {', '.join(drop)}")
        exogenous = list(model.exogenous) + (list(drop) if model.robustness_instruments == "keep" else [])
        results.robustness.append(fit(model.robustness_method, data, [eq.without(set(drop)) for eq in equations],
                                      exogenous, dropped=drop))

    if model.heterogeneity:
        for group in group_names(frame, keys.group, keys.group_order):
            step(f"By group: {group}")
            sample = data.rows((frame[keys.group] == group).to_numpy())
            results.by_group.append(fit(model.heterogeneity_method, sample, sample=group))


def group_names(frame, group: str, order=()) -> list:
    """Groups in the study's order, then any others alphabetically."""
    present = list(dict.fromkeys(frame[group].dropna()))
    return [g for g in order if g in present] + sorted(g for g in present if g not in order)
