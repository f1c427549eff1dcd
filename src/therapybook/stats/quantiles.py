"""R's default sample quantile (``quantile(x, type = 7)``), the one rule of the book.

The thesis gives medians and interquartile ranges computed with R; Table 2 recomputes
them with :func:`quartiles`, the audit asks which printed values integer data can reach
(:func:`type7_position`), and the pseudo-cohort generator searches data that reach them.
"""

from __future__ import annotations

import math

import numpy as np


def type7_position(n: int, p: float) -> tuple[int, float]:
    """Where R's type-7 ``p``-quantile of ``n`` sorted values falls: the 1-based index
    ``j`` and the weight ``g`` of ``Q = x[j] + g·(x[j+1] − x[j])`` (``h = (n − 1)·p``)."""
    h = (n - 1) * p
    j = math.floor(h + 1e-9)
    return j + 1, h - j


def quantile7(values, p: float) -> float:
    """``quantile(x, p)`` of R (type 7) over the non-missing ``values``; NaN when none."""
    x = np.sort(np.asarray(values, dtype=float))
    x = x[~np.isnan(x)]
    if x.size == 0:
        return math.nan
    j, g = type7_position(x.size, p)
    lo = x[j - 1]
    return float(lo if g < 1e-12 or j >= x.size else lo + g * (x[j] - lo))


def quartiles(values) -> tuple[float, float, float]:
    """(first quartile, median, third quartile), R's type 7: the « médiane (IQR) » cells."""
    return quantile7(values, 0.25), quantile7(values, 0.5), quantile7(values, 0.75)
