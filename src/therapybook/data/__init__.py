"""Data loading and validation against ``data/datapackage.json``.

The descriptor (a Frictionless Data Package with Table Schemas) is the single
description of every CSV: fields, types, units, constraints and provenance.
:func:`load` reads one resource and validates it with frictionless; any violation
raises :class:`DataValidationError` whose message names file, row, column, value and
rule, in French (:mod:`therapybook.data.report`).

Besides Table Schema's field constraints, primary and foreign keys, a schema may list
cross-field ``rules`` (an extension of this project), checked row by row or per table
by frictionless checks (:mod:`therapybook.data.checks`):

- ``{"rule": "together", "fields": [a, b]}`` — on each row, all empty or all filled;
- ``{"rule": "empty_when", "fields": [a], "when": {col: [v, ...]}}`` — ``a`` must be
  empty on rows where ``col`` takes one of the values; ``"required_when"`` — must be filled;
- ``{"rule": "implies", "if": {col: [v, ...]}, "then": {col: [v, ...]}}`` — on rows
  meeting every ``if`` condition, every ``then`` condition holds;
- ``{"rule": "ordered", "fields": [a, b]}`` — where both are filled, ``a ≤ b`` (equal
  within R's tolerance for tied times);
- ``{"rule": "nonempty_groups", "field": col, "values": [v, ...]}`` — each value occurs;
- ``{"rule": "sum", "value": col, "key": col, "total": v, "parts": [v, ...],
  "match": [cols], "where": {col: [v, ...]}}`` — among rows sharing the ``match`` columns
  (and passing ``where``), the row whose ``key`` is ``total`` equals the sum of the part rows.

A rule may carry a ``description``, appended to its message. Values compare as typed
(``0``, ``true``, ``"none"``; ``null`` is an empty cell).

Validation costs a frictionless import and a pass over the file; chapters load the same
files many times, each chapter in a fresh kernel. A validated file is therefore kept,
per content (its bytes, its descriptor entry and those of the resources its foreign keys
name), in this process and in a cache folder of the build (:func:`cache_dir`): a
chapter that reads files already validated by an earlier one never imports frictionless.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from therapybook.data.violations import MAX_REPORTED, DataValidationError, Violation

__all__ = ["ROOT", "DATA_DIR", "DESCRIPTOR", "OVERRIDES", "MAX_REPORTED", "Violation",
           "DataValidationError", "descriptor", "resource", "resource_path", "is_overridden",
           "load", "validate", "Source", "source"]

ROOT = Path(os.environ.get("THERAPYBOOK_ROOT", Path(__file__).resolve().parents[3]))
DATA_DIR = ROOT / "data"
DESCRIPTOR = DATA_DIR / "datapackage.json"
#: Environment variables that point a resource at another file (real-data mode).
OVERRIDES = {"retrospective_cohort": "THERAPYBOOK_COHORT"}


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


# --------------------------------------------------------------------------- validation
#: Results of this process, per content digest: (typed frame or None, violations).
_CHECKED: dict[str, tuple[pd.DataFrame | None, list[Violation]]] = {}


def cache_dir() -> Path:
    """Where validated frames are kept between processes: the build folder's ``data-cache``."""
    build = Path(os.environ.get("THERAPYBOOK_BUILD_DIR", ROOT / "_build"))
    return build / ".data-cache"


@lru_cache(maxsize=1)
def _code_version() -> str:
    """What a cached result depends on besides the data: this package's code, its libraries."""
    from importlib.metadata import version

    here = Path(__file__).parent
    h = hashlib.sha256()
    for module in ("__init__.py", "checks.py", "report.py", "validation.py", "violations.py"):
        h.update((here / module).read_bytes())
    h.update(f"frictionless {version('frictionless')} pandas {pd.__version__}".encode())
    return h.hexdigest()


def _references(res: dict) -> dict[str, tuple[dict, Path]]:
    names = [fk["reference"]["resource"] or res["name"]
             for fk in res["schema"].get("foreignKeys", [])]
    return {n: (resource(n), resource_path(n)) for n in dict.fromkeys(names)}


def _missing(shown: str) -> list[Violation]:
    return [Violation(shown, None, None, None, "fichier présent", "le fichier n'existe pas")]


def _checked(name: str) -> tuple[pd.DataFrame | None, list[Violation]]:
    """Validate resource ``name`` (or recall the result for the same content)."""
    res, path = resource(name), resource_path(name)
    shown = _display(path)
    if not path.is_file():
        return None, _missing(shown)
    raw = path.read_bytes()
    refs = _references(res)
    h = hashlib.sha256(_code_version().encode())
    for entry, data in [(res, raw), *((r, p.read_bytes() if p.is_file() else b"")
                                     for n, (r, p) in refs.items() if n != name)]:
        h.update(json.dumps(entry, sort_keys=True).encode())
        h.update(hashlib.sha256(data).digest())
    h.update(shown.encode())
    key = h.hexdigest()
    if key in _CHECKED:
        return _CHECKED[key]
    stored = cache_dir() / f"{key}.pickle"
    try:
        result = pickle.loads(stored.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        result = _validate_file(name, res, path, shown, raw, refs)
        _store(stored, result)
    _CHECKED[key] = result
    return result


def _validate_file(name, res, path, shown, raw, refs):
    from therapybook.data import validation  # imports frictionless

    missing = [v for n, (_r, p) in refs.items() if n != name and not p.is_file()
               for v in _missing(_display(p))]
    if missing:
        return None, missing
    rows, violations = validation.check(res, path, shown, raw, refs)
    if violations:
        return None, violations
    return validation.frame(rows, res["schema"]["fields"]), []


def _store(path: Path, result) -> None:
    """Write a result atomically (parallel kernels may validate the same file at once)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(path)
    except OSError:
        pass  # a read-only build folder: validate again next time


def load(name: str) -> pd.DataFrame:
    """Load resource ``name`` as a typed DataFrame after validating it.

    Raises :class:`DataValidationError` naming file, row, column, value and rule.
    """
    frame, violations = _checked(name)
    if violations:
        raise DataValidationError(violations)
    return frame.copy()


def validate(names: Iterable[str] | None = None) -> list[Violation]:
    """Validate resources (all by default); return every violation found."""
    names = list(names) if names is not None else [r["name"] for r in descriptor()["resources"]]
    return [v for name in names for v in _checked(name)[1]]


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
