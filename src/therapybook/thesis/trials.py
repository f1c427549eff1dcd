"""Efficacy results of the anti-BCMA trials: formatted values, tables and comparison chart.

Works on the long ``resultats_essais_anti_bcma`` resource (one row per trial, arm and
measure) and the ``essais_anti_bcma`` descriptions; labels come from ``libelles_these``
(:class:`therapybook.study.wording.Labels`). A median that was not reached is a flag
(``not_reached``), never a number: it prints « non atteinte » and is drawn as such. The
comparison chart is drawn by seaborn in the book's style.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from therapybook.plots import figures
from therapybook.render import fmt, notes

PERCENT_MEASURES = {"orr", "orr_up_to", "vgpr_or_better", "pfs_rate"}
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


def quotes(results: pd.DataFrame, trials: pd.DataFrame) -> dict:
    """Every result and design cell the chapter quotes, each with its data row:
    ``<trial>_<measure>`` (comparator arm: ``<trial>_comparator_<measure>``; p-value:
    ``<trial>_<measure>_p``) and ``<trial>_<column>`` of the trial's design."""
    from therapybook import data

    out = {}
    for _, row in results.iterrows():
        src = data.source("resultats_essais_anti_bcma", trial=row["trial"], arm=row["arm"],
                          measure=row["measure"])
        arm = "" if row["arm"] == "anti_bcma" else "comparator"
        out[key(row["trial"], *([arm] if arm else []), row["measure"])] = (format_value(row), src)
        if pd.notna(row.get("p_value")):
            out[key(row["trial"], row["measure"], "p")] = (fmt.number(row["p_value"], 3), src)
        ci = printed_ci(results, row["trial"], row["measure"])
        if ci:
            out[key(row["trial"], row["measure"], "ci_as_printed")] = (ci, src)
    for _, row in trials.iterrows():
        src = data.source("essais_anti_bcma", trial=row["trial"])
        for column in ("phase", "regimen", "comparator", "prior_lines", "refractory",
                       "refractory_share", "indication"):
            if isinstance(row[column], str) and row[column]:
                # both count lines of treatment (« lignes », feminine)
                text = (fmt.small_numbers_in_words(row[column], feminine=True)
                        if column in ("prior_lines", "indication") else row[column])
                out[key(row["trial"], column)] = (text, src)
        if pd.notna(row["prior_lines_n"]):
            out[key(row["trial"], "prior_lines_n")] = (fmt.count(int(row["prior_lines_n"])), src)
    return out


def cell(results: pd.DataFrame, trial: str, measure: str) -> str:
    """Table cell for ``trial`` and ``measure``: anti-BCMA arm, then « vs » comparator."""
    rows = results[(results["trial"] == trial) & (results["measure"] == measure)]
    arms = {r["arm"]: format_value(r) for _, r in rows.iterrows()}
    text = arms.get("anti_bcma", "")
    if "comparator" in arms:
        text = f"{text} vs {arms['comparator']}"
    return text


def design_table(trials: pd.DataFrame, labels) -> pd.DataFrame:
    """Design of each trial (agent, class, phase, comparator, population, prior lines)."""
    classes = labels.labels("anti_bcma_class", "short")
    return pd.DataFrame({
        "Essai": trials["trial"],
        "Molécule (classe)": [f"{r if isinstance(r, str) and r else a} ({classes[c]})"
                              for a, r, c in zip(trials["agent"], trials["regimen"],
                                                 trials["anti_bcma_class"], strict=True)],
        "Phase": [notes.mark(p, v) for p, v in zip(trials["phase"], trials.get(
            "verification", pd.Series([None] * len(trials), index=trials.index)), strict=True)],
        "Comparateur": trials["comparator"].fillna(""),
        "Population": trials["population"],
        "Lignes antérieures": trials["prior_lines"].fillna(""),
        "Réfractarité": trials["refractory"].fillna(""),
    })


def results_table(trials: pd.DataFrame, results: pd.DataFrame, labels) -> pd.DataFrame:
    """One row per trial with a result, one column per result; empty where the thesis gives
    nothing."""
    trials = trials[trials["trial"].isin(results["trial"])]
    table = pd.DataFrame({"Essai": trials["trial"]})
    for measure, header in labels.labels("trial_result").items():
        table[header] = [notes.mark(cell(results, t, measure), _note_of(results, t, measure))
                         for t in trials["trial"]]
    orr_up_to = [cell(results, t, "orr_up_to") for t in trials["trial"]]
    table["Réponse globale"] = [a or (f"{b}*" if b else "")
                                for a, b in zip(table["Réponse globale"], orr_up_to, strict=True)]
    return table


def _note_of(results: pd.DataFrame, trial: str, measure: str) -> str | None:
    """The verification note that applies to ``trial``'s ``measure``, if any."""
    if "verification" not in results:
        return None
    rows = results[(results["trial"] == trial) & (results["measure"] == measure)]
    ids = [v for v in rows["verification"] if isinstance(v, str) and v]
    return ids[0] if ids else None


#: The measures :func:`comparison_figure` draws.
CHART_MEASURES = ("orr", "pfs_median")


def chart_notes_legend(results: pd.DataFrame) -> str:
    """Caption sentence explaining the note marks drawn in :func:`comparison_figure`."""
    drawn = results[results["measure"].isin(CHART_MEASURES) & results["value"].notna()]
    return notes.legend(drawn.get("verification", pd.Series(dtype=str)).dropna())


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
            mark = r.get("verification") if r is not None else None
            rows.append({"note": note, "trial": t.trial, "arm": arm,
                         "mark": mark if isinstance(mark, str) and mark else "",
                         "anti_bcma_class": t.anti_bcma_class,
                         "value": np.nan if r is None else r["value"],
                         "not_reached": bool(r is not None and r["not_reached"]),
                         "reported": r is not None})
    return pd.DataFrame(rows)


def _panel(ax, frame: pd.DataFrame, *, unit: str, digits: int, title: str,
           follow_up: dict[str, tuple[float, str]]) -> None:
    """One horizontal bar chart: seaborn draws the reported values, coloured by class (grey
    for comparator arms); a median not reached is a hatched band as long as the follow-up,
    a value the thesis does not give a « non rapporté » note."""
    import seaborn as sns

    rows = frame.reset_index(drop=True).assign(
        row=lambda d: range(len(d)),
        group=lambda d: [c if a == "anti_bcma" else "comparator"
                         for c, a in zip(d["anti_bcma_class"], d["arm"], strict=True)],
        shown=lambda d: d["value"].where(~d["not_reached"]))
    palette = {**figures.CLASS_COLORS, "comparator": COMPARATOR_COLOR}
    sns.barplot(rows, y="row", x="shown", hue="group", palette=palette, orient="h", ax=ax,
                dodge=False, legend=False, saturation=1, width=0.8, order=list(rows["row"]))
    top = float(np.nanmax(rows["value"])) if rows["value"].notna().any() else 1.0
    for r in rows.itertuples():
        color = palette[r.group]
        if r.not_reached and r.trial in follow_up:
            length, label = follow_up[r.trial]
            ax.barh(r.row, length, color="white", edgecolor=color, hatch="//", height=0.8)
            ax.annotate("", (length * 1.12, r.row), (length, r.row),
                        arrowprops={"arrowstyle": "-|>", "color": color})
            ax.text(length * 1.14, r.row, f" non atteinte\n à {label} de suivi", va="center",
                    fontsize=7)
        elif r.not_reached:
            ax.text(0, r.row, " non atteinte", va="center", fontsize=7)
        elif not r.reported or np.isnan(r.value):
            text = f" non rapporté par essai ({r.note})" if r.note else " non rapporté"
            ax.text(0, r.row, text, va="center", fontsize=7, color=figures.NEUTRAL)
        else:
            shown = fmt.number(r.value, 0 if float(r.value).is_integer() else digits)
            mark = f" ({r.mark})" if r.mark else ""
            ax.text(r.value, r.row, f" {shown}{unit}{mark}", va="center", fontsize=7)
    ax.set_yticks(list(rows["row"]), [t if a == "anti_bcma" else "comparateur"
                                      for t, a in zip(rows["trial"], rows["arm"], strict=True)],
                  fontsize=7.5)
    ax.set_xlim(0, top * 1.3)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(title, fontsize=9)
    figures.french_axis(ax, "x", 0)


def comparison_figure(trials: pd.DataFrame, results: pd.DataFrame, labels):
    """Two panels: overall response rate and median PFS per trial with a result, coloured
    by class (seaborn, the book's theme). Comparator arms are grey bars under their trial;
    a median not reached is a hatched band labelled « non atteinte » with the follow-up; a
    value absent from the thesis reads « non rapporté » (no bar)."""
    figures.seaborn_theme()
    trials = trials[trials["trial"].isin(results["trial"])]
    follow = {r.trial: (r.value, fmt.months(r.value, 0 if float(r.value).is_integer() else 1))
              for r in results[results["measure"] == "follow_up"].itertuples()}
    fig, axes = figures.new(height=4.6, ncols=2, sharey=False)
    _panel(axes[0], chart_frame(trials, results, "orr", "orr_up_to"), unit=" %", digits=1,
           title="Taux de réponse globale (%)", follow_up={})
    _panel(axes[1], chart_frame(trials, results, "pfs_median"), unit=" mois", digits=1,
           title="Survie sans progression médiane (mois)", follow_up=follow)
    classes = [c for c in labels.labels("anti_bcma_class") if c in figures.CLASS_COLORS]
    handles = [Rectangle((0, 0), 1, 1, color=figures.CLASS_COLORS[c]) for c in classes]
    handles.append(Rectangle((0, 0), 1, 1, color=COMPARATOR_COLOR))
    names = [labels.label("anti_bcma_class", c) for c in classes] + ["Bras comparateur"]
    fig.legend(handles, names, loc="lower center", ncol=4, fontsize=7.5,
               bbox_to_anchor=(0.5, -0.04))
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def printed_ci(results: pd.DataFrame, trial: str, measure: str) -> str:
    """Confidence interval as printed in ``as_printed`` (e.g. ``95% CI 4,6-10,6``), or ``""``."""
    row = results[(results["trial"] == trial) & (results["measure"] == measure)].iloc[0]
    match = re.search(r"95\s?%\s*CI\s*\d+(?:,\d+)?\s*-\s*\d+(?:,\d+)?", row["as_printed"])
    return match.group(0) if match else ""


def results_notes(results: pd.DataFrame) -> list[str]:
    """Footnotes of the results table, from the data: abbreviations, the shared « up to »
    rate, the printed interval that is not kept, and what each follow-up is."""
    shared = results[results["measure"] == "orr_up_to"]
    notes = ["Cellule vide : valeur non donnée. ≥ TBRP : au moins une très bonne "
             "réponse partielle ; SSP : survie sans progression ; SG : survie globale ; HR : "
             "hazard ratio."]
    if not shared.empty:
        names = " et ".join(dict.fromkeys(shared["trial"]))
        notes.append(f"\\* Taux « {format_value(shared.iloc[0])} » donné pour {names} "
                     "ensemble.")
    for row in results.itertuples():
        ci = printed_ci(results, row.trial, row.measure)
        if ci:
            notes.append(f"{row.trial} : la thèse imprime « {ci} » pour le HR, intervalle "
                         "incohérent avec sa valeur ; non repris.")
    follow = results[results["measure"] == "follow_up"]
    median = follow[follow["note"].fillna("").str.startswith("Suivi médian")]["trial"]
    other = follow[~follow["trial"].isin(median)]["trial"]
    if len(median):
        notes.append(f"Suivi médian : {', '.join(median)}."
                     + (f" {', '.join(other)} : la thèse ne dit pas si le suivi est médian."
                        if len(other) else ""))
    return notes


def comparison_alt(trials: pd.DataFrame, results: pd.DataFrame) -> str:
    """Alternative text of the comparison chart, computed from the results."""
    orr = results[(results["measure"] == "orr") & (results["arm"] == "anti_bcma")]
    best = orr.loc[orr["value"].idxmax()] if not orr.empty else None
    low = orr.loc[orr["value"].idxmin()] if not orr.empty else None
    not_reached = results[results["not_reached"]]["trial"].tolist()
    parts = ["Deux diagrammes en barres horizontales, un par critère, une barre par essai et par "
             "bras (les bras comparateurs en gris)"]
    if best is not None:
        parts.append(f"taux de réponse le plus haut : {best['trial']} ({format_value(best)}), "
                     f"le plus bas : {low['trial']} ({format_value(low)})")
    if not_reached:
        parts.append("médiane de survie sans progression non atteinte : "
                     + ", ".join(not_reached))
    return " ; ".join(parts) + "."
