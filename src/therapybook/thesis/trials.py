"""Efficacy results of the anti-BCMA trials: formatted values, tables and comparison chart.

Works on the long ``resultats_essais_anti_bcma`` resource (one row per trial, arm and
measure) and the ``essais_anti_bcma`` descriptions. A median that was not reached is a
flag (``not_reached``), never a number: it prints « non atteinte » and is drawn as such.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from therapybook.plots import figures
from therapybook.render import fmt

PERCENT_MEASURES = {"orr", "orr_up_to", "vgpr_or_better", "pfs_rate"}
#: Columns of the results table: (measure, header).
RESULT_COLUMNS = [
    ("orr", "Réponse globale"),
    ("vgpr_or_better", "≥ TBRP"),
    ("dor_median", "Durée médiane de réponse"),
    ("pfs_median", "SSP médiane"),
    ("os_median", "SG médiane"),
    ("hr_pfs", "HR de la SSP"),
    ("follow_up", "Suivi"),
]
COMPARATOR_COLOR = "#BBBBBB"


def key(*parts: str) -> str:
    """Glue name from parts: ``key("MajesTEC-1", "orr")`` → ``majestec1_orr``."""
    return "_".join(re.sub(r"[^a-z0-9_]", "", p.lower().replace("-", "")) for p in parts)


def format_value(row: pd.Series) -> str:
    """One result in French: ``63 %``, ``11,3 mois``, ``non atteinte``, ``environ 4 mois``."""
    if row["not_reached"]:
        return "non atteinte"
    value = row["value"]
    if pd.isna(value):
        return ""
    digits = 0 if float(value).is_integer() else (2 if row["measure"] == "hr_pfs" else 1)
    if row["measure"] in PERCENT_MEASURES:
        text = fmt.percent(value, digits)
    elif row.get("unit") == "mois":
        text = fmt.months(value, digits)
    else:
        text = fmt.number(value, digits)
    if row["measure"] == "orr_up_to":
        text = f"jusqu'à {text}"
    return f"environ {text}" if row["approximate"] else text


def glue_values(results: pd.DataFrame) -> dict[str, str]:
    """Formatted value of every row, named ``<trial>_<measure>`` (comparator: ``_comparator``)."""
    out = {}
    for _, row in results.iterrows():
        arm = "" if row["arm"] == "anti_bcma" else "comparator"
        out[key(row["trial"], *([arm] if arm else []), row["measure"])] = format_value(row)
        if pd.notna(row.get("p_value")):
            out[key(row["trial"], row["measure"], "p")] = fmt.number(row["p_value"], 3)
    return out


def cell(results: pd.DataFrame, trial: str, measure: str) -> str:
    """Table cell for ``trial`` and ``measure``: anti-BCMA arm, then « vs » comparator."""
    rows = results[(results["trial"] == trial) & (results["measure"] == measure)]
    arms = {r["arm"]: format_value(r) for _, r in rows.iterrows()}
    text = arms.get("anti_bcma", "")
    if "comparator" in arms:
        text = f"{text} vs {arms['comparator']}"
    return text


def design_table(trials: pd.DataFrame) -> pd.DataFrame:
    """Design of each trial (agent, class, phase, comparator, population, prior lines)."""
    return pd.DataFrame({
        "Essai": trials["trial"],
        "Molécule (classe)": [f"{a} ({figures.CLASS_LABELS[c]})"
                              for a, c in zip(trials["agent"], trials["anti_bcma_class"],
                                              strict=True)],
        "Phase": trials["phase"],
        "Comparateur": trials["comparator"].fillna(""),
        "Population": trials["population"],
        "Lignes antérieures": trials["prior_lines"].fillna(""),
        "Réfractarité": trials["refractory"].fillna(""),
    })


def results_table(trials: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """One row per trial, one column per result; empty where the thesis gives nothing."""
    table = pd.DataFrame({"Essai": trials["trial"]})
    for measure, header in RESULT_COLUMNS:
        table[header] = [cell(results, t, measure) for t in trials["trial"]]
    orr_up_to = [cell(results, t, "orr_up_to") for t in trials["trial"]]
    table["Réponse globale"] = [a or (f"{b}*" if b else "")
                                for a, b in zip(table["Réponse globale"], orr_up_to, strict=True)]
    return table


def chart_frame(trials: pd.DataFrame, results: pd.DataFrame, measure: str,
                fallback: str | None = None) -> pd.DataFrame:
    """Values of ``measure`` per trial and arm for the chart (NaN when absent).

    ``note`` holds the formatted ``fallback`` measure (e.g. a bound shared by several
    trials) when ``measure`` itself is absent.
    """
    rows = []
    for t in trials.itertuples():
        for arm in ("anti_bcma", "comparator"):
            hit = results[(results["trial"] == t.trial) & (results["arm"] == arm)
                          & (results["measure"] == measure)]
            if arm == "comparator" and hit.empty:
                continue
            r = hit.iloc[0] if not hit.empty else None
            note = ""
            if r is None and fallback:
                note = cell(results[results["arm"] == arm], t.trial, fallback)
            rows.append({"note": note, "trial": t.trial, "arm": arm,
                         "anti_bcma_class": t.anti_bcma_class,
                         "value": np.nan if r is None else r["value"],
                         "not_reached": bool(r is not None and r["not_reached"]),
                         "reported": r is not None})
    return pd.DataFrame(rows)


def _panel(ax, frame: pd.DataFrame, *, unit: str, digits: int, title: str,
           follow_up: dict[str, tuple[float, str]]) -> None:
    labels, positions, pos = [], [], 0.0
    top = float(np.nanmax(frame["value"])) if frame["value"].notna().any() else 1.0
    for trial, group in frame.groupby("trial", sort=False):
        for r in group.itertuples():
            color = (figures.CLASS_COLORS[r.anti_bcma_class] if r.arm == "anti_bcma"
                     else COMPARATOR_COLOR)
            if r.not_reached and trial in follow_up:
                length, label = follow_up[trial]
                ax.barh(pos, length, color="white", edgecolor=color, hatch="//", height=0.8)
                ax.annotate("", (length * 1.12, pos), (length, pos),
                            arrowprops={"arrowstyle": "-|>", "color": color})
                ax.text(length * 1.14, pos, f" non atteinte\n à {label} de suivi", va="center",
                        fontsize=7)
            elif r.not_reached:
                ax.text(0, pos, " non atteinte", va="center", fontsize=7)
            elif not r.reported or np.isnan(r.value):
                label = f" non rapporté par essai ({r.note})" if r.note else " non rapporté"
                ax.text(0, pos, label, va="center", fontsize=7, color=figures.NEUTRAL)
            else:
                ax.barh(pos, r.value, color=color, height=0.8)
                shown = fmt.number(r.value, 0 if float(r.value).is_integer() else digits)
                ax.text(r.value, pos, f" {shown}{unit}", va="center", fontsize=7)
            labels.append(trial if r.arm == "anti_bcma" else "   comparateur")
            positions.append(pos)
            pos += 1
        pos += 0.4
    ax.set_yticks(positions, labels, fontsize=7.5)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.3)
    ax.set_title(title, fontsize=9)
    figures.french_axis(ax, "x", 0)


def comparison_figure(trials: pd.DataFrame, results: pd.DataFrame):
    """Two panels: overall response rate and median PFS per trial, coloured by class.

    Comparator arms are grey bars under their trial; a median not reached is a hatched
    band labelled « non atteinte » with the follow-up; a value absent from the thesis
    reads « non rapporté » (no bar).
    """
    follow = {r.trial: (r.value, fmt.months(r.value, 0 if float(r.value).is_integer() else 1))
              for r in results[results["measure"] == "follow_up"].itertuples()}
    fig, axes = figures.new(height=4.6, ncols=2, sharey=False)
    _panel(axes[0], chart_frame(trials, results, "orr", "orr_up_to"), unit=" %", digits=1,
           title="Taux de réponse globale (%)", follow_up={})
    _panel(axes[1], chart_frame(trials, results, "pfs_median"), unit=" mois", digits=1,
           title="Survie sans progression médiane (mois)", follow_up=follow)
    handles = [Rectangle((0, 0), 1, 1, color=c) for c in figures.CLASS_COLORS.values()]
    handles.append(Rectangle((0, 0), 1, 1, color=COMPARATOR_COLOR))
    labels = [*figures.CLASS_LABELS.values(), "Bras comparateur"]
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=7.5,
               bbox_to_anchor=(0.5, -0.04))
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def printed_ci(results: pd.DataFrame, trial: str, measure: str) -> str:
    """Confidence interval as printed in ``as_printed`` (e.g. ``95% CI 4,6-10,6``), or ``""``."""
    row = results[(results["trial"] == trial) & (results["measure"] == measure)].iloc[0]
    match = re.search(r"95\s?%\s*CI\s*\d+(?:,\d+)?\s*-\s*\d+(?:,\d+)?", row["as_printed"])
    return match.group(0) if match else ""
