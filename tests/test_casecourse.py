"""Clinical timelines: events by rank in the narrative, PETVasc scores as printed."""

from therapybook import data
from therapybook.thesis import casecourse


def test_positions_follow_the_narrative_order():
    events = data.load("cas_cliniques")
    pos = casecourse.positions(events, 1)
    assert list(pos["position"]) == list(range(len(pos)))
    assert list(pos["order"]) == sorted(pos["order"])


def test_petvasc_scores_of_case_one():
    points = casecourse.petvasc_points(data.load("cas_cliniques"), 1)
    scores = [s for s in points["petvasc_score"] if s == s]
    assert scores == [27.0, 23.0]
    assert bool(points["relapse"].iloc[-1]) is True


def test_each_treatment_is_one_event():
    # the thesis gives ceftriaxone once (2 g/j, 14 days); the presumed infectious arteritis
    # explains that same treatment, it is not a second course
    events = data.load("cas_cliniques")
    for case, rows in events.groupby("case"):
        drugs = [str(t).split()[0].lower() for t in rows["treatment"].dropna()]
        assert len(drugs) == len(set(drugs)), (case, drugs)
