"""Ensemble of pseudo-cohorts (cohortgen.ensemble): every shipped cohort passes the
generator's check and the cohort's schema; the file is the current generator's output;
a cohort that fails is reported and left out."""

from __future__ import annotations

import pandas as pd
import pytest

from cohortgen import ensemble, pseudocohort
from therapybook import data


@pytest.fixture(scope="module")
def shipped() -> dict[int, pd.DataFrame]:
    return ensemble.cohorts(data.load(ensemble.RESOURCE))


def _text(cohort: pd.DataFrame, tmp_path, name: str) -> str:
    path = tmp_path / name
    pseudocohort.to_csv(cohort, path)
    return path.read_text(encoding="utf-8")


def test_the_ensemble_holds_the_documented_seeds(shipped):
    assert tuple(shipped) == tuple(sorted(ensemble.SEEDS))
    assert len(shipped) == 100
    res = data.resource(ensemble.RESOURCE)
    assert res["synthetic"] is True
    assert res["version"] == pseudocohort.GENERATOR_VERSION
    assert f"generator version {pseudocohort.GENERATOR_VERSION}" in res["provenance"]["locator"]
    assert res["provenance"]["locator"].startswith("synthetic: ensemble of pseudo-cohorts")


@pytest.mark.build  # the generator's check, run on each of the 100 cohorts (about 10 s)
def test_every_cohort_passes_the_generator_check_and_the_cohort_schema(shipped):
    bad = {seed: ensemble.problems(c) for seed, c in shipped.items()}
    assert {seed: why for seed, why in bad.items() if why} == {}


def test_the_shipped_cohort_is_its_first_member(shipped, tmp_path):
    assert ensemble.SEEDS[0] == pseudocohort.SEED
    cohort = shipped[pseudocohort.SEED]
    assert _text(cohort, tmp_path, "a.csv") == data.resource_path(ensemble.COHORT).read_text(
        encoding="utf-8")


@pytest.mark.build  # runs the generator
@pytest.mark.parametrize("seed", [2, 12])
def test_the_file_is_what_the_generator_makes_now(shipped, tmp_path, seed):
    """Two quick seeds regenerated: a generator whose output changed fails here (then bump
    GENERATOR_VERSION and run make ensemble)."""
    made = pseudocohort.generate(seed=seed)
    assert _text(made, tmp_path, "made.csv") == _text(shipped[seed], tmp_path, "kept.csv")


@pytest.mark.build  # runs the generator
def test_a_cohort_that_fails_is_reported_and_left_out(monkeypatch):
    real = pseudocohort.generate
    good = real(seed=pseudocohort.SEED)

    def fake(published=None, seed=pseudocohort.SEED):
        if seed == 1:
            raise pseudocohort.SynthesisError("cibles non atteintes (essai)")
        if seed == 2:  # every age one year older; a CAR-T patient given a bispecific
            broken = good.copy()
            broken["age_at_failure"] += 1
            i = broken.index[broken["anti_bcma_class"].eq("car_t")][0]
            broken.loc[i, "anti_bcma_product"] = "teclistamab"
            return broken
        return good

    monkeypatch.setattr(pseudocohort, "generate", fake)
    ens = ensemble.build([pseudocohort.SEED, 1, 2], jobs=1)
    assert sorted(ens.frame["cohort"].unique()) == [pseudocohort.SEED]
    assert set(ens.left_out) == {1, 2}
    assert "essai" in ens.left_out[1][0]
    assert any(why.startswith("age_at_failure all") for why in ens.left_out[2])  # the check
    assert any("anti_bcma_product" in why and "ligne" in why  # the schema, with its row
               for why in ens.left_out[2])


@pytest.mark.build  # runs the generator
def test_parallel_build_equals_serial(tmp_path):
    seeds = [pseudocohort.SEED, 12]
    a, _ = ensemble.write(tmp_path / "a.csv", seeds=seeds, jobs=2)
    b, _ = ensemble.write(tmp_path / "b.csv", seeds=seeds, jobs=1)
    assert a.read_bytes() == b.read_bytes()
