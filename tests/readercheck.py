#!/usr/bin/env python3
"""Reader checks of the built HTML book: French typography, register, own words.

    python tests/readercheck.py _build/html [--check typography|register|own-words ...]

prints the findings page by page and exits with status 1 when there is one. What is read is
what readers see: the visible text of each page of Parts I and II (``chapters/these/`` and
``chapters/article/``), inside the page's article (not the navigation), without section and
caption numbers. Quotations of the sources (``<q>``, ``<blockquote>``) are the sources' own
words: they are skipped by the typography and own-words rules, not by the register rule.

Typography (issue 10 §4), each rule named as in the findings:

- ``chiffre`` — an integer from zero to nine written as a digit in running text, except
  before a unit, a percentage, a date or in a count with its percentage « 5 (11 %) », after
  « grade », « stade », « score », « phase », « n = »…, in tables and in numbered references
  (« tableau 2 ») ;
- ``debut-chiffre`` — a sentence of running text that begins with a digit ;
- ``apostrophe`` — a closing quote in place of an apostrophe (« l” »), or a straight one ;
- ``mot-double`` — the same word twice in a row (« ceftriaxone (ceftriaxone ») ;
- ``parentheses`` — parentheses inside parentheses ;
- ``identifiant`` — a word with an underscore, or a code of a data enumeration that is
  neither a French word (Debian's ``wfrench`` list) nor a word of the sources (« accredite »,
  « bispecific ») in prose or cells ;
- ``espace`` — an ordinary space, or none, before ; : ! ? or inside « » ;
- ``glossaire`` — a glossary term written otherwise than in the book's glossary
  (« car-t cells », « Ide-cel » inside a sentence).

Register (acceptance 1 of issue 10): ``registre`` — any of ``.csv``, ``data/``, ``therapybook``,
``THERAPYBOOK``, ``as_printed``, ``make ``, ``extraction`` or a glue key in the visible text
(tooltips included); ``attribution`` — more than one « la thèse » / « l'article » (any form)
per 150 words of a chapter.

Own words (§7): ``mots-des-sources`` — a run of 12 words shared with a source document, as
reported by ``../shared/tools/own_words.py`` on ``chapters data`` and on the built chapters.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

PARTS = ("chapters/these/", "chapters/article/")
OWN_WORDS = Path(__file__).resolve().parents[1].parent / "shared" / "tools" / "own_words.py"
#: French word list of Debian's wfrench package: a data code that is not a word is a raw code.
FRENCH_WORDS = Path("/usr/share/dict/french")

# --------------------------------------------------------------------------- visible text
BLOCKS = {"p", "li", "td", "th", "dt", "dd", "caption", "figcaption", "h1", "h2", "h3", "h4",
          "h5", "h6", "blockquote", "pre"}
VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "col", "source"}
SKIP_CLASSES = {"headerlink", "section-number", "caption-number", "toggle-button"}
QUOTE, CODE, TIP, CITE = "quote", "code", "tip", "cite"


@dataclass
class Block:
    """A block of visible text (paragraph, list item, cell, caption, heading)."""

    tag: str
    in_table: bool
    chunks: list[tuple[str, frozenset[str]]] = field(default_factory=list)

    def text(self, *, drop: frozenset[str] = frozenset(), mark: dict[str, str] | None = None
             ) -> str:
        """Visible text; chunks flagged in ``drop`` are left out, those in ``mark`` replaced."""
        out, last = [], None
        for text, flags in self.chunks:
            hit = next((f for f in (mark or {}) if f in flags), None)
            if flags & drop:
                continue
            if hit:
                if last != hit:
                    out.append(mark[hit])
                last = hit
                continue
            last = None
            out.append(text)
        return " ".join("".join(out).split(" ")).strip()

    @property
    def kind(self) -> str:
        if self.tag == "tip":
            return "tip"  # the provenance shown beside a number: its own block of text
        if self.tag in {"caption", "figcaption"}:
            return "caption"
        if self.tag.startswith("h") and len(self.tag) == 2:
            return "heading"
        if self.in_table or self.tag in {"td", "th"}:
            return "cell"
        return "prose"


class _Visible(HTMLParser):
    """Collect the blocks of text inside ``<article class="bd-article">``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.stack: list[tuple[str, frozenset[str], bool, bool]] = []  # tag, flags, skip, block
        self.open_blocks: list[Block] = []
        self.depth_article: int | None = None

    def _flags(self) -> frozenset[str]:
        return self.stack[-1][1] if self.stack else frozenset()

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][2]

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        classes = set((attrs.get("class") or "").split())
        if tag == "article" and "bd-article" in classes and self.depth_article is None:
            self.depth_article = len(self.stack)
        flags = set(self._flags())
        skip = self._skipping() or tag in {"script", "style", "nav", "button"} \
            or bool(classes & SKIP_CLASSES)
        if tag in {"q", "blockquote"}:
            flags.add(QUOTE)
        if tag in {"code", "pre", "kbd", "samp", "tt"}:
            flags.add(CODE)
        if "sourced-tip" in classes:
            flags.add(TIP)
        if "bibtex-citation" in classes:
            flags.add(CITE)
        opens = ((tag in BLOCKS or "sourced-tip" in classes) and not skip
                 and self.depth_article is not None)
        if opens:
            in_table = any(t in {"td", "th", "table"} for t, *_ in self.stack) or tag in {"td",
                                                                                          "th"}
            block = Block("tip" if "sourced-tip" in classes else tag, in_table)
            self.blocks.append(block)
            self.open_blocks.append(block)
        self.stack.append((tag, frozenset(flags), skip, opens))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.stack:
            name, _flags, _skip, opened = self.stack.pop()
            if opened:
                self.open_blocks.pop()
            if self.depth_article is not None and len(self.stack) == self.depth_article:
                if name == "article":
                    self.depth_article = None
            if name == tag:
                break

    def handle_data(self, data):
        if self.depth_article is None or self._skipping() or not self.open_blocks:
            return
        self.open_blocks[-1].chunks.append((data.replace("\n", " "), self._flags()))


def blocks_of(html: str) -> list[Block]:
    """The visible blocks of text of a page's article."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return [b for b in parser.blocks if b.chunks]


# --------------------------------------------------------------------------- context
@dataclass
class Context:
    """What the rules need beyond the page: glossary spellings, data codes, glue keys."""

    glossary: list[str] = field(default_factory=list)
    codes: set[str] = field(default_factory=set)
    glue_keys: set[str] = field(default_factory=set)


def load_context(root: Path) -> Context:
    """Glossary terms, enumeration codes that are not French words, and glue keys of ``root``."""
    ctx = Context()
    data = root / "data"
    desc = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    for res in desc["resources"]:
        if res["name"].startswith("glossaire"):
            with (data / res["path"]).open(encoding="utf-8", newline="") as f:
                ctx.glossary += [row["term"] for row in csv.DictReader(f)]
    if not FRENCH_WORDS.exists():
        raise SystemExit(f"{FRENCH_WORDS} absent : installer le paquet Debian wfrench "
                         "(.ci/system-packages.sh)")
    words = set(FRENCH_WORDS.read_text(encoding="utf-8").split())
    for seed in sorted((OWN_WORDS.parent.parent / "seeds").glob("*.txt")):
        words |= set(re.findall(r"[^\W\d_]+", seed.read_text(encoding="utf-8")))
    for res in desc["resources"]:
        for fld in res["schema"]["fields"]:
            for value in fld.get("constraints", {}).get("enum", []):
                if not isinstance(value, str) or not re.fullmatch(r"[a-z][a-z0-9_]{2,}", value):
                    continue
                if "_" in value or value not in words:  # neither French nor the sources
                    ctx.codes.add(value)
    for md in sorted((root / "chapters").rglob("*.md")):
        text = md.read_text(encoding="utf-8")
        ctx.glue_keys |= set(re.findall(r"\{glue(?::\w+)?\}`([^`]+)`", text))
        ctx.glue_keys |= set(re.findall(r"\bglue\(\s*[\"']([\w.-]+)[\"']", text))
    ctx.glue_keys = {k for k in ctx.glue_keys if re.search(r"[_.\d]", k)}
    return ctx


# --------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class Finding:
    page: str
    rule: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.page}: [{self.rule}] {self.excerpt}"


def _excerpt(text: str, start: int, end: int, width: int = 30) -> str:
    a, b = max(0, start - width), min(len(text), end + width)
    return ("…" if a else "") + text[a:b].strip() + ("…" if b < len(text) else "")


UNITS = (r"%|‰|°|mois|ans?\b|années?|jours?|j\b|h\b|heures?|min\b|minutes?|semaines?|sem\b|"
         r"mg|µg|g\b|g/|kg|ml|mL|l\b|L\b|cm|mm|Gy|UI|U\b|mmol|µmol|×|x\s?10|fois par|"
         r"janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|"
         r"décembre|\(\s*\d+(?:,\d+)?\s?%\s*\)")
BEFORE = (r"(?:grades?|stades?|scores?|phases?|ECOG|ISS|R-ISS|type|classe|niveau|cycles?|"
          r"interleukine|t\(|"
          r"tableaux?|figures?|sections?|chapitres?|parties?|annexes?|étapes?|relations?|"
          r"références?|réf\.|cas|lignes? de données|ligne|colonne|génération|version|"
          r"n\s?=|N\s?=|p\s?=|[=<>≤≥±×/:])")
SMALL_DIGIT = re.compile(r"(?<![\w,.\-–/+−])([0-9])(?![\w,.\-–/+%°×]|;\d)")
PREV_WORD = re.compile(rf"{BEFORE}\s*$", re.I)
NEXT_UNIT = re.compile(rf"^\s*(?:{UNITS})")
RANGE_NEXT = re.compile(rf"^\s*(?:[–-]|à|et|ou|,)\s*\d+(?:,\d+)?\s*(?:{UNITS})")


def rule_digits(block: Block, ctx: Context) -> list[tuple[str, str]]:
    if block.kind in {"cell", "heading", "tip"}:
        return []
    text = block.text(drop=frozenset({QUOTE, CODE, TIP}), mark={CITE: "[réf.]"})
    out = []
    for m in SMALL_DIGIT.finditer(text):
        before, after = text[:m.start()], text[m.end():]
        if PREV_WORD.search(before) or NEXT_UNIT.match(after) or RANGE_NEXT.match(after):
            continue
        if re.match(r"^\s*(?:[–-]|à)\s*\d", after) or re.search(r"\d\s*(?:[–-]|à)\s*$", before):
            continue  # a range of numbers (« 3 à 12 ») keeps its digits
        if re.match(r"^\s*(?:,|et|ou)\s*\d{2,}", after) or re.search(r"\d{2,}\s*(?:,|et|ou)\s*$",
                                                                      before):
            continue  # in a list of larger numbers
        out.append(("chiffre", _excerpt(text, m.start(), m.end())))
    return out


SENTENCE_START = re.compile(r"(?:^|(?P<word>[^\s.]*)[.!?…]\s+)[«(\s]*(\d)")
#: Abbreviations whose full stop does not end a sentence (« et al. (2019) »).
ABBREVIATIONS = {"al", "coll", "réf", "cf", "env", "vs", "fig", "vol", "éd", "etc", "n°", "p",
                 "[réf"}


def rule_sentence_digit(block: Block, ctx: Context) -> list[tuple[str, str]]:
    if block.kind not in {"prose", "caption"}:
        return []
    text = block.text(drop=frozenset({QUOTE, CODE, TIP}), mark={CITE: "[réf.]"})
    return [("debut-chiffre", _excerpt(text, m.start(2), m.end(2)))
            for m in SENTENCE_START.finditer(text)
            if (m.group("word") or "").lower() not in ABBREVIATIONS]


ELISION = re.compile(r"(?<![^\W\d_])(?:[lLdDjJmMnNsStTcC]|[Qq]u|[Jj]usqu|[Ll]orsqu|[Pp]uisqu)”")
STRAIGHT = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_]|«)")


def rule_apostrophe(block: Block, ctx: Context) -> list[tuple[str, str]]:
    text = block.text(drop=frozenset({QUOTE, CODE}), mark={CITE: "[réf.]"})
    out = [("apostrophe", _excerpt(text, m.start(), m.end())) for m in ELISION.finditer(text)]
    out += [("apostrophe", _excerpt(text, m.start(), m.end())) for m in STRAIGHT.finditer(text)]
    return out


DOUBLED = re.compile(r"\b([^\W\d_]{2,})\b[\s(]+\1\b", re.I)
DOUBLED_OK = {"nous", "vous"}


def rule_doubled(block: Block, ctx: Context) -> list[tuple[str, str]]:
    text = block.text(drop=frozenset({CODE}), mark={QUOTE: "⟨citation⟩", CITE: "[réf.]"})
    return [("mot-double", _excerpt(text, m.start(), m.end())) for m in DOUBLED.finditer(text)
            if m.group(1).lower() not in DOUBLED_OK]


def rule_parentheses(block: Block, ctx: Context) -> list[tuple[str, str]]:
    text = block.text(drop=frozenset({CODE}), mark={QUOTE: "⟨citation⟩", CITE: "[réf.]"})
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
            if depth == 1:
                start = i
            elif depth == 2:
                out.append(("parentheses", _excerpt(text, start, i + 1)))
        elif ch == ")":
            depth = max(0, depth - 1)
    return out


UNDERSCORE = re.compile(r"\b\w+_\w+\b")


def rule_identifiers(block: Block, ctx: Context) -> list[tuple[str, str]]:
    text = block.text(drop=frozenset({QUOTE}), mark={CITE: "[réf.]"})
    out = [("identifiant", _excerpt(text, m.start(), m.end())) for m in UNDERSCORE.finditer(text)]
    for code in sorted(ctx.codes):
        if "_" in code:
            continue
        for m in re.finditer(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text):
            out.append(("identifiant", _excerpt(text, m.start(), m.end())))
    return out


SPACE_RULES = [
    (re.compile(r"(?:(?<=\S) |(?<=[^\W_]))[;!?](?!\w)"), "avant ; ! ?"),
    (re.compile(r"(?:(?<=\S) |(?<=[^\W\d_]))[:](?=\s|$)"), "avant :"),
    (re.compile(r"«(?: |(?=[^\W_]))"), "après «"),
    (re.compile(r"(?: |(?<=[^\W_]))»"), "avant »"),
]


def rule_spaces(block: Block, ctx: Context) -> list[tuple[str, str]]:
    text = block.text(drop=frozenset({QUOTE, CODE}), mark={CITE: "[réf.]"})
    out = []
    for pattern, what in SPACE_RULES:
        out += [("espace", f"{what} : {_excerpt(text, m.start(), m.end())}")
                for m in pattern.finditer(text)]
    return out


def _squash(term: str) -> str:
    return re.sub(r"[\s\-‑–]", "", term).casefold()


def rule_glossary(block: Block, ctx: Context) -> list[tuple[str, str]]:
    text = block.text(drop=frozenset({QUOTE, CODE}), mark={CITE: "[réf.]"})
    out = []
    for term in ctx.glossary:
        parts = re.split(r"[\s\-‑–]+", term)
        if len(_squash(term)) < 3:
            continue
        pattern = r"[\s\-‑–]*".join(re.escape(p) for p in parts)
        for m in re.finditer(rf"(?<![\w-]){pattern}(?![\w-])", text, re.I):
            found = m.group(0)
            if found == term:
                continue
            sentence_start = re.search(r"(?:^|[.!?:]\s+|«\s*)$", text[:m.start()])
            if sentence_start and found == term[:1].upper() + term[1:]:
                continue
            if found.isupper() and term.isupper():
                continue
            out.append(("glossaire", f"« {found} » au lieu de « {term} » : "
                                     f"{_excerpt(text, m.start(), m.end())}"))
    return out


TYPOGRAPHY = [rule_digits, rule_sentence_digit, rule_apostrophe, rule_doubled,
              rule_parentheses, rule_identifiers, rule_spaces, rule_glossary]
FORBIDDEN = [".csv", "data/", "therapybook", "THERAPYBOOK", "as_printed", "make ", "extraction"]
MENTION = re.compile(r"\b(?:la|cette|sa)\s+thèse\b|\b(?:l[’']|cet\s+)article\b", re.I)
WORDS_PER_MENTION = 150


def check_register(blocks: list[Block], ctx: Context) -> list[tuple[str, str]]:
    out = []
    for block in blocks:
        text = block.text(mark={CITE: "[réf.]"})
        for bad in FORBIDDEN:
            for m in re.finditer(re.escape(bad), text):
                out.append(("registre",
                            f"« {bad.strip()} » : {_excerpt(text, m.start(), m.end())}"))
        for key in sorted(ctx.glue_keys):
            for m in re.finditer(rf"(?<![\w.]){re.escape(key)}(?![\w])", text):
                out.append(("registre", f"clé « {key} » : {_excerpt(text, m.start(), m.end())}"))
    prose = " ".join(b.text(drop=frozenset({QUOTE, CODE, TIP}), mark={CITE: " "})
                     for b in blocks)
    words = len(re.findall(r"[^\W\d_]+(?:[’'][^\W\d_]+)?|\d+(?:,\d+)?", prose))
    mentions = len(MENTION.findall(prose))
    if mentions > max(1.0, words / WORDS_PER_MENTION):
        out.append(("attribution", f"{mentions} mentions de « la thèse » / « l'article » pour "
                                   f"{words} mots (au plus {max(1, words // WORDS_PER_MENTION)})"))
    return out


def check_page(html: str, page: str, ctx: Context, checks=("typography", "register")
               ) -> list[Finding]:
    """Findings of one page."""
    blocks = blocks_of(html)
    found: list[tuple[str, str]] = []
    if "typography" in checks:
        for block in blocks:
            for rule in TYPOGRAPHY:
                found += rule(block, ctx)
    if "register" in checks:
        found += check_register(blocks, ctx)
    return [Finding(page, rule, excerpt) for rule, excerpt in found]


def check_own_words(root: Path, html_dir: Path) -> list[Finding]:
    """Shared runs of 12 words reported by the shared tool, on the sources and the built pages."""
    out = []
    for target in ([root / "chapters", root / "data"], [html_dir / "chapters"]):
        proc = subprocess.run([sys.executable, str(OWN_WORDS), *map(str, target)],
                              capture_output=True, text=True, cwd=root)
        for line in proc.stdout.splitlines():
            if ": " in line and "words as in the source" in line:
                path, _, what = line.partition(": ")
                out.append(Finding(path, "mots-des-sources", what))
        if proc.returncode not in (0, 1):
            out.append(Finding(str(OWN_WORDS), "mots-des-sources", proc.stderr.strip()[-500:]))
    return out


def pages_of(html_dir: Path) -> list[Path]:
    return sorted(p for p in html_dir.rglob("*.html")
                  if p.relative_to(html_dir).as_posix().startswith(PARTS))


def run(html_dir: Path, checks=("typography", "register", "own-words")) -> list[Finding]:
    """Every finding of the built book in ``html_dir`` (``<book>/_build/html``)."""
    root = html_dir.resolve().parents[1]
    ctx = load_context(root)
    found: list[Finding] = []
    for path in pages_of(html_dir):
        rel = path.relative_to(html_dir).as_posix()
        found += check_page(path.read_text(encoding="utf-8"), rel, ctx, checks)
    if "own-words" in checks:
        found += check_own_words(root, html_dir)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, help="dossier HTML construit (_build/html)")
    parser.add_argument("--check", action="append", choices=["typography", "register",
                                                            "own-words"],
                        help="contrôle à lancer (tous par défaut ; option répétable)")
    args = parser.parse_args(argv)
    if not (args.html / "index.html").exists():
        parser.error(f"{args.html} n'est pas un livre HTML construit (pas d'index.html)")
    found = run(args.html, tuple(args.check or ("typography", "register", "own-words")))
    pages: dict[str, list[Finding]] = {}
    for f in found:
        pages.setdefault(f.page, []).append(f)
    for page in sorted(pages):
        print(f"== {page} ({len(pages[page])})")
        for f in pages[page]:
            print(f"  [{f.rule}] {f.excerpt}")
    by_rule: dict[str, int] = {}
    for f in found:
        by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
    summary = ", ".join(f"{r} {n}" for r, n in sorted(by_rule.items())) or "aucun"
    print(f"{len(pages_of(args.html))} pages lues, {len(found)} constat(s) : {summary}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
