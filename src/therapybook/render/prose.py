"""Computed text: numbers that prose quotes are glued from code, never typed."""

from __future__ import annotations


def glue(name: str, value: str) -> str:
    """Make ``value`` (already formatted) available to the prose as ``{glue:md}`name```."""
    from IPython.display import Markdown
    from myst_nb import glue as _glue

    _glue(name, Markdown(value), display=False)
    return value


def glue_all(values: dict[str, str]) -> None:
    """Glue several formatted values at once."""
    for name, value in values.items():
        glue(name, value)
