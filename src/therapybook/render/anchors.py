"""Stable anchors: every data row and every named computation can be linked.

A data row lives on the page of its resource in the data appendix
(``chapters/annexes/donnees/<resource>.html``), under :func:`row_id`; a computation of the
reproducibility appendix under :func:`computation_id` (``calcul-<id>``). Ids derive from
the target only (no counter, no random part), so two builds give the same pages.

A table gives its rows anchors with ``tables.publish(..., anchors=[...])``: the build moves
each id onto the row (``<tr id=…>``) and remembers the row's first cell as its label.
"""

from __future__ import annotations

import re

#: Folder of the data appendix's per-resource pages (HTML only).
DATA_PAGES = "chapters/annexes/donnees"
ROLE = "row-anchor"


def _slug(text: object) -> str:
    return re.sub(r"[^a-z0-9]", "-", str(text).lower())


def computation_id(id: str) -> str:
    """``"km.pfs.median"`` → ``"calcul-km-pfs-median"`` (lower case, ``[^a-z0-9]`` → ``-``)."""
    if not str(id).strip():
        raise ValueError("Un calcul doit avoir un identifiant non vide.")
    return f"calcul-{_slug(id)}"


def row_id(resource: str, line: int) -> str:
    """Anchor of the row at ``line`` (header = 1) of ``resource``: ``infections-essais-ligne-5``."""
    if int(line) < 2:
        raise ValueError(f"La ligne {line} n'est pas une ligne de données "
                         "(l'en-tête est la ligne 1).")
    return f"{_slug(resource)}-ligne-{int(line)}"


def row_page(resource: str) -> str:
    """Page name (without suffix) that lists the rows of ``resource``."""
    return f"{DATA_PAGES}/{resource}"


def marker(anchor: str) -> str:
    """MyST text that puts ``anchor`` on the table row (or paragraph) where it stands."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", anchor):
        raise ValueError(f"Ancre invalide : {anchor!r} (minuscules, chiffres et tirets).")
    return f"{{{ROLE}}}`{anchor}`"
