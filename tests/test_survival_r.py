"""Cross-check of therapybook.stats.survival against R's survival package on generated datasets.

Many seeded datasets (ties, heavy censoring, curves sitting exactly at 0.5, curves
reaching 0, deaths at time 0, all censored, 2–3 groups) are written as CSV files;
ONE Rscript process fits each with ``survfit``/``survdiff`` and prints the results;
every number is compared to ~1e-9 and every printed median/CI at 3 significant digits.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from therapybook.stats import survival

pytestmark = [
    pytest.mark.r,
    pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript absent"),
]

N_RANDOM = 240
GRID = [0, 1, 2.5, 3, 6, 12, 24]

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
files <- sort(list.files(args[1], pattern = "\\.csv$", full.names = TRUE))
grid <- as.numeric(strsplit(args[2], ",")[[1]])
num <- function(x) paste(ifelse(is.na(x), "NA", sprintf("%.17g", x)), collapse = ",")
out <- function(id, key, x) cat(id, "|", key, "|", x, "\n", sep = "")
lastcols <- function(lines, k) {
  lines <- lines[-(1:grep("median", lines)[1])]
  lines <- lines[nzchar(trimws(lines))]
  vapply(lines, function(l) { w <- strsplit(trimws(l), "[[:space:]]+")[[1]];
    paste(tail(w, k), collapse = " ") }, "")
}
for (f in files) {
  id <- sub("\\.csv$", "", basename(f))
  d <- read.csv(f)
  fit <- survfit(Surv(time, event) ~ 1, data = d)
  for (k in c("time", "n.risk", "n.event", "n.censor", "surv", "std.err", "lower", "upper"))
    out(id, k, num(fit[[k]]))
  tab <- summary(fit)$table
  out(id, "table", num(tab[c("median", "0.95LCL", "0.95UCL")]))
  q <- quantile(fit, c(0.25, 0.5, 0.75))
  out(id, "quantile", num(rbind(q$quantile, q$lower, q$upper)))
  out(id, "print", lastcols(capture.output(print(fit)), 3))
  s <- summary(fit, times = grid, extend = TRUE)
  out(id, "atrisk", num(s$n.risk))
  out(id, "survat", num(s$surv))
  if (length(unique(d$group)) > 1) {
    sd <- tryCatch(survdiff(Surv(time, event) ~ group, data = d), error = function(e) NULL)
    if (is.null(sd)) out(id, "survdiff", "error")
    else out(id, "survdiff", num(c(sd$chisq, sum(sd$exp > 0) - 1, sd$pvalue)))
    sf <- survfit(Surv(time, event) ~ group, data = d)
    out(id, "printstrata", paste(lastcols(capture.output(print(sf)), 3), collapse = ";"))
  }
}
"""


def datasets() -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Seeded datasets, named by the case they exercise."""
    rng = np.random.default_rng(20230505)
    out: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for i in range(N_RANDOM):
        n = int(rng.integers(5, 61))
        kind = i % 8
        if kind == 0:  # continuous times rounded to 2 decimals, moderate censoring
            t = np.round(rng.exponential(6, n), 2)
            e = rng.random(n) < rng.uniform(0.3, 0.9)
            if i % 16 == 0:  # times equal within R's tolerance (timefix merges them)
                t[1], t[2] = t[0] * (1 + 1e-10), t[0] + 1e-9
        elif kind == 1:  # integer months: many ties of events and censorings
            t = rng.integers(0, 15, n).astype(float)
            e = rng.random(n) < rng.uniform(0.3, 0.9)
        elif kind == 2:  # heavy censoring
            t = np.round(rng.uniform(0, 30, n), 1)
            e = rng.random(n) < 0.15
        elif kind == 3:  # curve reaches 0: no censoring after the last event
            t = np.round(rng.exponential(4, n), 2)
            e = rng.random(n) < 0.6
            e[np.argmax(t)] = True
        elif kind == 4:  # deaths at time 0
            t = np.round(rng.exponential(5, n), 2)
            t[: int(rng.integers(1, max(2, n // 4)))] = 0.0
            e = rng.random(n) < 0.7
            e[0] = True
        elif kind == 5:  # exact 0.5 plateau: half the (even) sample dies first, uncensored
            n += n % 2
            first = np.sort(rng.choice(np.arange(1, 40), n // 2, replace=False)).astype(float)
            rest = first[-1] + rng.integers(0, 20, n - n // 2)
            t = np.concatenate((first, rest))
            e = np.concatenate((np.ones(n // 2, bool), rng.random(n - n // 2) < 0.5))
        elif kind == 6:  # small samples of integer times (products hitting 0.5 exactly)
            n = int(rng.integers(2, 9))
            t = rng.integers(0, 6, n).astype(float)
            e = rng.random(n) < 0.7
        else:  # plateau at 0.5 until the end (last ones censored) or all censored
            if i % 16 == 7:
                m = int(rng.integers(2, 12))
                t = np.concatenate((np.arange(1, m + 1), m + 1 + rng.integers(0, 5, m)))
                e = np.concatenate((np.ones(m, bool), np.zeros(m, bool)))
                n = 2 * m
                t = t.astype(float)
            else:
                t = np.round(rng.uniform(0, 20, n), 1)
                e = np.zeros(n, bool)
        k = 1 + (i % 3)
        g = rng.integers(0, k, len(t))
        out[f"d{i:03d}_k{kind}"] = (t.astype(float), e.astype(bool), g)
    return out


def write_csv(path: Path, t, e, g) -> None:
    """Exact doubles (shortest repr) so that R reads the very same times."""
    rows = [f"{float(a)!r},{int(b)},{c}" for a, b, c in zip(t, e, g, strict=True)]
    path.write_text("time,event,group\n" + "\n".join(rows) + "\n")


@pytest.fixture(scope="module")
def r_results(tmp_path_factory) -> tuple[dict, dict]:
    data = datasets()
    folder = tmp_path_factory.mktemp("survival_r")
    for name, (t, e, g) in data.items():
        write_csv(folder / f"{name}.csv", t, e, [f"g{c}" for c in g])
    script = folder / "check.R"
    script.write_text(R_SCRIPT)
    proc = subprocess.run(["Rscript", str(script), str(folder), ",".join(map(str, GRID))],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    res: dict[str, dict[str, str]] = {}
    for line in proc.stdout.splitlines():
        name, key, value = line.split("|", 2)
        res.setdefault(name, {})[key] = value
    assert set(res) == set(data)
    return data, res


def nums(text: str) -> np.ndarray:
    return np.array([np.nan if v == "NA" else float(v) for v in text.split(",")], dtype=float)


def close(a, b) -> bool:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))


def test_many_datasets_cover_the_corner_cases(r_results):
    data, res = r_results
    fits = {k: survival.kaplan_meier(t, e) for k, (t, e, _) in data.items()}
    assert sum(np.any(np.abs(f.surv - 0.5) < 1e-12) for f in fits.values()) >= 20
    assert sum(f.surv[-1] == 0 for f in fits.values()) >= 20
    assert sum(f.time[0] == 0 and f.n_event[0] > 0 for f in fits.values()) >= 20
    assert sum(f.events == 0 for f in fits.values()) >= 5
    assert sum(not np.isnan(f.median) for f in fits.values()) >= 100
    assert sum(f.median_lower == 0 for f in fits.values()) >= 1
    assert sum(f.time.size < np.unique(t).size for f, (t, _, _) in
               zip(fits.values(), data.values(), strict=True)) >= 10
    differ = sum(not np.isclose(f.median, f.quantile(0.5)[0], equal_nan=True)
                 for f in fits.values())
    assert differ >= 3  # print() and quantile() disagree on plateaus ending at 0.5


def test_survfit_table_equals_r(r_results):
    data, res = r_results
    for name, (t, e, _) in data.items():
        km, r = survival.kaplan_meier(t, e), res[name]
        for attr, key in [("time", "time"), ("n_risk", "n.risk"), ("n_event", "n.event"),
                          ("n_censor", "n.censor"), ("surv", "surv"),
                          ("std_err", "std.err"), ("lower", "lower"), ("upper", "upper")]:
            assert close(getattr(km, attr), nums(r[key])), (name, attr)


def test_median_and_ci_equal_r(r_results):
    data, res = r_results
    for name, (t, e, _) in data.items():
        km, r = survival.kaplan_meier(t, e), res[name]
        assert close([km.median, km.median_lower, km.median_upper], nums(r["table"])), name
        mine = [v for p in (0.25, 0.5, 0.75) for v in km.quantile(p)]
        assert close(mine, nums(r["quantile"])), name


def test_printed_medians_equal_r_at_3_digits(r_results):
    data, res = r_results
    for name, (t, e, g) in data.items():
        km, r = survival.kaplan_meier(t, e), res[name]
        row = km.r_print()
        assert " ".join([row["median"], row["0.95LCL"], row["0.95UCL"]]) == r["print"], name
        if "printstrata" in r:
            rows = survival.median_row(survival.kaplan_meier_by(t, e, g))
            mine = ";".join(" ".join([v["median"], v["0.95LCL"], v["0.95UCL"]])
                            for v in rows.values())
            assert mine == r["printstrata"], name


def test_numbers_at_risk_equal_r(r_results):
    data, res = r_results
    for name, (t, e, _) in data.items():
        km = survival.kaplan_meier(t, e)
        assert close(km.at_risk(GRID), nums(res[name]["atrisk"])), name
        assert close(km.survival_at(GRID), nums(res[name]["survat"])), name


def test_logrank_equals_survdiff(r_results):
    data, res = r_results
    checked = 0
    for name, (t, e, g) in data.items():
        if "survdiff" not in res[name]:
            continue
        lr = survival.logrank(t, e, g)
        if res[name]["survdiff"] == "error":  # R: "system is exactly singular"
            assert np.isnan(lr.chisq) and np.isnan(lr.p), name
            continue
        chisq, df, p = nums(res[name]["survdiff"])
        assert lr.df == df, name
        assert np.isclose(lr.chisq, chisq, rtol=1e-8, atol=1e-10), name
        assert np.isclose(lr.p, p, rtol=1e-8, atol=1e-12, equal_nan=True), name
        assert f"{lr.p:.3f}" == f"{p:.3f}", name
        checked += 1
    assert checked >= 100


def test_thesis_style_zero_lower_limit_prints_like_r(tmp_path: Path):
    """Deaths at time 0 give a 0.00 lower limit next to other strata's values (Table 2)."""
    t = np.array([0, 0, 1.2, 3.81, 3.9, 6.0, 8.0, 2.53, 3.88, 5.0, 9.0, 12.0, 4.0, 8.05])
    e = np.array([1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1])
    g = np.array(["c"] * 7 + ["b"] * 5 + ["a"] * 2)
    csv = tmp_path / "d.csv"
    write_csv(csv, t, e, g)
    code = ("suppressPackageStartupMessages(library(survival));"
            f"d <- read.csv('{csv}'); print(survfit(Surv(time, event) ~ group, data = d))")
    proc = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True)
    rows = survival.median_row({lv: survival.kaplan_meier(t[g == lv], e[g == lv])
                                for lv in ["a", "b", "c"]})
    printed = [line.split()[-3:] for line in proc.stdout.splitlines() if "group=" in line]
    assert printed == [[v["median"], v["0.95LCL"], v["0.95UCL"]] for v in rows.values()]
    assert rows["c"]["0.95LCL"] == "0.00"


def test_significant_digits_match_r_print():
    """The book's one "as R prints" rule (``r_signif``, and ``fmt.signif`` in French) equals
    R's ``format(x, digits = 3)`` — which, unlike ``signif()``, keeps integer digits."""
    from therapybook.render import fmt

    values = [1234.5, 1235.5, 12.49, 2.5, 0.0123456, 14.4123, 0.5, 99.95, 100.5, 5.125, 4.3712,
              12.16, 0.0, 7.0, 63.0, 0.00012345, 17.95, 2.04, 1.08, 999.5]
    script = ("x <- c(" + ",".join(repr(v) for v in values) + ")\n"
              "for (v in x) cat(format(v, digits = 3), signif(v, 3), '\\n')\n")
    out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True)
    rows = [line.split() for line in out.stdout.strip().splitlines()]
    assert len(rows) == len(values)
    for v, (printed, _signif) in zip(values, rows, strict=True):
        assert survival.r_signif(v) == printed, v
        assert fmt.signif(v) == printed.replace(".", ","), v
    assert rows[0] == ["1234", "1230"]  # where print and signif() part ways


COX_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
d <- read.csv(commandArgs(trailingOnly = TRUE)[1])
p <- d[!is.na(d$pfs_months), ]
p$anti_gprc5d <- as.integer(p$subsequent_line == "anti_gprc5d")
fit <- coxph(Surv(pfs_months, pfs_event) ~ anti_gprc5d, data = p)  # Efron ties (default)
s <- summary(fit)$conf.int
cat(sprintf("%.17g", c(s[1, "exp(coef)"], s[1, "lower .95"], s[1, "upper .95"])), "\n")
"""


def test_cox_hazard_ratio_equals_r_coxph_on_the_shipped_cohort():
    """lifelines' CoxPHFitter (the appendix's hazard ratio) against R's coxph."""
    from therapybook import data
    from therapybook.study import ensemble

    path = data.resource_path("retrospective_cohort")
    out = subprocess.run(["Rscript", "-e", COX_SCRIPT, str(path)], capture_output=True,
                         text=True, check=True).stdout
    want = [float(x) for x in out.split()]
    cohort = data.load("retrospective_cohort")
    pfs = cohort[cohort["pfs_months"].notna()]
    got = ensemble.cox_gprc5d(pfs["pfs_months"].to_numpy(float),
                              pfs["pfs_event"].to_numpy(float) > 0,
                              (pfs["subsequent_line"] == "anti_gprc5d").to_numpy())
    assert np.allclose(got, want, rtol=1e-6), (got, want)
