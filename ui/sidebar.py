"""The sidebar: the workspace's studies, the study file to save or restore, and the examples."""
from __future__ import annotations

import re
import time

import streamlit as st

from analysis import examples
from analysis.study import dumps

from . import autosave, state
from .notices import plain

LISTED_STUDIES = 8


def study_file_name(title: str) -> str:
    """A file name from the study's title: lowercase words joined by hyphens, at most six."""
    words = re.findall(r"\w+", title.lower())[:6]
    return "-".join(words or ["study"]) + ".toml"


def _load_example() -> None:
    autosave.start_new(st.session_state["example"], narrative=True)


def workspace() -> None:
    """The studies saved in the workspace, latest first: open one, or start a new one."""
    st.subheader("Your studies", anchor=False)
    st.caption("Every change is saved on this computer as you work; reloading the page, or opening its address "
               "again, brings this study back.")
    current = st.session_state[autosave.STUDY_ID]
    for saved in [s for s in autosave.recent() if s.id != current][:LISTED_STUDIES]:
        st.button(plain(_entry(saved)), key=f"open.{saved.id}", on_click=autosave.open_study, args=(saved.id,),
                  icon=":material/history:", type="tertiary", help="Open this study; the one on screen stays saved.")
    st.button("New study", on_click=autosave.start_new, icon=":material/add:", width="stretch",
              help="Starts on the demo; the study you are on stays in the list.")


def _entry(saved) -> str:
    return f"{saved.title[:40]} · {saved.filename[:30]} · {time.strftime('%d %b %H:%M', time.localtime(saved.updated))}"


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
