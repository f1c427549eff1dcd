"""Aggregated chapter numbers of the retrospective cohort."""

from __future__ import annotations

from therapybook import data
from therapybook.stats import survival
from therapybook.study import summary


def test_km_phrase_prints_like_r_in_french():
    km = survival.kaplan_meier([1, 2, 3, 4, 5], [1, 1, 1, 0, 0])
    assert summary.km_phrase(km).startswith("3\u00a0mois (IC à 95 % : 2 – NA)")
    never = survival.kaplan_meier([1, 2, 3, 4], [1, 0, 0, 0])
    assert summary.km_phrase(never).startswith("non atteinte")
    assert summary.km_phrase(None) == "non calculable"


def test_numbers_are_aggregates_of_the_shipped_cohort():
    cohort = data.load("retrospective_cohort")
    out = summary.numbers(cohort)
    assert out["retro_n"] == "45"
    assert out["retro_pfs_all"] == "4,37\u00a0mois (IC à 95 % : 2,04 – 12,5)"
    assert out["retro_os_adc"].startswith("3,81\u00a0mois (IC à 95 % : 0 – NA)")
    assert out["retro_logrank_p"] == "p\u00a0=\u00a00,024"
    ids = set(cohort["patient_id"])
    assert not any(i in v for v in out.values() for i in ids)


def test_published_and_literature_numbers():
    pub = summary.published_numbers(data.load("retrospective_published"))
    assert pub["retro_pub_os_n"] == "40" and pub["retro_pub_supportive"] == "10/40"
    assert pub["retro_pub_os_pfs_gap"] == "1,91\u00a0mois"
    lit = summary.literature(data.load("retrospective_literature"))
    assert lit["retro_lit_vanoekelen_pfs_median"] == "3,5\u00a0mois"
