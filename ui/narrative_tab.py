"""Narrative: the author's own text, and the results text drafted from the numbers for review.

Editing text changes only the narrative in the session; the estimates come from the cache untouched.
"""
from __future__ import annotations

from html import escape

import streamlit as st

from analysis.errors import UserError
from report.document import plain
from report.matter import check_citations
from report.narrative import Narrative, dumps, loads, with_bibliography

from . import state
from .text import t

NARRATIVE_REVISION = "narrative_revision"
SHORT_FIELDS = ("title", "authors", "affiliations", "keywords")
SECTIONS = {"highlights": 100, "abstract": 160, "introduction": 240, "literature": 240, "hypotheses": 120,
            "conclusions": 200, "suggestions": 200}  # field: height of its box
DECLARATIONS = ("author_contributions", "competing_interests", "funding", "data_availability")
CHINESE_LINES = ("clc_number", "document_code", "article_number", "received", "title_en", "authors_en", "keywords_en")
CHINESE_PARAGRAPHS = ("abstract_purpose", "abstract_methods", "abstract_results", "abstract_conclusions",
                      "author_notes", "affiliations_en", "abstract_en")
CITATION_STYLES = ("", "apa", "harvard", "numeric", "gb7714")


def _key(field: str) -> str:
    return f"narrative{st.session_state.get(NARRATIVE_REVISION, 0)}.{field}"


def _store(field: str) -> None:
    _accept(state.narrative().model_copy(update={field: st.session_state[_key(field)]}))


def _accept(new: Narrative) -> bool:
    """Keep the edited narrative unless a citation names a key the reference file lacks; then say which and where."""
    try:
        check_citations(new)
    except UserError as e:
        st.session_state[state.EDIT_PROBLEMS] = [state.located(p, t("where_narrative")) for p in e.problems]
        return False
    st.session_state[state.NARRATIVE] = new
    st.session_state[state.EDIT_PROBLEMS] = []
    return True


def _attach_references() -> None:
    upload = st.session_state.get(_key("bibliography_upload"))
    if upload is None:
        return
    try:
        new = with_bibliography(state.narrative(), upload.getvalue(), upload.name)
    except UserError as e:
        st.session_state[state.EDIT_PROBLEMS] = [state.located(p, t("where_reference_file")) for p in e.problems]
        return
    _accept(new)


def _restore() -> None:
    upload = st.session_state.get("narrative_upload")
    if upload is None:
        return
    try:
        restored = loads(upload.getvalue().decode("utf-8-sig"))
    except UnicodeDecodeError:
        st.session_state[state.EDIT_PROBLEMS] = [t("in_place", where=t("where_narrative_file"), text=t("narrative_not_utf8"))]
        return
    except UserError as e:
        st.session_state[state.EDIT_PROBLEMS] = [state.located(p, t("where_narrative_file")) for p in e.problems]
        return
    if _accept(restored):
        st.session_state[NARRATIVE_REVISION] = st.session_state.get(NARRATIVE_REVISION, 0) + 1


def author_text(narrative: Narrative) -> None:
    left, right = st.columns(2)
    for k, field in enumerate(SHORT_FIELDS):
        (left if k % 2 == 0 else right).text_input(t(f"narrative_{field}"), getattr(narrative, field),
                                                   key=_key(field), on_change=_store, args=(field,))
    for field, height in SECTIONS.items():
        _section(narrative, field, height)
    with st.expander(t("narrative_declarations")):
        for field in DECLARATIONS:
            _section(narrative, field, 100)
    references(narrative)
    with st.expander(t("narrative_chinese_front")):
        for field in CHINESE_LINES:
            st.text_input(t(f"narrative_{field}"), getattr(narrative, field), key=_key(field), on_change=_store,
                          args=(field,))
        for field in CHINESE_PARAGRAPHS:
            _section(narrative, field, 100)


def _section(narrative: Narrative, field: str, height: int) -> None:
    st.text_area(t(f"narrative_{field}"), getattr(narrative, field), height=height, key=_key(field),
                 on_change=_store, args=(field,), placeholder=t("narrative_placeholder"), help=t("narrative_markup_help"))


def references(narrative: Narrative) -> None:
    """The reference file the sections cite (stored with the narrative), the citation style, or typed references."""
    st.markdown(f"**{t('references_heading')}**")
    style_field = "citation_style"
    labels = {style: t(f"citation_style_{style or 'default'}") for style in CITATION_STYLES}
    st.selectbox(t("citation_style"), CITATION_STYLES, index=CITATION_STYLES.index(narrative.citation_style),
                 format_func=labels.get, key=_key(style_field), on_change=_store, args=(style_field,))
    st.file_uploader(t("reference_file"), type=["bib", "json"],
                     key=_key("bibliography_upload"), on_change=_attach_references, max_upload_size=2)
    if narrative.bibliography:
        st.caption(t("reference_file_citing", name=narrative.bibliography_name or t("reference_file_stored")))
    else:
        st.text_area(t("references_typed"),
                     narrative.references, height=120, key=_key("references"), on_change=_store, args=("references",))


def drafted_text(result: state.Run) -> None:
    """The results paragraphs as the manuscript will print them, for the author to check against the tables."""
    drafted = state.run_report(result).text
    if not drafted:
        st.caption(t("nothing_drafted"))
    for section, paragraphs in drafted.items():
        st.markdown(f"**{t(f'drafted_{section}')}**")
        st.html("".join(f"<p>{escape(plain(paragraph))}</p>" for paragraph in paragraphs))


def render(result: state.Run | None) -> None:
    write, review = st.columns([3, 2], gap="large")
    with write:
        st.subheader(t("your_text"), anchor=False)
        author_text(state.narrative())
        save, load = st.columns(2)
        save.download_button(t("save_narrative"), dumps(state.narrative()), f"{t('file_narrative')}.toml",
                             mime="application/toml", icon=":material/download:")
        load.file_uploader(t("restore_narrative"), type=["toml"], key="narrative_upload", on_change=_restore,
                           max_upload_size=1)
    with review:
        st.subheader(t("drafted_text"), anchor=False)
        st.caption(t("drafted_text_caption"))
        if result is not None:
            with st.container(border=True):
                drafted_text(result)
