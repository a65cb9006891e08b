"""The fixed words the documents print: the "document" domain of the catalogue (locales/document.toml)."""
from __future__ import annotations

from types import MappingProxyType

from analysis.catalogue import words as catalogue

ENGLISH = catalogue("document", "en")


def words(language: str = "en") -> MappingProxyType:
    """The document catalogue of a language setting ("en", "zh" or "zh+en")."""
    return catalogue("document", language)
