from therapybook import data
from therapybook.article import careteam


def test_every_actor_is_placed_and_every_link_is_granted():
    actors, links = data.load("acteurs"), data.load("acteurs_liens")
    placed = careteam.layout(actors)
    assert set(placed["actor_id"]) == set(actors["actor_id"])
    assert careteam.missing_grants(actors, links) == []


def test_arc_midpoint_is_the_chord_middle_for_a_straight_arc_and_offset_otherwise():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    x, y = careteam.arc_midpoint(ax, (0.2, 0.5), (0.8, 0.5), 0.0)
    assert abs(x - 0.5) < 1e-9 and abs(y - 0.5) < 1e-9
    x, y = careteam.arc_midpoint(ax, (0.2, 0.5), (0.8, 0.5), 0.35)
    assert abs(x - 0.5) < 1e-9 and y < 0.5  # bends below a left-to-right chord
    plt.close(fig)
