"""Infection rates as printed: each with its own denominator, in the table and the chart."""

from therapybook import data
from therapybook.study.wording import Labels
from therapybook.thesis import infections

LABELS = Labels(data.load("libelles_these"))


def test_table_gives_the_majestec1_rates_as_shares_of_patients_marked_t5():
    # 80 %, 55,2 % and 12,7 % of MajesTEC-1 are exactly 132, 91 and 21 of its 165 patients
    # (note T5): shares of patients, although the thesis words the last two « des infections
    # rapportées »; each carries the mark of note T5.
    table = infections.table(data.load("infections_essais"), LABELS).set_index("Mesure")
    assert table.loc["Infections de grade 3–4", "MajesTEC-1"] == \
        "55,2\u00a0% des patients (note {ref}`T5 <note-t5>`)"
    assert table.loc["Infections de grade 5", "MajesTEC-1"].startswith("12,7\u00a0% des patients")
    assert table.loc["Infections de grade 3–4", "MagnetisMM-3"] == "39,8\u00a0% des patients"
    assert table.loc["Hypogammaglobulinémie", "MajesTEC-1"] == "75\u00a0% des patients"


def test_majestec1_rates_are_whole_patients_of_the_trial():
    rates = data.load("infections_essais")
    majestec = rates[(rates["trial"] == "MajesTEC-1") & rates["measure"].isin(infections.GRADES)]
    counts = [round(v * 165 / 100) for v in majestec["value_pct"]]
    assert counts == [132, 91, 21]
    assert all(round(100 * n / 165, 1) == v for n, v in zip(counts, majestec["value_pct"],
                                                           strict=True))
    assert set(majestec["denominator"]) == {"patients"}


def test_chart_marks_the_values_of_note_t5_and_its_caption_explains_the_mark():
    rates = data.load("infections_essais")
    fig = infections.chart(rates, LABELS)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert sum("(T5)" in t for t in texts) == 3
    assert not any(b.get_hatch() for c in fig.axes[0].containers for b in c)
    assert infections.notes_legend(rates) == \
        "(T5) : valeur concernée par une note de vérification ({ref}`T5 <note-t5>`)."


def test_magnetismm3_infection_figures_are_cited_to_the_thesis():
    # the primary paper is checked (note T1) for efficacy only, never for infections
    rates = data.load("infections_essais")
    assert set(rates["citation"]) == {"these2023"}


def test_study_deaths_are_quoted_as_printed():
    text, src = infections.study_deaths(data.load("retrospective_published"))[
        "deces_infectieux_etude"]
    assert text == "cinq" and src.printed.startswith("Cinq patients")
