"""The one assembled Report: print settings applied once, tables and figures numbered once, the drafted text and the
Documents; every front end (the app's tabs, both command lines) reads it, and every renderer reads its numbers."""
from __future__ import annotations

import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from threading import Lock
from types import MappingProxyType

from analysis.basemap import BaseMap
from analysis.figures import Figure, figure_key, figures as figures_of
from analysis.results import Results
from analysis.study import Study
from analysis.table import Format
from analysis.tables import extra_tables, tables as tables_of

from .document import (Document, FigureBlock, TableBlock, cross_reference, display_equations, highlights_document,
                       manuscript, tables_only)
from .figures import export as export_figure
from .narrative import Narrative, results_text
from .strings import words


@dataclass(frozen=True)
class MadeOnce:
    """Frozen exhibits whose renderings more than one reader asks for: the drafted text, Word tables, figure files."""

    _made: dict = field(default_factory=dict, compare=False, repr=False, kw_only=True)

    def made(self, key: tuple, make):
        """What make() returns, made once per object and key."""
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]


@dataclass(frozen=True)
class Drawn(MadeOnce):
    """The numbered figures of one set of results, each exported file made once: what a change of the tables'
    print settings leaves untouched."""

    blocks: tuple[FigureBlock, ...]

    def file(self, figure: Figure, fmt: str) -> bytes:
        """The figure exported as png or pdf."""
        return self.made(("file", figure.id, fmt), lambda: export_figure(figure, fmt))


DRAWN_KEPT = 8  # sets of figures kept, with their exported files, for the results objects still alive
_drawn: OrderedDict[tuple[int, str], tuple[weakref.ref, Drawn]] = OrderedDict()
_drawn_lock = Lock()


def drawn(results: Results, study: Study, base_map: BaseMap | None = None) -> Drawn:
    """Draw and number every figure, once per results object, study as far as figures depend on it (not the
    tables' print settings) and uploaded base map (basemap.read_base_map, instead of the one the study names): a
    report built again from the same results reuses the figures and their files."""
    key = (id(results), figure_key(study), base_map.upload if base_map else "")
    with _drawn_lock:
        alive, kept = _drawn.get(key, (None, None))
        if alive is not None and alive() is results:
            _drawn.move_to_end(key)
            return kept
    made = Drawn(tuple(FigureBlock(f, k) for k, f in enumerate(figures_of(results, study, base_map), start=1)))
    with _drawn_lock:
        _drawn[key] = (weakref.ref(results), made)
        while len(_drawn) > DRAWN_KEPT:
            _drawn.popitem(last=False)
    return made


@dataclass(frozen=True)
class Exhibits(MadeOnce):
    """The numbered tables and figures of one set of results under one set of print settings."""

    paper: tuple[TableBlock, ...]  # Tables 1-9 as the study has them, numbered in the manuscript's order
    extra: tuple[TableBlock, ...]  # tables beside the paper's (diagnostics), numbered after them
    drawn: Drawn
    language: str = "en"

    @property
    def tables(self) -> tuple[TableBlock, ...]:
        return self.paper + self.extra

    @property
    def figures(self) -> tuple[FigureBlock, ...]:
        return self.drawn.blocks

    def numbers(self) -> dict[str, tuple[str, int]]:
        """Each table and figure id with its kind and number: {"table7": ("table", 7), "figure1": ("figure", 1)}."""
        return {**{b.table.id: ("table", b.number) for b in self.tables},
                **{b.figure.id: ("figure", b.number) for b in self.figures}}

    def figure_file(self, figure: Figure, fmt: str) -> bytes:
        """The figure exported as png or pdf."""
        return self.drawn.file(figure, fmt)


def exhibits(results: Results, study: Study, settings: Format, figures: Drawn | None = None,
             base_map: BaseMap | None = None) -> Exhibits:
    """Build and number every table, and every figure (on the uploaded base map, if any) unless drawn already for
    these results; what a narrative edit leaves untouched. The language is the study's."""
    paper, extra = tables_of(results, study, settings), extra_tables(results, study, settings)
    return Exhibits(tuple(TableBlock(t, k) for k, t in enumerate(paper, start=1)),
                    tuple(TableBlock(t, k) for k, t in enumerate(extra, start=len(paper) + 1)),
                    figures or drawn(results, study, base_map), study.document.language)


@dataclass(frozen=True)
class Report:
    """Everything printed from one run: numbered exhibits, the cross-reference map, the drafted text, the Documents."""

    results: Results
    study: Study
    narrative: Narrative
    settings: Format
    exhibits: Exhibits
    references: MappingProxyType  # table, figure, equation id -> "Table 3", "Figure 2", "Equation (4)"
    equations: MappingProxyType  # equation id -> its number: {"eq:system1": 7}
    text: MappingProxyType  # drafted results text: section -> paragraphs
    manuscript: Document
    supplement: Document  # the tables-only document
    highlights: Document | None = None  # a file of their own where the journal asks for one

    @property
    def language(self) -> str:
        return self.exhibits.language

    @property
    def tables(self) -> tuple[TableBlock, ...]:
        return self.exhibits.tables

    @property
    def figures(self) -> tuple[FigureBlock, ...]:
        return self.exhibits.figures

    def ref(self, item_id: str) -> str:
        return self.references.get(item_id, item_id)


def assemble(results: Results, study: Study, narrative: Narrative, settings: Format | None = None,
             built: Exhibits | None = None, base_map: BaseMap | None = None) -> Report:
    """The Report; pass the Exhibits of the same results and settings to skip rebuilding tables and figures, and an
    uploaded base map (basemap.read_base_map) to draw the maps on it instead of the one the study names."""
    settings = settings or Format.from_settings(study.tables)
    built = built or exhibits(results, study, settings, base_map=base_map)
    equations = MappingProxyType({eq: k for k, eq in enumerate(display_equations(study), start=1)})
    numbers = built.numbers() | {eq: ("equation", k) for eq, k in equations.items()}
    w = words(built.language)
    references = MappingProxyType({item: w["equation_ref" if kind == "equation" else "ref"].format(word=w[kind], number=k)
                                   for item, (kind, k) in numbers.items()})

    def ref(item: str) -> str:
        """The cross-reference to an exhibit or equation, travelling in the text; an unknown id comes back as it is."""
        return cross_reference(item, references[item], numbers[item][1]) if item in references else item

    text = built.made(("results text",), lambda: results_text(results, study, ref, settings))
    paper = manuscript(results, study, narrative, built, text, equations, ref)
    supplement = tables_only(study, built, results.synthetic)
    highlights = highlights_document(narrative, built.language, study.document.profile)
    return Report(results, study, narrative, settings, built, references, equations,
                  MappingProxyType({k: tuple(v) for k, v in text.items()}), paper, supplement, highlights)
