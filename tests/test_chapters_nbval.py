"""Every chapter executes without error in a plain kernel (nbval, lax mode).

The MyST chapters are converted to notebooks with jupytext into a scratch folder that
mirrors ``chapters/``, then ``pytest --nbval-lax`` runs them. Figures and provenance
records go to scratch folders too, so the test never touches the working tree.
"""

from __future__ import annotations

import os
import subprocess
import sys

import jupytext
import pytest

from conftest import ROOT

CHAPTERS = sorted(p for p in (ROOT / "chapters").rglob("*.md")
                  if "```{code-cell}" in p.read_text(encoding="utf-8"))


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
    assert paths, "aucun chapitre exécutable trouvé"
    env = dict(os.environ, THERAPYBOOK_FIGURES=str(tmp_path / "figures"),
               THERAPYBOOK_PROVENANCE_DIR=str(tmp_path / "provenance"))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
         "--rootdir", str(folder), *map(str, paths)],
        cwd=folder, env=env, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert "passed" in proc.stdout
