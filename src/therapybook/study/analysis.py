"""The retrospective study of the thesis (III.1) recomputed from a cohort file.

A *cohort* is a DataFrame with one row per patient and the columns of
``retrospective_cohort`` (``anti_bcma_class`` car_t|bispecific|adc, ``anti_bcma_product``,
``age_at_failure``, ``prior_lines``, nine boolean columns, ``subsequent_line``,
``pfs_months``/``pfs_event``, ``os_months``/``os_event``, ``death_cause``). It may be the
synthetic pseudo-cohort or the real file (real-data mode): nothing here depends on which.

* :func:`table2` — the thesis's Table 2, same rows, four columns computed from the data,
  French formatting; footnotes in ``df.attrs["notes"]`` (also :func:`table2_notes`).
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
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from therapybook.render import fmt
from therapybook.stats import survival
from therapybook.study import audit

CLASSES = ("car_t", "bispecific", "adc")
COLUMNS = ("all", *CLASSES)
COLUMN_TITLES = {
    "all": "Tous les patients",
    "car_t": "Échec des CAR-T cells",
    "bispecific": "Échec du BispAb",
    "adc": "Échec de l'ADC",
}
#: Boolean rows of Table 2: (column, label as in the thesis, with its note mark).
BOOLEAN_ROWS = (
    ("high_risk_cytogenetics", "Risque cytogénétique élevé, n (%) ᵃ"),
    ("extramedullary", "Maladie extra-médullaire, n (%)"),
    ("prior_autograft", "Autogreffe, n (%)"),
    ("triple_refractory", "Patients triple-réfractaires, n (%) ᵇ"),
    ("penta_refractory", "Patients penta-réfractaires, n (%) ᶜ"),
    ("refractory_anti_cd38", "Patients réfractaires à l'anticorps anti-CD38, n (%)"),
    ("refractory_lenalidomide", "Patients réfractaires au lénalidomide, n (%)"),
    ("refractory_pomalidomide", "Patients réfractaires au pomalidomide, n (%)"),
    ("refractory_carfilzomib", "Patients réfractaires au carfilzomib, n (%)"),
)
#: Subsequent-line categories, in the thesis's order.
LINE_ROWS = (
    ("alkylator", "Alkylants ᵈ"),
    ("proteasome_inhibitor", "IP"),
    ("imid", "IMiDs"),
    ("anti_gprc5d", "BispAb anti-GPRC5D"),
    ("anti_bcma", "Anti-BCMA ᵉ"),
    ("venetoclax", "Vénétoclax"),
    ("other", "Autres ᶠ"),
    ("none", "Aucun ᵍ"),
)
QUANTILE_ROWS = (
    ("age_at_failure", "Âge médian à l'échec de l'anti-BCMA, ans (IQR)"),
    ("prior_lines", "Nombre médian de lignes antérieures (IQR)"),
)
SURVIVAL_ROWS = (
    ("pfs", "SSP médiane (IC à 95 %), mois"),
    ("os", "SG médiane (IC à 95 %), mois"),
)
#: Definitions of the footnotes (our wording of the thesis's notes to Table 2).
DEFINITIONS = (
    "ᵃ Cytogénétique à haut risque : au moins une des anomalies suivantes — gain ou "
    "amplification 1q21, délétion 1p32, translocation t(4;14), délétion 17p, mutation de TP53.",
    "ᵇ Triple-réfractaire : maladie réfractaire à un immunomodulateur (IMiD) au moins, à un "
    "inhibiteur du protéasome (IP) au moins et à un anticorps anti-CD38 au moins.",
    "ᶜ Penta-réfractaire : définition du texte de la thèse (réfractaire au lénalidomide, au "
    "pomalidomide, au bortézomib, au carfilzomib et à un anti-CD38) ; la note du tableau de la "
    "thèse en donne une autre, voir l'annexe d'errata.",
    "ᵈ Alkylants : tout agent alkylant, oral ou intraveineux (cyclophosphamide ou "
    "bendamustine, par exemple).",
    "ᵉ Anti-BCMA : nouveau traitement par un anti-BCMA (anticorps conjugué ou bispécifique).",
    "ᶠ Autres : entre autres sélinexor, panobinostat, lemzoparlimab ou anticorps anti-CD38.",
    "ᵍ Aucun : pas de ligne ultérieure, soit à cause d'un décès d'une autre cause que la "
    "progression, soit parce que seuls des soins de support ont été possibles.",
)
STATUSES = ("exact", "consistent-after-correction", "not reproducible")
STATUS_LABELS = {
    "exact": "exact",
    "consistent-after-correction": "cohérent après correction",
    "not reproducible": "non reproductible",
}


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
    if name in CLASSES:
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


def quantiles(values: pd.Series) -> tuple[float, float, float]:
    """(q1, median, q3) of the non-missing values, R's default (type 7)."""
    x = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if x.size == 0:
        return (math.nan,) * 3
    q1, med, q3 = np.quantile(x, [0.25, 0.5, 0.75])
    return float(q1), float(med), float(q3)


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


def _q(x: float) -> str:
    if math.isnan(x):
        return fmt.MISSING
    return fmt.number(x, 0 if float(x).is_integer() else 1)


def _median_iqr(values: pd.Series) -> str:
    q1, med, q3 = quantiles(values)
    return f"{_q(med)} ({_q(q1)} – {_q(q3)})"


def _km_cell(curve: survival.KaplanMeier | None, digits: Sequence[str] | None = None) -> str:
    """"median (lower – upper)"; a curve printed alone formats each number on its own."""
    if curve is None:
        return fmt.MISSING
    if digits is None:
        p = curve.r_print(decimal=",")
        digits = [p["median"], p["0.95LCL"], p["0.95UCL"]]
    med, lo, hi = digits
    return f"{med} ({lo} – {hi})"


def _km_cells(cohort: pd.DataFrame, endpoint: str) -> dict[str, str]:
    """The four cells of a survival row: the whole cohort printed alone, the three classes
    printed together as ``print(survfit(... ~ class))`` does (columns share decimals)."""
    out = {"all": _km_cell(km(cohort, endpoint))}
    curves = {c: km(population(cohort, c), endpoint) for c in CLASSES}
    present = {c: k for c, k in curves.items() if k is not None}
    printed = survival.median_row(present, decimal=",") if present else {}
    for c in CLASSES:
        if c not in printed:
            out[c] = fmt.MISSING
            continue
        p = printed[c]
        out[c] = _km_cell(curves[c], [p["median"], p["0.95LCL"], p["0.95UCL"]])
    return out


def _header(cohort: pd.DataFrame) -> dict[str, str]:
    n_all = len(cohort)
    out = {"all": f"{COLUMN_TITLES['all']}, N = {n_all}"}
    for c in CLASSES:
        n = len(population(cohort, c))
        out[c] = f"{COLUMN_TITLES[c]}, N = {n} ({fmt.percent(100 * n / n_all if n_all else None)})"
    return out


def table2(cohort: pd.DataFrame) -> pd.DataFrame:
    """Table 2 of the thesis recomputed from ``cohort``.

    Columns: ``Caractéristique`` then one column per population, titled like the thesis
    with N computed ("Tous les patients, N = 45", "Échec des CAR-T cells, N = 18 (40 %)",
    "Échec du BispAb, N = …", "Échec de l'ADC, N = …"). Rows, in the thesis's order:
    median age and prior lines with IQR (R type-7 quantiles), nine "n (%)" rows (percentage
    of the patients of the column whose value is known), a "Type de ligne ultérieure"
    heading then eight "n (%)" rows, median PFS and OS with their 95 % CI as R prints them
    (``4,37 (2,04 – 12,5)``, NA = limit not reached). Every cell is a formatted string.
    ``df.attrs["notes"]`` holds the footnotes (:func:`table2_notes`).
    """
    head = _header(cohort)
    pops = {c: population(cohort, c) for c in COLUMNS}
    rows: list[list[str]] = []
    for var, label in QUANTILE_ROWS:
        rows.append([label, *(_median_iqr(pops[c][var]) for c in COLUMNS)])
    for var, label in BOOLEAN_ROWS:
        cells = []
        for c in COLUMNS:
            col = _bool(pops[c][var])
            known = int(col.notna().sum())
            cells.append(fmt.count_percent(int(col.fillna(False).sum()), known))
        rows.append([label, *cells])
    rows.append(["Type de ligne ultérieure, n (%)", "", "", "", ""])
    for cat, label in LINE_ROWS:
        rows.append([label, *(fmt.count_percent(int((pops[c]["subsequent_line"] == cat).sum()),
                                                len(pops[c])) for c in COLUMNS)])
    for endpoint, label in SURVIVAL_ROWS:
        cells = _km_cells(cohort, endpoint)
        rows.append([label, *(cells[c] for c in COLUMNS)])
    df = pd.DataFrame(rows, columns=["Caractéristique", *(head[c] for c in COLUMNS)])
    df.attrs["notes"] = table2_notes(cohort)
    return df


def table2_notes(cohort: pd.DataFrame) -> list[str]:
    """Footnotes of :func:`table2`: definitions, then denominators and survival populations
    computed from ``cohort``."""
    notes = list(DEFINITIONS)
    partial = []
    for var, label in BOOLEAN_ROWS:
        known = {c: int(_bool(population(cohort, c)[var]).notna().sum()) for c in COLUMNS}
        full = {c: len(population(cohort, c)) for c in COLUMNS}
        if known != full:
            name = label.split(",")[0].lower()
            parts = ", ".join(f"{known[c]}" for c in COLUMNS)
            partial.append(f"{name} ({parts})")
    text = ("Pourcentages calculés sur les patients de la colonne dont la donnée est connue.")
    if partial:
        text += (" Effectifs évaluables (tous, CAR-T, BispAb, ADC) quand une donnée manque : "
                 + " ; ".join(partial) + ".")
    notes.append(text)
    n_pfs = int(cohort["pfs_months"].notna().sum())
    n_os = int(cohort["os_months"].notna().sum())
    notes.append(
        "Médianes de Kaplan-Meier et IC à 95 % tels que les imprime R (survfit, "
        "transformation log, 3 chiffres significatifs) ; NA : borne non atteinte. "
        f"SSP : {n_pfs} patients ayant reçu une ligne ultérieure ; SG : {n_os} patients ; "
        "origine : l'échec de l'anti-BCMA.")
    return notes


# --------------------------------------------------------------------------- regeneration


class _Absent(Exception):
    """The cohort has no information for this published number."""


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
                raise _Absent("la cohorte n'a pas de colonne pour le produit de la ligne "
                              "ultérieure")
            return int(((line == parts[1]) & (pop[col] == parts[2])).sum()), len(pop)
        return int((line == parts[1]).sum()), len(pop)
    if variable.startswith("anti_bcma_product:"):
        return int((pop["anti_bcma_product"] == variable.split(":", 1)[1]).sum()), len(pop)
    if variable.startswith("deaths_infection_before_slt"):
        if ":" in variable:
            raise _Absent("la cohorte ne précise pas le germe des décès infectieux")
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
        raise _Absent(f"la cohorte n'a pas de colonne « {variable} »")
    col = _bool(pop[variable])
    return int(col.fillna(False).sum()), int(col.notna().sum())


def _denominator(pop: pd.DataFrame, variable: str) -> int:
    if variable in ("pfs", "os"):
        return int(pop[f"{variable}_months"].notna().sum())
    if variable in ("patients",):
        return len(pop)
    if variable not in pop.columns:
        raise _Absent(f"la cohorte n'a pas de colonne « {variable} »")
    return int(pop[variable].notna().sum())


def _retreated(pop: pd.DataFrame, name: str) -> tuple[float, str]:
    """PFS of one retreated patient: matched by product when the cohort says it."""
    product = name.removeprefix("retreated_")
    if "subsequent_line_product" in pop.columns:
        pop = pop[pop["subsequent_line_product"] == product]
        if len(pop) != 1:
            raise _Absent(f"{len(pop)} patient(s) retraité(s) par {product}")
        return float(pop["pfs_months"].iloc[0]), ""
    return math.nan, "la cohorte ne dit pas quel patient retraité a reçu quel produit"


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
        q1, med, q3 = quantiles(pop[row.variable])
        return {"q1": q1, "median": med, "q3": q3}[q]
    if q in ("km_median", "km_lower", "km_upper"):
        curve = km(pop, row.variable)
        if curve is None:
            raise _Absent("aucun patient dans cette analyse")
        return {"km_median": curve.median, "km_lower": curve.median_lower,
                "km_upper": curve.median_upper}[q]
    if q == "p_value":
        test = gprc5d_logrank(cohort)
        if test is None:
            raise _Absent("un des deux groupes est vide")
        return test.p
    raise _Absent(f"grandeur inconnue : {q}")


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
        return survival.r_signif(value, decimal=",")
    if q == "p_value":
        return fmt.number(value, 3)
    if q in ("count", "denominator"):
        return str(int(round(value)))
    digits = audit.decimals(row.value) if not pd.isna(row.value) else 0
    if q == "percent":
        return fmt.number(value, digits)
    return fmt.number(value, max(digits, 0 if float(value).is_integer() else 2))


def comparison(published: pd.DataFrame, cohort: pd.DataFrame) -> pd.DataFrame:
    """Every published number beside its value recomputed from ``cohort``.

    One row per ``published`` row, same order, columns: ``key``, ``quantity``,
    ``variable``, ``population``, ``as_printed``, ``locator``, ``source_section``,
    ``published`` (number, NaN = NA), ``regenerated`` (number, NaN = NA or not computable),
    ``regenerated_text`` (French, at the printed precision), ``status`` (one of
    :data:`STATUSES`), ``reason`` (French) and ``findings`` (``;``-joined audit ids).

    ``exact``: equal at the printed precision. ``consistent-after-correction``: the
    published number is shown wrong by an audit finding and the recomputed value is the
    corrected one. ``not reproducible``: the cohort cannot give the number (reason says
    why) or gives another value.
    """
    found = audit.findings(published)
    by_key = audit.findings_by_key(found)
    out = []
    for row in published.itertuples(index=False):
        fs = by_key.get(row.key, [])
        ids = ";".join(f.id for f in fs)
        note = ""
        try:
            value = regenerate(row, cohort)
            if row.population.startswith("retreated_"):
                pfs, note = _retreated(population(cohort, row.population), row.population)
                if note:
                    times = population(cohort, row.population)["pfs_months"].dropna()
                    value = next((float(t) for t in times if _same(row.value, float(t))),
                                 math.nan)
                    if math.isnan(value):
                        raise _Absent(note)
                elif _same(row.value, pfs):
                    value = pfs
                else:  # one patient's time: never shown unless the thesis printed it
                    raise _Absent("la SSP de ce patient diffère de la valeur publiée ; donnée "
                                  "individuelle, non affichée")
        except _Absent as exc:
            out.append(_record(row, math.nan, "not reproducible",
                               f"non calculable : {exc}", ids))
            continue
        if _same(row.value, value):
            reason = "identique à la précision imprimée"
            if note:
                reason += f" ({note} ; l'une des deux SSP vaut cette valeur)"
            if fs:
                reason += f" (voir aussi : {ids})"
            out.append(_record(row, value, "exact", reason, ids))
            continue
        accepted = [f for f in fs if row.key in f.corrections
                    and ((f.corrections[row.key] is None and not pd.isna(value))
                         or any(_same(v, value) for v in f.corrections[row.key] or ()))]
        if accepted:
            names = ", ".join(f.id for f in accepted)
            out.append(_record(row, value, "consistent-after-correction",
                               f"la valeur imprimée est fausse (constat {names}) ; la valeur "
                               "recalculée est la valeur corrigée", ids))
            continue
        reason = "valeur recalculée différente de la valeur imprimée"
        if fs:
            reason += f" (constats liés : {ids})"
        out.append(_record(row, value, "not reproducible", reason, ids))
    return pd.DataFrame(out)


def _record(row, value: float, status: str, reason: str, ids: str) -> dict:
    return {
        "key": row.key, "quantity": row.quantity, "variable": row.variable,
        "population": row.population, "as_printed": row.as_printed, "locator": row.locator,
        "source_section": row.source_section,
        "published": float(row.value) if not pd.isna(row.value) else math.nan,
        "regenerated": value, "regenerated_text": _format(row, value),
        "status": status, "reason": reason, "findings": ids,
    }


def status_counts(comp: pd.DataFrame) -> dict[str, int]:
    """Number of published numbers per status (every status present, possibly 0)."""
    counts = comp["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in STATUSES}


def export_json(df: pd.DataFrame, path: Path | str) -> Path:
    """Write :func:`comparison`'s result as JSON: ``{"statuses": {...}, "numbers": [...]}``,
    one object per published number (key, as_printed, locator, published, regenerated,
    status, reason, findings as a list); NA becomes ``null``."""
    def clean(v):
        if isinstance(v, float) and math.isnan(v):
            return None
        if isinstance(v, np.generic):
            return v.item()
        return v

    numbers = []
    for rec in df.to_dict(orient="records"):
        numbers.append({
            "key": rec["key"], "as_printed": rec["as_printed"], "locator": rec["locator"],
            "source_section": rec["source_section"], "quantity": rec["quantity"],
            "published": clean(rec["published"]), "regenerated": clean(rec["regenerated"]),
            "status": rec["status"], "reason": rec["reason"],
            "findings": [f for f in str(rec["findings"]).split(";") if f],
        })
    doc = {"statuses": status_counts(df), "numbers": numbers}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- report pages

PLACES = {"t2": "Tableau 2", "text": "Texte des résultats", "km": "Médianes de survie du texte",
          "fig21": "Légende de la figure 21", "disc": "Discussion et limites"}


def status_by_place(comp: pd.DataFrame) -> pd.DataFrame:
    """Formatted counts: one row per place of the thesis (table, text, …), one column per
    status, plus a total row."""
    place = comp["key"].str.split(".").str[0].map(PLACES).fillna("Autre")
    grid = pd.crosstab(pd.Categorical(place, categories=list(dict.fromkeys(
        [*PLACES.values(), "Autre"]))), comp["status"], dropna=False)
    grid = grid.reindex(columns=list(STATUSES), fill_value=0)
    grid = grid[grid.sum(axis=1) > 0]
    grid.loc["Total"] = grid.sum()
    out = grid.reset_index(names="Emplacement dans la thèse")
    out.columns = ["Emplacement dans la thèse", *(STATUS_LABELS[s].capitalize()
                                                  for s in STATUSES)]
    return out.astype(str)


def status_table(comp: pd.DataFrame, *, only: Sequence[str] | None = None) -> pd.DataFrame:
    """Formatted side-by-side table (key, as printed, recomputed, status, reason, findings)
    for the statuses in ``only`` (all by default)."""
    sub = comp if only is None else comp[comp["status"].isin(only)]
    esc = lambda t: str(t).replace("*", "\\*")  # noqa: E731
    return pd.DataFrame({
        "Nombre (clé)": sub["key"].str.replace(".", ".\u200b", regex=False),
        "Publié": sub["as_printed"].map(esc),
        "Recalculé": sub["regenerated_text"],
        "Statut": sub["status"].map(STATUS_LABELS),
        "Motif": sub["reason"].map(esc).str.replace("_", "_\u200b", regex=False),
    })
