"""run(study, panel) -> Results: the whole analysis, in the paper's order."""
from __future__ import annotations

from .coupling import couple
from .data import Panel
from .describe import describe, variable_roles
from .errors import Problem, UserError
from .estimation import ModelData, check_identification, diagnostics, estimate_system
from .indices import compute_index, yearly_means
from .results import ModelRun, Results
from .methods import METHODS
from .study import Study


def run(study: Study, panel: Panel, progress=None) -> Results:
    """Indices, coupling, descriptive statistics and every model the study asks for."""
    step = progress or (lambda message: None)
    keys = study.panel
    frame = panel.frame.copy()
    results = Results(
        data_source=study.data.source, synthetic=study.data.synthetic, panel_summary=panel.summary(),
        warnings=[str(p) for p in panel.problems], frame=frame)

    for index in study.indices:
        step(f"Index {index.name}")
        result = compute_index(frame, index, keys.time)
        results.indices[index.name] = result
        frame[index.name] = result.scores
        results.warnings += list(result.warnings)
    if study.indices and keys.time:
        results.index_means = yearly_means(frame, keys.time, [i.name for i in study.indices])

    if study.coupling:
        step("Coupling coordination")
        results.coupling = couple(frame, study.coupling, keys.entity, keys.time, keys.group, keys.group_order)

    if study.model:
        _estimate(study, frame, results, step)
    return results


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


def _estimate(study: Study, frame, results: Results, step) -> None:
    model, keys = study.model, study.panel
    equations = model.parsed
    check_identification(equations, model.endogenous, model.exogenous)
    _check_logged_indices(study, frame)
    roles = variable_roles(study)
    results.describe = describe(frame, [r.term for r in roles], study.tables.statistics)

    def fit(table, column, method, sample, data, eqs=equations, exogenous=model.exogenous, dropped=()):
        clusters = data.frame[keys.entity] if model.covariance == "clustered" else None
        try:
            system = estimate_system(data, eqs, method, model.endogenous, exogenous, model.covariance, clusters)
        except UserError as e:
            if table == "table7":
                raise
            return ModelRun(table, column, method, sample, tuple(dropped), error=str(e))
        return ModelRun(table, column, method, sample, tuple(dropped), fit=system)

    data = ModelData(frame)  # the model's columns computed once for every table
    for k, method in enumerate(model.methods, start=1):
        step(f"Table 7: {METHODS[method].label}")
        results.models.append(fit("table7", f"({k})", method, "All", data))
    step("Diagnostics")
    results.diagnostics = diagnostics(data, equations, model.endogenous, model.exogenous)

    regressors = {t.name for eq in equations for t in eq.regressors}
    first = len(model.methods) + 1
    for k, drop in enumerate(model.drops):
        unknown = [d for d in drop if d not in regressors]
        if unknown:
            raise UserError(Problem(f"drops {', '.join(unknown)}, which is not a regressor of any equation "
                                    f"(regressors: {', '.join(sorted(regressors))})", key=f"model.robustness[{k}]"))
        step(f"Table 8: without {', '.join(drop)}")
        exogenous = list(model.exogenous) + (list(drop) if model.robustness_instruments == "keep" else [])
        results.models.append(fit("table8", f"({first + k})", model.robustness_method, "All", data,
                                  [eq.without(set(drop)) for eq in equations], exogenous, drop))

    if model.heterogeneity:
        for group in group_names(frame, keys.group, keys.group_order):
            step(f"Table 9: {group}")
            sample = data.rows((frame[keys.group] == group).to_numpy())
            results.models.append(fit("table9", str(group), model.heterogeneity_method, str(group), sample))


def group_names(frame, group: str, order=()) -> list:
    """Groups in the study's order, then any others alphabetically."""
    present = list(dict.fromkeys(frame[group].dropna()))
    return [g for g in order if g in present] + sorted(g for g in present if g not in order)
