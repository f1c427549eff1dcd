"""Trial results: values as printed, « non atteinte » never turned into a number."""

from therapybook import data
from therapybook.study.wording import Labels
from therapybook.thesis import trials


def test_glued_values_are_french_and_as_printed():
    values = trials.quotes(data.load("resultats_essais_anti_bcma"), data.load("essais_anti_bcma"))
    assert values["dreamm2_orr"][0] == "32\u00a0%"
    assert values["dreamm2_pfs_median"][0] == "2,8\u00a0mois"
    assert values["dreamm3_hr_pfs_ci_as_printed"][0] == "95% CI 4,6-10,6"


def test_not_reached_is_a_flag():
    results = data.load("resultats_essais_anti_bcma")
    assert "non atteinte" in trials.cell(results, "CARTITUDE-4", "pfs_median")


def test_results_table_has_one_row_per_trial_with_results():
    labels = Labels(data.load("libelles_these"))
    results = data.load("resultats_essais_anti_bcma")
    table = trials.results_table(data.load("essais_anti_bcma"), results, labels)
    assert list(table["Essai"]) == list(dict.fromkeys(results["trial"]))
    assert "MajesTEC-3" not in set(table["Essai"])  # ongoing, no result printed


def test_comparison_chart_is_drawn_by_seaborn_and_keeps_not_reached():
    labels = Labels(data.load("libelles_these"))
    fig = trials.comparison_figure(data.load("essais_anti_bcma"),
                                   data.load("resultats_essais_anti_bcma"), labels)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert sum("non atteinte" in t for t in texts) == 2
    assert any("jusqu'à 100" in t for t in texts)
