"""Simultaneous-equation systems estimated as Stata's ``reg3`` does, on top of linearmodels.

reg3's rules: every dependent is endogenous, plus the variables declared endogenous; every
other variable of the system is exogenous, plus those declared exogenous; every equation is
instrumented by all exogenous variables of the system and the constant. Design matrices are
built from parsed ``Equation``/``Term`` objects, never through a formula interface.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from linearmodels.iv import IV2SLS
from linearmodels.system import IV3SLS, IVSystemGMM
from scipy import stats

from .errors import Problem, UserError
from .formula import Equation, Term, parse_term
from .methods import METHOD_NAMES, METHODS

COVARIANCES = ("unadjusted", "robust", "clustered")
CONSTANT = "_cons"
ITERATION_LIMIT = 1000
# Iterated 3SLS stops when the root mean square change of the coefficients falls below this fraction of the
# root mean square of the 3SLS coefficients (floating-point noise is about 1e-12 of it).
ITERATION_TOLERANCE = 1e-9
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
    """A test statistic with its degrees of freedom and p-value; None where there is nothing to test (note says why)."""

    statistic: float | None
    df: int
    p_value: float | None
    note: str = ""
    df_denom: int | None = None  # the second degrees of freedom of an F test


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


def _terms(items, where: str) -> list[Term]:
    return [t if isinstance(t, Term) else parse_term(t, where) for t in items]


def model_variables(equations, endogenous=(), exogenous=()) -> tuple[list[Term], list[Term]]:
    """(endogenous, exogenous) terms by reg3's rules, each in order of first appearance."""
    declared_endog, declared_exog = _terms(endogenous, "model.endogenous"), _terms(exogenous, "model.exogenous")
    used = {t for eq in equations for t in (eq.dependent, *eq.regressors)}
    problems = [Problem(f"{t.name} is declared endogenous but appears in no equation", key="model.endogenous")
                for t in declared_endog if t not in used]
    endog = list(dict.fromkeys([eq.dependent for eq in equations] + declared_endog))
    problems += [Problem(f"{t.name} is declared exogenous but is endogenous (a dependent or declared endogenous)",
                         key="model.exogenous") for t in declared_exog if t in endog]
    if problems:
        raise UserError(problems)
    appearing = [t for eq in equations for t in eq.regressors if t not in endog]
    return endog, list(dict.fromkeys(appearing + declared_exog))


def check_identification(equations, endogenous=(), exogenous=()) -> None:
    """Order condition per equation: as many excluded exogenous variables as endogenous regressors."""
    endog, exog = model_variables(equations, endogenous, exogenous)
    problems = []
    for eq in equations:
        rhs_endog = [t.name for t in eq.regressors if t in endog]
        excluded = [t.name for t in exog if t not in eq.regressors] + ([] if eq.intercept else [CONSTANT])
        if len(rhs_endog) > len(excluded):
            problems.append(Problem(
                f"equation '{eq.name}' is not identified (order condition): {len(rhs_endog)} endogenous "
                f"regressor(s) ({', '.join(rhs_endog)}) but only {len(excluded)} exogenous variable(s) of the "
                f"system left out of it ({', '.join(excluded) or 'none'}); declare more exogenous variables "
                f"or drop an endogenous regressor", key="model.equations"))
    if problems:
        raise UserError(problems)


def term_values(frame: pd.DataFrame, term: Term) -> pd.Series:
    """The column, or its natural log, as floats; a UserError for anything that cannot enter a model."""
    if term.column not in frame.columns:
        raise UserError(Problem(f"the model uses {term.name}, but the data has no such column", column=term.column))
    column = frame[term.column]
    if not pd.api.types.is_numeric_dtype(column):
        raise UserError(Problem("a model variable must be numeric", column=term.column))
    values = column.astype(float)
    bad = ~np.isfinite(values)
    if term.transform == "ln":
        bad |= values <= 0
    if bad.any():
        rows = list(frame.index[bad.to_numpy()])
        what = "missing or non-positive values under ln()" if term.transform else "missing or infinite values"
        raise UserError(Problem(f"{term.name} has {len(rows)} {what} (first at index {rows[0]!r})",
                                column=term.column, row=rows[0] if isinstance(rows[0], (int, np.integer)) else None))
    out = np.log(values) if term.transform == "ln" else values
    return out.rename(term.name)


def _matrix(frame: pd.DataFrame, terms, constant: bool) -> pd.DataFrame:
    columns = {t.name: term_values(frame, t) for t in terms}
    if constant:
        columns[CONSTANT] = pd.Series(1.0, index=frame.index)
    return pd.DataFrame(columns, index=frame.index)


def _first_collinear(matrix: pd.DataFrame, reference: pd.DataFrame | None = None) -> str | None:
    """The first column that is a linear combination of the columns before it (the constant counted first).

    Columns are scaled by their norms in ``reference`` (default: the matrix itself), so that a fitted column
    that lost almost all of its variation counts as zero.
    """
    order = sorted(matrix.columns, key=lambda c: c != CONSTANT)
    values = matrix[order].to_numpy()
    norms = np.linalg.norm((matrix if reference is None else reference)[order].to_numpy(), axis=0)
    scaled = values / np.where(norms > 0, norms, 1.0)
    if np.linalg.matrix_rank(scaled) == values.shape[1]:
        return None
    for j in range(values.shape[1]):
        if np.linalg.matrix_rank(scaled[:, : j + 1]) <= j:
            return order[j]
    return None


@dataclass(frozen=True)
class _Design:
    """Per-equation matrices for linearmodels plus what reg3 needs to read the results back."""

    equations: dict
    regressors: dict  # equation name -> coefficient names in reg3 order (regressors, then _cons)


def _design(frame: pd.DataFrame, equations, endogenous, exogenous, instrumented: bool) -> _Design:
    if instrumented:
        check_identification(equations, endogenous, exogenous)
    endog, exog = model_variables(equations, endogenous, exogenous)
    regressors = {eq.name: _regressors(frame, eq) for eq in equations}
    instruments = _matrix(frame, exog, constant=True)
    needed = max([instruments.shape[1] if instrumented else 0] + [x.shape[1] + 1 for x in regressors.values()])
    if len(frame) < needed:
        raise UserError(f"too few observations: {len(frame)} rows, and the system needs more than {needed - 1} "
                        f"({instruments.shape[1]} instruments with the constant; the largest equation has "
                        f"{max(x.shape[1] for x in regressors.values())} coefficients)")
    collinear = _first_collinear(instruments)
    if instrumented and collinear:
        raise UserError(Problem(f"the exogenous variables of the system are perfectly collinear: {collinear} is a "
                                "linear combination of the others and the constant", key="model.exogenous"))
    endog_names = {t.name for t in endog} if instrumented else set()
    out = {}
    for eq in equations:
        x = regressors[eq.name]
        is_endog = x.columns.isin(endog_names)
        out[eq.name] = {"dependent": _dependent(frame, eq), "exog": None if is_endog.all() else x.loc[:, ~is_endog]}
        if is_endog.any():
            _check_rank_condition(eq.name, x, instruments)
            out[eq.name] |= {"endog": x.loc[:, is_endog],
                             "instruments": instruments.drop(columns=x.columns.intersection(instruments.columns))}
    return _Design(out, {name: list(x.columns) for name, x in regressors.items()})


def _regressors(frame: pd.DataFrame, eq: Equation) -> pd.DataFrame:
    """The equation's regressors in reg3 order (the constant last), checked for perfect collinearity."""
    x = _matrix(frame, eq.regressors, eq.intercept)
    collinear = _first_collinear(x)
    if x.shape[1] == 0 or collinear:
        what = (f"{collinear} is a linear combination of the other regressors and the intercept" if collinear
                else "it has no regressors")
        raise UserError(Problem(f"equation '{eq.name}' cannot be estimated: {what}", key="model.equations"))
    return x


def _dependent(frame: pd.DataFrame, eq: Equation) -> pd.Series:
    """The dependent's values; a constant one leaves nothing to explain (and R² would divide by zero)."""
    y = term_values(frame, eq.dependent)
    if y.max() == y.min():
        raise UserError(Problem(f"equation '{eq.name}' cannot be estimated: its dependent {eq.dependent.name} takes "
                                f"the value {y.iloc[0]:g} in every row", column=eq.dependent.column))
    return y


def _check_rank_condition(name: str, x: pd.DataFrame, instruments: pd.DataFrame) -> None:
    z = instruments.to_numpy()
    fitted = pd.DataFrame(z @ np.linalg.lstsq(z, x.to_numpy(), rcond=None)[0], columns=x.columns, index=x.index)
    collinear = _first_collinear(fitted, reference=x)
    if collinear:
        raise UserError(Problem(f"equation '{name}' is not identified in this sample (rank condition): the exogenous "
                                f"variables do not move {collinear} apart from the other regressors",
                                key="model.equations"))


def _fit(design: _Design, method: str, covariance: str, clusters: pd.Series | None = None):
    config = {"debiased": METHODS[method].small_sample}
    if covariance == "clustered":
        config |= {"clusters": clusters.to_numpy(), "group_debias": True}
    model = IV3SLS(design.equations)
    if method in ("ols", "2sls"):
        return model.fit(method="ols", cov_type=covariance, **config)
    three = model.fit(method="gls", cov_type=covariance, **config)
    if method == "3sls":
        return three
    tolerance = ITERATION_TOLERANCE * max(1.0, float(np.sqrt(np.mean(three.params ** 2))))
    return model.fit(method="gls", cov_type=covariance, iterate=True, iter_limit=ITERATION_LIMIT, tol=tolerance,
                     **config)


def _clusters(frame: pd.DataFrame, covariance: str, clusters: pd.Series | None) -> pd.Series | None:
    if covariance != "clustered":
        return None
    if clusters is None:
        raise UserError(Problem("clustered covariance needs the entity of every row (panel.entity)", key="panel.entity"))
    aligned = clusters.reindex(frame.index)
    if aligned.isna().any():
        raise UserError(Problem("some rows have no entity for the clustered covariance", column=clusters.name))
    return pd.Series(pd.factorize(aligned)[0], index=frame.index)


def _r2(y: pd.Series, resid: pd.Series, intercept: bool) -> float:
    """1 - RSS/TSS from structural residuals; TSS about the mean with an intercept, uncentred without (as regress)."""
    tss = float(((y - y.mean()) ** 2).sum()) if intercept else float((y ** 2).sum())
    return 1.0 - float((resid ** 2).sum()) / tss


def estimate_system(frame, equations, method, endogenous=(), exogenous=(), covariance="unadjusted",
                    clusters: pd.Series | None = None) -> SystemFit:
    """Estimate the system by ols, 2sls, 3sls or i3sls with reg3's instruments and small-sample conventions."""
    if method not in METHODS:
        raise UserError(Problem(f"unknown method {method!r}; choose one of {', '.join(METHOD_NAMES)}", key="model.methods"))
    if covariance not in COVARIANCES:
        raise UserError(Problem(f"unknown covariance {covariance!r}; choose one of {', '.join(COVARIANCES)}",
                                key="model.covariance"))
    groups = _clusters(frame, covariance, clusters)
    design = _design(frame, equations, endogenous, exogenous, instrumented=method != "ols")
    result = _fit(design, method, covariance, groups)
    if method == "i3sls" and result.iterations >= ITERATION_LIMIT:
        raise UserError(f"iterated 3SLS did not converge in {ITERATION_LIMIT} iterations")
    small = METHODS[method].small_sample
    # System-level values carry reg3's p-values (t(M*n - K)); linearmodels recomputes them on every access.
    columns = [result.params, result.std_errors, result.tstats, result.pvalues]
    fits, offset = [], 0
    for eq in equations:
        names = design.regressors[eq.name]
        # linearmodels orders an equation's coefficients exogenous first; "label_name" keys could be ambiguous
        local = result.equations[eq.name].params.index
        position = {n: offset + i for i, n in enumerate(local)}
        offset += len(local)
        labels = {t.name: t.label for t in eq.regressors} | {CONSTANT: CONSTANT}
        y, resid = design.equations[eq.name]["dependent"], result.resids[eq.name]
        k = len(names)
        terms = tuple(TermEstimate(n, labels[n], *(float(c.iloc[position[n]]) for c in columns)) for n in names)
        rss = float((resid ** 2).sum())
        fits.append(EquationFit(eq.name, eq.dependent.name, len(y), _r2(y, resid, eq.intercept),
                                float(np.sqrt(rss / (len(y) - k if small else len(y)))), terms))
    correlation = result.resids[[eq.name for eq in equations]].corr().to_numpy()
    return SystemFit(method, covariance, small, "t" if small else "z", len(frame), tuple(fits),
                     tuple(tuple(float(v) for v in row) for row in correlation),
                     int(result.iterations) if method == "i3sls" else None,
                     f"{METHODS[method].description}: {_SMALL_TEXT[small]}{_COVARIANCE_TEXT[covariance]}.")


def _number(value) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def _test(statistic, df, p_value, note: str = "", df_denom: int | None = None) -> TestResult:
    return TestResult(_number(statistic), int(df), _number(p_value), note, df_denom)


def _single_equation_tests(design: _Design) -> tuple[list, list]:
    """First-stage F and partial R² per endogenous regressor, and Sargan's test, per equation (2SLS, n - k)."""
    first_stage, sargan = [], []
    for name, spec in design.equations.items():
        if "endog" not in spec:
            continue
        fit = IV2SLS(spec["dependent"], spec["exog"], spec["endog"], spec["instruments"]).fit(
            cov_type="unadjusted", debiased=True)
        table = fit.first_stage.diagnostics
        excluded = spec["instruments"].shape[1]
        df_denom = int(fit.nobs) - excluded - (0 if spec["exog"] is None else spec["exog"].shape[1])
        for regressor, row in table.iterrows():
            first_stage.append(FirstStage(name, regressor, _test(row["f.stat"], excluded, row["f.pval"], df_denom=df_denom),
                                          _number(row["partial.rsquared"])))
        over = excluded - spec["endog"].shape[1]
        test = fit.sargan
        sargan.append((name, _test(test.stat, test.df, test.pval) if over > 0 else
                       _test(np.nan, 0, np.nan, note="exactly identified: nothing to test")))
    return first_stage, sargan


HAUSMAN_COVARIANCE = (
    "V(2SLS) - V(3SLS), both with the cross-equation covariance of the 2SLS residuals (divisor n) and the full "
    "cross-equation blocks of V(2SLS), which makes the difference positive semi-definite; generalised inverse, "
    "df = its rank")


def _hausman(design: _Design) -> TestResult:
    """Hausman test of 3SLS (efficient) against 2SLS (consistent if one equation is misspecified)."""
    model = IV3SLS(design.equations)
    two = model.fit(method="ols", cov_type="unadjusted", debiased=False)
    three = model.fit(method="gls", cov_type="unadjusted", debiased=False)
    # Scaled to unit diagonal of V(2SLS) so that the rank does not depend on the units of the regressors.
    scale = 1 / np.sqrt(np.diag(two.cov.to_numpy()))
    difference = (two.params - three.params).to_numpy() * scale
    covariance = (two.cov.to_numpy() - three.cov.to_numpy()) * np.outer(scale, scale)
    eigenvalues, vectors = np.linalg.eigh(covariance)
    kept = eigenvalues > RANK_TOLERANCE
    rank = int(kept.sum())
    if eigenvalues.min() < -RANK_TOLERANCE:
        return _test(np.nan, rank, np.nan, note="the covariance difference is not positive semi-definite: no test")
    if rank == 0:
        return _test(np.nan, 0, np.nan, note="3SLS and 2SLS coincide (no overidentified equation or no cross-equation gain): nothing to test")
    projected = vectors[:, kept].T @ difference  # generalised inverse over the kept eigenvectors
    statistic = float(projected @ (projected / eigenvalues[kept]))
    return _test(statistic, rank, stats.chi2.sf(statistic, rank))


def _system_sargan(design: _Design) -> TestResult:
    """Hansen–Sargan J of system GMM with homoskedastic weighting, whose second step is 3SLS."""
    fit = IVSystemGMM(design.equations, weight_type="unadjusted").fit(cov_type="unadjusted", iter_limit=2)
    test = fit.j_stat
    if test.df == 0:
        return _test(np.nan, 0, np.nan, note="every equation is exactly identified: nothing to test")
    return _test(test.stat, test.df, test.pval)


def diagnostics(frame, equations, endogenous=(), exogenous=()) -> Diagnostics:
    """Instrument strength, overidentification, 3SLS-vs-2SLS Hausman and residual correlation (unadjusted)."""
    design = _design(frame, equations, endogenous, exogenous, instrumented=True)
    first_stage, sargan = _single_equation_tests(design)
    two = _fit(design, "2sls", "unadjusted")
    names = [eq.name for eq in equations]
    correlation = two.resids[names].corr().to_numpy()
    pairs = correlation[np.triu_indices(len(names), k=1)]
    n = len(frame)
    breusch_pagan = float(n * (pairs ** 2).sum())
    breusch_pagan_p = stats.chi2.sf(breusch_pagan, len(pairs)) if len(pairs) else np.nan
    return Diagnostics(tuple(first_stage), tuple(sargan), _system_sargan(design), _hausman(design), HAUSMAN_COVARIANCE,
                       tuple(names), tuple(tuple(float(v) for v in row) for row in correlation),
                       _test(breusch_pagan, len(pairs), breusch_pagan_p))
