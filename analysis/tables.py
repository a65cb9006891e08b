"""Tables 1-9 of the paper as neutral Table objects; every note states the choices behind the numbers."""
from __future__ import annotations

from .chapter_tables import chapter_tables
from .describe import variable_roles
from .estimation import TestResult, critical_value
from .methods import METHODS
from .names import Names
from .results import ModelRun, Results
from .study import Study
from .table import Cell, Format, Group, Row, Span, Table

DEFAULT_TITLES = {
    "table1": "Classification of coupling coordination types",
    "table2": "Description of variables",
    "table3": "Descriptive statistics",
    "table4": "Indicator system and weights",
    "table5": "Coupling coordination by year",
    "table6": "Mean coupling coordination degree by year and region",
    "table7": "Results of the simultaneous equations",
    "table8": "Robustness tests",
    "table9": "Heterogeneity by region",
    "diagnostics": "Diagnostics of the simultaneous equations",
}


def tables(results: Results, study: Study, fmt: Format | None = None) -> list[Table]:
    """Every table the study's sections allow, in the paper's order."""
    fmt = fmt or Format.from_settings(study.tables)
    built = []
    if study.coupling:
        built.append(table1(study))
    if study.model:
        built += [table2(study), table3(results, study, fmt.for_table("table3"))]
    if study.indices:
        built.append(table4(results, study, fmt.for_table("table4")))
    if results.coupling:
        built.append(table5(results, study, fmt.for_table("table5")))
        if results.coupling.by_group is not None:
            built.append(table6(results, study, fmt.for_table("table6")))
    for table_id, runs, builder in (("table7", results.main, table7), ("table8", results.robustness, table8),
                                    ("table9", results.by_group, table9)):
        if runs:
            built.append(builder(results, study, fmt.for_table(table_id)))
    return built


def extra_tables(results: Results, study: Study, fmt: Format | None = None) -> list[Table]:
    """Tables after the paper's nine: the model diagnostics, which the manuscript prints after Table 9, then the
    chapter's."""
    fmt = fmt or Format.from_settings(study.tables)
    diagnostics = [diagnostics_table(results, study, fmt.for_table("diagnostics"))] if results.diagnostics else []
    return diagnostics + chapter_tables(results, study, fmt)


def _title(study: Study, table_id: str) -> str:
    return study.title_of(table_id, DEFAULT_TITLES[table_id])


def _text_cells(*texts: str) -> list[Cell]:
    return [Cell(t) for t in texts]


def coupling_note(results: Results, study: Study) -> str:
    """How C, T and D were computed, with U1 and U2 named by their labels."""
    u1, u2 = (study.label(name) for name in study.coupling.indices)
    return f"U1 is {u1}, U2 is {u2}. {results.coupling.convention}"


def table1(study: Study) -> Table:
    """The ten coordination levels, left-closed intervals of width 0.1 with 1.0 in level 10."""
    rows = []
    for k, label in enumerate(study.coupling.levels):
        low, high = k / 10, (k + 1) / 10
        interval = f"[{low:.1f}, {high:.1f}]" if k == 9 else f"[{low:.1f}, {high:.1f})"
        rows.append(Row(interval, [Cell(k + 1), Cell(label)]))
    notes = ["Intervals are closed on the left and open on the right; D = 1.0 belongs to level 10."]
    return Table("table1", _title(study, "table1"), [[Span("Coordination level"), Span("Coordination type")]],
                 [Group("", rows)], notes, stubhead="D interval", numeric=(False, False))


def table2(study: Study) -> Table:
    """Each model variable with its role, label and, where the study defines any, abbreviation."""
    equations = study.model.parsed
    roles = variable_roles(study)
    abbreviations = {r.term.column: study.variables[r.term.column].abbreviation
                     for r in roles if r.term.column in study.variables}
    shown = any(abbreviations.values())
    groups: dict[str, list[Row]] = {}
    for role in roles:
        if role.role == "core":
            group = "Core variables"
        elif role.role == "control":
            group = f"Control variables, Equation {role.equation} ({study.label(equations[role.equation - 1].dependent.column)})"
        elif role.role == "endogenous":
            group = "Other endogenous variables"
        else:
            group = "Additional instruments"
        column = role.term.column
        enters = "ln" if role.term.transform else "level"
        cells = [abbreviations.get(column, ""), enters] if shown else [enters]
        groups.setdefault(group, []).append(Row(study.label(column), _text_cells(*cells)))
    notes = ["Core variables are the dependents of the equations and are endogenous; controls are exogenous and, "
             "as in Stata's reg3, every exogenous variable of the system instruments every equation."]
    header = [Span("Abbreviation"), Span("Enters as")] if shown else [Span("Enters as")]
    return Table("table2", _title(study, "table2"), [header], [Group(label, rows) for label, rows in groups.items()],
                 notes, stubhead="Variable", numeric=(False,) * len(header))


def table3(results: Results, study: Study, fmt: Format) -> Table:
    """N, mean, SD, min, max of every model variable."""
    stats = results.describe
    names = Names.of(study, fmt)
    rows = []
    for record in stats.itertuples():
        cells = [fmt.count(record.N)] + [fmt.number(v) for v in (record.mean, record.sd, record.min, record.max)]
        rows.append(Row(names.term(record.term) if study.tables.statistics == "model" else names.column(record.column), cells))
    scale = ("Variables are shown as they enter the model, after taking natural logs where the equations use ln()."
             if study.tables.statistics == "model" else "Variables are shown in levels, before any logarithm.")
    notes = [scale, "SD is the sample standard deviation (divisor N - 1)."] + results.source_notes()
    return Table("table3", _title(study, "table3"), [[Span(h) for h in ("N", "Mean", "SD", "Min", "Max")]],
                 [Group("", rows)], notes, stubhead="Variable")


def table4(results: Results, study: Study, fmt: Format) -> Table:
    """Indicator weights grouped by index and dimension, with dimension subtotals."""
    groups, notes = [], []
    for index in study.indices:
        result = results.indices[index.name]
        weights = result.weights
        if "period" in weights.columns:
            weights = weights.groupby(["dimension", "column"], sort=False, as_index=False)["weight"].mean()
        rows = []
        for dimension in index.dimensions:
            part = weights[weights["dimension"] == dimension.name].set_index("column")["weight"]
            for k, indicator in enumerate(dimension.indicators):
                rows.append(Row(indicator.label or indicator.column,
                                [Cell(dimension.name if k == 0 else ""), Cell(indicator.direction),
                                 fmt.number(part[indicator.column])]))
            rows.append(Row(f"Subtotal, {dimension.name}", [Cell(""), Cell(""), fmt.number(part.sum())]))
        groups.append(Group(index.label or index.name, rows))
        notes.append(f"{index.label or index.name}: {result.convention}")
    notes.append("Direction + marks a benefit indicator, - a cost indicator.")
    return Table("table4", _title(study, "table4"), [[Span("Dimension"), Span("Direction"), Span("Weight")]],
                 groups, notes + results.source_notes(), stubhead="Indicator", numeric=(False, False, True))


def table5(results: Results, study: Study, fmt: Format) -> Table:
    """Yearly mean C, T, D and the level of the mean D."""
    rows = []
    for r in results.coupling.by_period.itertuples():
        rows.append(Row(str(r.period), [fmt.number(r.C), fmt.number(r.T), fmt.number(r.D), fmt.count(r.level),
                                        Cell(r.level_label)]))
    notes = [coupling_note(results, study)] + results.source_notes()
    return Table("table5", _title(study, "table5"), [[Span(h) for h in ("C", "T", "D", "Level", "Type")]],
                 [Group("", rows)], notes, stubhead=study.label(study.panel.time), numeric=(True, True, True, True, False))


def table6(results: Results, study: Study, fmt: Format) -> Table:
    """Mean D by year for all entities and for each group."""
    by_group = results.coupling.by_group
    columns = [c for c in by_group.columns if c != "period"]
    rows = [Row(str(period), [fmt.number(r[c]) for c in columns])
            for period, r in by_group.set_index("period").iterrows()]
    notes = [coupling_note(results, study)] + results.source_notes()
    names = Names.of(study, fmt)
    header = [Span(c if c == "All" else names.value(study.panel.group, c)) for c in columns]
    return Table("table6", _title(study, "table6"), [header], [Group("", rows)], notes,
                 stubhead=study.label(study.panel.time))


def _coefficient_table(table_id: str, runs: list[ModelRun], header, results: Results, study: Study,
                       fmt: Format, extra_notes: list[str]) -> Table:
    """Equation blocks of coefficients with standard errors (or t, p, or the 95% interval) below, R-squared per equation, N."""
    names = Names.of(study, fmt)
    groups, failures, zeros = [], [], []
    for k, eq in enumerate(study.model.parsed):
        rows = []
        for term in _term_order(eq, runs, k):
            coef, below = [], []
            for run in runs:
                est = _find(run, k, term)
                coef.append(fmt.number(est.estimate, p_value=est.p_value) if est else Cell(""))
                below.append(fmt.inference_cell(est, critical_value(run.fit)) if est else Cell(""))
            rows += [Row(names.term(term), coef), Row("", below)]
            zeros += _printed_as_zero(f"{names.term(term)} in Equation {k + 1}", coef, header[-1])
        r2 = [_equation(run, k) for run in runs]
        rows.append(Row("R-squared", [fmt.number(e.r2) if e else Cell("") for e in r2], rule_above=True))
        groups.append(Group(f"Equation {k + 1}: {names.term(eq.dependent)}", rows))
    nobs = [fmt.count(run.fit.nobs) if run.fit else Cell("not estimated") for run in runs]
    groups.append(Group("", [Row("N", nobs, rule_above=True)]))
    for column, run in zip(header[-1], runs):
        if run.error:
            failures.append(f"{column.label}: not estimated: {run.error}")
        elif run.fit.note:
            failures.append(f"{column.label}: {run.fit.note}")
    fits = [run.fit for run in runs if run.fit]
    conventions = list(dict.fromkeys(f.convention for f in fits))
    notes = [fmt.inference_legend() + " " + fmt.star_legend()] + conventions + extra_notes + failures
    notes += [fmt.zero_note(table_id, zeros)] if zeros else []
    notes += results.source_notes()
    return Table(table_id, _title(study, table_id), header, groups, notes, numeric=(True,) * len(runs))


def _printed_as_zero(coefficient: str, cells: list[Cell], columns) -> list[tuple[str, list[float]]]:
    """The coefficient with the columns where it is significant yet prints as zero, and its values there."""
    zero = [(cell.value, span.label) for cell, span in zip(cells, columns) if cell.stars and cell.rounds_to_zero]
    if not zero:
        return []
    where = f"{'columns' if len(zero) > 1 else 'column'} {', '.join(label for _, label in zero)}"
    return [(f"{coefficient}, {where}", [value for value, _ in zero])]


def _term_order(eq, runs: list[ModelRun], k: int) -> list[str]:
    """The equation's regressors as written, then any only some columns have, then the intercept last."""
    order = [t.name for t in eq.regressors]
    for run in runs:
        fit = _equation(run, k)
        order += [t.term for t in fit.terms if t.term != "_cons" and t.term not in order] if fit else []
    if any(_find(run, k, "_cons") for run in runs):
        order.append("_cons")
    return order


def _equation(run: ModelRun, k: int):
    return run.fit.equations[k] if run.fit else None


def _find(run: ModelRun, k: int, term: str):
    eq = _equation(run, k)
    return next((t for t in eq.terms if t.term == term), None) if eq else None


def column_numbers(results: Results) -> tuple[list[str], list[str]]:
    """The printed column numbers of the main estimates and of the robustness runs, which continue them."""
    main = [f"({k})" for k in range(1, len(results.main) + 1)]
    return main, [f"({k})" for k in range(len(main) + 1, len(main) + len(results.robustness) + 1)]


def _numbered(labels: list[str], numbers: list[str]) -> tuple[tuple[Span, ...], ...]:
    return ((*[Span(label) for label in labels],), (*[Span(number) for number in numbers],))


def table7(results: Results, study: Study, fmt: Format) -> Table:
    runs = results.main
    notes = ["Every dependent variable is endogenous and every exogenous variable of the system instruments each equation, as in Stata's reg3."]
    header = _numbered([METHODS[r.method].label for r in runs], column_numbers(results)[0])
    return _coefficient_table("table7", runs, header, results, study, fmt, notes)


def table8(results: Results, study: Study, fmt: Format) -> Table:
    runs = results.robustness
    model = study.model
    kept = ("The dropped variable stays in the instrument set." if model.robustness_instruments == "keep"
            else "The dropped variable also leaves the instrument set, as when reg3 is run on the reduced system.")
    notes = [f"Each column re-estimates the system by {METHODS[model.robustness_method].label} without one variable. {kept}"]
    names = Names.of(study, fmt)
    labels = [f"Without {', '.join(names.term(d) for d in r.dropped)}" for r in runs]
    return _coefficient_table("table8", runs, _numbered(labels, column_numbers(results)[1]), results, study, fmt, notes)


def table9(results: Results, study: Study, fmt: Format) -> Table:
    runs = results.by_group
    group = study.panel.group
    names = Names.of(study, fmt)
    notes = [f"Each column estimates the system by {METHODS[study.model.heterogeneity_method].label} on the entities of one "
             f"{study.label(group).lower()}."]
    header = ((Span(study.label(group), len(runs)),), (*[Span(names.value(group, r.sample)) for r in runs],))
    return _coefficient_table("table9", runs, header, results, study, fmt, notes)


def _test_row(label: str, test: TestResult, fmt: Format) -> Row:
    df = f"{test.df}, {test.df_denom}" if test.df_denom is not None else str(test.df)
    return Row(label, [fmt.number(test.statistic), Cell(df), fmt.number(test.p_value)])


def diagnostics_table(results: Results, study: Study, fmt: Format) -> Table:
    """First-stage F, Sargan and Hansen-Sargan, the Hausman test of 3SLS against 2SLS, residual correlation."""
    d = results.diagnostics
    names = Names.of(study, fmt)
    labels = {eq.name: names.term(eq.dependent) for eq in study.model.parsed}
    first = [_test_row(f"{labels[f.equation]}: {names.term(f.regressor)}", f.test, fmt) for f in d.first_stage]
    sargan = [_test_row(labels[name], test, fmt) for name, test in d.sargan]
    sargan.append(_test_row("System (Hansen-Sargan)", d.system_sargan, fmt))
    equations, matrix = d.equations, d.residual_correlation
    pairs = [Row(f"{labels[equations[i]]}, {labels[equations[j]]}", [fmt.number(matrix[i][j]), Cell(""), Cell("")])
             for i in range(len(equations)) for j in range(i + 1, len(equations))]
    pairs.append(_test_row("Breusch-Pagan test of independence", d.breusch_pagan, fmt))
    groups = [Group("First stage: F test of the excluded instruments", first),
              Group("Overidentifying restrictions (Sargan)", sargan),
              Group("Hausman test, 3SLS against 2SLS", [_test_row("chi-squared", d.hausman, fmt)]),
              Group("Cross-equation correlation of the 2SLS residuals", pairs)]
    notes = [f"All tests use unadjusted (homoskedastic) covariances. Hausman test: {d.hausman_covariance}."]
    if d.hausman.note:
        notes.append(f"Hausman test: {d.hausman.note}.")
    notes += results.source_notes()
    return Table("diagnostics", _title(study, "diagnostics"), [[Span("Statistic"), Span("df"), Span("p-value")]],
                 groups, notes, stubhead="Test", numeric=(True, False, True))
