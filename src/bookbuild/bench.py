"""Benchmark of the book build: ``make bench`` (``python -m bookbuild.bench``).

Each run works on a fresh scratch copy of the book sources (no ``_build``, no
figures) and times, in this order, with the build's default parallelism:

1. cold HTML build (empty execution cache);
2. rebuild with no change;
3. rebuild after changing one chapter (a code cell holding a comment appended to a
   chapter that loads data, so that chapter re-executes);
4. rebuild after changing one data file (a CSV a chapter reads rewritten with CRLF
   line ends, an accepted format: the content hash changes, the values do not);
5. PDF build (LaTeX + xelatex, execution cache warm);

and the floor, the cost of the work itself without the machinery:

6. a Sphinx build of the same pages without execution (``nb_execution_mode`` off,
   empty build folder; it reports unresolved glue, which is expected);
7. one Python process running every chapter's code once, in reading order;

and, for comparison, the same book built by the stock tool:

8. ``jupyter-book build`` (Jupyter Book 1, one process, jupyter_client's ordinary
   kernels) on a fresh copy whose ``_config.yml`` lacks the project's speed-ups
   (:data:`SPEED_EXTENSIONS`; the warm kernels are the build command's, not an
   extension, so the stock command has none), same chapters, cold.

floor = 6 + 7. Medians over the runs are printed side by side with their ratio
to the floor (and, for the no-change rebuild, to the no-execution build), then the
targets: cold build at least 2.5 × faster than stock, at most 1.5 × the floor,
no-change rebuild at most 1.1 × the no-execution build.

Other measurements add a table of their own to :data:`SECTIONS` (a function of the
number of runs that returns Markdown); ``main`` prints each after the build table.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bookbuild import genbench
from bookbuild.sphinx import chapter_inputs
from therapybook import data

PARTS = ["_config.yml", "_toc.yml", "index.md", "references.bib", "chapters", "data", "figures"]
CODE = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.S | re.M)
LABELS = {
    "cold": "construction HTML à froid",
    "nochange": "reconstruction sans changement",
    "chapter": "reconstruction après modification d'un chapitre",
    "datafile": "reconstruction après modification d'un fichier de données",
    "pdf": "construction PDF",
    "noexec": "Sphinx sans exécution",
    "code": "code de tous les chapitres (un processus)",
    "floor": "plancher = sans exécution + code",
    "stock": "Jupyter Book 1 d'origine, à froid (`jupyter-book build`)",
}
#: Extensions of ``_config.yml`` that only make the build faster (dropped for the stock build).
SPEED_EXTENSIONS = ("bookbuild.sphinx.parallel_reading", "bookbuild.sphinx.bibtex_plugins")
#: Targets (issue 13): (numerator, denominator, bound, "≤" or "≥", label).
TARGETS = [
    ("stock", "cold", 2.5, "≥", "Jupyter Book d'origine / construction à froid"),
    ("cold", "floor", 1.5, "≤", "construction à froid / plancher"),
    ("nochange", "noexec", 1.1, "≤", "reconstruction sans changement / sans exécution"),
]
#: Further tables printed after the build table: each takes the number of runs.
SECTIONS: list[Callable[[int], str]] = [genbench.section]


def copy_book(dest: Path) -> Path:
    """Copy the book sources (not ``_build``, not generated figures) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in PARTS:
        src = data.ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("*.svg", "*.png"))
        elif src.exists():
            shutil.copy2(src, dest / part)
    return dest


def _env(book: Path, build: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, THERAPYBOOK_ROOT=str(book), THERAPYBOOK_FIGURES=str(book / "figures"),
               THERAPYBOOK_BUILD_DIR=str(build), **extra)
    env.pop("THERAPYBOOK_PROVENANCE_DIR", None)
    return env


def _timed(args: list[str], book: Path, env: dict[str, str], *, check: bool = True) -> float:
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=book, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if check and proc.returncode:
        raise RuntimeError(f"{' '.join(args)} a échoué :\n{proc.stdout[-3000:]}"
                           f"\n{proc.stderr[-3000:]}")
    return elapsed


def notebooks(book: Path) -> list[Path]:
    """Chapters that execute code, in file order."""
    pages = [book / "index.md", *sorted((book / "chapters").rglob("*.md"))]
    return [p for p in pages if p.exists() and "```{code-cell}" in p.read_text(encoding="utf-8")]


def chapter_code(path: Path) -> str:
    """The code of a chapter's cells (cell options removed), as one script."""
    cells = []
    for body in CODE.findall(path.read_text(encoding="utf-8")):
        lines = body.splitlines()
        while lines and (lines[0].startswith(":") or not lines[0].strip()):
            lines.pop(0)
        if lines and lines[0].strip() == "---":  # YAML option block
            end = lines.index("---", 1) if "---" in lines[1:] else 0
            lines = lines[end + 1:]
        cells.append("\n".join(lines))
    return "\n\n".join(cells)


def run_all_chapters(book: Path) -> None:
    """Execute every chapter's code once in this process (the floor's second half)."""
    import contextlib
    import io

    for path in notebooks(book):
        os.chdir(path.parent)
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(chapter_code(path), str(path), "exec"), {"__name__": "__main__"})


def _data_file_read_by_a_chapter(book: Path) -> Path:
    for nb in notebooks(book):
        for p in chapter_inputs.inputs_of(nb.read_text(encoding="utf-8")):
            if p.suffix == ".csv":
                return book / p.relative_to(data.ROOT)
    raise RuntimeError("aucun chapitre ne lit de fichier de données")


def stock_copy(dest: Path) -> Path:
    """A copy of the book whose configuration lacks :data:`SPEED_EXTENSIONS`."""
    book = copy_book(dest)
    config = book / "_config.yml"
    text = config.read_text(encoding="utf-8")
    for ext in SPEED_EXTENSIONS:
        line = f"      - {ext}\n"
        if line not in text:
            raise RuntimeError(f"{ext} absent de _config.yml : mettre à jour SPEED_EXTENSIONS")
        text = text.replace(line, "")
    config.write_text(text, encoding="utf-8")
    return book


def stock_build(workdir: Path) -> float:
    """Cold ``jupyter-book build`` of a stock copy (the command Jupyter Book documents)."""
    book = stock_copy(workdir / "stock")
    env = _env(book, book / "_build")
    for name in ("JUPYTER_DEFAULT_PROVISIONER_NAME", "THERAPYBOOK_KERNEL_POOL"):
        env.pop(name, None)
    jb = Path(sys.executable).with_name("jupyter-book")
    elapsed = _timed([str(jb), "build", str(book)], book, env)
    if not (book / "_build" / "html" / "index.html").exists():
        raise RuntimeError("jupyter-book build n'a pas produit _build/html/index.html")
    return elapsed


def one_run(workdir: Path, pdf: bool) -> dict[str, float]:
    """All measurements on one fresh copy of the book."""
    py = [sys.executable, "-m", "bookbuild"]
    book = copy_book(workdir / "book")
    env = _env(book, book / "_build")
    t = {"cold": _timed([*py, "html"], book, env), "nochange": _timed([*py, "html"], book, env)}
    chapter = next(nb for nb in notebooks(book) if "data.load(" in nb.read_text(encoding="utf-8"))
    chapter.write_text(chapter.read_text(encoding="utf-8")
                       + "\n```{code-cell} ipython3\n# mesure de performance\n```\n",
                       encoding="utf-8")
    t["chapter"] = _timed([*py, "html"], book, env)
    csv = _data_file_read_by_a_chapter(book)  # CRLF line ends: same values, new hash
    csv.write_bytes(csv.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    t["datafile"] = _timed([*py, "html"], book, env)
    if pdf:
        t["pdf"] = _timed([*py, "pdf"], book, env)
    # Floor: fresh build folder, no execution; then the code alone in one process.
    noexec = _env(book, workdir / "noexec", THERAPYBOOK_EXECUTION="off")
    t["noexec"] = _timed([*py, "html"], book, noexec, check=False)
    code_env = _env(book, workdir / "code")
    t["code"] = _timed([sys.executable, "-c", "import sys; from pathlib import Path; "
                        "from bookbuild import bench; bench.run_all_chapters(Path(sys.argv[1]))",
                        str(book)], book, code_env)
    t["floor"] = t["noexec"] + t["code"]
    t["stock"] = stock_build(workdir)
    return t


def table(runs: list[dict[str, float]]) -> str:
    """Medians, every run, and ratios as a Markdown table."""
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    head = " | ".join(f"run {i + 1}" for i in range(len(runs)))
    lines = [f"| mesure | médiane (s) | {head} | ratio au plancher |",
             "|---|---:|" + "---:|" * len(runs) + "---:|"]
    for key, label in LABELS.items():
        if key not in med:
            continue
        ratio = f"{med[key] / med['floor']:.2f}"
        if key == "nochange":
            ratio += f" ({med[key] / med['noexec']:.2f} × sans exécution)"
        cells = " | ".join(f"{r[key]:.1f}" for r in runs)
        lines.append(f"| {label} | {med[key]:.1f} | {cells} | {ratio} |")
    lines.append("")
    for num, den, bound, sense, label in TARGETS:
        if num in med and den in med:
            ratio = med[num] / med[den]
            held = ratio >= bound if sense == "≥" else ratio <= bound
            lines.append(f"- {label} : {ratio:.2f} (objectif {sense} {bound}) : "
                         + ("tenu" if held else "**non tenu**"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bookbuild.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", 3)))
    parser.add_argument("--no-pdf", action="store_true", help="ne pas mesurer le PDF")
    parser.add_argument("--generator", choices=("with", "only", "no"), default="with",
                        help="banc du générateur de pseudo-cohortes (bookbuild.genbench)")
    args = parser.parse_args(argv)
    if args.generator == "only":
        print(genbench.section(args.runs))
        return 0
    if args.generator == "no":
        SECTIONS.remove(genbench.section)
    runs = []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="therapybook-bench-") as tmp:
            runs.append(one_run(Path(tmp), pdf=not args.no_pdf))
        print(f"run {i + 1}/{args.runs} : " + ", ".join(f"{k} {v:.1f} s"
                                                      for k, v in runs[-1].items()), flush=True)
    jobs = os.environ.get("THERAPYBOOK_JOBS") or "défaut (2 au plus)"
    print(f"\nMédianes sur {args.runs} exécution(s), {os.cpu_count()} cœurs, processus : {jobs}\n")
    print(table(runs))
    for section in SECTIONS:
        print("\n" + section(args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
