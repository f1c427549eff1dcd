"""Aggregated, formatted numbers of a retrospective cohort for the chapter's prose.

:func:`numbers` turns a cohort (synthetic or real, columns of ``retrospective_cohort``)
into French strings to glue (``{glue:md}`retro_pfs_all```); :func:`curves` gives the
Kaplan-Meier curves of the figures. Only aggregates (counts, percentages, medians,
confidence limits, p-values) come out: never a patient-level row or time.
"""

from __future__ import annotations

import math
import unicodedata

import pandas as pd

from therapybook.render import fmt
from therapybook.stats import survival
from therapybook.stats.survival import KaplanMeier
from therapybook.study import analysis

CLASSES = analysis.CLASSES
LINES = tuple(cat for cat, _label in analysis.LINE_ROWS)
CLASS_NAMES = {"car_t": "CAR-T cells", "bispecific": "anticorps bispécifique",
               "adc": "anticorps conjugué (ADC)"}


def _r(x: float) -> str:
    return survival.r_signif(x, decimal=",")


def km_phrase(km: KaplanMeier | None) -> str:
    """« 4,37 mois (IC à 95 % : 2,04 – 12,5) »; « non atteinte (IC à 95 % : 4,37 – NA) »."""
    if km is None:
        return "non calculable"
    median = "non atteinte" if math.isnan(km.median) else f"{_r(km.median)}{fmt.NBSP}mois"
    return f"{median} (IC à 95 % : {_r(km.median_lower)} – {_r(km.median_upper)})"


def _km(sub: pd.DataFrame, endpoint: str) -> KaplanMeier | None:
    sub = sub[sub[f"{endpoint}_months"].notna()]
    if sub.empty:
        return None
    return survival.kaplan_meier(sub[f"{endpoint}_months"].astype(float).to_numpy(),
                                 sub[f"{endpoint}_event"].astype(float).to_numpy() > 0)


def curves(cohort: pd.DataFrame) -> dict[tuple[str, str], KaplanMeier | None]:
    """(endpoint, population) → curve: ``all``, each class, and for PFS ``anti_gprc5d``
    and ``other_slt`` (the other subsequent lines)."""
    out = {}
    gprc = cohort["subsequent_line"] == "anti_gprc5d"
    for endpoint in ("pfs", "os"):
        out[(endpoint, "all")] = _km(cohort, endpoint)
        for c in CLASSES:
            out[(endpoint, c)] = _km(cohort[cohort["anti_bcma_class"] == c], endpoint)
    out[("pfs", "anti_gprc5d")] = _km(cohort[gprc], "pfs")
    out[("pfs", "other_slt")] = _km(cohort[~gprc], "pfs")
    return out


def _cp(n: int, total: int) -> str:
    """« 17 (55 %) »."""
    pct = fmt.percent(100 * n / total) if total else fmt.MISSING
    return f"{n} ({pct})"


def _q(x: float) -> str:
    return fmt.number(x, 0 if float(x).is_integer() else 1)


def _iqr(values: pd.Series) -> str:
    q1, med, q3 = analysis.quantiles(values)
    return f"{_q(med)} (IQR {_q(q1)}–{_q(q3)})" if not math.isnan(med) else fmt.MISSING


def numbers(cohort: pd.DataFrame) -> dict[str, str]:
    """Every number the chapter's prose quotes, formatted in French, keyed by glue name."""
    n = len(cohort)
    cls = cohort["anti_bcma_class"]
    line = cohort["subsequent_line"]
    cause = cohort["death_cause"]
    out = {"retro_n": str(n)}
    for c in CLASSES:
        out[f"retro_n_{c}"] = _cp(int((cls == c).sum()), n)
    for prod in ("ide_cel", "cilta_cel", "teclistamab", "elranatamab", "belantamab_mafodotin"):
        out[f"retro_product_{prod}"] = str(int((cohort["anti_bcma_product"] == prod).sum()))
    out["retro_age"] = _iqr(cohort["age_at_failure"])
    out["retro_prior_lines"] = _iqr(cohort["prior_lines"])
    for var in ("high_risk_cytogenetics", "extramedullary", "prior_autograft",
                "triple_refractory", "penta_refractory"):
        col = cohort[var].astype("boolean")
        known = int(col.notna().sum())
        out[f"retro_{var}"] = _cp(int(col.fillna(False).sum()), known)
        out[f"retro_{var}_known"] = str(known)
    infection = analysis.infection_deaths_before_slt(cohort).fillna(False)
    remaining = int((~infection).sum())
    out["retro_infection_deaths"] = _cp(int(infection.sum()), n)
    out["retro_remaining"] = str(remaining)
    no_line = (line == "none") & ~infection
    out["retro_no_line"] = _cp(int(no_line.sum()), remaining)
    out["retro_slt"] = _cp(int(((line != "none") & line.notna()).sum()), remaining)
    for cat in LINES:
        out[f"retro_line_{cat}"] = _cp(int((line == cat).sum()), n)
    for c in ("progression", "infection", "cardiovascular"):
        out[f"retro_deaths_{c}"] = str(int((cause == c).sum()))
    out["retro_deaths"] = str(int(cause.notna().sum()))
    km = curves(cohort)
    for (endpoint, pop), curve in km.items():
        out[f"retro_{endpoint}_{pop}"] = km_phrase(curve)
        out[f"retro_{endpoint}_{pop}_n"] = str(curve.n) if curve else "0"
        out[f"retro_{endpoint}_{pop}_events"] = str(curve.events) if curve else "0"
    test = analysis.gprc5d_logrank(cohort)
    out["retro_logrank_p"] = ("non calculable" if test is None
                              else f"p{fmt.NBSP}={fmt.NBSP}{fmt.number(test.p, 3)}")
    return out


def literature(lit: pd.DataFrame) -> dict[str, str]:
    """Glue names ``retro_lit_<study>_<measure>`` for the literature comparisons."""
    out = {}
    for row in lit.itertuples(index=False):
        ascii_name = unicodedata.normalize("NFKD", row.study).encode("ascii", "ignore").decode()
        study = "".join(ch for ch in ascii_name.lower() if ch.isalnum())[:12]
        digits = 0 if float(row.value).is_integer() else 1
        value = fmt.number(row.value, digits)
        unit = {"%": f"{fmt.NBSP}%", "mois": f"{fmt.NBSP}mois", "patients": ""}[row.unit]
        out[f"retro_lit_{study}_{row.measure}"] = value + unit
    return out


def published_numbers(published: pd.DataFrame) -> dict[str, str]:
    """Glue names ``retro_pub_*``: numbers of the thesis that the prose discusses as printed."""
    v = published.set_index("key")["value"]

    def count(key: str) -> str:
        return str(int(v[key]))

    def months(key: str) -> str:
        x = float(v[key])
        return f"{fmt.number(x, 0 if x.is_integer() else 1)}{fmt.NBSP}mois"

    gap = float(v["t2.os.median.all"]) - float(v["t2.pfs.median.all"])
    return {
        "retro_pub_n": count("t2.patients.n.all"),
        "retro_pub_os_n": count("fig21.os.n"),
        "retro_pub_pfs_n": count("fig21.pfs.n"),
        "retro_pub_supportive": f"{count('disc.no_slt_supportive_care.n')}/"
                                f"{count('disc.no_slt_supportive_care.denominator')}",
        "retro_pub_infection_deaths": count("text.deaths_infection_before_slt"),
        "retro_pub_no_line": count("t2.subsequent_line.none.n.all"),
        "retro_pub_retreated": count("disc.retreated_anti_bcma.n"),
        "retro_pub_retreated_belantamab": months("disc.retreated.pfs.belantamab"),
        "retro_pub_retreated_teclistamab": months("disc.retreated.pfs.teclistamab"),
        "retro_pub_gprc5d_n": count("disc.anti_gprc5d.n"),
        "retro_pub_os_pfs_gap": f"{fmt.number(gap, 2)}{fmt.NBSP}mois",
    }
