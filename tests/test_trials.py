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


def test_values_of_notes_t1_and_t5_are_marked_in_tables_and_chart():
    essais, results = data.load("essais_anti_bcma"), data.load("resultats_essais_anti_bcma")
    labels = Labels(data.load("libelles_these"))
    table = trials.results_table(essais, results, labels).set_index("Essai")
    assert table.loc["MajesTEC-1", "SG médiane"].endswith("(note {ref}`T5 <note-t5>`)")
    assert table.loc["MagnetisMM-3", "Réponse globale"].endswith("(note {ref}`T1 <note-t1>`)")
    assert "note" not in table.loc["DREAMM-2", "Réponse globale"]
    design = trials.design_table(essais, labels).set_index("Essai")
    assert design.loc["MagnetisMM-3", "Phase"] == "1 (note {ref}`T1 <note-t1>`)"
    fig = trials.comparison_figure(essais, results, labels)
    assert any("(T1)" in t.get_text() for t in fig.axes[0].texts)
    assert trials.chart_notes_legend(results).startswith("(T1) : valeur concernée")


def test_a_number_is_cited_to_a_paper_only_where_a_verification_note_confirms_it():
    # otherwise the thesis that prints it is cited (source-checks.md)
    checks = data.load("verifications")
    for name, value in [("resultats_essais_anti_bcma", "value"),
                        ("cohortes_reference", "value"), ("infections_essais", "value_pct")]:
        for row in data.load(name).itertuples():
            if row.citation == "these2023" or row.citation != row.citation:
                continue
            printed = f"{getattr(row, value):.1f}".replace(".", ",")
            records = checks[checks["citation"] == row.citation]["record_says"]
            assert any(printed in r for r in records), (name, row)
