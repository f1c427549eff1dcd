"""Property-based fuzzing of the real-data loader (Hypothesis).

Each example starts from the shipped cohort and breaks it the way a hospital
spreadsheet does: cells replaced by realistic junk (« NA », « 1,5 », « oui », « 12 mois »,
full-width or Arabic digits, non-breaking spaces, a formula, a stray byte-order mark,
wrong case in a code, another patient's value…), columns dropped, swapped, duplicated or
renamed, rows duplicated, blanked, truncated or deleted, the file cut short. The cohort
goes through ``THERAPYBOOK_COHORT`` as a real file would.

Property: :func:`therapybook.data.load` either raises :class:`DataValidationError`
whose violations each name the file, a rule and where (line, column or both) — the
mutated line or column for a one-cell change — or returns a frame on which every
constraint and rule of the descriptor holds, checked here by an oracle written
independently of the validator (pandas on the returned frame), and which keeps every
patient of the file in order.

Profiles (``THERAPYBOOK_FUZZ``): ``unit`` (default, a few seconds) and ``full`` (set by
``make test``). Examples are not stored (no database in the working tree): each one
Hypothesis found while this test was written is kept below as an ``@example``.
"""

from __future__ import annotations

import csv
import io
import os
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from therapybook import data

from conftest import ROOT, descriptor

COHORT = "retrospective_cohort"
#: The fixtures are only a file path and an environment variable, set anew by each example.
HEALTH = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
settings.register_profile("unit", max_examples=40, deadline=None, database=None,
                          suppress_health_check=HEALTH)
settings.register_profile("full", max_examples=500, deadline=None, database=None,
                          suppress_health_check=HEALTH)
settings.load_profile(os.environ.get("THERAPYBOOK_FUZZ", "unit"))

RES = {r["name"]: r for r in descriptor(ROOT)["resources"]}[COHORT]
FIELDS = {f["name"]: f for f in RES["schema"]["fields"]}
SHIPPED = (ROOT / "data" / RES["path"]).read_text(encoding="utf-8")
TOL = sys.float_info.epsilon ** 0.5

JUNK = ["NA", "N/A", "nan", "NaN", "inf", "-inf", "1e309", "1,5", "0,5", "oui", "non", "vrai",
        "faux", "True", "FALSE", "1", "0", "-0", "12 mois", "１２", "١٢", "\u00a012", "12\u00a0",
        " 12", "=1+1", "\ufeff1", "1_0", "0x10", "1e2", "", " ", "?", "inconnu", "CAR_T",
        "Ide_Cel", "None", "progression ", "null", "2023-05-17", "99999", "-3", "4.37",
        "0.00", "120.000000001", '"', '12"', "a\"b", "\x00", "12\r", "\n12", ";", "1;2",
        "\t12", "\u221212", "1.5.2", "+5", "00012", "1e-400", "\u0661\u066b\u0665", "\u00b2"]
RENAMES = ["Patient_ID", "patient id", "pfs_months ", "\ufeffos_months", "colonne_inconnue",
           "PFS (mois)", ""]


BOOLEANS = sorted(n for n, f in FIELDS.items() if f.get("type") == "boolean")
TIMES = sorted(n for n, f in FIELDS.items() if f.get("type") == "number")
RULED = sorted({c for r in RES["schema"]["rules"]
                for c in [*r.get("fields", []), *r.get("when", {}), *r.get("if", {}),
                          *r.get("then", {})]})


def _number(text: str) -> bool:
    try:
        return float(text) == float(text)
    except ValueError:
        return False


def parse(text: str) -> tuple[list[str], list[list[str]]]:
    table = list(csv.reader(io.StringIO(text, newline="")))
    return table[0], table[1:]


def dump(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return out.getvalue()


@dataclass
class Mutant:
    text: str
    ops: list[str]
    cell: tuple[int, str] | None = None  # (line, column) of a one-cell change


@st.composite
def mutants(draw) -> Mutant:
    """The shipped cohort with one to three realistic accidents."""
    header, rows = parse(SHIPPED)
    ops: list[str] = []
    cells: list[tuple[int, str]] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["cell", "cell", "cell", "other_value", "other_value",
                                     "flip", "time", "case", "drop", "swap", "dup_col",
                                     "rename", "dup_row", "blank_row", "cut_row", "del_row"]))
        n, w = len(rows), len(header)
        if kind in ("cell", "other_value", "flip", "time", "case") and n and w:
            i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, w - 1))
            if kind in ("other_value", "flip", "time") and draw(st.booleans()):
                # half the time, a column that a cross-field rule reads
                names = {"flip": BOOLEANS, "time": TIMES}.get(kind, RULED)
                j = header.index(draw(st.sampled_from(names))) if set(names) <= set(
                    header) else j
            if len(rows[i]) <= j:
                continue
            if kind == "cell":
                value = draw(st.sampled_from(JUNK))
            elif kind == "other_value":  # a value another patient has
                value = draw(st.sampled_from(sorted({r[j] for r in rows if len(r) > j})))
            elif kind == "flip":  # a yes/no answer misread
                value = {"true": "false", "false": "true"}.get(rows[i][j], "true")
            elif kind == "time":  # a time typed next to another patient's, or off by a bit
                others = [float(r[j]) for r in rows if len(r) > j and _number(r[j])]
                base = draw(st.sampled_from(others)) if others else 1.0
                delta = draw(st.sampled_from([-1, -0.01, 0, 1e-9, 0.01, 1, 10]))
                value = repr(round(base + delta, 10))
            else:
                value = rows[i][j].upper() if draw(st.booleans()) else rows[i][j].title()
            ops.append(f"{kind} l.{i + 2} {header[j]}={value!r}")
            if rows[i][j] != value:
                cells.append((i + 2, header[j]))
            rows[i][j] = value
        elif kind == "drop" and w > 1:
            j = draw(st.integers(0, w - 1))
            ops.append(f"drop {header[j]}")
            header, rows = header[:j] + header[j + 1:], [r[:j] + r[j + 1:] for r in rows]
        elif kind == "swap" and w > 1:
            a, b = draw(st.integers(0, w - 1)), draw(st.integers(0, w - 1))
            ops.append(f"swap {header[a]}<->{header[b]}")
            for r in [header, *rows]:
                if len(r) > max(a, b):
                    r[a], r[b] = r[b], r[a]
        elif kind == "dup_col" and w:
            j = draw(st.integers(0, w - 1))
            ops.append(f"dup_col {header[j]}")
            header, rows = [*header, header[j]], [[*r, r[j] if len(r) > j else ""] for r in rows]
        elif kind == "rename" and w:
            j = draw(st.integers(0, w - 1))
            header = list(header)
            header[j] = draw(st.sampled_from([*RENAMES, header[j].upper(), *header]))
            ops.append(f"rename {j}->{header[j]!r}")
        elif kind == "dup_row" and n:
            i = draw(st.integers(0, n - 1))
            ops.append(f"dup_row l.{i + 2}")
            rows.insert(i + 1, list(rows[i]))
        elif kind == "blank_row":
            i = draw(st.integers(0, n))
            ops.append(f"blank_row l.{i + 2}")
            rows.insert(i, [""] * w if draw(st.booleans()) else [])
        elif kind == "cut_row" and n:
            i = draw(st.integers(0, n - 1))
            k = draw(st.integers(0, max(0, len(rows[i]) - 1)))
            ops.append(f"cut_row l.{i + 2} at {k}")
            rows[i] = rows[i][:k]
        elif kind == "del_row" and n:
            i = draw(st.integers(0, n - 1))
            ops.append(f"del_row l.{i + 2}")
            del rows[i]
    text = dump(header, rows)
    if draw(st.booleans()):
        accident = draw(st.sampled_from(["bom", "crlf", "cut", "no_newline", "excel"]))
        ops.append(accident)
        if accident == "excel":  # French Excel: « ; », decimal comma, CRLF
            out = io.StringIO()
            csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(
                [header, *([c.replace(".", ",") for c in r] for r in rows)])
            text = out.getvalue()
        elif accident == "bom":
            text = "\ufeff" + text
        elif accident == "crlf":
            text = text.replace("\n", "\r\n")
        elif accident == "cut":
            text = text[: draw(st.integers(0, len(text) - 1))]
        else:
            text = text.rstrip("\n")
    one_cell = cells[0] if len(ops) == 1 and len(cells) == 1 else None
    return Mutant(text, ops, one_cell)


# --------------------------------------------------------------------------- the oracle
def _holds(frame: pd.DataFrame, col: str, values: list) -> pd.Series:
    s = frame[col]
    ok = pd.Series(False, index=frame.index)
    for v in values:
        ok |= s.isna() if v is None else s.astype(object).eq(v).fillna(False).astype(bool)
    return ok


def broken_rules(frame: pd.DataFrame, products: pd.DataFrame) -> list[str]:
    """Every constraint and rule of the cohort's descriptor, checked on the frame."""
    out = []
    schema = RES["schema"]
    assert list(frame.columns) == list(FIELDS)
    dtypes = {"integer": "Int64", "number": "float64", "boolean": "boolean", "string": "object"}
    for name, f in FIELDS.items():
        s, c = frame[name], f.get("constraints", {})
        assert str(s.dtype) == dtypes[f.get("type", "string")], (name, s.dtype)
        filled = s.dropna()
        if f.get("type") == "number" and not np.isfinite(filled.to_numpy(float)).all():
            out.append(f"{name}: non fini")
        if c.get("required") and s.isna().any():
            out.append(f"{name}: vide")
        if "enum" in c and not filled.isin(c["enum"]).all():
            out.append(f"{name}: hors enum")
        if "minimum" in c and (filled < c["minimum"]).any():
            out.append(f"{name}: < minimum")
        if "maximum" in c and (filled > c["maximum"]).any():
            out.append(f"{name}: > maximum")
        if c.get("unique") and filled.duplicated().any():
            out.append(f"{name}: doublon")
        if f.get("type") == "string" and not filled.map(lambda x: isinstance(x, str)).all():
            out.append(f"{name}: pas du texte")
    if frame[schema["primaryKey"]].duplicated().any():
        out.append("clé primaire en double")
    for fk in schema.get("foreignKeys", []):
        pairs = set(map(tuple, products[fk["reference"]["fields"]].to_numpy().tolist()))
        if not all(tuple(r) in pairs for r in frame[fk["fields"]].to_numpy().tolist()):
            out.append(f"clé étrangère {fk['fields']}")
    for rule in schema.get("rules", []):
        kind = rule["rule"]
        if kind == "together":
            filled = frame[rule["fields"]].notna()
            if (filled.any(axis=1) & ~filled.all(axis=1)).any():
                out.append(f"together {rule['fields']}")
        elif kind in ("empty_when", "required_when"):
            when = pd.Series(True, index=frame.index)
            for col, values in rule["when"].items():
                when &= _holds(frame, col, values)
            for col in rule["fields"]:
                bad = frame.loc[when, col].notna() if kind == "empty_when" \
                    else frame.loc[when, col].isna()
                if bad.any():
                    out.append(f"{kind} {col} {rule['when']}")
        elif kind == "implies":
            premise = pd.Series(True, index=frame.index)
            for col, values in rule["if"].items():
                premise &= _holds(frame, col, values)
            for col, values in rule["then"].items():
                if (premise & ~_holds(frame, col, values)).any():
                    out.append(f"implies {rule['if']} -> {col}")
        elif kind == "ordered":
            a, b = (frame[c].astype(float) for c in rule["fields"][:2])
            gap = a - b
            if ((gap > TOL) & (gap / ((a.abs() + b.abs()) / 2) > TOL)).any():
                out.append(f"ordered {rule['fields']}")
        elif kind == "nonempty_groups":
            if not set(rule["values"]) <= set(frame[rule["field"]].dropna()):
                out.append(f"nonempty_groups {rule['field']}")
        else:
            pytest.fail(f"règle sans oracle : {kind}")
    return out


def check(mutant: Mutant, path, monkeypatch) -> None:
    path.write_text(mutant.text, encoding="utf-8", newline="")
    monkeypatch.setenv("THERAPYBOOK_COHORT", str(path))
    try:
        frame = data.load(COHORT)
    except data.DataValidationError as exc:
        assert exc.violations, mutant.ops
        for v in exc.violations:
            assert v.path == str(path) and v.rule and v.detail, (mutant.ops, v)
            assert v.row is not None or v.column is not None or v.rule in (
                "fichier non vide",), (mutant.ops, str(v))
        if mutant.cell:
            line, column = mutant.cell
            assert any(v.row == line or (v.column and column in v.column.split(", "))
                       for v in exc.violations), (mutant.ops, str(exc))
        return
    broken = broken_rules(frame, data.load("retrospective_products"))
    assert broken == [], (mutant.ops, broken)
    _header, rows = parse(mutant.text.lstrip("\ufeff"))
    ids = [r[_header.index("patient_id")] for r in rows if r]
    assert frame["patient_id"].tolist() == ids, mutant.ops


@pytest.fixture()
def cohort_file(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "cohorte.csv"


def _cell(line: int, column: str, value: str) -> Mutant:
    header, rows = parse(SHIPPED)
    rows[line - 2][header.index(column)] = value
    return Mutant(dump(header, rows), [f"cell l.{line} {column}={value!r}"], (line, column))


@given(mutant=mutants())
def test_loader_refuses_clearly_or_returns_a_frame_that_keeps_every_rule(
        mutant, cohort_file, monkeypatch):
    check(mutant, cohort_file, monkeypatch)
