"""Sphinx extension: French typography the text cannot get right by itself.

- **Apostrophes before markup.** Docutils' smart quotes read an apostrophe at the end of a
  text node (``l'{term}`ISCT```) or before « (``l'« ACSH »``) as a closing quote and print
  ``l”``. A transform that runs just before them turns such an apostrophe after a letter
  into the typographic one (’).
- **Spaces before ; : ! ? and inside « ».** In HTML, an ordinary space there becomes
  non-breaking (a narrow one before ; ! ?, a word space before : and inside « »), so the
  sign never starts a line. LaTeX is left to babel-french, which does the same.
- **Quotations.** The role ``{printed}`…``` marks the source's own words: ``<q>`` in
  HTML (drawn with « », and skipped by the own-words check), « … » elsewhere.
"""

from __future__ import annotations

import html
import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform

NBSP, NNBSP = "\u00a0", "\u202f"
LETTER_APOSTROPHE_BEFORE_QUOTE = re.compile(r"(?<=[^\W\d_])'(?=\s*«)")
SPACES = [(re.compile(r"[ \t\n]+([;!?])"), NNBSP + r"\1"),
          (re.compile(r"[ \t\n]+:(?=\s|$)"), NBSP + ":"),
          (re.compile(r"«[ \t\n]+"), "«" + NBSP), (re.compile(r"[ \t\n]+»"), NBSP + "»")]
LITERAL = (nodes.FixedTextElement, nodes.literal, nodes.math, nodes.raw, nodes.comment,
           nodes.system_message)


def _prose_texts(doctree: nodes.Node):
    for text in list(doctree.findall(nodes.Text)):
        parent = text.parent
        if parent is None:
            continue
        node, skip = parent, False
        while node is not None:
            if isinstance(node, LITERAL) or "code" in node.get("classes", ()):
                skip = True
                break
            node = node.parent
        if not skip:
            yield text


class ApostropheBeforeMarkup(SphinxTransform):
    """``l'`` + inline markup (or ``«``) → ``l’``, before smart quotes misread it."""

    default_priority = 740  # before smart quotes (Sphinx: 750)

    def apply(self, **kwargs) -> None:
        for text in _prose_texts(self.document):
            value = str(text)
            new = LETTER_APOSTROPHE_BEFORE_QUOTE.sub("’", value)
            parent = text.parent
            if (new.endswith("'") and len(new) > 1 and new[-2].isalpha()
                    and parent.index(text) + 1 < len(parent.children)):
                new = new[:-1] + "’"
            if new != value:
                parent.replace(text, nodes.Text(new))


class FrenchSpacing(SphinxPostTransform):
    """Non-breaking spaces before ; : ! ? and inside « » (HTML)."""

    default_priority = 900
    formats = ("html",)

    def run(self, **kwargs) -> None:
        for text in _prose_texts(self.document):
            value = str(text)
            new = french_spacing(value)
            if new != value:
                text.parent.replace(text, nodes.Text(new))


def french_spacing(text: str) -> str:
    """Non-breaking spaces where French typography wants them (an existing space only)."""
    for pattern, repl in SPACES:
        text = pattern.sub(repl, text)
    return text


QUOTE_OPEN, QUOTE_CLOSE = "\x02", "\x03"
STRAIGHT_APOSTROPHE = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_])")


def sentinel_quote(text: str) -> str:
    """Mark the source's own words in a plain text that :func:`to_html` will write."""
    return f"{QUOTE_OPEN}{text}{QUOTE_CLOSE}"


def to_html(text: str) -> str:
    """HTML of a plain text written by the build (tooltips, data pages): escaped, with
    typographic apostrophes and the marked quotations as ``<q class="printed">``."""
    out = html.escape(french_spacing(STRAIGHT_APOSTROPHE.sub("’", text)), quote=True)
    return out.replace(QUOTE_OPEN, '<q class="printed">').replace(QUOTE_CLOSE, "</q>")


class printed(nodes.Inline, nodes.TextElement):  # noqa: N801 (docutils style)
    """The source's own words, shown as a quotation."""


def printed_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [printed(rawtext, " ".join(text.split()))], []


def visit_printed_html(self, node: printed) -> None:
    self.body.append('<q class="printed">')


def depart_printed_html(self, node: printed) -> None:
    self.body.append("</q>")


def visit_printed_text(self, node: printed) -> None:
    self.add_text("«" + NBSP)


def depart_printed_text(self, node: printed) -> None:
    self.add_text(NBSP + "»")


def visit_printed_latex(self, node: printed) -> None:
    self.body.append("«~")


def depart_printed_latex(self, node: printed) -> None:
    self.body.append("~»")


def setup(app: Sphinx) -> dict:
    app.setup_extension("bookbuild.sphinx.assets")
    app.add_transform(ApostropheBeforeMarkup)
    app.add_post_transform(FrenchSpacing)
    app.add_node(printed, html=(visit_printed_html, depart_printed_html),
                 latex=(visit_printed_latex, depart_printed_latex),
                 text=(visit_printed_text, depart_printed_text))
    app.add_role("printed", printed_role)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
