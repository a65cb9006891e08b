"""The sidebar: start from an example, save or restore the study file, see what is loaded."""
from __future__ import annotations

import re

import streamlit as st

from analysis import examples
from analysis.study import dumps

from . import state


def study_file_name(title: str) -> str:
    """A file name from the study's title: lowercase words joined by hyphens, at most six."""
    words = re.findall(r"\w+", title.lower())[:6]
    return "-".join(words or ["study"]) + ".toml"


def _load_example() -> None:
    state.load_example(st.session_state["example"])


def _load_study() -> None:
    upload = st.session_state.get(f"study_upload_{state.revision()}")
    if upload is not None:
        state.load_study_file(upload.getvalue())


def render() -> None:
    with st.sidebar:
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
                  help="Replaces the current study and data by the example's; save your study file first.")
        st.caption("Loading an example replaces the study and the data; your narrative stays.")
