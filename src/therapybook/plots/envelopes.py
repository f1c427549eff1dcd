"""Envelopes of Kaplan-Meier curves over an ensemble of pseudo-cohorts.

``envelopes.plot([Panel(title, [Band(...)])])`` draws, per band, the pointwise range of the
ensemble's curves (light), its central band (darker), one cohort's own curve (the shipped
pseudo-cohort) and the published median with its 95 % confidence interval, marked on the
0,5 line: the reader sees where every reconstruction passes (pinned by a printed number)
and where they spread. Same axes, labels and colours as :mod:`therapybook.plots.kmplot`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MultipleLocator

from therapybook.plots import figures, kmplot
from therapybook.render import fmt
from therapybook.stats.survival import KaplanMeier
from therapybook.study.ensemble import Envelope


@dataclass(frozen=True)
class Band:
    """One curve of a panel: its envelope, the shipped cohort's curve, what was printed."""

    label: str
    color: str
    envelope: Envelope
    shipped: KaplanMeier | None
    printed: tuple[float, float, float]  # median, lower, upper (NaN = NA)


@dataclass(frozen=True)
class Panel:
    title: str
    bands: Sequence[Band]


def _printed(ax, band: Band, xmax: float, y: float) -> None:
    """The published median (dot) and its CI (bar on the 0,5 line; an arrow for NA)."""
    med, lo, hi = band.printed
    right = xmax if math.isnan(hi) else hi
    ax.plot([lo, right], [y, y], color=band.color, lw=2.2, solid_capstyle="butt", zorder=5)
    ax.plot([lo], [y], marker="|", ms=8, mew=1.6, color=band.color, zorder=5)
    ax.plot([right], [y], marker=">" if math.isnan(hi) else "|", ms=6 if math.isnan(hi) else 8,
            mew=1.6, color=band.color, zorder=5)
    if not math.isnan(med):
        ax.plot([med], [y], marker="o", ms=5.5, mfc="white", mec=band.color, mew=1.6, zorder=6)


def plot(panels: Sequence[Panel], *, xmax: float, step: float | None = None,
         height: float = 3.4):
    """Envelope figure: one axes per panel, side by side, sharing the y axis."""
    if not panels:
        raise ValueError("aucun panneau à tracer")
    fig, axes = figures.new(height=height, ncols=len(panels), sharey=True, squeeze=False)
    axes = axes[0]
    step = step or kmplot.default_step(xmax, max_ticks=6 if len(panels) > 1 else 9)
    ticks = kmplot.tick_times(xmax, step)
    for ax, panel in zip(axes, panels, strict=True):
        n_bands = len(panel.bands)
        for k, band in enumerate(panel.bands):
            env = band.envelope
            keep = env.grid <= xmax
            x = env.grid[keep]
            ax.fill_between(x, env.low[keep], env.high[keep], step="post", color=band.color,
                            alpha=0.14, lw=0, zorder=1)
            ax.fill_between(x, env.central_low[keep], env.central_high[keep], step="post",
                            color=band.color, alpha=0.32, lw=0, zorder=2)
            if band.shipped is not None:
                km = band.shipped
                ax.step(np.concatenate(([0.0], km.time)), np.concatenate(([1.0], km.surv)),
                        where="post", color=band.color, lw=1.3, zorder=4)
            # printed marks, slightly apart when several bands share the 0,5 line
            _printed(ax, band, xmax, 0.5 + 0.035 * (k - (n_bands - 1) / 2))
        ax.axhline(0.5, color="#999999", lw=0.6, ls="--", zorder=0)
        ax.set_xlim(0, xmax * 1.02)
        ax.set_ylim(0, 1.04)
        ax.set_xticks(ticks)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt.number(v, 0)))
        ax.yaxis.set_major_locator(MultipleLocator(0.2))
        figures.french_axis(ax, "y", 1)
        ax.grid(axis="y", color="#e5e5e5", lw=0.6, zorder=0)
        ax.set_title(panel.title, loc="left", fontsize=9)
        ax.set_xlabel("Mois depuis l'échec" if len(panels) > 1 else kmplot.XLABEL)
    axes[0].set_ylabel(kmplot.YLABEL)
    n = panels[0].bands[0].envelope.n_cohorts
    grey = figures.NEUTRAL
    handles = [Patch(color=grey, alpha=0.14, lw=0, label=f"étendue des {n} pseudo-cohortes"),
               Patch(color=grey, alpha=0.32, lw=0, label="moitié centrale"),
               Line2D([], [], color=grey, lw=1.3, label="pseudo-cohorte livrée"),
               Line2D([], [], color=grey, lw=2.2, marker="o", mfc="white", ms=5,
                      label="médiane publiée et son IC à 95 %")]
    bands = {b.label: b.color for p in panels for b in p.bands if len(p.bands) > 1}
    handles += [Patch(color=c, alpha=0.5, lw=0, label=lab) for lab, c in bands.items()]
    fig.legend(handles=handles, loc="lower center", ncols=3 if len(handles) > 4 else 2,
               fontsize=7.5, frameon=False, bbox_to_anchor=(0.5, -0.02))
    fig.subplots_adjust(bottom=0.3 if len(handles) > 4 else 0.26, wspace=0.08)
    return fig


def bands(summary, curves, published, keys: Sequence[tuple[str, str]],
          labels: dict[str, str], colors: dict[str, str]) -> list[Band]:
    """One :class:`Band` per curve ``(endpoint, population)`` of ``keys``: the ensemble's
    envelope, the shipped cohort's curve (``curves``, from ``summary.curves``), the
    printed median and CI (``published``)."""
    from therapybook.study import ensemble

    return [Band(labels[pop], colors[pop], summary.envelope((ep, pop)), curves[(ep, pop)],
                 ensemble.printed_limits(published, ep, pop)) for ep, pop in keys]


#: The figures of the appendix: name → (panel title, curves, x limit). Curve labels and
#: colours are the book's (one colour per class, the neutral for all patients).
FIGURES = {
    "fig21a": ("Survie sans progression", [("pfs", "all")], {"all": "Lignes ultérieures"}, 30),
    "fig21b": ("Survie globale", [("os", "all")], {"all": "Survie globale"}, 36),
    "fig21c": ("Survie sans progression selon la ligne ultérieure",
               [("pfs", "anti_gprc5d"), ("pfs", "other_slt")],
               {"anti_gprc5d": "Anti-GPRC5D", "other_slt": "Autres lignes"}, 30),
}
_CLASS_LABELS = {"car_t": "CAR-T cells", "bispecific": "Bispécifiques", "adc": "ADC"}


def _color(population: str) -> str:
    from therapybook.plots import figures

    if population in figures.CLASS_COLORS:
        return figures.CLASS_COLORS[population]
    return figures.ACCENTS[3] if population == "anti_gprc5d" else figures.NEUTRAL


def figure(appendix, published, name: str):
    """The envelope figure ``name`` of :data:`FIGURES` (``appendix``:
    :func:`therapybook.study.ensemble.prepare`)."""
    title, keys, labels, xmax = FIGURES[name]
    return plot([Panel(title, bands(appendix.summary, appendix.curves, published, keys,
                                    labels, {p: _color(p) for _ep, p in keys}))], xmax=xmax)


def by_class(appendix, published, endpoint: str):
    """One panel per anti-BCMA class for ``endpoint`` (``"pfs"`` or ``"os"``)."""
    from therapybook.study.wording import classes

    return plot([Panel(_CLASS_LABELS[c], bands(appendix.summary, appendix.curves, published,
                                               [(endpoint, c)], {c: _CLASS_LABELS[c]},
                                               {c: _color(c)}))
                 for c in classes()], xmax=24)
