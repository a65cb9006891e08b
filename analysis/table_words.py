"""The tables' fixed words in the study's language (locales/tables.toml), and their notes set as that language's
journals set them: Chinese notes start "注：", are numbered and each ends with "。", the source on a line of its own."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .catalogue import catalogue_language, words
from .study import Study
from .table import STAR_THRESHOLDS, Format, Table

DOMAIN = "tables"
SENTENCE_END = re.compile(r"[.。;；\s]+$")


@dataclass(frozen=True)
class TableWords:
    """The study's language setting: "en", "zh" or "zh+en" (Chinese tables with English titles below)."""

    language: str = "en"

    @classmethod
    def of(cls, study: Study) -> TableWords:
        return cls(study.document.language)

    @property
    def chinese(self) -> bool:
        return catalogue_language(self.language) == "zh"

    def __call__(self, key: str, **fields) -> str:
        text = words(DOMAIN, self.language)[key]
        return text.format(**fields) if fields else text

    def join(self, items) -> str:
        """ "a, b and c" or "a、b、c"."""
        items = [str(i) for i in items]
        if len(items) < 2:
            return "".join(items)
        return self("comma").join(items[:-1]) + self("and") + items[-1]

    def sentences(self, *parts: str) -> str:
        """Sentences of one note: a space between them in English, none in Chinese."""
        return self("gap").join(p for p in parts if p)

    def in_sentence(self, label: str) -> str:
        """A label inside an English sentence starts in lower case; Chinese has no case."""
        return label if self.chinese else label.lower()

    def stars(self, fmt: Format) -> str:
        """The stars' levels as the language's journals write them: "***、**、*分别表示在1%、5%、10%的水平上显著"."""
        marks = STAR_THRESHOLDS[fmt.stars]
        if not marks:
            return self("no_stars")
        return self("stars", marks=self.join(m for _, m in marks), levels=self.join(f"{100 * t:g}%" for t, _ in marks))

    def table(self, study: Study, table_id: str, header, groups, notes, **layout) -> Table:
        """A table with its title (and English subtitle) and its notes in the language."""
        title, subtitle = self.title(study, table_id)
        return Table(table_id, title, header, groups, self.notes(notes), subtitle=subtitle, **layout)

    def title(self, study: Study, table_id: str) -> tuple[str, str]:
        """(title, subtitle): the study's own title or the catalogue's; "zh+en" adds the English title below a
        catalogue title (a title the author wrote has no translation to add)."""
        own = study.tables.titles.get(table_id, "")
        english = words(DOMAIN, "en")[f"title_{table_id}"] if self.language == "zh+en" and not own else ""
        return own or self(f"title_{table_id}"), english

    def period(self, study: Study) -> str:
        """The time column's label, or the language's word for the year where the study gives none."""
        label = study.label(study.panel.time)
        return self("period") if label == study.panel.time else label

    def notes(self, notes) -> tuple[str, ...]:
        """English notes as written; Chinese ones numbered after "注：", each ending "。"."""
        notes = [n for n in notes if n]
        if not self.chinese:
            return tuple(notes)
        ended = [SENTENCE_END.sub("", n) + "。" for n in notes]
        if len(ended) == 1:
            return ("注：" + ended[0],)
        return tuple(("注：" if k == 1 else "") + f"{k}. {n}" for k, n in enumerate(ended, start=1))

    def source(self, results, study: Study, *, first: bool) -> tuple[str, ...]:
        """The data source under the first table (or figure), under every one if the study asks; synthetic data
        say so under every one."""
        said = results.data_source
        synthetic = results.synthetic and not any(words(DOMAIN, lang)["official"] in said for lang in ("en", "zh"))
        if said and (first or study.document.source_note == "every"):
            line = self("source", source=" ".join([said] + ([self("synthetic")] if synthetic else [])))
        elif results.synthetic:
            line = self("synthetic")
        else:
            return ()
        return (SENTENCE_END.sub("", line) + "。",) if self.chinese else (line,)


def source_notes(results, study: Study, *, first: bool) -> tuple[str, ...]:
    """The source line of a table or figure in the study's language; figures call it with first=True for the
    first figure only."""
    return TableWords.of(study).source(results, study, first=first)
