"""The actors of the MSC / CAR-T care pathway and the relations the article states.

Actors (``acteurs``) sit in horizontal lanes (authorities, decision, clinical teams,
technical units); relations (``acteurs_liens``) are numbered arrows, listed under the
figure. Graphviz lays the diagram out (:mod:`therapybook.plots.graphs`); the lane titles
and therapy names are the labels of the data package (:mod:`therapybook.article.codes`).
"""

from __future__ import annotations

import pandas as pd

from therapybook.article import codes
from therapybook.plots import figures, graphs
from therapybook.render import reported

#: Colour of each lane, top to bottom (the order of the lanes is that of their labels).
LANE_COLORS = {
    "tutelle": figures.NEUTRAL,
    "decision": figures.ACCENTS[3],
    "clinique": figures.CLASS_COLORS["car_t"],
    "technique": figures.ACCENTS[2],
}
#: Relations that confer a right (drawn dashed) and those that go both ways.
GRANTS = {"autorise", "labellise", "accredite"}
MUTUAL = {"coordonne"}
#: The article itself: not repeated after each relation of the list.
ARTICLE = "castillallorente2025"


def missing_grants(actors: pd.DataFrame, links: pd.DataFrame) -> list[str]:
    """Actors whose ``authority`` has no matching authorising edge in ``links``."""
    label_of = dict(zip(actors["actor_id"], actors["short_label"], strict=True))
    granted = {(label_of[s], t) for s, t, r in
               zip(links["source"], links["target"], links["relation"], strict=True)
               if r in GRANTS}
    problems = []
    for actor_id, authority in zip(actors["actor_id"], actors["authority"], strict=True):
        if pd.notna(authority) and (authority, actor_id) not in granted:
            problems.append(f"{actor_id} : autorité {authority} sans arête d'autorisation")
    return problems


def authorisations(actors: pd.DataFrame) -> pd.Series:
    """One French phrase per actor: what it holds, from whom, under which text, since when.

    « Autorisation d'établissement (ANSM) ; arrêté du 27 octobre 2011 », « en place depuis
    2007 »; empty when the article cites none of these.
    """
    since = codes.labels("depuis")
    out = []
    for row in actors.itertuples(index=False):
        parts = []
        if pd.notna(row.authorisation):
            held = row.authorisation
            if pd.notna(row.authority) and row.authority not in held:
                # one pair of brackets: an authorisation already ending in one takes the
                # authority inside it rather than a second pair after it
                held = (f"{held[:-1]}, {row.authority})" if held.endswith(")")
                        else f"{held} ({row.authority})")
            parts.append(held)
        if pd.notna(row.legal_text):
            parts.append(row.legal_text[0].lower() + row.legal_text[1:])
        if pd.notna(row.since):
            parts.append(f"{since[row.since_kind]} {int(row.since)}")
        out.append(" ; ".join(parts))
    return pd.Series(out, index=actors.index)


def actors_table(actors: pd.DataFrame) -> pd.DataFrame:
    """The actors by lane (top to bottom), with their role and authorisations, in French."""
    lanes = codes.labels("couche")
    rank = {lane: k for k, lane in enumerate(lanes)}
    shown = actors.assign(
        lane_rank=actors["lane"].map(rank),
        lane_title=codes.translate(actors["lane"], "couche"),
        therapy=codes.translate(actors["therapy"], "therapie"),
        held=authorisations(actors),
        ref=actors["citation"].map(reported.cite),
    ).sort_values("lane_rank", kind="stable")
    return shown[["lane_title", "actor", "therapy", "role", "held", "ref"]].rename(columns={
        "lane_title": "Couche", "actor": "Intervenant", "therapy": "Thérapie",
        "role": "Rôle", "held": "Autorisation, texte, date", "ref": "Réf.",
    })


def relations_list(actors: pd.DataFrame, links: pd.DataFrame) -> str:
    """The numbered relations as a Markdown ordered list, numbered as on the figure.

    « 3. RCP nationale → Équipe clinique : … (CAR-T cells). » The therapy is named when the
    relation concerns one of the two only; references other than the article are cited.
    """
    label = dict(zip(actors["actor_id"], actors["short_label"], strict=True))
    therapies = codes.labels("therapie")
    lines = []
    for row in links.sort_values("edge_id").itertuples(index=False):
        arrow = "↔" if row.relation in MUTUAL else "→"
        scope = "" if row.therapy == "csm_car_t" else f" ({therapies[row.therapy]})"
        refs = ";".join(k for k in row.citation.split(";") if k.strip() != ARTICLE)
        cite = f" {reported.cite(refs)}" if refs else ""
        text = row.label[0].lower() + row.label[1:]
        lines.append(f"{int(row.edge_id)}. {label[row.source]} {arrow} {label[row.target]} : "
                     f"{text}{scope}{cite}.")
    return "\n".join(lines) + "\n"


def network_alt(actors: pd.DataFrame, links: pd.DataFrame) -> str:
    """Alt text of the network: the actors of each lane, top to bottom, then the relations."""
    label = dict(zip(actors["actor_id"], actors["short_label"], strict=True))
    lanes = [f"{title} : " + ", ".join(actors.loc[actors["lane"] == lane, "short_label"])
             for lane, title in codes.labels("couche").items()]
    relations = [f"{int(r.edge_id)}, {label[r.source]} {'↔' if r.relation in MUTUAL else '→'} "
                 f"{label[r.target]}" + (", en tirets" if r.relation in GRANTS else "")
                 for r in links.sort_values("edge_id").itertuples(index=False)]
    return ("Schéma en quatre bandes, de haut en bas. " + ". ".join(lanes)
            + ". Relations numérotées : " + " ; ".join(relations) + ".")


def network_figure(actors: pd.DataFrame, links: pd.DataFrame) -> graphs.Drawing:
    """The actors in their lanes and the numbered relations, laid out by Graphviz.

    Relations that confer a right are dashed; « coordonne » has an arrow at both ends.
    Raises :class:`ValueError` listing the problems if the layout puts a line through a box
    it does not join, a number on a box or on another number, or cuts a word.
    """
    layers = [graphs.Layer(lane, title, LANE_COLORS[lane])
              for lane, title in codes.labels("couche").items()]
    nodes = [graphs.Node(a, label, lane) for a, label, lane in
             zip(actors["actor_id"], actors["short_label"], actors["lane"], strict=True)]
    edges = [graphs.Edge(str(n), s, t, dashed=r in GRANTS, mutual=r in MUTUAL)
             for n, s, t, r in zip(links["edge_id"], links["source"], links["target"],
                                   links["relation"], strict=True)]
    drawing = graphs.layered(layers, nodes, edges)
    problems = drawing.problems()
    if problems:
        raise ValueError("Schéma des intervenants illisible :\n- " + "\n- ".join(problems))
    return drawing
