"""The retrospective study of the thesis (III.1) recomputed from a cohort file.

A *cohort* is a DataFrame with one row per patient and the columns of
``retrospective_cohort`` (``anti_bcma_class``, ``anti_bcma_product``, ``age_at_failure``,
``prior_lines``, nine boolean columns, ``subsequent_line``, ``pfs_months``/``pfs_event``,
``os_months``/``os_event``, ``death_cause``). It may be the synthetic pseudo-cohort or the
real file (real-data mode): the computations do not depend on which. Labels and French
wording come from the study's data (:class:`therapybook.study.wording.Wording`).

* :func:`table2` — the thesis's Table 2, same rows, four columns computed from the data,
  French formatting; every cell that differs from the printed one carries a footnote
  that says why (``df.attrs["notes"]``).
* :func:`comparison` — every published number (``retrospective_published``) beside the
  value recomputed from the cohort, with a status (``exact``,
  ``consistent-after-correction``, ``not reproducible``) and its reason, citing the
  :mod:`therapybook.study.audit` finding when the published number is proven wrong.
* :func:`export_json` — that comparison as machine-readable JSON.

Only aggregates leave this module: no function returns or prints a patient-level row.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from therapybook.render import fmt
from therapybook.stats import survival
from therapybook.stats.quantiles import quartiles
from therapybook.study import audit
from therapybook.study.wording import (
    Wording,
    boolean_variables,
    classes,
    lines,
    quantile_variables,
)

STATUSES = ("exact", "consistent-after-correction", "not reproducible")
#: Superscript letters that mark Table 2's footnotes, in order of use.
MARKS = "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"


def columns() -> tuple[str, ...]:
    """The columns of Table 2: all patients, then each anti-BCMA class."""
    return ("all", *classes())


# --------------------------------------------------------------------------- subsets


def _bool(series: pd.Series) -> pd.Series:
    """Boolean column with missing kept as <NA>."""
    return series.astype("boolean")


def infection_deaths_before_slt(cohort: pd.DataFrame) -> pd.Series:
    """Mask of patients who died of an infection without any subsequent line."""
    return (cohort["death_cause"] == "infection") & (cohort["subsequent_line"] == "none")


def population(cohort: pd.DataFrame, name: str) -> pd.DataFrame:
    """Rows of one analysis population of ``retrospective_published`` (aggregated only)."""
    line = cohort["subsequent_line"]
    if name == "all" or name == "evaluable_cytogenetics":
        return cohort
    if name in classes():
        return cohort[cohort["anti_bcma_class"] == name]
    if name == "alive_after_infection_deaths":
        return cohort[~infection_deaths_before_slt(cohort).fillna(False)]
    if name == "anti_gprc5d":
        return cohort[line == "anti_gprc5d"]
    if name == "other_slt":
        return cohort[line.notna() & (line != "none") & (line != "anti_gprc5d")]
    if name.startswith("retreated_"):
        return cohort[line == "anti_bcma"]
    raise KeyError(f"population inconnue : {name}")


def km(cohort: pd.DataFrame, endpoint: str) -> survival.KaplanMeier | None:
    """Kaplan-Meier curve of ``pfs`` or ``os`` over the rows that have a time."""
    sub = cohort[cohort[f"{endpoint}_months"].notna()]
    if sub.empty:
        return None
    return survival.kaplan_meier(sub[f"{endpoint}_months"].astype(float).to_numpy(),
                                 sub[f"{endpoint}_event"].astype(float).to_numpy() > 0)


def gprc5d_logrank(cohort: pd.DataFrame) -> survival.LogRank | None:
    """Log-rank test of PFS, anti-GPRC5D subsequent line vs the other lines."""
    sub = cohort[cohort["pfs_months"].notna()]
    group = (sub["subsequent_line"] == "anti_gprc5d").to_numpy()
    if sub.empty or group.all() or not group.any():
        return None
    return survival.logrank(sub["pfs_months"].astype(float).to_numpy(),
                            sub["pfs_event"].astype(float).to_numpy() > 0, group)


# --------------------------------------------------------------------------- Table 2


def quantile_text(x: float) -> str:
    """A median or quartile as the thesis prints it: integer, or one decimal."""
    if math.isnan(x):
        return fmt.MISSING
    return fmt.number(x, 0 if float(x).is_integer() else 1)


def _median_iqr(values: pd.Series) -> str:
    q1, med, q3 = quartiles(pd.to_numeric(values, errors="coerce"))
    return f"{quantile_text(med)} ({quantile_text(q1)} – {quantile_text(q3)})"


def _km_cells(cohort: pd.DataFrame, endpoint: str) -> dict[str, str]:
    """The four cells of a survival row: the whole cohort printed alone, the three classes
    printed together as ``print(survfit(... ~ class))`` does (columns share decimals)."""
    whole = km(cohort, endpoint)
    out = {"all": fmt.MISSING if whole is None else survival.median_ci_text(whole)}
    curves = {c: km(population(cohort, c), endpoint) for c in classes()}
    present = {c: k for c, k in curves.items() if k is not None}
    printed = survival.median_ci_text(present) if present else {}
    for c in classes():
        out[c] = printed.get(c, fmt.MISSING)
    return out


@dataclass
class _Cell:
    text: str
    variable: str
    population: str


def _printed_cell(published: pd.DataFrame | None, variable: str, pop: str) -> pd.DataFrame:
    if published is None:
        return published
    t2 = published[published["key"].str.startswith("t2.")
                   & ~published["key"].str.startswith("t2.note.")]
    return t2[(t2["variable"] == variable) & (t2["population"] == pop)]


_NUMBER = re.compile(r"NA|\d+(?:[.,]\d+)?")
#: « 1 (14) » → « 1 (14 %) » when a cell is quoted in running text.
_COUNT_PERCENT = re.compile(r"(\d+) \((\d+)\)")


def numbers_of(text: str) -> list[float]:
    """The numbers of a cell, in order (``NA`` → NaN; decimal point or comma)."""
    return [math.nan if t == "NA" else float(t.replace(",", "."))
            for t in _NUMBER.findall(str(text))]


def same_numbers(shown: str, printed: str) -> bool:
    """Do two cells hold the same numbers (NA equal to NA)?"""
    a, b = numbers_of(shown), numbers_of(printed)
    return len(a) == len(b) and all((math.isnan(x) and math.isnan(y)) or x == y
                                    for x, y in zip(a, b, strict=True))


def _determined(count: int, printed: float, n: int) -> int | None:
    """The denominator the printed percentage implies for ``count`` in a column of ``n``:
    ``n`` itself when it fits, else the single denominator below ``n`` that fits, else
    None (several fit, or none — the printed cell is then impossible)."""
    fits = audit.denominators_for(count, printed, upto=n)
    if n in fits:
        return n
    return fits[0] if len(fits) == 1 else None


def table2(cohort: pd.DataFrame, wording: Wording | None = None,
           published: pd.DataFrame | None = None, *, pseudo_cohort: bool = False
           ) -> pd.DataFrame:
    """Table 2 of the thesis recomputed from ``cohort``.

    Columns: ``Caractéristique`` then one column per population, titled like the thesis
    with N computed (« Tous les patients, N = 45 », « Échec des CAR-T cells, N = 18
    (40 %) »…). Rows, in the thesis's order: median age and prior lines with IQR (R type-7
    quantiles), nine « n (%) » rows (percentage of the patients of the column whose value
    is known), a heading then eight « n (%) » subsequent-line rows, median PFS and OS with
    their 95 % CI as R prints them (« 4,37 (2,04 – 12,5) », NA = limit not reached).

    ``published``: the printed numbers; a cell that differs from the printed one gets a
    footnote that says what is printed and why it differs (the audit's finding).
    ``pseudo_cohort``: the cohort is the synthetic reconstruction, whose evaluable
    patients per column were drawn freely where the thesis does not publish them; on those
    rows the percentage follows the denominator the printed percentage implies, and a
    footnote says so. ``df.attrs["notes"]`` holds every footnote.
    """
    w = wording or Wording()
    cols = columns()
    n_all = len(cohort)
    pops = {c: population(cohort, c) for c in cols}
    found = audit.findings(published, w) if published is not None else []
    by_key = audit.findings_by_key(found)
    notes: list[str] = []
    marks = iter(MARKS)

    def mark_for(note: str) -> str:
        m = next(marks)
        notes.append(note.format(mark=m) if "{mark}" in note else f"{m} {note}")
        return m

    header = {"all": _Cell(f"{w.column('all')}, N = {n_all}", "patients", "all")}
    for c in cols[1:]:
        n = len(pops[c])
        pct = fmt.percent(100 * n / n_all if n_all else None)
        header[c] = _Cell(f"{w.column(c)}, N = {n} ({pct})", "patients", c)
    body: list[tuple[str, dict[str, _Cell]]] = []
    definitions: list[tuple[int, str]] = []

    def label_of(list_name: str, code: str) -> str:
        title = w.label(list_name, code, "title")
        note = w.label(list_name, code, "note")
        if note != code:
            definitions.append((len(body), note))
        return title

    for var in quantile_variables():
        body.append((label_of("table2_quantile", var),
                     {c: _Cell(_median_iqr(pops[c][var]), var, c) for c in cols}))
    determined_rows: dict[int, tuple[dict[str, int | None], dict[str, tuple[int, float]]]] = {}
    for var in boolean_variables():
        cells = {}
        free = pseudo_cohort and published is not None and bool(
            _bool(cohort[var]).isna().any())
        used: dict[str, int | None] = {}
        impossible: dict[str, tuple[int, float]] = {}  # column → (count, printed %)
        for c in cols:
            col = _bool(pops[c][var])
            count, known = int(col.fillna(False).sum()), int(col.notna().sum())
            printed = _printed_cell(published, var, c)
            pct_row = printed[printed["quantity"] == "percent"] if printed is not None else None
            if free and pct_row is not None and not pct_row.empty:
                d = _determined(count, float(pct_row["value"].iloc[0]), len(pops[c]))
                if d is None and not audit.denominators_for(
                        count, float(pct_row["value"].iloc[0]), upto=len(pops[c])):
                    d = len(pops[c])  # impossible as printed: the audit's corrected reading
                    impossible[c] = (count, float(pct_row["value"].iloc[0]))
                used[c] = d
                known = d if d is not None else 0
            text = (fmt.count_percent(count, known) if known
                    else f"{count} ({fmt.MISSING})")
            cells[c] = _Cell(text, var, c)
        if free:
            determined_rows[len(body)] = (used, impossible)
        body.append((label_of("table2_boolean", var), cells))
    body.append((w.label("table2_heading", "subsequent_line", "title"), {}))
    for cat in lines():
        var = f"subsequent_line:{cat}"
        body.append((label_of("subsequent_line", cat), {
            c: _Cell(fmt.count_percent(int((pops[c]["subsequent_line"] == cat).sum()),
                                       len(pops[c])), var, c) for c in cols}))
    for endpoint in ("pfs", "os"):
        cells = _km_cells(cohort, endpoint)
        body.append((w.label("table2_survival", endpoint, "title"),
                     {c: _Cell(cells[c], endpoint, c) for c in cols}))

    # footnote marks: definitions, then the rows whose denominators are implied, then
    # every cell that differs from the printed one
    labels = [label for label, _cells in body]
    for row, note in definitions:
        labels[row] += f" {mark_for(note)}"
    for row, (used, impossible) in determined_rows.items():
        var = body[row][1]["all"].variable
        joint = f"denominateurs-{var}" in {f.id for f in found}
        listed = " ; ".join(_denominator_text(w, c, d, impossible.get(c))
                            for c, d in used.items())
        labels[row] += " " + mark_for(w.text(
            "table2.determined", denominators=listed,
            joint=w.text("table2.determined_joint") if joint else "").strip())

    def flag(cell: _Cell) -> str:
        printed = _printed_cell(published, cell.variable, cell.population)
        if printed is None or printed.empty:
            return cell.text
        as_printed = str(printed["as_printed"].iloc[0])
        if cell.variable == "patients":
            as_printed = as_printed.partition("N = ")[2] or as_printed
            shown = cell.text.partition("N = ")[2]
        else:
            shown = cell.text
        if same_numbers(shown, as_printed):
            return cell.text
        hits = [f for k in printed["key"] for f in by_key.get(k, [])
                if k in f.corrections]
        reading = _COUNT_PERCENT.sub(r"\1 (\2 %)", shown)
        why = (w.text("table2.why_finding", correction=reading) if hits
               else w.text("table2.why_other"))
        note = w.text("table2.differs", printed=f"{{printed}}`{as_printed}`", why=why)
        return f"{cell.text} {mark_for(note)}"

    head = [flag(header[c]) for c in cols]
    rows = [[labels[i], *(flag(cells[c]) if cells else "" for c in cols)]
            for i, (_label, cells) in enumerate(body)]
    df = pd.DataFrame(rows, columns=["Caractéristique", *head])
    if not pseudo_cohort:
        notes.append(_evaluable_note(cohort, w))
    notes.append(w.text("table2.survival", pfs_n=int(cohort["pfs_months"].notna().sum()),
                        os_n=int(cohort["os_months"].notna().sum())))
    df.attrs["notes"] = [n for n in notes if n]
    return df


def _denominator_text(w: Wording, column: str, d: int | None,
                      impossible: tuple[int, float] | None) -> str:
    """« Échec du BispAb : 20 », or, where no denominator up to the column's size gives the
    printed percentage, which denominators would (computed) and what the table uses."""
    if impossible is None:
        return f"{w.column(column)} : {d if d is not None else fmt.MISSING}"
    count, pct = impossible
    good = audit.denominators_for(count, pct)
    return w.text("table2.determined_none", column=w.column(column),
                  pct=fmt.percent(pct, audit.decimals(pct)),
                  good=" ou ".join(fmt.count(g) for g in good) if good else fmt.MISSING,
                  n=fmt.count(d))


def _evaluable_note(cohort: pd.DataFrame, w: Wording) -> str:
    partial = []
    for var in boolean_variables():
        known = {c: int(_bool(population(cohort, c)[var]).notna().sum()) for c in columns()}
        full = {c: len(population(cohort, c)) for c in columns()}
        if known != full:
            partial.append(f"{w.variable(var)} ({', '.join(str(known[c]) for c in columns())})")
    if not partial:
        return ""
    return w.text("table2.evaluable", rows=" ; ".join(partial))


# --------------------------------------------------------------------------- regeneration


class _Absent(Exception):
    """The cohort has no information for this published number (args: wording key)."""


def _count(pop: pd.DataFrame, variable: str, cohort: pd.DataFrame) -> tuple[float, int]:
    """(count, denominator) of ``variable`` in ``pop``."""
    line = pop["subsequent_line"]
    if variable == "patients":
        return len(pop), len(cohort)
    if variable.startswith("subsequent_line:"):
        parts = variable.split(":")
        if len(parts) > 2:
            col = "subsequent_line_product"
            if col not in pop.columns:
                raise _Absent("absent.product_column")
            return int(((line == parts[1]) & (pop[col] == parts[2])).sum()), len(pop)
        return int((line == parts[1]).sum()), len(pop)
    if variable.startswith("anti_bcma_product:"):
        return int((pop["anti_bcma_product"] == variable.split(":", 1)[1]).sum()), len(pop)
    if variable.startswith("deaths_infection_before_slt"):
        if ":" in variable:
            raise _Absent("absent.germ")
        return int(infection_deaths_before_slt(pop).sum()), len(pop)
    if variable.startswith("deaths_"):
        return int((pop["death_cause"] == variable.removeprefix("deaths_")).sum()), len(pop)
    none = line == "none"
    if variable == "received_slt":
        return int((line.notna() & ~none).sum()), len(pop)
    if variable == "no_slt_palliative_or_progression":
        return int((none & ~infection_deaths_before_slt(pop)).sum()), len(pop)
    other_death = pop["death_cause"].isin(["infection", "cardiovascular"])
    if variable == "no_slt_death_other_than_progression":
        return int((none & other_death).sum()), len(pop)
    if variable == "no_slt_best_supportive_care":
        return int((none & ~other_death).sum()), len(pop)
    if variable not in pop.columns:
        raise _Absent("absent.column", variable)
    col = _bool(pop[variable])
    return int(col.fillna(False).sum()), int(col.notna().sum())


def _denominator(pop: pd.DataFrame, variable: str) -> int:
    if variable in ("pfs", "os"):
        return int(pop[f"{variable}_months"].notna().sum())
    if variable in ("patients",):
        return len(pop)
    if variable not in pop.columns:
        raise _Absent("absent.column", variable)
    return int(pop[variable].notna().sum())


def regenerate(row, cohort: pd.DataFrame) -> float:
    """The value of published number ``row`` (a ``retrospective_published`` row) computed
    from ``cohort``; NaN for a median or limit not reached. Raises ``_Absent``."""
    pop = population(cohort, row.population) if row.population != \
        "anti_gprc5d_vs_other_slt" else cohort
    q = row.quantity
    if q == "count":
        return float(_count(pop, row.variable, cohort)[0])
    if q == "percent":
        n, d = _count(pop, row.variable, cohort)
        return 100 * n / d if d else math.nan
    if q == "denominator":
        return float(_denominator(pop, row.variable))
    if q in ("median", "q1", "q3"):
        q1, med, q3 = quartiles(pd.to_numeric(pop[row.variable], errors="coerce"))
        return {"q1": q1, "median": med, "q3": q3}[q]
    if q in ("km_median", "km_lower", "km_upper"):
        curve = km(pop, row.variable)
        if curve is None:
            raise _Absent("absent.empty")
        return {"km_median": curve.median, "km_lower": curve.median_lower,
                "km_upper": curve.median_upper}[q]
    if q == "p_value":
        test = gprc5d_logrank(cohort)
        if test is None:
            raise _Absent("absent.group")
        return test.p
    raise _Absent("absent.unknown")


def _same(published: float, regenerated: float) -> bool:
    """Equal at the printed precision (either rounding rule); NA equals NA."""
    if pd.isna(published) or pd.isna(regenerated):
        return bool(pd.isna(published) and pd.isna(regenerated))
    return float(published) in audit.roundings(float(regenerated),
                                               audit.decimals(float(published)))


def _format(row, value: float) -> str:
    if value is None or pd.isna(value):
        return "NA" if row.quantity.startswith("km_") else fmt.MISSING
    q = row.quantity
    if q.startswith("km_"):
        return fmt.signif(value)
    if q == "p_value":
        return fmt.number(value, 3)
    if q in ("count", "denominator"):
        return str(int(round(value)))
    digits = audit.decimals(row.value) if not pd.isna(row.value) else 0
    if q == "percent":
        return fmt.number(value, digits)
    return fmt.number(value, max(digits, 0 if float(value).is_integer() else 2))


def _retreated(row, cohort: pd.DataFrame) -> tuple[float, bool]:
    """PFS of the retreated patient of ``row``: matched by product when the cohort says
    which patient received which product, else by value among the retreated patients
    (second item True). Raises ``_Absent``."""
    pop = population(cohort, row.population)
    product = row.population.removeprefix("retreated_")
    if "subsequent_line_product" in pop.columns:
        pop = pop[pop["subsequent_line_product"] == product]
        if len(pop) != 1:
            raise _Absent("absent.retreated_count")
        pfs = float(pop["pfs_months"].iloc[0])
        if not _same(row.value, pfs):  # one patient's time: never shown unless printed
            raise _Absent("absent.retreated_time")
        return pfs, False
    times = [float(t) for t in pop["pfs_months"].dropna()]
    hit = next((t for t in times if _same(row.value, t)), None)
    if hit is None:
        raise _Absent("absent.retreated_time")
    return hit, True


def comparison(published: pd.DataFrame, cohort: pd.DataFrame,
               wording: Wording | None = None) -> pd.DataFrame:
    """Every published number beside its value recomputed from ``cohort``.

    One row per ``published`` row, same order, columns: ``key``, ``label``, ``quantity``,
    ``variable``, ``population``, ``as_printed``, ``locator``, ``source_section``,
    ``published`` (number, NaN = NA), ``regenerated`` (number, NaN = NA or not computable),
    ``regenerated_text`` (French, at the printed precision), ``status`` (one of
    :data:`STATUSES`), ``reason`` (French, from ``wording``), ``findings``
    (``;``-joined audit ids) and ``absent`` (True when the cohort lacks the information).

    ``exact``: equal at the printed precision. ``consistent-after-correction``: the
    published number is shown wrong by an audit finding and the recomputed value is the
    corrected one. ``not reproducible``: the cohort cannot give the number (reason says
    why) or gives another value.
    """
    w = wording or Wording()
    by_key = audit.findings_by_key(audit.findings(published))
    out = []
    for row in published.itertuples(index=False):
        fs = by_key.get(row.key, [])
        ids = ";".join(f.id for f in fs)
        by_value = False
        try:
            value = regenerate(row, cohort)
            if row.population.startswith("retreated_"):
                value, by_value = _retreated(row, cohort)
        except _Absent as exc:
            key, *label = exc.args
            reason = w.text("comparison.absent", reason=w.text(
                key, label=w.variable(label[0]) if label else ""))
            out.append(_record(row, math.nan, "not reproducible", reason, ids, absent=True))
            continue
        if _same(row.value, value):
            reason = w.text("comparison.same_retreated" if by_value else "comparison.same")
            if fs:
                reason = w.text("comparison.see_also", reason=reason, findings=ids)
            out.append(_record(row, value, "exact", reason, ids))
            continue
        accepted = [f for f in fs if row.key in f.corrections
                    and ((f.corrections[row.key] is None and not pd.isna(value))
                         or any(_same(v, value) for v in f.corrections[row.key] or ()))]
        if accepted:
            out.append(_record(row, value, "consistent-after-correction", w.text(
                "comparison.corrected", findings=", ".join(f.id for f in accepted)), ids))
            continue
        reason = (w.text("comparison.different_findings", findings=ids) if fs
                  else w.text("comparison.different"))
        out.append(_record(row, value, "not reproducible", reason, ids))
    return pd.DataFrame(out)


def _record(row, value: float, status: str, reason: str, ids: str,
            absent: bool = False) -> dict:
    return {
        "key": row.key, "label": getattr(row, "label", row.key), "quantity": row.quantity,
        "variable": row.variable, "population": row.population, "as_printed": row.as_printed,
        "locator": row.locator, "source_section": row.source_section,
        "published": float(row.value) if not pd.isna(row.value) else math.nan,
        "regenerated": value, "regenerated_text": _format(row, value),
        "status": status, "reason": reason, "findings": ids, "absent": absent,
    }


def status_counts(comp: pd.DataFrame) -> dict[str, int]:
    """Number of published numbers per status (every status present, possibly 0)."""
    counts = comp["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in STATUSES}


def export_json(df: pd.DataFrame, path: Path | str) -> Path:
    """Write :func:`comparison`'s result as JSON: ``{"statuses": {...}, "numbers": [...]}``,
    one object per published number (key, label, as_printed, locator, published,
    regenerated, status, reason, findings as a list); NA becomes ``null``."""
    def clean(v):
        if isinstance(v, float) and math.isnan(v):
            return None
        if isinstance(v, np.generic):
            return v.item()
        return v

    numbers = []
    for rec in df.to_dict(orient="records"):
        numbers.append({
            "key": rec["key"], "label": rec["label"], "as_printed": rec["as_printed"],
            "locator": rec["locator"], "source_section": rec["source_section"],
            "quantity": rec["quantity"], "published": clean(rec["published"]),
            "regenerated": clean(rec["regenerated"]), "status": rec["status"],
            "reason": rec["reason"],
            "findings": [f for f in str(rec["findings"]).split(";") if f],
        })
    doc = {"statuses": status_counts(df), "numbers": numbers}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- report pages


def status_by_place(comp: pd.DataFrame, wording: Wording) -> pd.DataFrame:
    """Formatted counts: one row per place of the thesis (table, text, …), one column per
    status, plus a total row."""
    places = wording.labels("place", "title")
    place = comp["key"].str.split(".").str[0].map(places).fillna("Autre")
    grid = pd.crosstab(pd.Categorical(place, categories=list(dict.fromkeys(
        [*places.values(), "Autre"]))), comp["status"], dropna=False)
    grid = grid.reindex(columns=list(STATUSES), fill_value=0)
    grid = grid[grid.sum(axis=1) > 0]
    grid.loc["Total"] = grid.sum()
    out = grid.reset_index(names="Emplacement dans la thèse")
    out.columns = ["Emplacement dans la thèse",
                   *(wording.label("status", s, "title") for s in STATUSES)]
    return out.astype(str)


def status_table(comp: pd.DataFrame, wording: Wording, *,
                 only: Sequence[str] | None = None, anchor=None) -> pd.DataFrame:
    """Formatted side-by-side table (published number, as printed, recomputed, status,
    reason) for the statuses in ``only`` (all by default). ``anchor(key, text)`` may wrap
    each label in a link target (the reproducibility appendix's row anchors)."""
    sub = comp if only is None else comp[comp["status"].isin(only)]
    esc = lambda t: str(t).replace("*", "\\*")  # noqa: E731
    labels = [esc(lab) if anchor is None else anchor(key, esc(lab))
              for key, lab in zip(sub["key"], sub["label"], strict=True)]
    return pd.DataFrame({
        "Nombre publié": labels,
        "Tel qu'imprimé": sub["as_printed"].map(esc),
        "Recalculé": sub["regenerated_text"],
        "Statut": sub["status"].map(wording.labels("status")),
        "Motif": sub["reason"].map(esc),
    })
