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
* medians and confidence limits are printed as R prints them (3 significant digits).

Plus the conflicts that no arithmetic can settle (two definitions of penta-refractory, the
figure numbering, the population and time origin of overall survival, the CI method).

:func:`checks` returns every elementary check (passed or not) as a DataFrame;
:func:`findings` returns the problems as :class:`Finding` records with a stable ``id`` that
:mod:`therapybook.study.analysis` cites when a published number cannot be reproduced.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from itertools import product

import pandas as pd

CLASSES = ("car_t", "bispecific", "adc")
COLUMN_LABELS = {
    "all": "Tous les patients",
    "car_t": "Échec des CAR-T cells",
    "bispecific": "Échec du BispAb",
    "adc": "Échec de l'ADC",
}
#: French names of the variables of ``retrospective_published`` (for the findings).
VARIABLE_LABELS = {
    "high_risk_cytogenetics": "risque cytogénétique élevé",
    "extramedullary": "maladie extra-médullaire",
    "prior_autograft": "autogreffe",
    "triple_refractory": "triple-réfractaires",
    "penta_refractory": "penta-réfractaires",
    "refractory_anti_cd38": "réfractaires à l'anti-CD38",
    "refractory_lenalidomide": "réfractaires au lénalidomide",
    "refractory_pomalidomide": "réfractaires au pomalidomide",
    "refractory_carfilzomib": "réfractaires au carfilzomib",
    "age_at_failure": "âge à l'échec",
    "prior_lines": "lignes antérieures",
    "pfs": "SSP", "os": "SG",
}


def label(variable: str) -> str:
    """French name of a published variable (the code name when unknown)."""
    return VARIABLE_LABELS.get(variable, variable)


#: Verdicts, from the most to the least severe.
VERDICTS = {
    "impossible": "impossible : aucune donnée ne peut produire la valeur imprimée",
    "contradictoire": "contradictoire : deux passages de la thèse se contredisent",
    "ambigu": "ambigu : définition ou population incertaine",
    "forme": "forme : valeur possible, mais imprimée autrement que ne l'imprime R",
    "remarque": "remarque : valeur possible, sous une condition peu banale",
}


@dataclass(frozen=True)
class Finding:
    """One problem of the published numbers.

    - ``id``: stable identifier (cited by the reproducibility report);
    - ``what``: short French title; ``published``: what is printed, with its place;
    - ``evidence``: the computation or quotation that shows the problem;
    - ``verdict``: a key of :data:`VERDICTS`; ``correction``: suggested correction (French);
    - ``keys``: ``retrospective_published`` keys concerned;
    - ``corrections``: for some keys, the values a correct table could print
      (``None`` = any value recomputed by the declared rule, the printed one being
      impossible).
    """

    id: str
    what: str
    published: str
    evidence: str
    verdict: str
    correction: str
    keys: tuple[str, ...] = ()
    corrections: dict[str, tuple[float, ...] | None] = field(default_factory=dict)


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


def type7_position(n: int, p: float) -> tuple[int, float]:
    """R's type-7 quantile of ``n`` sorted values: (1-based index j, weight g) with
    ``Q = x[j] + g·(x[j+1] − x[j])``."""
    h = (n - 1) * p
    j = math.floor(h + 1e-9)
    return j + 1, h - j


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


def r_significant_ok(value: float, digits: int = 3) -> bool:
    """True when ``value`` has no more significant digits than R's print (3 by default)."""
    if value == 0:
        return True
    d = Decimal(repr(float(value))).normalize()
    return len(d.as_tuple().digits) <= digits


def min_deaths_at_zero_for_null_lower(n: int, z: float = 1.959963984540054) -> int | None:
    """Smallest number of deaths at time 0 among ``n`` that puts the lower limit of R's
    log-transformed 95 % band at or below 0.5 at time 0 (R then prints a lower CI of 0),
    while S(0) stays above 0.5 (so that the median itself is later). None if impossible."""
    for d in range(1, n):
        s = (n - d) / n
        if s <= 0.5:
            return None
        se = math.sqrt(d / (n * (n - d)))
        if s * math.exp(-z * se) <= 0.5:
            return d
    return None


# --------------------------------------------------------------------------- helpers


def _fr(x: float | None, digits: int | None = None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    digits = decimals(x) if digits is None else digits
    return f"{x:.{digits}f}".replace(".", ",")


def _pct(x: float) -> str:
    return _fr(round(x, 1), 1)


def _list(values: Iterable[int]) -> str:
    values = list(values)
    if not values:
        return "aucun"
    if len(values) > 12:
        return ", ".join(map(str, values[:12])) + ", …"
    return ", ".join(map(str, values))


def _point(r) -> bool:
    """True when the number of row ``r`` is printed with a decimal point, not a comma."""
    if pd.isna(r.value) or float(r.value).is_integer():
        return False
    return _fr(float(r.value)).replace(",", ".") in str(r.as_printed)


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


def _printed(published: pd.DataFrame, key: str) -> str:
    row = published.loc[published["key"] == key]
    if row.empty:
        return ""
    r = row.iloc[0]
    return f"« {r['as_printed']} » ({r['locator']})"


# --------------------------------------------------------------------------- checks

#: Counts that different passages of the thesis say must add up: (what, left, right).
IDENTITIES = (
    ("« Aucun » du tableau = décès d'autre cause + soins de support (note #)",
     ("t2.subsequent_line.none.n.all",),
     ("t2.note.no_slt.death_other_cause", "t2.note.no_slt.best_supportive_care")),
    ("« Aucun » du tableau = décès infectieux + soins palliatifs du texte",
     ("t2.subsequent_line.none.n.all",),
     ("text.deaths_infection_before_slt", "text.no_slt_palliative_or_progression.n")),
    ("45 patients = 5 décès infectieux + 40 restants",
     ("t2.patients.n.all",), ("text.deaths_infection_before_slt",
                              "text.remaining_after_infection_deaths")),
    ("40 restants = 10 sans ligne + 30 traités",
     ("text.remaining_after_infection_deaths",),
     ("text.no_slt_palliative_or_progression.n", "text.received_slt.n")),
    ("lignes ultérieures du tableau (hors « Aucun ») = 30 traités",
     tuple(f"t2.subsequent_line.{c}.n.all" for c in (
         "alkylator", "proteasome_inhibitor", "imid", "anti_gprc5d", "anti_bcma",
         "venetoclax", "other")), ("text.received_slt.n",)),
    ("patients traités = effectif de la courbe de SSP (figure 21-A)",
     ("text.received_slt.n",), ("fig21.pfs.n",)),
    ("40 restants = effectif de la courbe de SG (figure 21-B)",
     ("text.remaining_after_infection_deaths",), ("fig21.os.n",)),
    ("anti-BCMA en ligne ultérieure = belantamab + teclistamab (note §)",
     ("t2.subsequent_line.anti_bcma.n.all",),
     ("t2.note.subsequent_line.anti_bcma.belantamab",
      "t2.note.subsequent_line.anti_bcma.teclistamab")),
    ("CAR-T cells = ide-cel + cilta-cel", ("t2.patients.n.car_t",),
     ("text.anti_bcma_product.ide_cel", "text.anti_bcma_product.cilta_cel")),
    ("anticorps bispécifiques = teclistamab + elranatamab", ("t2.patients.n.bispecific",),
     ("text.anti_bcma_product.teclistamab", "text.anti_bcma_product.elranatamab")),
    ("ADC = belantamab-mafodotin", ("t2.patients.n.adc",),
     ("text.anti_bcma_product.belantamab_mafodotin",)),
)



def checks(published: pd.DataFrame) -> pd.DataFrame:
    """Every elementary check: columns ``check``, ``keys`` (``;``-joined), ``ok``, ``detail``."""
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
    counts = t2[(t2["quantity"] == "count") & t2["population"].isin(["all", *CLASSES])]
    for _var, grp in counts.groupby("variable", sort=False):
        by = dict(zip(grp["population"], grp["value"], strict=True))
        if not set(by) >= {"all", *CLASSES}:
            continue
        total = sum(int(by[c]) for c in CLASSES)
        add("somme des colonnes", list(grp["key"]), total == int(by["all"]),
            f"{' + '.join(str(int(by[c])) for c in CLASSES)} = {total} ; "
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
    for what, left, right in IDENTITIES:
        if not all((published["key"] == k).any() for k in [*left, *right]):
            continue
        lv = sum(_value(published, k) or 0 for k in left)
        rv = sum(_value(published, k) or 0 for k in right)
        add("somme entre passages", [*left, *right], lv == rv,
            f"{what} : {' + '.join(_fr(_value(published, k)) for k in left)} = {_fr(lv)} ; "
            f"{' + '.join(_fr(_value(published, k)) for k in right)} = {_fr(rv)}")
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


def _grim_findings(published: pd.DataFrame) -> list[Finding]:
    out = []
    t2 = _t2(published)
    for r in _pairs(published).itertuples(index=False):
        d = r.denominator_pct if not pd.isna(r.denominator_pct) else r.denominator_n
        if pd.isna(d):
            continue
        n, pct, d = int(r.value_n), float(r.value_pct), int(d)
        if percent_ok(n, d, pct):
            continue
        right = roundings(100 * n / d)
        good = denominators_for(n, pct)
        col = r.population
        same_row = t2[(t2["variable"] == r.variable) & (t2["quantity"] == "count")]
        by = dict(zip(same_row["population"], same_row["value"], strict=False))
        sums = ""
        if set(by) >= {"all", *CLASSES}:
            total = sum(int(by[c]) for c in CLASSES)
            if total == int(by["all"]):
                sums = (f" La somme des colonnes ({' + '.join(str(int(by[c])) for c in CLASSES)}"
                        f" = {total}) confirme l'effectif {n}.")
        others = [k for k in range(0, d + 1) if percent_ok(k, d, pct)]
        if r.variable == "patients":
            fid = f"entete-pourcentage-{col}"
            what = f"En-tête du tableau 2 : pourcentage de la colonne « {COLUMN_LABELS[col]} »"
        else:
            fid = f"grim-{r.key_pct}"
            what = (f"Pourcentage incompatible avec l'effectif : {label(r.variable)}, "
                    f"colonne « {COLUMN_LABELS.get(col, col)} »"
                    + ("" if r.key_pct.startswith("t2.") else " (texte)"))
        if good:
            how = (f"ne s'obtient qu'avec un dénominateur de {_list(good)}"
                   + (f" (plus grand que N = {d})" if min(good) > d else ""))
        else:
            how = "ne s'obtient avec aucun dénominateur entier"
        if others:
            alt = f"sur N = {d}, {_fr(pct)} % correspondrait à un effectif de {_list(others)}"
        else:
            alt = f"sur N = {d}, aucun effectif ne donne {_fr(pct)} %"
        evidence = (f"{n}/{d} = {_pct(100 * n / d)} %, qui s'arrondit à "
                    f"{' ou '.join(_fr(x) for x in sorted(right))} % et non {_fr(pct)} %. "
                    f"Pour un effectif de {n}, {_fr(pct)} % {how} ; {alt}.{sums}")
        smaller = [g for g in good if g < d]
        if smaller:
            evidence += (f" La valeur reste possible si seuls {_list(smaller)} patients de la "
                         "colonne étaient évaluables, ce que la thèse ne dit pas.")
        out.append(Finding(
            id=fid, what=what, published=_printed(published, r.key_pct), evidence=evidence,
            verdict="ambigu" if smaller else "impossible",
            correction=f"« {n} ({_fr(min(right))}) »"
            + (f", ou indiquer le nombre de patients évaluables ({_list(smaller)})"
               if smaller else ""),
            keys=(r.key_n, r.key_pct),
            corrections={r.key_pct: tuple(sorted(right))},
        ))
    return out


def _joint_denominators(published: pd.DataFrame) -> list[Finding]:
    """Rows whose four percentages cannot share one set of evaluable denominators."""
    out = []
    t2 = _t2(published)
    pairs = _pairs(t2)
    heads = {r.population: int(r.value) for r in t2[(t2["variable"] == "patients")
                                                     & (t2["quantity"] == "count")
                                                     ].itertuples(index=False)}
    for var, grp in pairs.groupby("variable", sort=False):
        if var == "patients" or var.startswith("subsequent_line"):
            continue
        by = {r.population: r for r in grp.itertuples(index=False)}
        if not set(by) >= {"all", *CLASSES}:
            continue
        feasible = {}
        for c in ("all", *CLASSES):
            r = by[c]
            cap = heads[c]
            feasible[c] = [d for d in range(max(int(r.value_n), 1), cap + 1)
                           if percent_ok(int(r.value_n), d, float(r.value_pct))]
        if any(not feasible[c] for c in CLASSES) and (
                pd.isna(by["all"].denominator_pct)
                or int(by["all"].denominator_pct) == heads["all"]):
            continue  # an impossible cell, already reported on its own
        combos = [combo for combo in product(*(feasible[c] for c in CLASSES))
                  if sum(combo) in feasible["all"]]
        declared = by["all"].denominator_pct
        if combos and (pd.isna(declared) or any(sum(c) == declared for c in combos)):
            continue
        per = "; ".join(
            f"{COLUMN_LABELS[c]} « {by[c].as_printed} » : N évaluables possibles "
            f"{_list(feasible[c]) if feasible[c] else 'aucun'} (N de la colonne {heads[c]})"
            for c in ("all", *CLASSES))
        if not pd.isna(declared) and int(declared) != heads["all"]:
            forced = [c for c in CLASSES if feasible[c]]
            need = " + ".join(str(min(feasible[c])) for c in forced)
            per += (f". Le texte donne {int(declared)} évaluables au total, alors que les "
                    "pourcentages des colonnes "
                    f"{', '.join(COLUMN_LABELS[c] for c in forced)} en supposent à eux seuls "
                    f"{need} = {sum(min(feasible[c]) for c in forced)}")
        keys = tuple(k for c in ("all", *CLASSES) for k in (by[c].key_n, by[c].key_pct))
        # the class cells are the ones to recompute; the "all" cell only if it is
        # impossible on its own
        pct_keys = {by[c].key_pct: None for c in CLASSES}
        if not feasible["all"]:
            pct_keys[by["all"].key_pct] = None
        out.append(Finding(
            id=f"denominateurs-{var}",
            what=f"Pourcentages incompatibles entre colonnes : {label(var)}",
            published=" ; ".join(f"« {by[c].as_printed} »" for c in ("all", *CLASSES))
            + " (tableau 2)",
            evidence="Les patients évaluables de la colonne « tous » sont ceux des trois "
            "colonnes de classe ; aucun jeu de dénominateurs ne rend les quatre pourcentages "
            f"exacts à la fois. {per}.",
            verdict="impossible",
            correction="Recalculer chaque pourcentage sur les patients évaluables de sa "
            "colonne et indiquer ces effectifs (N évaluables) dans le tableau.",
            keys=keys, corrections=pct_keys,
        ))
    return out


def _repeated_findings(published: pd.DataFrame) -> list[Finding]:
    out = []
    for a, b, ok, detail in _repeated(published):
        if ok:
            continue
        va, vb = _value(published, a), _value(published, b)
        var = published.loc[published["key"] == b, "variable"].iloc[0]
        pop = published.loc[published["key"] == b, "population"].iloc[0]
        if var == "patients":
            continue  # the header percentages have their own finding
        lo = min(decimals(va), decimals(vb)) if va is not None and vb is not None else 0
        out.append(Finding(
            id=f"conflit-{b}",
            what=f"Deux valeurs pour le même nombre : {label(var)}, population « {pop} »",
            published=detail,
            evidence=f"{_fr(va)} et {_fr(vb)} ne coïncident pas, même arrondis à {lo} "
            "décimale(s).",
            verdict="contradictoire",
            correction=f"Retenir {_fr(va)} (valeur de la première occurrence, "
            f"{published.loc[published['key'] == a, 'locator'].iloc[0]}).",
            keys=(a, b),
            corrections={b: tuple(sorted(roundings(va, decimals(vb))))} if va is not None
            else {},
        ))
    return out


def _format_findings(published: pd.DataFrame) -> list[Finding]:
    out = []
    km = published[published["quantity"].isin(["km_median", "km_lower", "km_upper"])]
    for r in km.itertuples(index=False):
        if pd.isna(r.value):
            continue
        if not r_significant_ok(float(r.value)):
            v = float(r.value)
            r3 = float(f"{v:.3g}")
            out.append(Finding(
                id=f"format-{r.key}",
                what="Borne ou médiane imprimée avec plus de chiffres que R",
                published=_printed(published, r.key),
                evidence=f"{_fr(v)} a {len(Decimal(repr(v)).normalize().as_tuple().digits)} "
                f"chiffres significatifs ; print(survfit) de R en imprime 3 ({_fr(r3)}), comme "
                "pour toutes les autres médianes et bornes de la section. La valeur n'a donc "
                "pas la forme de la sortie de R qui a produit les autres.",
                verdict="forme",
                correction=f"« {_fr(r3)} »",
                keys=(r.key,),
                corrections={r.key: (r3, v)},
            ))
    for r in published[published["key"].str.startswith("t2.")].itertuples(index=False):
        if _point(r):
            out.append(Finding(
                id=f"format-point-{r.key}",
                what="Séparateur décimal anglais dans le tableau 2",
                published=_printed(published, r.key),
                evidence="C'est la seule valeur du tableau écrite avec un point décimal ; le "
                "reste du tableau et le texte (« 14,4 ») utilisent la virgule.",
                verdict="forme",
                correction=f"« {_fr(float(r.value))} »",
                keys=(r.key,),
            ))
    return out


def _header_sum(published: pd.DataFrame) -> list[Finding]:
    t2 = _t2(published)
    pct = t2[(t2["variable"] == "patients") & (t2["quantity"] == "percent")]
    total = int(pct["value"].sum())
    if total == 100:
        return []
    parts = " + ".join(_fr(v) for v in pct["value"])
    return [Finding(
        id="entete-somme",
        what="Les pourcentages de l'en-tête du tableau 2 ne totalisent pas 100 %",
        published=" ; ".join(f"« {a} »" for a in pct["as_printed"]) + " (tableau 2, en-tête)",
        evidence=f"{parts} = {total} %. Les pourcentages correctement arrondis (40, 44 et "
        "16 %) totalisent 100 %, et le texte des résultats imprime bien 40 % et 16 %.",
        verdict="impossible",
        correction="« N = 18 (40 %) », « N = 20 (44 %) », « N = 7 (16 %) »",
        keys=tuple(pct["key"]),
    )]


def _survival_remarks(published: pd.DataFrame) -> list[Finding]:
    out = []
    key = "t2.os.lower.adc"
    lo = _value(published, key)
    n = _value(published, "t2.patients.n.adc")
    if lo == 0 and n:
        d = min_deaths_at_zero_for_null_lower(int(n))
        one = 1 - 1 / n
        se1 = math.sqrt(1 / (n * (n - 1)))
        out.append(Finding(
            id="sg-adc-borne-nulle",
            what="Borne inférieure nulle de la SG médiane après échec de l'ADC",
            published=_printed(published, key),
            evidence=f"Avec R (IC « log »), la borne inférieure de la médiane vaut 0 seulement "
            "si la bande de confiance passe sous 0,5 dès le temps 0, donc s'il y a des décès au "
            f"temps 0. Sur {int(n)} patients, un seul décès à 0 donne S = {_fr(one, 3)} et une "
            f"borne basse de {_fr(one * math.exp(-1.959964 * se1), 3)} (> 0,5) ; il en faut au "
            f"moins {d} pour obtenir 0. Deux patients comptés comme morts le jour même de "
            "l'échec est possible (date de décès prise comme date de progression) mais "
            "inhabituel.",
            verdict="remarque",
            correction="Vérifier les dates de progression et de décès des patients ADC.",
            keys=(key, "km.os.lower.adc"),
        ))
    return out


def _text_findings(published: pd.DataFrame) -> list[Finding]:
    """Conflicts of definitions and populations, read in the text (no arithmetic)."""
    v = lambda k: _value(published, k)  # noqa: E731
    out = [
        Finding(
            id="definition-penta-refractaire",
            what="Deux définitions de « penta-réfractaire »",
            published="texte des résultats, §1 ; note *** du tableau 2",
            evidence="Le texte des résultats définit le patient penta-réfractaire par une "
            "réfraction au lénalidomide, au pomalidomide, au bortézomib, au carfilzomib et à au "
            "moins un anticorps anti-CD38 ; la note *** du tableau exige au moins deux IMiDs, "
            "deux inhibiteurs du protéasome, un anti-CD38 et un anti-BCMA. Les deux ensembles de "
            "patients ne coïncident pas en général : la seconde définition n'impose pas les "
            "quatre molécules nommées et ajoute l'anti-BCMA, que tous les patients ont reçu mais "
            "auquel ils ne sont pas tous réfractaires.",
            verdict="ambigu",
            correction="Choisir une définition (celle, usuelle, du texte) et l'appliquer au "
            "tableau comme au texte.",
            keys=("t2.penta_refractory.n.all", "text.penta_refractory.n.all"),
        ),
        Finding(
            id="penta-denominateur",
            what="« 16 patients penta-exposés dont 8 (18 %) penta-réfractaires »",
            published=_printed(published, "text.penta_refractory.pct.all"),
            evidence=f"8/16 = 50 % ; 18 % correspond à 8/45 ({_pct(800 / 45)} %). La phrase "
            "suggère une proportion parmi les 16 patients penta-exposés alors que le "
            "pourcentage porte sur les 45 patients.",
            verdict="ambigu",
            correction="« 8 patients (18 % des 45 ; 50 % des 16 penta-exposés) »",
            keys=("text.penta_exposed.n.all", "text.penta_refractory.n.all",
                  "text.penta_refractory.pct.all"),
        ),
        Finding(
            id="numerotation-figure",
            what="Numéro de la figure des courbes de survie",
            published="texte des résultats : « Figure 22-A et 22-B », « Figure 22-C » ; "
            "légende : « Figure 21 A … C »",
            evidence="Le texte renvoie à une figure 22 alors que la légende des courbes porte le "
            "numéro 21 ; dans la thèse, la figure 22 est la chronologie du premier cas clinique "
            "(section III.2.2).",
            verdict="contradictoire",
            correction="Renvoyer à la figure 21 (A, B et C).",
        ),
        Finding(
            id="population-sg",
            what="Population et origine de la survie globale",
            published=f"{_printed(published, 'fig21.os.n')} ; tableau 2 : SG médiane dans des "
            "colonnes de N = 45 ; discussion : « 10/40 des patients analysés pour la SG »",
            evidence=f"La légende (n = {_fr(v('fig21.os.n'))}) et la discussion placent 40 "
            "patients dans l'analyse de la SG (les 45 moins les 5 décès infectieux survenus "
            "avant toute ligne ultérieure), tandis que le tableau 2 donne la SG de colonnes "
            "totalisant 45 patients. La légende fait en outre partir la SG de la première ligne "
            "ultérieure, ce qui exclurait les 10 patients sans traitement (n = 30), alors que "
            "la méthode la fait partir de l'échec de l'anti-BCMA et y inclut les patients en "
            "soins palliatifs (n = 40 ou 45).",
            verdict="ambigu",
            correction="Dire quelle population (40 ou 45 patients) et quelle origine (échec "
            "de l'anti-BCMA ou début de la ligne suivante) ont servi à la SG, et donner "
            "l'effectif de chaque médiane.",
            keys=("fig21.os.n", "disc.no_slt_supportive_care.denominator", "t2.os.median.all"),
        ),
        Finding(
            id="methode-ic",
            what="Méthode des intervalles de confiance",
            published="méthodes (III.1.2) : IC « calculés sur la base de la distribution "
            "binomiale »",
            evidence="Le logiciel cité (R, package survival) tire par défaut l'IC d'une médiane "
            "de Kaplan-Meier de la bande de confiance ponctuelle (variance de Greenwood, "
            "transformation « log ») ; les valeurs publiées, bornes « NA » comprises, ont la "
            "forme de cette sortie. La « distribution binomiale » des méthodes ne décrit pas "
            "ce calcul.",
            verdict="ambigu",
            correction="« IC à 95 % de la médiane tirés de la bande de confiance ponctuelle "
            "(Greenwood, transformation log) de survfit (R, package survival) ».",
        ),
        Finding(
            id="pourcentages-lignes-ulterieures",
            what="Dénominateur des pourcentages de lignes ultérieures dans le texte",
            published=_printed(published, "text.subsequent_line.anti_gprc5d.pct.all"),
            evidence="La phrase décrit les 30 patients traités, mais « 7 (16 %) » vaut 7/45 "
            f"({_pct(700 / 45)} %) ; parmi les 30 traités ce serait {_pct(700 / 30)} %. Il en "
            "va de même pour chaque type de ligne.",
            verdict="ambigu",
            correction="Préciser « % des 45 patients » ou donner les pourcentages des 30 "
            "patients traités.",
            keys=tuple(k for k in published["key"]
                       if k.startswith("text.subsequent_line.") and ".pct." in k),
        ),
    ]
    return out


def findings(published: pd.DataFrame) -> list[Finding]:
    """All problems found in ``published`` (a ``retrospective_published`` DataFrame)."""
    found = (_header_sum(published) + _grim_findings(published)
             + _joint_denominators(published) + _repeated_findings(published)
             + _format_findings(published) + _survival_remarks(published)
             + _text_findings(published))
    ids = [f.id for f in found]
    assert len(ids) == len(set(ids)), "identifiants de constats en double"
    return found


def findings_frame(found: Sequence[Finding]) -> pd.DataFrame:
    """Findings as a DataFrame (one row each; ``keys`` joined with ``;``)."""
    return pd.DataFrame([{
        "id": f.id, "what": f.what, "published": f.published, "evidence": f.evidence,
        "verdict": f.verdict, "correction": f.correction, "keys": ";".join(f.keys),
    } for f in found], columns=["id", "what", "published", "evidence", "verdict",
                                "correction", "keys"])


def findings_by_key(found: Sequence[Finding]) -> dict[str, list[Finding]]:
    """Index: published key → findings that concern it."""
    out: dict[str, list[Finding]] = {}
    for f in found:
        for k in dict.fromkeys([*f.keys, *f.corrections]):
            out.setdefault(k, []).append(f)
    return out


__all__ = ["Finding", "VERDICTS", "checks", "findings", "findings_frame", "findings_by_key",
           "percent_ok", "denominators_for", "quantile_attainable", "type7_position",
           "round_half_up", "round_half_even", "roundings", "decimals",
           "min_deaths_at_zero_for_null_lower", "r_significant_ok"]
