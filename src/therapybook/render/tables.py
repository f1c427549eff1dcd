"""Publication of computed tables as numbered, captioned MyST tables.

Every caption ends with its source line (:func:`therapybook.render.attribution.caption_line`);
rows may carry anchors (:mod:`therapybook.render.anchors`) so that a number elsewhere in the
book can link to the row that holds it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from therapybook.render import anchors as _anchors
from therapybook.render import attribution, provenance

EMPTY = "\u00a0"  # an empty cell (a list-table item cannot be blank)
#: What would open a block (list item, heading, quote) at the start of a note's line.
BLOCK_START = re.compile(r"^(?=[*+#>-]|\d+[.)]\s)")
SYNTHETIC_LABEL = "**Données synthétiques (pseudo-cohorte).**"


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
    source_line: str | None = None,
    anchors: Sequence[str | None] | None = None,
):
    """Return ``df`` as a numbered MyST ``{list-table}`` labelled ``tbl-<name>``.

    Cells are written as they are (format them first with :mod:`therapybook.render.fmt`).
    ``notes`` become the table's footnotes, one paragraph each; ``sources`` are recorded as
    provenance and named by the caption's last line (``source_line`` replaces the place it
    gives: « thèse, section III.1.3, tableau 2 »). ``anchors`` gives one anchor id (or
    ``None``) per row of ``df``, e.g. :func:`therapybook.render.anchors.computation_id`.
    """
    from IPython.display import Markdown

    if synthetic:
        caption = f"{SYNTHETIC_LABEL} {caption}"
    provenance.record("table", name, caption=caption, sources=sources)
    caption = f"{caption} {attribution.caption_line(sources, source_line)}"
    if anchors is not None and len(anchors) != len(df):
        raise ValueError(f"Tableau « {name} » : {len(anchors)} ancre(s) pour {len(df)} ligne(s).")
    # A tilde fence: the caption's roles hold backticks, which a backtick fence's info
    # string may not contain (CommonMark).
    lines = [f"~~~{{list-table}} {caption}", f":name: tbl-{name}", ":header-rows: 1",
             ":class: therapybook-table"]
    if widths:
        lines.append(f":widths: {' '.join(str(w) for w in widths)}")
    lines.append("")
    marks = [None, *(anchors if anchors is not None else [None] * len(df))]
    for mark, row in zip(marks, [list(df.columns), *df.itertuples(index=False)], strict=True):
        cells = [_cell(v) for v in row]
        first = cells[0] or EMPTY
        if mark:
            first = f"{_anchors.marker(mark)}{first}"
        lines.append(f"* - {first}")
        lines += [f"  - {c or EMPTY}" for c in cells[1:]]
    lines.append("~~~")
    if notes:
        paragraphs = []
        for n in notes:
            paragraphs += [BLOCK_START.sub("\\\\", " ".join(str(n).split())), ""]
        lines += ["", "```{container} table-notes", *paragraphs[:-1], "```"]
    return Markdown("\n".join(lines) + "\n")
