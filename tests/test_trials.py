"""Trial results: values as printed, « non atteinte » never turned into a number."""

from therapybook import data
from therapybook.thesis import trials


def test_glued_values_are_french_and_as_printed():
    results = data.load("resultats_essais_anti_bcma")
    values = trials.glue_values(results)
    assert values["dreamm2_orr"] == "32\u00a0%"
    assert values["dreamm2_pfs_median"] == "2,8\u00a0mois"


def test_not_reached_is_a_flag():
    results = data.load("resultats_essais_anti_bcma")
    assert "non atteinte" in trials.cell(results, "CARTITUDE-4", "pfs_median")


def test_results_table_has_one_row_per_trial():
    table = trials.results_table(data.load("essais_anti_bcma"),
                                 data.load("resultats_essais_anti_bcma"))
    assert len(table) == len(data.load("essais_anti_bcma"))
