"""Markov transition matrices of coordination classes (Quah 1993) and the spatial Markov chain (Rey 2001), via giddy."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from .coupling import EDGES
from .errors import Problem, UserError


@dataclass(frozen=True, eq=False)
class MarkovResult:
    classes: pd.DataFrame  # class (0-based), lower, upper (D in [lower, upper)), level (the coupling level, or NaN)
    transitions: pd.DataFrame  # lag_class (-1: all entities, else the neighbours' class at t), from, to, count, probability
    steady_state: pd.DataFrame  # lag_class, class, probability (NaN where the chain has no unique steady state)
    homogeneity: dict | None  # Q, Q_p, LR, LR_p, dof (Bickenbach and Bode 2003), spatial chain only
    convention: str


def _left_closed(edges) -> list[float]:
    """giddy bins x <= cutoff; the step below each edge makes the classes [a, b) as the coordination levels are."""
    return [float(np.nextafter(e, -np.inf)) for e in edges]


def _cutoffs(y: np.ndarray, classes: str, k: int, cutoffs: list[float]) -> tuple[list[float], str, bool]:
    if classes == "levels":
        observed = np.searchsorted(EDGES, y.ravel(), side="right")
        edges = [e for e in EDGES[observed.min(): observed.max()]]
        return edges, "the ten coordination levels (width 0.1, closed on the left), those observed", True
    if classes == "cutoffs":
        return list(cutoffs), f"classes bounded by {', '.join(f'{c:g}' for c in cutoffs)} (closed on the left)", False
    edges = list(np.quantile(y.ravel(), np.arange(1, k) / k))
    if len(set(edges)) < len(edges):
        raise UserError(Problem(f"{k} quantile classes need {k - 1} distinct quantiles; the values have ties there",
                                key="markov.k"))
    return edges, f"{k} quantile classes of the pooled values (bounds {', '.join(f'{c:.4g}' for c in edges)})", False


def markov_chains(y: np.ndarray, w: sparse.csr_matrix | None = None, classes: str = "levels", k: int = 4,
                  cutoffs: list[float] = ()) -> MarkovResult:
    """y: entities x periods. Classic chain on the classes; with w, one chain per class of the neighbours' lag."""
    y = np.asarray(y, dtype=float)
    if y.shape[1] < 2:
        raise UserError(Problem(f"a Markov chain needs at least two periods; the panel has {y.shape[1]}", key="markov"))
    edges, described, levels = _cutoffs(y, classes, k, list(cutoffs))
    bounds = [-np.inf, *edges, np.inf]
    first_level = int(np.searchsorted(EDGES, y.min(), side="right")) + 1
    class_table = pd.DataFrame({"class": range(len(bounds) - 1), "lower": bounds[:-1], "upper": bounds[1:],
                                "level": [first_level + c if levels else np.nan for c in range(len(bounds) - 1)]})
    if w is None:
        from giddy.markov import Markov
        ids = np.searchsorted(edges, y, side="right")
        chain = Markov(ids, classes=np.arange(len(edges) + 1), summary=False)
        frames = [_long(-1, chain.transitions, chain.p)]
        states = [_steady(-1, chain.transitions, chain.p)]
        homogeneity, spatial_text = None, ""
    else:
        from giddy.markov import Spatial_Markov
        from libpysal.weights import WSP
        left = _left_closed(edges)
        chain = Spatial_Markov(y, WSP(w).to_W(silence_warnings=True), cutoffs=left, lag_cutoffs=left, fixed=True)
        frames = [_long(-1, chain.transitions, chain.p)]
        states = [_steady(-1, chain.transitions, chain.p)]
        for lag, (counts, probabilities) in enumerate(zip(chain.T, chain.P)):
            frames.append(_long(lag, counts, probabilities))
            states.append(_steady(lag, counts, probabilities))
        homogeneity = {"Q": float(chain.Q), "Q_p": float(chain.Q_p_value), "LR": float(chain.LR),
                       "LR_p": float(chain.LR_p_value), "dof": int(chain.dof_hom)}
        spatial_text = (" Spatial Markov: transitions conditioned on the class of the neighbours' spatial lag in the "
                        "initial period, the lag classed with the same bounds; homogeneity tested by Q and LR "
                        "(Bickenbach and Bode 2003).")
    convention = (f"Markov chain over {described}; transitions from each period to the next, pooled over "
                  f"{y.shape[1] - 1} steps; probability = count / row total.{spatial_text}")
    return MarkovResult(class_table, pd.concat(frames, ignore_index=True), pd.concat(states, ignore_index=True),
                        homogeneity, convention)


def _long(lag: int, counts: np.ndarray, probabilities: np.ndarray) -> pd.DataFrame:
    k = counts.shape[0]
    source, target = np.divmod(np.arange(k * k), k)
    empty = np.repeat(counts.sum(axis=1) == 0, k)
    return pd.DataFrame({"lag_class": lag, "from": source, "to": target, "count": counts.ravel().astype(int),
                         "probability": np.where(empty, np.nan, probabilities.ravel())})


def _steady(lag: int, counts: np.ndarray, probabilities: np.ndarray) -> pd.DataFrame:
    """The unique steady state where every class has observed transitions and there is one recurrent class."""
    from giddy.ergodic import steady_state
    k = counts.shape[0]
    state = np.full(k, np.nan)
    if (counts.sum(axis=1) > 0).all():
        solved = np.atleast_2d(np.asarray(steady_state(probabilities), dtype=float))
        if len(solved) == 1:  # one recurrent class (giddy returns it as a row when the chain is reducible)
            state = solved[0]
    return pd.DataFrame({"lag_class": lag, "class": range(k), "probability": state})
