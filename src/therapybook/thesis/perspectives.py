"""Levers and combinations the thesis lists to improve anti-BCMA therapies (section II.5)."""

from __future__ import annotations

import pandas as pd

from therapybook.render import stated


def _value(row) -> str:
    return stated.value(row["value_low"], row["value_high"], row["unit"])


def _cite(keys: str) -> str:
    return "{cite}`" + ",".join(k.strip() for k in str(keys).split(";")) + "`"


def levers_table(levers: pd.DataFrame, labels) -> pd.DataFrame:
    """One row per lever: for which class, principle, example, stated value, references (the
    works the thesis identifies, otherwise the thesis itself; never a bare call number)."""
    targets = labels.labels("anti_bcma_class", "short")
    return pd.DataFrame({
        "Piste": levers["lever"],
        "Pour": levers["target_class"].map(targets),
        "Principe": levers["approach"],
        "Exemple cité": levers["example"].fillna(""),
        "Valeur donnée": [(f"{r['measure']} : " if isinstance(r["measure"], str) else "")
                          + _value(r) if pd.notna(r["value_low"]) else ""
                          for _, r in levers.iterrows()],
        "Références": levers["citation"].map(_cite),
    })


def combinations_table(combos: pd.DataFrame) -> pd.DataFrame:
    """One row per combination: trial, rationale and the results the thesis reports."""
    def result(row) -> str:
        orr = stated.value(row["orr_pct"], unit="%")
        pfs = stated.value(row["pfs_months"], unit="mois")
        parts = [f"réponse : {orr}" if orr else "", f"SSP : {pfs}" if pfs else "",
                 row["result_note"] if isinstance(row["result_note"], str) else ""]
        return " ; ".join(p for p in parts if p)

    return pd.DataFrame({
        "Association": combos["combination"], "Essai": combos["trial"].fillna(""),
        "Rationnel": combos["rationale"],
        "Résultats rapportés": [result(r) for _, r in combos.iterrows()],
    })


def quotes(levers: pd.DataFrame, combos: pd.DataFrame) -> dict:
    """The values the chapter quotes, each with its row: ``<lever_id>_value`` (« 2 jours »,
    « 60–67 % ») and ``<combination_id>_orr`` / ``_pfs``."""
    from therapybook import data

    out = {}
    for _, r in levers.dropna(subset=["value_low"]).iterrows():
        out[f"{r['lever_id']}_value"] = (_value(r), data.source("perspectives_leviers",
                                                                lever_id=r["lever_id"]))
    for _, r in combos.iterrows():
        src = data.source("perspectives_associations", combination_id=r["combination_id"])
        if pd.notna(r["orr_pct"]):
            out[f"{r['combination_id']}_orr"] = (stated.value(r["orr_pct"], unit="%"), src)
        if pd.notna(r["pfs_months"]):
            out[f"{r['combination_id']}_pfs"] = (stated.value(r["pfs_months"], unit="mois"), src)
    return out


def table1_sources(improved: pd.DataFrame, levers: pd.DataFrame) -> dict:
    """The communications that the caption of the thesis's Table 1 names, each with the
    lever of the text that carries the same call (« Fernández de Larrea C et al., EHA 2022,
    pour les CAR-T académiques »), named ``table1_<n>`` after their number in the caption."""
    from therapybook import data

    lever = levers.set_index("lever_id")["lever"]
    return {f"table1_{r.table_index}": (
        f"{r.first_author} et al., {r.meeting} {r.meeting_year}, pour la piste « "
        f"{lever[r.lever_id]} »"
        + (f", produit {r.product}" if isinstance(r.product, str) else ""),
        data.source("perspectives_car_t_ameliores", table_index=r.table_index))
        for r in improved.itertuples()}
