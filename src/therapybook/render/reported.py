"""Reported numbers as the sources qualify them: approximate counts, « moins de », « plus de ».

The article often gives effectifs « environ » or bounds (« moins de trois mois »). These
helpers keep that qualification visible in prose (glued values), in tables (``≈ 350``) and in
charts (hatched bars), and turn ``;``-separated citation columns into MyST citations.
"""

from __future__ import annotations

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


#: Units after which a number stays in digits (measures, as French typography writes them);
#: any other unit is a counted noun, and a count below ten is written in words.
MEASURES = {"%", "h", "min", "j", "jours", "semaines", "mois", "an", "ans"}
#: Counted nouns of the feminine gender (« une étude »).
FEMININE = {"études", "lignées", "lignes", "injections", "générations"}


def _core(value: float | int, unit: str | None, digits: int) -> str:
    if unit == YEAR_UNIT:
        return str(int(value))
    if unit == ORDINAL_UNIT:
        return f"{int(value)}e"
    if unit == "%":
        return fmt.percent(value, digits)
    if unit and unit not in MEASURES and float(value).is_integer():
        return fmt.count(int(value), feminine=unit in FEMININE) + f"{fmt.NBSP}{unit}"
    return fmt.number(value, digits) + (f"{fmt.NBSP}{unit}" if unit else "")


def quantity(value: float | int, unit: str | None = None, *, approximate: bool = False,
             qualifier: str | None = None, digits: int = 0,
             value_max: float | int | None = None) -> str:
    """A number as prose quotes it: ``environ 2000 essais``, ``moins de 3 mois``, ``2007``,
    ``trois études``, ``8 à 10 %`` (with ``value_max``).

    ``unit`` « année » prints the bare year, « rang » an ordinal (``14e``), « % » a percentage;
    a count of a noun that is not a measure is written in words below ten.
    """
    if value_max is not None and not pd.isna(value_max):
        core = span(_core(value, unit, digits), _core(value_max, unit, digits))
    else:
        core = _core(value, unit, digits)
    prefix = QUALIFIERS.get(qualifier or "", "")
    if approximate:
        prefix = (prefix + " environ").strip()
    return f"{prefix} {core}" if prefix else core


def _row_quantity(row) -> str:
    unit = getattr(row, "unit", None)
    qualifier = getattr(row, "qualifier", None)
    return quantity(
        row.value, None if pd.isna(unit) else unit,
        approximate=bool(getattr(row, "approximate", False)),
        qualifier=None if pd.isna(qualifier) else qualifier,
        value_max=getattr(row, "value_max", None),
    )


def quantities(df: pd.DataFrame, key: str = "key") -> dict[str, str]:
    """Prose form of every row of a facts table (columns value, unit, approximate, qualifier)."""
    return {getattr(row, key): _row_quantity(row) for row in df.itertuples(index=False)}


def glue_facts(resource: str, key: str = "key") -> dict[str, str]:
    """Glue every row of the facts table ``resource`` as ``{glue:md}`<key>```, each with its
    row as provenance; returns the texts."""
    from therapybook import data
    from therapybook.render import prose

    out = {}
    for row in data.load(resource).itertuples(index=False):
        name = getattr(row, key)
        out[name] = prose.glue(name, _row_quantity(row), source=data.source(resource,
                                                                             **{key: name}))
    return out


def span(lo: str, hi: str) -> str:
    """Join two formatted bounds sharing a unit: ``8 %``, ``10 %`` → ``8 à 10 %``;
    ``deux semaines``, ``quatre semaines`` → ``deux à quatre semaines``."""
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


def count_bars(frame: pd.DataFrame, *, label: str, count: str, approximate: str,
               color: str, xlabel: str = "", height: float = 2.6,
               approx_legend: str = "Effectif approximatif (« environ »)",
               exact_legend: str = "Effectif exact"):
    """Horizontal bars drawn by seaborn, one per row of ``frame`` in its order (first on
    top); approximate counts are hatched and labelled ``≈ n``. Returns the figure."""
    import seaborn as sns
    from matplotlib.patches import Patch

    figures.seaborn_theme()
    fig, ax = figures.new(height=height)
    shown = frame.assign(_flag=frame[approximate].astype(bool),
                         _n=frame[count].astype(float)).reset_index(drop=True)
    sns.barplot(data=shown, y=label, x="_n", orient="h", color=color, ax=ax, width=0.6,
                order=list(shown[label]), errorbar=None, saturation=1)
    for patch, flag in zip(ax.patches, shown["_flag"], strict=True):
        patch.set_edgecolor(color)
        patch.set_linewidth(1.0)
        if flag:
            patch.set_facecolor("white")
            patch.set_hatch("///")
    for y, (n, flag) in enumerate(zip(shown["_n"], shown["_flag"], strict=True)):
        ax.annotate(approx(n, flag), (n, y), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    figures.french_axis(ax, "x", 0)
    ax.set_xlim(0, shown["_n"].max() * 1.15)
    sns.despine(ax=ax)
    flags = list(shown["_flag"])
    if any(flags):
        handles = [Patch(facecolor="white", edgecolor=color, hatch="///", label=approx_legend)]
        if not all(flags):
            handles.insert(0, Patch(facecolor=color, edgecolor=color, label=exact_legend))
        ax.legend(handles=handles, loc="lower right", fontsize=7.5)
    return fig
