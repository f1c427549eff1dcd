"""BCMA biology as the thesis describes it (section II.2): expression and ligand bindings."""

from __future__ import annotations

import pandas as pd


def expression_table(expression: pd.DataFrame, labels) -> pd.DataFrame:
    """One row per cell type: whether it carries BCMA (``bcma_level`` labels) and what the
    thesis says of it."""
    return pd.DataFrame({
        "Type cellulaire": expression["cell_type"],
        "BCMA": expression["bcma"].map(labels.labels("bcma_level")),
        "Précision": expression["statement"],
    })


def ligands_alt(ligands: pd.DataFrame, labels) -> str:
    """Alternative text of the bindings graph: each ligand with its receptors and the kind
    of binding the text gives."""
    kinds = labels.labels("ligand_strength")
    parts = []
    for ligand, rows in ligands.groupby("ligand", sort=False):
        links = ", ".join(f"{r.receptor} ({kinds[r.strength]})" for r in rows.itertuples())
        parts.append(f"{ligand} est relié à {links}")
    return "Graphe à deux colonnes, les ligands à gauche, leurs récepteurs à droite : " \
        + " ; ".join(parts) + "."


def quotes(figures_: pd.DataFrame) -> dict:
    """The figures of ``bcma_chiffres`` the chapter quotes (``ligands_fold_myeloma_value`` →
    « cinq »), each with its row; counts under ten in words."""
    from therapybook.render import fmt
    from therapybook.thesis import quotes as q

    return q.cells("bcma_chiffres", figures_, "key", ["value"], formats={"value": fmt.count})
