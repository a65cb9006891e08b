"""Data: upload a panel, see its shape and problems, and map the study's columns onto the file's."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.data import required_columns

from . import state
from .edits import LEAVE_OUT, guess_column, guess_keys, rename_columns, starter_study
from .notices import bullets, plain

LEAVE_OUT_LABEL = "(leave out of the study)"
LISTED = 12  # problems listed in full; all of them are in the table below the list
PREVIEW_ROWS = 200


def _on_upload() -> None:
    upload = st.session_state.get("data_upload")
    if upload is not None:
        state.receive_upload(upload.getvalue(), upload.name)


def _on_sheet() -> None:
    data = state.dataset()
    state.receive_upload(data.content, data.filename, st.session_state["data_sheet"])


def uploader() -> None:
    st.file_uploader(
        f"Upload your panel: CSV or Excel .xlsx, up to {state.MAX_UPLOAD_MB} MB", type=state.DATA_TYPES,
        key="data_upload", on_change=_on_upload, max_upload_size=state.MAX_UPLOAD_MB,
        help="One row per entity and period (for example province and year), one column per variable. "
             "CSV in UTF-8 (with or without BOM), GBK or GB18030, separated by commas, semicolons or tabs. "
             "The file is read as data only: no formula, macro or code in it is run.")
    data = state.dataset()
    if len(data.sheets) > 1:
        st.selectbox("Sheet", data.sheets, data.sheets.index(data.sheet), key="data_sheet", on_change=_on_sheet)


def shape(result: state.Run | None) -> None:
    """Entities, periods, balance and missing cells of the data in use, when they fit the study."""
    data = state.dataset()
    if result is None or result.dataset.key != data.key or not result.current:
        st.caption(f"{len(data.frame)} rows, {data.frame.shape[1]} columns. "
                   "The panel's shape (entities, periods, balance) shows here once the data fit the study.")
        return
    summary = result.panel.summary()
    cells = st.columns(5)
    cells[0].metric("Entities", summary["entities"] if summary["entities"] is not None else "-")
    cells[1].metric("Periods", summary["periods"],
                    help=f"{summary['first_period']} to {summary['last_period']}" if summary["periods"] else None)
    dropped = f"{summary['dropped']} rows dropped (listwise)" if summary["dropped"] else None
    cells[2].metric("Rows used", summary["rows"], help=dropped)
    cells[3].metric("Balanced", "yes" if summary["balanced"] else "no")
    missing = sum(summary["missing"].values())
    cells[4].metric("Missing cells", missing)
    groups = summary.get("groups") or {}
    if groups:
        st.caption("Groups: " + "; ".join(f"{name}: {g['entities']} entities, {g['rows']} rows"
                                          for name, g in groups.items()))


def problems_table(problems) -> pd.DataFrame:
    """One row per problem with where it is, so the author can find each cell."""
    return pd.DataFrame([{"Severity": p.severity, "Problem": p.message, "Column": p.column or "", "Row": p.row,
                          "Entity": p.entity or "", "Period": "" if p.period is None else str(p.period)}
                         for p in problems])


def problems(result: state.Run | None) -> None:
    """Errors (the study cannot run) and warnings, each naming its column, row, entity or period."""
    found = list(state.dataset().notes)
    if result is not None:
        found += list(result.panel.problems if result.current else result.problems)
    if not found:
        st.success("No problems found in the data for this study.", icon=":material/check_circle:")
        return
    errors = [p for p in found if p.severity == "error"]
    warnings = [p for p in found if p.severity != "error"]
    if errors:
        st.error(f"**{len(errors)} problem(s) to fix before the study runs on these data.** Fix the file and upload "
                 "it again, match the columns below, or change the study. Rows are numbered as in Excel (the header "
                 "is row 1).\n\n" + _listed(errors), icon=":material/error:")
    if warnings:
        st.warning(f"**{len(warnings)} warning(s)**: the study runs, but check these.\n\n" + _listed(warnings),
                   icon=":material/warning:")
    with st.expander(f"All {len(found)} as a table"):
        st.dataframe(problems_table(found), hide_index=True,
                     column_config={"Row": st.column_config.NumberColumn(format="%d")})


def _listed(problems) -> str:
    more = len(problems) - LISTED
    return bullets(str(p) for p in problems[:LISTED]) + (f"\n- ... and {more} more in the table below" if more > 0 else "")


def mapping_rows(study, frame: pd.DataFrame) -> pd.DataFrame:
    """Each column the study needs but the file lacks, with the file's most likely column for it."""
    columns = [str(c) for c in frame.columns]
    keys = guess_keys(frame)
    roles = {study.panel.entity: "entity", study.panel.time: "time", study.panel.group: "group"}
    labels = {i.column: i.label for index in study.indices for _, i in index.indicators if i.label}
    rows = []
    for needed in required_columns(study):
        if needed in frame.columns:
            continue
        label = study.label(needed) if study.label(needed) != needed else labels.get(needed, "")
        guess = guess_column(needed, columns, label) or keys.get(roles.get(needed, ""))
        rows.append({"Study column": needed, "Label": label, "Your column": guess or LEAVE_OUT_LABEL})
    return pd.DataFrame(rows, columns=["Study column", "Label", "Your column"])


def apply_mapping(rows: pd.DataFrame) -> bool:
    """Rename the study's columns to the file's (or leave them out) in one edit."""
    mapping = {r["Study column"]: LEAVE_OUT if r["Your column"] in (LEAVE_OUT_LABEL, None) else r["Your column"]
               for r in rows.to_dict(orient="records")}
    applied = state.edit(lambda d: d.update(rename_columns(d, mapping)), "Column mapping")
    if applied:
        state.replace_study(state.study())
    return applied


def mapping() -> None:
    data, study = state.dataset(), state.study()
    rows = mapping_rows(study, data.frame)
    if rows.empty:
        return
    st.subheader("Match the study's columns to your file", anchor=False)
    st.caption(f"The study uses {len(rows)} column(s) this file does not have. Pick the file's column for each "
               "(guessed from the names), or leave it out; then apply. The Study tab edits everything else.")
    options = [LEAVE_OUT_LABEL] + [str(c) for c in data.frame.columns]
    edited = st.data_editor(rows, key=f"mapping_{data.key}_{state.revision()}", hide_index=True, width="stretch",
                            disabled=["Study column", "Label"],
                            column_config={"Your column": st.column_config.SelectboxColumn(options=options, required=True)})
    st.button("Use these columns", type="primary", icon=":material/link:", on_click=apply_mapping, args=(edited,))
    st.caption("Or, for data of another design, start a new study on this file: panel keys guessed from the column "
               "names, two indices of one indicator each and a two-equation system; then add indicators, switch on "
               "the coupling and shape the equations in the Study tab.")
    st.button("Start a new study on this file", icon=":material/add_circle:", on_click=start_new_study)


def start_new_study() -> None:
    data = state.dataset()

    def replace(study: dict) -> None:
        study.clear()
        study.update(starter_study(data.frame, f"Study of {data.filename}"))
    if state.edit(replace, "New study"):
        state.replace_study(state.study())


def preview() -> None:
    frame = state.dataset().frame
    st.subheader("Preview", anchor=False)
    st.caption(f"First {min(PREVIEW_ROWS, len(frame))} of {len(frame)} rows.")
    st.dataframe(frame.head(PREVIEW_ROWS), height=320)


def render(result: state.Run | None) -> None:
    st.subheader(f"Data in use: {plain(state.dataset().name)}", anchor=False)
    uploader()
    shape(result)
    problems(result)
    mapping()
    preview()
