"""Build the book (HTML or PDF) without ever leaving a half-written output behind.

Sphinx writes into ``_build/.stage/<builder>``; only a build that succeeds with no
warning (``-W -n --keep-going``, cell errors raised) is copied to
``_build/<builder>``. A failed build exits non-zero, prints the traceback and leaves
the previously published output untouched.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from bookbuild import warm_kernels
from therapybook import data


def build_dir() -> Path:
    """Root of the build outputs (``_build`` unless ``THERAPYBOOK_BUILD_DIR`` is set)."""
    return Path(os.environ.get("THERAPYBOOK_BUILD_DIR", data.ROOT / "_build")).resolve()


def _publish(stage: Path, final: Path) -> None:
    tmp = final.with_name(final.name + ".new")
    old = final.with_name(final.name + ".old")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    shutil.copytree(stage, tmp, symlinks=True)
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def default_jobs() -> int:
    """Processes for reading and executing chapters: ``$THERAPYBOOK_JOBS``, else up to 2."""
    if os.environ.get("THERAPYBOOK_JOBS"):
        return max(1, int(os.environ["THERAPYBOOK_JOBS"]))
    return max(1, min(2, os.cpu_count() or 1))


def _source_date_epoch() -> None:
    """Honour ``SOURCE_DATE_EPOCH``; default it to the time of the sources' git commit.

    Sphinx (copyright year) and matplotlib (file dates) read it, so a rebuild of the
    same commit carries no build-time date. Outside a git checkout it stays unset.
    """
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return
    try:
        proc = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=data.ROOT,
                              capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return
    if proc.returncode == 0 and proc.stdout.strip().isdigit():
        os.environ["SOURCE_DATE_EPOCH"] = proc.stdout.strip()


def sphinx(builder: str, *, jobs: int = 1) -> int:
    """Run Jupyter Book's Sphinx build for ``builder`` into the staging folder."""
    from jupyter_book.sphinx import build_sphinx

    out = build_dir()
    stage = out / ".stage" / builder
    os.environ.setdefault("THERAPYBOOK_PROVENANCE_DIR", str(out / "provenance"))
    _source_date_epoch()
    overrides = {"nb_execution_cache_path": str(out / ".jupyter_cache"),
                 "latex_individualpages": False}
    if os.environ.get("THERAPYBOOK_EXECUTION"):  # e.g. "off" for the benchmark's floor
        overrides["nb_execution_mode"] = os.environ["THERAPYBOOK_EXECUTION"]
    if jobs > 1:  # create the execution cache's database before the workers race to
        from jupyter_cache import get_cache  # create it (SQLite serialises later writes)

        get_cache(str(out / ".jupyter_cache")).get_cache_limit()
    with warm_kernels.running():  # chapters' kernels forked from one pre-imported process
        result = build_sphinx(
            str(data.ROOT),
            str(stage),
            doctreedir=str(out / ".doctrees" / builder),
            path_config=str(data.ROOT / "_config.yml"),
            noconfig=True,
            confoverrides=overrides,
            builder=builder,
            warningiserror=True,
            keep_going=True,
            jobs=jobs,
        )
    rc = result if isinstance(result, int) else 2
    if rc > 1 and jobs > 1:
        # A worker's exception reaches Sphinx as one line (« Sphinx parallel build error:
        # ExecutionError: chapter.md ») and its log — the cell's traceback, the data
        # validation message — is dropped. Rerun on one process to show it in full;
        # chapters that did execute are served from the execution cache.
        print("\nÉchec pendant la construction parallèle : reprise sur un seul processus pour "
              "afficher l'erreur complète.\n", file=sys.stderr, flush=True)
        return sphinx(builder, jobs=1)
    return rc


def html(jobs: int | None = None) -> int:
    """Build the HTML book into ``_build/html``."""
    jobs = jobs or default_jobs()
    rc = sphinx("html", jobs=jobs)
    if rc:
        print(f"\nÉCHEC de la construction HTML (code {rc}) : {build_dir() / 'html'} "
              "n'a pas été modifié.", file=sys.stderr)
        return rc
    _publish(build_dir() / ".stage" / "html", build_dir() / "html")
    manifest = build_dir() / "html" / "provenance.json"
    if manifest.exists():  # written by bookbuild.sphinx.provenance_manifest
        shutil.copyfile(manifest, build_dir() / "provenance.json.new")
        (build_dir() / "provenance.json.new").replace(build_dir() / "provenance.json")
    print(f"Livre HTML : {build_dir() / 'html' / 'index.html'}")
    return 0


def _latex_env(stage: Path) -> dict[str, str]:
    """Environment of latexmk: the xindy options Sphinx writes in its Makefile (the index)."""
    env = dict(os.environ)
    makefile = stage / "Makefile"
    if "XINDYOPTS" not in env and makefile.exists():
        found = re.search(r"^export XINDYOPTS = (.*)$", makefile.read_text(), re.M)
        if found:
            env["XINDYOPTS"] = found.group(1).strip() + " -I xelatex"
    return env


def pdf(jobs: int | None = None) -> int:
    """Build the LaTeX sources and compile them with xelatex into ``_build/pdf/livre.pdf``."""
    jobs = jobs or default_jobs()
    rc = sphinx("latex", jobs=jobs)
    if rc:
        print(f"\nÉCHEC de la construction LaTeX (code {rc}).", file=sys.stderr)
        return rc
    stage = build_dir() / ".stage" / "latex"
    proc = subprocess.run(
        ["latexmk", "-xelatex", "-interaction=nonstopmode", "-halt-on-error", "livre.tex"],
        cwd=stage, capture_output=True, text=True, env=_latex_env(stage),
    )
    if proc.returncode:
        print(proc.stdout[-6000:], file=sys.stderr)
        print(f"\nÉCHEC de la compilation LaTeX : voir {stage / 'livre.log'}", file=sys.stderr)
        return proc.returncode
    final = build_dir() / "pdf"
    final.mkdir(parents=True, exist_ok=True)
    shutil.copy2(stage / "livre.pdf", final / "livre.pdf.new")
    (final / "livre.pdf.new").replace(final / "livre.pdf")
    print(f"Livre PDF : {final / 'livre.pdf'}")
    return 0
