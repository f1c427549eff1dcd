"""Care pathways of the workshop article: the CAR-T steps as a timeline, the MSC checks.

The article dates few steps. :func:`positions` places a step on a time axis (days from
the CAR-T reinfusion, J0) only when the article gives a day or a month; a step whose start
is not given but that the article places right after another (``after``) starts where
that one ends, and is flagged as such; steps without any date stay on an ordinal axis.
Nothing is interpolated and every bound keeps its nature (exact, « au moins », example).
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd

from therapybook.plots import figures
from therapybook.render import fmt

DAYS_PER_MONTH = 365.25 / 12
#: French label and colour of each phase of the CAR-T pathway.
PHASES = {
    "selection": ("Sélection", figures.ACCENTS[3]),
    "preparation": ("Préparation", figures.ACCENTS[4]),
    "traitement": ("Traitement", figures.CLASS_COLORS["car_t"]),
    "suivi_precoce": ("Suivi jusqu'à M3", figures.ACCENTS[5]),
    "suivi": ("Suivi à moyen terme", figures.ACCENTS[2]),
    "registre": ("Registre", figures.NEUTRAL),
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
    return text


# --------------------------------------------------------------------------- positions
def positions(steps: pd.DataFrame) -> pd.DataFrame:
    """Where each step of ``parcours_car_t`` is drawn.

    Returns one row per step (in ``order``) with ``panel`` (``"time"`` when the article
    gives a day or a month, else ``"sequence"``), ``start`` and ``end`` (days from J0 on the
    time panel, ordinal rank on the sequence panel), ``start_given`` / ``end_given`` and
    ``milestone`` (a single time point). A time step without a given start begins where
    the step named in ``after`` ends (``start_given`` False), or nowhere (NaN).
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
    out.loc[seq, "start"] = np.arange(seq.sum(), dtype=float)
    out.loc[seq, "end"] = out.loc[seq, "start"] + 1
    return out


# --------------------------------------------------------------------------- scales
def _compress(x):
    x = np.asarray(x, dtype=float)
    return np.sign(x) * np.log1p(np.abs(x))


def _expand(y):
    y = np.asarray(y, dtype=float)
    return np.sign(y) * np.expm1(np.abs(y))


def _sqrt(x):
    x = np.asarray(x, dtype=float)
    return np.sign(x) * np.sqrt(np.abs(x))


def _square(y):
    y = np.asarray(y, dtype=float)
    return np.sign(y) * y**2


def spaced(values, min_gap: float = 0.45) -> list[float]:
    """The ``values`` (days) whose ticks do not collide on the compressed axis."""
    kept: list[float] = []
    for v in sorted(values):
        if not kept or _compress(v) - _compress(kept[-1]) >= min_gap:
            kept.append(v)
    return kept


def pathway_figure(steps: pd.DataFrame):
    """The CAR-T pathway: undated steps in order (left), dated steps on a time axis (right).

    The time axis is compressed (logarithmic distance from J0) so that J-6, J28 and
    fifteen years fit; days are ticked below, months above (1 mois = 365,25/12 j). Each
    dated element is labelled with its timing as the article gives it.
    """
    from matplotlib.patches import Patch
    from matplotlib.transforms import blended_transform_factory

    pos = positions(steps)
    labels = [timing_label(r) for _, r in steps.sort_values("order").iterrows()]
    n = len(pos)
    fig, (ax_seq, ax) = figures.new(
        height=0.9 + 0.24 * n, ncols=2, sharey=True,
        gridspec_kw={"width_ratios": [1, 2.6], "wspace": 0.04})
    ys = np.arange(n)[::-1]
    timed = pos["panel"] == "time"
    lo, hi = -8.0, float(np.nanmax(pos.loc[timed, "end"])) * 1.6
    for y, label, (_, p) in zip(ys, labels, pos.iterrows(), strict=True):
        color = PHASES[p["phase"]][1]
        if p["panel"] == "sequence":
            ax_seq.barh(y, 0.8, left=p["start"] + 0.1, height=0.6, color=color)
            continue
        start = p["start"] if pd.notna(p["start"]) else lo
        tip = float(_expand(_compress(p["end"]) + 0.12)) if p["end"] == start else p["end"]
        if p["milestone"] or p["end"] == start:
            ax.plot(start, y, marker="D" if p["milestone"] else "o", color=color,
                    markersize=6, linestyle="")
        else:
            ax.barh(y, p["end"] - start, left=start, height=0.6, color=color,
                    alpha=1.0 if p["start_given"] else 0.55,
                    hatch="////" if p["timing"] == "exemple" else None, edgecolor="white")
        if p["timing"] == "minimum":
            tip = float(_expand(_compress(p["end"]) + 0.45))
            ax.annotate("", xy=(tip, y), xytext=(p["end"], y),
                        arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.4})
        if _compress(tip) > _compress(hi) - 2.2:
            ax.text(_expand(_compress(p["end"]) - 0.15), y, label, ha="right", va="center",
                    fontsize=6.5, color="white")
        else:
            ax.text(_expand(_compress(tip) + 0.15), y, label, va="center", fontsize=6.5)
    ax_seq.set_yticks(ys, [textwrap.fill(s, 38) for s in pos["step"]], fontsize=7)
    ax_seq.set_xlim(0, max(int((~timed).sum()), 1))
    ax_seq.set_xticks([])
    ax_seq.set_xlabel("Avant l'hospitalisation :\nordre du parcours, durées non précisées",
                      fontsize=7)
    ax.set_xscale("function", functions=(_compress, _expand))
    ax.set_xlim(lo, hi)
    days = spaced({int(v) for v in pd.concat([steps["start_day"], steps["end_day"]]).dropna()})
    ax.set_xticks(days, [time_point(day=d) for d in days], fontsize=7)
    ax.set_xlabel("Jours depuis la réinjection (échelle compressée)", fontsize=7)
    months = {int(v) for v in pd.concat([steps["start_month"], steps["end_month"]]).dropna()}
    top = blended_transform_factory(ax.transData, ax.transAxes)
    for m in spaced([m * DAYS_PER_MONTH for m in months]):
        ax.text(m, 1.01, time_point(month=round(m / DAYS_PER_MONTH)), transform=top,
                ha="center", va="bottom", fontsize=7)
        ax.axvline(m, color="#EEEEEE", lw=0.6, zorder=0)
    for d in days:
        ax.axvline(d, color="#DDDDDD", lw=0.6, zorder=0)
    for a in (ax_seq, ax):
        a.spines["left"].set_visible(a is ax_seq)
        a.tick_params(axis="y", length=0)
    handles = [Patch(color=c, label=label) for label, c in PHASES.values()]
    handles += [Patch(facecolor="white", edgecolor="#333333", hatch="////",
                      label="dates données en exemple"),
                Patch(facecolor=figures.NEUTRAL, alpha=0.55, label="début non chiffré")]
    fig.legend(handles=handles, loc="upper center", ncol=4, fontsize=6.5,
               bbox_to_anchor=(0.5, 0.03))
    return fig


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


def duration(minutes: int) -> str:
    """``45 min``, ``2 h``, ``24 h``."""
    if minutes >= 120 and minutes % 60 == 0:
        return f"{minutes // 60}{NBSP}h"
    return f"{minutes}{NBSP}min"


def monitoring_figure(checks: pd.DataFrame, params: pd.DataFrame):
    """Vital-sign checks around an MSC infusion, with the infusion and the 24 h stay.

    Two linear panels: the first minutes (explicit checks), then the hours up to the end
    of the stay (repeated checks, drawn as a band: the article gives no clock times).
    """
    times = monitoring_times(checks)
    p = params.set_index("param_id")
    inf_lo = float(p.at["csm_perfusion", "value"])
    inf_hi = float(p.at["csm_perfusion", "value_max"])
    stay = float(p.at["csm_hospitalisation", "value"]) * 60
    last = max(times["minutes"], default=0)
    fig, (ax, ax_h) = figures.new(height=2.3, ncols=2, sharey=True,
                                  gridspec_kw={"width_ratios": [3, 1], "wspace": 0.05})
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
    ticks, labels = list(times["minutes"]), [str(m) for m in times["minutes"]]
    if times["before"]:
        ax.plot([before_x], [y_chk], "o", color=orange, markersize=5)
        ticks, labels = [before_x, *ticks], ["avant", *labels]
    ax.set_xticks(ticks, labels, fontsize=7)
    ax.set_xlim(before_x * 2, last + 12)
    ax.set_xlabel("Minutes depuis le début de la perfusion (échelle en racine carrée)", fontsize=8)
    hour_ticks = []
    for start, every, until in times["repeats"]:
        ax_h.barh(y_chk, until - start, left=start, height=0.5, color="white",
                  edgecolor=orange, hatch="////")
        ax_h.text((start + until) / 2, y_chk - 0.4, f"toutes les {duration(every)}\n"
                  f"jusqu'à {duration(until)}", ha="center", va="top", fontsize=7)
        hour_ticks += [start, until]
    ax_h.set_xlim(last, stay * 1.05)
    hour_ticks = sorted(set(hour_ticks) | {stay})
    ax_h.set_xticks(hour_ticks, [duration(int(t)) for t in hour_ticks], fontsize=7)
    ax_h.set_xlabel("Heures", fontsize=8, loc="right")
    ax.set_yticks([y_chk, y_inf, y_stay], ["Paramètres vitaux", "Perfusion", "Séjour"])
    ax.set_ylim(-1.3, 2.6)
    for a in (ax, ax_h):
        a.tick_params(axis="y", length=0)
    ax_h.spines["left"].set_linestyle((0, (2, 2)))
    return fig
