"""Slips of the thesis's text: each passage is printed as quoted, each call is one off."""

from __future__ import annotations

import re

import pytest

from therapybook import data
from therapybook.render import misprints

from conftest import ROOT

SEED = ROOT.parent / "shared" / "seeds" / "000_b1808169a865ed75.txt"
ROWS = data.load("errata_documents").to_dict("records")


def _flat(text: str) -> str:
    return " ".join(text.replace("’", "'").split())


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["id"])
def test_passage_and_caption_are_printed_as_quoted(row):
    seed = _flat(SEED.read_text(encoding="utf-8"))
    assert _flat(row["as_printed"]) in seed
    if isinstance(row["target_as_printed"], str):
        assert _flat(row["target_as_printed"]) in seed


@pytest.mark.parametrize("row", [r for r in ROWS if r["kind"] == "renvoi_figure"],
                         ids=lambda r: r["id"])
def test_each_call_is_one_more_than_the_caption_it_means(row):
    called = int(re.search(r"[Ff]igure (\d+)", row["as_printed"]).group(1))
    captioned = re.search(r"^(?:Figure )?(\d+)?", row["target_as_printed"]).group(1)
    if captioned is None:  # panel C of figure 21: its caption line has no number
        captioned = "21"
    assert called == int(captioned) + 1


def test_the_issue_list_is_covered():
    calls = {r["as_printed"] for r in ROWS}
    assert {"(Figure 22-A et 22-B)", "(Figure 22-C)"} <= calls
    assert any("(figure 23)" in c for c in calls) and any("figure 26" in c for c in calls)
    assert any("carpométacarpienne (MCP)" in c for c in calls)


def test_table_quotes_the_printed_words():
    frame = misprints.table(data.load("errata_documents"))
    assert list(frame.columns) == ["Passage", "Constat", "Texte imprimé",
                                   "Légende visée (imprimée)", "Lecture proposée"]
    assert frame.loc[0, "Texte imprimé"] == "{printed}`(Figure 22-A et 22-B)`"
    assert frame["Légende visée (imprimée)"].iloc[-1] == "—"  # the acronym has no caption
