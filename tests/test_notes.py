"""Verification notes: exactly the checks of source-checks.md, as data, shown as admonitions."""

from __future__ import annotations

import re

import bibtexparser
import pytest

from bookbuild.sphinx import chapter_inputs
from therapybook.render import notes

from conftest import ROOT

SHARED = ROOT.parent / "shared"
CHECKS = SHARED / "references" / "source-checks.md"
SEEDS = {"these": SHARED / "seeds" / "000_b1808169a865ed75.txt",
         "article": SHARED / "seeds" / "004_bf2108d60f11aadb.txt"}


def _flat(text: str) -> str:
    """Seed text with line breaks, extraction emphasis and apostrophe variants flattened."""
    return " ".join(text.replace("*", "").replace("’", "'").split())


def test_notes_are_exactly_the_checks_of_source_checks():
    ids = re.findall(r"^\| ([TA]\d+) \|", CHECKS.read_text(encoding="utf-8"), re.M)
    assert ids and list(notes.load()["id"]) == ids


@pytest.mark.parametrize("row", notes.load().to_dict("records"), ids=lambda r: r["id"])
def test_printed_statement_is_in_its_document(row):
    seed = _flat(SEEDS[row["document"]].read_text(encoding="utf-8"))
    # fragments of two passages are joined by « […] »: each is in the document
    for part in re.split(r"\s*\[…\]\s*", row["as_printed"]):
        assert _flat(part) in seed
    assert len(row["as_printed"].split()) <= 25


def test_every_record_is_in_the_bibliography():
    keys = {e.key for e in bibtexparser.parse_file(str(ROOT / "references.bib")).entries}
    assert set(notes.load()["citation"]) <= keys


def test_primary_records_keep_only_verified_fields():
    lib = {e.key: e for e in bibtexparser.parse_file(str(ROOT / "references.bib")).entries}
    assert "doi" not in lib["fda2023elranatamab"].fields_dict  # a web record: no DOI
    assert lib["manetta2014tabalumab"].fields_dict["doi"].value == "10.2147/JIR.S67751"
    for key in ("nci_belantamab", "hemonc_belantamab"):
        assert lib[key].fields_dict["year"].value == "[s. d.]"  # no date was given
    manetta = lib["manetta2014tabalumab"].fields_dict  # its title was not checked: absent
    assert "title" not in manetta and manetta["unverified"].value == "title"


def test_show_renders_an_admonition_with_the_printed_words_and_the_record():
    out = notes.show("T1").data
    assert out.startswith("````{verification-note} T1\n:title: Note de vérification : "
                          "MagnetisMM-3")
    assert "{printed}`Le taux de réponse globale (TRG) était de 71%`" in out
    assert "{cite}`lesokhin2023magnetismm3`" in out
    assert "thèse, section II.4.1.B" in out
    assert notes.show("A2").data.splitlines()[1].startswith(":title: Note de lecture")


def test_unknown_note_is_an_error_naming_the_known_ones():
    with pytest.raises(KeyError, match="T1, T2"):
        notes.show("T9")


def test_a_chapter_showing_a_note_depends_on_the_notes_file():
    source = ("```{code-cell} ipython3\nfrom therapybook.render import notes\n"
              "notes.show('T1')\n```\n")
    assert "verifications.csv" in {p.name for p in chapter_inputs.inputs_of(source)}


def test_appendix_lists_every_note_with_its_places_and_label():
    out = notes.appendix().data
    for note_id in notes.load()["id"]:
        assert f"({notes.label(note_id)})=\n### {note_id} — " in out
        assert f"{{verification-note-places}}`{note_id}`" in out


def test_article_table_links_each_row_to_its_note():
    frame = notes.table("article")
    assert list(frame["Note"]) == [f"{{ref}}`A{i} <note-a{i}>`" for i in range(1, 5)]
    assert all(c.startswith("{printed}`") for c in frame["Texte imprimé"])


def test_a_value_a_note_applies_to_carries_a_mark_linking_to_it():
    assert notes.marker("T5") == "(note {ref}`T5 <note-t5>`)"
    assert notes.image_marker("T1") == "(T1)"
    assert notes.legend(["T1", "T5", "T1", None]) == (
        "(T1), (T5) : valeurs concernées par une note de vérification "
        "({ref}`T1 <note-t1>`, {ref}`T5 <note-t5>`).")
    assert notes.legend([]) == ""
    assert notes.mark("71 %", "T1") == "71 % (note {ref}`T1 <note-t1>`)"
    assert notes.mark("71 %", float("nan")) == "71 %" and notes.mark("", "T1") == ""
    with pytest.raises(KeyError):
        notes.marker("T99")
