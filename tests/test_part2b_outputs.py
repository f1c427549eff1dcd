"""Part II, chapters actors / care pathway / complications: package functions (pathway
positions from the steps table, MSC monitoring times, actor layout), provenance of the
published tables and figures, and the CAR-T timeline following its steps table."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from therapybook import data
from therapybook.article import pathway

from conftest import manifest

# --------------------------------------------------------------------------- unit tests


def _steps(changes: dict | None = None) -> pd.DataFrame:
    steps = data.load("parcours_car_t")
    for (step_id, column), value in (changes or {}).items():
        steps.loc[steps["step_id"] == step_id, column] = value
    return steps


def test_pathway_positions_follow_the_steps_table():
    pos = pathway.positions(_steps()).set_index("step_id")
    assert (pos.loc["lymphodepletion", ["start", "end"]] == [-6, -4]).all()
    assert pos.loc["lymphodepletion", "start_given"]
    assert pos.loc["reinjection", "start"] == pos.loc["reinjection", "end"] == 0
    # start not given: begins where the step named in `after` ends, and says so
    assert pos.loc["proximite", "start"] == pos.loc["hospitalisation", "end"] == 10
    assert not pos.loc["proximite", "start_given"]
    assert pos.loc["suivi_adapte", "start"] == 28
    assert math.isclose(pos.loc["suivi_adapte", "end"], 3 * pathway.DAYS_PER_MONTH)
    # months become days, visits are single points, the registry start stays unknown
    assert pos.loc["visite_m6", "milestone"]
    assert math.isclose(pos.loc["visite_m6", "start"], 6 * 365.25 / 12)
    assert math.isnan(pos.loc["registre", "start"])
    assert math.isclose(pos.loc["registre", "end"], 180 * pathway.DAYS_PER_MONTH)
    # undated steps sit in the column of their rank; one rank, no order between its steps
    seq = pos[pos["panel"] == "sequence"]
    assert list(seq.index[:2]) == ["rcp", "eligibilite"]
    assert seq["start"].to_dict() == {
        "rcp": 0, "eligibilite": 1, "inscription": 1, "consult_cytapherese": 1,
        "consult_ide": 1, "adaptation": 1, "leucapherese": 2, "bridging": 3}


def test_pathway_positions_move_when_a_day_changes():
    pos = pathway.positions(_steps({("hospitalisation", "end_day"): 14})).set_index("step_id")
    assert pos.loc["proximite", "start"] == 14


def test_timing_labels_keep_the_nature_of_each_bound():
    steps = _steps().set_index("step_id")
    assert pathway.timing_label(steps.loc["lymphodepletion"]) == "J-6 à J-4 (exemple)"
    assert pathway.timing_label(steps.loc["hospitalisation"]) == "J0 à J10 au moins"
    assert pathway.timing_label(steps.loc["proximite"]) == "jusqu'à J28"
    assert pathway.timing_label(steps.loc["registre"]) == "jusqu'à 15\u00a0ans au moins"
    assert pathway.timing_label(steps.loc["rcp"]) == "non précisé"


def test_msc_monitoring_times_are_those_of_the_article_and_not_expanded():
    times = pathway.monitoring_times(data.load("parcours_surveillance_csm"))
    assert times["before"] is True
    assert times["minutes"] == [5, 10, 15, 30, 45, 60, 90, 120]
    assert times["repeats"] == [(120, 8 * 60, 24 * 60)]


def test_quantities_are_formatted_in_french():
    params = data.load("parcours_parametres")
    assert pathway.quantity(params, "csm_dose") == "1 à 2\u00a0× 10⁶/kg"
    assert pathway.quantity(params, "csm_hospitalisation") == "24\u00a0h"


# --------------------------------------------------------------------------- built book

EXPECTED = {
    "chapters/article/04-acteurs": {
        "table-acteurs-intervenants": {"acteurs", "libelles_article"},
        "figure-acteurs-reseau": {"acteurs", "acteurs_liens", "libelles_article"},
    },
    "chapters/article/05-parcours": {
        "table-parcours-bilan": {"parcours_bilan"},
        "table-parcours-adaptations-csm": {"parcours_adaptations_csm"},
        "figure-parcours-surveillance-csm": {"parcours_surveillance_csm", "parcours_parametres"},
        "figure-parcours-car-t": {"parcours_car_t", "libelles_article"},
        "table-parcours-car-t-etapes": {"parcours_car_t", "acteurs"},
        "table-parcours-immunomonitoring": {"parcours_immunomonitoring"},
    },
    "chapters/article/06-complications-registres": {
        "table-complications-car-t": {"complications_car_t", "libelles_article"},
    },
}


def _items(book) -> dict:
    items = manifest(book)["items"]
    return {(i["chapter"], f"{i['kind']}-{i['name']}"): i for i in items}


@pytest.mark.build
def test_part2b_tables_and_figures_have_provenance(book):
    found = _items(book)
    for chapter, expected in EXPECTED.items():
        for name, inputs in expected.items():
            assert (chapter, name) in found, (chapter, name)
            assert {x["resource"] for x in found[(chapter, name)]["inputs"]} == inputs, name
            assert not any(x["synthetic"] for x in found[(chapter, name)]["inputs"])


def test_car_t_timeline_changes_when_its_steps_table_changes(book, rebuilt_book):
    """conftest.CHANGES["step_duration"]: the hospital stay lasts 14 days instead of 10."""
    png = "figures/parcours-car-t.png"
    assert (rebuilt_book.book / png).read_bytes() != (book / png).read_bytes()
    key = ("chapters/article/05-parcours", "figure-parcours-car-t")
    record = _items(rebuilt_book.book)[key]
    assert any(x["resource"] == "parcours_car_t" for x in record["inputs"])
