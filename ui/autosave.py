"""Each session's work kept in the workspace under an id in the page's address, so a reload or a reopened tab
restores the study, the data, the base map and the narrative; every change is saved at the start of the rerun it causes."""
from __future__ import annotations

import sqlite3

import streamlit as st

from analysis import examples
from analysis.errors import Problem, UserError
from analysis.study import DataSettings, DocumentSettings, dumps, loads
from report import narrative as narratives

from . import state
from .text import language, t
from .workspace import Saved, Workspace, default_path, new_id

URL_KEY = "study"  # ?study=<id>
STUDY_ID, SAVED, NOTICE = "workspace_id", "workspace_saved", "workspace_notice"


@st.cache_resource(show_spinner=False)
def _open(path: str) -> Workspace | Problem:
    """The workspace at path, or why it cannot be used (the app then works without saving)."""
    try:
        return Workspace(path)
    except UserError as e:
        return e.problems[0]


def workspace() -> Workspace | None:
    opened = _open(str(default_path()))
    if isinstance(opened, Problem):
        st.session_state[NOTICE] = opened.text(language())
        return None
    if opened.notice:  # told once, to the session that found the damaged file
        st.session_state[NOTICE], opened.notice = opened.notice.text(language()), None
    return opened


def start() -> None:
    """Restore the study the address names (a new session), else start on the demo; then save what changed."""
    state.init()
    if STUDY_ID not in st.session_state:
        study_id = st.query_params.get(URL_KEY) or new_id()
        _use(study_id)
        saved = _guarded(lambda w: w.load(study_id))
        if saved:
            restore(saved)
    if st.query_params.get(URL_KEY) != st.session_state[STUDY_ID]:
        st.query_params[URL_KEY] = st.session_state[STUDY_ID]
    save()


def _use(study_id: str, saved: bool = True) -> None:
    """Work from now on goes to study_id; what is on screen counts as saved there, or is saved at the next rerun."""
    st.session_state[STUDY_ID] = study_id
    st.session_state[SAVED] = _fingerprint() if saved else None
    st.query_params[URL_KEY] = study_id


def _fingerprint() -> tuple[str, str, str, str]:
    upload = state.map_file()
    return (state.dataset().key, dumps(state.study()), narratives.dumps(state.narrative()),
            upload.checksum + upload.filename if upload else "")


def _guarded(action):
    """Run action(workspace); a database error becomes a notice, and the app goes on without saving."""
    opened = workspace()
    if opened is None:
        return None
    try:
        return action(opened)
    except (sqlite3.Error, OSError) as e:
        st.session_state[NOTICE] = t("workspace_unusable", path=opened.path, error=e)
        return None


def save() -> None:
    """Store the session's study, data, base map and narrative when any of them changed since the last save."""
    now = _fingerprint()
    if now == st.session_state.get(SAVED):
        return
    data, study, upload = state.dataset(), state.study(), state.map_file()
    saved = Saved(st.session_state[STUDY_ID], study.title or data.filename, 0.0, now[1], now[2], data.filename,
                  data.sheet if len(data.sheets) > 1 else None, data.content,
                  *((upload.filename, upload.content) if upload else ()))
    if _guarded(lambda w: w.save(saved) or True):
        st.session_state[SAVED] = now


def restore(saved: Saved) -> None:
    """Put a stored study, its data (read as an upload is), its base map (likewise) and its narrative in the session."""
    try:
        data = state.read_dataset(saved.content, saved.filename, saved.sheet)
        study, narrative = loads(saved.study), narratives.loads(saved.narrative)
    except UserError as e:
        st.session_state[NOTICE] = t("not_restored", title=saved.title,
                                     error="; ".join(p.text(language()) for p in e.problems))
        return
    st.session_state[state.DATA] = data
    st.session_state[state.NARRATIVE] = narrative
    st.session_state[state.UPLOAD_PROBLEMS] = []
    state.replace_study(study)
    state.remove_base_map()
    if saved.base_map_name:
        state.receive_base_map(saved.base_map, saved.base_map_name)
    st.session_state[SAVED] = _fingerprint()


def recent() -> list[Saved]:
    return _guarded(lambda w: w.recent()) or []


def open_study(study_id: str) -> None:
    """Switch the session to a stored study; the current one is saved already."""
    saved = _guarded(lambda w: w.load(study_id))
    if saved:
        st.session_state[STUDY_ID] = study_id
        restore(saved)
        st.query_params[URL_KEY] = study_id


def start_new(example: str | None = None, narrative: bool = False) -> None:
    """A new study on an example's study and data (the first example by default); the narrative is kept when asked,
    else starts empty. The study before stays in the workspace."""
    study_id = _next_id()
    state.load_example(example or next(iter(examples.EXAMPLES)))
    state.remove_base_map()
    if not narrative:
        st.session_state[state.NARRATIVE] = narratives.Narrative()
    _use(study_id, saved=False)


def branch() -> None:
    """Save what is on screen under a new id from now on: a new study made from the current one or its data."""
    _use(_next_id(), saved=False)


def _next_id() -> str:
    """A new id, or the current one when it holds nothing of the author's: an example's study (whatever its data
    section says: an upload clears the synthetic label) and no narrative."""
    _, study, narrative, _ = st.session_state.get(SAVED) or ("", "", "", "")
    untouched = narrative == narratives.dumps(narratives.Narrative()) and _without_data_and_document(study) in _example_studies()
    return st.session_state[STUDY_ID] if untouched else new_id()


def _without_data_and_document(study_text: str) -> str:
    """The study text without its data and document settings (an example opens in the author's language)."""
    settings = {"data": DataSettings(), "document": DocumentSettings()}
    return dumps(loads(study_text).model_copy(update=settings)) if study_text else ""


@st.cache_data(show_spinner=False)
def _example_studies() -> set[str]:
    return {_without_data_and_document(dumps(example.study())) for example in examples.EXAMPLES.values()}
