"""run(study, panel) -> Results: the whole analysis, in the paper's order."""
from __future__ import annotations

import pandas as pd

from .chapter import run_chapter
from .coupling import couple
from .data import Panel
from .describe import describe, variable_roles
from .errors import Problem, Reasons, UserError
from .estimation import ModelData, check_identification, diagnostics, estimate_system
from .indices import IndexResult, compute_index, yearly_means
from .methods import METHODS
from .results import ModelRun, PanelSummary, Results
from .study import Study


def run(study: Study, panel: Panel, progress=None, boundary: bytes | None = None) -> Results:
    """Indices, coupling, the optional chapter, descriptive statistics and every model the study asks for.

    progress(step, **fields) is told each step as it starts: an app word (locales/app.toml) and its fields.
    boundary: an uploaded GeoJSON for [spatial], instead of the file the study names."""
    step = progress or (lambda name, **fields: None)
    keys = study.panel
    results = Results(
        data_source=study.data.source, synthetic=study.data.synthetic, panel_summary=PanelSummary.of(panel.summary()),
        warnings=list(panel.problems))
    frame, results.indices = indexed(study, panel, step)
    for result in results.indices.values():
        results.warnings += list(result.warnings)
    if study.indices and keys.time:
        results.index_means = yearly_means(frame, keys.time, [i.name for i in study.indices])

    if study.coupling:
        step("step_coupling")
        results.coupling = couple(frame, study.coupling, keys.entity, keys.time, keys.group, keys.group_order)

    step("step_chapter")
    results.chapter = run_chapter(study, frame, results.coupling, results.indices, boundary)
    if results.chapter:
        results.warnings += results.chapter.warnings
        results.warnings += [Problem.of("section_not_computed", severity="warning", section=section,
                                        reasons=Reasons(reasons))
                             for section, reasons in results.chapter.problems.items()]

    if study.model:
        _estimate(study, frame, results, step)
    return results


def indexed(study: Study, panel: Panel, progress=None) -> tuple[pd.DataFrame, dict[str, IndexResult]]:
    """The panel's rows with every index of the study added as a column (the model's data), and the indices."""
    step = progress or (lambda name, **fields: None)
    frame, indices = panel.frame.copy(), {}
    for index in study.indices:
        step("step_index", index=index.name)
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
                problems.append(Problem.of(
                    "log_of_index_not_positive", column=term.column, entity=row[keys.entity] if keys.entity else None,
                    period=row[keys.time] if keys.time else None, term=term.name, index=term.column,
                    value=float(row[term.column])))
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
            return ModelRun(method, sample, tuple(dropped), problems=Reasons(e.problems))
        return ModelRun(method, sample, tuple(dropped), fit=system)

    data = ModelData(frame)  # the model's columns computed once for every run
    for method in model.methods:
        step("step_main", method=METHODS[method].label)
        results.main.append(fit(method, data))
    if results.main and not any(run.fit for run in results.main):
        raise UserError([Problem.of("method_failed", method=METHODS[run.method].label, reasons=run.problems)
                         for run in results.main])
    if "ols" not in model.methods or len(model.methods) > 1:
        step("step_diagnostics")
        try:
            results.diagnostics = diagnostics(data, equations, model.endogenous, model.exogenous)
        except UserError as e:
            results.warnings.append(Problem.of("diagnostics_not_computed", severity="warning",
                                               reasons=Reasons(e.problems)))

    for number, drop in enumerate(model.drops, 1):
        step("step_robustness", number=number, count=len(model.drops))
        exogenous = list(model.exogenous) + (list(drop) if model.robustness_instruments == "keep" else [])
        results.robustness.append(fit(model.robustness_method, data, [eq.without(set(drop)) for eq in equations],
                                      exogenous, dropped=drop))

    if model.heterogeneity:
        for group in group_names(frame, keys.group, keys.group_order):
            step("step_group", group=group)
            sample = data.rows((frame[keys.group] == group).to_numpy())
            results.by_group.append(fit(model.heterogeneity_method, sample, sample=group))


def group_names(frame, group: str, order=()) -> list:
    """Groups in the study's order, then any others alphabetically."""
    present = list(dict.fromkeys(frame[group].dropna()))
    return [g for g in order if g in present] + sorted(g for g in present if g not in order)
