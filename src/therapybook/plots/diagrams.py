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

from therapybook.plots import figures, graphs

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
    cut (a longer word has a line of its own, and :func:`fit_labels` shrinks its font)."""
    return "\n".join(graphs.wrap(text, width))


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


# ------------------------------------------------------------------ named constructs (thesis)

#: Fill colours of the regions of a named construct (the CAR regions reuse REGION_COLORS).
CONSTRUCT_COLORS = {**REGION_COLORS, "vector": "#FFFFFF", "target": "#E0E0E0",
                    "binding": "#9ECAE1", "fc": "#FDD49E"}
CONSTRUCT_LABELS = {**REGION_LABELS, "vector": "Vecteur de transfert du gène",
                    "binding": "Bras de liaison", "fc": "Fragment cristallisable (Fc)"}


#: Prefixes at which a long word of a construct may break, French style (« Trans-membranaire »).
PREFIXES = ("Trans", "trans", "Co", "co")


def _construct_label(text: str, width: int = 10) -> str:
    """``text`` wrapped at spaces; a word longer than a box breaks after a known prefix."""
    words = []
    for word in text.split():
        prefix = next((p for p in PREFIXES if word.startswith(p) and len(word) > width
                       and len(word) > len(p) + 3), None)
        words.append(f"{prefix}-\n{word[len(prefix):]}" if prefix else word)
    return "\n".join(wrap_label(part, width) for part in " ".join(words).split("\n"))


def car_constructs(df: pd.DataFrame, names: Sequence[str], *, box_width: float = 1.6):
    """Domain diagram of named CAR-T constructs (``constructions`` resource): one row per
    construct, its elements in order from outside the cell inwards, then its vector in a
    dashed box set apart. Only the elements the source names are drawn."""
    longest = max(int((df["construct"] == n).sum()) for n in names)
    fig, ax = figures.new(height=0.9 + 0.95 * len(names))
    for row, name in enumerate(names):
        y = len(names) - 1 - row
        rows = df[df["construct"] == name].sort_values("order")
        receptor = rows[rows["region"] != "vector"]
        boxes = [Box(_construct_label(r.domain), CONSTRUCT_COLORS[r.region],
                     hatch="//" if r.region == "transmembrane" else None)
                 for r in receptor.itertuples()]
        domain_row(ax, boxes, y, x0=0, width=box_width, fontsize=6.8)
        vectors = rows[rows["region"] == "vector"]
        if not vectors.empty:
            domain_row(ax, [Box(wrap_label(v.domain, 10), CONSTRUCT_COLORS["vector"],
                                dashed=True) for v in vectors.itertuples()], y,
                       x0=(len(receptor) + 0.4) * (box_width + 0.06), width=box_width,
                       fontsize=6.8)
        ax.text(-0.25, y, name, ha="right", va="center", fontsize=8.5, fontweight="bold")
    used = [r for r in CONSTRUCT_COLORS if r in set(df[df["construct"].isin(names)]["region"])]
    handles = [FancyBboxPatch((0, 0), 1, 1, facecolor=CONSTRUCT_COLORS[r],
                              edgecolor=figures.NEUTRAL,
                              linestyle="--" if r == "vector" else "-",
                              hatch="///" if r == "transmembrane" else None) for r in used]
    ax.legend(handles, [CONSTRUCT_LABELS[r] for r in used], loc="upper center",
              bbox_to_anchor=(0.5, 0.0), ncol=len(used), fontsize=7.5)
    ax.set_xlim(-1.9, (longest + 0.5) * (box_width + 0.06))
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.axis("off")
    fit_labels(ax)
    return fig


def epitope_map(df: pd.DataFrame, target: str = "BCMA", binder: str = "cilta-cel"):
    """The extracellular domain of ``target`` as a bar of amino acids, with the segments
    that ``binder``'s binding elements recognise (``aa_start``–``aa_end`` of the data)."""
    domain = df[df["construct"] == target].iloc[0]
    parts = df[(df["construct"] == binder) & df["aa_start"].notna()].sort_values("aa_start")
    lo, hi = int(domain["aa_start"]), int(domain["aa_end"])
    fig, ax = figures.new(height=1.7)
    ax.barh(0, hi - lo + 1, left=lo - 0.5, height=0.5, color=CONSTRUCT_COLORS["target"],
            edgecolor=figures.NEUTRAL)
    for i, r in enumerate(parts.itertuples()):
        start, end = int(r.aa_start), int(r.aa_end)
        ax.barh(0, end - start + 1, left=start - 0.5, height=0.5,
                color=figures.ACCENTS[i % len(figures.ACCENTS)], edgecolor=figures.NEUTRAL)
        ax.text((start + end) / 2, 0.42, f"{r.domain}\n{start}–{end}", ha="center",
                va="bottom", fontsize=7.5)
    ax.set_xticks([lo, hi], [str(lo), str(hi)], fontsize=7)
    ax.set_xlim(lo - 2, hi + 2)
    ax.set_ylim(-0.5, 1.2)
    ax.set_yticks([])
    for side in ("left", "top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(f"{domain['domain']} : acides aminés {lo} à {hi}", fontsize=8)
    return fig


def bispecific_antibody(df: pd.DataFrame, name: str):
    """A bispecific IgG as its source describes it: its two binding arms side by side above
    its Fc, each box labelled with what the source says of it."""
    rows = df[df["construct"] == name].sort_values("order")
    arms, fc = rows[rows["region"] == "binding"], rows[rows["region"] == "fc"]
    fig, ax = figures.new(height=2.6)
    width, gap = 2.4, 0.3
    for i, r in enumerate(arms.itertuples()):
        x = i * (width + gap)
        domain_row(ax, [Box(wrap_label(f"{r.domain} : {r.detail}", 26),
                            CONSTRUCT_COLORS["binding"])], 1.2, x0=x, width=width,
                   height=0.8, fontsize=7)
        ax.plot([x + width / 2, (width * len(arms) + gap * (len(arms) - 1)) / 2],
                [0.8, 0.45], color=figures.NEUTRAL, lw=1)
    total = width * len(arms) + gap * (len(arms) - 1)
    for r in fc.itertuples():
        domain_row(ax, [Box(wrap_label(f"{r.domain} : {r.detail}", 40),
                            CONSTRUCT_COLORS["fc"])], 0.0, x0=total / 2 - 1.7, width=3.4,
                   height=0.9, fontsize=7)
    ax.set_xlim(-0.3, total + 0.3)
    ax.set_ylim(-0.6, 1.8)
    ax.axis("off")
    fit_labels(ax)
    return fig


def epitope_alt(df: pd.DataFrame, binder: str = "cilta-cel") -> str:
    """« VHH2 (lama) des acides aminés 12 à 23 ; VHH1 (lama) des acides aminés 24 à 36 »."""
    parts = df[(df["construct"] == binder) & df["aa_start"].notna()].sort_values("aa_start")
    return " ; ".join(f"{r.domain} des acides aminés {int(r.aa_start)} à {int(r.aa_end)}"
                      for r in parts.itertuples())


def constructs_alt(df: pd.DataFrame, names: Sequence[str], column: str = "construct") -> str:
    """Alternative text of a domain diagram: each row's elements in order, its vector apart
    (« ide-cel : scFv murin anti-BCMA, 4-1BB, CD3ζ, puis, à part, vecteur lentiviral »)."""
    parts = []
    for name in names:
        rows = df[df[column] == name].sort_values("order")
        inner = ", ".join(rows.loc[rows["region"] != "vector", "domain"])
        vectors = ", ".join(rows.loc[rows["region"] == "vector", "domain"].str.lower())
        label = generation_label(name) if column == "generation" else name
        parts.append(f"{label} : {inner}" + (f", puis, à part, {vectors}" if vectors else ""))
    return "Une rangée de boîtes par construction. " + " ; ".join(parts) + "."


def bispecific_alt(df: pd.DataFrame, name: str) -> str:
    """Alternative text of :func:`bispecific_antibody`."""
    rows = df[df["construct"] == name].sort_values("order")
    arms = [f"{r.domain}, qui {r.detail}" for r in rows[rows["region"] == "binding"].itertuples()]
    fc = [f"{r.domain} — {r.detail}" for r in rows[rows["region"] == "fc"].itertuples()]
    return (f"Schéma de l'anticorps {name}. En haut : {' ; '.join(arms)}. Reliés en bas : "
            f"{' ; '.join(fc)}.")
