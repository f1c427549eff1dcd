"""The loader validates every file against the descriptor and names what is wrong."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from therapybook import data

SCHEMA = {
    "fields": [
        {"name": "id", "type": "string", "constraints": {"required": True, "unique": True}},
        {"name": "n", "type": "integer", "constraints": {"minimum": 0, "maximum": 45}},
        {"name": "x", "type": "number"},
        {"name": "flag", "type": "boolean"},
        {"name": "kind", "type": "string", "constraints": {"enum": ["a", "b"]}},
    ],
    "primaryKey": ["id"],
    "missingValues": [""],
}


@pytest.fixture()
def package(tmp_path, monkeypatch):
    """A one-resource data package in a temporary root."""
    (tmp_path / "data").mkdir()
    desc = {"resources": [{"name": "t", "path": "t.csv", "schema": SCHEMA}]}
    (tmp_path / "data" / "datapackage.json").write_text(json.dumps(desc))
    monkeypatch.setattr(data, "ROOT", tmp_path)
    monkeypatch.setattr(data, "DATA_DIR", tmp_path / "data")
    monkeypatch.setattr(data, "DESCRIPTOR", tmp_path / "data" / "datapackage.json")

    def write(text: str | bytes) -> None:
        path = tmp_path / "data" / "t.csv"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))

    return write


def violation(write, text):
    write(text)
    with pytest.raises(data.DataValidationError) as exc:
        data.load("t")
    return exc.value


def test_valid_file_is_typed(package):
    package("id,n,x,flag,kind\np1,3,2.5,true,a\np2,,,false,\n")
    df = data.load("t")
    assert {c: str(t) for c, t in df.dtypes.items()} == {
        "id": "object", "n": "Int64", "x": "float64", "flag": "boolean", "kind": "object"}
    assert df["n"].iloc[0] == 3 and df["n"].iloc[1] is pd.NA
    assert df["x"].iloc[0] == 2.5 and np.isnan(df["x"].iloc[1])
    assert df["flag"].tolist() == [True, False]
    assert df["id"].tolist() == ["p1", "p2"] and df["kind"].tolist() == ["a", None]


def test_columns_in_another_order_give_the_descriptor_order(package):
    package("kind,flag,x,n,id\na,true,2.5,3,p1\n")
    df = data.load("t")
    assert list(df.columns) == ["id", "n", "x", "flag", "kind"]
    assert df.iloc[0].tolist() == ["p1", 3, 2.5, True, "a"]


def test_dates_and_years_are_typed(package):
    desc = json.loads(data.DESCRIPTOR.read_text())
    desc["resources"][0]["schema"] = {"fields": [{"name": "id"}, {"name": "d", "type": "date"},
                                                 {"name": "y", "type": "year"}]}
    data.DESCRIPTOR.write_text(json.dumps(desc))
    package("id,d,y\np1,2023-05-17,2023\np2,,\n")
    df = data.load("t")
    assert str(df["d"].dtype).startswith("datetime64") and str(df["y"].dtype) == "Int64"
    assert df["d"].iloc[0] == pd.Timestamp("2023-05-17") and df["d"].isna().tolist() == [
        False, True]
    assert df["y"].iloc[0] == 2023
    assert "type date" in str(violation(package, "id,d,y\np1,17/05/2023,2023\n"))


@pytest.mark.parametrize("junk", ["nan", "NaN", "inf", "-Infinity", "1e309"])
def test_non_finite_number_is_refused(package, junk):
    msg = str(violation(package, f"id,n,x,flag,kind\np1,1,{junk},true,a\n"))
    assert "ligne 2" in msg and "« x »" in msg and "type number" in msg and "fini" in msg
    assert msg.count("règle") == 1


def test_blank_row_is_located(package):
    msg = str(violation(package, "id,n,x,flag,kind\np1,1,1,true,a\n,,,,\np2,1,1,true,a\n"))
    assert "ligne 3" in msg and "ligne vide" in msg and msg.count("règle") == 1


def test_semicolon_export_with_decimal_commas_is_still_one_message(package):
    """Frictionless guesses the header row from the rows' widths unless told: a « ; » file
    whose decimal commas split its data rows had its first data row taken for the header."""
    msg = str(violation(package, "id;n;x;flag;kind\np1;1;2,5;true;a\np2;1;3,5;true;a\n"))
    assert "séparateur" in msg and "Excel" in msg and msg.count("règle") == 1


def test_changed_file_is_validated_again(package):
    """Results are kept per content: a file fixed or broken after a load is read anew."""
    package("id,n,x,flag,kind\np1,1,1,true,a\n")
    assert len(data.load("t")) == 1
    assert "maximum 45" in str(violation(package, "id,n,x,flag,kind\np1,46,1,true,a\n"))
    package("id,n,x,flag,kind\np1,1,1,true,a\np2,2,1,true,a\n")
    assert len(data.load("t")) == 2


def test_changed_descriptor_is_applied(package):
    package("id,n,x,flag,kind\np1,30,1,true,a\n")
    assert len(data.load("t")) == 1
    desc = json.loads(data.DESCRIPTOR.read_text())
    desc["resources"][0]["schema"]["fields"][1]["constraints"]["maximum"] = 20
    data.DESCRIPTOR.write_text(json.dumps(desc))
    os.utime(data.DESCRIPTOR, ns=(1, 2))  # a new mtime even within the clock's resolution
    assert "maximum 20" in str(violation(package, "id,n,x,flag,kind\np1,30,1,true,a\n"))


def test_loaded_frame_is_a_copy(package):
    package("id,n,x,flag,kind\np1,1,1,true,a\n")
    frame = data.load("t")
    frame.loc[0, "x"] = 99.0
    assert data.load("t")["x"].iloc[0] == 1.0


def test_text_in_numeric_column_names_file_row_column_rule(package):
    err = violation(package, "id,n,x,flag,kind\np1,3,abc,true,a\n")
    msg = str(err)
    assert "t.csv" in msg and "ligne 2" in msg and "« x »" in msg and "type number" in msg
    assert "abc" in msg


def test_value_out_of_range(package):
    msg = str(violation(package, "id,n,x,flag,kind\np1,46,1,true,a\n"))
    assert "maximum 45" in msg and "ligne 2" in msg and "« n »" in msg


def test_missing_required_column(package):
    msg = str(violation(package, "id,x,flag,kind\np1,1,true,a\n"))
    assert "« n »" in msg and "colonne requise" in msg


def test_decimal_comma_gets_a_hint(package):
    msg = str(violation(package, "id,n,x,flag,kind\np1,1,\"2,5\",true,a\n"))
    assert "virgule" in msg


def test_semicolon_export_is_refused(package):
    msg = str(violation(package, "id;n;x;flag;kind\np1;1;2,5;true;a\n"))
    assert "colonne" in msg


def test_boolean_oui_is_refused(package):
    msg = str(violation(package, "id,n,x,flag,kind\np1,1,1,oui,a\n"))
    assert "type boolean" in msg and "oui" in msg


def test_duplicate_key(package):
    msg = str(violation(package, "id,n,x,flag,kind\np1,1,1,true,a\np1,2,1,true,a\n"))
    assert "unique" in msg and "ligne 3" in msg


def test_unknown_category(package):
    msg = str(violation(package, "id,n,x,flag,kind\np1,1,1,true,z\n"))
    assert "enum" in msg and "a, b" in msg


def test_latin1_file(package):
    msg = str(violation(package, "id,n,x,flag,kind\nétude,1,1,true,a\n".encode("latin-1")))
    assert "UTF-8" in msg and "ligne 2" in msg


def test_bom_is_accepted(package):
    package("\ufeffid,n,x,flag,kind\np1,1,1,true,a\n")
    assert len(data.load("t")) == 1


def test_empty_and_header_only(package):
    assert "vide" in str(violation(package, ""))
    assert "en-tête" in str(violation(package, "id,n,x,flag,kind\n"))


def test_ragged_row(package):
    msg = str(violation(package, "id,n,x,flag,kind\np1,1,1\n"))
    assert "nombre de colonnes" in msg and "ligne 2" in msg


def test_missing_file(package):
    msg = str(violation(package, "x"))  # write then remove
    assert msg
    (data.DATA_DIR / "t.csv").unlink()
    with pytest.raises(data.DataValidationError, match="n'existe pas"):
        data.load("t")


def test_validate_collects_without_raising(package):
    package("id,n,x,flag,kind\np1,-1,1,true,a\n")
    found = data.validate()
    assert len(found) == 1 and found[0].row == 2 and found[0].column == "n"


def test_shipped_data_is_valid():
    """Every file under data/ respects the real descriptor."""
    assert data.validate() == []


def test_frictionless_validates_the_shipped_package(root, monkeypatch):
    """The standard tool, on its own, accepts the descriptor and every file it names.

    ``frictionless validate --json data/datapackage.json``, the command itself (its Typer
    application, run in this process by Typer's test runner: no second interpreter).
    """
    from frictionless.console import console
    from typer.testing import CliRunner

    monkeypatch.chdir(root / "data")
    result = CliRunner().invoke(console, ["validate", "--json", "datapackage.json"])
    report = json.loads(result.stdout)
    errors = [e for t in report["tasks"] for e in t["errors"]] + report["errors"]
    assert result.exit_code == 0 and report["valid"], errors[:5]
    assert len(report["tasks"]) == len(data.descriptor()["resources"])


def test_a_chapter_reading_validated_files_does_not_import_frictionless(tmp_path, monkeypatch):
    """Validated results are kept per content in the build folder, across processes.

    This process validates every file into an empty cache folder (nothing in memory);
    a fresh interpreter, as a chapter's kernel, then loads them all without frictionless.
    """
    monkeypatch.setenv("THERAPYBOOK_BUILD_DIR", str(tmp_path))
    monkeypatch.setattr(data, "_CHECKED", {})
    names = [r["name"] for r in data.descriptor()["resources"]]
    rows = sum(len(data.load(n)) for n in names)
    assert len(list((tmp_path / ".data-cache").iterdir())) == len(names)
    code = ("import sys\nfrom therapybook import data\n"
            "names = [r['name'] for r in data.descriptor()['resources']]\n"
            "frames = {n: data.load(n) for n in names}\n"
            "print('frictionless' in sys.modules, sum(len(f) for f in frames.values()))")
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ), capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["False", str(rows)]


def with_rules(package, rules):
    desc = json.loads(data.DESCRIPTOR.read_text())
    desc["resources"][0]["schema"] = {**SCHEMA, "rules": rules}
    data.DESCRIPTOR.write_text(json.dumps(desc))


def test_rule_together(package):
    with_rules(package, [{"rule": "together", "fields": ["n", "x"]}])
    msg = str(violation(package, "id,n,x,flag,kind\np1,1,,true,a\n"))
    assert "together" in msg and "ligne 2" in msg and "« x »" in msg


def test_rule_empty_when(package):
    with_rules(package, [{"rule": "empty_when", "fields": ["x"], "when": {"kind": ["b"]}}])
    msg = str(violation(package, "id,n,x,flag,kind\np1,1,2,true,b\n"))
    assert "empty_when" in msg and "doit être vide" in msg


def test_rule_required_when(package):
    with_rules(package, [{"rule": "required_when", "fields": ["x"], "when": {"kind": ["a"]}}])
    msg = str(violation(package, "id,n,x,flag,kind\np1,1,,true,a\n"))
    assert "required_when" in msg and "ligne 2" in msg


def test_rule_nonempty_groups(package):
    with_rules(package, [{"rule": "nonempty_groups", "field": "kind", "values": ["a", "b"]}])
    msg = str(violation(package, "id,n,x,flag,kind\np1,1,1,true,a\n"))
    assert "nonempty_groups" in msg and "« b »" in msg


def test_rule_implies(package):
    with_rules(package, [{"rule": "implies", "if": {"kind": ["b"]}, "then": {"flag": [True]},
                          "description": "b est toujours marqué"}])
    package("id,n,x,flag,kind\np1,1,1,false,a\np2,1,1,true,b\n")
    assert len(data.load("t")) == 2
    msg = str(violation(package, "id,n,x,flag,kind\np1,1,1,false,b\n"))
    assert "implies" in msg and "ligne 2" in msg and "« kind, flag »" in msg
    assert "« b, false »" in msg and "b est toujours marqué" in msg


def test_rule_ordered_with_r_tolerance(package):
    with_rules(package, [{"rule": "ordered", "fields": ["n", "x"]}])
    package("id,n,x,flag,kind\np1,3,3.000000001,true,a\np2,3,,true,a\np3,3,3,true,a\n")
    assert len(data.load("t")) == 3
    msg = str(violation(package, "id,n,x,flag,kind\np1,3,2.99,true,a\n"))
    assert "ordered" in msg and "ligne 2" in msg and "« n, x »" in msg and "« 3, 2.99 »" in msg


def test_unknown_rule_is_reported(package):
    with_rules(package, [{"rule": "au_pif", "fields": ["n"]}])
    msg = str(violation(package, "id,n,x,flag,kind\np1,1,1,true,a\n"))
    assert "règle inconnue : au_pif" in msg


def test_rule_sum(package):
    with_rules(package, [{"rule": "sum", "value": "n", "key": "kind", "total": "a",
                          "parts": ["b"], "match": ["flag"]}])
    package("id,n,x,flag,kind\np1,3,1,true,a\np2,3,1,true,b\n")
    assert len(data.load("t")) == 2
    msg = str(violation(package, "id,n,x,flag,kind\np1,4,1,true,a\np2,3,1,true,b\n"))
    assert "sum" in msg and "ligne 2" in msg


def test_an_error_message_lists_a_whole_broken_cohort_then_counts_the_rest():
    """Every rule of the cohort broken on its own row gives some 25 violations (a row can
    break several rules): all are listed; only beyond 50 are the rest counted."""
    from therapybook.data.violations import DataValidationError, Violation

    some = [Violation("c.csv", n, "x", "1", "r", "d") for n in range(2, 27)]
    assert all(f"ligne {n}," in str(DataValidationError(some)) for n in range(2, 27))
    many = str(DataValidationError(some * 3))
    assert many.count("\n  - ") == 50 and many.endswith("… et 25 autre(s).")
