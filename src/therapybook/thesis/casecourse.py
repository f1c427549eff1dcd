"""Clinical timelines: a case's events, in the order the source tells them, as a figure.

The sources give few dates: events are placed by their *rank* in the narrative (ordinal
positions, no time scale) and labelled with the time exactly as printed (``C13``,
``M+2``…). Nothing is interpolated. A PETVasc panel shows the scores where given.
"""

from __future__ import annotations

import re
import textwrap

import pandas as pd

from therapybook.plots import figures
from therapybook.render import fmt

#: French label, colour and marker of each event category (colour-blind safe + shape).
CATEGORIES = {
    "clinical": ("Clinique", figures.ACCENTS[0], "o"),
    "biology": ("Biologie", figures.ACCENTS[2], "s"),
    "imaging": ("Imagerie", figures.ACCENTS[3], "D"),
    "diagnosis": ("Hypothèse diagnostique", figures.ACCENTS[4], "P"),
    "treatment": ("Traitement", figures.ACCENTS[1], "^"),
    "outcome": ("Réponse, évolution", figures.NEUTRAL, "*"),
}
LINE_IN = 0.135  # height of one text line, in inches


def positions(events: pd.DataFrame, case: int) -> pd.DataFrame:
    """The events of ``case`` sorted by narrative rank, with an ordinal ``position`` (0, 1…).

    Raises ``ValueError`` if the case has no event or two events share a rank.
    """
    rows = events[events["case"] == case].sort_values("order").reset_index(drop=True)
    if rows.empty:
        raise ValueError(f"Aucun évènement pour le cas {case}.")
    if rows["order"].duplicated().any():
        dup = sorted(rows.loc[rows["order"].duplicated(), "order"].astype(int))
        raise ValueError(f"Cas {case} : rang(s) en double {dup}.")
    unknown = set(rows["category"]) - set(CATEGORIES)
    if unknown:
        raise ValueError(f"Cas {case} : catégorie(s) inconnue(s) {sorted(unknown)}.")
    return rows.assign(position=range(len(rows)))


def cycle_words(time: str) -> str:
    """``C13`` → « 13e cycle », ``C1`` → « premier cycle »; other notations are returned as
    is."""
    m = re.fullmatch(r"C(\d+)", str(time).strip())
    if not m:
        return str(time)
    return f"{fmt.ordinal(int(m.group(1)))} cycle"


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def label(row: pd.Series) -> list[str]:
    """The lines describing one event: the event, then treatment and outcome if distinct."""
    event = _text(row["event"])
    parts = [event]
    investigation = _text(row.get("investigation"))
    if investigation:
        parts[0] = f"{investigation} : {event}"
    treatment = _text(row.get("treatment"))
    if treatment and treatment.lower() not in event.lower():
        parts.append(f"Traitement : {treatment}")
    outcome = _text(row.get("outcome"))
    if outcome and outcome.lower() not in event.lower():
        parts.append(f"→ {outcome}")
    return parts


def time_label(row: pd.Series) -> str:
    """The time as printed (``C13``); empty when the source does not give one."""
    return _text(row.get("time"))


def petvasc_points(events: pd.DataFrame, case: int) -> pd.DataFrame:
    """PETVasc scores of ``case`` (and imaging relapses without a score), by position."""
    rows = positions(events, case)
    relapse = rows["imaging_relapse"].fillna(False).astype(bool)
    keep = rows["petvasc_score"].notna() | relapse
    out = rows.loc[keep, ["position", "order", "time", "petvasc_score", "petvasc_max"]]
    return out.assign(relapse=relapse[keep].to_numpy()).reset_index(drop=True)


def alt_text(events: pd.DataFrame, case: int, subject: str) -> str:
    """A text alternative computed from the events: count, printed times, PETVasc points."""
    rows = positions(events, case)
    times = [t for t in dict.fromkeys(rows["time"].dropna()) if t]
    present = [CATEGORIES[k][0].lower() for k in CATEGORIES if k in set(rows["category"])]
    parts = [f"Frise verticale des {len(rows)} évènements du cas {case} ({subject}), "
             f"de « {rows['event'].iloc[0]} » à « {rows['event'].iloc[-1]} », "
             f"un symbole par catégorie ({', '.join(present)})"]
    if times:
        parts.append(f"repères de temps imprimés : {', '.join(times)}")
    points = petvasc_points(events, case)
    if not points.empty:
        shown = [("rechute sans score" if pd.isna(p["petvasc_score"]) else
                  f"{fmt.number(p['petvasc_score'])}/{fmt.number(p['petvasc_max'])}")
                 for _, p in points.iterrows()]
        parts.append(f"à droite, score PETVasc global : {' puis '.join(shown)}")
    return " ; ".join(parts) + "."


def layout(rows: pd.DataFrame, wrap: int = 72) -> tuple[list[list[str]], list[float], float]:
    """Wrapped labels, the y (in lines, top = 0) of each event, and the total height in lines."""
    wrapped, ys, y = [], [], 0.0
    for _, row in rows.iterrows():
        lines = [piece for part in label(row) for piece in textwrap.wrap(part, wrap)]
        wrapped.append(lines)
        ys.append(y)
        y += len(lines) + 0.6
    return wrapped, ys, y


def draw_case(events: pd.DataFrame, case: int, *, wrap: int = 64):
    """Figure of one case's timeline (ordinal), with a PETVasc panel when scores exist."""
    rows = positions(events, case)
    points = petvasc_points(events, case)
    wrapped, ys, total = layout(rows, wrap)
    height = max(2.0, (total + 3) * LINE_IN)
    with_pet = not points.empty
    fig, axes = figures.new(height=height, ncols=2 if with_pet else 1, sharey=True,
                            gridspec_kw={"width_ratios": [5, 1.2]} if with_pet else None)
    ax = axes[0] if with_pet else axes
    x0 = 0.09  # the time line, in axes fraction; times on its left, labels on its right
    ax.plot([x0, x0], [-0.5, ys[-1] + 0.5], color="#BBBBBB", lw=1.5, zorder=1)
    for (_, row), y, lines in zip(rows.iterrows(), ys, wrapped, strict=True):
        _name, color, marker = CATEGORIES[row["category"]]
        ax.scatter([x0], [y], s=36, color=color, marker=marker, zorder=3, edgecolor="white")
        ax.text(x0 - 0.025, y, time_label(row), ha="right", va="center", fontsize=7.5,
                fontweight="bold")
        ax.text(x0 + 0.025, y - 0.35, "\n".join(lines), ha="left", va="top", fontsize=7,
                linespacing=1.15)
    ax.set_xlim(0, 1)
    ax.set_ylim(total + 0.5, -1.5)
    ax.axis("off")
    present = set(rows["category"])
    handles = [ax.scatter([], [], color=c, marker=m, s=30, label=n)
               for key, (n, c, m) in CATEGORIES.items() if key in present]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, fontsize=7,
              handletextpad=0.3, columnspacing=1.0)
    if with_pet:
        _petvasc_panel(axes[1], points, ys)
    return fig


def _petvasc_panel(ax, points: pd.DataFrame, ys: list[float]) -> None:
    top = points["petvasc_max"].dropna()
    maximum = float(top.max()) if not top.empty else 48.0
    for _, p in points.iterrows():
        y = ys[int(p["position"])]
        if p["relapse"] and pd.isna(p["petvasc_score"]):
            ax.annotate("rechute\n(score non\nrapporté)", (0, y), fontsize=7, va="center",
                        color=figures.ACCENTS[1], fontweight="bold")
            continue
        score = float(p["petvasc_score"])
        ax.barh(y, score, height=0.8, color=figures.ACCENTS[3])
        ax.text(score + 1, y, f"{fmt.number(score, 0)}/{fmt.number(maximum, 0)}",
                va="center", fontsize=7)
    ax.set_xlim(0, maximum * 1.6)
    ax.set_xticks([0, maximum])
    ax.xaxis.set_ticks_position("top")
    ax.set_title("PETVasc global", fontsize=8)
    figures.french_axis(ax, "x", 0)
    ax.spines["left"].set_visible(False)
    ax.spines["bottom"].set_visible(False)
    ax.spines["top"].set_visible(True)
    ax.tick_params(left=False, labelleft=False, labelsize=7)


def quotes(events: pd.DataFrame, patients: pd.DataFrame) -> dict:
    """Every value the case reports quote, named ``<event id>_<column>`` (``c1_crs_value``)
    or ``cas<case>_<column>`` (``cas1_age_years``), each with its data row."""
    from therapybook.thesis import quotes as q

    formats = {"time": cycle_words, "treatment": q.lower_first,
               "line_of_treatment": lambda n: fmt.ordinal(n, feminine=True)}
    return (q.cells("cas_cliniques", events, "id",
                    ["time", "time_detail", "treatment", "value", "petvasc_score",
                     "petvasc_max"], formats=formats)
            | q.cells("cas_cliniques_patients", patients, "case",
                      ["age_years", "myeloma_type", "line_of_treatment"], formats=formats,
                      prefix="cas"))
