"""Sphinx extension: the book's bibliography in the Vancouver style, in French.

Both source documents number their references in order of first citation
(Vancouver); the book does the same across all its pages. sphinxcontrib-bibtex
already hands the cited entries to the pybtex style in order of first citation
(pages in the reading order of the table of contents, then citations within a
page); the style registered here keeps that order (pybtex sorting ``none``),
numbers the entries 1, 2, 3… (labels ``number``) and writes them the Vancouver way
in French:

- authors as « Nom Initiales », « et » between the last two, the first six then
  « et al. » when there are more (or when the record itself ends with ``others``);
- « Revue. Année;volume(numéro):pages. » for articles, « Dans : » for chapters,
  « Disponible sur : » for addresses;
- a reference of the article of part II ends with its number in the article
  (field ``articleref``: « réf. 12 de l'article »), so that a reader can go from the
  book to the article's list and back.

The style is registered with pybtex's public ``register_plugin`` and selected in
``_config.yml`` (``bibtex_default_style: vancouver-fr``).

The HTML of the bibliography is also made valid for assistive technologies: docutils
gives each entry the role ``doc-biblioentry``, deprecated in DPUB-ARIA 1.1 and not a
list item, so the enclosing ``role="list"`` had no item; entries get ``listitem``.
"""

from __future__ import annotations

import re

from docutils import nodes
from pybtex.plugin import register_plugin
from pybtex.richtext import Symbol, Text
from pybtex.style.formatting import BaseStyle, toplevel
from pybtex.style.template import (
    FieldIsMissing,
    field,
    href,
    join,
    node,
    optional,
    optional_field,
    sentence,
    tag,
)
from sphinx.application import Sphinx

STYLE = "vancouver-fr"
#: Vancouver lists the first six authors, then « et al. ».
MAX_AUTHORS = 6
ET_AL = "et al."
#: Field of a record that gives its number in the reference list of the article.
ARTICLE_REF = "articleref"
NBSP = "\u00a0"
_DASHES = re.compile(r"-+")


def _plain(latex: str) -> str:
    # str() of the rich text, not render_as("text"): that looks the backend up by an alias
    # that pybtex finds only by scanning every installed package (50 ms, 1 000 times a build)
    return str(Text.from_latex(latex))


def initials(person) -> str:
    """« JA » for « J. A. », « J-J » for « Jean-Jacques », « ATJ » for three given names."""
    out = []
    for name in person.first_names + person.middle_names:
        parts = [p for p in _plain(name).replace(".", " ").replace("-", " - ").split()]
        word = ""
        for part in parts:
            word += "-" if part == "-" else part[0].upper()
        out.append(word.strip("-"))
    return "".join(out)


def vancouver_name(person) -> Text:
    """« van de Donk NWCJ », « Snowden JA »: family name (with its particles), initials."""
    family = Text(" ").join([*person.rich_prelast_names, *person.rich_last_names])
    parts = [family]
    if person.first_names or person.middle_names:
        parts.append(Text(initials(person)))
    if person.lineage_names:
        parts.append(Text(" ").join(person.rich_lineage_names))
    return Text(" ").join(parts)


def _is_others(person) -> bool:
    return str(person) == "others"


def author_list(persons) -> Text:
    """Vancouver list in French: « A, B et C »; « A, B, C, D, E, F, et al. » past six."""
    named = []
    for person in persons:
        if _is_others(person):
            break
        named.append(person)
    truncated = len(named) < len(persons) or len(named) > MAX_AUTHORS
    names = [vancouver_name(p) for p in named[:MAX_AUTHORS]]
    if truncated:
        return Text(", ").join([*names, Text(ET_AL)])
    if len(names) == 1:
        return names[0]
    return Text(Text(", ").join(names[:-1]), " et ", names[-1])


@node
def authors(children, context, role="author"):
    """The entry's ``role`` list (authors, editors) in the Vancouver way."""
    if children:
        raise ValueError(children)
    try:
        persons = context["entry"].persons[role]
    except KeyError:
        raise FieldIsMissing(role, context["entry"]) from None
    return author_list(persons)


@node
def article_ref(children, context):
    """« (réf. 12 de l'article) » for a reference of the article of part II."""
    if children:
        raise ValueError(children)
    try:
        number = context["entry"].fields[ARTICLE_REF]
    except KeyError:
        raise FieldIsMissing(ARTICLE_REF, context["entry"]) from None
    return Text(f"(réf.{NBSP}{number} de l’article)")


pages = field("pages", apply_func=lambda t: Text(Symbol("ndash")).join(t.split(_DASHES)))
title = sentence[field("title")]
#: A record whose title could not be checked keeps it missing (field ``unverified``).
optional_title = optional[sentence[field("title")]]
year = field("year")


class VancouverStyle(BaseStyle):
    """French Vancouver references, numbered in order of first citation."""

    default_name_style = "plain"
    default_label_style = "number"
    default_sorting_style = "none"

    def _tail(self):
        doi = join["https://doi.org/", field("doi", raw=True)]
        url = field("url", raw=True)
        return [
            sentence[optional[join["Disponible sur", NBSP, ": ", href(url)[url]]]],
            sentence[optional[href(doi)[join["doi:", field("doi", raw=True)]]]],
            sentence[optional_field("note")],
            optional[article_ref],
        ]

    def get_article_template(self, e):
        issue = join[
            year,
            optional[";", field("volume"), optional["(", field("number"), ")"]],
            optional[":", pages],
        ]
        return toplevel[
            optional[sentence[authors]],
            optional_title,
            sentence[tag("em")[field("journal")]],
            sentence[issue],
            *self._tail(),
        ]

    def get_book_template(self, e):
        return toplevel[
            optional[sentence[authors]],
            title,
            optional[sentence[field("edition"), " éd"]],
            sentence(sep="; ")[
                join(sep=NBSP + ": ")[optional_field("address"), field("publisher")], year],
            *self._tail(),
        ]

    def get_incollection_template(self, e):
        return toplevel[
            sentence[authors],
            title,
            sentence[join["Dans", NBSP, ": ", join(sep=". ")[
                optional[join[authors(role="editor"), ", éditeurs"]], field("booktitle")]]],
            sentence(sep="; ")[optional_field("publisher"), year],
            optional[sentence[join["p.", NBSP, pages]]],
            *self._tail(),
        ]

    get_inproceedings_template = get_incollection_template

    def get_phdthesis_template(self, e):
        return toplevel[
            sentence[authors],
            sentence[join[field("title"), " [thèse]"]],
            sentence(sep="; ")[field("school"), year],
            *self._tail(),
        ]

    def get_techreport_template(self, e):
        return toplevel[
            optional[sentence[authors]],
            title,
            sentence(sep="; ")[field("institution"), year],
            optional[sentence[join["Rapport n°", NBSP, field("number")]]],
            *self._tail(),
        ]

    def get_misc_template(self, e):
        return toplevel[
            optional[sentence[authors]],
            title,
            sentence(sep="; ")[optional_field("howpublished"), optional[year]],
            *self._tail(),
        ]

    get_online_template = get_misc_template
    get_unpublished_template = get_misc_template


def visit_citation(self, node: nodes.citation) -> None:
    """docutils' entry ``<div>``, with the role ``listitem`` instead of ``doc-biblioentry``."""
    type(self).visit_citation(self, node)
    self.body[-1] = self.body[-1].replace('role="doc-biblioentry"', 'role="listitem"')


def depart_citation(self, node: nodes.citation) -> None:
    type(self).depart_citation(self, node)


def setup(app: Sphinx) -> dict:
    register_plugin("pybtex.style.formatting", STYLE, VancouverStyle)
    app.add_node(nodes.citation, override=True, html=(visit_citation, depart_citation))
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
