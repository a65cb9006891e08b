"""Downloads: manuscripts, tables-only documents, each table, the bundle, the study and the narrative.

Documents are built when their button is clicked (deferred downloads), once per data, study and narrative.
"""
from __future__ import annotations

import streamlit as st

import report
from analysis.study import dumps
from report.bundle import latex_download
from report.export import table_csv, tables_xlsx
from report.matter import HIGHLIGHT_LENGTH, highlights_off_guide
from report.narrative import dumps as narrative_dumps

from . import state
from .notices import bullets
from .sidebar import study_file_name
from .text import t

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP = "application/zip"


@st.cache_data(max_entries=8, show_spinner=False)
def _rendered(data_key: str, study_text: str, narrative_text: str, format_text: str, formats: tuple[str, ...],
              _rep: report.Report, checksum: str) -> dict[str, bytes]:
    return report.render(_rep, formats, checksum=checksum)


def rendered(result: state.Run, rep: report.Report, formats: tuple[str, ...]) -> dict[str, bytes]:
    """The files report.render writes for the Report in the given formats (cached on the texts behind the Report)."""
    return _rendered(result.dataset.key, dumps(result.study), narrative_dumps(rep.narrative), repr(rep.settings), formats,
                     rep, result.dataset.checksum)


def _deferred(result: state.Run, rep: report.Report, formats: tuple[str, ...], pick):
    """A download's data, rendered on click from the cached Report (everything it needs is bound now)."""
    return lambda: pick(rendered(result, rep, formats))


def _highlights(result: state.Run, rep: report.Report, stem: str) -> None:
    """The journal's separate highlights file, and where the highlights leave its guide."""
    st.download_button(t("highlights_docx"), _deferred(result, rep, ("docx",), lambda f: f["highlights.docx"]),
                       f"{stem}-{t('file_highlights')}.docx", mime=DOCX, icon=":material/format_list_bulleted:",
                       on_click="ignore")
    if not rep.narrative.highlights.strip():
        return
    count_off, long = highlights_off_guide(rep.narrative)
    notes = ([t("highlights_count")] if count_off else []) + [t("highlight_too_long", number=k, length=n,
                                                                 limit=HIGHLIGHT_LENGTH) for k, n in long]
    if notes:
        st.warning(bullets(notes), icon=":material/rule:")


def render(result: state.Run | None) -> None:
    if result is None:
        st.info(t("nothing_to_download"))
        return
    rep = state.run_report(result)
    tables = [b.table for b in rep.exhibits.paper]
    if not tables:
        st.info(t("no_tables_yet"))
        return
    narrative = rep.narrative
    if not result.current:
        st.caption(t("downloads_last_good"))
    stem = study_file_name(result.study.title).removesuffix(".toml")

    st.subheader(t("manuscript"), anchor=False)
    st.caption(t("manuscript_caption"))
    word, latex = st.columns(2)
    word.download_button(t("manuscript_docx"), _deferred(result, rep, ("docx",), lambda f: f["manuscript.docx"]),
                         f"{stem}.docx", mime=DOCX, icon=":material/description:", type="primary", width="stretch",
                         on_click="ignore")
    latex.download_button(t("manuscript_latex"), _deferred(result, rep, ("tex",), lambda f: latex_download(f, "manuscript")),
                          f"{stem}-LaTeX.zip", mime=ZIP, icon=":material/folder_zip:", width="stretch", on_click="ignore")
    if rep.highlights:
        _highlights(result, rep, stem)

    st.subheader(t("tables_only"), anchor=False)
    word, latex, excel = st.columns(3)
    word.download_button(t("tables_docx"), _deferred(result, rep, ("docx",), lambda f: f["tables.docx"]),
                         f"{stem}-{t('file_tables')}.docx", mime=DOCX, icon=":material/table:", width="stretch", on_click="ignore")
    latex.download_button(t("tables_tex"), _deferred(result, rep, ("tex",), lambda f: latex_download(f, "tables")),
                          f"{stem}-{t('file_tables')}-LaTeX.zip", mime=ZIP, icon=":material/functions:", width="stretch",
                          on_click="ignore")
    excel.download_button(t("tables_xlsx"), tables_xlsx(tables, printed=True), f"{stem}-{t('file_tables')}.xlsx", mime=XLSX,
                          icon=":material/grid_on:", width="stretch", on_click="ignore")
    pick, csv, xlsx = st.columns([3, 1, 1], vertical_alignment="bottom")
    numbered = {f"{rep.ref(b.table.id)}. {b.table.title}": b.table for b in rep.exhibits.paper}
    table = numbered[pick.selectbox(t("one_table"), list(numbered), key="download_table")]
    table_file = rep.ref(table.id).replace(" ", "")  # Table7, 表7
    csv.download_button("CSV", table_csv(table, printed=True), f"{table_file}.csv", mime="text/csv", icon=":material/csv:",
                        width="stretch", on_click="ignore", key="table_csv")
    xlsx.download_button(t("excel"), tables_xlsx([table], printed=True), f"{table_file}.xlsx", mime=XLSX, icon=":material/grid_on:",
                         width="stretch", on_click="ignore", key="table_xlsx")

    st.subheader(t("reproducibility"), anchor=False)
    bundle, study_file, narrative_file = st.columns(3)
    bundle.download_button(t("bundle"), _deferred(result, rep, ("zip",), lambda f: f["bundle.zip"]), f"{stem}-{t('file_bundle')}.zip",
                           mime=ZIP, icon=":material/inventory_2:", width="stretch", on_click="ignore",
                           help=t("bundle_help"))
    study_file.download_button(t("study_file_toml"), dumps(result.study), f"{stem}.toml", mime="application/toml",
                               icon=":material/tune:", width="stretch", on_click="ignore", key="study_download_downloads")
    narrative_file.download_button(t("narrative_toml"), narrative_dumps(narrative), f"{t('file_narrative')}.toml",
                                   mime="application/toml", icon=":material/edit_note:", width="stretch",
                                   on_click="ignore", key="narrative_download_downloads")
