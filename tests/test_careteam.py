"""Actors of the care pathway: every authority has its edge, tables and lists read in French,
and the relations are those the article states (none added by deduction)."""

import pandas as pd

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
    assert lines[9].startswith("10. Équipe clinique et hématologue référent → Réanimateurs")
    for line in lines:
        assert ") (" not in line, line  # no stacked brackets either
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


def test_the_pharmacy_orders_without_a_deduced_supplier():
    """The article gives the PUI the ordering of the product, not whom it orders from: no
    arrow « PUI → Fabricant » (an inference), the role stays in the table."""
    links = data.load("acteurs_liens")
    actors = data.load("acteurs").set_index("actor_id")
    assert "pui" not in set(links["source"]) | set(links["target"])
    assert "commande" not in set(links["relation"])
    assert actors.at["pui", "role"].startswith("Commande le médicament")


def test_the_rcp_that_decides_is_not_the_national_rcp():
    """Eligibility is decided in an RCP whatever the setting; the national MATHEC-SFGM-TC RCP
    is offered to every clinician (and coordinated by the CRMR), not the deciding body."""
    actors = data.load("acteurs").set_index("actor_id")
    links = data.load("acteurs_liens")
    assert "Retient" in actors.at["rcp", "role"]
    assert "Retient" not in actors.at["rcp_mathec", "role"]
    assert "mise à la disposition de tout clinicien" in actors.at["rcp_mathec", "role"]
    to_rcp = links[links["target"].isin(["rcp", "rcp_mathec"])]
    assert set(zip(to_rcp["source"], to_rcp["target"], strict=True)) == {
        ("referent_mai", "rcp"), ("crmr_mathec", "rcp_mathec")}
    assert set(links.loc[links["source"] == "rcp", "target"]) == {"equipe_jacie"}
    steps = data.load("parcours_car_t").set_index("step_id")
    assert steps.at["rcp", "actor_id"] == "rcp" and steps.at["adaptation", "actor_id"] == "rcp"


def test_an_authority_joins_a_bracket_rather_than_stacking_one():
    actors = pd.DataFrame({
        "actor_id": ["x"], "authorisation": ["Label (plan national)"], "authority": ["DGOS"],
        "legal_text": [None], "since": [None], "since_kind": [None]})
    assert careteam.authorisations(actors).tolist() == ["Label (plan national, DGOS)"]
    held = careteam.authorisations(data.load("acteurs"))
    assert not any(") (" in h for h in held)


def test_no_relation_repeats_the_articles_words_on_the_2021_decree():
    """13 words ran as in the article (« l'administration de CAR-T cells autologues, selon
    l'arrêté du 19 mai 2021 »)."""
    label = data.load("acteurs_liens").set_index("edge_id").at[15, "label"]
    assert "19 mai 2021" in label and "selon l'arrêté" not in label
