"""Every table and figure of the book is computed from the data package, and follows it.

Reads the provenance manifest (`_build/provenance.json`) of the session's scratch build:
each numbered table and figure must come from described CSVs; changing a value in a CSV
changes every figure computed from it and the prose that quotes it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import CHANGES, descriptor, manifest, page

pytestmark = pytest.mark.build

#: What the issues ask each chapter to regenerate, by table/figure name (minimum set).
EXPECTED = {
    "chapters/these/02-biologie-bcma": {"table-bcma-expression", "figure-bcma-ligands",
                                        "table-bcma-voies"},
    "chapters/these/04-efficacite-disponibilite": {"table-efficacite-essais-resultats",
                                                   "figure-efficacite-essais",
                                                   "figure-disponibilite-chronologie"},
    "chapters/these/05-perspectives": {"table-perspectives-associations",
                                       "table-perspectives-leviers"},
    "chapters/these/06-etude-retrospective": {"table-retro-tableau2", "figure-retro-fig21a-ssp",
                                              "figure-retro-fig21b-sg",
                                              "figure-retro-fig21c-gprc5d"},
    # The comparison of every published number moved to the reproducibility appendix.
    "chapters/annexes/reproductibilite": {"table-repro-tous"},
    "chapters/these/07-infections": {"table-infections-essais", "figure-infections-essais",
                                     "table-prevention-infections"},
    # The thesis's three-row Table 3 (murine lupus) reads as prose (issue 10 §2).
    "chapters/these/08-effets-immunomedies": {"figure-irae-chronologie-cas1",
                                              "figure-irae-chronologie-cas2"},
    "chapters/article/02-cellules-stromales": {"table-csm-criteres-isct",
                                               "table-csm-mecanismes", "table-csm-experience",
                                               "figure-csm-experience"},
    "chapters/article/03-car-t": {"figure-car-t-generations"},
}


def test_every_table_and_figure_comes_from_described_data(book):
    resources = {r["name"]: r for r in descriptor(book)["resources"]}
    items = manifest(book)["items"]
    assert items
    for item in items:
        assert item["inputs"], f"{item['name']} n'a aucune donnée d'entrée"
        for inp in item["inputs"]:
            assert inp["resource"] in resources, (item["name"], inp["resource"])
            assert (book / inp["path"]).exists()
    labels = {i["label"] for i in items}
    for html in (book / "_build" / "html" / "chapters").rglob("*.html"):
        for anchor in re.findall(r'id="((?:tbl|fig)-[\w-]+)"', html.read_text(encoding="utf-8")):
            assert anchor in labels, f"{html.name}: {anchor} sans provenance"


def test_each_chapter_regenerates_what_its_issue_lists(book):
    by_chapter: dict[str, set[str]] = {}
    for item in manifest(book)["items"]:
        by_chapter.setdefault(item["chapter"], set()).add(f"{item['kind']}-{item['name']}")
    for chapter, expected in EXPECTED.items():
        assert expected <= by_chapter.get(chapter, set()), (chapter, expected)


def outputs_of(book: Path, resource: str) -> dict[str, str]:
    return {i["name"]: json.dumps(i["outputs"], sort_keys=True) for i in manifest(book)["items"]
            if any(inp["resource"] == resource for inp in i["inputs"]) and i["kind"] == "figure"}


@pytest.mark.parametrize(
    ("change", "chapter", "shown"),
    [
        ("orr_dreamm2", "chapters/these/04-efficacite-disponibilite", "33\u00a0%"),
        ("step_label", "chapters/article/05-parcours", "Consultation d’éligibilité modifiée"),
    ],
)
def test_changing_a_value_changes_tables_figures_and_prose(book, rebuilt_book, change,
                                                           chapter, shown):
    """One value of a CSV changed (``conftest.CHANGES``): every figure computed from that
    file changes, and the chapter's page shows the new value."""
    csv = CHANGES[change].path
    resource = next(r["name"] for r in descriptor(book)["resources"]
                    if csv.endswith(r["path"]))
    before = outputs_of(book, resource)
    after = outputs_of(rebuilt_book.book, resource)
    changed = [name for name in before if before[name] != after.get(name)]
    assert before and sorted(changed) == sorted(before), (before.keys(), changed)
    html = page(rebuilt_book.book, chapter)
    assert html != page(book, chapter)
    assert shown in html.replace("'", "’") or shown in html
