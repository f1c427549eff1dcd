"""Presentation of the audit in the errata appendix."""

from __future__ import annotations

from therapybook import data
from therapybook.study import audit, errata


def test_escape_markdown():
    assert errata.escape("Patients triple-réfractaires** (%)") == \
        "Patients triple-réfractaires\\*\\* (%)"


def test_glue_values_and_tables():
    published = data.load("retrospective_published")
    checks = audit.checks(published)
    found = audit.findings(published)
    values = errata.glue_values(published, checks, found)
    assert values["errata_n_published"] == str(len(published))
    assert int(values["errata_n_passed"]) + int(values["errata_n_failed"]) == len(checks)
    assert sum(int(values[f"errata_n_{v}"]) for v in audit.VERDICTS) == len(found)
    summary = errata.checks_summary(checks)
    assert sum(int(n) for n in summary["Nombre"]) == len(checks)
    table = errata.findings_table(found)
    assert len(table) == len(found)
    assert "\\*" in errata.findings_markdown(found).data  # quoted table labels escaped
