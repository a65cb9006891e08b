"""The base map of the province maps: the shipped schematic outline or the author's own map (GeoJSON or Shapefile),
projected to an Albers equal-area conic and laid out in pixels, with the South China Sea islands (南海诸岛) in an
inset and a scale bar, as a map printed in China shows them.

Everything is computed here in pixels, so the chart draws with Vega's identity projection and the scale bar's
length is known exactly. Files are read as data only.
"""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from .errors import Joined, Problem, Reasons, UserError, first_names
from .spatial import EARTH_RADIUS_KM, SHIPPED_BOUNDARIES, name_keys
from .study import Study

MAX_BYTES = 50 * 2**20
MAPS_KEPT = 4  # base maps read and laid out kept per process (a map of 50 MB takes a few hundred MB parsed)
SHIPPED_NAME_FIELDS = ("adcode", "name_zh", "name_en")
SHAPEFILE_PARTS = ("shp", "shx", "dbf", "prj", "cpg")
CENTRAL_MERIDIAN, STANDARD_PARALLELS = 105.0, (25.0, 47.0)  # China's customary Albers projection
MAINLAND = (70.0, 17.5, 136.0, 54.0)  # lon/lat box of the main map; the islands further south go in the inset
SOUTH_SEA = (106.5, 2.5, 123.0, 24.5)  # lon/lat box of the inset
INSET_SCALE = 0.5  # the inset's scale as a share of the main map's
SCALE_BAR_KM = (100, 200, 250, 500, 1000, 2000)
SCALE_BAR_SHARE = 0.2  # of the panel's width, about
MESSAGE_NAMES = 5  # feature names a message quotes
MISSING_NAMES = 30  # entities a message lists as not found
SIMPLIFY_PX = 0.25  # detail finer than this is not printed


@dataclass(frozen=True, eq=False)
class BaseMap:
    """Features in longitude and latitude, the names each answers to, and where they come from."""

    geometries: tuple  # shapely geometries
    names: tuple[frozenset[str], ...]  # per feature, the keys (name_keys) its names match under
    titles: tuple[str, ...]  # per feature, its first name, for messages
    file: str  # the author's file name; "" for the shipped outline
    standard: bool  # the author declared it the map to print (study.map.base)
    upload: str = ""  # an upload's content hash and name field, under which figures drawn on it are kept
    warnings: tuple[Problem, ...] = ()  # why the map stands in for an upload that does not fit (drawn_map)

    def match(self, entities: list) -> tuple[dict, list]:
        """Entity -> feature key for every entity that names exactly one feature, and the entities that name none
        or several."""
        lookup: dict[str, set[int]] = {}
        for k, keys in enumerate(self.names):
            for key in keys:
                lookup.setdefault(key, set()).add(k)
        found, missing = {}, []
        for entity in entities:
            hits = set().union(*(lookup.get(key, set()) for key in _keys(entity)))
            if len(hits) == 1:
                found[entity] = str(hits.pop())
            else:
                missing.append(entity)
        return found, missing

    def is_china(self) -> bool:
        """Whether the map shows China, which prints the South China Sea islands in an inset."""
        import shapely
        return bool(shapely.contains_xy(np.array(self.geometries, dtype=object), CENTRAL_MERIDIAN, 35.0).any())


# Reading ----------------------------------------------------------------------------------------------------------

@cache
def shipped_map() -> BaseMap:
    collection = json.loads(SHIPPED_BOUNDARIES.read_text(encoding="utf-8"))
    return _base_map(collection["features"], SHIPPED_NAME_FIELDS, "", False, "map.base")


def study_map(study: Study) -> BaseMap:
    """The study's base map: map.base, else the spatial weights' boundary file, else the shipped outline.

    A boundary file that cannot serve as a map leaves the shipped outline: the spatial section reports its problem.
    """
    if not study.map.base and study.spatial and study.spatial.boundary:
        try:
            return _map_file(study.spatial.boundary, study.map.name_field, "spatial.boundary")
        except UserError:
            return shipped_map()
    return _map_file(study.map.base, study.map.name_field, "map.base") if study.map.base else shipped_map()


def _map_file(path: str, name_field: str, key: str) -> BaseMap:
    try:
        stamp = Path(path).stat()
    except OSError:
        raise UserError(Problem.of("base_map_not_found", key=key, path=path)) from None
    return _read_path(path, stamp.st_mtime_ns, stamp.st_size, name_field, key, key == "map.base")


@lru_cache(maxsize=MAPS_KEPT)
def _read_path(path: str, _mtime: int, size: int, name_field: str, key: str, standard: bool) -> BaseMap:
    if size > MAX_BYTES:
        raise UserError(Problem.of("base_map_too_large", key=key, limit=MAX_BYTES // 2**20))
    file = Path(path)
    if file.suffix.lower() == ".shp":
        siblings = {part: file.with_suffix(f".{part}") for part in SHAPEFILE_PARTS}
        siblings.update({part: file.with_suffix(f".{part.upper()}") for part in SHAPEFILE_PARTS
                         if not siblings[part].exists()})
        features = _shapefile_features({part: f.read_bytes() for part, f in siblings.items() if f.exists()}, key)
    else:
        features = _geojson_features(file.read_bytes(), key)
    return _base_map(features, (name_field,) if name_field else (), file.name, standard, key)


@lru_cache(maxsize=MAPS_KEPT)
def read_base_map(file_name: str, data: bytes, name_field: str = "") -> BaseMap:
    """An uploaded base map: GeoJSON (.geojson, .json) or a zipped Shapefile (.zip with .shp, .shx, .dbf and,
    if any, .prj and .cpg). The app passes it to figures() instead of the file the study names; the same upload
    gives the same map, whose layout is then reused."""
    if len(data) > MAX_BYTES:
        raise UserError(Problem.of("base_map_too_large", key="map.base", limit=MAX_BYTES // 2**20))
    if file_name.lower().endswith(".shp"):
        raise UserError(Problem.of("shapefile_not_zipped", key="map.base"))
    if file_name.lower().endswith(".zip"):
        features = _shapefile_features(_zipped_parts(file_name, data), "map.base")
    else:
        features = _geojson_features(data, "map.base")
    base = _base_map(features, (name_field,) if name_field else (), file_name, True, "map.base")
    return replace(base, upload=_upload_key(data, name_field))


def _zipped_parts(file_name: str, data: bytes) -> dict[str, bytes]:
    """The files of the one Shapefile in a zip archive, by suffix; an archive that unpacks to more than MAX_BYTES
    or holds several Shapefiles is refused."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if Path(m.filename).suffix.lower()[1:] in SHAPEFILE_PARTS]
            shapes = [m.filename for m in members if m.filename.lower().endswith(".shp")]
            if len(shapes) > 1:
                raise UserError(Problem.of("zip_several_shapefiles", key="map.base", file=file_name,
                                           count=len(shapes), names=tuple(shapes)))
            if sum(m.file_size for m in members) > MAX_BYTES:
                raise UserError(Problem.of("zip_too_large", key="map.base", file=file_name, limit=MAX_BYTES // 2**20))
            return {Path(m.filename).suffix.lower()[1:]: archive.read(m) for m in members}
    except (zipfile.BadZipFile, OSError, EOFError):
        raise UserError(Problem.of("zip_unreadable", key="map.base", file=file_name)) from None


def _geojson_features(data: bytes, key: str) -> list[dict]:
    try:
        features = json.loads(data.decode("utf-8-sig"))["features"]
        if not isinstance(features, list) or not all(isinstance(f, dict) and "geometry" in f for f in features):
            raise ValueError
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise UserError(Problem.of("base_map_not_geojson", key=key)) from None
    return features


def _shapefile_features(parts: dict[str, bytes], key: str) -> list[dict]:
    import shapefile
    missing = [f".{s}" for s in ("shp", "dbf") if s not in parts]
    if missing:
        raise UserError(Problem.of("shapefile_lacks_parts", key=key, parts=Joined(missing)))
    if b"PROJCS" in parts.get("prj", b""):
        raise UserError(Problem.of("shapefile_projected", key=key))
    declared = parts.get("cpg", b"").decode("ascii", "ignore").strip()
    for encoding in dict.fromkeys([declared or "utf-8", "utf-8", "gb18030"]):
        try:
            reader = shapefile.Reader(shp=io.BytesIO(parts["shp"]), dbf=io.BytesIO(parts["dbf"]),
                                      shx=io.BytesIO(parts["shx"]) if "shx" in parts else None, encoding=encoding)
            return reader.__geo_interface__["features"]
        except (UnicodeDecodeError, shapefile.dbfFileException) as error:
            if "decode" in str(error):  # text in another encoding: try the next
                continue
            raise UserError(Problem.of("shapefile_unreadable", key=key, error=str(error))) from None
        except Exception as error:  # pyshp raises its own and struct errors on a damaged file
            raise UserError(Problem.of("shapefile_unreadable", key=key, error=str(error))) from None
    raise UserError(Problem.of("shapefile_encoding_unknown", key=key))


def _base_map(features: list[dict], name_fields: tuple[str, ...], file: str, standard: bool, key: str) -> BaseMap:
    from shapely.geometry import shape
    try:
        import shapely
        geometries = tuple(shapely.make_valid(shape(f["geometry"])) for f in features if f.get("geometry"))
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException) as error:
        raise UserError(Problem.of("base_map_geometry_unreadable", key=key, error=str(error))) from None
    if not geometries:
        raise UserError(Problem.of("base_map_empty", key=key))
    x0, y0, x1, y1 = shapely.total_bounds(np.array(geometries, dtype=object))
    if x0 < -180 or x1 > 360 or y0 < -90 or y1 > 90:
        raise UserError(Problem.of("base_map_not_lonlat", key=key, x0=x0, x1=x1, y0=y0, y1=y1))
    properties = [f.get("properties") or {} for f in features if f.get("geometry")]
    if name_fields and not any(name_fields[0] in p for p in properties):
        fields = tuple(sorted({str(k) for p in properties for k in p}))
        raise UserError(Problem.of("base_map_lacks_name_field" if fields else "base_map_has_no_properties",
                                   key="map.name_field", field=name_fields[0], **({"fields": fields} if fields else {})))
    values = [_names(p, name_fields) for p in properties]
    names = tuple(frozenset(k for value in v for k in _keys(value)) for v in values)
    return BaseMap(geometries, names, tuple(str(v[0]) if v else "" for v in values), file, standard)


def _names(properties: dict, fields: tuple[str, ...]) -> list:
    """The values a feature is named by: the given fields, or every text and whole-number property."""
    values = [properties.get(f) for f in fields] if fields else list(properties.values())
    return [v for v in values if isinstance(v, (str, int, float)) and not isinstance(v, bool)]


def _keys(value) -> set[str]:
    """The spellings a name or an administrative code matches under (2-digit province codes padded to 6)."""
    text = str(value).strip().removesuffix(".0")
    if text.isdigit():
        return {text.ljust(6, "0") if len(text) == 2 else text}
    return name_keys(text)


def base_map_names(base: BaseMap, entities: list) -> dict:
    """Entity -> feature key; a UserError naming the entities not found when the author's map names fewer than half
    of them (an entity naming two features counts as not found)."""
    found, missing = base.match(entities)
    if len(found) < len(entities) / 2:
        raise UserError(Problem.of("base_map_names_few", key="map.base" if base.standard else "spatial.boundary",
                                   file=base.file, found=len(found), total=len(entities), missing=_listed(missing),
                                   examples=tuple(t for t in base.titles[:MESSAGE_NAMES] if t)))
    return found


def drawn_map(upload: BaseMap, study: Study, entities: list) -> BaseMap:
    """The map an uploaded base map draws the entities on: the upload when it names at least half of them, else the
    study's map carrying a warning that names those the upload lacks (the maps' notes print it)."""
    found, missing = upload.match(entities)
    if len(found) >= len(entities) / 2:
        return upload
    warning = Problem.of("base_map_not_used", severity="warning", key="map.base", file=upload.file, found=len(found),
                         total=len(entities), missing=_listed(missing))
    return _standing_in(study_map(study), warning, upload.upload)


def unread_map(study: Study, file: str, data: bytes, name_field: str, problems) -> BaseMap:
    """The study's map drawn instead of an upload that cannot be read as the study now names its field (a study
    file reloaded with another [map] name_field), carrying a warning that says why."""
    warning = Problem.of("base_map_unread", severity="warning", key="map.name_field", file=file,
                         reasons=Reasons(problems))
    return _standing_in(study_map(study), warning, _upload_key(data, name_field))


def _upload_key(data: bytes, name_field: str) -> str:
    """An upload's content hash and name field: the figures drawn on it are kept under this key."""
    return f"{hashlib.sha256(data).hexdigest()}:{name_field}"


@lru_cache(maxsize=MAPS_KEPT)
def _standing_in(base: BaseMap, warning: Problem, upload: str) -> BaseMap:
    """The map drawn instead of an upload, kept under the upload's key (the same upload and entities give the same
    map, whose layout is then reused)."""
    return replace(base, warnings=(warning,), upload=upload)


def _listed(names: list) -> tuple:
    """Entity names for a message, sorted; beyond MISSING_NAMES counted."""
    return first_names(sorted(map(str, names)), MISSING_NAMES)


# Projection and layout ------------------------------------------------------------------------------------------------

def albers(lon0: float, parallels: tuple[float, float]):
    """Albers equal-area conic on a sphere of the Earth's mean radius: (lon, lat) in degrees -> (x, y) in km,
    true to scale along the standard parallels (Snyder 1987, eqs. 14-1 to 14-4)."""
    phi1, phi2 = np.radians(parallels)
    n = (np.sin(phi1) + np.sin(phi2)) / 2
    c = np.cos(phi1) ** 2 + 2 * n * np.sin(phi1)

    def project(lonlat: np.ndarray) -> np.ndarray:
        rho = EARTH_RADIUS_KM * np.sqrt(c - 2 * n * np.sin(np.radians(lonlat[:, 1]))) / n
        theta = n * np.radians(lonlat[:, 0] - lon0)
        return np.column_stack([rho * np.sin(theta), -rho * np.cos(theta)])
    return project


@dataclass(frozen=True)
class Layout:
    """One map panel in pixels (y down): every feature's shape (main map and inset together), the lines the map
    carries besides its areas, the inset's frame, the scale bar and its labels, and the panel's height."""

    areas: dict  # feature key -> GeoJSON geometry of its polygons
    lines: list  # GeoJSON geometries of line features (boundary lines, the South China Sea's dashed line)
    furniture: list  # GeoJSON LineStrings: the inset's frame and the scale bar
    labels: list  # {"x", "y", "text", "align"}: of the scale bar and the inset
    height: float
    scale_km: int  # the scale bar's length
    px_per_km: float  # of the main map, along the standard parallels
    inset: tuple[float, float, float, float] | None  # left, top, width, height of the South China Sea inset


@lru_cache(maxsize=2 * MAPS_KEPT)
def layout(base: BaseMap, width: int, max_height: int, unit: str, inset_name: str, label_width: float) -> Layout:
    """The map fitted to width (and at most max_height), the inset in the bottom right corner below the main map's
    shapes there, the scale bar in the bottom left below them; label_width: the inset name's width in pixels."""
    import shapely
    from shapely.geometry import MultiPolygon, mapping
    geometries = np.array(base.geometries, dtype=object)
    china = base.is_china()
    if china:
        project = albers(CENTRAL_MERIDIAN, STANDARD_PARALLELS)
        main = shapely.clip_by_rect(geometries, *MAINLAND)
    else:
        x0, y0, x1, y1 = shapely.total_bounds(geometries)
        project = albers((x0 + x1) / 2, (y0 + (y1 - y0) / 6, y1 - (y1 - y0) / 6))
        main = geometries
    main = shapely.transform(main, project)
    margin = 2.0
    x0, y0, x1, y1 = shapely.total_bounds(main)
    scale = min((width - 2 * margin) / (x1 - x0), (max_height - 2 * margin) / (y1 - y0))
    main = _to_pixels(main, scale, x0, y1, margin, margin)
    placed, furniture, labels, bottoms, inset_box = [main], [], [], [margin + (y1 - y0) * scale], None
    if china:
        box = shapely.transform(shapely.box(*SOUTH_SEA).segmentize(0.5), project)
        bx0, by0, bx1, by1 = box.bounds
        small = scale * INSET_SCALE
        w, h = (bx1 - bx0) * small, (by1 - by0) * small
        left = width - margin - w
        top = _lowest(main, left - 3, width) + 4
        placed.append(_to_pixels(shapely.intersection(shapely.transform(geometries, project), box), small, bx0, by1,
                                 left, top))
        furniture.append(_line([(left, top), (left + w, top), (left + w, top + h), (left, top + h), (left, top)]))
        inside = label_width <= w - 6
        labels.append({"x": left + w / 2 if inside else left + w, "y": top + h - 4 if inside else top + h + 11,
                       "text": inset_name, "align": "center" if inside else "right"})
        bottoms.append(top + h + (0 if inside else 13))
        inset_box = (left, top, w, h)
    km = min(SCALE_BAR_KM, key=lambda k: abs(k * scale - SCALE_BAR_SHARE * width))
    length, left = km * scale, margin + 4
    bar_y = _lowest(main, 0, left + length + 30) + 8
    furniture += [_line([(left, bar_y), (left + length, bar_y)])] + [
        _line([(left + f * length, bar_y - 3), (left + f * length, bar_y)]) for f in (0, 0.5, 1)]
    labels += [{"x": left, "y": bar_y + 11, "text": "0", "align": "center"},
               {"x": left + length, "y": bar_y + 11, "text": f"{km} {unit}", "align": "center"}]
    bottoms.append(bar_y + 14)
    areas, lines = {}, []
    for k in range(len(geometries)):
        polygons = shapely.get_parts(shapely.simplify(shapely.get_parts([p[k] for p in placed]), SIMPLIFY_PX))
        kept = [_oriented(p) for p in polygons if p.geom_type == "Polygon" and not p.is_empty]
        lines += [mapping(p) for p in polygons if "LineString" in p.geom_type and not p.is_empty]
        if kept:
            areas[str(k)] = mapping(MultiPolygon(kept))
    return Layout(areas, lines, furniture, labels, max(bottoms) + margin, km, scale, inset_box)


def _lowest(shapes, left: float, right: float) -> float:
    """The largest y (lowest point) of the shapes between x = left and x = right; 0 where none reaches there."""
    import shapely
    strip = shapely.intersection(shapes, shapely.box(left, -1e9, right, 1e9))
    strip = strip[~shapely.is_empty(strip)]
    return float(shapely.total_bounds(strip)[3]) if len(strip) else 0.0


def _to_pixels(geometries, scale: float, x0: float, y_top: float, left: float, top: float):
    import shapely
    return shapely.transform(geometries, lambda xy: np.column_stack(
        [left + (xy[:, 0] - x0) * scale, top + (y_top - xy[:, 1]) * scale]))


def _oriented(polygon):
    """Exterior and holes wound oppositely, so the renderer's non-zero fill leaves the holes empty."""
    from shapely.geometry.polygon import orient
    return orient(polygon, sign=1.0)


def _line(points: list[tuple[float, float]]) -> dict:
    return {"type": "LineString", "coordinates": [[round(x, 2), round(y, 2)] for x, y in points]}
