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

NARRATIVE_REVISION = "narrative_revision"
SHORT_FIELDS = {"title": "Title (blank: the study's title)", "authors": "Authors", "affiliations": "Affiliations",
                "keywords": "Keywords (separated by semicolons)"}
SECTIONS = {"highlights": ("Highlights (one per line)", 100), "abstract": ("Abstract", 160),
            "introduction": ("Introduction", 240), "literature": ("Literature review", 240),
            "hypotheses": ("Research hypotheses", 120), "conclusions": ("Conclusions", 200),
            "suggestions": ("Policy suggestions", 200)}
DECLARATIONS = {"author_contributions": "Author contributions (CRediT roles)", "competing_interests": "Competing interests",
                "funding": "Funding (基金项目)", "data_availability": "Data availability"}
CHINESE_LINES = {"clc_number": "中图分类号 (CLC number)", "document_code": "文献标志码 (document code)",
                 "article_number": "文章编号 (article number)", "received": "收稿日期 (received)",
                 "title_en": "English title", "authors_en": "English author names", "keywords_en": "English key words"}
CHINESE_PARAGRAPHS = {"abstract_purpose": "摘要 目的 (purpose)", "abstract_methods": "摘要 方法 (methods)",
                      "abstract_results": "摘要 结果 (results)", "abstract_conclusions": "摘要 结论 (conclusions)",
                      "author_notes": "作者简介 (about the authors)", "affiliations_en": "English affiliations",
                      "abstract_en": "English abstract"}
STYLE_LABELS = {"": "As the manuscript asks (GB/T 7714 in Chinese, Elsevier Harvard for elsevier, else APA)",
                "apa": "APA (author-year)", "harvard": "Elsevier Harvard (author-year)",
                "numeric": "Numeric, in order of citation", "gb7714": "GB/T 7714-2015 (numeric)"}
MARKUP_HELP = ("A blank line starts a paragraph; *italic*, **bold**, lists with - or 1.; cite the reference file with "
               "[@key], [@key, p. 5] or @key in a sentence.")
DRAFTED = {"indices": "Composite indices", "coupling": "Coupling coordination", "model": "Simultaneous equations",
           "robustness": "Robustness", "heterogeneity": "Heterogeneity"}


def _key(field: str) -> str:
    return f"narrative{st.session_state.get(NARRATIVE_REVISION, 0)}.{field}"


def _store(field: str) -> None:
    _accept(state.narrative().model_copy(update={field: st.session_state[_key(field)]}))


def _accept(new: Narrative) -> bool:
    """Keep the edited narrative unless a citation names a key the reference file lacks; then say which and where."""
    try:
        check_citations(new)
    except UserError as e:
        st.session_state[state.EDIT_PROBLEMS] = [f"Narrative: {p}" for p in e.problems]
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
        st.session_state[state.EDIT_PROBLEMS] = [f"Reference file: {p}" for p in e.problems]
        return
    _accept(new)


def _restore() -> None:
    upload = st.session_state.get("narrative_upload")
    if upload is None:
        return
    try:
        restored = loads(upload.getvalue().decode("utf-8-sig"))
    except (UserError, UnicodeDecodeError) as e:
        problems = e.problems if isinstance(e, UserError) else ["the file is not UTF-8 text"]
        st.session_state[state.EDIT_PROBLEMS] = [f"Narrative file: {p}" for p in problems]
        return
    if _accept(restored):
        st.session_state[NARRATIVE_REVISION] = st.session_state.get(NARRATIVE_REVISION, 0) + 1


def author_text(narrative: Narrative) -> None:
    left, right = st.columns(2)
    for k, (field, label) in enumerate(SHORT_FIELDS.items()):
        (left if k % 2 == 0 else right).text_input(label, getattr(narrative, field), key=_key(field), on_change=_store,
                                                   args=(field,))
    for field, (label, height) in SECTIONS.items():
        _section(narrative, field, label, height)
    with st.expander("Declarations: contributions, competing interests, funding, data availability"):
        for field, label in DECLARATIONS.items():
            _section(narrative, field, label, 100)
    references(narrative)
    with st.expander("Chinese journal front matter (中文期刊首页信息)"):
        for field, label in CHINESE_LINES.items():
            st.text_input(label, getattr(narrative, field), key=_key(field), on_change=_store, args=(field,))
        for field, label in CHINESE_PARAGRAPHS.items():
            _section(narrative, field, label, 100)


def _section(narrative: Narrative, field: str, label: str, height: int) -> None:
    st.text_area(label, getattr(narrative, field), height=height, key=_key(field), on_change=_store, args=(field,),
                 placeholder="Left empty, the manuscript shows a marked placeholder here.", help=MARKUP_HELP)


def references(narrative: Narrative) -> None:
    """The reference file the sections cite (stored with the narrative), the citation style, or typed references."""
    st.markdown("**References**")
    style_field = "citation_style"
    st.selectbox("Citation style", list(STYLE_LABELS), index=list(STYLE_LABELS).index(narrative.citation_style),
                 format_func=STYLE_LABELS.get, key=_key(style_field), on_change=_store, args=(style_field,))
    st.file_uploader("Reference file (BibTeX .bib or CSL-JSON .json)", type=["bib", "json"],
                     key=_key("bibliography_upload"), on_change=_attach_references, max_upload_size=2)
    if narrative.bibliography:
        st.caption(f"Citing from {narrative.bibliography_name or 'the stored reference file'}; "
                   "the reference list holds the entries the text cites.")
    else:
        st.text_area("References typed by hand (one per line), used when there is no reference file",
                     narrative.references, height=120, key=_key("references"), on_change=_store, args=("references",))


def drafted_text(result: state.Run) -> None:
    """The results paragraphs as the manuscript will print them, for the author to check against the tables."""
    drafted = state.run_report(result).text
    if not drafted:
        st.caption("This study has no results to describe yet.")
    for section, paragraphs in drafted.items():
        st.markdown(f"**{DRAFTED.get(section, section.title())}**")
        st.html("".join(f"<p>{escape(plain(paragraph))}</p>" for paragraph in paragraphs))


def render(result: state.Run | None) -> None:
    write, review = st.columns([3, 2], gap="large")
    with write:
        st.subheader("Your text", anchor=False)
        author_text(state.narrative())
        save, load = st.columns(2)
        save.download_button("Save narrative (.toml)", dumps(state.narrative()), "narrative.toml",
                             mime="application/toml", icon=":material/download:")
        load.file_uploader("Restore a narrative file", type=["toml"], key="narrative_upload", on_change=_restore,
                           max_upload_size=1)
    with review:
        st.subheader("Results text drafted from the numbers", anchor=False)
        st.caption("Generated from the tables; it goes into the manuscript's results section. "
                   "Check every sentence against the tables before you submit.")
        if result is not None:
            with st.container(border=True):
                drafted_text(result)
