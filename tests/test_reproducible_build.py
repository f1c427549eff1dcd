"""Two clean builds of the same sources are byte-identical.

Two fresh copies of the book (different folders, empty execution caches, no figures)
are built, one on two processes (the session's ``book``) and one on one
(``THERAPYBOOK_JOBS=1``, the session's ``twin_book``, compared as first built), so
neither the location of the sources nor parallel reading may leak into the output. Compared
byte for byte: every figure (SVG and PNG), ``provenance.json``, the reproducibility
report ``reproductibilite.json`` and every file of ``_build/html`` (pages, search
index, downloads under their hashed folders, static files).

Normalised fields: none. The only date in the output is the page footer's « Mis à
jour le … » (and its ``docbuild:last-update`` meta tag): it is the date of
``SOURCE_DATE_EPOCH``, which the build defaults to the commit time in a git checkout;
both builds here get the same value (``conftest.EPOCH``), as a reproducible-builds
rebuilder would, and the test checks that it is honoured. Matplotlib writes no date or
software version and derives SVG ids from ``svg.hashsalt``, download folders are hashed from paths
relative to the sources, and no output embeds an absolute path. Should an
unavoidable field appear, normalise it in ``NORMALISE`` below (pattern → replacement,
applied to both builds' text files) and list it in the README's reproducibility section.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.build
NORMALISE: dict[str, str] = {}
EPOCH_DATE = "janv. 01, 2026"  # conftest.EPOCH
TEXT = {".html", ".js", ".json", ".css", ".svg", ".txt", ".md", ".csv", ".ipynb", ".py"}


@pytest.fixture(scope="module")
def twin_builds(book, twin_book) -> tuple[Path, Path]:
    """The session's ``book`` (two processes) and what a second copy built on one made."""
    return book, twin_book.first


def _files(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}


def _content(path: Path) -> bytes:
    data = path.read_bytes()
    if NORMALISE and path.suffix in TEXT:
        text = data.decode("utf-8", errors="surrogateescape")
        for pattern, repl in NORMALISE.items():
            text = re.sub(pattern, repl, text)
        data = text.encode("utf-8", errors="surrogateescape")
    return data


def _compare(a: Path, b: Path) -> list[str]:
    fa, fb = _files(a), _files(b)
    problems = [f"présent dans une seule construction : {n}" for n in sorted(set(fa) ^ set(fb))]
    for name in sorted(set(fa) & set(fb)):
        ca, cb = _content(fa[name]), _content(fb[name])
        if ca == cb:
            continue
        if fa[name].suffix in TEXT:
            diff = difflib.unified_diff(ca.decode(errors="replace").splitlines(),
                                        cb.decode(errors="replace").splitlines(), lineterm="",
                                        n=0)
            problems.append(f"{name} diffère :\n" + "\n".join(list(diff)[2:12]))
        else:
            problems.append(f"{name} diffère ({len(ca)} / {len(cb)} octets)")
    return problems


def test_figures_are_byte_identical(twin_builds):
    a, b = twin_builds
    figs = _files(a / "figures")
    assert any(n.endswith(".svg") for n in figs) and any(n.endswith(".png") for n in figs)
    assert _compare(a / "figures", b / "figures") == []


@pytest.mark.parametrize("name", ["provenance.json", "reproductibilite.json"])
def test_json_reports_are_identical(twin_builds, name):
    a, b = twin_builds
    pa, pb = a / "_build" / name, b / "_build" / name
    assert pa.exists() and pb.exists()
    assert pa.read_bytes() == pb.read_bytes()


def test_html_is_byte_identical(twin_builds):
    a, b = twin_builds
    problems = _compare(a / "_build" / "html", b / "_build" / "html")
    assert problems == [], "\n".join(problems[:20])


def test_source_date_epoch_is_honoured(twin_builds):
    index = (twin_builds[0] / "_build" / "html" / "index.html").read_text(encoding="utf-8")
    assert EPOCH_DATE in index


def test_no_absolute_path_of_the_sources_in_the_output(book, twin_book):
    for sources, build in ((book, book), (twin_book.book, twin_book.first)):
        leaks = [name for name, p in _files(build / "_build" / "html").items()
                 if p.suffix in TEXT and str(sources) in p.read_text(errors="replace")]
        assert leaks == [], leaks[:10]
