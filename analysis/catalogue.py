"""Every fixed word the program prints, in one catalogue per domain and language (locales/<domain>.toml).

A domain file holds one table per language with the same keys: `[en]` and `[zh]`. The bilingual setting
"zh+en" reads the Chinese catalogue; renderers add the English captions beside it.
"""
from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from types import MappingProxyType

LOCALES = Path(__file__).resolve().parents[1] / "locales"
LANGUAGES = ("en", "zh")


def catalogue_language(language: str) -> str:
    """The catalogue a language setting reads: "zh+en" prints Chinese first."""
    return "zh" if language.startswith("zh") else "en"


@cache
def _domain(domain: str) -> dict[str, MappingProxyType]:
    data = tomllib.loads((LOCALES / f"{domain}.toml").read_text(encoding="utf-8"))
    return {language: MappingProxyType(data[language]) for language in LANGUAGES}


def words(domain: str, language: str = "en") -> MappingProxyType:
    """The fixed words of one domain ("document", "tables", "app", ...) in the language's catalogue."""
    return _domain(domain)[catalogue_language(language)]


def domains() -> list[str]:
    return sorted(p.stem for p in LOCALES.glob("*.toml"))
