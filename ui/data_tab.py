"""Data: upload a panel, see its shape and problems, and map the study's columns onto the file's."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.data import required_columns

from . import autosave, state
from .edits import LEAVE_OUT, rename_columns
from .guesses import (PLAN_COLUMNS, ROLES, duplicate_hint, guess_column, guess_keys, repeated_periods, starter_plan,
                      starter_study)
from .notices import bullets, plain
from .text import language, t

ROLE_WORDS = dict(zip(ROLES, ("role_index1", "role_index2", "role_control", "role_leave_out"), strict=True))
LEAVE_OUT_OPTION = "∅"  # the mapping's choice to leave a column out, shown in words
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
    st.file_uploader(t("upload", mb=state.MAX_UPLOAD_MB), type=state.DATA_TYPES, key="data_upload",
                     on_change=_on_upload, max_upload_size=state.MAX_UPLOAD_MB, help=t("upload_help"))
    data = state.dataset()
    if len(data.sheets) > 1:
        st.selectbox(t("sheet"), data.sheets, data.sheets.index(data.sheet), key="data_sheet", on_change=_on_sheet)


def shape(result: state.Run | None) -> None:
    """Entities, periods, balance and missing cells of the data in use, when they fit the study."""
    data = state.dataset()
    if result is None or result.dataset.key != data.key or not result.current:
        st.caption(t("shape_pending", rows=len(data.frame), columns=data.frame.shape[1]))
        return
    summary = result.panel.summary()
    cells = st.columns(5)
    cells[0].metric(t("entities"), summary["entities"] if summary["entities"] is not None else "-")
    cells[1].metric(t("periods"), summary["periods"], help=t("period_span", first=summary["first_period"],
                                                             last=summary["last_period"]) if summary["periods"] else None)
    dropped = t("rows_dropped", dropped=summary["dropped"]) if summary["dropped"] else None
    cells[2].metric(t("rows_used"), summary["rows"], help=dropped)
    cells[3].metric(t("balanced"), t("yes") if summary["balanced"] else t("no"))
    missing = sum(summary["missing"].values())
    cells[4].metric(t("missing_cells"), missing)
    groups = summary.get("groups") or {}
    if groups:  # names from the file: in a table, never as Markdown
        st.dataframe(pd.DataFrame([{t("group"): name, t("entities"): g["entities"], t("rows"): g["rows"]}
                                   for name, g in groups.items()]), hide_index=True)


def problems_table(problems) -> pd.DataFrame:
    """One row per problem with where it is, so the author can find each cell."""
    return pd.DataFrame([{t("severity"): t(f"severity_{p.severity}"), t("problem"): p.text(language(), located=False),
                          t("column"): p.column or "", t("row"): p.row, t("entity"): p.entity or "",
                          t("period"): "" if p.period is None else str(p.period)} for p in problems])


def problems(result: state.Run | None) -> None:
    """Errors (the study cannot run) and warnings, each naming its column, row, entity or period."""
    found = list(state.dataset().notes)
    if result is not None:
        found += list(result.panel.problems if result.current else result.problems)
    found = list(dict.fromkeys(found))  # the file's notes also ride on the panel
    if not found:
        st.success(t("no_problems"), icon=":material/check_circle:")
        return
    errors = [p for p in found if p.severity == "error"]
    warnings = [p for p in found if p.severity != "error"]
    if hint := duplicate_hint(errors, state.study().panel):
        st.error(t(hint), icon=":material/key:")
    if errors:
        st.error(t("errors_found", n=len(errors)) + "\n\n" + _listed(errors), icon=":material/error:")
    if warnings:
        st.warning(t("warnings_found", n=len(warnings)) + "\n\n" + _listed(warnings), icon=":material/warning:")
    with st.expander(t("all_as_table", n=len(found))):
        st.dataframe(problems_table(found), hide_index=True,
                     column_config={t("row"): st.column_config.NumberColumn(format="%d")})


def _listed(problems) -> str:
    more = len(problems) - LISTED
    return bullets(p.text(language()) for p in problems[:LISTED]) + ("\n- " + t("more_below", more=more) if more > 0 else "")


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
        rows.append({"Study column": needed, "Label": label, "Your column": guess or LEAVE_OUT_OPTION})
    return pd.DataFrame(rows, columns=["Study column", "Label", "Your column"])


def apply_mapping(rows: pd.DataFrame) -> bool:
    """Rename the study's columns to the file's (or leave them out) in one edit."""
    mapping = {r["Study column"]: LEAVE_OUT if r["Your column"] in (LEAVE_OUT_OPTION, None) else r["Your column"]
               for r in rows.to_dict(orient="records")}
    applied = state.edit(lambda d: d.update(rename_columns(d, mapping)), t("where_mapping"))
    if applied:
        state.replace_study(state.study())
    return applied


def mapping() -> None:
    data, study = state.dataset(), state.study()
    rows = mapping_rows(study, data.frame)
    if rows.empty:
        return
    st.subheader(t("mapping"), anchor=False)
    st.caption(t("mapping_caption", n=len(rows)))
    options = [LEAVE_OUT_OPTION] + [str(c) for c in data.frame.columns]
    edited = st.data_editor(rows, key=f"mapping_{data.key}_{state.revision()}", hide_index=True, width="stretch",
                            disabled=["Study column", "Label"], column_config={
                                "Study column": st.column_config.Column(t("study_column")),
                                "Label": st.column_config.Column(t("label")),
                                "Your column": st.column_config.SelectboxColumn(
                                    t("your_column"), options=options, required=True, format_func=_leave_out_named)})
    st.button(t("use_these_columns"), icon=":material/link:", on_click=apply_mapping, args=(edited,))


def _leave_out_named(column: str) -> str:
    return t("leave_out") if column == LEAVE_OUT_OPTION else column


def fits(result: state.Run | None) -> bool:
    """Whether the current study has run on the data in use; if not, the file is new to it."""
    return result is not None and result.dataset.key == state.dataset().key


def new_study_offer() -> None:
    """For a file the current study never ran on: a first study on it, every guess shown for review."""
    data = state.dataset()
    frame, columns = data.frame, [str(c) for c in data.frame.columns]
    st.subheader(t("start_new_study"), anchor=False)
    st.caption(t("start_new_study_caption"))
    guessed = guess_keys(frame)
    keys, none = {}, t("none")
    for cell, role in zip(st.columns(3), ("entity", "time", "group"), strict=True):
        options = [None, *columns]
        keys[role] = cell.selectbox(t(f"onboard_{role}"), options, options.index(guessed[role]),
                                    key=f"onboard.{role}.{data.key}", format_func=lambda c: none if c is None else c)
    if repeated_periods(frame, keys):
        st.error(t("duplicates"), icon=":material/key:")
    plan = st.data_editor(starter_plan(frame, keys), key=f"onboard.plan.{data.key}.{keys}", hide_index=True,
                          disabled=["Column"], column_order=PLAN_COLUMNS, column_config={
                              "Column": st.column_config.Column(t("column")),
                              "Use": st.column_config.SelectboxColumn(t("use"), options=list(ROLES), required=True,
                                                                      format_func=lambda role: t(ROLE_WORDS[role])),
                              "Direction": st.column_config.SelectboxColumn(
                                  t("direction"), options=["+", "-"], required=True, help=t("direction_guessed_help"))})
    iterated = st.checkbox(t("also_i3sls"), key=f"onboard.i3sls.{data.key}")
    st.button(t("start_new_study"), type="primary", icon=":material/add_circle:", on_click=start_new_study,
              args=(keys, plan, iterated))


def start_new_study(keys: dict | None = None, plan: pd.DataFrame | None = None, iterated: bool = False) -> None:
    """Replace the study by a first study on the data in use, saved as a new study of the workspace."""
    data = state.dataset()

    def replace(study: dict) -> None:
        document = study["document"]  # the new study keeps the language and journal the author chose
        study.clear()
        study.update(starter_study(data.frame, t("study_of", filename=data.filename), keys, plan, iterated),
                     document=document)
    if state.edit(replace, t("new_study")):
        state.replace_study(state.study())
        autosave.branch()


def preview() -> None:
    frame = state.dataset().frame
    st.subheader(t("preview"), anchor=False)
    st.caption(t("preview_caption", shown=min(PREVIEW_ROWS, len(frame)), rows=len(frame)))
    shown = frame.head(PREVIEW_ROWS).rename_axis(t("row"))  # the index: Excel's row numbers
    shown.attrs = {}  # the reader's notes are listed above, not sent with the table
    st.dataframe(shown, height=320)


def render(result: state.Run | None) -> None:
    """A file the study has run on, or one with the study's columns under other names: its problems and the
    mapping. Any other file: a new study on it first, the current study's problems with it folded away."""
    st.subheader(t("data_in_use", name=plain(state.dataset().name)), anchor=False)
    uploader()
    data, study = state.dataset(), state.study()
    if fits(result) or LEAVE_OUT_OPTION not in set(mapping_rows(study, data.frame)["Your column"]):
        shape(result)
        problems(result)
        mapping()
        if not fits(result):
            with st.expander(t("or_start_new_study")):
                new_study_offer()
    else:
        new_study_offer()
        with st.expander(t("or_keep_study")):
            problems(result)
            mapping()
    preview()
