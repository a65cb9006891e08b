"""Simultaneous-equation systems estimated as Stata's ``reg3`` does.

reg3's rules: every dependent is endogenous, plus the variables declared endogenous; every
other variable of the system is exogenous, plus those declared exogenous; every equation is
instrumented by all exogenous variables of the system and the constant. The data are built
from parsed ``Equation``/``Term`` objects, never through a formula interface, checked here
(rows, values, collinearity, identification) and estimated by ``linear_system``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .catalogue import words
from .errors import Problem, Reasons, UserError, Word
from .formula import Term, parse_term
from .linear_system import Layout, LinearSystem, SingularSigma, first_dependent_column
from .methods import METHOD_NAMES, METHODS

COVARIANCES = ("unadjusted", "robust", "clustered")
CONSTANT = "_cons"
# Eigenvalues of the Hausman covariance difference, scaled to a unit diagonal of V(2SLS), below this count as zero.
RANK_TOLERANCE = 1e-8

_SMALL_TEXT = {
    True: "residual variances divide by n - k of each equation; t statistics, p-values from t(M*n - K) "
          "with M equations and K coefficients in all",
    False: "residual covariance divides by n; z statistics with normal p-values",
}
_COVARIANCE_TEXT = {
    "unadjusted": "",
    "robust": "; heteroskedasticity-robust covariance, with the factor n/(n - k) for ols and 2sls as Stata's "
              "vce(robust) (reg3 itself offers no robust covariance)",
    "clustered": "; covariance clustered by entity with the factor G/(G - 1), and (n - 1)/(n - k) for ols and 2sls, "
                 "as Stata's vce(cluster) (reg3 itself offers no clustered covariance)",
}


@dataclass(frozen=True)
class TestResult:
    """A test statistic with its degrees of freedom and p-value; None where there is nothing to test (reason says
    why)."""

    statistic: float | None
    df: int
    p_value: float | None
    reason: str = ""  # why there is nothing to test: a message id of locales/messages.toml
    df_denom: int | None = None  # the second degrees of freedom of an F test

    def note(self, language: str = "en") -> str:
        """Why there is nothing to test, in the language; empty for a test that was made."""
        return words("messages", language)[self.reason] if self.reason else ""


@dataclass(frozen=True)
class FirstStage:
    """Strength of the excluded instruments for one endogenous regressor of one equation (2SLS first stage)."""

    equation: str
    regressor: str
    test: TestResult  # F with df (excluded instruments) and df_denom
    partial_r2: float | None


@dataclass(frozen=True)
class Diagnostics:
    """Instrument strength, overidentification, 3SLS against 2SLS, residual correlation; unadjusted covariances."""

    first_stage: tuple[FirstStage, ...]
    sargan: tuple[tuple[str, TestResult], ...]  # (equation name, test), in equation order
    system_sargan: TestResult
    hausman: TestResult
    hausman_covariance: str  # how the covariance difference is formed
    equations: tuple[str, ...]
    residual_correlation: tuple[tuple[float, ...], ...]  # of the 2SLS residuals, in equation order
    breusch_pagan: TestResult


@dataclass(frozen=True)
class TermEstimate:
    term: str
    label: str
    estimate: float
    std_error: float
    statistic: float
    p_value: float


@dataclass(frozen=True)
class EquationFit:
    name: str
    dependent: str
    nobs: int
    r2: float
    rmse: float
    terms: tuple[TermEstimate, ...]


@dataclass(frozen=True)
class SystemFit:
    method: str
    covariance: str
    small_sample: bool
    statistic: str
    nobs: int
    equations: tuple[EquationFit, ...]
    residual_correlation: tuple[tuple[float, ...], ...]  # rows and columns in equation order
    iterations: int | None
    convention: str
    converged: bool = True  # False: iterated 3SLS stopped before converging; the last iterate is shown
    note: str = ""  # why it stopped, as a table note says it


def _terms(items, where: str) -> list[Term]:
    return [t if isinstance(t, Term) else parse_term(t, where) for t in items]


def model_variables(equations, endogenous=(), exogenous=()) -> tuple[list[Term], list[Term]]:
    """(endogenous, exogenous) terms by reg3's rules, each in order of first appearance."""
    declared_endog, declared_exog = _terms(endogenous, "model.endogenous"), _terms(exogenous, "model.exogenous")
    used = {t for eq in equations for t in (eq.dependent, *eq.regressors)}
    problems = [Problem.of("declared_endogenous_unused", key="model.endogenous", term=t.name)
                for t in declared_endog if t not in used]
    endog = list(dict.fromkeys([eq.dependent for eq in equations] + declared_endog))
    problems += [Problem.of("declared_exogenous_endogenous", key="model.exogenous", term=t.name)
                 for t in declared_exog if t in endog]
    if problems:
        raise UserError(problems)
    appearing = [t for eq in equations for t in eq.regressors if t not in endog]
    return endog, list(dict.fromkeys(appearing + declared_exog))


def check_identification(equations, endogenous=(), exogenous=()) -> None:
    """Order condition per equation: as many excluded exogenous variables as endogenous regressors."""
    endog, exog = model_variables(equations, endogenous, exogenous)
    problems = []
    for k, eq in enumerate(equations):
        rhs_endog = [t.name for t in eq.regressors if t in endog]
        excluded = [t.name for t in exog if t not in eq.regressors] + ([] if eq.intercept else [CONSTANT])
        if len(rhs_endog) > len(excluded):
            problems.append(Problem.of(
                "order_condition", key=f"model.equations[{k}]", equation=eq.name, count=len(rhs_endog),
                regressors=tuple(rhs_endog), available=len(excluded),
                excluded=tuple(excluded) if excluded else Word("no_variables")))
    if problems:
        raise UserError(problems)


def term_values(frame: pd.DataFrame, term: Term) -> pd.Series:
    """The column, or its natural log, as floats; a UserError for anything that cannot enter a model."""
    return pd.Series(_values(frame, term), index=frame.index, name=term.name)


def _values(frame: pd.DataFrame, term: Term) -> np.ndarray:
    if term.column not in frame.columns:
        raise UserError(Problem.of("model_column_missing", column=term.column, term=term.name))
    column = frame[term.column]
    if not pd.api.types.is_numeric_dtype(column):
        raise UserError(Problem.of("model_variable_not_numeric", column=term.column, term=term.name))
    values = column.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values)
    if term.transform == "ln":
        bad |= values <= 0
    if bad.any():
        positions = np.flatnonzero(bad)
        row = _excel_row(frame, positions[0])
        raise UserError(Problem.of("model_values_not_positive" if term.transform else "model_values_missing",
                                   column=term.column, row=row, term=term.name, count=len(positions), first=row))
    return np.log(values) if term.transform == "ln" else values


def _excel_row(frame: pd.DataFrame, position: int) -> int:
    """The row as the user sees it in Excel, the header being row 1.

    A frame read from a file carries its Excel rows as index; a frame with integer labels (a panel's
    0-based rows, or a subsample of them) is numbered label + 2; any other frame by position.
    """
    from .data import ROW
    label = frame.index[position]
    if frame.index.name == ROW:
        return int(label)
    return int(label) + 2 if isinstance(label, (int, np.integer)) else int(position) + 2


class ModelData:
    """A frame's model variables as numbers: each term's column checked and computed once, and compressed
    once for every system estimated on these rows (the factor R of ``linear_system``); ``rows`` selects a
    subsample without recomputing the columns. ``estimate_system`` and ``diagnostics`` take it in place of
    the frame."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self._values: dict[str, np.ndarray] = {}
        self._compressed: tuple[list[str], np.ndarray, np.ndarray] | None = None

    def values(self, term: Term) -> np.ndarray:
        if term.name not in self._values:
            self._values[term.name] = _values(self.frame, term)
        return self._values[term.name]

    def rows(self, mask) -> ModelData:
        """The same variables on the rows where mask is true."""
        mask = np.asarray(mask, dtype=bool)
        subsample = ModelData(self.frame[mask])
        subsample._values = {name: values[mask] for name, values in self._values.items()}
        return subsample

    def compressed(self, terms: list[Term]) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(column names, data, R) holding at least these terms and the constant, factorised once for them all."""
        names = [t.name for t in terms]
        if self._compressed is None or not set(names) <= set(self._compressed[0]):
            names = list(dict.fromkeys((self._compressed[0][:-1] if self._compressed else []) + names))
            data = np.empty((len(self.frame), len(names) + 1), order="F")
            for j, name in enumerate(names):
                data[:, j] = self._values[name]
            data[:, -1] = 1.0
            self._values |= {name: data[:, j] for j, name in enumerate(names)}  # views: the columns stored once
            self._compressed = (names + [CONSTANT], data, np.linalg.qr(data, mode="r"))
        return self._compressed


@dataclass(frozen=True)
class _Equation:
    name: str
    dependent: Term
    coefficients: tuple[str, ...]  # in reg3 order: regressors, then _cons
    labels: tuple[str, ...]
    endogenous: tuple[str, ...]  # regressors that are instrumented
    intercept: bool


@dataclass(frozen=True)
class _Design:
    """A system on one sample: the checked data, compressed once, and what reg3 needs to print the results."""

    system: LinearSystem
    equations: tuple[_Equation, ...]
    columns: tuple[str, ...]  # names of the data's columns

    def column(self, name: str) -> int:
        return self.columns.index(name)


def _design(source: ModelData, equations, endogenous, exogenous, instrumented: bool) -> _Design:
    """Values, row count, collinearity and identification checked in that order, on the compressed data."""
    if instrumented:
        check_identification(equations, endogenous, exogenous)
    endog, exog = model_variables(equations, endogenous, exogenous)
    terms = [eq.dependent for eq in equations] + [t for eq in equations for t in eq.regressors]
    terms = list(dict.fromkeys(terms + (exog if instrumented else [])))
    for t in terms:
        source.values(t)
    _check_rows(len(source.frame), equations, len(exog) + 1 if instrumented else 0)
    for eq in equations:
        _check_dependent(eq, source.values(eq.dependent))
    columns, data, r = source.compressed(terms)
    instruments = tuple(columns.index(t.name) for t in exog if instrumented) + (columns.index(CONSTANT),)
    endog_names = {t.name for t in endog} if instrumented else set()
    specs = tuple(_Equation(eq.name, eq.dependent,
                            tuple(t.name for t in eq.regressors) + ((CONSTANT,) if eq.intercept else ()),
                            tuple(t.label for t in eq.regressors) + ((CONSTANT,) if eq.intercept else ()),
                            tuple(t.name for t in eq.regressors if t.name in endog_names), eq.intercept)
                  for eq in equations)
    layout = Layout(tuple(eq.name for eq in specs), tuple(columns.index(eq.dependent.name) for eq in specs),
                    tuple(tuple(columns.index(c) for c in eq.coefficients) for eq in specs),
                    tuple(bool(eq.endogenous) for eq in specs), instruments, columns.index(CONSTANT))
    system = LinearSystem(data, r, layout)
    _check_collinearity(system, specs, columns, instrumented)
    return _Design(system, specs, tuple(columns))


def _check_rows(nobs: int, equations, instruments: int) -> None:
    """reg3 refuses a sample with no more rows than instruments, or than coefficients of an equation."""
    sizes = {eq.name: len(eq.regressors) + eq.intercept for eq in equations}
    largest = max(sizes, key=sizes.get)
    if nobs > max(instruments, sizes[largest]):
        return
    rows = {"count": nobs, "rows": Word("rows_one" if nobs == 1 else "rows_many")}
    if instruments >= sizes[largest]:
        raise UserError(Problem.of("too_few_rows_for_instruments", instruments=instruments, **rows))
    raise UserError(Problem.of("too_few_rows_for_coefficients", coefficients=sizes[largest], equation=largest, **rows))


def _check_dependent(eq, y: np.ndarray) -> None:
    """A constant dependent leaves nothing to explain (and R² would divide by zero)."""
    if y.max() == y.min():
        raise UserError(Problem.of("dependent_constant", column=eq.dependent.column, equation=eq.name,
                                   dependent=eq.dependent.name, value=float(y[0])))


def _check_collinearity(system: LinearSystem, specs, columns: list[str], instrumented: bool) -> None:
    """Perfect collinearity among the instruments or an equation's regressors, then the rank condition."""
    nobs, layout = system.nobs, system.layout

    def first(cols) -> str | None:
        order = sorted(cols, key=lambda c: c != layout.constant)  # the constant first: the others are compared to it
        found = first_dependent_column(system.r[:, order], nobs)
        return None if found is None else columns[order[found]]

    for k, (eq, cols) in enumerate(zip(specs, layout.regressors)):
        if not cols:
            raise UserError(Problem.of("equation_without_regressors", key=f"model.equations[{k}]", equation=eq.name))
        collinear = first(list(cols))
        if collinear:
            raise UserError(Problem.of("regressor_collinear", key=f"model.equations[{k}]", equation=eq.name,
                                       term=collinear))
    if instrumented:
        collinear = first(list(layout.instruments))
        if collinear:
            raise UserError(Problem.of("exogenous_collinear", key="model.exogenous", term=collinear))
    for k, (eq, cols, x, xhat, inst) in enumerate(zip(specs, layout.regressors, system.x, system.xhat,
                                                      layout.instrumented)):
        if not inst:
            continue
        order = sorted(range(len(cols)), key=lambda j: cols[j] != layout.constant)
        found = first_dependent_column(xhat[:, order], nobs, reference=x[:, order])
        if found is not None:
            raise UserError(Problem.of("rank_condition", key=f"model.equations[{k}]", equation=eq.name,
                                       term=columns[cols[order[found]]]))


def _clusters(frame: pd.DataFrame, covariance: str, clusters: pd.Series | None) -> np.ndarray | None:
    if covariance != "clustered":
        return None
    if clusters is None:
        raise UserError(Problem.of("clusters_need_entity", key="panel.entity"))
    aligned = clusters.reindex(frame.index)
    if aligned.isna().any():
        raise UserError(Problem.of("clusters_entity_missing", column=clusters.name))
    codes, uniques = pd.factorize(aligned)
    if len(uniques) < 2:  # the sample has rows: _check_rows refused an empty one
        raise UserError(Problem.of("clusters_too_few", column=clusters.name, entity=uniques[0]))
    return codes


def _p_values(statistics: np.ndarray, df: int | None) -> np.ndarray:
    """Two-sided p-values from t(df), or from the normal distribution when df is None."""
    from scipy.special import ndtr, stdtr
    tail = ndtr(-np.abs(statistics)) if df is None else stdtr(df, -np.abs(statistics))
    return 2 * tail


def critical_value(fit: SystemFit, level: float = 0.95) -> float:
    """The two-sided quantile of the distribution the fit's p-values come from: t(M·n − K) for t, normal for z."""
    from scipy.special import ndtri, stdtrit
    tail = (1 + level) / 2
    if fit.statistic == "z":
        return float(ndtri(tail))
    return float(stdtrit(sum(eq.nobs - len(eq.terms) for eq in fit.equations), tail))


def estimate_system(frame: pd.DataFrame | ModelData, equations, method, endogenous=(), exogenous=(), covariance="unadjusted",
                    clusters: pd.Series | None = None) -> SystemFit:
    """Estimate the system by ols, 2sls, 3sls or i3sls with reg3's instruments and small-sample conventions."""
    if method not in METHODS:
        raise UserError(Problem.of("unknown_method", key="model.methods", method=method, methods=METHOD_NAMES))
    if covariance not in COVARIANCES:
        raise UserError(Problem.of("unknown_covariance", key="model.covariance", covariance=covariance,
                                   covariances=COVARIANCES))
    source = frame if isinstance(frame, ModelData) else ModelData(frame)
    design = _design(source, equations, endogenous, exogenous, instrumented=method != "ols")
    groups = _clusters(source.frame, covariance, clusters)
    small = METHODS[method].small_sample
    try:
        estimate = design.system.fit(gls=method in ("3sls", "i3sls"), iterate=method == "i3sls",
                                     covariance=covariance, small=small, clusters=groups)
    except SingularSigma as e:
        raise UserError(Problem.of("cannot_weight_equations", method=METHODS[method].label,
                                   reason=Reasons((e.problem,)))) from None
    nobs, sizes = design.system.nobs, design.system.sizes
    std_errors = np.sqrt(np.diag(estimate.cov))
    statistics = estimate.params / std_errors
    p_values = _p_values(statistics, len(sizes) * nobs - int(sizes.sum()) if small else None)
    fits = []
    for i, (eq, start) in enumerate(zip(design.equations, np.cumsum(sizes) - sizes)):
        k, rss = sizes[i], float(estimate.resid_cross[i, i])
        terms = tuple(TermEstimate(name, label, *(float(v[start + j]) for v in (estimate.params, std_errors,
                                                                                  statistics, p_values)))
                      for j, (name, label) in enumerate(zip(eq.coefficients, eq.labels)))
        fits.append(EquationFit(eq.name, eq.dependent.name, nobs, _r2(design, i, rss),
                                float(np.sqrt(rss / (nobs - k if small else nobs))), terms))
    note = ""
    if not estimate.converged:
        note = (f"Iterated 3SLS did not converge ({estimate.stopped}); the estimates are those of its last "
                f"iteration, {estimate.iterations}, as Stata's reg3 shows them after 'convergence not achieved'.")
    return SystemFit(method, covariance, small, "t" if small else "z", nobs, tuple(fits),
                     _correlation(estimate.resid_cross, estimate.resid_mean, nobs), estimate.iterations,
                     f"{METHODS[method].description}: {_SMALL_TEXT[small]}{_COVARIANCE_TEXT[covariance]}.",
                     estimate.converged, note)


def _r2(design: _Design, i: int, rss: float) -> float:
    """1 - RSS/TSS from structural residuals; TSS about the mean with an intercept, uncentred without (as regress)."""
    y = design.system.data[:, design.system.layout.dependents[i]]
    tss = float(((y - y.mean()) ** 2).sum()) if design.equations[i].intercept else float(y @ y)
    return 1.0 - rss / tss


def _correlation(cross: np.ndarray, mean: np.ndarray, nobs: int) -> tuple[tuple[float, ...], ...]:
    """Correlation of the residuals about their means, from u'u and the means."""
    cov = cross / nobs - np.outer(mean, mean)
    sd = np.sqrt(np.diag(cov))
    return tuple(tuple(float(v) for v in row) for row in cov / np.outer(sd, sd))


def _number(value) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def _test(statistic, df, p_value, reason: str = "", df_denom: int | None = None) -> TestResult:
    return TestResult(_number(statistic), int(df), _number(p_value), reason, df_denom)


def _chi2_test(statistic: float, df: int) -> TestResult:
    from scipy.special import chdtrc
    return _test(statistic, df, chdtrc(df, statistic))


def _single_equation_tests(design: _Design, two_sls: np.ndarray) -> tuple[list, list]:
    """First-stage F and partial R² per endogenous regressor, and Sargan's test, per equation (2SLS, n - k)."""
    from scipy.special import fdtrc
    system = design.system
    nobs, instruments = system.nobs, len(system.layout.instruments)
    sargan_statistics = system.sargan(two_sls)
    first_stage, sargan = [], []
    for i, eq in enumerate(design.equations):
        if not eq.endogenous:
            continue
        exogenous = [design.column(c) for c in eq.coefficients if c not in eq.endogenous]
        full, restricted = system.first_stage([design.column(c) for c in eq.endogenous], exogenous)
        excluded, df_denom = instruments - len(exogenous), nobs - instruments
        f = (restricted - full) / excluded / (full / df_denom)
        for regressor, statistic, partial in zip(eq.endogenous, f, 1 - full / restricted):
            first_stage.append(FirstStage(eq.name, regressor, _test(statistic, excluded, fdtrc(excluded, df_denom, statistic),
                                                                    df_denom=df_denom), _number(partial)))
        over = instruments - len(eq.coefficients)
        sargan.append((eq.name, _chi2_test(sargan_statistics[i], over) if over > 0 else
                       _test(np.nan, 0, np.nan, "test_exactly_identified")))
    return first_stage, sargan


HAUSMAN_COVARIANCE = (
    "V(2SLS) - V(3SLS), both with the cross-equation covariance of the 2SLS residuals (divisor n) and the full "
    "cross-equation blocks of V(2SLS), which makes the difference positive semi-definite; generalised inverse, "
    "df = its rank")


def _hausman(two, three) -> TestResult:
    """Hausman test of 3SLS (efficient) against 2SLS (consistent if one equation is misspecified)."""
    # Scaled to unit diagonal of V(2SLS) so that the rank does not depend on the units of the regressors.
    scale = 1 / np.sqrt(np.diag(two.cov))
    difference = (two.params - three.params) * scale
    covariance = (two.cov - three.cov) * np.outer(scale, scale)
    eigenvalues, vectors = np.linalg.eigh(covariance)
    kept = eigenvalues > RANK_TOLERANCE
    rank = int(kept.sum())
    if eigenvalues.min() < -RANK_TOLERANCE:
        return _test(np.nan, rank, np.nan, "test_covariance_indefinite")
    if rank == 0:
        return _test(np.nan, 0, np.nan, "test_estimators_coincide")
    projected = vectors[:, kept].T @ difference  # generalised inverse over the kept eigenvectors
    return _chi2_test(float(projected @ (projected / eigenvalues[kept])), rank)


def _system_sargan(design: _Design, two, three) -> TestResult:
    """Hansen–Sargan J of system GMM with homoskedastic weighting, whose second step is 3SLS: its criterion."""
    system = design.system
    df = len(system.sizes) * len(system.layout.instruments) - int(system.sizes.sum())
    if df == 0:
        return _test(np.nan, 0, np.nan, "test_every_equation_exact")
    return _chi2_test(system.gls_criterion(three.params, system.sigma(two.params, small=False)), df)


def diagnostics(frame: pd.DataFrame | ModelData, equations, endogenous=(), exogenous=()) -> Diagnostics:
    """Instrument strength, overidentification, 3SLS-vs-2SLS Hausman and residual correlation (unadjusted)."""
    source = frame if isinstance(frame, ModelData) else ModelData(frame)
    design = _design(source, equations, endogenous, exogenous, instrumented=True)
    system = design.system
    two = system.fit(gls=False, iterate=False, covariance="unadjusted", small=False)
    try:
        three = system.fit(gls=True, iterate=False, covariance="unadjusted", small=False)
    except SingularSigma as e:
        raise UserError(Problem.of("diagnostics_cannot_weight", reason=Reasons((e.problem,)))) from None
    first_stage, sargan = _single_equation_tests(design, two.params)
    names = tuple(eq.name for eq in design.equations)
    correlation = _correlation(two.resid_cross, two.resid_mean, system.nobs)
    pairs = np.array(correlation)[np.triu_indices(len(names), k=1)]
    breusch_pagan = float(system.nobs * (pairs ** 2).sum())
    return Diagnostics(tuple(first_stage), tuple(sargan), _system_sargan(design, two, three), _hausman(two, three),
                       HAUSMAN_COVARIANCE, names, correlation,
                       _chi2_test(breusch_pagan, len(pairs)) if len(pairs) else _test(breusch_pagan, 0, np.nan))
