"""Kaplan-Meier figures in the book's style (French labels, survminer-like risk table).

``kmplot.plot({"CAR-T cells": km1, "Bispécifiques": km2}, colors=...)`` draws step
curves, their 95 % pointwise band (R's "log" transform, from :mod:`survival`),
censoring ticks "+", the medians (dashed guide lines), an optional log-rank p and the
numbers at risk under the x axis (one row per curve, at the x tick times, coloured
like the curves). The caller publishes the figure with :func:`figures.publish`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.ticker import FuncFormatter, MultipleLocator

from therapybook.plots import figures
from therapybook.render import fmt
from therapybook.stats.survival import KaplanMeier, r_signif

XLABEL = "Temps depuis l'échec de l'anti-BCMA (mois)"
YLABEL = "Probabilité de survie"
RISK_TITLE = "Nombre de patients à risque"
_STEPS = (1, 2, 3, 4, 6, 12, 24)


def default_step(xmax: float, max_ticks: int = 9) -> float:
    """The x tick spacing (months): the smallest of 1, 2, 3, 4, 6, 12, 24 giving ≤ max_ticks."""
    for s in _STEPS:
        if xmax / s <= max_ticks:
            return s
    return float(np.ceil(xmax / max_ticks))


def tick_times(xmax: float, step: float) -> np.ndarray:
    """Tick times 0, step, 2·step… up to ``xmax`` (also the risk-table times)."""
    return np.arange(0, xmax + step * 1e-9, step)


def median_label(km: KaplanMeier) -> str:
    """« médiane 4,37 mois » / « médiane non atteinte » (R's 3 significant digits)."""
    if np.isnan(km.median):
        return "médiane non atteinte"
    return f"médiane {r_signif(km.median, decimal=',')}{fmt.NBSP}mois"


def pvalue_label(p: float | str) -> str:
    """``0.0241`` → « p = 0,024 » (three decimals; « p < 0,001 » below)."""
    if isinstance(p, str):
        return p
    if p < 0.001:
        return "p < 0,001"
    return f"p = {fmt.number(p, 3)}"


def _step_xy(km: KaplanMeier, values: np.ndarray, start: float = 1.0):
    return np.concatenate(([0.0], km.time)), np.concatenate(([start], values))


def plot(
    curves: Mapping[str, KaplanMeier],
    *,
    colors: Mapping[str, str] | None = None,
    title: str | None = None,
    xmax: float | None = None,
    step: float | None = None,
    pvalue: float | str | None = None,
    ci: bool = True,
    medians: bool = True,
    risk_table: bool = True,
    legend: bool = True,
    xlabel: str = XLABEL,
    ylabel: str = YLABEL,
    height: float | None = None,
    sizes: bool = True,
):
    """Kaplan-Meier figure of ``curves`` (label → :class:`KaplanMeier`); returns the Figure.

    ``colors``: label → colour (default: :data:`figures.ACCENTS` in order; use
    :data:`figures.CLASS_COLORS` for anti-BCMA classes). ``xmax``: right end of the x axis
    (default: the last time); ``step``: x tick spacing in months, also the risk-table times.
    ``pvalue``: log-rank p (float, printed « p = 0,024 ») or a ready string.
    ``sizes=False`` leaves out each curve's size (« n = … ») and the risk table, for curves
    whose sizes the published numbers do not fix (a reconstruction's choice, not a fact).
    The main axes is ``fig.axes[0]``; the risk table, if any, is ``fig.axes[1]``.
    """
    if not curves:
        raise ValueError("aucune courbe à tracer")
    names = list(curves)
    colors = dict(colors or {})
    for i, name in enumerate(names):
        colors.setdefault(name, figures.ACCENTS[i % len(figures.ACCENTS)])
    if xmax is None:
        xmax = max(float(km.time[-1]) for km in curves.values())
    xmax = max(float(xmax), 1e-9)
    step = step or default_step(xmax)
    ticks = tick_times(xmax, step)

    rows = len(names) if risk_table and sizes else 0
    main_h = 2.6  # inches of the survival axes
    risk_h = 0.22 * rows  # inches of the risk table
    gap = 0.78 if rows else 0.0  # x tick labels, x label and the risk-table title
    height = height or main_h + gap + risk_h + 0.5
    main_h = height - gap - risk_h - 0.5
    fig, ax = figures.new(height=height)
    left, width = 0.1, 0.88
    ax.set_position([left, (0.45 + risk_h + gap) / height, width, main_h / height])
    rax = fig.add_axes([left, 0.45 / height, width, risk_h / height]) if rows else None

    for name in names:
        km, color = curves[name], colors[name]
        x, y = _step_xy(km, km.surv)
        size = f" (n = {km.n})" if sizes else ""
        label = f"{name}{size} : {median_label(km)}" if medians else f"{name}{size}"
        ax.step(x, y, where="post", color=color, lw=1.6, label=label, zorder=3)
        if ci:
            _, lo = _step_xy(km, km.lower)
            _, hi = _step_xy(km, km.upper)
            ax.fill_between(x, lo, hi, step="post", color=color, alpha=0.13, lw=0, zorder=1)
        ct, cs = km.censor_marks()
        ax.plot(ct, cs, ls="none", marker="+", ms=7, mew=1.2, color=color, zorder=4)
        if medians and not np.isnan(km.median):
            ax.plot([0, km.median], [0.5, 0.5], ls="--", lw=0.8, color="#777777", zorder=2)
            ax.plot([km.median, km.median], [0, 0.5], ls="--", lw=0.9, color=color, zorder=2)

    ax.set_xlim(0, xmax * 1.02)
    ax.set_ylim(0, 1.04)
    ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt.number(v, 0 if step >= 1 else 1)))
    ax.yaxis.set_major_locator(MultipleLocator(0.2))
    figures.french_axis(ax, "y", 1)
    ax.set_ylabel(ylabel)
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", color="#e5e5e5", lw=0.6, zorder=0)
    top = 0.0  # height (points) of what sits above the axes
    if legend:
        leg = ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), fontsize=8,
                        handlelength=1.6, borderaxespad=0, borderpad=0.2)
        fig.canvas.draw()
        top = leg.get_window_extent().height * 72 / fig.dpi
    if pvalue is not None:
        ax.text(1.0, 1.0, f"Log-rank : {pvalue_label(pvalue)}", transform=ax.transAxes,
                fontsize=9, ha="right", va="bottom")
        top = max(top, 12.0)
    if title:
        ax.set_title(title, loc="left", pad=top + 6)

    if rax is not None:
        _risk_table(rax, curves, names, colors, ticks, ax.get_xlim())
    return fig


def _risk_table(rax, curves, names, colors, ticks, xlim) -> None:
    rax.set_label("risk_table")
    rax.set_xlim(*xlim)
    rax.set_ylim(-0.5, len(names) - 0.5)
    for j, name in enumerate(names):
        yrow = len(names) - 1 - j
        for t, k in zip(ticks, curves[name].at_risk(ticks), strict=True):
            rax.text(t, yrow, str(int(k)), ha="center", va="center", fontsize=8,
                     color=colors[name])
    rax.set_yticks(range(len(names)), names[::-1], fontsize=8)
    for lab, name in zip(rax.get_yticklabels(), names[::-1], strict=True):
        lab.set_color(colors[name])
    rax.set_xticks(ticks)
    rax.tick_params(axis="both", length=0, labelbottom=False)
    rax.tick_params(axis="y", pad=14)
    for spine in rax.spines.values():
        spine.set_visible(False)
    rax.set_title(RISK_TITLE, loc="left", fontsize=8, color="#333333")


def plot_classes(curves: Mapping[str, KaplanMeier], labels: Mapping[str, str], **kw):
    """One curve per anti-BCMA class (``curves`` keyed by class code), in the classes'
    colours and labels, without bands (too wide to read with so few patients)."""
    named = {labels.get(c, c): km for c, km in curves.items()}
    colors = {labels.get(c, c): figures.CLASS_COLORS[c] for c in curves}
    return plot(named, colors=colors, **{"ci": False, **kw})


def describe(curves: Mapping[str, KaplanMeier], labels: Mapping[str, str] | None = None,
               pvalue: float | None = None, *, sizes: bool = True) -> str:
    """Alternative text of a Kaplan-Meier figure: each curve with its size and median
    (« CAR-T cells (n = 18), médiane 5,52 mois ; … »), then the log-rank p if any;
    ``sizes=False`` as in :func:`plot`."""
    labels = labels or {}
    parts = [f"{labels.get(k, k)}{f' (n = {km.n})' if sizes else ''}, {median_label(km)}"
             for k, km in curves.items()]
    text = " ; ".join(parts)
    return text + (f" ; log-rank {pvalue_label(pvalue)}" if pvalue is not None else "")


def pair_colors(curves: Mapping[str, KaplanMeier]) -> dict[str, str]:
    """Colours of a two-curve comparison: an accent for the first, neutral for the other."""
    first, *rest = list(curves)
    return {first: figures.ACCENTS[3], **{name: figures.NEUTRAL for name in rest}}
