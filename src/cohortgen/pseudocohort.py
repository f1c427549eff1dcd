"""Synthetic pseudo-cohort of the retrospective study (thesis III.1), from its published numbers.

The patient-level data of the Nantes cohort are not public. :func:`generate` builds, from
the numbers the thesis prints (``data.load("retrospective_published")``), a deterministic
(seeded) cohort of 45 synthetic patients consistent with every printed aggregate that can be
consistent:

1. categorical columns by exact assignment (per anti-BCMA class counts, the thesis's
   definitions: penta-refractory ⊂ triple-refractory ⊂ anti-CD38-refractory, refractory to
   an IMiD, carfilzomib and an anti-CD38 ⇒ triple-refractory, …);
2. ages and prior lines by a seeded local search on integers until every median and IQR
   (R's type-7 quantile) per column and overall is met;
3. survival times by a seeded, targeted annealing search on times in hundredths of a month,
   checked with :func:`therapybook.stats.survival.kaplan_meier` (the single source of truth) until
   every Kaplan-Meier median and 95 % CI limit equals the printed value, and the log-rank
   p (anti-GPRC5D vs other subsequent lines) rounds to the printed three decimals; PFS
   first, then OS (bounded below by each patient's PFS); finally every time that carries
   no target is redrawn at random within the range that keeps all targets met. Since
   version 3, part of the proposals end with a repair (:meth:`_SurvivalProblem._snap`):
   the patient who carries a missed limit is put on the printed value; the search then
   mostly has to find an order of events, not their times (about four times fewer steps).

Readings of the text (documented in the chapter and the descriptor):

- PFS exists only for the 30 patients who received a subsequent line (figure 21-A, n = 30);
  origin of PFS and OS: failure (progression) of the anti-BCMA therapy (III.1.2).
- OS is analysed on the 40 patients left after the 5 infection deaths that occurred before
  any subsequent line (figure 21-B, n = 40; discussion « 10/40 des patients analysés pour la
  SG »). Those 5 patients have an empty ``os_months``. The per-class OS medians of Table 2 are
  computed on the same 40 patients.
- Counts contradicted by their printed percentage (ADC « 6 (43) », « 2 (21) », « 1 (7) »):
  the count is kept, the percentage is reported by the audit.
- Extramedullary disease « 18 (41) » overall (text and table): 18/44 — one CAR-T patient
  has an unknown status (the CAR-T cell « 9 (56) », 9/16, cannot hold at the same time).
- Cytogenetics known for 31 patients; which ones is drawn at random (the thesis gives no
  per-column denominator).
- Deaths at time 0 are placed only where a printed lower limit is 0 (ADC OS).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import chdtrc

from therapybook import data
from therapybook.stats import survival
from therapybook.stats.quantiles import quantile7  # R's type 7, the book's one definition

SEED = 20230901
#: Version of what a seed produces: bump it whenever the same seed would give other bytes
#: (the ensemble resource records it; a faster search with the same draws keeps it).
GENERATOR_VERSION = "3"
CLASSES = ("car_t", "bispecific", "adc")
PRODUCTS = {
    "car_t": ("ide_cel", "cilta_cel"),
    "bispecific": ("teclistamab", "elranatamab"),
    "adc": ("belantamab_mafodotin",),
}
LINES = ("alkylator", "proteasome_inhibitor", "imid", "anti_gprc5d", "anti_bcma", "venetoclax",
         "other", "none")
BOOLEANS = ("high_risk_cytogenetics", "extramedullary", "prior_autograft", "triple_refractory",
            "penta_refractory", "refractory_anti_cd38", "refractory_lenalidomide",
            "refractory_pomalidomide", "refractory_carfilzomib")
COLUMNS = ("patient_id", "anti_bcma_class", "anti_bcma_product", "age_at_failure",
           "prior_lines", *BOOLEANS, "subsequent_line", "pfs_months", "pfs_event",
           "os_months", "os_event", "death_cause")
#: Unknown extramedullary status per class (reading « 18 (41) » as 18/44, see module doc).
EXTRAMEDULLARY_UNKNOWN = {"car_t": 1}
#: Plausible ranges of the synthetic values.
AGE_RANGE = (40, 84)
PRIOR_LINES_RANGE = (2, 10)
MAX_PFS = 40.0  # months
MAX_OS = 54.0  # months: inclusion September 2018 – March 2023
KM_STATS = ("median", "lower", "upper")
NAN = float("nan")


class SynthesisError(RuntimeError):
    """The search did not meet every target (raise the iteration budget or change seed)."""


# ----------------------------------------------------------------------------- targets
@dataclass
class Targets:
    """What the cohort must reproduce, read from the published numbers."""

    n: dict[str, int]  # patients per class
    counts: dict[tuple[str, str], int]  # (variable, class) -> count; booleans and lines
    products: dict[str, int]
    quantiles: dict[tuple[str, str], tuple[float, float, float]]  # (var, pop) -> q1, med, q3
    km: dict[tuple[str, str], tuple[float, float, float]]  # (endpoint, pop) -> med, lo, hi
    p_value: float
    retreated_pfs: tuple[float, ...]
    infection_deaths: int
    palliative: int
    deaths: dict[str, int]
    cytogenetics_evaluable: int
    extra: dict[str, float] = field(default_factory=dict)


def targets(published: pd.DataFrame | None = None) -> Targets:
    """Parse ``retrospective_published`` into :class:`Targets` (Table 2 values first)."""
    pub = data.load("retrospective_published") if published is None else published
    by_key = pub.set_index("key")

    def value(key: str) -> float:
        if key not in by_key.index:
            raise KeyError(f"nombre publié absent de published.csv : {key}")
        return float(by_key.loc[key, "value"])

    t2 = pub[pub["key"].str.startswith("t2.")]
    n = {c: int(value(f"t2.patients.n.{c}")) for c in CLASSES}
    counts: dict[tuple[str, str], int] = {}
    for row in t2[t2["quantity"] == "count"].itertuples():
        if row.population in CLASSES and (row.variable in BOOLEANS
                                          or row.variable.startswith("subsequent_line:")):
            counts[(row.variable.removeprefix("subsequent_line:"), row.population)] = int(
                row.value)
    products = {}
    for row in pub[pub["variable"].str.startswith("anti_bcma_product:")].itertuples():
        products[row.variable.split(":", 1)[1]] = int(row.value)
    quantiles = {}
    for var in ("age_at_failure", "prior_lines"):
        stem = "age" if var == "age_at_failure" else var
        for pop in ("all", *CLASSES):
            quantiles[(var, pop)] = tuple(value(f"t2.{stem}_{q}.{pop}")
                                          for q in ("q1", "median", "q3"))
    km = {}
    for endpoint in ("pfs", "os"):
        for pop in ("all", *CLASSES):
            km[(endpoint, pop)] = tuple(value(f"t2.{endpoint}.{s}.{pop}") for s in KM_STATS)
    for pop in ("anti_gprc5d", "other_slt"):
        km[("pfs", pop)] = tuple(value(f"km.pfs.{s}.{pop}") for s in KM_STATS)
    return Targets(
        n=n, counts=counts, products=products, quantiles=quantiles, km=km,
        p_value=value("km.pfs.gprc5d_vs_other.p"),
        retreated_pfs=(value("disc.retreated.pfs.belantamab"),
                       value("disc.retreated.pfs.teclistamab")),
        infection_deaths=int(value("text.deaths_infection_before_slt")),
        palliative=int(value("text.no_slt_palliative_or_progression.n")),
        deaths={"progression": int(value("text.deaths_progression")),
                "infection": int(value("text.deaths_infection")),
                "cardiovascular": int(value("text.deaths_cardiovascular"))},
        cytogenetics_evaluable=int(value("text.high_risk_cytogenetics.evaluable.all")),
    )


# ----------------------------------------------------------------------------- statistics
def km_summary(time, event) -> tuple[float, float, float]:
    """(median, lower, upper) as ``print(survfit(...))`` reports them (NaN = NA)."""
    km = survival.kaplan_meier(time, event)
    return km.median, km.median_lower, km.median_upper


def _same(a: float, b: float) -> bool:
    if math.isnan(b):
        return math.isnan(a)
    return not math.isnan(a) and abs(a - b) < 1e-9


def analysis_sets(cohort: pd.DataFrame) -> dict[tuple[str, str], pd.DataFrame]:
    """Rows of each survival analysis: (endpoint, population) → data frame of time, event."""
    out = {}
    for endpoint in ("pfs", "os"):
        sub = cohort[cohort[f"{endpoint}_months"].notna()]
        frame = pd.DataFrame({"time": sub[f"{endpoint}_months"].astype(float),
                              "event": sub[f"{endpoint}_event"].astype(int),
                              "cls": sub["anti_bcma_class"],
                              "gprc5d": sub["subsequent_line"] == "anti_gprc5d"})
        out[(endpoint, "all")] = frame
        for c in CLASSES:
            out[(endpoint, c)] = frame[frame["cls"] == c]
        if endpoint == "pfs":
            out[(endpoint, "anti_gprc5d")] = frame[frame["gprc5d"]]
            out[(endpoint, "other_slt")] = frame[~frame["gprc5d"]]
    return out


#: The thesis's definitions (III.1.3) as implications between the cohort's flags:
#: (if all of these, then this), where the columns allow it.
DEFINITIONS = (
    (("penta_refractory",), "triple_refractory"),
    *((("penta_refractory",), k) for k in ("refractory_lenalidomide", "refractory_pomalidomide",
                                            "refractory_carfilzomib", "refractory_anti_cd38")),
    (("triple_refractory",), "refractory_anti_cd38"),
    (("refractory_lenalidomide", "refractory_carfilzomib", "refractory_anti_cd38"),
     "triple_refractory"),
    (("refractory_pomalidomide", "refractory_carfilzomib", "refractory_anti_cd38"),
     "triple_refractory"),
)


def definitions(cohort: pd.DataFrame) -> list[str]:
    """Patients whose flags break a definition of :data:`DEFINITIONS`, or a triple-refractory
    patient refractory to no IMiD (empty list = all hold)."""
    flag = {k: cohort[k].fillna(False).astype(bool).to_numpy() for k in BOOLEANS}
    ids = cohort["patient_id"].to_numpy() if "patient_id" in cohort else cohort.index
    bad = []
    rules = [(premise, flag[then], then) for premise, then in DEFINITIONS]
    rules.append((("triple_refractory",), flag["refractory_lenalidomide"]
                  | flag["refractory_pomalidomide"], "refractory_lenalidomide|pomalidomide"))
    for premise, then, name in rules:
        broken = np.logical_and.reduce([flag[k] for k in premise]) & ~then
        for i in np.flatnonzero(broken):
            bad.append(f"définition : {' & '.join(premise)} ⇒ {name}, faux pour {ids[i]}")
    return bad


def check(cohort: pd.DataFrame, tg: Targets | None = None) -> list[str]:
    """Every published target the cohort misses and every definition of the thesis it
    breaks (:func:`definitions`); empty list = all met.

    Kaplan-Meier limits are compared exactly (the generator puts them on the printed
    values), the log-rank p at three decimals, counts and quantiles exactly.
    """
    tg = targets() if tg is None else tg
    bad = definitions(cohort)
    for c in CLASSES:
        sub = cohort[cohort["anti_bcma_class"] == c]
        if len(sub) != tg.n[c]:
            bad.append(f"effectif {c} : {len(sub)} ≠ {tg.n[c]}")
        for (var, cls), want in tg.counts.items():
            if cls != c:
                continue
            got = int((sub["subsequent_line"] == var).sum()) if var in LINES else int(
                sub[var].fillna(False).astype(bool).sum())
            if got != want:
                bad.append(f"{var} {c} : {got} ≠ {want}")
    for prod, want in tg.products.items():
        got = int((cohort["anti_bcma_product"] == prod).sum())
        if got != want:
            bad.append(f"produit {prod} : {got} ≠ {want}")
    for (var, pop), want in tg.quantiles.items():
        sub = cohort if pop == "all" else cohort[cohort["anti_bcma_class"] == pop]
        got = tuple(quantile7(sub[var].astype(float), q) for q in (0.25, 0.5, 0.75))
        if any(abs(g - w) > 1e-9 for g, w in zip(got, want, strict=True)):
            bad.append(f"{var} {pop} : {got} ≠ {want}")
    sets = analysis_sets(cohort)
    for key, want in tg.km.items():
        got = km_summary(sets[key]["time"], sets[key]["event"])
        for stat, g, w in zip(KM_STATS, got, want, strict=True):
            if not _same(g, w):
                bad.append(f"KM {key[0]} {key[1]} {stat} : {g} ≠ {w}")
    pfs = sets[("pfs", "all")]
    p = survival.logrank(pfs["time"], pfs["event"], pfs["gprc5d"]).p
    if round(p, 3) != round(tg.p_value, 3):
        bad.append(f"log-rank p = {p:.4f} ≠ {tg.p_value}")
    known = int(cohort["high_risk_cytogenetics"].notna().sum())
    if known != tg.cytogenetics_evaluable:
        bad.append(f"cytogénétique évaluable : {known} ≠ {tg.cytogenetics_evaluable}")
    causes = cohort["death_cause"].value_counts()
    for cause, want in tg.deaths.items():
        if int(causes.get(cause, 0)) != want:
            bad.append(f"décès {cause} : {int(causes.get(cause, 0))} ≠ {want}")
    return bad


# ----------------------------------------------------------------------------- search
def _anneal(state, loss: Callable, propose: Callable, rng: np.random.Generator, *,
            iters: int, temp: float, bounded: Callable | None = None):
    """Seeded simulated annealing; stops as soon as the loss reaches 0.

    ``bounded(state, limit)`` (optional) returns the loss, or None once it surely exceeds
    ``limit``: the test ``new <= cur or u < exp((cur - new) / t)`` then needs only as much
    of the loss as decides it, with the same outcome and the same draws.
    """
    cur = loss(state)
    best, best_loss = state, cur
    for i in range(iters):
        if cur == 0:
            break
        cand = propose(state, rng)
        t = temp * (1 - i / iters) + 1e-9
        if bounded is None:
            new = loss(cand)
            accept = new <= cur or rng.random() < math.exp((cur - new) / t)
        else:
            new = bounded(cand, cur)
            if new is not None and new <= cur:
                accept = True
            else:
                u = rng.random()
                if new is None:  # new > cur: accepted only below cur - t log u
                    new = bounded(cand, cur - t * math.log(u) if u > 0 else math.inf)
                accept = new is not None and u < math.exp((cur - new) / t)
        if accept:
            state, cur = cand, new
            if cur < best_loss:
                best, best_loss = state, cur
    return best, best_loss


def _type7(xs: list, n: int) -> tuple[float, float, float]:
    """Q1, median, Q3 of the sorted list ``xs`` (length ``n``), numpy's "linear" rule
    (R's type 7) with numpy's own interpolation, so that the values are the same floats."""
    out = []
    for q in (0.25, 0.5, 0.75):
        h = (n - 1) * q
        k = int(h)
        g = h - k
        a = xs[k]
        b = xs[min(k + 1, n - 1)]
        out.append(b - (b - a) * (1 - g) if g >= 0.5 else a + (b - a) * g)
    return out[0], out[1], out[2]


def _quantile_search(groups: dict[str, int], want: dict[str, tuple[float, float, float]],
                     bounds: tuple[int, int], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Integers per group whose type-7 Q1, median, Q3 (per group and pooled) equal ``want``."""
    names = list(groups)
    sizes = [groups[g] for g in names]
    cuts = np.cumsum([0, *sizes])
    lo, hi = bounds
    spans = [(want[g].tolist(), int(a), int(b)) for g, a, b in
             zip(names, cuts[:-1], cuts[1:], strict=True)]
    pooled = want["all"].tolist()
    size = int(cuts[-1])
    group_of = [names[int(np.searchsorted(cuts, i, side="right")) - 1] for i in range(size)]
    targets_of = {g: [v for v in (*want[g], *want["all"]) if v == int(v)] for g in names}
    steps = (-3, -2, -1, 1, 2, 3)

    def loss(x: np.ndarray) -> float:
        # plain Python on 45 integers: same floats as numpy's quantile, far fewer calls
        xs = x.tolist()
        total = 0.0
        for w, a, b in spans:
            q1, q2, q3 = _type7(sorted(xs[a:b]), b - a)
            total += abs(q1 - w[0]) + abs(q2 - w[1]) + abs(q3 - w[2])
        q1, q2, q3 = _type7(sorted(xs), size)
        return total + (abs(q1 - pooled[0]) + abs(q2 - pooled[1]) + abs(q3 - pooled[2]))

    def propose(x: np.ndarray, r: np.random.Generator) -> np.ndarray:
        # the same draws as ``r.choice`` on these lists (choice = integers over the length)
        y = x.copy()
        i = int(r.integers(y.size))
        if r.random() < 0.5:
            y[i] = min(max(int(y[i]) + steps[int(r.integers(6))], lo), hi)
        else:  # copy a target value of the patient's group
            values = targets_of[group_of[i]]
            y[i] = int(values[int(r.integers(len(values)))])
        return y

    for _ in range(20):
        start = np.concatenate([
            np.clip(np.round(rng.normal(want[g][1], (want[g][2] - want[g][0]) / 1.35 + 0.5,
                                        groups[g])), lo, hi) for g in names]).astype(int)
        x, best = _anneal(start, loss, propose, rng, iters=20000, temp=1.0)
        if best == 0:
            return {g: x[a:b] for g, a, b in zip(names, cuts[:-1], cuts[1:], strict=True)}
    raise SynthesisError(f"quantiles introuvables pour {want}")


_HALF = 0.5 + survival.TOL
#: Share of proposals followed by :meth:`_SurvivalProblem._snap` (0.3 to 0.6 need about
#: four times fewer annealing steps than none; 1 makes each step dearer for no gain).
_SNAP = 0.4
#: Slack of the bounded loss: partial sums in another order differ from the total by ulps.
_MARGIN = 1e-9


def _km_limits(codes: list[int]) -> tuple[float, float, float]:
    """Median and 95 % CI limits of a Kaplan-Meier curve, as :func:`km_summary` gives them.

    ``codes`` are ``2 * time + event`` (time in hundredths of a month), sorted.
    """
    return _apply(_km_recipe(codes), [c >> 1 for c in codes])


def _apply(recipe, times) -> tuple[float, float, float]:
    out = []
    for r in recipe:
        if r is None:
            out.append(NAN)
        elif r[0] == r[1]:
            out.append(times[r[0]] / 100.0)
        else:
            out.append((times[r[0]] / 100.0 + times[r[1]] / 100.0) / 2)
    return out[0], out[1], out[2]


def _km_recipe(codes: list[int]) -> tuple:
    """Where the median and its CI limits fall: for each, the positions ``(a, b)`` in
    ``codes`` of the time (``a == b``) or of the two times of a plateau midpoint, or None
    (NA). One pass over the event times with the same floating-point operations as
    :func:`therapybook.stats.survival.kaplan_meier` (product-limit, Greenwood, log band,
    ``survmean``'s first crossing of 0.5 with its plateau rule), stopping once the three
    are known. It depends only on the order of events, censorings and ties, which is why
    the search can memoise it: most moves change times, not their order.
    """
    n = len(codes)
    at_risk, s, acc = n, 1.0, 0.0
    out: list = [None, None, None]
    plateau: list = [None, None, None]
    open_ = [True, True, True]
    left = 3
    i = 0
    while i < n and left:
        t = codes[i] >> 1
        j, d = i, 0
        while j < n and codes[j] >> 1 == t:
            d += codes[j] & 1
            j += 1
        if d:
            s = s * ((at_risk - d) / at_risk)
            acc = math.inf if d == at_risk else acc + d / (at_risk * (at_risk - d))
            if s == 0:
                ys = (s, NAN, NAN)
            else:
                se, ls = math.sqrt(acc), math.log(s)
                ys = (s, math.exp(ls - survival.Z95 * se),
                      min(math.exp(ls + survival.Z95 * se), 1.0))
            for k in range(3):
                if not open_[k]:
                    continue
                y = ys[k]
                first = plateau[k]
                if first is None:
                    if y < _HALF:
                        if abs(y - 0.5) < survival.TOL:
                            plateau[k] = (i, y)
                        else:
                            out[k], open_[k] = (i, i), False
                            left -= 1
                elif y < first[1]:
                    out[k], open_[k] = (first[0], i), False
                    left -= 1
        at_risk -= j - i
        i = j
    for k in range(3):
        if open_[k] and plateau[k] is not None:
            out[k] = (plateau[k][0], plateau[k][0])
    return tuple(out)


@dataclass
class _SurvivalProblem:
    """Times (hundredths of a month) and events of one endpoint, with their targets."""

    curves: dict[str, np.ndarray]  # population -> boolean mask over subjects
    want: dict[str, tuple[float, float, float]]
    lower: np.ndarray  # minimal time per subject (hundredths)
    upper: int
    fixed_time: np.ndarray  # bool: time may not move
    fixed_event: np.ndarray  # bool: event may not flip
    logrank_group: np.ndarray | None = None
    p_value: float | None = None
    n_events: int | None = None
    _memo: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self._members = {pop: np.flatnonzero(mask) for pop, mask in self.curves.items()}
        self._pops = list(self.curves)
        self._free = np.flatnonzero(~self.fixed_time)
        self._flippable = np.flatnonzero(~self.fixed_event)
        self._inside = {pop: mask & ~self.fixed_time for pop, mask in self.curves.items()}
        self._values = {pop: [v for v in w if not math.isnan(v)] for pop, w in self.want.items()}
        self._want = {pop: tuple(float(v) for v in w) for pop, w in self.want.items()}
        self._recipes: dict = {}
        self._p: dict = {}
        self._pfast: dict = {}
        if self.logrank_group is not None:
            self._group = np.asarray(self.logrank_group, dtype=np.int64)

    def summary(self, pop: str, t: np.ndarray, e: np.ndarray,
                code: np.ndarray | None = None) -> tuple[float, float, float]:
        """Median and CI of curve ``pop`` (memoised: most moves leave most curves unchanged)."""
        sub = (t * 2 + e if code is None else code)[self._members[pop]]
        return self._entry(pop, sub)[0]

    def _entry(self, pop: str, sub: np.ndarray) -> tuple:
        """(limits, their three loss terms, the terms' sum) of curve ``pop``, memoised on
        the exact times, then on their order (which alone places the limits)."""
        key = (pop, sub.tobytes())
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        if len(self._memo) > 200_000:
            self._memo.clear()
            self._recipes.clear()
        srt = np.sort(sub)
        got = _apply(self._recipe(srt), srt >> 1)
        want = self._want[pop]
        terms = (_target_loss(got[0], want[0]), _target_loss(got[1], want[1]),
                 _target_loss(got[2], want[2]))
        hit = self._memo[key] = (got, terms, terms[0] + terms[1] + terms[2])
        return hit

    def _recipe(self, srt: np.ndarray) -> tuple:
        """How a curve's limits follow from its sorted codes, memoised on their order
        (events, censorings and ties), which alone decides it."""
        key = _order_key(srt, 1)
        recipe = self._recipes.get(key)
        if recipe is None:
            recipe = self._recipes[key] = _km_recipe(srt.tolist())
        return recipe

    def loss(self, state) -> float:
        return self.bounded(state, math.inf)

    def bounded(self, state, limit: float) -> float | None:
        """The loss of ``state``, or None as soon as it surely exceeds ``limit``: the
        memoised curves first, then the others one by one, the log-rank test last. The
        value returned is summed in one fixed order (the same float whatever was known)."""
        t, e = state
        code = t * 2 + e
        memo = self._memo
        entries: dict[str, tuple] = {}
        todo = []
        bound = 0.0
        for pop in self._pops:
            sub = code[self._members[pop]]
            hit = memo.get((pop, sub.tobytes()))
            if hit is None:
                todo.append((pop, sub))
            else:
                entries[pop] = hit
                bound += hit[2]
        events = 0.0
        if self.n_events is not None:
            events = 0.5 * abs(int(e.sum()) - self.n_events)
            bound += events
        limit += _MARGIN
        if bound > limit:
            return None
        for pop, sub in todo:
            hit = entries[pop] = self._entry(pop, sub)
            bound += hit[2]
            if bound > limit:
                return None
        p_term = 0.0
        if self.p_value is not None:
            srt = np.sort(code * 2 + self._group)
            key = _order_key(srt, 2)
            p = self._p.get(key)
            if p is None:
                if len(self._p) > 200_000:
                    self._p.clear()
                    self._pfast.clear()
                quick = self._pfast.get(key)
                if quick is None:
                    quick = self._pfast[key] = _logrank_p(srt.tolist())
                # the quick p differs from the reference by ulps: it decides alone when
                # it is far from a rounding boundary and from the limit
                verdict = _p_term(quick, self.p_value)
                if verdict == 0.0:
                    p = self.p_value
                elif verdict is not None and bound + verdict > limit + _MARGIN:
                    return None
                if p is None:  # the reference test: its float (BLAS sums) is the loss's
                    p = self._p[key] = survival.logrank(t / 100.0, e, self.logrank_group).p
            if round(p, 3) != round(self.p_value, 3):
                p_term = _p_penalty(p, self.p_value)
                if bound + p_term > limit:
                    return None
        total = 0.0  # term by term, in the order of the plain definition
        for pop in self._pops:
            terms = entries[pop][1]
            total += terms[0]
            total += terms[1]
            total += terms[2]
        if self.p_value is not None:
            total += p_term
        if self.n_events is not None:
            total += events
        return total

    def propose(self, state, rng: np.random.Generator):
        # ``rng.choice(a)`` draws ``a[rng.integers(len(a))]``: the same stream, cheaper
        t, e = state[0].copy(), state[1].copy()
        free = self._free
        move = rng.random()
        if move < 0.30:  # jitter one time
            i = free[rng.integers(free.size)]
            t[i] = int(round(t[i] * math.exp(rng.normal(0, 0.35)) + rng.normal(0, 20)))
        elif move < 0.45:  # flip one event
            flippable = self._flippable
            if flippable.size:
                i = flippable[rng.integers(flippable.size)]
                e[i] = 1 - e[i]
        elif move < 0.60:  # swap two subjects' times and events
            i, j = rng.choice(free, 2, replace=False)
            if not (self.fixed_event[i] or self.fixed_event[j]):
                e[i], e[j] = e[j], e[i]
            t[i], t[j] = t[j], t[i]
        else:
            self._to_limit(t, e, rng)
        np.minimum(t, self.upper, out=t)
        np.maximum(t, self.lower, out=t)
        if rng.random() < _SNAP:
            self._snap(t, e)
            np.minimum(t, self.upper, out=t)
            np.maximum(t, self.lower, out=t)
        return t, e

    def _snap(self, t: np.ndarray, e: np.ndarray) -> None:
        """Move the subject that carries a missed limit (a single time, not a plateau
        midpoint) onto the printed value, unless it carries a met limit of a curve."""
        code = t * 2 + e
        missed, keep = [], set()
        for pop in self._pops:
            members = self._members[pop]
            sub = code[members]
            got = self._entry(pop, sub)[0]
            recipe = None
            for k, (g, w) in enumerate(zip(got, self._want[pop], strict=True)):
                if math.isnan(g) or math.isnan(w):
                    continue
                if abs(g - w) < 1e-9:
                    keep.add(int(round(100 * g)))
                    continue
                if recipe is None:
                    recipe = self._recipe(np.sort(sub))
                    order = members[np.argsort(sub, kind="stable")]
                r = recipe[k]
                if r is not None and r[0] == r[1]:
                    missed.append((order[r[0]], int(round(100 * w))))
        for i, v in missed:
            if not self.fixed_time[i] and int(t[i]) not in keep:
                t[i] = v

    def _to_limit(self, t: np.ndarray, e: np.ndarray, rng: np.random.Generator) -> None:
        """Put an event of a curve on one of its printed limits."""
        pop = self._pops[rng.integers(len(self._pops))]
        values = self._values[pop]
        inside = self._inside[pop]
        cand = np.flatnonzero(inside & (e == 1))
        if values and cand.size:
            v = int(round(100 * values[rng.integers(len(values))]))
            got = [x for x in self.summary(pop, t, e) if not math.isnan(x)]
            hours = t[cand] / 100.0
            on = cand[[any(abs(h - g) < 1e-9 for g in got) for h in hours.tolist()]]
            i = (on[rng.integers(on.size)] if on.size and rng.random() < 0.6
                 else cand[rng.integers(cand.size)])
            donors = np.flatnonzero(~inside & ~self.fixed_time & ~self.fixed_event
                                    & (t == v) & (e == 1))
            if donors.size and not self.fixed_event[i] and rng.random() < 0.5:
                j = donors[rng.integers(donors.size)]  # an event already at v: swap
                t[i], t[j], e[i], e[j] = t[j], t[i], e[j], e[i]
            else:
                t[i] = v


def _logrank_p(codes: list[int]) -> float:
    """Two-group log-rank p of ``codes`` = ``4 * time + 2 * event + group``, sorted: the
    statistic of :func:`therapybook.stats.survival.logrank` summed in another order (equal
    to it up to rounding), NaN where that test is undefined."""
    n = len(codes)
    n1 = sum(c & 1 for c in codes)
    o = ex = var = 0.0
    i = 0
    while i < n:
        time = codes[i] >> 2
        j, d, d1, c1 = i, 0, 0, 0
        while j < n and codes[j] >> 2 == time:
            g = codes[j] & 1
            ev = (codes[j] >> 1) & 1
            d += ev
            d1 += ev & g
            c1 += g
            j += 1
        if d:
            at = n - i
            o += d1
            ex += n1 * d / at
            if at > 1:
                var += n1 * (at - n1) * d * (at - d) / (at * at * (at - 1))
        n1 -= c1
        i = j
    if not var > 0:
        return NAN
    return float(chdtrc(1, (o - ex) ** 2 / var))


def _p_term(p: float, want: float) -> float | None:
    """The log-rank term of the loss computed from a p known up to rounding, or None when
    rounding could change it (p near a boundary of ``round(·, 3)``, or undefined)."""
    if math.isnan(p):
        return None
    r = round(want, 3)
    if abs(p - (r - 0.0005)) < 1e-9 or abs(p - (r + 0.0005)) < 1e-9:
        return None
    if round(p, 3) == r:
        return 0.0
    return _p_penalty(p, want) if p > 0 else None


def _p_penalty(p: float, want: float) -> float:
    """The loss's term for a log-rank p that does not round to the printed ``want``."""
    return 0.05 + min(abs(math.log(p / want)), 3.0)


def _order_key(srt: np.ndarray, bits: int) -> bytes:
    """The order of sorted codes (``time << bits | flags``) as bytes: each code's flags, plus
    ``1 << bits`` where it ties with the one before. A curve's limits (``bits=1``: the event
    flag) or a log-rank statistic (``bits=2``: event and group) depend on the codes through
    this order and their times alone (the memo keys of both)."""
    times = srt >> bits
    shape = (srt & ((1 << bits) - 1)).astype(np.int8)
    shape[1:] += (1 << bits) * (times[1:] == times[:-1])
    return shape.tobytes()


def _target_loss(got: float, want: float) -> float:
    if math.isnan(want):
        return 0.0 if math.isnan(got) else 1.0
    if math.isnan(got):
        return 1.0
    if abs(got - want) < 1e-9:
        return 0.0
    return 0.05 + min(abs(got - want) / max(want, 1.0), 1.0)


def _solve(problem: _SurvivalProblem, make_start: Callable, rng: np.random.Generator, *,
           what: str, iters: int = 10000, attempts: int = 60):
    """Short annealing runs from fresh seeded starts until one meets every target
    (run times are heavy-tailed: restarting beats insisting)."""
    best = math.inf
    for _ in range(attempts):
        state, best = _anneal(make_start(rng), problem.loss, problem.propose, rng,
                              iters=iters, temp=0.1, bounded=problem.bounded)
        if best == 0:
            return state
    raise SynthesisError(f"{what} : cibles de survie non atteintes (perte {best:.3f})")


def _spread(problem: _SurvivalProblem, state, rng: np.random.Generator, tries: int = 8):
    """Randomise each free time within what keeps every target met (the search leaves
    many times on printed values; only the ones that carry a target need to stay there)."""
    t, e = state[0].copy(), state[1].copy()
    for i in rng.permutation(np.flatnonzero(~problem.fixed_time)):
        for _ in range(tries):
            cand = t.copy()
            hi = min(problem.upper, int(t[i] * 1.5) + 50)
            cand[i] = int(rng.integers(problem.lower[i], max(hi, problem.lower[i]) + 1))
            if problem.bounded((cand, e), 0.0) == 0:
                t = cand
                break
    return t, e


# ----------------------------------------------------------------------------- generator
def _pick(rng: np.random.Generator, pool: np.ndarray, k: int) -> np.ndarray:
    return rng.choice(pool, k, replace=False) if k else np.array([], dtype=int)


def _booleans(cls_rows: np.ndarray, counts: dict[str, int], rng: np.random.Generator
              ) -> dict[str, np.ndarray]:
    """Refractoriness flags of one class with exact counts and the thesis's definitions
    (III.1.3: triple-refractory = refractory to an IMiD, a proteasome inhibitor and an
    anti-CD38 antibody; penta-refractory = to lenalidomide, pomalidomide, bortezomib,
    carfilzomib and an anti-CD38), as far as the columns tell them:

    - penta-refractory ⇒ lenalidomide, pomalidomide, carfilzomib, anti-CD38, triple;
    - triple-refractory ⇒ anti-CD38 and (lenalidomide or pomalidomide) (the proteasome
      inhibitor may be bortezomib, which has no column);
    - (lenalidomide or pomalidomide) and carfilzomib and anti-CD38 ⇒ triple-refractory
      (carfilzomib is a proteasome inhibitor): every such patient is made triple first,
      the rest of the triple count is drawn among the other eligible patients.
    """
    n = cls_rows.size
    for _ in range(1000):
        flags = {k: np.zeros(n, bool) for k in BOOLEANS}
        penta = _pick(rng, np.arange(n), counts["penta_refractory"])
        ok = True
        for k in ("refractory_lenalidomide", "refractory_pomalidomide",
                  "refractory_carfilzomib", "refractory_anti_cd38"):
            rest = np.setdiff1d(np.arange(n), penta)
            extra = counts[k] - penta.size
            if extra < 0:
                ok = False
                break
            flags[k][np.concatenate([penta, _pick(rng, rest, extra)]).astype(int)] = True
        if not ok:
            continue
        eligible = flags["refractory_anti_cd38"] & (flags["refractory_lenalidomide"]
                                                    | flags["refractory_pomalidomide"])
        forced = np.flatnonzero(eligible & flags["refractory_carfilzomib"])  # ⊇ penta
        pool = np.setdiff1d(np.flatnonzero(eligible), forced)
        extra = counts["triple_refractory"] - forced.size
        if extra < 0 or extra > pool.size:
            continue
        flags["triple_refractory"][np.concatenate([forced, _pick(rng, pool, extra)])
                                   .astype(int)] = True
        flags["penta_refractory"][penta] = True
        flags["prior_autograft"][_pick(rng, np.arange(n), counts["prior_autograft"])] = True
        return flags
    raise SynthesisError("drapeaux de réfractarité incompatibles")


def generate(published: pd.DataFrame | None = None, seed: int = SEED) -> pd.DataFrame:
    """The synthetic cohort (one row per patient, columns :data:`COLUMNS`), deterministic
    for a given ``seed``; raises :class:`SynthesisError` if a target cannot be met."""
    tg = targets(published)
    rng = np.random.default_rng(seed)
    cls = np.concatenate([[c] * tg.n[c] for c in CLASSES])
    n = cls.size
    df = pd.DataFrame({"anti_bcma_class": cls})

    # 1. categorical columns, exact per class
    product = np.empty(n, dtype=object)
    line = np.empty(n, dtype=object)
    flags = {k: np.zeros(n, dtype=object) for k in BOOLEANS}
    for c in CLASSES:
        rows = np.flatnonzero(cls == c)
        prods = np.concatenate([[p] * tg.products[p] for p in PRODUCTS[c]])
        product[rows] = rng.permutation(prods)
        lines = np.concatenate([[ln] * tg.counts[(ln, c)] for ln in LINES])
        if lines.size != rows.size:
            raise SynthesisError(f"lignes ultérieures {c} : {lines.size} ≠ {rows.size}")
        line[rows] = rng.permutation(lines)
        counts = {k: tg.counts[(k, c)] for k in BOOLEANS}
        f = _booleans(rows, counts, rng)
        for k in BOOLEANS:
            flags[k][rows] = f[k]
        # extramedullary: exact count among the patients whose status is known
        known = rng.permutation(rows)[EXTRAMEDULLARY_UNKNOWN.get(c, 0):]
        flags["extramedullary"][rows] = None
        flags["extramedullary"][known] = False
        flags["extramedullary"][_pick(rng, known, counts["extramedullary"])] = True
    # cytogenetics: known for the evaluable patients, high risk per class
    hr = flags["high_risk_cytogenetics"]
    hr[:] = None
    need = {c: tg.counts[("high_risk_cytogenetics", c)] for c in CLASSES}
    positive = np.concatenate([_pick(rng, np.flatnonzero(cls == c), need[c]) for c in CLASSES])
    hr[positive] = True
    rest = np.setdiff1d(np.arange(n), positive)
    hr[_pick(rng, rest, tg.cytogenetics_evaluable - positive.size)] = False

    # infection deaths (before any subsequent line) among CAR-T / bispecific "none" rows
    none_rows = np.flatnonzero(line == "none")
    eligible = none_rows[np.isin(cls[none_rows], ["car_t", "bispecific"])]
    for _ in range(100):
        infection = _pick(rng, eligible, tg.infection_deaths)
        if all((cls[infection] == c).any() for c in ("car_t", "bispecific")):
            break
    palliative = np.setdiff1d(none_rows, infection)
    if palliative.size != tg.palliative:
        raise SynthesisError(f"soins palliatifs : {palliative.size} ≠ {tg.palliative}")

    # 2. ages and prior lines
    for var, bounds in (("age_at_failure", AGE_RANGE), ("prior_lines", PRIOR_LINES_RANGE)):
        want = {pop: np.array(tg.quantiles[(var, pop)]) for pop in ("all", *CLASSES)}
        values = _quantile_search({c: tg.n[c] for c in CLASSES}, want, bounds, rng)
        col = np.zeros(n, dtype=int)
        for c in CLASSES:
            col[cls == c] = rng.permutation(values[c])
        df[var] = col

    # 3. PFS of the patients with a subsequent line
    slt = np.flatnonzero(line != "none")
    gprc = line[slt] == "anti_gprc5d"
    pfs_curves = {"all": np.ones(slt.size, bool), **{c: cls[slt] == c for c in CLASSES},
                  "anti_gprc5d": gprc, "other_slt": ~gprc}
    fixed = np.zeros(slt.size, bool)
    fixed_time = np.zeros(slt.size, dtype=int)
    retreated = np.flatnonzero(line[slt] == "anti_bcma")
    for i, v in zip(retreated, tg.retreated_pfs, strict=True):
        fixed[i], fixed_time[i] = True, int(round(100 * v))
    scale = np.array([tg.km[("pfs", c)][0] for c in cls[slt]]) * 100 / math.log(2)
    scale[gprc] = 100 * 3 * tg.km[("pfs", "anti_gprc5d")][1]

    def pfs_start(r: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        t = np.round(r.exponential(scale)).astype(int) + 10
        e = (r.random(slt.size) < np.where(gprc, 0.4, 0.85)).astype(int)
        t[fixed], e[fixed] = fixed_time[fixed], 1
        return np.clip(t, 5, int(100 * MAX_PFS)), e

    pfs_problem = _SurvivalProblem(
        curves=pfs_curves, want={p: tg.km[("pfs", p)] for p in pfs_curves},
        lower=np.full(slt.size, 5), upper=int(100 * MAX_PFS), fixed_time=fixed,
        fixed_event=fixed.copy(), logrank_group=gprc, p_value=tg.p_value)
    pfs_t, pfs_e = _spread(pfs_problem, _solve(pfs_problem, pfs_start, rng, what="SSP"), rng)

    # 4. OS of the 40 patients left after the infection deaths
    os_rows = np.setdiff1d(np.arange(n), infection)
    m = os_rows.size
    pos = {r: k for k, r in enumerate(os_rows)}
    lower = np.zeros(m, dtype=int)
    base_t = np.zeros(m, dtype=int)
    fixed_t = np.zeros(m, bool)
    fixed_e = np.zeros(m, bool)
    slt_k = np.array([pos[r] for r in slt])
    lower[slt_k] = pfs_t
    censored = slt_k[pfs_e == 0]  # alive without progression: censored at the same date
    base_t[censored], fixed_t[censored], fixed_e[censored] = pfs_t[pfs_e == 0], True, True
    os_curves = {"all": np.ones(m, bool), **{c: cls[os_rows] == c for c in CLASSES}}
    os_want = {p: tg.km[("os", p)] for p in os_curves}
    base_e = np.where(fixed_e, 0, 1)
    for c in CLASSES:  # deaths at time 0 where a printed lower limit is 0
        if os_want[c][1] == 0:
            cand = [pos[r] for r in palliative if cls[r] == c]
            k0 = _zero_deaths(int(os_curves[c].sum()))
            if len(cand) < k0:
                raise SynthesisError(f"SG {c} : borne inférieure 0 inatteignable")
            for k in cand[:k0]:
                base_t[k], base_e[k], fixed_t[k], fixed_e[k] = 0, 1, True, True
    gap_scale = np.where(np.isin(np.arange(m), slt_k), 300.0, 150.0)

    def os_start(r: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        t = np.where(fixed_t, base_t, lower + np.round(r.exponential(gap_scale)).astype(int))
        return np.clip(t, lower, int(100 * MAX_OS)), base_e.copy()

    n_os_events = tg.deaths["progression"] + tg.deaths["cardiovascular"]
    os_problem = _SurvivalProblem(
        curves=os_curves, want=os_want, lower=lower, upper=int(100 * MAX_OS),
        fixed_time=fixed_t, fixed_event=fixed_e, n_events=n_os_events)
    os_t, os_e = _spread(os_problem, _solve(os_problem, os_start, rng, what="SG"), rng)

    # 5. assemble
    df["anti_bcma_product"] = product
    for k in BOOLEANS:
        df[k] = pd.array(list(flags[k]), dtype="boolean")
    df["subsequent_line"] = line
    df["pfs_months"] = np.nan
    df["pfs_event"] = pd.array([None] * n, dtype="Int64")
    df.loc[slt, "pfs_months"] = pfs_t / 100.0
    df.loc[slt, "pfs_event"] = pfs_e
    df["os_months"] = np.nan
    df["os_event"] = pd.array([None] * n, dtype="Int64")
    df.loc[os_rows, "os_months"] = os_t / 100.0
    df.loc[os_rows, "os_event"] = os_e
    cause = np.full(n, None, dtype=object)
    cause[infection] = "infection"
    dead = os_rows[os_e == 1]
    cause[dead] = "progression"
    slt_dead = np.intersect1d(dead, slt)
    cause[_pick(rng, slt_dead, tg.deaths["cardiovascular"])] = "cardiovascular"
    df["death_cause"] = cause
    # shuffle rows, then number the synthetic patients
    df = df.iloc[rng.permutation(n)].reset_index(drop=True)
    df.insert(0, "patient_id", [f"SYN-{i + 1:02d}" for i in range(n)])
    df = df[list(COLUMNS)]
    bad = check(df, tg)
    if bad:
        raise SynthesisError("cohorte incohérente : " + " ; ".join(bad))
    return df


def _zero_deaths(n: int) -> int:
    """Fewest deaths at time 0 among ``n`` subjects that make R print a lower limit of 0
    (the book's one rule: :func:`therapybook.stats.survival.deaths_at_zero_for_null_lower`)."""
    need = survival.deaths_at_zero_for_null_lower(n)
    if need is None:
        raise SynthesisError("borne inférieure 0 inatteignable")
    return need


# ----------------------------------------------------------------------------- output
def to_csv(cohort: pd.DataFrame, path: Path) -> None:
    """Write the cohort as the descriptor expects (true/false, empty cells, 2 decimals)."""
    out = cohort.copy()
    for k in BOOLEANS:
        out[k] = out[k].map({True: "true", False: "false"}).fillna("")
    for col in ("pfs_months", "os_months"):
        out[col] = out[col].map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
    for col in ("pfs_event", "os_event"):
        out[col] = out[col].map(lambda v: "" if pd.isna(v) else str(int(v)))
    out["death_cause"] = out["death_cause"].fillna("")
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False, lineterminator="\n")


def write_cohort(path: Path | None = None, *, force: bool = False, seed: int = SEED) -> Path:
    """Generate and write ``data/retrospective/cohort.csv``; refuse to overwrite unless
    ``force``."""
    path = data.DATA_DIR / "retrospective" / "cohort.csv" if path is None else Path(path)
    if path.exists() and not force:
        raise FileExistsError(f"{path} existe déjà : relancer avec --force pour le remplacer")
    to_csv(generate(seed=seed), path)
    return path
