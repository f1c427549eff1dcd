"""Dated events with honest precision: a year, a month or a day, never more than the source.

An event dated to a year is drawn as a band over that year, to a month as a band over
that month, to a day as a point; undated events are not drawn (they stay in the table).
"""

from __future__ import annotations

import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from therapybook.plots import figures
from therapybook.render import fmt, notes


def date_label(row: pd.Series) -> str:
    """``2021``, ``août 2022`` or ``2 février 2023``; empty when undated."""
    precision = row["date_precision"]
    if precision == "undated":
        return ""
    year = int(row["year"])
    if precision == "year":
        return str(year)
    month = fmt.MONTHS[int(row["month"]) - 1]
    if precision == "month":
        return f"{month} {year}"
    day = int(row["day"])
    return f"{'1er' if day == 1 else day} {month} {year}"


def span(row: pd.Series) -> tuple[float, float] | None:
    """Start and end of the event in decimal years (equal for a day); None if undated."""
    precision = row["date_precision"]
    if precision == "undated":
        return None
    year = int(row["year"])
    if precision == "year":
        return float(year), float(year + 1)
    start = year + (int(row["month"]) - 1) / 12
    if precision == "month":
        return start, start + 1 / 12
    point = start + (int(row["day"]) - 1) / 365
    return point, point


def event_label(row: pd.Series, labels) -> str:
    """French label of an event (``availability_event`` of ``libelles_these``), with its
    ASMR when there is one."""
    label = labels.label("availability_event", row["event"])
    if isinstance(row.get("asmr"), str) and row["asmr"]:
        label += f" (ASMR {row['asmr']})"
    return label


def timeline_figure(events: pd.DataFrame, labels, *, agents: list[str] | None = None):
    """One lane per agent (coloured by anti-BCMA class), one line per dated event.

    Year- and month-dated events are bands over their year or month (lighter for a
    year), day-dated ones a diamond; each carries its French label and date. Undated
    events are left out. Returns the figure.
    """
    dated = events[events["date_precision"] != "undated"].copy()
    dated["span_"] = dated.apply(span, axis=1)
    dated["start_"] = dated["span_"].map(lambda t: t[0])
    agents = agents or list(dict.fromkeys(dated["agent"]))
    lo = float(int(dated["start_"].min()))
    hi = float(int(max(t[1] for t in dated["span_"]) + 0.999))
    fig, ax = figures.new(height=0.6 + 0.27 * (len(dated) + len(agents)))
    y = 0.0
    for agent in agents:
        rows = dated[dated["agent"] == agent].sort_values("start_")
        top = y
        for r in rows.itertuples():
            color = figures.CLASS_COLORS[r.anti_bcma_class]
            start, end = r.span_
            if end > start:
                ax.barh(y, end - start, left=start, height=0.6, color=color,
                        alpha=0.30 if r.date_precision == "year" else 0.75, edgecolor=color)
            else:
                ax.plot(start, y, marker="D", color=color, markersize=6)
            row = r._asdict()
            mark = row.get("verification")
            text = f"{event_label(row, labels)} — {date_label(row)}" + (
                f" ({mark})" if isinstance(mark, str) and mark else "")
            right = end < (lo + hi) / 2 + 0.5
            ax.text(end + 0.03 if right else start - 0.03, y, text, va="center",
                    ha="left" if right else "right", fontsize=7)
            y += 1
        ax.text(lo - 0.04, (top + y - 1) / 2, agent, ha="right", va="center", fontsize=8,
                fontweight="bold", color=figures.CLASS_COLORS[rows["anti_bcma_class"].iloc[0]])
        ax.axhline(y - 0.5 + 0.25, color="#DDDDDD", linewidth=0.6)
        y += 0.5
    years = range(int(lo), int(hi) + 1)
    ax.set_xticks(list(years), [str(v) for v in years])
    for year in years:
        ax.axvline(year, color="#EEEEEE", linewidth=0.6, zorder=0)
    ax.set_xlim(lo, hi)
    ax.set_ylim(y - 0.2, -0.8)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    handles = [Patch(color=figures.NEUTRAL, alpha=0.30, label="daté à l'année"),
               Patch(color=figures.NEUTRAL, alpha=0.75, label="daté au mois"),
               Line2D([], [], marker="D", color=figures.NEUTRAL, linestyle="",
                      label="daté au jour")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3,
              fontsize=7.5)
    return fig


def quotes(events: pd.DataFrame) -> dict:
    """Every date and ASMR grade the chapter quotes, named after the event's id
    (``idecel_ct_opinion_iv_date`` → « 30 juin 2023 », ``idecel_ct_opinion_iv_asmr`` →
    « ASMR IV »), each with its data row."""
    from therapybook import data

    out = {}
    for _, r in events.iterrows():
        src = data.source("disponibilite_france", id=r["id"])
        if r["date_precision"] != "undated":
            out[f"{r['id']}_date"] = (date_label(r), src)
            if r["date_precision"] in ("year", "month"):
                out[f"{r['id']}_year"] = (str(int(r["year"])), src)
        if isinstance(r.get("asmr"), str) and r["asmr"]:
            out[f"{r['id']}_asmr"] = (f"ASMR {r['asmr']}", src)
    return out


def events_table(events: pd.DataFrame, labels) -> pd.DataFrame:
    """Every event, dated or not, with the date precision the thesis gives."""
    return pd.DataFrame({
        "Molécule": events["agent"], "Nom commercial": events["brand"].fillna(""),
        "Événement": [event_label(r, labels) for _, r in events.iterrows()],
        "Territoire": events["area"],
        "Date": [notes.mark(date_label(r) or "non datée", r.get("verification"))
                 for _, r in events.iterrows()],
    })


def notes_legend(events: pd.DataFrame) -> str:
    """Caption sentence explaining the note marks drawn in :func:`timeline_figure`."""
    dated = events[events["date_precision"] != "undated"]
    return notes.legend(dated.get("verification", pd.Series(dtype=str)).dropna())


def timeline_alt(events: pd.DataFrame, labels) -> str:
    """Alternative text of the chronology: its span and each dated event."""
    dated = events[events["date_precision"] != "undated"]
    years = dated["year"].dropna().astype(int)
    items = [f"{r['agent']} : {event_label(r, labels)}, {date_label(r)}"
             for _, r in dated.iterrows()]
    return (f"Chronologie de {years.min()} à {years.max()}, une bande par molécule ; "
            + " ; ".join(items) + ".")
