"""Actors of the care pathway: every authority has its edge, tables and lists read in French,
and the relations are those the article states (none added by deduction)."""

from therapybook import data
from therapybook.article import careteam


def test_every_authority_has_its_authorising_edge():
    actors, links = data.load("acteurs"), data.load("acteurs_liens")
    assert careteam.missing_grants(actors, links) == []
    broken = links[links["relation"] != "autorise"]
    assert careteam.missing_grants(actors, broken) != []


def test_authorisations_are_phrases_not_raw_fields():
    actors = data.load("acteurs").set_index("actor_id", drop=False)
    held = careteam.authorisations(actors)
    assert held["unite_therapie_cellulaire"] == (
        "Autorisation d'établissement (ANSM) ; arrêté du 27 octobre 2011")
    assert held["crmr_mathec"].endswith("(DGOS) ; depuis 2017")
    assert held["rcp_mathec"] == "en place depuis 2007"  # the RCP's creation, not its openness
    assert held["referent_mai"] == ""
    assert not any("délivrée par" in h or "accredite" in h for h in held)


def test_relations_list_is_numbered_as_the_figure_without_nested_parentheses():
    actors, links = data.load("acteurs"), data.load("acteurs_liens")
    text = careteam.relations_list(actors, links)
    lines = text.strip().splitlines()
    assert [int(line.split(".")[0]) for line in lines] == list(range(1, len(links) + 1))
    assert lines[9] == "10. Pharmacie à usage intérieur → Fabricant : commande le médicament " \
                       "(CAR-T cells)."
    for line in lines:
        depth = 0
        for ch in line:
            depth += {"(": 1, ")": -1}.get(ch, 0)
            assert depth <= 1, line
    assert "{cite}`art04yakoubagha2023,art05greco2024`" in lines[4]
    assert "castillallorente2025" not in text


def test_no_relation_is_deduced_and_the_manufacturer_is_a_car_t_actor():
    links = data.load("acteurs_liens")
    actors = data.load("acteurs").set_index("actor_id")
    assert "transmet" not in set(links["relation"])
    assert actors.at["fabricant", "therapy"] == "car_t"
    for row in links.itertuples():
        if "fabricant" in (row.source, row.target):
            assert row.therapy == "car_t", row
    assert actors.at["ansm", "actor"] == "Agence nationale de sécurité du médicament (ANSM)"
    assert "leucaphérèse" not in actors.at["ide_coordination", "role"]
