"""The reader apparatus in the built book: data pages, glued numbers, captions, notes, errata."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from therapybook.render import anchors

from conftest import descriptor, page

pytestmark = pytest.mark.build
CHAPTERS = ("chapters/these/", "chapters/article/")
IDS = re.compile(r'\bid="([^"]+)"')


def _html(book: Path) -> Path:
    return book / "_build" / "html"


def _pages(book: Path, prefixes=CHAPTERS) -> dict[str, str]:
    root = _html(book)
    return {p.relative_to(root).with_suffix("").as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*.html"))
            if p.relative_to(root).as_posix().startswith(prefixes)}


def _target(root: Path, doc: str, href: str) -> tuple[Path, str]:
    """The file and anchor a link of page ``doc`` points to (``#x`` alone: the page itself)."""
    parts = urlsplit(href)
    if not parts.path:
        return (root / f"{doc}.html").resolve(), unquote(parts.fragment)
    path = (root / doc).parent / unquote(parts.path)
    return path.resolve(), unquote(parts.fragment)


def _visible(fragment: str) -> str:
    fragment = re.sub(r'<a class="headerlink".*?</a>|<span class="caption-number">.*?</span>', "",
                      fragment, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def test_every_published_resource_has_a_page_with_anchored_rows(book):
    root = _html(book)
    for res in descriptor(book)["resources"]:
        csv = book / "data" / res["path"]
        lines = len([x for x in csv.read_text(encoding="utf-8").splitlines() if x])
        text = (root / f"{anchors.row_page(res['name'])}.html").read_text(encoding="utf-8")
        ids = set(IDS.findall(text))
        for line in range(2, lines + 1):
            assert anchors.row_id(res["name"], line) in ids, (res["name"], line)
        assert (root / "donnees" / res["path"]).read_bytes() == csv.read_bytes()
        link = re.search(r'<a class="download" href="([^"]+)"', text).group(1)
        assert _target(root, anchors.row_page(res["name"]), link)[0] == (
            root / "donnees" / res["path"]).resolve()


def test_every_glued_number_links_to_an_existing_anchor_and_has_a_tooltip(book):
    root = _html(book)
    found = 0
    for doc, text in _pages(book, ("chapters/",)).items():
        for m in re.finditer(r'<a class="sourced-number" href="([^"]+)" '
                             r'aria-describedby="([^"]+)">', text):
            found += 1
            path, fragment = _target(root, doc, html.unescape(m.group(1)))
            assert path.is_file(), (doc, m.group(1))
            assert fragment in IDS.findall(path.read_text(encoding="utf-8")), (doc, m.group(1))
            assert f'role="tooltip" id="{m.group(2)}"' in text, (doc, m.group(2))
        ids = IDS.findall(text)
        assert len(ids) == len(set(ids)), f"identifiants répétés dans {doc}"
    assert found, "aucun nombre collé avec sa provenance"


def test_every_caption_ends_with_a_source_line_and_a_download_link(book):
    root = _html(book)
    seen = 0
    for doc, text in _pages(book).items():
        captions = re.findall(r"<figcaption>(.*?)</figcaption>", text, re.S)
        captions += re.findall(r"<caption>(.*?)</caption>", text, re.S)
        for cap in captions:
            seen += 1
            shown = _visible(cap)
            # several files: each link named by its data (« Données (CSV) : A ; B. »)
            assert re.search(r"Sources? : .+\. (Télécharger les données \(CSV\)|Données \(CSV\) "
                             r": [^;\d][^;]*( ; [^;]+)+)\.$", shown), (doc, shown)
            for bad in (".csv", "data/", "_"):
                assert bad not in shown, (doc, shown)
            for href in re.findall(r'class="data-download-link[^"]*" href="([^"]+)"', cap):
                assert _target(root, doc, href)[0].is_file(), (doc, href)
    assert seen > 20


def test_notes_appendix_lists_every_note_and_links_to_its_places(book):
    appendix = page(book, "chapters/annexes/verifications")
    for note_id in ["T1", "T2", "T3", "T4", "T5", "T6", "A1", "A2", "A3", "A4"]:
        assert f'id="note-{note_id.lower()}"' in appendix
    assert 'href="glossaire.html#verif-a1"' in appendix
    glossary = page(book, "chapters/annexes/glossaire")
    assert 'class="admonition verification-note" id="verif-a1"' in glossary


def test_errata_cover_both_documents(book):
    errata = page(book, "chapters/annexes/errata")
    for printed in ["(Figure 22-A et 22-B)", "(Figure 22-C)", "(figure 23)", "(figure 26)",
                    "carpométacarpienne (MCP)"]:
        assert re.search(rf"<q class=\"printed\">[^<]*{re.escape(printed)}", errata), printed
    for i in range(1, 5):
        assert f'href="verifications.html#note-a{i}"' in errata
    assert 'id="tbl-errata-constats"' in errata  # the audit of the retrospective study


def test_no_word_of_the_machinery_anywhere_on_a_chapter_page(book):
    """The whole page a reader sees (header, sidebars and footer too, not only the chapter's
    text that the reader checks read): no file name, package, column or command."""
    from readercheck import FORBIDDEN

    found = []
    for doc, text in _pages(book).items():
        text = re.sub(r"<script.*?</script>|<style.*?</style>", "", text, flags=re.S)
        visible = html.unescape(re.sub(r"<[^>]+>", " ", text))
        found += [f"{doc}: {bad}" for bad in FORBIDDEN if bad in visible]
    assert found == []
