"""Method notes: how a number was computed, as a table or figure note states it, in the reader's language.

A note is an entry of locales/notes.toml with its {placeholders} filled; a field may itself be a note (or a tuple of
notes), worded in the same language. str() is the English text, which results.json keeps.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import said


@dataclass(frozen=True)
class Note:
    """Catalogue text with its fields."""

    code: str
    fields: tuple = ()  # (name, value) pairs

    @classmethod
    def of(cls, code: str, **fields) -> Note:
        return cls(code, tuple(fields.items()))

    def text(self, language: str = "en") -> str:
        return said(self.code, language, {name: _worded(value, language) for name, value in self.fields}, "notes")

    def __str__(self) -> str:
        return self.text("en")


def _worded(value, language: str):
    """A field in the language: a note as its text, a tuple of notes item by item (keeping Joined and More)."""
    if isinstance(value, Note):
        return value.text(language)
    if isinstance(value, tuple):
        return type(value)(_worded(item, language) for item in value)
    return value
