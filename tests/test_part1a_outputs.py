"""Part I, chapters 1-4 (part1a): package helpers, provenance of the tables and figures,
and a data change that must reach the table, the chart and the prose of chapter 4."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from therapybook import data
from therapybook.thesis import availability, trials

from conftest import page

EFFICACY = "chapters/these/04-efficacite-disponibilite"
EXPECTED = {
    "table-efficacite-essais-schema": {"essais_anti_bcma"},
    "table-efficacite-essais-resultats": {"essais_anti_bcma", "resultats_essais_anti_bcma"},
    "figure-efficacite-essais": {"essais_anti_bcma", "resultats_essais_anti_bcma"},
    "table-efficacite-comparaisons-indirectes": {"comparaisons_indirectes"},
    "figure-disponibilite-chronologie": {"disponibilite_france"},
    "table-disponibilite-evenements": {"disponibilite_france"},
    "table-disponibilite-volumes": {"acces_patients_france"},
}


def test_not_reached_is_a_flag_not_a_number():
    results = data.load("resultats_essais_anti_bcma")
    row = results[(results["trial"] == "CARTITUDE-4") & (results["arm"] == "anti_bcma")
                  & (results["measure"] == "pfs_median")].iloc[0]
    assert pd.isna(row["value"]) and row["not_reached"]
    assert trials.format_value(row) == "non atteinte"
    assert trials.cell(results, "KarMMa-3", "orr") == "71\u00a0% vs 42\u00a0%"


def test_printed_ci_kept_as_printed():
    results = data.load("resultats_essais_anti_bcma")
    assert trials.printed_ci(results, "DREAMM-3", "hr_pfs") == "95% CI 4,6-10,6"


def test_dates_never_more_precise_than_the_thesis():
    events = data.load("disponibilite_france")
    labels = {availability.date_label(r) for _, r in events.iterrows()}
    assert {"2021", "août 2022", "2 février 2023", "30 juin 2023", ""} <= labels
    assert availability.span(events[events["date_precision"] == "undated"].iloc[0]) is None


@pytest.mark.build
@pytest.mark.parametrize(("record", "inputs"), sorted(EXPECTED.items()))
def test_provenance_records(book, record, inputs):
    rec = json.loads((book / "_build" / "provenance" / f"{record}.json").read_text())
    assert {i["resource"] for i in rec["inputs"]} == inputs


def test_trial_value_change_reaches_table_chart_and_prose(book, rebuilt_book):
    """conftest.CHANGES["orr_majestec1"]: MajesTEC-1's response rate 63 → 64 %."""
    chart = "figures/efficacite-essais.svg"
    assert "63\u00a0%" in page(book, EFFICACY)
    html = page(rebuilt_book.book, EFFICACY)
    # 63 % is quoted only for MajesTEC-1 (table, prose); it must be gone everywhere
    assert "64\u00a0%" in html and "63\u00a0%" not in html
    assert (rebuilt_book.book / chart).read_bytes() != (book / chart).read_bytes()
