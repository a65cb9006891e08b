"""The one exception for anything the user can fix."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the user's input, located as precisely as we know."""

    message: str
    column: str | None = None
    row: int | None = None
    entity: str | None = None
    period: object | None = None
    key: str | None = None
    severity: str = "error"  # "error" stops the run; "warning" is reported only

    def __str__(self) -> str:
        where = []
        if self.key:
            where.append(f"key '{self.key}'")
        if self.column:
            where.append(f"column '{self.column}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.entity is not None:
            where.append(f"entity '{self.entity}'")
        if self.period is not None:
            where.append(f"period {self.period}")
        return f"{self.message} ({', '.join(where)})" if where else self.message


class UserError(Exception):
    """Input the user can fix; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, (str, Problem)):
            problems = [problems]
        self.problems = [p if isinstance(p, Problem) else Problem(p) for p in problems]
        super().__init__("; ".join(str(p) for p in self.problems))
