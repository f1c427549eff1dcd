"""Dated events: a month is a band over that month, never a day."""

import pandas as pd

from therapybook.thesis import availability


def test_month_precision_spans_the_month():
    row = pd.Series({"year": 2022, "month": 11, "day": None, "date_precision": "month"})
    lo, hi = availability.span(row)
    assert lo == 2022 + 10 / 12 and abs(hi - (2022 + 11 / 12)) < 1e-9
    assert availability.date_label(row) == "novembre 2022"


def test_dates_a_note_applies_to_are_marked():
    from therapybook import data
    from therapybook.study.wording import Labels

    events = data.load("disponibilite_france")
    table = availability.events_table(events, Labels(data.load("libelles_these")))
    marked = table[table["Date"].str.contains("note", regex=False)]
    assert list(marked["Date"]) == ["novembre 2022 (note {ref}`T6 <note-t6>`)",
                                    "octobre 2022 (note {ref}`T2 <note-t2>`)"]
    assert "(T2)" in availability.notes_legend(events)


def test_the_teclistamab_authorisation_keeps_the_thesis_silent_on_its_territory():
    from therapybook import data

    events = data.load("disponibilite_france").set_index("id")
    assert events.loc["teclistamab_marketing_authorisation", "area"] == "non précisé par la thèse"
