"""The optional chapter: spatial autocorrelation, regional differences, dynamics, obstacles and relative development."""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .coupling import CouplingResult
from .density import DensityResult, densities
from .development import DevelopmentResult, relative_development
from .errors import Problem, UserError
from .indices import IndexResult
from .inequality import DagumResult, dagum_by_period
from .markov import MarkovResult, markov_chains
from .notes import Note
from .obstacle import ObstacleResult, obstacle_degrees
from .spatial import (Weights, centroids, constant_columns, contiguity_weights, economic_weights, getis_ord_star,
                      inverse_distance_weights, knn_weights, load_boundaries, local_moran, match_entities, moran_columns,
                      significant)
from .study import Study

MAX_BOUNDARY_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True, eq=False)
class ChapterResult:
    weights: Weights | None = None
    moran: pd.DataFrame | None = None  # measure, period, I, EI, sd_norm, z_norm, p_norm, sd_rand, z_rand, p_rand, p_perm
    lisa: pd.DataFrame | None = None  # period, entity, group, value, z, lag, I, EI, VI, z_I, p_norm, p_perm, quadrant,
    #                                   p, significant, cluster (quadrant or "ns"), Gi_z, Gi_p, hotspot (hot, cold, ns)
    dagum: DagumResult | None = None
    density: DensityResult | None = None
    markov: MarkovResult | None = None
    obstacle: ObstacleResult | None = None
    development: DevelopmentResult | None = None
    conventions: dict[str, Note] = field(default_factory=dict)  # section -> the choices a table note states
    warnings: tuple[Problem, ...] = ()
    problems: dict[str, tuple[Problem, ...]] = field(default_factory=dict)  # section -> why it was not computed

    def to_dict(self) -> dict:
        """JSON-ready, one entry per section that ran; notes and problems in English."""
        from .results import _clean, _records  # results imports the estimators; the chapter itself needs none of them
        out = {"conventions": {k: str(v) for k, v in self.conventions.items()},
               "warnings": [str(p) for p in self.warnings],
               "problems": {k: [str(p) for p in v] for k, v in self.problems.items()}}
        if self.weights is not None:
            out["weights"] = self.weights.to_dict()
        for name in ("moran", "lisa"):
            if getattr(self, name) is not None:
                out[name] = _records(getattr(self, name))
        for name in ("dagum", "density", "obstacle", "development"):
            section = getattr(self, name)
            if section is not None:
                out[name] = {f.name: _records(getattr(section, f.name)) for f in fields(section)
                             if isinstance(getattr(section, f.name), pd.DataFrame) and (name, f.name) not in PER_OBSERVATION}
        if self.markov is not None:
            out["markov"] = {"classes": _records(self.markov.classes), "transitions": _records(self.markov.transitions),
                             "steady_state": _records(self.markov.steady_state),
                             "homogeneity": _clean(self.markov.homogeneity)}
        return out


# Frames with a row per entity-period, which results.json leaves out for the summaries (by period, by group, top
# obstacles): the coupling's rows already hold U1, U2 and the level they come from. The obstacle degrees per
# entity-period (millions of rows on a county panel) are not fields but built when asked for, and left out too.
PER_OBSERVATION = {("development", "by_entity")}
SECTIONS = ("spatial", "moran", "lisa", "dagum", "density", "markov", "obstacle", "development")


def run_chapter(study: Study, frame: pd.DataFrame, coupling: CouplingResult | None,
                indices: dict[str, IndexResult], boundary: bytes | None = None) -> ChapterResult | None:
    """Every chapter section the study enables; None when it enables none.

    A section that cannot be computed on these data is skipped with its reasons in ``problems``, so that the
    rest of the chapter and Tables 1-9 still stand.
    """
    enabled = [s for s in SECTIONS if getattr(study, s) is not None]
    if not enabled:
        return None
    out: dict = {"conventions": {}}
    problems: dict[str, tuple[Problem, ...]] = {}
    warnings: list[Problem] = []

    def attempt(section: str, compute):
        try:
            return compute()
        except UserError as e:
            problems[section] = tuple(e.problems)
            return None

    panel = attempt("panel", lambda: _balanced(coupling.by_entity)) if coupling is not None else None
    if "panel" in problems:
        problems = {s: problems["panel"] for s in enabled if s not in ("obstacle",)}
        panel = None
    weights = None
    if "spatial" in enabled and panel is not None:
        weights = attempt("spatial", lambda: build_weights(study, frame, list(panel["D"].index), boundary))
        if weights is not None:
            out["weights"], out["conventions"]["spatial"] = weights, weights.convention
            warnings += [Problem.of("island_linked", severity="warning", key="spatial.islands", island=a, neighbour=b,
                                    km=km) for a, b, km in weights.links_added]
    spatial_failure = problems.get("spatial")

    def needs_weights(section: str) -> bool:
        if spatial_failure:
            problems[section] = (Problem.of("section_needs_weights"), *spatial_failure)
        return not spatial_failure

    if "moran" in enabled and panel is not None and needs_weights("moran"):
        m = study.moran
        out["moran"] = attempt("moran", lambda: moran_table(panel, weights, m.measures, m.permutations, m.seed))
        out["conventions"]["moran"] = _moran_convention(m.permutations, m.seed)
    if "lisa" in enabled and panel is not None and needs_weights("lisa"):
        result = attempt("lisa", lambda: lisa_table(panel, weights, coupling.by_entity, study.lisa))
        if result is not None:
            out["lisa"], out["conventions"]["lisa"] = result
    if "dagum" in enabled and panel is not None:
        out["dagum"] = attempt("dagum", lambda: dagum_by_period(coupling.by_entity, list(study.dagum.measures)))
        out["conventions"]["dagum"] = Note.of("dagum")
    if "density" in enabled and panel is not None:
        d = study.density
        out["density"] = attempt("density", lambda: densities(
            coupling.by_entity, d.measure, d.bandwidth, _chosen_periods(panel, d.periods, "density.periods"),
            d.by_group, d.points))
    if "markov" in enabled and panel is not None and (not study.markov.spatial or needs_weights("markov")):
        m = study.markov
        out["markov"] = attempt("markov", lambda: markov_chains(
            panel[m.measure].to_numpy(), weights.matrix if m.spatial else None, m.classes, m.k, m.cutoffs))
    if "obstacle" in enabled:
        out["obstacle"] = attempt("obstacle", lambda: _obstacles(study, frame, indices))
    if "development" in enabled and panel is not None:
        out["development"] = attempt("development", lambda: relative_development(coupling.by_entity,
                                                                                 study.development.bands))
    for section in ("density", "markov", "obstacle", "development"):
        if out.get(section) is not None:
            out["conventions"][section] = out[section].convention
    out = {k: v for k, v in out.items() if v is not None}
    out["conventions"] = {k: v for k, v in out["conventions"].items() if out.get(k) is not None or k == "spatial"}
    return ChapterResult(**out, warnings=tuple(warnings), problems=problems)


def _balanced(coupled: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Entities x periods of U1, U2 and D; every entity must appear once in every period."""
    duplicated = coupled[coupled.duplicated(["entity", "period"], keep=False)]
    problems = [Problem.of("chapter_duplicate_observation", entity=r["entity"], period=r["period"])
                for r in duplicated.drop_duplicates(["entity", "period"]).head(10).to_dict("records")]
    if problems:
        raise UserError(problems)
    wide = coupled.pivot(index="entity", columns="period", values="D")
    missing = wide.isna().stack()
    missing = missing[missing]
    if len(missing):
        raise UserError([Problem.of("chapter_needs_balanced_panel", entity=e, period=p) for e, p in missing.index[:10]])
    return {m: coupled.pivot(index="entity", columns="period", values=m) for m in ("U1", "U2", "D")}


def _boundary_bytes(study: Study, boundary: bytes | None) -> bytes | None:
    if boundary is not None or not study.spatial.boundary:
        return boundary
    path = Path(study.spatial.boundary)
    try:
        if path.stat().st_size > MAX_BOUNDARY_BYTES:
            raise UserError(Problem.of("boundary_too_large", key="spatial.boundary", limit=MAX_BOUNDARY_BYTES // 2**20))
        return path.read_bytes()
    except OSError:
        raise UserError(Problem.of("boundary_not_found", key="spatial.boundary", path=str(path))) from None


def build_weights(study: Study, frame: pd.DataFrame, entities: list, boundary: bytes | None = None) -> Weights:
    """The weights the [spatial] section asks for, over the panel's entities in sorted order."""
    spec = study.spatial
    names = [str(e) for e in entities]
    if spec.kind == "economic":
        column = spec.column
        if column not in frame.columns or not pd.api.types.is_numeric_dtype(frame[column]):
            raise UserError(Problem.of("economic_weights_need_numeric_column", column=column, key="spatial.column"))
        means = frame.groupby(study.panel.entity)[column].mean().reindex(entities).to_numpy(dtype=float)
        return economic_weights(names, means, column)
    layer = load_boundaries(_boundary_bytes(study, boundary))
    found = match_entities(names, layer.features)
    if spec.kind in ("queen", "rook"):
        return contiguity_weights(names, layer, found, spec.kind, spec.islands)
    lonlat = centroids(layer.geometries[found])
    if spec.kind == "knn":
        return knn_weights(names, lonlat, spec.k)
    return inverse_distance_weights(names, lonlat, spec.power, spec.threshold_km)


def moran_table(panel: dict[str, pd.DataFrame], weights: Weights, measures, permutations: int, seed: int) -> pd.DataFrame:
    """Global Moran's I of each measure in each period."""
    values = np.column_stack([panel[m].to_numpy(dtype=float) for m in measures])
    measure = np.repeat(list(measures), [panel[m].shape[1] for m in measures])
    period = np.concatenate([panel[m].columns.to_numpy() for m in measures])
    flat = constant_columns(values)
    if flat.any():
        raise UserError([Problem.of("moran_values_constant", column=m, period=p, key="moran")
                         for m, p in zip(measure[flat], period[flat])])
    stats = moran_columns(values, weights.matrix, permutations, np.random.default_rng(seed))
    return pd.DataFrame({"measure": measure, "period": period, **stats})


def _located(function, *args, measure: str, period, **kwargs):
    """Run a statistic, naming the measure and period in any UserError."""
    try:
        return function(*args, **kwargs)
    except UserError as e:
        raise UserError([replace(p, column=measure, period=period) for p in e.problems]) from None


def lisa_table(panel: dict[str, pd.DataFrame], weights: Weights, coupled: pd.DataFrame, spec) -> tuple[pd.DataFrame, Note]:
    """Local Moran and Gi* for the chosen periods, with clusters after the significance filter."""
    periods = _chosen_periods(panel, spec.periods, "lisa.periods") or [panel["D"].columns[0], panel["D"].columns[-1]]
    periods = list(dict.fromkeys(periods))
    rng = np.random.default_rng(spec.seed)
    permutations = spec.permutations if spec.inference == "permutation" else 0
    groups = coupled.drop_duplicates("entity").set_index("entity")["group"] if "group" in coupled else None
    frames = []
    for period in periods:
        values = panel[spec.measure][period]
        local = _located(local_moran, values.to_numpy(), weights.matrix, permutations, rng, measure=spec.measure,
                         period=period)
        local.insert(0, "entity", values.index)
        local.insert(0, "period", period)
        if groups is not None:
            local.insert(2, "group", groups.reindex(values.index).to_numpy())
        local["p"] = local["p_perm"] if permutations else local["p_norm"]
        local["significant"] = significant(local["p"].to_numpy(), spec.alpha, spec.correction)
        local["cluster"] = np.where(local["significant"], local["quadrant"], "ns")
        if spec.hotspots:
            gi = getis_ord_star(values.to_numpy(), weights.matrix)
            hot = significant(gi["Gi_p"].to_numpy(), spec.alpha, spec.correction)
            local = local.join(gi)
            local["hotspot"] = np.where(hot, np.where(gi["Gi_z"] > 0, "hot", "cold"), "ns")
        frames.append(local)
    inference = (Note.of("lisa_permutation", permutations=spec.permutations, seed=spec.seed) if permutations
                 else Note.of("lisa_normal"))
    note = Note.of("lisa", measure=spec.measure, alpha=spec.alpha, inference=inference,
                   correction=Note.of(f"correction_{spec.correction}"),
                   hotspots=Note.of("lisa_hotspots") if spec.hotspots else "")
    return pd.concat(frames, ignore_index=True), note


def _chosen_periods(panel: dict[str, pd.DataFrame], periods, key: str) -> list:
    """The study's periods in the data's type; a UserError names any the panel lacks."""
    available = list(panel["D"].columns)
    by_text = {str(p): p for p in available}
    chosen, problems = [], []
    for k, period in enumerate(periods):
        if str(period) in by_text:
            chosen.append(by_text[str(period)])
        else:
            problems.append(Problem.of("chosen_period_absent", key=f"{key}[{k}]", period=period, first=available[0],
                                       last=available[-1]))
    if problems:
        raise UserError(problems)
    return chosen


def _moran_convention(permutations: int, seed: int) -> Note:
    return Note.of("moran", permuted=Note.of("moran_permuted", permutations=permutations, seed=seed) if permutations
                   else "")


def _obstacles(study: Study, frame: pd.DataFrame, indices: dict[str, IndexResult]) -> ObstacleResult:
    spec, keys = study.obstacle, study.panel
    names = list(spec.indices) or list(study.coupling.indices)
    by_name = {i.name: i for i in study.indices}
    return ObstacleResult.joined([obstacle_degrees(frame, by_name[n], indices[n], keys.entity, keys.time, keys.group,
                                                   spec.top, spec.percent) for n in names])
