"""Part I data: every printed fragment is the thesis's own text (so a tooltip never shows
words the thesis does not print)."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT

SEED = ROOT.parent / "shared" / "seeds" / "000_b1808169a865ed75.txt"
FILES = sorted((ROOT / "data" / "these").glob("*.csv"))
#: « […] » joins fragments of one passage; « / » joins two cells of a table of the thesis
JOINS = re.compile(r"\s*(?:\[(?:…|\.\.\.)\]|\s/\s)\s*")


def _flat(text: str) -> str:
    """Text as compared: typographic apostrophes, words hyphenated across lines joined."""
    text = re.sub(r"-\s*\n\s*", "-", text.replace("\u2019", "'"))
    return " ".join(text.split())


@pytest.fixture(scope="module")
def thesis() -> str:
    return _flat(SEED.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_printed_fragments_are_in_the_thesis(thesis, path: Path):
    frame = pd.read_csv(path, dtype=str)
    if "as_printed" not in frame:
        pytest.skip("pas de fragment imprimé")
    missing = []
    for line, value in frame["as_printed"].dropna().items():
        for part in JOINS.split(value):
            part = part.strip(" ;,")
            if part and _flat(part) not in thesis:
                missing.append((line + 2, part))
    assert not missing, missing
