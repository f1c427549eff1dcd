"""Published tables: caption with its source line, notes as paragraphs, synthetic label."""

from __future__ import annotations

import pandas as pd

from therapybook.render import tables

DF = pd.DataFrame({"Essai": ["MajesTEC-1"], "Toute infection": ["80 %"]})


def test_caption_ends_with_the_source_line_and_the_download_role():
    out = tables.publish(DF, "t-source", caption="Infections.", sources=["infections_essais"]).data
    first = out.splitlines()[0]
    assert first == ("~~~{list-table} Infections. Source : thèse {cite}`these2023`, section "
                     "III.2.1. {data-download}`infections_essais`")


def test_source_line_override():
    out = tables.publish(DF, "t-source", caption="Tableau 2.", sources=["retrospective_published"],
                         source_line="thèse, section III.1.3, tableau 2").data
    assert "Source : thèse {cite}`these2023`, section III.1.3, tableau 2." in out


def test_synthetic_label_comes_first():
    out = tables.publish(DF, "t-source", caption="Courbes.", synthetic=True,
                         sources=["retrospective_cohort"]).data
    assert out.startswith("~~~{list-table} **Données synthétiques (pseudo-cohorte).** Courbes.")


def test_notes_are_paragraphs_and_a_leading_star_stays_a_star():
    # Regression: notes joined with hard line breaks turned « * Taux … » into a list item and
    # printed a literal backslash (Tableau 4.3).
    out = tables.publish(DF, "t-notes", caption="Essai.", sources=["infections_essais"],
                         notes=["Cellule vide : non donné.", "* Taux donné pour deux essais.",
                                "- Tiret."]).data
    notes = out.split("```{container} table-notes\n", 1)[1]
    assert notes == ("Cellule vide : non donné.\n\n\\* Taux donné pour deux essais.\n\n"
                     "\\- Tiret.\n```\n")
