"""Publication of computed tables as numbered, captioned MyST tables."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from therapybook.render import provenance

EMPTY = "\u00a0"  # an empty cell (a list-table item cannot be blank)


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return " ".join(str(value).split())


def publish(
    df: pd.DataFrame,
    name: str,
    *,
    caption: str,
    sources: Sequence[str],
    notes: Sequence[str] = (),
    synthetic: bool = False,
    widths: Sequence[int] | None = None,
):
    """Return ``df`` as a numbered MyST ``{list-table}`` labelled ``tbl-<name>``.

    Cells are written as they are (format them first with :mod:`therapybook.render.fmt`).
    ``notes`` become the table's footnotes; ``sources`` are recorded as provenance.
    """
    from IPython.display import Markdown

    if synthetic:
        caption = f"**Données synthétiques (pseudo-cohorte).** {caption}"
    provenance.record("table", name, caption=caption, sources=sources)
    lines = [f"```{{list-table}} {caption}", f":name: tbl-{name}", ":header-rows: 1",
             ":class: therapybook-table"]
    if widths:
        lines.append(f":widths: {' '.join(str(w) for w in widths)}")
    lines.append("")
    for row in [list(df.columns), *df.itertuples(index=False)]:
        cells = [_cell(v) for v in row]
        lines.append(f"* - {cells[0] or EMPTY}")
        lines += [f"  - {c or EMPTY}" for c in cells[1:]]
    lines.append("```")
    if notes:
        breaks = [f"{n}\\" for n in notes[:-1]]
        lines += ["", "```{container} table-notes", *breaks, notes[-1], "```"]
    return Markdown("\n".join(lines) + "\n")
