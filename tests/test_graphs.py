"""Graphviz diagrams: the actors network is laid out by dot, and its SVG is checked for what a
reader sees (no line through a foreign box, no number on a box or another number, no cut
word), with byte-stable output."""

from __future__ import annotations

import re

import pytest

from therapybook import data
from therapybook.article import careteam, codes
from therapybook.plots import graphs


@pytest.fixture(scope="module")
def network():
    actors, links = data.load("acteurs"), data.load("acteurs_liens")
    return actors, links, careteam.network_figure(actors, links)


def test_wrap_breaks_at_spaces_only():
    assert graphs.wrap("Autres professionnels et structures", 12) == [
        "Autres", "professionnels", "et", "structures"]
    assert graphs.wrap("RCP nationale MATHEC-SFGM-TC", 14) == ["RCP nationale", "MATHEC-SFGM-TC"]


def test_network_svg_has_the_layers_nodes_and_numbered_relations(network):
    actors, links, drawing = network
    svg = drawing.svg()
    geo = graphs.geometry(svg)
    assert len(geo.nodes) == len(actors)
    assert sorted(geo.node_text) == sorted(drawing.labels)
    # every relation is drawn, and its number is shown once
    assert sorted(geo.labels, key=lambda k: int(k.removeprefix("relation"))) == [
        f"relation{k}" for k in range(1, len(links) + 1)]
    shown = sorted(int(t) for t in re.findall(r'<text[^>]*font-size="7.50"[^>]*>(\d+)</text>',
                                              svg))
    assert shown == sorted(links["edge_id"])
    assert all(len(points) > 20 for points in geo.edges.values())
    # the four lanes are clusters titled in French, in the book's font
    for title in codes.labels("couche").values():
        assert f">{title}</text>" in svg.replace("&#39;", "'")
    assert 'font-family="DejaVu Sans' in svg


def test_network_geometry_no_foreign_box_no_overlap_no_cut_word(network):
    _actors, _links, drawing = network
    geo = graphs.geometry(drawing.svg())
    for edge_id, points in geo.edges.items():
        joined = set(drawing.ends[edge_id])
        for node_id, (x0, y0, x1, y1) in geo.nodes.items():
            if node_id not in joined:
                inside = [p for p in points if x0 + 1 < p[0] < x1 - 1 and y0 + 1 < p[1] < y1 - 1]
                assert not inside, (drawing.titles[edge_id], drawing.labels[node_id])
    boxes = list(geo.labels.items())
    for i, (edge_id, (a0, b0, a1, b1)) in enumerate(boxes):
        for node_id, (x0, y0, x1, y1) in geo.nodes.items():
            assert a1 <= x0 or x1 <= a0 or b1 <= y0 or y1 <= b0, (edge_id, node_id)
        for other, (c0, d0, c1, d1) in boxes[i + 1:]:
            assert a1 <= c0 or c1 <= a0 or b1 <= d0 or d1 <= b0, (edge_id, other)
    for node_id, lines in geo.node_text.items():
        assert " ".join(lines).split() == drawing.labels[node_id].split()
    assert drawing.problems() == []


def test_layout_problems_sees_a_label_moved_onto_a_box_and_a_cut_word(network):
    _actors, _links, drawing = network
    svg = drawing.svg()
    geo = graphs.geometry(svg)
    (x0, y0, x1, y1) = geo.nodes["noeud1"]
    label = re.search(r'(<g id="relation1" class="edge">.*?<text[^>]*?) x="[^"]+" y="[^"]+"',
                      svg, re.S)
    moved = svg.replace(label.group(0),
                        f'{label.group(1)} x="{(x0 + x1) / 2:.2f}" y="{(y0 + y1) / 2:.2f}"')
    problems = graphs.layout_problems(moved, drawing.ends, drawing.labels)
    assert any("chevauche la boîte « ARS »" in p for p in problems), problems
    cut = svg.replace(">professionnels</text>", ">profes</text>", 1)
    assert ">profes</text>" in cut
    problems = graphs.layout_problems(cut, drawing.ends, drawing.labels)
    assert any("mots affichés" in p and "profes" in p for p in problems), problems


def test_layout_problems_sees_a_line_through_a_box():
    layers = [graphs.Layer("a", "Couche", "#555555")]
    nodes = [graphs.Node("n1", "Un", "a"), graphs.Node("n2", "Deux", "a"),
             graphs.Node("n3", "Trois", "a")]
    drawing = graphs.layered(layers, nodes, [graphs.Edge("1", "n1", "n3")])
    drawing.graph.graph_attr.update(splines="line", rankdir="LR")
    drawing.graph.body.append("\tn1 -> n2 [style=invis]\n\tn2 -> n3 [style=invis]\n")
    problems = drawing.problems()
    assert any("traverse la boîte « Deux »" in p for p in problems), problems


def test_output_is_byte_stable_and_names_no_machine_key(network):
    actors, links, drawing = network
    svg, png = drawing.svg(), drawing.png()
    graphs._pipe.cache_clear()
    again = careteam.network_figure(actors, links)
    assert again.svg() == svg and again.png() == png
    assert "<!--" not in svg and "graphviz version" not in svg
    for actor_id in actors["actor_id"]:
        if "_" in actor_id:  # identifiers such as « equipe_jacie » (one word ones are French)
            assert actor_id not in svg
    assert png.startswith(b"\x89PNG") and b"tIME" not in png


def test_layout_problems_sees_two_numbers_too_close_to_read_apart(network):
    """« 16 » just above « 1 » read as one label « 16/1 »: numbers closer than LABEL_GAP
    are reported even when their boxes do not overlap."""
    _actors, _links, drawing = network
    svg = drawing.svg()
    geo = graphs.geometry(svg)
    x0, y0, x1, y1 = geo.labels["relation15"]
    label = re.search(r'(<g id="relation1" class="edge">.*?<text[^>]*?) x="[^"]+" y="[^"]+"',
                      svg, re.S)
    # baseline of « 1 » 2 points below the bottom of « 15 »: no overlap, but touching
    below = y1 + 2 + 0.76 * graphs.EDGE_FONTSIZE
    moved = svg.replace(label.group(0), f'{label.group(1)} x="{x0 + 2:.2f}" y="{below:.2f}"')
    problems = graphs.layout_problems(moved, drawing.ends, drawing.labels)
    assert any("« relation1 »" in p and "« relation15 »" in p and "se touchent" in p
               for p in problems), problems


def test_layout_problems_sees_an_accent_crossing_the_top_of_a_box(network):
    """The accent of a capital « É » on the first line must stay inside its box."""
    _actors, _links, drawing = network
    svg = drawing.svg()
    assert drawing.problems() == []
    line = re.search(r'<text text-anchor="start" x="[^"]+" y="(-?[\d.]+)"[^>]*>Établissement',
                     svg)
    raised = float(line[1]) - 2.5
    moved = svg.replace(line[0], line[0].replace(f'y="{line[1]}"', f'y="{raised:.2f}"'))
    problems = graphs.layout_problems(moved, drawing.ends, drawing.labels)
    assert any("« Établissement » touche ou passe le bord" in p for p in problems), problems
    rise, _ = graphs.ink_extent("É", 8.0)
    assert rise > graphs.ink_extent("E", 8.0)[0]  # the accent is measured, not a cap height
