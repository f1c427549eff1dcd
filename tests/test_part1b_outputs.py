"""Part I, chapters 5, 8 and 9: case timelines, stated values, and the provenance of every
table and figure these chapters publish (the latter on the session's scratch book)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from therapybook import data
from therapybook.render import stated
from therapybook.thesis import casecourse

# name -> data-package resources it must be computed from
OUTPUTS = {
    ("table", "perspectives-leviers"): {"perspectives_leviers"},
    ("table", "perspectives-associations"): {"perspectives_associations"},
    ("figure", "irae-chronologie-cas1"): {"cas_cliniques", "cas_cliniques_patients"},
    ("figure", "irae-chronologie-cas2"): {"cas_cliniques", "cas_cliniques_patients"},
}


def _events(rows):
    cols = ["case", "order", "time", "time_detail", "category", "event", "investigation",
            "treatment", "outcome", "petvasc_score", "petvasc_max", "imaging_relapse"]
    rows = [r + [None] for r in rows]
    cols = [*cols, "value"]
    return pd.DataFrame(rows, columns=cols)


# ------------------------------------------------------------------ unit tests
def test_positions_are_ordinal_and_sorted_by_rank():
    ev = _events([
        [1, 3, "", "", "imaging", "c", "", "", "", None, None, None],
        [1, 1, "C1", "", "treatment", "a", "", "", "", None, None, None],
        [2, 1, "", "", "clinical", "z", "", "", "", None, None, None],
        [1, 2, "C13", "", "outcome", "b", "", "", "", None, None, None],
    ])
    pos = casecourse.positions(ev, 1)
    assert list(pos["event"]) == ["a", "b", "c"]
    assert list(pos["position"]) == [0, 1, 2]


def test_duplicate_rank_or_unknown_category_fails_loudly():
    dup = _events([[1, 1, "", "", "clinical", "a", "", "", "", None, None, None],
                   [1, 1, "", "", "clinical", "b", "", "", "", None, None, None]])
    with pytest.raises(ValueError, match="double"):
        casecourse.positions(dup, 1)
    bad = _events([[1, 1, "", "", "astrologie", "a", "", "", "", None, None, None]])
    with pytest.raises(ValueError, match="inconnue"):
        casecourse.positions(bad, 1)
    with pytest.raises(ValueError):
        casecourse.positions(bad, 9)


def test_petvasc_points_keep_scores_and_relapse_without_inventing_a_score():
    pts = casecourse.petvasc_points(data.load("cas_cliniques"), 1)
    assert list(pts["petvasc_score"].dropna()) == [27.0, 23.0]
    assert set(pts["petvasc_max"].dropna()) == {48}
    last = pts.iloc[-1]
    assert bool(last["relapse"]) and pd.isna(last["petvasc_score"])
    assert list(pts["position"]) == sorted(pts["position"])
    assert casecourse.petvasc_points(data.load("cas_cliniques"), 2).empty


def test_cycle_words_and_alt_text():
    ev = data.load("cas_cliniques")
    assert casecourse.cycle_words("C1") == "premier cycle"
    assert casecourse.cycle_words("C11") == "11e cycle"
    assert casecourse.cycle_words("M+2") == "M+2"
    alt = casecourse.alt_text(ev, 1, "vascularite")
    assert "27/48 puis 23/48 puis rechute sans score" in alt
    assert f"{(ev['case'] == 1).sum()} évènements" in alt


def test_case_times_are_only_those_printed():
    ev = data.load("cas_cliniques")
    times = set(ev["time"].dropna())
    assert times <= {"C1", "C11", "C12", "C13", "S+8", "M+2", "1995"}


def test_case_quotes_are_named_by_event_id():
    quoted = casecourse.quotes(data.load("cas_cliniques"), data.load("cas_cliniques_patients"))
    assert quoted["c1_biology_value"][0] == "8 mg/l"
    assert quoted["c1_fig23_value"][0] == "4 mois"
    assert quoted["c1_scr_time"][0] == "13e cycle"
    assert quoted["cas1_line_of_treatment"][0] == "neuvième"
    text, src = quoted["c1_ceftriaxone_treatment"]
    assert text == "ceftriaxone 2 g/j pendant 14 jours" and src.resource == "cas_cliniques"


def test_stated_values():
    assert stated.value(60, 67, "%") == "60–67\u00a0%"
    assert stated.value(20.9, unit="mois") == "20,9\u00a0mois"
    assert stated.value(None, None, "%") == ""


# ------------------------------------------------------------------ built book
@pytest.mark.build
@pytest.mark.parametrize(("kind", "name"), sorted(OUTPUTS))
def test_output_has_provenance_with_its_inputs(book, kind, name):
    record = book / "_build" / "provenance" / f"{kind}-{name}.json"
    assert record.exists(), record
    rec = json.loads(record.read_text(encoding="utf-8"))
    assert {i["resource"] for i in rec["inputs"]} == OUTPUTS[(kind, name)]
    assert all(not i["synthetic"] for i in rec["inputs"])
    if kind == "figure":
        assert {o["path"].rsplit(".", 1)[1] for o in rec["outputs"]} == {"svg", "png"}


def test_case_timeline_follows_its_events_table(book, rebuilt_book):
    """conftest.CHANGES["case_event"]: one event of case 1 renamed."""
    record = "_build/provenance/figure-irae-chronologie-cas1.json"
    svg = "figures/irae-chronologie-cas1.svg"
    assert "Oligoarthrite récidivante" in (book / "data/these/cas_cliniques.csv").read_text(
        encoding="utf-8")
    after = rebuilt_book.book
    assert (after / svg).read_bytes() != (book / svg).read_bytes()
    assert (after / record).read_text(encoding="utf-8") != (book / record).read_text(
        encoding="utf-8")
