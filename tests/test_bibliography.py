"""Bibliography lint: parses, unique keys, required fields, DOIs, every key cited and defined,
the article numbers of part II's references; then, on the built book, the Vancouver numbering
(order of first citation) and French author lists in the HTML and the PDF."""

from __future__ import annotations

import csv
import html as htmllib
import re

import bibtexparser
import pytest
import yaml

from conftest import ROOT, page, pdf_text

#: The article of part II, as text (its numbered reference list is the check's reference).
ARTICLE = ROOT.parent / "shared" / "seeds" / "004_bf2108d60f11aadb.txt"
ARTICLE_REFS = 71

REQUIRED = {
    "article": {"author", "title", "journal", "year"},
    "book": {"title", "publisher", "year"},
    "incollection": {"author", "title", "booktitle", "year"},
    "inproceedings": {"author", "title", "booktitle", "year"},
    "phdthesis": {"author", "title", "school", "year"},
    "techreport": {"title", "institution", "year"},
    "misc": {"title", "year"},
    "online": {"title", "year"},
}
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


@pytest.fixture(scope="module")
def library():
    return bibtexparser.parse_file(str(ROOT / "references.bib"))


def cited_keys() -> set[str]:
    keys: set[str] = set()
    for path in [ROOT / "index.md", *sorted((ROOT / "chapters").rglob("*.md"))]:
        for group in CITE.findall(path.read_text(encoding="utf-8")):
            keys.update(k.strip() for k in group.split(","))
    for path in sorted((ROOT / "data").rglob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                for col, value in row.items():
                    if col and col.startswith("citation") and value:
                        keys.update(k.strip() for k in re.split(r"[,;]", value) if k.strip())
    return keys


def test_parses_without_failed_blocks(library):
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]


def test_keys_unique(library):
    keys = [e.key for e in library.entries]
    assert len(keys) == len(set(keys))


def unverified(entry) -> set[str]:
    """Fields a record declares left out because they could not be checked against the
    public record (``unverified = {title}``): missing fields stay missing, never guessed."""
    field = entry.fields_dict.get("unverified")
    return {f.strip().lower() for f in field.value.split(",")} if field else set()


def test_required_fields(library):
    problems = []
    for e in library.entries:
        need = REQUIRED.get(e.entry_type.lower(), {"title", "year"})
        missing = need - {f.lower() for f in e.fields_dict} - unverified(e)
        if missing:
            problems.append(f"{e.key}: {sorted(missing)}")
    assert not problems


def test_unverified_fields_are_really_missing(library):
    """A field declared unverified is absent (no placeholder text stands in for it)."""
    bad = [(e.key, f) for e in library.entries for f in unverified(e)
           if f in {k.lower() for k in e.fields_dict}]
    assert bad == []
    placeholders = [e.key for e in library.entries
                    if any("non relevé" in str(v.value) for v in e.fields_dict.values()
                           if v.key.lower() != "note")]
    assert placeholders == []


def test_dois_well_formed(library):
    bad = [(e.key, e.fields_dict["doi"].value) for e in library.entries
           if "doi" in e.fields_dict and not DOI.match(e.fields_dict["doi"].value)]
    assert not bad


def test_every_citation_defined(library):
    defined = {e.key for e in library.entries}
    assert not cited_keys() - defined


def test_every_entry_cited(library):
    defined = {e.key for e in library.entries}
    assert not defined - cited_keys()


def article_list() -> dict[int, str]:
    """The article's reference list: number -> printed reference (one line, no escapes)."""
    assert ARTICLE.exists(), f"texte de l'article absent : {ARTICLE}"
    text = ARTICLE.read_text(encoding="utf-8").split("## Références", 1)[1]
    parts = re.split(r"^- \[(\d+)\] ", text, flags=re.M)
    return {int(n): " ".join(body.replace("\\", "").split())
            for n, body in zip(parts[1::2], parts[2::2], strict=True)}


def article_numbers(library) -> list[tuple[str, int]]:
    """(key, article number) of the entries that carry one, in the order of the file."""
    out = []
    for e in library.entries:
        if "articleref" in e.fields_dict:
            value = e.fields_dict["articleref"].value
            assert value.isdigit(), f"{e.key}: articleref = {value!r} n'est pas un entier"
            out.append((e.key, int(value)))
    return out


def test_article_numbers_are_1_to_71_once_each_in_list_order(library):
    numbers = [n for _key, n in article_numbers(library)]
    assert sorted(numbers) == list(range(1, ARTICLE_REFS + 1)), numbers
    assert numbers == sorted(numbers), "les références de l'article ne suivent pas sa liste"
    assert len(article_list()) == ARTICLE_REFS


def _family(person: str) -> str:
    """« Castilla-Llorente » of « Castilla-Llorente, Christina »; « de la Cámara » kept whole."""
    from pybtex.database import Person

    p = Person(person)
    return " ".join(p.prelast_names + p.last_names)


def test_article_numbers_match_the_article_list(library):
    """Entry N has the first author, the year and the DOI of reference [N] of the article."""
    printed = article_list()
    wrong = []
    for e in library.entries:
        if "articleref" not in e.fields_dict:
            continue
        n = int(e.fields_dict["articleref"].value)
        ref = printed[n]
        author = e.fields_dict["author"].value.split(" and ")[0]
        family = _family(author)
        year = e.fields_dict["year"].value
        doi = e.fields_dict["doi"].value if "doi" in e.fields_dict else None
        if not ref.startswith(family + " ") or year not in ref or (doi and doi not in ref):
            wrong.append(f"{e.key} (réf. {n}) : « {ref[:90]}… »")
    assert not wrong, "\n".join(wrong)


# ---- On the built book -------------------------------------------------------------------

#: Author lists as Vancouver writes them in French (« et » between the last two, the first
#: six then « et al. »), keyed by a fragment unique to the reference.
AUTHOR_LISTS = {
    "(réf. 19 de l’article)": "Deng D, Zhang P, Guo Y et Lim TO.",
    "(réf. 8 de l’article)": "Tipton R et Yakoub-Agha I.",
    "(réf. 49 de l’article)": "Neelapu SS.",
    "(réf. 1 de l’article)": "Snowden JA, Pearce RM, Lee J, Kirkland K, Gilleece M, Veys P, et al.",
    "10.1056/NEJMoa2203478": "Moreau P, Garfall AL, van de Donk NWCJ, Nahi H, San-Miguel JF, "
                             "Oriol A, et al.",
}
BIBLIOGRAPHY = "chapters/annexes/bibliographie"
HTML_ENTRY = re.compile(
    r'<div class="citation" id="[^"]+" role="listitem">\s*<span class="label">'
    r'<span class="fn-bracket">\[</span>(\d+)<span class="fn-bracket">\]</span></span>\s*'
    r"<p>(.*?)</p>", re.S)


def reading_order() -> list[str]:
    """Pages in the reading order of the table of contents."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]


def _text(fragment: str) -> str:
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def html_bibliography(book) -> list[tuple[int, str]]:
    return [(int(n), _text(body)) for n, body in HTML_ENTRY.findall(page(book, BIBLIOGRAPHY))]


def first_citations(book) -> list[int]:
    """Bibliography numbers in the order the book first cites them (pages in reading order)."""
    seen: list[int] = []
    for doc in reading_order():
        body = page(book, doc).split('<article class="bd-article">', 1)[-1]
        for span in re.findall(r'<span class="bibtex-citation"[^>]*>(.*?)</span>', body, re.S):
            seen += [n for n in map(int, re.findall(r">(\d+)</a>", span)) if n not in seen]
    return seen


def check_author_lists(entries: list[str], where: str) -> None:
    for fragment, authors in AUTHOR_LISTS.items():
        found = [e for e in entries if fragment in e]
        assert len(found) == 1, f"{where} : {len(found)} référence(s) contenant « {fragment} »"
        assert found[0].startswith(authors), f"{where} : « {found[0][:120]} »"
    english = [e[:80] for e in entries if re.search(r"\band\b|\bothers\b", e.split(". ")[0])]
    assert not english, f"{where} : listes d'auteurs en anglais : {english}"
    for e in entries:
        if " et al." in e:
            names = e.split(" et al.")[0].rstrip(",").split(", ")
            assert len(names) <= 6, f"{where} : plus de six auteurs avant « et al. » : {e[:150]}"


@pytest.mark.build
def test_html_bibliography_numbered_in_order_of_first_citation(book, library):
    entries = html_bibliography(book)
    assert [n for n, _ in entries] == list(range(1, len(entries) + 1))
    assert len(entries) == len(library.entries)  # every entry cited (lint above), listed once
    assert first_citations(book) == list(range(1, len(entries) + 1))


@pytest.mark.build
def test_html_bibliography_french_vancouver_with_article_numbers(book, library):
    entries = [text for _n, text in html_bibliography(book)]
    check_author_lists(entries, "HTML")
    for key, n in article_numbers(library):
        found = [e for e in entries if f"(réf. {n} de l’article)" in e]
        assert len(found) == 1, f"{key} : réf. {n} de l'article trouvée {len(found)} fois"
        author = library.entries_dict[key].fields_dict["author"].value.split(" and ")[0]
        assert found[0].startswith(_family(author) + " "), (key, found[0][:80])


def pdf_bibliography(book) -> list[tuple[int, str]]:
    """(label, text) of the PDF's bibliography, whitespace collapsed."""
    text = pdf_text(book)
    tail = re.split(r"^\f?Index$", text[text.rindex("\n[1] "):], flags=re.M)[0]
    title = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["title"]
    running = {"", "Bibliographie", title}  # page headers and footers between entries
    tail = "\n".join(line for line in tail.splitlines()
                     if line.strip() not in running and not line.strip().isdigit())
    parts = re.split(r"^\[(\d+)\]\s", tail, flags=re.M)
    return [(int(n), " ".join(body.split())) for n, body in zip(parts[1::2], parts[2::2],
                                                                 strict=True)]


@pytest.mark.build
def test_pdf_bibliography_numbered_like_the_html_in_french(pdf_book, library):
    html_entries = html_bibliography(pdf_book)
    entries = pdf_bibliography(pdf_book)
    assert [n for n, _ in entries] == list(range(1, len(html_entries) + 1))
    squeeze = lambda s: re.sub(r"[\s\u00a0\u202f-]", "", s)  # noqa: E731 (line breaks, hyphens)
    for (n, pdf), (_, html) in zip(entries, html_entries, strict=True):
        assert squeeze(html.split(". ")[0]) in squeeze(pdf), f"[{n}] HTML « {html[:80]} »"
    check_author_lists([e for _n, e in entries], "PDF")
    text = pdf_text(pdf_book)
    body = text[:text.rindex("\n[1] ")]  # the chapters, before the bibliography
    seen: list[int] = []
    for group in re.findall(r"\[(\d+(?:,\s*\d+)*)\]", body):
        seen += [n for n in map(int, re.split(r",\s*", group)) if n not in seen]
    assert seen == list(range(1, len(entries) + 1)), "PDF : appels hors de l'ordre de citation"


def test_formatting_the_bibliography_scans_no_entry_points(monkeypatch):
    """Formatting every entry never makes pybtex scan the installed packages' entry points
    (a name rendered with ``render_as("text")`` did, 1 000 times a build: 40 s of CPU)."""
    import pybtex.plugin
    from pybtex.database import parse_file

    from bookbuild.sphinx import bibliography, bibtex_plugins

    bibtex_plugins.register_installed_plugins()
    pybtex.plugin.register_plugin("pybtex.style.formatting", bibliography.STYLE,
                                  bibliography.VancouverStyle)
    data = parse_file(str(ROOT / "references.bib"))
    scans = []
    scan = pybtex.plugin.entry_points
    monkeypatch.setattr(pybtex.plugin, "entry_points",
                        lambda **kw: scans.append(kw) or scan(**kw))
    style = bibliography.VancouverStyle()
    texts = [style.format_entry(str(n), e).text.render_as("html")
             for n, e in enumerate(data.entries.values(), 1)]
    assert len(texts) == len(data.entries)
    assert scans == []
