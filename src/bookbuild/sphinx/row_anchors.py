"""Sphinx extension: anchors on table rows, known to the whole build.

:func:`therapybook.render.anchors.marker` writes ``{row-anchor}`<id>``` in the first cell
of a row. At reading time this transform removes the marker, gives its id to the enclosing
table row (``<tr id=…>``; a paragraph when the marker is not in a table) and records the
anchor with the row's first cell as its label, so that any page can link to it
(:func:`lookup`): the reproducibility appendix's ``calcul-<id>`` rows are the targets of
computed numbers.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)


class row_anchor(nodes.Inline, nodes.Element):  # noqa: N801 (docutils style)
    """Placeholder for an anchor id, removed at reading time."""


def row_anchor_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [row_anchor(rawtext, anchor=text.strip())], []


def _registry(env: BuildEnvironment) -> dict[str, dict[str, str]]:
    """``{docname: {anchor: label}}``."""
    if not hasattr(env, "therapybook_anchors"):
        env.therapybook_anchors = {}
    return env.therapybook_anchors


def state(env: BuildEnvironment) -> str:
    """A fingerprint of every anchor and its page: it changes when any anchor moves."""
    return repr(sorted((doc, sorted(found.items())) for doc, found in _registry(env).items()))


def lookup(env: BuildEnvironment, anchor: str) -> tuple[str, str] | None:
    """``(docname, label)`` of ``anchor``, or ``None`` if no page defines it."""
    for docname, found in sorted(_registry(env).items()):
        if anchor in found:
            return docname, found[anchor]
    return None


class RowAnchors(SphinxTransform):
    """Move each ``row_anchor`` id onto its row and record it."""

    default_priority = 700

    def apply(self, **kwargs) -> None:
        found = _registry(self.env).setdefault(self.env.docname, {})
        for node in list(self.document.findall(row_anchor)):
            anchor = node["anchor"]
            holder = node.parent
            while holder is not None and not isinstance(holder, nodes.row):
                holder = holder.parent
            if holder is None:
                holder = node.parent
            node.parent.remove(node)
            if anchor in found:
                logger.warning(f"[ancres] ancre « {anchor} » définie deux fois dans la page",
                               location=holder)
                continue
            holder["ids"].append(anchor)
            first = next(iter(holder.findall(nodes.entry)), holder)
            found[anchor] = " ".join(first.astext().split())


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _registry(env).pop(docname, None)


def _merge(app: Sphinx, env: BuildEnvironment, docnames, other: BuildEnvironment) -> None:
    for docname in docnames:
        if docname in _registry(other):
            _registry(env)[docname] = _registry(other)[docname]


def _check(app: Sphinx, env: BuildEnvironment) -> None:
    seen: dict[str, str] = {}
    for docname, found in sorted(_registry(env).items()):
        for anchor in found:
            if anchor in seen:
                logger.warning(f"[ancres] ancre « {anchor} » définie dans {seen[anchor]} "
                               f"et dans {docname}")
            seen[anchor] = docname


def setup(app: Sphinx) -> dict:
    app.add_node(row_anchor)
    app.add_role("row-anchor", row_anchor_role)
    app.add_transform(RowAnchors)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-check-consistency", _check)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True,
            "env_version": 1}
