"""Shared fixtures: the repository root, a scratch copy of the book sources, and a guard
that fails the run if any test wrote into the working tree.

No test writes into the working tree: before any test module is imported, the figures,
provenance records and build outputs of in-process code go to a scratch folder of the
session (``THERAPYBOOK_FIGURES``, ``THERAPYBOOK_PROVENANCE_DIR``, ``THERAPYBOOK_BUILD_DIR``),
and builds run on scratch copies of the sources (:func:`copy_book`, :func:`run`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK_PARTS = ["_config.yml", "_toc.yml", "index.md", "references.bib", "chapters", "data",
              "figures"]
#: Parts of the working tree that no test may change (compared before and after the run).
GUARDED = ("_build", "figures", "data")
SCRATCH_ENV = ("THERAPYBOOK_FIGURES", "THERAPYBOOK_PROVENANCE_DIR", "THERAPYBOOK_BUILD_DIR")


def tree_state(root: Path = ROOT) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file under the guarded folders of ``root``."""
    state = {}
    for part in GUARDED:
        for path in sorted((root / part).rglob("*")):
            if path.is_file() or path.is_symlink():
                st = path.lstat()
                state[path.relative_to(root).as_posix()] = (st.st_size, st.st_mtime_ns)
    return state


def tree_changes(before: dict, after: dict) -> list[str]:
    """Human list of the files added, removed or rewritten between two states."""
    out = [f"ajouté : {p}" for p in sorted(after.keys() - before.keys())]
    out += [f"supprimé : {p}" for p in sorted(before.keys() - after.keys())]
    out += [f"modifié : {p}" for p in sorted(before.keys() & after.keys())
            if before[p] != after[p]]
    return out


def pytest_configure(config) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="therapybook-tests-"))
    for name in SCRATCH_ENV:
        folder = scratch / name.removeprefix("THERAPYBOOK_").lower()
        os.environ[name] = str(folder)
    config._therapybook_tree = tree_state()


def pytest_sessionfinish(session, exitstatus) -> None:
    before = getattr(session.config, "_therapybook_tree", None)
    if before is None:
        return
    changes = tree_changes(before, tree_state())
    session.config._therapybook_changes = changes
    if changes:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    changes = getattr(config, "_therapybook_changes", [])
    if changes:
        terminalreporter.section("des tests ont écrit dans l'arbre de travail", red=True)
        for line in changes[:50]:
            terminalreporter.line(line)
        if len(changes) > 50:
            terminalreporter.line(f"… et {len(changes) - 50} autre(s)")


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


def execute_chapter(chapter: Path, scratch: Path, **env_extra: str):
    """Run a chapter's code in a plain kernel, as a reader of the notebook would.

    Its figures and provenance records go to ``scratch``, never to the working tree.
    Returns the executed notebook.
    """
    import jupytext
    import nbclient

    env = {"THERAPYBOOK_FIGURES": str(scratch / "figures"),
           "THERAPYBOOK_PROVENANCE_DIR": str(scratch / "provenance"), **env_extra}
    nb = jupytext.read(chapter)
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(chapter.parent)}}).execute()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return nb


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


@pytest.fixture(scope="session")
def pdf_book(book) -> Path:
    """The session's ``book``, also built as PDF once for the whole session.

    The PDF is ``_build/pdf/livre.pdf``; the LaTeX sources and the log of the last LaTeX
    run stay in ``_build/.stage/latex/`` (``livre.tex``, ``livre.log``).
    """
    proc = run(book, "pdf")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return book


def pdf_text(book: Path) -> str:
    """Text of the built PDF of ``book`` (``pdftotext``, layout not kept)."""
    pdf = book / "_build" / "pdf" / "livre.pdf"
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
