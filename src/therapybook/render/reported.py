"""Reported numbers as the sources qualify them: approximate counts, « moins de », « plus de ».

The article often gives effectifs « environ » or bounds (« moins de trois mois »). These
helpers keep that qualification visible in prose (glued values), in tables (``≈ 350``) and in
charts (hatched bars), and turn ``;``-separated citation columns into MyST citations.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from therapybook.plots import figures
from therapybook.render import fmt

APPROX = "≈"
QUALIFIERS = {"less_than": "moins de", "more_than": "plus de"}
#: Units that are written as they are after the number (French, non-breaking space before).
ORDINAL_UNIT = "rang"
YEAR_UNIT = "année"


def approx(value: float | int, approximate: bool, digits: int = 0) -> str:
    """``350, True`` → ``≈ 350`` (non-breaking space); exact values print bare."""
    shown = fmt.number(value, digits)
    return f"{APPROX}{fmt.NBSP}{shown}" if approximate else shown


def quantity(value: float | int, unit: str | None = None, *, approximate: bool = False,
             qualifier: str | None = None, digits: int = 0) -> str:
    """A number as prose quotes it: ``environ 2 000 essais``, ``moins de 3 mois``, ``2007``.

    ``unit`` « année » prints the bare year, « rang » an ordinal (``14e``), « % » a percentage.
    """
    if unit == YEAR_UNIT:
        core = str(int(value))
    elif unit == ORDINAL_UNIT:
        core = f"{int(value)}e"
    elif unit == "%":
        core = fmt.percent(value, digits)
    else:
        core = fmt.number(value, digits) + (f"{fmt.NBSP}{unit}" if unit else "")
    prefix = QUALIFIERS.get(qualifier or "", "")
    if approximate:
        prefix = (prefix + " environ").strip()
    return f"{prefix} {core}" if prefix else core


def quantities(df: pd.DataFrame, key: str = "key") -> dict[str, str]:
    """Prose form of every row of a facts table (columns value, unit, approximate, qualifier)."""
    out = {}
    for row in df.itertuples(index=False):
        unit = getattr(row, "unit", None)
        qualifier = getattr(row, "qualifier", None)
        out[getattr(row, key)] = quantity(
            row.value, None if pd.isna(unit) else unit,
            approximate=bool(getattr(row, "approximate", False)),
            qualifier=None if pd.isna(qualifier) else qualifier,
        )
    return out


def span(lo: str, hi: str) -> str:
    """Join two formatted bounds sharing a unit: ``8 %``, ``10 %`` → ``8 à 10 %``."""
    lo_parts, hi_parts = lo.rsplit(fmt.NBSP, 1), hi.rsplit(fmt.NBSP, 1)
    if len(lo_parts) == 2 and len(hi_parts) == 2 and lo_parts[1] == hi_parts[1]:
        return f"{lo_parts[0]} à {hi}"
    return f"{lo} à {hi}"


def cite(keys: str | None, sep: str = ";") -> str:
    """``"a;b"`` → ``{cite}`a,b``` (empty string when there is no key)."""
    if keys is None or (not isinstance(keys, str) and pd.isna(keys)):
        return ""
    parts = [k.strip() for k in str(keys).split(sep) if k.strip()]
    return f"{{cite}}`{','.join(parts)}`" if parts else ""


def count_bars(ax, labels: Sequence[str], counts: Sequence[float],
               approximate: Sequence[bool], *, color: str, xlabel: str = "",
               approx_legend: str = "Effectif approximatif (« environ »)",
               exact_legend: str = "Effectif exact") -> None:
    """Horizontal bars, first label on top; approximate counts are hatched and labelled ``≈ n``."""
    n = len(labels)
    ys = list(range(n))[::-1]
    flags = [bool(a) for a in approximate]
    for y, value, flag in zip(ys, counts, flags, strict=True):
        ax.barh(y, float(value), color=color if not flag else "white", edgecolor=color,
                hatch="///" if flag else None, linewidth=1.0, height=0.6)
        ax.annotate(approx(value, flag), (float(value), y), xytext=(3, 0),
                    textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(ys, list(labels))
    ax.set_xlabel(xlabel)
    figures.french_axis(ax, "x", 0)
    ax.set_xlim(0, max(float(c) for c in counts) * 1.15)
    if any(flags):
        from matplotlib.patches import Patch

        handles = [Patch(facecolor="white", edgecolor=color, hatch="///", label=approx_legend)]
        if not all(flags):
            handles.insert(0, Patch(facecolor=color, edgecolor=color, label=exact_legend))
        ax.legend(handles=handles, loc="lower right", fontsize=7.5)
