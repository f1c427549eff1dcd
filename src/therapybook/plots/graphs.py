"""Graphs laid out by Graphviz: layered diagrams of actors and the relations between them.

The book states the graph (nodes in ordered layers, numbered edges, their style) and
Graphviz's ``dot`` engine places the nodes and routes the edges, so that lines go around
the boxes they do not join and edge numbers sit clear of boxes and of each other.
:func:`layout_problems` checks this on the SVG that Graphviz produced (the book calls it
before publishing, so a bad layout stops the build).

Bytes are stable: nodes and edges are written in data order (``dot`` is deterministic for
a given input) and the version comment Graphviz writes into SVG is removed.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from therapybook.plots import figures

FONT = figures.STYLE["font.family"]
#: Fallbacks written into the SVG after the book's font (similar widths).
FONT_FALLBACK = "Verdana, sans-serif"
NODE_FONTSIZE = 8.0
EDGE_FONTSIZE = 7.5
TITLE_FONTSIZE = 8.5
#: Room (in node separations) between two boxes side by side, for the number between them.
FLAT_MINLEN = 3
#: Least clear space (points) between two edge numbers, more than a line of their type: with
#: 8 points between them, « 16 » above « 1 » read as one label « 16/1 ».
LABEL_GAP = 10.0
SVG_NS = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class Layer:
    """A horizontal band of the diagram (a Graphviz cluster), drawn in list order."""

    id: str
    title: str
    color: str


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    layer: str


@dataclass(frozen=True)
class Edge:
    """A relation from ``source`` to ``target``, labelled ``label`` (its number).

    ``dashed``: drawn in dashes (a relation that confers a right); ``mutual``: an arrow at
    both ends, and the two nodes are placed side by side when they share a layer.
    """

    label: str
    source: str
    target: str
    dashed: bool = False
    mutual: bool = False


def wrap(text: str, width: int = 16) -> list[str]:
    """Lines of about ``width`` characters, broken at spaces only (a word is never cut)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _html_lines(lines: Sequence[str]) -> str:
    return "<" + "<br/>".join(html.escape(line) for line in lines) + ">"


class Drawing:
    """A Graphviz graph that :func:`therapybook.plots.figures.publish` can save.

    ``savefig(path, format=...)`` writes SVG or PNG (at the book's resolution) as a
    matplotlib figure would.
    """

    def __init__(self, graph, titles: dict[str, str], ends: dict[str, tuple[str, str]],
                 labels: dict[str, str]):
        self.graph = graph
        self.titles = titles  # SVG <title> of each node, edge and cluster id: human text
        self.ends = ends  # SVG edge id -> SVG ids of the two nodes it joins
        self.labels = labels  # SVG node id -> full label

    @property
    def source(self) -> str:
        return self.graph.source

    def svg(self) -> str:
        """The SVG, made byte-stable and free of machine names (titles are French text)."""
        return _clean_svg(_pipe(self.graph.source, "svg").decode("utf-8"), self.titles)

    def png(self) -> bytes:
        hires = self.graph.copy()
        hires.graph_attr["dpi"] = str(figures.DPI)
        return _pipe(hires.source, "png")

    def problems(self) -> list[str]:
        """:func:`layout_problems` of this drawing's SVG."""
        return layout_problems(self.svg(), self.ends, self.labels)

    def savefig(self, path, format: str | None = None, **_ignored) -> None:
        fmt = format or Path(path).suffix.lstrip(".")
        if fmt == "svg":
            Path(path).write_text(self.svg(), encoding="utf-8")
        elif fmt == "png":
            Path(path).write_bytes(self.png())
        else:
            raise ValueError(f"Format non pris en charge pour un graphe : {fmt}")


@lru_cache(maxsize=8)
def _pipe(source: str, fmt: str) -> bytes:
    import graphviz

    return graphviz.pipe("dot", fmt, source.encode("utf-8"))


def _clean_svg(svg: str, titles: dict[str, str]) -> str:
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)  # version, names of the input
    svg = re.sub(r'(<g id="graph0" class="graph"[^>]*>\n)<title>[^<]*</title>\n', r"\1", svg)
    svg = svg.replace(f'font-family="{FONT}"', f'font-family="{FONT}, {FONT_FALLBACK}"')

    def title(match: re.Match) -> str:
        element_id, name = match.group(1), match.group(2)
        text = titles.get(element_id, "")
        return f'<g id="{element_id}" class="{name}">\n<title>{html.escape(text)}</title>'

    return re.sub(r'<g id="([^"]+)" class="(node|edge|cluster)">\n<title>[^<]*</title>',
                  title, svg)


def _chain(group: list[str], pair_edges: list[Edge]) -> list:
    """The nodes of ``group`` and the edges between them, in the order of the path they
    form: node, ``(edge, left, right)``, node, ... A group that is not a path keeps its
    order, followed by its edges."""
    neighbours = {n: [] for n in group}
    for e in pair_edges:
        neighbours[e.source].append(e)
        neighbours[e.target].append(e)
    ends = [n for n in group if len(neighbours[n]) == 1]
    if len(ends) != 2 or any(len(v) > 2 for v in neighbours.values()):
        return list(group) + [(e, e.source, e.target) for e in pair_edges]
    out, node, used = [ends[0]], ends[0], set()
    while True:
        nxt = [e for e in neighbours[node] if id(e) not in used]
        if not nxt:
            return out
        e = nxt[0]
        used.add(id(e))
        other = e.target if e.source == node else e.source
        out += [(e, node, other), other]
        node = other


def layered(layers: Sequence[Layer], nodes: Sequence[Node], edges: Sequence[Edge], *,
            wrap_width: int = 14, nodesep: float = 0.12, ranksep: float = 0.3) -> Drawing:
    """A top-to-bottom diagram: one cluster per layer, numbered edges.

    Layers keep their order: every node of a layer ranks below every node of the layer
    above (invisible edges through one hidden point between two layers), and an edge that
    points up is laid out downwards with its arrow reversed. Two nodes joined by a
    ``mutual`` edge inside one layer sit side by side (an unlabelled inner cluster keeps
    them together, with room for their number between them). Edge numbers are external
    labels (``xlabel``), which ``dot`` places after the layout, clear of boxes and labels.
    """
    import graphviz

    order = {layer.id: k for k, layer in enumerate(layers)}
    by_id = {n.id: n for n in nodes}
    unknown = sorted({n.layer for n in nodes} - set(order))
    if unknown:
        raise ValueError(f"Couche(s) inconnue(s) : {unknown}")
    missing = sorted({x for e in edges for x in (e.source, e.target)} - set(by_id))
    if missing:
        raise ValueError(f"Relation(s) vers un nœud absent : {missing}")

    g = graphviz.Digraph(
        graph_attr={"rankdir": "TB", "newrank": "true", "forcelabels": "true",
                    "nodesep": f"{nodesep}", "ranksep": f"{ranksep}", "fontname": FONT,
                    "fontsize": f"{TITLE_FONTSIZE}", "bgcolor": "white", "pad": "0.05"},
        node_attr={"fontname": FONT, "fontsize": f"{NODE_FONTSIZE}", "shape": "box",
                   "style": "rounded,filled", "fillcolor": "white", "penwidth": "1.1",
                   "margin": "0.06,0.06", "height": "0.3", "width": "0.4"},
        edge_attr={"fontname": FONT, "fontsize": f"{EDGE_FONTSIZE}", "arrowsize": "0.6",
                   "color": "#444444", "fontcolor": "#222222", "penwidth": "0.9"},
    )
    svg_id = {n.id: f"noeud{k + 1}" for k, n in enumerate(nodes)}
    titles: dict[str, str] = {}
    ends: dict[str, tuple[str, str]] = {}

    # side-by-side pairs: the union of mutual edges inside one layer
    root = {n.id: n.id for n in nodes}

    def find(x: str) -> str:
        while root[x] != x:
            x = root[x]
        return x

    side = [e for e in edges if e.mutual and by_id[e.source].layer == by_id[e.target].layer]
    for e in side:
        root[find(e.source)] = find(e.target)

    for k, layer in enumerate(layers):
        members = [n for n in nodes if n.layer == layer.id]
        titles[f"couche{k + 1}"] = layer.title
        with g.subgraph(name=f"cluster_{k + 1}") as c:
            c.attr(label=f"<<b>{html.escape(layer.title)}</b>>", labeljust="l",
                   color=layer.color, fontcolor=layer.color, style="filled",
                   fillcolor=f"{layer.color}14", id=f"couche{k + 1}")
            groups: dict[str, list[str]] = {}
            for n in members:
                groups.setdefault(find(n.id), []).append(n.id)

            def declare(graph, node_id: str, color: str = layer.color) -> None:
                titles[svg_id[node_id]] = by_id[node_id].label
                graph.node(node_id, _html_lines(wrap(by_id[node_id].label, wrap_width)),
                           color=color, id=svg_id[node_id])

            for n in members:
                if len(groups[find(n.id)]) == 1:
                    declare(c, n.id)
            for j, group in enumerate(g_ for g_ in groups.values() if len(g_) > 1):
                with c.subgraph(name=f"cluster_{k + 1}_{j + 1}") as pair:
                    pair.attr(rank="same", label="", style="invis", id=f"couche{k + 1}-{j + 1}")
                    # declared left to right along the chain they form, edges between
                    for item in _chain(group, [e for e in side if e.source in group]):
                        if isinstance(item, str):
                            declare(pair, item)
                            continue
                        item, left, right = item
                        k_e = edges.index(item) + 1
                        titles[f"relation{k_e}"] = f"Relation {item.label}"
                        ends[f"relation{k_e}"] = (svg_id[left], svg_id[right])
                        pair.edge(left, right, dir="both", xlabel=item.label,
                                  minlen=str(FLAT_MINLEN), id=f"relation{k_e}",
                                  style="dashed" if item.dashed else "solid")
    for k in range(len(layers) - 1):
        upper = [n.id for n in nodes if order[n.layer] == k]
        lower = [n.id for n in nodes if order[n.layer] == k + 1]
        if not upper or not lower:
            continue
        point = f"_limite{k + 1}"
        g.node(point, "", shape="point", width="0", height="0", style="invis")
        for node_id in upper:
            g.edge(node_id, point, style="invis", weight="0")
        for node_id in lower:
            g.edge(point, node_id, style="invis", weight="0")
    for k, e in enumerate(edges):
        edge_id = f"relation{k + 1}"
        if e in side:  # drawn inside its layer, above
            continue
        titles[edge_id] = f"Relation {e.label}"
        ends[edge_id] = (svg_id[e.source], svg_id[e.target])
        attrs = {"xlabel": e.label, "style": "dashed" if e.dashed else "solid", "id": edge_id}
        if e.mutual:
            attrs["dir"] = "both"
        tail, head = e.source, e.target
        if order[by_id[tail].layer] > order[by_id[head].layer]:
            tail, head = head, tail
            attrs["dir"] = "both" if e.mutual else "back"
        g.edge(tail, head, **attrs)
    return Drawing(g, titles, ends, {svg_id[n.id]: n.label for n in nodes})


# --------------------------------------------------------------------------- layout checks
@dataclass
class Geometry:
    """What a reader sees in a Graphviz SVG: boxes, lines and texts (SVG coordinates)."""

    nodes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    node_text: dict[str, list[str]] = field(default_factory=dict)
    node_ink: dict[str, list[tuple[float, float, float, float]]] = field(default_factory=dict)
    edges: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    labels: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    titles: list[tuple[float, float, float, float]] = field(default_factory=list)


def _points(text: str) -> list[tuple[float, float]]:
    nums = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", text)]
    return list(zip(nums[0::2], nums[1::2], strict=False))


def _bbox(points) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _bezier(d: str, steps: int = 24) -> list[tuple[float, float]]:
    """Points along an SVG path made of one ``M`` and cubic ``C`` segments (Graphviz edges)."""
    pts = _points(d)
    out = [pts[0]]
    for i in range(1, len(pts) - 2, 3):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        for s in range(1, steps + 1):
            t = s / steps
            a, b, c, e = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
            out.append((a * p0[0] + b * p1[0] + c * p2[0] + e * p3[0],
                        a * p0[1] + b * p1[1] + c * p2[1] + e * p3[1]))
    return out


@lru_cache(maxsize=512)
def text_width(text: str, size: float) -> float:
    """Width in points of ``text`` set in the book's font at ``size`` points."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    return float(TextPath((0, 0), text, size=size, prop=FontProperties(family=FONT))
                 .get_extents().width)


def _text_box(el) -> tuple[float, float, float, float]:
    x, y = float(el.get("x")), float(el.get("y"))
    size = float(el.get("font-size"))
    width = text_width("".join(el.itertext()), size)
    anchor = el.get("text-anchor", "start")
    x0 = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
    return x0, y - 0.76 * size, x0 + width, y + 0.24 * size


@lru_cache(maxsize=512)
def ink_extent(text: str, size: float) -> tuple[float, float]:
    """How far the glyphs of ``text`` rise above and fall below the baseline (points), accents
    of capitals (« É ») included."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    box = TextPath((0, 0), text, size=size, prop=FontProperties(family=FONT)).get_extents()
    return float(box.y1), float(-box.y0)


def _ink_box(el) -> tuple[float, float, float, float]:
    """The box the glyphs of an SVG text element cover (SVG y grows downwards)."""
    x0, _, x1, _ = _text_box(el)
    rise, fall = ink_extent("".join(el.itertext()), float(el.get("font-size")))
    y = float(el.get("y"))
    return x0, y - rise, x1, y + fall


def geometry(svg: str) -> Geometry:
    """Parse a Graphviz SVG into node boxes, edge polylines, edge-label and title boxes."""
    root = ET.fromstring(svg.encode("utf-8"))
    geo = Geometry()
    names: dict[str, str] = {}
    for g in root.iter(f"{SVG_NS}g"):
        kind, gid = g.get("class"), g.get("id")
        shapes = [el for el in g if el.tag in (f"{SVG_NS}polygon", f"{SVG_NS}path")]
        texts = [el for el in g if el.tag == f"{SVG_NS}text"]
        if kind == "node":
            pts = [p for el in shapes for p in _points(el.get("points") or el.get("d"))]
            geo.nodes[gid] = _bbox(pts)
            geo.node_text[gid] = ["".join(t.itertext()) for t in texts]
            geo.node_ink[gid] = [_ink_box(t) for t in texts]
            names[gid] = "".join(g.find(f"{SVG_NS}title").itertext())
        elif kind == "edge":
            line = [p for el in shapes if el.tag == f"{SVG_NS}path" for p in _bezier(el.get("d"))]
            heads = [p for el in shapes if el.tag == f"{SVG_NS}polygon"
                     for p in _points(el.get("points"))]
            geo.edges[gid] = line + heads
            for t in texts:
                geo.labels[gid] = _text_box(t)
        elif kind == "cluster":
            geo.titles += [_text_box(t) for t in texts]
    return geo


def _inside(p, box, margin: float) -> bool:
    x0, y0, x1, y1 = box
    return x0 + margin < p[0] < x1 - margin and y0 + margin < p[1] < y1 - margin


def _overlap(a, b, gap: float = 0.0) -> bool:
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


def layout_problems(svg: str, drawing_edges: dict[str, tuple[str, str]],
                    node_labels: dict[str, str], *, margin: float = 1.0) -> list[str]:
    """What is wrong with a laid-out graph, in French (an empty list when nothing is).

    ``drawing_edges`` maps each SVG edge id to the SVG ids of the two nodes it joins;
    ``node_labels`` maps each SVG node id to its full label. Checked: no edge runs through
    a box it does not join (``margin`` points inside the box), no edge label overlaps a
    box, a layer title or comes within :data:`LABEL_GAP` of another label, every line of a
    box's label stays inside the box (accents of capitals included), and every word of a
    box's label is shown whole.
    """
    geo = geometry(svg)
    problems = []
    for edge_id, points in geo.edges.items():
        ends = set(drawing_edges.get(edge_id, ()))
        for node_id, box in geo.nodes.items():
            if node_id not in ends and any(_inside(p, box, margin) for p in points):
                problems.append(f"la relation « {edge_id} » traverse la boîte "
                                f"« {node_labels.get(node_id, node_id)} »")
    labels = sorted(geo.labels.items())
    for i, (edge_id, box) in enumerate(labels):
        for node_id, node_box in geo.nodes.items():
            if _overlap(box, node_box):
                problems.append(f"le numéro de « {edge_id} » chevauche la boîte "
                                f"« {node_labels.get(node_id, node_id)} »")
        for title in geo.titles:
            if _overlap(box, title):
                problems.append(f"le numéro de « {edge_id} » chevauche un titre de couche")
        for other_id, other in labels[i + 1:]:
            if _overlap(box, other, LABEL_GAP):
                problems.append(f"les numéros de « {edge_id} » et « {other_id} » se touchent "
                                f"(moins de {LABEL_GAP:g} points entre eux)")
    for node_id, inks in geo.node_ink.items():
        x0, y0, x1, y1 = geo.nodes[node_id]
        for line, ink in zip(geo.node_text[node_id], inks, strict=True):
            if not (x0 + margin <= ink[0] and ink[2] <= x1 - margin
                    and y0 + margin <= ink[1] and ink[3] <= y1 - margin):
                problems.append(f"boîte « {node_labels.get(node_id, node_id)} » : la ligne "
                                f"« {line} » touche ou passe le bord")
    for node_id, lines in geo.node_text.items():
        shown = " ".join(lines).split()
        expected = node_labels.get(node_id, "").split()
        if shown != expected:
            problems.append(f"boîte « {node_labels.get(node_id, node_id)} » : mots affichés "
                            f"{shown} au lieu de {expected}")
    return problems
