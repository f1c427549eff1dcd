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
