"""Glued values carry their provenance: a data row or a named computation."""

from __future__ import annotations

import pytest

from therapybook import data
from therapybook.render import prose


def test_source_names_the_row_its_line_and_printed_fragment():
    src = data.source("infections_essais", trial="MajesTEC-1", measure="infection_any")
    frame = data.load("infections_essais")
    line = frame.index[(frame.trial == "MajesTEC-1") & (frame.measure == "infection_any")][0] + 2
    assert (src.resource, src.line) == ("infections_essais", line)
    assert src.document == "these" and src.section == "III.2.1"
    assert src.printed == "80 % des patients ont été infectés"
    assert src.citation == "these2023"  # not in the NEJM 2022 paper (source-checks T5)


@pytest.mark.parametrize("match", [{"trial": "MajesTEC-1"}, {"trial": "KarMMa"}])
def test_source_requires_exactly_one_row(match):
    with pytest.raises(LookupError, match="infections_essais"):
        data.source("infections_essais", **match)


def test_sourced_markup():
    src = data.source("infections_essais", trial="MajesTEC-1", measure="infection_any")
    expected = f"[80\u00a0%](#sourced:infections_essais:{src.line})"
    assert prose.sourced("80\u00a0%", source=src) == expected
    expected = "[4,37 mois](#sourced:calcul:pfs-median)"
    assert prose.sourced("4,37 mois", computed="pfs-median") == expected
    assert prose.sourced("12") == "12"
    with pytest.raises(ValueError):
        prose.sourced("12", source=src, computed="x")
