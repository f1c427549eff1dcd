"""Complications after CAR-T cells in autoimmune diseases, as the article lists them."""

from __future__ import annotations

import pandas as pd

from therapybook.article import codes
from therapybook.render import reported


def table(comp: pd.DataFrame) -> pd.DataFrame:
    """Early then late complications: what they are, when, how they are watched and treated."""
    rows = comp.sort_values("rank")
    return pd.DataFrame({
        "Période": codes.translate(rows["period"], "periode"),
        "Complication": rows["complication"],
        "Description": rows["description"].fillna(""),
        "Délai": rows["timing"].fillna(""),
        "Surveillance ou bilan": rows["monitoring"].fillna(""),
        "Prise en charge": rows["first_line"].fillna(""),
        "Réf.": rows["citation"].map(reported.cite),
    })
