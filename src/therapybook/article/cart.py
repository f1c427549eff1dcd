"""CAR-T cells in autoimmune diseases: the first patients treated and the lymphodepletion
that precedes the infusion, as tables for the chapter and values for its prose."""

from __future__ import annotations

import pandas as pd

from therapybook import data
from therapybook.article import codes
from therapybook.render import fmt, prose, reported


def experience_table(experience: pd.DataFrame) -> pd.DataFrame:
    """Patients treated for an autoimmune disease, as the article counts them."""
    rows = experience.sort_values("rank")
    return pd.DataFrame({
        "Portée": codes.translate(rows["scope"], "portee"),
        "Maladie": rows["disease"],
        "Patients": rows["patients"].map(fmt.number),
        "Année": rows["year"].map(lambda v: "" if pd.isna(v) else str(int(v))),
        "Évolution rapportée": rows["outcome"].fillna(""),
        "Recul": rows["follow_up"].fillna(""),
        "Réf.": rows["citation"].map(reported.cite),
    })


def glue_experience(experience: pd.DataFrame) -> None:
    """Glue ``<cohort_id>_patients`` (« cinq patients »), ``<cohort_id>_annee`` and
    ``<cohort_id>_recul``, each with its row as provenance."""
    for row in experience.itertuples(index=False):
        src = data.source("cart_experience_mai", cohort_id=row.cohort_id)
        prose.glue(f"{row.cohort_id}_patients", reported.quantity(row.patients, "patients"),
                   source=src)
        prose.glue(f"{row.cohort_id}_nombre", fmt.count(int(row.patients)), source=src)
        if pd.notna(row.year):
            prose.glue(f"{row.cohort_id}_annee", str(int(row.year)), source=src)
        if isinstance(row.follow_up, str):
            prose.glue(f"{row.cohort_id}_recul", row.follow_up, source=src)


def lymphodepletion_table(lymphodepletion: pd.DataFrame) -> pd.DataFrame:
    """What the lymphodepleting chemotherapy does, and what it brings the CAR-T cells."""
    effects = lymphodepletion[lymphodepletion["kind"] == "effet"].sort_values("rank")
    return pd.DataFrame({"Effet de la chimiothérapie": effects["item"],
                         "Bénéfice pour les CAR-T cells": effects["consequence"].fillna(""),
                         "Réf.": effects["citation"].map(reported.cite)})


def agents(lymphodepletion: pd.DataFrame) -> str:
    """« fludarabine et cyclophosphamide », in the order of the data."""
    names = lymphodepletion[lymphodepletion["kind"] == "agent"].sort_values("rank")["item"]
    return " et ".join(n[0].lower() + n[1:] for n in names)
