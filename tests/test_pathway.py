"""CAR-T pathway: steps placed on a time axis only when the article gives a time; the figure
shows the article's visit months, prophylaxis and immune monitoring as bands, and no two
labels touch; tables and glued values read in French."""

import math

import pandas as pd
import pytest

from therapybook import data
from therapybook.article import pathway


@pytest.fixture(scope="module")
def figure():
    import matplotlib.pyplot as plt

    fig = pathway.pathway_figure(data.load("parcours_car_t"))
    yield fig
    plt.close(fig)


def test_undated_steps_stay_on_an_ordinal_axis():
    pos = pathway.positions(data.load("parcours_car_t"))
    first = pos.iloc[0]
    assert first["panel"] == "sequence" and not first["start_given"]
    assert list(pos["start"][:3]) == [0.0, 1.0, 1.0]  # eligibility and registration: no order


def test_an_undated_step_without_a_rank_is_refused():
    steps = data.load("parcours_car_t")
    steps.loc[steps["step_id"] == "adaptation", "stage"] = None
    with pytest.raises(ValueError, match="adaptation"):
        pathway.positions(steps)


def test_pathway_alt_text_has_one_level_of_brackets_and_no_imposed_order():
    alt = pathway.pathway_alt(data.load("parcours_car_t"))
    depth = 0
    for ch in alt:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        assert depth <= 1, alt
    assert "Chimiothérapie lymphodéplétive : J-6 à J-4 (exemple)" in alt
    assert ("Consultation d'éligibilité, Inscription chez le fabricant, Consultation de "
            "cytaphérèse, Consultation de coordination, Adaptation des traitements de la MAI ; "
            "puis Leucaphérèse") in alt
    assert "sans ordre donné à l'intérieur d'une colonne" in alt


def test_time_labels_and_durations():
    assert pathway.time_point(day=-6) == "J-6"
    assert pathway.time_point(month=3) == "M3"
    assert pathway.duration(120) == "2\u00a0h"
    assert pathway.duration(45) == "45\u00a0min"
    assert pathway.months_text(12) == "1\u00a0an"
    assert pathway.months_text(180) == "15\u00a0ans"
    assert pathway.months_text(3) == "3\u00a0mois"


def test_month_ruler_shows_the_article_visits(figure):
    assert pathway.visit_months(data.load("parcours_car_t")) == [1, 2, 3, 6, 9, 12]
    ax, top = figure.axes[1], figure.axes[2]  # the time panel and its top ruler
    assert top.get_position().bounds == ax.get_position().bounds
    labels = [t.get_text() for t in top.get_xticklabels()]
    assert labels == ["M1", "M2", "M3", "M6", "M9", "M12", "15\u00a0ans"]


def test_prophylaxis_and_immune_monitoring_are_bands_over_their_periods(figure):
    steps = data.load("parcours_car_t").sort_values("order").reset_index(drop=True)
    ax = figure.axes[1]
    ys = {row.step_id: len(steps) - 1 - i for i, row in steps.iterrows()}
    bars = {round(p.get_y() + p.get_height() / 2): p for p in ax.patches
            if hasattr(p, "get_width")}
    bar = bars[ys["prophylaxie"]]
    assert bar.get_x() == 0  # from the reinfusion (start not given: pale)
    assert math.isclose(bar.get_x() + bar.get_width(), 12 * pathway.DAYS_PER_MONTH)
    assert bar.get_alpha() < 1


def test_immune_monitoring_points_are_the_articles(figure):
    """Apheresis (undated, a pale mark), the dense weeks from J0, then M1, M2, M3, M6 and
    every six months: not one band from J0 to M6."""
    steps = data.load("parcours_car_t").sort_values("order").reset_index(drop=True)
    ax = figure.axes[1]
    y = len(steps) - 1 - steps.index[steps["step_id"] == "immunomonitoring"][0]
    bars = [p for p in ax.patches if hasattr(p, "get_width")
            and round(p.get_y() + p.get_height() / 2) == y]
    assert [(b.get_x(), b.get_x() + b.get_width()) for b in bars] == [(0, 21)]
    marks = [line for line in ax.lines if list(line.get_ydata()) and
             all(v == y for v in line.get_ydata())]
    diamonds = [x for line in marks if line.get_marker() == "D" for x in line.get_xdata()]
    assert diamonds == [m * pathway.DAYS_PER_MONTH for m in (1, 2, 3, 6)]
    assert any(line.get_marker() == "o" and line.get_alpha() < 1 for line in marks)
    row = steps.set_index("step_id").loc["immunomonitoring"]
    assert pathway.timing_label(row) == ("J0 à J21 au moins, M1, M2, M3 et M6, puis tous "
                                         "les 6\u00a0mois")


def test_no_two_texts_of_the_pathway_figure_touch(figure):
    assert pathway.text_overlaps(figure) == []


def test_text_overlaps_sees_touching_labels():
    from therapybook.plots import figures

    fig, ax = figures.new()
    ax.text(0.5, 0.5, "Visite M3")
    ax.text(0.51, 0.5, "Visite M6")
    assert pathway.text_overlaps(fig) == [("Visite M3", "Visite M6")]


def test_steps_table_shows_every_detail_and_the_timing_as_given():
    table = pathway.steps_table(data.load("parcours_car_t"), data.load("acteurs"))
    assert table["Précisions"].str.len().min() > 0
    by_step = table.set_index("Étape")
    assert by_step.at["Chimiothérapie lymphodéplétive", "Quand"] == "J-6 à J-4 (exemple)"
    assert by_step.at["Leucaphérèse", "Quand"] == "sans date"
    assert by_step.at["Suivi immunologique", "Quand"] == (
        "J0 à J21 au moins, M1, M2, M3 et M6, puis tous les 6\u00a0mois")
    assert "consentement éclairé" in by_step.at["Inscription chez le fabricant", "Précisions"]


def test_workup_table_keeps_capitals_and_has_no_nested_parentheses():
    table = pathway.workup_table(data.load("parcours_bilan"))
    cells = " ".join(table["Examens (condition éventuelle)"])
    assert "MoCA (en cas de CAR-T cells :" in cells and "car-t" not in cells
    assert ") (" not in cells
    depth = 0
    for ch in cells:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        assert depth <= 1


def test_workup_condition_joins_a_bracket_rather_than_stacking_one():
    bilan = pd.DataFrame({"rank": [1, 2], "domain": ["Neurologique"] * 2,
                          "item": ["Test cognitif (MoCA)", "EEG"],
                          "condition": ["En cas de CAR-T cells", None],
                          "citation": ["castillallorente2025"] * 2})
    cells = pathway.workup_table(bilan)["Examens (condition éventuelle)"].tolist()
    assert cells == ["Test cognitif (MoCA ; en cas de CAR-T cells) ; EEG"]


def test_fertility_consultation_is_not_restricted_to_women_of_childbearing_age():
    """The article asks β-HCG « chez la femme en âge de procréer » and, beside it, a fertility
    consultation it does not restrict; the neurological condition follows the cognitive
    test only."""
    bilan = data.load("parcours_bilan").set_index("item")
    assert bilan.at["Dosage de β-HCG", "condition"] == "Femme en âge de procréer"
    assert pd.isna(bilan.at["Consultation dans un centre de préservation de la fertilité",
                            "condition"])
    assert pd.isna(bilan.at["IRM cérébrale, EEG, examen clinique", "condition"])


def test_steps_table_names_both_actors_of_a_shared_step():
    table = pathway.steps_table(data.load("parcours_car_t"), data.load("acteurs"))
    who = dict(zip(table["Étape"], table["Qui"], strict=True))
    assert who["Traitement d'attente"] == "Équipe clinique et hématologue référent ; Référents MAI"
    assert who["Inscription chez le fabricant"] == ""


def test_monitoring_hours_start_after_the_minutes_panel():
    """« 120 » and « 2 h » stood side by side: the hour panel labels whole hours only."""
    times = pathway.monitoring_times(data.load("parcours_surveillance_csm"))
    minutes, hours = pathway.monitoring_ticks(times, 24 * 60)
    assert minutes == [5, 10, 15, 30, 45, 60, 90, 120]
    assert hours == [360, 720, 1080, 1440] and 120 not in hours
