"""The project's rules as frictionless checks (``frictionless.Check``, its extension point).

Table Schema says what one cell may hold; a schema of ``data/datapackage.json`` may add
``rules`` that tie cells together. Each kind of rule is one :class:`frictionless.Check`
subclass, built from its declaration by :func:`for_schema` and run by frictionless in the
same pass as its own checks; a broken rule is a :class:`RuleError` (one row) or a
:class:`TableRuleError` (the whole table) that :mod:`therapybook.data.report` puts in
French. Two checks apply to every table: :class:`FiniteNumbers` (Table Schema's number
type admits ``NaN`` and ``INF``, which no measured quantity of the book can take) and
frictionless's own ``table_dimensions`` (at least one data row).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Mapping
from decimal import Decimal
from itertools import pairwise
from typing import Any, ClassVar

import attrs
from frictionless import Check, checks, errors

#: R's tolerance for equal times, ``sqrt(.Machine$double.eps)`` (``survival::aeqSurv``).
TIES_TOLERANCE = sys.float_info.epsilon ** 0.5


@attrs.define(kw_only=True)
class RuleError(errors.RowError):
    """A row breaks one of the schema's ``rules``."""

    type = "project-rule"
    title = "Project rule"
    description = "A row breaks a cross-field rule of the data package."
    template = 'Row at position "{rowNumber}" breaks rule "{rule}": {note}'

    rule: str
    field_names: list[str]
    field_cells: list[str]

    metadata_profile_patch: ClassVar[dict] = {
        "properties": {
            "rule": {"type": "string"},
            "fieldNames": {"type": "array", "items": {"type": "string"}},
            "fieldCells": {"type": "array", "items": {"type": "string"}},
        },
    }


@attrs.define(kw_only=True)
class TableRuleError(errors.TableError):
    """The table as a whole breaks one of the schema's ``rules``."""

    type = "project-table-rule"
    title = "Project table rule"
    description = "A table breaks a rule of the data package."
    template = 'The table breaks rule "{rule}": {note}'

    rule: str
    field_names: list[str]
    field_cells: list[str]

    metadata_profile_patch: ClassVar[dict] = RuleError.metadata_profile_patch


class NonFiniteError(errors.CellError):
    type = "non-finite-number"
    title = "Non-finite number"
    description = "A number cell holds NaN, an infinity or a value beyond float range."
    template = 'The cell "{cell}" in row "{rowNumber}" and field "{fieldName}" is not finite'


# --------------------------------------------------------------------------- helpers
def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _same(cell: Any, wanted: Any) -> bool:
    """A typed cell equals a value of the descriptor (``null`` matches an empty cell)."""
    if wanted is None or cell is None:
        return cell is None and wanted is None
    if isinstance(cell, bool) or isinstance(wanted, bool):
        return isinstance(cell, bool) and isinstance(wanted, bool) and cell == wanted
    if isinstance(cell, (int, Decimal)) and isinstance(wanted, (int, float)):
        return cell == wanted
    return _text(cell) == _text(wanted)


def _matches(row, condition: Mapping[str, list]) -> bool:
    return all(any(_same(row[col], v) for v in values) for col, values in condition.items())


def _condition(condition: Mapping[str, list]) -> str:
    return " et ".join(
        f"{col} = {_text(values[0]) or 'vide'}" if len(values) == 1
        else f"{col} ∈ {{{', '.join(_text(v) or 'vide' for v in values)}}}"
        for col, values in condition.items())


def _usable(row, names: Iterable[str]) -> bool:
    """The cells a rule reads were read without error (else frictionless reports them)."""
    bad = row.error_cells
    return not any(n in bad for n in names)


@attrs.define(kw_only=True, repr=False)
class _Rule(Check):
    """A check declared in a schema's ``rules``; ``explanation`` is the rule's description."""

    explanation: str | None = None

    def _error(self, row, fields: list[str], detail: str) -> RuleError:
        note = detail + (f" ({self.explanation})" if self.explanation else "")
        return RuleError(note=note, cells=[_text(c) for c in row.cells],
                         row_number=row.row_number, rule=self.type, field_names=fields,
                         field_cells=[_text(row[f]) for f in fields])


# --------------------------------------------------------------------------- row rules
@attrs.define(kw_only=True, repr=False)
class Together(_Rule):
    """``{"rule": "together", "fields": [a, b]}``: on each row, all empty or all filled."""

    type = "together"
    Errors = [RuleError]
    columns: list[str]

    def validate_row(self, row):
        if not _usable(row, self.columns):
            return
        filled = [row[c] is not None for c in self.columns]
        if any(filled) and not all(filled):
            empty = [c for c, ok in zip(self.columns, filled, strict=True) if not ok]
            yield self._error(row, empty,
                              f"{', '.join(self.columns)} : tous remplis ou tous vides")


@attrs.define(kw_only=True, repr=False)
class EmptyWhen(_Rule):
    """``{"rule": "empty_when", "fields": [a], "when": {col: [v, ...]}}``."""

    type = "empty_when"
    Errors = [RuleError]
    columns: list[str]
    when: dict[str, list]
    want_empty: ClassVar[bool] = True

    def validate_row(self, row):
        if not _usable(row, [*self.columns, *self.when]) or not _matches(row, self.when):
            return
        for c in self.columns:
            if (row[c] is None) != self.want_empty:
                what = "doit être vide" if self.want_empty else "doit être renseigné"
                yield self._error(row, [c], f"{what} quand {_condition(self.when)}")


@attrs.define(kw_only=True, repr=False)
class RequiredWhen(EmptyWhen):
    """``{"rule": "required_when", "fields": [a], "when": {col: [v, ...]}}``."""

    type = "required_when"
    want_empty: ClassVar[bool] = False


@attrs.define(kw_only=True, repr=False)
class Implies(_Rule):
    """``{"rule": "implies", "if": {col: [v, ...]}, "then": {col: [v, ...]}}``.

    On a row where every ``if`` condition holds, every ``then`` condition must hold
    (an empty cell holds no condition unless its list contains ``null``).
    """

    type = "implies"
    Errors = [RuleError]
    premise: dict[str, list]
    conclusion: dict[str, list]

    def validate_row(self, row):
        if not _usable(row, [*self.premise, *self.conclusion]) or not _matches(row, self.premise):
            return
        broken = {c: v for c, v in self.conclusion.items() if not _matches(row, {c: v})}
        if broken:
            yield self._error(row, [*self.premise, *broken],
                              f"{_condition(self.premise)} implique {_condition(broken)}")


@attrs.define(kw_only=True, repr=False)
class Ordered(_Rule):
    """``{"rule": "ordered", "fields": [a, b, ...]}``: where filled, ``a ≤ b ≤ …``.

    Two values closer than R's tolerance for tied times (absolute, or relative to their
    mean, as ``survival::aeqSurv`` merges times) count as equal: a PFS that R's survival
    analysis treats as the same time as the OS is not "after" it.
    """

    type = "ordered"
    Errors = [RuleError]
    columns: list[str]

    def validate_row(self, row):
        if not _usable(row, self.columns):
            return
        filled = [(c, float(row[c])) for c in self.columns if row[c] is not None]
        for (a, x), (b, y) in pairwise(filled):
            gap = x - y
            if gap > TIES_TOLERANCE and gap / ((abs(x) + abs(y)) / 2) > TIES_TOLERANCE:
                yield self._error(row, [a, b], f"{a} doit être ≤ {b} "
                                  "(égalité à la tolérance de R près)")


# --------------------------------------------------------------------------- table rules
@attrs.define(kw_only=True, repr=False)
class NonemptyGroups(_Rule):
    """``{"rule": "nonempty_groups", "field": col, "values": [v, ...]}``: each value occurs."""

    type = "nonempty_groups"
    Errors = [TableRuleError]
    column: str
    values: list
    _seen: list = attrs.field(factory=list, init=False)

    def validate_row(self, row):
        if _usable(row, [self.column]):
            self._seen.append(row[self.column])
        yield from []

    def validate_end(self):
        if not self._seen:  # no row at all: frictionless's table_dimensions tells it
            return
        for value in self.values:
            if not any(_same(s, value) for s in self._seen):
                yield TableRuleError(note="aucune ligne pour ce groupe", rule=self.type,
                                     field_names=[self.column], field_cells=[_text(value)])


@attrs.define(kw_only=True, repr=False)
class Sum(_Rule):
    """``{"rule": "sum", "value": col, "key": col, "total": v, "parts": [v, ...],
    "match": [cols], "where": {col: [v, ...]}}``: among rows sharing the ``match`` columns
    (and passing ``where``), the row whose ``key`` is ``total`` equals the sum of the parts;
    when several rows of a group share a ``key``, the last one counts.
    """

    type = "sum"
    Errors = [RuleError]
    value: str
    key: str
    total: Any
    parts: list
    match: list[str] = attrs.field(factory=list)
    where: dict[str, list] = attrs.field(factory=dict)
    _groups: dict = attrs.field(factory=dict, init=False)

    def validate_row(self, row):
        names = [self.value, self.key, *self.match, *self.where]
        if _usable(row, names) and _matches(row, self.where) and row[self.value] is not None:
            group = tuple(_text(row[c]) for c in self.match)
            self._groups.setdefault(group, {})[_text(row[self.key])] = (row[self.value], row)
        yield from []

    def validate_end(self):
        for group, members in self._groups.items():
            total, *parts = (members.get(_text(code)) for code in [self.total, *self.parts])
            if total is None or any(p is None for p in parts):
                continue
            added = sum(Decimal(str(p[0])) for p in parts)
            if abs(float(added) - float(total[0])) > 1e-9:
                yield self._error(total[1], [self.value], (
                    f"le total ({'/'.join(group)}) devrait égaler la somme des parties "
                    f"{' + '.join(map(_text, self.parts))} = {float(added):g}"))


# --------------------------------------------------------------------------- every table
@attrs.define(kw_only=True, repr=False)
class FiniteNumbers(Check):
    """Number cells are finite: ``NaN``, ``INF`` or ``1e309`` measure nothing."""

    type = "finite-numbers"
    Errors = [NonFiniteError]

    def validate_row(self, row):
        for field in row.fields:
            if field.type == "number" and field.name not in row.error_cells:
                value = row[field.name]
                if value is not None and not math.isfinite(float(value)):
                    yield NonFiniteError(note="not finite", cells=[_text(c) for c in row.cells],
                                         row_number=row.row_number,
                                         cell=_text(row.cells[field_position(row, field.name)]),
                                         field_name=field.name,
                                         field_number=field_position(row, field.name) + 1)


def field_position(row, name: str) -> int:
    return row.field_names.index(name)


#: Rule kind → check class and how its declaration maps to the check's arguments.
RULES: dict[str, tuple[type[Check], dict[str, str]]] = {
    "together": (Together, {"fields": "columns"}),
    "empty_when": (EmptyWhen, {"fields": "columns", "when": "when"}),
    "required_when": (RequiredWhen, {"fields": "columns", "when": "when"}),
    "implies": (Implies, {"if": "premise", "then": "conclusion"}),
    "ordered": (Ordered, {"fields": "columns"}),
    "nonempty_groups": (NonemptyGroups, {"field": "column", "values": "values"}),
    "sum": (Sum, {"value": "value", "key": "key", "total": "total", "parts": "parts",
                  "match": "match", "where": "where"}),
}


class UnknownRule(ValueError):
    """A schema declares a rule this module does not know."""


def for_schema(schema: Mapping) -> list[Check]:
    """The checks of every table, then one per rule declared in ``schema["rules"]``."""
    out: list[Check] = [FiniteNumbers(), checks.table_dimensions(min_rows=1)]
    for rule in schema.get("rules", []):
        kind = rule.get("rule")
        if kind not in RULES:
            raise UnknownRule(f"règle inconnue : {kind}")
        cls, args = RULES[kind]
        kwargs = {attr: rule[key] for key, attr in args.items() if key in rule}
        out.append(cls(explanation=rule.get("description"), **kwargs))
    return out
