"""The numbers the study chapter's prose quotes, formatted in French, with their provenance.

:func:`numbers` gives one value per published number of the study
(``retrospective_published``): recomputed from the cohort (synthetic or real) when the
cohort can give it — its provenance is then the computation named by the published key,
which the reproducibility appendix lists — else the printed value itself, with its data
row as provenance (the germs of the infectious deaths, the products of the retreatments,
the two retreated patients' times that the thesis prints…). :func:`literature` gives the
series the discussion compares with. :func:`curves` gives the Kaplan-Meier curves of the
figures. Only aggregates come out: never a patient-level row or time the thesis did not
print.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from therapybook import data
from therapybook.render import fmt
from therapybook.stats.survival import KaplanMeier
from therapybook.study import analysis, audit
from therapybook.study.wording import classes

#: Published numbers quoted as printed even when the cohort could give them: the times of
#: single patients, which the book never computes from a cohort file.
PRINTED_ONLY = ("disc.retreated.pfs.",)
#: Units of the medians and quartiles quoted in the prose.
UNITS = {"age_at_failure": "ans"}


@dataclass(frozen=True)
class Quoted:
    """A formatted value and its provenance: a computation id or a data row."""

    text: str
    computed: str | None = None
    source: data.Source | None = None


def glue_key(key: str) -> str:
    """Glue name of a published number: ``km.pfs.median.all`` → ``retro_km_pfs_median_all``."""
    return "retro_" + key.replace(".", "_")


def _months(x: float) -> str:
    return f"{fmt.signif(x)}{fmt.NBSP}mois"


def format_value(row, value: float) -> str:
    """A value of published number ``row`` as the prose quotes it (French)."""
    q = row.quantity
    if q in ("km_median", "km_lower", "km_upper"):
        if math.isnan(value):
            return "non atteinte"
        return _months(value) if q == "km_median" else fmt.signif(value)
    if q == "p_value":
        return fmt.number(value, 3)
    if q == "percent":
        digits = 0 if pd.isna(row.value) else audit.decimals(float(row.value))
        return fmt.percent(value, digits)
    if q in ("median", "q1", "q3"):
        if math.isnan(value):
            return fmt.MISSING
        text = (fmt.count(int(value)) if float(value).is_integer()
                else analysis.quantile_text(value))
        unit = UNITS.get(row.variable)
        return f"{text}{fmt.NBSP}{unit}" if unit else text
    if q in ("count", "denominator"):
        return fmt.count(int(round(value)))
    raise ValueError(f"grandeur inconnue : {q}")


def numbers(published: pd.DataFrame, cohort: pd.DataFrame) -> dict[str, Quoted]:
    """Every published number, keyed by :func:`glue_key`, as the prose quotes it."""
    out: dict[str, Quoted] = {}
    for row in published.itertuples(index=False):
        value = math.nan
        computable = not row.key.startswith(PRINTED_ONLY)
        if computable:
            try:
                value = analysis.regenerate(row, cohort)
            except analysis._Absent:  # noqa: SLF001 (the cohort lacks the information)
                computable = False
        if computable:
            out[glue_key(row.key)] = Quoted(format_value(row, value), computed=row.key)
            if row.quantity == "km_lower":
                out[glue_key(row.key.replace(".lower.", ".ci."))] = Quoted(
                    _ci(value, _upper(published, row, cohort)), computed=row.key)
        else:
            src = data.source("retrospective_published", key=row.key)
            out[glue_key(row.key)] = Quoted(format_value(row, float(row.value)), source=src)
    return out


def printed(published: pd.DataFrame, keys: list[str]) -> dict[str, Quoted]:
    """Published numbers ``keys`` quoted exactly as the thesis prints them (its decimals),
    each with its row, keyed ``retro_printed_<key>``: for a passage that restates what the
    thesis says, where two of its passages disagree (« 2,3 mois » in the discussion, « 2,14 »
    in the results)."""
    out: dict[str, Quoted] = {}
    for key in keys:
        rows = published[published["key"] == key]
        if len(rows) != 1:
            raise LookupError(f"Nombre publié « {key} » absent (ou en double) du tableau des "
                              "nombres publiés.")
        row = next(rows.itertuples(index=False))
        value = float(row.value)
        if row.quantity in ("km_median", "km_lower", "km_upper", "p_value"):
            text = fmt.number(value, audit.decimals(value))
            if row.quantity == "km_median":
                text += f"{fmt.NBSP}mois"
        else:
            text = format_value(row, value)
        src = data.source("retrospective_published", key=key)
        out["retro_printed_" + key.replace(".", "_")] = Quoted(text, source=src)
    return out


def _upper(published: pd.DataFrame, lower, cohort: pd.DataFrame) -> float:
    """The upper limit matching the ``km_lower`` row ``lower``, recomputed."""
    rows = published[(published["key"] == lower.key.replace(".lower.", ".upper."))]
    return analysis.regenerate(next(rows.itertuples(index=False)), cohort)


def _ci(lower: float, upper: float) -> str:
    """« IC à 95 % : 2,04 – 12,5 mois »; an upper limit not reached reads « non atteinte »."""
    if math.isnan(upper):
        return f"IC à 95 % : {_months(lower)} – non atteinte"
    return f"IC à 95 % : {fmt.signif(lower)} – {_months(upper)}"


def design(frame: pd.DataFrame) -> dict[str, Quoted]:
    """The frame of the study (``retrospective_design``): period in French months, centre,
    software, keyed ``retro_<key>``."""
    out = {}
    for row in frame.itertuples(index=False):
        text = fmt.month(row.value) if row.key.startswith("period_") else row.value
        out[f"retro_{row.key}"] = Quoted(text, source=data.source("retrospective_design",
                                                                   key=row.key))
    return out


def literature(lit: pd.DataFrame) -> dict[str, Quoted]:
    """The series of the discussion, keyed ``retro_lit_<key>`` from the data's own key."""
    out = {}
    for row in lit.itertuples(index=False):
        digits = 0 if float(row.value).is_integer() else 1
        value = (fmt.count(int(row.value)) if row.unit == "patients"
                 else fmt.number(row.value, digits))
        unit = {"%": f"{fmt.NBSP}%", "mois": f"{fmt.NBSP}mois", "patients": ""}[row.unit]
        src = data.source("retrospective_literature", key=row.key)
        out[f"retro_lit_{row.key}"] = Quoted(value + unit, source=src)
    return out


def curves(cohort: pd.DataFrame) -> dict[tuple[str, str], KaplanMeier | None]:
    """(endpoint, population) → curve: ``all``, each class, and for PFS ``anti_gprc5d``
    and ``other_slt`` (the other subsequent lines)."""
    out = {}
    for endpoint in ("pfs", "os"):
        for pop in ("all", *classes()):
            out[(endpoint, pop)] = analysis.km(analysis.population(cohort, pop), endpoint)
    for pop in ("anti_gprc5d", "other_slt"):
        out[("pfs", pop)] = analysis.km(analysis.population(cohort, pop), "pfs")
    return out


def notice(wording, synthetic: bool):
    """The chapter's one box on the pseudo-cohort (Markdown), or None on real data."""
    from IPython.display import Markdown

    if not synthetic:
        return None
    return Markdown(f"```{{admonition}} {wording.text('chapter.notice_title')}\n"
                    f":class: warning\n{wording.text('chapter.notice')}\n```\n")


def class_curves(curves: dict, endpoint: str) -> dict[str, KaplanMeier]:
    """The curves of ``endpoint`` per anti-BCMA class (classes without patients left out)."""
    return {c: curves[(endpoint, c)] for c in classes() if curves[(endpoint, c)] is not None}


def class_os_caption(wording, cohort: pd.DataFrame) -> str:
    """Caption sentences of the per-class OS curves of the pseudo-cohort: the thesis does not
    say in which classes the patients left out of the OS analysis were, so the size of each
    curve is the reconstruction's choice (and is not shown)."""
    left_out = int(cohort["os_months"].isna().sum())
    return wording.text("chapter.class_curves_os", deaths=fmt.count(left_out))


def report_numbers(comp: pd.DataFrame) -> dict[str, str]:
    """Counts of the reproducibility report (``repro_total``, ``repro_exact``…)."""
    counts = analysis.status_counts(comp)
    return {
        "repro_total": fmt.number(len(comp)),
        "repro_exact": fmt.number(counts["exact"]),
        "repro_corrected": fmt.count(counts["consistent-after-correction"]),
        "repro_not": fmt.count(counts["not reproducible"]),
        "repro_not_explained": fmt.count(int(comp["absent"].sum())),
    }


def gprc5d_curves(curves: dict) -> dict[str, KaplanMeier]:
    """Figure 21-C: PFS after an anti-GPRC5D subsequent line against all the other lines."""
    return {"Anti-GPRC5D": curves[("pfs", "anti_gprc5d")],
            "Autres lignes": curves[("pfs", "other_slt")]}
