"""Part II after a reader's review against the article (chapters 10–15 of the book): each
finding is checked on the built pages, so that the statement the reviewer flagged cannot come
back, and the one the article makes is there."""

from __future__ import annotations

import html
import re

import pytest
from test_part2c_outputs import CHAPTERS, _article, _table, visible

from therapybook.render import fmt

from conftest import page

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def pages(book) -> dict[str, str]:
    return {k: page(book, doc) for k, doc in CHAPTERS.items()}


@pytest.fixture(scope="module")
def text(pages) -> dict[str, str]:
    return {k: visible(v) for k, v in pages.items()}


def _headers(raw: str, name: str) -> list[str]:
    start = raw.index(f'id="tbl-{name}"')
    head = raw[start:raw.index("</thead>", start)]
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", h)).replace("’", "'").split())
            for h in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]


def _rows(raw: str, name: str) -> list[list[str]]:
    start = raw.index(f'id="tbl-{name}"')
    body = raw[raw.index("<tbody", start):raw.index("</tbody>", start)]
    return [[" ".join(html.unescape(re.sub(r"<[^>]+>", "", c)).replace("’", "'").split())
             for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


# --------------------------------------------------------------------------- chapter 10
def test_access_is_through_trials_and_compassionate_use_is_kept(text):
    seen = text["contexte"]
    assert "ne sont accessibles que dans des essais" not in seen  # the article has no « only »
    assert "peuvent aujourd'hui être employées dans le cadre d'essais cliniques" in seen
    assert "de façon tout à fait exceptionnelle, à titre compassionnel" in seen
    assert "dont l'accès devra être préparé" not in seen  # access to the therapies, not trials
    assert "la question de l'accès des malades à ces thérapies" in seen


def test_the_national_rcp_and_registry_came_before_as_the_articles_background(text):
    seen = text["contexte"]
    assert "Deux outils en sont issus" not in seen and "Il s'appuie sur" not in seen
    assert "pour les MAI rares traitées par autogreffe" in seen
    assert "qu'avaient été créés une RCP nationale MATHEC-SFGM-TC" in seen


# --------------------------------------------------------------------------- chapter 11
WORDS = {n: fmt.words(n) for n in range(1, 21)}


def _tips(raw: str):
    for m in re.finditer(r'<a class="sourced-number"[^>]*>(.*?)</a><span class="sourced-tip"'
                         r'[^>]*>(.*?)</span></span>', raw, re.S):
        printed = re.search(r'<q class="printed sourced-printed">(.*?)</q>', m[2], re.S)
        yield (html.unescape(re.sub(r"<[^>]+>", "", m[1])),
               html.unescape(printed[1]) if printed else None)


@pytest.mark.parametrize("chapter", list(CHAPTERS))
def test_each_tooltip_fragment_prints_the_number_it_backs(pages, chapter):
    """A glued value's tooltip quotes the fragment of its row; that fragment must print the
    value (in digits, in words or as an ordinal; « une heure » for 60 minutes)."""
    for value, printed in _tips(pages[chapter]):
        if printed is None:  # a row without a printed fragment shows none
            continue
        flat = printed.lower().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        for n in map(int, re.findall(r"\d+", value.replace("\u202f", "").replace("\xa0", ""))):
            stem = WORDS.get(n, "@").replace(" ", "").rstrip("e")  # « quatorz(ième) »
            assert (str(n) in flat or stem in flat
                    or (n == 60 and "uneheure" in flat)), (chapter, value, printed)


def test_the_nct03562065_sentence_is_in_our_words(text):
    seen = text["csm"]
    assert "en France (NCT03562065, avec le soutien de la Fondation du Rein" not in seen
    assert "enregistré sous le numéro NCT03562065" in seen


def test_planned_scleroderma_trials_are_planned(pages, text):
    seen = text["csm"]
    assert "qui testent des CSM de tissu adipeux" not in seen
    assert "randomisées ou non, qui étaient encore en préparation en France" in seen
    states = [row[8] for row in _rows(pages["csm"], "csm-essais-france")]
    assert states.count("prévu (en cours de développement)") == 3, states


def test_msc_experience_columns_say_what_they_hold(pages):
    assert _headers(pages["csm"], "csm-experience") == [
        "Maladie", "Patients traités", "Cellules et administration", "Études et malades",
        "Lieu et période", "Réf."]
    rows = {r[0]: r for r in _rows(pages["csm"], "csm-experience")}
    assert rows["Myopathies inflammatoires"][4] == "de mai 2008 à juillet 2009"
    assert "une ou deux injections" in rows["Sclérodermie systémique"][2]


# --------------------------------------------------------------------------- chapter 12
def test_car_t_remissions_durations_plasma_cells_and_erlangen(text):
    seen = text["cart"]
    assert "dont on ignore encore la durée" not in seen  # « de durée certaine »
    assert "rémissions sans traitement qui durent un temps appréciable" in seen
    assert "plutôt que des plasmocytes, qui n'expriment pas CD19" not in seen
    assert "les plasmocytes CD19 négatifs n'en seraient pas la source" in seen
    assert "que décrit l'équipe allemande d'Erlangen" in seen


# --------------------------------------------------------------------------- chapter 13
def test_the_deciding_rcp_is_not_the_national_one(pages, text):
    seen = text["acteurs"]
    assert "L'indication se discute en réunion de concertation pluridisciplinaire : la RCP" \
        not in seen
    assert "disposent d'une RCP nationale MATHEC-SFGM-TC" in seen
    rows = {r[1]: r for r in _rows(pages["acteurs"], "acteurs-intervenants")}
    national = next(r for k, r in rows.items() if "nationale" in k)
    deciding = next(r for k, r in rows.items() if "qui retient l'indication" in k)
    assert "Retient" in deciding[3] and "Retient" not in national[3]


def test_actors_page_has_no_stacked_brackets_nor_the_decrees_copied_words(text):
    seen = text["acteurs"]
    assert ") (" not in seen
    assert "selon l'arrêté du 19 mai 2021" not in seen
    assert "Pharmacie à usage intérieur →" not in seen  # « commande » had no stated supplier


# --------------------------------------------------------------------------- chapter 14
def test_car_t_steps_name_the_actors_the_article_names(pages):
    who = {r[0]: r[2] for r in _rows(pages["parcours"], "parcours-car-t-etapes")}
    assert who["Indication retenue en RCP"] == "RCP d'indication"
    assert who["Traitement d'attente"] == "Équipe clinique et hématologue référent ; Référents MAI"
    assert who["Inscription chez le fabricant"] == ""  # who registers is not said
    assert who["Prophylaxie anti-infectieuse"] == ""
    assert not any("RCP nationale" in w for w in who.values())


def test_bridging_is_coordinated_and_the_workup_scopes_are_the_articles(pages, text):
    seen = text["parcours"]
    assert "mené conjointement" not in seen and "pris en charge à deux" not in seen
    assert "le mettent en place en se coordonnant" in seen
    assert "pour les CAR-T cells, le système nerveux" not in seen
    assert "la mention « en cas de CAR-T cells » suit le test des fonctions cognitives" in seen
    assert "un dosage de β-HCG chez la femme en âge de procréer, une consultation" in seen
    cells = _table(pages["parcours"], "parcours-bilan")
    assert "Dosage de β-HCG (femme en âge de procréer)" in cells
    assert "Consultation dans un centre de préservation de la fertilité (" not in cells


# --------------------------------------------------------------------------- chapter 15
def test_early_and_late_limits_are_the_articles_28th_and_21st_days(text):
    seen = text["complications"]
    assert "les autres sont dites tardives" not in seen
    assert "avant le 28e jour qui suit la réinjection" in seen
    assert "elles sont dites tardives à partir du 21e jour" in seen


@pytest.mark.parametrize("chapter", list(CHAPTERS))
def test_days_are_written_out_in_running_text(pages, chapter):
    body = re.sub(r"<table.*?</table>", " ", _article(pages[chapter]), flags=re.S)
    prose = " ".join(visible('<article class="bd-article">' + p + "</article>")
                     for p in re.findall(r"<p>(.*?)</p>", body, re.S))
    assert not re.findall(r"\b\d+ j\b", prose), chapter


def test_in_vivo_is_italic_where_the_article_uses_it(pages):
    assert "persistance <em>in vivo</em> des CAR-T cells" in pages["cart"]
    assert "activation des CAR-T cells <em>in vivo</em>" in pages["complications"]
    assert re.search(r"(?<!<em>)in vivo(?!</em>)", pages["complications"]) is None


# --------------------------------------------------------------------------- bibliography
def test_reference_59_points_to_note_a3_and_reference_15_says_what_its_doi_is(book):
    raw = html.unescape(page(book, "chapters/annexes/bibliographie"))
    hachulla = raw[raw.index("Hachulla E"):]
    hachulla = hachulla[:hachulla.index("</p>")]
    assert "note de vérification A3" in hachulla
    farge = raw[raw.index("Safety and preliminary efficacy of allogeneic"):]
    farge = farge[:farge.index("</p>")]
    assert "notice publique" not in farge
    assert "transcrit de la liste de références de l'article" in farge


def test_no_order_is_imposed_on_the_steps_after_the_rcp(pages, text):
    seen = text["parcours"]
    assert "le patient voit d'abord un hématologue" not in seen
    assert "Suivent l'inscription" not in seen
    assert "énumérés sans ordre imposé" in seen
    assert "celles d'une même colonne n'ont pas d'ordre donné entre elles" in seen
    alt = html.unescape(re.search(r'<img alt="([^"]*)"[^>]*parcours-car-t\.', pages["parcours"])[1])
    assert "Suivi immunologique : dès l'étape « leucaphérèse », puis J0 à J21 au moins, M1, " \
           "M2, M3 et M6, puis tous les 6" in alt.replace("\u00a0", " ")
    depth = 0
    for ch in alt:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        assert depth <= 1, alt
