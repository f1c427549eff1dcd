"""Sphinx extension: the PDF's content stays inside its pages.

Sphinx's LaTeX writer sets a table with ``:widths:`` in fixed proportional columns
(``\\X{w}{total}``) of a ``tabular``, which cannot break across pages, with justified
cells: a column narrower than its longest word lets the word run past the cell edge
(« Phas » for « Phase »), a long table runs past the foot of the page, and narrow
justified cells space words apart. For the LaTeX builder only (the HTML is untouched),
every table gets:

- **column widths from its content**: each column at least as wide as its longest
  unbreakable word, measured with the book's fonts (FreeSerif, FreeSans for the header,
  FreeMono for code) at the size the table is set in; the rest of the line shared in
  proportion to what each column would need to hold its cells on one line (the automatic
  layout of HTML tables). A table whose words do not fit at the text size is set in
  ``\\small``, ``\\footnotesize`` or ``\\scriptsize`` (with narrower gaps between
  columns), the first setting at which they do;
- **ragged-right cells** (``\\RaggedRight`` of ragged2e: words keep their normal spacing
  and may still be hyphenated, with the French patterns of babel);
- **longtable**: tables break across pages and repeat their header row on each page.

A hyphen joining a piece of at most three characters (« CARTITUDE-1 », « CAR-T »,
« ide-cel ») does not break the line. Long unbreakable tokens (identifiers such as
``t2.subsequent_line.pct``, SHA-256 fingerprints, paths) get break points in body text
and cells: after ``_ . /`` of an identifier longer than twelve characters, and every
eight characters of a long hexadecimal run; a zero-width space (a break point in the
HTML, which xelatex ignores) becomes one too. Table widths are measured with these break
points. Addresses (``://``) are left to the url package, which breaks them itself.

Superscript letters (« ᵃ », « ᵏ »: the footnote marks of Table 2) are Unicode modifier
letters that FreeSerif and FreeSans partly lack; the preamble maps each to
``\\textsuperscript`` of its letter (newunicodechar), so every mark prints, all alike.

Both run on the resolved doctree of the LaTeX builder (``doctree-resolved``, after the
handlers that fill the appendices). The column specification goes through Sphinx's public
``tabular_col_spec`` node (what the ``tabularcolumns`` directive inserts) and the
``longtable`` table class.
"""

from __future__ import annotations

import functools
import re
import subprocess
import unicodedata
from collections.abc import Iterator

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: ``\\linewidth`` of the book's pages (A4, 1 in margins, as Sphinx sets them), in pt.
LINEWIDTH = 452.97
#: Safety margin per column, for what the measure ignores (kerning, hyphen of a break).
SLACK = 3.0
#: Settings tried, roomiest first: font size command, size in pt (11 pt class) and
#: ``\tabcolsep`` in pt (the space each side of a column's text; LaTeX's is 6 pt).
SIZES = [("", 10.95, 6), (r"\small", 10.0, 6), (r"\footnotesize", 9.0, 6),
         (r"\footnotesize", 9.0, 4), (r"\scriptsize", 8.0, 3)]
FONTS = {"serif": "FreeSerif", "bold": "FreeSerif:bold", "italic": "FreeSerif:italic",
         "sans": "FreeSans", "mono": "FreeMono"}
#: Characters that do not break a line (no-break spaces).
NO_BREAK = "\u00a0\u202f\u2007"
#: Zero-width space: a break point in the HTML; made one in the PDF too (xelatex ignores it).
ZWSP = "\u200b"
#: Marks a break point in the measured text of a cell.
_BREAK = "\x00"
#: A hyphen with a short side (« CARTITUDE-1 », « CAR-T », « ide-cel », « 1-2 ») does not
#: break the line: a break there leaves one to three characters alone on a line.
SHORT_SIDE = 3
NOBREAK_HYPHEN_TEX = r"\mbox{-}"
NB_HYPHEN = "\u2011"
_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
#: A token longer than this gets break points (after ``_ . /`` of an identifier).
LONG_TOKEN = 12
_IDENTIFIER = re.compile(r"_|/|\w\.\w")
_BREAK_AFTER = re.compile(r"(?<=[_./])(?=[^\s_./,;:)\]])")
_HEX_RUN = re.compile(r"[0-9a-f]{16,}")


# ---- Measuring text with the book's fonts -------------------------------------------------

@functools.cache
def _font(style: str):
    """Advance widths (per code point, in em) of the font the PDF uses for ``style``."""
    from fontTools.ttLib import TTFont

    pattern = FONTS[style]
    path = subprocess.run(["fc-match", "--format=%{file}", pattern], capture_output=True,
                          text=True, check=True).stdout.strip()
    family = pattern.split(":")[0]
    if family not in path:
        raise RuntimeError(f"police {family} introuvable (fc-match donne {path!r}) : installer "
                           "le paquet Debian fonts-freefont-otf (.ci/system-packages.sh)")
    font = TTFont(path, lazy=True)
    upm = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    widths = {cp: metrics[name][0] / upm for cp, name in font.getBestCmap().items()}
    return widths, metrics.get("n", (upm / 2,))[0] / upm


def text_width(chars: list[tuple[str, str]], size: float) -> float:
    """Width in pt of ``(character, style)`` pairs set at ``size`` pt."""
    total = 0.0
    for ch, style in chars:
        widths, default = _font(style)
        total += widths.get(ord(ch), default)
    return total * size


def break_points(token: str) -> list[str]:
    """Pieces of ``token`` between which a line may break (a long token only)."""
    if "://" in token:
        return [token]
    out = []
    for part in token.split(ZWSP):  # a zero-width space is a break point already
        if len(part) > LONG_TOKEN and _IDENTIFIER.search(part):
            out += _BREAK_AFTER.split(part)
        else:
            out.append(part)
    return [p for p in _hex_breaks(out) if p]


def _hex_breaks(pieces: list[str]) -> Iterator[str]:
    for piece in pieces:
        at = 0
        for run in _HEX_RUN.finditer(piece):
            for cut in range(run.start() + 8, run.end() - 3, 8):
                yield piece[at:cut]
                at = cut
        yield piece[at:]


def _style(text: nodes.Text, stop: nodes.Element, header: bool) -> str:
    node = text.parent
    bold = italic = False
    while node is not None and node is not stop:
        if isinstance(node, nodes.literal):
            return "mono"
        bold |= isinstance(node, nodes.strong)
        italic |= isinstance(node, nodes.emphasis)
        node = node.parent
    if header:
        return "sans"
    return "bold" if bold else "italic" if italic else "serif"


def cell_words(entry: nodes.entry, header: bool) -> tuple[list[list[tuple[str, str]]],
                                                           list[list[tuple[str, str]]]]:
    """The unbreakable words of a cell and its paragraphs, as ``(character, style)`` lists."""
    paragraphs: list[list[tuple[str, str]]] = []
    current = None
    for text in entry.findall(nodes.Text):
        if isinstance(text.parent, nodes.raw):  # added by break_long_tokens
            if paragraphs:
                mark = NB_HYPHEN if str(text) == NOBREAK_HYPHEN_TEX else _BREAK
                paragraphs[-1].append((mark, _style(text, entry, header)))
            continue
        block = next((a for a in _ancestors(text) if isinstance(a, nodes.TextElement)
                      and not isinstance(a, nodes.Inline)), entry)
        if block is not current:
            paragraphs.append([])
            current = block
        style = _style(text, entry, header)
        paragraphs[-1] += [(ch, style) for ch in str(text)]
    words, word = [], []
    for para in paragraphs:
        for ch, style in [*para, (" ", "serif")]:
            if (ch.isspace() and ch not in NO_BREAK) or ch in (_BREAK, ZWSP):
                if word:
                    words.append(word)
                word = []
                continue
            word.append((ch, style))
            if ch == "-" and style != "mono":  # \sphinxhyphen breaks, except in code
                words.append(word)
                word = []
    lines = [[c for c in para if c[0] not in (_BREAK, ZWSP)] for para in paragraphs]
    return words, lines


def _ancestors(node: nodes.Node) -> Iterator[nodes.Element]:
    node = node.parent
    while node is not None:
        yield node
        node = node.parent


# ---- Column widths --------------------------------------------------------------------

def _rows(tgroup: nodes.tgroup) -> Iterator[tuple[nodes.row, bool]]:
    for part in tgroup.children:
        if isinstance(part, (nodes.thead, nodes.tbody)):
            for row in part.children:
                yield row, isinstance(part, nodes.thead)


def layout(table: nodes.table) -> tuple[str, list[float]] | None:
    """Font size command and column fractions of ``\\linewidth`` for ``table``.

    ``None`` for a table Sphinx is left to set (cells spanning columns, nested tables).
    """
    groups = [c for c in table.children if isinstance(c, nodes.tgroup)]
    if len(groups) != 1 or any(True for _ in table.findall(nodes.table) if _ is not table):
        return None
    tgroup = groups[0]
    ncols = int(tgroup["cols"])
    cells: list[list[tuple[list, list]]] = [[] for _ in range(ncols)]
    for row, header in _rows(tgroup):
        entries = [e for e in row.children if isinstance(e, nodes.entry)]
        if len(entries) != ncols or any(e.get("morecols") or e.get("morerows")
                                        for e in entries):
            return None
        for col, entry in enumerate(entries):
            cells[col].append(cell_words(entry, header))
    for choice, size, tabcolsep in SIZES:
        command = choice
        if tabcolsep != 6:
            command += rf"\setlength{{\tabcolsep}}{{{tabcolsep}pt}}"
        sep = 2 * tabcolsep + SLACK
        mins = [max((text_width(w, size) for words, _ in col for w in words), default=0.0)
                + sep for col in cells]
        if sum(mins) <= LINEWIDTH:
            break
    nats = [max(m, max((text_width(line, size) for _, lines in col for line in lines),
                       default=0.0) + sep)
            for m, col in zip(mins, cells, strict=True)]
    if sum(mins) > LINEWIDTH:
        widths = [m * LINEWIDTH / sum(mins) for m in mins]
        logger.info("tableau trop large pour la page même en \\scriptsize : %s",
                    table.get("ids"), location=table)
    elif sum(nats) <= LINEWIDTH:
        widths = nats
    else:
        spare = LINEWIDTH - sum(mins)
        wish = sum(n - m for n, m in zip(nats, mins, strict=True))
        widths = [m + spare * (n - m) / wish for n, m in zip(nats, mins, strict=True)]
    return command, [w / LINEWIDTH for w in widths]


def colspec(fractions: list[float]) -> str:
    r"""``>{\RaggedRight\arraybackslash}\Y{0.2512}…`` (Sphinx's ``\Y``: a share of the line)."""
    return "".join(rf">{{\RaggedRight\arraybackslash}}\Y{{{f:.4f}}}" for f in fractions)


def lay_out_tables(doctree: nodes.document) -> None:
    """Every table: widths from content, ragged-right cells, longtable, a size that fits."""
    for table in list(doctree.findall(nodes.table)):
        result = layout(table)
        if result is None:
            continue
        command, fractions = result
        parent = table.parent
        parent.insert(parent.index(table), addnodes.tabular_col_spec(spec=colspec(fractions)))
        table["classes"] = [c for c in table["classes"] if c != "colwidths-given"]
        table["classes"].append("longtable")
        if command:
            at = parent.index(table)
            parent.insert(at, nodes.raw("", rf"\begingroup{command}", format="latex"))
            parent.insert(at + 2, nodes.raw("", r"\endgroup", format="latex"))


#: Text left as it is: code blocks, raw LaTeX, mathematics.
_KEEP = (nodes.FixedTextElement, nodes.raw, nodes.math, nodes.math_block)
#: Titles of these go to the PDF's bookmarks too (plain text): left as they are.
_BOOKMARKED = (nodes.section, nodes.topic, nodes.sidebar, nodes.document)


def _kept(text: nodes.Text) -> bool:
    for node in _ancestors(text):
        if isinstance(node, _KEEP):
            return True
        if isinstance(node, nodes.title) and isinstance(node.parent, _BOOKMARKED):
            return True
        if isinstance(node, nodes.reference) and node.get("refuri") == node.astext():
            return True  # an address: \sphinxurl breaks it
    return False


def short_hyphens(text: str) -> list[int]:
    """Positions of the hyphens of ``text`` that join a piece of at most three characters."""
    out = []
    for m in _HYPHEN.finditer(text):
        before = re.search(r"\w+$", text[:m.start()]).group(0)
        after = re.match(r"\w+", text[m.end():]).group(0)
        if min(len(before), len(after)) <= SHORT_SIDE:
            out.append(m.start())
    return out


def _rewritten(text: str, code: bool) -> list[nodes.Node] | None:
    """``text`` with its break points and non-breaking hyphens, or ``None`` if unchanged."""
    out: list[nodes.Node] = []
    changed = False
    for piece in re.split(r"(\s+)", text):
        parts = break_points(piece) if piece.strip() else [piece]
        changed |= len(parts) > 1 or ZWSP in piece
        for i, part in enumerate(parts):
            if i:
                out.append(nodes.raw("", r"\allowbreak{}", format="latex"))
            at = 0
            for cut in ([] if code else short_hyphens(part)):
                out += [nodes.Text(part[at:cut]),
                        nodes.raw("", NOBREAK_HYPHEN_TEX, format="latex")]
                at = cut + 1
                changed = True
            out.append(nodes.Text(part[at:]))
    return [n for n in out if not isinstance(n, nodes.Text) or str(n)] if changed else None


def break_long_tokens(doctree: nodes.document) -> None:
    """Break points (``\\allowbreak``) in long tokens, no line break at a short hyphen."""
    for text in list(doctree.findall(nodes.Text)):
        if _kept(text):
            continue
        code = any(isinstance(a, nodes.literal) for a in _ancestors(text))
        new = _rewritten(str(text), code)
        if new is not None:
            text.parent.replace(text, new)


def _resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if app.builder.name != "latex":
        return
    break_long_tokens(doctree)
    lay_out_tables(doctree)


def superscript_letters() -> dict[str, str]:
    """Unicode superscript/modifier small Latin letters → the letter they raise."""
    out = {}
    for code in [*range(0x02B0, 0x0300), *range(0x1D2C, 0x1DC0), *range(0x2070, 0x20A0)]:
        name = unicodedata.name(chr(code), "")
        found = re.fullmatch(r"(?:MODIFIER LETTER|SUPERSCRIPT LATIN) SMALL(?: LETTER)? ([A-Z])",
                             name)
        if found:
            out[chr(code)] = found[1].lower()
    return out


def _superscripts_preamble(app: Sphinx, config) -> None:
    lines = [f"\\newunicodechar{{{ch}}}{{\\textsuperscript{{{letter}}}}}"
             for ch, letter in sorted(superscript_letters().items())]
    elements = dict(config.latex_elements)
    elements["preamble"] = elements.get("preamble", "") + "\n" + "\n".join(lines) + "\n"
    config.latex_elements = elements


def setup(app: Sphinx) -> dict:
    app.add_latex_package("ragged2e")
    app.add_latex_package("newunicodechar")
    app.connect("config-inited", _superscripts_preamble)
    # after every other handler (the provenance appendix is filled at this event)
    app.connect("doctree-resolved", _resolved, priority=950)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
