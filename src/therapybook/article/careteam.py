"""The actors of the MSC / CAR-T care pathway and the relations the article states.

Actors (``acteurs``) sit in horizontal lanes (authorities, decision, clinical teams,
technical units); relations (``acteurs_liens``) are drawn as numbered arrows so that the
figure can be read with the table of relations.
"""

from __future__ import annotations

import textwrap

import pandas as pd

from therapybook.plots import figures

#: Lanes from top to bottom: French title and colour.
LANES = {
    "tutelle": ("Tutelles et accréditation", figures.NEUTRAL),
    "decision": ("Décision", figures.ACCENTS[3]),
    "clinique": ("Équipes soignantes", figures.CLASS_COLORS["car_t"]),
    "technique": ("Unités techniques, pharmacie, fabricant", figures.ACCENTS[2]),
}
#: Relations that confer a right (drawn dashed) and those that go both ways.
GRANTS = {"autorise", "labellise", "accredite"}
MUTUAL = {"coordonne"}
THERAPIES = {"csm": "CSM", "car_t": "CAR-T cells", "csm_car_t": "CSM et CAR-T cells"}


def layout(actors: pd.DataFrame, per_row: int = 5) -> pd.DataFrame:
    """``x``, ``y`` of each actor: lanes from top to bottom, file order within a lane.

    A lane with more than ``per_row`` actors wraps onto several rows. ``x`` is in [0, 1];
    ``y`` counts rows downwards from 0 (negative values).
    """
    unknown = set(actors["lane"]) - set(LANES)
    if unknown:
        raise ValueError(f"Couche(s) inconnue(s) : {sorted(unknown)}")
    out, row = [], 0
    for lane in LANES:
        members = actors[actors["lane"] == lane].reset_index(drop=True)
        for start in range(0, len(members), per_row):
            chunk = members.iloc[start:start + per_row]
            for k, actor_id in enumerate(chunk["actor_id"]):
                out.append({"actor_id": actor_id, "lane": lane,
                            "x": (k + 0.5) / len(chunk), "y": -float(row)})
            row += 1
    return pd.DataFrame(out)


def missing_grants(actors: pd.DataFrame, links: pd.DataFrame) -> list[str]:
    """Actors whose ``authority`` has no matching authorising edge in ``links`` (or vice versa)."""
    label_of = dict(zip(actors["actor_id"], actors["short_label"], strict=True))
    granted = {(label_of[s], t) for s, t, r in
               zip(links["source"], links["target"], links["relation"], strict=True)
               if r in GRANTS}
    problems = []
    for actor_id, authority in zip(actors["actor_id"], actors["authority"], strict=True):
        if pd.notna(authority) and (authority, actor_id) not in granted:
            problems.append(f"{actor_id} : autorité {authority} sans arête d'autorisation")
    return problems


def arc_midpoint(ax, start: tuple[float, float], end: tuple[float, float],
                 rad: float) -> tuple[float, float]:
    """Data coordinates of the middle of an ``arc3`` connection from ``start`` to ``end``.

    ``arc3`` draws a quadratic Bézier whose control point is offset, in display
    coordinates, by ``rad`` times the chord rotated; its middle (t = 1/2) is half-way.
    """
    (x1, y1), (x2, y2) = ax.transData.transform([start, end])
    mid = ((x1 + x2) / 2 + rad * (y2 - y1) / 2, (y1 + y2) / 2 - rad * (x2 - x1) / 2)
    x, y = ax.transData.inverted().transform(mid)
    return float(x), float(y)


def _border(center, half, toward) -> tuple[float, float]:
    """Point where the segment from ``center`` to ``toward`` leaves a box of ``half`` sizes."""
    (cx, cy), (hw, hh), (tx, ty) = center, half, toward
    dx, dy = tx - cx, ty - cy
    scale = min(hw / abs(dx) if dx else float("inf"), hh / abs(dy) if dy else float("inf"))
    return cx + dx * min(scale, 1.0), cy + dy * min(scale, 1.0)


def network_figure(actors: pd.DataFrame, links: pd.DataFrame, per_row: int = 6):
    """Swimlane network of the actors with numbered relations (arrows)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    pos = layout(actors, per_row).set_index("actor_id")
    label = dict(zip(actors["actor_id"], actors["short_label"], strict=True))
    nrows = int(-pos["y"].min()) + 1
    fig, ax = figures.new(height=0.95 * nrows + 0.3)
    ax.set_xlim(0, 1)
    ax.set_ylim(-nrows + 0.45, 0.55)
    ax.axis("off")
    for lane, (title, color) in LANES.items():
        ys = pos.loc[pos["lane"] == lane, "y"]
        if ys.empty:
            continue
        ax.axhspan(ys.min() - 0.45, ys.max() + 0.45, color=color, alpha=0.08, lw=0)
        ax.text(0.003, ys.max() + 0.42, title, va="top", ha="left", fontsize=6.5,
                color=color, fontweight="bold")
    boxes = {}
    for actor_id, p in pos.iterrows():
        boxes[actor_id] = ax.text(
            p["x"], p["y"], textwrap.fill(label[actor_id], 13), ha="center", va="center",
            fontsize=6, zorder=3,
            bbox={"boxstyle": "round,pad=0.3", "facecolor": "white",
                  "edgecolor": LANES[p["lane"]][1], "linewidth": 1.1})
    fig.canvas.draw()  # measure the boxes, in data units (stable when the figure is saved)
    inv = ax.transData.inverted()
    half = {}
    for actor_id, box in boxes.items():
        (x0, y0), (x1, y1) = inv.transform(box.get_bbox_patch().get_window_extent())
        half[actor_id] = ((x1 - x0) / 2 + 0.006, (y1 - y0) / 2 + 0.03)
    for edge_id, s, t, rel in zip(links["edge_id"], links["source"], links["target"],
                                  links["relation"], strict=True):
        a, b = tuple(pos.loc[s, ["x", "y"]]), tuple(pos.loc[t, ["x", "y"]])
        start, end = _border(a, half[s], b), _border(b, half[t], a)
        rad = 0.3 if a[1] == b[1] else 0.06
        ax.add_patch(FancyArrowPatch(
            start, end, arrowstyle="<|-|>" if rel in MUTUAL else "-|>", mutation_scale=8,
            connectionstyle=f"arc3,rad={rad}", shrinkA=0, shrinkB=0,
            linestyle="--" if rel in GRANTS else "-", color="#444444", lw=0.8, zorder=2))
        (x1, y1), (x2, y2) = ax.transData.transform([start, end])
        mid = ((x1 + x2) / 2 + rad * (y2 - y1) / 2, (y1 + y2) / 2 - rad * (x2 - x1) / 2)
        mx, my = inv.transform(mid)
        ax.text(mx, my, str(edge_id), ha="center", va="center", fontsize=5.5, zorder=4,
                bbox={"boxstyle": "circle,pad=0.12", "facecolor": "#FFF7D6",
                      "edgecolor": "#444444", "linewidth": 0.5})
    handles = [Line2D([], [], color="#444444", lw=0.8, label="adresse, organise, consulte, "
                      "commande, transmet (→) ; coordonne (↔)"),
               Line2D([], [], color="#444444", lw=0.8, linestyle="--",
                      label="autorise, labellise, accrédite")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2,
              fontsize=6.5)
    return fig
