"""Part II, chapters context / MSC / CAR-T and the glossary: package helpers, provenance of
the published tables and figures, and the glossary page rendered from its CSV."""

from __future__ import annotations

import csv
import html
import re

import pandas as pd
import pytest

from therapybook.render import fmt, glossary, reported

from conftest import manifest, page

# --------------------------------------------------------------------------- unit tests


def test_glossary_markdown_is_a_myst_glossary_block():
    df = pd.DataFrame({"term": ["CRS", "CAR-T cells"],
                       "definition": ["Syndrome de relargage des cytokines", "Lymphocytes  T"]})
    text = glossary.markdown(df)
    assert text.startswith("```{glossary}\n") and text.endswith("```\n")
    assert "CRS\n  Syndrome de relargage des cytokines\n\nCAR-T cells\n  Lymphocytes T\n" in text


def test_glossary_refuses_an_empty_definition():
    with pytest.raises(ValueError, match="incomplète"):
        glossary.markdown(pd.DataFrame({"term": ["CRS"], "definition": [" "]}))


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        ((2007, "année"), {}, "2007"),
        ((14, "rang"), {}, "14e"),
        ((3, "mois"), {"qualifier": "less_than"}, f"moins de 3{fmt.NBSP}mois"),
        ((8, "mois"), {"qualifier": "more_than"}, f"plus de 8{fmt.NBSP}mois"),
        ((2000, "essais"), {"approximate": True}, f"environ 2000{fmt.NBSP}essais"),
        ((10, "%"), {}, fmt.percent(10)),
    ],
)
def test_quantity_keeps_the_source_qualification(args, kwargs, expected):
    assert reported.quantity(*args, **kwargs) == expected


def test_span_shares_the_unit():
    assert reported.span(f"8{fmt.NBSP}%", f"10{fmt.NBSP}%") == f"8 à 10{fmt.NBSP}%"
    assert reported.span("2007", "2009") == "2007 à 2009"


def test_count_bars_are_drawn_by_seaborn_in_data_order_and_hatch_approximate_counts():
    frame = pd.DataFrame({"label": ["a", "b"], "n": [88, 350], "approx": [False, True]})
    fig = reported.count_bars(frame, label="label", count="n", approximate="approx",
                              color="#009E73")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]  # first row on top
    assert [p.get_hatch() for p in ax.patches] == [None, "///"]
    assert [t.get_text() for t in ax.texts] == ["88", f"≈{fmt.NBSP}350"]
    import matplotlib.pyplot as plt

    assert plt.rcParams["font.family"] == ["DejaVu Sans"]  # the book's font under seaborn
    plt.close(fig)


def test_english_summary_writes_small_numbers_in_words():
    from therapybook.article import context

    assert context.less_than_months_en("bilan_delai_mois") == "less than three months"
    with pytest.raises(ValueError, match="moins de"):
        context.less_than_months_en("mai_prevalence")


def test_keywords_are_quoted_as_printed_french_then_english():
    from therapybook import data
    from therapybook.article import context

    text = context.keywords(data.load("article_mots_cles")).data
    assert text.startswith("{printed}`Maladies auto-immunes systémiques`, "
                           "{printed}`cellules stromales mésenchymateuses` et ")
    assert "; en anglais : {printed}`Systemic autoimmune rheumatological diseases`" in text


def test_mediators_keep_the_articles_classes_and_expand_only_what_it_expands():
    from therapybook import data
    from therapybook.article import msc

    table = msc.mediators_table(data.load("csm_mecanismes")).set_index("Médiateur")
    assert table.at["IL-6", "Classement dans l'article"] == "antagoniste des cytokines"
    assert "Facteur inhibiteur de la leucémie (LIF)" in table.index
    assert "Thrombospondine" in table.index
    assert not any("non développé" in m for m in table.index)


def test_counts_in_words_below_ten_and_spans_share_their_noun():
    assert reported.quantity(3, "études") == "trois\u00a0études"
    assert reported.quantity(1, "injections", value_max=2) == "une à deux\u00a0injections"
    assert reported.quantity(12, "études") == "12\u00a0études"
    assert reported.quantity(3, "mois") == "3\u00a0mois"  # a measure keeps its digits


# --------------------------------------------------------------------------- built book

EXPECTED = {
    # chapter: {kind-name: expected input resources}
    "chapters/article/01-contexte-methode": {
        "table-contexte-questions": {"contexte_questions"},
        "table-contexte-reseau": {"contexte_reseau", "glossaire"},
    },
    "chapters/article/02-cellules-stromales": {
        "table-csm-sources": {"csm_sources"},
        "table-csm-criteres-isct": {"csm_criteres_isct", "libelles_article"},
        "table-csm-mecanismes": {"csm_mecanismes", "libelles_article"},
        "table-csm-experience": {"csm_experience"},
        "figure-csm-experience": {"csm_experience"},
        "table-csm-essais-france": {"csm_essais_france"},
    },
    "chapters/article/03-car-t": {
        "figure-car-t-generations": {"car_generations"},
        "table-car-t-experience-mai": {"cart_experience_mai", "libelles_article"},
        "table-car-t-lymphodepletion": {"cart_lymphodepletion"},
    },
}


@pytest.mark.build
def test_part2a_tables_and_figures_have_provenance(book):
    items = manifest(book)["items"]
    found = {(i["chapter"], f"{i['kind']}-{i['name']}"): {x["resource"] for x in i["inputs"]}
             for i in items}
    for chapter, expected in EXPECTED.items():
        for name, inputs in expected.items():
            assert (chapter, name) in found, (chapter, name)
            assert found[(chapter, name)] == inputs, (name, found[(chapter, name)])


@pytest.mark.build
def test_glossary_page_has_every_csv_term_and_links_resolve(book):
    with (book / "data" / "glossary.csv").open(encoding="utf-8") as f:
        terms = [row["term"] for row in csv.DictReader(f)]
    glossary_html = page(book, "chapters/annexes/glossaire")
    shown = {html.unescape(t).strip() for t in
             re.findall(r'<dt id="term-[^"]*">(.*?)<a class="headerlink"', glossary_html, re.S)}
    assert set(terms) <= shown, set(terms) - shown
    context = page(book, "chapters/article/01-contexte-methode")
    assert 'href="../annexes/glossaire.html#term-SFGM-TC"' in context
    assert "approximatif" in page(book, "chapters/article/02-cellules-stromales")
