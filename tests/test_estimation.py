"""The reg3-style system estimator against published Stata and systemfit numbers and independent computations."""
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from analysis.errors import Problem, UserError
from analysis.estimation import (
    ModelData, check_identification, diagnostics, estimate_system, model_variables, term_values,
)
from analysis.formula import Term, parse_equation
from analysis.methods import METHOD_NAMES
from analysis.study import study_from_dict
from tests.linearmodels_reference import linearmodels_fit, linearmodels_specs

REFERENCE = Path(__file__).parent / "reference"
KLEIN_CSV = Path(__file__).parents[1] / "analysis" / "examples" / "reference" / "klein.csv"
KLEIN_MODEL = {
    "equations": ["Consumption: consump ~ corpProf + corpProfLag + wages",
                  "Investment: invest ~ corpProf + corpProfLag + capitalLag",
                  "PrivateWages: privWage ~ gnp + gnpLag + trend"],
    "endogenous": ["corpProf", "wages", "gnp"],
    "exogenous": ["govExp", "taxes", "govWage"],
    "methods": ["ols", "2sls", "3sls", "i3sls"],
}


def reference(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / name, comment="#", dtype=str, keep_default_na=False)


def half_unit(printed: str) -> float:
    """Half a unit in the last printed digit: the rounding error of a printed number."""
    mantissa, _, exponent = printed.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 0.5 * 10.0 ** (int(exponent or 0) - decimals)


def by_term(fit, statistic: str) -> dict:
    return {(eq.name, t.term): getattr(t, statistic) for eq in fit.equations for t in eq.terms}


# --- Klein's Model I against systemfit (Greene's Table 15.3), through the study file -----------------------------

@pytest.fixture(scope="module")
def klein_study():
    return study_from_dict({"panel": {"time": "year"}, "model": KLEIN_MODEL})


@pytest.fixture(scope="module")
def klein_frame():
    return pd.read_csv(KLEIN_CSV).dropna()  # 1920 has no lagged values


@pytest.fixture(scope="module")
def klein_fits(klein_study, klein_frame):
    model = klein_study.model
    return {method: estimate_system(klein_frame, model.parsed, method, model.endogenous, model.exogenous)
            for method in model.methods}


def klein_rows(method: str, statistic: str) -> pd.DataFrame:
    table = reference("klein_systemfit.csv")
    return table[(table.method == method) & (table.statistic == statistic)]


@pytest.mark.parametrize("method", ["ols", "2sls", "3sls"])
def test_klein_estimates_and_r2_match_systemfit_to_the_printed_digits(klein_fits, method):
    fit = klein_fits[method]
    estimates = by_term(fit, "estimate")
    for row in klein_rows(method, "estimate").itertuples():
        assert estimates[row.equation, row.term] == pytest.approx(float(row.value), abs=half_unit(row.value))
    r2 = {eq.name: eq.r2 for eq in fit.equations}
    for row in klein_rows(method, "r2").itertuples():
        assert r2[row.equation] == pytest.approx(float(row.value), abs=half_unit(row.value))


@pytest.mark.parametrize("method", ["ols", "2sls", "3sls"])
def test_klein_standard_errors_match_systemfit_in_its_divisor_convention(klein_fits, method):
    # systemfit's OLS divides by n - k, as reg3, ols does; its 2SLS here ("noDfCor") and Greene's divide by n,
    # whereas reg3, 2sls divides by n - k; its 3SLS divides by n, as reg3 does.
    n, k = 21, 4
    to_published = np.sqrt((n - k) / n) if method == "2sls" else 1.0
    errors = by_term(klein_fits[method], "std_error")
    for row in klein_rows(method, "std_error").itertuples():
        assert errors[row.equation, row.term] * to_published == pytest.approx(float(row.value),
                                                                               abs=half_unit(row.value))


def test_klein_iterated_3sls_matches_systemfit_within_its_convergence(klein_fits):
    # systemfit stopped after 20 iterations (its default tolerance 1e-5; stopping linearmodels' iteration at 20
    # reproduces its coefficients to every printed digit) and took standard errors from the residual covariance
    # of its last step. Iterated to convergence, ours differ from its printed numbers by at most
    # 1.2e-5 (1 + |value|) (measured), so the comparison is at 5e-5 (1 + |value|), not at the printed digits.
    fit = klein_fits["i3sls"]
    for statistic in ("estimate", "std_error"):
        ours = by_term(fit, statistic)
        for row in klein_rows("i3sls", statistic).itertuples():
            value = float(row.value)
            assert ours[row.equation, row.term] == pytest.approx(value, abs=5e-5 * (1 + abs(value)))
    r2 = {eq.name: eq.r2 for eq in fit.equations}
    for row in klein_rows("i3sls", "r2").itertuples():
        assert r2[row.equation] == pytest.approx(float(row.value), abs=5e-5)
    assert fit.iterations > 20


@pytest.mark.parametrize("method", ["ols", "2sls", "3sls"])
def test_klein_residual_correlation_matches_systemfit(klein_fits, method):
    fit = klein_fits[method]
    names = [eq.name for eq in fit.equations]
    for row in klein_rows(method, "residual_correlation").itertuples():
        ours = fit.residual_correlation[names.index(row.equation)][names.index(row.term)]
        assert ours == pytest.approx(float(row.value), abs=half_unit(row.value))


def test_klein_reg3_small_sample_conventions(klein_fits):
    # reg3, ols and reg3, 2sls: t statistics with p-values from t(M*n - K) = t(3*21 - 12);
    # 3sls and ireg3: z statistics with normal p-values.
    for method, fit in klein_fits.items():
        assert fit.small_sample == (method in ("ols", "2sls"))
        assert fit.statistic == ("t" if fit.small_sample else "z")
        assert fit.nobs == 21 and fit.method == method and fit.covariance == "unadjusted"
        assert ("n - k" in fit.convention) == fit.small_sample
        distribution = stats.t(51) if fit.small_sample else stats.norm
        for eq in fit.equations:
            for t in eq.terms:
                assert t.statistic == pytest.approx(t.estimate / t.std_error, rel=1e-12)
                assert t.p_value == pytest.approx(2 * distribution.sf(abs(t.statistic)), rel=1e-9)
    consumption = klein_fits["2sls"].equations[0]
    assert consumption.rmse == pytest.approx(1.135659, abs=5e-7)  # systemfit's sqrt(SSR / 17)
    assert klein_fits["3sls"].equations[0].rmse == pytest.approx(np.sqrt(18.726956 / 21), abs=5e-7)


def test_klein_terms_carry_names_and_labels(klein_fits):
    investment = klein_fits["3sls"].equations[1]
    assert investment.name == "Investment" and investment.dependent == "invest" and investment.nobs == 21
    assert [t.term for t in investment.terms] == ["corpProf", "corpProfLag", "capitalLag", "_cons"]
    assert [t.label for t in investment.terms][-1] == "_cons"


def test_log_terms_enter_as_natural_logs(klein_frame):
    logged = klein_frame.assign(ln_capital=np.log(klein_frame.capitalLag), ln_gnp=np.log(klein_frame.gnp))
    written = [parse_equation("Investment: invest ~ corpProf + corpProfLag + ln(capitalLag)"),
               parse_equation("Wages: ln(privWage) ~ gnp + gnpLag + trend")]
    columns = [parse_equation("Investment: invest ~ corpProf + corpProfLag + ln_capital"),
               parse_equation("Wages: ln_wage ~ gnp + gnpLag + trend")]
    logged["ln_wage"] = np.log(logged.privWage)
    ours = estimate_system(logged, written, "3sls", ["corpProf", "gnp"], ["govExp", "taxes"])
    expected = estimate_system(logged, columns, "3sls", ["corpProf", "gnp"], ["govExp", "taxes"])
    capital = ours.equations[0].terms[2]
    assert (capital.term, capital.label) == ("ln(capitalLag)", "ln capitalLag")
    assert ours.equations[1].dependent == "ln(privWage)"
    assert [t.estimate for e in ours.equations for t in e.terms] == pytest.approx(
        [t.estimate for e in expected.equations for t in e.terms], rel=1e-12)


# --- Stata's reg3 output recorded by linearmodels, on its seeded simulated data -------------------------------

def simulated_system() -> pd.DataFrame:
    """linearmodels' generate_simultaneous_data(n=500, nsystem=3, nexog=3, ninstr=2, const=True, seed=1234)."""
    n, m, nexog, ninstr = 500, 3, 3, 2
    random = np.random.RandomState(1234)  # the legacy generator that np.random.seed(1234) seeds
    k = nexog + m * ninstr
    beta = random.chisquare(3, (k, m)) / 3
    gamma = random.standard_normal((m, m)) / np.sqrt(3)
    gamma.flat[:: m + 1] = 1.0
    x = random.standard_normal((n, k))
    for i in range(m):
        mask = np.zeros(k)
        mask[:nexog] = 1.0
        mask[nexog + i * ninstr: nexog + (i + 1) * ninstr] = 1.0
        beta[:, i] *= mask
    x = np.concatenate([np.ones((n, 1)), x], 1)
    beta = np.concatenate([np.arange(1, m + 1)[None, :], beta], 0)
    eps = random.standard_normal((n, m))
    eps = 0.5 * random.standard_normal((n, 1)) + np.sqrt(1 - 0.5 ** 2) * eps
    inverse = np.linalg.inv(gamma)
    y = x @ beta @ inverse + eps @ inverse
    columns = [f"dependent_{i}" for i in range(m)] + [f"exog_{j}" for j in range(1, k + 1)]
    return pd.DataFrame(np.hstack([y, x[:, 1:]]), columns=columns)


SIMULATED_EQUATIONS = [
    parse_equation("dependent_0 ~ dependent_1 + dependent_2 + exog_1 + exog_2 + exog_3 + exog_4 + exog_5"),
    parse_equation("dependent_1 ~ dependent_0 + dependent_2 + exog_1 + exog_2 + exog_3 + exog_6 + exog_7"),
    parse_equation("dependent_2 ~ dependent_0 + dependent_1 + exog_1 + exog_2 + exog_3 + exog_8 + exog_9"),
]


@pytest.fixture(scope="module")
def simulated():
    return simulated_system()


def test_simulated_data_is_the_data_stata_used(simulated):
    # Spot values of simulated-3sls.dta, the file linearmodels handed to Stata (float64).
    assert simulated.shape == (500, 12)
    assert simulated.loc[0, "exog_1"] == pytest.approx(1.5456588046255575, rel=1e-14)
    assert simulated.loc[0, "dependent_0"] == pytest.approx(-0.10572643114211966, rel=1e-14)
    assert simulated.loc[499, "dependent_0"] == pytest.approx(1.5223088996701604, rel=1e-14)
    assert simulated.loc[499, "exog_9"] == pytest.approx(-1.7201208503132415, rel=1e-14)


@pytest.mark.parametrize("method", ["ols", "2sls", "3sls", "i3sls"])
def test_stata_reg3_results(simulated, method):
    # Stata prints 12 significant digits, but two double-precision solvers agree only to about 1e-10 (measured:
    # 5e-11 on estimates, 5e-10 on t statistics), so non-iterated results are compared at 1e-9 (1 + |value|).
    # Stata's ireg3 printed the iterate where it stopped (the 4th: its last step moved the coefficients by 4e-8
    # relative, and that iterate reproduces its numbers to 1.5e-8); iterated to convergence, ours differ from
    # them by up to 1.5e-7 relative (measured), so ireg3 is compared at 1e-6 (1 + |value|).
    tolerance = 1e-6 if method == "i3sls" else 1e-9
    fit = estimate_system(simulated, SIMULATED_EQUATIONS, method)
    table = reference("stata_reg3_simulated.csv")
    table = table[table.method == method]
    ours = {"b": by_term(fit, "estimate"), "t": by_term(fit, "statistic"), "p": by_term(fit, "p_value")}
    coefficients = table[table.statistic != "r2"]
    assert len(coefficients) == 3 * sum(len(eq.terms) for eq in fit.equations)
    for row in coefficients.itertuples():
        value = float(row.value)
        assert ours[row.statistic][row.equation, row.term] == pytest.approx(value, abs=tolerance * (1 + abs(value)))
    r2 = {eq.name: eq.r2 for eq in fit.equations}
    for row in table[table.statistic == "r2"].itertuples():
        assert r2[row.equation] == pytest.approx(float(row.value), abs=tolerance)


# --- Diagnostics against independent computations -----------------------------------------------------------

@pytest.fixture(scope="module")
def klein_diagnostics(klein_study, klein_frame):
    model = klein_study.model
    return diagnostics(klein_frame, model.parsed, model.endogenous, model.exogenous)


def klein_instruments(frame):
    return sm.add_constant(frame[["corpProfLag", "capitalLag", "gnpLag", "trend", "govExp", "taxes", "govWage"]])


def test_first_stage_f_and_partial_r2(klein_diagnostics, klein_frame):
    z = klein_instruments(klein_frame)
    included = {"Consumption": ["corpProfLag"], "Investment": ["corpProfLag", "capitalLag"],
                "PrivateWages": ["gnpLag", "trend"]}
    rows = klein_diagnostics.first_stage
    assert [(r.equation, r.regressor) for r in rows] == [
        ("Consumption", "corpProf"), ("Consumption", "wages"), ("Investment", "corpProf"), ("PrivateWages", "gnp")]
    for row in rows:
        y = klein_frame[row.regressor]
        full = sm.OLS(y, z).fit()
        restricted = sm.OLS(y, sm.add_constant(klein_frame[included[row.equation]])).fit()
        f, p, df_num = full.compare_f_test(restricted)
        assert (row.test.df, row.test.df_denom) == (df_num, full.df_resid)
        assert row.test.statistic == pytest.approx(f, rel=1e-9) and row.test.p_value == pytest.approx(p, rel=1e-9)
        assert row.partial_r2 == pytest.approx(1 - full.ssr / restricted.ssr, rel=1e-9)


def structural_residuals(frame, equation, fit):
    estimates = {t.term: t.estimate for t in fit.terms}
    return (term_values(frame, equation.dependent) - estimates.get("_cons", 0.0)
            - sum(estimates[t.name] * term_values(frame, t) for t in equation.regressors)).to_numpy()


def test_sargan_is_n_r2_of_2sls_residuals_on_all_instruments(klein_diagnostics, klein_frame, klein_study):
    model = klein_study.model
    fit = estimate_system(klein_frame, model.parsed, "2sls", model.endogenous, model.exogenous)
    z = klein_instruments(klein_frame)
    for eq, (name, test) in zip(fit.equations, klein_diagnostics.sargan):
        estimates = {t.term: t.estimate for t in eq.terms}
        equation = next(e for e in model.parsed if e.name == eq.name)
        resid = klein_frame[equation.dependent.column] - estimates["_cons"] - sum(
            estimates[t.name] * klein_frame[t.column] for t in equation.regressors)
        assert name == eq.name
        assert test.statistic == pytest.approx(len(klein_frame) * sm.OLS(resid, z).fit().rsquared, rel=1e-8)
        assert test.df == 8 - 4


def test_system_sargan_is_the_3sls_criterion(klein_diagnostics, klein_frame, klein_study):
    model = klein_study.model
    n = len(klein_frame)
    residuals = {}
    for method in ("2sls", "3sls"):
        fit = estimate_system(klein_frame, model.parsed, method, model.endogenous, model.exogenous)
        residuals[method] = np.column_stack([structural_residuals(klein_frame, eq, fe)
                                             for eq, fe in zip(model.parsed, fit.equations)])
    sigma_inverse = np.linalg.inv(residuals["2sls"].T @ residuals["2sls"] / n)
    z = klein_instruments(klein_frame).to_numpy()
    projection = z @ np.linalg.pinv(z)
    u = residuals["3sls"]
    criterion = sum(sigma_inverse[i, j] * u[:, i] @ projection @ u[:, j] for i in range(3) for j in range(3))
    assert klein_diagnostics.system_sargan.statistic == pytest.approx(criterion, rel=1e-8)
    assert klein_diagnostics.system_sargan.df == 3 * (8 - 4)


def test_hausman_uses_a_positive_semidefinite_difference(klein_diagnostics, klein_frame, klein_study):
    # Independent numpy computation: V(2SLS) = A^-1 X'(S ⊗ P)X A^-1 with A = blockdiag(X_i'P X_i),
    # V(3SLS) = (X'(S^-1 ⊗ P)X)^-1, S the covariance of the 2SLS residuals divided by n.
    model = klein_study.model
    frame = klein_frame
    n = len(frame)
    z = klein_instruments(frame).to_numpy()
    projection = z @ np.linalg.pinv(z)
    xs = [np.column_stack([term_values(frame, t) for t in eq.regressors] + [np.ones(n)]) for eq in model.parsed]
    fits = {m: estimate_system(frame, model.parsed, m, model.endogenous, model.exogenous) for m in ("2sls", "3sls")}
    u = np.column_stack([structural_residuals(frame, eq, fe) for eq, fe in zip(model.parsed, fits["2sls"].equations)])
    s = u.T @ u / n

    def blocks(weights):
        return np.block([[weights[i, j] * xs[i].T @ projection @ xs[j] for j in range(3)] for i in range(3)])

    a_inverse = np.linalg.inv(blocks(np.eye(3)))
    v2 = a_inverse @ blocks(s) @ a_inverse
    v3 = np.linalg.inv(blocks(np.linalg.inv(s)))
    d = np.array([t.estimate for eq in fits["2sls"].equations for t in eq.terms]) - np.array(
        [t.estimate for eq in fits["3sls"].equations for t in eq.terms])
    eigenvalues = np.linalg.eigvalsh(v2 - v3)
    assert eigenvalues.min() > -1e-10 * eigenvalues.max()
    statistic = d @ np.linalg.pinv(v2 - v3, rcond=1e-10, hermitian=True) @ d
    hausman = klein_diagnostics.hausman
    assert hausman.statistic == pytest.approx(statistic, rel=1e-6)
    assert hausman.p_value == pytest.approx(stats.chi2.sf(statistic, hausman.df), rel=1e-6)
    assert 0 < hausman.df <= 12 and "2SLS residuals" in klein_diagnostics.hausman_covariance


def test_diagnostics_are_json_and_say_when_there_is_nothing_to_test(klein_diagnostics):
    json.dumps(asdict(klein_diagnostics), allow_nan=False)
    frame = simulate_paper_system(np.random.default_rng(4), 200)
    exact = diagnostics(frame, [parse_equation("first: y1 ~ x1 + y2"), parse_equation("second: y2 ~ x3 + y1")])
    assert [test.note() for _, test in exact.sargan] == ["exactly identified: nothing to test"] * 2
    assert exact.system_sargan.statistic is None and exact.system_sargan.df == 0
    assert exact.system_sargan.note("zh") == "每个方程都恰好识别：无可检验"
    assert exact.hausman.statistic is None and "coincide" in exact.hausman.note()
    assert klein_diagnostics.hausman.note() == ""  # a test that was made needs no note
    json.dumps(asdict(exact), allow_nan=False)


def test_residual_correlation_of_2sls_and_breusch_pagan(klein_diagnostics):
    table = klein_rows("2sls", "residual_correlation")
    names = list(klein_diagnostics.equations)
    pairs = []
    for row in table.itertuples():
        ours = klein_diagnostics.residual_correlation[names.index(row.equation)][names.index(row.term)]
        assert ours == pytest.approx(float(row.value), abs=half_unit(row.value))
        pairs.append(ours)
    assert klein_diagnostics.breusch_pagan.statistic == pytest.approx(21 * sum(r * r for r in pairs), rel=1e-12)
    assert klein_diagnostics.breusch_pagan.df == 3


# --- Monte Carlo: 3SLS recovers a known system, OLS does not ------------------------------------------------

PAPER_LIKE = [parse_equation("first: y1 ~ x1 + x2 + y2"), parse_equation("second: y2 ~ x3 + x4 + y1")]
TRUE = {("first", "x1"): 0.5, ("first", "x2"): -0.4, ("first", "y2"): 0.6, ("first", "_cons"): 1.0,
        ("second", "x3"): 0.8, ("second", "x4"): 0.3, ("second", "y1"): 0.5, ("second", "_cons"): 2.0}


def simulate_paper_system(random: np.random.Generator, n: int) -> pd.DataFrame:
    """y1 = 1 + .5 x1 - .4 x2 + .6 y2 + e1, y2 = 2 + .8 x3 + .3 x4 + .5 y1 + e2, corr(e1, e2) = .6."""
    x = random.normal(size=(n, 4))
    e = random.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], size=n)
    u1 = 1 + 0.5 * x[:, 0] - 0.4 * x[:, 1] + e[:, 0]
    u2 = 2 + 0.8 * x[:, 2] + 0.3 * x[:, 3] + e[:, 1]
    y1 = (u1 + 0.6 * u2) / (1 - 0.6 * 0.5)
    return pd.DataFrame({"y1": y1, "y2": u2 + 0.5 * y1, "x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2], "x4": x[:, 3]})


def test_monte_carlo_3sls_recovers_the_system_where_ols_fails():
    random = np.random.default_rng(20240601)
    replications = 60
    draws = {"ols": [], "3sls": []}
    for _ in range(replications):
        frame = simulate_paper_system(random, 400)
        for method in draws:
            fit = estimate_system(frame, PAPER_LIKE, method)
            draws[method].append((by_term(fit, "estimate"), by_term(fit, "std_error")))
    for method, rows in draws.items():
        for key, truth in TRUE.items():
            estimates = np.array([estimate[key] for estimate, _ in rows])
            errors = np.array([error[key] for _, error in rows])
            bias_in_mc_errors = (estimates.mean() - truth) / (estimates.std(ddof=1) / np.sqrt(replications))
            covered = np.mean(np.abs(estimates - truth) < 1.96 * errors)
            if method == "3sls":
                assert abs(bias_in_mc_errors) < 3, key
                assert covered >= 0.85, key
            elif key[1] in ("y1", "y2"):  # simultaneity bias of OLS on the endogenous regressors
                assert abs(bias_in_mc_errors) > 20, key
                assert covered < 0.2, key


# --- reg3's variable rules, identification and bad input -----------------------------------------------------

def test_model_variables_follow_reg3_rules():
    equations = [parse_equation("a: y1 ~ ln(x1) + y2 + w"), parse_equation("b: y2 ~ x3 + y1 + w")]
    endog, exog = model_variables(equations, endogenous=["w"], exogenous=["ln(z)"])
    assert [t.name for t in endog] == ["y1", "y2", "w"]
    assert [t.name for t in exog] == ["ln(x1)", "x3", "ln(z)"]
    assert exog[0] == Term("x1", "ln")


def test_declared_variables_are_checked():
    equations = [parse_equation("a: y1 ~ x1 + y2"), parse_equation("b: y2 ~ x2 + y1")]
    with pytest.raises(UserError, match="declared endogenous but appears in no equation"):
        model_variables(equations, endogenous=["nowhere"])
    with pytest.raises(UserError, match="y1 is declared exogenous but is endogenous"):
        model_variables(equations, exogenous=["y1"])


def test_order_condition_failure_names_the_equation_and_counts():
    equations = [parse_equation("demand: q ~ p + income"), parse_equation("supply: p ~ q + income + cost + rain")]
    with pytest.raises(UserError) as error:
        check_identification(equations)
    message = str(error.value)
    assert "'supply' is not identified (order condition): 1 endogenous regressor(s) (q)" in message
    assert "only 0 exogenous variable(s)" in message and "'demand'" not in message
    check_identification(equations[:1] + [parse_equation("supply: p ~ q + cost + rain")])
    with pytest.raises(UserError, match="'supply' is not identified"):
        estimate_system(pd.DataFrame(), equations, "3sls")


def collinear_frame() -> pd.DataFrame:
    frame = simulate_paper_system(np.random.default_rng(7), 200)
    return frame.assign(x2_twice=2 * frame.x2, flat=3.0, x4_copy=frame.x4)


def test_collinear_regressors_give_a_user_error_naming_the_equation():
    frame = collinear_frame()
    with pytest.raises(UserError, match="equation 'first' cannot be estimated: x2_twice is a linear combination"):
        estimate_system(frame, [parse_equation("first: y1 ~ x1 + x2 + x2_twice + y2"), PAPER_LIKE[1]], "2sls")
    with pytest.raises(UserError, match="equation 'second' cannot be estimated: flat is a linear combination"):
        estimate_system(frame, [PAPER_LIKE[0], parse_equation("second: y2 ~ x3 + x4 + flat + y1")], "ols")
    with pytest.raises(UserError, match="exogenous variables of the system are perfectly collinear: x4_copy"):
        estimate_system(frame, PAPER_LIKE, "3sls", exogenous=["x4_copy"])


def test_rank_condition_failure_is_a_user_error():
    # The order condition holds, but y2 is orthogonal to every exogenous variable: nothing instruments it.
    frame = collinear_frame()
    z = sm.add_constant(frame[["x1", "x2", "x3", "x4"]]).to_numpy()
    noise = np.random.default_rng(8).normal(size=len(frame))
    frame["y2"] = noise - z @ np.linalg.lstsq(z, noise, rcond=None)[0]
    with pytest.raises(UserError, match="'first' is not identified in this sample \\(rank condition\\).*y2"):
        estimate_system(frame, PAPER_LIKE, "3sls")


def test_bad_values_give_user_errors_naming_the_column():
    frame = simulate_paper_system(np.random.default_rng(3), 50)
    with pytest.raises(UserError) as error:
        term_values(frame.assign(x1=frame.x1 - 10), Term("x1", "ln"))
    assert error.value.problems[0].column == "x1" and "non-positive" in str(error.value)
    missing = frame.copy()
    missing.loc[5, "x3"] = np.nan
    with pytest.raises(UserError, match="missing") as error:
        estimate_system(missing, PAPER_LIKE, "2sls")
    # row 5 of a frame not read from a file is its sixth data row: Excel row 7 under a header on row 1
    assert error.value.problems[0].column == "x3" and error.value.problems[0].row == 7
    with pytest.raises(UserError, match="no such column"):
        estimate_system(frame.drop(columns="x4"), PAPER_LIKE, "ols")
    with pytest.raises(UserError, match="must be numeric"):
        estimate_system(frame.assign(x4="a"), PAPER_LIKE, "ols")
    with pytest.raises(UserError, match="unknown method"):
        estimate_system(frame, PAPER_LIKE, "liml")
    with pytest.raises(UserError, match="needs the entity"):
        estimate_system(frame, PAPER_LIKE, "3sls", covariance="clustered")
    assert term_values(frame.assign(x1=np.e), Term("x1", "ln")).eq(1.0).all()


@pytest.mark.parametrize("method", METHOD_NAMES)
def test_constant_dependent_is_a_user_error_naming_it(method):
    frame = simulate_paper_system(np.random.default_rng(3), 50).assign(y1=1.0)
    equations = [PAPER_LIKE[0], parse_equation("second: y2 ~ x3 + x4")]  # y1 is a regressor nowhere
    with pytest.raises(UserError, match="its dependent y1 takes the value 1 in every row") as error:
        estimate_system(frame, equations, method)
    assert error.value.problems[0].column == "y1"


def test_equation_without_intercept_uses_the_constant_as_an_instrument():
    frame = simulate_paper_system(np.random.default_rng(11), 300)
    equations = [parse_equation("first: y1 ~ x1 + x2 + y2 - 1"), PAPER_LIKE[1]]
    fit = estimate_system(frame, equations, "2sls")
    assert [t.term for t in fit.equations[0].terms] == ["x1", "x2", "y2"]
    z = sm.add_constant(frame[["x1", "x2", "x3", "x4"]]).to_numpy()
    x = frame[["x1", "x2", "y2"]].to_numpy()
    fitted = z @ np.linalg.lstsq(z, x, rcond=None)[0]
    expected = np.linalg.solve(fitted.T @ x, fitted.T @ frame.y1.to_numpy())
    assert [t.estimate for t in fit.equations[0].terms] == pytest.approx(expected, rel=1e-9)
    resid = frame.y1.to_numpy() - x @ expected
    assert fit.equations[0].r2 == pytest.approx(1 - resid @ resid / (frame.y1 ** 2).sum(), rel=1e-12)
    for method in ("3sls", "i3sls"):
        assert len(estimate_system(frame, equations, method).equations[0].terms) == 3


def test_robust_and_clustered_ols_match_statsmodels():
    random = np.random.default_rng(5)
    frame = simulate_paper_system(random, 240)
    entity = pd.Series(np.repeat(np.arange(24), 10), index=frame.index, name="province")
    frame["y1"] += np.repeat(random.normal(size=24), 10)
    x = sm.add_constant(frame[["x1", "x2", "y2"]])
    expected = {
        "robust": sm.OLS(frame.y1, x).fit(cov_type="HC1").bse,
        "clustered": sm.OLS(frame.y1, x).fit(cov_type="cluster", cov_kwds={"groups": entity.to_numpy()}).bse,
    }
    for covariance, errors in expected.items():
        fit = estimate_system(frame, PAPER_LIKE, "ols", covariance=covariance, clusters=entity)
        ours = {t.term: t.std_error for t in fit.equations[0].terms}
        assert [ours[name] for name in ("_cons", "x1", "x2", "y2")] == pytest.approx(errors.to_numpy(), rel=1e-9)
        assert fit.covariance == covariance
        assert {"robust": "vce(robust)", "clustered": "vce(cluster)"}[covariance] in fit.convention
    assert estimate_system(frame, PAPER_LIKE, "3sls", covariance="clustered", clusters=entity).statistic == "z"


def test_coefficients_are_read_back_by_position_not_by_ambiguous_names():
    # linearmodels names coefficients "equation_term": "a" + "b_c" and "a_b" + "c" would both be "a_b_c".
    random = np.random.default_rng(0)
    frame = pd.DataFrame(random.normal(size=(100, 4)), columns=["b_c", "c", "x", "z"])
    frame["a"] = frame.b_c + random.normal(size=100)
    frame["a_b"] = frame.c + random.normal(size=100)
    fit = estimate_system(frame, [parse_equation("a: a ~ b_c + x"), parse_equation("a_b: a_b ~ c + z")], "ols")
    for eq, (y, xs) in zip(fit.equations, [("a", ["b_c", "x"]), ("a_b", ["c", "z"])]):
        expected = sm.OLS(frame[y], sm.add_constant(frame[xs])).fit().params
        assert [t.estimate for t in eq.terms] == pytest.approx(expected[xs + ["const"]].to_numpy(), rel=1e-10)


# --- The cross-product estimator against linearmodels, at 1e-10 ---------------------------------------------

def demo_system():
    from analysis import examples
    from analysis.pipeline import indexed
    study, panel = examples.default_study(), examples.demo_panel()
    frame = indexed(study, panel)[0]
    return frame, study.model.parsed, frame[study.panel.entity]


@pytest.fixture(scope="module")
def systems(simulated, klein_frame, klein_study):
    no_intercept = [parse_equation("first: y1 ~ x1 + x2 + y2 - 1"), PAPER_LIKE[1]]
    paper_like = simulate_paper_system(np.random.default_rng(12), 120)
    return {"simulated": (simulated, SIMULATED_EQUATIONS, pd.Series(np.arange(500) // 10)),
            "demo": demo_system(),
            "no intercept": (paper_like, no_intercept, pd.Series(np.arange(120) // 6))}


@pytest.mark.parametrize("covariance", ["unadjusted", "robust", "clustered"])
@pytest.mark.parametrize("method", METHOD_NAMES)
@pytest.mark.parametrize("name", ["simulated", "demo", "no intercept"])
def test_estimates_match_linearmodels_to_1e_10(systems, name, method, covariance):
    frame, equations, clusters = systems[name]
    ours = estimate_system(frame, equations, method, covariance=covariance, clusters=clusters)
    specs, order = linearmodels_specs(frame, equations, method)
    theirs = linearmodels_fit(specs, method, covariance, clusters.to_numpy())
    columns = {"estimate": theirs.params, "std_error": theirs.std_errors, "statistic": theirs.tstats,
               "p_value": theirs.pvalues}
    for statistic, values in columns.items():
        expected = values.to_numpy()[order]
        got = np.array([getattr(t, statistic) for eq in ours.equations for t in eq.terms])
        scale = 1.0 if statistic == "p_value" else np.abs(expected)
        assert np.all(np.abs(got - expected) <= 1e-10 * np.maximum(scale, 1e-3)), (statistic, got - expected)
    for eq, (label, fitted) in zip(ours.equations, theirs.equations.items()):
        assert eq.name == label and eq.r2 == pytest.approx(fitted.rsquared, rel=1e-10, abs=1e-12)
    resid = theirs.resids[[eq.name for eq in equations]]
    assert np.array(ours.residual_correlation) == pytest.approx(resid.corr().to_numpy(), abs=1e-10)
    if method == "i3sls":
        assert ours.iterations == theirs.iterations and ours.converged and not ours.note


@pytest.mark.parametrize("name", ["simulated", "demo"])
def test_diagnostics_match_linearmodels_to_1e_10(systems, name):
    from linearmodels.iv import IV2SLS
    from linearmodels.system import IV3SLS, IVSystemGMM
    frame, equations, _ = systems[name]
    ours = diagnostics(frame, equations)
    specs, _ = linearmodels_specs(frame, equations, "2sls")
    first_stage = iter(ours.first_stage)
    for (label, spec), (name_, sargan) in zip(specs.items(), ours.sargan):
        fit = IV2SLS(spec["dependent"], spec["exog"], spec["endog"], spec["instruments"]).fit(
            cov_type="unadjusted", debiased=True)
        for regressor, row in fit.first_stage.diagnostics.iterrows():
            row_ours = next(first_stage)
            assert (row_ours.equation, row_ours.regressor) == (label, regressor)
            assert row_ours.test.statistic == pytest.approx(row["f.stat"], rel=1e-10)
            assert row_ours.test.p_value == pytest.approx(row["f.pval"], rel=1e-9, abs=1e-300)
            assert row_ours.partial_r2 == pytest.approx(row["partial.rsquared"], rel=1e-10)
        assert name_ == label
        assert sargan.statistic == pytest.approx(fit.sargan.stat, rel=1e-10) and sargan.df == fit.sargan.df
    gmm = IVSystemGMM(specs, weight_type="unadjusted").fit(cov_type="unadjusted", iter_limit=2)
    assert ours.system_sargan.statistic == pytest.approx(gmm.j_stat.stat, rel=1e-10)
    assert ours.system_sargan.df == gmm.j_stat.df
    model = IV3SLS(specs)
    two = model.fit(method="ols", cov_type="unadjusted", debiased=False)
    three = model.fit(method="gls", cov_type="unadjusted", debiased=False)
    scale = 1 / np.sqrt(np.diag(two.cov.to_numpy()))
    covariance = (two.cov.to_numpy() - three.cov.to_numpy()) * np.outer(scale, scale)
    difference = (two.params - three.params).to_numpy() * scale
    values, vectors = np.linalg.eigh(covariance)
    kept = values > 1e-8
    projected = vectors[:, kept].T @ difference
    assert ours.hausman.statistic == pytest.approx(projected @ (projected / values[kept]), rel=1e-10)
    assert ours.hausman.df == kept.sum()



# --- Samples and systems Stata refuses or cannot finish -----------------------------------------------------

def test_a_sample_with_no_more_rows_than_instruments_is_refused_as_stata_does():
    frame = simulate_paper_system(np.random.default_rng(21), 5)  # instruments: x1 ... x4 and the constant
    for method in ("2sls", "3sls", "i3sls"):
        with pytest.raises(UserError, match="insufficient observations: 5 rows, and the system needs more rows "
                                            "than the 5 instruments"):
            estimate_system(frame, PAPER_LIKE, method)
    with pytest.raises(UserError, match="insufficient observations: 5 rows"):
        diagnostics(frame, PAPER_LIKE)
    assert estimate_system(frame, PAPER_LIKE, "ols").nobs == 5  # OLS needs only more rows than coefficients
    six = simulate_paper_system(np.random.default_rng(21), 6)
    assert estimate_system(six, PAPER_LIKE, "3sls").nobs == 6


def test_too_few_rows_are_reported_before_collinearity():
    # Four rows cannot separate four coefficients: the regressors are collinear in them, but the cause is the rows.
    frame = simulate_paper_system(np.random.default_rng(22), 4)
    with pytest.raises(UserError, match="insufficient observations: 4 rows, and the system needs more rows than "
                                        "the 4 coefficients of equation 'first'"):
        estimate_system(frame, PAPER_LIKE, "ols")


def test_ols_needs_no_identified_system():
    # reg3, ols estimates equation by equation and accepts a system the order condition rejects.
    frame = simulate_paper_system(np.random.default_rng(23), 100).rename(columns={"y1": "q", "y2": "p"})
    frame["income"], frame["cost"], frame["rain"] = frame.x1, frame.x2, frame.x3
    equations = [parse_equation("demand: q ~ p + income"), parse_equation("supply: p ~ q + income + cost + rain")]
    with pytest.raises(UserError, match="not identified"):
        estimate_system(frame, equations, "2sls")
    fit = estimate_system(frame, equations, "ols")
    x = sm.add_constant(frame[["q", "income", "cost", "rain"]])
    expected = sm.OLS(frame.p, x).fit().params
    assert [t.estimate for t in fit.equations[1].terms] == pytest.approx(
        expected[["q", "income", "cost", "rain", "const"]].to_numpy(), rel=1e-10)


def test_clustered_covariance_with_one_entity_is_a_user_error():
    frame = simulate_paper_system(np.random.default_rng(24), 40)
    one = pd.Series("Beijing", index=frame.index, name="province")
    with pytest.raises(UserError, match="needs at least two entities; this sample has only one") as error:
        estimate_system(frame, PAPER_LIKE, "3sls", covariance="clustered", clusters=one)
    assert (error.value.problems[0].column, error.value.problems[0].entity) == ("province", "Beijing")


def perfectly_correlated_system():
    """Two equations with the same regressors whose dependents are exact linear functions of each other."""
    frame = simulate_paper_system(np.random.default_rng(25), 80)
    frame["y3"] = 2 * frame.y1 + 1
    return frame, [parse_equation("first: y1 ~ x1 + x2 + y2"), parse_equation("twin: y3 ~ x1 + x2 + y2"),
                   parse_equation("second: y2 ~ x3 + x4 + y1")]


@pytest.mark.parametrize("method", ["3sls", "i3sls"])
def test_perfectly_correlated_residuals_are_named_not_a_linalg_error(method):
    frame, equations = perfectly_correlated_system()
    with pytest.raises(UserError, match="residuals of equations 'first' and 'twin' correlate at 1.000000"):
        estimate_system(frame, equations, method)
    with pytest.raises(UserError, match="no diagnostics: the residual covariance is singular"):
        diagnostics(frame, equations)
    assert estimate_system(frame, equations, "2sls").nobs == 80  # equation by equation needs no Σ^-1


def test_iterated_3sls_without_convergence_shows_the_last_iterate(klein_study, klein_frame, monkeypatch):
    # Stata's ireg3 prints "convergence not achieved" and the last iterate; linearmodels stopped at the same
    # iteration count gives the same estimates.
    from linearmodels.system import IV3SLS
    from analysis import linear_system
    monkeypatch.setattr(linear_system, "ITERATION_LIMIT", 5)
    model = klein_study.model
    fit = estimate_system(klein_frame, model.parsed, "i3sls", model.endogenous, model.exogenous)
    assert not fit.converged and fit.iterations == 5
    assert "did not converge (no convergence in 5 iterations)" in fit.note and "last iteration, 5" in fit.note
    specs, order = linearmodels_specs(klein_frame, model.parsed, "i3sls", model.endogenous, model.exogenous)
    theirs = IV3SLS(specs).fit(method="gls", cov_type="unadjusted", iterate=True, iter_limit=5, tol=0.0)
    assert theirs.iterations == 5
    ours = [(t.estimate, t.std_error) for eq in fit.equations for t in eq.terms]
    assert np.array(ours) == pytest.approx(np.column_stack([theirs.params.to_numpy()[order],
                                                            theirs.std_errors.to_numpy()[order]]), rel=1e-10)


def test_iterated_3sls_stops_where_the_residual_covariance_turns_singular(klein_study, klein_frame, monkeypatch):
    from analysis import linear_system
    checked = []
    original = linear_system.LinearSystem._check_sigma

    def singular_at_third_check(self, sigma, iteration=None):
        checked.append(iteration)
        if len(checked) == 3:
            raise linear_system.SingularSigma(Problem.of("residuals_singular_iterated", iteration=iteration,
                                                         first="a", second="b", correlation=1.0))
        original(self, sigma, iteration)

    monkeypatch.setattr(linear_system.LinearSystem, "_check_sigma", singular_at_third_check)
    model = klein_study.model
    fit = estimate_system(klein_frame, model.parsed, "i3sls", model.endogenous, model.exogenous)
    assert checked == [None, 1, 2]  # after 2SLS, then after each iteration
    assert not fit.converged and fit.iterations == 2
    assert "residual covariance is singular after iteration 2" in fit.note
    assert all(np.isfinite(t.std_error) for eq in fit.equations for t in eq.terms)


# --- Columns computed once per frame --------------------------------------------------------------------------

def estimates(fit) -> np.ndarray:
    return np.array([(t.estimate, t.std_error) for eq in fit.equations for t in eq.terms])


def test_model_data_reuses_columns_for_subsamples_and_reduced_systems(systems):
    frame, equations, entity = systems["demo"]
    data = ModelData(frame)
    full = estimate_system(data, equations, "3sls", covariance="clustered", clusters=entity)
    assert estimates(full) == pytest.approx(estimates(estimate_system(frame, equations, "3sls", covariance="clustered",
                                                                      clusters=entity)), rel=1e-10)
    factor = data.compressed([])[2]
    reduced = [eq.without({"ln(education)"}) for eq in equations]
    assert estimates(estimate_system(data, reduced, "3sls")) == pytest.approx(
        estimates(estimate_system(frame, reduced, "3sls")), rel=1e-10)
    assert data.compressed([])[2] is factor  # the reduced system used the same factorisation
    east = (frame.region == "East").to_numpy()
    assert estimates(estimate_system(data.rows(east), equations, "2sls")) == pytest.approx(
        estimates(estimate_system(frame[east], equations, "2sls")), rel=1e-10)
    shared, alone = diagnostics(data, equations), diagnostics(frame, equations)
    assert [r.test.statistic for r in shared.first_stage] == pytest.approx(
        [r.test.statistic for r in alone.first_stage], rel=1e-10)
    assert shared.system_sargan.statistic == pytest.approx(alone.system_sargan.statistic, rel=1e-10)


def test_model_data_rows_name_excel_rows_of_the_whole_frame():
    frame = simulate_paper_system(np.random.default_rng(26), 30)
    frame["x1"] = frame.x1.abs() + 1
    frame.loc[20, "x1"] = -1.0  # label 20 of a 0-based frame: the 21st data row, Excel row 22
    data = ModelData(frame)
    with pytest.raises(UserError, match="first in row 22"):
        estimate_system(data.rows(frame.index >= 10), [parse_equation("first: y1 ~ ln(x1) + x2 + y2"),
                                                       PAPER_LIKE[1]], "2sls")
