"""Tables 1-9 of the paper as neutral Table objects; every note states the choices behind the numbers."""
from __future__ import annotations

from dataclasses import replace

from .catalogue import words
from .chapter_tables import chapter_tables
from .describe import variable_roles
from .estimation import TestResult, critical_value
from .levels import level_names
from .methods import METHODS
from .names import Names
from .results import ModelRun, Results
from .study import TABLE_IDS, Study
from .table import Cell, Format, Group, Row, Span, Table, decimals_to_show
from .table_words import TableWords

DEFAULT_TITLES = {table_id: words("tables", "en")[f"title_{table_id}"] for table_id in TABLE_IDS}
HAUSMAN_IDENTITY = 1e-6  # relative difference below which the Hausman test and the system J are one number


def tables(results: Results, study: Study, fmt: Format | None = None) -> list[Table]:
    """Every table the study's sections allow, in the paper's order; the data source under the first."""
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
    return with_sources(built, results, study, first=True)


def extra_tables(results: Results, study: Study, fmt: Format | None = None) -> list[Table]:
    """Tables after the paper's nine: the model diagnostics, which the manuscript prints after Table 9, then the
    chapter's."""
    fmt = fmt or Format.from_settings(study.tables)
    diagnostics = [diagnostics_table(results, study, fmt.for_table("diagnostics"))] if results.diagnostics else []
    return with_sources(diagnostics + chapter_tables(results, study, fmt), results, study, first=False)


def with_sources(built: list[Table], results: Results, study: Study, *, first: bool) -> list[Table]:
    """The tables with their source lines: the data source under the first when first, and as the study asks."""
    say = TableWords.of(study)
    return [replace(t, notes=t.notes + say.source(results, study, first=first and k == 0)) for k, t in enumerate(built)]


def _text_cells(*texts: str) -> list[Cell]:
    return [Cell(t) for t in texts]


def coupling_note(results: Results, study: Study) -> str:
    """The method section's sentence after the typeset formulas: the tables' note, in words, not the formulas again."""
    return coupling_words(study)[0]


def coupling_words(study: Study) -> list[str]:
    """What a reader of Table 5 needs in words: which index is U1 and U2, and how the yearly values were formed."""
    say, coupling = TableWords.of(study), study.coupling
    u1, u2 = (study.label(name) for name in coupling.indices)
    notes = [say("u_names", u1=u1, u2=u2)]
    notes.append(say("by_entity") if coupling.mode == "entity" else
                 say("by_means", low=f"{coupling.rescale[0]:g}", high=f"{coupling.rescale[1]:g}"))
    notes += [say("wang2021")] if coupling.formula == "wang2021" else []
    notes += [say("t_weights", a=f"{coupling.a:g}", b=f"{coupling.b:g}")] if coupling.a != coupling.b else []
    return [say.sentences(*notes)]


def table1(study: Study) -> Table:
    """The ten coordination levels, left-closed intervals of width 0.1 with 1.0 in level 10."""
    say = TableWords.of(study)
    rows = []
    for k, label in enumerate(level_names(study)):
        low, high = k / 10, (k + 1) / 10
        interval = f"[{low:.1f}, {high:.1f}]" if k == 9 else f"[{low:.1f}, {high:.1f})"
        rows.append(Row(interval, [Cell(k + 1), Cell(label)]))
    return say.table(study, "table1", [[Span(say("level")), Span(say("type"))]], [Group("", rows)],
                  [say("table1_note")], stubhead=say("d_interval"), numeric=(False, False))


def table2(study: Study) -> Table:
    """Each model variable with its role, label and, where the study defines any, abbreviation."""
    say = TableWords.of(study)
    equations = study.model.parsed
    roles = variable_roles(study)
    abbreviations = {r.term.column: study.variables[r.term.column].abbreviation
                     for r in roles if r.term.column in study.variables}
    shown = any(abbreviations.values())
    groups: dict[str, list[Row]] = {}
    for role in roles:
        if role.role == "core":
            group = say("core_variables")
        elif role.role == "control":
            group = say("control_variables", equation=role.equation,
                        dependent=study.label(equations[role.equation - 1].dependent.column))
        elif role.role == "endogenous":
            group = say("other_endogenous")
        else:
            group = say("additional_instruments")
        column = role.term.column
        enters = say("enters_ln") if role.term.transform else say("enters_level")
        cells = [abbreviations.get(column, ""), enters] if shown else [enters]
        groups.setdefault(group, []).append(Row(study.label(column), _text_cells(*cells)))
    header = [Span(say("abbreviation")), Span(say("enters_as"))] if shown else [Span(say("enters_as"))]
    return say.table(study, "table2", [header], [Group(label, rows) for label, rows in groups.items()],
                  [say("table2_note")], stubhead=say("variable"), numeric=(False,) * len(header))


def table3(results: Results, study: Study, fmt: Format) -> Table:
    """N, mean, SD, min, max of every model variable."""
    say = TableWords.of(study)
    stats = results.describe
    names = Names.of(study, fmt)
    rows = []
    for record in stats.itertuples():
        cells = [fmt.count(record.N)] + [fmt.number(v) for v in (record.mean, record.sd, record.min, record.max)]
        rows.append(Row(names.term(record.term) if study.tables.statistics == "model" else names.column(record.column), cells))
    scale = say("in_model") if study.tables.statistics == "model" else say("in_levels")
    return say.table(study, "table3", [[Span(say(h)) for h in ("n", "mean", "sd", "min", "max")]],
                  [Group("", rows)], [scale, say("sd_note")], stubhead=say("variable"))


def index_words(study: Study) -> list[str]:
    """How the indices were weighted, in words: one note for the indices weighted alike."""
    say = TableWords.of(study)
    alike: dict[tuple, list[str]] = {}
    for index in study.indices:
        zero = ""
        if index.method == "entropy" and index.zero_handling == "shift":
            zero = say("zero_shift", epsilon=f"{index.epsilon:g}")
        elif index.method == "entropy" and index.zero_handling == "squeeze":
            zero = say("zero_squeeze", low=f"{index.epsilon:g}", high=f"{1 - index.epsilon:g}")
        alike.setdefault((index.method, index.scope, zero), []).append(index.label or index.name)
    return [say("index_note", index=say.join(names), method=say(f"method_{method}"), scope=say(f"scope_{scope}"), zero=zero)
            for (method, scope, zero), names in alike.items()]


def table4(results: Results, study: Study, fmt: Format) -> Table:
    """Indicator weights grouped by index and dimension, with dimension subtotals."""
    say = TableWords.of(study)
    groups = []
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
            rows.append(Row(say("subtotal", dimension=dimension.name), [Cell(""), Cell(""), fmt.number(part.sum())]))
        groups.append(Group(index.label or index.name, rows))
    notes = index_words(study) + [say("direction_note")]
    header = [[Span(say("dimension")), Span(say("direction")), Span(say("weight"))]]
    return say.table(study, "table4", header, groups, notes, stubhead=say("indicator"), numeric=(False, False, True))


def table5(results: Results, study: Study, fmt: Format) -> Table:
    """Yearly mean C, T, D and the level of the mean D."""
    say = TableWords.of(study)
    levels = level_names(study)
    rows = []
    for r in results.coupling.by_period.itertuples():
        rows.append(Row(str(r.period), [fmt.number(r.C), fmt.number(r.T), fmt.number(r.D), fmt.count(r.level),
                                        Cell(levels[int(r.level) - 1])]))
    header = [[Span(h) for h in ("C", "T", "D", say("level_number"), say("level_type"))]]
    return say.table(study, "table5", header, [Group("", rows)], coupling_words(study), stubhead=say.period(study),
                  numeric=(True, True, True, True, False))


def table6(results: Results, study: Study, fmt: Format) -> Table:
    """Mean D by year for all entities and for each group."""
    say = TableWords.of(study)
    by_group = results.coupling.by_group
    columns = [c for c in by_group.columns if c != "period"]
    rows = [Row(str(period), [fmt.number(r[c]) for c in columns])
            for period, r in by_group.set_index("period").iterrows()]
    names = Names.of(study, fmt)
    header = [Span(say("all") if c == "All" else names.value(study.panel.group, c)) for c in columns]
    notes = [say("table6_note", group=say.in_sentence(study.label(study.panel.group)))]
    return say.table(study, "table6", [header], [Group("", rows)], notes, stubhead=say.period(study))


def significance_words(study: Study, fmt: Format, runs: list[ModelRun]) -> str:
    """The stars and what the brackets hold, as the language's journals write it; t or z as the columns report."""
    say = TableWords.of(study)
    stars = say.stars(fmt)
    inference = f"inference_{fmt.inference}"
    if fmt.inference == "t":
        z_columns = list(dict.fromkeys(METHODS[r.method].label for r in runs if r.fit and r.fit.statistic == "z"))
        everywhere = len(z_columns) and all(r.fit.statistic == "z" for r in runs if r.fit)
        inference = "inference_z" if everywhere else "inference_tz" if z_columns else "inference_t"
        return say("significance", stars=stars, inference=say(inference, methods=say.join(z_columns)))
    return say("significance", stars=stars, inference=say(inference))


def _coefficient_table(table_id: str, runs: list[ModelRun], header, results: Results, study: Study,
                       fmt: Format, extra_notes: list[str]) -> Table:
    """Equation blocks of coefficients with standard errors (or t, p, or the 95% interval) below, R-squared per equation, N."""
    say = TableWords.of(study)
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
            zeros += _printed_as_zero(say, names.term(term), k + 1, coef, header[-1])
        r2 = [_equation(run, k) for run in runs]
        rows.append(Row(say("r2"), [fmt.number(e.r2) if e else Cell("") for e in r2], rule_above=True))
        groups.append(Group(say("equation_group", number=k + 1, dependent=names.term(eq.dependent)), rows))
    nobs = [fmt.count(run.fit.nobs) if run.fit else Cell(say("not_estimated")) for run in runs]
    groups.append(Group("", [Row(say("observations"), nobs, rule_above=True)]))
    for column, run in zip(header[-1], runs, strict=True):
        if run.problems:
            failures.append(say("failed", column=column.label, reason=run.reason(say.language)))
        elif not run.fit.converged:
            failures.append(say("not_converged", column=column.label, iterations=run.fit.iterations))
    notes = [significance_words(study, fmt, runs)] + _covariance_words(study, runs) + extra_notes + failures
    notes += [zero_words(study, fmt, table_id, zeros)] if zeros else []
    return say.table(study, table_id, header, groups, notes, numeric=(True,) * len(runs))


def _covariance_words(study: Study, runs: list[ModelRun]) -> list[str]:
    """A note for a covariance other than reg3's own (robust or clustered by entity)."""
    say = TableWords.of(study)
    kinds = dict.fromkeys(run.fit.covariance for run in runs if run.fit)
    return [say(f"covariance_{kind}", entity=say.in_sentence(study.label(study.panel.entity or "")))
            for kind in kinds if kind in ("robust", "clustered")]


def zero_words(study: Study, fmt: Format, table_id: str, coefficients: list[tuple[str, list[float]]]) -> str:
    """Why significant coefficients printed as zero are not zero, and the decimals that show them.

    coefficients: (which coefficient where, its values that print as zero).
    """
    say = TableWords.of(study)
    needed = max(decimals_to_show(v, fmt.decimals) for _, values in coefficients for v in values)
    decimals = say("decimals_one" if fmt.decimals == 1 else "decimals_many", count=fmt.decimals)
    return say("zero_note", decimals=decimals, zero=Cell(0.0, fmt.decimals).text, needed=needed, table=table_id,
               where=say("clauses").join(where for where, _ in coefficients))


def _printed_as_zero(say: TableWords, term: str, equation: int, cells: list[Cell], columns) -> list[tuple[str, list[float]]]:
    """The coefficient with the columns where it is significant yet prints as zero, and its values there."""
    zero = [(cell.value, span.label) for cell, span in zip(cells, columns, strict=True) if cell.stars and cell.rounds_to_zero]
    if not zero:
        return []
    where = say("zero_columns" if len(zero) > 1 else "zero_column", columns=say("comma").join(label for _, label in zero))
    return [(say("zero_where", term=term, equation=equation, columns=where), [value for value, _ in zero])]


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
    say = TableWords.of(study)
    runs = results.main
    single = [METHODS[r.method].label for r in runs if METHODS[r.method].small_sample]
    system = [METHODS[r.method].label for r in runs if not METHODS[r.method].small_sample]
    parts = ([say("single_equation", methods=say.join(dict.fromkeys(single)))] if single else []) + \
            ([say("system_estimation", methods=say.join(dict.fromkeys(system)))] if system else [])
    notes = [say("estimators", parts=say("clauses").join(parts))]
    header = _numbered([METHODS[r.method].label for r in runs], column_numbers(results)[0])
    return _coefficient_table("table7", runs, header, results, study, fmt, notes)


def table8(results: Results, study: Study, fmt: Format) -> Table:
    say = TableWords.of(study)
    runs = results.robustness
    model = study.model
    kept = say("dropped_stays") if model.robustness_instruments == "keep" else say("dropped_leaves")
    notes = [say.sentences(say("robustness_note", method=METHODS[model.robustness_method].label), kept)]
    names = Names.of(study, fmt)
    labels = [say("without", variables=say.join(names.term(d) for d in r.dropped)) for r in runs]
    return _coefficient_table("table8", runs, _numbered(labels, column_numbers(results)[1]), results, study, fmt, notes)


def table9(results: Results, study: Study, fmt: Format) -> Table:
    say = TableWords.of(study)
    runs = results.by_group
    group = study.panel.group
    names = Names.of(study, fmt)
    notes = [say("heterogeneity_note", method=METHODS[study.model.heterogeneity_method].label,
                 group=say.in_sentence(study.label(group)))]
    header = ((Span(study.label(group), len(runs)),), (*[Span(names.value(group, r.sample)) for r in runs],))
    return _coefficient_table("table9", runs, header, results, study, fmt, notes)


def _test_row(label: str, test: TestResult, fmt: Format) -> Row:
    df = f"{test.df}, {test.df_denom}" if test.df_denom is not None else str(test.df)
    return Row(label, [fmt.number(test.statistic), Cell(df), fmt.number(test.p_value)])


def hausman_is_system_sargan(d) -> bool:
    """Whether the Hausman test of 3SLS against 2SLS is, in these numbers, the system Hansen-Sargan test: with the
    same instruments in every equation the two are often algebraically one statistic, but not always."""
    h, j = d.hausman, d.system_sargan
    return (h.statistic is not None and j.statistic is not None and h.df == j.df
            and abs(h.statistic - j.statistic) <= HAUSMAN_IDENTITY * max(1.0, abs(j.statistic)))


def diagnostics_table(results: Results, study: Study, fmt: Format) -> Table:
    """First-stage F, Sargan and Hansen-Sargan, the Hausman test of 3SLS against 2SLS (once, where it is not the
    Hansen-Sargan test again), residual correlation."""
    say = TableWords.of(study)
    d = results.diagnostics
    names = Names.of(study, fmt)
    labels = {eq.name: names.term(eq.dependent) for eq in study.model.parsed}
    first = [_test_row(say("first_stage_row", equation=labels[f.equation], regressor=names.term(f.regressor)), f.test, fmt)
             for f in d.first_stage]
    sargan = [_test_row(labels[name], test, fmt) for name, test in d.sargan]
    sargan.append(_test_row(say("system_sargan"), d.system_sargan, fmt))
    equations, matrix = d.equations, d.residual_correlation
    pairs = [Row(say("pair", first=labels[equations[i]], second=labels[equations[j]]),
                 [fmt.number(matrix[i][j]), Cell(""), Cell("")])
             for i in range(len(equations)) for j in range(i + 1, len(equations))]
    pairs.append(_test_row(say("breusch_pagan"), d.breusch_pagan, fmt))
    groups = [Group(say("first_stage"), first), Group(say("sargan"), sargan)]
    notes = [say("diagnostics_note")]
    if hausman_is_system_sargan(d):
        notes.append(say("hausman_identity"))
    elif d.hausman.statistic is None:  # rank 0: the estimators coincide; else their covariance difference is indefinite
        notes.append(say("hausman_coincide" if d.hausman.df == 0 else "hausman_indefinite"))
    else:
        groups.append(Group(say("hausman"), [_test_row(say("chi_squared"), d.hausman, fmt)]))
        notes.append(say("hausman_note"))
    groups.append(Group(say("correlation"), pairs))
    header = [[Span(say("statistic")), Span(say("df")), Span(say("p_value"))]]
    return say.table(study, "diagnostics", header, groups, notes, stubhead=say("test"), numeric=(True, False, True))
