"""Sample tables in the shapes the builders produce, for the renderer tests.

The coefficient table carries the numbers the paper prints in its Table 7 (standard errors
restored to parentheses, stars as esttab's defaults).
"""
from __future__ import annotations

from analysis.table import Cell, Format, Group, Row, Span, Table

HOSTILE = r"% & _ # $ { } \ ~ ^ \input{/etc/passwd} \write18{rm -rf /} <script>alert('x')</script> 新质生产力"

_FORMAT = Format(decimals=3, stars="stata", inference="se")

# (label, [(coefficient, stars, standard error) per model])
_EQUATION_1 = [
    ("ln education", [(-0.003, "", 0.009), (-0.034, "**", 0.011), (-0.035, "**", 0.011), (-0.035, "**", 0.011)]),
    ("ln research", [(0.034, "***", 0.004), (0.037, "***", 0.004), (0.037, "***", 0.004), (0.037, "***", 0.004)]),
    ("ln patent", [(0.009, "*", 0.004), (0.016, "***", 0.004), (0.016, "***", 0.004), (0.016, "***", 0.004)]),
    ("manufacture", [(0.992, "***", 0.034), (0.718, "***", 0.060), (0.717, "***", 0.059), (0.717, "***", 0.059)]),
    ("Constant", [(-0.526, "***", 0.064), (-0.350, "***", 0.076), (-0.342, "***", 0.075), (-0.343, "***", 0.075)]),
]
_EQUATION_2 = [
    ("ln creativity", [(-0.004, "", 0.002), (0.005, "", 0.004), (0.006, "", 0.004), (0.006, "", 0.004)]),
    ("ln information", [(0.007, "***", 0.002), (0.007, "***", 0.002), (0.006, "***", 0.002), (0.006, "***", 0.002)]),
    ("green", [(0.159, "***", 0.010), (0.180, "***", 0.012), (0.180, "***", 0.012), (0.180, "***", 0.012)]),
    ("efficiency", [(-1.314, "***", 0.369), (-2.096, "***", 0.474), (-2.105, "***", 0.469), (-2.105, "***", 0.470)]),
    ("productivity", [(0.582, "***", 0.019), (0.456, "***", 0.048), (0.455, "***", 0.047), (0.455, "***", 0.048)]),
    ("Constant", [(0.001, "", 0.014), (-0.055, "*", 0.024), (-0.056, "*", 0.024), (-0.056, "*", 0.024)]),
]


def _coefficient_rows(estimates) -> list[Row]:
    rows = []
    for label, models in estimates:
        rows.append(Row(label, [Cell(b, 3, stars) for b, stars, _ in models]))
        rows.append(Row("", [Cell(se, 3, brackets="()") for _, _, se in models]))
    return rows


def coefficient_table(title: str = "Results of the simultaneous equations") -> Table:
    """Table 7's shape: method spanners, two equation groups, SE rows, stars and an N/R² block."""
    statistics = [
        Row("N", [Cell(360)] * 4, rule_above=True),
        Row("R²", [Cell(r2, 3) for r2 in (0.902, 0.884, 0.884, 0.884)]),
    ]
    return Table(
        id="table7",
        title=title,
        header=[
            [Span("Single equation", 2), Span("System", 2)],
            [Span("(1) OLS"), Span("(2) 2SLS"), Span("(3) 3SLS"), Span("(4) Iterated 3SLS")],
        ],
        groups=[
            Group("Equation 1: New quality productivity (productivity)", _coefficient_rows(_EQUATION_1)),
            Group("Equation 2: Manufacturing upgrading (manufacture)", _coefficient_rows(_EQUATION_2)),
            Group("", statistics),
        ],
        notes=[_FORMAT.inference_legend() + " " + _FORMAT.star_legend(),
               "All variables enter as in the study file; ln denotes the natural logarithm."],
        stubhead="Variable",
    )


_DESCRIPTIVE = [
    ("Development level of new quality productivity", "productivity", 360, 0.1683, 0.1204, 0.0250, 0.7515),
    ("Students in higher education per 100,000 people", "education", 360, 2776.0, 1003.4, 1082.0, 5613.0),
    ("R&D personnel full-time equivalent", "research", 360, 3967688.0, 5234011.0, 57760.0, 32200000.0),
    ("Manufacturing transformation and upgrading index", "manufacture", 360, 0.1279, 0.0911, 0.0417, 0.5424),
    ("Efficiency", "efficiency", 360, 0.0109, 0.0061, 0.0025, 0.0380),
]


def descriptive_table() -> Table:
    """Table 3's shape: long variable labels, a short text column, numbers of very different sizes."""
    rows = []
    for label, symbol, n, *stats in _DESCRIPTIVE:
        decimals = 4 if abs(stats[0]) < 1 else 1
        rows.append(Row(label, [Cell(symbol), Cell(n), *(Cell(v, decimals) for v in stats)]))
    return Table(
        id="table3",
        title="Descriptive statistics",
        header=[[Span("Symbol"), Span("N"), Span("Mean"), Span("SD"), Span("Min"), Span("Max")]],
        groups=[Group("", rows)],
        notes=["Provinces of mainland China except Tibet, 2011–2022."],
        stubhead="Variable",
    )


_YEARLY = [
    (2011, 0.917, 0.017, 0.123, 2, "Severe dissonance"),
    (2012, 0.621, 0.046, 0.170, 2, "Severe dissonance"),
    (2015, 0.980, 0.260, 0.505, 6, "Barely coordinated"),
    (2019, 0.998, 0.651, 0.806, 9, "Good coordination"),
    (2022, 0.941, 0.739, 0.834, 9, "Good coordination"),
]


def level_table() -> Table:
    """Table 5's shape: yearly C, T, D with the coordination level as a number and as text."""
    rows = [Row(str(year), [*(Cell(v, 3) for v in (c, t, d)), Cell(level), Cell(name)])
            for year, c, t, d, level, name in _YEARLY]
    return Table(
        id="table5",
        title="Coupling coordination of the two systems, yearly means over 30 provinces",
        header=[[Span("C"), Span("T"), Span("D"), Span("Level"), Span("Coordination type")]],
        groups=[Group("", rows)],
        notes=["C = 2√(U1·U2)/(U1 + U2), T = 0.5·U1 + 0.5·U2, D = √(C·T)."],
        stubhead="Year",
    )


_INDICATORS = [
    "Share of R&D personnel in employment", "Students in higher education per 10,000 people",
    "Government expenditure on science and technology", "Number of authorized patent applications",
    "Internet broadband access ports per 100 households", "Length of long-distance fibre optic cable lines",
    "Comprehensive utilization rate of industrial solid waste", "Total sulfur dioxide emissions per unit of GDP",
    "Sales revenue of new products of industrial enterprises", "Energy consumption per unit of industrial added value",
    "Share of high-technology industries in manufacturing", "R&D expenditure of industrial enterprises",
]


def indicator_table() -> Table:
    """Table 4's shape, long enough to need more than one page: group and dimension text, wrapped names, weights."""
    groups = []
    for index_name, dimensions in (("New quality productivity 新质生产力", ("Laborer", "Labor object", "Means of production")),
                                   ("Manufacturing transformation and upgrading", ("Innovation", "Information", "Green", "Efficiency"))):
        rows = []
        for d, dimension in enumerate(dimensions):
            for k in range(7 - d):
                weight = round(0.3 / (7 - d) + 0.001 * k, 4)
                name = _INDICATORS[(3 * d + k) % len(_INDICATORS)]
                rows.append(Row(name, [Cell(dimension if k == 0 else ""), Cell("+" if k % 3 else "-"), Cell(weight, 4)]))
        groups.append(Group(index_name, rows))
    return Table(
        id="table4",
        title="Indicator system of the two indices with entropy weights",
        header=[[Span("Dimension"), Span("Direction"), Span("Weight")]],
        groups=groups,
        notes=["Weights by the entropy method on min-max normalised indicators; + marks a benefit, - a cost indicator."],
        stubhead="Indicator",
    )


def hostile_table() -> Table:
    """User text at every place a table shows it: title, spanners, column labels, groups, rows, cells, notes."""
    return Table(
        id="hostile_1",
        title="Title " + HOSTILE,
        header=[[Span("Spanner " + HOSTILE, 2)], [Span("Column $x_1$"), Span("新质生产力")]],
        groups=[
            Group("Group " + HOSTILE, [
                Row("Row " + HOSTILE, [Cell(0.123, 3, "**"), Cell("text \\input{/etc/passwd}")]),
                Row("", [Cell(0.045, 3, brackets="()"), Cell(0.046, 3, brackets="()")]),
                Row("新质生产力 & 制造业", [Cell(-1.5, 3), Cell("=1+1")], rule_above=True),
            ]),
        ],
        notes=["Note " + HOSTILE],
        stubhead="Stub " + HOSTILE,
    )


def all_tables() -> list[Table]:
    return [coefficient_table(), descriptive_table(), level_table(), hostile_table(), indicator_table()]
