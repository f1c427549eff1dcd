"""French number formatting for prose, tables and figures (``4,37 mois``, ``17 (55)``)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

NBSP = "\u00a0"  # before units and %
NNBSP = "\u202f"  # thousands separator
MISSING = "—"


def _is_missing(x: object) -> bool:
    return x is None or bool(pd.isna(x))


def number(x: float | int | None, digits: int = 0, *, missing: str = MISSING) -> str:
    """Format ``x`` with ``digits`` decimals, a decimal comma and thin-space thousands.

    Rounding is half-up on the decimal value (``2.345`` → ``2,35``), as people round.
    """
    if _is_missing(x):
        return missing
    q = Decimal(1).scaleb(-digits)
    d = Decimal(str(x)).quantize(q, rounding=ROUND_HALF_UP)
    sign = "−" if d < 0 else ""
    whole, _, frac = f"{abs(d):f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    out = NNBSP.join(groups) if len(groups[0] + "".join(groups[1:])) > 4 else "".join(groups)
    return sign + out + ("," + frac if frac else "")


def signif(x: float | None, digits: int = 3, *, missing: str = "NA") -> str:
    """``x`` as R prints it alone with ``digits`` significant digits, decimal comma
    (``12.49`` → ``12,5``, ``1234.5`` → ``1234``): R's print keeps every integer digit.

    One rule for the whole book: :func:`therapybook.stats.survival.r_signif`.
    """
    from therapybook.stats.survival import r_signif

    if _is_missing(x):
        return missing
    return r_signif(float(x), digits, decimal=",").replace("-", "−")


def percent(x: float | None, digits: int = 0, *, missing: str = MISSING) -> str:
    """``73.8`` → ``73,8 %`` (x is already a percentage)."""
    if _is_missing(x):
        return missing
    return f"{number(x, digits)}{NBSP}%"


def count_percent(n: int, total: int, digits: int = 0) -> str:
    """``17, 31`` → ``17 (55)``: a count and its percentage of ``total``."""
    if total == 0:
        return f"{n} ({MISSING})"
    return f"{n} ({number(100 * n / total, digits)})"


def months(x: float | None, digits: int = 1, *, missing: str = "non atteinte") -> str:
    """``4.37, 2`` → ``4,37 mois``; a missing median reads « non atteinte »."""
    if _is_missing(x):
        return missing
    return f"{number(x, digits)}{NBSP}mois"


def interval(lo: float | None, hi: float | None, fmt=signif) -> str:
    """``(2.04, 12.5)`` → ``2,04 – 12,5``; an undefined limit prints ``NA``."""
    return f"{fmt(lo)} – {fmt(hi)}"


_UNITS = ("zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
          "onze", "douze", "treize", "quatorze", "quinze", "seize")
_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}


def _below_hundred(n: int) -> str:
    if n <= 16:
        return _UNITS[n]
    if n < 20:
        return f"dix-{_UNITS[n - 10]}"
    tens, unit = divmod(n, 10)
    if tens in (7, 9):  # soixante-dix…, quatre-vingt-dix…
        base = "soixante" if tens == 7 else "quatre-vingt"
        rest = n - (60 if tens == 7 else 80)
        joiner = " et " if rest == 11 and tens == 7 else "-"
        return f"{base}{joiner}{_below_hundred(rest)}"
    base = "quatre-vingt" if tens == 8 else _TENS[tens]
    if unit == 0:
        return "quatre-vingts" if tens == 8 else base
    if unit == 1 and tens != 8:
        return f"{base} et un"
    return f"{base}-{_UNITS[unit]}"


def words(n: int, *, feminine: bool = False) -> str:
    """A whole number from 0 to 999 in French words: ``5`` → « cinq », ``21`` → « vingt et
    un », ``80`` → « quatre-vingts », ``200`` → « deux cents »; ``feminine`` gives « une »."""
    n = int(n)
    if not 0 <= n <= 999:
        raise ValueError(f"Nombre hors de la plage écrite en lettres (0 à 999) : {n}.")
    hundreds, rest = divmod(n, 100)
    parts = []
    if hundreds:
        head = "cent" if hundreds == 1 else f"{_UNITS[hundreds]} cent"
        parts.append(head + ("s" if hundreds > 1 and rest == 0 else ""))
    if rest or not hundreds:
        parts.append(_below_hundred(rest))
    text = " ".join(parts)
    if feminine and (text == "un" or text.endswith(" et un") or text.endswith("-un")):
        text = text[:-2] + "une"
    return text


def count(n: int, *, feminine: bool = False, capital: bool = False) -> str:
    """A count in running text: in words from zero to nine (« cinq »), in digits above
    (« 45 »), as French typography writes it; ``capital`` for the start of a sentence."""
    n = int(n)
    text = words(n, feminine=feminine) if 0 <= n <= 9 else number(n)
    return text[:1].upper() + text[1:] if capital else text


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")


def month(value: str) -> str:
    """A month given as ``AAAA-MM`` in French: ``2018-09`` → « septembre 2018 »."""
    year, _, mm = str(value).partition("-")
    if not (year.isdigit() and mm.isdigit() and 1 <= int(mm) <= 12):
        raise ValueError(f"Mois attendu sous la forme AAAA-MM : {value!r}.")
    return f"{MONTHS[int(mm) - 1]} {year}"


_ORDINALS = {1: "premier", 2: "deuxième", 3: "troisième", 4: "quatrième", 5: "cinquième",
             6: "sixième", 7: "septième", 8: "huitième", 9: "neuvième"}


def ordinal(n: int, *, feminine: bool = False) -> str:
    """An ordinal in running text: in words up to nine (« neuvième », « première »), then
    « 11e »."""
    n = int(n)
    if n == 1:
        return "première" if feminine else "premier"
    return _ORDINALS.get(n, f"{n}e")


_SMALL = re.compile(r"(?<![\d,./−-])\b([0-9])\b"
                    r"(?![\d,./–-]|\s*(?:%|mois|ans?\b|jours|semaines|mg|g/))")


def small_numbers_in_words(text: str, *, feminine: bool = False) -> str:
    """A phrase of a source quoted in running text, its lone integers 0–9 written in words
    (« au moins 3 » → « au moins trois », « 2 à 4 » → « deux à quatre »); numbers before a
    unit or a percentage, decimals and fractions (« 2/3 ») are kept. ``feminine``: the
    phrase counts a feminine noun (« 1 à 3 » lignes → « une à trois »)."""
    return _SMALL.sub(lambda m: words(int(m.group(1)), feminine=feminine), str(text))
