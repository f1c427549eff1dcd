"""Ligand–receptor maps drawn from an edge list (one row per stated binding)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from therapybook.plots import figures

#: Line width and style per kind of binding the source states.
EDGE_STYLE = {
    "preferential": {"linewidth": 3.0, "linestyle": "-"},
    "secondary": {"linewidth": 1.2, "linestyle": "--"},
    "described": {"linewidth": 1.2, "linestyle": ":"},
}


def layout(edges: pd.DataFrame, left: str, right: str) -> dict[str, tuple[float, float]]:
    """Positions of a two-column graph: ``left`` nodes at x = 0, ``right`` nodes at x = 1,
    each column spread evenly from top to bottom in order of first appearance."""
    pos: dict[str, tuple[float, float]] = {}
    for x, col in ((0.0, left), (1.0, right)):
        nodes = list(dict.fromkeys(edges[col]))
        for i, node in enumerate(nodes):
            y = 0.5 if len(nodes) == 1 else 1 - i / (len(nodes) - 1)
            pos[node] = (x, y)
    return pos


def bipartite(edges: pd.DataFrame, *, left: str, right: str, kind: str,
              labels: Mapping[str, str], height: float = 3.4):
    """Draw ``edges`` (one row per binding) from ``left`` to ``right`` nodes; the ``kind``
    column selects the line style (see :data:`EDGE_STYLE`); ``labels`` names each kind in
    the legend. Returns the figure."""
    fig, ax = figures.new(height=height)
    pos = layout(edges, left, right)
    colors = dict(zip(dict.fromkeys(edges[left]), figures.ACCENTS, strict=False))
    seen = set()
    for row in edges.itertuples(index=False):
        a, b, k = getattr(row, left), getattr(row, right), getattr(row, kind)
        (x0, y0), (x1, y1) = pos[a], pos[b]
        ax.plot([x0 + 0.12, x1 - 0.12], [y0, y1], color=colors[a],
                label=None if (a, k) in seen else f"{a} : {labels[k]}", **EDGE_STYLE[k])
        seen.add((a, k))
    for node, (x, y) in pos.items():
        ax.text(x, y, node, ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round,pad=0.4", "facecolor": "white",
                      "edgecolor": colors.get(node, figures.NEUTRAL)})
    ax.set_xlim(-0.35, 1.35)
    ax.set_ylim(-0.15, 1.15)
    ax.axis("off")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2, fontsize=7)
    return fig
