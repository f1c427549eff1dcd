"""Care pathways of the workshop article: the CAR-T steps as a timeline, the MSC checks.

The article dates few steps. :func:`positions` places a step on a time axis (days from
the CAR-T reinfusion, J0) only when the article gives a day or a month; a step whose start
is not given but that the article places right after another (``after``) starts where
that one ends, and is flagged as such; steps without any date stay on an ordinal axis.
Nothing is interpolated and every bound keeps its nature (exact, « au moins », example).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from therapybook import data
from therapybook.article import codes
from therapybook.plots import figures
from therapybook.render import fmt, prose, reported

DAYS_PER_MONTH = 365.25 / 12
#: Colour of each phase of the CAR-T pathway (their French titles are data labels).
PHASE_COLORS = {
    "selection": figures.ACCENTS[3],
    "preparation": figures.ACCENTS[4],
    "traitement": figures.CLASS_COLORS["car_t"],
    "suivi_precoce": figures.ACCENTS[5],
    "suivi": figures.ACCENTS[2],
    "registre": figures.NEUTRAL,
}
NBSP = fmt.NBSP


# --------------------------------------------------------------------------- numbers
def quantity(params: pd.DataFrame, param_id: str) -> str:
    """A parameter of ``parcours_parametres`` in French: ``24 h``, ``1 à 2 × 10⁶/kg``."""
    row = params.set_index("param_id").loc[param_id]
    lo = fmt.number(row["value"], 0 if float(row["value"]).is_integer() else 1)
    if pd.notna(row["value_max"]):
        hi = fmt.number(row["value_max"], 0 if float(row["value_max"]).is_integer() else 1)
        lo = f"{lo} à {hi}"
    return f"{lo}{NBSP}{row['unit']}"


def glue_parameters(params: pd.DataFrame) -> None:
    """Glue every parameter as ``{glue:md}`<param_id>``` (« 24 h »), its row as provenance."""
    for pid in params["param_id"]:
        prose.glue(pid, quantity(params, pid),
                   source=data.source("parcours_parametres", param_id=pid))


def glue_day_ordinals(params: pd.DataFrame, param_ids: list[str]) -> None:
    """Glue day parameters as ordinals, ``<param_id>_ordinal`` (« 28e »), for prose that
    says « avant le 28e jour » rather than an abbreviated day; each with its row."""
    rows = params.set_index("param_id")
    for pid in param_ids:
        if rows.at[pid, "unit"] != "jours":
            raise ValueError(f"Paramètre « {pid} » : un nombre de jours est attendu, "
                             f"pas « {rows.at[pid, 'unit']} ».")
        prose.glue(f"{pid}_ordinal", fmt.ordinal(int(rows.at[pid, "value"])),
                   source=data.source("parcours_parametres", param_id=pid))


def glue_steps(steps: pd.DataFrame) -> None:
    """Glue the start and end of every dated step as ``<step_id>_debut`` / ``<step_id>_fin``
    (« J-6 », « J28 », « 3 mois », « 1 an »), each with the step's row as provenance."""
    for row in steps.itertuples(index=False):
        src = data.source("parcours_car_t", step_id=row.step_id)
        for key, day, month in (("debut", row.start_day, row.start_month),
                                ("fin", row.end_day, row.end_month)):
            if pd.notna(day):
                prose.glue(f"{row.step_id}_{key}", time_point(day=day), source=src)
            elif pd.notna(month):
                prose.glue(f"{row.step_id}_{key}", months_text(month), source=src)


def months_text(month: object) -> str:
    """A number of months as prose writes it: « 3 mois », « 1 an », « 15 ans »."""
    m = int(month)
    if m % 12 == 0:
        years = m // 12
        return f"{years}{NBSP}an" + ("s" if years > 1 else "")
    return f"{m}{NBSP}mois"


def steps_table(steps: pd.DataFrame, actors: pd.DataFrame) -> pd.DataFrame:
    """The CAR-T steps in order: when (as the article gives it), who (the one or two actors
    the article names for the step, nobody when it names none), and the details."""
    label = dict(zip(actors["actor_id"], actors["short_label"], strict=True))
    rows = steps.sort_values("order")

    def who(row) -> str:
        named = [label[a] for a in (row.actor_id, row.co_actor_id) if isinstance(a, str)]
        return " ; ".join(named)

    return pd.DataFrame({
        "Étape": rows["step"],
        "Quand": ["sans date" if r.timing == "non_precise" else timing_label(r)
                  for _, r in rows.iterrows()],
        "Qui": [who(r) for r in rows.itertuples(index=False)],
        "Précisions": rows["detail"].fillna(""),
        "Réf.": rows["citation"].map(reported.cite),
    })


def _lower_first(text: str) -> str:
    """« En cas de … » → « en cas de … », but « CAR-T cells … » and « IRM » stay as written."""
    if len(text) > 1 and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def workup_table(bilan: pd.DataFrame) -> pd.DataFrame:
    """The pre-treatment workup grouped by domain: exams (with their condition) and refs."""
    rows = bilan.sort_values("rank")

    def entry(item: str, cond: object) -> str:
        if not isinstance(cond, str):
            return item
        # one pair of brackets: an item already ending in one takes the condition inside it
        if item.endswith(")"):
            return f"{item[:-1]} ; {_lower_first(cond)})"
        return f"{item} ({_lower_first(cond)})"

    entries = [entry(item, cond)
               for item, cond in zip(rows["item"], rows["condition"], strict=True)]
    grouped = (rows.assign(entry=entries)
               .groupby("domain", sort=False)
               .agg(entries=("entry", " ; ".join),
                    keys=("citation", lambda s: ";".join(dict.fromkeys(
                        k for v in s for k in v.split(";")))))
               .reset_index())
    return pd.DataFrame({"Domaine": grouped["domain"],
                         "Examens (condition éventuelle)": grouped["entries"],
                         "Réf.": grouped["keys"].map(reported.cite)})


def adaptations_table(adapt: pd.DataFrame) -> pd.DataFrame:
    """Treatments to adapt before an MSC injection, what to do and why."""
    rows = adapt.sort_values("rank")
    return pd.DataFrame({"Traitement": rows["treatment"], "Conduite proposée": rows["action"],
                         "Justification donnée": rows["rationale"].fillna(""),
                         "Réf.": rows["citation"].map(reported.cite)})


def immunomonitoring_table(im: pd.DataFrame) -> pd.DataFrame:
    """When each immune-monitoring analysis is done, on which sample, how often."""
    rows = im.sort_values("rank")
    analysis = [f"{a} (exploratoire)" if o else a
                for a, o in zip(rows["analysis"], rows["optional"], strict=True)]
    return pd.DataFrame({"Moment": rows["moment"], "Prélèvement": rows["sample"],
                         "Analyse": analysis, "Rythme": rows["schedule"]})


def pathway_alt(steps: pd.DataFrame) -> str:
    """Alt text of the pathway figure, in the order the figure shows the steps; one level of
    brackets at most (timings follow a colon)."""
    rows = steps.sort_values("order")
    undated = rows[rows["timing"] == "non_precise"]
    dated = rows[rows["timing"] != "non_precise"]
    names = dict(zip(rows["step_id"], rows["step"], strict=True))
    columns = [", ".join(group["step"]) for _, group in undated.groupby("stage", sort=True)]

    def dated_text(r) -> str:
        first = (f"dès l'étape « {_lower_first(names[r.first_at])} », puis "
                 if isinstance(r.first_at, str) else "")
        return f"{r.step} : {first}{timing_label(r)}"

    return ("Chronologie en deux panneaux. À gauche, les étapes sans date, en colonnes "
            "successives, sans ordre donné à l'intérieur d'une colonne : "
            + " ; puis ".join(columns) + ". À droite, sur un axe en jours puis en mois depuis "
            "la réinjection : " + " ; ".join(dated_text(r) for _, r in dated.iterrows()) + ".")


def monitoring_alt(checks: pd.DataFrame) -> str:
    """Alt text of the MSC monitoring figure."""
    times = monitoring_times(checks)
    (_start, every, until), = times["repeats"]
    return ("Chronologie en deux panneaux. À gauche, en minutes depuis le début de la "
            "perfusion : un contrôle avant l'injection puis des contrôles à "
            + ", ".join(str(m) for m in times["minutes"]) + " minutes, sous la barre de "
            "perfusion et celle du séjour. À droite, en heures : contrôles répétés toutes les "
            + duration(every) + " jusqu'à " + duration(until) + ".")


def _days(day: object, month: object) -> float:
    if pd.notna(day):
        return float(day)
    if pd.notna(month):
        return float(month) * DAYS_PER_MONTH
    return math.nan


def time_point(day: object = None, month: object = None) -> str:
    """``J-6``, ``J0``, ``M3``, ``15 ans`` (months ≥ 24 that make whole years)."""
    if day is not None and pd.notna(day):
        return f"J{int(day)}"
    if month is not None and pd.notna(month):
        m = int(month)
        if m >= 24 and m % 12 == 0:
            return f"{m // 12}{NBSP}ans"
        return f"M{m}"
    return ""


def timing_label(step: pd.Series) -> str:
    """The timing of one step as the article gives it, e.g. ``J-6 à J-4 (exemple)``."""
    if step["timing"] == "non_precise":
        return "non précisé"
    start = time_point(step["start_day"], step["start_month"])
    end = time_point(step["end_day"], step["end_month"])
    if start and end and start != end:
        text = f"{start} à {end}"
    elif start:
        text = start
    else:
        text = f"jusqu'à {end}"
    if step["timing"] == "minimum":
        text += " au moins"
    elif step["timing"] == "exemple":
        text += " (exemple)"
    marks = marks_months(step.get("marks_month"))
    if marks:
        points = [time_point(month=m) for m in marks]
        text += ", " + (", ".join(points[:-1]) + " et " + points[-1] if len(points) > 1
                        else points[0])
    if pd.notna(step.get("repeat_month")):
        text += f", puis tous les {int(step['repeat_month'])}{NBSP}mois"
    return text


def marks_months(value: object) -> list[int]:
    """The months of ``marks_month`` (« 1;2;3;6 »), empty when none are given."""
    if not isinstance(value, str) or not value.strip():
        return []
    return [int(m) for m in value.split(";")]


# --------------------------------------------------------------------------- positions
def positions(steps: pd.DataFrame) -> pd.DataFrame:
    """Where each step of ``parcours_car_t`` is drawn.

    Returns one row per step (in ``order``) with ``panel`` (``"time"`` when the article
    gives a day or a month, else ``"sequence"``), ``start`` and ``end`` (days from J0 on the
    time panel, ordinal rank on the sequence panel), ``start_given`` / ``end_given`` and
    ``milestone`` (a single time point). A time step without a given start begins where
    the step named in ``after`` ends (``start_given`` False), or nowhere (NaN). Undated
    steps sit in the column of their ``stage``: steps of one stage share a column, since
    the article gives no order between them.
    """
    rows = steps.sort_values("order").reset_index(drop=True)
    out = pd.DataFrame({
        "step_id": rows["step_id"], "step": rows["step"], "phase": rows["phase"],
        "timing": rows["timing"],
        "start": [_days(d, m) for d, m in zip(rows["start_day"], rows["start_month"],
                                               strict=True)],
        "end": [_days(d, m) for d, m in zip(rows["end_day"], rows["end_month"], strict=True)],
    })
    out["start_given"] = out["start"].notna()
    out["end_given"] = out["end"].notna()
    out["panel"] = np.where(out["start_given"] | out["end_given"], "time", "sequence")
    out["milestone"] = out["start_given"] & ~out["end_given"]
    out.loc[out["milestone"], "end"] = out.loc[out["milestone"], "start"]
    by_id = dict(zip(out["step_id"], range(len(out)), strict=True))
    for i, after in enumerate(rows["after"]):
        if out.at[i, "panel"] == "time" and not out.at[i, "start_given"] and pd.notna(after):
            j = by_id[after]
            if out.at[j, "panel"] == "time":
                out.at[i, "start"] = out.at[j, "end"]
    seq = out["panel"] == "sequence"
    stages = rows.loc[seq, "stage"]
    if stages.isna().any():
        missing = ", ".join(rows.loc[seq & rows["stage"].isna(), "step_id"])
        raise ValueError(f"Étape(s) sans date et sans rang (colonne stage) : {missing}.")
    # a shared rank is a shared column: the article gives no order between those steps
    out.loc[seq, "start"] = stages.astype(float) - 1
    out.loc[seq, "end"] = out.loc[seq, "start"] + 1
    for first in rows["first_at"].dropna():
        if first not in by_id or out.at[by_id[first], "panel"] != "sequence":
            raise ValueError(f"first_at « {first} » : pas une étape sans date du parcours.")
    return out


# --------------------------------------------------------------------------- scales
#: Piecewise-linear time axis: (day, position) breakpoints. The days around the infusion,
#: the first year (where the article's visits fall) and the long follow-up each get their
#: own stretch, so that J-6, J28, M1 to M12 and fifteen years are all readable.
AXIS = ((-8.0, 0.0), (28.0, 0.34), (365.25, 0.86), (15 * 365.25, 1.0))


def _to_axis(days):
    xs, ys = zip(*AXIS, strict=True)
    days = np.asarray(days, dtype=float)
    slope_hi = (ys[-1] - ys[-2]) / (xs[-1] - xs[-2])
    out = np.interp(days, xs, ys)
    return np.where(days > xs[-1], ys[-1] + (days - xs[-1]) * slope_hi, out)


def _from_axis(pos):
    xs, ys = zip(*AXIS, strict=True)
    pos = np.asarray(pos, dtype=float)
    slope_hi = (xs[-1] - xs[-2]) / (ys[-1] - ys[-2])
    out = np.interp(pos, ys, xs)
    return np.where(pos > ys[-1], xs[-1] + (pos - ys[-1]) * slope_hi, out)


def _sqrt(x):
    x = np.asarray(x, dtype=float)
    return np.sign(x) * np.sqrt(np.abs(x))


def _square(y):
    y = np.asarray(y, dtype=float)
    return np.sign(y) * y**2


def readable(values, min_gap: float) -> list[int]:
    """Indices of the ``values`` (axis positions) kept as ticks: a tick is dropped when it
    would stand closer than ``min_gap`` to the one kept before it."""
    kept: list[int] = []
    for i in sorted(range(len(values)), key=lambda k: values[k]):
        if not kept or values[i] - values[kept[-1]] >= min_gap:
            kept.append(i)
    return kept


def visit_months(steps: pd.DataFrame) -> list[int]:
    """Months of the follow-up visits the article lists (M1, M2, M3, M6, M9, M12)."""
    visits = steps[steps["step_id"].str.startswith("visite_")]
    return sorted(int(m) for m in visits["start_month"].dropna())


def pathway_figure(steps: pd.DataFrame):
    """The CAR-T pathway: undated steps by rank (left; steps of one rank share a column,
    the article orders them no further), dated steps on a time axis (right).

    The time axis has three linear stretches (days around the infusion, first year, long
    follow-up, see :data:`AXIS`); days are ticked below, the article's visit months above
    (1 mois = 365,25/12 j). Each dated element is labelled with its timing as the article
    gives it; prophylaxis is a band over its period; immune monitoring is a band over its
    dense period, then a mark at each month it gives, then its repetition; a step that
    begins at an undated one (``first_at``) has a pale mark at the left edge.
    """
    from matplotlib.patches import Patch

    pos = positions(steps)
    ordered = steps.sort_values("order").reset_index(drop=True)
    labels = [timing_label(r) for _, r in ordered.iterrows()]
    n = len(pos)
    fig, (ax_seq, ax) = figures.new(
        height=1.2 + 0.21 * n, ncols=2, sharey=True,
        gridspec_kw={"width_ratios": [1, 3.2], "wspace": 0.03})
    ys = np.arange(n)[::-1]
    lo, hi = AXIS[0][0], AXIS[-1][0] * 1.02
    days = sorted({int(v) for v in pd.concat([steps["start_day"], steps["end_day"]]).dropna()})
    shown = [days[i] for i in readable([float(_to_axis(d)) for d in days], 0.04)]
    months = visit_months(steps)
    last = int(np.nanmax(steps["end_month"]))
    ruled = {float(d) for d in shown} | {m * DAYS_PER_MONTH for m in months}
    for y, label, (_, p), row in zip(ys, labels, pos.iterrows(), ordered.itertuples(),
                                     strict=True):
        color = PHASE_COLORS[p["phase"]]
        if p["panel"] == "sequence":
            ax_seq.barh(y, 0.8, left=p["start"] + 0.1, height=0.55, color=color)
            continue
        start = p["start"] if pd.notna(p["start"]) else lo
        end = p["end"]
        if p["milestone"] or end == start:
            ax.plot(start, y, marker="D" if p["milestone"] else "o", color=color,
                    markersize=5, linestyle="")
            if any(math.isclose(start, r) for r in ruled):
                continue  # its time is read on a ruler
            ax.text(float(_from_axis(_to_axis(end) + 0.015)), y, label, va="center",
                    fontsize=6.5)
            continue
        if isinstance(row.first_at, str) and p["start_given"]:  # begins at an undated step
            ax.plot(lo + 1, y, marker="o", color=color, alpha=0.55, markersize=5,
                    linestyle="")
        marks = [m * DAYS_PER_MONTH for m in marks_months(row.marks_month)]
        if marks:  # a period, then dated points (read on the month ruler), then repeats
            ax.barh(y, end - start, left=start, height=0.55, color=color, edgecolor="white")
            ax.plot(marks, [y] * len(marks), marker="D", color=color, markersize=5,
                    linestyle="")
            last_mark = marks[-1]
            tip = float(_from_axis(_to_axis(last_mark) + 0.035))
            if pd.notna(row.repeat_month):
                ax.annotate("", xy=(tip, y), xytext=(last_mark, y),
                            arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.2,
                                        "linestyle": ":"})
                ax.text(float(_from_axis(_to_axis(tip) + 0.012)), y,
                        f"puis tous les {int(row.repeat_month)}{NBSP}mois", va="center",
                        fontsize=6.5)
            continue
        pale = not p["start_given"]
        ax.barh(y, end - start, left=start, height=0.55, color=color,
                alpha=0.55 if pale else 1.0,
                hatch="////" if p["timing"] == "exemple" else None, edgecolor="white")
        tip = end
        if p["timing"] == "minimum" or pd.notna(row.repeat_month):
            tip = float(_from_axis(_to_axis(end) + 0.035))
            ax.annotate("", xy=(tip, y), xytext=(end, y),
                        arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.2,
                                    "linestyle": ":" if pd.notna(row.repeat_month) else "-"})
        if _to_axis(tip) > 0.75:  # no room on the right: written inside the bar
            ax.text(float(_from_axis(_to_axis(start) + 0.012)), y, label, ha="left",
                    va="center", fontsize=6.5, color="#222222" if pale else "white")
        else:
            ax.text(float(_from_axis(_to_axis(tip) + 0.012)), y, label, va="center",
                    fontsize=6.5)
    ax_seq.set_yticks(ys, list(pos["step"]), fontsize=7)
    ax_seq.set_xlim(0, max(float(pos.loc[pos["panel"] == "sequence", "end"].max()), 1))
    ax_seq.set_xticks([])
    ax_seq.set_title("Sans date, de gauche à droite ;\nmême colonne : ordre non donné",
                     fontsize=7, loc="left")
    ax.set_xscale("function", functions=(_to_axis, _from_axis))
    ax.set_xlim(lo, hi)
    ax.set_xticks(shown, [time_point(day=d) for d in shown], fontsize=7)
    ax.set_xlabel("Depuis la réinjection (J0) : jours, puis mois, puis années", fontsize=7)
    top = ax.twiny()
    top.set_xscale("function", functions=(_to_axis, _from_axis))
    top.set_xlim(lo, hi)
    top.set_xticks([m * DAYS_PER_MONTH for m in [*months, last]],
                   [time_point(month=m) for m in [*months, last]], fontsize=7)
    top.tick_params(axis="x", length=2, pad=1)
    for m in months:
        ax.axvline(m * DAYS_PER_MONTH, color="#E6E6E6", lw=0.6, zorder=0)
    for d in shown:
        ax.axvline(d, color="#DDDDDD", lw=0.6, zorder=0)
    for a in (ax_seq, ax, top):
        a.spines["left"].set_visible(a is ax_seq)
        a.spines["right"].set_visible(False)
        a.tick_params(axis="y", length=0)
    top.spines["top"].set_visible(False)
    top.spines["bottom"].set_visible(False)
    handles = [Patch(color=PHASE_COLORS[phase], label=label)
               for phase, label in codes.labels("phase").items()]
    handles += [Patch(facecolor="white", edgecolor="#333333", hatch="////",
                      label="dates données en exemple"),
                Patch(facecolor=figures.NEUTRAL, alpha=0.55, label="début non chiffré")]
    fig.legend(handles=handles, loc="upper center", ncol=4, fontsize=6.5,
               bbox_to_anchor=(0.5, 0.02))
    return fig


def text_overlaps(fig) -> list[tuple[str, str]]:
    """Pairs of visible texts of ``fig`` whose boxes touch (tick labels, labels, legend)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    from matplotlib.text import Text

    boxes, seen = [], set()
    for text in fig.findobj(Text):
        if id(text) in seen or not text.get_visible() or not text.get_text().strip():
            continue
        seen.add(id(text))
        boxes.append((text.get_text(), text.get_window_extent(renderer)))
    out = []
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:]:
            if box_a.overlaps(box_b):
                out.append((a, b))
    return out


# --------------------------------------------------------------------------- MSC checks
def monitoring_times(checks: pd.DataFrame) -> dict:
    """The vital-sign checks around an MSC injection, from ``parcours_surveillance_csm``.

    Returns ``before`` (a check before the injection is planned), ``minutes`` (the explicit
    check times, sorted) and ``repeats`` (``(from, every, until)`` in minutes: repeated
    checks begin after the last explicit time). Repeated checks are not expanded into
    times the article does not give.
    """
    kinds = checks["kind"]
    minutes = sorted(int(m) for m in checks.loc[kinds == "ponctuel", "time_min"])
    last = minutes[-1] if minutes else 0
    repeats = [(last, int(r["every_min"]), int(r["until_min"]))
               for _, r in checks[kinds == "repete"].iterrows()]
    return {"before": bool((kinds == "avant").any()), "minutes": minutes, "repeats": repeats}


def glue_monitoring(checks: pd.DataFrame) -> None:
    """Glue the MSC vital-sign checks: ``surv_derniere`` (last explicit check, « 2 h »),
    ``surv_rythme`` and ``surv_fin`` (repeated every « 8 h » until « 24 h »), each with its
    row of ``parcours_surveillance_csm`` as provenance."""
    explicit = checks[checks["kind"] == "ponctuel"].sort_values("time_min")
    last = explicit.iloc[-1]
    prose.glue("surv_derniere", duration(int(last["time_min"])),
               source=data.source("parcours_surveillance_csm", check_id=last["check_id"]))
    for row in checks[checks["kind"] == "repete"].itertuples(index=False):
        src = data.source("parcours_surveillance_csm", check_id=row.check_id)
        prose.glue("surv_rythme", duration(int(row.every_min)), source=src)
        prose.glue("surv_fin", duration(int(row.until_min)), source=src)


def duration(minutes: int) -> str:
    """``45 min``, ``2 h``, ``24 h``."""
    if minutes >= 120 and minutes % 60 == 0:
        return f"{minutes // 60}{NBSP}h"
    return f"{minutes}{NBSP}min"


def monitoring_ticks(times: dict, stay_min: float) -> tuple[list[float], list[float]]:
    """Ticks of the two panels: every check time of the first minutes (the article's own
    times), then whole hours of the stay, 6 h apart up to its end; the hour panel starts
    where the minute panel ends and labels no tick there, so that « 120 » and « 2 h » never
    stand side by side."""
    last = max(times["minutes"], default=0)
    minutes = [float(m) for m in times["minutes"]]
    step = 6 * 60
    hours = [float(h) for h in range(step, int(stay_min) + 1, step) if h > last]
    if stay_min not in hours:
        hours.append(float(stay_min))
    return minutes, hours


def monitoring_figure(checks: pd.DataFrame, params: pd.DataFrame):
    """Vital-sign checks around an MSC infusion, with the infusion and the 24 h stay.

    Two panels: the first minutes (explicit checks, one tick each, on a square-root scale
    so that 5, 10 and 15 stand apart; the check before the infusion set off by a dotted
    line), then the hours up to the end of the stay (repeated checks, drawn as a band: the
    article gives no clock times), in hours since the start of the infusion.
    """
    times = monitoring_times(checks)
    p = params.set_index("param_id")
    inf_lo = float(p.at["csm_perfusion", "value"])
    inf_hi = float(p.at["csm_perfusion", "value_max"])
    stay = float(p.at["csm_hospitalisation", "value"]) * 60
    last = max(times["minutes"], default=0)
    fig, (ax, ax_h) = figures.new(height=2.4, ncols=2, sharey=True,
                                  gridspec_kw={"width_ratios": [3, 1], "wspace": 0.08})
    ax.set_xscale("function", functions=(_sqrt, _square))
    before_x = -4.0
    y_stay, y_inf, y_chk = 2.0, 1.0, 0.0
    orange, green = figures.ACCENTS[1], figures.ACCENTS[2]
    for a in (ax, ax_h):
        a.barh(y_stay, stay, left=0, height=0.5, color=figures.ACCENTS[5])
    ax.text(inf_lo / 4, y_stay, f"hospitalisation ({duration(int(stay))})", ha="center",
            va="center", fontsize=7)
    ax.barh(y_inf, inf_lo, left=0, height=0.5, color=green)
    ax.barh(y_inf, inf_hi - inf_lo, left=inf_lo, height=0.5, color=green, alpha=0.45)
    ax.text(inf_lo / 4, y_inf, f"perfusion IV ({fmt.number(inf_lo)} à "
            f"{fmt.number(inf_hi)}{NBSP}min)", va="center", ha="center", fontsize=7,
            color="white")
    ax.plot(times["minutes"], [y_chk] * len(times["minutes"]), "o", color=orange,
            markersize=5)
    minute_ticks, hour_ticks = monitoring_ticks(times, stay)
    ticks, labels = minute_ticks, [str(int(m)) for m in minute_ticks]
    if times["before"]:
        ax.plot([before_x], [y_chk], "o", color=orange, markersize=5)
        ticks, labels = [before_x, *ticks], ["avant", *labels]
        ax.axvline(before_x / 4, color=figures.NEUTRAL, linewidth=0.6, linestyle=":")
    ax.set_xticks(ticks, labels, fontsize=7)
    ax.set_xlim(before_x * 2, last + 12)
    ax.set_xlabel("Minutes depuis le début de la perfusion (échelle en racine carrée)",
                  fontsize=8)
    for start, every, until in times["repeats"]:
        ax_h.barh(y_chk, until - start, left=start, height=0.5, color="white",
                  edgecolor=orange, hatch="////")
        ax_h.text((start + until) / 2, y_chk - 0.4, f"toutes les {duration(every)}\n"
                  f"jusqu'à {duration(until)}", ha="center", va="top", fontsize=7)
    ax_h.set_xlim(last, stay * 1.04)
    ax_h.set_xticks(hour_ticks, [duration(int(t)) for t in hour_ticks], fontsize=7)
    ax_h.set_xlabel("Heures depuis le début", fontsize=8)
    ax.set_yticks([y_chk, y_inf, y_stay], ["Paramètres vitaux", "Perfusion", "Séjour"])
    ax.set_ylim(-1.3, 2.6)
    for a in (ax, ax_h):
        a.tick_params(axis="y", length=0)
    ax_h.spines["left"].set_linestyle((0, (2, 2)))
    return fig
