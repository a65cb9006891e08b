"""Widgets bound to the study: each writes its value back as one edit, refused if the study turns invalid."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from . import state
from .text import t

NONE = "\u2205"  # no column: shown in words


def widget_key(*parts) -> str:
    """A widget's key under the study's revision."""
    return f"study{state.revision()}." + ".".join(map(str, parts))


def _write(path: tuple, name: str, where: str, convert) -> bool:
    def change(data: dict) -> None:
        target = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = convert(st.session_state[name])
    return state.edit(change, where)


def bound(widget, label: str, path: tuple, where: str, *args, convert=lambda v: v, **kwargs):
    """A widget whose change writes its value at path in the study (converted), refused if the study turns invalid."""
    name = widget_key(*path)
    return widget(label, *args, key=name, on_change=_write, args=(path, name, where, convert), **kwargs)


def choice(label: str, options: dict | list, current, path: tuple, where: str, widget=st.selectbox, **kwargs):
    """A selectbox or radio over options (a dict gives their descriptions); an unknown current value is kept."""
    names = list(options)
    if current not in names:
        names.append(current)
    describe = options.get if isinstance(options, dict) else str
    return bound(widget, label, path, where, names, names.index(current),
                 format_func=lambda v: describe(v) or str(v), **kwargs)


def column_choice(label: str, columns: list[str], current: str | None, path: tuple, where: str, **kwargs):
    """A column or none; a column the data lack stays selectable and says so."""
    names = [NONE] + columns + ([current] if current and current not in columns else [])
    shown = {NONE: t("none")} | {c: c if c in columns else t("not_in_data", column=c) for c in names[1:]}
    return bound(st.selectbox, label, path, where, names, names.index(current or NONE), format_func=shown.get,
                 convert=lambda c: None if c == NONE else c, **kwargs)


def editor(name: str, base: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """A data editor whose key moves on after each applied edit, so its pending changes start afresh."""
    counter = f"editor_rev.{name}"
    return st.data_editor(base, key=widget_key(name, st.session_state.get(counter, 0)), hide_index=True, **kwargs)


def applied(name: str, change, where: str) -> None:
    """Apply a data editor's change; on success move its key on and rerun so it shows the new study."""
    if state.edit(change, where):
        st.session_state[f"editor_rev.{name}"] = st.session_state.get(f"editor_rev.{name}", 0) + 1
        st.rerun()


def button(label: str, change, where: str, **kwargs) -> None:
    """A button making a structural edit (adding or removing a part); widgets start afresh after it."""
    def click() -> None:
        if state.edit(change, where):
            state.replace_study(state.study())
    st.button(label, on_click=click, **kwargs)
