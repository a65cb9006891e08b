"""The estimation's systems as linearmodels takes them: the reference the tests hold the estimator to, and the
bare fits the benchmark compares it with."""
import numpy as np
import pandas as pd

from analysis.estimation import model_variables, term_values


def linearmodels_specs(frame, equations, method, endogenous=(), exogenous=()):
    """The system's equations as linearmodels takes them, and the positions of reg3's coefficient order."""
    endog, exog = model_variables(equations, endogenous, exogenous)
    endog_names = {t.name for t in endog} if method != "ols" else set()
    z = pd.DataFrame({t.name: term_values(frame, t) for t in exog}).assign(_cons=1.0)
    specs, orders, offset = {}, [], 0
    for eq in equations:
        x = pd.DataFrame({t.name: term_values(frame, t) for t in eq.regressors}, index=frame.index)
        if eq.intercept:
            x["_cons"] = 1.0
        inside = [c for c in x if c in endog_names]
        outside = [c for c in x if c not in endog_names]
        specs[eq.name] = {"dependent": term_values(frame, eq.dependent), "exog": x[outside] if outside else None}
        if inside:
            specs[eq.name] |= {"endog": x[inside], "instruments": z.drop(columns=[c for c in x if c in z])}
        local = outside + inside  # linearmodels' order within an equation
        orders += [offset + local.index(c) for c in x]
        offset += len(local)
    return specs, np.array(orders)


def linearmodels_fit(specs, method, covariance="unadjusted", clusters=None):
    """linearmodels' IV3SLS configured as reg3: dfk small for ols and 2sls, iterated 3SLS to the same tolerance."""
    from linearmodels.system import IV3SLS
    model = IV3SLS(specs)
    config = {"debiased": method in ("ols", "2sls")}
    if covariance == "clustered":
        config |= {"clusters": pd.factorize(clusters)[0], "group_debias": True}
    if method in ("ols", "2sls"):
        return model.fit(method="ols", cov_type=covariance, **config)
    three = model.fit(method="gls", cov_type=covariance, **config)
    if method == "3sls":
        return three
    tolerance = 1e-9 * max(1.0, float(np.sqrt(np.mean(three.params.to_numpy() ** 2))))
    return model.fit(method="gls", cov_type=covariance, iterate=True, iter_limit=1000, tol=tolerance, **config)
