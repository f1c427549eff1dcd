"""A glossary page rendered from data with MyST's ``{glossary}`` directive.

Each term becomes a Sphinx glossary entry, so prose anywhere in the book can link it
with ``{term}`CRS```.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from therapybook.render import provenance


def markdown(df: pd.DataFrame, *, term: str = "term", definition: str = "definition") -> str:
    """MyST text of a ``{glossary}`` block, one entry per row, in the rows' order."""
    lines = ["```{glossary}"]
    for t, d in zip(df[term], df[definition], strict=True):
        t, d = " ".join(str(t).split()), " ".join(str(d).split())
        if not t or not d:
            raise ValueError(f"Entrée de glossaire incomplète : « {t} » / « {d} ».")
        lines += [t, f"  {d}", ""]
    if lines[-1] == "":
        lines.pop()
    lines.append("```")
    return "\n".join(lines) + "\n"


def publish(df: pd.DataFrame, name: str, *, caption: str, sources: Sequence[str],
            term: str = "term", definition: str = "definition"):
    """Return the glossary as displayable Markdown and record its provenance."""
    from IPython.display import Markdown

    provenance.record("glossary", name, caption=caption, sources=sources)
    return Markdown(markdown(df, term=term, definition=definition))
