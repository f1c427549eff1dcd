"""Every chapter executes without error in a plain kernel (nbval, lax mode).

The MyST chapters are converted to notebooks with jupytext into a scratch folder that
mirrors ``chapters/``, then ``pytest --nbval-lax`` runs them: once per session, split
into as many concurrent runs as the machine has cores (at most two), each with its own
figures and provenance folders, so the test never touches the working tree. Kernels
are jupyter_client's ordinary ones, as a reader of the notebooks would start them.
The runs need no built book: ``tests/conftest.py`` starts them (:func:`start`) in the
background as soon as the session's book is built, when the fast tier is over.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import jupytext
import pytest

from conftest import ROOT

pytestmark = pytest.mark.build
CHAPTERS = sorted(p for p in (ROOT / "chapters").rglob("*.md")
                  if "```{code-cell}" in p.read_text(encoding="utf-8"))
SHARDS = max(1, min(2, os.cpu_count() or 1))


@dataclass(frozen=True)
class Runs:
    """The notebooks of the chapters and the nbval runs started on them."""

    paths: list[Path]
    procs: list[subprocess.Popen]
    #: each run's output (a file: a run is never blocked on a full pipe)
    outputs: list[Path]

    def wait(self) -> list[tuple[str, int]]:
        """Output and exit code of each run, once they are over."""
        return [(out.read_text(encoding="utf-8"), proc.wait())
                for proc, out in zip(self.procs, self.outputs, strict=True)]

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def start(scratch: Path) -> Runs:
    """Convert every chapter into a notebook under ``scratch`` and start the nbval runs."""
    folder = scratch / "notebooks"
    paths = []
    for md in CHAPTERS:
        target = folder / md.relative_to(ROOT).with_suffix(".ipynb")
        target.parent.mkdir(parents=True, exist_ok=True)
        jupytext.write(jupytext.read(md), target)
        paths.append(target)
    # Largest first, dealt in turn: the runs end at about the same time.
    ordered = sorted(paths, key=lambda p: -p.stat().st_size)
    procs, outputs = [], []
    for i in range(SHARDS):
        env = dict(os.environ, THERAPYBOOK_FIGURES=str(scratch / f"figures-{i}"),
                   THERAPYBOOK_PROVENANCE_DIR=str(scratch / f"provenance-{i}"))
        env.pop("JUPYTER_DEFAULT_PROVISIONER_NAME", None)  # ordinary kernels
        outputs.append(scratch / f"nbval-{i}.txt")
        with outputs[-1].open("w", encoding="utf-8") as out:
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
                 "--rootdir", str(folder), *map(str, ordered[i::SHARDS])],
                cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT, text=True))
    return Runs(paths, procs, outputs)


@pytest.fixture(scope="module")
def nbval_runs(request, tmp_path_factory) -> Runs:
    """The session's nbval runs (started with the book, or here if it was not)."""
    return request.config._therapybook_nbval or start(tmp_path_factory.mktemp("nbval"))


def test_every_chapter_executes_under_nbval(nbval_runs):
    paths = nbval_runs.paths
    assert len(paths) == len(CHAPTERS) and paths, "aucun chapitre exécutable trouvé"
    outputs = nbval_runs.wait()
    for out, rc in outputs:
        assert rc == 0, out[-6000:]
    passed = sum(int(n) for out, _ in outputs for n in re.findall(r"(\d+) passed", out))
    cells = sum(c.cell_type == "code" for p in paths for c in jupytext.read(p).cells)
    assert passed == cells  # nbval runs one item per code cell: every cell of every chapter
