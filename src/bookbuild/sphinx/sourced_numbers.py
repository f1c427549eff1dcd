"""Sphinx extension: numbers glued with their provenance.

:func:`therapybook.render.prose.sourced` writes a glued number as a CommonMark link to
``#sourced:<target>``, where ``<target>`` is ``<resource>:<line>`` (a data row) or
``calcul:<id>`` (a computation of the reproducibility appendix): ``{glue:md}`` parses
CommonMark only, and a link survives it. This post-transform turns each such link into
a :class:`sourced_number` node that carries the target; builders render it.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

PREFIX = "#sourced:"


class sourced_number(nodes.inline):  # noqa: N801 (docutils style)
    """A number and its provenance ``target`` (``resource:line`` or ``calcul:id``)."""


class SourcedNumbers(SphinxPostTransform):
    """Replace ``#sourced:`` links with :class:`sourced_number` nodes."""

    default_priority = 5  # before any reference resolution

    def run(self, **kwargs) -> None:
        for ref in list(self.document.findall(nodes.reference)):
            uri = ref.get("refuri", "")
            if uri.startswith(PREFIX):
                node = sourced_number("", *ref.children, target=uri[len(PREFIX):],
                                      classes=["sourced-number"])
                ref.replace_self(node)


def setup(app: Sphinx) -> dict:
    app.add_post_transform(SourcedNumbers)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
