"""Shared fixtures: the repository root and a scratch copy of the book sources."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK_PARTS = ["_config.yml", "_toc.yml", "index.md", "references.bib", "chapters", "data",
              "figures"]


def copy_book(dest: Path) -> Path:
    """Copy the book sources (not the package, not _build) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in BOOK_PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("*.svg", "*.png"))
        elif src.exists():
            shutil.copy2(src, dest / part)
    return dest


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
