"""Numbering of nested lists kept as rows (``rank``, ``parent``): ``1``, ``2``, ``2.1``…"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def numbering(ranks: Sequence[int], parents: Sequence[int | None]) -> list[str]:
    """Outline numbers for rows given in display order; ``parent`` is empty for top items."""
    number: dict[int, str] = {}
    children: dict[int | None, int] = {}
    out = []
    for rank, parent in zip(ranks, parents, strict=True):
        parent = None if pd.isna(parent) else int(parent)
        children[parent] = children.get(parent, 0) + 1
        if parent is None:
            number[rank] = str(children[parent])
        elif parent in number:
            number[rank] = f"{number[parent]}.{children[parent]}"
        else:
            raise ValueError(f"Le parent {parent} de la ligne {rank} doit la précéder.")
        out.append(number[rank])
    return out
