"""Parallel reading: chapters spread over Sphinx's chunks, and the build may read on two
processes although sphinx-multitoc-numbering declares nothing."""

from __future__ import annotations

import pytest
from sphinx.application import Sphinx
from sphinx.util.parallel import make_chunks

from bookbuild.sphinx import parallel_reading


def makespan(order: list[str], costs: dict[str, int], nproc: int) -> int:
    """When the last process finishes, if each free process takes the next chunk."""
    free = [0] * nproc
    for chunk in make_chunks(order, nproc):
        i = free.index(min(free))
        free[i] += sum(costs[d] for d in chunk)
    return max(free)


def test_heavy_chapters_are_spread_over_the_chunks_read_together():
    # The book's shape: 19 chapters that execute code, 3 plain pages; alphabetical order
    # puts the five heaviest in the same chunk.
    costs = {f"a{i:02d}": 0 for i in range(3)}
    costs |= {f"b{i:02d}": 100 for i in range(5)} | {f"c{i:02d}": 10 for i in range(14)}
    docs = sorted(costs)
    order = parallel_reading.balanced_order(docs, costs, 2)
    assert sorted(order) == docs
    half = sum(costs.values()) / 2
    assert makespan(docs, costs, 2) >= half + 200  # alphabetical: one process waits
    # Chunks of 10, 10 and 2 leave no perfect split of five heavy chapters: the best is
    # three on one process with the plain pages, two on the other: 20 over even.
    assert makespan(order, costs, 2) <= half + 20


@pytest.mark.parametrize("n", [6, 7, 12, 22, 40])
def test_any_number_of_documents_keeps_every_document_once(n):
    costs = {f"d{i:02d}": (i * 37) % 11 for i in range(n)}
    order = parallel_reading.balanced_order(sorted(costs), costs, 2)
    assert sorted(order) == sorted(costs)
    assert makespan(order, costs, 2) <= sum(costs.values()) / 2 + max(costs.values())


def test_one_process_keeps_sphinxs_order():
    docs = ["b", "a"]

    class App:
        parallel = 1

    parallel_reading._reorder(App(), None, docs)
    assert docs == ["b", "a"]


@pytest.mark.parametrize("declare", [True, False])
def test_parallel_reading_is_allowed_with_multitoc_numbering(tmp_path, declare):
    """Guard of the one intervention into another package: if Sphinx's record of an
    extension changes shape, or sphinx-multitoc-numbering starts declaring, this fails."""
    (tmp_path / "index.rst").write_text("Essai\n=====\n")
    extensions = ["sphinx_multitoc_numbering"]
    if declare:
        extensions.append("bookbuild.sphinx.parallel_reading")
    app = Sphinx(str(tmp_path), None, str(tmp_path / "_build"), str(tmp_path / "_doctrees"),
                 "html", confoverrides={"extensions": extensions}, status=None, warning=None,
                 parallel=2)
    assert app.extensions["sphinx_multitoc_numbering"].parallel_read_safe is (
        True if declare else None)
    assert app.is_parallel_allowed("read") is declare
