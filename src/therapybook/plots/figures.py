"""Shared figure style and publication of figures into the book.

Every chart goes through :func:`publish`, which writes ``figures/<name>.svg`` and
``.png`` with stable bytes, records provenance and returns the MyST ``{figure}``
directive (numbered caption, label, alt text) that the chapter displays.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import matplotlib.figure

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from therapybook.render import attribution, fmt, provenance, tables  # noqa: E402

FIG_DIR = provenance.figures_dir()

#: One colour per anti-BCMA class, used by every chapter (colour-blind safe, Okabe-Ito);
#: the classes' labels are data (``libelles_these``).
CLASS_COLORS = {"car_t": "#0072B2", "bispecific": "#D55E00", "adc": "#009E73"}
#: Neutral and accent colours for charts that are not about anti-BCMA classes.
NEUTRAL = "#555555"
ACCENTS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442"]
WIDTH_IN = 6.3  # fits the PDF text width and reads well in HTML
DPI = 150

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "svg.hashsalt": "therapybook",
    "svg.fonttype": "path",
    "path.simplify": True,
}


def setup() -> None:
    """Apply the book's matplotlib style (idempotent)."""
    plt.rcParams.update(STYLE)


def new(height: float = 3.2, ncols: int = 1, nrows: int = 1, **kw):
    """A figure of the book's width: ``fig, ax = figures.new()``."""
    setup()
    return plt.subplots(nrows, ncols, figsize=(WIDTH_IN, height), **kw)


def french_axis(ax, axis: str = "y", digits: int = 0) -> None:
    """Write the tick labels of ``axis`` with a decimal comma."""
    formatter = FuncFormatter(lambda v, _pos: fmt.number(v, digits))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def publish(
    fig,
    name: str,
    *,
    caption: str,
    alt: str,
    sources: Sequence[str],
    synthetic: bool = False,
    source_line: str | None = None,
):
    """Save ``fig`` as ``figures/<name>.svg|png`` and return its numbered MyST figure.

    ``fig`` is a matplotlib figure or any drawing with the same ``savefig(path, format=…)``
    (a Graphviz diagram of :mod:`therapybook.plots.graphs`).

    ``sources`` are the data-package resources the figure was computed from; they
    are recorded with their hashes and named by the caption's last line (``source_line``
    replaces the place it gives: « article, figure 2 »). ``synthetic`` prefixes the caption
    with a notice.
    """
    from IPython.display import Markdown

    if not alt.strip():
        raise ValueError(f"La figure « {name} » n'a pas de texte alternatif.")
    FIG_DIR.mkdir(parents=True, exist_ok=True)
    outputs = []
    for ext, meta in (("svg", {"Date": None, "Creator": None}),
                      ("png", {"Software": None})):
        path = FIG_DIR / f"{name}.{ext}"
        fig.savefig(path, format=ext, metadata=meta, bbox_inches="tight")
        outputs.append(path)
    if isinstance(fig, matplotlib.figure.Figure):  # a Graphviz drawing has nothing to close
        plt.close(fig)
    if synthetic:
        caption = f"{tables.SYNTHETIC_LABEL} {caption}"
    provenance.record("figure", name, caption=caption, sources=sources, outputs=outputs)
    caption = f"{caption} {attribution.caption_line(sources, source_line)}"
    rel = os.path.relpath(FIG_DIR, Path.cwd()).replace(os.sep, "/")
    alt_text = " ".join(alt.split()).replace('"', "'")
    return Markdown(
        f"```{{figure}} {rel}/{name}.*\n:name: fig-{name}\n:alt: {alt_text}\n:width: 100%\n\n"
        f"{caption}\n```\n"
    )


def grouped_bars(ax, table, *, colors: Sequence[str], digits: int = 0, unit: str = "",
                 ylabel: str = "", hatches: Sequence[str] | None = None) -> None:
    """Bars of ``table`` (rows = groups on the x axis, columns = series), labelled in French.

    Missing cells leave a gap marked « n. r. » (not reported) rather than a zero bar.
    """
    n = len(table.columns)
    width = 0.8 / n
    for j, col in enumerate(table.columns):
        xs = [i + (j - (n - 1) / 2) * width for i in range(len(table))]
        values = table[col].astype(float)
        bars = ax.bar(xs, values.fillna(0), width, label=str(col), color=colors[j % len(colors)],
                      hatch=(hatches[j % len(hatches)] if hatches else None), edgecolor="white")
        for x, v, bar in zip(xs, values, bars, strict=True):
            shown = fmt.number(v, digits if v % 1 else 0)  # 80 → « 80 », 55.2 → « 55,2 »
            label = "n. r." if v != v else f"{shown}{unit}"
            ax.annotate(label, (x, 0 if v != v else bar.get_height()), ha="center",
                        va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")
    ax.set_xticks(range(len(table)), [str(i) for i in table.index])
    ax.set_ylabel(ylabel)
    french_axis(ax, "y", 0)


def seaborn_theme() -> None:
    """The book's style for seaborn charts: seaborn's white theme with the book's fonts,
    sizes, spines and byte-stable SVG settings (:data:`STYLE`); call before drawing."""
    import seaborn as sns

    sns.set_theme(context="paper", style="white", font=STYLE["font.family"], rc=STYLE)
