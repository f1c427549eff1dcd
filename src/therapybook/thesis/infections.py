"""Infection rates of the bispecific trials as the thesis gives them: table and chart.

Each rate keeps the denominator the thesis prints: most are percentages of patients, but
for MajesTEC-1 the grade 3–4 and grade 5 figures are percentages of the infections
reported. The chart is drawn by seaborn in the book's style.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.patches import Patch

from therapybook.plots import figures
from therapybook.render import fmt, notes, stated

#: The severity bars of the chart, in order (labels: ``infection_measure`` of
#: ``libelles_these``).
GRADES = ("infection_any", "infection_grade3_4", "infection_grade5")


def rate_text(value: float, denominator: str, labels) -> str:
    """« 55,2 % des infections rapportées »: the rate with the denominator it is printed on."""
    return f"{stated.value(value, unit='%')} {labels.label('infection_denominator', denominator)}"


def table(rates: pd.DataFrame, labels) -> pd.DataFrame:
    """One row per measure, one column per trial; each cell says its denominator."""
    measures = labels.labels("infection_measure")
    rows = rates[rates["measure"].isin(measures)]
    out = {"Mesure": list(measures.values())}
    for trial in dict.fromkeys(rows["trial"]):
        sub = rows[rows["trial"] == trial].set_index("measure")
        out[trial] = [notes.mark(rate_text(sub.loc[m, "value_pct"], sub.loc[m, "denominator"],
                                        labels), sub.loc[m].get("verification"))
                      if m in sub.index else "" for m in measures]
    return pd.DataFrame(out)


def notes_legend(rates: pd.DataFrame) -> str:
    """Caption sentence explaining the note marks of :func:`table` and :func:`chart`."""
    return notes.legend(rates.get("verification", pd.Series(dtype=str)).dropna())


def chart(rates: pd.DataFrame, labels):
    """Bars of the infection rates by severity, one colour per trial (seaborn); a bar whose
    rate is a share of the reported infections rather than of the patients is hatched."""
    import seaborn as sns

    figures.seaborn_theme()
    measures = labels.labels("infection_measure")
    rows = rates[rates["measure"].isin(GRADES)].assign(
        Sévérité=lambda d: d["measure"].map(measures))
    fig, ax = figures.new(height=3.0)
    palette = [figures.CLASS_COLORS["bispecific"], "#F2B38F"]
    sns.barplot(rows, x="Sévérité", y="value_pct", hue="trial", palette=palette, ax=ax,
                order=[measures[m] for m in GRADES], errorbar=None, edgecolor="white")
    for container, (_trial, group) in zip(ax.containers, rows.groupby("trial", sort=False),
                                          strict=True):
        by = group.set_index("Sévérité")
        for bar, label in zip(container, [measures[m] for m in GRADES], strict=True):
            if label in by.index and by.loc[label, "denominator"] == "infections":
                bar.set_hatch("//")
        marks = [by.loc[label].get("verification") if label in by.index else None
                 for label in [measures[m] for m in GRADES]]
        ax.bar_label(container, labels=[
            fmt.number(v, 0 if float(v).is_integer() else 1) + f"{fmt.NBSP}%"
            + (f"\n{notes.image_marker(k)}" if isinstance(k, str) and k else "")
            for v, k in zip(container.datavalues, marks, strict=True)],
            fontsize=7, padding=2)
    ax.set_ylim(0, 100)
    ax.set_xlabel("")
    ax.set_ylabel("Pourcentage (%)")
    figures.french_axis(ax, "y", 0)
    handles, labels = ax.get_legend_handles_labels()
    if any(rows["denominator"] == "infections"):
        handles.append(Patch(facecolor="white", edgecolor=figures.NEUTRAL, hatch="//"))
        labels.append("hachures : % des infections rapportées")
    ax.legend(handles, labels, title="Essai (anticorps bispécifique)")
    return fig


def quotes(rates: pd.DataFrame, published: pd.DataFrame) -> dict:
    """Every rate and follow-up the chapter quotes (``majestec1_infection_any_value_pct`` →
    « 80 % »), each with its row, and the infectious deaths of the retrospective study."""
    from therapybook.thesis import quotes as q

    return q.cells("infections_essais", rates, ["trial", "measure"], ["value_pct", "follow_up"],
                   formats={"value_pct": lambda v: stated.value(v, unit="%")}
                   ) | study_deaths(published)


def study_deaths(published: pd.DataFrame) -> dict:
    """The infectious deaths of the retrospective study as the thesis prints them
    (« cinq »), with their row, for the chapter on infections."""
    from therapybook import data

    key = "text.deaths_infection_before_slt"
    value = published.loc[published["key"] == key, "value"].iloc[0]
    return {"deces_infectieux_etude": (fmt.count(int(value)),
                                       data.source("retrospective_published", key=key))}


def follow_up_note(rates: pd.DataFrame) -> str:
    """« Suivi rapporté : MajesTEC-1, 2 ans ; MagnetisMM-3, 1 an. »"""
    follow = rates.dropna(subset=["follow_up"]).groupby("trial", sort=False)["follow_up"].first()
    return "Suivi rapporté : " + " ; ".join(f"{t}, {f}" for t, f in follow.items()) + "."


def chart_alt(rates: pd.DataFrame, labels) -> str:
    """Alternative text of :func:`chart`: each severity with each trial's rate."""
    measures = labels.labels("infection_measure")
    rows = rates[rates["measure"].isin(GRADES)]
    parts = []
    for m in GRADES:
        sub = rows[rows["measure"] == m]
        parts.append(f"{measures[m].lower()} : " + ", ".join(
            f"{r.trial} {rate_text(r.value_pct, r.denominator, labels)}"
            for r in sub.itertuples()))
    return "Diagramme en barres groupées, une barre par essai et par sévérité ; " \
        + " ; ".join(parts) + "."
