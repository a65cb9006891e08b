"""Markov transition matrices of coordination classes (Quah 1993), the spatial Markov chain (Rey 2001) and its
homogeneity tests (Bickenbach and Bode 2003), in numpy: giddy's numbers without its import cost."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse, special
from scipy.sparse.csgraph import connected_components

from .coupling import EDGES
from .errors import Problem, UserError
from .notes import Note


@dataclass(frozen=True, eq=False)
class MarkovResult:
    classes: pd.DataFrame  # class (0-based), lower, upper (D in [lower, upper)), level (the coupling level, or NaN)
    transitions: pd.DataFrame  # lag_class (-1: all entities, else the neighbours' class at t), from, to, count, probability
    steady_state: pd.DataFrame  # lag_class, class, probability (NaN where the chain has no unique steady state)
    homogeneity: dict | None  # Q, Q_p, LR, LR_p, dof (Bickenbach and Bode 2003), spatial chain only
    convention: Note


def _cutoffs(y: np.ndarray, classes: str, k: int, cutoffs: list[float]) -> tuple[list[float], Note, bool]:
    if classes == "levels":
        observed = np.searchsorted(EDGES, y.ravel(), side="right")
        edges = [e for e in EDGES[observed.min(): observed.max()]]
        return edges, Note.of("markov_levels"), True
    if classes == "cutoffs":
        return list(cutoffs), Note.of("markov_cutoffs", cutoffs=tuple(f"{c:g}" for c in cutoffs)), False
    edges = list(np.quantile(y.ravel(), np.arange(1, k) / k))
    if len(set(edges)) < len(edges):
        raise UserError(Problem.of("markov_quantiles_tied", key="markov.k", k=k, needed=k - 1))
    return edges, Note.of("markov_quantiles", k=k, bounds=tuple(f"{c:.4g}" for c in edges)), False


def markov_chains(y: np.ndarray, w: sparse.csr_matrix | None = None, classes: str = "levels", k: int = 4,
                  cutoffs: list[float] = ()) -> MarkovResult:
    """y: entities x periods. Classic chain on the classes; with w, one chain per class of the neighbours' lag."""
    y = np.asarray(y, dtype=float)
    if y.shape[1] < 2:
        raise UserError(Problem.of("markov_needs_two_periods", key="markov", count=y.shape[1]))
    edges, described, levels = _cutoffs(y, classes, k, list(cutoffs))
    bounds = [-np.inf, *edges, np.inf]
    first_level = int(np.searchsorted(EDGES, y.min(), side="right")) + 1
    class_table = pd.DataFrame({"class": range(len(bounds) - 1), "lower": bounds[:-1], "upper": bounds[1:],
                                "level": [first_level + c if levels else np.nan for c in range(len(bounds) - 1)]})
    k = len(edges) + 1
    ids = np.searchsorted(edges, y, side="right")  # classes closed on the left
    start, end = ids[:, :-1].ravel(), ids[:, 1:].ravel()
    counts = np.bincount(start * k + end, minlength=k * k).reshape(1, k, k)
    homogeneity, spatial = None, ""
    if w is not None:
        lag = np.searchsorted(edges, w @ y[:, :-1], side="right").ravel()
        by_lag = np.bincount((lag * k + start) * k + end, minlength=k**3).reshape(k, k, k)
        counts = np.concatenate([counts, by_lag])
        homogeneity = homogeneity_tests(by_lag)
        spatial = Note.of("markov_spatial")
    totals = counts.sum(axis=2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        probabilities = counts / totals  # NaN rows: no transition starts in that class
    lags = np.arange(len(counts)) - 1
    source, target = np.divmod(np.arange(k * k), k)
    transitions = pd.DataFrame({"lag_class": np.repeat(lags, k * k), "from": np.tile(source, len(counts)),
                                "to": np.tile(target, len(counts)), "count": counts.ravel(),
                                "probability": probabilities.ravel()})
    states = np.vstack([steady_state(p) if (totals[m] > 0).all() else np.full(k, np.nan)
                        for m, p in enumerate(probabilities)])
    steady = pd.DataFrame({"lag_class": np.repeat(lags, k), "class": np.tile(np.arange(k), len(counts)),
                           "probability": states.ravel()})
    convention = Note.of("markov", classes=described, steps=y.shape[1] - 1, spatial=spatial)
    return MarkovResult(class_table, transitions, steady, homogeneity, convention)


def steady_state(p: np.ndarray) -> np.ndarray:
    """The stationary distribution when the chain has exactly one recurrent class (zero off it), else NaN.

    The recurrent classes are the strongly connected components no transition leaves; on the one found, the
    Grassmann-Taylor-Heyman elimination (as quantecon, which giddy uses) solves pi P = pi without subtraction."""
    k = len(p)
    linked = p > 0
    count, component = connected_components(sparse.csr_matrix(linked), directed=True, connection="strong")
    source, target = np.nonzero(linked)
    leaves = np.zeros(count, dtype=bool)
    leaves[component[source][component[source] != component[target]]] = True
    recurrent = np.flatnonzero(~leaves)
    state = np.full(k, np.nan)
    if len(recurrent) == 1:
        members = component == recurrent[0]
        state[:] = 0.0
        state[members] = _gth_solve(p[np.ix_(members, members)])
    return state


def _gth_solve(p: np.ndarray) -> np.ndarray:
    """Stationary distribution of an irreducible stochastic matrix (Grassmann, Taksar and Heyman 1985)."""
    a = np.array(p, dtype=float)
    n = len(a)
    for m in range(n - 1):
        a[m + 1:, m] /= a[m, m + 1:].sum()
        a[m + 1:, m + 1:] += np.outer(a[m + 1:, m], a[m, m + 1:])
    x = np.zeros(n)
    x[-1] = 1.0
    for m in range(n - 2, -1, -1):
        x[m] = x[m + 1:] @ a[m + 1:, m]
    return x / x.sum()


def homogeneity_tests(by_lag: np.ndarray) -> dict:
    """Q and LR tests that the transition probabilities are the same in every lag class, against the pooled
    chain (Bickenbach and Bode 2003): dof = sum over rows of (regimes observed - 1)(cells observed - 1), computed
    as giddy does, so a class no transition starts from adds (0 - 1)(0 - 1) = 1."""
    pooled = by_lag.sum(axis=0)
    p0 = pooled / np.maximum(pooled.sum(axis=1, keepdims=True), 1)
    starts = by_lag.sum(axis=2, keepdims=True)
    p = by_lag / np.maximum(starts, 1)
    q = (starts * (p - p0) ** 2 / np.where(p0 > 0, p0, 1)).sum()
    observed = by_lag > 0
    lr = 2 * (by_lag[observed] * np.log(p[observed] / np.broadcast_to(p0, p.shape)[observed])).sum()
    regimes = (starts[:, :, 0] > 0).sum(axis=0)
    cells = (pooled > 0).sum(axis=1)
    dof = int(((regimes - 1) * (cells - 1)).sum())
    q_p, lr_p = (float(special.chdtrc(dof, x)) if dof else np.nan for x in (q, lr))  # no test without dof
    return {"Q": float(q), "Q_p": q_p, "LR": float(lr), "LR_p": lr_p, "dof": dof}
