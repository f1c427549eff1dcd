"""Where a value, a table or a figure comes from, said as a reader says it.

The descriptor records, for each resource, its document (``these``, ``article``,
``synthetic``), its section and a locator; a row may carry its own ``source_section`` and
``locator``. This module turns them into the short French phrases of the apparatus:
« thèse, section III.1.3, tableau 2 » for a tooltip, and the caption line
« Source : thèse [1], section III.2.1. » that :func:`caption_line` adds to every published
table and figure. No file name, column or key is ever part of these phrases.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from therapybook import data

#: Documents of the book: reader's name and citation key.
DOCUMENTS = {"these": ("thèse", "these2023"), "article": ("article", "castillallorente2025")}
SYNTHETIC = "pseudo-cohorte synthétique"
USER_SUPPLIED = "données de l'étude fournies au livre"
SECTION_NUMBER = re.compile(r"\b[IVX]+(?:\.\d+)+(?:\.[A-Z](?:\.[a-z])?)?(?![\w.])")
TABLE_OR_FIGURE = re.compile(
    r"\b(tableau|figure)x?s?\s+(\d+(?:\s*[A-C](?:[–-][A-C])?)?(?:\s*(?:,|et|à)\s*\d+)*)\b", re.I)
PARENTHESIS = re.compile(r"\([^()]*\)")
NUMBER_ONLY = re.compile(r"^[IVX]+(?:\.\d+)*(?:\.[A-Z](?:\.[a-z])?)?$")


def _join(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def _unique(items):
    return list(dict.fromkeys(items))


#: Longest section title kept whole; longer ones are cut (« Quels sont les patients… »).
TITLE_WORDS = 8


def guillemets(title: str) -> str:
    """A section title as plain text: « title »."""
    return f"« {title} »"


def printed_role(title: str) -> str:
    """A section title as MyST: the source's own words, shown as a quotation."""
    return f"{{printed}}`{title}`"


def _title(text: str) -> str:
    words = text.split()
    return text if len(words) <= TITLE_WORDS else " ".join(words[:TITLE_WORDS - 1]) + "…"


def _parts(section: str | None, locator: str | None = None, quote=guillemets
           ) -> tuple[list[str], list[str]]:
    """Section labels and « tableau n » / « figure n » mentions of a provenance."""
    section = " ".join((section or "").split())
    numbers = SECTION_NUMBER.findall(section)
    things = _things(TABLE_OR_FIGURE.findall(f"{section} {locator or ''}"))
    if numbers:
        return _unique(numbers), things
    # A section title: figures and remarks in parentheses (about the text we had) are dropped.
    text = PARENTHESIS.sub("", TABLE_OR_FIGURE.sub("", section)).replace("«", "").replace("»", "")
    titles = [t.strip(" ;,") for t in text.split(" ; ")]
    titles = [t for t in titles if t]
    if titles and titles[0].lower().startswith("plusieurs sections"):
        return ["plusieurs sections"], things
    return [quote(_title(t).replace("`", "'")) for t in titles], things


def _things(found: list[tuple[str, str]]) -> list[str]:
    """« tableau 2 », « figures 5 et 6 »: mentions grouped by kind, in order of appearance."""
    by_kind: dict[str, list[str]] = {}
    for kind, nums in found:
        for num in re.split(r"\s*(?:,|\bet\b)\s*", nums):  # « 21 à 25 » stays a range
            num = re.sub(r"(\d)\s+([A-C])", r"\1\2", " ".join(num.split()))  # « 21 A » → 21A
            have = by_kind.setdefault(kind.lower(), [])
            if num not in have:
                have.append(num)
    plural = {"tableau": "tableaux", "figure": "figures"}
    return [f"{plural[k] if len(v) > 1 or ' à ' in v[0] else k} {_join(v)}"
            for k, v in by_kind.items()]


def _sections_phrase(sections: Sequence[str]) -> str:
    if not sections:
        return ""
    if sections == ["plusieurs sections"]:
        return "plusieurs sections"
    word = "sections" if len(sections) > 1 else "section"
    return f"{word} {_join(sections)}"


def place(document: str | None, section: str | None, locator: str | None = None, *,
          quote=guillemets) -> str:
    """« thèse, section III.2.1 » / « article, section « Glossaire » » / « pseudo-cohorte … ».

    ``section`` and ``locator`` are the descriptor's (or a row's) free text; only section
    numbers (thesis), section titles (article; cut after a few words, written by ``quote``)
    and table or figure numbers are kept.
    """
    phrases = []
    for doc, sec in _per_document(document, section):
        if doc == "synthetic":
            phrases.append(SYNTHETIC)
            continue
        name = DOCUMENTS.get(doc, (doc or "source", None))[0]
        sections, things = _parts(sec, locator, quote)
        phrases.append(", ".join(p for p in [name, _sections_phrase(sections), *things] if p))
    return " ; ".join(phrases)


def _per_document(document: str | None, section: str | None) -> list[tuple[str | None, str]]:
    """Split a multi-document provenance (``these;article``) into one section per document."""
    docs = [d.strip() for d in (document or "").split(";") if d.strip()] or [None]
    if len(docs) == 1:
        return [(docs[0], section or "")]
    out = []
    for part in (section or "").split(" ; "):
        for doc in docs:
            name = DOCUMENTS.get(doc, (doc, None))[0]
            if part.strip().lower().startswith(name):
                out.append((doc, part.strip()[len(name):].strip()))
                break
    return out or [(d, "") for d in docs]


def row_place(src: data.Source, *, quote=guillemets) -> str:
    """The place of one data row, for the provenance shown beside a number."""
    return place(src.document, src.section, src.locator, quote=quote)


def caption_line(sources: Sequence[str], override: str | None = None) -> str:
    """MyST text of the line that ends a caption: « Source : thèse [n], section II.4.1. ».

    Built from the descriptor provenance of ``sources`` (grouped by document, in the order
    given); ``override`` replaces the place (« thèse, section III.1.3, tableau 2 ») when the
    recorded section is too coarse. Each document is cited; a user-supplied file is named
    as such, never by its path; the download link is added by the build (HTML only).
    """
    if override is not None:
        text = override.strip().rstrip(".")
        return f"Source : {_cited(text)}.{_download(sources)}"
    by_doc: dict[str, tuple[list[str], list[str]]] = {}
    extra: list[str] = []
    for name in sources:
        if data.is_overridden(name):
            extra.append(USER_SUPPLIED)
            continue
        prov = data.resource(name).get("provenance", {})
        for doc, sec in _per_document(prov.get("document"), prov.get("section")):
            if doc == "synthetic":
                extra.append(SYNTHETIC)
                continue
            sections, things = _parts(sec, None if ";" in prov.get("document", "")
                                      else prov.get("locator"), printed_role)
            have = by_doc.setdefault(doc, ([], []))
            have[0].extend(s for s in sections if s not in have[0])
            have[1].extend(t for t in things if t not in have[1])
    phrases = []
    for doc, (sections, things) in by_doc.items():
        name = DOCUMENTS.get(doc, (doc, None))[0]
        phrases.append(", ".join(p for p in [name, _sections_phrase(sections), *things] if p))
    phrases += _unique(extra)
    label = "Sources" if len(phrases) > 1 else "Source"
    return f"{label} : {_cited(' ; '.join(phrases))}.{_download(sources)}"


def _cited(text: str) -> str:
    """Add the citation right after the name of each document it mentions."""
    for _doc, (name, key) in DOCUMENTS.items():
        text = re.sub(rf"(?<![\w«]){name}\b(?!\s*{{cite}})", f"{name} {{cite}}`{key}`", text,
                      count=1)
    return text


def _download(sources: Sequence[str]) -> str:
    """The build's download role for the published files (rendered in HTML only)."""
    names = [s for s in sources if not data.is_overridden(s)]
    return f" {{data-download}}`{','.join(names)}`" if names else ""
