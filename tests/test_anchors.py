"""Anchor ids of data rows and computations, and anchored rows of published tables."""

from __future__ import annotations

import pandas as pd
import pytest

from therapybook.render import anchors, tables


def test_computation_id_follows_the_contract():
    # INTERFACES.md: ``calcul-<id>``, id lower-cased, every character outside [a-z0-9] → ``-``
    assert anchors.computation_id("km.pfs.median") == "calcul-km-pfs-median"
    assert anchors.computation_id("T2.Patients_N") == "calcul-t2-patients-n"
    with pytest.raises(ValueError):
        anchors.computation_id(" ")


def test_row_id_names_the_resource_and_the_line():
    assert anchors.row_id("infections_essais", 5) == "infections-essais-ligne-5"
    assert anchors.row_page("infections_essais") == "chapters/annexes/donnees/infections_essais"
    with pytest.raises(ValueError):
        anchors.row_id("infections_essais", 1)  # the header is not a data row


def test_marker_rejects_ids_that_would_not_survive_html():
    assert anchors.marker("calcul-km") == "{row-anchor}`calcul-km`"
    with pytest.raises(ValueError):
        anchors.marker("Calcul km")


def test_published_table_rows_carry_their_anchors():
    df = pd.DataFrame({"Nombre": ["SSP médiane", "SG médiane"], "Valeur": ["4,37", "6,28"]})
    out = tables.publish(df, "t-ancres", caption="Essai.", sources=["retrospective_published"],
                         anchors=[anchors.computation_id("km.pfs"), None]).data
    assert "* - {row-anchor}`calcul-km-pfs`SSP médiane" in out
    assert "* - SG médiane" in out
    with pytest.raises(ValueError, match="ancre"):
        tables.publish(df, "t-ancres", caption="Essai.", sources=["retrospective_published"],
                       anchors=["calcul-x"])
