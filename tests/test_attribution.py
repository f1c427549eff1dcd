"""Provenance said as a reader says it: tooltip places and caption source lines."""

from __future__ import annotations

import pytest

from therapybook import data
from therapybook.render import attribution


def test_long_section_titles_are_cut():
    title = "Quels sont les patients candidats ? Quels sont les examens complémentaires ?"
    assert attribution.place("article", title) == (
        "article, section « Quels sont les patients candidats ? Quels… »")


@pytest.mark.parametrize(("document", "section", "locator", "expected"), [
    ("these", "III.2.1 Des évènements infectieux à ne pas négliger", None,
     "thèse, section III.2.1"),
    ("these", "III.1.3", "Tableau 2, en-tête de colonne « Tous les patients, N = 45 »",
     "thèse, section III.1.3, tableau 2"),
    ("these", "II.3.2 et II.4.2 Disponibilité des anti-BCMA", None,
     "thèse, sections II.3.2 et II.4.2"),
    ("these", "II.2 Le BCMA : une cible idéale", "texte autour de la figure 5 et de la figure 6",
     "thèse, section II.2, figures 5 et 6"),
    ("article", "CSM : lupus systémique", None, "article, section « CSM : lupus systémique »"),
    ("article", "Quel est le parcours… ? (sous-sections candidats) ; figures 3 et 4 (légendes "
     "seules dans le texte extrait)", None,
     "article, section « Quel est le parcours… ? », figures 3 et 4"),
    ("these;article", "thèse II.3.3 (figure 10) ; article « Définition des CAR T-cells » "
     "(figure 1)", None,
     "thèse, section II.3.3, figure 10 ; article, section « Définition des CAR T-cells », "
     "figure 1"),
    ("synthetic", "III.1 (nombres publiés, via retrospective_published)", None,
     "pseudo-cohorte synthétique"),
])
def test_place(document, section, locator, expected):
    assert attribution.place(document, section, locator) == expected


def test_place_of_a_row_uses_its_own_section_and_locator():
    src = data.source("retrospective_published", key="t2.patients.n.all")
    assert attribution.row_place(src) == "thèse, section III.1.3, tableau 2"


def test_caption_line_cites_the_document_and_links_the_data():
    line = attribution.caption_line(["infections_essais"])
    assert line == ("Source : thèse {cite}`these2023`, section III.2.1. "
                    "{data-download}`infections_essais`")


def test_caption_line_groups_resources_by_document():
    line = attribution.caption_line(["essais_anti_bcma", "resultats_essais_anti_bcma",
                                     "glossaire"])
    # a section title is the article's own words: a quotation in the caption
    assert line.startswith("Sources : thèse {cite}`these2023`, section II.4.1 ; article "
                           "{cite}`castillallorente2025`, section {printed}`Glossaire`.")
    assert line.endswith("{data-download}`essais_anti_bcma,resultats_essais_anti_bcma,glossaire`")


def test_caption_line_override_replaces_the_place():
    line = attribution.caption_line(["retrospective_published"],
                                    override="thèse, section III.1.3, tableau 2")
    assert line.startswith("Source : thèse {cite}`these2023`, section III.1.3, tableau 2.")


def test_caption_line_never_names_files_columns_or_keys():
    for res in data.descriptor()["resources"]:
        text = attribution.caption_line([res["name"]]).split("{data-download}")[0]
        for bad in (".csv", "data/", "_", "colonne", "extrait"):
            assert bad not in text.replace("{cite}`these2023`", "").replace(
                "{cite}`castillallorente2025`", ""), (res["name"], text)


def test_user_supplied_cohort_is_named_but_never_linked(monkeypatch, tmp_path):
    monkeypatch.setenv("THERAPYBOOK_COHORT", str(tmp_path / "cohorte.csv"))
    line = attribution.caption_line(["retrospective_published", "retrospective_cohort"])
    assert attribution.USER_SUPPLIED in line and "pseudo-cohorte" not in line
    assert line.endswith("{data-download}`retrospective_published`")
