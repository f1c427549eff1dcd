"""Hand-checked Kaplan-Meier and log-rank examples (R's values worked out by hand)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from lifelines.statistics import logrank_test, multivariate_logrank_test

from therapybook.render import fmt
from therapybook.stats import survival

Z = 1.959963984540054


def test_ties_and_censoring_greenwood():
    # time 2: one death and one censoring tied — the censored subject is still at risk
    km = survival.kaplan_meier([1, 2, 2, 3, 4], [1, 1, 0, 1, 0])
    assert km.time.tolist() == [1, 2, 3, 4]
    assert km.n_risk.tolist() == [5, 4, 2, 1]
    assert km.n_event.tolist() == [1, 1, 1, 0]
    assert km.n_censor.tolist() == [0, 1, 0, 1]
    assert np.allclose(km.surv, [4 / 5, 3 / 5, 3 / 10, 3 / 10])
    var = np.cumsum([1 / (5 * 4), 1 / (4 * 3), 1 / (2 * 1), 0])
    assert np.allclose(km.std_err, np.sqrt(var))
    assert np.allclose(km.lower, km.surv * np.exp(-Z * np.sqrt(var)))
    assert np.allclose(km.upper, np.minimum(km.surv * np.exp(Z * np.sqrt(var)), 1))
    assert km.upper[0] == 1.0
    assert km.n == 5 and km.events == 3
    assert km.median == 3.0
    assert km.median_lower == 2.0  # lower band 0.6·exp(-1.96·0.342) = 0.307 < 0.5 at t = 2
    assert math.isnan(km.median_upper)


def test_plateau_exactly_at_half_takes_midpoint():
    km = survival.kaplan_meier([1, 2, 5, 9], [1, 1, 1, 1])
    assert km.surv[1] == 0.5
    assert km.median == (2 + 5) / 2
    assert km.quantile(0.5)[0] == 3.5


def test_plateau_at_half_until_the_end_print_and_quantile_differ():
    # S = 0.5 from t = 2 to the last (censored) time 6: print() says 2, quantile() says 4
    km = survival.kaplan_meier([1, 2, 6, 6], [1, 1, 0, 0])
    assert km.median == 2.0
    assert km.quantile(0.5)[0] == 4.0


def test_curve_reaching_zero_has_undefined_band():
    km = survival.kaplan_meier([1, 2, 3], [1, 1, 1])
    assert km.surv[-1] == 0.0
    assert math.isinf(km.std_err[-1])
    assert math.isnan(km.lower[-1]) and math.isnan(km.upper[-1])
    assert km.median == 2.0
    assert km.median_lower == 1.0
    assert math.isnan(km.median_upper)


def test_single_death_lower_limit_is_na():
    # the band is NaN at S = 0 and R's median CI ignores it
    km = survival.kaplan_meier([4.0], [1])
    assert km.median == 4.0 and math.isnan(km.median_lower)


def test_deaths_at_time_zero_give_zero_lower_limit():
    # 2 of 7 die at 0: S = 5/7, lower = 0.447 < 0.5 → LCL = 0 (printed 0.00 next to others)
    km = survival.kaplan_meier([0, 0, 1, 3.81, 4, 6, 8], [1, 1, 1, 1, 0, 1, 0])
    assert km.time[0] == 0 and km.n_event[0] == 2
    assert km.median_lower == 0.0
    assert km.median == 3.81
    other = survival.kaplan_meier([2.53, 3.88, 5, 9, 12], [1, 1, 1, 1, 0])
    rows = survival.median_row({"b": other, "adc": km}, decimal=",")
    assert rows["adc"]["0.95LCL"] == "0,00"
    assert rows["adc"]["median"] == "3,81"
    assert rows["adc"]["0.95UCL"] == "NA"


def test_all_censored():
    km = survival.kaplan_meier([1, 2, 3], [0, 0, 0])
    assert np.all(km.surv == 1) and np.all(km.std_err == 0)
    assert np.all(km.lower == 1) and np.all(km.upper == 1)
    assert math.isnan(km.median) and math.isnan(km.median_lower)
    assert fmt.months(km.median) == "non atteinte"
    assert km.r_print() == {"n": "3", "events": "0", "median": "NA", "0.95LCL": "NA",
                            "0.95UCL": "NA"}


def test_at_risk_and_survival_at():
    km = survival.kaplan_meier([1, 2, 2, 3, 4], [1, 1, 0, 1, 0])
    assert km.at_risk([0, 1, 1.5, 2, 3.5, 4, 10]).tolist() == [5, 5, 4, 4, 1, 1, 0]
    assert np.allclose(km.survival_at([0, 1, 1.5, 3, 99]), [1, 0.8, 0.8, 0.3, 0.3])
    times, s = km.censor_marks()
    assert times.tolist() == [2, 4] and np.allclose(s, [0.6, 0.3])


def test_inputs():
    km = survival.kaplan_meier(np.array([1.0, 2.0]), np.array([True, False]))
    assert km.events == 1
    with pytest.raises(ValueError):
        survival.kaplan_meier([1, float("nan")], [1, 1])
    with pytest.raises(ValueError):
        survival.kaplan_meier([1, 2], [1])
    # R's timefix: times equal within sqrt(eps) are merged
    assert survival.kaplan_meier([1.0, 1.0 + 1e-12, 2.0], [1, 1, 0]).time.size == 2


def test_r_format_like_print():
    assert survival.r_format([5.16, 2.53, 0.0]) == ["5.16", "2.53", "0.00"]
    assert survival.r_format([12.5, 4.37]) == ["12.50", "4.37"]
    assert survival.r_format([np.nan, 8.05]) == ["NA", "8.05"]
    assert survival.r_signif(14.4123) == "14.4"
    assert survival.r_signif(2.5) == "2.5"
    assert survival.r_signif(12.0) == "12"
    assert survival.r_signif(0.0123456) == "0.0123"
    assert survival.r_signif(4.3712, decimal=",") == "4,37"
    assert survival.r_signif(None) == "NA"


def test_logrank_two_groups_by_hand_and_lifelines():
    t = np.array([1, 2, 3, 4, 5, 6, 2, 4, 6, 8, 10, 12], float)
    e = np.array([1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0])
    g = np.array(["a"] * 6 + ["b"] * 6)
    lr = survival.logrank(t, e, g)
    ll = logrank_test(t[g == "a"], t[g == "b"], e[g == "a"], e[g == "b"])
    assert lr.df == 1
    assert lr.chisq == pytest.approx(ll.test_statistic, rel=1e-10)
    assert lr.p == pytest.approx(ll.p_value, rel=1e-10)
    assert lr.observed == (5.0, 4.0)
    assert sum(lr.expected) == pytest.approx(9.0)


def test_logrank_three_groups_equals_lifelines():
    rng = np.random.default_rng(3)
    t = np.round(rng.exponential(5, 40), 1)
    e = rng.random(40) < 0.7
    g = rng.integers(0, 3, 40)
    lr = survival.logrank(t, e, g)
    ll = multivariate_logrank_test(t, g, e)
    assert lr.df == 2
    assert lr.chisq == pytest.approx(ll.test_statistic, rel=1e-9)
    assert lr.p == pytest.approx(ll.p_value, rel=1e-9)


def test_logrank_degenerate():
    one = survival.logrank([1, 2, 3], [1, 0, 1], ["a", "a", "b"][:2] + ["b"])
    assert one.df == 1
    none = survival.logrank([1, 2, 3], [0, 0, 0], ["a", "b", "b"])
    assert none.df == -1 and none.chisq == 0 and math.isnan(none.p)


def test_median_ci_text_and_pandas_inputs():
    import pandas as pd

    df = pd.DataFrame({"t": pd.array([0, 0, 1, 3.81, 4, 6, 8], dtype="Float64"),
                       "e": pd.array([True, True, True, True, False, True, False],
                                     dtype="boolean"),
                       "g": ["adc"] * 7})
    km = survival.kaplan_meier(df["t"], df["e"])
    assert survival.median_ci_text(km) == "3,81 (0 – NA)"
    other = survival.kaplan_meier([2.53, 3.88, 5, 9, 12], [1, 1, 1, 1, 0])
    text = survival.median_ci_text({"bispecific": other, "adc": km})
    # R: print(survfit(Surv(t, e) ~ g)) → "5.00 3.88 NA" and "3.81 0.00 NA"
    assert text == {"bispecific": "5,00 (3,88 – NA)", "adc": "3,81 (0,00 – NA)"}
    assert survival.median_ci_text(km, na="non atteinte", decimal=".") == "3.81 (0 – non atteinte)"
    assert survival.logrank(df["t"], df["e"], pd.Series(["a", "b"] * 3 + ["a"])).df == 1


def test_kaplan_meier_by_groups_like_survfit_strata():
    t = np.array([1, 2, 3, 4, 5, 6], float)
    e = np.array([1, 1, 0, 1, 1, 0])
    g = np.array(["b", "a", "b", "a", "b", "a"])
    by = survival.kaplan_meier_by(t, e, g)
    assert list(by) == ["a", "b"] and all(type(k) is str for k in by)
    assert np.allclose(by["a"].surv, survival.kaplan_meier(t[g == "a"], e[g == "a"]).surv)


def test_logrank_singular_variance_is_nan_where_r_stops():
    # R: survdiff() → "Lapack routine dgesv: system is exactly singular"
    lr = survival.logrank([1, 1], [1, 1], ["a", "b"])
    assert lr.df == 1 and math.isnan(lr.chisq) and math.isnan(lr.p)


def test_estimates_and_numbers_at_risk_equal_lifelines():
    """lifelines, an independent implementation, agrees on what R and this module share:
    the Kaplan-Meier estimate and the numbers at risk (its band uses another transform)."""
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(7)
    for _ in range(60):
        n = int(rng.integers(3, 40))
        t = np.round(rng.exponential(6, n), 1)
        e = rng.random(n) < 0.7
        ours = survival.kaplan_meier(t, e)
        theirs = KaplanMeierFitter().fit(t, e)
        sf = theirs.survival_function_.iloc[:, 0]
        assert np.allclose(ours.surv, sf.loc[ours.time].to_numpy())
        table = theirs.event_table.loc[ours.time]
        assert ours.n_risk.tolist() == table["at_risk"].astype(int).tolist()
        assert ours.n_event.tolist() == table["observed"].astype(int).tolist()
