"""What a session keeps between reruns, and the heavy work cached on strings (data hash, study text).

The session holds the current data and the last study that validated; edits that do not validate are
refused with their messages and leave that study in place. The last data and study that ran together
are kept too, so a bad upload or edit never takes the tables off the screen.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

import report
from analysis import examples
from analysis.basemap import BaseMap, base_map_names, drawn_map, read_base_map, unread_map
from analysis.data import Panel, read_table, sheet_names, validate
from analysis.errors import Problem, UserError
from analysis.pipeline import run
from analysis.results import Results
from analysis.study import DocumentSettings, Study, TableSettings, dumps, loads, study_from_dict
from analysis.table import Format
from report.narrative import Narrative
from report.narrative import dumps as narrative_dumps

from .text import language, t

MAX_UPLOAD_MB = 20  # also server.maxUploadSize in .streamlit/config.toml
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1_000_000
DATA_TYPES = ["csv", "tsv", "txt", "xlsx", "xlsm"]
BASE_MAP_TYPES = ["geojson", "json", "zip"]  # a zip holds a Shapefile

STUDY, DATA, NARRATIVE, GOOD = "study", "dataset", "narrative", "last_good_run"
EDIT_PROBLEMS, UPLOAD_PROBLEMS, REVISION = "edit_problems", "upload_problems", "revision"
BASE_MAP = "base_map"


@dataclass(frozen=True)
class Dataset:
    """A table the author works on: an example's data or an uploaded file, read as data only."""

    name: str
    frame: pd.DataFrame
    key: str  # content hash (and sheet): the data half of every cache key
    checksum: str  # sha256 of the file's bytes, as the bundle records it
    content: bytes  # kept to read another sheet of the same workbook
    filename: str
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    notes: tuple[Problem, ...] = ()  # warnings from reading the file


@dataclass(frozen=True)
class MapFile:
    """The author's standard base map as uploaded, kept as bytes and read as data on every use."""

    filename: str
    content: bytes
    checksum: str


@dataclass(frozen=True)
class Run:
    """Results on screen: those of the current data and study, or the last good ones and why the current fail."""

    study: Study
    dataset: Dataset
    panel: Panel
    results: Results
    problems: tuple[Problem, ...] = ()  # why the current data and study do not run; empty when current

    @property
    def current(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------- session


def init() -> None:
    """Start on the first example (the synthetic demo) once per session."""
    if STUDY not in st.session_state:
        load_example(next(iter(examples.EXAMPLES)))
        st.session_state[NARRATIVE] = Narrative()
        st.session_state[EDIT_PROBLEMS] = []
        st.session_state[UPLOAD_PROBLEMS] = []


def study() -> Study:
    return st.session_state[STUDY]


def dataset() -> Dataset:
    return st.session_state[DATA]


def narrative() -> Narrative:
    return st.session_state[NARRATIVE]


def revision() -> int:
    """Bumped when the study is replaced as a whole, so that every editor widget starts from it afresh."""
    return st.session_state.get(REVISION, 0)


def replace_study(new: Study) -> None:
    st.session_state[STUDY] = new
    st.session_state[EDIT_PROBLEMS] = []
    st.session_state[REVISION] = revision() + 1


def load_example(name: str) -> None:
    """Replace the study and data by an example's, its data file read as an upload would be; the language stays."""
    example = examples.EXAMPLES[name]
    st.session_state[DATA] = read_dataset(example.data_file.read_bytes(), example.data_file.name)
    st.session_state[UPLOAD_PROBLEMS] = []
    replace_study(in_language(example.study()))


def in_language(new: Study) -> Study:
    """A new study in the language the author works in (that of the study on screen, if any)."""
    if STUDY not in st.session_state:
        return new
    return new.model_copy(update={"document": new.document.model_copy(update={"language": study().document.language})})


def edit(change, where: str = "") -> bool:
    """Apply change(dict) to a copy of the study; a study that no longer validates, or could not run on any data,
    is refused with its messages. A refusal stays on screen until an edit of the same place is accepted, so a
    quick edit elsewhere does not hide it."""
    data = study().model_dump(mode="json")
    try:
        change(data)
        new = study_from_dict(data)
    except UserError as e:
        st.session_state[EDIT_PROBLEMS] = _elsewhere(where) + [located(p, where) for p in e.problems]
        return False
    st.session_state[STUDY] = new
    st.session_state[EDIT_PROBLEMS] = _elsewhere(where)
    return True


def located(problem: Problem, where: str) -> str:
    """The problem in the study's language, after the place of the app it was made in."""
    text = problem.text(language())
    return t("in_place", where=where, text=text) if where else text


def _elsewhere(where: str) -> list[str]:
    """Refusals of other places than where (none when where is blank: a whole-study edit)."""
    here = t("in_place", where=where, text="")
    return [p for p in st.session_state.get(EDIT_PROBLEMS) or [] if where and not p.startswith(here)]


def load_study_file(content: bytes) -> bool:
    """Restore a study from its TOML file exactly; a file that does not load leaves the current study."""
    try:
        replace_study(loads(content.decode("utf-8-sig")))
    except UnicodeDecodeError:
        st.session_state[EDIT_PROBLEMS] = [t("study_file_not_utf8")]
        return False
    except UserError as e:
        st.session_state[EDIT_PROBLEMS] = [located(p, t("where_study_file")) for p in e.problems]
        return False
    return True


# ---------------------------------------------------------------- data


def read_dataset(content: bytes, filename: str, sheet: str | None = None) -> Dataset:
    """A CSV or XLSX file read as data (never executed); raises UserError when it cannot be read. A workbook
    whose first sheet has no data opens on the first sheet that has."""
    try:
        frame = read_table(content, filename, sheet=sheet, max_bytes=MAX_UPLOAD_BYTES)
        empty = None if len(frame) else UserError(Problem.of("first_sheet_no_rows"))
    except UserError as e:
        frame, empty = None, e
    if empty and sheet is None:
        sheet, frame = next_filled_sheet(content, filename) or (None, frame)
    if frame is None:
        raise empty
    sheets = sheet_names(content)
    checksum = hashlib.sha256(content).hexdigest()
    return Dataset(name=filename + (t("sheet_suffix", sheet=sheet) if sheet else ""), frame=frame,
                   key=f"{checksum}:{sheet or ''}", checksum=checksum, content=content, filename=filename,
                   sheet=sheet or (sheets[0] if sheets else None), sheets=sheets,
                   notes=tuple(frame.attrs.get("problems", ())))


def next_filled_sheet(content: bytes, filename: str) -> tuple[str, pd.DataFrame] | None:
    """The first sheet after the first with data rows, with a note saying so; None if there is none."""
    try:
        sheets = sheet_names(content)
    except UserError:
        return None
    for name in sheets[1:]:
        try:
            frame = read_table(content, filename, sheet=name, max_bytes=MAX_UPLOAD_BYTES)
        except UserError:
            continue
        if len(frame):
            frame.attrs.setdefault("problems", []).append(
                Problem.of("first_sheet_empty", severity="warning", first=sheets[0], sheet=name))
            return name, frame
    return None


def receive_upload(content: bytes, filename: str, sheet: str | None = None) -> bool:
    """Take an uploaded file as the data; a file that cannot be read leaves the current data in place."""
    try:
        st.session_state[DATA] = read_dataset(content, filename, sheet)
    except UserError as e:
        st.session_state[UPLOAD_PROBLEMS] = [located(p, filename) for p in e.problems]
        return False
    st.session_state[UPLOAD_PROBLEMS] = []
    if study().data.synthetic:  # the author's own data are not the synthetic demo: stop saying so in the tables
        edit(lambda d: d["data"].update(synthetic=False, source=""), t("tab_data"))
    return True


# ---------------------------------------------------------------- base map


def map_file() -> MapFile | None:
    return st.session_state.get(BASE_MAP)


def checked_base_map(upload: MapFile, name_field: str, result: Run | None) -> BaseMap:
    """The uploaded map read with name_field; a UserError when it cannot be read or names fewer than half of the
    entities of the results (if any)."""
    base = read_base_map(upload.filename, upload.content, name_field)
    by_entity = result.results.coupling.by_entity if result and result.results.coupling is not None else None
    if by_entity is not None and "entity" in by_entity:
        base_map_names(base, by_entity["entity"].drop_duplicates().tolist())
    return base


def receive_base_map(content: bytes, filename: str) -> bool:
    """Take an uploaded base map for the figures; one that cannot serve leaves the map as it was."""
    upload = MapFile(filename, content, hashlib.sha256(content).hexdigest())
    try:
        checked_base_map(upload, study().map.name_field, st.session_state.get(GOOD))
    except UserError as e:
        st.session_state[UPLOAD_PROBLEMS] = [located(p, filename) for p in e.problems]
        return False
    st.session_state[UPLOAD_PROBLEMS] = []
    st.session_state[BASE_MAP] = upload
    return True


def remove_base_map() -> None:
    """Back to the map the study names (the shipped outline unless its [map] base says otherwise)."""
    st.session_state.pop(BASE_MAP, None)


def checked_name_field(name_field: str) -> str:
    """The base map's name field, refused (UserError) when the uploaded map does not name the entities by it."""
    if upload := map_file():
        checked_base_map(upload, name_field, st.session_state.get(GOOD))
    return name_field


def uploaded_map(result: Run) -> BaseMap | None:
    """The uploaded base map for these results, or the study's map warning that the upload cannot be read with the
    study's name field (basemap.unread_map) or does not name their entities (basemap.drawn_map); None (the study's
    map) when there is none."""
    upload = map_file()
    name_field = result.study.map.name_field
    try:
        base = read_base_map(upload.filename, upload.content, name_field) if upload else None
    except UserError as e:
        return unread_map(result.study, upload.filename, upload.content, name_field, e.problems)
    coupling = result.results.coupling
    if base is None or coupling is None or "entity" not in coupling.by_entity:
        return base
    return drawn_map(base, result.study, coupling.by_entity["entity"].drop_duplicates().tolist())


# ---------------------------------------------------------------- cached work


def estimation_text(study: Study) -> str:
    """The study without its printing choices, labels and document settings (its language too): what the numbers
    depend on, as a cache key."""
    settings = TableSettings(statistics=study.tables.statistics)
    return dumps(study.model_copy(update={"title": "", "variables": {}, "tables": settings,
                                          "document": DocumentSettings()}))


# The panel and results are shared, not copied (cache_resource): nothing changes them after they are made, and a
# rerun that unpickled them would spend more time on that than on the rest of a narrative edit.
@st.cache_resource(max_entries=16, show_spinner=False)
def _validated(data_key: str, study_key: str, _frame: pd.DataFrame, _study: Study, _checksum: str) -> Panel:
    return validate(_frame, _study, _checksum)


@st.cache_resource(max_entries=8, show_spinner=False)
def _results(data_key: str, study_key: str, _study: Study, _panel: Panel) -> Results | tuple[Problem, ...]:
    """The results, or why they cannot be had: a failure is cached like a result, so editing labels or the
    narrative of a study that fails does not estimate it again."""
    # The step line lives inside the cached call and is cleared at its end, so a cache hit replays nothing visible.
    step = st.empty()
    try:
        return run(_study, _panel, lambda name, **fields: step.caption(t("estimating_step", step=t(name, **fields))))
    except Exception as e:  # noqa: BLE001 - a failure of any kind is shown and cached, never a traceback
        return tuple(_as_user_error(e).problems)
    finally:
        step.empty()


def _attempt(data: Dataset, study: Study) -> Run:
    key = estimation_text(study)
    panel = _validated(data.key, key, data.frame, study, data.checksum)
    with st.spinner(t("estimating")):
        results = _results(data.key, key, study, panel)
    if isinstance(results, tuple):
        raise UserError(list(results))
    return Run(study, data, panel, results)


def _as_user_error(error: Exception) -> UserError:
    """The error as the app shows it: a UserError as it is, anything else logged and named as unexpected."""
    if isinstance(error, UserError):
        return error
    logging.getLogger(__name__).error("the analysis failed", exc_info=error)
    return UserError(Problem.of("analysis_stopped", error=f"{type(error).__name__}: {error}"))


def current_run() -> Run | None:
    """The current data and study's results, else the last good ones with the reasons; None if nothing ever ran."""
    data, now = dataset(), study()
    try:
        result = _attempt(data, now)
    except Exception as e:  # noqa: BLE001 - the app keeps the last good results whatever fails
        good: Run | None = st.session_state.get(GOOD)
        return replace(good, problems=tuple(_as_user_error(e).problems)) if good else None
    st.session_state[GOOD] = result
    return result


def table_format() -> Format:
    """Printing choices of the current study; they apply to whatever results are on screen."""
    return Format.from_settings(study().tables)


# Reports are shared, not copied (cache_resource): they are frozen, and their figures keep each export. The figures
# are drawn once per results object whatever the print settings (report.drawn), so a change of decimals redraws none.
@st.cache_resource(max_entries=8, show_spinner=False)
def _exhibits(data_key: str, study_text: str, format_text: str, map_key: str, _results: Results, _study: Study,
              _fmt: Format, _base_map: BaseMap | None) -> report.Exhibits:
    return report.exhibits(_results, _study, _fmt, base_map=_base_map)


@st.cache_resource(max_entries=8, show_spinner=False)
def _report(data_key: str, study_text: str, format_text: str, map_key: str, narrative_text: str, _results: Results,
            _study: Study, _narrative: Narrative, _fmt: Format, _base_map: BaseMap | None) -> report.Report:
    built = _exhibits(data_key, study_text, format_text, map_key, _results, _study, _fmt, _base_map)
    return report.assemble(_results, _study, _narrative, _fmt, built)


def report_of(result: Run, text: Narrative, fmt: Format) -> report.Report:
    """The cached Report of these results, narrative, print settings and uploaded base map."""
    with st.spinner(t("drawing")):
        base = uploaded_map(result)
        return _report(result.dataset.key, dumps(result.study), repr(fmt), base.upload if base else "",
                       narrative_dumps(text), result.results, result.study, text, fmt, base)


def run_report(result: Run) -> report.Report:
    """The one Report of the results on screen, the current print settings and narrative: every tab reads it."""
    return report_of(result, narrative(), table_format())
