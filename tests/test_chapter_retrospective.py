"""The retrospective chapter runs unchanged on another cohort file (real-data mode) and
publishes only aggregates."""

from __future__ import annotations

from pathlib import Path

import pytest

from cohortgen import pseudocohort
from therapybook import data

from conftest import execute_chapter

pytestmark = pytest.mark.build  # runs the chapter in a kernel: slow
ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "chapters" / "these" / "06-etude-retrospective.md"


def _outputs(nb) -> str:
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            out.append(str(o.get("text", "")))
            out += [str(v) for v in o.get("data", {}).values()]
    return "\n".join(out)


def _run(env: dict[str, str], tmp_path: Path) -> str:
    return _outputs(execute_chapter(CHAPTER, tmp_path, **env))


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


def test_real_data_mode(other_cohort, tmp_path):
    figs = tmp_path / "figures"
    out = _run({"THERAPYBOOK_COHORT": str(other_cohort)}, tmp_path)
    assert "données réelles" in out
    assert "Données synthétiques" not in out and "pseudo-cohorte synthétique" not in out
    assert "REEL-" not in out
    assert "4,37\u00a0mois (IC" not in out  # numbers recomputed from the other file
    assert (figs / "retro-fig21a-ssp.svg").exists()


def test_synthetic_mode_labels_every_output(tmp_path):
    out = _run({}, tmp_path)
    assert out.count("Données synthétiques (pseudo-cohorte)") == 7  # 2 tables + 5 figures
    assert "SYN-" not in out
