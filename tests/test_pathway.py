"""CAR-T pathway: steps placed on a time axis only when the article gives a time."""

from therapybook import data
from therapybook.article import pathway


def test_undated_steps_stay_on_an_ordinal_axis():
    pos = pathway.positions(data.load("parcours_car_t"))
    first = pos.iloc[0]
    assert first["panel"] == "sequence" and not first["start_given"]
    assert list(pos["start"][:3]) == [0.0, 1.0, 2.0]


def test_time_labels_and_durations():
    assert pathway.time_point(day=-6) == "J-6"
    assert pathway.time_point(month=3) == "M3"
    assert pathway.duration(120) == "2\u00a0h"
    assert pathway.duration(45) == "45\u00a0min"
