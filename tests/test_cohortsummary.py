"""The numbers the study chapter quotes: recomputed from the cohort with a computation id,
or quoted as printed with their data row when the cohort cannot give them."""

from __future__ import annotations

import pytest

from therapybook import data
from therapybook.stats import survival
from therapybook.study import analysis, summary


@pytest.fixture(scope="module")
def published():
    return data.load("retrospective_published")


@pytest.fixture(scope="module")
def cohort():
    return data.load("retrospective_cohort")


@pytest.fixture(scope="module")
def quoted(published, cohort):
    return summary.numbers(published, cohort)


def test_one_value_per_published_number_with_a_stable_key(quoted, published):
    for key in published["key"]:
        assert summary.glue_key(key) in quoted
    assert summary.glue_key("km.pfs.median.all") == "retro_km_pfs_median_all"


def test_computed_values_name_their_computation(quoted, published, cohort):
    q = quoted["retro_km_pfs_median_all"]
    assert q.computed == "km.pfs.median.all" and q.source is None
    curve = analysis.km(cohort, "pfs")
    assert q.text == f"{survival.r_signif(curve.median, decimal=',')}\u00a0mois"
    assert quoted["retro_text_patients_n_all"].text == str(len(cohort))
    assert quoted["retro_text_patients_n_adc"].text == "sept"  # counts below ten in words
    assert quoted["retro_km_pfs_median_anti_gprc5d"].text == "non atteinte"


def test_ci_phrase(quoted):
    assert quoted["retro_km_pfs_ci_all"].text == "IC à 95 % : 2,04 – 12,5\u00a0mois"
    assert quoted["retro_km_pfs_ci_car_t"].text.endswith("– non atteinte")


def test_numbers_the_cohort_cannot_give_are_quoted_as_printed(quoted, published):
    for key in ("text.deaths_infection_before_slt.covid19", "text.penta_exposed.n.all",
                "disc.retreated.pfs.belantamab"):
        q = quoted[summary.glue_key(key)]
        row = published[published["key"] == key].iloc[0]
        assert q.computed is None and q.source.resource == "retrospective_published"
        assert q.source.printed == row["as_printed"]
        assert q.source.line == int(published.index[published["key"] == key][0]) + 2
    assert quoted["retro_text_deaths_infection_before_slt_covid19"].text == "trois"


def test_real_cohort_changes_computed_values_only(published, cohort):
    other = cohort.copy()
    other["pfs_months"] = other["pfs_months"] * 1.5
    q = summary.numbers(published, other)
    assert q["retro_km_pfs_median_all"].text != "4,37\u00a0mois"
    assert q["retro_text_penta_exposed_n_all"].text == "16"  # printed, not computed


def test_no_patient_identifier(quoted, cohort):
    ids = set(cohort["patient_id"])
    assert not any(i in q.text for q in quoted.values() for i in ids)


def test_literature_keys_come_from_the_data(published):
    lit = summary.literature(data.load("retrospective_literature"))
    assert lit["retro_lit_vanoekelen_pfs_median"].text == "3,5\u00a0mois"
    assert lit["retro_lit_vanoekelen_n_patients"].text == "79"
    assert lit["retro_lit_rodriguezotero_os_median"].source.citation == "these2023"


def test_printed_numbers_keep_the_decimals_the_thesis_prints(published):
    # the discussion prints « 2,3 mois » where the results print « 2,14 » (IC 1,18-12,16):
    # restating the discussion quotes its own value, with its row
    got = summary.printed(published, ["disc.pfs.median.other_slt", "km.pfs.upper.other_slt"])
    disc = got["retro_printed_disc_pfs_median_other_slt"]
    assert disc.text == "2,3\u00a0mois" and disc.source.printed == "contre 2,3 mois"
    assert got["retro_printed_km_pfs_upper_other_slt"].text == "12,16"
    with pytest.raises(LookupError):
        summary.printed(published, ["absent.key"])
