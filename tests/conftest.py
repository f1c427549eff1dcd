"""Shared fixtures: the repository root and a scratch copy of the book sources."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
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


def run(book: Path, *args: str, **env_extra: str) -> subprocess.CompletedProcess:
    """Run ``python -m bookbuild ARGS`` on the scratch book ``book``."""
    env = dict(os.environ, THERAPYBOOK_ROOT=str(book), THERAPYBOOK_FIGURES=str(book / "figures"),
               THERAPYBOOK_BUILD_DIR=str(book / "_build"), **env_extra)
    env.pop("THERAPYBOOK_PROVENANCE_DIR", None)
    return subprocess.run([sys.executable, "-m", "bookbuild", *args], cwd=book, env=env,
                          capture_output=True, text=True)


def executed(proc: subprocess.CompletedProcess) -> list[str]:
    """Chapters (paths without suffix) that a build executed."""
    return re.findall(r"(\S+)\.md: Executing notebook", proc.stdout + proc.stderr)


def manifest(book: Path) -> dict:
    """The provenance manifest written by the build of ``book``."""
    return json.loads((book / "_build" / "provenance.json").read_text(encoding="utf-8"))


def descriptor(book: Path) -> dict:
    """The data package descriptor of ``book``."""
    return json.loads((book / "data" / "datapackage.json").read_text(encoding="utf-8"))


def page(book: Path, doc: str) -> str:
    """HTML of the published page ``doc`` (e.g. ``chapters/these/07-infections``)."""
    return (book / "_build" / "html" / f"{doc}.html").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def book(tmp_path_factory) -> Path:
    """A scratch copy of the book, built once in HTML for the whole test session.

    Tests that modify it must restore what they change.
    """
    book = copy_book(tmp_path_factory.mktemp("book"))
    proc = run(book, "html")
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    return book
