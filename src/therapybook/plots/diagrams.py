"""Data-driven schematic diagrams: domain diagrams of CARs and antibodies, graphs, timelines.

Every function draws only what its data frame holds (one box per row, in the row's
``order``); nothing is added that the data do not state. Figures use the book style
(:func:`therapybook.plots.figures.new`) and are published with
:func:`therapybook.plots.figures.publish`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from matplotlib.patches import FancyBboxPatch

from therapybook.plots import figures

#: One fill colour per region of a receptor (neutral tones, distinct from the class palette).
REGION_COLORS = {
    "extracellular": "#9ECAE1",
    "transmembrane": "#BDBDBD",
    "intracellular": "#FDD49E",
    "additional_expression": "#FFFFFF",
}
REGION_LABELS = {
    "extracellular": "Extracellulaire",
    "transmembrane": "Transmembranaire",
    "intracellular": "Intracellulaire",
    "additional_expression": "Expression additionnelle (hors récepteur)",
}
ORDINALS = {1: "1re", 2: "2e", 3: "3e", 4: "4e"}


@dataclass(frozen=True)
class Box:
    """One box of a horizontal domain diagram."""

    label: str
    color: str = "#FFFFFF"
    dashed: bool = False
    hatch: str | None = None


def domain_row(ax, boxes: Sequence[Box], y: float, *, x0: float = 0.0, width: float = 1.0,
               gap: float = 0.06, height: float = 0.74, fontsize: float = 7.5) -> list[float]:
    """Draw ``boxes`` side by side on row ``y``, left to right; return their x centres."""
    centres = []
    for i, box in enumerate(boxes):
        x = x0 + i * (width + gap)
        patch = FancyBboxPatch((x, y - height / 2), width, height,
                               boxstyle="round,pad=0,rounding_size=0.08",
                               facecolor=box.color, edgecolor=figures.NEUTRAL,
                               linewidth=0.8, linestyle="--" if box.dashed else "-",
                               hatch=box.hatch)
        ax.add_patch(patch)
        ax.text(x + width / 2, y, box.label, ha="center", va="center", fontsize=fontsize,
                bbox={"boxstyle": "square,pad=0.1", "facecolor": box.color, "edgecolor": "none",
                      "alpha": 0.85} if box.hatch else None)
        centres.append(x + width / 2)
    return centres


def fit_labels(ax, *, min_size: float = 5.0, margin: float = 0.92) -> None:
    """Shrink the font of every box label of ``ax`` that is wider than its box, so that no
    word has to be cut; call once the axes limits are set."""
    from matplotlib.patches import FancyBboxPatch as Patch

    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    boxes = [p for p in ax.patches if isinstance(p, Patch)]
    for text in ax.texts:
        x, y = text.get_position()
        box = next((p for p in boxes if p.get_x() <= x <= p.get_x() + p.get_width()
                    and p.get_y() <= y <= p.get_y() + p.get_height()), None)
        if box is None:
            continue
        room = box.get_window_extent(renderer).width * margin
        while text.get_window_extent(renderer).width > room and text.get_fontsize() > min_size:
            text.set_fontsize(text.get_fontsize() - 0.25)


def wrap_label(text: str, width: int = 14) -> str:
    """Break ``text`` into lines of about ``width`` characters at spaces; a word is never
    cut (a longer word has a line of its own, and :func:`domain_row` shrinks its font)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def generation_label(generation: int) -> str:
    """``2`` → ``2e génération``."""
    return f"{ORDINALS.get(int(generation), f'{int(generation)}e')} génération"


def generations_alt(df: pd.DataFrame) -> str:
    """Alt text of :func:`car_generations`: each generation's domains, left to right."""
    rows = []
    for gen in sorted(df["generation"].unique()):
        domains = df[df["generation"] == gen].sort_values("order")["domain"]
        rows.append(f"{generation_label(gen)} : " + ", ".join(domains))
    return ("Une rangée de boîtes par génération, de la partie extracellulaire vers la partie "
            "intracellulaire. " + " ; ".join(rows) + ".")


def car_generations(df: pd.DataFrame, *, box_width: float = 1.35, height: float | None = None):
    """Domain diagram of CAR generations: one row per generation, one box per domain.

    ``df`` holds the rows of one document from the ``car_generations`` resource
    (columns ``generation``, ``order``, ``domain``, ``region``). Boxes follow ``order``
    and are filled by region; additional expression (4th generation) has a dashed
    outline, set apart from the receptor. Returns the matplotlib figure.
    """
    gens = sorted(df["generation"].unique())
    longest = int(df.groupby("generation").size().max())
    fig, ax = figures.new(height=height or 0.75 + 0.8 * len(gens))
    for row, gen in enumerate(gens):
        y = len(gens) - 1 - row
        rows = df[df["generation"] == gen].sort_values("order")
        boxes = [Box(wrap_label(r.domain, 12), REGION_COLORS[r.region],
                     dashed=r.region == "additional_expression",
                     hatch="//" if r.region == "transmembrane" else None)
                 for r in rows.itertuples()]
        domain_row(ax, boxes, y, x0=0, width=box_width)
        ax.text(-0.15, y, generation_label(gen), ha="right", va="center", fontsize=8.5,
                fontweight="bold")
    used = [r for r in REGION_COLORS if r in set(df["region"])]
    handles = [FancyBboxPatch((0, 0), 1, 1, facecolor=REGION_COLORS[r], edgecolor=figures.NEUTRAL,
                              linestyle="--" if r == "additional_expression" else "-",
                              hatch="///" if r == "transmembrane" else None) for r in used]
    ax.legend(handles, [REGION_LABELS[r] for r in used], loc="upper center",
              bbox_to_anchor=(0.5, 0.0), ncol=len(used), fontsize=7.5)
    ax.set_xlim(-1.6, longest * (box_width + 0.06))
    ax.set_ylim(-0.6, len(gens) - 0.4)
    ax.axis("off")
    fit_labels(ax)
    return fig
