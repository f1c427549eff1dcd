"""Computed text: numbers that prose quotes are glued from code, never typed.

A glued number carries where it comes from: a data row (:func:`therapybook.data.source`)
or a named computation of the reproducibility appendix. It is glued as a CommonMark link
to ``#sourced:<target>`` (``{glue:md}`` parses CommonMark only), which the build tooling
turns into the reader-facing provenance; the prose only writes ``{glue:md}`key```.
"""

from __future__ import annotations

from therapybook.data import Source


def sourced(value: str, *, source: Source | None = None, computed: str | None = None) -> str:
    """Markdown of ``value`` tagged with its provenance (``[value](#sourced:<target>)``).

    ``source`` names a data row (``resource:line``); ``computed`` the id of a computation
    listed in the reproducibility appendix (``calcul:id``). With neither, ``value`` is bare.
    """
    if source is not None and computed is not None:
        raise ValueError("Une valeur vient d'une ligne de données ou d'un calcul, pas des deux.")
    if source is None and computed is None:
        return value
    target = f"{source.resource}:{source.line}" if source is not None else f"calcul:{computed}"
    if any(ch in value for ch in "[]()`<>"):
        raise ValueError(f"Valeur non balisable : {value!r}.")
    return f"[{value}](#sourced:{target})"


def glue(name: str, value: str, *, source: Source | None = None,
         computed: str | None = None) -> str:
    """Make ``value`` (already formatted) available to the prose as ``{glue:md}`name```.

    ``source``/``computed``: see :func:`sourced`. Returns ``value`` unchanged.
    """
    from IPython.display import Markdown
    from myst_nb import glue as _glue

    _glue(name, Markdown(sourced(value, source=source, computed=computed)), display=False)
    return value


def glue_all(values: dict[str, str]) -> None:
    """Glue several formatted values at once (values without a stated provenance)."""
    for name, value in values.items():
        glue(name, value)
