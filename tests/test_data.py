"""The loader validates every file against the descriptor and names what is wrong."""

from __future__ import annotations

import json

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
    assert list(df["n"]) == [3, None] or df["n"].isna().tolist() == [False, True]
    assert df["x"].iloc[0] == 2.5
    assert bool(df["flag"].iloc[0]) is True
    assert str(df["n"].dtype) == "Int64"


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


def test_rule_sum(package):
    with_rules(package, [{"rule": "sum", "value": "n", "key": "kind", "total": "a",
                          "parts": ["b"], "match": ["flag"]}])
    package("id,n,x,flag,kind\np1,3,1,true,a\np2,3,1,true,b\n")
    assert len(data.load("t")) == 2
    msg = str(violation(package, "id,n,x,flag,kind\np1,4,1,true,a\np2,3,1,true,b\n"))
    assert "sum" in msg and "ligne 2" in msg
