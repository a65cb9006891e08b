"""Data: upload a panel, see its shape and problems, and map the study's columns onto the file's."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.data import required_columns

from . import autosave, state
from .edits import LEAVE_OUT, rename_columns
from .guesses import (DUPLICATES, PLAN_COLUMNS, ROLES, duplicate_hint, guess_column, guess_keys, repeated_periods,
                      starter_plan, starter_study)
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
    if groups:  # names from the file: in a table, never as Markdown
        st.dataframe(pd.DataFrame([{"Group": name, "Entities": g["entities"], "Rows": g["rows"]}
                                   for name, g in groups.items()]), hide_index=True)


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
    found = list(dict.fromkeys(found))  # the file's notes also ride on the panel
    if not found:
        st.success("No problems found in the data for this study.", icon=":material/check_circle:")
        return
    errors = [p for p in found if p.severity == "error"]
    warnings = [p for p in found if p.severity != "error"]
    if hint := duplicate_hint(errors, state.study().panel):
        st.error(hint, icon=":material/key:")
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
    st.button("Use these columns", icon=":material/link:", on_click=apply_mapping, args=(edited,))


def fits(result: state.Run | None) -> bool:
    """Whether the current study has run on the data in use; if not, the file is new to it."""
    return result is not None and result.dataset.key == state.dataset().key


def new_study_offer() -> None:
    """For a file the current study never ran on: a first study on it, every guess shown for review."""
    data = state.dataset()
    frame, columns = data.frame, [str(c) for c in data.frame.columns]
    st.subheader("Start a new study on this file", anchor=False)
    st.caption("This file does not fit the current study. Check the guesses below and start: the first study builds "
               "two indices from the indicator columns, couples them, and estimates a two-equation system by OLS, "
               "2SLS and 3SLS with robustness and group results where the file allows. The current study stays "
               "under Your studies in the sidebar.")
    guessed = guess_keys(frame)
    keys = {}
    for cell, (role, label) in zip(st.columns(3), {"entity": "Entity (what each row describes)", "time": "Period",
                                                   "group": "Group (optional)"}.items()):
        options = [None, *columns]
        keys[role] = cell.selectbox(label, options, options.index(guessed[role]), key=f"onboard.{role}.{data.key}",
                                    format_func=lambda c: "(none)" if c is None else c)
    if repeated_periods(frame, keys):
        st.error(DUPLICATES, icon=":material/key:")
    plan = st.data_editor(starter_plan(frame, keys), key=f"onboard.plan.{data.key}.{keys}", hide_index=True,
                          disabled=["Column"], column_order=PLAN_COLUMNS, column_config={
                              "Use": st.column_config.SelectboxColumn(options=list(ROLES), required=True),
                              "Direction": st.column_config.SelectboxColumn(
                                  options=["+", "-"], required=True,
                                  help="'-' for a cost indicator (emissions, pollution, unemployment): guessed from "
                                       "the name; check each")})
    iterated = st.checkbox("Also iterated 3SLS (slower: up to 1,000 iterations)", key=f"onboard.i3sls.{data.key}")
    st.button("Start a new study on this file", type="primary", icon=":material/add_circle:", on_click=start_new_study,
              args=(keys, plan, iterated))


def start_new_study(keys: dict | None = None, plan: pd.DataFrame | None = None, iterated: bool = False) -> None:
    """Replace the study by a first study on the data in use, saved as a new study of the workspace."""
    data = state.dataset()

    def replace(study: dict) -> None:
        study.clear()
        study.update(starter_study(data.frame, f"Study of {data.filename}", keys, plan, iterated))
    if state.edit(replace, "New study"):
        state.replace_study(state.study())
        autosave.branch()


def preview() -> None:
    frame = state.dataset().frame
    st.subheader("Preview", anchor=False)
    st.caption(f"First {min(PREVIEW_ROWS, len(frame))} of {len(frame)} rows.")
    shown = frame.head(PREVIEW_ROWS)
    shown.attrs = {}  # the reader's notes are listed above, not sent with the table
    st.dataframe(shown, height=320)


def render(result: state.Run | None) -> None:
    """A file the study has run on, or one with the study's columns under other names: its problems and the
    mapping. Any other file: a new study on it first, the current study's problems with it folded away."""
    st.subheader(f"Data in use: {plain(state.dataset().name)}", anchor=False)
    uploader()
    data, study = state.dataset(), state.study()
    if fits(result) or LEAVE_OUT_LABEL not in set(mapping_rows(study, data.frame)["Your column"]):
        shape(result)
        problems(result)
        mapping()
        if not fits(result):
            with st.expander("Or start a new study on this file"):
                new_study_offer()
    else:
        new_study_offer()
        with st.expander("Or keep the current study: its problems with this file, and its columns to match"):
            problems(result)
            mapping()
    preview()
