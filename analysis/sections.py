"""Study-file sections of the optional chapter: spatial weights, Moran, LISA, Dagum, density, Markov, obstacles, development."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (BaseModel, ConfigDict, Field, Strict, StrictBool, StrictInt, StrictStr, field_validator,
                      model_validator)

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

    @model_validator(mode="after")
    def _economic_needs_column(self):
        if self.kind == "economic" and not self.column:
            raise ValueError("kind 'economic' needs column, the variable whose distance defines the weights")
        return self


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

    @field_validator("cutoffs")
    @classmethod
    def _increasing(cls, value: list[float]) -> list[float]:
        if any(b <= a for a, b in zip(value, value[1:])):
            raise ValueError(f"cutoffs must increase: {value}")
        return value

    @model_validator(mode="after")
    def _cutoffs_given(self):
        if self.classes == "cutoffs" and not self.cutoffs:
            raise ValueError("classes 'cutoffs' needs cutoffs, e.g. [0.4, 0.5, 0.6]")
        return self


class Obstacle(Section):
    """Obstacle degree of each indicator and dimension."""

    indices: list[str] = []  # empty: the two coupled indices
    top: StrictInt = Field(default=5, ge=1, le=50)
    percent: StrictBool = True


class Development(Section):
    """Relative development degree E = U1 / U2 in three bands."""

    bands: tuple[float, float] = (0.8, 1.2)

    @field_validator("bands")
    @classmethod
    def _ordered(cls, bands: tuple[float, float]) -> tuple[float, float]:
        low, high = bands
        if not 0 < low < high:
            raise ValueError(f"bands ({low:g}, {high:g}) must satisfy 0 < lower < upper")
        return bands


def chapter_problems(study) -> list[Problem]:
    """Cross-section checks for the chapter, each naming the key to fix."""
    problems = []
    keys = study.panel
    needs_coupling = [name for name in ON_COUPLING if getattr(study, name) is not None]
    if needs_coupling and study.coupling is None:
        problems += [Problem("needs [coupling], whose U1, U2 and D it analyses", key=name) for name in needs_coupling]
    chapter = needs_coupling + (["obstacle"] if study.obstacle else [])
    for name in chapter:
        if not keys.entity or not keys.time:
            problems.append(Problem("needs panel.entity and panel.time", key=name))
    spatial_users = [n for n in ("moran", "lisa") if getattr(study, n)] + (
        ["markov.spatial"] if study.markov and study.markov.spatial else [])
    if spatial_users and study.spatial is None:
        problems += [Problem("needs [spatial], the weights matrix", key=name) for name in spatial_users]
    if study.dagum and not keys.group:
        problems.append(Problem("needs panel.group, the column that names each entity's group", key="dagum"))
    if study.density and study.density.by_group and not keys.group:
        problems.append(Problem("by_group needs panel.group; set by_group = false or name the group column",
                                key="density.by_group"))
    if study.obstacle:
        names = [i.name for i in study.indices]
        for k, name in enumerate(study.obstacle.indices):
            if name not in names:
                problems.append(Problem(f"{name} is not an index of this study ({', '.join(names) or 'none defined'})",
                                        key=f"obstacle.indices[{k}]"))
        if not study.obstacle.indices and study.coupling is None:
            problems.append(Problem("names no indices and the study has no [coupling] to take them from",
                                    key="obstacle.indices"))
    return problems
