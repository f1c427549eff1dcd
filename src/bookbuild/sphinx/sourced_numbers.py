"""Sphinx extension: numbers glued with their provenance, shown to the reader.

:func:`therapybook.render.prose.sourced` writes a glued number as a CommonMark link to
``#sourced:<target>``, where ``<target>`` is ``<resource>:<line>`` (a data row) or
``calcul:<id>`` (a computation: the appendix table row anchored ``calcul-<id>``, or
``calcul:table:<name>`` for a count over the whole table ``tbl-<name>``): ``{glue:md}`` parses
CommonMark only, and a link survives it. A first post-transform turns each such link into
a :class:`sourced_number` node that carries the target; a second one resolves it:

- in HTML, the number becomes a link to the exact row (the resource's data page,
  ``#<resource>-ligne-<n>``, or the appendix row ``#calcul-<id>``) with
  ``aria-describedby`` pointing at a tooltip: the document and its section, table or
  figure, the printed fragment as a short quotation (25 words at most) or the name of the
  computation. CSS shows it on hover and keyboard focus, a small script on a first tap;
  without JavaScript the number is a plain link. Ids derive from the target (and the
  rank of the number on its page), never from chance, so builds stay byte-identical;
- in every other format (LaTeX/PDF) the number stays plain text.

A target that names no row, no anchored computation or no table is a build warning (the
build treats warnings as errors): no number loses its provenance silently.
"""

from __future__ import annotations

import html
import re
from functools import cache

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

from bookbuild.sphinx import row_anchors
from bookbuild.sphinx.data_pages import to_root
from bookbuild.sphinx.typography import sentinel_quote, to_html
from therapybook import data
from therapybook.render import anchors, attribution

logger = logging.getLogger(__name__)
PREFIX = "#sourced:"
COMPUTED = "calcul:"
#: A count over a whole table: ``calcul:table:<name>`` links to ``tbl-<name>``.
TABLE = "table:"
MAX_WORDS = 25
#: Computed numbers come from the study's cohort: the shipped pseudo-cohort or the real file.
COHORT = "retrospective_cohort"
COMPUTED_ON_SYNTHETIC = "Nombre recalculé à chaque construction sur la pseudo-cohorte synthétique"
COMPUTED_ON_REAL = "Nombre recalculé à chaque construction sur les données de l'étude"


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


def quotation(text: str, limit: int = MAX_WORDS) -> str:
    """``text`` cut to ``limit`` words, ending with « … » when cut."""
    words = " ".join(str(text).split()).split(" ")
    return " ".join(words) if len(words) <= limit else " ".join(words[:limit - 1]) + " …"


@cache
def _row(resource: str, line: int, _mtime: float) -> data.Source:
    return data.source_at(resource, line)


def row_source(resource: str, line: int) -> data.Source:
    """The provenance of one data row (cached per file version)."""
    return _row(resource, line, data.resource_path(resource).stat().st_mtime)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


class ResolveSourcedNumbers(SphinxPostTransform):
    """Give each number its link and tooltip (HTML) or leave the plain number (others)."""

    default_priority = 6

    def run(self, **kwargs) -> None:
        html_build = self.app.builder.format == "html"
        seen: dict[str, int] = {}
        for node in list(self.document.findall(sourced_number)):
            info = self.resolve(node)
            if not html_build or info is None:
                _unwrap(node)
                continue
            base = "src-" + re.sub(r"[^a-z0-9]", "-", node["target"].lower())
            seen[base] = seen.get(base, 0) + 1
            node["tip_id"] = base if seen[base] == 1 else f"{base}-{seen[base]}"
            node.update_all_atts(info, replace=True)

    def resolve(self, node: sourced_number) -> dict | None:
        target = node["target"]
        here = self.env.docname
        if target.startswith(COMPUTED):
            return self.resolve_computation(node, target[len(COMPUTED):], here)
        resource, _, line = target.rpartition(":")
        try:
            src = row_source(resource, int(line))
        except (KeyError, LookupError, ValueError) as exc:
            logger.warning(f"[provenance] le nombre « {node.astext()} » renvoie à une ligne "
                           f"introuvable ({target}) : {exc}", location=node)
            return None
        title = data.resource(resource).get("title", resource)
        return {"href": f"{to_root(here)}{anchors.row_page(resource)}.html#"
                        f"{anchors.row_id(resource, src.line)}",
                "where": _capitalised(attribution.row_place(src, quote=sentinel_quote)),
                "printed": quotation(src.printed) if src.printed else "",
                "what": f"Données : {title}, ligne {src.line}."}


    def resolve_computation(self, node: sourced_number, comp: str, here: str) -> dict | None:
        """A computation: the table row anchored ``calcul-<id>``, or, for a count over a
        whole table (``table:<name>``), that table."""
        where = COMPUTED_ON_REAL if data.is_overridden(COHORT) else COMPUTED_ON_SYNTHETIC
        if comp.startswith(TABLE):
            label = "tbl-" + comp[len(TABLE):]
            found = self.env.domaindata["std"]["labels"].get(label)
            if found is None:
                logger.warning(f"[provenance] le nombre « {node.astext()} » est un décompte du "
                               f"tableau {label}, absent du livre", location=node)
                return None
            docname, node_id, caption = found
            return {"href": self.app.builder.get_relative_uri(here, docname) + "#" + node_id,
                    "where": where, "printed": "",
                    "what": f"Calcul : décompte sur le tableau « {quotation(caption, 12)} »."}
        anchor = anchors.computation_id(comp)
        found = row_anchors.lookup(self.env, anchor)
        if found is None:
            logger.warning(f"[provenance] le nombre « {node.astext()} » renvoie au calcul "
                           f"« {comp} », qu'aucune ligne de tableau n'ancre (ancre {anchor} "
                           "absente)", location=node)
            return None
        docname, label = found
        title = self.env.titles[docname].astext() if docname in self.env.titles else docname
        return {"href": self.app.builder.get_relative_uri(here, docname) + "#" + anchor,
                "where": where, "printed": "",
                "what": f"Calcul : {label}. Détail dans l'annexe « {title} »."}


class NoteComputedNumbers(SphinxTransform):
    """Remember the pages whose numbers link to computations (read time)."""

    default_priority = 800

    def apply(self, **kwargs) -> None:
        docs = _computed_docs(self.env)
        docs.discard(self.env.docname)
        if any(r.get("refuri", "").startswith(PREFIX + COMPUTED)
               for r in self.document.findall(nodes.reference)):
            docs.add(self.env.docname)


def _computed_docs(env: BuildEnvironment) -> set[str]:
    if not hasattr(env, "therapybook_computed_docs"):
        env.therapybook_computed_docs = set()
    return env.therapybook_computed_docs


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _computed_docs(env).discard(docname)


def _merge(app: Sphinx, env: BuildEnvironment, docnames, other: BuildEnvironment) -> None:
    _computed_docs(env).update(d for d in _computed_docs(other) if d in docnames)


def _updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Pages whose computed numbers must be rewritten because the anchored rows changed."""
    state = row_anchors.state(env)
    changed = state != getattr(env, "therapybook_anchor_state", None)
    env.therapybook_anchor_state = state
    return sorted(_computed_docs(env)) if changed else []


def _unwrap(node: nodes.Element) -> None:
    """Put the number's own text in place of the node (plain text, no provenance)."""
    parent = node.parent
    index = parent.index(node)
    parent[index:index + 1] = list(node.children)


def visit_html(self, node: sourced_number) -> None:
    self.body.append('<span class="sourced">')
    self.body.append(f'<a class="sourced-number" href="{html.escape(node["href"])}" '
                     f'aria-describedby="{node["tip_id"]}">')


def depart_html(self, node: sourced_number) -> None:
    tip = [f'<span class="sourced-where">{to_html(node["where"])}</span>']
    if node["printed"]:
        tip.append(f'<q class="printed sourced-printed">{html.escape(node["printed"])}</q>')
    tip.append(f'<span class="sourced-what">{to_html(node["what"])}</span>')
    self.body.append('</a><span class="sourced-tip" role="tooltip" '
                     f'id="{node["tip_id"]}">' + " ".join(tip) + "</span></span>")


def _plain(self, node) -> None:
    pass


def setup(app: Sphinx) -> dict:
    app.setup_extension("bookbuild.sphinx.assets")
    app.setup_extension("bookbuild.sphinx.row_anchors")
    app.add_node(sourced_number, html=(visit_html, depart_html),
                 latex=(_plain, _plain), text=(_plain, _plain))
    app.add_transform(NoteComputedNumbers)
    app.add_post_transform(SourcedNumbers)
    app.add_post_transform(ResolveSourcedNumbers)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-updated", _updated)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True,
            "env_version": 1}
