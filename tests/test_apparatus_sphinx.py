"""The apparatus extensions on a small Sphinx project (seconds, not a book build).

Each test writes one reStructuredText page using the roles and directives that the runtime
library emits (glued-number links, row anchors, verification notes, quotations) and builds
it with the book's extensions, in HTML and, where it matters, LaTeX.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp

from therapybook import data
from therapybook.render import anchors

EXTENSIONS = ["bookbuild.sphinx.sourced_numbers", "bookbuild.sphinx.row_anchors",
              "bookbuild.sphinx.data_pages", "bookbuild.sphinx.verification_notes",
              "bookbuild.sphinx.typography"]


def build(tmp: Path, pages: dict[str, str], builder: str = "html") -> tuple[dict[str, str], str]:
    """Build ``pages`` (docname → rST); return the written pages and the warnings."""
    src = tmp / "src"
    src.mkdir(exist_ok=True)
    (src / "conf.py").write_text(
        f"extensions = {EXTENSIONS!r}\nlanguage = 'fr'\nhtml_theme = 'basic'\n"
        "latex_documents = [('index', 'livre.tex', 'Essai', 'Nous', 'manual')]\n",
        encoding="utf-8")
    toc = "\n".join(f"   {d}" for d in pages if d != "index")
    index = pages.get("index", "Essai\n=====\n")
    (src / "index.rst").write_text(f"{index}\n\n.. toctree::\n\n{toc}\n" if toc else index,
                                   encoding="utf-8")
    for doc, text in pages.items():
        if doc != "index":
            path = src / f"{doc}.rst"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    out = tmp / builder
    warnings = io.StringIO()
    app = SphinxTestApp(builder, srcdir=src, builddir=tmp, freshenv=True, warning=warnings)
    try:
        app.build()
    finally:
        app.cleanup()
    suffix = ".tex" if builder == "latex" else ".html"
    written = {p.relative_to(out).with_suffix("").as_posix(): p.read_text(encoding="utf-8")
               for p in out.rglob(f"*{suffix}")}
    return written, warnings.getvalue()


SRC = data.source("infections_essais", trial="MajesTEC-1", measure="infection_any")
NUMBER = f"`80 % <#sourced:infections_essais:{SRC.line}>`_"


def test_number_links_to_its_row_with_a_tooltip(tmp_path):
    pages, warnings = build(tmp_path, {"chap": f"Chap\n====\n\nAvec {NUMBER} des patients et "
                                               f"encore {NUMBER}.\n"})
    assert warnings == ""
    page = pages["chap"]
    row = anchors.row_id("infections_essais", SRC.line)
    assert (f'<a class="sourced-number" href="chapters/annexes/donnees/infections_essais.html'
            f'#{row}" aria-describedby="src-infections-essais-{SRC.line}">80 %</a>') in page
    tip = re.search(rf'<span class="sourced-tip" role="tooltip" id="src-infections-essais-'
                    rf'{SRC.line}">(.*?)</span></span>', page).group(1)
    assert '<span class="sourced-where">Thèse, section III.2.1</span>' in tip
    assert f'<q class="printed sourced-printed">{SRC.printed}</q>' in tip
    assert '<span class="sourced-what">Données\u00a0: Infections' in tip  # French spacing
    assert "d’anticorps" in tip  # typographic apostrophe in the resource's title
    # the same number twice on a page: ids stay unique and derive from the target
    assert f'aria-describedby="src-infections-essais-{SRC.line}-2"' in page
    data_page = pages["chapters/annexes/donnees/infections_essais"]
    assert f'<tr id="{row}"><th scope="row">{SRC.line}</th>' in data_page


def test_number_stays_plain_text_in_latex(tmp_path):
    pages, warnings = build(tmp_path, {"index": f"Essai\n=====\n\nAvec {NUMBER} des patients.\n"},
                            builder="latex")
    assert warnings == ""
    assert "Avec 80 \\% des patients." in pages["livre"]
    assert "sourced" not in pages["livre"]


def test_number_pointing_nowhere_is_a_warning(tmp_path):
    _pages, warnings = build(tmp_path, {"chap": "Chap\n====\n\nVoir "
                                                "`12 <#sourced:infections_essais:999>`_.\n"})
    assert "ligne introuvable (infections_essais:999)" in warnings


def test_long_printed_fragment_is_cut_at_25_words():
    from bookbuild.sphinx.sourced_numbers import quotation
    words = " ".join(f"mot{i}" for i in range(40))
    assert quotation(words).split(" ") == [f"mot{i}" for i in range(24)] + ["…"]
    assert quotation("deux mots") == "deux mots"


TABLE = """
.. list-table:: Comparaison.
   :header-rows: 1

   * - Nombre
     - Valeur
   * - :row-anchor:`calcul-km-pfs-median`\\ SSP médiane
     - 4,37 mois
"""


def test_computed_number_links_to_the_anchored_row(tmp_path):
    pages, warnings = build(tmp_path, {
        "chap": "Chap\n====\n\nMédiane : `4,37 mois <#sourced:calcul:km.pfs.median>`_.\n",
        "annexe": f"Annexe\n======\n{TABLE}"})
    assert warnings == ""
    assert '<tr class="row-even" id="calcul-km-pfs-median">' in pages["annexe"]
    assert 'href="annexe.html#calcul-km-pfs-median"' in pages["chap"]
    assert "Calcul\u00a0: SSP médiane." in pages["chap"]


def test_computation_without_anchor_is_a_warning(tmp_path):
    _pages, warnings = build(tmp_path, {
        "chap": "Chap\n====\n\nMédiane : `4,37 mois <#sourced:calcul:km.os.median>`_.\n"})
    assert "calcul-km-os-median absente" in warnings


def test_count_over_a_table_links_to_the_table(tmp_path):
    pages, warnings = build(tmp_path, {
        "chap": "Chap\n====\n\nSur `31 <#sourced:calcul:table:controle>`_ nombres.\n\n"
                ".. _tbl-controle:\n\n.. table:: Contrôle des nombres\n\n"
                "   = =\n   a b\n   = =\n   1 2\n   = =\n",
        "autre": "Autre\n=====\n\nVoir `7 <#sourced:calcul:table:absent>`_.\n"})
    assert 'href="#tbl-controle"' in pages["chap"]
    assert re.search(r"décompte sur le tableau «\s?Contrôle des nombres\s?»", pages["chap"])
    assert "tbl-absent" in warnings and "absent du livre" in warnings


def test_an_anchor_defined_twice_is_a_warning(tmp_path):
    _pages, warnings = build(tmp_path, {"a": f"A\n=\n{TABLE}", "b": f"B\n=\n{TABLE}"})
    assert "ancre « calcul-km-pfs-median » définie dans a et dans b" in warnings


NOTE = """
.. verification-note:: T1
   :title: Note de vérification : essai

   Corps de la note, :printed:`texte imprimé`.
"""


def test_verification_note_anchor_and_places(tmp_path):
    pages, warnings = build(tmp_path, {
        "chap": f"Chapitre un\n===========\n{NOTE}\n{NOTE}",
        "annexe": "Annexe\n======\n\nT1 : :verification-note-places:`T1`.\n\n"
                  "T2 : :verification-note-places:`T2`.\n"})
    assert warnings == ""
    chap = pages["chap"]
    assert 'class="admonition verification-note" id="verif-t1"' in chap
    assert 'id="verif-t1-2"' in chap  # shown twice on one page
    assert '<q class="printed">texte imprimé</q>' in chap
    annexe = pages["annexe"]
    assert 'href="chap.html#verif-t1">«\u00a0Chapitre un\u00a0»</a>, <a' in annexe
    assert 'href="chap.html#verif-t1-2"' in annexe
    assert "T2\u00a0: aucun chapitre ne la montre encore." in annexe


def test_apostrophe_before_markup_and_french_spaces(tmp_path):
    text = ("Gloss\n=====\n\nSelon l':term:`ISCT` et l'« ACSH » : oui ; non !\nEt encore\n: "
            "ici.\n\n"
            ".. glossary::\n\n   ISCT\n      International Society.\n")
    pages, warnings = build(tmp_path, {"chap": text})
    assert warnings == ""
    page = pages["chap"]
    assert "l”" not in page
    assert "Selon l’<a" in page
    assert "l’«\u00a0ACSH\u00a0»\u00a0: oui\u202f; non\u202f!" in page
    assert "Et encore\u00a0: ici." in page  # a line break before the colon


def test_data_download_links_only_in_html(tmp_path):
    text = "Chap\n====\n\nLégende. :data-download:`infections_essais,glossaire`\n"
    pages, _ = build(tmp_path, {"chap": text})
    # several files: each link is named by its data, never by a bare number
    assert ('<a class="data-download-link reference external" '
            'href="donnees/these/infections_essais.csv">Infections et hypogammaglobulinémie '
            'dans les essais') in pages["chap"]
    assert 'infections_essais.csv">1</a>' not in pages["chap"]
    assert (tmp_path / "html" / "donnees" / "these" / "infections_essais.csv").is_file()
    latex, _ = build(tmp_path, {"index": "Essai\n=====\n\n" + text.split("\n\n", 1)[1]},
                     builder="latex")
    assert "Légende." in latex["livre"] and "CSV" not in latex["livre"]


@pytest.mark.parametrize("resource", ["retrospective_cohort"])
def test_user_supplied_file_gets_no_page_and_no_link(tmp_path, monkeypatch, resource):
    cohort = data.resource_path(resource)
    monkeypatch.setenv("THERAPYBOOK_COHORT", str(cohort))
    pages, _ = build(tmp_path, {"chap": f"Chap\n====\n\nL. :data-download:`{resource}`\n"})
    assert anchors.row_page(resource) not in pages
    assert "data-download" not in pages["chap"]
    assert not (tmp_path / "html" / "donnees" / "retrospective" / "cohort.csv").exists()


def test_a_passage_in_english_keeps_english_typography(tmp_path):
    text = ("Chap\n====\n\n.. other-language:: en\n\n   Summary: it is \"done\"; isn't it?\n\n"
            "Résumé : c'est \"fait\" ; n'est-ce pas ?\n")
    pages, warnings = build(tmp_path, {"chap": text})
    assert warnings == ""
    page = pages["chap"]
    assert ('<div lang="en" class="other-language"><p lang="en">Summary: it is '
            '“done”; isn’t it?</p>' in page)
    assert "Résumé\u00a0: c’est «\u00a0fait\u00a0»\u202f; n’est-ce pas\u202f?" in page
