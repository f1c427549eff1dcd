"""French number formatting for prose, tables and figures (``4,37 mois``, ``17 (55)``)."""

from __future__ import annotations

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
    """``x`` with ``digits`` significant digits and no padding zero, as R prints a single
    value (``12.49`` → ``12,5``, ``2.5`` → ``2,5``)."""
    if _is_missing(x):
        return missing
    text = f"{float(x):.{digits}g}"
    if "e" in text:
        text = f"{float(text):f}".rstrip("0").rstrip(".")
    return text.replace("-", "−").replace(".", ",")


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
