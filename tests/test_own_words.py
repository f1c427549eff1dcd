"""The chapters tell the sources' facts in the book's own words (no 12-word copied run)."""

import subprocess
import sys

from conftest import ROOT

TOOL = ROOT.parent / "shared" / "tools" / "own_words.py"


def test_no_run_copied_from_the_sources():
    proc = subprocess.run([sys.executable, str(TOOL), "chapters", "index.md"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert " 0 shared runs" in proc.stdout
