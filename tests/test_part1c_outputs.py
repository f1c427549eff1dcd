"""Part I restates the thesis faithfully: each fact that issue 11 found missing or shifted is
looked up in the built HTML, and numbers are cited only to works known to contain them."""

from __future__ import annotations

import html
import re

import pytest

from conftest import page

pytestmark = pytest.mark.build

THESE = "chapters/these"


def text_of(book, chapter: str) -> str:
    """The visible text of a built page: tags removed, entities and spaces normalised."""
    raw = page(book, f"{THESE}/{chapter}")
    body = raw[raw.index("<main"):raw.index("</main>")]
    body = re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.S)
    body = re.sub(r"</?(p|li|div|td|th|tr|h\d|section|figure|figcaption|table)\b[^>]*>", " ",
                  body)
    text = html.unescape(re.sub(r"<[^>]+>", "", body)).replace("\u2019", "'")
    return " ".join(text.split())


#: (chapter, words that must appear, in this order, within a short span)
PRESENT = [
    ("06-etude-retrospective", ["Entre septembre 2018 et mars 2023"]),
    ("06-etude-retrospective", ["COVID-19", "trois cas", "adénovirus", "un cas", "fongique"]),
    ("06-etude-retrospective", ["Parmi les 16 patients exposés aux cinq molécules"]),
    ("06-etude-retrospective", ["La SG porte sur les 40 patients", "cinq décès infectieux"]),
    ("06-etude-retrospective", ["cellule unique (single-cell)"]),
    ("07-infections", ["cinq malades sont morts d'une infection"]),
    ("07-infections", ["parmi les infections rapportées, 55,2 % étaient de grade 3–4"]),
    ("07-infections", ["55,2 % des infections rapportées"]),
    ("04-efficacite-disponibilite", ["MajesTEC-3 compare l'association teclistamab et "
                                     "daratumumab", "au choix de l'investigateur"]),
    ("04-efficacite-disponibilite", ["MagnetisMM-5 compare trois bras", "elranatamab seul",
                                     "elranatamab et daratumumab", "daratumumab, pomalidomide"]),
    ("04-efficacite-disponibilite", ["lourdement prétraités", "répondent", "bénéfice de survie"]),
    ("04-efficacite-disponibilite", ["en première ligne comme à la rechute"]),
    ("04-efficacite-disponibilite", ["arrivé en France en 2022", "pas encore disponible en 2022",
                                     "se contredisent"]),
    ("04-efficacite-disponibilite", ["survies sans progression de 2 à 2,6 mois"]),
    ("08-effets-immunomedies", ["CRS de grade 1"]),
    ("08-effets-immunomedies", ["hypermétabolisme de la paroi artérielle de grade III"]),
    ("08-effets-immunomedies", ["CRP à 8 mg/l"]),
    ("08-effets-immunomedies", ["après 4 mois de traitement"]),
    ("08-effets-immunomedies", ["quatre mois de corticothérapie (figure 23"]),
    ("08-effets-immunomedies", ["L'échographie de la main (figure 24", "ne permet pas de "
                                "reproduire"]),
    ("02-biologie-bcma", ["APRIL se fixe au BCMA", "et à TACI, mais pas à BAFF-R"]),
]

ABSENT = [
    ("06-etude-retrospective", "gain ou amplification"),
    ("06-etude-retrospective", "44 statuts connus"),
    ("06-etude-retrospective", "(31, 12, 14, 5)"),
    ("06-etude-retrospective", "63 (IQR 56–71) ans"),
    ("06-etude-retrospective", "médiane de SSP : non atteinte"),
    ("06-etude-retrospective", "Nombre (clé)"),
    ("04-efficacite-disponibilite", "réfractaires aux trois classes (lignes antérieures"),
    ("04-efficacite-disponibilite", "seuls 25 % triple-réfractaires"),
    ("04-efficacite-disponibilite", "2 – 2,6 mois"),
    ("07-infections", "plusieurs malades sont morts"),
    ("02-biologie-bcma", "avec deux autres récepteurs de la même famille, TACI et BAFF-R"),
]


@pytest.mark.parametrize(("chapter", "words"), PRESENT)
def test_fact_is_in_the_built_page(book, chapter, words):
    text = text_of(book, chapter)
    pattern = r".{0,200}?".join(re.escape(w) for w in words)
    assert re.search(pattern, text), f"{chapter} : {words}"


@pytest.mark.parametrize(("chapter", "fragment"), ABSENT)
def test_shifted_wording_is_gone(book, chapter, fragment):
    assert fragment not in text_of(book, chapter)


def cited_after(book, chapter: str, number: str) -> list[str]:
    """Titles of the works cited by the first citation that follows ``number`` in the page."""
    raw = page(book, f"{THESE}/{chapter}")
    start = raw.index(number)
    cite = re.search(r'<span class="bibtex-citation".*?</span>', raw[start:], flags=re.S)
    assert cite, number
    return [html.unescape(t) for t in re.findall(r'title="([^"]*)"', cite.group(0))]


@pytest.mark.parametrize(("chapter", "number"), [
    ("06-etude-retrospective", "17,9\u00a0mois"),        # OS after ide-cel (not KarMMa-3)
    ("06-etude-retrospective", "5,1\u00a0mois"),         # MonumenTAL-1 phase 2 cohort
    ("04-efficacite-disponibilite", "21,3\u00a0mois"),   # MajesTEC-1 OS (source-checks T5)
    ("07-infections", "12,7\u00a0%"),                    # teclistamab infections (T5)
])
def test_numbers_are_cited_to_the_thesis_when_no_paper_is_known_to_hold_them(book, chapter,
                                                                             number):
    titles = cited_after(book, chapter, number)
    assert titles and all(t.startswith("Thèse de médecine") for t in titles), titles


def test_fucosylated_is_never_repeated_as_a_fact(book):
    text = text_of(book, "03-agents-anti-bcma")
    for m in re.finditer(r"\S*fucosyl\S*", text):
        around = text[max(0, m.start() - 120):m.end() + 120]
        assert "«" in around or "afucosyl" in around, around
