"""Data loading and validation against ``data/datapackage.json``.

The descriptor (a Frictionless Data Package with Table Schemas) is the single
description of every CSV: fields, types, units, constraints and provenance.
:func:`load` reads one resource and validates it; any violation raises
:class:`DataValidationError` whose message names file, row, column, value and rule.

Besides Table Schema's field constraints, primary and foreign keys, a schema may list
cross-field ``rules`` (an extension of this project), checked row by row or per table:

- ``{"rule": "together", "fields": [a, b]}`` — on each row, all empty or all filled;
- ``{"rule": "empty_when", "fields": [a], "when": {col: [v, ...]}}`` — ``a`` must be
  empty on rows where ``col`` takes one of the values; ``"required_when"`` — must be filled;
- ``{"rule": "nonempty_groups", "field": col, "values": [v, ...]}`` — each value occurs;
- ``{"rule": "sum", "value": col, "key": col, "total": v, "parts": [v, ...],
  "match": [cols], "where": {col: [v, ...]}}`` — among rows sharing the ``match`` columns
  (and passing ``where``), the row whose ``key`` is ``total`` equals the sum of the part rows.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd

ROOT = Path(os.environ.get("THERAPYBOOK_ROOT", Path(__file__).resolve().parents[3]))
DATA_DIR = ROOT / "data"
DESCRIPTOR = DATA_DIR / "datapackage.json"
#: Environment variables that point a resource at another file (real-data mode).
OVERRIDES = {"retrospective_cohort": "THERAPYBOOK_COHORT"}
MAX_REPORTED = 20

TRUE_VALUES = ("true",)
FALSE_VALUES = ("false",)


@dataclass(frozen=True)
class Violation:
    """One broken rule, located in a file."""

    path: str
    row: int | None  # line number in the file (header = line 1)
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


@lru_cache(maxsize=4)
def _read_descriptor(path: Path, mtime: float) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataValidationError(
            [Violation(str(path), exc.lineno, None, None, "JSON", str(exc.msg))]
        ) from None


def descriptor() -> dict:
    """Return the parsed data package descriptor."""
    return _read_descriptor(DESCRIPTOR, DESCRIPTOR.stat().st_mtime)


def resource(name: str) -> dict:
    """Return the descriptor entry of resource ``name``."""
    for res in descriptor()["resources"]:
        if res["name"] == name:
            return res
    known = ", ".join(sorted(r["name"] for r in descriptor()["resources"]))
    raise KeyError(f"Ressource « {name} » absente de {DESCRIPTOR}. Ressources connues : {known}.")


def resource_path(name: str) -> Path:
    """Path of the CSV behind ``name``, honouring the real-data overrides."""
    env = OVERRIDES.get(name)
    if env and os.environ.get(env):
        return Path(os.environ[env]).expanduser().resolve()
    return DATA_DIR / resource(name)["path"]


def is_overridden(name: str) -> bool:
    """True when ``name`` is read from a user-supplied file instead of ``data/``."""
    env = OVERRIDES.get(name)
    return bool(env and os.environ.get(env))


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- cells
def _cast(raw: str, field: dict) -> object:
    """Convert one non-missing cell; raise ValueError(rule, detail) if impossible."""
    kind = field.get("type", "string")
    if kind == "string":
        return raw
    if kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", raw):
            raise ValueError("type integer", "un entier est attendu")
        return int(raw)
    if kind == "number":
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", raw):
            hint = " (séparateur décimal : le point, pas la virgule)" if "," in raw else ""
            raise ValueError("type number", f"un nombre est attendu{hint}")
        return float(raw)
    if kind == "boolean":
        trues = field.get("trueValues", TRUE_VALUES)
        falses = field.get("falseValues", FALSE_VALUES)
        if raw in trues:
            return True
        if raw in falses:
            return False
        allowed = "/".join([*trues, *falses])
        raise ValueError("type boolean", f"valeurs admises : {allowed}")
    if kind == "date":
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise ValueError("type date", "une date AAAA-MM-JJ est attendue") from None
    if kind == "year":
        if not re.fullmatch(r"\d{4}", raw):
            raise ValueError("type year", "une année sur 4 chiffres est attendue")
        return int(raw)
    raise ValueError("type", f"type inconnu dans le descripteur : {kind}")


def _check_constraints(value: object, raw: str, field: dict) -> tuple[str, str] | None:
    c = field.get("constraints", {})
    if "enum" in c:
        allowed = [str(v) for v in c["enum"]]
        if raw not in allowed:
            return "enum", f"valeurs admises : {', '.join(allowed)}"
    if "minimum" in c and value < c["minimum"]:  # type: ignore[operator]
        return f"minimum {c['minimum']}", f"la valeur doit être ≥ {c['minimum']}"
    if "maximum" in c and value > c["maximum"]:  # type: ignore[operator]
        return f"maximum {c['maximum']}", f"la valeur doit être ≤ {c['maximum']}"
    if "pattern" in c and not re.fullmatch(c["pattern"], raw):
        return "pattern", f"la valeur doit suivre le motif {c['pattern']}"
    if "minLength" in c and len(raw) < c["minLength"]:
        return "minLength", f"au moins {c['minLength']} caractère(s)"
    if "maxLength" in c and len(raw) > c["maxLength"]:
        return "maxLength", f"au plus {c['maxLength']} caractère(s)"
    return None


# --------------------------------------------------------------------------- tables
def _read_text(path: Path, shown: str) -> str:
    if not path.exists():
        raise DataValidationError(
            [Violation(shown, None, None, None, "fichier présent", "le fichier n'existe pas")]
        )
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 byte-order mark is harmless: accepted and ignored
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataValidationError(
            [
                Violation(
                    shown, line, None, None, "encodage UTF-8",
                    "octets non UTF-8 (fichier enregistré en Latin-1/Windows-1252 ?) ; "
                    "réenregistrer le fichier en UTF-8",
                )
            ]
        ) from None
    if not text.strip():
        raise DataValidationError(
            [Violation(shown, None, None, None, "fichier non vide", "le fichier est vide")]
        )
    return text


def validate_rows(
    header: list[str], rows: list[list[str]], schema: dict, shown: str
) -> tuple[list[Violation], dict[str, list[object]]]:
    """Check header and cells; return violations and the typed columns."""
    violations: list[Violation] = []
    fields = schema["fields"]
    names = [f["name"] for f in fields]
    missing_values = set(schema.get("missingValues", [""]))
    for name in names:
        if name not in header:
            violations.append(Violation(shown, 1, name, None, "colonne requise",
                                        "colonne décrite dans le descripteur mais absente"))
    for name in header:
        if name not in names:
            violations.append(Violation(shown, 1, name, None, "colonne connue",
                                        "colonne absente du descripteur"))
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        violations.append(Violation(shown, 1, ", ".join(dup), None, "colonnes uniques",
                                    "nom de colonne répété"))
    if violations:
        return violations, {}
    if not rows:
        violations.append(Violation(shown, 2, None, None, "au moins une ligne",
                                    "le fichier n'a que l'en-tête"))
        return violations, {}
    index = {h: i for i, h in enumerate(header)}
    columns: dict[str, list[object]] = {n: [] for n in names}
    for r, row in enumerate(rows):
        line = r + 2
        if len(row) != len(header):
            violations.append(Violation(
                shown, line, None, None, "nombre de colonnes",
                f"{len(row)} valeur(s) pour {len(header)} colonne(s) "
                "(séparateur « ; » d'un export Excel, ligne tronquée ou virgule non protégée ?)"))
            for n in names:
                columns[n].append(None)
            continue
        for f in fields:
            raw = row[index[f["name"]]]
            if raw in missing_values:
                if f.get("constraints", {}).get("required"):
                    violations.append(Violation(shown, line, f["name"], raw, "required",
                                                "valeur obligatoire manquante"))
                columns[f["name"]].append(None)
                continue
            try:
                value = _cast(raw, f)
            except ValueError as exc:
                rule, detail = exc.args
                violations.append(Violation(shown, line, f["name"], raw, rule, detail))
                columns[f["name"]].append(None)
                continue
            broken = _check_constraints(value, raw, f)
            if broken:
                violations.append(Violation(shown, line, f["name"], raw, *broken))
            columns[f["name"]].append(value)
    for f in fields:
        if f.get("constraints", {}).get("unique"):
            violations += _unique(shown, [f["name"]], columns)
    pk = schema.get("primaryKey")
    if pk:
        violations += _unique(shown, [pk] if isinstance(pk, str) else list(pk), columns)
    for rule in schema.get("rules", []):
        violations += _check_rule(shown, rule, columns, len(rows))
    return violations, columns


def _matches(columns: dict[str, list[object]], i: int, when: dict) -> bool:
    return all(str(columns[col][i]).lower() in {str(v).lower() for v in values}
               if columns[col][i] is not None else None in values
               for col, values in when.items())


def _check_rule(shown: str, rule: dict, columns: dict[str, list[object]], n: int
                ) -> list[Violation]:
    kind = rule["rule"]
    out: list[Violation] = []
    if kind == "together":
        fields = rule["fields"]
        for i in range(n):
            filled = [columns[f][i] is not None for f in fields]
            if any(filled) and not all(filled):
                empty = [f for f, ok in zip(fields, filled, strict=True) if not ok]
                out.append(Violation(shown, i + 2, ", ".join(empty), None, "together",
                                     f"{', '.join(fields)} : tous remplis ou tous vides"))
    elif kind in ("empty_when", "required_when"):
        want_empty = kind == "empty_when"
        cond = " ; ".join(f"{c} ∈ {{{', '.join(map(str, v))}}}" for c, v in rule["when"].items())
        for i in range(n):
            if not _matches(columns, i, rule["when"]):
                continue
            for f in rule["fields"]:
                if (columns[f][i] is None) != want_empty:
                    detail = "doit être vide" if want_empty else "doit être renseigné"
                    out.append(Violation(shown, i + 2, f, None if columns[f][i] is None
                                         else str(columns[f][i]), kind,
                                         f"{detail} quand {cond}"))
    elif kind == "nonempty_groups":
        present = set(columns[rule["field"]])
        for value in rule["values"]:
            if value not in present:
                out.append(Violation(shown, None, rule["field"], str(value), "nonempty_groups",
                                     "aucune ligne pour ce groupe"))
    elif kind == "sum":
        groups: dict[tuple, dict[object, tuple[int, float]]] = {}
        for i in range(n):
            if rule.get("where") and not _matches(columns, i, rule["where"]):
                continue
            group = tuple(columns[c][i] for c in rule.get("match", []))
            value = columns[rule["value"]][i]
            if value is not None:
                groups.setdefault(group, {})[columns[rule["key"]][i]] = (i, value)
        for group, rows in groups.items():
            if rule["total"] in rows and all(p in rows for p in rule["parts"]):
                i, total = rows[rule["total"]]
                parts = sum(rows[p][1] for p in rule["parts"])
                if abs(parts - total) > 1e-9:
                    out.append(Violation(
                        shown, i + 2, rule["value"], str(total), "sum",
                        f"le total ({'/'.join(map(str, group))}) devrait égaler la somme des "
                        f"parties {' + '.join(map(str, rule['parts']))} = {parts:g}"))
    else:
        out.append(Violation(shown, None, None, None, "rules", f"règle inconnue : {kind}"))
    return out


def _unique(shown: str, keys: list[str], columns: dict[str, list[object]]) -> list[Violation]:
    seen: dict[tuple, int] = {}
    out = []
    for i, key in enumerate(zip(*(columns[k] for k in keys), strict=True)):
        if all(v is None for v in key):
            continue
        if key in seen:
            out.append(Violation(shown, i + 2, ", ".join(keys), ", ".join(map(str, key)),
                                 "unique", f"valeur déjà présente ligne {seen[key] + 2}"))
        else:
            seen[key] = i
    return out


def _frame(columns: dict[str, list[object]], fields: list[dict]) -> pd.DataFrame:
    out = {}
    for f in fields:
        values = columns[f["name"]]
        kind = f.get("type", "string")
        if kind in ("integer", "year"):
            out[f["name"]] = pd.array(values, dtype="Int64")
        elif kind == "number":
            out[f["name"]] = pd.array([float("nan") if v is None else v for v in values],
                                      dtype="float64")
        elif kind == "boolean":
            out[f["name"]] = pd.array(values, dtype="boolean")
        elif kind == "date":
            out[f["name"]] = pd.to_datetime(pd.Series(values, dtype="object"))
        else:
            out[f["name"]] = pd.Series(values, dtype="object")
    return pd.DataFrame(out)


def _parse(name: str) -> tuple[dict, str, list[Violation], dict[str, list[object]], int]:
    res = resource(name)
    path = resource_path(name)
    shown = _display(path)
    text = _read_text(path, shown)
    dialect = res.get("dialect", {})
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.get("delimiter", ","),
                        strict=True)
    try:
        table = list(reader)
    except csv.Error as exc:
        raise DataValidationError(
            [Violation(shown, reader.line_num, None, None, "CSV", f"CSV illisible : {exc}")]
        ) from None
    header, rows = table[0], [r for r in table[1:] if r != []]
    delimiter = dialect.get("delimiter", ",")
    if delimiter == "," and len(header) == 1 and ";" in header[0]:
        raise DataValidationError([Violation(
            shown, 1, None, None, "séparateur « , »",
            "une seule colonne lue : l'en-tête est séparé par « ; » (export Excel en "
            "français ?) ; réenregistrer le "
            "fichier en CSV UTF-8, séparateur virgule et décimales avec un point")])
    if not text.endswith("\n"):
        # A last line without newline is accepted only if it is complete; a
        # truncated line is caught by the column count or the cell checks.
        pass
    violations, columns = validate_rows(header, rows, res["schema"], shown)
    return res, shown, violations, columns, len(rows)


def load(name: str) -> pd.DataFrame:
    """Load resource ``name`` as a typed DataFrame after validating it.

    Raises :class:`DataValidationError` naming file, row, column, value and rule.
    """
    res, _shown, violations, columns, _n = _parse(name)
    violations += _foreign_keys(res, columns)
    if violations:
        raise DataValidationError(violations)
    _record_read(name)
    return _frame(columns, res["schema"]["fields"])


def _foreign_keys(res: dict, columns: dict[str, list[object]]) -> list[Violation]:
    out = []
    shown = _display(resource_path(res["name"]))
    for fk in res["schema"].get("foreignKeys", []):
        fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
        ref = fk["reference"]
        ref_fields = ref["fields"] if isinstance(ref["fields"], list) else [ref["fields"]]
        _r, _s, bad, ref_cols, _n = _parse(ref["resource"])
        if bad:
            continue  # reported when that resource itself is validated
        allowed = set(zip(*(ref_cols[f] for f in ref_fields), strict=True))
        for i, key in enumerate(zip(*(columns[f] for f in fields), strict=True)):
            if all(v is None for v in key):
                continue
            if key not in allowed:
                out.append(Violation(shown, i + 2, ", ".join(fields), ", ".join(map(str, key)),
                                     "foreignKey",
                                     f"absente de {ref['resource']}.{', '.join(ref_fields)}"))
    return out


def validate(names: Iterable[str] | None = None) -> list[Violation]:
    """Validate resources (all by default); return every violation found."""
    names = list(names) if names is not None else [r["name"] for r in descriptor()["resources"]]
    found: list[Violation] = []
    for name in names:
        try:
            res, _shown, violations, columns, _n = _parse(name)
            found += violations
            if not violations:
                found += _foreign_keys(res, columns)
        except DataValidationError as exc:
            found += exc.violations
    return found


# --------------------------------------------------------------------------- tracking
_READS: list[str] = []


def _record_read(name: str) -> None:
    if name not in _READS:
        _READS.append(name)


def resources_read() -> list[str]:
    """Names of the resources loaded so far in this process (for provenance)."""
    return list(_READS)


# --------------------------------------------------------------------------- provenance of rows
#: Columns that hold the source's own words for a row (a quotation, not our text).
PRINTED_COLUMNS = ("as_printed", "printed", "quote")


@dataclass(frozen=True)
class Source:
    """Where one data row comes from: enough for a reader to check a number.

    ``line`` is the row's line in its CSV file (header = line 1), the anchor of the
    row in the data appendix; ``printed`` is the source's own fragment.
    """

    resource: str
    line: int
    document: str | None
    section: str | None
    printed: str | None
    citation: str | None
    locator: str | None = None  # the row's own place (table, column) when its file gives one


def source(name: str, **match: object) -> Source:
    """The provenance of the single row of resource ``name`` whose columns equal ``match``.

    ``source("infections_essais", trial="MajesTEC-1", measure="infection_any")``. Raises
    :class:`LookupError` naming the resource and the criteria when no row or several match.
    """
    frame = load(name)
    mask = pd.Series(True, index=frame.index)
    for column, value in match.items():
        if column not in frame.columns:
            raise LookupError(f"Ressource « {name} » : pas de colonne « {column} ».")
        mask &= frame[column].astype("object").eq(value).fillna(False).astype(bool)
    hits = frame.index[mask]
    if len(hits) != 1:
        criteria = ", ".join(f"{k} = {v!r}" for k, v in match.items())
        raise LookupError(f"Ressource « {name} » : {len(hits)} ligne(s) pour {criteria} "
                          "(une seule attendue).")
    return _source_of(name, frame, int(hits[0]))


def source_at(name: str, line: int) -> Source:
    """The provenance of the row at ``line`` of resource ``name`` (header = line 1).

    Raises :class:`LookupError` when the file has no such row.
    """
    frame = load(name)
    if not 2 <= line <= len(frame) + 1:
        raise LookupError(f"Ressource « {name} » : pas de ligne {line} "
                          f"(lignes de données : 2 à {len(frame) + 1}).")
    return _source_of(name, frame, line - 2)


def _source_of(name: str, frame: pd.DataFrame, index: int) -> Source:
    row = frame.loc[index]
    prov = resource(name).get("provenance", {})

    def cell(*columns: str) -> str | None:
        for c in columns:
            if c in frame.columns and row[c] is not None and not pd.isna(row[c]):
                return str(row[c])
        return None

    return Source(resource=name, line=index + 2, document=prov.get("document"),
                  section=cell("source_section") or prov.get("section"),
                  printed=cell(*PRINTED_COLUMNS), citation=cell("citation"),
                  locator=cell("locator"))
