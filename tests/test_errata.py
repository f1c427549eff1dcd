"""Presentation of the audit in the errata appendix: counts and tables checked against
numbers known independently (a hand-made table, or the published table's own rows)."""

from __future__ import annotations

import pandas as pd
import pytest

from therapybook import data
from therapybook.study import audit, errata
from therapybook.study.wording import Wording


@pytest.fixture(scope="module")
def wording():
    return Wording(data.load("retrospective_codes"), data.load("retrospective_wording"))


def test_escape_markdown():
    assert errata.escape("Patients triple-réfractaires** (%)") == \
        "Patients triple-réfractaires\\*\\* (%)"


def hand_table() -> pd.DataFrame:
    """Header N = 10 (4 + 4 + 2) and one row: 5 (50) ; 2 (50) ; 2 (50) ; 1 (33) — the last
    cell impossible (1/2 = 50 %), the rest right: four percentage checks, one failed."""
    base = dict(label="x", source_section="III.1.3", citation="these2023")
    heads = {"all": 10, "car_t": 4, "bispecific": 4, "adc": 2}
    cells = {"all": (5, 50), "car_t": (2, 50), "bispecific": (2, 50), "adc": (1, 33)}
    rows = [dict(base, key=f"t2.patients.n.{c}", quantity="count", variable="patients",
                 population=c, value=n, denominator=None, locator=f"en-tête {c}",
                 as_printed=f"N = {n}") for c, n in heads.items()]
    for c, (n, pct) in cells.items():
        for q, v, d in (("count", n, None), ("percent", pct, heads[c])):
            rows.append(dict(base, key=f"t2.extramedullary.{q[:3]}.{c}", quantity=q,
                             variable="extramedullary", population=c, value=v, denominator=d,
                             locator=f"ligne, colonne {c}", as_printed=f"{n} ({pct})"))
    df = pd.DataFrame(rows)
    df["value"] = df["value"].astype(float)
    return df


def test_glue_values_count_what_the_hand_table_holds(wording):
    published = hand_table()
    checks = audit.checks(published)
    found = audit._grim_findings(published, wording)
    values = errata.glue_values(published, checks, found, wording)
    # 4 percentage checks (one failed) + 2 column sums (header 4+4+2 = 10, row 2+2+1 = 5)
    assert values["errata_n_published"] == "12"
    assert values["errata_n_checks"] == "6"
    assert values["errata_n_failed"] == "1" and values["errata_n_passed"] == "5"
    assert values["errata_n_impossible"] == "1" and values["errata_n_ambigu"] == "0"


def test_checks_summary_counts_by_kind(wording):
    summary = errata.checks_summary(audit.checks(hand_table()), wording).set_index("Contrôle")
    grim = summary.loc["Pourcentage compatible avec l'effectif (type GRIM)"]
    assert list(grim) == ["4", "3", "1"]
    sums = summary.loc["Somme des colonnes CAR-T + BispAb + ADC = tous"]
    assert list(sums) == ["2", "2", "0"]


def test_findings_table_and_markdown(wording):
    published = data.load("retrospective_published")
    found = audit.findings(published, wording)
    table = errata.findings_table(found)
    assert list(table["Verdict"]) == [f.verdict for f in found]
    triple = table[table["Constat"].str.contains("grim-\u200bt2.\u200btriple", regex=False)]
    assert list(triple["Correction proposée"]) == ["« 6 (86) »"]
    text = errata.findings_markdown(found).data
    assert "réfractaires\\*\\*" in text  # quoted table labels escaped
    assert text.count("Correction proposée") == len(found)


def test_verdicts_note_lists_every_verdict_once(wording):
    note = errata.verdicts_note(wording)
    for code in wording.labels("verdict"):
        assert note.count(f"{code} : ") == 1
