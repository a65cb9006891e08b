"""OLS, 2SLS, 3SLS and iterated 3SLS of a linear system on data compressed once.

With an unadjusted covariance every quantity of these estimators is a function of inner products of the
columns of the data D (n rows, p columns): D'D = R'R for the p x p factor R of D = QR, and least squares on
columns of R solves least squares on the same columns of D exactly (Q has orthonormal columns). So each system
is compressed once, and its estimators, tests and rank checks run on the p rows of R whatever n is. Only
robust and clustered covariances go back to the n rows, for each observation's score. The formulas are those
of linearmodels' IV3SLS (weights, small-sample scaling, iteration), which the tests hold this module to.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import Problem

ITERATION_LIMIT = 1000
# Iterated 3SLS stops when the root mean square change of the coefficients falls below this fraction of the
# root mean square of the 3SLS coefficients (floating-point noise is about 1e-12 of it).
ITERATION_TOLERANCE = 1e-9
# A residual covariance whose correlation matrix has an eigenvalue below this is singular: some residual is
# zero, or a combination of the others (a correlation of +-1 between two equations).
SINGULAR_CORRELATION = 1e-12


@dataclass(frozen=True)
class Layout:
    """Where each equation's variables sit among the columns of the data."""

    equations: tuple[str, ...]  # names, for messages
    dependents: tuple[int, ...]  # one column per equation
    regressors: tuple[tuple[int, ...], ...]  # per equation, in the order of its coefficients
    instrumented: tuple[bool, ...]  # per equation: regressors projected on the instruments (2SLS) or not (OLS)
    instruments: tuple[int, ...]  # the columns of Z, shared by every equation
    constant: int  # the column of ones


@dataclass(frozen=True)
class Estimate:
    params: np.ndarray  # all coefficients, equation after equation
    cov: np.ndarray
    resid_cross: np.ndarray  # u'u of the structural residuals, equations x equations
    resid_mean: np.ndarray  # mean residual of each equation
    iterations: int | None = None
    converged: bool = True
    stopped: str = ""  # why the iteration stopped before converging


class SingularSigma(Exception):
    """The residual covariance that GLS would invert is singular; its problem says where."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def rank(matrix: np.ndarray, nobs: int) -> int:
    """Numerical rank with numpy's default tolerance for a matrix of nobs rows (R stands for them)."""
    singular = np.linalg.svd(matrix, compute_uv=False)
    return int((singular > singular.max(initial=0.0) * max(nobs, matrix.shape[1]) * np.finfo(float).eps).sum())


def first_dependent_column(matrix: np.ndarray, nobs: int, reference: np.ndarray | None = None) -> int | None:
    """Position of the first column that is a linear combination of the columns before it, or None.

    Columns are scaled by their norms in ``reference`` (default: the matrix itself), so that a fitted column
    that lost almost all of its variation counts as zero.
    """
    norms = np.linalg.norm(matrix if reference is None else reference, axis=0)
    scaled = matrix / np.where(norms > 0, norms, 1.0)
    if rank(scaled, nobs) == matrix.shape[1]:
        return None
    return next((j for j in range(matrix.shape[1]) if rank(scaled[:, : j + 1], nobs) <= j), None)


class LinearSystem:
    """One system on one sample: the compressed data, the fitted regressors and every estimator on them."""

    def __init__(self, data: np.ndarray, r: np.ndarray, layout: Layout):
        """data: the n rows; r: the factor R of data = QR (any of its columns stands for the same data column)."""
        self.data, self.r, self.layout = data, r, layout
        self.nobs = data.shape[0]
        self.z = self.r[:, layout.instruments]
        self.x = [self.r[:, list(cols)] for cols in layout.regressors]
        self.y = self.r[:, list(layout.dependents)]
        # First-stage coefficients; None for an equation estimated by OLS
        self.first = [np.linalg.lstsq(self.z, x, rcond=None)[0] if inst else None
                      for x, inst in zip(self.x, layout.instrumented)]
        self.xhat = [x if d is None else self.z @ d for x, d in zip(self.x, self.first)]
        self.sizes = np.array([len(cols) for cols in layout.regressors])
        self.equation_of = np.repeat(np.arange(len(self.sizes)), self.sizes)  # equation of each coefficient
        stacked = np.hstack(self.xhat)
        self.xhat_xhat = stacked.T @ stacked
        self.xhat_y = stacked.T @ self.y

    # --- the estimators ---------------------------------------------------------------------------------------

    def fit(self, gls: bool, iterate: bool, covariance: str, small: bool, clusters: np.ndarray | None = None
            ) -> Estimate:
        """Equation by equation (gls False: OLS or 2SLS), 3SLS, or 3SLS iterated to convergence."""
        params = self._solve(np.eye(len(self.sizes)))
        if not gls:
            sigma = self.sigma(params, small)
            return self._estimate(params, np.eye(len(self.sizes)), sigma, covariance, small, clusters)
        weighting = self.sigma(params, small)
        self._check_sigma(weighting)
        params = self._solve(np.linalg.inv(weighting))
        iterations, converged, stopped = None, True, ""
        if iterate:
            iterations, tolerance, previous = 1, ITERATION_TOLERANCE * max(1.0, _rms(params)), params
            converged = False
            while iterations < ITERATION_LIMIT:
                sigma = self.sigma(params, small)
                try:
                    self._check_sigma(sigma, iterations)
                except SingularSigma as e:
                    stopped = str(e)
                    break
                weighting, previous = sigma, params
                params = self._solve(np.linalg.inv(weighting))
                iterations += 1
                if _rms(params - previous) < tolerance:
                    converged = True
                    break
            else:
                stopped = f"no convergence in {ITERATION_LIMIT} iterations"
        # Iterated, the scores' covariance is that of the final residuals; 3SLS keeps the 2SLS one (linearmodels)
        final = self.sigma(params, small) if iterate else weighting
        estimate = self._estimate(params, np.linalg.inv(weighting), final, covariance, small, clusters)
        return Estimate(estimate.params, estimate.cov, estimate.resid_cross, estimate.resid_mean,
                        iterations, converged, stopped)

    def _solve(self, weights: np.ndarray) -> np.ndarray:
        """(X̂'(W ⊗ I)X̂)^-1 X̂'(W ⊗ I)y: W = I equation by equation, W = Σ^-1 for 3SLS."""
        rows = self.equation_of
        xpy = (self.xhat_y * weights[rows, :]).sum(axis=1)
        return np.linalg.solve(self.xhat_xhat * weights[np.ix_(rows, rows)], xpy)

    def residuals(self, params: np.ndarray) -> np.ndarray:
        """Structural residuals on the compressed rows (p x equations)."""
        return self.y - np.column_stack([x @ b for x, b in zip(self.x, np.split(params, np.cumsum(self.sizes)[:-1]))])

    def sigma(self, params: np.ndarray, small: bool) -> np.ndarray:
        """u'u/n, scaled by n/sqrt((n - k_i)(n - k_j)) with reg3's small option."""
        u = self.residuals(params)
        sigma = u.T @ u / self.nobs
        if small:
            scale = np.sqrt(self.nobs / (self.nobs - self.sizes))
            sigma = sigma * np.outer(scale, scale)
        return sigma

    def _check_sigma(self, sigma: np.ndarray, iteration: int | None = None) -> None:
        """GLS inverts Σ (from the 2SLS residuals, or those of an iteration): say which residual is zero or which
        residuals move together, if it cannot."""
        after = {"iteration": iteration} if iteration else {}
        sd = np.sqrt(np.diag(sigma))
        if (sd <= 0).any():
            name = self.layout.equations[int(np.flatnonzero(sd <= 0)[0])]
            raise SingularSigma(Problem.of("residuals_zero_iterated" if iteration else "residuals_zero", equation=name,
                                           **after))
        correlation = sigma / np.outer(sd, sd)
        if np.linalg.eigvalsh(correlation)[0] > SINGULAR_CORRELATION:
            return
        pairs = np.abs(np.triu(correlation, 1))
        i, j = np.unravel_index(np.argmax(pairs), pairs.shape)
        names = self.layout.equations
        raise SingularSigma(Problem.of("residuals_singular_iterated" if iteration else "residuals_singular",
                                       first=names[i], second=names[j], correlation=float(correlation[i, j]), **after))

    def _estimate(self, params, weights, sigma, covariance, small, clusters) -> Estimate:
        """Coefficient covariance A^-1 B A^-1, A = X̂'(W ⊗ I)X̂, with B for the covariance type."""
        rows = self.equation_of
        bread = np.linalg.inv(self.xhat_xhat * weights[np.ix_(rows, rows)])
        if covariance == "unadjusted":
            meat = self.xhat_xhat * (weights @ sigma @ weights)[np.ix_(rows, rows)]
        else:
            scores = self._scores(params, weights)
            if covariance == "clustered":
                groups = int(clusters.max()) + 1
                totals = np.column_stack([np.bincount(clusters, weights=column, minlength=groups)
                                          for column in scores.T])
                meat = totals.T @ totals * (groups / (groups - 1)) * ((self.nobs - 1) / self.nobs)
            else:
                meat = scores.T @ scores
        cov = bread @ meat @ bread
        cov = (cov + cov.T) / 2
        if small and covariance != "unadjusted":
            scale = np.sqrt(self.nobs / (self.nobs - self.sizes[rows]))
            cov = cov * np.outer(scale, scale)
        u = self.residuals(params)
        return Estimate(params, cov, u.T @ u, self.r[:, self.layout.constant] @ u / self.nobs)

    def _scores(self, params: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Each observation's score x̂_j (u W)_j, on the n rows of the data."""
        data, layout = self.data, self.layout
        split = np.split(params, np.cumsum(self.sizes)[:-1])
        u = np.column_stack([data[:, d] - data[:, list(cols)] @ b
                             for d, cols, b in zip(layout.dependents, layout.regressors, split)])
        weighted = u @ weights
        z = data[:, layout.instruments]
        blocks = [(data[:, list(cols)] if first is None else z @ first) * weighted[:, [i]]
                  for i, (cols, first) in enumerate(zip(layout.regressors, self.first))]
        return np.hstack(blocks)

    # --- tests ------------------------------------------------------------------------------------------------

    def _rss(self, target: np.ndarray, columns: list[int]) -> np.ndarray:
        """RSS of each column of the compressed target regressed on the given data columns."""
        if not columns:
            return (target ** 2).sum(axis=0)
        x = self.r[:, columns]
        fitted = x @ np.linalg.lstsq(x, target, rcond=None)[0]
        return ((target - fitted) ** 2).sum(axis=0)

    def first_stage(self, endogenous: list[int], exogenous: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """RSS of each endogenous regressor on all instruments and on the equation's own exogenous regressors."""
        target = self.r[:, endogenous]
        return (self._rss(target, list(self.layout.instruments)),
                self._rss(target, exogenous))

    def sargan(self, params: np.ndarray) -> np.ndarray:
        """n (1 - u'M_Z u / u'u) of each equation's residuals (Sargan's statistic)."""
        u = self.residuals(params)
        remaining = self._rss(u, list(self.layout.instruments))
        return self.nobs * (1 - remaining / (u ** 2).sum(axis=0))

    def gls_criterion(self, params: np.ndarray, weighting: np.ndarray) -> float:
        """Σ_ij σ^ij u_i'P_Z u_j: the 3SLS criterion, i.e. the J statistic of homoskedastic system GMM."""
        u = self.residuals(params)
        projected = self.z @ np.linalg.lstsq(self.z, u, rcond=None)[0]
        return float(np.sum(np.linalg.inv(weighting) * (projected.T @ projected)))


def _rms(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(values ** 2)))
