"""The sidebar: the language, the workspace's studies, the study file to save or restore, and the examples."""
from __future__ import annotations

import re
import time

import streamlit as st

from analysis import examples
from analysis.study import dumps

from . import autosave, state
from .notices import plain
from .text import LANGUAGE_NAMES, TABS, language, t

LISTED_STUDIES = 8
TAB = "tab"  # the tabs' session key: the open tab's label


def study_file_name(title: str) -> str:
    """A file name from the study's title: lowercase words joined by hyphens, at most six."""
    words = re.findall(r"\w+", title.lower())[:6]
    return "-".join(words or [t("file_study")]) + ".toml"


def _load_example() -> None:
    autosave.start_new(st.session_state["example"], narrative=True)


def _set_language(key: str) -> None:
    """The study's document language, which the screen follows; the open tab stays open under its new name."""
    open_tab = {t(name): name for name in TABS}.get(st.session_state.get(TAB))
    chosen = st.session_state[key]
    if state.edit(lambda d: d["document"].update(language=chosen), t("where_language")):
        state.replace_study(state.study())
        if open_tab:
            st.session_state[TAB] = t(open_tab)


def language_choice() -> None:
    key = f"language{state.revision()}"
    st.segmented_control(t("language"), list(LANGUAGE_NAMES), default=language(), format_func=LANGUAGE_NAMES.get,
                         key=key, on_change=_set_language, args=(key,), required=True, help=t("language_help"))


def workspace() -> None:
    """The studies saved in the workspace, latest first: open one, or start a new one."""
    st.subheader(t("your_studies"), anchor=False)
    st.caption(t("your_studies_caption"))
    current = st.session_state[autosave.STUDY_ID]
    for saved in [s for s in autosave.recent() if s.id != current][:LISTED_STUDIES]:
        st.button(plain(_entry(saved)), key=f"open.{saved.id}", on_click=autosave.open_study, args=(saved.id,),
                  icon=":material/history:", type="tertiary", help=t("open_study_help"))
    st.button(t("new_study"), on_click=autosave.start_new, icon=":material/add:", width="stretch",
              help=t("new_study_help"))


def _entry(saved) -> str:
    return f"{saved.title[:40]} · {saved.filename[:30]} · {time.strftime('%Y-%m-%d %H:%M', time.localtime(saved.updated))}"


def _load_study() -> None:
    upload = st.session_state.get(f"study_upload_{state.revision()}")
    if upload is not None:
        state.load_study_file(upload.getvalue())


def render() -> None:
    with st.sidebar:
        language_choice()
        workspace()
        st.divider()
        st.subheader(t("study_file"), anchor=False)
        st.caption(t("study_file_caption"))
        st.download_button(t("save_study_file"), dumps(state.study()), study_file_name(state.study().title),
                           mime="application/toml", icon=":material/download:", width="stretch",
                           help=t("save_study_file_help"))
        st.file_uploader(t("restore_study_file"), type=["toml"], key=f"study_upload_{state.revision()}",
                         on_change=_load_study, max_upload_size=1, help=t("restore_study_file_help"))
        st.divider()
        st.subheader(t("examples"), anchor=False)
        names = {name: t(f"example_name_{name}") for name in examples.EXAMPLES}
        chosen = st.selectbox(t("examples"), list(names), key="example", label_visibility="collapsed", format_func=names.get)
        st.caption(t(f"example_{chosen}"))
        st.button(t("load_example"), on_click=_load_example, icon=":material/restart_alt:", width="stretch",
                  help=t("load_example_help"))
        st.caption(t("load_example_caption"))
