"""Messages above the tabs: what the data are, and anything refused or not run, with what to do."""
from __future__ import annotations

import re

import streamlit as st

from . import autosave, state

SHOWN = 3  # problems listed above the tabs; the Data tab lists them all


def plain(text: str) -> str:
    """Text shown literally in Markdown, for anything from a file or typed by the author: names such as 'cost_$',
    '*note*', ':red[x]' or '![](http://...)' print as typed; no link, image, colour, heading or code comes out."""
    return re.sub(r"([\\`*_{}\[\]<>#|~$])", r"\\\1", str(text))


def bullets(lines) -> str:
    return "\n".join(f"- {plain(line)}" for line in lines)


def render(result: state.Run | None) -> None:
    if notice := st.session_state.get(autosave.NOTICE):
        st.warning(plain(notice), icon=":material/database:")
    upload_problems = st.session_state.get(state.UPLOAD_PROBLEMS) or []
    if upload_problems:
        st.error("**The file was not loaded; the data in use are unchanged.**\n\n" + bullets(upload_problems),
                 icon=":material/error:")
    edit_problems = st.session_state.get(state.EDIT_PROBLEMS) or []
    if edit_problems:
        st.error("**That change was not applied; the last valid version is kept.**\n\n" + bullets(edit_problems),
                 icon=":material/error:")
    if result is None:
        st.error("The data and study have not run together yet: see the problems in the Data tab.")
        return
    if not result.current and result.dataset.key != state.dataset().key:
        st.info(f"**{plain(state.dataset().name)} is loaded, but the study has not run on it yet.** Start a new study "
                "on it, or match the study's columns to it, in the Data tab. The results below are the last that ran "
                f"(data: {plain(result.dataset.name)}).", icon=":material/upload_file:")
    elif not result.current:
        more = len(result.problems) - SHOWN
        st.warning(f"**The current data and study do not run yet; the results shown are the last ones that did** "
                   f"(data: {plain(result.dataset.name)}). To fix:\n\n" + bullets(str(p) for p in result.problems[:SHOWN])
                   + (f"\n- ... and {more} more, listed in the Data tab" if more > 0 else ""), icon=":material/warning:")
    if result.results.synthetic:
        st.info("**Synthetic demonstration data, not official statistics.** Every table and figure below is computed "
                "from a seeded, made-up panel in the shape of the paper's design. Upload your own panel in the Data tab.",
                icon=":material/science:")
