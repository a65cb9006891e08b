"""Every number a run computes, unformatted; to_dict() is results.json."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING

import numpy as np
import orjson
import pandas as pd

from .coupling import CouplingResult
from .errors import Problem, Reasons
from .estimation import Diagnostics, SystemFit
from .indices import IndexResult

if TYPE_CHECKING:
    from .chapter import ChapterResult


@dataclass(frozen=True)
class ModelRun:
    """A system fitted by one method on one sample, or why it could not be."""

    method: str
    sample: object = None  # the group value of a run on one group's rows; None: every row
    dropped: tuple[str, ...] = ()  # regressors a robustness run leaves out
    fit: SystemFit | None = None
    problems: Reasons = Reasons()  # why it could not be estimated

    def reason(self, language: str = "en") -> str | None:
        """Why the system could not be estimated, in the language; None when it was."""
        return self.problems.text(language) if self.problems else None


@dataclass(frozen=True)
class PanelSummary:
    """The counts the data section of a manuscript reports."""

    rows: int
    entities: int | None
    periods: int
    first_period: object
    last_period: object
    balanced: bool
    missing: dict[str, int]
    dropped: int
    groups: dict

    @classmethod
    def of(cls, summary: dict) -> "PanelSummary":
        """From Panel.summary(), taking the keys it names."""
        return cls(**{f.name: summary.get(f.name) for f in fields(cls)})


@dataclass
class Results:
    data_source: str
    synthetic: bool
    panel_summary: PanelSummary
    warnings: list[Problem]  # severity "warning": the run went on
    indices: dict[str, IndexResult] = field(default_factory=dict)
    index_means: pd.DataFrame | None = None
    coupling: CouplingResult | None = None
    describe: pd.DataFrame | None = None
    main: list[ModelRun] = field(default_factory=list)  # one run per study method, on every row
    robustness: list[ModelRun] = field(default_factory=list)  # one run per set of dropped regressors
    by_group: list[ModelRun] = field(default_factory=list)  # one run per group
    diagnostics: Diagnostics | None = None
    chapter: ChapterResult | None = None  # spatial autocorrelation, Dagum, density, Markov, obstacles, development

    def to_json(self) -> str:
        """results.json, on one line: orjson writes the same values as json, several times faster."""
        return orjson.dumps(self.to_dict()).decode()

    def to_dict(self) -> dict:
        """JSON-ready: models, weights, coupling, index means, descriptive statistics, diagnostics."""
        out = {
            "data": {"source": self.data_source, "synthetic": self.synthetic, "summary": _clean(asdict(self.panel_summary)),
                     "warnings": [str(w) for w in self.warnings]},
            "models": {role: [_run_dict(m) for m in getattr(self, role)] for role in ("main", "robustness", "by_group")},
            "weights": _records(pd.concat([r.weights for r in self.indices.values()]) if self.indices else None),
            "index_means": _records(self.index_means),
            "coupling": _records(self.coupling.by_entity) if self.coupling else [],
            "coupling_by_period": _records(self.coupling.by_period) if self.coupling else [],
            "coupling_by_group": _records(self.coupling.by_group) if self.coupling else [],
            "describe": _records(self.describe),
            "diagnostics": _clean(asdict(self.diagnostics)) if self.diagnostics else None,
            "chapter": self.chapter.to_dict() if self.chapter else None,
        }
        return out


def _run_dict(run: ModelRun) -> dict:
    out = {"method": run.method, "sample": _clean(run.sample), "dropped": list(run.dropped), "error": run.reason()}
    if run.fit is not None:
        out.update(covariance=run.fit.covariance, statistic=run.fit.statistic, convention=run.fit.convention,
                   converged=run.fit.converged, note=run.fit.note,
                   equations=[{"name": e.name, "dependent": e.dependent, "nobs": e.nobs, "r2": _num(e.r2), "rmse": _num(e.rmse),
                               "terms": [{"term": t.term, "estimate": _num(t.estimate), "std_error": _num(t.std_error),
                                          "statistic": _num(t.statistic), "p_value": _num(t.p_value)} for t in e.terms]}
                              for e in run.fit.equations])
    return out


def _num(x):
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def _clean(obj):
    """Make numpy and pandas values JSON-friendly, NaN as null."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, pd.DataFrame):
        return _records(obj)
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _num(obj)
    return obj


def _records(frame: pd.DataFrame | None) -> list[dict]:
    """The rows as JSON-friendly dicts, converted a column at a time (a value at a time only in object columns)."""
    if frame is None:
        return []
    names = [str(c) for c in frame.columns]
    columns = [_column(frame.iloc[:, k]) for k in range(frame.shape[1])]
    return [dict(zip(names, values)) for values in zip(*columns)] if columns else [{} for _ in range(len(frame))]


def _column(values: pd.Series) -> list:
    """One column as Python values: numbers as int or float, NaN and infinities as None."""
    if pd.api.types.is_string_dtype(values):  # text (missing values allowed): as it is, NA as None
        return values.to_numpy(dtype=object, na_value=None).tolist()
    if not isinstance(values.dtype, np.dtype):  # nullable and categorical columns: NA as None
        return [_clean(v) for v in values.to_numpy(dtype=object, na_value=None)]
    kind = values.dtype.kind
    if kind in "biu":
        return values.to_numpy().tolist()
    if kind == "f":
        numbers = values.to_numpy()
        out = numbers.tolist()
        for k in np.flatnonzero(~np.isfinite(numbers)):
            out[k] = None
        return out
    return [_clean(v) for v in values.tolist()]
