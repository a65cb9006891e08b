"""Every fixed word the documents print, in one catalogue per language, so that a language setting swaps them all."""
from __future__ import annotations

ENGLISH = {
    "table": "Table",
    "figure": "Figure",
    "equation": "Equation",
    "keywords": "Keywords:",
    "synthetic": "Built on synthetic demonstration data, not official statistics.",
    "placeholder": "[To be written by the author: {section}]",
    "continued": "{title} (continued)",
    "tables_title": "{title}: tables and figures",
    "abstract": "Abstract",
    "introduction": "1. Introduction",
    "literature": "2. Literature review",
    "method": "3. Method and data",
    "data": "3.1 Data",
    "indices_method": "3.2 Composite indices",
    "coupling_method": "3.3 Coupling coordination model",
    "model_method": "3.4 Simultaneous equations",
    "results": "4. Results",
    "indices_results": "Composite indices",
    "coupling_results": "Coupling coordination",
    "model_results": "Simultaneous equations",
    "robustness_results": "Robustness",
    "heterogeneity_results": "Heterogeneity",
    "chapter_results": "Spatial and distributional analysis",
    "conclusions": "5. Conclusions",
    "suggestions": "6. Suggestions",
    "references": "References",
    "prompt_abstract": "Write the abstract: the question, the data, the method and the main findings.",
    "prompt_introduction": "Write the introduction: why the question matters and what the paper adds.",
    "prompt_literature": "Write the literature review.",
    "prompt_conclusions": "Write the conclusions, read from the results above.",
    "prompt_suggestions": "Write the policy suggestions.",
    "prompt_references": "List the references.",
}
CATALOGUES = {"en": ENGLISH}


def words(language: str = "en") -> dict[str, str]:
    """The catalogue of a language."""
    return CATALOGUES[language]
