"""Consistency audit of the numbers the thesis publishes about its retrospective cohort.

The audit reads ``retrospective_published`` (one printed number per row) and checks the
published table against itself, without any patient data, in the spirit of the GRIM test:

* every "n (x %)" cell: is ``x`` the rounded value of ``100·n/N`` for the column's N
  (rounding half up or half to even)? If not, which denominators would give ``x``?
* counts of a row add up across the anti-BCMA columns (CAR-T + bispécifique + ADC = tous);
* the percentages of one row can share one set of evaluable denominators (the evaluable
  patients of the "all" column are those of the three class columns);
* medians and quartiles are attainable with integer data of that size (R's type-7 rule);
* the same quantity printed twice (table, text, discussion) agrees at the printed precision;
* medians and confidence limits are printed as R prints them (3 significant digits);
* counts of different passages that must add up do (``retrospective_identities``).

Plus the conflicts that no arithmetic can settle (two definitions of penta-refractory, the
figure numbering, the population and time origin of overall survival, the CI method).

:func:`checks` returns every elementary check (passed or not) as a DataFrame;
:func:`findings` returns the problems as :class:`Finding` records with a stable ``id`` that
:mod:`therapybook.study.analysis` cites when a published number cannot be reproduced. The
findings' French text comes from ``retrospective_wording`` (templates) filled with numbers
taken from the published numbers or computed here: no number is typed in this module.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from itertools import product

import pandas as pd

from therapybook.render import fmt
from therapybook.stats import survival
from therapybook.stats.quantiles import type7_position
from therapybook.study.wording import Wording, classes

#: R prints medians and confidence limits with this many significant digits.
R_DIGITS = 3


@dataclass(frozen=True)
class Finding:
    """One problem of the published numbers.

    - ``id``: stable identifier (cited by the reproducibility report and Table 2's notes);
    - ``kind``: the template family in ``retrospective_wording``;
    - ``verdict``: a code of the ``verdict`` list of ``retrospective_codes``;
    - ``keys``: ``retrospective_published`` keys concerned;
    - ``corrections``: for some keys, the values a correct table could print (``None`` =
      any value recomputed by the declared rule, the printed one being impossible);
    - ``values``: the numbers (formatted) that fill the texts, from the published numbers
      and the audit's arithmetic;
    - ``what``, ``published``, ``evidence``, ``correction``: French text (empty when the
      audit runs without its wording).
    """

    id: str
    kind: str
    verdict: str
    keys: tuple[str, ...] = ()
    corrections: dict[str, tuple[float, ...] | None] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)
    what: str = ""
    published: str = ""
    evidence: str = ""
    correction: str = ""


# --------------------------------------------------------------------------- arithmetic


def round_half_up(x: float, digits: int = 0) -> float:
    """Round as people do: ``0.5`` → 1, ``2.5`` → 3."""
    q = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP))


def round_half_even(x: float, digits: int = 0) -> float:
    """Round half to even (IEC 60559, R's ``round``): ``2.5`` → 2."""
    q = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_EVEN))


def roundings(x: float, digits: int = 0) -> set[float]:
    """The values ``x`` prints as under either rounding rule."""
    return {round_half_up(x, digits), round_half_even(x, digits)}


def percent_ok(n: int, denominator: int, pct: float, digits: int = 0) -> bool:
    """True when ``pct`` is ``100·n/denominator`` rounded (half up or half even)."""
    if denominator <= 0 or n > denominator:
        return False
    return float(pct) in roundings(100 * n / denominator, digits)


def denominators_for(n: int, pct: float, *, upto: int = 100, digits: int = 0) -> list[int]:
    """Every denominator in ``[max(n, 1), upto]`` for which "n (pct)" is consistent."""
    return [d for d in range(max(n, 1), upto + 1) if percent_ok(n, d, pct, digits)]


def decimals(value: float) -> int:
    """Decimals of a printed number (``2.0`` → 0, ``12.16`` → 2, ``12.5`` → 1)."""
    exp = Decimal(repr(float(value))).normalize().as_tuple().exponent
    return max(0, -int(exp))


def significant_digits(value: float) -> int:
    """Significant digits of a printed number (``12.16`` → 4, ``0.0`` → 1)."""
    if value == 0:
        return 1
    return len(Decimal(repr(float(value))).normalize().as_tuple().digits)


def quantile_attainable(value: float, n: int, p: float, digits: int = 0) -> bool:
    """Can integer data of size ``n`` have a type-7 ``p``-quantile printing as ``value``?

    Q = a + g·d with integers a and d ≥ 0; a printed value is attainable when some
    Q rounds to it (both rounding rules accepted).
    """
    _j, g = type7_position(n, p)
    if g < 1e-9:
        steps = [0.0]
    else:
        steps = sorted({round(g * d % 1, 9) for d in range(0, 200)})
    half = 0.5 * 10 ** (-digits)
    for frac in steps:
        base = math.floor(value - frac)
        for a in (base - 1, base, base + 1):
            q = a + frac
            if abs(q - value) <= half + 1e-9 and float(value) in roundings(q, digits):
                return True
    return False


def r_significant_ok(value: float, digits: int = R_DIGITS) -> bool:
    """True when ``value`` has no more significant digits than R's print (3 by default)."""
    return value == 0 or significant_digits(value) <= digits


# --------------------------------------------------------------------------- helpers


def _fr(x: float | None, digits: int | None = None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    digits = decimals(x) if digits is None else digits
    return fmt.number(x, digits)


def _pct(x: float) -> str:
    return fmt.number(x, 1)


def _list(values: Iterable[int]) -> str:
    values = list(values)
    if not values:
        return "aucun"
    if len(values) > 12:
        return ", ".join(map(str, values[:12])) + ", …"
    return ", ".join(map(str, values))


def _and(values: Sequence[str]) -> str:
    values = list(values)
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " et " + values[-1]


def _point(r) -> bool:
    """True when the number of row ``r`` is printed with a decimal point, not a comma."""
    if pd.isna(r.value) or float(r.value).is_integer():
        return False
    return f"{float(r.value):.{decimals(float(r.value))}f}" in str(r.as_printed)


def _pairs(published: pd.DataFrame) -> pd.DataFrame:
    """Count and percent rows printed together ("n (x %)"), one row per pair."""
    p = published
    counts = p[p["quantity"] == "count"]
    pcts = p[p["quantity"] == "percent"]
    on = ["variable", "population", "as_printed", "locator"]
    both = pcts.merge(counts, on=on, suffixes=("_pct", "_n"))
    return both.reset_index(drop=True)


def _t2(published: pd.DataFrame) -> pd.DataFrame:
    return published[published["key"].str.startswith("t2.")]


def _value(published: pd.DataFrame, key: str) -> float | None:
    row = published.loc[published["key"] == key, "value"]
    if row.empty or pd.isna(row.iloc[0]):
        return None
    return float(row.iloc[0])


def _count(published: pd.DataFrame, key: str) -> int:
    value = _value(published, key)
    if value is None:
        raise KeyError(f"Nombre publié « {key} » absent ou vide.")
    return int(value)


def _has(published: pd.DataFrame, *keys: str) -> bool:
    """True when every key is a row of ``published`` (a partial table skips a finding)."""
    return set(keys) <= set(published["key"])


def _row(published: pd.DataFrame, key: str) -> pd.Series:
    return published.loc[published["key"] == key].iloc[0]


def _heads(published: pd.DataFrame) -> dict[str, int]:
    t2 = _t2(published)
    return {r.population: int(r.value) for r in t2[(t2["variable"] == "patients")
                                                    & (t2["quantity"] == "count")
                                                    ].itertuples(index=False)}


def _finding(w: Wording, fid: str, kind: str, verdict: str, *, keys: Sequence[str] = (),
             corrections: dict | None = None, what: str | None = None,
             published: str | None = None, evidence: str | None = None,
             correction: str | None = None, **values: object) -> Finding:
    """A finding whose texts are the ``kind`` templates (or the texts given) filled with
    ``values``."""
    def part(name: str, given: str | None) -> str:
        return given if given is not None else w.text(f"{kind}.{name}", **values)

    return Finding(id=fid, kind=kind, verdict=verdict, keys=tuple(keys),
                   corrections=corrections or {}, values=dict(values),
                   what=part("what", what),
                   published=part("published", published),
                   evidence=part("evidence", evidence),
                   correction=part("correction", correction))


# --------------------------------------------------------------------------- checks


def checks(published: pd.DataFrame, identities: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every elementary check: columns ``check``, ``keys`` (``;``-joined), ``ok``, ``detail``.

    ``identities``: the ``retrospective_identities`` resource (sums between passages).
    """
    rows: list[dict] = []

    def add(check: str, keys: Sequence[str], ok: bool, detail: str) -> None:
        rows.append({"check": check, "keys": ";".join(keys), "ok": bool(ok), "detail": detail})

    for r in _pairs(published).itertuples(index=False):
        d = r.denominator_pct if not pd.isna(r.denominator_pct) else r.denominator_n
        if pd.isna(d):
            continue
        n, pct, d = int(r.value_n), float(r.value_pct), int(d)
        ok = percent_ok(n, d, pct)
        add("pourcentage", [r.key_n, r.key_pct], ok,
            f"{n}/{d} = {_pct(100 * n / d)} % ; imprimé {_fr(pct)} %"
            + ("" if ok else f" ; dénominateurs compatibles : {_list(denominators_for(n, pct))}"))

    t2 = _t2(published)
    cls = classes()
    counts = t2[(t2["quantity"] == "count") & t2["population"].isin(["all", *cls])]
    for _var, grp in counts.groupby("variable", sort=False):
        by = dict(zip(grp["population"], grp["value"], strict=True))
        if not set(by) >= {"all", *cls}:
            continue
        total = sum(int(by[c]) for c in cls)
        add("somme des colonnes", list(grp["key"]), total == int(by["all"]),
            f"{' + '.join(str(int(by[c])) for c in cls)} = {total} ; "
            f"colonne « tous » : {int(by['all'])}")

    for (var, pop), grp in t2[t2["quantity"].isin(["median", "q1", "q3"])].groupby(
            ["variable", "population"], sort=False):
        q = dict(zip(grp["quantity"], grp["value"], strict=True))
        n = int(grp["denominator"].iloc[0])
        for name, prob in (("q1", 0.25), ("median", 0.5), ("q3", 0.75)):
            j, g = type7_position(n, prob)
            ok = quantile_attainable(float(q[name]), n, prob)
            where = f"x[{j}]" if g < 1e-9 else f"x[{j}] + {_fr(g, 2)}·(x[{j + 1}] − x[{j}])"
            add("quantile atteignable", list(grp["key"]), ok,
                f"{var}, {pop}, N = {n} : {name} = {where} (type 7) ; imprimé {_fr(q[name])}")
        add("ordre des quartiles", list(grp["key"]), q["q1"] <= q["median"] <= q["q3"],
            f"{_fr(q['q1'])} ≤ {_fr(q['median'])} ≤ {_fr(q['q3'])}")

    for r in published[published["quantity"].isin(["km_median", "km_lower", "km_upper"])
                       ].itertuples(index=False):
        if pd.isna(r.value):
            continue
        ok = r_significant_ok(float(r.value)) and not _point(r)
        add("format R", [r.key], ok, f"« {r.as_printed} »")

    for a, b, ok, detail in _repeated(published):
        add("même nombre imprimé deux fois", [a, b], ok, detail)
    for ident in ([] if identities is None else identities.itertuples(index=False)):
        left, right = ident.left.split(";"), ident.right.split(";")
        if not all((published["key"] == k).any() for k in [*left, *right]):
            continue
        lv = sum(_value(published, k) or 0 for k in left)
        rv = sum(_value(published, k) or 0 for k in right)
        add("somme entre passages", [*left, *right], lv == rv,
            f"{ident.what} : {' + '.join(_fr(_value(published, k)) for k in left)} = "
            f"{_fr(lv)} ; {' + '.join(_fr(_value(published, k)) for k in right)} = {_fr(rv)}")
    return pd.DataFrame(rows, columns=["check", "keys", "ok", "detail"])


def _repeated(published: pd.DataFrame) -> list[tuple[str, str, bool, str]]:
    """Pairs of rows giving the same quantity of the same population in two places."""
    out = []
    p = published[published["quantity"] != "denominator"]
    for (_q, _v, _pop), grp in p.groupby(["quantity", "variable", "population"], sort=False):
        rows = list(grp.itertuples(index=False))
        ref = rows[0]
        for other in rows[1:]:
            if other.as_printed == ref.as_printed and other.locator == ref.locator:
                continue
            a, b = ref.value, other.value
            if pd.isna(a) or pd.isna(b):
                ok = pd.isna(a) and pd.isna(b)
            else:
                lo = min(decimals(a), decimals(b))
                ok = bool(roundings(float(a), lo) & roundings(float(b), lo))
            out.append((ref.key, other.key, ok,
                        f"« {ref.as_printed} » ({ref.locator}) et « {other.as_printed} » "
                        f"({other.locator})"))
    return out


# --------------------------------------------------------------------------- findings


def _grim_findings(published: pd.DataFrame, w: Wording) -> list[Finding]:
    out = []
    t2 = _t2(published)
    cls = classes()
    for r in _pairs(published).itertuples(index=False):
        d = r.denominator_pct if not pd.isna(r.denominator_pct) else r.denominator_n
        if pd.isna(d):
            continue
        n, pct, d = int(r.value_n), float(r.value_pct), int(d)
        if percent_ok(n, d, pct):
            continue
        right = sorted(roundings(100 * n / d))
        good = denominators_for(n, pct)
        col = r.population
        same_row = t2[(t2["variable"] == r.variable) & (t2["quantity"] == "count")]
        by = dict(zip(same_row["population"], same_row["value"], strict=False))
        sums = ""
        if set(by) >= {"all", *cls} and sum(int(by[c]) for c in cls) == int(by["all"]):
            sums = w.text("grim.sums", sum=" + ".join(str(int(by[c])) for c in cls),
                          total=int(by["all"]), n=n)
        others = [k for k in range(0, d + 1) if percent_ok(k, d, pct)]
        smaller = [g for g in good if g < d]
        values = {
            "n": n, "d": d, "pct": _fr(pct), "ratio": _pct(100 * n / d),
            "rounded": " ou ".join(_fr(x) for x in right), "rounded_low": _fr(min(right)),
            "good": _list(good), "others": _list(others), "smaller": _list(smaller),
            "denominators": tuple(good), "counts": tuple(others),
            "column": w.column(col), "variable": w.variable(r.variable),
            "printed": r.as_printed, "locator": r.locator,
        }
        how = ("grim.how_none" if not good
               else "grim.how_bigger" if min(good) > d else "grim.how_some")
        values["how"] = w.text(how, **values)
        values["alt"] = w.text("grim.alt_some" if others else "grim.alt_none", **values)
        values["sums"] = sums
        values["smaller"] = w.text("grim.smaller", **values) if smaller else ""
        if r.variable == "patients":
            fid, what_key = f"entete-pourcentage-{col}", "header_pct.what"
        else:
            fid = f"grim-{r.key_pct}"
            what_key = "grim.what" if r.key_pct.startswith("t2.") else "grim.what_text"
        out.append(_finding(
            w, fid, "grim", "ambigu" if smaller else "impossible",
            keys=(r.key_n, r.key_pct), corrections={r.key_pct: tuple(right)},
            what=w.text(what_key, **values),
            correction=w.text("grim.correction_smaller" if smaller else "grim.correction",
                              **{**values, "smaller": _list(smaller)}),
            **values))
    return out


def _joint_denominators(published: pd.DataFrame, w: Wording) -> list[Finding]:
    """Rows whose four percentages cannot share one set of evaluable denominators."""
    out = []
    pairs = _pairs(_t2(published))
    heads = _heads(published)
    cls = classes()
    for var, grp in pairs.groupby("variable", sort=False):
        if var == "patients" or var.startswith("subsequent_line"):
            continue
        by = {r.population: r for r in grp.itertuples(index=False)}
        if not set(by) >= {"all", *cls}:
            continue
        feasible = {c: [d for d in range(max(int(by[c].value_n), 1), heads[c] + 1)
                        if percent_ok(int(by[c].value_n), d, float(by[c].value_pct))]
                    for c in ("all", *cls)}
        declared = by["all"].denominator_pct
        if any(not feasible[c] for c in cls) and (pd.isna(declared)
                                                   or int(declared) == heads["all"]):
            continue  # an impossible cell, already reported on its own
        combos = [combo for combo in product(*(feasible[c] for c in cls))
                  if sum(combo) in feasible["all"]]
        if combos and (pd.isna(declared) or any(sum(c) == declared for c in combos)):
            continue
        columns = " ; ".join(
            w.text("joint.column", column=w.column(c),
                   printed=by[c].as_printed, feasible=_list(feasible[c]), n=heads[c])
            for c in ("all", *cls))
        declared_text, need = "", None
        if not pd.isna(declared) and int(declared) != heads["all"]:
            forced = [c for c in cls if feasible[c]]
            need = sum(min(feasible[c]) for c in forced)
            declared_text = w.text(
                "joint.declared", declared=int(declared),
                columns=_and([w.column(c) for c in forced]),
                sum=" + ".join(str(min(feasible[c])) for c in forced), need=need)
        keys = tuple(k for c in ("all", *cls) for k in (by[c].key_n, by[c].key_pct))
        # the class cells are the ones to recompute; the "all" cell only if it is
        # impossible on its own
        pct_keys = {by[c].key_pct: None for c in cls}
        if not feasible["all"]:
            pct_keys[by["all"].key_pct] = None
        out.append(_finding(
            w, f"denominateurs-{var}", "joint", "impossible", keys=keys,
            corrections=pct_keys, variable=w.variable(var),
            cells=" ; ".join(f"« {by[c].as_printed} »" for c in ("all", *cls)),
            columns=columns, declared=declared_text, need=need,
            feasible={c: tuple(feasible[c]) for c in ("all", *cls)}))
    return out


def _repeated_findings(published: pd.DataFrame, w: Wording) -> list[Finding]:
    out = []
    for a, b, ok, _detail in _repeated(published):
        if ok:
            continue
        va, vb = _value(published, a), _value(published, b)
        ra, rb = _row(published, a), _row(published, b)
        if rb["variable"] == "patients":
            continue  # the header percentages have their own finding
        lo = min(decimals(va), decimals(vb)) if va is not None and vb is not None else 0
        precision = ("à l'unité" if lo == 0 else
                     f"à {fmt.words(lo, feminine=True)} décimale" + ("s" if lo > 1 else ""))
        out.append(_finding(
            w, f"conflit-{b}", "conflict", "contradictoire", keys=(a, b),
            corrections={b: tuple(sorted(roundings(va, decimals(vb))))} if va is not None
            else {},
            variable=w.variable(rb["variable"]), population=w.label("population",
                                                                     rb["population"]),
            first=ra["as_printed"], first_place=ra["locator"], second=rb["as_printed"],
            second_place=rb["locator"], a=_fr(va), b=_fr(vb), precision=precision))
    return out


def _format_findings(published: pd.DataFrame, w: Wording) -> list[Finding]:
    out = []
    km = published[published["quantity"].isin(["km_median", "km_lower", "km_upper"])]
    for r in km.itertuples(index=False):
        if pd.isna(r.value) or r_significant_ok(float(r.value)):
            continue
        v = float(r.value)
        r3 = float(survival.r_signif(v, R_DIGITS))
        out.append(_finding(
            w, f"format-{r.key}", "format_digits", "forme", keys=(r.key,),
            corrections={r.key: (r3, v)},
            published=w.text("grim.published", printed=r.as_printed, locator=r.locator),
            value=_fr(v), digits=fmt.words(significant_digits(v)),
            r_digits=fmt.words(R_DIGITS), r_value=fmt.signif(v, R_DIGITS)))
    for r in _t2(published).itertuples(index=False):
        if not _point(r):
            continue
        same = published[(published["quantity"] == r.quantity)
                         & (published["variable"] == r.variable)
                         & (published["population"] == r.population)
                         & ~published["key"].str.startswith("t2.")]
        text = _fr(float(same["value"].iloc[0])) if not same.empty else _fr(float(r.value))
        out.append(_finding(
            w, f"format-point-{r.key}", "format_point", "forme", keys=(r.key,),
            published=w.text("grim.published", printed=r.as_printed, locator=r.locator),
            value=_fr(float(r.value)), text=text))
    return out


def _header_sum(published: pd.DataFrame, w: Wording) -> list[Finding]:
    t2 = _t2(published)
    cls = classes()
    pct = t2[(t2["variable"] == "patients") & (t2["quantity"] == "percent")]
    total = int(pct["value"].sum())
    heads = _heads(published)
    if total == 100 or pct.empty or not set(heads) >= {"all", *cls}:
        return []
    right = {c: round_half_up(100 * heads[c] / heads["all"]) for c in cls}
    printed = dict(zip(pct["population"], pct["value"], strict=True))
    wrong = [c for c in cls if c in printed and printed[c] not in roundings(
        100 * heads[c] / heads["all"])]
    text = [fmt.percent(_value(published, f"text.patients.pct.{c}")) for c in wrong
            if _value(published, f"text.patients.pct.{c}") is not None]
    return [_finding(
        w, "entete-somme", "header_sum", "impossible", keys=tuple(pct["key"]),
        cells=" ; ".join(f"« {a} »" for a in pct["as_printed"]),
        parts=" + ".join(_fr(v) for v in pct["value"]), total=total,
        right=_and([_fr(right[c]) for c in cls]) + " %", right_total=_fr(sum(right.values())),
        text=_and(text),
        correction=", ".join(f"« N = {heads[c]} ({fmt.percent(right[c])}) »" for c in cls))]


def _survival_remarks(published: pd.DataFrame, w: Wording) -> list[Finding]:
    out = []
    heads = _heads(published)
    for r in _t2(published).itertuples(index=False):
        if r.quantity != "km_lower" or r.variable != "os" or r.value != 0:
            continue
        n = heads.get(r.population)
        need = survival.deaths_at_zero_for_null_lower(n) if n else None
        if need is None:
            continue
        one = survival.kaplan_meier([0.0] + [1.0] * (n - 1), [1] * n)
        text_key = f"km.os.lower.{r.population}"
        out.append(_finding(
            w, f"sg-{r.population}-borne-nulle".replace("_", "-"), "null_lower", "remarque",
            keys=(r.key, *([text_key] if (published["key"] == text_key).any() else [])),
            published=w.text("grim.published", printed=r.as_printed, locator=r.locator),
            population=w.label("population", r.population),
            n=n, s_one=fmt.number(one.surv[0], 3), lower_one=fmt.number(one.lower[0], 3),
            need=fmt.count(need), need_words=fmt.count(need, capital=True)))
    return out


def _text_findings(published: pd.DataFrame, w: Wording) -> list[Finding]:
    """Conflicts of definitions and populations, read in the text (no arithmetic). Each is
    raised only when the published table holds the numbers it quotes."""
    out = []
    if _has(published, "t2.penta_refractory.n.all", "text.penta_refractory.n.all"):
        out.append(_finding(w, "definition-penta-refractaire", "penta_definition", "ambigu",
                            keys=("t2.penta_refractory.n.all", "text.penta_refractory.n.all")))
    penta = ("t2.patients.n.all", "text.penta_exposed.n.all", "text.penta_refractory.n.all",
             "text.penta_refractory.pct.all")
    if _has(published, *penta):
        total, exposed, n = (_count(published, k) for k in penta[:3])
        out.append(_finding(
            w, "penta-denominateur", "penta_denominator", "ambigu", keys=penta[1:],
            printed_exposed=_row(published, penta[1])["as_printed"],
            printed=_row(published, penta[2])["as_printed"], n=n, exposed=exposed,
            total=total, pct=_fr(_value(published, penta[3])),
            pct_exposed=_pct(100 * n / exposed), pct_total=_pct(100 * n / total),
            pct_exposed_rounded=_fr(round_half_up(100 * n / exposed))))
    if _has(published, "fig21.os.n"):
        out.append(_finding(w, "numerotation-figure", "figure_number", "contradictoire"))
    population = ("fig21.os.n", "disc.no_slt_supportive_care.n", "t2.patients.n.all",
                  "text.deaths_infection_before_slt", "text.no_slt_palliative_or_progression.n",
                  "text.received_slt.n")
    if _has(published, *population):
        out.append(_finding(
            w, "population-sg", "os_population", "ambigu",
            keys=("fig21.os.n", "disc.no_slt_supportive_care.denominator", "t2.os.median.all"),
            printed_os=_row(published, "fig21.os.n")["as_printed"],
            printed_supportive=_row(published, "disc.no_slt_supportive_care.n")["as_printed"],
            os_n=_count(published, "fig21.os.n"), total=_count(published, population[2]),
            early=_count(published, population[3]), no_line=_count(published, population[4]),
            treated=_count(published, population[5])))
    if _has(published, "km.pfs.median.all"):
        out.append(_finding(w, "methode-ic", "ci_method", "ambigu"))
    line_keys = tuple(k for k in published["key"]
                      if k.startswith("text.subsequent_line.") and ".pct." in k)
    if line_keys and _has(published, "t2.patients.n.all", "text.received_slt.n",
                          line_keys[0].replace(".pct.", ".n.")):
        total, treated = (_count(published, k) for k in ("t2.patients.n.all",
                                                          "text.received_slt.n"))
        first = _row(published, line_keys[0])
        n = _count(published, line_keys[0].replace(".pct.", ".n."))
        out.append(_finding(
            w, "pourcentages-lignes-ulterieures", "line_percent", "ambigu", keys=line_keys,
            printed=first["as_printed"], treated=treated, total=total, n=n,
            pct=_fr(float(first["value"])), pct_total=_pct(100 * n / total),
            pct_treated=_pct(100 * n / treated)))
    return out


def findings(published: pd.DataFrame, wording: Wording | None = None) -> list[Finding]:
    """All problems found in ``published`` (a ``retrospective_published`` DataFrame).

    With ``wording`` (codes and texts of the study) each finding carries its French text;
    without, only its id, verdict, keys and corrections.
    """
    w = wording or Wording()
    found = (_header_sum(published, w) + _grim_findings(published, w)
             + _joint_denominators(published, w) + _repeated_findings(published, w)
             + _format_findings(published, w) + _survival_remarks(published, w)
             + _text_findings(published, w))
    ids = [f.id for f in found]
    if len(ids) != len(set(ids)):
        raise ValueError("Identifiants de constats en double : "
                         + ", ".join(sorted({i for i in ids if ids.count(i) > 1})))
    return found


def findings_by_key(found: Sequence[Finding]) -> dict[str, list[Finding]]:
    """Index: published key → findings that concern it."""
    out: dict[str, list[Finding]] = {}
    for f in found:
        for k in dict.fromkeys([*f.keys, *f.corrections]):
            out.setdefault(k, []).append(f)
    return out


__all__ = ["Finding", "checks", "findings", "findings_by_key",
           "percent_ok", "denominators_for", "quantile_attainable", "round_half_up",
           "round_half_even", "roundings", "decimals", "significant_digits",
           "r_significant_ok"]
