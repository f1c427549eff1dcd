"""Mesenchymal stromal cells (MSC) in the article: sources, definition, mediators, clinical
experience and French trials, as tables for the chapter and values for its prose."""

from __future__ import annotations

import pandas as pd

from therapybook import data
from therapybook.article import codes
from therapybook.render import fmt, prose, reported


def sources_table(sources: pd.DataFrame) -> pd.DataFrame:
    """Tissues MSC come from, the article's notation and what it says of each."""
    rows = sources.sort_values("rank")
    return pd.DataFrame({"Tissu d'origine": rows["source"], "Notation": rows["notation"],
                         "Ce qui en est dit": rows["described_as"],
                         "Réf.": rows["citation"].map(reported.cite)})


def criteria_table(criteria: pd.DataFrame) -> pd.DataFrame:
    """The ISCT minimal criteria: one row per requirement, its items joined."""
    names, needs = codes.labels("critere_isct"), codes.labels("exigence_isct")
    rows = []
    for code in needs:
        group = criteria[criteria["criterion"] == code].sort_values("rank")
        if not group.empty:
            rows.append([names[code], needs[code], " ; ".join(group["item"])])
    return pd.DataFrame(rows, columns=["Critère", "Exigence", "Éléments"])


def mediators_table(mediators: pd.DataFrame) -> pd.DataFrame:
    """Soluble mediators by effect; a name the article does not expand stays a bare symbol,
    and the class is the article's own (IL-6 and LIF are listed as cytokine antagonists)."""
    rows = mediators.sort_values("rank")
    shown = [f"{name} ({symbol})" if isinstance(name, str) and name != symbol else symbol
             for symbol, name in zip(rows["mediator"], rows["name"], strict=True)]
    return pd.DataFrame({"Effet": codes.translate(rows["effect"], "effet_csm"),
                         "Médiateur": shown, "Classement dans l'article": rows["family"]})


def experience_table(experience: pd.DataFrame) -> pd.DataFrame:
    """Patients treated with MSC per disease, in the article's order; « ≈ » when approximate.

    One column per kind of information the data holds: cells and route, studies and patients
    (with the counts of published and double-blind studies), place and period."""
    rows = experience.sort_values("rank")

    def studies(row) -> str:
        parts = [] if pd.isna(row.design) else [row.design]
        if pd.notna(row.studies):
            parts.insert(0, f"{fmt.number(row.studies)} études publiées, dont "
                            f"{fmt.number(row.double_blind_studies)} en double insu contre placebo")
        return " ; ".join(parts)

    return pd.DataFrame({
        "Maladie": rows["label"],
        "Patients traités": [reported.approx(n, a) for n, a in
                             zip(rows["patients"], rows["approximate"], strict=True)],
        "Cellules et administration": rows["cells"].fillna(""),
        "Études et malades": [studies(r) for r in rows.itertuples(index=False)],
        "Lieu et période": rows["place_period"].fillna(""),
        "Réf.": rows["citation"].map(reported.cite),
    })


def experience_alt(experience: pd.DataFrame) -> str:
    """Alt text of the chart of patients per disease, in the order the bars are drawn."""
    rows = experience.sort_values("rank")
    return ("Barres horizontales, une par maladie, dans l'ordre de l'article : " + ", ".join(
        f"{r.label} ({'environ ' if r.approximate else ''}{fmt.number(r.patients)})"
        for r in rows.itertuples()) + ". Les effectifs approximatifs sont hachurés.")


def trials_table(trials: pd.DataFrame) -> pd.DataFrame:
    """French MSC trials in systemic autoimmune diseases; empty cells: not given."""
    rows = trials.sort_values("rank")
    ident = [" ".join(x for x in (a, n) if isinstance(x, str)) or "non précisé"
             for a, n in zip(rows["acronym"], rows["nct"], strict=True)]
    return pd.DataFrame({
        "Maladie": rows["disease"], "Essai": ident, "Schéma": rows["design"],
        "Cellules": rows["cells"], "Voie": rows["route"],
        "Patients": rows["patients"].map(lambda v: "" if pd.isna(v) else fmt.number(v)),
        "Centres": rows["centres"].fillna(""), "Financement": rows["funding"].fillna(""),
        "État": rows["status"], "Réf.": rows["citation"].map(reported.cite),
    })


def glue_experience(experience: pd.DataFrame, trials: pd.DataFrame) -> None:
    """Glue the counts the prose quotes, each with its row: ``<disease>_patients``,
    ``pr_etudes`` / ``pr_double_insu`` (rheumatoid arthritis), ``<trial_id>_patients``."""
    for row in experience.itertuples(index=False):
        src = data.source("csm_experience", disease=row.disease)
        prose.glue(f"{row.disease}_patients",
                   reported.quantity(row.patients, "patients", approximate=bool(row.approximate)),
                   source=src)
        if pd.notna(row.studies):
            prose.glue(f"{row.disease}_etudes", fmt.count(int(row.studies), feminine=True),
                       source=src)
            prose.glue(f"{row.disease}_double_insu",
                       fmt.count(int(row.double_blind_studies), feminine=True), source=src)
    for row in trials.itertuples(index=False):
        if pd.notna(row.patients):
            prose.glue(f"{row.trial_id}_patients", reported.quantity(row.patients, "patients"),
                       source=data.source("csm_essais_france", trial_id=row.trial_id))
