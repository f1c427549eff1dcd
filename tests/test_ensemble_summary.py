"""What the published numbers determine (therapybook.study.ensemble): the printed survival
numbers have zero width over the shipped ensemble, the unprinted ones do not, and the
check catches a cohort that misses a printed number."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from therapybook import data
from therapybook.render import anchors
from therapybook.stats import survival
from therapybook.study import ensemble


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return data.load("retrospective_ensemble")


@pytest.fixture(scope="module")
def result(frame) -> ensemble.Summary:
    return ensemble.summarise(frame)


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    return data.load("retrospective_published")


def test_printed_survival_numbers_have_zero_width(result, published):
    check = ensemble.printed_check(result, published)
    assert len(check) == 31  # 8 curves of Table 2 + the text's two, 3 numbers each; the p
    assert check["width_zero"].all(), check[~check["width_zero"]]


def test_unprinted_quantities_spread(result):
    q = result.quantities
    for qid in ("pfs_12", "os_12", "hr_gprc5d", "p_class_pfs"):
        assert q[qid].max() > q[qid].min(), qid
    assert (q["hr_gprc5d_lower"] < q["hr_gprc5d"]).all()
    assert (q["hr_gprc5d"] < q["hr_gprc5d_upper"]).all()


def test_the_check_catches_a_cohort_that_misses_a_printed_number(frame, published):
    """Broken copy: one cohort's median PFS event moved by 0.01 month."""
    small = frame[frame["cohort"].isin(sorted(frame["cohort"].unique())[:3])].copy()
    seed = small["cohort"].iloc[0]
    rows = small.index[(small["cohort"] == seed) & small["pfs_months"].eq(4.37)
                       & small["pfs_event"].eq(1)]
    small.loc[rows, "pfs_months"] = 4.36
    check = ensemble.printed_check(ensemble.summarise(small), published)
    broken = check.set_index("key")["width_zero"]
    assert not broken["t2.pfs.median.all"]


def test_envelope_contains_every_curve_and_the_shipped_one(result, frame):
    for curve in ensemble.CURVES:
        env = result.envelope(curve)
        s = result.surv[curve]
        assert (env.low <= s).all() and (s <= env.high).all()
        assert (env.low <= env.central_low).all() and (env.central_high <= env.high).all()
    shipped = data.load("retrospective_cohort")
    _q, surv = ensemble.analyse(shipped, result.grid)
    env = result.envelope(("pfs", "all"))
    assert (env.low <= surv[("pfs", "all")]).all() and (surv[("pfs", "all")] <= env.high).all()


def test_rmst_is_the_area_under_the_step_curve():
    km = survival.kaplan_meier([1.0, 2.0, 3.0, 20.0], [1, 1, 0, 1])
    # S = 1 on [0,1), 0.75 on [1,2), 0.5 on [2,12]
    assert ensemble.rmst(km, 12.0) == pytest.approx(1 + 0.75 + 0.5 * 10)


def test_landmarks_and_logrank_of_one_cohort(frame, result):
    seed = int(frame["cohort"].iloc[0])
    cohort = frame[frame["cohort"] == seed]
    q, _ = ensemble.analyse(cohort, result.grid)
    pfs = cohort[cohort["pfs_months"].notna()]
    km = survival.kaplan_meier(pfs["pfs_months"].astype(float), pfs["pfs_event"].astype(int))
    assert q["pfs_6"] == float(km.survival_at(6)[0])
    test = survival.logrank(pfs["pfs_months"].astype(float), pfs["pfs_event"].astype(int),
                            pfs["anti_bcma_class"])
    assert q["p_class_pfs"] == test.p
    assert not math.isnan(q["hr_gprc5d"])


def test_tables_and_glue_values(result, published):
    shipped = data.load("retrospective_cohort")
    q, _ = ensemble.analyse(shipped, result.grid)
    table = ensemble.unprinted_table(result, q)
    assert list(table.iloc[:, 0]) == list(ensemble.UNPRINTED.values())
    assert all(" – " in cell for cell in table["Étendue (min – max)"])
    values = ensemble.numbers(result, ensemble.printed_check(result, published))
    assert values["ens_n"] == ("100", f"table:{ensemble.UNPRINTED_TABLE}")
    assert values["ens_printed_n"][1] == f"table:{ensemble.CHECK_TABLE}"
    anchored = ensemble.unprinted_anchors()
    assert len(anchored) == len(table) and len(set(anchored)) == len(anchored)
    for qid in ensemble.UNPRINTED:  # each range quoted by the prose links to its table row
        assert anchors.computation_id(values[f"ens_{qid}"][1]) in anchored
    assert values["ens_printed_zero"][0] == values["ens_printed_n"][0] == "31"
    assert set(values) == set(ensemble.placeholders())
    assert np.all(np.diff(result.grid) > 0)
