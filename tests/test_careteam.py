from therapybook import careteam, data


def test_every_actor_is_placed_and_every_link_is_granted():
    actors, links = data.load("acteurs"), data.load("acteurs_liens")
    placed = careteam.layout(actors)
    assert set(placed["actor_id"]) == set(actors["actor_id"])
    assert careteam.missing_grants(actors, links) == []
