"""The sidebar: the workspace's studies, the study file to save or restore, and the examples."""
from __future__ import annotations

import re
import time

import streamlit as st

from analysis import examples
from analysis.study import dumps

from . import autosave, state


def study_file_name(title: str) -> str:
    """A file name from the study's title: lowercase words joined by hyphens, at most six."""
    words = re.findall(r"\w+", title.lower())[:6]
    return "-".join(words or ["study"]) + ".toml"


def _load_example() -> None:
    autosave.start_new(st.session_state["example"], narrative=True)


def _open_study() -> None:
    chosen = st.session_state.get("workspace_open")
    if chosen and chosen != st.session_state[autosave.STUDY_ID]:
        autosave.open_study(chosen)


def workspace() -> None:
    """The studies saved in the workspace, latest first: open one, or start a new one."""
    st.subheader("Your studies", anchor=False)
    saved = {s.id: s for s in autosave.recent()}
    current = st.session_state[autosave.STUDY_ID]
    if saved:
        ids = list(saved) if current in saved else [current, *saved]
        st.selectbox("Open a saved study", ids, ids.index(current), key="workspace_open", on_change=_open_study,
                     format_func=lambda i: _entry(saved[i]) if i in saved else "This study (not changed yet)",
                     help="Every change is saved in the workspace on this computer; reloading the page keeps it.")
    st.caption("Saved on this computer as you work; the page address opens this study again.")
    st.button("New study", on_click=autosave.start_new, icon=":material/add:", width="stretch",
              help="Starts on the demo; the study you are on stays in the list.")


def _entry(saved) -> str:
    return f"{saved.title[:60]} · {saved.filename[:30]} · {time.strftime('%d %b %H:%M', time.localtime(saved.updated))}"


def _load_study() -> None:
    upload = st.session_state.get(f"study_upload_{state.revision()}")
    if upload is not None:
        state.load_study_file(upload.getvalue())


def render() -> None:
    with st.sidebar:
        workspace()
        st.divider()
        st.subheader("Study file", anchor=False)
        st.caption("Every choice of the Study tab in one text file: save it to continue later, restore it here.")
        st.download_button("Save study file (.toml)", dumps(state.study()), study_file_name(state.study().title),
                           mime="application/toml", icon=":material/download:", width="stretch",
                           help="Everything you chose in the Study tab, in one text file you can reload here.")
        st.file_uploader("Restore a study file", type=["toml"], key=f"study_upload_{state.revision()}",
                         on_change=_load_study, max_upload_size=1,
                         help="Loads a study saved from this app; the data stay as they are.")
        st.divider()
        st.subheader("Examples", anchor=False)
        chosen = st.selectbox("Example", list(examples.EXAMPLES), key="example", label_visibility="collapsed")
        st.caption(examples.EXAMPLES[chosen].description + ".")
        st.button("Load example", on_click=_load_example, icon=":material/restart_alt:", width="stretch",
                  help="Opens the example as a new study; the current one stays under Your studies.")
        st.caption("An example opens as a new study with your narrative; the current study stays saved.")
