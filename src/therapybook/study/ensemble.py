"""What the published numbers determine: summaries of the ensemble of pseudo-cohorts.

Each pseudo-cohort of ``retrospective_ensemble`` reprints every published number of the
study; what differs between them is what the thesis did not print. This module turns the
ensemble into what the appendix shows:

- :func:`summarise` analyses every cohort once (Kaplan-Meier curves on a common time grid,
  the quantities the thesis did not print, the printed ones) and returns a
  :class:`Summary`;
- :meth:`Summary.envelope` gives, for one curve, its pointwise range and central band over
  the ensemble (the envelopes of the figures);
- :func:`unprinted_table` and :func:`printed_table` give the two tables: ranges of the
  unprinted quantities, and the printed quantities whose range has zero width at the
  precision the thesis printed them.

Only aggregates over cohorts come out, never a patient-level row. The Cox model is
lifelines' :class:`~lifelines.CoxPHFitter` (Efron ties, as R's ``coxph``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from therapybook import data
from therapybook.render import anchors, fmt, prose
from therapybook.stats import survival
from therapybook.stats.survival import KaplanMeier
from therapybook.study.wording import classes

CLASSES = classes()
#: The curves of chapter 6: (endpoint, population).
CURVES = (("pfs", "all"), ("os", "all"), ("pfs", "anti_gprc5d"), ("pfs", "other_slt"),
          *(("pfs", c) for c in CLASSES), *(("os", c) for c in CLASSES))
GRID_STEP = 0.05  # months
LANDMARKS = (6, 12)  # months
RMST_HORIZON = 12.0  # months
CENTRAL = (0.25, 0.75)  # pointwise quantiles of the central band

#: Quantities the thesis did not print: id → French label (the table's rows, in order).
UNPRINTED = {
    "pfs_6": "SSP à 6 mois",
    "pfs_12": "SSP à 12 mois",
    "os_6": "SG à 6 mois",
    "os_12": "SG à 12 mois",
    "rmst_pfs_12": "SSP moyenne restreinte à 12 mois (mois)",
    "rmst_os_12": "SG moyenne restreinte à 12 mois (mois)",
    "p_class_pfs": "Log-rank entre les trois classes, SSP (p)",
    "p_class_os": "Log-rank entre les trois classes, SG (p)",
    "hr_gprc5d": "Rapport des risques instantanés (Cox), anti-GPRC5D contre autres lignes, SSP",
    "hr_gprc5d_lower": "— borne inférieure de son IC à 95 %",
    "hr_gprc5d_upper": "— borne supérieure de son IC à 95 %",
}
_PERCENT = ("pfs_6", "pfs_12", "os_6", "os_12")


@dataclass(frozen=True)
class Envelope:
    """Pointwise summary of one curve over the ensemble, on ``grid`` (months)."""

    grid: np.ndarray
    low: np.ndarray
    high: np.ndarray
    central_low: np.ndarray
    central_high: np.ndarray
    n_cohorts: int


@dataclass(frozen=True)
class Summary:
    """Everything the appendix draws and tabulates, computed once per build."""

    quantities: pd.DataFrame  # one row per cohort: unprinted and printed quantities
    surv: dict[tuple[str, str], np.ndarray]  # curve → (cohorts × grid) S(t)
    grid: np.ndarray

    @property
    def n(self) -> int:
        return len(self.quantities)

    def envelope(self, curve: tuple[str, str]) -> Envelope:
        s = self.surv[curve]
        lo, hi = np.quantile(s, CENTRAL, axis=0)
        return Envelope(self.grid, s.min(axis=0), s.max(axis=0), lo, hi, s.shape[0])


def _sets(cohort: pd.DataFrame) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    """(time, event) arrays of each curve of :data:`CURVES`."""
    out = {}
    cls = cohort["anti_bcma_class"].to_numpy()
    gprc = (cohort["subsequent_line"] == "anti_gprc5d").to_numpy()
    for endpoint in ("pfs", "os"):
        t = cohort[f"{endpoint}_months"].to_numpy(dtype=float)
        e = cohort[f"{endpoint}_event"].to_numpy(dtype=float, na_value=np.nan) > 0
        keep = ~np.isnan(t)
        masks = {"all": keep, **{c: keep & (cls == c) for c in CLASSES}}
        if endpoint == "pfs":
            masks |= {"anti_gprc5d": keep & gprc, "other_slt": keep & ~gprc}
        for pop, m in masks.items():
            out[(endpoint, pop)] = (t[m], e[m])
    return out


def rmst(km: KaplanMeier, horizon: float) -> float:
    """Restricted mean survival time: the area under S(t) from 0 to ``horizon``."""
    x = np.concatenate(([0.0], km.time[km.time < horizon], [horizon]))
    s = np.concatenate(([1.0], km.surv[km.time < horizon]))
    return float(np.sum(np.diff(x) * s))


def cox_gprc5d(time: np.ndarray, event: np.ndarray, gprc5d: np.ndarray
               ) -> tuple[float, float, float]:
    """Hazard ratio of anti-GPRC5D versus the other subsequent lines with its 95 % CI
    (lifelines' Cox model, Efron ties)."""
    from lifelines import CoxPHFitter

    frame = pd.DataFrame({"time": time, "event": event.astype(int),
                          "anti_gprc5d": gprc5d.astype(int)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a non-converged fit must not pass silently
        # lifelines stops at a step-size criterion that can leave the estimate 1e-5 off the
        # maximum; a tighter one converges to R's coxph (same estimate to 1e-10)
        fit = CoxPHFitter().fit(frame, "time", "event", fit_options={"precision": 1e-12})
    row = fit.summary.loc["anti_gprc5d"]
    return (float(row["exp(coef)"]), float(row["exp(coef) lower 95%"]),
            float(row["exp(coef) upper 95%"]))


def analyse(cohort: pd.DataFrame, grid: np.ndarray) -> tuple[dict[str, float], dict]:
    """One cohort: its quantities (unprinted, then printed as ``<endpoint>.<stat>.<pop>``
    and ``p_gprc5d``) and its S(t) on ``grid`` for each curve."""
    sets = _sets(cohort)
    curves = {k: survival.kaplan_meier(*v) for k, v in sets.items()}
    q: dict[str, float] = {}
    for endpoint in ("pfs", "os"):
        km = curves[(endpoint, "all")]
        for m in LANDMARKS:
            q[f"{endpoint}_{m}"] = float(km.survival_at(m)[0])
    q["rmst_pfs_12"] = rmst(curves[("pfs", "all")], RMST_HORIZON)
    q["rmst_os_12"] = rmst(curves[("os", "all")], RMST_HORIZON)
    cls = cohort["anti_bcma_class"].to_numpy()
    for endpoint in ("pfs", "os"):
        t, e = sets[(endpoint, "all")]
        keep = cohort[f"{endpoint}_months"].notna().to_numpy()
        q[f"p_class_{endpoint}"] = survival.logrank(t, e, cls[keep]).p
    t, e = sets[("pfs", "all")]
    gprc = (cohort["subsequent_line"] == "anti_gprc5d").to_numpy()[
        cohort["pfs_months"].notna().to_numpy()]
    q["hr_gprc5d"], q["hr_gprc5d_lower"], q["hr_gprc5d_upper"] = cox_gprc5d(t, e, gprc)
    for (endpoint, pop), km in curves.items():
        for stat, v in (("median", km.median), ("lower", km.median_lower),
                        ("upper", km.median_upper)):
            q[f"{endpoint}.{stat}.{pop}"] = v
    q["p_gprc5d"] = survival.logrank(t, e, gprc).p
    surv = {k: km.survival_at(grid) for k, km in curves.items()}
    return q, surv


def summarise(frame: pd.DataFrame, horizon: float | None = None) -> Summary:
    """Analyse every cohort of the long-format ensemble ``frame`` (column ``cohort``)."""
    if frame.empty:
        raise ValueError("ensemble de pseudo-cohortes vide")
    if horizon is None:
        horizon = float(np.nanmax(frame[["pfs_months", "os_months"]].to_numpy(dtype=float)))
    grid = np.round(np.arange(0.0, horizon + GRID_STEP, GRID_STEP), 10)
    rows, survs = {}, {k: [] for k in CURVES}
    for seed, cohort in frame.groupby("cohort", sort=True):
        q, s = analyse(cohort, grid)
        rows[int(seed)] = q
        for k in CURVES:
            survs[k].append(s[k])
    quantities = pd.DataFrame.from_dict(rows, orient="index").rename_axis("cohort")
    return Summary(quantities, {k: np.vstack(v) for k, v in survs.items()}, grid)


# ----------------------------------------------------------------------------- tables
def _show(qid: str, v: float) -> str:
    if math.isnan(v):
        return "NA"
    if qid in _PERCENT:
        return fmt.percent(100 * v)
    if qid.startswith("p_"):
        return fmt.number(v, 3) if v >= 0.001 else "< 0,001"
    return fmt.number(v, 2)


def unprinted_table(summary: Summary, shipped: dict[str, float]) -> pd.DataFrame:
    """Quantities the thesis did not print: the shipped cohort's value, the median and
    the range (min – max) over the ensemble."""
    rows = []
    for qid, label in UNPRINTED.items():
        col = summary.quantities[qid]
        rows.append({"Grandeur (non publiée)": label,
                     "Pseudo-cohorte livrée": _show(qid, shipped[qid]),
                     "Médiane de l'ensemble": _show(qid, float(col.median())),
                     "Étendue (min – max)": f"{_show(qid, float(col.min()))} – "
                                             f"{_show(qid, float(col.max()))}"})
    return pd.DataFrame(rows)


def unprinted_anchors() -> list[str]:
    """Anchor of each row of :func:`unprinted_table`: the target of the prose's ranges."""
    return [anchors.computation_id(range_id(qid)) for qid in UNPRINTED]


def range_id(qid: str) -> str:
    """``computed=`` id of the range of one unprinted quantity over the ensemble."""
    return f"ensemble.{qid}.range"


def _decimals(published_value: float) -> int:
    text = f"{published_value:.10g}"
    return len(text.split(".")[1]) if "." in text else 0


def printed_check(summary: Summary, published: pd.DataFrame) -> pd.DataFrame:
    """Each printed survival quantity (Table 2 medians and CI limits, the text's anti-GPRC5D
    comparison and its log-rank p): its printed value, and the smallest and largest value
    over the ensemble written at the printed precision; ``width_zero`` says whether both
    equal the printed value (R's NA included)."""
    keys = published["key"]
    rows = published[(keys.str.startswith("t2.") & published["quantity"].str.startswith("km_"))
                     | keys.str.match(r"km\.pfs\.(median|lower|upper)\.(anti_gprc5d|other_slt)$")
                     | (keys == "km.pfs.gprc5d_vs_other.p")]
    out = []
    for row in rows.itertuples():
        if row.quantity == "p_value":
            col = summary.quantities["p_gprc5d"]
        else:
            stat = row.quantity.removeprefix("km_")
            col = summary.quantities[f"{row.variable}.{stat}.{row.population}"]
        want = float(row.value)
        if math.isnan(want):
            shown = ["NA" if math.isnan(v) else fmt.number(v, 2) for v in (col.min(), col.max())]
            printed = "NA"
            zero = bool(col.isna().all())
        else:
            d = _decimals(want)
            shown = [fmt.number(v, d) if not math.isnan(v) else "NA"
                     for v in (col.min(), col.max())]
            printed = fmt.number(want, d)
            zero = bool(col.notna().all()) and shown[0] == shown[1] == printed
        out.append({"key": row.key, "as_printed": row.as_printed, "locator": row.locator,
                    "printed": printed, "min": shown[0], "max": shown[1],
                    "width_zero": zero})
    return pd.DataFrame(out)


# ----------------------------------------------------------------------------- prose
def _range(summary: Summary, qid: str) -> str:
    col = summary.quantities[qid]
    lo, hi = _show(qid, float(col.min())), _show(qid, float(col.max()))
    if qid in _PERCENT:
        return f"{lo} à {hi}"
    return f"{lo} à {hi}" + (f"{fmt.NBSP}mois" if qid.startswith("rmst") else "")


#: Tables whose counts the prose quotes (``computed="table:<name>"``).
UNPRINTED_TABLE = "ensemble-non-publies"
CHECK_TABLE = "ensemble-controle"
#: Printed numbers the prose of the appendix quotes, by their key in the published numbers.
QUOTED = ("t2.pfs.median.all", "t2.pfs.lower.all", "t2.pfs.upper.all", "t2.os.median.all",
          "t2.os.lower.all", "t2.os.upper.all", "km.pfs.lower.anti_gprc5d",
          "km.pfs.gprc5d_vs_other.p")


def numbers(summary: Summary, check: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Glue key → (French text, ``computed=`` id) of every number the appendix's prose
    quotes: the ensemble's size, the ranges of the unprinted quantities, the check."""
    out = {"ens_n": (str(summary.n), f"table:{UNPRINTED_TABLE}")}
    for qid in UNPRINTED:
        out[f"ens_{qid}"] = (_range(summary, qid), range_id(qid))
    out["ens_printed_n"] = (str(len(check)), f"table:{CHECK_TABLE}")
    out["ens_printed_zero"] = (str(int(check["width_zero"].sum())), f"table:{CHECK_TABLE}")
    return out


def placeholders() -> dict[str, tuple[str, None]]:
    """The same keys without values (real-data mode: the ensemble is not computed; the
    text that quotes them is left out of the page)."""
    keys = ["ens_n", *(f"ens_{q}" for q in UNPRINTED), "ens_printed_n", "ens_printed_zero"]
    return {k: ("—", None) for k in keys}


def published_numbers(published: pd.DataFrame) -> dict[str, tuple[str, data.Source]]:
    """Glue key → (French text, data row) of the printed numbers the appendix quotes: a
    median as printed, a confidence limit or a p value written with a decimal comma."""
    by_key = published.set_index("key")
    out = {}
    for key in QUOTED:
        row = by_key.loc[key]
        text = (row["as_printed"].split(" (")[0] if ".median." in key
                else fmt.number(row["value"], _decimals(float(row["value"]))))
        out["pub_" + key.replace(".", "_")] = (
            text, data.source("retrospective_published", key=key))
    return out


@dataclass(frozen=True)
class Appendix:
    """What the appendix draws and tabulates; ``None`` members in real-data mode."""

    summary: Summary | None
    curves: dict | None
    shipped: dict[str, float] | None
    check: pd.DataFrame | None


def prepare(published: pd.DataFrame, frame: pd.DataFrame | None,
            shipped_cohort: pd.DataFrame | None) -> Appendix:
    """Analyse the ensemble ``frame`` and the shipped cohort, and glue every number the
    appendix quotes with its provenance. Real-data mode passes ``None`` for both: nothing
    is computed from the ensemble, the keys are glued empty (their text is left out)."""
    from therapybook.study import summary as cohort_summary

    for key, (text, src) in published_numbers(published).items():
        prose.glue(key, text, source=src)
    if frame is None or shipped_cohort is None:
        for key, (text, _none) in placeholders().items():
            prose.glue(key, text)
        return Appendix(None, None, None, None)
    result = summarise(frame)
    shipped_q, _ = analyse(shipped_cohort, result.grid)
    check = printed_check(result, published)
    for key, (text, computed) in numbers(result, check).items():
        prose.glue(key, text, computed=computed)
    return Appendix(result, cohort_summary.curves(shipped_cohort), shipped_q, check)


def check_table(check: pd.DataFrame) -> pd.DataFrame:
    """The check as the appendix shows it: printed number, where, min and max over the
    ensemble at the printed precision, zero width (« oui » / « non »)."""
    return pd.DataFrame({
        "Nombre publié (tel qu'imprimé)": check["as_printed"],
        "Emplacement dans la thèse": check["locator"],
        "Valeur visée": check["printed"],
        "Minimum sur l'ensemble": check["min"],
        "Maximum sur l'ensemble": check["max"],
        "Largeur nulle": check["width_zero"].map({True: "oui", False: "non"}),
    })


def printed_limits(published: pd.DataFrame, endpoint: str, population: str
                   ) -> tuple[float, float, float]:
    """(median, lower, upper) as printed for one curve (Table 2, else the text)."""
    by_key = published.set_index("key")["value"]
    prefix = "t2" if f"t2.{endpoint}.median.{population}" in by_key.index else "km"
    return tuple(float(by_key[f"{prefix}.{endpoint}.{s}.{population}"])
                 for s in ("median", "lower", "upper"))
