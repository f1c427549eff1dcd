"""Sphinx extension: verification notes placed in chapters, listed in their appendix.

:func:`therapybook.render.notes.show` writes a ``{verification-note} <id>`` directive: an
admonition (class ``verification-note``) whose anchor is ``verif-<id>`` (``-2``, ``-3``…
when a page shows the same note again). Each placement is recorded; in the appendix, the
role ``{verification-note-places}`<id>``` becomes, when the page is written, the list of
chapters where the note stands (linked in HTML, named in the PDF), or says that no
chapter shows it yet.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

from bookbuild.sphinx.provenance_manifest import _toc_order


def _places(env: BuildEnvironment) -> dict[str, list[tuple[str, str]]]:
    """``{docname: [(note id, anchor), …]}`` in page order."""
    if not hasattr(env, "therapybook_note_places"):
        env.therapybook_note_places = {}
    return env.therapybook_note_places


def anchor_of(note_id: str) -> str:
    return f"verif-{note_id.lower()}"


class VerificationNote(SphinxDirective):
    """``{verification-note} T1`` with ``:title:`` and a MyST body."""

    required_arguments = 1
    has_content = True
    option_spec = {"title": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        note_id = self.arguments[0].strip()
        placed = _places(self.env).setdefault(self.env.docname, [])
        base = anchor_of(note_id)
        rank = sum(1 for n, _a in placed if n == note_id)
        anchor = base if rank == 0 else f"{base}-{rank + 1}"
        placed.append((note_id, anchor))
        node = nodes.admonition("", classes=["admonition", "verification-note"], ids=[anchor])
        title_nodes, messages = self.parse_inline(self.options.get("title", note_id))
        node += nodes.title("", "", *title_nodes)
        node += self.parse_content_to_nodes()
        return [node, *messages]


class note_places(nodes.Inline, nodes.Element):  # noqa: N801 (docutils style)
    """Where note ``note`` stands; resolved when the page is written."""


def note_places_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    env = inliner.document.settings.env
    _listing_pages(env).add(env.docname)
    return [note_places(rawtext, note=text.strip())], []


def _listing_pages(env: BuildEnvironment) -> set[str]:
    """Pages that list placements: rewritten at every build (they name other pages)."""
    if not hasattr(env, "therapybook_note_listings"):
        env.therapybook_note_listings = set()
    return env.therapybook_note_listings


class ResolvePlaces(SphinxPostTransform):
    default_priority = 20

    def run(self, **kwargs) -> None:
        env = self.env
        order = {doc: i for i, doc in enumerate(_toc_order(env))}
        html_build = self.app.builder.format == "html"
        for node in list(self.document.findall(note_places)):
            found = [(doc, anchor) for doc, placed in _places(env).items()
                     for note_id, anchor in placed if note_id == node["note"]]
            found.sort(key=lambda p: (order.get(p[0], len(order)), p[1]))
            if not found:
                node.replace_self(nodes.Text("aucun chapitre ne la montre encore"))
                continue
            out: list[nodes.Node] = []
            for i, (doc, anchor) in enumerate(found):
                if i:
                    out.append(nodes.Text(", "))
                title = env.titles[doc].astext() if doc in env.titles else doc
                label = f"« {title} »"
                if html_build:
                    uri = self.app.builder.get_relative_uri(env.docname, doc) + "#" + anchor
                    out.append(nodes.reference("", label, internal=True, refuri=uri))
                else:
                    out.append(nodes.Text(label))
            node.replace_self(out)


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _places(env).pop(docname, None)
    _listing_pages(env).discard(docname)


def _merge(app: Sphinx, env: BuildEnvironment, docnames, other: BuildEnvironment) -> None:
    for docname in docnames:
        if docname in _places(other):
            _places(env)[docname] = _places(other)[docname]
    _listing_pages(env).update(d for d in _listing_pages(other) if d in docnames)


def _updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    return sorted(_listing_pages(env))


def setup(app: Sphinx) -> dict:
    app.setup_extension("bookbuild.sphinx.assets")
    app.add_directive("verification-note", VerificationNote)
    app.add_node(note_places)
    app.add_role("verification-note-places", note_places_role)
    app.add_post_transform(ResolvePlaces)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-get-updated", _updated)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True,
            "env_version": 1}
