"""A corpus of broken data files, and the privacy of real-data mode.

Each case breaks one data file of a scratch copy of ``data/`` (or, for the cohort,
points ``THERAPYBOOK_COHORT`` at a broken copy) and checks that either the file is
read correctly (accepted, documented formats: UTF-8 byte-order mark, CRLF line ends)
or both the validator (``python -m bookbuild validate``, run in-process) and the loader
that chapters call stop with a message naming the file, the row, the column and the
rule. Besides the kinds of broken file, every rule declared in the descriptor (cross-
field ``rules`` and foreign keys) gets its own case, built from its declaration; the rules
broken on one row are broken together, each on its own row of one copy of their file,
which is validated once (each test still looks for its own file, line, column and rule).

Cases pick their target in the descriptor (a field of the right type, a resource
with the right rule), preferring resources that a chapter reads, so they follow the
book as it grows. Two end-to-end builds of the session's scratch book check that the
build stops too, with the same messages, leaving the published book untouched: a real-
data cohort that breaks every cross-field rule, a transcribed file with a decimal comma
(the third failing build, a failing cell, is in ``tests/test_build.py``). Other slips in a
file that a chapter reads, and its deletion, are checked in-process: the validator, the
loader the chapter calls, and the chapter's execution key. The privacy test builds the
book in real-data mode on a second synthetic cohort with recognisable identifiers and
times and scans everything the build publishes.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from bookbuild import cli
from bookbuild.sphinx import chapter_inputs
from therapybook import data

from conftest import COHORT, ROOT, descriptor, dump, parse, run

ACCEPTED = "accepted"

# --------------------------------------------------------------------------- helpers
def resources(book: Path) -> dict[str, dict]:
    return {r["name"]: r for r in descriptor(book)["resources"]}


def read_by_chapters(book: Path) -> set[str]:
    names: set[str] = set()
    for md in (book / "chapters").rglob("*.md"):
        code = "\n".join(chapter_inputs.CODE_CELL.findall(md.read_text(encoding="utf-8")))
        names |= set(chapter_inputs.LOAD_CALL.findall(code))
    return names


def data_hashes(book: Path) -> dict[str, str]:
    return {p.relative_to(book).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((book / "data").rglob("*")) if p.is_file()}


@dataclass
class Target:
    """The file a case breaks: a resource of the book, and optionally one of its fields."""

    resource: str
    path: Path
    text: str
    field: str | None = None
    cohort: bool = False  # broken copy passed through THERAPYBOOK_COHORT

    @property
    def table(self) -> tuple[list[str], list[list[str]]]:
        return parse(self.text)

    def row_with_value(self) -> int:
        """Index (0-based, data rows) of the first row whose ``field`` is filled."""
        header, rows = self.table
        col = header.index(self.field)
        return next(i for i, r in enumerate(rows) if r[col] != "")


def candidates(book: Path) -> list[str]:
    """Resource names, the cohort first, then those read by chapters, then the others."""
    read = read_by_chapters(book)
    names = sorted(resources(book))
    return sorted(names, key=lambda n: (n != COHORT, n not in read, n))


def pick(book: Path, pred: Callable[[dict, dict], bool] | None = None,
         rule: str | None = None, text_pred: Callable[[str], bool] | None = None) -> Target:
    """First resource (see :func:`candidates`) with a field or rule matching the predicates."""
    res_all = resources(book)
    for name in candidates(book):
        res = res_all[name]
        path = book / "data" / res["path"]
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        if text_pred and not text_pred(text):
            continue
        if rule and not any(r.get("rule") == rule for r in res["schema"].get("rules", [])):
            continue
        if pred is None:
            return Target(name, path, text, cohort=name == COHORT)
        header, rows = parse(text)
        for f in res["schema"]["fields"]:
            if f["name"] in header and pred(res, f):
                col = header.index(f["name"])
                if any(r[col] != "" for r in rows):
                    return Target(name, path, text, f["name"], cohort=name == COHORT)
    pytest.skip("aucune ressource ne se prête à ce cas")


def is_type(*kinds: str) -> Callable[[dict, dict], bool]:
    return lambda res, f: f.get("type", "string") in kinds


def has_constraint(key: str, kinds: tuple[str, ...] = ("integer", "number")):
    return lambda res, f: key in f.get("constraints", {}) and f.get("type") in kinds


@dataclass
class Broken:
    """What a case writes, and what the tools must say about it."""

    target: Target
    content: bytes | None  # None: the file is absent
    rule: str  # substring of « règle « … » », or ACCEPTED
    line: int | None = None
    column: str | None = None


def set_cell(t: Target, value: str, row: int | None = None) -> tuple[str, int]:
    header, rows = t.table
    i = t.row_with_value() if row is None else row
    rows[i][header.index(t.field)] = value
    return dump(header, rows), i + 2


# --------------------------------------------------------------------------- cases
def case_excel_fr(book):
    t = pick(book, is_type("number"))
    header, rows = t.table
    numbers = {f["name"] for f in resources(book)[t.resource]["schema"]["fields"]
               if f.get("type") == "number"}
    idx = {i for i, h in enumerate(header) if h in numbers}
    rows = [[c.replace(".", ",") if i in idx else c for i, c in enumerate(r)] for r in rows]
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows([header, *rows])
    return Broken(t, out.getvalue().encode("cp1252", errors="replace").decode("cp1252")
                  .encode("utf-8"), "séparateur", 1)


def case_decimal_comma(book):
    t = pick(book, is_type("number"))
    header, rows = t.table
    i = t.row_with_value()
    col = header.index(t.field)
    value = rows[i][col]
    rows[i][col] = (value + ",5") if "." not in value else value.replace(".", ",")
    return Broken(t, dump(header, rows).encode(), "type number", i + 2, t.field)


def case_bom(book):
    t = pick(book)
    return Broken(t, b"\xef\xbb\xbf" + t.text.encode("utf-8"), ACCEPTED)


def case_crlf(book):
    t = pick(book)
    return Broken(t, t.text.replace("\r\n", "\n").replace("\n", "\r\n").encode(), ACCEPTED)


def case_latin1(book):
    t = pick(book, text_pred=lambda s: any(ord(c) > 127 and c.encode("latin-1", "ignore")
                                           for c in s))
    raw = t.text.encode("latin-1", errors="replace")
    line = next(n for n, ln in enumerate(t.text.splitlines(), 1) if any(ord(c) > 127 for c in ln))
    return Broken(t, raw, "encodage UTF-8", line)


def case_empty(book):
    return Broken(pick(book), b"", "fichier non vide")


def case_header_only(book):
    t = pick(book)
    return Broken(t, t.text.splitlines()[0].encode() + b"\n", "au moins une ligne", 2)


def case_missing_column(book):
    t = pick(book, lambda res, f: True)
    header, rows = t.table
    col = header.index(t.field)
    rows = [r[:col] + r[col + 1:] for r in rows]
    return Broken(t, dump(header[:col] + header[col + 1:], rows).encode(), "colonne requise",
                  1, t.field)


def case_extra_column(book):
    t = pick(book)
    header, rows = t.table
    return Broken(t, dump([*header, "colonne_inconnue"], [[*r, "x"] for r in rows]).encode(),
                  "colonne connue", 1, "colonne_inconnue")


def case_duplicate_column(book):
    t = pick(book, lambda res, f: True)
    header, rows = t.table
    col = header.index(t.field)
    return Broken(t, dump([*header, t.field], [[*r, r[col]] for r in rows]).encode(),
                  "colonnes uniques", 1, t.field)


def case_duplicate_id(book):
    t = pick(book, lambda res, f: res["schema"].get("primaryKey") is not None
             and f["name"] == (res["schema"]["primaryKey"] if isinstance(
                 res["schema"]["primaryKey"], str) else res["schema"]["primaryKey"][0]))
    header, rows = t.table
    return Broken(t, dump(header, [*rows, list(rows[0])]).encode(), "unique",
                  len(rows) + 2)


def case_text_in_number(book):
    t = pick(book, is_type("number", "integer"))
    text, line = set_cell(t, "inconnu")
    return Broken(t, text.encode(), "type", line, t.field)


def case_date_in_number(book):
    t = pick(book, is_type("number", "integer"))
    text, line = set_cell(t, "2023-05-17")
    return Broken(t, text.encode(), "type", line, t.field)


def _time_field(res, f):
    name = f["name"].lower()
    return (f.get("type") in ("number", "integer") and "minimum" in f.get("constraints", {})
            and (res["name"] != COHORT or any(k in name for k in ("time", "delai", "months",
                                                                   "mois", "duree", "os",
                                                                   "pfs"))))


def case_negative_time(book):
    t = pick(book, _time_field)
    text, line = set_cell(t, "-3")
    return Broken(t, text.encode(), "minimum", line, t.field)


def case_absurd_time(book):
    t = pick(book, lambda res, f: has_constraint("maximum")(res, f) and _time_field(res, f)
             if res["name"] == COHORT else has_constraint("maximum")(res, f))
    text, line = set_cell(t, "99999")
    return Broken(t, text.encode(), "maximum", line, t.field)


def _flag(res, f):
    c = f.get("constraints", {})
    enum01 = sorted(map(str, c.get("enum", []))) == ["0", "1"]
    bounded = c.get("minimum") == 0 and c.get("maximum") == 1
    return f.get("type") in ("integer", "number", "string") and (enum01 or bounded)


def case_event_flag(book):
    t = pick(book, lambda res, f: _flag(res, f) or (
        f.get("type") == "integer" and "maximum" in f.get("constraints", {})))
    field = _field(book, t)
    flag = _flag(resources(book)[t.resource], field)
    text, line = set_cell(t, "2" if flag else str(int(field["constraints"]["maximum"]) + 1))
    rule = "enum" if "enum" in field.get("constraints", {}) else "maximum"
    return Broken(t, text.encode(), rule, line, t.field)


def _field(book, t: Target) -> dict:
    return next(f for f in resources(book)[t.resource]["schema"]["fields"]
                if f["name"] == t.field)


def case_time_without_flag(book):
    t = pick(book, rule="together")
    rule = next(r for r in resources(book)[t.resource]["schema"]["rules"]
                if r["rule"] == "together")
    header, rows = t.table
    cols = [header.index(f) for f in rule["fields"]]
    i = next(i for i, r in enumerate(rows) if all(r[c] != "" for c in cols))
    rows[i][cols[-1]] = ""
    return Broken(t, dump(header, rows).encode(), "together", i + 2, rule["fields"][-1])


def case_unknown_category(book):
    t = pick(book, lambda res, f: "enum" in f.get("constraints", {})
             and f.get("type", "string") == "string")
    text, line = set_cell(t, "categorie_inconnue")
    return Broken(t, text.encode(), "enum", line, t.field)


def case_truncated_last_line(book):
    t = pick(book)
    header, rows = t.table
    cut = dump(header, rows[:-1]) + dump([], [rows[-1][: max(1, len(header) // 2)]])[1:]
    return Broken(t, cut.rstrip("\n").encode(), "nombre de colonnes", len(rows) + 1)


def case_ragged_rows(book):
    t = pick(book)
    header, rows = t.table
    i = len(rows) // 2
    rows[i] = [*rows[i], "en trop"]
    return Broken(t, dump(header, rows).encode(), "nombre de colonnes", i + 2)


def case_unclosed_quote(book):
    t = pick(book, is_type("string"))
    header, rows = t.table
    lines = dump(header, rows).splitlines(keepends=True)
    lines[1] = '"' + lines[1]
    return Broken(t, "".join(lines).encode(), "CSV")


def case_boolean_oui(book):
    t = pick(book, is_type("boolean"))
    text, line = set_cell(t, "oui")
    return Broken(t, text.encode(), "type boolean", line, t.field)


def case_boolean_one(book):
    t = pick(book, is_type("boolean"))
    text, line = set_cell(t, "1")
    return Broken(t, text.encode(), "type boolean", line, t.field)


def case_required_empty(book):
    t = pick(book, lambda res, f: f.get("constraints", {}).get("required", False))
    text, line = set_cell(t, "")
    return Broken(t, text.encode(), "required", line, t.field)


def case_totals_mismatch(book):
    t = pick(book, rule="sum")
    rule = next(r for r in resources(book)[t.resource]["schema"]["rules"] if r["rule"] == "sum")
    return totals_mismatch(t, rule)


def case_empty_group(book):
    t = pick(book, rule="nonempty_groups")
    rule = next(r for r in resources(book)[t.resource]["schema"]["rules"]
                if r["rule"] == "nonempty_groups")
    header, rows = t.table
    col = header.index(rule["field"])
    gone = str(rule["values"][0])
    return Broken(t, dump(header, [r for r in rows if r[col] != gone]).encode(),
                  "nonempty_groups", None, rule["field"])


def case_missing_file(book):
    t = pick(book)
    return Broken(t, None, "fichier présent")


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


# --------------------------------------------------------------------------- one case per rule
def _other_value(field: dict, refused: list) -> str:
    """A value of ``field``'s type that none of ``refused`` equals."""
    kind = field.get("type", "string")
    if kind == "boolean":
        return "false" if True in refused else "true"
    enum = field.get("constraints", {}).get("enum")
    if enum:
        return str(next(v for v in enum if v not in refused))
    return "valeur_autre" if kind == "string" else "1"


def _cell(value) -> str:
    return "" if value is None else ("true" if value is True else "false" if value is False
                                     else str(value))


def _holds(row: list[str], header: list[str], condition: dict) -> bool:
    return all(row[header.index(c)] in {_cell(v) for v in values}
               for c, values in condition.items())


def break_rule(t: Target, rule: dict, fields: dict[str, dict], taken: set[int]) -> Broken:
    """Break ``rule`` on one row of ``t`` not in ``taken`` (0-based data rows)."""
    header, rows = t.table
    col = {h: i for i, h in enumerate(header)}
    free = [i for i in range(len(rows)) if i not in taken]

    def first(pred) -> int:
        found = next((i for i in free if pred(rows[i])), None)
        if found is None:
            pytest.skip(f"aucune ligne ne se prête à casser la règle {rule}")
        return found

    kind = rule["rule"]
    if kind == "together":
        i = first(lambda r: all(r[col[f]] != "" for f in rule["fields"]))
        rows[i][col[rule["fields"][-1]]] = ""
        column = rule["fields"][-1]
    elif kind in ("empty_when", "required_when"):
        target = rule["fields"][0]
        filled = next(r[col[target]] for r in rows if r[col[target]] != "")
        i = first(lambda r: _holds(r, header, rule["when"]) and r[col[target]] != ""
                  ) if kind == "required_when" else first(
                      lambda r: _holds(r, header, rule["when"]))
        rows[i][col[target]] = "" if kind == "required_when" else filled
        column = target
    elif kind == "implies":
        i = first(lambda r: _holds(r, header, rule["if"]))
        broken, refused = next(iter(rule["then"].items()))
        rows[i][col[broken]] = _other_value(fields[broken], refused)
        column = ", ".join([*rule["if"], broken])
    elif kind == "ordered":
        a, b = rule["fields"][:2]
        i = first(lambda r: r[col[a]] != "" and r[col[b]] != "")
        rows[i][col[a]] = f"{float(rows[i][col[b]]) + 1:.2f}"
        column = f"{a}, {b}"
    elif kind == "nonempty_groups":
        gone = _cell(rule["values"][0])
        kept = [r for r in rows if r[col[rule["field"]]] != gone]
        return Broken(t, dump(header, kept).encode(), kind, None, rule["field"])
    elif kind == "sum":
        return totals_mismatch(t, rule)
    elif kind == "foreignKey":
        fk = rule["fk"]
        names = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
        i = first(lambda r: all(r[col[f]] != "" for f in names))
        last = names[-1]
        if len(names) > 1:  # each value valid alone, the combination absent
            pairs = {tuple(r[col[f]] for f in names) for r in rows}
            key = next(tuple([*(rows[i][col[f]] for f in names[:-1]), v])
                       for v in sorted({r[col[last]] for r in rows})
                       if tuple([*(rows[i][col[f]] for f in names[:-1]), v]) not in pairs)
            rows[i][col[last]] = key[-1]
        else:
            rows[i][col[last]] = "9999" if fields[last].get("type") == "integer" \
                else "valeur_inconnue"
        column = ", ".join(names)
    else:
        pytest.fail(f"règle sans cas : {kind}")
    taken.add(i)
    return Broken(t, dump(header, rows).encode(), kind, i + 2, column)


def declared_rules(root: Path) -> list[tuple[str, int, dict]]:
    """(resource, index, rule) for every rule and foreign key of the descriptor."""
    out = []
    for res in descriptor(root)["resources"]:
        out += [(res["name"], k, r) for k, r in enumerate(res["schema"].get("rules", []))]
        out += [(res["name"], k, {"rule": "foreignKey", "fk": fk})
                for k, fk in enumerate(res["schema"].get("foreignKeys", []))]
    return out


def rule_case(book: Path, name: str, rule: dict, taken: set[int] | None = None) -> Broken:
    res = resources(book)[name]
    path = book / "data" / res["path"]
    t = Target(name, path, path.read_text(encoding="utf-8"), cohort=name == COHORT)
    fields = {f["name"]: f for f in res["schema"]["fields"]}
    return break_rule(t, rule, fields, set() if taken is None else taken)


def totals_mismatch(t: Target, rule: dict) -> Broken:
    header, rows = t.table
    h = {name: header.index(name) for name in header}

    def ok(r):
        return all(r[h[c]] in map(str, v) for c, v in rule.get("where", {}).items())

    groups: dict[tuple, dict[str, int]] = {}
    for i, r in enumerate(rows):
        if ok(r) and r[h[rule["value"]]] != "":
            groups.setdefault(tuple(r[h[c]] for c in rule.get("match", [])), {})[
                r[h[rule["key"]]]] = i
    group = next(g for g, keys in groups.items()
                 if rule["total"] in keys and all(p in keys for p in rule["parts"]))
    part = groups[group][rule["parts"][0]]
    value = rows[part][h[rule["value"]]]
    rows[part][h[rule["value"]]] = str(int(float(value)) + 1) if float(value).is_integer() \
        else str(float(value) + 1)
    return Broken(t, dump(header, rows).encode(), "sum", groups[group][rule["total"]] + 2,
                  rule["value"])


RULES = declared_rules(ROOT)


# --------------------------------------------------------------------------- in-process runs
@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """A scratch copy of ``data/`` (the chapters are only read: a link)."""
    root = tmp_path_factory.mktemp("tree")
    shutil.copytree(ROOT / "data", root / "data")
    (root / "chapters").symlink_to(ROOT / "chapters")
    return root


def point_loader(monkeypatch, tree: Path) -> Path:
    """The loader pointed at ``tree``, as ``THERAPYBOOK_ROOT`` would point it."""
    monkeypatch.setattr(data, "ROOT", tree)
    monkeypatch.setattr(data, "DATA_DIR", tree / "data")
    monkeypatch.setattr(data, "DESCRIPTOR", tree / "data" / "datapackage.json")
    monkeypatch.delenv("THERAPYBOOK_COHORT", raising=False)
    return tree


@pytest.fixture()
def scratch(tree, monkeypatch) -> Path:
    """The loader pointed at :func:`tree` (:func:`point_loader`)."""
    return point_loader(monkeypatch, tree)


@contextlib.contextmanager
def applied(broken: Broken, tmp_path: Path, monkeypatch=None) -> Iterator[dict[str, str]]:
    """Write the broken file (a copy through ``THERAPYBOOK_COHORT`` for the cohort);
    yield the environment to run with; restore the original file whatever happens."""
    t = broken.target
    original = t.path.read_bytes()
    env = _env_for(broken, tmp_path)
    if not t.cohort:
        if broken.content is None:
            t.path.unlink()
        else:
            t.path.write_bytes(broken.content)
    if monkeypatch is not None:
        for k, v in env.items():
            monkeypatch.setenv(k, v)
    try:
        yield env
    finally:
        t.path.write_bytes(original)


def shown_name(broken: Broken) -> str:
    return "cohorte-cassee.csv" if broken.target.cohort else broken.target.path.name


def _env_for(broken: Broken, tmp_path: Path) -> dict[str, str]:
    if not broken.target.cohort:
        return {}
    path = tmp_path / "cohorte-cassee.csv"
    if broken.content is not None:
        path.write_bytes(broken.content)
    return {"THERAPYBOOK_COHORT": str(path)}


def told(violations: list[data.Violation], broken: Broken) -> bool:
    """One violation names the case's file, line, column and rule."""
    return any(v.path.endswith(shown_name(broken)) and broken.rule in v.rule
               and (broken.line is None or v.row == broken.line)
               and (broken.column is None or v.column == broken.column)
               for v in violations)


def _check_message(out: str, broken: Broken, command: str) -> None:
    """The printed message has one line naming file, line, column and rule."""
    assert "Données invalides" in out, f"{command} : pas de message de validation\n{out[-3000:]}"
    parts = [re.escape(shown_name(broken)), re.escape(f"règle « {broken.rule}")]
    if broken.line is not None:
        parts.append(rf"ligne {broken.line}\b")
    if broken.column is not None:
        parts.append(re.escape(f"colonne « {broken.column} »"))
    line = [ln for ln in out.splitlines() if all(re.search(p, ln) for p in parts)]
    assert line, f"{command} : aucune ligne ne nomme {parts}\n{out[-3000:]}"


def check_in_process(broken: Broken, capsys) -> None:
    """The validator (``python -m bookbuild validate``) and the loader agree with the case."""
    rc = cli.validate()
    out = capsys.readouterr()
    if broken.rule == ACCEPTED:
        assert rc == 0, out.err[-3000:]
        assert len(data.load(broken.target.resource)) > 0
        return
    with pytest.raises(data.DataValidationError) as exc:
        data.load(broken.target.resource)
    check_refusal(broken, rc, out.err, exc.value)


def check_refusal(broken: Broken, rc: int, err: str, refusal: data.DataValidationError) -> None:
    """The validator exited 1 and printed, and the loader raised, a message naming the
    case's file, line, column and rule."""
    assert rc == 1, f"validate a accepté le cas\n{err[-2000:]}"
    _check_message(err, broken, "validate")
    assert told(refusal.violations, broken), str(refusal)
    _check_message(str(refusal), broken, "load")


def test_corpus_has_at_least_twenty_kinds():
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input(scratch, case, tmp_path, monkeypatch, capsys):
    broken = CASES[case](scratch)
    before = data_hashes(scratch)
    with applied(broken, tmp_path, monkeypatch):
        check_in_process(broken, capsys)
    assert data_hashes(scratch) == before


#: Rules that a case breaks on one row: those of a resource fit together in one file.
ROW_RULES = {"together", "empty_when", "required_when", "implies", "ordered", "foreignKey"}


@dataclass
class Outcome:
    """What the validator and the loader said about one broken file."""

    rc: int
    err: str
    refusal: data.DataValidationError | None


def row_rules_broken(tree: Path, name: str, tmp_path: Path) -> tuple[dict, Outcome]:
    """Every row rule of ``name`` broken on its own row of one copy of the file (as
    :func:`every_cohort_rule_broken` does for the build), then validated and loaded once.

    Returns the cases by (rule index, kind) and the outcome. A rule left without a free
    row is not in the cases (its test breaks it alone).
    """
    res = resources(tree)[name]
    path = tree / "data" / res["path"]
    t = Target(name, path, path.read_text(encoding="utf-8"), cohort=name == COHORT)
    fields = {f["name"]: f for f in res["schema"]["fields"]}
    taken: set[int] = set()
    cases = {}
    for n, k, rule in RULES:
        if n != name or rule["rule"] not in ROW_RULES:
            continue
        try:
            broken = break_rule(t, rule, fields, taken)
        except pytest.skip.Exception:
            continue
        t = replace(t, text=broken.content.decode())
        cases[k, rule["rule"]] = broken
    whole = Broken(t, t.text.encode(), "", None)
    with pytest.MonkeyPatch.context() as mp:
        point_loader(mp, tree)
        with applied(whole, tmp_path, mp):
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                rc = cli.validate()
            try:
                data.load(name)
                refusal = None
            except data.DataValidationError as exc:
                refusal = exc
    return cases, Outcome(rc, err.getvalue(), refusal)


@pytest.fixture(scope="module")
def rows_broken(tree, tmp_path_factory) -> Callable[[str], tuple[dict, Outcome]]:
    """:func:`row_rules_broken` once per resource for the module: one validation of the
    file instead of one per rule (the ensemble's 4 500 rows take half a second each)."""
    done: dict[str, tuple[dict, Outcome]] = {}

    def get(name: str) -> tuple[dict, Outcome]:
        if name not in done:
            done[name] = row_rules_broken(tree, name, tmp_path_factory.mktemp("rows"))
        return done[name]

    return get


@pytest.mark.parametrize("name,k,rule", RULES,
                         ids=[f"{n}-{r['rule']}-{k}" for n, k, r in RULES])
def test_each_declared_rule_stops_validation(scratch, name, k, rule, tmp_path, monkeypatch,
                                             capsys, rows_broken):
    cases, outcome = rows_broken(name) if rule["rule"] in ROW_RULES else ({}, None)
    if (k, rule["rule"]) in cases:
        assert outcome.refusal is not None, "le chargeur a accepté le fichier cassé"
        assert len(outcome.refusal.violations) <= data.MAX_REPORTED, \
            "trop de violations pour un seul message : casser moins de règles à la fois"
        check_refusal(cases[k, rule["rule"]], outcome.rc, outcome.err, outcome.refusal)
        return
    broken = rule_case(scratch, name, rule)
    with applied(broken, tmp_path, monkeypatch):
        check_in_process(broken, capsys)


def test_cohort_rules_cover_the_issue():
    """PFS ≤ OS, event ⇒ time, product ∈ class, death ⇔ cause, penta ⇒ triple (issue 14)."""
    res = next(r for r in descriptor(ROOT)["resources"] if r["name"] == COHORT)
    rules = res["schema"]["rules"]
    assert {"rule": "together", "fields": ["pfs_months", "pfs_event"]} in rules
    assert any(r["rule"] == "ordered" and r["fields"] == ["pfs_months", "os_months"]
               for r in rules)
    assert any(r["rule"] == "required_when" and r["fields"] == ["death_cause"]
               and r["when"] == {"os_event": [1]} for r in rules)
    assert any(r["rule"] == "empty_when" and r["fields"] == ["death_cause"]
               and r["when"] == {"os_event": [0]} for r in rules)
    assert any(r["rule"] == "implies" and r["if"] == {"penta_refractory": [True]}
               and r["then"].get("triple_refractory") == [True] for r in rules)
    fks = res["schema"]["foreignKeys"]
    assert any(fk["fields"] == ["anti_bcma_class", "anti_bcma_product"] for fk in fks)


def test_pfs_equal_to_os_within_r_tolerance_is_accepted(scratch, tmp_path, monkeypatch):
    """R merges times closer than sqrt(eps) (survival::aeqSurv): not a PFS after the OS."""
    from therapybook.data import checks
    from therapybook.stats import survival

    assert checks.TIES_TOLERANCE == survival.TOL
    t = pick(scratch, rule="ordered")
    header, rows = t.table
    pfs, os_ = header.index("pfs_months"), header.index("os_months")
    i = next(i for i, r in enumerate(rows) if r[pfs] and r[os_] and r[pfs] == r[os_])
    for delta, ok in ((5e-9, True), (1e-6, False)):
        rows[i][pfs] = repr(float(rows[i][os_]) + delta)
        broken = Broken(t, dump(header, rows).encode(), "ordered", i + 2,
                        "pfs_months, os_months")
        with applied(broken, tmp_path, monkeypatch):
            if ok:
                assert data.load(COHORT)["pfs_months"].iloc[i] > float(rows[i][os_])
            else:
                with pytest.raises(data.DataValidationError) as exc:
                    data.load(COHORT)
                assert told(exc.value.violations, broken), str(exc.value)


def test_semicolon_header_is_one_clear_message(tmp_path, monkeypatch):
    """A French Excel export (« ; », decimal comma) is told in one message, with the fix."""
    (tmp_path / "data").mkdir()
    schema = {"fields": [{"name": "id"}, {"name": "x", "type": "number"}]}
    (tmp_path / "data" / "datapackage.json").write_text(
        json.dumps({"resources": [{"name": "t", "path": "t.csv", "schema": schema}]}))
    (tmp_path / "data" / "t.csv").write_text("id;x\np1;2,5\n", encoding="utf-8")
    monkeypatch.setattr(data, "ROOT", tmp_path)
    monkeypatch.setattr(data, "DATA_DIR", tmp_path / "data")
    monkeypatch.setattr(data, "DESCRIPTOR", tmp_path / "data" / "datapackage.json")
    with pytest.raises(data.DataValidationError) as exc:
        data.load("t")
    assert len(exc.value.violations) == 1
    assert "ligne 1" in str(exc.value) and "séparateur" in str(exc.value)
    assert "Excel" in str(exc.value)


@pytest.mark.parametrize(
    ("old", "new", "rule", "column"),
    [
        (",infection_any,80,", ",infection_any,quatre-vingts,", "type number", "value_pct"),
        (",infection_any,80,", ",infection_any,180,", "maximum 100", "value_pct"),
        ("trial,agent,", "essai,agent,", "colonne requise", "trial"),
    ],
    ids=["text", "maximum", "header"],
)
def test_transcription_error_in_a_file_a_chapter_reads(scratch, old, new, rule, column,
                                                       tmp_path, monkeypatch, capsys):
    """Typical slips in a transcribed file of ``data/`` (not the cohort): the validator and
    the loader that the chapter calls name file, line, column and rule (the build of such a
    file is :func:`test_transcribed_file_with_decimal_comma_stops_build`)."""
    name = "infections_essais"
    assert name in read_by_chapters(scratch)
    path = scratch / "data" / resources(scratch)[name]["path"]
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1
    line = 1 if old.startswith("trial,") else text[:text.index(old)].count("\n") + 1
    broken = Broken(Target(name, path, text), text.replace(old, new, 1).encode(), rule, line,
                    column)
    with applied(broken, tmp_path, monkeypatch):
        check_in_process(broken, capsys)
    assert path.read_text(encoding="utf-8") == text


def test_missing_file_a_chapter_reads_is_told_and_reexecutes_the_chapter(
        scratch, tmp_path, monkeypatch, capsys):
    """A deleted file of ``data/`` that a chapter reads: the validator and the loader name
    it, and the chapter's execution key changes (the build re-executes the chapter, whose
    loader stops it, instead of serving the cached page)."""
    read = read_by_chapters(scratch)
    t = pick(scratch, lambda res, f: res["name"] in read and res["name"] != COHORT)
    chapter = next(md.read_text(encoding="utf-8") for md in sorted(
        (scratch / "chapters").rglob("*.md")) if t.resource in chapter_inputs.LOAD_CALL.findall(
            "\n".join(chapter_inputs.CODE_CELL.findall(md.read_text(encoding="utf-8")))))
    assert t.path in chapter_inputs.inputs_of(chapter)
    key = chapter_inputs.digest(chapter_inputs.inputs_of(chapter))
    broken = Broken(t, None, "fichier présent")
    with applied(broken, tmp_path, monkeypatch):
        assert not t.path.exists()
        assert chapter_inputs.digest(chapter_inputs.inputs_of(chapter)) != key
        check_in_process(broken, capsys)
    assert chapter_inputs.digest(chapter_inputs.inputs_of(chapter)) == key


# --------------------------------------------------------------------------- end to end
def every_cohort_rule_broken(book: Path) -> tuple[Broken, list[Broken]]:
    """One real-data cohort breaking each cross-field rule of the cohort on its own row."""
    taken: set[int] = set()
    res = resources(book)[COHORT]
    path = book / "data" / res["path"]
    t = Target(COHORT, path, path.read_text(encoding="utf-8"), cohort=True)
    fields = {f["name"]: f for f in res["schema"]["fields"]}
    each = []
    for name, _k, rule in RULES:
        if name == COHORT and rule["rule"] != "nonempty_groups":
            broken = break_rule(t, rule, fields, taken)
            t = replace(t, text=broken.content.decode())
            each.append(broken)
    return Broken(t, t.text.encode(), "", None), each


def build_stops(book: Path, broken: Broken, expected: list[Broken], tmp_path: Path) -> None:
    """``validate`` and the HTML build of ``book`` fail naming every expected violation,
    and leave the published book and the data files as they were."""
    html = book / "_build" / "html"
    sentinel = html / ".published-before"
    sentinel.write_text("avant")
    index_before = (html / "index.html").read_bytes()
    before = data_hashes(book)
    try:
        with applied(broken, tmp_path) as env:
            written = data_hashes(book)
            for command, extra in (("validate", {}), ("html", {"THERAPYBOOK_JOBS": "1"})):
                # One process: a parallel build that fails reruns serially to print the
                # message (tests/test_build.py covers that path); here it would double the time.
                proc = run(book, command, **env, **extra)
                out = proc.stdout + proc.stderr
                assert proc.returncode != 0, f"{command} a accepté le fichier cassé"
                for one in expected:
                    _check_message(out, one, command)
            assert sentinel.exists(), "_build/html a été remplacé par une construction ratée"
            assert (html / "index.html").read_bytes() == index_before
            assert data_hashes(book) == written, "un fichier de données a été modifié"
    finally:
        sentinel.unlink(missing_ok=True)
    assert data_hashes(book) == before


@pytest.mark.build
def test_real_cohort_breaking_every_rule_stops_validate_and_build(idle_book, tmp_path):
    book = idle_book
    broken, each = every_cohort_rule_broken(book)
    assert len(each) >= 8
    build_stops(book, broken, each, tmp_path)


@pytest.mark.build
def test_transcribed_file_with_decimal_comma_stops_build(idle_book, tmp_path):
    book = idle_book
    read = read_by_chapters(book)
    t = pick(book, lambda res, f: res["name"] in read and res["name"] != COHORT
             and f.get("type") == "number")
    text, line = set_cell(t, "2,5")
    broken = Broken(t, text.encode(), "type number", line, t.field)
    build_stops(book, broken, [broken], tmp_path)


# --------------------------------------------------------------------------- privacy
def _aggregates(text: str) -> set[float]:
    """Kaplan-Meier medians and their bounds: one patient's time by definition, published."""
    from therapybook.stats import survival

    header, rows = parse(text)
    out: set[float] = set()
    cls = header.index("anti_bcma_class") if "anti_bcma_class" in header else None
    for end in ("pfs", "os"):
        if f"{end}_months" not in header or f"{end}_event" not in header:
            continue
        t, e = header.index(f"{end}_months"), header.index(f"{end}_event")
        groups = {"all": rows}
        if cls is not None:
            for r in rows:
                groups.setdefault(r[cls], []).append(r)
        for members in groups.values():
            ok = [r for r in members if r[t] and r[e]]
            if not ok:
                continue
            events = [r[e] in ("1", "true", "True") for r in ok]
            for flags in (events, [not x for x in events]):  # and reverse KM (follow-up)
                km = survival.kaplan_meier([float(r[t]) for r in ok], flags)
                out |= {x for x in (km.median, km.median_lower, km.median_upper)
                        if x == x and x is not None}
    return out


def _module_aggregates(real: Path, monkeypatch) -> set[str]:
    """Every number the retrospective module publishes for this cohort (aggregates)."""
    from therapybook import data
    from therapybook.study import analysis

    monkeypatch.setenv("THERAPYBOOK_COHORT", str(real))
    cohort = data.load(COHORT)
    published = data.load("retrospective_published")
    text = analysis.table2(cohort).to_string()
    text += analysis.comparison(published, cohort).to_string()
    return set(re.findall(r"\d+(?:,\d+)?", text))


def _texts(build: Path) -> dict[str, str]:
    """Every published text file of a build (HTML pages, downloads, JSON, sources)."""
    keep = (".html", ".json", ".js", ".csv", ".txt", ".svg", ".md", ".ipynb", ".py", ".tex")
    return {p.relative_to(build).as_posix(): p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(build.rglob("*")) if p.is_file() and p.suffix in keep
            and not {".doctrees", ".jupyter_cache", ".stage", "provenance"} & set(p.parts)}


@pytest.mark.build
def test_real_data_mode_publishes_no_patient_level_data(book, real_data_book, monkeypatch):
    """Build on a second synthetic cohort with recognisable IDs and times; scan the outputs.

    Identifiers must appear nowhere. An individual time, formatted as the book prints
    times (2 decimals, or 3 significant digits; at least 4 characters), may appear only
    where it is an aggregate — a Kaplan-Meier median or bound (by definition one
    patient's time) or a number of the study's recomputed tables — or no more often
    than the same file of the pseudo-cohort build shows that string (the same digits
    can come from published, non-patient numbers). The builds are those of
    ``real_data_book``: the twin copy, already built, rebuilt on that cohort (only the
    cohort's chapters re-execute and only the pages that read them are read again).
    """
    from therapybook.render import fmt

    if COHORT not in resources(book) or COHORT not in read_by_chapters(book):
        pytest.skip("pas encore de cohorte rétrospective lue par un chapitre")
    real = real_data_book
    for proc in real.builds:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    text, ids, times = real.text, real.ids, real.times
    agg = {s for a in _aggregates(text) for s in (fmt.number(a, 2), fmt.signif(a))}
    agg |= _module_aggregates(real.cohort, monkeypatch)
    time_needles = {s for t in times for s in (fmt.number(t, 2), fmt.signif(t))
                    if len(s) >= 4} - agg
    copy = real.twin.book
    published = _texts(copy / "_build")
    baseline = _texts(book / "_build")
    published["pdf/livre.pdf"] = subprocess.run(
        ["pdftotext", str(copy / "_build" / "pdf" / "livre.pdf"), "-"],
        capture_output=True, text=True, check=True).stdout
    html_all = "\n".join(v for k, v in baseline.items() if k.endswith(".html"))
    # One pass per text for all the times: a time is a whole number of the text (neither a
    # digit nor a decimal comma on either side), so two times never overlap.
    times_re = re.compile(r"(?<![\d,])(?:" + "|".join(
        re.escape(n) for n in sorted(time_needles, key=len, reverse=True)) + r")(?![\d,])")

    def counts(text: str) -> Counter:
        return Counter(times_re.findall(text)) if time_needles else Counter()

    found = []
    for where, content in published.items():
        found += [f"{where}: identifiant {i}" for i in ids if i in content]
        base = counts(baseline.get(where, html_all if where.endswith(".pdf") else ""))
        found += [f"{where}: durée individuelle {needle}"
                  for needle, n in sorted(counts(content).items()) if n > base[needle]]
    assert found == [], "\n".join(found[:50])
