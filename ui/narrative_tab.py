"""Narrative: the author's own text, and the results text drafted from the numbers for review.

Editing text changes only the narrative in the session; the estimates come from the cache untouched.
"""
from __future__ import annotations

from html import escape

import streamlit as st

from analysis.errors import UserError
from report.document import plain
from report.narrative import Narrative, dumps, loads

from . import state
from .text import t, translated

NARRATIVE_REVISION = "narrative_revision"
SHORT_FIELDS = {"title": "Title (blank: the study's title)", "authors": "Authors", "affiliations": "Affiliations",
                "keywords": "Keywords (separated by semicolons)"}
SECTIONS = {"abstract": ("Abstract", 160), "introduction": ("Introduction", 240), "literature": ("Literature review", 240),
            "conclusions": ("Conclusions", 200), "suggestions": ("Policy suggestions", 200),
            "references": ("References (one per line)", 200)}
DRAFTED = {"indices": "Composite indices", "coupling": "Coupling coordination", "model": "Simultaneous equations",
           "robustness": "Robustness", "heterogeneity": "Heterogeneity"}


def _key(field: str) -> str:
    return f"narrative{st.session_state.get(NARRATIVE_REVISION, 0)}.{field}"


def _store(field: str) -> None:
    st.session_state[state.NARRATIVE] = state.narrative().model_copy(update={field: st.session_state[_key(field)]})


def _restore() -> None:
    upload = st.session_state.get("narrative_upload")
    if upload is None:
        return
    try:
        restored = loads(upload.getvalue().decode("utf-8-sig"))
    except (UserError, UnicodeDecodeError) as e:
        problems = e.problems if isinstance(e, UserError) else [t("narrative_not_utf8")]
        st.session_state[state.EDIT_PROBLEMS] = [f"{t('where_narrative_file')}: {p}" for p in problems]
        return
    st.session_state[state.NARRATIVE] = restored
    st.session_state[state.EDIT_PROBLEMS] = []
    st.session_state[NARRATIVE_REVISION] = st.session_state.get(NARRATIVE_REVISION, 0) + 1


def author_text(narrative: Narrative) -> None:
    left, right = st.columns(2)
    for k, (field, label) in enumerate(SHORT_FIELDS.items()):
        (left if k % 2 == 0 else right).text_input(translated(f"narrative_{field}", label), getattr(narrative, field),
                                                   key=_key(field), on_change=_store, args=(field,))
    for field, (label, height) in SECTIONS.items():
        st.text_area(translated(f"narrative_{field}", label), getattr(narrative, field), height=height, key=_key(field),
                     on_change=_store, args=(field,), placeholder=t("narrative_placeholder"))


def drafted_text(result: state.Run) -> None:
    """The results paragraphs as the manuscript will print them, for the author to check against the tables."""
    drafted = state.run_report(result).text
    if not drafted:
        st.caption(t("nothing_drafted"))
    for section, paragraphs in drafted.items():
        st.markdown(f"**{translated(f'drafted_{section}', DRAFTED.get(section, section.title()))}**")
        st.html("".join(f"<p>{escape(plain(paragraph))}</p>" for paragraph in paragraphs))


def render(result: state.Run | None) -> None:
    write, review = st.columns([3, 2], gap="large")
    with write:
        st.subheader(t("your_text"), anchor=False)
        author_text(state.narrative())
        save, load = st.columns(2)
        save.download_button(t("save_narrative"), dumps(state.narrative()), "narrative.toml",
                             mime="application/toml", icon=":material/download:")
        load.file_uploader(t("restore_narrative"), type=["toml"], key="narrative_upload", on_change=_restore,
                           max_upload_size=1)
    with review:
        st.subheader(t("drafted_text"), anchor=False)
        st.caption(t("drafted_text_caption"))
        if result is not None:
            with st.container(border=True):
                drafted_text(result)
