"""The app's fixed words in the study's language (locales/app.toml): Chinese for zh and zh+en, else English.

The screen follows the study's [document] language, so one choice sets both the app and the documents, and a
reloaded study opens in its language. Problems from analysis/ are shown with Problem.text(language()).
"""
from __future__ import annotations

import streamlit as st

from analysis.catalogue import words

TABS = ("tab_data", "tab_study", "tab_results", "tab_narrative", "tab_downloads")  # catalogue keys, in order
LANGUAGE_NAMES = {"en": "English", "zh": "中文", "zh+en": "中英双语"}  # each in its own language


def language() -> str:
    """The study's document language; English before a study is in the session."""
    from .state import STUDY  # here: the session's state speaks through this module too
    study = st.session_state.get(STUDY)
    return study.document.language if study else "en"


def t(key: str, **fields) -> str:
    """The app's word for key in the study's language, its {fields} filled in."""
    text = words("app", language())[key]
    return text.format(**fields) if fields else text


def described(prefix: str, names) -> dict[str, str]:
    """Options with their descriptions, from the catalogue keys <prefix>_<name>."""
    return {name: t(f"{prefix}_{name}") for name in names}
