"""Infection rates as printed: each with its own denominator, in the table and the chart."""

from therapybook import data
from therapybook.study.wording import Labels
from therapybook.thesis import infections

LABELS = Labels(data.load("libelles_these"))


def test_table_says_the_denominator_of_each_rate():
    table = infections.table(data.load("infections_essais"), LABELS).set_index("Mesure")
    assert table.loc["Infections de grade 3–4", "MajesTEC-1"] == \
        "55,2\u00a0% des infections rapportées"
    assert table.loc["Infections de grade 3–4", "MagnetisMM-3"] == "39,8\u00a0% des patients"
    assert table.loc["Au moins une infection", "MajesTEC-1"] == "80\u00a0% des patients"


def test_chart_hatches_the_shares_of_infections_only():
    rates = data.load("infections_essais")
    fig = infections.chart(rates, LABELS)
    ax = fig.axes[0]
    hatched = sum(1 for c in ax.containers for b in c if b.get_hatch())
    shares = rates[rates["measure"].isin(infections.GRADES)
                   & (rates["denominator"] == "infections")]
    assert hatched == len(shares) == 2
    assert "hachures" in " ".join(t.get_text() for t in ax.get_legend().get_texts())


def test_study_deaths_are_quoted_as_printed():
    text, src = infections.study_deaths(data.load("retrospective_published"))[
        "deces_infectieux_etude"]
    assert text == "cinq" and src.printed.startswith("Cinq patients")
