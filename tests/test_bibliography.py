"""Bibliography lint: parses, unique keys, required fields, DOIs, every key cited and defined."""

from __future__ import annotations

import csv
import re

import bibtexparser
import pytest

from conftest import ROOT

REQUIRED = {
    "article": {"author", "title", "journal", "year"},
    "book": {"title", "publisher", "year"},
    "incollection": {"author", "title", "booktitle", "year"},
    "inproceedings": {"author", "title", "booktitle", "year"},
    "phdthesis": {"author", "title", "school", "year"},
    "techreport": {"title", "institution", "year"},
    "misc": {"title", "year"},
    "online": {"title", "year"},
}
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


@pytest.fixture(scope="module")
def library():
    return bibtexparser.parse_file(str(ROOT / "references.bib"))


def cited_keys() -> set[str]:
    keys: set[str] = set()
    for path in [ROOT / "index.md", *sorted((ROOT / "chapters").rglob("*.md"))]:
        for group in CITE.findall(path.read_text(encoding="utf-8")):
            keys.update(k.strip() for k in group.split(","))
    for path in sorted((ROOT / "data").rglob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                for col, value in row.items():
                    if col and col.startswith("citation") and value:
                        keys.update(k.strip() for k in re.split(r"[,;]", value) if k.strip())
    return keys


def test_parses_without_failed_blocks(library):
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]


def test_keys_unique(library):
    keys = [e.key for e in library.entries]
    assert len(keys) == len(set(keys))


def test_required_fields(library):
    problems = []
    for e in library.entries:
        need = REQUIRED.get(e.entry_type.lower(), {"title", "year"})
        missing = need - {f.lower() for f in e.fields_dict}
        if missing:
            problems.append(f"{e.key}: {sorted(missing)}")
    assert not problems


def test_dois_well_formed(library):
    bad = [(e.key, e.fields_dict["doi"].value) for e in library.entries
           if "doi" in e.fields_dict and not DOI.match(e.fields_dict["doi"].value)]
    assert not bad


def test_every_citation_defined(library):
    defined = {e.key for e in library.entries}
    assert not cited_keys() - defined


def test_every_entry_cited(library):
    defined = {e.key for e in library.entries}
    assert not defined - cited_keys()
