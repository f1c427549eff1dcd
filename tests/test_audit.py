"""GRIM-style audit of the thesis's published numbers (Table 2 and text of III.1)."""

from __future__ import annotations

import pytest

from therapybook import data
from therapybook.study import audit


@pytest.fixture(scope="module")
def published():
    return data.load("retrospective_published")


@pytest.fixture(scope="module")
def found(published):
    return {f.id: f for f in audit.findings(published)}


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
    assert audit.type7_position(18, 0.25) == (5, pytest.approx(0.25))
    assert audit.type7_position(18, 0.5) == (9, pytest.approx(0.5))
    assert audit.type7_position(45, 0.25) == (12, pytest.approx(0.0))
    assert audit.type7_position(7, 0.75) == (5, pytest.approx(0.5))


def test_quantile_attainable():
    assert audit.quantile_attainable(63, 45, 0.5)
    assert audit.quantile_attainable(3.5, 7, 0.25, digits=1)  # (3 + 4) / 2
    assert not audit.quantile_attainable(3.3, 7, 0.25, digits=1)  # halves only
    assert not audit.quantile_attainable(62.5, 45, 0.5, digits=1)  # a data value
    assert audit.quantile_attainable(5.25, 18, 0.25, digits=2)


def test_null_lower_limit_needs_two_deaths_at_zero_among_seven():
    assert audit.min_deaths_at_zero_for_null_lower(7) == 2
    assert audit.min_deaths_at_zero_for_null_lower(2) is None


def test_r_significant_digits():
    assert audit.r_significant_ok(12.5) and audit.r_significant_ok(0.0)
    assert not audit.r_significant_ok(12.16)


# ---------------------------------------------------------------- the published table


def test_every_check_has_keys_that_exist(published):
    table = audit.checks(published)
    keys = set(published["key"])
    assert len(table) > 100
    for joined in table["keys"]:
        assert set(joined.split(";")) <= keys


def test_row_sums_hold_for_table2(published):
    table = audit.checks(published)
    sums = table[table["check"] == "somme des colonnes"]
    assert len(sums) == 18  # header + 9 characteristics + 8 subsequent-line rows
    assert sums["ok"].all()


def test_medians_and_iqr_are_attainable(published):
    table = audit.checks(published)
    q = table[table["check"].isin(["quantile atteignable", "ordre des quartiles"])]
    assert len(q) == 32 and q["ok"].all()


def test_expected_findings(found):
    for fid in [
        "grim-t2.triple_refractory.pct.adc",
        "grim-t2.penta_refractory.pct.adc",
        "grim-t2.high_risk_cytogenetics.pct.adc",
        "entete-pourcentage-car_t",
        "entete-pourcentage-adc",
        "entete-somme",
        "conflit-disc.pfs.median.other_slt",
        "definition-penta-refractaire",
        "numerotation-figure",
        "population-sg",
        "denominateurs-extramedullary",
        "denominateurs-high_risk_cytogenetics",
        "format-km.pfs.upper.other_slt",
    ]:
        assert fid in found, fid
    assert set(f.verdict for f in found.values()) <= set(audit.VERDICTS)


def test_triple_refractory_adc_evidence(found):
    f = found["grim-t2.triple_refractory.pct.adc"]
    assert f.verdict == "impossible"
    assert "6/7 = 85,7 %" in f.evidence and "14" in f.evidence
    assert f.corrections == {"t2.triple_refractory.pct.adc": (86.0,)}
    assert f.correction == "« 6 (86) »"


def test_penta_adc_has_no_denominator(found):
    f = found["grim-t2.penta_refractory.pct.adc"]
    assert "aucun dénominateur entier" in f.evidence
    assert f.corrections["t2.penta_refractory.pct.adc"] == (29.0,)


def test_header_percent(found):
    f = found["entete-pourcentage-car_t"]
    assert "18/45 = 40,0 %" in f.evidence
    assert f.corrections == {"t2.patients.pct.car_t": (40.0,)}
    assert "98" in found["entete-somme"].evidence


def test_extramedullary_cells_possible_alone_but_not_together(found):
    assert found["grim-t2.extramedullary.pct.car_t"].verdict == "ambigu"
    assert found["grim-t2.extramedullary.pct.all"].verdict == "ambigu"
    joint = found["denominateurs-extramedullary"]
    assert joint.verdict == "impossible"
    assert joint.corrections["t2.extramedullary.pct.car_t"] is None
    assert "t2.extramedullary.pct.all" not in joint.corrections  # possible on its own (44)


def test_cytogenetics_declared_31_contradicts_class_percentages(found):
    f = found["denominateurs-high_risk_cytogenetics"]
    assert "31" in f.evidence and "38" in f.evidence


def test_correct_cells_raise_nothing(found):
    concerned = {k for f in found.values() for k in f.keys}
    for key in ["t2.prior_autograft.pct.adc", "t2.refractory_pomalidomide.pct.car_t",
                "t2.subsequent_line.none.pct.adc", "text.received_slt.pct"]:
        assert key not in concerned


def test_rounded_repeats_are_not_conflicts(found):
    # 8,05 in the table and "8,1 mois" in the text; 6,28 and "6,3 mois"
    assert not any(f.id.startswith("conflit-km.os.median.car_t") for f in found.values())
    assert "conflit-disc.os.median.all" not in found


def test_findings_frame_and_index(found):
    frame = audit.findings_frame(list(found.values()))
    assert list(frame.columns) == ["id", "what", "published", "evidence", "verdict",
                                   "correction", "keys"]
    index = audit.findings_by_key(list(found.values()))
    assert "grim-t2.triple_refractory.pct.adc" in [f.id for f in
                                                   index["t2.triple_refractory.pct.adc"]]


def test_identities_between_passages_hold(published):
    table = audit.checks(published)
    ids = table[table["check"] == "somme entre passages"]
    assert len(ids) == len(audit.IDENTITIES)
    assert ids["ok"].all(), ids[~ids["ok"]]["detail"].tolist()
