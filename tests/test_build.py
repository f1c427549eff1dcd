"""End-to-end builds of scratch copies of the book: the clean build, one rebuild after many
changes (exactly the chapters whose inputs changed re-execute), loud failures, the PDF."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import conftest
from conftest import CHANGES, executed, page, pdf_text, run

INFECTIONS = "chapters/these/07-infections"
READ_CALL = re.compile(r"""\b(?:load|source)\(\s*["']([\w./-]+)["']""")


def test_clean_build_shows_french_book_with_full_toc(book):
    index = (book / "_build" / "html" / "index.html").read_text(encoding="utf-8")
    assert 'lang="fr"' in index
    for doc in ["chapters/these/01-introduction", "chapters/these/06-etude-retrospective",
                "chapters/article/05-parcours", "chapters/annexes/bibliographie"]:
        assert f"{doc}.html" in index
    html = page(book, INFECTIONS)
    assert "Tableau 7.1" in html and "Figure 7.1" in html
    assert 'alt="Diagramme en barres' in html


def test_chapter_numbers_run_on_across_the_parts(book):
    """Part II starts at chapter 10 (the thesis has nine): its tables are « Tableau 10.x »."""
    first = page(book, "chapters/article/01-contexte-methode")
    assert re.search(r"<title>10\. ", first), re.findall(r"<title>[^<]*", first)
    assert "Tableau 11.1" in page(book, "chapters/article/02-cellules-stromales")


def _reading_chapters(book: Path, resources: set[str]) -> set[str]:
    """Chapters whose code names one of ``resources`` in a load/source call (read here from
    the chapters' text, independently of the build's own bookkeeping)."""
    found = set()
    for md in (book / "chapters").rglob("*.md"):
        if resources & set(READ_CALL.findall(md.read_text(encoding="utf-8"))):
            found.add(md.relative_to(book).with_suffix("").as_posix())
    return found


def _ran(rebuilt_book, proc) -> list[str]:
    return sorted(Path(p).relative_to(rebuilt_book.book).as_posix() for p in executed(proc))


def test_one_rebuild_reexecutes_exactly_the_chapters_whose_inputs_changed(rebuilt_book):
    """Data values, a chapter cell, build-tooling modules and the generator changed, then
    one rebuild: the chapters that read the data and the changed chapter, nothing else."""
    book = rebuilt_book.book
    descriptor = conftest.descriptor(book)
    paths = {c.path for c in CHANGES.values()}
    resources = {r["name"] for r in descriptor["resources"] if f"data/{r['path']}" in paths}
    assert len(resources) == len(paths)
    expected = _reading_chapters(book, resources)
    assert {INFECTIONS, "chapters/these/04-efficacite-disponibilite",
            "chapters/these/08-effets-immunomedies", "chapters/article/05-parcours"} <= expected
    expected.add(conftest.ADDED_CELL_CHAPTER)
    assert _ran(rebuilt_book, rebuilt_book.changed) == sorted(expected)


def test_the_rebuild_used_the_edited_tooling(rebuilt_book):
    """The rebuild imported the edited copy of ``src/`` (so the edits were real inputs)."""
    for module in conftest.TOOLING_EDITS:
        assert "modifié par le test" in (rebuilt_book.src / module).read_text(encoding="utf-8")
    probe = subprocess.run(
        [conftest.sys.executable, "-c", "import bookbuild, cohortgen; "
         "print(bookbuild.__file__); print(cohortgen.__file__)"],
        capture_output=True, text=True, check=True,
        env={**conftest.os.environ, **rebuilt_book.env})
    assert all(Path(line).is_relative_to(rebuilt_book.src)
               for line in probe.stdout.split())


def test_rebuilt_pages_show_the_changed_values(rebuilt_book, book):
    after = page(rebuilt_book.book, INFECTIONS)
    assert "81\u00a0%" in after and after != page(book, INFECTIONS)
    conclusion = page(rebuilt_book.book, conftest.ADDED_CELL_CHAPTER)
    assert "cellule ajoutée par le test de reconstruction" in conclusion


def test_chapter_code_run_by_hand_reruns_only_the_chapter_whose_records_it_rewrote(
        rebuilt_book):
    """Issue 9. Chapter code run as the tests run it (its own folders) re-executes nothing;
    run with the build's records but other figures, its chapter re-executes, with why."""
    assert conftest.HAND_RUN_CHAPTER != conftest.STALE_RECORDS_CHAPTER
    assert _ran(rebuilt_book, rebuilt_book.by_hand) == [conftest.STALE_RECORDS_CHAPTER]
    out = rebuilt_book.by_hand.stdout + rebuilt_book.by_hand.stderr
    stale = [line for line in out.splitlines() if "le chapitre est réexécuté" in line]
    assert stale and all(conftest.STALE_RECORDS_CHAPTER in line for line in stale), stale
    assert "hors du dossier des figures" in stale[0]


def test_a_rebuild_with_nothing_changed_executes_nothing(rebuilt_book):
    assert executed(rebuilt_book.unchanged) == []


def test_failing_cell_fails_the_build_and_keeps_published_output(rebuilt_book):
    book = rebuilt_book.book
    chapter = book / f"{INFECTIONS}.md"
    original = chapter.read_text(encoding="utf-8")
    before = page(book, INFECTIONS)
    chapter.write_text(original + '\n```{code-cell} ipython3\nraise RuntimeError("cellule-'
                       'en-echec-42")\n```\n', encoding="utf-8")
    try:
        proc = run(book, "html", **rebuilt_book.env)
        assert proc.returncode != 0
        assert "cellule-en-echec-42" in proc.stdout + proc.stderr
        assert page(book, INFECTIONS) == before
    finally:
        chapter.write_text(original, encoding="utf-8")


def test_pdf_is_french_with_figure_and_bibliography(pdf_book):
    pdf = pdf_book / "_build" / "pdf" / "livre.pdf"
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True)
    assert len(images.stdout.strip().splitlines()) > 2, "aucune image dans le PDF"
    text = pdf_text(pdf_book)
    assert "Bibliographie" in text and "Tableau" in text and "Figure" in text
    assert "<Figure size" not in text
    tex = (pdf_book / "_build" / ".stage" / "latex" / "livre.tex").read_text(encoding="utf-8")
    assert "french" in tex
