"""French labels of the codes used by the Part II data (lanes, therapies, phases…).

The labels live once, in the ``libelles_article`` resource; chapters and figures map a
code column through :func:`labels` instead of writing their own dictionaries.
"""

from __future__ import annotations

import pandas as pd

from therapybook import data

RESOURCE = "libelles_article"


def labels(name: str) -> dict[str, str]:
    """``{code: label}`` of the code list ``name``, in the list's rank order."""
    table = data.load(RESOURCE)
    rows = table[table["list"] == name].sort_values("rank")
    if rows.empty:
        raise KeyError(f"Liste de libellés inconnue : « {name} » (ressource {RESOURCE}).")
    return dict(zip(rows["code"], rows["label"], strict=True))


def translate(values: pd.Series, name: str) -> pd.Series:
    """``values`` (codes) mapped to their labels; an unknown code raises ``KeyError``."""
    mapping = labels(name)
    unknown = sorted(set(values.dropna()) - set(mapping))
    if unknown:
        raise KeyError(f"Code(s) sans libellé dans la liste « {name} » : {unknown}.")
    return values.map(mapping)
