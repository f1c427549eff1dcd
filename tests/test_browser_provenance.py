"""The provenance of glued numbers, in a real browser (Debian's Chromium via Playwright).

Up to 20 numbers that carry their provenance are picked across the chapters of Parts I and
II (round robin, in reading order). Each one: its tooltip is hidden, then shown when the
number gets keyboard focus, and names a document; its link lands on an anchor whose row
holds the same value (the same number, or the same words for a glued text). A touch screen
opens the tooltip on a first tap (a second tap follows the link); without JavaScript the
number is still a link and its tooltip shows on hover.
Fixtures (served book, browser) are those of ``test_browser.py``.
"""

from __future__ import annotations

import re
from itertools import zip_longest
from urllib.parse import urlsplit

import pytest

from test_browser import Recorder, browser, site  # noqa: F401 (fixtures)

pytestmark = pytest.mark.build
WANTED = 20
PARTS = ("chapters/these/", "chapters/article/")
WORDS = {"zéro": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
         "sept": 7, "huit": 8, "neuf": 9, "dix": 10,
         # the English summary of chapter 10 glues its numbers in English words
         "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8,
         "nine": 9, "ten": 10}
NUMBER = re.compile(r"\d+(?:[\u202f\u00a0]\d{3})*(?:[,.]\d+)?")


def values(text: str) -> list[float]:
    """Numbers of a text, French (« 4,37 », « 1 234 ») or data (« 4.37 »), or small words."""
    found = [float(re.sub(r"[\u202f\u00a0]", "", n).replace(",", "."))
             for n in NUMBER.findall(text)]
    found += [float(v) for w, v in WORDS.items() if re.search(rf"\b{w}\b", text.lower())]
    return found


def holds(row: str, shown: str) -> bool:
    """The row holds the value shown: its first number, or the text itself (« CHU de Nantes »)."""
    want = values(shown)
    if want:
        return any(abs(want[0] - v) < 1e-9 for v in values(row))
    return " ".join(shown.split()).lower() in " ".join(row.split()).lower()


def picks(html_dir) -> list[tuple[str, int]]:
    """(page, rank of the number on the page), spread across chapters, at most ``WANTED``."""
    per_page = []
    for path in sorted(html_dir.rglob("*.html")):
        rel = path.relative_to(html_dir).as_posix()
        if rel.startswith(PARTS):
            n = path.read_text(encoding="utf-8").count('<a class="sourced-number"')
            if n:
                per_page.append([(rel, i) for i in range(n)])
    spread = [p for group in zip_longest(*per_page) for p in group if p is not None]
    return spread[:WANTED]


@pytest.fixture(scope="module")
def chosen(site):  # noqa: F811
    _base, html = site
    chosen = picks(html)
    if not chosen:
        pytest.fail("aucun nombre collé avec sa provenance dans les parties I et II")
    print(f"\n{len(chosen)} nombres choisis sur {len({p for p, _ in chosen})} chapitre(s)")
    return chosen


def test_each_number_shows_its_provenance_on_focus_and_links_to_its_row(site, browser,  # noqa: F811
                                                                        chosen):
    base, _html = site
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    rec = Recorder(context)
    page = context.new_page()
    rec.watch(page)
    problems = []
    for rel, rank in chosen:
        rec.page_url = rel
        page.goto(base + rel, wait_until="load", timeout=120_000)
        number = page.locator("a.sourced-number").nth(rank)
        shown = number.inner_text()
        tip = page.locator(f"#{number.get_attribute('aria-describedby')}")
        if tip.get_attribute("role") != "tooltip" or tip.is_visible():
            problems.append(f"{rel} « {shown} » : infobulle absente ou visible sans focus")
            continue
        number.focus()
        if not tip.is_visible() or not re.match(r"(Thèse|Article|Pseudo-cohorte|Nombre recalculé)",
                                                tip.inner_text()):
            problems.append(f"{rel} « {shown} » : provenance non affichée au focus "
                            f"({tip.inner_text()!r})")
            continue
        href = number.get_attribute("href")
        fragment = urlsplit(href).fragment
        with page.expect_navigation(wait_until="load", timeout=120_000):
            page.keyboard.press("Enter")
        if urlsplit(page.url).fragment != fragment:
            problems.append(f"{rel} « {shown} » : Entrée n'a pas suivi le lien {href}")
            continue
        row = page.locator(f"[id='{fragment}']")
        if not fragment or row.count() != 1 or not row.is_visible():
            problems.append(f"{rel} « {shown} » : le lien {href} n'aboutit à aucune ancre visible")
            continue
        if not holds(row.inner_text(), shown):
            problems.append(f"{rel} « {shown} » : la ligne {fragment} ne contient pas cette "
                            f"valeur ({row.inner_text()[:120]!r})")
    context.close()
    assert problems == [], "\n".join(problems)
    assert rec.problems == [], "\n".join(rec.problems)


def test_first_tap_opens_the_tooltip_second_tap_follows_the_link(site, browser, chosen):  # noqa: F811
    base, _html = site
    rel, rank = chosen[0]
    context = browser.new_context(viewport={"width": 400, "height": 800}, locale="fr-FR",
                                  has_touch=True, is_mobile=True)
    Recorder(context)
    page = context.new_page()
    page.goto(base + rel, wait_until="load", timeout=120_000)
    number = page.locator("a.sourced-number").nth(rank)
    tip = page.locator(f"#{number.get_attribute('aria-describedby')}")
    href = number.get_attribute("href")
    number.tap()
    assert tip.is_visible()
    assert urlsplit(page.url).path.endswith(rel)
    with page.expect_navigation(wait_until="load", timeout=120_000):
        number.tap()
    assert urlsplit(page.url).fragment == urlsplit(href).fragment
    context.close()


def test_without_javascript_the_number_is_a_link_with_a_hover_tooltip(site, browser, chosen):  # noqa: F811
    base, _html = site
    rel, rank = chosen[0]
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    Recorder(context)
    page = context.new_page()
    page.goto(base + rel, wait_until="load", timeout=120_000)
    number = page.locator("a.sourced-number").nth(rank)
    assert number.get_attribute("href")
    tip = page.locator(f"#{number.get_attribute('aria-describedby')}")
    assert not tip.is_visible()
    number.hover()
    assert tip.is_visible()
    context.close()


def test_a_row_holds_a_number_or_a_text():
    assert holds("2\tMajesTEC-1\t80\t80 % des patients", "80\u00a0%")
    assert not holds("2\tMajesTEC-1\t55.2", "80\u00a0%")
    assert holds("4\tcentre\tCHU de Nantes", "CHU de Nantes")


def test_values_reads_french_and_data_numbers():
    assert values("4,37 mois") == [4.37]
    assert values("55.2") == [55.2]
    assert values("1\u202f234 patients") == [1234.0]
    assert values("cinq décès") == [5.0]
    assert values("less than three months") == [3.0]
