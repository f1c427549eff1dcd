"""GRIM-style audit of the thesis's published numbers (Table 2 and text of III.1).

Expected values are derived here from the published numbers with plain arithmetic (or
stated by hand for a tiny table), never read back from the audit's own output.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from therapybook import data
from therapybook.stats import survival
from therapybook.stats.quantiles import quantile7, type7_position
from therapybook.study import audit
from therapybook.study.wording import Wording, classes


@pytest.fixture(scope="module")
def published():
    return data.load("retrospective_published")


@pytest.fixture(scope="module")
def wording():
    return Wording(data.load("retrospective_codes"), data.load("retrospective_wording"))


@pytest.fixture(scope="module")
def found(published, wording):
    return {f.id: f for f in audit.findings(published, wording)}


def value(published, key):
    return float(published.loc[published["key"] == key, "value"].iloc[0])


# ---------------------------------------------------------------- arithmetic


def test_rounding_rules():
    assert audit.round_half_up(2.5) == 3 and audit.round_half_even(2.5) == 2
    assert audit.roundings(8.05, 1) == {8.1, 8.0}
    assert audit.round_half_up(100 * 1 / 8) == 13  # 12.5 → 13 half up, 12 half even
    assert audit.percent_ok(1, 8, 12) and audit.percent_ok(1, 8, 13)


def test_percent_ok_examples_from_the_table():
    assert audit.percent_ok(17, 31, 55)
    assert audit.percent_ok(39, 45, 87)
    assert not audit.percent_ok(6, 7, 43)
    assert not audit.percent_ok(18, 45, 39)
    assert not audit.percent_ok(5, 4, 100)  # more cases than patients


def test_denominators_for():
    assert audit.denominators_for(6, 43, upto=50) == [14]
    assert audit.denominators_for(1, 7, upto=50) == [14, 15]
    assert audit.denominators_for(2, 21, upto=500) == []
    assert audit.denominators_for(9, 56, upto=50) == [16]
    assert audit.denominators_for(0, 0, upto=3) == [1, 2, 3]


def test_type7_positions_match_r():
    # R: quantile(1:18, c(.25, .5, .75)) = 5.25 9.5 13.75 → positions 5 + .25, 9 + .5, 13 + .75
    assert type7_position(18, 0.25) == (5, pytest.approx(0.25))
    assert type7_position(18, 0.5) == (9, pytest.approx(0.5))
    assert type7_position(45, 0.25) == (12, pytest.approx(0.0))
    assert type7_position(7, 0.75) == (5, pytest.approx(0.5))
    assert [quantile7(range(1, 19), p) for p in (0.25, 0.5, 0.75)] == [5.25, 9.5, 13.75]


def test_quantile_attainable():
    assert audit.quantile_attainable(63, 45, 0.5)
    assert audit.quantile_attainable(3.5, 7, 0.25, digits=1)  # (3 + 4) / 2
    assert not audit.quantile_attainable(3.3, 7, 0.25, digits=1)  # halves only
    assert not audit.quantile_attainable(62.5, 45, 0.5, digits=1)  # a data value
    assert audit.quantile_attainable(5.25, 18, 0.25, digits=2)


def test_null_lower_limit_needs_two_deaths_at_zero_among_seven():
    assert survival.deaths_at_zero_for_null_lower(7) == 2
    assert survival.deaths_at_zero_for_null_lower(2) is None
    # R prints a lower limit of 0 with two deaths at 0 among 7, not with one
    two = survival.kaplan_meier([0, 0, 1, 2, 3, 4, 5], [1] * 7)
    one = survival.kaplan_meier([0, 1, 2, 3, 4, 5, 6], [1] * 7)
    assert two.median_lower == 0 and one.median_lower > 0


def test_r_significant_digits():
    assert audit.r_significant_ok(12.5) and audit.r_significant_ok(0.0)
    assert not audit.r_significant_ok(12.16)
    assert audit.significant_digits(12.16) == 4 and audit.significant_digits(0.0) == 1


# ---------------------------------------------------------------- the published table


def test_every_check_has_keys_that_exist(published):
    table = audit.checks(published, data.load("retrospective_identities"))
    keys = set(published["key"])
    for joined in table["keys"]:
        assert set(joined.split(";")) <= keys


def test_row_sums_cover_every_table2_row(published):
    table = audit.checks(published)
    sums = table[table["check"] == "somme des colonnes"]
    t2 = published[published["key"].str.startswith("t2.") & (published["quantity"] == "count")]
    cols = {"all", *classes()}
    complete = [v for v, g in t2.groupby("variable") if set(g["population"]) >= cols]
    assert len(sums) == len(complete) and len(complete) > 10
    assert sums["ok"].all()


def test_quantile_checks_cover_every_median_cell(published):
    table = audit.checks(published)
    q = table[table["check"].isin(["quantile atteignable", "ordre des quartiles"])]
    t2 = published[published["key"].str.startswith("t2.")
                   & published["quantity"].isin(["median", "q1", "q3"])]
    groups = t2.groupby(["variable", "population"]).ngroups
    assert len(q) == 4 * groups  # q1, median, q3 attainable, then their order
    assert q["ok"].all()


def test_expected_findings(found, wording):
    for fid in [
        "grim-t2.triple_refractory.pct.adc", "grim-t2.penta_refractory.pct.adc",
        "grim-t2.high_risk_cytogenetics.pct.adc", "entete-pourcentage-car_t",
        "entete-pourcentage-adc", "entete-somme", "conflit-disc.pfs.median.other_slt",
        "definition-penta-refractaire", "numerotation-figure", "population-sg",
        "denominateurs-extramedullary", "denominateurs-high_risk_cytogenetics",
        "format-km.pfs.upper.other_slt", "sg-adc-borne-nulle",
    ]:
        assert fid in found, fid
    assert {f.verdict for f in found.values()} <= set(wording.labels("verdict"))
    assert all(f.what and f.evidence and f.correction for f in found.values())


def test_triple_refractory_adc(found, published):
    f = found["grim-t2.triple_refractory.pct.adc"]
    n = int(value(published, "t2.triple_refractory.n.adc"))
    d = int(value(published, "t2.patients.n.adc"))
    printed = value(published, "t2.triple_refractory.pct.adc")
    assert f.verdict == "impossible"
    assert f.values["n"] == n and f.values["d"] == d
    assert f.values["denominators"] == tuple(audit.denominators_for(n, printed))
    assert min(f.values["denominators"]) > d  # only a denominator above N fits
    right = round(100 * n / d)
    assert f.corrections == {"t2.triple_refractory.pct.adc": (float(right),)}
    assert f.correction == f"« {n} ({right}) »"


def test_penta_adc_has_no_denominator(found, published):
    f = found["grim-t2.penta_refractory.pct.adc"]
    assert f.values["denominators"] == ()
    n, d = int(value(published, "t2.penta_refractory.n.adc")), int(value(published,
                                                                         "t2.patients.n.adc"))
    assert f.corrections["t2.penta_refractory.pct.adc"] == (float(round(100 * n / d)),)


def test_header_percent_and_sum(found, published):
    f = found["entete-pourcentage-car_t"]
    n, total = value(published, "t2.patients.n.car_t"), value(published, "t2.patients.n.all")
    assert f.values["ratio"] == f"{100 * n / total:.1f}".replace(".", ",")
    assert f.corrections == {"t2.patients.pct.car_t": (float(round(100 * n / total)),)}
    printed = sum(value(published, f"t2.patients.pct.{c}") for c in classes())
    assert printed != 100 and found["entete-somme"].values["total"] == int(printed)


def test_extramedullary_cells_possible_alone_but_not_together(found):
    assert found["grim-t2.extramedullary.pct.car_t"].verdict == "ambigu"
    assert found["grim-t2.extramedullary.pct.all"].verdict == "ambigu"
    joint = found["denominateurs-extramedullary"]
    assert joint.verdict == "impossible"
    assert joint.corrections["t2.extramedullary.pct.car_t"] is None
    assert "t2.extramedullary.pct.all" not in joint.corrections  # possible on its own
    feasible = joint.values["feasible"]
    assert sum(feasible[c][0] for c in classes()) not in feasible["all"]


def test_cytogenetics_declared_evaluable_contradicts_class_percentages(found, published):
    f = found["denominateurs-high_risk_cytogenetics"]
    declared = value(published, "text.high_risk_cytogenetics.evaluable.all")
    need = sum(min(audit.denominators_for(
        int(value(published, f"t2.high_risk_cytogenetics.n.{c}")),
        value(published, f"t2.high_risk_cytogenetics.pct.{c}"),
        upto=int(value(published, f"t2.patients.n.{c}"))) or [0]) for c in classes())
    assert f.values["need"] == need and need > declared


def test_correct_cells_raise_nothing(found):
    concerned = {k for f in found.values() for k in f.keys}
    for key in ["t2.prior_autograft.pct.adc", "t2.refractory_pomalidomide.pct.car_t",
                "t2.subsequent_line.none.pct.adc", "text.received_slt.pct"]:
        assert key not in concerned


def test_rounded_repeats_are_not_conflicts(found):
    # 8,05 in the table and "8,1 mois" in the text; 6,28 and "6,3 mois"
    assert not any(f.id.startswith("conflit-km.os.median.car_t") for f in found.values())
    assert "conflit-disc.os.median.all" not in found


def test_findings_index(found):
    index = audit.findings_by_key(list(found.values()))
    assert "grim-t2.triple_refractory.pct.adc" in [f.id for f in
                                                   index["t2.triple_refractory.pct.adc"]]


def test_identities_between_passages_hold(published):
    identities = data.load("retrospective_identities")
    table = audit.checks(published, identities)
    ids = table[table["check"] == "somme entre passages"]
    assert len(ids) == len(identities)
    assert ids["ok"].all(), ids[~ids["ok"]]["detail"].tolist()


def test_a_broken_identity_is_caught(published):
    wrong = published.copy()
    wrong.loc[wrong["key"] == "text.received_slt.n", "value"] = 29.0
    table = audit.checks(wrong, data.load("retrospective_identities"))
    ids = table[table["check"] == "somme entre passages"]
    assert (~ids["ok"]).sum() >= 2  # 40 = 10 + 29 and lines = 29 both fail


# ---------------------------------------------------------------- a table made by hand


def _table(**cells) -> pd.DataFrame:
    """Header N = 10 (4, 4, 2) and one characteristic row « n (pct) » per column."""
    base = dict(label="x", as_printed="x", source_section="III.1.3", citation="these2023")
    rows = [dict(base, key=f"t2.patients.n.{c}", quantity="count", variable="patients",
                 population=c, value=n, denominator=None, locator=f"en-tête {c}")
            for c, n in {"all": 10, "car_t": 4, "bispecific": 4, "adc": 2}.items()]
    for c, (n, pct) in cells.items():
        loc = f"ligne x, colonne {c}"
        head = {"all": 10, "car_t": 4, "bispecific": 4, "adc": 2}[c]
        printed = f"{n} ({pct})"
        rows += [dict(base, key=f"t2.extramedullary.n.{c}", quantity="count",
                      variable="extramedullary", population=c, value=n, denominator=None,
                      locator=loc, as_printed=printed),
                 dict(base, key=f"t2.extramedullary.pct.{c}", quantity="percent",
                      variable="extramedullary", population=c, value=pct, denominator=head,
                      locator=loc, as_printed=printed)]
    df = pd.DataFrame(rows)
    df["value"] = df["value"].astype(float)
    return df


def test_hand_table_consistent_raises_no_grim_or_joint_finding():
    ok = _table(all=(5, 50), car_t=(2, 50), bispecific=(2, 50), adc=(1, 50))
    table = audit.checks(ok)
    assert table[table["check"] == "pourcentage"]["ok"].all()
    assert table[table["check"] == "somme des colonnes"]["ok"].all()
    ids = [f.id for f in (audit._grim_findings(ok, Wording())
                          + audit._joint_denominators(ok, Wording()))]
    assert ids == []


def test_hand_table_impossible_cell_and_wrong_sum():
    bad = _table(all=(6, 60), car_t=(2, 50), bispecific=(2, 50), adc=(1, 33))
    table = audit.checks(bad).set_index("keys")
    assert not table.loc["t2.extramedullary.n.adc;t2.extramedullary.pct.adc", "ok"]
    sums = table[table["check"] == "somme des colonnes"]
    assert list(sums["ok"]) == [True, False]  # header row, then 2 + 2 + 1 ≠ 6
    grim = {f.id: f for f in audit._grim_findings(bad, Wording())}
    f = grim["grim-t2.extramedullary.pct.adc"]
    assert f.verdict == "impossible" and f.corrections == {"t2.extramedullary.pct.adc": (50.0,)}
    assert f.values["denominators"] == (3,)  # 1/3 = 33 %, a column of 3 > N = 2


def test_texts_have_no_unfilled_field(found):
    for f in found.values():
        for text in (f.what, f.published, f.evidence, f.correction):
            assert not re.search(r"\{\w+\}(?!`)", text), (f.id, text)
