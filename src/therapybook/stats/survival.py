"""Kaplan-Meier estimates and the log-rank test, identical to R 4.2 ``survival`` 3.5.

Why the book computes its Kaplan-Meier numbers here rather than with lifelines: the
thesis analysed its cohort with R (``survfit``, ``survdiff``), and the numbers it prints
are R's. Two of R's rules are not lifelines': the 95 % band of a median is R's default
``conf.type = "log"`` (lifelines uses the log-log transform), and the median and its
limits follow ``print(fit)`` (``survival:::survmean``: the midpoint of a plateau exactly
at 0.5, NA when a band never crosses 0.5), which lifelines does not reproduce. This module
implements those rules, including their corner cases, so that a value printed by R and a
value computed here agree to the last printed digit — on the pseudo-cohort as on the real
data.

How it is checked: ``tests/test_survival_r.py`` runs R itself on hundreds of generated
data sets (ties, heavy censoring, curves sitting exactly at 0.5 or reaching 0, deaths at
time 0, two or three groups) and compares every estimate, band, median and printed digit;
``tests/test_survival.py`` checks hand-worked examples, and uses lifelines as an
independent oracle for what both must share — the survival estimates, the numbers at risk
and the log-rank statistic.

* :func:`kaplan_meier` — ``survfit(Surv(time, event) ~ 1)`` with the default
  ``conf.type = "log"`` 95 % pointwise band, and the median with its confidence
  limits exactly as ``print(fit)`` / ``summary(fit)$table`` report them
  (``survival:::survmean``); :meth:`KaplanMeier.quantile` follows
  ``quantile(fit)`` (``survival:::findq``), which differs in corner cases (a curve
  ending exactly on 0.5, a non-monotone upper band).
* :func:`kaplan_meier_by` — ``survfit(Surv(time, event) ~ group)``, one curve per group.
* :func:`logrank` — ``survdiff(Surv(time, event) ~ group)`` (chi-square, df, p).
* :func:`r_format`, :func:`r_signif`, :func:`median_row`, :func:`median_ci_text` — numbers
  as R prints them (3 significant digits; the columns of a stratified fit share their
  decimals: ``0`` next to ``5.16`` prints ``0.00``), ``decimal=","`` for French;
  :func:`r_signif` is the book's one "as R prints" rule (``fmt.signif`` is its French form).
* :func:`deaths_at_zero_for_null_lower` — how many deaths at time 0 make R print a lower
  limit of 0 for a median.

Everything is plain numpy (called thousands of times by the pseudo-cohort generator).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import chdtrc, ndtri

#: R's default tolerance, ``sqrt(.Machine$double.eps)``.
TOL = float(np.sqrt(np.finfo(float).eps))
NA = float("nan")
Z95 = float(ndtri(0.975))

__all__ = ["KaplanMeier", "LogRank", "kaplan_meier", "kaplan_meier_by", "logrank",
           "r_format", "r_signif", "median_row", "median_ci_text", "TOL",
           "deaths_at_zero_for_null_lower"]


def _timefix(time: np.ndarray) -> np.ndarray:
    """R's ``aeqSurv``: merge times closer than ``TOL`` (absolute or relative to the mean)."""
    y = np.unique(time[np.isfinite(time)])
    if y.size < 2:
        return time
    dy = np.diff(y)
    tied = (dy <= TOL) | (dy / np.mean(np.abs(y)) <= TOL)
    if not tied.any():
        return time
    cuts = y[np.concatenate(([True], ~tied))]
    return cuts[np.searchsorted(cuts, time, side="right") - 1]


def _as_arrays(time, event, fix: bool = True) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(time, dtype=float)
    e = np.asarray(event)
    if e.dtype == object:
        e = e.astype(float)
    e = e.astype(bool) if e.dtype != bool else e
    if t.shape != e.shape or t.ndim != 1:
        raise ValueError("time et event doivent être deux vecteurs de même longueur")
    if t.size == 0:
        raise ValueError("aucune observation")
    if np.isnan(t).any():
        raise ValueError("temps manquant (NaN) : filtrez la population d'analyse d'abord")
    if (t < 0).any():
        raise ValueError("temps négatif")
    return (_timefix(t) if fix else t), e


def _distinct(t: np.ndarray, e: np.ndarray,
              fix: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct times after R's ``timefix`` with their event and subject counts (sorted)."""
    order = np.argsort(t, kind="stable")
    ts, es = t[order], e[order]
    dy = np.diff(ts)
    new = dy > 0
    if fix and new.any():  # aeqSurv: gaps between distinct times within tolerance are not new times
        gaps = dy[new]
        mean = np.mean(np.abs(np.concatenate((ts[:1], ts[1:][new]))))
        new[new] = (gaps > TOL) & (gaps / mean > TOL)
    starts = np.flatnonzero(np.concatenate(([True], new)))
    d = np.add.reduceat(es.astype(np.int64), starts)
    total = np.diff(np.append(starts, ts.size))
    return ts[starts], d, total


def _minmin(y: np.ndarray, x: np.ndarray) -> float:
    """``survmean``'s inner ``minmin``: first x where y < 0.5 + tol; midpoint on a 0.5 plateau."""
    keep = ~np.isnan(y) & (y < 0.5 + TOL)
    if not keep.any():
        return NA
    x, y = x[keep], y[keep]
    if abs(y[0] - 0.5) < TOL:
        below = np.flatnonzero(y < y[0])
        if below.size:
            return float((x[0] + x[below[0]]) / 2)
    return float(x[0])


def _findq(x: np.ndarray, y: np.ndarray, p: float, tol: float = TOL) -> float:
    """``survival:::findq`` for one probability (``x``, ``y`` = time, 1 - S, with the origin)."""
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return NA
    xmax = x[-1]
    # duplicated() keeps the first occurrence; NaN counts as a value
    _, first = np.unique(np.where(np.isnan(y), np.inf, y), return_index=True)
    first = np.sort(first)
    x, y = x[first], y[first]
    ok = ~np.isnan(y)
    idx = np.flatnonzero(ok)

    def index(shift: float) -> int | None:
        # approx(y + shift, 1:n, p, "constant", f = 1): approx sorts the pairs by y first
        # (the upper band is not monotone), then takes the first y >= p
        yy = y[ok] + shift
        order = np.argsort(yy, kind="stable")
        pos = int(np.searchsorted(yy[order], p, side="left"))
        return None if pos == yy.size else int(idx[order[pos]])

    if p == 0:
        return float(x[0])
    i1, i2 = index(tol), index(-tol)
    quant = NA if i1 is None or i2 is None else float((x[i1] + x[i2]) / 2)
    if not np.isnan(y[-1]) and abs(p - y[-1]) < tol:
        quant = NA if i1 is None else float((x[i1] + xmax) / 2)
    return quant


@dataclass(frozen=True, eq=False)
class KaplanMeier:
    """A Kaplan-Meier curve as R's ``survfit`` object holds it (one row per distinct time).

    Attributes (numpy arrays share the length of ``time``):

    - ``n``: number of subjects; ``events``: total number of events.
    - ``time``: distinct times (events or censorings), ascending.
    - ``n_risk``, ``n_event``, ``n_censor``: at risk just before, events and censorings at
      each time (integers).
    - ``surv``: survival estimate S(t) just after each time.
    - ``std_err``: R's ``std.err``: Greenwood standard error of log S (cumulative-hazard
      scale), ``sqrt(cumsum(d / (n (n - d))))``; ``inf`` once S = 0.
    - ``lower``, ``upper``: pointwise 95 % band, R's default ``conf.type = "log"``:
      ``exp(log S ± z·std_err)``, upper capped at 1, NaN where S = 0.
    - ``median``, ``median_lower``, ``median_upper``: median survival and its 95 % CI as
      ``print(fit)`` shows them (NaN = R's NA, « non atteinte »).
    - ``conf_level``: 0.95.
    """

    n: int
    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    surv: np.ndarray
    std_err: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    median: float
    median_lower: float
    median_upper: float
    conf_level: float = 0.95
    events: int = field(default=0)

    def at_risk(self, times: Sequence[float] | float) -> np.ndarray:
        """Numbers at risk at ``times`` (subjects with time ≥ t), as
        ``summary(fit, times = ., extend = TRUE)$n.risk`` and survminer's risk table."""
        t = np.atleast_1d(np.asarray(times, dtype=float))
        i = np.searchsorted(self.time, t, side="left")
        padded = np.append(self.n_risk, 0)
        return padded[i]

    def survival_at(self, times: Sequence[float] | float) -> np.ndarray:
        """S(t) at ``times`` (right-continuous step function; 1 before the first time)."""
        t = np.atleast_1d(np.asarray(times, dtype=float))
        i = np.searchsorted(self.time, t, side="right")
        return np.append(1.0, self.surv)[i]

    def quantile(self, p: float = 0.5) -> tuple[float, float, float]:
        """``quantile(fit, p)`` → (quantile, lower, upper), R's ``findq`` algorithm.

        Equals the printed median except when the curve ends exactly on 1 - p
        (``quantile`` then takes the midpoint with the last time, ``print`` does not).
        """
        x = np.concatenate(([0.0], self.time))
        q = _findq(x, np.concatenate(([0.0], 1 - self.surv)), p)
        lo = _findq(x, np.concatenate(([0.0], 1 - self.lower)), p)
        hi = _findq(x, np.concatenate(([0.0], 1 - self.upper)), p)
        return q, lo, hi

    def censor_marks(self) -> tuple[np.ndarray, np.ndarray]:
        """Times with at least one censoring and S there (for the "+" ticks of a plot)."""
        m = self.n_censor > 0
        return self.time[m], self.surv[m]

    def r_print(self, digits: int = 3, decimal: str = ".") -> dict[str, str]:
        """``print(fit)`` for this curve alone: n, events, median, 0.95LCL, 0.95UCL."""
        return median_row({"": self}, digits=digits, decimal=decimal)[""]


def kaplan_meier(time, event, conf_level: float = 0.95) -> KaplanMeier:
    """R's ``survfit(Surv(time, event) ~ 1)`` (Kaplan-Meier, Greenwood, log band).

    ``time`` ≥ 0 (deaths at time 0 allowed), ``event`` truthy = event, falsy = censored.
    Times equal within R's tolerance are merged first (R's ``timefix``).
    For the curves of ``survfit(... ~ group)`` use :func:`kaplan_meier_by`.
    """
    t, e = _as_arrays(time, event, fix=False)
    return _km(t, e, conf_level, fix=True)


def kaplan_meier_by(time, event, group, conf_level: float = 0.95) -> dict[str, KaplanMeier]:
    """R's ``survfit(Surv(time, event) ~ group)``: one curve per group (sorted levels).

    Same as :func:`kaplan_meier` per group, except that R's ``timefix`` merges near-equal
    times over the whole data set first (it can move a midpoint median in the 10th digit).
    """
    t, e = _as_arrays(time, event, fix=True)
    g = np.asarray(group)
    if g.shape != t.shape:
        raise ValueError("group doit avoir la longueur de time")
    return {lv: _km(t[g == lv], e[g == lv], conf_level, fix=False) for lv in np.unique(g).tolist()}


def _km(t: np.ndarray, e: np.ndarray, conf_level: float, fix: bool) -> KaplanMeier:
    ut, d, total = _distinct(t, e, fix)
    c = total - d
    n_risk = t.size - np.concatenate(([0], np.cumsum(total)[:-1]))
    surv = np.cumprod((n_risk - d) / n_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        inc = np.where(d > 0, d / (n_risk * (n_risk - d)), 0.0)
        std_err = np.sqrt(np.cumsum(inc))
        z = Z95 if conf_level == 0.95 else ndtri(1 - (1 - conf_level) / 2)
        s = np.where(surv == 0, np.nan, surv)
        lower = np.exp(np.log(s) - z * std_err)
        upper = np.minimum(np.exp(np.log(s) + z * std_err), 1.0)
    return KaplanMeier(
        n=int(t.size), time=ut, n_risk=n_risk, n_event=d, n_censor=c, surv=surv,
        std_err=std_err, lower=lower, upper=upper,
        median=_minmin(surv, ut), median_lower=_minmin(lower, ut),
        median_upper=_minmin(upper, ut), conf_level=conf_level, events=int(d.sum()),
    )


def deaths_at_zero_for_null_lower(n: int, conf_level: float = 0.95) -> int | None:
    """Fewest deaths at time 0 among ``n`` subjects for which R prints a lower confidence
    limit of 0 for the median: the "log" band must fall to 0.5 or below at time 0 while S
    itself stays above 0.5 (so that the median comes later). None when ``n`` allows none.

    The audit uses it to weigh a printed « 0,00 » limit, the pseudo-cohort generator to
    place such deaths.
    """
    for d in range(1, n):
        curve = kaplan_meier([0.0] * d + [1.0] * (n - d), [1] * n, conf_level)
        if curve.surv[0] <= 0.5:
            return None
        if curve.lower[0] < 0.5 + TOL:
            return d
    return None


@dataclass(frozen=True)
class LogRank:
    """``survdiff`` result: ``chisq``, ``df``, ``p`` plus per-group ``observed``/``expected``
    (in the order of ``groups``)."""

    chisq: float
    df: int
    p: float
    groups: tuple = ()
    observed: tuple = ()
    expected: tuple = ()


def logrank(time, event, group) -> LogRank:
    """R's ``survdiff(Surv(time, event) ~ group)`` (rho = 0): log-rank chi-square and p.

    Any number of groups; equals lifelines' ``logrank_test`` /
    ``multivariate_logrank_test`` (checked in the tests). Where R stops with an error
    (singular variance, e.g. every subject of the comparison dies at one time), chisq and
    p are NaN; with no event at all, df = -1 and p is NaN, as in R.
    """
    t, e = _as_arrays(time, event)
    g = np.asarray(group)
    if g.shape != t.shape:
        raise ValueError("group doit avoir la longueur de time")
    levels, gi = np.unique(g, return_inverse=True)
    ng = levels.size
    ut, inv = np.unique(t, return_inverse=True)
    k = ut.size
    # events and subjects per (time, group)
    d_tg = np.zeros((k, ng))
    np.add.at(d_tg, (inv, gi), e.astype(float))
    c_tg = np.zeros((k, ng))
    np.add.at(c_tg, (inv, gi), 1.0)
    n_tg = c_tg[::-1].cumsum(axis=0)[::-1]  # at risk: time >= t
    n = n_tg.sum(axis=1)
    d = d_tg.sum(axis=1)
    keep = d > 0
    n_tg, n, d, d_tg = n_tg[keep], n[keep], d[keep], d_tg[keep]
    frac = n_tg / n[:, None]
    observed = d_tg.sum(axis=0)
    expected = (frac * d[:, None]).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    var = -(frac * w[:, None]).T @ frac
    var[np.diag_indices(ng)] += (frac * w[:, None]).sum(axis=0)
    use = expected > 0
    df = int(use.sum()) - 1
    if df < 1:
        chisq = 0.0
    else:
        diff = (observed - expected)[use][1:]
        vv = var[np.ix_(use, use)][1:, 1:]
        try:
            chisq = float(diff @ np.linalg.solve(vv, diff))
        except np.linalg.LinAlgError:  # R stops ("system is exactly singular")
            return LogRank(chisq=NA, df=df, p=NA, groups=tuple(levels.tolist()),
                           observed=tuple(observed.tolist()),
                           expected=tuple(expected.tolist()))
    # R: pchisq(0, 0, lower.tail = FALSE) = 1 (one group with events), NaN without events
    p = float(chdtrc(df, chisq)) if df >= 1 else (1.0 if df == 0 else NA)
    return LogRank(chisq=chisq, df=df, p=p, groups=tuple(levels.tolist()),
                   observed=tuple(observed.tolist()), expected=tuple(expected.tolist()))


# ---------------------------------------------------------------- printing as R does


def _sig(x: float, digits: int) -> tuple[int, int]:
    """(kpower, nsig) of R's ``scientific()``: exponent and significant digits needed."""
    mant, _, exp = f"{abs(x):.{digits - 1}e}".partition("e")
    nsig = len(mant.replace(".", "").rstrip("0")) or 1
    return int(exp), nsig


def r_format(values: Sequence[float | None], digits: int = 3, decimal: str = ".") -> list[str]:
    """Format numbers as R prints one column of a matrix (``print(fit)`` with strata).

    All values share the number of decimals that the most demanding one needs to
    show ``digits`` significant digits (R's ``formatReal``); NaN/None → ``"NA"``.
    ``decimal=","`` gives the French form (``0,00``, ``14,4``). Fixed notation only.
    """
    vals = [NA if v is None else float(v) for v in values]
    rgt = 0
    for v in vals:
        if np.isfinite(v) and v != 0:
            kp, nsig = _sig(v, digits)
            rgt = max(rgt, nsig - kp - 1)
    out = []
    for v in vals:
        if np.isnan(v):
            out.append("NA")
        elif np.isinf(v):
            out.append("Inf" if v > 0 else "-Inf")
        else:
            out.append(f"{v:.{rgt}f}".replace(".", decimal))
    return out


def r_signif(x: float | None, digits: int = 3, decimal: str = ".") -> str:
    """One number as R prints it alone (``4.37``, ``12.5``, ``2.5``, ``0``, ``NA``)."""
    return r_format([x], digits, decimal)[0]


def median_row(curves: Mapping[str, KaplanMeier], digits: int = 3,
               decimal: str = ".") -> dict[str, dict[str, str]]:
    """``print(survfit(... ~ group))``: per curve n, events, median, 0.95LCL, 0.95UCL as
    printed (columns formatted together, so pass the strata of one fit together)."""
    names = list(curves)
    lvl = f"{curves[names[0]].conf_level:g}" if names else "0.95"
    cols = {
        "median": r_format([curves[k].median for k in names], digits, decimal),
        f"{lvl}LCL": r_format([curves[k].median_lower for k in names], digits, decimal),
        f"{lvl}UCL": r_format([curves[k].median_upper for k in names], digits, decimal),
    }
    return {k: {"n": str(curves[k].n), "events": str(curves[k].events),
                **{c: v[i] for c, v in cols.items()}} for i, k in enumerate(names)}


def median_ci_text(curves: Mapping[str, KaplanMeier] | KaplanMeier, *, decimal: str = ",",
                   sep: str = " – ", na: str = "NA") -> dict[str, str] | str:
    """« 3,81 (0,00 – NA) »: median (95 % CI) as R prints it, in French by default.

    Pass the curves of one stratified fit together (a dict): R formats each column
    jointly, which is why the thesis prints « 0,00 » next to « 5,16 ». A single
    curve gives a single string. ``na`` replaces R's NA (e.g. « non atteinte »).
    """
    single = isinstance(curves, KaplanMeier)
    rows = median_row({"": curves} if single else curves, decimal=decimal)
    out = {}
    for name, r in rows.items():
        med, lo, hi = (na if v == "NA" else v for v in list(r.values())[2:])
        out[name] = f"{med} ({lo}{sep}{hi})"
    return out[""] if single else out
