"""Downloads: manuscripts, tables-only documents, each table, the bundle, the study and the narrative.

Documents are built when their button is clicked (deferred downloads), once per data, study and narrative.
"""
from __future__ import annotations

import io
import zipfile

import streamlit as st

import report
from analysis.study import dumps
from report.export import table_csv, tables_xlsx
from report.narrative import dumps as narrative_dumps

from . import state
from .sidebar import study_file_name

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP = "application/zip"
FIXED_TIME = (2020, 1, 1, 0, 0, 0)


@st.cache_data(max_entries=8, show_spinner=False)
def _rendered(data_key: str, study_text: str, narrative_text: str, format_text: str, formats: tuple[str, ...],
              _rep: report.Report, checksum: str) -> dict[str, bytes]:
    return report.render(_rep, formats, checksum=checksum)


def rendered(result: state.Run, rep: report.Report, formats: tuple[str, ...]) -> dict[str, bytes]:
    """The files report.render writes for the Report in the given formats (cached on the texts behind the Report)."""
    return _rendered(result.dataset.key, dumps(result.study), narrative_dumps(rep.narrative), repr(rep.settings), formats,
                     rep, result.dataset.checksum)


def latex_zip(files: dict[str, bytes]) -> bytes:
    """The LaTeX manuscript with the figure files it includes, ready for latexmk or Overleaf."""
    tex = files["manuscript.tex"]
    included = [name for name in sorted(files) if name.startswith("figures/") and name.encode() in tex]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ["manuscript.tex", *included]:
            archive.writestr(zipfile.ZipInfo(name, FIXED_TIME), files[name])
    return buffer.getvalue()


def _deferred(result: state.Run, rep: report.Report, formats: tuple[str, ...], pick):
    """A download's data, rendered on click from the cached Report (everything it needs is bound now)."""
    return lambda: pick(rendered(result, rep, formats))


def render(result: state.Run | None) -> None:
    if result is None:
        st.info("Nothing to download until the data and study run.")
        return
    rep = state.run_report(result)
    tables = [b.table for b in rep.exhibits.paper]
    if not tables:
        st.info("The study has no tables yet: give it an index or switch on the equations in the Study tab.")
        return
    narrative = rep.narrative
    if not result.current:
        st.caption("The downloads hold the results on screen, the last ones that ran.")
    stem = study_file_name(result.study.title).removesuffix(".toml")

    st.subheader("Manuscript", anchor=False)
    st.caption("The whole paper: your narrative, the equations, Tables 1-9, the figures and the drafted results text.")
    word, latex = st.columns(2)
    word.download_button("Manuscript, Word (.docx)", _deferred(result, rep, ("docx",), lambda f: f["manuscript.docx"]),
                         f"{stem}.docx", mime=DOCX, icon=":material/description:", type="primary", width="stretch",
                         on_click="ignore")
    latex.download_button("Manuscript, LaTeX with figures (.zip)", _deferred(result, rep, ("tex",), latex_zip),
                          f"{stem}-latex.zip", mime=ZIP, icon=":material/folder_zip:", width="stretch", on_click="ignore")

    st.subheader("Tables only", anchor=False)
    word, latex, excel = st.columns(3)
    word.download_button("Tables, Word (.docx)", _deferred(result, rep, ("docx",), lambda f: f["tables.docx"]),
                         f"{stem}-tables.docx", mime=DOCX, icon=":material/table:", width="stretch", on_click="ignore")
    latex.download_button("Tables, LaTeX (.tex)", _deferred(result, rep, ("tex",), lambda f: f["tables.tex"]),
                          f"{stem}-tables.tex", mime="text/x-tex", icon=":material/functions:", width="stretch",
                          on_click="ignore")
    excel.download_button("All tables, Excel (.xlsx)", tables_xlsx(tables), f"{stem}-tables.xlsx", mime=XLSX,
                          icon=":material/grid_on:", width="stretch", on_click="ignore")
    pick, csv, xlsx = st.columns([3, 1, 1], vertical_alignment="bottom")
    numbered = {f"{rep.ref(b.table.id)}. {b.table.title}": b.table for b in rep.exhibits.paper}
    table = numbered[pick.selectbox("One table, numbers kept as numbers", list(numbered), key="download_table")]
    csv.download_button("CSV", table_csv(table), f"{table.id}.csv", mime="text/csv", icon=":material/csv:",
                        width="stretch", on_click="ignore", key="table_csv")
    xlsx.download_button("Excel", tables_xlsx([table]), f"{table.id}.xlsx", mime=XLSX, icon=":material/grid_on:",
                         width="stretch", on_click="ignore", key="table_xlsx")

    st.subheader("Reproducibility", anchor=False)
    bundle, study_file, narrative_file = st.columns(3)
    bundle.download_button("Bundle (.zip)", _deferred(result, rep, ("zip",), lambda f: f["bundle.zip"]), f"{stem}-bundle.zip",
                           mime=ZIP, icon=":material/inventory_2:", width="stretch", on_click="ignore",
                           help="Documents, figures, tables as numbers, results.json, the study, the narrative and "
                                "the data file's SHA-256, with instructions to reproduce them.")
    study_file.download_button("Study file (.toml)", dumps(result.study), f"{stem}.toml", mime="application/toml",
                               icon=":material/tune:", width="stretch", on_click="ignore", key="study_download_downloads")
    narrative_file.download_button("Narrative (.toml)", narrative_dumps(narrative), "narrative.toml",
                                   mime="application/toml", icon=":material/edit_note:", width="stretch",
                                   on_click="ignore", key="narrative_download_downloads")
