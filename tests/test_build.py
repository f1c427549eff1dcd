"""End-to-end builds of a scratch copy of the book: clean HTML build with warnings as
errors, cache invalidation on data change, loud failures, and the French PDF."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import execute_chapter, executed, page, pdf_text, run

pytestmark = pytest.mark.build
INFECTIONS = "chapters/these/07-infections"


def test_clean_build_shows_french_book_with_full_toc(book):
    index = (book / "_build" / "html" / "index.html").read_text(encoding="utf-8")
    assert 'lang="fr"' in index
    for doc in ["chapters/these/01-introduction", "chapters/these/06-etude-retrospective",
                "chapters/article/05-parcours", "chapters/annexes/bibliographie"]:
        assert f"{doc}.html" in index
    html = page(book, INFECTIONS)
    assert "Tableau 7.1" in html and "Figure 7.1" in html
    assert 'alt="Diagramme en barres' in html


def test_no_change_rebuild_executes_nothing(book):
    proc = run(book, "html")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert executed(proc) == []


def test_data_change_reexecutes_exactly_the_reading_chapter(book):
    csv = book / "data" / "these" / "infections_essais.csv"
    original = csv.read_text(encoding="utf-8")
    csv.write_text(original.replace("MajesTEC-1,teclistamab,bispecific,infection_any,80,",
                                    "MajesTEC-1,teclistamab,bispecific,infection_any,81,"),
                   encoding="utf-8")
    try:
        proc = run(book, "html")
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert [Path(p).name for p in executed(proc)] == ["07-infections"]
        assert "81\u00a0%" in page(book, INFECTIONS)
    finally:
        csv.write_text(original, encoding="utf-8")
        assert run(book, "html").returncode == 0


def test_failing_cell_fails_the_build_and_keeps_published_output(book):
    chapter = book / f"{INFECTIONS}.md"
    original = chapter.read_text(encoding="utf-8")
    before = page(book, INFECTIONS)
    chapter.write_text(original + '\n```{code-cell} ipython3\nraise RuntimeError("cellule-'
                       'en-echec-42")\n```\n', encoding="utf-8")
    try:
        proc = run(book, "html")
        assert proc.returncode != 0
        assert "cellule-en-echec-42" in proc.stdout + proc.stderr
        assert page(book, INFECTIONS) == before
    finally:
        chapter.write_text(original, encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (",infection_any,80,", ",infection_any,quatre-vingts,", "type number"),
        (",infection_any,80,", ",infection_any,180,", "maximum 100"),
        ("trial,agent,", "essai,agent,", "colonne requise"),
    ],
)
def test_broken_data_fails_validate_and_build(book, old, new, expected):
    csv = book / "data" / "these" / "infections_essais.csv"
    original = csv.read_text(encoding="utf-8")
    csv.write_text(original.replace(old, new, 1), encoding="utf-8")
    try:
        for command in ("validate", "html"):
            proc = run(book, command)
            out = proc.stdout + proc.stderr
            assert proc.returncode != 0, command
            assert "infections_essais.csv" in out and expected in out, out[-3000:]
            assert "ligne" in out
    finally:
        csv.write_text(original, encoding="utf-8")


def test_pdf_is_french_with_figure_and_bibliography(pdf_book):
    pdf = pdf_book / "_build" / "pdf" / "livre.pdf"
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True)
    assert len(images.stdout.strip().splitlines()) > 2, "aucune image dans le PDF"
    text = pdf_text(pdf_book)
    assert "Bibliographie" in text and "Tableau" in text and "Figure" in text
    assert "<Figure size" not in text
    tex = (pdf_book / "_build" / ".stage" / "latex" / "livre.tex").read_text(encoding="utf-8")
    assert "french" in tex


def test_readme_sequence_build_run_chapter_code_build_executes_nothing(book, tmp_path):
    """``make html``, then a test runs a chapter's code, then ``make html``: nothing to do."""
    execute_chapter(book / f"{INFECTIONS}.md", tmp_path, THERAPYBOOK_ROOT=str(book))
    proc = run(book, "html")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert executed(proc) == []


def test_records_rewritten_outside_the_build_rerun_their_chapter(book, tmp_path):
    """Chapter code run by hand with the build's records but other figures (the bug of
    issue 9): the next build re-executes that chapter, says why, and succeeds."""
    execute_chapter(book / f"{INFECTIONS}.md", tmp_path, THERAPYBOOK_ROOT=str(book),
                    THERAPYBOOK_PROVENANCE_DIR=str(book / "_build" / "provenance"))
    proc = run(book, "html")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert [Path(p).name for p in executed(proc)] == ["07-infections"]
    assert "hors du dossier des figures" in out and "le chapitre est réexécuté" in out
    again = run(book, "html")
    assert again.returncode == 0 and executed(again) == []
