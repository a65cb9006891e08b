"""The ten coordination levels' names in the document's language: the study's own, or the language's defaults."""
from __future__ import annotations

from .catalogue import words
from .study import TABLE1_LEVELS, Study


def default_levels(language: str) -> list[str]:
    """The ten classes as papers in the language print them (locales/tables.toml), lowest first."""
    catalogue = words("tables", language)
    return [catalogue[f"level_{k}"] for k in range(1, len(TABLE1_LEVELS) + 1)]


def level_names(study: Study) -> list[str]:
    """The study's level names where it sets its own, else the defaults of its document language."""
    levels = study.coupling.levels
    if tuple(levels) != TABLE1_LEVELS:
        return list(levels)
    return default_levels(study.document.language)
