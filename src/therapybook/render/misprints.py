"""Slips in the text of the source documents: figure calls one off, a misexpanded acronym.

These are facts with provenance (resource ``errata_documents``: the passage as printed, the
caption it points to as printed, our reading), shown in the errata appendix next to the
audit of the retrospective study's numbers.
"""

from __future__ import annotations

import pandas as pd

from therapybook.render import attribution

KINDS = {"renvoi_figure": "Renvoi de figure décalé", "renvoi_ambigu": "Renvoi de figure ambigu",
         "abreviation": "Sigle et mot développé discordants"}


def _quoted(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        return "—"
    if "`" in text:
        raise ValueError(f"Accent grave dans un fragment imprimé : {text!r}.")
    return f"{{printed}}`{' '.join(text.split())}`"


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """Table cells of the slips: place, kind, passage and caption as printed, reading."""
    return pd.DataFrame({
        "Passage": [attribution.place(d, s, quote=attribution.printed_role)
                    for d, s in zip(frame["document"], frame["section"], strict=True)],
        "Constat": [KINDS[k] for k in frame["kind"]],
        "Texte imprimé": [_quoted(p) for p in frame["as_printed"]],
        "Légende visée (imprimée)": [_quoted(p) for p in frame["target_as_printed"]],
        "Lecture proposée": list(frame["reading"]),
    })
