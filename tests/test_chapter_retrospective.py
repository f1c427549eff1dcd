"""The retrospective chapter runs unchanged on another cohort file (real-data mode): no
sentence, heading or caption speaks of the pseudo-cohort there, and only aggregates are
published."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cohortgen import pseudocohort
from therapybook import data

from conftest import execute_chapter

pytestmark = pytest.mark.build  # runs the chapter in a kernel: slow
ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.build  # executes the chapter twice (about 25 s)

CHAPTER = ROOT / "chapters" / "these" / "06-etude-retrospective.md"
#: Words that speak of the reconstruction; none may be read in real-data mode.
SYNTHETIC_WORDS = re.compile(r"pseudo-cohorte|synthétique|fictifs?|reconstitu|reconstru|"
                             r"générateur|par construction", re.I)


def _reader_text(nb) -> str:
    """What a reader of the page sees: Markdown cells and the displayed outputs (tables,
    figures with captions), not the hidden glue store."""
    out = [cell.source for cell in nb.cells if cell.cell_type == "markdown"]
    for cell in nb.cells:
        if cell.cell_type != "code" or "remove-cell" in cell.metadata.get("tags", []):
            continue
        for o in cell.get("outputs", []):
            out.append(str(o.get("text", "")))
            out += [str(v) for v in o.get("data", {}).values()]
    return "\n".join(out)


def _glued(nb) -> str:
    return "\n".join(str(v) for cell in nb.cells for o in cell.get("outputs", [])
                     for v in o.get("data", {}).values())


@pytest.fixture(scope="module")
def other_cohort(tmp_path_factory) -> Path:
    """The shipped cohort with every time lengthened by 10 %: another, valid cohort."""
    cohort = data.load("retrospective_cohort")
    cohort["pfs_months"] = (cohort["pfs_months"] * 1.1).round(2)
    cohort["os_months"] = (cohort["os_months"] * 1.1).round(2)
    cohort["patient_id"] = [f"REEL-{i:03d}" for i in range(len(cohort))]
    path = tmp_path_factory.mktemp("reel") / "cohorte.csv"
    pseudocohort.to_csv(cohort, path)
    return path


@pytest.fixture(scope="module")
def real(other_cohort, tmp_path_factory):
    scratch = tmp_path_factory.mktemp("real-mode")
    return execute_chapter(CHAPTER, scratch, THERAPYBOOK_COHORT=str(other_cohort)), scratch


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    return execute_chapter(CHAPTER, tmp_path_factory.mktemp("synthetic-mode"))


def test_real_data_mode_never_speaks_of_the_pseudo_cohort(real):
    nb, scratch = real
    text = _reader_text(nb)
    assert not SYNTHETIC_WORDS.search(text), SYNTHETIC_WORDS.search(text).group(0)
    assert "REEL-" not in text + _glued(nb)
    assert "4,37\u00a0mois" not in _glued(nb)  # numbers recomputed from the other file
    assert (scratch / "figures" / "retro-fig21a-ssp.svg").exists()


def test_real_data_mode_keeps_the_thesis_sections(real, synthetic):
    def headings(nb):
        return [line for cell in nb.cells if cell.cell_type == "markdown"
                for line in cell.source.splitlines() if line.startswith("#")]

    assert headings(real[0]) == headings(synthetic)
    assert [h.lstrip("# ") for h in headings(synthetic) if h.startswith("## ")] == [
        "Objectifs", "Patients et méthodes", "Résultats", "Discussion", "Limites"]


def test_synthetic_mode_labels_every_output_and_says_it_once(synthetic):
    text = _reader_text(synthetic)
    assert text.count("Données synthétiques (pseudo-cohorte)") == 6  # 1 table + 5 figures
    assert text.count("```{admonition} Données synthétiques") == 1
    assert "SYN-" not in text + _glued(synthetic)


def test_chapter_has_no_comparison_table(synthetic):
    text = _reader_text(synthetic)
    assert "tbl-retro-comparaison" not in text and ":name: tbl-retro-tableau2" in text
