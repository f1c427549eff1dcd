"""Synthetic pseudo-cohort: determinism, refusal to overwrite, published numbers reproduced."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bookbuild import cli
from cohortgen import pseudocohort
from therapybook import data
from therapybook.stats import survival

ROOT = Path(__file__).resolve().parents[1]
COHORT = ROOT / "data" / "retrospective" / "cohort.csv"
CHAPTER = ROOT / "chapters" / "these" / "06-etude-retrospective.md"


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return data.load("retrospective_cohort")


@pytest.fixture(scope="module")
def tg() -> pseudocohort.Targets:
    return pseudocohort.targets()


@pytest.mark.build  # the generator's full search: slow
def test_generator_is_deterministic_and_made_the_shipped_file(tmp_path):
    out = tmp_path / "cohort.csv"
    pseudocohort.to_csv(pseudocohort.generate(seed=pseudocohort.SEED), out)
    assert out.read_text(encoding="utf-8") == COHORT.read_text(encoding="utf-8")


def test_refuses_to_overwrite_without_force(tmp_path, monkeypatch, capsys):
    target = tmp_path / "cohort.csv"
    target.write_text("précieux\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        pseudocohort.write_cohort(target)
    monkeypatch.setattr(pseudocohort, "write_cohort", lambda **kw: (_ for _ in ()).throw(
        FileExistsError("existe déjà : relancer avec --force")))
    assert cli.main(["cohort"]) == 1
    assert "--force" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "précieux\n"


def test_force_overwrites(tmp_path, monkeypatch):
    target = tmp_path / "cohort.csv"
    target.write_text("ancien\n", encoding="utf-8")
    small = data.load("retrospective_cohort").head(3)  # test only, never published
    monkeypatch.setattr(pseudocohort, "generate", lambda seed=pseudocohort.SEED: small)
    pseudocohort.write_cohort(target, force=True)
    assert target.read_text(encoding="utf-8").startswith("patient_id,anti_bcma_class")


def test_shipped_cohort_has_the_fixed_columns(cohort):
    assert tuple(cohort.columns) == pseudocohort.COLUMNS
    assert len(cohort) == 45
    assert data.resource("retrospective_cohort")["synthetic"] is True


def test_shipped_cohort_meets_every_published_target(cohort, tg):
    assert pseudocohort.check(cohort, tg) == []


def test_kaplan_meier_limits_print_as_published(cohort, tg):
    sets = pseudocohort.analysis_sets(cohort)
    for (endpoint, pop), want in tg.km.items():
        km = survival.kaplan_meier(sets[(endpoint, pop)]["time"], sets[(endpoint, pop)]["event"])
        got = (km.median, km.median_lower, km.median_upper)
        for g, w in zip(got, want, strict=True):
            assert (math.isnan(g) and math.isnan(w)) or survival.r_signif(g) == survival.r_signif(w)
    pfs = sets[("pfs", "all")]
    assert round(survival.logrank(pfs["time"], pfs["event"], pfs["gprc5d"]).p, 3) == 0.024


def _refractory_to_imid_pi_and_cd38_not_triple(c: pd.DataFrame) -> list[str]:
    """Patients refractory to an IMiD, to carfilzomib (a proteasome inhibitor) and to an
    anti-CD38 who are not triple-refractory: the thesis's definition (III.1.3) forbids them."""
    f = {k: c[k].fillna(False).astype(bool) for k in pseudocohort.BOOLEANS}
    imid = f["refractory_lenalidomide"] | f["refractory_pomalidomide"]
    bad = imid & f["refractory_carfilzomib"] & f["refractory_anti_cd38"] & ~f["triple_refractory"]
    return c.loc[bad, "patient_id"].tolist()


def test_refractory_to_imid_pi_and_cd38_is_triple_refractory_in_every_cohort(cohort):
    """The shipped cohort and every cohort of the shipped ensemble."""
    from cohortgen import ensemble

    assert _refractory_to_imid_pi_and_cd38_not_triple(cohort) == []
    members = ensemble.cohorts(data.load(ensemble.RESOURCE))
    bad = {seed: ids for seed, c in members.items()
           if (ids := _refractory_to_imid_pi_and_cd38_not_triple(c))}
    assert bad == {}


def test_flags_meet_the_counts_and_the_definitions_for_any_draw(tg):
    """The generator's constraint, not luck: 200 draws per class, every count exact and
    every definition of the thesis held."""
    frames = {}
    for c in pseudocohort.CLASSES:
        counts = {k: tg.counts[(k, c)] for k in pseudocohort.BOOLEANS}
        rows = np.arange(tg.n[c])
        for seed in range(200):
            flags = pseudocohort._booleans(rows, counts, np.random.default_rng(seed))
            frame = frames[(c, seed)] = pd.DataFrame(flags).assign(
                patient_id=[f"P{i}" for i in rows])
            for k in ("triple_refractory", "penta_refractory", "refractory_anti_cd38",
                      "refractory_lenalidomide", "refractory_pomalidomide",
                      "refractory_carfilzomib", "prior_autograft"):
                assert int(frame[k].sum()) == counts[k], (c, seed, k)
    broken = [key for key, f in frames.items() if _refractory_to_imid_pi_and_cd38_not_triple(f)]
    assert broken == []
    assert [key for key, f in frames.items() if pseudocohort.definitions(f)] == []


def test_check_reports_a_broken_definition(cohort, tg):
    broken = cohort.copy()
    i = broken.index[broken["triple_refractory"].fillna(False).astype(bool)
                     & broken["refractory_carfilzomib"].fillna(False).astype(bool)][0]
    broken.loc[i, "triple_refractory"] = False
    assert any(broken.loc[i, "patient_id"] in why and "triple_refractory" in why
               for why in pseudocohort.check(broken, tg))


def test_analysis_populations(cohort):
    assert cohort["pfs_months"].notna().sum() == 30
    assert cohort["os_months"].notna().sum() == 40
    no_os = cohort[cohort["os_months"].isna()]
    assert (no_os["death_cause"] == "infection").all()
    assert (no_os["subsequent_line"] == "none").all()
    both = cohort.dropna(subset=["pfs_months"])
    assert (both["os_months"] >= both["pfs_months"]).all()
    assert (both.loc[both["pfs_event"] == 0, "os_event"] == 0).all()


def test_type7_quantile_matches_r():
    assert pseudocohort.quantile7([1, 2, 3, 4], 0.25) == 1.75


def test_zero_deaths_for_a_lower_limit_at_zero():
    assert pseudocohort._zero_deaths(7) == 2


@pytest.mark.r
@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript absent")
def test_r_prints_the_published_numbers(tg):
    script = f"""
    suppressMessages(library(survival))
    d <- read.csv("{COHORT}")
    p <- d[!is.na(d$pfs_months), ]; o <- d[!is.na(d$os_months), ]
    p$g <- ifelse(p$subsequent_line == "anti_gprc5d", "anti_gprc5d", "other_slt")
    show <- function(fit, pop) {{
      t <- summary(fit)$table
      if (is.null(dim(t))) t <- t(as.matrix(t))
      for (i in seq_len(nrow(t))) cat(pop[i], signif(t[i, "median"], 3),
        signif(t[i, "0.95LCL"], 3), signif(t[i, "0.95UCL"], 3), "\\n")
    }}
    show(survfit(Surv(pfs_months, pfs_event) ~ 1, data = p), "pfs.all")
    show(survfit(Surv(pfs_months, pfs_event) ~ anti_bcma_class, data = p),
         paste0("pfs.", c("adc", "bispecific", "car_t")))
    show(survfit(Surv(pfs_months, pfs_event) ~ g, data = p), c("pfs.anti_gprc5d", "pfs.other_slt"))
    show(survfit(Surv(os_months, os_event) ~ 1, data = o), "os.all")
    show(survfit(Surv(os_months, os_event) ~ anti_bcma_class, data = o),
         paste0("os.", c("adc", "bispecific", "car_t")))
    s <- survdiff(Surv(pfs_months, pfs_event) ~ g, data = p)
    cat("p", round(pchisq(s$chisq, 1, lower.tail = FALSE), 3), "\\n")
    """
    out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True,
                         check=True).stdout
    got = {line.split()[0]: line.split()[1:] for line in out.strip().splitlines()}
    assert float(got["p"][0]) == round(tg.p_value, 3)
    for (endpoint, pop), want in tg.km.items():
        printed = got[f"{endpoint}.{pop}"]
        for g, w in zip(printed, want, strict=True):
            if math.isnan(w):
                assert g == "NA"
            else:
                assert float(g) == float(f"{w:.3g}")


def test_chapter_never_shows_patient_rows():
    text = CHAPTER.read_text(encoding="utf-8")
    assert not re.search(r"\.(head|tail|sample)\(", text)
    assert "patient_id" not in text
    assert not re.search(r"^\s*(cohort|df)\s*$", text, re.M)  # a bare frame as cell output
    assert not re.search(r"(display|print)\((cohort|df)\b", text)


def _random_curves(n_cases: int = 400):
    rng = np.random.default_rng(7)
    for _ in range(n_cases):
        n = int(rng.integers(1, 41))
        t = rng.integers(0, 60, n) * int(rng.choice([1, 25]))  # hundredths, many ties
        e = (rng.random(n) < rng.random()).astype(int)
        yield t, e, rng.random(n) < 0.3


def test_fast_kaplan_meier_limits_equal_the_reference():
    """The search's one-pass limits are the floats of survival.kaplan_meier (plateaus,
    curves ending on 0.5 or 0, all censored, deaths at time 0 included)."""
    cases = [(np.array([100, 200, 300, 400]), np.array([1, 1, 1, 1]), None),  # S = 0.5 plateau
             (np.array([0, 0, 100]), np.array([1, 1, 1]), None),
             (np.array([50, 60]), np.array([0, 0]), None)]
    for t, e, _ in [*cases, *_random_curves()]:
        got = pseudocohort._km_limits(sorted((t * 2 + e).tolist()))
        want = pseudocohort.km_summary(t / 100.0, e)
        for g, w in zip(got, want, strict=True):
            assert (math.isnan(g) and math.isnan(w)) or g == w, (t, e, got, want)


def _plain_loss(problem, t, e) -> float:
    """The search's loss as first written: every curve and the log-rank test recomputed by
    therapybook.stats.survival, terms added in one fixed order."""
    total = 0.0
    for pop, mask in problem.curves.items():
        km = survival.kaplan_meier(t[mask] / 100.0, e[mask])
        for g, w in zip((km.median, km.median_lower, km.median_upper), problem.want[pop],
                        strict=True):
            total += pseudocohort._target_loss(g, w)
    p = survival.logrank(t / 100.0, e, problem.logrank_group).p
    if round(p, 3) != round(problem.p_value, 3):
        total += 0.05 + min(abs(math.log(p / problem.p_value)), 3.0)
    return total


def test_memoised_bounded_loss_is_the_plain_loss_bit_for_bit(tg):
    """Same float for every state (the annealing's decisions, hence the cohorts, depend on
    it down to the last bit: ties between near-equal losses are broken by rounding)."""
    rng = np.random.default_rng(3)
    n = 30
    problem = _pfs_like_problem(tg, np.zeros(n, bool))
    for _ in range(300):
        t = rng.integers(5, 1500, n) // int(rng.choice([1, 40]))  # ties now and then
        t = np.maximum(t, 5)
        e = (rng.random(n) < 0.7).astype(int)
        want = _plain_loss(problem, t, e)
        # bounded calls first: a state not yet memoised goes through the quick log-rank
        assert problem.bounded((t, e), want - 0.01) is None
        assert problem.bounded((t, e), want) == want
        assert problem.loss((t, e)) == want


def test_quick_logrank_p_is_the_reference_up_to_rounding():
    """The search's pure-Python log-rank (which only screens states) gives the reference p
    to 1e-12, and NaN wherever it cannot decide (then the reference is asked)."""
    for t, e, g in _random_curves():
        if g.all() or not g.any():
            g = g.copy()
            g[0] = not g[0]
        want = survival.logrank(t / 100.0, e, g).p
        got = pseudocohort._logrank_p(sorted((4 * t + 2 * e + g).tolist()))
        if math.isnan(got):
            continue
        assert abs(got - want) <= 1e-12 * max(want, 1e-300), (t, e, g, got, want)
    # a p on a rounding boundary of round(·, 3) is left to the reference
    assert pseudocohort._p_term(0.0235, 0.024) is None
    assert pseudocohort._p_term(0.0240, 0.024) == 0.0


def _pfs_like_problem(tg, fixed: np.ndarray) -> pseudocohort._SurvivalProblem:
    """The PFS problem's shape (30 subjects, three classes, anti-GPRC5D or not); ``fixed``
    marks the subjects whose time and event may not move."""
    n = 30
    gprc = np.zeros(n, bool)
    gprc[:7] = True
    cls = np.array(["car_t"] * 12 + ["bispecific"] * 11 + ["adc"] * 7)
    curves = {"all": np.ones(n, bool), **{c: cls == c for c in ("car_t", "bispecific", "adc")},
              "anti_gprc5d": gprc, "other_slt": ~gprc}
    return pseudocohort._SurvivalProblem(
        curves=curves, want={p: tg.km[("pfs", p)] for p in curves}, lower=np.full(n, 5),
        upper=4000, fixed_time=fixed, fixed_event=fixed.copy(), logrank_group=gprc,
        p_value=tg.p_value)


def test_snap_puts_the_carrier_of_each_missed_limit_on_the_printed_value(tg):
    """The repair against the reference Kaplan-Meier on random states: a subject moves
    only if its time is a missed limit of one of its curves and no met limit of any curve,
    and then onto a printed value of that curve; every missed limit held by a single free
    subject that carries nothing met is moved onto its printed value."""
    rng = np.random.default_rng(11)
    moved_any = 0
    for _ in range(200):
        problem = _pfs_like_problem(tg, rng.random(30) < 0.1)
        # times near the printed values, so that many limits are met or nearly met
        values = sorted({int(round(100 * v)) for w in problem.want.values() for v in w
                         if not math.isnan(v)})
        t = np.array([int(rng.choice(values)) + int(rng.integers(-30, 31))
                      if rng.random() < 0.6 else int(rng.integers(5, 2500)) for _ in range(30)])
        t = np.maximum(t, 5)
        e = (rng.random(30) < 0.75).astype(int)
        met, missed = set(), []
        for pop, mask in problem.curves.items():
            km = survival.kaplan_meier(t[mask] / 100.0, e[mask])
            for g, w in zip((km.median, km.median_lower, km.median_upper), problem.want[pop],
                            strict=True):
                if math.isnan(g) or math.isnan(w):
                    continue
                if abs(g - w) < 1e-9:
                    met.add(int(round(100 * g)))
                elif abs(100 * g - round(100 * g)) < 1e-6:  # a time, not a midpoint
                    missed.append((pop, int(round(100 * g)), int(round(100 * w))))
        before = t.copy()
        problem._snap(t, e)
        for i in np.flatnonzero(t != before):
            moved_any += 1
            assert not problem.fixed_time[i] and int(before[i]) not in met
            assert any(problem.curves[pop][i] and g == before[i] and t[i] == w
                       for pop, g, w in missed), (i, before[i], t[i], missed)
        for pop, g, w in missed:
            at = np.flatnonzero(problem.curves[pop] & (before == g) & (e == 1))
            if (at.size == 1 and not problem.fixed_time[at[0]] and g not in met
                    and (before == g).sum() == 1):
                assert t[at[0]] in {w} | {w2 for p2, g2, w2 in missed if g2 == g}, (pop, g, w)
    assert moved_any > 50
