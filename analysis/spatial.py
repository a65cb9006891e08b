"""Spatial weights from boundaries, centroids or an economic variable; global Moran's I, LISA and Gi*."""
from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse, special

from .errors import Joined, Problem, UserError, first_names
from .notes import Note

SHIPPED_BOUNDARIES = Path(__file__).parent / "examples" / "geo" / "echarts4_china_provinces.geojson"
EARTH_RADIUS_KM = 6371.0088
CHINESE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")
ENGLISH_SUFFIXES = r"\b(province|municipality|autonomous region|special administrative region|sar|city)\b"
PINYIN_ALIASES = {"neimenggu": "innermongolia", "neimongol": "innermongolia", "xizang": "tibet",
                  "xianggang": "hongkong", "aomen": "macao", "macau": "macao"}
SNAP = 1e-7  # contiguity tolerance as a share of the boundary file's extent: 0.6 m on China's provinces in degrees
PERMUTED_VALUES = 4_000_000  # permuted values held at once by moran_columns (32 MB)
QUADRANTS = np.array(["HH", "LH", "LL", "HL"])
MESSAGE_NAMES = 40  # feature names a message lists


@dataclass(frozen=True, eq=False)
class Weights:
    """A row-standardised weights matrix over the panel's entities, in the order of `entities`."""

    entities: tuple[str, ...]
    matrix: sparse.csr_matrix
    kind: str
    links_added: tuple[tuple[str, str, float], ...]  # island, nearest entity, distance in km
    convention: Note

    def to_dict(self) -> dict:
        neighbours = np.diff(self.matrix.indptr)
        return {"kind": self.kind, "entities": list(self.entities), "nonzero": int(self.matrix.nnz),
                "mean_neighbours": float(neighbours.mean()), "min_neighbours": int(neighbours.min()),
                "max_neighbours": int(neighbours.max()),
                "links_added": [{"entity": a, "neighbour": b, "km": km} for a, b, km in self.links_added],
                "convention": str(self.convention)}


# ---------------------------------------------------------------- boundaries and names

def name_keys(name) -> set[str]:
    """Spellings under which a place name matches: Chinese without its suffix, English without case, spaces or suffix."""
    text = str(name).strip()
    keys = {text}
    for suffix in CHINESE_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            keys.add(text[: -len(suffix)])
            break
    latin = text.lower()
    variants = {latin, re.sub(r"\(.*?\)", "", latin)} | set(re.findall(r"\((.*?)\)", latin))
    for variant in variants:
        plain = re.sub(r"[^a-z]", "", re.sub(ENGLISH_SUFFIXES, "", variant))
        if plain:
            keys |= {plain, PINYIN_ALIASES.get(plain, plain)}
    return keys


def read_boundaries(data: bytes | None = None) -> list[dict]:
    """Features of a GeoJSON FeatureCollection (the shipped provinces by default), read as data only."""
    raw = SHIPPED_BOUNDARIES.read_bytes() if data is None else data
    try:
        collection = json.loads(raw.decode("utf-8-sig"))
        features = collection["features"]
        if not isinstance(features, list) or not all(isinstance(f, dict) and "geometry" in f for f in features):
            raise ValueError
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise UserError(Problem.of("boundary_not_geojson", key="spatial.boundary")) from None
    return features


def _feature_names(feature: dict) -> list[str]:
    properties = feature.get("properties") or {}
    return [str(v) for v in properties.values() if isinstance(v, (str, int)) and not isinstance(v, bool)]


def match_entities(entities, features: list[dict]) -> list[int]:
    """Index of the feature each entity names; a UserError lists every entity that matches none or two."""
    lookup: dict[str, set[int]] = {}
    for k, feature in enumerate(features):
        for name in _feature_names(feature):
            for key in name_keys(name):
                lookup.setdefault(key, set()).add(k)
    found, problems = [], []
    for entity in entities:
        hits = set().union(*(lookup.get(key, set()) for key in name_keys(entity)))
        if len(hits) == 1:
            found.append(hits.pop())
            continue
        if hits:
            problems.append(Problem.of("entity_matches_features", entity=entity, key="spatial.boundary",
                                       count=len(hits)))
        else:
            problems.append(Problem.of("entity_not_in_boundaries", entity=entity, key="spatial.boundary",
                                       names=_known_names(features)))
        found.append(-1)
    taken = Counter(k for k in found if k >= 0)
    for k in sorted(k for k, times in taken.items() if times > 1):
        twins = [str(e) for e, f in zip(entities, found) if f == k]
        problems.append(Problem.of("entities_share_feature", key="spatial.boundary", names=Joined(twins)))
    if problems:
        raise UserError(problems)
    return found


def _known_names(features: list[dict]) -> tuple:
    """The features' names a message lists: the English name, else the name, sorted; the rest counted."""
    names = sorted({(f.get("properties") or {}).get("name_en") or (f.get("properties") or {}).get("name", "?")
                    for f in features}, key=str)
    return first_names(map(str, names), MESSAGE_NAMES)


def read_geometries(features: list[dict]) -> np.ndarray:
    from shapely.geometry import shape
    try:
        return np.array([shape(f["geometry"]) for f in features], dtype=object)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise UserError(Problem.of("boundary_geometry_unreadable", key="spatial.boundary", error=str(e))) from None


def centroids(geometries) -> np.ndarray:
    """Longitude and latitude of each geometry's centroid (planar, in degrees)."""
    import shapely
    return shapely.get_coordinates(shapely.centroid(np.asarray(geometries, dtype=object)))


@dataclass(frozen=True, eq=False)
class Boundaries:
    """A parsed boundary file; its contiguity for an entity list is kept with it (see contiguity_pairs)."""

    features: list[dict]  # each feature's properties only ({"properties": ...}); the shapes are in geometries
    geometries: np.ndarray  # shapely geometries, one per feature
    tolerance: float  # distance below which two boundaries count as touching: SNAP x the layer's extent
    pairs: OrderedDict = field(default_factory=OrderedDict)  # (feature indices, rule) -> neighbour pairs


_LAYERS: OrderedDict[bytes, Boundaries] = OrderedDict()
_CACHE_LOCK = threading.Lock()
MAX_LAYERS, MAX_PAIRS = 3, 16  # a boundary file of 50 MB may take a few hundred MB parsed


def _remember(cache: OrderedDict, key, compute, size: int):
    """Least-recently-used lookup in a bounded dict; one computation at a time, as app sessions share it."""
    with _CACHE_LOCK:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        value = cache[key] = compute()
        while len(cache) > size:
            cache.popitem(last=False)
        return value


def load_boundaries(data: bytes | None = None) -> Boundaries:
    """The boundary file parsed once per process (the shipped provinces by default); app reruns reuse it."""
    raw = SHIPPED_BOUNDARIES.read_bytes() if data is None else data
    return _remember(_LAYERS, hashlib.blake2b(raw, digest_size=16).digest(), lambda: _parse(raw), MAX_LAYERS)


def _parse(raw: bytes) -> Boundaries:
    import shapely
    features = read_boundaries(raw)
    geometries = read_geometries(features)
    x0, y0, x1, y1 = shapely.total_bounds(geometries)
    names = [{"properties": f.get("properties")} for f in features]
    return Boundaries(names, geometries, SNAP * max(x1 - x0, y1 - y0, 1e-300))


def contiguity_pairs(layer: Boundaries, found: tuple[int, ...], rule: str) -> np.ndarray:
    """Pairs (i < j) of positions in `found` whose features are neighbours, kept per layer for reruns."""
    return _remember(layer.pairs, (found, rule), lambda: touching(layer.geometries[list(found)], rule, layer.tolerance),
                     MAX_PAIRS)


def touching(geometries, rule: str, tolerance: float) -> np.ndarray:
    """Queen: the boundaries come within `tolerance` of each other (share a point). Rook: besides, one boundary
    snapped onto the other within `tolerance` shares with it a stretch longer than `tolerance` (an edge).

    The tolerance absorbs floating-point noise in shared borders written twice; it is far below any real gap."""
    import shapely
    geometries = np.asarray(geometries, dtype=object)
    try:
        i, j = shapely.STRtree(geometries).query(geometries, predicate="dwithin", distance=tolerance)
        keep = i < j
        i, j = i[keep], j[keep]
        if rule == "rook" and len(i):
            edges = shapely.boundary(geometries)
            shared = shapely.intersection(shapely.snap(edges[i], edges[j], tolerance), edges[j])
            keep = shapely.length(shared) > tolerance
            i, j = i[keep], j[keep]
    except shapely.errors.GEOSException as e:
        raise UserError(Problem.of("boundary_shapes_incomparable", key="spatial.boundary", error=str(e))) from None
    order = np.lexsort((j, i))
    return np.column_stack([i[order], j[order]])


# ---------------------------------------------------------------- weights

def _unit_vectors(lonlat: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _chord_to_km(chord: np.ndarray) -> np.ndarray:
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2, 0, 1))


def great_circle_km(lonlat: np.ndarray) -> np.ndarray:
    """Dense matrix of great-circle distances between points given in degrees."""
    u = _unit_vectors(lonlat)
    chord = np.sqrt(np.maximum(((u[:, None, :] - u[None, :, :]) ** 2).sum(-1), 0))
    return _chord_to_km(chord)


def row_standardise(matrix) -> sparse.csr_matrix:
    matrix = sparse.csr_matrix(matrix, dtype=float)
    sums = np.asarray(matrix.sum(axis=1)).ravel()
    return sparse.diags(1 / sums) @ matrix


def knn_weights(entities, lonlat: np.ndarray, k: int) -> Weights:
    """k nearest neighbours by great-circle distance between centroids."""
    n = len(entities)
    if k >= n:
        raise UserError(Problem.of("knn_too_few_entities", key="spatial.k", k=k, count=n))
    from scipy.spatial import cKDTree
    _, idx = cKDTree(_unit_vectors(lonlat)).query(_unit_vectors(lonlat), k=k + 1)
    rows = np.repeat(np.arange(n), k)
    columns = np.array([[j for j in row if j != i][:k] for i, row in enumerate(idx)]).ravel()
    matrix = sparse.csr_matrix((np.ones(n * k), (rows, columns)), shape=(n, n))
    return Weights(tuple(entities), row_standardise(matrix), "knn", (), Note.of("weights_knn", k=k))


def inverse_distance_weights(entities, lonlat: np.ndarray, power: float = 1.0, threshold_km: float | None = None) -> Weights:
    """w_ij = 1 / d_ij^power between centroids (great-circle km), zero beyond the threshold."""
    d = great_circle_km(lonlat)
    np.fill_diagonal(d, np.inf)
    _check_distinct(entities, d, "entities_share_centroid", "spatial.boundary")
    w = 1 / d**power
    if threshold_km is not None:
        w[d > threshold_km] = 0
        lonely = [e for e, s in zip(entities, w.sum(axis=1)) if s == 0]
        if lonely:
            raise UserError([Problem.of("no_entity_within_threshold", entity=e, key="spatial.threshold_km",
                                        km=threshold_km) for e in lonely])
    note = (Note.of("weights_inverse_distance_threshold", power=power, km=threshold_km) if threshold_km
            else Note.of("weights_inverse_distance", power=power))
    return Weights(tuple(entities), row_standardise(w), "inverse_distance", (), note)


def economic_weights(entities, values: np.ndarray, column: str) -> Weights:
    """w_ij = 1 / |x_i - x_j| with x each entity's mean of `column` over the periods."""
    d = np.abs(values[:, None] - values[None, :]).astype(float)
    np.fill_diagonal(d, np.inf)
    _check_distinct(entities, d, "entities_share_economic_mean", "spatial.column", variable=column)
    return Weights(tuple(entities), row_standardise(1 / d), "economic", (), Note.of("weights_economic", column=column))


def _check_distinct(entities, d: np.ndarray, code: str, key: str, **fields) -> None:
    i, j = np.nonzero(np.triu(d == 0, 1))
    if len(i):
        raise UserError([Problem.of(code, key=key, first=entities[a], second=entities[b], **fields)
                         for a, b in zip(i[:5], j[:5])])


def contiguity_weights(entities, layer: Boundaries, found: list[int], rule: str = "queen",
                       islands: str = "nearest") -> Weights:
    """Queen (shared point) or rook (shared edge) contiguity between the features `found` for the entities;
    an entity without neighbours is linked to its nearest."""
    pairs = contiguity_pairs(layer, tuple(found), rule)
    has_neighbour = np.zeros(len(entities), dtype=bool)
    has_neighbour[pairs.ravel()] = True
    lonely = np.flatnonzero(~has_neighbour)
    if len(lonely) and islands == "error":
        raise UserError([Problem.of("island_without_neighbour", entity=entities[i], key="spatial.islands", rule=rule)
                         for i in lonely])
    added = []
    if len(lonely):
        d = great_circle_km(centroids(layer.geometries[list(found)]))
        np.fill_diagonal(d, np.inf)
        nearest = np.argmin(d[lonely], axis=1)
        pairs = np.vstack([pairs, np.column_stack([lonely, nearest])])
        added = [(entities[i], entities[j], float(d[i, j])) for i, j in zip(lonely, nearest)]
    links = np.vstack([pairs, pairs[:, ::-1]])
    binary = sparse.csr_matrix((np.ones(len(links)), (links[:, 0], links[:, 1])), shape=(len(entities),) * 2)
    binary.data[:] = 1.0  # a link added both ways for an island may duplicate an existing one
    links = tuple(Note.of("island_link", island=a, neighbour=b, km=km) for a, b, km in added)
    note = Note.of("weights_contiguity", rule=Note.of(f"contiguity_{rule}"),
                   islands=Note.of("islands_linked", links=links) if links else "")
    return Weights(tuple(entities), row_standardise(binary), rule, tuple(added), note)


# ---------------------------------------------------------------- statistics

def constant_columns(y: np.ndarray) -> np.ndarray:
    """Columns whose values do not vary beyond rounding, for which Moran's I is undefined."""
    y = np.asarray(y, dtype=float)
    z = y - y.mean(axis=0)
    return ~np.any(np.abs(z) > 1e-12 * np.maximum(1.0, np.abs(y).max(axis=0)), axis=0)


def _centred(y) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    if constant_columns(y[:, None])[0]:
        raise UserError(Problem.of("moran_values_constant"))
    return y - y.mean()


def _folded_pseudo_p(simulated: np.ndarray, observed, permutations: int) -> np.ndarray:
    """(min(#sim >= obs, #sim < obs) + 1) / (P + 1), the pseudo p-value GeoDa and esda report."""
    larger = (simulated >= observed).sum(axis=0)
    larger = np.minimum(larger, permutations - larger)
    return (larger + 1.0) / (permutations + 1.0)


def global_moran(y, w: sparse.csr_matrix, permutations: int = 0, rng=None) -> dict:
    """Moran's I of one variable; see moran_columns."""
    _centred(y)
    return {k: float(v[0]) for k, v in moran_columns(np.asarray(y, dtype=float)[:, None], w, permutations, rng).items()}


def moran_columns(y: np.ndarray, w: sparse.csr_matrix, permutations: int = 0, rng=None) -> dict[str, np.ndarray]:
    """Moran's I of each column of y (none constant) with E(I), variances under normality and randomisation
    (Cliff and Ord 1981) and a permutation p. Columns are permuted together, as many per call as PERMUTED_VALUES
    allows; the stream drawn is the same as one call per column in turn."""
    z = y - y.mean(axis=0)
    n = len(z)
    s0 = w.sum()
    sym = w + w.T
    s1 = 0.5 * sym.multiply(sym).sum()
    s2 = float(((np.asarray(w.sum(axis=1)).ravel() + np.asarray(w.sum(axis=0)).ravel()) ** 2).sum())
    m2 = np.einsum("ic,ic->c", z, z)
    i = n / s0 * np.einsum("ic,ic->c", z, w @ z) / m2
    ei = -1 / (n - 1)
    var_norm = (n * n * s1 - n * s2 + 3 * s0 * s0) / ((n * n - 1) * s0 * s0) - ei * ei
    kurtosis = n * (z**4).sum(axis=0) / m2**2
    var_rand = ((n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s0 * s0)
                 - kurtosis * ((n * n - n) * s1 - 2 * n * s2 + 6 * s0 * s0))
                / ((n - 1) * (n - 2) * (n - 3) * s0 * s0) - ei * ei)
    out = {"I": i, "EI": np.full(len(i), ei), "sd_norm": np.full(len(i), np.sqrt(var_norm)), "sd_rand": np.sqrt(var_rand)}
    for name in ("norm", "rand"):
        out[f"z_{name}"] = (i - ei) / out[f"sd_{name}"]
        out[f"p_{name}"] = 2 * special.ndtr(-abs(out[f"z_{name}"]))
    out["p_perm"] = np.full(len(i), np.nan)
    if permutations:
        simulated = np.empty((len(i), permutations))
        step = max(1, PERMUTED_VALUES // (permutations * n))  # columns per call, bounding memory on large panels
        for first in range(0, len(i), step):
            block = slice(first, first + step)
            shuffled = np.repeat(z[:, block].T, permutations, axis=0)
            rng.permuted(shuffled, axis=1, out=shuffled)
            simulated[block] = np.einsum("pj,jp->p", shuffled, w @ shuffled.T).reshape(-1, permutations)
        simulated *= (n / s0 / m2)[:, None]
        out["p_perm"] = _folded_pseudo_p(simulated.T, i, permutations)
    return out


def local_moran(y, w: sparse.csr_matrix, permutations: int = 0, rng=None) -> pd.DataFrame:
    """Anselin (1995) I_i = (z_i / m2) sum_j w_ij z_j with E and Var under total randomisation (Sokal et al. 1998,
    A3-A4, as esda); a conditional-permutation pseudo p when permutations > 0."""
    z = _centred(y)
    n = len(z)
    m2 = (z @ z) / n
    lag = w @ z
    local = z / m2 * lag
    wi = np.asarray(w.sum(axis=1)).ravel()
    wi2 = np.asarray(w.multiply(w).sum(axis=1)).ravel()
    b2 = ((z**4).sum() / n) / m2**2
    expectation = -wi / (n - 1)
    variance = (wi2 * (n - b2) / (n - 1) + (wi**2 - wi2) * (2 * b2 - n) / ((n - 1) * (n - 2))
                - expectation**2)
    z_score = (local - expectation) / np.sqrt(variance)
    sd = np.sqrt(m2)
    quadrant = QUADRANTS[np.where(z > 0, np.where(lag > 0, 0, 3), np.where(lag > 0, 1, 2))]
    frame = pd.DataFrame({"value": np.asarray(y, dtype=float), "z": z / sd, "lag": lag / sd, "I": local,
                          "EI": expectation, "VI": variance, "z_I": z_score,
                          "p_norm": 2 * special.ndtr(-np.abs(z_score)), "quadrant": quadrant})
    frame["p_perm"] = _conditional_pseudo_p(z, w, local, m2, permutations, rng) if permutations else np.nan
    return frame


def _conditional_pseudo_p(z, w: sparse.csr_matrix, observed, m2, permutations: int, rng, chunk: int = 256):
    """Hold z_i fixed, draw its neighbours' values from the other n - 1; one shared draw matrix, as esda does.

    Cost is permutations x nonzeros of w."""
    n = len(z)
    counts = np.diff(w.indptr)
    width = int(counts.max())
    keys = rng.random((permutations, n - 1))
    draws = np.argpartition(keys, width - 1, axis=1)[:, :width]  # the first `width` of a full argsort, found faster
    draws = np.take_along_axis(draws, np.argsort(np.take_along_axis(keys, draws, axis=1), axis=1), axis=1)
    padded = np.zeros((n, width))
    for i in range(n):
        padded[i, : counts[i]] = w.data[w.indptr[i]: w.indptr[i + 1]]
    p = np.empty(n)
    for start in range(0, n, chunk):
        rows = np.arange(start, min(start + chunk, n))
        picked = draws[None, :, :] + (draws[None, :, :] >= rows[:, None, None])  # skip i itself
        lags = np.einsum("rpk,rk->rp", z[picked], padded[rows])
        simulated = (z[rows, None] / m2 * lags).T
        p[rows] = _folded_pseudo_p(simulated, observed[rows], permutations)
    return p


def getis_ord_star(y, w: sparse.csr_matrix) -> pd.DataFrame:
    """Getis-Ord Gi* z-scores; the self-weight w_ii is the row's largest weight (1 for binary weights, as in
    Getis and Ord 1992); Gi* is invariant to rescaling a row, so row-standardised weights give the binary result."""
    y = np.asarray(y, dtype=float)
    _centred(y)
    n = len(y)
    star = sparse.csr_matrix(w)
    star = star + sparse.diags(star.max(axis=1).toarray().ravel())
    wi = np.asarray(star.sum(axis=1)).ravel()
    s1i = np.asarray(star.multiply(star).sum(axis=1)).ravel()
    mean, sd = y.mean(), np.sqrt((y**2).mean() - y.mean() ** 2)
    gz = (star @ y - mean * wi) / (sd * np.sqrt((n * s1i - wi**2) / (n - 1)))
    return pd.DataFrame({"Gi_z": gz, "Gi_p": 2 * special.ndtr(-np.abs(gz))})


def significant(p: np.ndarray, alpha: float, correction: str = "none") -> np.ndarray:
    """p <= alpha; Bonferroni: p <= alpha / n; FDR: Benjamini-Hochberg step-up (de Castro and Singer 2006)."""
    p = np.asarray(p, dtype=float)
    if correction == "bonferroni":
        return p <= alpha / len(p)
    if correction == "fdr":
        ordered = np.sort(p)
        passing = np.nonzero(ordered <= alpha * np.arange(1, len(p) + 1) / len(p))[0]
        return p <= ordered[passing[-1]] if len(passing) else np.zeros(len(p), dtype=bool)
    return p <= alpha
