"""Every chapter executes without error in a plain kernel (nbval, lax mode).

The MyST chapters are converted to notebooks with jupytext into a scratch folder that
mirrors ``chapters/``, then ``pytest --nbval-lax`` runs them: once per session, split
into as many concurrent runs as the machine has cores (at most two), each with its own
figures and provenance folders, so the test never touches the working tree. Kernels
are jupyter_client's ordinary ones, as a reader of the notebooks would start them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import jupytext
import pytest

from conftest import ROOT

pytestmark = pytest.mark.build
CHAPTERS = sorted(p for p in (ROOT / "chapters").rglob("*.md")
                  if "```{code-cell}" in p.read_text(encoding="utf-8"))
SHARDS = max(1, min(2, os.cpu_count() or 1))


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory):
    out = tmp_path_factory.mktemp("nbval")
    paths = []
    for md in CHAPTERS:
        target = out / md.relative_to(ROOT).with_suffix(".ipynb")
        target.parent.mkdir(parents=True, exist_ok=True)
        jupytext.write(jupytext.read(md), target)
        paths.append(target)
    return out, paths


def test_every_chapter_executes_under_nbval(notebooks, tmp_path):
    folder, paths = notebooks
    assert len(paths) == len(CHAPTERS) and paths, "aucun chapitre exécutable trouvé"
    # Largest first, dealt in turn: the shards end at about the same time.
    ordered = sorted(paths, key=lambda p: -p.stat().st_size)
    runs = []
    for i in range(SHARDS):
        env = dict(os.environ, THERAPYBOOK_FIGURES=str(tmp_path / f"figures-{i}"),
                   THERAPYBOOK_PROVENANCE_DIR=str(tmp_path / f"provenance-{i}"))
        env.pop("JUPYTER_DEFAULT_PROVISIONER_NAME", None)  # ordinary kernels
        runs.append(subprocess.Popen(
            [sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
             "--rootdir", str(folder), *map(str, ordered[i::SHARDS])],
            cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outputs = [(proc.communicate()[0], proc.returncode) for proc in runs]
    for out, rc in outputs:
        assert rc == 0, out[-6000:]
    passed = sum(int(n) for out, _ in outputs for n in re.findall(r"(\d+) passed", out))
    cells = sum(c.cell_type == "code" for p in paths for c in jupytext.read(p).cells)
    assert passed == cells  # nbval runs one item per code cell: every cell of every chapter
