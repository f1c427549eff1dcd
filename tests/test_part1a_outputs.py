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
    "figure-disponibilite-chronologie": {"disponibilite_france"},
    "table-disponibilite-evenements": {"disponibilite_france"},
    "figure-agents-teclistamab": {"constructions"},
    "figure-agents-ide-cilta": {"constructions"},
    "figure-agents-cilta-epitopes": {"constructions"},
    "table-agents-construction": {"agents_anti_bcma"},
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


def test_quoted_values_carry_their_row():
    results, essais = data.load("resultats_essais_anti_bcma"), data.load("essais_anti_bcma")
    quoted = trials.quotes(results, essais)
    text, src = quoted["majestec1_os_median"]
    assert text == "21,3\u00a0mois" and src.resource == "resultats_essais_anti_bcma"
    assert src.citation == "these2023"  # not in the NEJM 2022 paper (source-checks T5)
    assert quoted["majestec1_prior_lines_n"][0] == "cinq"
    assert quoted["magnetismm5_regimen"][0].startswith("elranatamab seul")
    events = availability.quotes(data.load("disponibilite_france"))
    assert events["idecel_ct_opinion_iv_asmr"][0] == "ASMR IV"
    assert events["idecel_ct_opinion_iv_date"][0] == "30 juin 2023"
    assert events["ciltacel_not_available_year"][0] == "2022"


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
