"""Built-in examples: the paper's design on synthetic data (the default) and a study of real provincial data."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..data import Panel, load_panel
from ..study import Study, load

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Example:
    """A study file and the data file it runs on."""

    name: str
    description: str
    study_file: Path
    data_file: Path

    def study(self) -> Study:
        return load(self.study_file)

    def panel(self) -> Panel:
        return load_panel(self.data_file, self.study())


EXAMPLES = {
    "paper": Example(
        "paper",
        "The paper's design (new quality productivity and manufacturing upgrading) on synthetic demonstration data",
        HERE / "paper_study.toml",
        HERE / "demo_panel.csv",
    ),
    "china_rd": Example(
        "china_rd",
        "R&D input and innovation output of 30 Chinese provinces, 2012-2022, from official statistics",
        HERE / "china_rd_study.toml",
        HERE / "china_rd" / "china_rd_panel_30prov_2011_2022.csv",
    ),
}


def default_study() -> Study:
    """The built-in default study: the paper's design."""
    return EXAMPLES["paper"].study()


def demo_panel() -> Panel:
    """The synthetic demonstration panel, validated against the default study."""
    return EXAMPLES["paper"].panel()


def real_study() -> Study:
    """The real-data example: R&D input and innovation output of 30 provinces."""
    return EXAMPLES["china_rd"].study()


def real_panel() -> Panel:
    """The real provincial R&D panel, validated against its study (2011 dropped listwise)."""
    return EXAMPLES["china_rd"].panel()
