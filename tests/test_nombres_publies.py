"""The appendix « Ce que les nombres publiés déterminent »: in real-data mode the ensemble is
not computed and no figure or table is drawn; every sentence that quotes the ensemble is
text of the synthetic mode only; in synthetic mode the five envelope figures and the two
tables are published."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cohortgen import pseudocohort
from therapybook import data

from conftest import execute_chapter

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "chapters" / "annexes" / "nombres-publies.md"
FIGURES = ("ensemble-fig21a-ssp", "ensemble-fig21b-sg", "ensemble-fig21c-gprc5d",
           "ensemble-classes-ssp", "ensemble-classes-sg")
ONLY = re.compile(r"^```\{only\} (not )?donnees_reelles\n(.*?)^```\n", re.S | re.M)


def _outputs(nb) -> str:
    return "\n".join(str(v) for cell in nb.cells for o in cell.get("outputs", [])
                     for v in o.get("data", {}).values())


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    cohort = data.load("retrospective_cohort")
    cohort["patient_id"] = [f"REEL-{i:03d}" for i in range(len(cohort))]
    path = tmp_path_factory.mktemp("reel") / "cohorte.csv"
    pseudocohort.to_csv(cohort, path)
    scratch = tmp_path_factory.mktemp("real-mode")
    return execute_chapter(PAGE, scratch, THERAPYBOOK_COHORT=str(path)), scratch


@pytest.mark.build  # runs the page in a kernel
def test_real_data_mode_draws_nothing_from_the_ensemble(real):
    nb, scratch = real
    out = _outputs(nb)
    assert not any(name in out for name in FIGURES)
    assert "tbl-ensemble" not in out
    assert not list((scratch / "figures").glob("ensemble-*"))


def test_the_page_label_and_place_in_the_toc():
    text = PAGE.read_text(encoding="utf-8")
    assert "(nombres-publies)=\n# Ce que les nombres publiés déterminent" in text
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    assert toc.index("annexes/reproductibilite") < toc.index("annexes/nombres-publies")


def test_every_sentence_quoting_the_ensemble_is_synthetic_mode_text():
    text = PAGE.read_text(encoding="utf-8")
    blocks = {m.group(2) for m in ONLY.finditer(text) if m.group(1)}
    outside = ONLY.sub("", text)
    assert "{glue:md}`ens_" not in outside
    assert any("{glue:md}`ens_" in b for b in blocks)
    real_text = [m.group(2) for m in ONLY.finditer(text) if not m.group(1)]
    assert len(real_text) == 1 and "agrégats publiés" in real_text[0]


@pytest.mark.build
def test_synthetic_mode_publishes_the_figures_and_tables(tmp_path):
    nb = execute_chapter(PAGE, tmp_path)
    out = _outputs(nb)
    for name in FIGURES:
        assert f"fig-{name}" in out
        assert (tmp_path / "figures" / f"{name}.svg").exists()
    assert "tbl-ensemble-non-publies" in out and "tbl-ensemble-controle" in out
    assert out.count("Données synthétiques (pseudo-cohorte)") == len(FIGURES) + 2
