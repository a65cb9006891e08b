"""The ten coordination levels' names in the document's language: the study's own, or the language's defaults."""
from __future__ import annotations

from .catalogue import catalogue_language
from .study import TABLE1_LEVELS, Study

# The ten classes as Chinese papers print them, in the order of TABLE1_LEVELS.
CHINESE_LEVELS = ("极度失调", "严重失调", "中度失调", "轻度失调", "濒临失调",
                  "勉强协调", "初级协调", "中级协调", "良好协调", "优质协调")
DEFAULT_LEVELS = {"en": TABLE1_LEVELS, "zh": CHINESE_LEVELS}


def level_names(study: Study) -> list[str]:
    """The study's level names where it sets its own, else the defaults of its document language."""
    levels = study.coupling.levels
    if tuple(levels) != TABLE1_LEVELS:
        return list(levels)
    return list(DEFAULT_LEVELS[catalogue_language(study.document.language)])
