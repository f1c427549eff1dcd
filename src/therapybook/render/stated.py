"""Values as a source states them: one number or a range, with its unit, in French."""

from __future__ import annotations

import pandas as pd

from therapybook.render import fmt


def _missing(x: object) -> bool:
    return x is None or bool(pd.isna(x))


def digits(x: float) -> int:
    """Decimals needed to print ``x`` as stated: ``2.0`` → 0, ``20.9`` → 1, ``4.37`` → 2."""
    text = f"{float(x):.6f}".rstrip("0").rstrip(".")
    return len(text.partition(".")[2])


def value(lo: float | None, hi: float | None = None, unit: str | None = None) -> str:
    """``(60, 67, "%")`` → « 60–67 % » ; ``(2, 2, "jours")`` → « 2 jours » ; missing → ``""``.

    Printed with the decimals of the stated numbers (no rounding, no added zeros).
    """
    if _missing(lo) and _missing(hi):
        return ""
    if _missing(lo):
        lo = hi
    if _missing(hi) or hi == lo:
        text = fmt.number(lo, digits(lo))
    else:
        text = f"{fmt.number(lo, digits(lo))}–{fmt.number(hi, digits(hi))}"
    return f"{text}{fmt.NBSP}{unit}" if not _missing(unit) and unit else text
