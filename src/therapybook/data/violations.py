"""What the loader reports: one located, French, one-paragraph message per broken rule."""

from __future__ import annotations

from dataclasses import dataclass

#: Violations shown in one error message (the rest are counted). One row can break several
#: rules at once (a penta-refractory row marked not triple-refractory breaks three), so a
#: whole cohort checked against every rule needs room: fixing a file should take one run.
MAX_REPORTED = 50


@dataclass(frozen=True)
class Violation:
    """One broken rule, located in a file."""

    path: str
    row: int | None  # row of the file as a spreadsheet numbers it (header = 1)
    column: str | None
    value: str | None
    rule: str
    detail: str

    def __str__(self) -> str:
        where = [f"fichier {self.path}"]
        if self.row is not None:
            where.append(f"ligne {self.row}")
        if self.column is not None:
            where.append(f"colonne « {self.column} »")
        value = "" if self.value is None else f" : valeur « {self.value} »"
        return f"{', '.join(where)}{value} — règle « {self.rule} » : {self.detail}."


class DataValidationError(ValueError):
    """A data file breaks its schema; the message lists every violation found."""

    def __init__(self, violations: list[Violation]):
        self.violations = violations
        shown = violations[:MAX_REPORTED]
        more = len(violations) - len(shown)
        lines = [f"Données invalides ({len(violations)} problème(s)) :"]
        lines += [f"  - {v}" for v in shown]
        if more:
            lines.append(f"  … et {more} autre(s).")
        super().__init__("\n".join(lines))
