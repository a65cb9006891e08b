"""Study, Document: the author's standard base map for the province maps (uploaded, saved with the study), the
property naming its features and its approval number (审图号), which the maps' notes print."""
from __future__ import annotations

import streamlit as st

from . import state
from .notices import plain
from .text import t
from .widgets import bound

UPLOADS = "base_map_uploads"  # bumped on removal, so the uploader starts empty


def upload_key() -> str:
    return f"base_map_upload{st.session_state.get(UPLOADS, 0)}"


def _on_upload() -> None:
    upload = st.session_state.get(upload_key())
    if upload is not None:
        state.receive_base_map(upload.getvalue(), upload.name)


def _remove() -> None:
    state.remove_base_map()
    st.session_state[UPLOADS] = st.session_state.get(UPLOADS, 0) + 1


def map_section() -> None:
    settings, where, upload = state.study().map, t("where_base_map"), state.map_file()
    st.subheader(t("base_map_heading"), anchor=False)
    st.caption(t("base_map_caption"))
    st.file_uploader(t("base_map_upload"), type=state.BASE_MAP_TYPES, key=upload_key(), on_change=_on_upload,
                     help=t("base_map_upload_help"))
    if upload:
        good = st.session_state.get(state.GOOD)
        drawn = state.uploaded_map(good) if good else None
        if not (drawn and drawn.warnings):  # else the notice above the tabs says the maps are drawn without it
            st.caption(t("base_map_in_use", file=plain(upload.filename)))
        st.button(t("base_map_remove"), on_click=_remove, icon=":material/delete:", help=t("base_map_remove_help"))
    name_field, approval = st.columns(2)
    with name_field:
        bound(st.text_input, t("base_map_name_field"), ("map", "name_field"), where, settings.name_field,
              convert=state.checked_name_field, help=t("base_map_name_field_help"))
    with approval:
        bound(st.text_input, t("base_map_approval"), ("map", "approval"), where, settings.approval,
              help=t("base_map_approval_help"))
