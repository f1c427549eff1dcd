"""Dated events: a month is a band over that month, never a day."""

import pandas as pd

from therapybook.thesis import availability


def test_month_precision_spans_the_month():
    row = pd.Series({"year": 2022, "month": 11, "day": None, "date_precision": "month"})
    lo, hi = availability.span(row)
    assert lo == 2022 + 10 / 12 and abs(hi - (2022 + 11 / 12)) < 1e-9
    assert availability.date_label(row) == "novembre 2022"
