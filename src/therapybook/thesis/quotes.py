"""Values of the thesis's data rows, formatted for the prose, each with its row as provenance.

A chapter quotes a cell of a row by a name made of the row's own identifier and the column
(``c1_ceftriaxone_treatment``, ``majestec1_orr``): names never depend on row order, and
renaming or removing a row breaks the build rather than quoting something else.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

import pandas as pd

from therapybook import data
from therapybook.render import fmt, stated

#: Units written after a quoted number (others, such as « patients », are the prose's words).
UNITS = ("%", "mois", "ans", "jours", "semaines")
#: Characters a glued value with provenance cannot hold (it is written as a link).
UNQUOTABLE = "[]()`<>"
#: A formatted value and the data row it comes from.
Quote = tuple[str, data.Source]


def _slug(value: object) -> str:
    """``MajesTEC-1`` → ``majestec1``; ``Belantamab-mafodotin en vie réelle`` →
    ``belantamabmafodotinenviereelle`` (ASCII letters, digits and underscores)."""
    ascii_text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum() or ch == "_")


def text(value: object) -> str:
    """A cell as the prose quotes it: numbers with the decimals the source gives (« 2,6 »)."""
    if isinstance(value, bool):
        raise TypeError("Une valeur booléenne ne se cite pas telle quelle.")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return stated.value(value)
    return str(value)


def cells(resource: str, frame: pd.DataFrame, key: str | Sequence[str], columns: Sequence[str],
          *, formats: dict[str, Callable[[object], str]] | None = None,
          prefix: str = "", unit: str | None = None) -> dict[str, Quote]:
    """Every non-empty cell of ``columns``, named ``<prefix><key values>_<column>``.

    ``key``: the column(s) that identify a row (``id``; or ``trial`` and ``measure``);
    ``formats``: column → formatter (default :func:`text`); ``unit``: a column whose
    value (« % », « mois », « ans ») follows each number of the row (« rang » makes an
    ordinal: « deuxième »). The provenance of each
    value is its row (:func:`therapybook.data.source`).
    """
    keys = [key] if isinstance(key, str) else list(key)
    formats = formats or {}
    out: dict[str, Quote] = {}
    for _, row in frame.iterrows():
        match = {k: row[k] for k in keys}
        name = "_".join(_slug(row[k]) for k in keys)
        src = None
        for column in columns:
            value = row[column]
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                continue
            src = src or data.source(resource, **match)
            shown = formats.get(column, text)(value)
            if unit and row[unit] == "rang" and column not in formats:
                shown = fmt.ordinal(int(value))  # « deuxième »
            elif unit and row[unit] in UNITS and column not in formats:
                shown = f"{shown}\u00a0{row[unit]}"
            if any(ch in shown for ch in UNQUOTABLE):
                continue  # a long label, not a value: prose that names it fails loudly
            out[f"{prefix}{name}_{column}"] = (shown, src)
    return out


def lower_first(value: object) -> str:
    """A label quoted inside a sentence: « Ceftriaxone 2 g/j » → « ceftriaxone 2 g/j »."""
    value = text(value)
    return value[:1].lower() + value[1:]
