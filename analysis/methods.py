"""The estimators a study may ask for: one table read by the study schema, estimation, tables, text and app."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Method:
    name: str  # as written in the study file
    label: str  # as printed in tables, figures and text
    stata: str  # the reg3 call it reproduces
    small_sample: bool  # reg3's dfk small: variances over n - k, t statistics; else divisor n, z statistics
    description: str  # the convention, as a table note states it


METHODS: dict[str, Method] = {m.name: m for m in (
    Method("ols", "OLS", "reg3, ols", True,
           "Equation-by-equation OLS as Stata's reg3, ols (dfk small corr(independent))"),
    Method("2sls", "2SLS", "reg3, 2sls", True,
           "Equation-by-equation 2SLS with all exogenous variables of the system as instruments, "
           "as Stata's reg3, 2sls (dfk small corr(independent))"),
    Method("3sls", "3SLS", "reg3", False,
           "3SLS as Stata's reg3 (default), with the cross-equation residual covariance of the 2SLS residuals"),
    Method("i3sls", "I3SLS", "reg3, ireg3", False,
           "Iterated 3SLS as Stata's reg3, ireg3, re-estimating the residual covariance until the "
           "coefficients converge; standard errors use the final residual covariance"),
)}
METHOD_NAMES = tuple(METHODS)
