"""Shared fixtures: the built books of the session, scratch copies, and a guard that fails
the run if any test wrote into the working tree.

No test writes into the working tree: before any test module is imported, the figures,
provenance records and build outputs of in-process code go to a scratch folder of the
session (``THERAPYBOOK_FIGURES``, ``THERAPYBOOK_PROVENANCE_DIR``, ``THERAPYBOOK_BUILD_DIR``),
and builds run on scratch copies of the sources (:func:`copy_book`, :func:`run`).

Builds are what makes the suite slow. A session makes two cold HTML builds, one PDF
and three rebuilds of one copy: ``book`` (HTML, cold, two processes), ``pdf_book`` (the
same copy in PDF), ``rebuilt_book`` (a copy of ``book`` rebuilt after every change of
:data:`CHANGES`, see :func:`rebuilt_book`) and ``twin_book``, a one-process cold build
that ``tests/test_reproducible_build.py`` compares with ``book`` and that the real-data
privacy test then rebuilds on another cohort. Every test that
uses one of these fixtures, or R (marker ``r``), is marked ``build`` here; so are, by
hand, tests that run a chapter in a kernel or the generator (``pytest -m "not build"``
is the fast tier).

The fast tier runs first. The builds overlap it and each other: ``book`` and ``twin_book``
start when collection ends (:func:`pytest_collection_finish`); as soon as ``book`` is
built, the first rebuild of ``rebuilt_book``, the PDF of ``pdf_book``, the nbval runs
over every chapter and the browser's visit of every page start in the background
(:func:`book`); the readers of the twin, whose chain of builds is the longest, run last.
Each fixture waits for its build and fails with its output, as a build run in place would.

How to add a test without adding a build:

- to check what the book shows, read ``book`` (HTML: :func:`page`, :func:`manifest`) or
  ``pdf_book`` (:func:`pdf_text`). Never leave them changed: ``book`` is also the
  reference of the reproducibility comparison (a build that fails publishes nothing, so
  breaking an input of ``idle_book`` and restoring it in a ``finally`` is fine);
- to check that a change of the sources reaches the book, add the change to
  :data:`CHANGES` (a file of the book, a text it contains once, its replacement) and
  compare ``rebuilt_book.book`` with ``book``. The chapters that read the changed file
  are then expected to re-execute (``tests/test_build.py`` checks exactly which);
- to run a chapter's code, use :func:`execute_chapter` (a plain kernel, scratch folders);
- a build that must fail (a broken input) should be replaced by an in-process check
  of the function that raises; if a build is really needed, break ``idle_book`` (``book``
  once its background PDF is over) or ``rebuilt_book.book`` and restore it in a
  ``finally``: only the chapters that read the broken file are read again.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK_PARTS = ["_config.yml", "_toc.yml", "index.md", "references.bib", "chapters", "data",
              "figures"]
#: Parts of the working tree that no test may change (compared before and after the run).
GUARDED = ("_build", "figures", "data")
SCRATCH_ENV = ("THERAPYBOOK_FIGURES", "THERAPYBOOK_PROVENANCE_DIR", "THERAPYBOOK_BUILD_DIR")
#: Fixtures that build the book: a test using one is marked ``build``.
BUILD_FIXTURES = {"book", "pdf_book", "rebuilt_book", "twin_book", "real_data_book"}
#: Fixtures of the twin's chain of builds (see :func:`start_twin`).
TWIN_FIXTURES = {"twin_book", "real_data_book"}
#: ``SOURCE_DATE_EPOCH`` of the session's builds (2026-01-01 12:00 UTC): the scratch copies
#: are no git checkout, and the reproducibility test compares two builds of that date.
EPOCH = "1767268800"


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
    config._therapybook_scratch = scratch
    config._therapybook_started = {}
    config._therapybook_needed = set()  # fixtures of the selected tests
    config._therapybook_rebuild = None  # see book()
    config._therapybook_crawl = None  # see book()
    config._therapybook_pdf = None  # see book()
    config._therapybook_nbval = None  # see book()
    config._therapybook_twin = None  # see start_twin()
    config._therapybook_real = None  # see start_twin()


def pytest_collection_modifyitems(config, items) -> None:
    """Mark ``build`` (slow) every test that uses a built book or runs R; run the fast
    tier first (it runs while the session's first builds are under way), then the other
    tests, the failing builds in ``book``'s folder (they wait for the background PDF
    there, see :func:`idle_book`) and, last, the readers of the twin: its builds are the
    longest chain (cold on one process, then real-data HTML and PDF), and the tests before
    them run while it builds."""
    for item in items:
        if (BUILD_FIXTURES & set(getattr(item, "fixturenames", ()))
                or item.get_closest_marker("r")):
            item.add_marker(pytest.mark.build)

    def tier(item) -> int:
        if not item.get_closest_marker("build"):
            return 0
        names = set(getattr(item, "fixturenames", ()))
        if names & TWIN_FIXTURES:
            return 3
        return 2 if "idle_book" in names else 1

    items.sort(key=tier)  # stable: each tier keeps the files' order


def pytest_collection_finish(session) -> None:
    """Start the two cold builds that need nothing else (``book`` and ``twin_book``, then
    its real-data rebuild) as soon as the tests are known, if a selected test needs them:
    they build in the background while the fast tier runs, and their fixtures wait."""
    config = session.config
    if config.option.collectonly:
        return
    needed = {name for item in session.items for name in getattr(item, "fixturenames", ())}
    config._therapybook_needed = needed
    scratch = config._therapybook_scratch / "builds"
    if "book" in needed:
        folder = copy_book(scratch / "book" / "book")
        config._therapybook_started["book"] = Started(folder, *command(
            folder, "html", SOURCE_DATE_EPOCH=EPOCH))
    if "twin_book" in needed:
        folder = copy_book(scratch / "twin_book" / "book")
        started = Started(folder, *command(folder, "html", SOURCE_DATE_EPOCH=EPOCH,
                                           THERAPYBOOK_JOBS="1"))
        config._therapybook_started["twin_book"] = started
        start_twin(config, started, folder)


def pytest_sessionfinish(session, exitstatus) -> None:
    config = session.config
    rebuild = getattr(config, "_therapybook_rebuild", None)
    pdf = getattr(config, "_therapybook_pdf", None)
    nbval = getattr(config, "_therapybook_nbval", None)
    for started in [*getattr(config, "_therapybook_started", {}).values(),
                    *([rebuild[3]] if rebuild else []), *([pdf] if pdf else []),
                    *([nbval] if nbval else [])]:
        started.stop()
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


def command(book: Path, *args: str, **env_extra: str) -> tuple[list[str], dict[str, str]]:
    """Command line and environment of ``python -m bookbuild ARGS`` on the scratch book."""
    env = dict(os.environ, THERAPYBOOK_ROOT=str(book), THERAPYBOOK_FIGURES=str(book / "figures"),
               THERAPYBOOK_BUILD_DIR=str(book / "_build"), **env_extra)
    env.pop("THERAPYBOOK_PROVENANCE_DIR", None)
    return [sys.executable, "-m", "bookbuild", *args], env


def run(book: Path, *args: str, **env_extra: str) -> subprocess.CompletedProcess:
    """Run ``python -m bookbuild ARGS`` on the scratch book ``book``."""
    argv, env = command(book, *args, **env_extra)
    return subprocess.run(argv, cwd=book, env=env, capture_output=True, text=True)


class Started:
    """A build started in the background (see :func:`pytest_collection_finish`)."""

    def __init__(self, book: Path, argv: list[str], env: dict[str, str]):
        self.book, self.argv = book, argv
        log = book.parent / f"{argv[-1]}-{len(list(book.parent.glob('*-stdout.txt')))}"
        self.out = Path(f"{log}-stdout.txt").open("w+", encoding="utf-8")
        self.err = Path(f"{log}-stderr.txt").open("w+", encoding="utf-8")
        self.proc = subprocess.Popen(argv, cwd=book, env=env, stdout=self.out, stderr=self.err,
                                     text=True)

    def wait(self) -> subprocess.CompletedProcess:
        """The finished build, as :func:`run` returns it."""
        rc = self.proc.wait()
        self.out.seek(0)
        self.err.seek(0)
        return subprocess.CompletedProcess(self.argv, rc, self.out.read(), self.err.read())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.out.close()
        self.err.close()


def execute_chapter(chapter: Path, scratch: Path, **env_extra: str):
    """Run a chapter's code in a plain kernel, as a reader of the notebook would.

    Its figures and provenance records go to ``scratch``, never to the working tree.
    Returns the executed notebook.
    """
    import jupytext
    import nbclient

    env = {**os.environ, "THERAPYBOOK_FIGURES": str(scratch / "figures"),
           "THERAPYBOOK_PROVENANCE_DIR": str(scratch / "provenance"), **env_extra}
    nb = jupytext.read(chapter)
    # The kernel's own environment (jupyter_client's ``env``): this process's is not
    # changed, and the background threads of the session never see it.
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(chapter.parent)}}
                            ).execute(env=env)
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


def built(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    """``proc`` if the build succeeded; fail the test with its output otherwise."""
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    return proc


@pytest.fixture(scope="session")
def book(request) -> Path:
    """A scratch copy of the book, built once in HTML (cold, two processes) for the session.

    Read only: no test may change it (see the module's docstring). If a selected test
    rebuilds it (``rebuilt_book``), the copy is taken and its first rebuild started here,
    before any test reads ``book``, so that it builds while they run; so do the PDF of
    ``pdf_book`` (in this folder: a test that runs a build here asks for :func:`idle_book`),
    the nbval runs over every chapter (``tests/test_chapters_nbval.py``: they need no
    book, but by now the fast tier is over) and the browser's visit of every page
    (``tests/test_browser.py``), which reads only the published pages.
    """
    config = request.config
    started = config._therapybook_started.get("book")
    if started is None:  # not started with the session (e.g. a fixture asked by hand)
        folder = copy_book(config._therapybook_scratch / "builds" / "book" / "book")
        built(run(folder, "html", SOURCE_DATE_EPOCH=EPOCH))
    else:
        built(started.wait())
        folder = started.book
    if "rebuilt_book" in config._therapybook_needed:
        config._therapybook_rebuild = start_rebuild(
            folder, config._therapybook_scratch / "builds" / "rebuilt")
    if "pdf_book" in config._therapybook_needed:  # see idle_book()
        config._therapybook_pdf = Started(folder, *command(folder, "pdf",
                                                           SOURCE_DATE_EPOCH=EPOCH))
    if "nbval_runs" in config._therapybook_needed:
        import test_chapters_nbval

        config._therapybook_nbval = test_chapters_nbval.start(
            config._therapybook_scratch / "nbval")
    if "crawl" in config._therapybook_needed:
        import test_browser

        if test_browser.can_crawl():
            config._therapybook_crawl = test_browser.start_crawl(folder / "_build" / "html")
    return folder


@dataclass(frozen=True)
class Twin:
    """A second copy of the sources, built cold on one process (``THERAPYBOOK_JOBS=1``)."""

    #: the copy; after the real-data test its build is that of another cohort
    book: Path
    #: what its first build made, kept aside: ``figures/``, ``_build/html/`` and the two
    #: reports of ``_build/`` (what the reproducibility test compares with ``book``)
    first: Path


def keep_first(started: Started | None, folder: Path) -> Twin:
    """Wait for the twin's cold build (or run it now) and keep what it made aside."""
    if started is None:
        built(run(folder, "html", SOURCE_DATE_EPOCH=EPOCH, THERAPYBOOK_JOBS="1"))
    else:
        built(started.wait())
    first = folder.parent / "first"
    shutil.copytree(folder / "figures", first / "figures")
    shutil.copytree(folder / "_build" / "html", first / "_build" / "html")
    for name in ("provenance.json", "reproductibilite.json"):
        if (folder / "_build" / name).exists():
            shutil.copy2(folder / "_build" / name, first / "_build" / name)
    return Twin(folder, first)


#: Identifiers of the privacy test's cohort, the most recognisable first that the
#: identifier column's pattern accepts.
ID_FORMATS = ("ZQXPRIV{n:03d}", "ZQX-{n:03d}", "ZQX{n:03d}", "P9{n:02d}", "{n:03d}")
#: The data-package resource that real-data mode replaces.
COHORT = "retrospective_cohort"


def parse(text: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV text (blank lines dropped)."""
    table = list(csv.reader(io.StringIO(text, newline="")))
    return table[0], [r for r in table[1:] if r]


def dump(header: list[str], rows: list[list[str]]) -> str:
    """The CSV text of ``header`` and ``rows``, one line each."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return out.getvalue()


def recognisable_cohort(text: str, res: dict) -> tuple[str, list[str], list[float]]:
    """The shipped pseudo-cohort with recognisable IDs and shifted times (``*_months``)."""
    header, rows = parse(text)
    fields = {f["name"]: f for f in res["schema"]["fields"]}
    pk = res["schema"]["primaryKey"]
    id_col = header.index(pk if isinstance(pk, str) else pk[0])
    pattern = fields[header[id_col]].get("constraints", {}).get("pattern")
    fmt_id = next((f for f in ID_FORMATS if not pattern
                   or all(re.fullmatch(pattern, f.format(n=n)) for n in range(1, len(rows) + 1))),
                  None)
    if fmt_id is None:
        pytest.skip(f"aucun format d'identifiant reconnaissable ne suit le motif {pattern}")
    ids, times = [], []
    time_cols = [i for i, h in enumerate(header)
                 if h.endswith("_months") and fields.get(h, {}).get("type") == "number"]
    for n, row in enumerate(rows, 1):
        row[id_col] = fmt_id.format(n=n)
        ids.append(row[id_col])
        for i in time_cols:
            if row[i]:
                value = round(float(row[i]) + 0.013 + 0.0017 * (n % 5), 3)
                row[i] = f"{value}"
                times.append(value)
    return dump(header, rows), ids, times


@dataclass(frozen=True)
class RealData:
    """The twin rebuilt (HTML, then PDF) in real-data mode on a recognisable cohort."""

    twin: Twin
    #: the cohort file, its text, its identifiers and its individual times
    cohort: Path
    text: str
    ids: list[str]
    times: list[float]
    builds: tuple[subprocess.CompletedProcess, ...]


def build_real_data(first: Future) -> RealData:
    """Once the twin is kept aside (``first``), rebuild it on a recognisable cohort."""
    twin = first.result()
    res = next((r for r in descriptor(twin.book)["resources"] if r["name"] == COHORT), None)
    if res is None:
        pytest.skip("pas de cohorte rétrospective dans le paquet de données")
    text, ids, times = recognisable_cohort(
        (twin.book / "data" / res["path"]).read_text(encoding="utf-8"), res)
    cohort = twin.book.parent / "cohorte-reelle.csv"
    cohort.write_text(text, encoding="utf-8")
    builds = tuple(run(twin.book, command, THERAPYBOOK_COHORT=str(cohort))
                   for command in ("html", "pdf"))
    return RealData(twin, cohort, text, ids, times, builds)


def start_twin(config, started: Started | None, folder: Path) -> None:
    """In a thread of their own, one after the other: wait for the twin's build and keep
    it aside (``twin_book``), then, if a selected test asks for it, its real-data
    rebuild (``real_data_book``). Only files and subprocesses: no state of this process."""
    pool = ThreadPoolExecutor(1, thread_name_prefix="twin")
    first = pool.submit(keep_first, started, folder)
    config._therapybook_twin = first
    if "real_data_book" in config._therapybook_needed:
        config._therapybook_real = pool.submit(build_real_data, first)
    pool.shutdown(wait=False)


@pytest.fixture(scope="session")
def twin_book(request) -> Twin:
    """The reproducibility test's second build, then reused (its build environment and
    execution cache are those of its own folder, so a rebuild reads only what changed)
    by the real-data privacy test."""
    config = request.config
    if config._therapybook_twin is None:
        start_twin(config, None, copy_book(config._therapybook_scratch / "builds" / "twin_book"
                                           / "book"))
    return config._therapybook_twin.result()


@pytest.fixture(scope="session")
def real_data_book(request, twin_book) -> RealData:
    """``twin_book`` rebuilt in real-data mode (HTML and PDF) on a recognisable cohort:
    the shipped pseudo-cohort with other identifiers and shifted times. Started in the
    background as soon as the twin is built (:func:`start_twin`)."""
    config = request.config
    if config._therapybook_real is None:
        pool = ThreadPoolExecutor(1)
        config._therapybook_real = pool.submit(build_real_data, config._therapybook_twin)
        pool.shutdown(wait=False)
    return config._therapybook_real.result()


@pytest.fixture(scope="session")
def pdf_book(request, book) -> Path:
    """The session's ``book``, also built as PDF once for the whole session.

    The PDF is ``_build/pdf/livre.pdf``; the LaTeX sources and the log of the last LaTeX
    run stay in ``_build/.stage/latex/`` (``livre.tex``, ``livre.log``).
    """
    started = request.config._therapybook_pdf
    built(started.wait() if started else run(book, "pdf", SOURCE_DATE_EPOCH=EPOCH))
    return book


@pytest.fixture
def idle_book(request, book) -> Path:
    """``book`` once no build runs in its folder (the PDF of ``pdf_book`` is started in the
    background, if a selected test reads it): for a test that runs a build there itself."""
    if request.config._therapybook_pdf is not None:
        request.config._therapybook_pdf.wait()
    return book


def pdf_text(book: Path) -> str:
    """Text of the built PDF of ``book`` (``pdftotext``, layout not kept)."""
    pdf = book / "_build" / "pdf" / "livre.pdf"
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


@dataclass(frozen=True)
class Change:
    """Replace ``old`` (found exactly once) by ``new`` in the book's file ``path``."""

    path: str
    old: str
    new: str

    def apply(self, book: Path) -> None:
        file = book / self.path
        text = file.read_text(encoding="utf-8")
        assert text.count(self.old) == 1, f"{self.path} : {self.old!r} absent ou répété"
        file.write_text(text.replace(self.old, self.new), encoding="utf-8")


#: Changes made together before the one rebuild of ``rebuilt_book`` (keys name them for
#: the tests that check their effect). A data change re-executes the chapters that read
#: the file; the cell added to a chapter re-executes that chapter.
CHANGES = {
    "infections_majestec1": Change("data/these/infections_essais.csv",
                                   "MajesTEC-1,teclistamab,bispecific,infection_any,80,",
                                   "MajesTEC-1,teclistamab,bispecific,infection_any,81,"),
    "orr_dreamm2": Change("data/these/resultats_essais_anti_bcma.csv",
                          "DREAMM-2,anti_bcma,orr,32,", "DREAMM-2,anti_bcma,orr,33,"),
    "orr_majestec1": Change("data/these/resultats_essais_anti_bcma.csv",
                            "MajesTEC-1,anti_bcma,orr,63,", "MajesTEC-1,anti_bcma,orr,64,"),
    "step_label": Change("data/article/parcours_car_t.csv", "Consultation d'éligibilité,",
                         "Consultation d'éligibilité modifiée,"),
    "step_duration": Change(
        "data/article/parcours_car_t.csv",
        "hospitalisation,11,Surveillance à l'hôpital,traitement,0,10,",
        "hospitalisation,11,Surveillance à l'hôpital,traitement,0,14,"),
    "case_event": Change("data/these/cas_cliniques.csv", "Oligoarthrite récidivante",
                         "Oligoarthrite modifiée pour le test"),
}
#: A code cell appended to a chapter that no data change touches.
ADDED_CELL_CHAPTER = "chapters/these/09-conclusion"
ADDED_CELL = 'print("cellule ajoutée par le test de reconstruction")'
#: Chapter whose code a test runs by hand with its own folders (the README sequence of
#: issue 9): the next build must not re-execute it.
HAND_RUN_CHAPTER = "chapters/article/03-car-t"
#: Chapter whose code runs by hand with the build's records but other figures (the bug
#: of issue 9): the next build re-executes it and says why.
STALE_RECORDS_CHAPTER = "chapters/these/02-biologie-bcma"
#: A record of a table that no longer exists: the rebuild deletes it.
STALE_RECORD = "table-tableau-supprime.json"
#: Modules of the build tooling and of the generator edited before the rebuild (in a
#: copy of ``src/`` the rebuild imports): no chapter may re-execute for them.
TOOLING_EDITS = ("bookbuild/bench.py", "bookbuild/sphinx/provenance_manifest.py",
                 "cohortgen/pseudocohort.py")


@dataclass(frozen=True)
class Rebuild:
    """``book`` copied and rebuilt three times (see :func:`rebuilt_book`)."""

    book: Path
    src: Path
    #: after every change of :data:`CHANGES`, the added cell and the tooling edits
    changed: subprocess.CompletedProcess
    #: after chapter code ran by hand (:data:`HAND_RUN_CHAPTER`, :data:`STALE_RECORDS_CHAPTER`)
    by_hand: subprocess.CompletedProcess
    #: with nothing changed
    unchanged: subprocess.CompletedProcess
    env: dict


def copy_built(book: Path, dest: Path) -> Path:
    """Copy a built scratch book, with its build folder and figures, into ``dest``.

    The first build of the copy reads every page again (Sphinx's environment is tied to
    the source folder); chapters are still served from the execution cache.
    """
    shutil.copytree(book, dest, symlinks=True, dirs_exist_ok=True)
    return dest


def start_rebuild(book: Path, scratch: Path) -> tuple[Path, Path, dict[str, str], Started]:
    """Copy the built ``book`` into ``scratch``, make every change of :data:`CHANGES`, the
    added cell and the tooling edits, and start the first rebuild in the background."""
    copy = copy_built(book, scratch / "book")
    src = scratch / "src"
    shutil.copytree(ROOT / "src", src, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    env = {"PYTHONPATH": str(src), "SOURCE_DATE_EPOCH": EPOCH}
    (copy / "_build" / "provenance" / STALE_RECORD).write_text(json.dumps(
        {"kind": "table", "name": "tableau-supprime", "caption": "x", "inputs": [],
         "outputs": []}), encoding="utf-8")
    for change in CHANGES.values():
        change.apply(copy)
    chapter = copy / f"{ADDED_CELL_CHAPTER}.md"
    chapter.write_text(chapter.read_text(encoding="utf-8")
                       + f"\n```{{code-cell}} ipython3\n{ADDED_CELL}\n```\n", encoding="utf-8")
    for module in TOOLING_EDITS:
        with (src / module).open("a", encoding="utf-8") as f:
            f.write("\n# modifié par le test de reconstruction\n")
    return copy, src, env, Started(copy, *command(copy, "html", **env))


@pytest.fixture(scope="session")
def rebuilt_book(request, book) -> Rebuild:
    """A copy of ``book`` rebuilt three times: after every change of :data:`CHANGES`, the
    added cell and the tooling edits (one build, started as soon as ``book`` was built:
    see :func:`book`); after chapter code ran by hand (issue 9); with nothing changed."""
    scratch = request.config._therapybook_scratch / "builds" / "rebuilt"
    started = request.config._therapybook_rebuild or start_rebuild(book, scratch)
    copy, src, env, first = started
    changed = built(first.wait())
    execute_chapter(copy / f"{HAND_RUN_CHAPTER}.md", scratch / "by-hand",
                    THERAPYBOOK_ROOT=str(copy))
    execute_chapter(copy / f"{STALE_RECORDS_CHAPTER}.md", scratch / "stale",
                    THERAPYBOOK_ROOT=str(copy),
                    THERAPYBOOK_PROVENANCE_DIR=str(copy / "_build" / "provenance"))
    by_hand = built(run(copy, "html", **env))
    unchanged = built(run(copy, "html", **env))
    return Rebuild(copy, src, changed, by_hand, unchanged, env)
