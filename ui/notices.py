"""Messages above the tabs: what the data are, and anything refused or not run, with what to do."""
from __future__ import annotations

import re

import streamlit as st

from . import autosave, state
from .text import language, t

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
        st.error(f"**{t('upload_refused')}**\n\n" + bullets(upload_problems), icon=":material/error:")
    edit_problems = st.session_state.get(state.EDIT_PROBLEMS) or []
    if edit_problems:
        st.error(f"**{t('edit_refused')}**\n\n" + bullets(edit_problems), icon=":material/error:")
    if result is None:
        st.error(t("never_ran"))
        return
    if not result.current and result.dataset.key != state.dataset().key:
        st.info(t("not_run_on_upload", data=plain(state.dataset().name), last=plain(result.dataset.name)),
                icon=":material/upload_file:")
    elif not result.current:
        more = len(result.problems) - SHOWN
        st.warning(t("last_good_results", data=plain(result.dataset.name)) + "\n\n"
                   + bullets(p.text(language()) for p in result.problems[:SHOWN])
                   + ("\n- " + t("more_in_data_tab", more=more) if more > 0 else ""), icon=":material/warning:")
    drawn = state.uploaded_map(result)
    if drawn is not None and drawn.warnings:  # the uploaded base map does not name these entities
        st.warning(bullets(p.text(language()) for p in drawn.warnings), icon=":material/map:")
    if result.results.synthetic:
        st.info(t("synthetic_notice"), icon=":material/science:")
