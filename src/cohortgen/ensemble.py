"""An ensemble of pseudo-cohorts: many datasets that all reprint the published numbers.

One pseudo-cohort is one arbitrary solution among many; the ensemble shows how much of its
shape the published numbers fix. :func:`build` generates one cohort per seed in parallel
(joblib, one worker per core), checks each exactly as the shipped cohort is checked (every
published target met, the cohort's schema and cross-field rules) and keeps only those that
pass; the others are reported, never kept. :func:`write` stores the kept cohorts in long
format (a ``cohort`` column holding the seed) as ``data/retrospective/ensemble.csv``.

Command line (``make ensemble``): ``python -m cohortgen.ensemble [--seeds N] [--jobs J]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
from joblib import Parallel, delayed

from cohortgen import pseudocohort
from therapybook import data

RESOURCE = "retrospective_ensemble"
COHORT = "retrospective_cohort"
#: The shipped pseudo-cohort's seed first (it is one member of the ensemble), then 1…99.
SEEDS = (pseudocohort.SEED, *range(1, 100))


@dataclass
class Outcome:
    """One seed's cohort (None if left out), what it misses, and its generation time
    (wall clock and CPU time of its process: the CPU time is what a loaded machine
    changes least)."""

    seed: int
    cohort: pd.DataFrame | None
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu: float = 0.0


@dataclass
class Ensemble:
    """The kept cohorts (long format), the seeds left out with their reasons, timings."""

    frame: pd.DataFrame
    left_out: dict[int, list[str]]
    seconds: dict[int, float]
    cpu: dict[int, float]
    wall: float


@lru_cache(maxsize=1)
def _targets() -> tuple[pd.DataFrame, pseudocohort.Targets]:
    published = data.load("retrospective_published")
    return published, pseudocohort.targets(published)


@contextmanager
def _as_cohort(path: Path):
    """Point the cohort resource at ``path`` (the real-data override) for a moment."""
    env = data.OVERRIDES[COHORT]
    before = os.environ.get(env)
    os.environ[env] = str(path)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(env, None)
        else:
            os.environ[env] = before


def problems(cohort: pd.DataFrame) -> list[str]:
    """Everything that keeps ``cohort`` out of the ensemble: published targets it misses
    (:func:`pseudocohort.check`) and violations of the cohort's schema and cross-field
    rules, read back from its CSV exactly as a cohort file is validated."""
    bad = pseudocohort.check(cohort, _targets()[1])
    with tempfile.TemporaryDirectory(prefix="cohortgen-") as tmp:
        path = Path(tmp) / "cohort.csv"
        pseudocohort.to_csv(cohort, path)
        with _as_cohort(path):
            try:
                data.load(COHORT)
            except data.DataValidationError as exc:
                bad += [str(v) for v in exc.violations]
    return bad


def one(seed: int) -> Outcome:
    """Generate and check the cohort of ``seed``."""
    published, _tg = _targets()
    start, cpu = time.perf_counter(), time.process_time()
    try:
        cohort = pseudocohort.generate(published, seed=seed)
    except pseudocohort.SynthesisError as exc:
        cohort, bad = None, [str(exc)]
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    if cohort is not None:
        bad = problems(cohort)
    return Outcome(seed, None if bad else cohort, bad, seconds, cpu)


def build(seeds: Iterable[int] = SEEDS, jobs: int | None = None) -> Ensemble:
    """Generate, check and gather the cohorts of ``seeds`` over ``jobs`` processes
    (default: every core; 1 runs in this process)."""
    seeds = list(seeds)
    jobs = jobs or os.cpu_count() or 1
    start = time.perf_counter()
    if jobs == 1:
        outcomes = [one(s) for s in seeds]
    else:
        outcomes = Parallel(n_jobs=jobs)(delayed(one)(s) for s in seeds)
    wall = time.perf_counter() - start
    kept = [o.cohort.assign(cohort=o.seed) for o in outcomes if o.cohort is not None]
    frame = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame()
    if kept:
        frame = frame[["cohort", *pseudocohort.COLUMNS]]
    return Ensemble(frame=frame, left_out={o.seed: o.problems for o in outcomes if o.problems},
                    seconds={o.seed: o.seconds for o in outcomes},
                    cpu={o.seed: o.cpu for o in outcomes}, wall=wall)


def to_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write the long-format ensemble with the cohort file's conventions."""
    pseudocohort.to_csv(frame, path)


def cohorts(frame: pd.DataFrame) -> dict[int, pd.DataFrame]:
    """Split the long format back into one cohort per seed (columns of the cohort file)."""
    return {int(k): g.drop(columns="cohort").reset_index(drop=True)
            for k, g in frame.groupby("cohort", sort=True)}


def write(path: Path | None = None, seeds: Iterable[int] = SEEDS,
          jobs: int | None = None) -> tuple[Path, Ensemble]:
    """Build the ensemble and write the kept cohorts to ``path`` (the descriptor's file)."""
    path = data.DATA_DIR / data.resource(RESOURCE)["path"] if path is None else Path(path)
    ens = build(seeds, jobs)
    if ens.frame.empty:
        raise pseudocohort.SynthesisError("aucune pseudo-cohorte n'a passé les contrôles")
    to_csv(ens.frame, path)
    return path, ens


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cohortgen.ensemble", description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=len(SEEDS),
                        help="taille N : graine de la cohorte livrée puis 1…N-1 (défaut 100)")
    parser.add_argument("--jobs", type=int, default=None, help="processus (défaut : un par cœur)")
    args = parser.parse_args(argv)
    path, ens = write(seeds=(pseudocohort.SEED, *range(1, args.seeds)), jobs=args.jobs)
    median = statistics.median(ens.seconds.values())
    cpu = statistics.median(ens.cpu.values())
    for seed, why in ens.left_out.items():
        print(f"pseudo-cohorte {seed} écartée : {' ; '.join(why)}", file=sys.stderr)
    n = ens.frame["cohort"].nunique()
    print(f"{n} pseudo-cohortes écrites dans {path} ({len(ens.left_out)} écartée(s)) en "
          f"{ens.wall:.1f} s sur {args.jobs or os.cpu_count()} processus ; médiane "
          f"{median:.2f} s par cohorte (CPU {cpu:.2f} s ; générateur version "
          f"{pseudocohort.GENERATOR_VERSION}).")
    return 0


if __name__ == "__main__":  # run as the imported module: workers unpickle its functions
    from cohortgen import ensemble

    sys.exit(ensemble.main())
