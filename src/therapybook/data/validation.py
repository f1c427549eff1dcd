"""One resource validated by frictionless, and read into a typed frame in the same pass.

Frictionless checks what Table Schema says (types, formats, ``required``, ``unique``,
``enum``, ranges, patterns, primary and foreign keys); :mod:`therapybook.data.checks`
adds the project's ``rules`` as frictionless checks; :mod:`therapybook.data.report`
words the report in French. Where a resource of the descriptor is silent, the project's
conventions apply (what a CSV of this book is):

- UTF-8 (a byte-order mark is accepted), comma-separated, header on the first line
  (frictionless would otherwise guess the encoding, the separator and the header row);
- columns matched to fields by name, in any order, all present and none extra
  (Table Schema's ``"fieldsMatch": "equal"``);
- booleans written ``true`` / ``false`` only (not ``1``, ``oui``, ``True``);
- an empty cell is a missing value.

This module imports frictionless; :mod:`therapybook.data` imports it only when a file
must be validated (a chapter that reads already validated files never pays for it).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from frictionless import Checklist, Package, Resource, system

from therapybook.data import checks, report
from therapybook.data.violations import Violation

DEFAULTS = {"format": "csv", "encoding": "utf-8"}
#: Explicit header row: frictionless otherwise guesses it from the rows' widths, and takes
#: the first data row for the header of a « ; »-separated file with decimal commas.
DIALECT_DEFAULTS = {"delimiter": ",", "header": True, "headerRows": [1]}
SCHEMA_DEFAULTS = {"missingValues": [""], "fieldsMatch": "equal"}
BOOLEAN_DEFAULTS = {"trueValues": ["true"], "falseValues": ["false"]}


def frictionless_resource(res: Mapping, path: Path) -> dict:
    """The descriptor frictionless reads: ``res`` at ``path``, with the project's defaults."""
    out = {**copy.deepcopy(DEFAULTS), **copy.deepcopy(dict(res)), "path": str(path)}
    out["dialect"] = {**DIALECT_DEFAULTS, **out.get("dialect", {})}
    schema = out["schema"]
    schema.pop("rules", None)  # the project's rules are checks, not Table Schema
    for key, value in SCHEMA_DEFAULTS.items():
        schema.setdefault(key, value)
    for field in schema["fields"]:
        if field.get("type") == "boolean":
            for key, value in BOOLEAN_DEFAULTS.items():
                field.setdefault(key, value)
    return out


def schema_as_read(res: Mapping) -> dict:
    """The schema with the defaults frictionless applies (for the messages' allowed values)."""
    return frictionless_resource(res, Path("."))["schema"]


def check(res: Mapping, path: Path, shown: str, raw: bytes,
          references: Mapping[str, tuple[Mapping, Path]]) -> tuple[list[dict], list[Violation]]:
    """Validate the file ``path`` of resource ``res``; return its typed rows and violations.

    ``references`` maps the resources its foreign keys name to their descriptor and file.
    """
    def violation(rule: str, detail: str) -> list[Violation]:
        return [Violation(shown, None, None, None, rule, detail)]

    try:
        checklist = Checklist(checks=checks.for_schema(res["schema"]))
    except checks.UnknownRule as exc:
        return [], violation("rules", str(exc))
    members = [frictionless_resource(res, path)]
    members += [frictionless_resource(r, p) for n, (r, p) in references.items()
                if n != res["name"]]
    titles = {n: r.get("title", "") for n, (r, _p) in references.items()}
    rows: list[dict] = []
    with system.use_context(trusted=True):  # our own paths, absolute ones included
        # A package only where foreign keys need one (building it costs more than reading)
        table = Package({"resources": members}).get_resource(res["name"]) \
            if references else Resource(members[0])
        result = table.validate(checklist, on_row=lambda row: rows.append(row.to_dict()))
    errors = [*result.errors, *(e for task in result.tasks for e in task.errors)]
    return rows, report.translate(errors, shown, schema_as_read(res), raw, titles)


def frame(rows: list[dict], fields: list[Mapping]) -> pd.DataFrame:
    """Typed columns in the descriptor's order: Int64, float64, boolean, datetime64, object."""
    out = {}
    for f in fields:
        values = [r.get(f["name"]) for r in rows]
        kind = f.get("type", "string")
        if kind in ("integer", "year"):
            out[f["name"]] = pd.array(values, dtype="Int64")
        elif kind == "number":
            out[f["name"]] = pd.array([float("nan") if v is None else float(v) for v in values],
                                      dtype="float64")
        elif kind == "boolean":
            out[f["name"]] = pd.array(values, dtype="boolean")
        elif kind == "date":
            out[f["name"]] = pd.to_datetime(pd.Series(values, dtype="object"))
        else:
            out[f["name"]] = pd.Series(values, dtype="object")
    return pd.DataFrame(out)
