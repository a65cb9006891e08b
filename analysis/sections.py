"""Study-file sections of the optional chapter: spatial weights, Moran, LISA, Dagum, density, Markov, obstacles, development."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, StrictBool, StrictInt, StrictStr

from .errors import Problem

Measure = Literal["D", "U1", "U2"]
Period = StrictInt | StrictStr
Number = Annotated[float, Strict()]  # a whole number is a number; text is not

ON_COUPLING = ("moran", "lisa", "dagum", "density", "markov", "development")  # sections that analyse U1, U2 and D


class Section(BaseModel):
    """A section of the study file: frozen, and an unknown key is an error (the study's sections share it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SpatialWeights(Section):
    """How the weights matrix is built; always row-standardised."""

    kind: Literal["queen", "rook", "knn", "inverse_distance", "economic"] = "queen"
    boundary: StrictStr = ""  # a GeoJSON file path; empty: the shipped province boundaries
    k: StrictInt = Field(default=4, ge=1)  # knn
    power: Number = Field(default=1.0, gt=0)  # inverse_distance: w = 1 / d^power
    threshold_km: Number | None = Field(default=None, gt=0)  # inverse_distance: no link beyond this distance
    column: StrictStr = ""  # economic: w = 1 / |mean x_i - mean x_j| over the periods
    islands: Literal["nearest", "error"] = "nearest"  # contiguity: link an entity without neighbours to its nearest one


class Moran(Section):
    """Global Moran's I per period."""

    measures: list[Measure] = Field(default=["D"], min_length=1)
    permutations: StrictInt = Field(default=999, ge=0, le=99999)  # 0: normal approximation only
    seed: StrictInt = 12345


class Lisa(Section):
    """Local Moran clusters and, optionally, Getis-Ord Gi* hot spots."""

    measure: Measure = "D"
    periods: list[Period] = []  # empty: the first and the last period
    inference: Literal["permutation", "normal"] = "permutation"
    permutations: StrictInt = Field(default=999, ge=99, le=99999)
    seed: StrictInt = 12345
    alpha: Number = Field(default=0.05, gt=0, lt=1)
    correction: Literal["none", "bonferroni", "fdr"] = "none"
    hotspots: StrictBool = True


class Dagum(Section):
    """Dagum (1997) Gini decomposition by panel.group."""

    measures: list[Measure] = Field(default=["D"], min_length=1)


class Density(Section):
    """Gaussian kernel density of a measure by period."""

    measure: Measure = "D"
    bandwidth: Literal["silverman", "scott"] = "silverman"
    periods: list[Period] = []  # empty: every period
    by_group: StrictBool = True
    points: StrictInt = Field(default=200, ge=20, le=2000)


class Markov(Section):
    """Transition matrices of coordination classes, and the spatial Markov chain."""

    measure: Measure = "D"
    classes: Literal["levels", "quantiles", "cutoffs"] = "levels"
    k: StrictInt = Field(default=4, ge=2, le=10)  # quantiles
    cutoffs: list[float] = []  # classes = "cutoffs": upper bounds of all classes but the last
    spatial: StrictBool = True


class Obstacle(Section):
    """Obstacle degree of each indicator and dimension."""

    indices: list[str] = []  # empty: the two coupled indices
    top: StrictInt = Field(default=5, ge=1, le=50)
    percent: StrictBool = True


class Development(Section):
    """Relative development degree E = U1 / U2 in three bands."""

    bands: tuple[float, float] = (0.8, 1.2)


def chapter_problems(study) -> list[Problem]:
    """Cross-section checks for the chapter, and the options that must agree with each other, each naming the key
    to fix."""
    problems = _option_problems(study)
    keys = study.panel
    needs_coupling = [name for name in ON_COUPLING if getattr(study, name) is not None]
    if needs_coupling and study.coupling is None:
        problems += [Problem.of("section_needs_coupling", key=name) for name in needs_coupling]
    chapter = needs_coupling + (["obstacle"] if study.obstacle else [])
    for name in chapter:
        if not keys.entity or not keys.time:
            problems.append(Problem.of("section_needs_entity_and_time", key=name))
    spatial_users = [n for n in ("moran", "lisa") if getattr(study, n)] + (
        ["markov.spatial"] if study.markov and study.markov.spatial else [])
    if spatial_users and study.spatial is None:
        problems += [Problem.of("section_needs_spatial", key=name) for name in spatial_users]
    if study.dagum and not keys.group:
        problems.append(Problem.of("dagum_needs_group", key="dagum"))
    if study.density and study.density.by_group and not keys.group:
        problems.append(Problem.of("density_by_group_needs_group", key="density.by_group"))
    if study.obstacle:
        names = tuple(i.name for i in study.indices)
        for k, name in enumerate(study.obstacle.indices):
            if name not in names:
                problems.append(Problem.of("obstacle_index_unknown" if names else "obstacle_index_unknown_none",
                                           key=f"obstacle.indices[{k}]", name=name, **({"names": names} if names else {})))
        if not study.obstacle.indices and study.coupling is None:
            problems.append(Problem.of("obstacle_indices_none", key="obstacle.indices"))
    return problems


def _option_problems(study) -> list[Problem]:
    """Options of one section that contradict each other."""
    problems = []
    if study.spatial and study.spatial.kind == "economic" and not study.spatial.column:
        problems.append(Problem.of("economic_weights_need_column", key="spatial.column"))
    if study.markov:
        cutoffs = study.markov.cutoffs
        if any(b <= a for a, b in zip(cutoffs, cutoffs[1:])):
            problems.append(Problem.of("markov_cutoffs_not_increasing", key="markov.cutoffs",
                                       cutoffs=tuple(f"{c:g}" for c in cutoffs)))
        if study.markov.classes == "cutoffs" and not cutoffs:
            problems.append(Problem.of("markov_cutoffs_missing", key="markov.cutoffs"))
    if study.development:
        low, high = study.development.bands
        if not 0 < low < high:
            problems.append(Problem.of("development_bands_unordered", key="development.bands", low=low, high=high))
    return problems
